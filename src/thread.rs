//! Guest threads: one host thread and one vCPU per guest thread, all
//! sharing one [`Process`] behind a mutex that a thread holds only while
//! the host handles one of its exits (blocking syscalls run unlocked).

use std::sync::atomic::Ordering;
use std::sync::mpsc;

use crate::abi::errno::Errno;
use crate::abi::signal as sig;
use crate::process::{Config, Process, ThreadState};
use crate::run::{Outcome, RunError, Watchdog};
use crate::signal::{self, Delivery};
use crate::syscall::{self, table, Args, Flow, Handler, Task};
use crate::vcpu::{self, El1Setup, Reg, Vcpu, VcpuExit};

/// FUTEX_OWNER_DIED / FUTEX_WAITERS / FUTEX_TID_MASK (linux/futex.h).
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Linux's bound on robust list walks (ROBUST_LIST_LIMIT).
const ROBUST_LIST_LIMIT: usize = 2048;

/// Mark the robust futexes a dying thread still holds (robust_list.c):
/// owner-died, and wake one waiter.
fn release_robust(task: &Task, p: &mut Process, head: u64) -> Vec<u64> {
    let mut wake = Vec::new();
    let Ok(first) = p.mm.read_u64(head) else { return wake };
    let Ok(offset) = p.mm.read_u64(head + 8) else { return wake };
    let pending = p.mm.read_u64(head + 16).unwrap_or(0);
    let mut handle = |entry: u64, p: &mut Process| {
        let uaddr = entry.wrapping_add(offset);
        let mut b = [0u8; 4];
        if p.mm.read(uaddr, &mut b).is_err() {
            return;
        }
        let v = u32::from_le_bytes(b);
        if v & FUTEX_TID_MASK == task.tid as u32 {
            let nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
            if p.mm.write(uaddr, &nv.to_le_bytes()).is_ok() && v & FUTEX_WAITERS != 0 {
                wake.push(uaddr);
            }
        }
    };
    let mut entry = first;
    for _ in 0..ROBUST_LIST_LIMIT {
        if entry == head || entry == 0 {
            break;
        }
        if entry != pending {
            handle(entry, p);
        }
        match p.mm.read_u64(entry) {
            Ok(n) => entry = n,
            Err(_) => break,
        }
    }
    if pending != 0 {
        handle(pending, p);
    }
    wake
}

/// The calling thread exits: robust futexes, then CLONE_CHILD_CLEARTID
/// (store 0, wake) once it no longer runs guest code. Returns the
/// process's outcome when it was the last thread.
fn exit_thread(task: &Task, mut p: parking_lot::MutexGuard<'_, Process>, status: i32) -> Option<Outcome> {
    let me = p.threads.remove(&task.tid).unwrap_or_default();
    if p.threads.is_empty() {
        return Some(Outcome::Exited(status));
    }
    let mut wake = if me.robust_list.0 != 0 { release_robust(task, &mut p, me.robust_list.0) } else { Vec::new() };
    if me.clear_child_tid != 0 && p.mm.write(me.clear_child_tid, &0u32.to_le_bytes()).is_ok() {
        wake.push(me.clear_child_tid);
    }
    drop(p);
    for addr in wake {
        syscall::sys_futex::wake_address(task, addr);
    }
    None
}

