//! Blocking calls in multi-threaded processes.
//!
//! Ordinary handlers run with the process locked. A call that may block —
//! a read from an empty pipe, a sleep, a wait for a child — must not hold
//! the lock, or the other threads stop (and a thread writing the very
//! pipe another thread reads would deadlock). These wrappers wait
//! *unlocked* (on a duplicate of the host fd, so a concurrent close cannot
//! redirect the wait), checking for signals, then run the ordinary handler
//! under the lock. The poll family polls without waiting under the lock and
//! sleeps between attempts. A single-threaded process takes the ordinary
//! path.

use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use super::{sys_io, sys_poll, sys_process, sys_time, Args, Flow, SysResult, Task};
use crate::abi::errno::Errno;
use crate::abi::time::Timespec;
use crate::fdtable::dup_host;

/// How often an unlocked wait looks for a signal to deliver.
const SIGNAL_POLL_MS: i32 = 20;

fn locked(task: &Task, a: &Args, f: fn(&mut crate::process::Process, &Args) -> SysResult) -> Result<Flow, Errno> {
    let mut p = task.lock();
    f(&mut p, a).map(Flow::Return)
}

/// EINTR if a signal is ready for delivery.
pub(crate) fn check_signals(task: &Task) -> Result<(), Errno> {
    let mut p = task.lock();
    crate::signal::host::collect(&mut p);
    if p.deliverable() != 0 {
        Err(Errno::EINTR)
    } else {
        Ok(())
    }
}

/// Wait, unlocked, until guest fd `fd` is ready for `events`. Returns at
/// once for single-threaded processes and non-blocking fds.
fn wait_ready(task: &Task, fd: i64, events: i16) -> Result<(), Errno> {
    let host = {
        let p = task.lock();
        if p.threads.len() <= 1 {
            return Ok(());
        }
        dup_host(p.fds.host(fd)?, 3)?
    };
    // SAFETY: F_GETFL on our own duplicate.
    if unsafe { libc::fcntl(host.as_raw_fd(), libc::F_GETFL) } & libc::O_NONBLOCK != 0 {
        return Ok(());
    }
    loop {
        let mut pfd = libc::pollfd { fd: host.as_raw_fd(), events, revents: 0 };
        // SAFETY: one pollfd on the stack.
        let r = unsafe { libc::poll(&mut pfd, 1, SIGNAL_POLL_MS) };
        if r > 0 {
            return Ok(());
        }
        check_signals(task)?;
    }
}

/// read(2).
pub fn read(task: &Task, a: &Args) -> Result<Flow, Errno> {
    if task.lock().fds.signalfd(a.int(0)).is_some() {
        return super::sys_signalfd::read(task, a);
    }
    wait_ready(task, a.int(0), libc::POLLIN)?;
    locked(task, a, sys_io::read)
}

/// readv(2).
pub fn readv(task: &Task, a: &Args) -> Result<Flow, Errno> {
    wait_ready(task, a.int(0), libc::POLLIN)?;
    locked(task, a, sys_io::readv)
}

/// write(2).
pub fn write(task: &Task, a: &Args) -> Result<Flow, Errno> {
    wait_ready(task, a.int(0), libc::POLLOUT)?;
    locked(task, a, sys_io::write)
}

/// writev(2).
pub fn writev(task: &Task, a: &Args) -> Result<Flow, Errno> {
    wait_ready(task, a.int(0), libc::POLLOUT)?;
    locked(task, a, sys_io::writev)
}

/// Sleep until `until` unlocked, in slices, returning EINTR (with the
/// remaining time) if a signal arrives.
fn sleep_unlocked(task: &Task, until: Instant) -> Result<(), Duration> {
    loop {
        let now = Instant::now();
        if now >= until {
            return Ok(());
        }
        std::thread::sleep((until - now).min(Duration::from_millis(SIGNAL_POLL_MS as u64)));
        if check_signals(task).is_err() {
            return Err(until.saturating_duration_since(Instant::now()));
        }
    }
}

/// Sleep for the timespec at `req` without the lock; on a signal, write
/// the remaining time to `rem` (if not NULL) and fail with EINTR.
fn relative_sleep(task: &Task, req: u64, rem: u64) -> Result<Flow, Errno> {
    let ts: Timespec = task.lock().mm.read_obj(req)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    let until = Instant::now() + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    match sleep_unlocked(task, until) {
        Ok(()) => Ok(Flow::Return(0)),
        Err(left) => {
            if rem != 0 {
                let r = Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) };
                task.lock().mm.write_obj(rem, &r)?;
            }
            Err(Errno::EINTR)
        }
    }
}

/// nanosleep(2).
pub fn nanosleep(task: &Task, a: &Args) -> Result<Flow, Errno> {
    if task.lock().threads.len() <= 1 {
        return locked(task, a, sys_time::nanosleep);
    }
    relative_sleep(task, a.u(0), a.u(1))
}

/// clock_nanosleep(2): relative sleeps unlocked; absolute ones as usual.
pub fn clock_nanosleep(task: &Task, a: &Args) -> Result<Flow, Errno> {
    if task.lock().threads.len() <= 1 || a.u(1) & 1 != 0 {
        return locked(task, a, sys_time::clock_nanosleep);
    }
    relative_sleep(task, a.u(2), a.u(3))
}

