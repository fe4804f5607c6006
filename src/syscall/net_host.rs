//! The host side of sockets: every place where the host's socket ABI
//! differs from Linux's is here (address families and `sockaddr` layout,
//! message flags, option numbers, control-message layout, peer
//! credentials). The handlers in [`super::sys_net`] speak Linux on the
//! guest side and call only these functions for the host.
//!
//! A BSD host (macOS) puts `sa_len` before a one-byte family and numbers
//! families, flags and options differently; those hosts get their own arms
//! here. Filesystem AF_UNIX names are reached through a pinned host
//! directory (`/proc/self/fd/N/name` on Linux); hosts without that get
//! EOPNOTSUPP for them until `bindat`/`connectat` are wired in.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use crate::abi::errno::Errno;
use crate::abi::socket as so;

/// A host socket address ready for bind/connect/sendto, with whatever host
/// fd must stay open while the host uses it.
pub struct HostAddr {
    /// The address in the host's layout.
    pub ss: libc::sockaddr_storage,
    /// Its length.
    pub len: libc::socklen_t,
    /// A host directory or socket node the address names through
    /// `/proc/self/fd` (kept open until the call returns).
    pub _pin: Option<OwnedFd>,
}

fn zeroed_storage() -> libc::sockaddr_storage {
    // SAFETY: sockaddr_storage is plain data; all-zero is a valid value.
    unsafe { std::mem::zeroed() }
}

impl HostAddr {
    fn from_bytes(bytes: &[u8], pin: Option<OwnedFd>) -> HostAddr {
        let mut ss = zeroed_storage();
        let n = bytes.len().min(std::mem::size_of::<libc::sockaddr_storage>());
        // SAFETY: copying at most sizeof(sockaddr_storage) bytes into it.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), (&mut ss as *mut libc::sockaddr_storage).cast(), n) };
        HostAddr { ss, len: n as libc::socklen_t, _pin: pin }
    }

    /// Pointer for the host call.
    pub fn ptr(&self) -> *const libc::sockaddr {
        (&self.ss as *const libc::sockaddr_storage).cast()
    }

    /// The AF_UNSPEC address (connect(2) "dissolve the association").
    pub fn unspec() -> HostAddr {
        let mut ss = zeroed_storage();
        ss.ss_family = libc::AF_UNSPEC as libc::sa_family_t;
        HostAddr { ss, len: std::mem::size_of::<libc::sa_family_t>() as libc::socklen_t, _pin: None }
    }
}

/// Host address family for a Linux one (only the families elfuse passes
/// through).
pub fn family_to_host(f: u16) -> Option<i32> {
    match f {
        so::AF_UNIX => Some(libc::AF_UNIX),
        so::AF_INET => Some(libc::AF_INET),
        so::AF_INET6 => Some(libc::AF_INET6),
        _ => None,
    }
}

/// Linux address family for a host one.
pub fn family_from_host(f: i32) -> u16 {
    match f {
        libc::AF_UNIX => so::AF_UNIX,
        libc::AF_INET => so::AF_INET,
        libc::AF_INET6 => so::AF_INET6,
        _ => so::AF_UNSPEC,
    }
}

/// Host socket type for a Linux one.
pub fn type_to_host(t: u32) -> Option<i32> {
    match t {
        so::SOCK_STREAM => Some(libc::SOCK_STREAM),
        so::SOCK_DGRAM => Some(libc::SOCK_DGRAM),
        so::SOCK_RAW => Some(libc::SOCK_RAW),
        so::SOCK_SEQPACKET => Some(libc::SOCK_SEQPACKET),
        so::SOCK_RDM => Some(libc::SOCK_RDM),
        _ => None,
    }
}

/// Linux socket type for a host one.
pub fn type_from_host(t: i32) -> u32 {
    match t {
        libc::SOCK_STREAM => so::SOCK_STREAM,
        libc::SOCK_DGRAM => so::SOCK_DGRAM,
        libc::SOCK_RAW => so::SOCK_RAW,
        libc::SOCK_SEQPACKET => so::SOCK_SEQPACKET,
        libc::SOCK_RDM => so::SOCK_RDM,
        other => other as u32,
    }
}

