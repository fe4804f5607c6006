//! Readiness: ppoll, pselect6 and epoll.
//!
//! ppoll/pselect6 become one host `poll(2)` over the guests' host fds, with
//! every event bit translated by name. An epoll instance is a
//! [`polling::Poller`] (epoll on Linux, kqueue on macOS: the same code on
//! both) that does the waiting, plus elfuse's interest list (guest fd ->
//! events, user data). When the poller says an fd is ready, its exact event
//! mask is taken from a zero-timeout host `poll` at that moment, as Linux's
//! `ep_item_poll` re-polls the file on delivery; an fd that is no longer
//! ready is skipped, as Linux does.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::poll as ab;
use crate::abi::time::Timespec;
use crate::fdtable::{dup_host, FdEntry};
use crate::process::Process;

/// Linux poll bits and the host's, by name.
fn poll_bits() -> [(i16, libc::c_short); 12] {
    [
        (ab::POLLIN, libc::POLLIN),
        (ab::POLLPRI, libc::POLLPRI),
        (ab::POLLOUT, libc::POLLOUT),
        (ab::POLLERR, libc::POLLERR),
        (ab::POLLHUP, libc::POLLHUP),
        (ab::POLLNVAL, libc::POLLNVAL),
        (ab::POLLRDNORM, libc::POLLRDNORM),
        (ab::POLLRDBAND, libc::POLLRDBAND),
        (ab::POLLWRNORM, libc::POLLWRNORM),
        (ab::POLLWRBAND, libc::POLLWRBAND),
        #[cfg(target_os = "linux")]
        (ab::POLLRDHUP, libc::POLLRDHUP),
        #[cfg(not(target_os = "linux"))]
        (ab::POLLRDHUP, 0),
        // POLLMSG is never reported by Linux files; no host has it in libc.
        (ab::POLLMSG, 0),
    ]
}

fn events_to_host(e: i16) -> libc::c_short {
    poll_bits().iter().filter(|(l, _)| e & l != 0).fold(0, |h, (_, hb)| h | hb)
}

fn events_from_host(h: libc::c_short) -> i16 {
    poll_bits().iter().filter(|(_, hb)| *hb != 0 && h & hb != 0).fold(0, |l, (lb, _)| l | lb)
}

/// A guest timeout pointer as a host poll timeout in ms (-1 = forever),
/// rounded up as Linux rounds a sleep.
fn read_timeout(p: &Process, tsp: u64) -> Result<Option<Duration>, Errno> {
    if tsp == 0 {
        return Ok(None);
    }
    let ts: Timespec = p.mm.read_obj(tsp)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)))
}

fn ms(d: Option<Duration>) -> libc::c_int {
    match d {
        None => -1,
        Some(d) => d.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int,
    }
}

/// Write the time left back, as the raw ppoll/pselect6 do.
fn write_remaining(p: &Process, tsp: u64, total: Option<Duration>, start: std::time::Instant) -> Result<(), Errno> {
    if let (Some(t), true) = (total, tsp != 0) {
        let left = t.saturating_sub(start.elapsed());
        p.mm.write_obj(tsp, &Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) })?;
    }
    Ok(())
}

