//! macOS-only host code.

use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// An anonymous file: mkstemp(3) in the per-user temporary directory,
/// marked close-on-exec and unlinked at once (APFS keeps it sparse).
pub fn unlinked_tempfile() -> std::io::Result<OwnedFd> {
    let dir = std::env::temp_dir();
    let mut template = dir.join("elfuse-mem-XXXXXXXX").as_os_str().as_bytes().to_vec();
    template.push(0);
    let mut template = CString::from_vec_with_nul(template)
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?
        .into_bytes_with_nul();
    // SAFETY: `template` is a writable NUL-terminated buffer mkstemp fills in.
    let fd = unsafe { libc::mkstemp(template.as_mut_ptr().cast()) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is fresh and ours alone.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: fcntl and unlink on our own fd and the name mkstemp wrote.
    unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        libc::unlink(template.as_ptr().cast());
    }
    Ok(owned)
}