/// Linux protocol number for a host one (IPPROTO_* are the IANA numbers on
/// every host).
pub fn proto_from_host(p: i32) -> u32 {
    p as u32
}

fn owned(r: i32) -> Result<OwnedFd, Errno> {
    if r < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: `r` is a fresh fd returned by the host, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

fn set_cloexec_nonblock(fd: &OwnedFd, nonblock: bool) {
    // SAFETY: fcntl flag changes on our own fd; no memory effects.
    unsafe {
        libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
        if nonblock {
            let fl = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, fl | libc::O_NONBLOCK);
        }
    }
}

/// socket(2) on the host; the host fd is always close-on-exec.
pub fn socket(family: i32, ty: i32, proto: i32, nonblock: bool) -> Result<OwnedFd, Errno> {
    #[cfg(target_os = "linux")]
    {
        let nb = if nonblock { libc::SOCK_NONBLOCK } else { 0 };
        // SAFETY: no memory effects.
        owned(unsafe { libc::socket(family, ty | libc::SOCK_CLOEXEC | nb, proto) })
    }
    #[cfg(not(target_os = "linux"))]
    {
        // SAFETY: no memory effects.
        let fd = owned(unsafe { libc::socket(family, ty, proto) })?;
        set_cloexec_nonblock(&fd, nonblock);
        Ok(fd)
    }
}

/// socketpair(2) on the host.
pub fn socketpair(family: i32, ty: i32, proto: i32, nonblock: bool) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut sv = [0i32; 2];
    #[cfg(target_os = "linux")]
    let flags = libc::SOCK_CLOEXEC | if nonblock { libc::SOCK_NONBLOCK } else { 0 };
    #[cfg(not(target_os = "linux"))]
    let flags = 0;
    // SAFETY: `sv` holds the two fds written on success.
    if unsafe { libc::socketpair(family, ty | flags, proto, sv.as_mut_ptr()) } < 0 {
        return Err(Errno::last_host());
    }
    let (a, b) = (owned(sv[0])?, owned(sv[1])?);
    if cfg!(not(target_os = "linux")) {
        set_cloexec_nonblock(&a, nonblock);
        set_cloexec_nonblock(&b, nonblock);
    }
    Ok((a, b))
}