/// Run one guest thread until it or its process ends. `Ok(None)`: this
/// thread ended, the process lives on.
pub fn run_thread(
    task: &Task,
    mut cpu: Box<dyn Vcpu>,
    config: &Config,
    watchdog: Option<&Watchdog>,
) -> Result<Option<Outcome>, RunError> {
    let mut seen_gen = task.lock().mm_generation;
    loop {
        if let Some(w) = watchdog {
            w.in_guest.store(true, Ordering::Release);
        }
        let exit = cpu.run().map_err(|e| RunError::Setup(e.to_string()));
        if let Some(w) = watchdog {
            w.in_guest.store(false, Ordering::Release);
            w.exits.fetch_add(1, Ordering::AcqRel);
        }
        let mut g = match exit? {
            VcpuExit::Syscall { .. } => {
                let (nr, a) = cpu.syscall_regs();
                let args = Args(a);
                let blocking = matches!(table::lookup(nr).and_then(|e| e.handler), Some(Handler::Task(_)));
                let (flow, mut g) = if blocking {
                    let f = syscall::dispatch_task(task, cpu.as_mut(), nr, &args);
                    (f, task.lock())
                } else {
                    let mut g = task.lock();
                    let f = syscall::dispatch(&mut g, cpu.as_mut(), nr, &args);
                    (f, g)
                };
                match flow {
                    Flow::Return(v) => {
                        let r = v as i64;
                        if r == -i64::from(Errno::EPIPE.0) && syscall::sys_net::epipe_raises_sigpipe(nr, &args) {
                            let pid = g.pid();
                            g.queue_signal(sig::SigInfo::user(sig::SIGPIPE, 0, pid, 0));
                        }
                        if r == -i64::from(Errno::EINTR.0)
                            && crate::run::restartable(nr)
                            && crate::run::restart_ok(&mut g)
                        {
                            // Re-execute the svc with its original arguments.
                            cpu.set(Reg::Pc, cpu.get(Reg::Pc).wrapping_sub(4));
                        } else {
                            cpu.set(Reg::X(0), v);
                        }
                    }
                    Flow::Resume => {}
                    Flow::Exec => {
                        if let Some(img) = g.pending_exec.take() {
                            let (phys, setup) = g.commit_exec(img);
                            g.threads.entry(task.tid).or_default().kick = Some(cpu.cancel_token());
                            cpu.reset(phys, &setup).map_err(|e| RunError::Setup(e.to_string()))?;
                            g.mm_generation += 1;
                            seen_gen = g.mm_generation;
                        }
                    }
                    Flow::ExitThread(s) => return Ok(exit_thread(task, g, s)),
                    Flow::ExitGroup(s) => return Ok(Some(Outcome::Exited(s))),
                    Flow::Killed(s) => return Ok(Some(Outcome::Signaled(s))),
                }
                if g.mm_changed {
                    g.mm_changed = false;
                    g.mm_generation += 1;
                }
                g
            }
            VcpuExit::Cancelled => {
                let g = task.lock();
                if watchdog.is_some_and(|w| w.fired.load(Ordering::Acquire)) {
                    let secs = config.timeout.map_or(0.0, |t| t.as_secs_f64());
                    eprintln!("elfuse: guest ran {secs} s without a system call; stopped (use --timeout 0 to disable)");
                    return Ok(Some(Outcome::TimedOut));
                }
                g
            }
            other => 'fault: {
                let mut g = task.lock();
                if g.mm.fixup_fault(&other) {
                    // A W^X flip (mem::space::wx_policy): retry with fresh TLBs.
                    if config.verbose {
                        eprintln!("elfuse: W^X flip after {other:?}");
                    }
                    g.mm_generation += 1;
                    break 'fault g;
                }
                let pc = cpu.get(Reg::Pc);
                let Some(info) = signal::fault_info(&other, pc) else {
                    eprintln!("elfuse: internal error: unexpected vCPU exit {other:?} at pc={pc:#x}");
                    return Ok(Some(Outcome::Signaled(sig::SIGSEGV)));
                };
                let esr = match other {
                    VcpuExit::DataAbort { esr, .. } | VcpuExit::InstructionAbort { esr, .. } => esr,
                    _ => 0,
                };
                if config.verbose {
                    eprintln!("elfuse: {} at pc={pc:#x} addr={:#x}: {other:?}", sig::name(info.signo), info.fields[0]);
                }
                if config.strace {
                    eprintln!(
                        "--- {} {{si_signo={}, si_code={}, si_addr={:#x}}} ---",
                        sig::name(info.signo),
                        sig::name(info.signo),
                        info.code,
                        info.fields[0]
                    );
                }
                if let Delivery::Kill(s) = signal::deliver_fault(&mut g, cpu.as_mut(), info, esr) {
                    if config.strace {
                        eprintln!("+++ killed by {} +++", sig::name(s));
                    }
                    return Ok(Some(Outcome::Signaled(s)));
                }
                g
            }
        };
        // Another thread's execve ended this one.
        if !g.threads.contains_key(&task.tid) {
            return Ok(None);
        }
        // Translation tables changed (here or in another thread): flush.
        if g.mm_generation != seen_gen {
            seen_gen = g.mm_generation;
            cpu.flush_on_resume();
        }
        if let Delivery::Kill(s) = signal::deliver_pending(&mut g, cpu.as_mut()) {
            if config.strace {
                eprintln!("+++ killed by {} +++", sig::name(s));
            }
            return Ok(Some(Outcome::Signaled(s)));
        }
    }
}

