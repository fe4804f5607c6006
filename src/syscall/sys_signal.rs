//! Signal syscalls: dispositions, masks, sending, waiting, sigreturn.

use super::{Args, Flow, SysResult, Task};
use crate::abi::errno::Errno;
use crate::abi::signal::{self as sig, si, KSigaction, SigInfo};
use crate::abi::time::Timespec;
use crate::process::Process;
use crate::signal::{self as delivery, bit, host, UNBLOCKABLE};
use crate::vcpu::Vcpu;

fn valid(s: i64) -> bool {
    (1..=i64::from(sig::NSIG)).contains(&s)
}

fn read_sigset(p: &Process, ptr: u64, size: u64) -> Result<u64, Errno> {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    p.mm.read_u64(ptr)
}

/// rt_sigaction(2).
pub fn rt_sigaction(p: &mut Process, a: &Args) -> SysResult {
    let (signum, act, old, size) = (a.int(0), a.u(1), a.u(2), a.u(3));
    if size != 8 || !valid(signum) {
        return Err(Errno::EINVAL);
    }
    let idx = (signum - 1) as usize;
    let new = if act != 0 { Some(p.mm.read_obj::<KSigaction>(act)?) } else { None };
    if new.is_some() && (signum == i64::from(sig::SIGKILL) || signum == i64::from(sig::SIGSTOP)) {
        return Err(Errno::EINVAL);
    }
    if old != 0 {
        let cur = p.sig.actions[idx];
        p.mm.write_obj(old, &cur)?;
    }
    if let Some(mut n) = new {
        n.mask &= !UNBLOCKABLE;
        p.sig.actions[idx] = n;
        // Setting SIG_IGN (or a default-ignore SIG_DFL) discards pending.
        let s = signum as i32;
        if n.handler == sig::SIG_IGN
            || (n.handler == sig::SIG_DFL && delivery::default_action(s) == delivery::DefaultAction::Ign)
        {
            p.sig.pending &= !bit(s);
            super::sys_signalfd::sync(p);
        }
    }
    Ok(0)
}

/// rt_sigprocmask(2). Newly unblocked pending signals are delivered as the
/// call returns.
pub fn rt_sigprocmask(p: &mut Process, a: &Args) -> SysResult {
    let (how, set, old, size) = (a.u(0), a.u(1), a.u(2), a.u(3));
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let newset = if set != 0 { Some(p.mm.read_u64(set)?) } else { None };
    if newset.is_some() && how > sig::SIG_SETMASK {
        return Err(Errno::EINVAL);
    }
    if old != 0 {
        p.mm.write(old, &p.sig.mask.to_le_bytes())?;
    }
    if let Some(s) = newset {
        let s = s & !UNBLOCKABLE;
        p.sig.mask = match how {
            sig::SIG_BLOCK => p.sig.mask | s,
            sig::SIG_UNBLOCK => p.sig.mask & !s,
            _ => s,
        };
    }
    Ok(0)
}

/// rt_sigpending(2).
pub fn rt_sigpending(p: &mut Process, a: &Args) -> SysResult {
    if a.u(1) != 8 {
        return Err(Errno::EINVAL);
    }
    host::collect(p);
    p.mm.write(a.u(0), &((p.sig.pending | p.sig.tpending) & p.sig.mask).to_le_bytes())?;
    Ok(0)
}

/// Sleep, without the process lock, until a forwarded host signal
/// arrives or one wait slice passes (other threads' signals are noticed
/// at the next check).
fn wait_slice(until: Option<std::time::Instant>) {
    if host::any_pending() {
        return;
    }
    let slice = std::time::Duration::from_millis(20);
    let d = until.map_or(slice, |u| u.saturating_duration_since(std::time::Instant::now()).min(slice));
    crate::host::sleep_interruptible(d);
}