/// accept(2) on the host: the new fd close-on-exec, non-blocking if asked.
pub fn accept(fd: RawFd, nonblock: bool) -> Result<(OwnedFd, libc::sockaddr_storage, libc::socklen_t), Errno> {
    let mut ss = zeroed_storage();
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let sa = (&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    #[cfg(target_os = "linux")]
    {
        let nb = if nonblock { libc::SOCK_NONBLOCK } else { 0 };
        // SAFETY: `sa`/`len` describe our own storage.
        let s = owned(unsafe { libc::accept4(fd, sa, &mut len, libc::SOCK_CLOEXEC | nb) })?;
        Ok((s, ss, len))
    }
    #[cfg(not(target_os = "linux"))]
    {
        // SAFETY: `sa`/`len` describe our own storage.
        let s = owned(unsafe { libc::accept(fd, sa, &mut len) })?;
        set_cloexec_nonblock(&s, nonblock);
        Ok((s, ss, len))
    }
}

/// An IPv4/IPv6 address from its Linux bytes, in the host layout.
/// `bytes` is already length-checked and of family `f`.
pub fn inet_to_host(f: u16, bytes: &[u8]) -> HostAddr {
    // Linux and the host's (Linux) layout agree except for the family
    // field, which is native-endian u16 on Linux and (sa_len, family) on
    // BSD hosts.
    let mut b = bytes.to_vec();
    let hf = family_to_host(f).unwrap_or(0);
    #[cfg(target_os = "linux")]
    b[..2].copy_from_slice(&(hf as u16).to_ne_bytes());
    #[cfg(not(target_os = "linux"))]
    {
        b[0] = b.len() as u8;
        b[1] = hf as u8;
    }
    HostAddr::from_bytes(&b, None)
}

/// An AF_UNIX abstract name (`name` without the leading NUL) in the host
/// layout. Hosts without an abstract namespace get EOPNOTSUPP.
pub fn unix_abstract(name: &[u8]) -> Result<HostAddr, Errno> {
    #[cfg(target_os = "linux")]
    {
        let mut b = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        b.push(0);
        b.extend_from_slice(name);
        Ok(HostAddr::from_bytes(&b, None))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = name;
        Err(Errno::EOPNOTSUPP)
    }
}

/// The unnamed AF_UNIX address (autobind: bind with only the family).
pub fn unix_unnamed() -> HostAddr {
    HostAddr::from_bytes(&(libc::AF_UNIX as u16).to_ne_bytes(), None)
}

/// The host name for a filesystem AF_UNIX socket `name` in the pinned host
/// directory `dir` (bind), or for the socket node `node` itself (`name`
/// None: connect/sendto, after the resolver followed the path inside the
/// root). The host never walks a guest-controlled path: only the pinned
/// fd's magic link and one final component.
pub fn unix_pinned(pin: OwnedFd, name: Option<&[u8]>) -> Result<HostAddr, Errno> {
    #[cfg(target_os = "linux")]
    {
        let mut path = format!("/proc/self/fd/{}", pin.as_raw_fd()).into_bytes();
        if let Some(n) = name {
            path.push(b'/');
            path.extend_from_slice(n);
        }
        // sun_path holds 108 bytes including the NUL.
        if path.len() >= so::SOCKADDR_UN - so::SUN_PATH_OFF {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut b = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        b.extend_from_slice(&path);
        b.push(0);
        Ok(HostAddr::from_bytes(&b, Some(pin)))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (pin, name);
        Err(Errno::EOPNOTSUPP)
    }
}

/// Give the socket node `name` just bound in host directory `dir` the
/// guest's permission bits (Linux creates it `0777 & ~umask` with the
/// guest's umask, not elfuse's). The node is opened without following
/// and must be a socket: a name swapped for a symlink is left alone.
pub fn chmod_bound(dir: RawFd, name: &[u8], mode: u32) {
    let Ok(c) = std::ffi::CString::new(name) else { return };
    #[cfg(target_os = "linux")]
    {
        // SAFETY: valid C string; the fd is owned below.
        let r = unsafe { libc::openat(dir, c.as_ptr(), libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC) };
        let Ok(node) = owned(r) else { return };
        if !is_socket(node.as_raw_fd()).unwrap_or(false) {
            return;
        }
        let Ok(p) = std::ffi::CString::new(format!("/proc/self/fd/{}", node.as_raw_fd())) else { return };
        // SAFETY: valid C string naming exactly the node opened above.
        unsafe { libc::chmod(p.as_ptr(), mode as libc::mode_t) };
    }
    #[cfg(not(target_os = "linux"))]
    // SAFETY: valid C string; the host does not follow a final symlink.
    unsafe {
        libc::fchmodat(dir, c.as_ptr(), mode as libc::mode_t, libc::AT_SYMLINK_NOFOLLOW);
    }
}

/// A host address in Linux's layout (AF_UNIX paths as the host reports
/// them; the caller translates those back to guest names).
pub fn addr_from_host(ss: &libc::sockaddr_storage, len: libc::socklen_t) -> Vec<u8> {
    let len = (len as usize).min(std::mem::size_of::<libc::sockaddr_storage>());
    // SAFETY: viewing our own storage as bytes, within its size.
    let raw = unsafe { std::slice::from_raw_parts((ss as *const libc::sockaddr_storage).cast::<u8>(), len) };
    if len < 2 {
        // An unnamed peer (e.g. a socketpair end): Linux reports the family only.
        return so::AF_UNIX.to_le_bytes().to_vec();
    }
    let fam = family_from_host(i32::from(ss.ss_family));
    let mut out = raw.to_vec();
    out[..2].copy_from_slice(&fam.to_le_bytes());
    if fam == so::AF_UNIX {
        // Linux reports sun_path up to and including the first NUL of a
        // path name, or all `len` bytes of an abstract one.
        if out.len() > 2 && out[2] != 0 {
            if let Some(z) = out[2..].iter().position(|&c| c == 0) {
                out.truncate(2 + z + 1);
            }
        }
    }
    out
}

/// getsockname/getpeername on the host.
pub fn name(fd: RawFd, peer: bool) -> Result<Vec<u8>, Errno> {
    let mut ss = zeroed_storage();
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let sa = (&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr>();
    // SAFETY: `sa`/`len` describe our own storage.
    let r = unsafe {
        if peer {
            libc::getpeername(fd, sa, &mut len)
        } else {
            libc::getsockname(fd, sa, &mut len)
        }
    };
    if r < 0 {
        return Err(Errno::last_host());
    }
    Ok(addr_from_host(&ss, len))
}

const MSG_MAP: &[(u32, i32)] = &[
    (so::MSG_OOB, libc::MSG_OOB),
    (so::MSG_PEEK, libc::MSG_PEEK),
    (so::MSG_DONTROUTE, libc::MSG_DONTROUTE),
    (so::MSG_CTRUNC, libc::MSG_CTRUNC),
    (so::MSG_TRUNC, libc::MSG_TRUNC),
    (so::MSG_DONTWAIT, libc::MSG_DONTWAIT),
    (so::MSG_EOR, libc::MSG_EOR),
    (so::MSG_WAITALL, libc::MSG_WAITALL),
    (so::MSG_NOSIGNAL, libc::MSG_NOSIGNAL),
    #[cfg(target_os = "linux")]
    (so::MSG_CONFIRM, libc::MSG_CONFIRM),
    #[cfg(target_os = "linux")]
    (so::MSG_ERRQUEUE, libc::MSG_ERRQUEUE),
    #[cfg(target_os = "linux")]
    (so::MSG_MORE, libc::MSG_MORE),
];

/// Host message flags for Linux ones (bits the host lacks are dropped, as
/// Linux ignores flags a protocol does not use).
pub fn msg_flags_to_host(f: u32) -> i32 {
    MSG_MAP.iter().filter(|(l, _)| f & l != 0).fold(0, |acc, (_, h)| acc | h)
}

/// Linux message flags for host ones (recvmsg's msg_flags).
pub fn msg_flags_from_host(h: i32) -> u32 {
    MSG_MAP.iter().filter(|(_, hf)| h & hf != 0).fold(0, |acc, (l, _)| acc | l)
}

/// How an option's value is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptKind {
    /// An `int`.
    Int,
    /// An `int` the guest reads but never sets.
    ReadOnlyInt,
    /// SO_TYPE/SO_DOMAIN/SO_PROTOCOL: translated back to Linux numbers.
    Type,
    /// SO_DOMAIN.
    Domain,
    /// SO_PROTOCOL.
    Protocol,
    /// SO_ERROR: a host errno.
    Error,
    /// `struct timeval`.
    Timeval,
    /// `struct linger`.
    Linger,
    /// `struct ucred` (SO_PEERCRED).
    PeerCred,
}

/// The host (level, name, kind) of a Linux socket option, or None
/// (ENOPROTOOPT).
pub fn opt_to_host(level: i32, name: i32) -> Option<(i32, i32, OptKind)> {
    use OptKind::*;
    let (hl, hn, k) = match level {
        so::SOL_SOCKET => {
            let (n, k) = match name {
                so::SO_REUSEADDR => (libc::SO_REUSEADDR, Int),
                so::SO_REUSEPORT => (libc::SO_REUSEPORT, Int),
                so::SO_KEEPALIVE => (libc::SO_KEEPALIVE, Int),
                so::SO_BROADCAST => (libc::SO_BROADCAST, Int),
                so::SO_DONTROUTE => (libc::SO_DONTROUTE, Int),
                so::SO_OOBINLINE => (libc::SO_OOBINLINE, Int),
                so::SO_SNDBUF => (libc::SO_SNDBUF, Int),
                so::SO_RCVBUF => (libc::SO_RCVBUF, Int),
                so::SO_RCVLOWAT => (libc::SO_RCVLOWAT, Int),
                so::SO_SNDLOWAT => (libc::SO_SNDLOWAT, Int),
                so::SO_TYPE => (libc::SO_TYPE, Type),
                so::SO_ERROR => (libc::SO_ERROR, Error),
                so::SO_ACCEPTCONN => (libc::SO_ACCEPTCONN, ReadOnlyInt),
                #[cfg(target_os = "linux")]
                so::SO_DOMAIN => (libc::SO_DOMAIN, Domain),
                #[cfg(target_os = "linux")]
                so::SO_PROTOCOL => (libc::SO_PROTOCOL, Protocol),
                so::SO_LINGER => (libc::SO_LINGER, Linger),
                so::SO_RCVTIMEO_OLD | so::SO_RCVTIMEO_NEW => (libc::SO_RCVTIMEO, Timeval),
                so::SO_SNDTIMEO_OLD | so::SO_SNDTIMEO_NEW => (libc::SO_SNDTIMEO, Timeval),
                #[cfg(target_os = "linux")]
                so::SO_PASSCRED => (libc::SO_PASSCRED, Int),
                #[cfg(target_os = "linux")]
                so::SO_PEERCRED => (libc::SO_PEERCRED, PeerCred),
                _ => return None,
            };
            (libc::SOL_SOCKET, n, k)
        }
        so::IPPROTO_TCP => {
            let n = match name {
                so::TCP_NODELAY => libc::TCP_NODELAY,
                so::TCP_MAXSEG => libc::TCP_MAXSEG,
                #[cfg(target_os = "linux")]
                so::TCP_CORK => libc::TCP_CORK,
                #[cfg(target_os = "linux")]
                so::TCP_KEEPIDLE => libc::TCP_KEEPIDLE,
                #[cfg(not(target_os = "linux"))]
                so::TCP_KEEPIDLE => libc::TCP_KEEPALIVE,
                so::TCP_KEEPINTVL => libc::TCP_KEEPINTVL,
                so::TCP_KEEPCNT => libc::TCP_KEEPCNT,
                _ => return None,
            };
            (libc::IPPROTO_TCP, n, Int)
        }
        so::IPPROTO_IP => {
            let n = match name {
                so::IP_TOS => libc::IP_TOS,
                so::IP_TTL => libc::IP_TTL,
                so::IP_MULTICAST_TTL => libc::IP_MULTICAST_TTL,
                so::IP_MULTICAST_LOOP => libc::IP_MULTICAST_LOOP,
                _ => return None,
            };
            (libc::IPPROTO_IP, n, Int)
        }
        so::IPPROTO_IPV6 => {
            let n = match name {
                so::IPV6_V6ONLY => libc::IPV6_V6ONLY,
                so::IPV6_UNICAST_HOPS => libc::IPV6_UNICAST_HOPS,
                so::IPV6_MULTICAST_HOPS => libc::IPV6_MULTICAST_HOPS,
                so::IPV6_MULTICAST_LOOP => libc::IPV6_MULTICAST_LOOP,
                so::IPV6_TCLASS => libc::IPV6_TCLASS,
                _ => return None,
            };
            (libc::IPPROTO_IPV6, n, Int)
        }
        _ => return None,
    };
    Some((hl, hn, k))
}

/// getsockopt(2) on the host into `buf`; returns the length the host wrote.
pub fn getsockopt(fd: RawFd, level: i32, name: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: `buf`/`len` describe our own buffer.
    if unsafe { libc::getsockopt(fd, level, name, buf.as_mut_ptr().cast(), &mut len) } < 0 {
        return Err(Errno::last_host());
    }
    Ok(len as usize)
}

/// setsockopt(2) on the host from `buf`.
pub fn setsockopt(fd: RawFd, level: i32, name: i32, buf: &[u8]) -> Result<(), Errno> {
    // SAFETY: `buf` is our own buffer of the stated length.
    if unsafe { libc::setsockopt(fd, level, name, buf.as_ptr().cast(), buf.len() as libc::socklen_t) } < 0 {
        return Err(Errno::last_host());
    }
    Ok(())
}

/// An int-valued host option.
pub fn getsockopt_int(fd: RawFd, level: i32, name: i32) -> Result<i32, Errno> {
    let mut b = [0u8; 4];
    getsockopt(fd, level, name, &mut b)?;
    Ok(i32::from_ne_bytes(b))
}

/// A host `struct timeval` option as (sec, usec).
pub fn getsockopt_timeval(fd: RawFd, name: i32) -> Result<(i64, i64), Errno> {
    let mut tv = libc::timeval { tv_sec: 0, tv_usec: 0 };
    let mut len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
    // SAFETY: `tv`/`len` describe our own struct.
    if unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, name, (&mut tv as *mut libc::timeval).cast(), &mut len) } < 0 {
        return Err(Errno::last_host());
    }
    #[allow(clippy::unnecessary_cast)]
    Ok((tv.tv_sec as i64, tv.tv_usec as i64))
}

