//! Host-OS differences that are not Linux ABI translation: the few calls
//! and constants whose spelling differs between a Linux and a macOS host.
//!
//! Everything macOS-only lives in [`macos`]; emulations of Linux calls a
//! macOS host lacks (getdents64 from readdir, eventfd) are portable
//! (`dirents`, `eventfd`) so that a Linux host can run them too
//! ([`portable`]). Callers use the functions here and never write `cfg`
//! themselves. docs/hvf.md lists the places in `src/` that still assume a
//! Linux host.

mod dirents;
mod eventfd;
#[cfg(target_os = "macos")]
pub mod macos;

use crate::abi::errno::Errno;

/// An emulated eventfd (see `eventfd`): hosts without eventfd(2).
pub use eventfd::EventFd;

/// Whether to take the code paths written for hosts without Linux's calls
/// (getdents64, eventfd) — always off Linux; on a Linux host when
/// `ELFUSE_HOST_PORTABLE=1`, so the Linux test suites can exercise what
/// macOS runs.
pub fn portable() -> bool {
    #[cfg(target_os = "linux")]
    {
        static PORTABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *PORTABLE.get_or_init(|| std::env::var_os("ELFUSE_HOST_PORTABLE").is_some_and(|v| v == "1"))
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// Fill `buf` with random bytes from the host (getrandom(2) on Linux,
/// getentropy(2) on macOS). Returns how many bytes were written.
pub fn getrandom(buf: &mut [u8]) -> std::io::Result<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrandom writes at most buf.len() bytes into buf.
        let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(n as usize)
    }
    #[cfg(not(target_os = "linux"))]
    {
        // getentropy(2) fills at most 256 bytes per call.
        for chunk in buf.chunks_mut(256) {
            // SAFETY: writes exactly chunk.len() (<= 256) bytes into chunk.
            if unsafe { libc::getentropy(chunk.as_mut_ptr().cast(), chunk.len()) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(buf.len())
    }
}

/// The calling host thread's id, used as the guest thread's tid.
///
/// Linux: gettid(2). macOS: the system-wide 64-bit thread id, folded into
/// the 30 bits a Linux tid may use (FUTEX_TID_MASK); see docs/hvf.md.
pub fn gettid() -> i32 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no memory effects.
        unsafe { libc::gettid() }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut id = 0u64;
        // SAFETY: a null thread means the calling thread; `id` is a live u64.
        unsafe { libc::pthread_threadid_np(0 as libc::pthread_t, &mut id) };
        (id & 0x3fff_ffff) as i32
    }
}

/// Sleep for `d` or until a host signal handler runs, whichever is first.
pub fn sleep_interruptible(d: std::time::Duration) {
    let ts = libc::timespec { tv_sec: d.as_secs() as libc::time_t, tv_nsec: d.subsec_nanos() as _ };
    #[cfg(target_os = "linux")]
    // SAFETY: ppoll with no fds is an interruptible sleep; `ts` outlives the
    // call; a null sigmask keeps the current one.
    unsafe {
        libc::ppoll(std::ptr::null_mut(), 0, &ts, std::ptr::null())
    };
    #[cfg(not(target_os = "linux"))]
    // SAFETY: nanosleep reads `ts`, which outlives the call; the remaining
    // time is not wanted. A signal handler ends it early with EINTR.
    unsafe {
        libc::nanosleep(&ts, std::ptr::null_mut())
    };
}

/// Host `si_code` values elfuse translates (libc has no Darwin spelling).
pub mod si {
    /// Sent by kill(2).
    #[cfg(target_os = "linux")]
    pub const USER: i32 = libc::SI_USER;
    /// Sent by sigqueue(3).
    #[cfg(target_os = "linux")]
    pub const QUEUE: i32 = libc::SI_QUEUE;
    /// Sent by a POSIX timer.
    #[cfg(target_os = "linux")]
    pub const TIMER: i32 = libc::SI_TIMER;
    /// Sent by kill(2) (`<sys/signal.h>`).
    #[cfg(not(target_os = "linux"))]
    pub const USER: i32 = 0x10001;
    /// Sent by sigqueue(3).
    #[cfg(not(target_os = "linux"))]
    pub const QUEUE: i32 = 0x10002;
    /// Sent by a POSIX timer.
    #[cfg(not(target_os = "linux"))]
    pub const TIMER: i32 = 0x10003;
}

/// Host O_DIRECT (macOS has none: `F_NOCACHE` is an fcntl, so a host fd
/// never shows the flag).
#[cfg(target_os = "linux")]
pub const O_DIRECT: i32 = libc::O_DIRECT;
/// Host O_DIRECT (macOS has none: `F_NOCACHE` is an fcntl, so a host fd
/// never shows the flag).
#[cfg(not(target_os = "linux"))]
pub const O_DIRECT: i32 = 0;

/// An anonymous, sparse, close-on-exec file (memfd on Linux; an unlinked
/// mkstemp file on macOS): the snapshot of guest-physical memory handed to a
/// fork child, and the guest's memfd_create on hosts without memfds.
pub fn snapshot_file() -> std::io::Result<std::os::fd::OwnedFd> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: memfd_create with a static NUL-terminated name.
        let fd = unsafe { libc::memfd_create(c"elfuse-fork".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor owned by nobody else.
        Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
    }
    #[cfg(target_os = "macos")]
    {
        macos::unlinked_tempfile()
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        Err(std::io::Error::from_raw_os_error(libc::ENOSYS))
    }
}

/// getdents64(2) on host directory fd `fd`: `linux_dirent64` records from
/// the fd's position into `buf`, advancing it. Linux: the call itself.
/// Elsewhere (or [`portable`]): readdir(3) translated, the position an
/// entry index in the fd's offset (see `dirents`).
pub fn getdents64(fd: std::os::fd::RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    #[cfg(target_os = "linux")]
    if !portable() {
        // SAFETY: the kernel writes at most buf.len() bytes into buf.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len()) };
        if n < 0 {
            return Err(Errno::last_host());
        }
        return Ok(n as usize);
    }
    dirents::getdents64(fd, buf)
}
