//! Scheduling basics and execution domain: personality, nice values,
//! scheduler policy queries, CPU affinity.

use std::sync::atomic::{AtomicU32, Ordering};

use super::sys_fs::host_ret_i;
use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::time::Timespec;
use crate::process::Process;

/// Linux scheduling policies (include/uapi/linux/sched.h).
const SCHED_OTHER: i64 = 0;
const SCHED_FIFO: i64 = 1;
const SCHED_RR: i64 = 2;
const SCHED_BATCH: i64 = 3;
const SCHED_IDLE: i64 = 5;
const SCHED_DEADLINE: i64 = 6;
/// SCHED_RESET_ON_FORK may be or-ed into a policy.
const SCHED_RESET_ON_FORK: i64 = 0x4000_0000;

/// Linux `which` values of get/setpriority.
const PRIO_PROCESS: i64 = 0;
const PRIO_PGRP: i64 = 1;
const PRIO_USER: i64 = 2;

/// The guest's personality (PER_LINUX = 0); one per elfuse process.
static PERSONALITY: AtomicU32 = AtomicU32::new(0);

/// personality(2): 0xffffffff queries; anything else is recorded (elfuse
/// runs every persona as PER_LINUX) and the old value returned.
pub fn personality(_p: &mut Process, a: &Args) -> SysResult {
    let v = a.uint(0);
    let old = PERSONALITY.load(Ordering::Relaxed);
    if v != u32::MAX {
        PERSONALITY.store(v, Ordering::Relaxed);
    }
    Ok(u64::from(old))
}

/// Check that `pid` names this process (0 = self).
fn self_pid(p: &Process, pid: i64) -> Result<(), Errno> {
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid != 0 && pid != i64::from(p.pid()) {
        return Err(Errno::ESRCH);
    }
    Ok(())
}

fn host_which(which: i64) -> Result<libc::c_int, Errno> {
    Ok(match which {
        PRIO_PROCESS => libc::PRIO_PROCESS as libc::c_int,
        PRIO_PGRP => libc::PRIO_PGRP as libc::c_int,
        PRIO_USER => libc::PRIO_USER as libc::c_int,
        _ => return Err(Errno::EINVAL),
    })
}

/// getpriority(2): the raw syscall returns `20 - nice` (1..40).
pub fn getpriority(p: &mut Process, a: &Args) -> SysResult {
    let (which, who) = (a.int(0), a.int(1));
    let hw = host_which(which)?;
    if which == PRIO_PROCESS {
        self_pid(p, who)?;
    }
    let who = if which == PRIO_PROCESS { 0 } else { who };
    clear_errno();
    // SAFETY: no memory effects; errno was cleared since -1 is a valid nice.
    let nice = unsafe { libc::getpriority(hw as _, who as libc::id_t) };
    if nice == -1 && Errno::last_host() != Errno(0) {
        return Err(Errno::last_host());
    }
    Ok((20 - nice) as u64)
}

/// setpriority(2): nice clamped to -20..19; raising priority needs privilege
/// (the host decides).
pub fn setpriority(p: &mut Process, a: &Args) -> SysResult {
    let (which, who, prio) = (a.int(0), a.int(1), a.int(2).clamp(-20, 19));
    let hw = host_which(which)?;
    if which == PRIO_PROCESS {
        self_pid(p, who)?;
    }
    let who = if which == PRIO_PROCESS { 0 } else { who };
    // SAFETY: no memory effects.
    match host_ret_i(unsafe { libc::setpriority(hw as _, who as libc::id_t, prio as libc::c_int) }) {
        Err(Errno::EPERM) => Err(Errno::EACCES),
        r => r.map(|_| 0),
    }
}

/// sched_getscheduler(2): guests run under SCHED_OTHER.
pub fn sched_getscheduler(p: &mut Process, a: &Args) -> SysResult {
    self_pid(p, a.int(0))?;
    Ok(SCHED_OTHER as u64)
}

