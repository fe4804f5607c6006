//! Interval timers and POSIX timers: setitimer/getitimer and timer_*.
//!
//! They are the host's timers: an expiry raises a host signal, which elfuse
//! forwards to the guest (see [`crate::signal::host`]). Guest timer ids are
//! small integers mapped to host `timer_t`s.

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::time::Timeval;
use crate::process::Process;

const ITIMER_REAL: u32 = 0;
const ITIMER_VIRTUAL: u32 = 1;
const ITIMER_PROF: u32 = 2;

fn host_which(w: u32) -> Result<i32, Errno> {
    match w {
        ITIMER_REAL => Ok(libc::ITIMER_REAL),
        ITIMER_VIRTUAL => Ok(libc::ITIMER_VIRTUAL),
        ITIMER_PROF => Ok(libc::ITIMER_PROF),
        _ => Err(Errno::EINVAL),
    }
}

fn read_itimerval(p: &Process, ptr: u64) -> Result<(Timeval, Timeval), Errno> {
    let i: Timeval = p.mm.read_obj(ptr)?;
    let v: Timeval = p.mm.read_obj(ptr + 16)?;
    for t in [&i, &v] {
        if t.tv_sec < 0 || !(0..1_000_000).contains(&t.tv_usec) {
            return Err(Errno::EINVAL);
        }
    }
    Ok((i, v))
}

#[allow(clippy::unnecessary_cast)]
fn write_itimerval(p: &Process, ptr: u64, h: &libc::itimerval) -> Result<(), Errno> {
    let i = Timeval { tv_sec: h.it_interval.tv_sec as i64, tv_usec: h.it_interval.tv_usec as i64 };
    let v = Timeval { tv_sec: h.it_value.tv_sec as i64, tv_usec: h.it_value.tv_usec as i64 };
    p.mm.write_obj(ptr, &i)?;
    p.mm.write_obj(ptr + 16, &v)
}

/// setitimer(2).
pub fn setitimer(p: &mut Process, a: &Args) -> SysResult {
    let which = host_which(a.uint(0))?;
    let (new, old) = (a.u(1), a.u(2));
    let (i, v) = if new != 0 { read_itimerval(p, new)? } else { (Timeval::default(), Timeval::default()) };
    let hv = libc::itimerval {
        it_interval: libc::timeval { tv_sec: i.tv_sec as libc::time_t, tv_usec: i.tv_usec as libc::suseconds_t },
        it_value: libc::timeval { tv_sec: v.tv_sec as libc::time_t, tv_usec: v.tv_usec as libc::suseconds_t },
    };
    // SAFETY: zeroed itimerval is valid output storage.
    let mut ho: libc::itimerval = unsafe { std::mem::zeroed() };
    // SAFETY: pointers to locals.
    if unsafe { libc::setitimer(which, &hv, &mut ho) } < 0 {
        return Err(Errno::last_host());
    }
    if old != 0 {
        write_itimerval(p, old, &ho)?;
    }
    Ok(0)
}

/// getitimer(2).
pub fn getitimer(p: &mut Process, a: &Args) -> SysResult {
    let which = host_which(a.uint(0))?;
    // SAFETY: zeroed itimerval is valid output storage.
    let mut h: libc::itimerval = unsafe { std::mem::zeroed() };
    // SAFETY: pointer to a local.
    if unsafe { libc::getitimer(which, &mut h) } < 0 {
        return Err(Errno::last_host());
    }
    write_itimerval(p, a.u(1), &h)?;
    Ok(0)
}

#[cfg(target_os = "linux")]
mod posix {
    use super::*;
    use crate::abi::time::{Timespec, CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME};
    use crate::signal::host;

    const SIGEV_SIGNAL: u32 = 0;
    const SIGEV_NONE: u32 = 1;
    const TIMER_ABSTIME: u32 = 1;

    fn host_clock(c: u32) -> Result<libc::clockid_t, Errno> {
        match c {
            CLOCK_REALTIME => Ok(libc::CLOCK_REALTIME),
            CLOCK_MONOTONIC => Ok(libc::CLOCK_MONOTONIC),
            CLOCK_BOOTTIME => Ok(libc::CLOCK_BOOTTIME),
            2 => Ok(libc::CLOCK_PROCESS_CPUTIME_ID),
            _ => Err(Errno::EINVAL),
        }
    }

    fn timer(p: &Process, id: i64) -> Result<libc::timer_t, Errno> {
        usize::try_from(id)
            .ok()
            .and_then(|i| p.timers.get(i).copied().flatten())
            .map(|t| t as libc::timer_t)
            .ok_or(Errno::EINVAL)
    }

