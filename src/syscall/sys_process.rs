//! Process creation and reaping: clone, clone3, wait4, waitid, setsid.
//!
//! A new process is a new elfuse process ([`crate::fork`]); guest pids are
//! host pids, so waiting is the host's waitpid with the status translated.

use super::{Args, Flow, SysResult};
use crate::abi::clone::*;
use crate::abi::errno::Errno;
use crate::abi::misc::Rusage;
use crate::abi::signal::{si, SigInfo};
use crate::abi::time::Timeval;
use crate::fork::CloneArgs;
use crate::process::Process;
use crate::signal::host;
use crate::vcpu::Vcpu;

/// Validate clone flags as Linux's copy_process does, then create the child.
fn do_clone(p: &mut Process, cpu: &mut dyn Vcpu, flags: u64, stack: u64, ptid: u64, tls: u64, ctid: u64) -> SysResult {
    if flags & CLONE_NAMESPACES != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0 {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0 {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0 {
        // A thread: it must share everything a host thread shares (an
        // address space shared between separate processes is not possible).
        let need = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FS | CLONE_FILES;
        if flags & need != need {
            return Err(Errno::EINVAL);
        }
        return crate::thread::spawn(p, cpu, flags, stack, ptid, tls, ctid);
    }
    // Separate host processes cannot share an fd table or fs context.
    if flags & (CLONE_FILES | CLONE_FS | CLONE_PIDFD) != 0 {
        return Err(Errno::EINVAL);
    }
    let args = CloneArgs {
        vfork: flags & CLONE_VFORK != 0,
        stack,
        tls: (flags & CLONE_SETTLS != 0).then_some(tls),
        child_settid: if flags & CLONE_CHILD_SETTID != 0 { ctid } else { 0 },
        child_cleartid: if flags & CLONE_CHILD_CLEARTID != 0 { ctid } else { 0 },
    };
    let pid = crate::fork::fork(p, cpu, &args)?;
    if flags & CLONE_PARENT_SETTID != 0 {
        p.mm.write(ptid, &(pid as u32).to_le_bytes())?;
    }
    Ok(pid)
}

/// clone(2) (arm64 order: flags, stack, parent_tid, tls, child_tid).
pub fn clone(p: &mut Process, cpu: &mut dyn Vcpu, a: &Args) -> Result<Flow, Errno> {
    do_clone(p, cpu, a.u(0), a.u(1), a.u(2), a.u(3), a.u(4)).map(Flow::Return)
}

/// clone3(2).
pub fn clone3(p: &mut Process, cpu: &mut dyn Vcpu, a: &Args) -> Result<Flow, Errno> {
    let (ptr, size) = (a.u(0), a.u(1));
    if !(CLONE_ARGS_SIZE_VER0..=4096).contains(&size) {
        return Err(Errno::EINVAL);
    }
    let mut b = vec![0u8; size as usize];
    p.mm.read(ptr, &mut b)?;
    // Fields past the ones this kernel knows must be zero (E2BIG).
    let known = 88usize.min(b.len());
    if b[known..].iter().any(|&x| x != 0) {
        return Err(Errno::E2BIG);
    }
    let f =
        |i: usize| -> u64 { b.get(i * 8..i * 8 + 8).map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8]))) };
    let (flags, _pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls) =
        (f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7));
    if exit_signal > 64 || flags & CSIGNAL != 0 {
        return Err(Errno::EINVAL);
    }
    if (stack == 0) != (stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    let top = if stack != 0 { stack.checked_add(stack_size).ok_or(Errno::EINVAL)? } else { 0 };
    do_clone(p, cpu, flags | exit_signal, top, parent_tid, tls, child_tid).map(Flow::Return)
}

/// Linux number of a host signal.
fn linux_sig(h: i32) -> i32 {
    (1..=31).find(|&l| host::to_host(l) == Some(h)).unwrap_or(h)
}

/// Translate a host wait status to Linux's encoding.
fn linux_status(st: i32) -> i32 {
    if libc::WIFEXITED(st) {
        (libc::WEXITSTATUS(st) & 0xff) << 8
    } else if libc::WIFSIGNALED(st) {
        linux_sig(libc::WTERMSIG(st)) | if libc::WCOREDUMP(st) { 0x80 } else { 0 }
    } else if libc::WIFSTOPPED(st) {
        (linux_sig(libc::WSTOPSIG(st)) << 8) | 0x7f
    } else if libc::WIFCONTINUED(st) {
        0xffff
    } else {
        st
    }
}

