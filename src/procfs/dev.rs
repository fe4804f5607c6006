//! `/dev`: character devices backed by the host's equivalents, and
//! pseudo-terminals backed by host ptys. Identity (st_dev, st_ino, the
//! Linux st_rdev) is elfuse's; only the data path is the host's.

use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use crate::abi::errno::Errno;

/// A character device: name, Linux major/minor, permissions, and the host
/// node that serves it.
pub struct Device {
    /// Name in /dev.
    pub name: &'static str,
    /// Linux major.
    pub major: u32,
    /// Linux minor.
    pub minor: u32,
    /// Permission bits.
    pub perm: u32,
    /// Host node opened for it.
    pub host: &'static str,
}

/// The devices /dev shows (drivers/char/mem.c, tty_io.c numbers).
pub const DEVICES: &[Device] = &[
    Device { name: "null", major: 1, minor: 3, perm: 0o666, host: "/dev/null" },
    Device { name: "zero", major: 1, minor: 5, perm: 0o666, host: "/dev/zero" },
    // Reads as zeros; writes fail with ENOSPC (elfuse's write hook).
    Device { name: "full", major: 1, minor: 7, perm: 0o666, host: "/dev/zero" },
    Device { name: "random", major: 1, minor: 8, perm: 0o666, host: "/dev/random" },
    Device { name: "urandom", major: 1, minor: 9, perm: 0o666, host: "/dev/urandom" },
    Device { name: "tty", major: 5, minor: 0, perm: 0o666, host: "/dev/tty" },
    // The console is the session's terminal.
    Device { name: "console", major: 5, minor: 1, perm: 0o600, host: "/dev/tty" },
    Device { name: "ptmx", major: 5, minor: 2, perm: 0o666, host: "/dev/ptmx" },
];

/// Linux major of Unix98 pty slaves.
pub const PTS_MAJOR: u32 = 136;

/// The pty number of a host terminal fd, if it is a pty slave
/// (`/dev/pts/N` on Linux, `/dev/ttysNNN` on macOS).
pub fn host_pts_number(fd: RawFd) -> Option<u32> {
    // SAFETY: isatty has no memory effects.
    if unsafe { libc::isatty(fd) } != 1 {
        return None;
    }
    let mut buf = [0u8; 128];
    // SAFETY: ttyname_r writes at most buf.len() bytes.
    if unsafe { libc::ttyname_r(fd, buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return None;
    }
    let n = buf.iter().position(|&b| b == 0)?;
    pts_number_of(std::str::from_utf8(&buf[..n]).ok()?)
}

/// The pty number in a host pty path.
fn pts_number_of(path: &str) -> Option<u32> {
    path.strip_prefix("/dev/pts/").or_else(|| path.strip_prefix("/dev/ttys"))?.parse().ok()
}

/// The host path of pty slave `n`.
pub fn host_pts_path(n: u32) -> String {
    if cfg!(target_os = "macos") {
        format!("/dev/ttys{n:03}")
    } else {
        format!("/dev/pts/{n}")
    }
}

/// Whether host pty slave `n` exists.
pub fn pts_exists(n: u32) -> bool {
    std::path::Path::new(&host_pts_path(n)).exists()
}

/// The pty number behind a host master fd (ptsname).
pub fn master_number(fd: RawFd) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        let mut buf = [0u8; 128];
        // SAFETY: ptsname_r writes at most buf.len() bytes.
        if unsafe { libc::ptsname_r(fd, buf.as_mut_ptr().cast(), buf.len()) } != 0 {
            return None;
        }
        let n = buf.iter().position(|&b| b == 0)?;
        pts_number_of(std::str::from_utf8(&buf[..n]).ok()?)
    }
    #[cfg(not(target_os = "linux"))]
    {
        // SAFETY: ptsname returns a pointer to a static buffer or NULL;
        // it is copied out at once (the process lock serialises callers).
        let p = unsafe { libc::ptsname(fd) };
        if p.is_null() {
            return None;
        }
        // SAFETY: a NUL-terminated string from ptsname.
        let s = unsafe { std::ffi::CStr::from_ptr(p) };
        pts_number_of(s.to_str().ok()?)
    }
}

fn host_open(path: &str, hflags: i32) -> Result<OwnedFd, Errno> {
    let c = CString::new(path).map_err(|_| Errno::EINVAL)?;
    // SAFETY: valid C string.
    let r = unsafe { libc::open(c.as_ptr(), hflags | libc::O_CLOEXEC) };
    if r < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: fresh fd.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// Open device `d` with host flags `hflags`.
pub fn open_device(d: &Device, hflags: i32) -> Result<OwnedFd, Errno> {
    let hflags = hflags & !(libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC | libc::O_DIRECTORY);
    if d.name == "ptmx" {
        // posix_openpt(3): a new host master.
        // SAFETY: no memory effects.
        let r = unsafe { libc::posix_openpt((hflags & (libc::O_ACCMODE | libc::O_NONBLOCK)) | libc::O_NOCTTY) };
        if r < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: fresh fd.
        let fd = unsafe { OwnedFd::from_raw_fd(r) };
        // SAFETY: fcntl on our own fd.
        unsafe { libc::fcntl(r, libc::F_SETFD, libc::FD_CLOEXEC) };
        #[cfg(not(target_os = "linux"))]
        {
            // SAFETY: grantpt on our own master (Linux needs neither).
            unsafe { libc::grantpt(r) };
        }
        return Ok(fd);
    }
    host_open(d.host, hflags)
}

/// Open pty slave `n`.
pub fn open_pts(n: u32, hflags: i32) -> Result<OwnedFd, Errno> {
    host_open(&host_pts_path(n), hflags & !(libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC | libc::O_DIRECTORY))
}

/// The Linux rdev of a host character-device fd that stands for a /dev
/// node, and that node's guest path.
pub fn identify_host_chr(fd: RawFd, rdev: u64) -> Option<(String, u64)> {
    use crate::abi::stat::makedev;
    if let Some(n) = host_pts_number(fd) {
        return Some((format!("/dev/pts/{n}"), makedev(PTS_MAJOR, n)));
    }
    if master_number(fd).is_some() {
        return Some(("/dev/ptmx".into(), makedev(5, 2)));
    }
    #[allow(clippy::unnecessary_cast)]
    let (ma, mi) = (libc::major(rdev as libc::dev_t) as u32, libc::minor(rdev as libc::dev_t) as u32);
    // A pty slave by its number (an O_PATH handle is no tty for ttyname).
    let pts = if cfg!(target_os = "macos") {
        (ma == 16).then_some(mi)
    } else {
        (136..=143).contains(&ma).then(|| (ma - 136) * 256 + mi)
    };
    if let Some(n) = pts {
        return Some((format!("/dev/pts/{n}"), makedev(PTS_MAJOR, n)));
    }
    for d in DEVICES.iter().filter(|d| !matches!(d.name, "tty" | "console" | "ptmx" | "full")) {
        if host_rdev(d.host) == Some(rdev) {
            return Some((format!("/dev/{}", d.name), makedev(d.major, d.minor)));
        }
    }
    None
}

fn host_rdev(path: &str) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| std::os::unix::fs::MetadataExt::rdev(&m))
}

/// Pty numbers this process holds open (for listing /dev/pts without
/// showing the host's other terminals).
pub fn own_ptys(p: &crate::process::Process) -> Vec<u32> {
    let mut v: Vec<u32> = p
        .fds
        .iter()
        .filter_map(|(_, e)| {
            let h = std::os::fd::AsRawFd::as_raw_fd(&e.host);
            host_pts_number(h).or_else(|| master_number(h))
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}
