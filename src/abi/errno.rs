//! Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h).

/// A Linux errno value (positive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $val:expr, $msg:expr;)*) => {
        impl Errno {
            $(#[doc = $msg] pub const $name: Errno = Errno($val);)*

            /// The symbolic name, as strace prints it.
            pub fn name(self) -> &'static str {
                match self.0 { $($val => stringify!($name),)* _ => "E?" }
            }
            /// The strerror text.
            pub fn message(self) -> &'static str {
                match self.0 { $($val => $msg,)* _ => "Unknown error" }
            }
            /// Translate a host errno to Linux, by name.
            pub fn from_host(e: i32) -> Errno {
                $(if e == host_errno::$name { return Errno::$name; })*
                Errno::EIO
            }
        }
    };
}

/// Host errno constants under the Linux names (missing ones map to -1).
#[allow(missing_docs)]
mod host_errno {
    pub const EPERM: i32 = libc::EPERM;
    pub const ENOENT: i32 = libc::ENOENT;
    pub const ESRCH: i32 = libc::ESRCH;
    pub const EINTR: i32 = libc::EINTR;
    pub const EIO: i32 = libc::EIO;
    pub const ENXIO: i32 = libc::ENXIO;
    pub const E2BIG: i32 = libc::E2BIG;
    pub const ENOEXEC: i32 = libc::ENOEXEC;
    pub const EBADF: i32 = libc::EBADF;
    pub const ECHILD: i32 = libc::ECHILD;
    pub const EAGAIN: i32 = libc::EAGAIN;
    pub const ENOMEM: i32 = libc::ENOMEM;
    pub const EACCES: i32 = libc::EACCES;
    pub const EFAULT: i32 = libc::EFAULT;
    pub const ENOTBLK: i32 = libc::ENOTBLK;
    pub const EBUSY: i32 = libc::EBUSY;
    pub const EEXIST: i32 = libc::EEXIST;
    pub const EXDEV: i32 = libc::EXDEV;
    pub const ENODEV: i32 = libc::ENODEV;
    pub const ENOTDIR: i32 = libc::ENOTDIR;
    pub const EISDIR: i32 = libc::EISDIR;
    pub const EINVAL: i32 = libc::EINVAL;
    pub const ENFILE: i32 = libc::ENFILE;
    pub const EMFILE: i32 = libc::EMFILE;
    pub const ENOTTY: i32 = libc::ENOTTY;
    pub const ETXTBSY: i32 = libc::ETXTBSY;
    pub const EFBIG: i32 = libc::EFBIG;
    pub const ENOSPC: i32 = libc::ENOSPC;
    pub const ESPIPE: i32 = libc::ESPIPE;
    pub const EROFS: i32 = libc::EROFS;
    pub const EMLINK: i32 = libc::EMLINK;
    pub const EPIPE: i32 = libc::EPIPE;
    pub const EDOM: i32 = libc::EDOM;
    pub const ERANGE: i32 = libc::ERANGE;
    pub const EDEADLK: i32 = libc::EDEADLK;
    pub const ENAMETOOLONG: i32 = libc::ENAMETOOLONG;
    pub const ENOLCK: i32 = libc::ENOLCK;
    pub const ENOSYS: i32 = libc::ENOSYS;
    pub const ENOTEMPTY: i32 = libc::ENOTEMPTY;
    pub const ELOOP: i32 = libc::ELOOP;
    pub const ENOMSG: i32 = libc::ENOMSG;
    pub const EIDRM: i32 = libc::EIDRM;
    pub const ENOSTR: i32 = -1;
    pub const ENODATA: i32 = libc::ENODATA;
    pub const ETIME: i32 = -1;
    pub const ENOLINK: i32 = libc::ENOLINK;
    pub const EPROTO: i32 = libc::EPROTO;
    pub const ELIBBAD: i32 = -1;
    pub const EBADMSG: i32 = libc::EBADMSG;
    pub const EOVERFLOW: i32 = libc::EOVERFLOW;
    pub const EILSEQ: i32 = libc::EILSEQ;
    pub const EUSERS: i32 = libc::EUSERS;
    pub const ENOTSOCK: i32 = libc::ENOTSOCK;
    pub const EDESTADDRREQ: i32 = libc::EDESTADDRREQ;
    pub const EMSGSIZE: i32 = libc::EMSGSIZE;
    pub const EPROTOTYPE: i32 = libc::EPROTOTYPE;
    pub const ENOPROTOOPT: i32 = libc::ENOPROTOOPT;
    pub const EPROTONOSUPPORT: i32 = libc::EPROTONOSUPPORT;
    pub const ESOCKTNOSUPPORT: i32 = libc::ESOCKTNOSUPPORT;
    pub const EOPNOTSUPP: i32 = libc::EOPNOTSUPP;
    pub const EPFNOSUPPORT: i32 = libc::EPFNOSUPPORT;
    pub const EAFNOSUPPORT: i32 = libc::EAFNOSUPPORT;
    pub const EADDRINUSE: i32 = libc::EADDRINUSE;
    pub const EADDRNOTAVAIL: i32 = libc::EADDRNOTAVAIL;
    pub const ENETDOWN: i32 = libc::ENETDOWN;
    pub const ENETUNREACH: i32 = libc::ENETUNREACH;
    pub const ENETRESET: i32 = libc::ENETRESET;
    pub const ECONNABORTED: i32 = libc::ECONNABORTED;
    pub const ECONNRESET: i32 = libc::ECONNRESET;
    pub const ENOBUFS: i32 = libc::ENOBUFS;
    pub const EISCONN: i32 = libc::EISCONN;
    pub const ENOTCONN: i32 = libc::ENOTCONN;
    pub const ESHUTDOWN: i32 = libc::ESHUTDOWN;
    pub const ETOOMANYREFS: i32 = libc::ETOOMANYREFS;
    pub const ETIMEDOUT: i32 = libc::ETIMEDOUT;
    pub const ECONNREFUSED: i32 = libc::ECONNREFUSED;
    pub const EHOSTDOWN: i32 = libc::EHOSTDOWN;
    pub const EHOSTUNREACH: i32 = libc::EHOSTUNREACH;
    pub const EALREADY: i32 = libc::EALREADY;
    pub const EINPROGRESS: i32 = libc::EINPROGRESS;
    pub const ESTALE: i32 = libc::ESTALE;
    pub const EDQUOT: i32 = libc::EDQUOT;
    pub const ECANCELED: i32 = libc::ECANCELED;
    pub const EOWNERDEAD: i32 = libc::EOWNERDEAD;
    pub const ENOTRECOVERABLE: i32 = libc::ENOTRECOVERABLE;
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Numerical argument out of domain";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENAMETOOLONG = 36, "File name too long";
    ENOLCK = 37, "No locks available";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many levels of symbolic links";
    ENOMSG = 42, "No message of desired type";
    EIDRM = 43, "Identifier removed";
    ENOSTR = 60, "Device not a stream";
    ENODATA = 61, "No data available";
    ETIME = 62, "Timer expired";
    ENOLINK = 67, "Link has been severed";
    EPROTO = 71, "Protocol error";
    EBADMSG = 74, "Bad message";
    EOVERFLOW = 75, "Value too large for defined data type";
    ELIBBAD = 80, "Accessing a corrupted shared library";
    EILSEQ = 84, "Invalid or incomplete multibyte or wide character";
    EUSERS = 87, "Too many users";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too long";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    ESOCKTNOSUPPORT = 94, "Socket type not supported";
    EOPNOTSUPP = 95, "Operation not supported";
    EPFNOSUPPORT = 96, "Protocol family not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    EADDRNOTAVAIL = 99, "Cannot assign requested address";
    ENETDOWN = 100, "Network is down";
    ENETUNREACH = 101, "Network is unreachable";
    ENETRESET = 102, "Network dropped connection on reset";
    ECONNABORTED = 103, "Software caused connection abort";
    ECONNRESET = 104, "Connection reset by peer";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Transport endpoint is already connected";
    ENOTCONN = 107, "Transport endpoint is not connected";
    ESHUTDOWN = 108, "Cannot send after transport endpoint shutdown";
    ETOOMANYREFS = 109, "Too many references: cannot splice";
    ETIMEDOUT = 110, "Connection timed out";
    ECONNREFUSED = 111, "Connection refused";
    EHOSTDOWN = 112, "Host is down";
    EHOSTUNREACH = 113, "No route to host";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation now in progress";
    ESTALE = 116, "Stale file handle";
    EDQUOT = 122, "Disk quota exceeded";
    ECANCELED = 125, "Operation canceled";
    EOWNERDEAD = 130, "Owner died";
    ENOTRECOVERABLE = 131, "State not recoverable";
}

impl Errno {
    /// ENOTSUP is EOPNOTSUPP on Linux.
    pub const ENOTSUP: Errno = Errno::EOPNOTSUPP;

    /// The last host errno, translated.
    pub fn last_host() -> Errno {
        Errno::from_host(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
    }
    /// Translate a host I/O error.
    pub fn from_io(e: &std::io::Error) -> Errno {
        e.raw_os_error().map_or(Errno::EIO, Errno::from_host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_translation_by_name() {
        assert_eq!(Errno::from_host(libc::ENOENT), Errno::ENOENT);
        assert_eq!(Errno::from_host(libc::ENOSYS), Errno(38));
        assert_eq!(Errno::from_host(libc::ELOOP), Errno(40));
        assert_eq!(Errno::ENOENT.name(), "ENOENT");
        assert_eq!(Errno::EFAULT.message(), "Bad address");
    }
}