/// Set a host `struct timeval` option.
pub fn setsockopt_timeval(fd: RawFd, name: i32, sec: i64, usec: i64) -> Result<(), Errno> {
    let tv = libc::timeval { tv_sec: sec as libc::time_t, tv_usec: usec as libc::suseconds_t };
    // SAFETY: `tv` is our own struct of the stated size.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            name,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(Errno::last_host());
    }
    Ok(())
}

/// The peer's host credentials (pid, uid, gid) of a connected AF_UNIX
/// socket.
pub fn peer_cred(fd: RawFd) -> Result<(i32, u32, u32), Errno> {
    #[cfg(target_os = "linux")]
    {
        let mut c = libc::ucred { pid: 0, uid: 0, gid: 0 };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: `c`/`len` describe our own struct.
        let r = unsafe {
            libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_PEERCRED, (&mut c as *mut libc::ucred).cast(), &mut len)
        };
        if r < 0 {
            return Err(Errno::last_host());
        }
        Ok((c.pid, c.uid, c.gid))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        Err(Errno::ENOPROTOOPT)
    }
}

/// A control message the host delivered.
pub enum HostCmsg {
    /// SCM_RIGHTS: received descriptors (host close-on-exec).
    Rights(Vec<OwnedFd>),
    /// SCM_CREDENTIALS: (pid, uid, gid) as the host reports them.
    Creds(i32, u32, u32),
}

