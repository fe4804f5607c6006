//! Sockets over host sockets: AF_UNIX (stream, datagram, seqpacket),
//! AF_INET and AF_INET6. AF_NETLINK and the other families are
//! EAFNOSUPPORT.
//!
//! The guest speaks Linux (its `sockaddr`, `msghdr`, `cmsghdr`, option
//! numbers); everything host-specific is in [`super::net_host`].
//!
//! Filesystem AF_UNIX names are guest paths: they are resolved inside the
//! root by the same walk as every other path, and the host binds or
//! connects through the pinned result (`/proc/self/fd/N/name`), so a name
//! never escapes `--sysroot` and sun_path's 108 bytes bound only the final
//! component. The guest names of bound sockets are remembered per host
//! socket so getsockname/getpeername/recvfrom report them as Linux does.
//! Abstract names (leading NUL) are the host's abstract namespace: guests
//! and host processes in the same network namespace share it.
//!
//! Calls that may block (accept, connect, send*, recv*) run unlocked: the
//! guest structures are copied in under the lock, the host is asked
//! without waiting (MSG_DONTWAIT, poll), and the wait between attempts is
//! unlocked and interruptible by guest signals (EINTR, restarted under
//! SA_RESTART by the run loop) and bounded by SO_RCVTIMEO/SO_SNDTIMEO.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::net_addr::{addr_in, addr_to_guest, family_of, forget, inherit_local, put_addr, remember, Target, Use};
use super::net_host::{self as host, HostCmsg, OptKind};
use super::sys_io::{read_iovecs, scatter};
use super::{Args, Flow, SysResult, Task};
use crate::abi::errno::Errno;
use crate::abi::misc::{Iovec, IOV_MAX};
use crate::abi::socket::{self as so, Msghdr, Ucred};
use crate::abi::Pod;
use crate::fdtable::{dup_host, FdEntry};
use crate::process::Process;

/// Largest transfer done in one host call (a stream send of more loops).
const CHUNK: usize = 4 << 20;
/// How often an unlocked wait looks for guest signals.
const SLICE_MS: i32 = 20;

// ---------------------------------------------------------------- helpers

/// The host fd of guest socket `fd`: EBADF, or ENOTSOCK for a non-socket.
fn sock(p: &Process, fd: i64) -> Result<RawFd, Errno> {
    let h = p.fds.host(fd)?;
    if !host::is_socket(h)? {
        return Err(Errno::ENOTSOCK);
    }
    Ok(h)
}

/// A duplicate of guest socket `fd`'s host fd, to use without the lock
/// (a concurrent close cannot redirect it).
fn sock_dup(p: &Process, fd: i64) -> Result<OwnedFd, Errno> {
    dup_host(sock(p, fd)?, 3)
}

/// The guest's view of host credentials: guest pid = host pid; the
/// process itself shows its current effective ids, others with elfuse's
/// host ids show the ids this run gives the guest (`--fakeroot`,
/// `--user`).
fn guest_ucred(p: &Process, pid: i32, uid: u32, gid: u32) -> Ucred {
    if pid == p.pid() {
        return Ucred { pid, uid: p.cred.uid[1], gid: p.cred.gid[1] };
    }
    // SAFETY: the id getters have no memory effects.
    let (hu, hg) = unsafe { (libc::geteuid(), libc::getegid()) };
    let (mu, mg) = if p.config.fakeroot { (0, 0) } else { p.config.user.unwrap_or((hu, hg)) };
    Ucred { pid, uid: if uid == hu { mu } else { uid }, gid: if gid == hg { mg } else { gid } }
}

/// Wait for the host socket `h` to become ready for another attempt, or
/// fail: EINTR for a guest signal, EAGAIN past `deadline`.
fn wait_slice(task: &Task, h: RawFd, events: i16, deadline: Option<Instant>) -> Result<(), Errno> {
    if deadline.is_some_and(|d| Instant::now() >= d) {
        return Err(Errno::EAGAIN);
    }
    let ms = deadline.map_or(SLICE_MS, |d| {
        let left = d.saturating_duration_since(Instant::now()).as_millis();
        (left as i32).clamp(1, SLICE_MS)
    });
    host::poll_one(h, events, ms);
    super::sys_block::check_signals(task)
}

/// SO_RCVTIMEO / SO_SNDTIMEO of `h` as a deadline from now.
fn deadline(h: RawFd, out: bool) -> Option<Instant> {
    let name = if out { libc::SO_SNDTIMEO } else { libc::SO_RCVTIMEO };
    match host::getsockopt_timeval(h, name) {
        Ok((0, 0)) | Err(_) => None,
        Ok((s, us)) => Some(Instant::now() + Duration::new(s.max(0) as u64, (us.clamp(0, 999_999) * 1000) as u32)),
    }
}