/// Create a guest thread (clone with CLONE_VM|CLONE_THREAD|...): a new
/// vCPU over the same memory, a copy of the caller's registers with X0 = 0,
/// the new stack and TLS, running on its own host thread. Returns its tid.
pub fn spawn(
    p: &mut Process,
    parent: &dyn Vcpu,
    flags: u64,
    stack: u64,
    ptid: u64,
    tls: u64,
    ctid: u64,
) -> Result<u64, Errno> {
    use crate::abi::clone::*;
    let shared = p.shared.upgrade().ok_or(Errno::EAGAIN)?;
    let sp = if stack != 0 { stack } else { parent.get(Reg::Sp) };
    let setup = El1Setup { ttbr0: p.mm.ttbr0(), ttbr1: p.mm.ttbr1(), entry: parent.get(Reg::Pc), sp };
    let mut cpu = vcpu::create(p.config.backend, p.mm.phys().clone(), &setup).map_err(|_| Errno::EAGAIN)?;
    for r in 0..31u8 {
        cpu.set(Reg::X(r), parent.get(Reg::X(r)));
    }
    cpu.set(Reg::X(0), 0);
    cpu.set(Reg::Sp, sp);
    cpu.set(Reg::Pstate, parent.get(Reg::Pstate));
    cpu.set(Reg::TpidrEl0, if flags & CLONE_SETTLS != 0 { tls } else { parent.get(Reg::TpidrEl0) });
    cpu.set(Reg::TpidrroEl0, parent.get(Reg::TpidrroEl0));
    cpu.set(Reg::Fpcr, parent.get(Reg::Fpcr));
    cpu.set(Reg::Fpsr, parent.get(Reg::Fpsr));
    for v in 0..32u8 {
        cpu.set_v(v, parent.get_v(v));
    }
    let kick = cpu.cancel_token();
    let config = p.config.clone();
    let (tid_tx, tid_rx) = mpsc::channel::<i32>();
    let (go_tx, go_rx) = mpsc::channel::<bool>();
    std::thread::Builder::new()
        .name("elfuse-thread".into())
        .spawn(move || {
            let tid = crate::host::gettid();
            if tid_tx.send(tid).is_err() || go_rx.recv() != Ok(true) {
                return;
            }
            let task = Task { shared, tid };
            match run_thread(&task, cpu, &config, None) {
                Ok(Some(outcome)) => crate::run::terminate(outcome, config.strace),
                Ok(None) => {}
                Err(e) => {
                    eprintln!("elfuse: thread {tid}: {e}");
                    crate::run::terminate(Outcome::Signaled(sig::SIGSEGV), false)
                }
            }
        })
        .map_err(|_| Errno::EAGAIN)?;
    let tid = tid_rx.recv().map_err(|_| Errno::EAGAIN)?;
    let cleartid = if flags & CLONE_CHILD_CLEARTID != 0 { ctid } else { 0 };
    // A new thread inherits its creator's signal mask; its alternate
    // stack starts disabled (clone(2) with CLONE_VM).
    let mask = p.sig.mask;
    p.threads.insert(tid, ThreadState { clear_child_tid: cleartid, kick: Some(kick), mask, ..ThreadState::default() });
    let tidb = (tid as u32).to_le_bytes();
    let mut r = Ok(());
    if flags & CLONE_PARENT_SETTID != 0 {
        r = p.mm.write(ptid, &tidb);
    }
    if r.is_ok() && flags & CLONE_CHILD_SETTID != 0 {
        r = p.mm.write(ctid, &tidb);
    }
    if let Err(e) = r {
        p.threads.remove(&tid);
        let _ = go_tx.send(false);
        return Err(e);
    }
    let _ = go_tx.send(true);
    Ok(tid as u64)
}