/// What a host recvmsg returned.
pub struct Received {
    /// Bytes (the real datagram length with MSG_TRUNC).
    pub n: usize,
    /// Host msg_flags.
    pub flags: i32,
    /// Source address in Linux layout, if the host gave one.
    pub name: Option<Vec<u8>>,
    /// Control messages in order.
    pub cmsgs: Vec<HostCmsg>,
}

/// recvmsg(2) on the host into `buf`, with room for `ctl_room` bytes of
/// control data. Received fds are close-on-exec on the host.
pub fn recvmsg(fd: RawFd, buf: &mut [u8], ctl_room: usize, hflags: i32) -> Result<Received, Errno> {
    let mut ss = zeroed_storage();
    let mut ctl = vec![0u64; ctl_room.div_ceil(8)];
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: zeroed msghdr, then every pointer field set to our buffers.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_name = (&mut ss as *mut libc::sockaddr_storage).cast();
    m.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    m.msg_iov = &mut iov;
    m.msg_iovlen = 1;
    if !ctl.is_empty() {
        m.msg_control = ctl.as_mut_ptr().cast();
        m.msg_controllen = (ctl.len() * 8) as _;
    }
    #[cfg(target_os = "linux")]
    let hflags = hflags | libc::MSG_CMSG_CLOEXEC;
    // SAFETY: `m` points only at our own buffers, sized as stated.
    let n = unsafe { libc::recvmsg(fd, &mut m, hflags) };
    if n < 0 {
        return Err(Errno::last_host());
    }
    let name = (m.msg_namelen > 0).then(|| addr_from_host(&ss, m.msg_namelen));
    let mut cmsgs = Vec::new();
    // SAFETY: walking the control buffer the host filled, with the host's
    // own CMSG macros and the msg_controllen it set.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&m);
        while !c.is_null() {
            let data = libc::CMSG_DATA(c);
            let dlen = ((*c).cmsg_len as usize).saturating_sub(data.offset_from(c.cast::<u8>()) as usize);
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                let mut fds = Vec::new();
                for i in 0..dlen / 4 {
                    let raw = std::ptr::read_unaligned(data.add(i * 4).cast::<i32>());
                    let fd = OwnedFd::from_raw_fd(raw);
                    if cfg!(not(target_os = "linux")) {
                        libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
                    }
                    fds.push(fd);
                }
                cmsgs.push(HostCmsg::Rights(fds));
            }
            #[cfg(target_os = "linux")]
            if (*c).cmsg_level == libc::SOL_SOCKET
                && (*c).cmsg_type == libc::SCM_CREDENTIALS
                && dlen >= std::mem::size_of::<libc::ucred>()
            {
                let u = std::ptr::read_unaligned(data.cast::<libc::ucred>());
                cmsgs.push(HostCmsg::Creds(u.pid, u.uid, u.gid));
            }
            c = libc::CMSG_NXTHDR(&m, c);
        }
    }
    Ok(Received { n: n as usize, flags: m.msg_flags, name, cmsgs })
}