/// Repeat the non-waiting `op` until it stops saying EAGAIN (a blocking
/// socket), waiting unlocked between attempts.
fn retry<T>(
    task: &Task,
    h: RawFd,
    out: bool,
    dontwait: bool,
    mut op: impl FnMut() -> Result<T, Errno>,
) -> Result<T, Errno> {
    let blocking = !dontwait && !host::nonblocking(h);
    let dl = if blocking { deadline(h, out) } else { None };
    let events = if out { libc::POLLOUT } else { libc::POLLIN };
    loop {
        match op() {
            Err(Errno::EAGAIN) if blocking => wait_slice(task, h, events, dl)?,
            r => return r,
        }
    }
}

// ---------------------------------------------------------------- socket, socketpair

fn check_domain(domain: i64) -> Result<(), Errno> {
    if !(0..i64::from(so::AF_MAX)).contains(&domain) {
        return Err(Errno::EAFNOSUPPORT);
    }
    Ok(())
}

/// Split a type argument into (type, nonblock, cloexec), Linux's checks.
fn type_arg(t: u32) -> Result<(u32, bool, bool), Errno> {
    let flags = t & !so::SOCK_TYPE_MASK;
    if flags & !(so::SOCK_NONBLOCK | so::SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok((t & so::SOCK_TYPE_MASK, flags & so::SOCK_NONBLOCK != 0, flags & so::SOCK_CLOEXEC != 0))
}

fn install(p: &mut Process, host: OwnedFd, cloexec: bool) -> SysResult {
    forget(host.as_raw_fd());
    p.fds.install(FdEntry { host, cloexec, path: None }, 0).map(|fd| fd as u64)
}

/// socket(2): AF_UNIX, AF_INET, AF_INET6 over host sockets. AF_NETLINK
/// and the rest are EAFNOSUPPORT.
pub fn socket(p: &mut Process, a: &Args) -> SysResult {
    let (domain, ty, proto) = (a.int(0), a.uint(1), a.int(2));
    let (t, nonblock, cloexec) = type_arg(ty)?;
    check_domain(domain)?;
    if t > 10 {
        return Err(Errno::EINVAL);
    }
    let hf = host::family_to_host(domain as u16).ok_or(Errno::EAFNOSUPPORT)?;
    let ht = host::type_to_host(t).ok_or(Errno::ESOCKTNOSUPPORT)?;
    let s = host::socket(hf, ht, proto as i32, nonblock)?;
    install(p, s, cloexec)
}

/// socketpair(2): AF_UNIX only (AF_INET is EOPNOTSUPP, as Linux).
pub fn socketpair(p: &mut Process, a: &Args) -> SysResult {
    let (domain, ty, proto, sv) = (a.int(0), a.uint(1), a.int(2), a.u(3));
    let (t, nonblock, cloexec) = type_arg(ty)?;
    // Linux stores both numbers before creating anything.
    if !p.mm.check(sv, 8, true) {
        return Err(Errno::EFAULT);
    }
    check_domain(domain)?;
    match domain as u16 {
        so::AF_UNIX => {}
        so::AF_INET | so::AF_INET6 => return Err(Errno::EOPNOTSUPP),
        _ => return Err(Errno::EAFNOSUPPORT),
    }
    let ht = host::type_to_host(t).ok_or(Errno::ESOCKTNOSUPPORT)?;
    let (x, y) = host::socketpair(libc::AF_UNIX, ht, proto as i32, nonblock)?;
    let f0 = install(p, x, cloexec)?;
    let f1 = match install(p, y, cloexec) {
        Ok(f) => f,
        Err(e) => {
            let _ = p.fds.close(f0 as i64);
            return Err(e);
        }
    };
    let mut out = (f0 as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&(f1 as u32).to_le_bytes());
    p.mm.write(sv, &out)?;
    Ok(0)
}

// ---------------------------------------------------------------- bind, listen, names

/// bind(2).
pub fn bind(p: &mut Process, a: &Args) -> SysResult {
    let h = sock(p, a.int(0))?;
    let t = addr_in(p, h, a.u(1), a.u(2), Use::Bind)?;
    host::bind(h, &t.host)?;
    if let Some((dir, name)) = &t.node {
        host::chmod_bound(dir.as_raw_fd(), name, 0o777 & !p.fs.umask);
    }
    if let Some(g) = t.unix_path {
        if let Ok(text) = host::name(h, false) {
            remember(h, false, text, g);
        }
    }
    Ok(0)
}

/// listen(2).
pub fn listen(p: &mut Process, a: &Args) -> SysResult {
    let h = sock(p, a.int(0))?;
    host::listen(h, a.int(1) as i32)?;
    Ok(0)
}

fn sockname(p: &Process, a: &Args, peer: bool) -> SysResult {
    let h = sock(p, a.int(0))?;
    let raw = host::name(h, peer)?;
    let g = addr_to_guest(p, h, raw);
    put_addr(p, a.u(1), a.u(2), &g)?;
    Ok(0)
}

/// getsockname(2).
pub fn getsockname(p: &mut Process, a: &Args) -> SysResult {
    sockname(p, a, false)
}

/// getpeername(2).
pub fn getpeername(p: &mut Process, a: &Args) -> SysResult {
    sockname(p, a, true)
}

/// shutdown(2).
pub fn shutdown(p: &mut Process, a: &Args) -> SysResult {
    let h = sock(p, a.int(0))?;
    host::shutdown(h, a.uint(1))?;
    Ok(0)
}

// ---------------------------------------------------------------- accept, connect

fn accept_common(task: &Task, fd: i64, uaddr: u64, ulen: u64, flags: u32) -> Result<Flow, Errno> {
    if flags & !(so::SOCK_NONBLOCK | so::SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let s = sock_dup(&task.lock(), fd)?;
    let h = s.as_raw_fd();
    let nonblock = flags & so::SOCK_NONBLOCK != 0;
    let (new, ss, len) = retry(task, h, false, false, || {
        // A blocking listener is polled first, so the host accept does
        // not wait (another thread may still win the race: it then waits
        // unlocked).
        if !host::nonblocking(h) && !host::poll_one(h, libc::POLLIN, 0) {
            return Err(Errno::EAGAIN);
        }
        host::accept(h, nonblock)
    })?;
    let mut p = task.lock();
    forget(new.as_raw_fd());
    // The accepted socket has the listener's name.
    inherit_local(h, new.as_raw_fd());
    if uaddr != 0 {
        let raw = host::addr_from_host(&ss, len);
        let g = addr_to_guest(&p, new.as_raw_fd(), raw);
        // Linux drops the connection when the address cannot be stored.
        put_addr(&p, uaddr, ulen, &g)?;
    }
    let nfd = p.fds.install(FdEntry { host: new, cloexec: flags & so::SOCK_CLOEXEC != 0, path: None }, 0)?;
    Ok(Flow::Return(nfd as u64))
}

/// accept(2).
pub fn accept(task: &Task, a: &Args) -> Result<Flow, Errno> {
    accept_common(task, a.int(0), a.u(1), a.u(2), 0)
}

/// accept4(2).
pub fn accept4(task: &Task, a: &Args) -> Result<Flow, Errno> {
    accept_common(task, a.int(0), a.u(1), a.u(2), a.uint(3))
}

/// connect(2): a blocking connect waits unlocked (the host connect is
/// started non-blocking, then polled), interruptible by signals (EINTR;
/// the connection continues, as on Linux) and bounded by SO_SNDTIMEO
/// (EINPROGRESS).
pub fn connect(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (s, t) = {
        let p = task.lock();
        let s = sock_dup(&p, a.int(0))?;
        let t = addr_in(&p, s.as_raw_fd(), a.u(1), a.u(2), Use::Connect)?;
        (s, t)
    };
    let h = s.as_raw_fd();
    let r = if host::nonblocking(h) {
        host::connect(h, &t.host)
    } else {
        let dl = deadline(h, true);
        host::set_nonblocking(h, true);
        let r = host::connect(h, &t.host);
        host::set_nonblocking(h, false);
        match r {
            // EALREADY: a connect restarted after a signal (SA_RESTART)
            // waits for the one in progress, as Linux's does.
            Err(Errno::EINPROGRESS | Errno::EALREADY) => loop {
                match wait_slice(task, h, libc::POLLOUT, dl) {
                    Err(Errno::EAGAIN) => break Err(Errno::EINPROGRESS),
                    Err(e) => break Err(e),
                    Ok(()) => {}
                }
                if host::poll_one(h, libc::POLLOUT, 0) {
                    let e = host::getsockopt_int(h, libc::SOL_SOCKET, libc::SO_ERROR)?;
                    break if e == 0 { Ok(()) } else { Err(Errno::from_host(e)) };
                }
            },
            // AF_UNIX with a full backlog: try again until accepted.
            Err(Errno::EAGAIN) => loop {
                wait_slice(task, h, libc::POLLOUT, dl)?;
                match host::connect(h, &t.host) {
                    Err(Errno::EAGAIN) => {}
                    r => break r,
                }
            },
            r => r,
        }
    };
    r?;
    if let Some(g) = t.unix_path {
        if let Ok(text) = host::name(h, true) {
            remember(h, true, text, g);
        }
    }
    Ok(Flow::Return(0))
}

// ---------------------------------------------------------------- send

/// A message to send, copied in from the guest.
struct OutMsg {
    data: Vec<u8>,
    to: Option<Target>,
    /// SCM_RIGHTS: duplicates of the guest fds' host fds.
    fds: Vec<OwnedFd>,
    creds: bool,
}

/// Gather the iovecs into one buffer of at most [`CHUNK`] bytes; a fault
/// after some bytes sends those (Linux sends the bytes before the fault).
fn gather(p: &Process, iovs: &[Iovec]) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    for e in iovs {
        let take = (e.len as usize).min(CHUNK - out.len());
        let start = out.len();
        out.resize(start + take, 0);
        if let Err(err) = p.mm.read(e.base, &mut out[start..]) {
            out.truncate(start);
            if out.is_empty() && take > 0 {
                return Err(err);
            }
            break;
        }
    }
    Ok(out)
}

/// Parse the guest's control messages (Linux `__scm_send`).
fn control_in(p: &Process, ptr: u64, len: u64, out: &mut OutMsg) -> Result<(), Errno> {
    if len > i32::MAX as u64 {
        return Err(Errno::ENOBUFS);
    }
    let hdr = std::mem::size_of::<so::Cmsghdr>();
    if (len as usize) < hdr {
        return Ok(());
    }
    let mut buf = vec![0u8; len as usize];
    p.mm.read(ptr, &mut buf)?;
    let mut off = 0usize;
    while off + hdr <= buf.len() {
        let c = so::Cmsghdr::from_bytes(&buf[off..]).ok_or(Errno::EINVAL)?;
        let clen = c.len as usize;
        if clen < hdr || c.len > (buf.len() - off) as u64 {
            return Err(Errno::EINVAL);
        }
        let data = &buf[off + hdr..off + clen];
        if c.level == so::SOL_SOCKET {
            match c.ty {
                so::SCM_RIGHTS => {
                    let n = data.len() / 4;
                    if out.fds.len() + n > so::SCM_MAX_FD {
                        return Err(Errno::EINVAL);
                    }
                    for i in 0..n {
                        let gfd = i32::from_le_bytes([data[i * 4], data[i * 4 + 1], data[i * 4 + 2], data[i * 4 + 3]]);
                        out.fds.push(dup_host(p.fds.host(i64::from(gfd))?, 3)?);
                    }
                }
                so::SCM_CREDENTIALS => {
                    if clen != so::cmsg_len(12) {
                        return Err(Errno::EINVAL);
                    }
                    let u = Ucred::from_bytes(data).ok_or(Errno::EINVAL)?;
                    // Linux scm_check_creds: one's own ids unless privileged.
                    let c = &p.cred;
                    let ok = (u.pid == p.pid() || c.privileged())
                        && (c.uid.contains(&u.uid) || c.privileged())
                        && (c.gid.contains(&u.gid) || c.privileged());
                    if !ok {
                        return Err(Errno::EPERM);
                    }
                    out.creds = true;
                }
                _ => return Err(Errno::EINVAL),
            }
        }
        // Other levels are protocol options elfuse does not pass on.
        off += so::cmsg_align(clen);
    }
    Ok(())
}

/// Send `m` on `h`; a blocking stream socket sends it all (or what was
/// sent before a signal or error, as Linux returns a partial count).
fn send_loop(task: &Task, h: RawFd, m: &OutMsg, flags: u32) -> Result<usize, Errno> {
    let hflags = host::msg_flags_to_host(flags & !so::MSG_DONTWAIT) | libc::MSG_DONTWAIT;
    let dontwait = flags & so::MSG_DONTWAIT != 0;
    let raw: Vec<RawFd> = m.fds.iter().map(AsRawFd::as_raw_fd).collect();
    let stream = host::getsockopt_int(h, libc::SOL_SOCKET, libc::SO_TYPE).is_ok_and(|t| t == libc::SOCK_STREAM);
    let to = m.to.as_ref().map(|t| &t.host);
    let mut sent = 0usize;
    loop {
        let first = sent == 0;
        let (fds, creds): (&[RawFd], bool) = if first { (&raw, m.creds) } else { (&[], false) };
        match retry(task, h, true, dontwait, || host::sendmsg(h, &m.data[sent..], to, fds, creds, hflags)) {
            Ok(0) => return Ok(sent),
            Ok(n) => sent += n,
            Err(e) if first => return Err(e),
            Err(_) => return Ok(sent),
        }
        if !stream || dontwait || host::nonblocking(h) || sent >= m.data.len() {
            return Ok(sent);
        }
    }
}

/// Copy in a msghdr's iovecs (UIO_MAXIOV is EMSGSIZE for messages).
fn msg_iovs(p: &Process, m: &Msghdr) -> Result<Vec<Iovec>, Errno> {
    if m.iovlen > IOV_MAX {
        return Err(Errno::EMSGSIZE);
    }
    read_iovecs(p, m.iov, m.iovlen as i64)
}

fn sendmsg_in(p: &Process, h: RawFd, m: &Msghdr) -> Result<OutMsg, Errno> {
    if (m.namelen as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let iovs = msg_iovs(p, m)?;
    let to = if m.name != 0 && m.namelen > 0 {
        Some(addr_in(p, h, m.name, u64::from(m.namelen), Use::SendTo)?)
    } else {
        None
    };
    let mut out = OutMsg { data: gather(p, &iovs)?, to, fds: Vec::new(), creds: false };
    if m.control != 0 {
        control_in(p, m.control, m.controllen, &mut out)?;
    }
    Ok(out)
}

/// sendto(2).
pub fn sendto(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (fd, buf, len, flags, to, tolen) = (a.int(0), a.u(1), a.u(2), a.uint(3), a.u(4), a.u(5));
    let (s, m) = {
        let p = task.lock();
        let s = sock_dup(&p, fd)?;
        let iov = [Iovec { base: buf, len: len.min(CHUNK as u64) }];
        let to = if to != 0 { Some(addr_in(&p, s.as_raw_fd(), to, tolen, Use::SendTo)?) } else { None };
        (s, OutMsg { data: gather(&p, &iov)?, to, fds: Vec::new(), creds: false })
    };
    send_loop(task, s.as_raw_fd(), &m, flags).map(|n| Flow::Return(n as u64))
}

/// sendmsg(2): iovecs, a destination, SCM_RIGHTS (guest fds) and
/// SCM_CREDENTIALS (checked against the guest's ids).
pub fn sendmsg(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (s, m) = {
        let p = task.lock();
        let s = sock_dup(&p, a.int(0))?;
        let hdr: Msghdr = p.mm.read_obj(a.u(1))?;
        let m = sendmsg_in(&p, s.as_raw_fd(), &hdr)?;
        (s, m)
    };
    send_loop(task, s.as_raw_fd(), &m, a.uint(2)).map(|n| Flow::Return(n as u64))
}

/// sendmmsg(2): messages in order until one fails; the count sent, or the
/// first message's error.
pub fn sendmmsg(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (fd, vec, vlen, flags) = (a.int(0), a.u(1), a.uint(2).min(IOV_MAX as u32), a.uint(3));
    let s = sock_dup(&task.lock(), fd)?;
    let h = s.as_raw_fd();
    let mut done = 0u32;
    while done < vlen {
        let at = vec + u64::from(done) * so::MMSGHDR_SIZE;
        let r = (|| {
            let m = {
                let p = task.lock();
                let hdr: Msghdr = p.mm.read_obj(at)?;
                sendmsg_in(&p, h, &hdr)?
            };
            let n = send_loop(task, h, &m, flags)?;
            task.lock().mm.write(at + so::MMSG_LEN_OFF, &(n as u32).to_le_bytes())
        })();
        match r {
            Ok(()) => done += 1,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(Flow::Return(u64::from(done)))
}

// ---------------------------------------------------------------- receive

/// What one guest recvmsg asks for.
struct InMsg {
    iovs: Vec<Iovec>,
    name: u64,
    /// Control buffer (NULL = 0) and its length.
    control: u64,
    controllen: u64,
}

/// Receive one message on `h` for `m` (waiting unlocked if blocking).
fn recv_host(task: &Task, h: RawFd, m: &InMsg, flags: u32) -> Result<(host::Received, Vec<u8>), Errno> {
    let total: u64 = m.iovs.iter().map(|e| e.len).sum();
    let mut buf = vec![0u8; total.min(CHUNK as u64) as usize];
    // Room for what the guest's buffer can take, translated (the host's
    // cmsghdr may be smaller, never larger), plus slack so that fds that
    // do not fit are still received and closed, as Linux closes them.
    let ctl_room = if m.control != 0 { (m.controllen.min(1 << 16) as usize) * 2 + 64 } else { 0 };
    let hflags = host::msg_flags_to_host(flags & !(so::MSG_DONTWAIT | so::MSG_CMSG_CLOEXEC)) | libc::MSG_DONTWAIT;
    let dontwait = flags & so::MSG_DONTWAIT != 0;
    let waitall = flags & so::MSG_WAITALL != 0 && flags & so::MSG_PEEK == 0;
    let mut r = retry(task, h, false, dontwait, || host::recvmsg(h, &mut buf, ctl_room, hflags))?;
    // MSG_WAITALL on a blocking stream: keep reading until full, EOF, or a
    // signal.
    if waitall && !dontwait && !host::nonblocking(h) && r.n > 0 && r.n < buf.len() {
        let stream = host::getsockopt_int(h, libc::SOL_SOCKET, libc::SO_TYPE).is_ok_and(|t| t == libc::SOCK_STREAM);
        while stream && r.n < buf.len() {
            let n0 = r.n;
            match retry(task, h, false, false, || host::recvmsg(h, &mut buf[n0..], 0, hflags)) {
                Ok(more) if more.n > 0 => r.n += more.n,
                _ => break,
            }
        }
    }
    buf.truncate(r.n.min(buf.len()));
    r.name = r.name.filter(|_| m.name != 0);
    Ok((r, buf))
}

/// Write the received control messages into the guest's buffer (Linux
/// `put_cmsg`/`scm_detach_fds`): what does not fit sets MSG_CTRUNC and is
/// dropped (received fds closed). Returns the bytes used.
fn control_out(p: &mut Process, m: &InMsg, cmsgs: Vec<HostCmsg>, cloexec: bool, flags: &mut u32) -> Result<u64, Errno> {
    let hdr = std::mem::size_of::<so::Cmsghdr>();
    let mut off = 0usize;
    let cap = if m.control == 0 { 0 } else { m.controllen.min(i32::MAX as u64) as usize };
    for c in cmsgs {
        let room = cap - off;
        if room < hdr {
            *flags |= so::MSG_CTRUNC;
            continue;
        }
        let (ty, data): (i32, Vec<u8>) = match c {
            HostCmsg::Creds(pid, uid, gid) => (so::SCM_CREDENTIALS, guest_ucred(p, pid, uid, gid).as_bytes().to_vec()),
            HostCmsg::Rights(fds) => {
                let fit = (room - hdr) / 4;
                let mut nums = Vec::new();
                let total = fds.len();
                for h in fds.into_iter().take(fit) {
                    match p.fds.install(FdEntry { host: h, cloexec, path: None }, 0) {
                        Ok(n) => nums.extend_from_slice(&(n as i32).to_le_bytes()),
                        Err(_) => break,
                    }
                }
                if nums.len() / 4 < total {
                    *flags |= so::MSG_CTRUNC;
                }
                if nums.is_empty() {
                    continue;
                }
                (so::SCM_RIGHTS, nums)
            }
        };
        let mut len = so::cmsg_len(data.len());
        if len > room {
            *flags |= so::MSG_CTRUNC;
            len = room;
        }
        let h = so::Cmsghdr { len: len as u64, level: so::SOL_SOCKET, ty };
        let at = m.control + off as u64;
        p.mm.write(at, h.as_bytes())?;
        p.mm.write(at + hdr as u64, &data[..len - hdr])?;
        off += so::cmsg_space(data.len()).min(room);
    }
    Ok(off as u64)
}

/// Receive one message for the guest msghdr at `hp` and fill it in.
fn recvmsg_one(task: &Task, h: RawFd, hp: u64, flags: u32) -> Result<u64, Errno> {
    let m = {
        let p = task.lock();
        let hdr: Msghdr = p.mm.read_obj(hp)?;
        if (hdr.namelen as i32) < 0 {
            return Err(Errno::EINVAL);
        }
        InMsg { iovs: msg_iovs(&p, &hdr)?, name: hdr.name, control: hdr.control, controllen: hdr.controllen }
    };
    let (r, data) = recv_host(task, h, &m, flags)?;
    let mut p = task.lock();
    scatter(&p, &m.iovs, &data)?;
    // Linux ___sys_recvmsg starts msg_flags from the call's
    // MSG_CMSG_CLOEXEC, which therefore shows in the result.
    let mut oflags = host::msg_flags_from_host(r.flags) | (flags & so::MSG_CMSG_CLOEXEC);
    if let Some(raw) = r.name {
        let g = addr_to_guest(&p, h, raw);
        put_addr(&p, m.name, hp + so::MSG_NAMELEN_OFF, &g)?;
    } else if m.name != 0 {
        p.mm.write(hp + so::MSG_NAMELEN_OFF, &0u32.to_le_bytes())?;
    }
    let used = control_out(&mut p, &m, r.cmsgs, flags & so::MSG_CMSG_CLOEXEC != 0, &mut oflags)?;
    p.mm.write(hp + so::MSG_CONTROLLEN_OFF, &used.to_le_bytes())?;
    p.mm.write(hp + so::MSG_FLAGS_OFF, &oflags.to_le_bytes())?;
    Ok(r.n as u64)
}

/// recvfrom(2).
pub fn recvfrom(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (fd, buf, len, flags, from, fromlen) = (a.int(0), a.u(1), a.u(2), a.uint(3), a.u(4), a.u(5));
    let s = sock_dup(&task.lock(), fd)?;
    let h = s.as_raw_fd();
    let m = InMsg { iovs: vec![Iovec { base: buf, len }], name: from, control: 0, controllen: 0 };
    if len > 0 && !task.lock().mm.check(buf, 1, true) {
        return Err(Errno::EFAULT);
    }
    let (r, data) = recv_host(task, h, &m, flags)?;
    let p = task.lock();
    p.mm.write(buf, &data)?;
    if from != 0 {
        match r.name {
            Some(raw) => {
                let g = addr_to_guest(&p, h, raw);
                put_addr(&p, from, fromlen, &g)?;
            }
            // A connected stream has no source address: length 0.
            None => p.mm.write(fromlen, &0u32.to_le_bytes())?,
        }
    }
    Ok(Flow::Return(r.n as u64))
}

/// recvmsg(2): iovecs, source address, SCM_RIGHTS (installed as guest
/// fds; MSG_CMSG_CLOEXEC), SCM_CREDENTIALS (guest ids), MSG_CTRUNC and
/// MSG_TRUNC in msg_flags.
pub fn recvmsg(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let s = sock_dup(&task.lock(), a.int(0))?;
    recvmsg_one(task, s.as_raw_fd(), a.u(1), a.uint(2)).map(Flow::Return)
}

/// recvmmsg(2): up to `vlen` messages; MSG_WAITFORONE makes all but the
/// first non-blocking; the timeout is checked after each message (as
/// Linux does).
pub fn recvmmsg(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (fd, vec, vlen, mut flags, tp) = (a.int(0), a.u(1), a.uint(2).min(IOV_MAX as u32), a.uint(3), a.u(4));
    let (s, until) = {
        let p = task.lock();
        let s = sock_dup(&p, fd)?;
        let until = if tp != 0 {
            let ts: crate::abi::time::Timespec = p.mm.read_obj(tp)?;
            if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                return Err(Errno::EINVAL);
            }
            Some(Instant::now() + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
        } else {
            None
        };
        (s, until)
    };
    let h = s.as_raw_fd();
    let mut done = 0u32;
    while done < vlen {
        let at = vec + u64::from(done) * so::MMSGHDR_SIZE;
        match recvmsg_one(task, h, at, flags) {
            Ok(n) => {
                task.lock().mm.write(at + so::MMSG_LEN_OFF, &(n as u32).to_le_bytes())?;
                done += 1;
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
        if flags & so::MSG_WAITFORONE != 0 {
            flags |= so::MSG_DONTWAIT;
        }
        if until.is_some_and(|u| Instant::now() >= u) {
            break;
        }
    }
    if let Some(u) = until {
        let left = u.saturating_duration_since(Instant::now());
        let ts = crate::abi::time::Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) };
        task.lock().mm.write_obj(tp, &ts)?;
    }
    Ok(Flow::Return(u64::from(done)))
}

// ---------------------------------------------------------------- options

/// The error for an option elfuse does not know, as Linux picks it: an
/// unknown SOL_SOCKET option or an unknown option at an IP level of an IP
/// socket is ENOPROTOOPT; levels the socket's family has no handler for
/// are EOPNOTSUPP (AF_UNIX: all but SOL_SOCKET; IP sockets: getsockopt at
/// an unknown level, `do_ip_getsockopt`).
fn no_opt(h: RawFd, level: i32, get: bool) -> Errno {
    let ip_level = matches!(level, so::IPPROTO_IP | so::IPPROTO_TCP | so::IPPROTO_UDP | so::IPPROTO_IPV6);
    match family_of(h) {
        _ if level == so::SOL_SOCKET => Errno::ENOPROTOOPT,
        Ok(so::AF_INET | so::AF_INET6) if ip_level || !get => Errno::ENOPROTOOPT,
        _ => Errno::EOPNOTSUPP,
    }
}

/// setsockopt(2): the common SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP and
/// IPPROTO_IPV6 options; others ENOPROTOOPT.
pub fn setsockopt(p: &mut Process, a: &Args) -> SysResult {
    let (fd, level, name, val, len) = (a.int(0), a.int(1) as i32, a.int(2) as i32, a.u(3), a.int(4));
    let h = sock(p, fd)?;
    let (hl, hn, kind) = host::opt_to_host(level, name).ok_or_else(|| no_opt(h, level, false))?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    match kind {
        OptKind::Int => {
            if len < 4 {
                return Err(Errno::EINVAL);
            }
            let mut b = [0u8; 4];
            p.mm.read(val, &mut b)?;
            host::setsockopt(h, hl, hn, &i32::from_le_bytes(b).to_ne_bytes())?;
        }
        OptKind::Timeval => {
            if (len as usize) < std::mem::size_of::<so::Timeval>() {
                return Err(Errno::EINVAL);
            }
            let tv: so::Timeval = p.mm.read_obj(val)?;
            // Linux sock_set_timeout: usec outside [0, 1s) is EDOM; a
            // negative time means "no wait" (0 = forever on the host too).
            if !(0..1_000_000).contains(&tv.usec) {
                return Err(Errno::EDOM);
            }
            let (s, us) = if tv.sec < 0 { (0, 0) } else { (tv.sec, tv.usec) };
            host::setsockopt_timeval(h, hn, s, us)?;
        }
        OptKind::Linger => {
            if (len as usize) < std::mem::size_of::<so::Linger>() {
                return Err(Errno::EINVAL);
            }
            let l: so::Linger = p.mm.read_obj(val)?;
            let hl_ = libc::linger { l_onoff: l.onoff, l_linger: l.linger };
            // SAFETY: viewing our own linger struct as bytes.
            let b = unsafe {
                std::slice::from_raw_parts(
                    (&hl_ as *const libc::linger).cast::<u8>(),
                    std::mem::size_of::<libc::linger>(),
                )
            };
            host::setsockopt(h, hl, hn, b)?;
        }
        // Read-only options: Linux sock_setsockopt answers ENOPROTOOPT.
        _ => return Err(Errno::ENOPROTOOPT),
    }
    Ok(0)
}

/// getsockopt(2): values translated to Linux's (types, errnos, guest
/// credentials); a short buffer gets the value truncated, as Linux.
pub fn getsockopt(p: &mut Process, a: &Args) -> SysResult {
    let (fd, level, name, val, lenp) = (a.int(0), a.int(1) as i32, a.int(2) as i32, a.u(3), a.u(4));
    let h = sock(p, fd)?;
    let (hl, hn, kind) = host::opt_to_host(level, name).ok_or_else(|| no_opt(h, level, true))?;
    let mut lb = [0u8; 4];
    p.mm.read(lenp, &mut lb)?;
    let len = i32::from_le_bytes(lb);
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let int = |v: i32| v.to_le_bytes().to_vec();
    let bytes: Vec<u8> = match kind {
        OptKind::Int | OptKind::ReadOnlyInt => int(host::getsockopt_int(h, hl, hn)?),
        OptKind::Type => int(host::type_from_host(host::getsockopt_int(h, hl, hn)?) as i32),
        OptKind::Domain => int(i32::from(host::family_from_host(host::getsockopt_int(h, hl, hn)?))),
        OptKind::Protocol => int(host::proto_from_host(host::getsockopt_int(h, hl, hn)?) as i32),
        OptKind::Error => {
            let e = host::getsockopt_int(h, hl, hn)?;
            int(if e == 0 { 0 } else { Errno::from_host(e).0 })
        }
        OptKind::Timeval => {
            let (s, us) = host::getsockopt_timeval(h, hn)?;
            so::Timeval { sec: s, usec: us }.as_bytes().to_vec()
        }
        OptKind::Linger => {
            let mut b = [0u8; std::mem::size_of::<libc::linger>()];
            host::getsockopt(h, hl, hn, &mut b)?;
            let on = i32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            let secs = i32::from_ne_bytes([b[4], b[5], b[6], b[7]]);
            so::Linger { onoff: on, linger: secs }.as_bytes().to_vec()
        }
        OptKind::PeerCred => {
            // Linux reports no peer as pid 0, uid/gid overflow ids (-1 here
            // is what the host gives; translate only real credentials).
            let (pid, uid, gid) = host::peer_cred(h)?;
            let c = if pid == 0 { Ucred { pid, uid, gid } } else { guest_ucred(p, pid, uid, gid) };
            c.as_bytes().to_vec()
        }
    };
    let n = (len as usize).min(bytes.len());
    p.mm.write(val, &bytes[..n])?;
    p.mm.write(lenp, &(n as u32).to_le_bytes())?;
    Ok(0)
}

// ---------------------------------------------------------------- run loop hooks

/// Whether an EPIPE from syscall `nr` raises SIGPIPE: not for a send with
/// MSG_NOSIGNAL.
pub fn epipe_raises_sigpipe(nr: u64, a: &Args) -> bool {
    let flags = match nr {
        206 | 269 => a.uint(3),
        211 => a.uint(2),
        _ => return true,
    };
    flags & so::MSG_NOSIGNAL == 0
}

/// The socket calls Linux restarts under SA_RESTART besides those the run
/// loop lists: connect (a blocking connect returns -ERESTARTSYS, and the
/// restarted call waits for the same connection), recvmmsg and sendmmsg
/// (their first message's -ERESTARTSYS).
pub fn restartable(nr: u64) -> bool {
    matches!(nr, 203 | 243 | 269)
}
