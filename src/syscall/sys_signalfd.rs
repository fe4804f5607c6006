//! signalfd4(2): pending signals read as records from a file descriptor.
//!
//! A signalfd is a mask plus a host readiness object: the guest's host fd
//! is a host eventfd (Linux hosts) or one end of a socket pair (elsewhere)
//! that is readable exactly while a signal in the mask is pending for the
//! process or its current thread. [`sync`] keeps it so: it runs whenever a
//! signal becomes pending or is taken ([`Process::queue_signal`],
//! [`Process::take_signal`], thread switches), so poll, select and epoll on
//! the host fd report POLLIN as Linux's `signalfd_poll` does. read(2) of a
//! signalfd comes here ([`read`]) and dequeues signals as
//! `struct signalfd_siginfo` records, as `fs/signalfd.c` does.
//!
//! Across fork the child's signalfd reads the child's own signals (it gets
//! a readiness object of its own: src/fork.rs carries the mask, [`reopen_in_child`]); the
//! mask is copied, not shared with the parent as Linux's one context is.
//!
//! [`Process::queue_signal`]: crate::process::Process::queue_signal
//! [`Process::take_signal`]: crate::process::Process::take_signal

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::{Args, Flow, SysResult, Task};
use crate::abi::errno::Errno;
use crate::abi::signal::{self as sig, si, SigInfo, SignalfdSiginfo, SFD_CLOEXEC, SFD_NONBLOCK};
use crate::abi::Pod;
use crate::fdtable::{dup_host, FdEntry};
use crate::process::Process;
use crate::signal::UNBLOCKABLE;

/// Size of one record.
const RECORD: u64 = std::mem::size_of::<SignalfdSiginfo>() as u64;

/// One signalfd, shared by the guest fds that dup it.
#[derive(Debug)]
pub struct SignalFd {
    /// Signals this fd reports (never SIGKILL/SIGSTOP).
    mask: AtomicU64,
    /// Whether the readiness object is raised.
    ready: AtomicBool,
    /// Where readiness is raised: the eventfd itself, or the pair's other end.
    raise: OwnedFd,
    /// Where it is drained: the eventfd, or a dup of the guest's end.
    drain: OwnedFd,
    /// `raise`/`drain` are a host eventfd (8-byte counter) rather than a
    /// socket pair (one byte).
    eventfd: bool,
}

fn cloexec_nonblock(fd: RawFd, nonblock: bool) {
    // SAFETY: fcntl on an fd we own; no memory effects.
    unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        if nonblock {
            libc::fcntl(fd, libc::F_SETFL, libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK);
        }
    }
}

impl SignalFd {
    /// A new signalfd for `mask`: the host fd the guest's fd is, and the
    /// object. `nonblock` is the guest fd's O_NONBLOCK (kept on the host fd,
    /// where F_SETFL reaches it as usual).
    pub fn create(mask: u64, nonblock: bool) -> Result<(OwnedFd, Arc<SignalFd>), Errno> {
        #[cfg(target_os = "linux")]
        if !crate::host::portable() {
            // SAFETY: no memory effects; the result is checked.
            let r = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
            if r < 0 {
                return Err(Errno::last_host());
            }
            // SAFETY: a fresh fd owned by nobody else.
            let guest = unsafe { OwnedFd::from_raw_fd(r) };
            cloexec_nonblock(guest.as_raw_fd(), nonblock);
            let (raise, drain) = (dup_host(r, 3)?, dup_host(r, 3)?);
            let s = SignalFd { mask: AtomicU64::new(mask), ready: AtomicBool::new(false), raise, drain, eventfd: true };
            return Ok((guest, Arc::new(s)));
        }
        let mut sv = [0 as RawFd; 2];
        // SAFETY: socketpair writes two fds into `sv`.
        if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr()) } < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: two fresh fds owned by nobody else.
        let (guest, raise) = unsafe { (OwnedFd::from_raw_fd(sv[0]), OwnedFd::from_raw_fd(sv[1])) };
        cloexec_nonblock(guest.as_raw_fd(), nonblock);
        cloexec_nonblock(raise.as_raw_fd(), true);
        let drain = dup_host(guest.as_raw_fd(), 3)?;
        let s = SignalFd { mask: AtomicU64::new(mask), ready: AtomicBool::new(false), raise, drain, eventfd: false };
        Ok((guest, Arc::new(s)))
    }

    /// The signals this fd reports.
    pub fn mask(&self) -> u64 {
        self.mask.load(Ordering::Relaxed)
    }

    /// Raise or drain the readiness object to say `ready`.
    fn set_ready(&self, ready: bool) {
        if self.ready.swap(ready, Ordering::AcqRel) == ready {
            return;
        }
        if ready {
            let one = 1u64.to_le_bytes();
            let n = if self.eventfd { 8 } else { 1 };
            // SAFETY: writing from a local of at least `n` bytes; the fd is
            // ours (an eventfd below its maximum, or a socket with room).
            unsafe { libc::write(self.raise.as_raw_fd(), one.as_ptr().cast(), n) };
        } else {
            // Drain only what is there: never wait, whatever the guest's
            // O_NONBLOCK says.
            let mut pfd = libc::pollfd { fd: self.drain.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one pollfd on the stack.
            if unsafe { libc::poll(&mut pfd, 1, 0) } > 0 && pfd.revents & libc::POLLIN != 0 {
                let mut b = [0u8; 8];
                // SAFETY: reading at most 8 bytes into a local.
                unsafe { libc::read(self.drain.as_raw_fd(), b.as_mut_ptr().cast(), 8) };
            }
        }
    }
}