/// sendmsg(2) on the host: `data` to `addr` (if any) with `fds` as
/// SCM_RIGHTS and, if `creds`, SCM_CREDENTIALS carrying the host's own ids.
pub fn sendmsg(fd: RawFd, data: &[u8], addr: Option<&HostAddr>, fds: &[RawFd], creds: bool, hflags: i32) -> SendResult {
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
    // SAFETY: zeroed msghdr; pointer fields set below to our own buffers.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    if let Some(a) = addr {
        m.msg_name = a.ptr() as *mut libc::c_void;
        m.msg_namelen = a.len;
    }
    m.msg_iov = &mut iov;
    m.msg_iovlen = 1;
    let rights_len = std::mem::size_of_val(fds) as u32;
    #[cfg(target_os = "linux")]
    let cred_len = std::mem::size_of::<libc::ucred>() as u32;
    #[cfg(not(target_os = "linux"))]
    let cred_len = 0u32;
    // SAFETY: CMSG_SPACE is arithmetic.
    let room = unsafe {
        (if fds.is_empty() { 0 } else { libc::CMSG_SPACE(rights_len) })
            + if creds && cred_len > 0 { libc::CMSG_SPACE(cred_len) } else { 0 }
    } as usize;
    let mut ctl = vec![0u64; room.div_ceil(8)];
    if room > 0 {
        m.msg_control = ctl.as_mut_ptr().cast();
        m.msg_controllen = room as _;
        // SAFETY: filling the control buffer we sized with CMSG_SPACE for
        // exactly these messages, through the host's CMSG macros.
        unsafe {
            let c = libc::CMSG_FIRSTHDR(&m);
            if !fds.is_empty() && !c.is_null() {
                (*c).cmsg_level = libc::SOL_SOCKET;
                (*c).cmsg_type = libc::SCM_RIGHTS;
                (*c).cmsg_len = libc::CMSG_LEN(rights_len) as _;
                std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(c), rights_len as usize);
            }
            // Credentials follow the rights (Linux hosts only).
            #[cfg(target_os = "linux")]
            let c = if fds.is_empty() || c.is_null() { c } else { libc::CMSG_NXTHDR(&m, c) };
            #[cfg(target_os = "linux")]
            if creds && !c.is_null() {
                let u = libc::ucred { pid: libc::getpid(), uid: libc::getuid(), gid: libc::getgid() };
                (*c).cmsg_level = libc::SOL_SOCKET;
                (*c).cmsg_type = libc::SCM_CREDENTIALS;
                (*c).cmsg_len = libc::CMSG_LEN(cred_len) as _;
                std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<libc::ucred>(), u);
            }
        }
    }
    // SAFETY: `m` points only at our own buffers and `addr`'s storage.
    let n = unsafe { libc::sendmsg(fd, &m, hflags) };
    if n < 0 {
        return Err(Errno::last_host());
    }
    Ok(n as usize)
}