/// wait4(2): a blocking wait in a multi-threaded process waits unlocked
/// (polling with WNOHANG), so the other threads keep running.
pub fn wait4(task: &Task, a: &Args) -> Result<Flow, Errno> {
    const WNOHANG: u64 = 1;
    if task.lock().threads.len() <= 1 || a.u(2) & WNOHANG != 0 {
        return locked(task, a, sys_process::wait4);
    }
    let polled = Args([a.u(0), a.u(1), a.u(2) | WNOHANG, a.u(3), 0, 0]);
    loop {
        let r = locked(task, &polled, sys_process::wait4)?;
        if r != Flow::Return(0) {
            return Ok(r);
        }
        std::thread::sleep(Duration::from_millis(5));
        check_signals(task)?;
    }
}

/// Run a poll-family handler in a multi-threaded process: non-waiting
/// attempts under the lock, unlocked sleeps of [`SIGNAL_POLL_MS`] / 2
/// between them, until something is ready, `deadline`, or a signal.
fn poll_like(
    task: &Task,
    a: &Args,
    f: fn(&mut crate::process::Process, &Args) -> SysResult,
    deadline: impl FnOnce(&crate::process::Process) -> Result<Option<Instant>, Errno>,
    sigmask: impl FnOnce(&crate::process::Process) -> Result<Option<u64>, Errno>,
) -> Result<Flow, Errno> {
    // The call's signal mask replaces the thread's for the wait (as
    // pselect(2)/ppoll(2)/epoll_pwait(2) say): a signal it unblocks
    // interrupts at once; on EINTR the old mask stays saved for the handler
    // frame, otherwise it is restored.
    let temp = {
        let mut p = task.lock();
        match sigmask(&p)? {
            Some(m) => {
                let old = p.sig.mask;
                p.sig.mask = m & !crate::signal::UNBLOCKABLE;
                p.sig.saved_mask = Some(old);
                crate::signal::host::collect(&mut p);
                if p.deliverable() != 0 {
                    return Err(Errno::EINTR);
                }
                true
            }
            None => false,
        }
    };
    let r = poll_wait(task, a, f, deadline);
    if temp && r != Err(Errno::EINTR) {
        let mut p = task.lock();
        if let Some(old) = p.sig.saved_mask.take() {
            p.sig.mask = old;
        }
    }
    r
}

fn poll_wait(
    task: &Task,
    a: &Args,
    f: fn(&mut crate::process::Process, &Args) -> SysResult,
    deadline: impl FnOnce(&crate::process::Process) -> Result<Option<Instant>, Errno>,
) -> Result<Flow, Errno> {
    let deadline = {
        let p = task.lock();
        if p.threads.len() <= 1 {
            drop(p);
            return locked(task, a, f);
        }
        deadline(&p)?
    };
    loop {
        let r = {
            let mut p = task.lock();
            p.poll_zero = true;
            let r = f(&mut p, a);
            p.poll_zero = false;
            r
        };
        match r {
            Ok(0) => {}
            other => return other.map(Flow::Return),
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(Flow::Return(0));
        }
        std::thread::sleep(Duration::from_millis(SIGNAL_POLL_MS as u64 / 2));
        check_signals(task)?;
    }
}

fn timespec_deadline(p: &crate::process::Process, tsp: u64) -> Result<Option<Instant>, Errno> {
    if tsp == 0 {
        return Ok(None);
    }
    let ts: Timespec = p.mm.read_obj(tsp)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(Instant::now() + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)))
}

/// A sigset argument (pointer, size): None for a NULL pointer.
fn sigset_arg(p: &crate::process::Process, ptr: u64, size: u64) -> Result<Option<u64>, Errno> {
    if ptr == 0 {
        return Ok(None);
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    p.mm.read_u64(ptr).map(Some)
}

/// ppoll(2).
pub fn ppoll(task: &Task, a: &Args) -> Result<Flow, Errno> {
    poll_like(task, a, sys_poll::ppoll, |p| timespec_deadline(p, a.u(2)), |p| sigset_arg(p, a.u(3), a.u(4)))
}

/// pselect6(2): the sixth argument points to { const sigset_t *; size_t }.
pub fn pselect6(task: &Task, a: &Args) -> Result<Flow, Errno> {
    poll_like(
        task,
        a,
        sys_poll::pselect6,
        |p| timespec_deadline(p, a.u(4)),
        |p| {
            if a.u(5) == 0 {
                return Ok(None);
            }
            let (ss, len) = (p.mm.read_u64(a.u(5))?, p.mm.read_u64(a.u(5) + 8)?);
            sigset_arg(p, ss, len)
        },
    )
}

/// epoll_pwait(2).
pub fn epoll_pwait(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let ms = a.int(3);
    poll_like(
        task,
        a,
        sys_poll::epoll_pwait,
        |_| Ok((ms >= 0).then(|| Instant::now() + Duration::from_millis(ms as u64))),
        |p| sigset_arg(p, a.u(4), a.u(5)),
    )
}

/// epoll_pwait2(2).
pub fn epoll_pwait2(task: &Task, a: &Args) -> Result<Flow, Errno> {
    poll_like(task, a, sys_poll::epoll_pwait2, |p| timespec_deadline(p, a.u(3)), |p| sigset_arg(p, a.u(4), a.u(5)))
}