/// Check a sigset argument: the size must be Linux's (8 bytes) and the set
/// readable. The mask is not applied during the wait (signal delivery into
/// a blocked wait is the signal layer's work).
fn check_sigmask(p: &Process, set: u64, size: u64) -> Result<(), Errno> {
    if set == 0 {
        return Ok(());
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    p.mm.read_u64(set)?;
    Ok(())
}

fn host_poll(fds: &mut [libc::pollfd], timeout: libc::c_int) -> SysResult {
    // SAFETY: `fds` is our own array of the stated length.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}

/// A host poll that, like Linux's, is interrupted only by a signal the
/// guest will take: a host signal that is blocked or ignored in the guest
/// (a SIGCHLD read through a signalfd, say) is collected, and the wait
/// goes on for the time left.
fn host_poll_guest(p: &mut Process, fds: &mut [libc::pollfd], timeout: libc::c_int) -> SysResult {
    let start = std::time::Instant::now();
    loop {
        let left = if timeout < 0 {
            -1
        } else {
            (i64::from(timeout) - start.elapsed().as_millis() as i64).max(0) as libc::c_int
        };
        match host_poll(fds, left) {
            Err(Errno::EINTR) => {
                crate::signal::host::collect(p);
                if p.interrupting() != 0 {
                    return Err(Errno::EINTR);
                }
            }
            other => return other,
        }
    }
}

/// ppoll(2).
pub fn ppoll(p: &mut Process, a: &Args) -> SysResult {
    let (fds_ptr, nfds, tsp, sigmask, sigsetsize) = (a.u(0), a.u(1), a.u(2), a.u(3), a.u(4));
    if nfds > p.fds.limit as u64 {
        return Err(Errno::EINVAL);
    }
    let timeout = read_timeout(p, tsp)?;
    check_sigmask(p, sigmask, sigsetsize)?;
    let mut raw = vec![0u8; nfds as usize * 8];
    p.mm.read(fds_ptr, &mut raw)?;
    let guest: Vec<ab::PollFd> = raw.chunks_exact(8).filter_map(crate::abi::Pod::from_bytes).collect();
    let mut host: Vec<libc::pollfd> = guest
        .iter()
        .map(|g| {
            let fd = if g.fd < 0 { -1 } else { p.fds.host(i64::from(g.fd)).unwrap_or(-1) };
            libc::pollfd { fd, events: events_to_host(g.events) | libc::POLLERR | libc::POLLHUP, revents: 0 }
        })
        .collect();
    // Linux: an fd that is not open reports POLLNVAL at once.
    let nval = guest.iter().zip(&host).filter(|(g, h)| g.fd >= 0 && h.fd < 0).count();
    let start = std::time::Instant::now();
    let n = host_poll_guest(p, &mut host, if nval > 0 || p.poll_zero { 0 } else { ms(timeout) })?;
    let mut out = Vec::with_capacity(raw.len());
    let mut ready = 0u64;
    for (g, h) in guest.iter().zip(&host) {
        let revents = if g.fd < 0 {
            0
        } else if h.fd < 0 {
            ab::POLLNVAL
        } else {
            // Only what was asked, plus the always-reported bits.
            events_from_host(h.revents) & (g.events | ab::POLLERR | ab::POLLHUP | ab::POLLNVAL)
        };
        if revents != 0 {
            ready += 1;
        }
        out.extend_from_slice(crate::abi::Pod::as_bytes(&ab::PollFd { revents, ..*g }));
    }
    let _ = n;
    p.mm.write(fds_ptr, &out)?;
    write_remaining(p, tsp, timeout, start)?;
    Ok(ready)
}

/// Linux select's readiness sets (fs/select.c POLLIN_SET etc.).
const IN_SET: i16 = ab::POLLRDNORM | ab::POLLRDBAND | ab::POLLIN | ab::POLLHUP | ab::POLLERR;
const OUT_SET: i16 = ab::POLLWRBAND | ab::POLLWRNORM | ab::POLLOUT | ab::POLLERR;
const EX_SET: i16 = ab::POLLPRI;

/// pselect6(2).
pub fn pselect6(p: &mut Process, a: &Args) -> SysResult {
    let (n, inp, outp, exp, tsp, sig) = (a.int(0), a.u(1), a.u(2), a.u(3), a.u(4), a.u(5));
    if n < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (n as usize).min(p.fds.limit);
    let timeout = read_timeout(p, tsp)?;
    if sig != 0 {
        let set = p.mm.read_u64(sig)?;
        let size = p.mm.read_u64(sig + 8)?;
        check_sigmask(p, set, size)?;
    }
    let words = n.div_ceil(64);
    let read_set = |ptr: u64| -> Result<Vec<u64>, Errno> {
        let mut v = vec![0u64; words];
        if ptr != 0 {
            let mut raw = vec![0u8; words * 8];
            p.mm.read(ptr, &mut raw)?;
            for (w, c) in v.iter_mut().zip(raw.chunks_exact(8)) {
                *w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            }
        }
        Ok(v)
    };
    let sets = [read_set(inp)?, read_set(outp)?, read_set(exp)?];
    let bit = |s: &Vec<u64>, fd: usize| s[fd / 64] >> (fd % 64) & 1 != 0;
    let mut polled: Vec<(usize, libc::pollfd)> = Vec::new();
    for fd in 0..n {
        let (r, w, e) = (bit(&sets[0], fd), bit(&sets[1], fd), bit(&sets[2], fd));
        if !(r || w || e) {
            continue;
        }
        let h = p.fds.host(fd as i64)?; // Linux: EBADF for a closed fd in a set.
        let mut ev = 0;
        if r {
            ev |= libc::POLLIN;
        }
        if w {
            ev |= libc::POLLOUT;
        }
        if e {
            ev |= libc::POLLPRI;
        }
        polled.push((fd, libc::pollfd { fd: h, events: ev, revents: 0 }));
    }
    let mut host: Vec<libc::pollfd> = polled.iter().map(|(_, h)| *h).collect();
    let start = std::time::Instant::now();
    host_poll_guest(p, &mut host, if p.poll_zero { 0 } else { ms(timeout) })?;
    let mut out = [vec![0u64; words], vec![0u64; words], vec![0u64; words]];
    let mut count = 0u64;
    for ((fd, _), h) in polled.iter().zip(&host) {
        let rev = events_from_host(h.revents);
        for (i, mask) in [IN_SET, OUT_SET, EX_SET].into_iter().enumerate() {
            if bit(&sets[i], *fd) && rev & mask != 0 {
                out[i][fd / 64] |= 1 << (fd % 64);
                count += 1;
            }
        }
    }
    for (ptr, set) in [inp, outp, exp].into_iter().zip(&out) {
        if ptr != 0 {
            let bytes: Vec<u8> = set.iter().flat_map(|w| w.to_le_bytes()).collect();
            p.mm.write(ptr, &bytes)?;
        }
    }
    write_remaining(p, tsp, timeout, start)?;
    Ok(count)
}

// ---------------------------------------------------------------- epoll

/// How long an epoll wait goes without looking for host signals.
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// One registered fd.
#[derive(Clone, Copy, Debug)]
struct Interest {
    /// Linux EPOLL* bits asked for.
    events: u32,
    /// The guest's user data, returned untouched.
    data: u64,
    /// The host fd registered with the poller (to notice a closed and
    /// reused guest fd number).
    host: RawFd,
    /// A oneshot registration that already fired (disabled until MOD).
    fired: bool,
}

/// An epoll instance.
pub struct Epoll {
    poller: polling::Poller,
    interest: Mutex<HashMap<i64, Interest>>,
}

impl std::fmt::Debug for Epoll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Epoll").finish_non_exhaustive()
    }
}