/// Bytes sent, or the host's errno.
pub type SendResult = Result<usize, Errno>;

/// bind(2) on the host.
pub fn bind(fd: RawFd, a: &HostAddr) -> Result<(), Errno> {
    // SAFETY: the address is our own storage of the stated length.
    if unsafe { libc::bind(fd, a.ptr(), a.len) } < 0 {
        return Err(Errno::last_host());
    }
    Ok(())
}

/// connect(2) on the host.
pub fn connect(fd: RawFd, a: &HostAddr) -> Result<(), Errno> {
    // SAFETY: the address is our own storage of the stated length.
    if unsafe { libc::connect(fd, a.ptr(), a.len) } < 0 {
        return Err(Errno::last_host());
    }
    Ok(())
}

/// Whether host fd `fd` is a socket (fstat S_IFSOCK).
pub fn is_socket(fd: RawFd) -> Result<bool, Errno> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes into `st` only.
    if unsafe { libc::fstat(fd, st.as_mut_ptr()) } < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: initialised by the successful call.
    let st = unsafe { st.assume_init() };
    Ok(st.st_mode & libc::S_IFMT == libc::S_IFSOCK)
}

/// The host identity (st_dev, st_ino) of a socket.
pub fn identity(fd: RawFd) -> Option<(u64, u64)> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes into `st` only.
    if unsafe { libc::fstat(fd, st.as_mut_ptr()) } < 0 {
        return None;
    }
    // SAFETY: initialised by the successful call.
    let st = unsafe { st.assume_init() };
    #[allow(clippy::unnecessary_cast)]
    Some((st.st_dev as u64, st.st_ino as u64))
}