#[allow(clippy::unnecessary_cast)]
fn linux_rusage(r: &libc::rusage) -> Rusage {
    Rusage {
        utime: Timeval { tv_sec: r.ru_utime.tv_sec as i64, tv_usec: r.ru_utime.tv_usec as i64 },
        stime: Timeval { tv_sec: r.ru_stime.tv_sec as i64, tv_usec: r.ru_stime.tv_usec as i64 },
        ..Rusage::default()
    }
}

fn host_wait_options(o: u32) -> i32 {
    let mut h = 0;
    if o & WNOHANG != 0 {
        h |= libc::WNOHANG;
    }
    if o & WUNTRACED != 0 {
        h |= libc::WUNTRACED;
    }
    if o & WCONTINUED != 0 {
        h |= libc::WCONTINUED;
    }
    h
}

/// wait4(2).
pub fn wait4(p: &mut Process, a: &Args) -> SysResult {
    let (pid, status, options, ru) = (a.int(0), a.u(1), a.uint(2), a.u(3));
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL);
    }
    if status != 0 && !p.mm.check(status, 4, true) {
        return Err(Errno::EFAULT);
    }
    let mut st = 0;
    // SAFETY: zeroed rusage is valid; wait4 writes `st` and `r`.
    let mut r: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pointers to our locals.
    let got = unsafe { libc::wait4(pid as libc::pid_t, &mut st, host_wait_options(options), &mut r) };
    if got < 0 {
        return Err(Errno::last_host());
    }
    if got > 0 {
        if status != 0 {
            p.mm.write(status, &linux_status(st).to_le_bytes())?;
        }
        if ru != 0 {
            p.mm.write_obj(ru, &linux_rusage(&r))?;
        }
    }
    Ok(got as u64)
}

/// waitid(2).
pub fn waitid(p: &mut Process, a: &Args) -> SysResult {
    let (idtype, id, infop, options, ru) = (a.uint(0), a.int(1), a.u(2), a.uint(3), a.u(4));
    if options & !(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE) != 0
        || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
    {
        return Err(Errno::EINVAL);
    }
    let (htype, hid) = match idtype {
        P_ALL => (libc::P_ALL, 0),
        P_PID if id > 0 => (libc::P_PID, id as libc::id_t),
        P_PGID if id >= 0 => (libc::P_PGID, id as libc::id_t),
        _ => return Err(Errno::EINVAL),
    };
    let mut h = 0;
    for (l, hf) in [
        (WNOHANG, libc::WNOHANG),
        (WSTOPPED, libc::WSTOPPED),
        (WEXITED, libc::WEXITED),
        (WCONTINUED, libc::WCONTINUED),
        (WNOWAIT, libc::WNOWAIT),
    ] {
        if options & l != 0 {
            h |= hf;
        }
    }
    // SAFETY: zeroed siginfo is valid; waitid writes into it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: pointer to our local.
    if unsafe { libc::waitid(htype, hid, &mut info, h) } < 0 {
        return Err(Errno::last_host());
    }
    if infop != 0 {
        // SAFETY: waitid filled a SIGCHLD siginfo (or left it zeroed).
        let (pid, status, code) = unsafe { (info.si_pid(), info.si_status(), info.si_code) };
        let out = if pid == 0 {
            SigInfo::default()
        } else {
            let status = if code == libc::CLD_EXITED { status } else { linux_sig(status) };
            let lcode = match code {
                libc::CLD_EXITED => si::CLD_EXITED,
                libc::CLD_KILLED => si::CLD_KILLED,
                libc::CLD_DUMPED => si::CLD_DUMPED,
                c => c,
            };
            // SAFETY: as above.
            SigInfo::child(lcode, pid, unsafe { info.si_uid() }, status)
        };
        p.mm.write_obj(infop, &out)?;
    }
    if ru != 0 {
        p.mm.write_obj(ru, &Rusage::default())?;
    }
    Ok(0)
}

/// setsid(2).
pub fn setsid(_p: &mut Process, _a: &Args) -> SysResult {
    // SAFETY: no memory effects.
    let r = unsafe { libc::setsid() };
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}
