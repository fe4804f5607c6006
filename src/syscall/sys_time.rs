//! Time syscalls.

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::misc::{Rusage, Tms};
use crate::abi::time::*;
use crate::process::Process;

/// Map a Linux clock id to the host's.
fn host_clock(id: u32) -> Result<libc::clockid_t, Errno> {
    Ok(match id {
        CLOCK_REALTIME | CLOCK_REALTIME_ALARM | CLOCK_TAI => libc::CLOCK_REALTIME,
        CLOCK_MONOTONIC => libc::CLOCK_MONOTONIC,
        CLOCK_PROCESS_CPUTIME_ID => libc::CLOCK_PROCESS_CPUTIME_ID,
        CLOCK_THREAD_CPUTIME_ID => libc::CLOCK_THREAD_CPUTIME_ID,
        #[cfg(target_os = "linux")]
        CLOCK_MONOTONIC_RAW => libc::CLOCK_MONOTONIC_RAW,
        #[cfg(target_os = "linux")]
        CLOCK_REALTIME_COARSE => libc::CLOCK_REALTIME_COARSE,
        #[cfg(target_os = "linux")]
        CLOCK_MONOTONIC_COARSE => libc::CLOCK_MONOTONIC_COARSE,
        #[cfg(target_os = "linux")]
        CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => libc::CLOCK_BOOTTIME,
        #[cfg(not(target_os = "linux"))]
        CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => libc::CLOCK_MONOTONIC,
        #[cfg(not(target_os = "linux"))]
        CLOCK_REALTIME_COARSE => libc::CLOCK_REALTIME,
        _ => return Err(Errno::EINVAL),
    })
}

// Host time_t/suseconds_t widths vary by OS.
#[allow(clippy::unnecessary_cast)]
fn now(clock: libc::clockid_t) -> Result<Timespec, Errno> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into `ts`.
    if unsafe { libc::clock_gettime(clock, &mut ts) } < 0 {
        return Err(Errno::last_host());
    }
    Ok(Timespec { tv_sec: ts.tv_sec as i64, tv_nsec: ts.tv_nsec as i64 })
}

/// clock_gettime(2).
pub fn clock_gettime(p: &mut Process, a: &Args) -> SysResult {
    let ts = now(host_clock(a.uint(0))?)?;
    p.mm.write_obj(a.u(1), &ts)?;
    Ok(0)
}

/// clock_getres(2).
pub fn clock_getres(p: &mut Process, a: &Args) -> SysResult {
    let id = a.uint(0);
    let c = host_clock(id)?;
    if a.u(1) != 0 {
        let coarse = matches!(id, CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE);
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_getres writes only into `ts`.
        unsafe { libc::clock_getres(c, &mut ts) };
        let res = if coarse { Timespec { tv_sec: 0, tv_nsec: 4_000_000 } } else { Timespec { tv_sec: 0, tv_nsec: 1 } };
        let _ = ts;
        p.mm.write_obj(a.u(1), &res)?;
    }
    Ok(0)
}

/// gettimeofday(2).
pub fn gettimeofday(p: &mut Process, a: &Args) -> SysResult {
    if a.u(0) != 0 {
        let ts = now(libc::CLOCK_REALTIME)?;
        p.mm.write_obj(a.u(0), &Timeval { tv_sec: ts.tv_sec, tv_usec: ts.tv_nsec / 1000 })?;
    }
    if a.u(1) != 0 {
        // struct timezone: minutes west, dst type; Linux reports zeros.
        p.mm.write(a.u(1), &[0u8; 8])?;
    }
    Ok(0)
}

fn read_timespec(p: &Process, ptr: u64) -> Result<Timespec, Errno> {
    let ts: Timespec = p.mm.read_obj(ptr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(ts)
}

fn sleep_for(ts: Timespec) {
    std::thread::sleep(std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32));
}

/// nanosleep(2).
pub fn nanosleep(p: &mut Process, a: &Args) -> SysResult {
    let ts = read_timespec(p, a.u(0))?;
    sleep_for(ts);
    Ok(0)
}

/// clock_nanosleep(2).
pub fn clock_nanosleep(p: &mut Process, a: &Args) -> SysResult {
    let (id, flags, req) = (a.uint(0), a.u(1), a.u(2));
    if id == CLOCK_THREAD_CPUTIME_ID {
        return Err(Errno::EINVAL);
    }
    let c = host_clock(id)?;
    let ts = read_timespec(p, req)?;
    if flags & TIMER_ABSTIME != 0 {
        let cur = now(c)?;
        let target = ts.tv_sec as i128 * 1_000_000_000 + ts.tv_nsec as i128;
        let nowns = cur.tv_sec as i128 * 1_000_000_000 + cur.tv_nsec as i128;
        if target > nowns {
            let d = (target - nowns) as u128;
            std::thread::sleep(std::time::Duration::from_nanos(d.min(u64::MAX as u128) as u64));
        }
    } else {
        sleep_for(ts);
    }
    Ok(0)
}

#[allow(clippy::unnecessary_cast)]
fn rusage_self() -> (Timeval, Timeval) {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills `ru`.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr()) };
    // SAFETY: getrusage(RUSAGE_SELF) cannot fail with a valid pointer.
    let ru = unsafe { ru.assume_init() };
    (
        Timeval { tv_sec: ru.ru_utime.tv_sec as i64, tv_usec: ru.ru_utime.tv_usec as i64 },
        Timeval { tv_sec: ru.ru_stime.tv_sec as i64, tv_usec: ru.ru_stime.tv_usec as i64 },
    )
}

/// times(2): clock ticks at 100 Hz (AT_CLKTCK).
pub fn times(p: &mut Process, a: &Args) -> SysResult {
    let (u, s) = rusage_self();
    let ticks = |t: Timeval| t.tv_sec * 100 + t.tv_usec / 10_000;
    if a.u(0) != 0 {
        p.mm.write_obj(a.u(0), &Tms { utime: ticks(u), stime: ticks(s), cutime: 0, cstime: 0 })?;
    }
    let up = now(libc::CLOCK_MONOTONIC)?;
    Ok((up.tv_sec * 100 + up.tv_nsec / 10_000_000) as u64)
}

/// getrusage(2).
pub fn getrusage(p: &mut Process, a: &Args) -> SysResult {
    const RUSAGE_SELF: i64 = 0;
    const RUSAGE_CHILDREN: i64 = -1;
    const RUSAGE_THREAD: i64 = 1;
    let who = a.int(0);
    let r = match who {
        RUSAGE_SELF | RUSAGE_THREAD => {
            let (u, s) = rusage_self();
            Rusage { utime: u, stime: s, ..Rusage::default() }
        }
        RUSAGE_CHILDREN => Rusage::default(),
        _ => return Err(Errno::EINVAL),
    };
    p.mm.write_obj(a.u(1), &r)?;
    Ok(0)
}