/// epoll_create1(2).
pub fn epoll_create1(p: &mut Process, a: &Args) -> SysResult {
    let flags = a.uint(0);
    if flags & !ab::EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let poller = polling::Poller::new().map_err(|e| Errno::from_io(&e))?;
    // The guest fd is a dup of the poller's own fd, so fstat/close/dup and
    // nesting in another poll see a real readiness fd.
    let host = dup_host(poller.as_raw_fd(), 3)?;
    let ep = Arc::new(Epoll { poller, interest: Mutex::new(HashMap::new()) });
    let fd = p.fds.install(FdEntry { host, cloexec: flags & ab::EPOLL_CLOEXEC != 0, path: None }, 0)?;
    p.fds.set_epoll(fd, ep);
    Ok(fd as u64)
}

fn poll_mode(events: u32) -> polling::PollMode {
    match (events & ab::EPOLLET != 0, events & ab::EPOLLONESHOT != 0) {
        (true, true) => polling::PollMode::EdgeOneshot,
        (true, false) => polling::PollMode::Edge,
        (false, true) => polling::PollMode::Oneshot,
        (false, false) => polling::PollMode::Level,
    }
}

fn poll_event(fd: i64, events: u32) -> polling::Event {
    let mut e = polling::Event::new(
        fd as usize,
        events & (ab::EPOLLIN | ab::EPOLLRDNORM) != 0,
        events & (ab::EPOLLOUT | ab::EPOLLWRNORM) != 0,
    );
    e.set_interrupt(events & ab::EPOLLRDHUP != 0);
    e.set_priority(events & ab::EPOLLPRI != 0);
    e
}