/// Whether the host file behind `fd` is in non-blocking mode.
pub fn nonblocking(fd: RawFd) -> bool {
    // SAFETY: F_GETFL has no memory effects.
    unsafe { libc::fcntl(fd, libc::F_GETFL) & libc::O_NONBLOCK != 0 }
}

/// Set or clear the host file's O_NONBLOCK.
pub fn set_nonblocking(fd: RawFd, on: bool) {
    // SAFETY: flag changes on an fd we hold; no memory effects.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        let nf = if on { fl | libc::O_NONBLOCK } else { fl & !libc::O_NONBLOCK };
        libc::fcntl(fd, libc::F_SETFL, nf);
    }
}

/// shutdown(2) on the host.
pub fn shutdown(fd: RawFd, how: u32) -> Result<(), Errno> {
    let h = match how {
        so::SHUT_RD => libc::SHUT_RD,
        so::SHUT_WR => libc::SHUT_WR,
        so::SHUT_RDWR => libc::SHUT_RDWR,
        _ => return Err(Errno::EINVAL),
    };
    // SAFETY: no memory effects.
    if unsafe { libc::shutdown(fd, h) } < 0 {
        return Err(Errno::last_host());
    }
    Ok(())
}

/// listen(2) on the host.
pub fn listen(fd: RawFd, backlog: i32) -> Result<(), Errno> {
    // SAFETY: no memory effects.
    if unsafe { libc::listen(fd, backlog) } < 0 {
        return Err(Errno::last_host());
    }
    Ok(())
}

/// Wait up to `ms` for `events` on `fd`; true if ready.
pub fn poll_one(fd: RawFd, events: i16, ms: i32) -> bool {
    let mut p = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: one pollfd on our stack.
    unsafe { libc::poll(&mut p, 1, ms) > 0 }
}
