//! Signal syscalls. This foundation records dispositions and the mask and
//! applies default actions of signals a process sends itself; delivering
//! to guest handlers (signal frames) is the signals issue's work.

use super::{Args, Flow, SysResult};
use crate::abi::errno::Errno;
use crate::abi::signal::{self as sig, KSigaction};
use crate::process::Process;

const UNBLOCKABLE: u64 = (1 << (sig::SIGKILL - 1)) | (1 << (sig::SIGSTOP - 1));

/// rt_sigaction(2).
pub fn rt_sigaction(p: &mut Process, a: &Args) -> SysResult {
    let (signum, act, old, size) = (a.int(0), a.u(1), a.u(2), a.u(3));
    if size != 8 || !(1..=i64::from(sig::NSIG)).contains(&signum) {
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
    }
    Ok(0)
}

/// rt_sigprocmask(2).
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

/// sigaltstack(2): records the alternate stack.
pub fn sigaltstack(p: &mut Process, a: &Args) -> SysResult {
    const SS_DISABLE: u32 = 2;
    const MINSIGSTKSZ: u64 = 5120;
    let (ss, old) = (a.u(0), a.u(1));
    let new = if ss != 0 {
        let mut b = [0u8; 24];
        p.mm.read(ss, &mut b)?;
        let sp = u64::from_le_bytes(b[0..8].try_into().unwrap_or_default());
        let flags = u32::from_le_bytes(b[8..12].try_into().unwrap_or_default());
        let size = u64::from_le_bytes(b[16..24].try_into().unwrap_or_default());
        if flags & !(SS_DISABLE | (1 << 31)) != 0 {
            return Err(Errno::EINVAL);
        }
        if flags & SS_DISABLE == 0 && size < MINSIGSTKSZ {
            return Err(Errno::ENOMEM);
        }
        Some((sp, flags, size))
    } else {
        None
    };
    if old != 0 {
        let (sp, flags, size) = p.sig.altstack;
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&sp.to_le_bytes());
        b[8..12].copy_from_slice(&flags.to_le_bytes());
        b[16..24].copy_from_slice(&size.to_le_bytes());
        p.mm.write(old, &b)?;
    }
    if let Some(n) = new {
        p.sig.altstack = if n.1 & SS_DISABLE != 0 { (0, SS_DISABLE, 0) } else { n };
    }
    Ok(0)
}

/// Whether the default action of `s` terminates the process (signal(7):
/// Term or Core). Ign and Cont do nothing; Stop needs job control, which
/// a single guest process without a parent shell does not have.
fn default_terminates(s: i32) -> bool {
    !matches!(
        s,
        sig::SIGCHLD
            | sig::SIGCONT
            | sig::SIGURG
            | sig::SIGWINCH
            | sig::SIGSTOP
            | sig::SIGTSTP
            | sig::SIGTTIN
            | sig::SIGTTOU
    )
}

/// Send `s` to this process: apply the default action or report that a
/// handler would run.
fn send_self(p: &mut Process, s: i64) -> Result<Flow, Errno> {
    if s == 0 {
        return Ok(Flow::Return(0));
    }
    if !(1..=i64::from(sig::NSIG)).contains(&s) {
        return Err(Errno::EINVAL);
    }
    let s = s as i32;
    let act = p.sig.actions[(s - 1) as usize];
    let blocked = p.sig.mask & (1u64 << (s - 1)) != 0;
    if s != sig::SIGKILL && (act.handler == sig::SIG_IGN || blocked) {
        return Ok(Flow::Return(0));
    }
    if s == sig::SIGKILL || act.handler == sig::SIG_DFL {
        if default_terminates(s) {
            return Ok(Flow::Killed(s));
        }
        return Ok(Flow::Return(0));
    }
    // A guest handler is installed: delivery needs signal frames, which
    // this build does not have. Say so once and continue.
    if p.reported_enosys.insert(1000 + s as u64) {
        eprintln!("elfuse: signal {} has a guest handler; handler delivery is not implemented yet", sig::name(s));
    }
    Ok(Flow::Return(0))
}

/// kill(2): only the calling process (or its group) is reachable.
pub fn kill(p: &mut Process, a: &Args) -> Result<Flow, Errno> {
    let pid = a.int(0);
    if pid == i64::from(p.pid()) || pid == 0 || pid == -1 {
        return send_self(p, a.int(1));
    }
    Err(Errno::ESRCH)
}

/// tkill(2).
pub fn tkill(p: &mut Process, a: &Args) -> Result<Flow, Errno> {
    if a.int(0) <= 0 {
        return Err(Errno::EINVAL);
    }
    if a.int(0) != i64::from(p.pid()) {
        return Err(Errno::ESRCH);
    }
    send_self(p, a.int(1))
}

/// tgkill(2).
pub fn tgkill(p: &mut Process, a: &Args) -> Result<Flow, Errno> {
    if a.int(0) <= 0 || a.int(1) <= 0 {
        return Err(Errno::EINVAL);
    }
    if a.int(0) != i64::from(p.pid()) || a.int(1) != i64::from(p.pid()) {
        return Err(Errno::ESRCH);
    }
    send_self(p, a.int(2))
}