/// Bring every signalfd of `p` in step with what is pending for the
/// process and its current thread.
pub fn sync(p: &Process) {
    let pending = p.sig.pending | p.sig.tpending;
    for s in p.fds.signalfds() {
        s.set_ready(pending & s.mask() != 0);
    }
}

/// signalfd4(2).
pub fn signalfd4(p: &mut Process, a: &Args) -> SysResult {
    let (ufd, mask_ptr, size, flags) = (a.int(0), a.u(1), a.u(2), a.uint(3));
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    // Linux: SIGKILL and SIGSTOP are silently dropped from the mask.
    let mask = p.mm.read_u64(mask_ptr)? & !UNBLOCKABLE;
    if flags & !(SFD_CLOEXEC | SFD_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    if ufd != -1 {
        // An existing signalfd gets the new mask (flags are not applied).
        p.fds.get(ufd)?;
        let s = p.fds.signalfd(ufd).ok_or(Errno::EINVAL)?;
        s.mask.store(mask, Ordering::Relaxed);
        crate::signal::host::collect(p);
        sync(p);
        return Ok(ufd as u64);
    }
    let (host, s) = SignalFd::create(mask, flags & SFD_NONBLOCK != 0)?;
    let fd = p.fds.install(FdEntry { host, cloexec: flags & SFD_CLOEXEC != 0, path: None }, 0)?;
    p.fds.set_signalfd(fd, s);
    crate::signal::host::collect(p);
    sync(p);
    Ok(fd as u64)
}

/// The record Linux's `signalfd_copyinfo` makes of `info`: which union
/// members are copied depends on the siginfo layout (`siginfo_layout`).
pub fn record(info: &SigInfo) -> SignalfdSiginfo {
    let (signo, code, f) = (info.signo, info.code, &info.fields);
    let mut r = SignalfdSiginfo {
        ssi_signo: signo as u32,
        ssi_errno: info.errno,
        ssi_code: code,
        ..SignalfdSiginfo::default()
    };
    let (lo, hi) = (f[0] as u32, (f[0] >> 32) as u32);
    let kernel_code = code > si::SI_USER && code < si::SI_KERNEL;
    let fault = matches!(signo, sig::SIGSEGV | sig::SIGBUS | sig::SIGILL | sig::SIGTRAP | sig::SIGFPE);
    if kernel_code && signo == sig::SIGCHLD {
        (r.ssi_pid, r.ssi_uid, r.ssi_status) = (lo, hi, f[1] as i32);
        (r.ssi_utime, r.ssi_stime) = (f[2], f[3]);
    } else if kernel_code && fault {
        r.ssi_addr = f[0];
        r.ssi_addr_lsb = f[1] as u16;
    } else if kernel_code && signo == sig::SIGSYS {
        r.ssi_call_addr = f[0];
        (r.ssi_syscall, r.ssi_arch) = (f[1] as i32, (f[1] >> 32) as u32);
    } else if (kernel_code && signo == sig::SIGIO) || code == si::SI_SIGIO {
        r.ssi_band = f[0] as u32;
        r.ssi_fd = f[1] as i32;
    } else if code == si::SI_TIMER {
        (r.ssi_tid, r.ssi_overrun) = (lo, hi);
        r.ssi_ptr = f[1];
        r.ssi_int = f[1] as i32;
    } else if code < 0 {
        // SI_QUEUE, SI_TKILL, SI_MESGQ, ...: pid, uid and the value.
        (r.ssi_pid, r.ssi_uid) = (lo, hi);
        r.ssi_ptr = f[1];
        r.ssi_int = f[1] as i32;
    } else {
        // SI_USER, SI_KERNEL and codes beyond a signal's own: pid and uid.
        (r.ssi_pid, r.ssi_uid) = (lo, hi);
    }
    r
}

/// Dequeue the next pending signal in `mask`: thread-directed first, then
/// process-wide, lowest number first (Linux `dequeue_signal`).
fn dequeue(p: &mut Process, mask: u64) -> Option<SigInfo> {
    let set = if p.sig.tpending & mask != 0 { p.sig.tpending & mask } else { p.sig.pending & mask };
    if set == 0 {
        return None;
    }
    let s = set.trailing_zeros() as i32 + 1;
    let mut info = p.take_signal(s);
    info.signo = s;
    Some(info)
}

/// read(2) of signalfd `s` (guest fd `fd`): one or more records, waiting
/// (without the process lock) for the first unless the fd is non-blocking.
/// A signal that a handler will take interrupts the wait (EINTR, restarted
/// under SA_RESTART by the caller).
pub fn read(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (fd, buf, count) = (a.int(0), a.u(1), a.u(2));
    let max = count / RECORD;
    if max == 0 {
        return Err(Errno::EINVAL);
    }
    loop {
        let wait_on = {
            let mut p = task.lock();
            let s = p.fds.signalfd(fd).ok_or(Errno::EBADF)?;
            let h = p.fds.host(fd)?;
            crate::signal::host::collect(&mut p);
            let mut out = Vec::new();
            while (out.len() as u64) < max * RECORD {
                let Some(info) = dequeue(&mut p, s.mask()) else { break };
                out.extend_from_slice(record(&info).as_bytes());
            }
            sync(&p);
            if !out.is_empty() {
                p.mm.write(buf, &out)?;
                return Ok(Flow::Return(out.len() as u64));
            }
            // SAFETY: F_GETFL has no memory effects.
            if unsafe { libc::fcntl(h, libc::F_GETFL) } & libc::O_NONBLOCK != 0 {
                return Err(Errno::EAGAIN);
            }
            if p.deliverable() != 0 {
                return Err(Errno::EINTR);
            }
            // Linux checks the buffer only when copying; a bad one with
            // nothing to copy waits like any other.
            dup_host(h, 3)?
        };
        let mut pfd = libc::pollfd { fd: wait_on.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one pollfd on the stack. Host signals end the wait early
        // (EINTR); other threads' kills are seen at the next slice.
        unsafe { libc::poll(&mut pfd, 1, 20) };
    }
}

/// In a fork child: guest `fd` was a signalfd with `mask` in the parent
/// (src/fork.rs carries the mask); it becomes a signalfd of this process,
/// with a readiness object of its own and the same O_NONBLOCK. The caller
/// runs [`sync`] once all are in place.
pub fn reopen_in_child(p: &mut Process, fd: i64, mask: u64) {
    let Ok(e) = p.fds.get(fd) else { return };
    // SAFETY: F_GETFL has no memory effects.
    let nonblock = unsafe { libc::fcntl(e.host.as_raw_fd(), libc::F_GETFL) } & libc::O_NONBLOCK != 0;
    let cloexec = e.cloexec;
    let _ = p.fds.close(fd);
    let Ok((host, s)) = SignalFd::create(mask, nonblock) else { return };
    if p.fds.install_at(fd as usize, FdEntry { host, cloexec, path: None }).is_ok() {
        p.fds.set_signalfd(fd, s);
    }
}

/// Whether host fd `h` is one of `p`'s signalfds (/proc/self/fd names it
/// `anon_inode:[signalfd]`).
pub fn is_signalfd_host(p: &Process, h: RawFd) -> bool {
    p.fds.iter().any(|(i, e)| e.host.as_raw_fd() == h && p.fds.signalfd(i as i64).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::bit;

    #[test]
    fn records_follow_the_siginfo_layout() {
        let kill = record(&SigInfo::user(sig::SIGUSR1, si::SI_USER, 42, 1000));
        assert_eq!((kill.ssi_signo, kill.ssi_code, kill.ssi_pid, kill.ssi_uid), (10, 0, 42, 1000));
        let mut q = SigInfo::user(sig::SIGUSR2, si::SI_QUEUE, 7, 0);
        q.fields[1] = 0x1234;
        let q = record(&q);
        assert_eq!((q.ssi_pid, q.ssi_int, q.ssi_ptr), (7, 0x1234, 0x1234));
        let c = record(&SigInfo::child(si::CLD_EXITED, 99, 5, 3));
        assert_eq!((c.ssi_code, c.ssi_pid, c.ssi_uid, c.ssi_status), (1, 99, 5, 3));
        let f = record(&SigInfo::fault(sig::SIGSEGV, si::SEGV_MAPERR, 0xdead));
        assert_eq!((f.ssi_addr, f.ssi_pid), (0xdead, 0));
    }

    #[test]
    fn readiness_follows_set_ready() {
        let (g, s) = SignalFd::create(bit(sig::SIGUSR1), true).unwrap();
        let readable = || {
            let mut pfd = libc::pollfd { fd: g.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one pollfd on the stack.
            unsafe { libc::poll(&mut pfd, 1, 0) };
            pfd.revents & libc::POLLIN != 0
        };
        assert!(!readable());
        s.set_ready(true);
        s.set_ready(true);
        assert!(readable());
        s.set_ready(false);
        assert!(!readable());
    }
}
