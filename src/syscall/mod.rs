//! System calls: one table by aarch64 number ([`table`]), handlers grouped
//! by domain, strace-style tracing ([`strace`]).
//!
//! A handler reads like its man page: name the arguments, validate, copy
//! guest structures in once, act on the host, translate, copy out.

pub mod strace;
pub mod sys_file;
pub mod sys_info;
pub mod sys_mem;
pub mod sys_proc;
pub mod sys_signal;
pub mod sys_time;
pub mod table;

use crate::abi::errno::Errno;
use crate::process::Process;

/// Result of an ordinary handler: the return value or a Linux errno.
pub type SysResult = Result<u64, Errno>;

/// Control flow a syscall can cause besides returning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Return this value in X0 and continue.
    Return(u64),
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
}

/// Convert a handler's result to the X0 value Linux returns.
pub fn encode(r: Result<u64, Errno>) -> u64 {
    match r {
        Ok(v) => v,
        Err(e) => (-i64::from(e.0)) as u64,
    }
}

/// Run syscall `nr` with `args` on `p`, tracing it if asked.
pub fn dispatch(p: &mut Process, nr: u64, args: &Args) -> Flow {
    let entry = table::lookup(nr);
    let pre = if p.config.strace { Some(strace::format_call_pre(p, nr, entry, args)) } else { None };
    let (flow, result) = match entry.and_then(|e| e.handler) {
        Some(Handler::Plain(f)) => {
            let r = f(p, args);
            (Flow::Return(encode(r)), r)
        }
        Some(Handler::Control(f)) => match f(p, args) {
            Ok(Flow::Return(v)) => (Flow::Return(v), Ok(v)),
            Ok(other) => (other, Ok(0)),
            Err(e) => (Flow::Return(encode(Err(e))), Err(e)),
        },
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