/// rt_sigsuspend(2): replace the mask and sleep (unlocked) until a signal
/// is delivered. Always "fails" with EINTR; the frame records the old mask.
pub fn rt_sigsuspend(task: &Task, a: &Args) -> Result<Flow, Errno> {
    {
        let mut p = task.lock();
        let mask = read_sigset(&p, a.u(0), a.u(1))? & !UNBLOCKABLE;
        let old = p.sig.mask;
        p.sig.mask = mask;
        p.sig.saved_mask = Some(old);
    }
    loop {
        {
            let mut p = task.lock();
            host::collect(&mut p);
            if p.deliverable() != 0 {
                return Err(Errno::EINTR);
            }
        }
        wait_slice(None);
    }
}

/// rt_sigtimedwait(2): dequeue a pending signal from `set`, waiting
/// (unlocked) up to `timeout`.
pub fn rt_sigtimedwait(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (info_ptr, ts_ptr) = (a.u(1), a.u(2));
    let (set, timeout) = {
        let p = task.lock();
        let set = read_sigset(&p, a.u(0), a.u(3))? & !UNBLOCKABLE;
        let timeout = if ts_ptr != 0 {
            let ts: Timespec = p.mm.read_obj(ts_ptr)?;
            if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                return Err(Errno::EINVAL);
            }
            Some(std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
        } else {
            None
        };
        (set, timeout)
    };
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    loop {
        {
            let mut p = task.lock();
            host::collect(&mut p);
            let hit = (p.sig.pending | p.sig.tpending) & set;
            if hit != 0 {
                let s = hit.trailing_zeros() as i32 + 1;
                let info = p.take_signal(s);
                if info_ptr != 0 {
                    p.mm.write_obj(info_ptr, &info)?;
                }
                return Ok(Flow::Return(s as u64));
            }
            if p.deliverable() != 0 {
                return Err(Errno::EINTR);
            }
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Err(Errno::EAGAIN);
        }
        wait_slice(deadline);
    }
}

/// sigaltstack(2) (needs the caller's stack pointer: EPERM while on the
/// alternate stack).
pub fn sigaltstack(p: &mut Process, cpu: &mut dyn Vcpu, a: &Args) -> Result<Flow, Errno> {
    let (ss, old) = (a.u(0), a.u(1));
    let sp = cpu.get(crate::vcpu::Reg::Sp);
    let on = delivery::altstack_flags(p, sp) == sig::SS_ONSTACK;
    let new = if ss != 0 {
        let mut b = [0u8; 24];
        p.mm.read(ss, &mut b)?;
        let ss_sp = u64::from_le_bytes(b[0..8].try_into().unwrap_or_default());
        let flags = u32::from_le_bytes(b[8..12].try_into().unwrap_or_default());
        let size = u64::from_le_bytes(b[16..24].try_into().unwrap_or_default());
        // SS_AUTODISARM (1 << 31) is accepted and not modelled.
        if flags & !(sig::SS_DISABLE | sig::SS_ONSTACK | (1 << 31)) != 0 {
            return Err(Errno::EINVAL);
        }
        if on {
            return Err(Errno::EPERM);
        }
        if flags & sig::SS_DISABLE == 0 && size < sig::MINSIGSTKSZ {
            return Err(Errno::ENOMEM);
        }
        Some((ss_sp, flags, size))
    } else {
        None
    };
    if old != 0 {
        let (base, _, size) = p.sig.altstack;
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&base.to_le_bytes());
        b[8..12].copy_from_slice(&delivery::altstack_flags(p, sp).to_le_bytes());
        b[16..24].copy_from_slice(&size.to_le_bytes());
        p.mm.write(old, &b)?;
    }
    if let Some((base, flags, size)) = new {
        p.sig.altstack = if flags & sig::SS_DISABLE != 0 { (0, sig::SS_DISABLE, 0) } else { (base, 0, size) };
    }
    Ok(Flow::Return(0))
}

/// rt_sigreturn(2): restore the frame; a bad frame kills with SIGSEGV.
pub fn rt_sigreturn(p: &mut Process, cpu: &mut dyn Vcpu, _a: &Args) -> Result<Flow, Errno> {
    match delivery::sigreturn(p, cpu) {
        Ok(()) => Ok(Flow::Resume),
        Err(_) => Ok(Flow::Killed(sig::SIGSEGV)),
    }
}