/// sched_setscheduler(2): the normal policies with priority 0 are accepted;
/// real-time ones need privilege elfuse does not give (EPERM).
pub fn sched_setscheduler(p: &mut Process, a: &Args) -> SysResult {
    let (pid, policy, param) = (a.int(0), a.int(1), a.u(2));
    if param == 0 {
        return Err(Errno::EINVAL);
    }
    self_pid(p, pid)?;
    let prio = p.mm.read_obj::<SchedParam>(param)?.priority;
    sched_check(policy & !SCHED_RESET_ON_FORK, prio)
}

fn sched_check(policy: i64, prio: i32) -> SysResult {
    match policy {
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE if prio == 0 => Ok(0),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Err(Errno::EINVAL),
        SCHED_FIFO | SCHED_RR if (1..=99).contains(&prio) => Err(Errno::EPERM),
        SCHED_FIFO | SCHED_RR => Err(Errno::EINVAL),
        SCHED_DEADLINE => Err(Errno::EINVAL),
        _ => Err(Errno::EINVAL),
    }
}

/// `struct sched_param`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct SchedParam {
    priority: i32,
}
impl crate::abi::Pod for SchedParam {}

/// sched_getparam(2): priority 0 under SCHED_OTHER.
pub fn sched_getparam(p: &mut Process, a: &Args) -> SysResult {
    let (pid, param) = (a.int(0), a.u(1));
    if param == 0 {
        return Err(Errno::EINVAL);
    }
    self_pid(p, pid)?;
    p.mm.write_obj(param, &SchedParam { priority: 0 })?;
    Ok(0)
}

/// sched_setparam(2).
pub fn sched_setparam(p: &mut Process, a: &Args) -> SysResult {
    let (pid, param) = (a.int(0), a.u(1));
    if param == 0 {
        return Err(Errno::EINVAL);
    }
    self_pid(p, pid)?;
    let prio = p.mm.read_obj::<SchedParam>(param)?.priority;
    sched_check(SCHED_OTHER, prio)
}

/// sched_get_priority_max(2).
pub fn sched_get_priority_max(_p: &mut Process, a: &Args) -> SysResult {
    match a.int(0) {
        SCHED_FIFO | SCHED_RR => Ok(99),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// sched_get_priority_min(2).
pub fn sched_get_priority_min(_p: &mut Process, a: &Args) -> SysResult {
    match a.int(0) {
        SCHED_FIFO | SCHED_RR => Ok(1),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// sched_rr_get_interval(2): the CFS slice Linux reports by default (the
/// exact value depends on the kernel; 0 would mean "infinite").
pub fn sched_rr_get_interval(p: &mut Process, a: &Args) -> SysResult {
    self_pid(p, a.int(0))?;
    p.mm.write_obj(a.u(1), &Timespec { tv_sec: 0, tv_nsec: 4_000_000 })?;
    Ok(0)
}

/// sched_setaffinity(2): accepted if the mask names at least one CPU elfuse
/// reports; the host thread is not pinned.
pub fn sched_setaffinity(p: &mut Process, a: &Args) -> SysResult {
    let (pid, len, mask) = (a.int(0), a.u(1), a.u(2));
    self_pid(p, pid)?;
    let mut m = vec![0u8; len.min(8192) as usize];
    p.mm.read(mask, &mut m)?;
    let n = super::sys_info::ncpus();
    let any = (0..n).any(|c| m.get(c / 8).is_some_and(|b| b & (1 << (c % 8)) != 0));
    if !any {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

/// Zero the host errno (for calls whose -1 may be a value).
fn clear_errno() {
    // SAFETY: the errno location is this thread's, always valid.
    #[cfg(target_os = "linux")]
    unsafe {
        *libc::__errno_location() = 0
    };
    // SAFETY: as above.
    #[cfg(target_os = "macos")]
    unsafe {
        *libc::__error() = 0
    };
}
