//! Process identity, exit, limits, prctl.

use super::{Args, Flow, SysResult};
use crate::abi::errno::Errno;
use crate::abi::misc::{Rlimit, RLIMIT_NOFILE, RLIM_NLIMITS};
use crate::process::Process;

/// exit(2): ends the calling thread (the only thread, so the process).
pub fn exit(_p: &mut Process, a: &Args) -> Result<Flow, Errno> {
    Ok(Flow::ExitThread(a.int(0) as i32 & 0xff))
}

/// exit_group(2).
pub fn exit_group(_p: &mut Process, a: &Args) -> Result<Flow, Errno> {
    Ok(Flow::ExitGroup(a.int(0) as i32 & 0xff))
}

/// getpid(2): guest pid = host pid.
pub fn getpid(p: &mut Process, _a: &Args) -> SysResult {
    Ok(p.pid() as u64)
}

/// gettid(2): the main thread's tid is the pid.
pub fn gettid(p: &mut Process, _a: &Args) -> SysResult {
    Ok(p.cur_tid as u64)
}

/// getppid(2).
pub fn getppid(_p: &mut Process, _a: &Args) -> SysResult {
    // SAFETY: no memory effects.
    Ok(unsafe { libc::getppid() } as u64)
}

/// getpgid(2).
pub fn getpgid(_p: &mut Process, a: &Args) -> SysResult {
    // SAFETY: no memory effects.
    let r = unsafe { libc::getpgid(a.int(0) as libc::pid_t) };
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}

/// getsid(2).
pub fn getsid(_p: &mut Process, a: &Args) -> SysResult {
    // SAFETY: no memory effects.
    let r = unsafe { libc::getsid(a.int(0) as libc::pid_t) };
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}

/// setpgid(2) on the calling process.
pub fn setpgid(p: &mut Process, a: &Args) -> SysResult {
    let (pid, pgid) = (a.int(0), a.int(1));
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid != 0 && pid != i64::from(p.pid()) {
        return Err(Errno::ESRCH);
    }
    // SAFETY: no memory effects.
    let r = unsafe { libc::setpgid(0, pgid as libc::pid_t) };
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(0)
    }
}

/// set_tid_address(2): records the pointer, returns the tid.
pub fn set_tid_address(p: &mut Process, a: &Args) -> SysResult {
    p.thread().clear_child_tid = a.u(0);
    Ok(p.cur_tid as u64)
}

/// set_robust_list(2).
pub fn set_robust_list(p: &mut Process, a: &Args) -> SysResult {
    // sizeof(struct robust_list_head) on 64-bit.
    if a.u(1) != 24 {
        return Err(Errno::EINVAL);
    }
    p.thread().robust_list = (a.u(0), a.u(1));
    Ok(0)
}

/// prlimit64(2) for the calling process.
pub fn prlimit64(p: &mut Process, a: &Args) -> SysResult {
    let (pid, res, new, old) = (a.int(0), a.uint(1), a.u(2), a.u(3));
    if pid != 0 && pid != i64::from(p.pid()) {
        return Err(Errno::ESRCH);
    }
    if res >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let cur = p.rlimits[res as usize];
    let newv = if new != 0 { Some(p.mm.read_obj::<Rlimit>(new)?) } else { None };
    if let Some(n) = newv {
        if n.cur > n.max {
            return Err(Errno::EINVAL);
        }
        if n.max > cur.max {
            // Raising the hard limit needs CAP_SYS_RESOURCE.
            // SAFETY: no memory effects.
            if unsafe { libc::geteuid() } != 0 {
                return Err(Errno::EPERM);
            }
        }
    }
    if old != 0 {
        p.mm.write_obj(old, &cur)?;
    }
    if let Some(n) = newv {
        p.rlimits[res as usize] = n;
        if res == RLIMIT_NOFILE {
            p.fds.limit = n.cur.min(1 << 20) as usize;
        }
    }
    Ok(0)
}

/// getrlimit(2).
pub fn getrlimit(p: &mut Process, a: &Args) -> SysResult {
    prlimit64(p, &Args([0, a.u(0), 0, a.u(1), 0, 0]))
}

/// setrlimit(2).
pub fn setrlimit(p: &mut Process, a: &Args) -> SysResult {
    prlimit64(p, &Args([0, a.u(0), a.u(1), 0, 0, 0]))
}

/// prctl(2): thread name only.
pub fn prctl(p: &mut Process, a: &Args) -> SysResult {
    const PR_SET_NAME: u32 = 15;
    const PR_GET_NAME: u32 = 16;
    match a.uint(0) {
        PR_SET_NAME => {
            let mut b = [0u8; 16];
            // Read up to 16 bytes; the name is truncated to 15 + NUL.
            for (i, slot) in b.iter_mut().enumerate().take(15) {
                let mut c = [0u8; 1];
                p.mm.read(a.u(1) + i as u64, &mut c)?;
                if c[0] == 0 {
                    break;
                }
                *slot = c[0];
            }
            p.comm = b;
            Ok(0)
        }
        PR_GET_NAME => {
            let c = p.comm;
            p.mm.write(a.u(1), &c)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