fn send(p: &mut Process, target_self: bool, pid: i64, s: i64, code: i32) -> SysResult {
    if s != 0 && !valid(s) {
        return Err(Errno::EINVAL);
    }
    if target_self {
        if s != 0 {
            // SAFETY: getuid has no memory effects.
            let uid = unsafe { libc::getuid() };
            p.queue_signal(SigInfo::user(s as i32, code, p.pid(), uid));
        }
        return Ok(0);
    }
    // Another process: guest pids are host pids.
    let hs = if s == 0 { 0 } else { host::to_host(s as i32).ok_or(Errno::EINVAL)? };
    // SAFETY: kill has no memory effects.
    if unsafe { libc::kill(pid as libc::pid_t, hs) } < 0 {
        return Err(Errno::last_host());
    }
    Ok(0)
}

/// kill(2).
pub fn kill(p: &mut Process, a: &Args) -> SysResult {
    let pid = a.int(0);
    let me = i64::from(p.pid());
    if pid == me {
        return send(p, true, pid, a.int(1), si::SI_USER);
    }
    // A group or broadcast includes this process too.
    if pid == 0 || pid == -1 || pid == -me {
        let r = send(p, false, pid, a.int(1), si::SI_USER);
        send(p, true, me, a.int(1), si::SI_USER)?;
        return r.or(Ok(0));
    }
    send(p, false, pid, a.int(1), si::SI_USER)
}

/// Queue `s` on thread `tid` of this process.
fn to_thread(p: &mut Process, tid: i64, s: i64) -> SysResult {
    if s != 0 && !valid(s) {
        return Err(Errno::EINVAL);
    }
    if s != 0 {
        // SAFETY: getuid has no memory effects.
        let uid = unsafe { libc::getuid() };
        let info = SigInfo::user(s as i32, si::SI_TKILL, p.pid(), uid);
        p.queue_thread_signal(tid as i32, info);
    }
    Ok(0)
}

/// Whether `tid` is one of this process's threads.
fn own_thread(p: &Process, tid: i64) -> bool {
    tid == i64::from(p.pid()) || i32::try_from(tid).is_ok_and(|t| p.threads.contains_key(&t))
}

/// tkill(2). A signal to one of this process's threads becomes pending on
/// the process (elfuse keeps one signal mask per process for now).
pub fn tkill(p: &mut Process, a: &Args) -> SysResult {
    let tid = a.int(0);
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    if !own_thread(p, tid) {
        return Err(Errno::ESRCH);
    }
    to_thread(p, tid, a.int(1))
}

/// tgkill(2).
pub fn tgkill(p: &mut Process, a: &Args) -> SysResult {
    let (tgid, tid) = (a.int(0), a.int(1));
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    if tgid != i64::from(p.pid()) || !own_thread(p, tid) {
        return Err(Errno::ESRCH);
    }
    to_thread(p, tid, a.int(2))
}

/// rt_sigqueueinfo(2) / rt_tgsigqueueinfo(2) to this process.
fn queueinfo(p: &mut Process, pid: i64, s: i64, info_ptr: u64) -> SysResult {
    if !valid(s) {
        return Err(Errno::EINVAL);
    }
    let mut info: SigInfo = p.mm.read_obj(info_ptr)?;
    // Only SI_QUEUE-style (negative) codes may be forged, as Linux checks.
    if info.code >= 0 || info.code == si::SI_TKILL {
        return Err(Errno::EPERM);
    }
    if pid != i64::from(p.pid()) {
        return Err(Errno::ESRCH);
    }
    info.signo = s as i32;
    p.queue_signal(info);
    Ok(0)
}

/// rt_sigqueueinfo(2).
pub fn rt_sigqueueinfo(p: &mut Process, a: &Args) -> SysResult {
    queueinfo(p, a.int(0), a.int(1), a.u(2))
}

/// rt_tgsigqueueinfo(2).
pub fn rt_tgsigqueueinfo(p: &mut Process, a: &Args) -> SysResult {
    if a.int(1) != i64::from(p.pid()) {
        return Err(Errno::ESRCH);
    }
    queueinfo(p, a.int(0), a.int(2), a.u(3))
}
