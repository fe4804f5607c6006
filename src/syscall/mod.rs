//! System calls: one table by aarch64 number ([`table`]), handlers grouped
//! by domain, strace-style tracing ([`strace`]).
//!
//! A handler reads like its man page: name the arguments, validate, copy
//! guest structures in once, act on the host, translate, copy out.

pub mod net_addr;
pub mod net_host;
pub mod strace;
pub mod sys_attr;
pub mod sys_block;
pub mod sys_cred;
pub mod sys_exec;
pub mod sys_file;
pub mod sys_fs;
pub mod sys_futex;
pub mod sys_info;
pub mod sys_io;
pub mod sys_mem;
pub mod sys_net;
pub mod sys_poll;
pub mod sys_proc;
pub mod sys_process;
pub mod sys_sched;
pub mod sys_signal;
pub mod sys_signalfd;
pub mod sys_time;
pub mod sys_timer;
pub mod sys_tty;
pub mod table;

use crate::abi::errno::Errno;
use crate::process::Process;
use crate::vcpu::Vcpu;

/// Result of an ordinary handler: the return value or a Linux errno.
pub type SysResult = Result<u64, Errno>;

/// Control flow a syscall can cause besides returning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Return this value in X0 and continue.
    Return(u64),
    /// Continue with the registers the handler set (rt_sigreturn).
    Resume,
    /// execve succeeded: the new image is in `Process::pending_exec`.
    Exec,
    /// The thread exits (`exit`), with the status.
    ExitThread(i32),
    /// The whole process exits (`exit_group`), with the status.
    ExitGroup(i32),
    /// The process is killed by a signal (default action of a fatal signal).
    Killed(i32),
}

/// The six argument registers of a syscall.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Args(pub [u64; 6]);

impl Args {
    /// Raw register `i`.
    #[inline]
    pub fn u(&self, i: usize) -> u64 {
        self.0[i]
    }
    /// An `int` argument (low 32 bits, sign-extended), e.g. a file descriptor.
    #[inline]
    pub fn int(&self, i: usize) -> i64 {
        i64::from(self.0[i] as i32)
    }
    /// An `unsigned int` argument (low 32 bits), e.g. flags.
    #[inline]
    pub fn uint(&self, i: usize) -> u32 {
        self.0[i] as u32
    }
}

/// How a handler is called.
#[derive(Clone, Copy)]
pub enum Handler {
    /// Returns a value or errno.
    Plain(fn(&mut Process, &Args) -> SysResult),
    /// May change control flow (exit, signals).
    Control(fn(&mut Process, &Args) -> Result<Flow, Errno>),
    /// Needs the calling thread's registers (sigreturn, sigaltstack, clone).
    Cpu(fn(&mut Process, &mut dyn Vcpu, &Args) -> Result<Flow, Errno>),
    /// May block: runs without the process lock, taking it only briefly
    /// (futex waits must not stop the other threads).
    Task(fn(&Task, &Args) -> Result<Flow, Errno>),
}

/// The calling thread, for [`Handler::Task`] handlers.
pub struct Task {
    /// The process, shared by its threads.
    pub shared: std::sync::Arc<parking_lot::Mutex<Process>>,
    /// The calling thread's tid.
    pub tid: i32,
}

impl Task {
    /// Lock the process on behalf of this thread.
    pub fn lock(&self) -> parking_lot::MutexGuard<'_, Process> {
        let mut g = self.shared.lock();
        g.switch_thread(self.tid);
        g
    }
}

/// Run syscall `nr` for thread `task`: blocking handlers run unlocked,
/// the rest with the process locked.
pub fn dispatch_task(task: &Task, cpu: &mut dyn Vcpu, nr: u64, args: &Args) -> Flow {
    if let Some(Handler::Task(f)) = table::lookup(nr).and_then(|e| e.handler) {
        let r = f(task, args);
        let (flow, result) = flow_of(r);
        let p = task.lock();
        if p.config.strace {
            let pre = strace::format_call_pre(&p, nr, table::lookup(nr), args);
            strace::print_result(&p, nr, table::lookup(nr), args, pre, &flow, result);
        }
        return flow;
    }
    let mut p = task.lock();
    dispatch(&mut p, cpu, nr, args)
}

/// Convert a handler's result to the X0 value Linux returns.
pub fn encode(r: Result<u64, Errno>) -> u64 {
    match r {
        Ok(v) => v,
        Err(e) => (-i64::from(e.0)) as u64,
    }
}

fn flow_of(r: Result<Flow, Errno>) -> (Flow, Result<u64, Errno>) {
    match r {
        Ok(Flow::Return(v)) => (Flow::Return(v), Ok(v)),
        Ok(other) => (other, Ok(0)),
        Err(e) => (Flow::Return(encode(Err(e))), Err(e)),
    }
}

/// Run syscall `nr` with `args` on `p` for the thread on `cpu`, tracing it
/// if asked.
pub fn dispatch(p: &mut Process, cpu: &mut dyn Vcpu, nr: u64, args: &Args) -> Flow {
    let entry = table::lookup(nr);
    let pre = if p.config.strace { Some(strace::format_call_pre(p, nr, entry, args)) } else { None };
    let (flow, result) = match entry.and_then(|e| e.handler) {
        Some(Handler::Plain(f)) => {
            let r = f(p, args);
            (Flow::Return(encode(r)), r)
        }
        Some(Handler::Control(f)) => flow_of(f(p, args)),
        Some(Handler::Cpu(f)) => flow_of(f(p, cpu, args)),
        // Task handlers are run by dispatch_task without the lock.
        Some(Handler::Task(_)) => (Flow::Return(encode(Err(Errno::ENOSYS))), Err(Errno::ENOSYS)),
        None => {
            if p.config.verbose && !p.config.strace && p.reported_enosys.insert(nr) {
                let name = entry.map_or("unknown", |e| e.name);
                eprintln!("elfuse: unimplemented syscall {name} ({nr}) -> ENOSYS");
            }
            (Flow::Return(encode(Err(Errno::ENOSYS))), Err(Errno::ENOSYS))
        }
    };
    if let Some(pre) = pre {
        strace::print_result(p, nr, entry, args, pre, &flow, result);
    }
    flow
}