    /// timer_create(2): SIGEV_SIGNAL and SIGEV_NONE (no SIGEV_THREAD_ID
    /// until threads exist).
    pub fn timer_create(p: &mut Process, a: &Args) -> SysResult {
        let clock = host_clock(a.uint(0))?;
        let (sevp, idp) = (a.u(1), a.u(2));
        // SAFETY: zeroed sigevent is a valid value to fill in.
        let mut sev: libc::sigevent = unsafe { std::mem::zeroed() };
        let mut value = 0u64;
        let (notify, signo) = if sevp != 0 {
            let mut b = [0u8; 64];
            p.mm.read(sevp, &mut b)?;
            value = u64::from_le_bytes(b[0..8].try_into().unwrap_or_default());
            let signo = i32::from_le_bytes(b[8..12].try_into().unwrap_or_default());
            let notify = u32::from_le_bytes(b[12..16].try_into().unwrap_or_default());
            (notify, signo)
        } else {
            (SIGEV_SIGNAL, crate::abi::signal::SIGALRM)
        };
        match notify {
            SIGEV_SIGNAL => {
                let hs = host::to_host(signo).filter(|_| (1..=31).contains(&signo)).ok_or(Errno::EINVAL)?;
                sev.sigev_notify = libc::SIGEV_SIGNAL;
                sev.sigev_signo = hs;
                sev.sigev_value = libc::sigval { sival_ptr: value as usize as *mut libc::c_void };
            }
            SIGEV_NONE => sev.sigev_notify = libc::SIGEV_NONE,
            _ => return Err(Errno::EINVAL),
        }
        let mut t: libc::timer_t = std::ptr::null_mut();
        // SAFETY: pointers to locals; the host fills `t`.
        if unsafe { libc::timer_create(clock, &mut sev, &mut t) } < 0 {
            return Err(Errno::last_host());
        }
        let slot = p.timers.iter().position(Option::is_none).unwrap_or_else(|| {
            p.timers.push(None);
            p.timers.len() - 1
        });
        p.timers[slot] = Some(t as usize);
        if let Err(e) = p.mm.write(idp, &(slot as i32).to_le_bytes()) {
            // SAFETY: deleting the timer we just created.
            unsafe { libc::timer_delete(t) };
            p.timers[slot] = None;
            return Err(e);
        }
        Ok(0)
    }

    fn read_its(p: &Process, ptr: u64) -> Result<libc::itimerspec, Errno> {
        let i: Timespec = p.mm.read_obj(ptr)?;
        let v: Timespec = p.mm.read_obj(ptr + 16)?;
        for t in [&i, &v] {
            if t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec) {
                return Err(Errno::EINVAL);
            }
        }
        Ok(libc::itimerspec {
            it_interval: libc::timespec { tv_sec: i.tv_sec as libc::time_t, tv_nsec: i.tv_nsec as _ },
            it_value: libc::timespec { tv_sec: v.tv_sec as libc::time_t, tv_nsec: v.tv_nsec as _ },
        })
    }

    #[allow(clippy::unnecessary_cast)]
    fn write_its(p: &Process, ptr: u64, h: &libc::itimerspec) -> Result<(), Errno> {
        p.mm.write_obj(ptr, &Timespec { tv_sec: h.it_interval.tv_sec as i64, tv_nsec: h.it_interval.tv_nsec as i64 })?;
        p.mm.write_obj(ptr + 16, &Timespec { tv_sec: h.it_value.tv_sec as i64, tv_nsec: h.it_value.tv_nsec as i64 })
    }

    /// timer_settime(2).
    pub fn timer_settime(p: &mut Process, a: &Args) -> SysResult {
        let t = timer(p, a.int(0))?;
        let flags = a.uint(1);
        if flags & !TIMER_ABSTIME != 0 {
            return Err(Errno::EINVAL);
        }
        let new = read_its(p, a.u(2))?;
        // SAFETY: zeroed itimerspec is valid output storage.
        let mut old: libc::itimerspec = unsafe { std::mem::zeroed() };
        let hf = if flags & TIMER_ABSTIME != 0 { libc::TIMER_ABSTIME } else { 0 };
        // SAFETY: a live host timer and pointers to locals.
        if unsafe { libc::timer_settime(t, hf, &new, &mut old) } < 0 {
            return Err(Errno::last_host());
        }
        if a.u(3) != 0 {
            write_its(p, a.u(3), &old)?;
        }
        Ok(0)
    }

    /// timer_gettime(2).
    pub fn timer_gettime(p: &mut Process, a: &Args) -> SysResult {
        let t = timer(p, a.int(0))?;
        // SAFETY: zeroed itimerspec is valid output storage.
        let mut cur: libc::itimerspec = unsafe { std::mem::zeroed() };
        // SAFETY: a live host timer and a pointer to a local.
        if unsafe { libc::timer_gettime(t, &mut cur) } < 0 {
            return Err(Errno::last_host());
        }
        write_its(p, a.u(1), &cur)?;
        Ok(0)
    }

    /// timer_getoverrun(2).
    pub fn timer_getoverrun(p: &mut Process, a: &Args) -> SysResult {
        let t = timer(p, a.int(0))?;
        // SAFETY: a live host timer.
        let r = unsafe { libc::timer_getoverrun(t) };
        if r < 0 {
            Err(Errno::last_host())
        } else {
            Ok(r as u64)
        }
    }

    /// timer_delete(2).
    pub fn timer_delete(p: &mut Process, a: &Args) -> SysResult {
        let t = timer(p, a.int(0))?;
        // SAFETY: a live host timer, forgotten below.
        unsafe { libc::timer_delete(t) };
        p.timers[a.int(0) as usize] = None;
        Ok(0)
    }
}

#[cfg(target_os = "linux")]
pub use posix::*;

#[cfg(not(target_os = "linux"))]
mod posix_unsupported {
    use super::*;
    /// timer_create(2): POSIX timers need a host with them (macOS has none).
    pub fn timer_create(_p: &mut Process, _a: &Args) -> SysResult {
        Err(Errno::ENOSYS)
    }
    /// timer_settime(2).
    pub fn timer_settime(_p: &mut Process, _a: &Args) -> SysResult {
        Err(Errno::EINVAL)
    }
    /// timer_gettime(2).
    pub fn timer_gettime(_p: &mut Process, _a: &Args) -> SysResult {
        Err(Errno::EINVAL)
    }
    /// timer_getoverrun(2).
    pub fn timer_getoverrun(_p: &mut Process, _a: &Args) -> SysResult {
        Err(Errno::EINVAL)
    }
    /// timer_delete(2).
    pub fn timer_delete(_p: &mut Process, _a: &Args) -> SysResult {
        Err(Errno::EINVAL)
    }
}

#[cfg(not(target_os = "linux"))]
pub use posix_unsupported::*;
