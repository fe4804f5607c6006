//! macOS-only host code.

use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// An anonymous file: mkostemp(3) in the per-user temporary directory,
/// marked close-on-exec and unlinked at once (APFS keeps it sparse).
pub fn unlinked_tempfile() -> std::io::Result<OwnedFd> {
    let dir = std::env::temp_dir();
    let mut template = dir.join("elfuse-mem-XXXXXXXX").as_os_str().as_bytes().to_vec();
    template.push(0);
    let mut template = CString::from_vec_with_nul(template)
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?
        .into_bytes_with_nul();
    // mkostemp(3) (macOS 10.12+) sets close-on-exec atomically: another
    // thread starting a fork helper at the same moment cannot inherit it.
    // SAFETY: `template` is a writable NUL-terminated buffer it fills in.
    let fd = unsafe { mkostemp(template.as_mut_ptr().cast(), libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is fresh and ours alone.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: unlink of the name mkostemp wrote.
    unsafe { libc::unlink(template.as_ptr().cast()) };
    Ok(owned)
}

/// `mach_timebase_info_data_t` (`<mach/mach_time.h>`).
#[repr(C)]
struct MachTimebaseInfo {
    numer: u32,
    denom: u32,
}

// libSystem; libc's declarations are deprecated in favour of another crate.
extern "C" {
    fn mach_absolute_time() -> u64;
    fn mach_timebase_info(info: *mut MachTimebaseInfo) -> libc::c_int;
    // <stdlib.h>; not declared by the libc crate for Apple targets.
    fn mkostemp(template: *mut libc::c_char, flags: libc::c_int) -> libc::c_int;
}

/// mach_absolute_time() now, and how many of its ticks make a second
/// (from mach_timebase_info: ns = ticks * numer / denom; 125/3, i.e.
/// 24 MHz, on Apple Silicon so far).
pub fn absolute_time() -> (u64, u64) {
    static HZ: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let hz = *HZ.get_or_init(|| {
        let mut tb = MachTimebaseInfo { numer: 0, denom: 0 };
        // SAFETY: mach_timebase_info fills the struct we pass.
        let r = unsafe { mach_timebase_info(&mut tb) };
        if r != 0 || tb.numer == 0 {
            return 0;
        }
        // ticks/s = 1e9 * denom / numer, rounded.
        let n = u128::from(tb.numer);
        ((1_000_000_000u128 * u128::from(tb.denom) + n / 2) / n).min(u128::from(u64::MAX)) as u64
    });
    // SAFETY: no arguments, no memory effects.
    (unsafe { mach_absolute_time() }, hz)
}