/// epoll_ctl(2).
pub fn epoll_ctl(p: &mut Process, a: &Args) -> SysResult {
    let (epfd, op, fd, ev_ptr) = (a.int(0), a.int(1), a.int(2), a.u(3));
    let ep = p.fds.epoll(epfd).ok_or_else(|| if p.fds.get(epfd).is_ok() { Errno::EINVAL } else { Errno::EBADF })?;
    let ev: ab::EpollEvent = if op == ab::EPOLL_CTL_DEL { ab::EpollEvent::default() } else { p.mm.read_obj(ev_ptr)? };
    let h = p.fds.host(fd)?;
    if fd == epfd || p.fds.epoll(fd).is_some_and(|e| Arc::ptr_eq(&e, &ep)) {
        return Err(Errno::EINVAL);
    }
    let known = ab::EPOLLIN
        | ab::EPOLLPRI
        | ab::EPOLLOUT
        | ab::EPOLLERR
        | ab::EPOLLHUP
        | ab::EPOLLRDNORM
        | ab::EPOLLRDBAND
        | ab::EPOLLWRNORM
        | ab::EPOLLWRBAND
        | ab::EPOLLMSG
        | ab::EPOLLRDHUP
        | ab::EPOLLEXCLUSIVE
        | ab::EPOLLWAKEUP
        | ab::EPOLLONESHOT
        | ab::EPOLLET;
    let events = ev.events & known;
    // Linux: a regular file or directory cannot be polled (EPERM).
    let st = super::sys_fs::stat_fd(p, h)?;
    let fmt = st.st_mode & crate::abi::stat::S_IFMT;
    if fmt == crate::abi::stat::S_IFREG || fmt == crate::abi::stat::S_IFDIR {
        return Err(Errno::EPERM);
    }
    let mut list = ep.interest.lock().unwrap_or_else(|e| e.into_inner());
    // A registration whose host fd is gone was closed by the guest: Linux
    // dropped it then.
    if list.get(&fd).is_some_and(|i| i.host != h) {
        list.remove(&fd);
    }
    // SAFETY: `h` is an fd elfuse owns; it stays open while registered or
    // its closing removes it from the host poller (epoll and kqueue both).
    let borrowed = unsafe { BorrowedFd::borrow_raw(h) };
    match op {
        ab::EPOLL_CTL_ADD => {
            if list.contains_key(&fd) {
                return Err(Errno::EEXIST);
            }
            // SAFETY: see above: the source outlives its registration or is
            // removed with it by the host.
            unsafe { ep.poller.add_with_mode(h, poll_event(fd, events), poll_mode(events)) }
                .map_err(|e| Errno::from_io(&e))?;
            list.insert(fd, Interest { events, data: ev.data, host: h, fired: false });
        }
        ab::EPOLL_CTL_MOD => {
            let Some(cur) = list.get_mut(&fd) else { return Err(Errno::ENOENT) };
            if events & ab::EPOLLEXCLUSIVE != 0 || cur.events & ab::EPOLLEXCLUSIVE != 0 {
                return Err(Errno::EINVAL);
            }
            ep.poller
                .modify_with_mode(borrowed, poll_event(fd, events), poll_mode(events))
                .map_err(|e| Errno::from_io(&e))?;
            *cur = Interest { events, data: ev.data, host: h, fired: false };
        }
        ab::EPOLL_CTL_DEL => {
            if list.remove(&fd).is_none() {
                return Err(Errno::ENOENT);
            }
            let _ = ep.poller.delete(borrowed);
        }
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// The exact ready mask of host fd `h` for `events` right now.
fn current_mask(h: RawFd, events: u32) -> u32 {
    let mut want: i16 = 0;
    for (e, pb) in [
        (ab::EPOLLIN, ab::POLLIN),
        (ab::EPOLLPRI, ab::POLLPRI),
        (ab::EPOLLOUT, ab::POLLOUT),
        (ab::EPOLLRDNORM, ab::POLLRDNORM),
        (ab::EPOLLRDBAND, ab::POLLRDBAND),
        (ab::EPOLLWRNORM, ab::POLLWRNORM),
        (ab::EPOLLWRBAND, ab::POLLWRBAND),
        (ab::EPOLLRDHUP, ab::POLLRDHUP),
    ] {
        if events & e != 0 {
            want |= pb;
        }
    }
    let mut pfd = [libc::pollfd { fd: h, events: events_to_host(want), revents: 0 }];
    if host_poll(&mut pfd, 0).is_err() {
        return 0;
    }
    let got = events_from_host(pfd[0].revents);
    // EPOLLERR and EPOLLHUP are always reported.
    let always = ab::EPOLLERR | ab::EPOLLHUP;
    let mut m = 0;
    for (pb, e) in [
        (ab::POLLIN, ab::EPOLLIN),
        (ab::POLLPRI, ab::EPOLLPRI),
        (ab::POLLOUT, ab::EPOLLOUT),
        (ab::POLLERR, ab::EPOLLERR),
        (ab::POLLHUP, ab::EPOLLHUP),
        (ab::POLLRDNORM, ab::EPOLLRDNORM),
        (ab::POLLRDBAND, ab::EPOLLRDBAND),
        (ab::POLLWRNORM, ab::EPOLLWRNORM),
        (ab::POLLWRBAND, ab::EPOLLWRBAND),
        (ab::POLLRDHUP, ab::EPOLLRDHUP),
    ] {
        if got & pb != 0 {
            m |= e;
        }
    }
    m & (events | always)
}

fn epoll_wait_common(p: &mut Process, epfd: i64, evp: u64, maxevents: i64, timeout: Option<Duration>) -> SysResult {
    const EP_MAX_EVENTS: i64 = i32::MAX as i64 / 16;
    if maxevents <= 0 || maxevents > EP_MAX_EVENTS {
        return Err(Errno::EINVAL);
    }
    if !p.mm.check(evp, maxevents as u64 * 16, true) {
        return Err(Errno::EFAULT);
    }
    let ep = p.fds.epoll(epfd).ok_or_else(|| if p.fds.get(epfd).is_ok() { Errno::EINVAL } else { Errno::EBADF })?;
    let timeout = if p.poll_zero { Some(Duration::ZERO) } else { timeout };
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    let mut events = polling::Events::new();
    loop {
        events.clear();
        let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
        // The poller retries host EINTR itself: wait in slices and look
        // for guest signals between them (one read through a signalfd
        // raises its readiness; one with a handler interrupts).
        let slice = left.map_or(SIGNAL_SLICE, |l| l.min(SIGNAL_SLICE));
        ep.poller.wait(&mut events, Some(slice)).map_err(|e| Errno::from_io(&e))?;
        let mut out: Vec<u8> = Vec::new();
        let mut n = 0i64;
        {
            let mut list = ep.interest.lock().unwrap_or_else(|e| e.into_inner());
            for e in events.iter() {
                if n >= maxevents {
                    break;
                }
                let fd = e.key as i64;
                let Some(it) = list.get_mut(&fd) else { continue };
                if it.fired || p.fds.host(fd).ok() != Some(it.host) {
                    continue;
                }
                let mask = current_mask(it.host, it.events);
                if mask == 0 {
                    continue;
                }
                if it.events & ab::EPOLLONESHOT != 0 {
                    it.fired = true;
                }
                out.extend_from_slice(crate::abi::Pod::as_bytes(&ab::EpollEvent {
                    events: mask,
                    pad: 0,
                    data: it.data,
                }));
                n += 1;
            }
            // Level-triggered fds the poller reported once stay reported by
            // the host poller itself; nothing to re-arm here.
        }
        if n > 0 {
            p.mm.write(evp, &out)?;
            return Ok(n as u64);
        }
        if crate::signal::host::any_pending() {
            crate::signal::host::collect(p);
            if p.interrupting() != 0 {
                return Err(Errno::EINTR);
            }
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Ok(0);
        }
    }
}

/// epoll_pwait(2): timeout in ms (-1 = forever).
pub fn epoll_pwait(p: &mut Process, a: &Args) -> SysResult {
    let (epfd, evp, maxevents, timeout, sigmask, size) = (a.int(0), a.u(1), a.int(2), a.int(3), a.u(4), a.u(5));
    check_sigmask(p, sigmask, size)?;
    let t = if timeout < 0 { None } else { Some(Duration::from_millis(timeout as u64)) };
    epoll_wait_common(p, epfd, evp, maxevents, t)
}

/// epoll_pwait2(2): timeout as a timespec (NULL = forever).
pub fn epoll_pwait2(p: &mut Process, a: &Args) -> SysResult {
    let (epfd, evp, maxevents, tsp, sigmask, size) = (a.int(0), a.u(1), a.int(2), a.u(3), a.u(4), a.u(5));
    check_sigmask(p, sigmask, size)?;
    let t = read_timeout(p, tsp)?;
    epoll_wait_common(p, epfd, evp, maxevents, t)
}
