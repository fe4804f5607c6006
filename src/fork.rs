//! fork/vfork/clone(without CLONE_VM) as a new elfuse process.
//!
//! A VM cannot survive a host `fork()` on macOS, so the guest's child is a
//! fresh elfuse (`elfuse --fork-child FD`) that receives the parent's state
//! over a socketpair: a serialized [`ForkState`], then guest memory as a
//! sparse snapshot file (its page tables included, so they need no
//! rebuilding), an optional vfork notify pipe, the host objects behind
//! MAP_SHARED regions (files, memfds; mapped again at the same physical
//! pages, so parent and child share them, and left out of the snapshot),
//! and the guest's fds, all fds with SCM_RIGHTS in chunks of at most
//! [`FDS_PER_MSG`]. Guest pid = host pid, so
//! kill and wait map 1:1. Every internal fd is close-on-exec.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use crate::abi::errno::Errno;
use crate::abi::misc::Rlimit;
use crate::abi::signal::KSigaction;
use crate::fdtable::FdEntry;
use crate::mem::layout;
use crate::mem::pagetable::Perm;
use crate::mem::phys::PhysMem;
use crate::mem::space::{AddressSpace, Backing, Region, SharedObj};
use crate::process::{Config, Process};
use crate::vcpu::{Backend, El1Setup, Reg, Vcpu};

/// File descriptors per SCM_RIGHTS message (below the kernel's 253 limit
/// and macOS's smaller one).
pub const FDS_PER_MSG: usize = 120;

/// The hidden command-line flag of a fork helper.
pub const CHILD_FLAG: &str = "--fork-child";

/// Labels a region may carry (regions hold `&'static str`).
const LABELS: &[&str] = &["[heap]", "[stack]", "[vdso]", "[vvar]"];

/// How the child should differ from the parent (clone's arguments).
#[derive(Clone, Copy, Debug, Default)]
pub struct CloneArgs {
    /// CLONE_VFORK: the parent waits until the child execs or exits.
    pub vfork: bool,
    /// New stack pointer (0 = same as the parent's).
    pub stack: u64,
    /// CLONE_SETTLS value.
    pub tls: Option<u64>,
    /// CLONE_CHILD_SETTID address (in the child's memory).
    pub child_settid: u64,
    /// CLONE_CHILD_CLEARTID address.
    pub child_cleartid: u64,
}

// ---- wire format ----------------------------------------------------------

#[derive(Default)]
struct Wire(Vec<u8>);

impl Wire {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u64(&mut self) -> Result<u64, Errno> {
        if self.0.len() < 8 {
            return Err(Errno::EPROTO);
        }
        let (h, t) = self.0.split_at(8);
        self.0 = t;
        Ok(u64::from_le_bytes(h.try_into().map_err(|_| Errno::EPROTO)?))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, Errno> {
        let n = usize::try_from(self.u64()?).map_err(|_| Errno::EPROTO)?;
        if self.0.len() < n {
            return Err(Errno::EPROTO);
        }
        let (h, t) = self.0.split_at(n);
        self.0 = t;
        Ok(h.to_vec())
    }
    fn str(&mut self) -> Result<String, Errno> {
        String::from_utf8(self.bytes()?).map_err(|_| Errno::EPROTO)
    }
}

// ---- SCM_RIGHTS -------------------------------------------------------------

fn send_fds(sock: RawFd, fds: &[RawFd]) -> std::io::Result<()> {
    let payload = [fds.len() as u8];
    let space = cmsg_space(fds.len());
    let mut cbuf = vec![0u8; space];
    let mut iov = libc::iovec { iov_base: payload.as_ptr() as *mut _, iov_len: 1 };
    // SAFETY: msghdr/cmsghdr built over live local buffers sized with
    // CMSG_SPACE; sendmsg only reads them.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if !fds.is_empty() {
            msg.msg_control = cbuf.as_mut_ptr().cast();
            msg.msg_controllen = space as _;
            let c = libc::CMSG_FIRSTHDR(&msg);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = libc::CMSG_LEN((fds.len() * 4) as u32) as _;
            std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(c), fds.len() * 4);
        }
        if libc::sendmsg(sock, &msg, 0) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

fn cmsg_space(n: usize) -> usize {
    // SAFETY: CMSG_SPACE is a pure size computation.
    unsafe { libc::CMSG_SPACE((n.max(1) * 4) as u32) as usize }
}

/// Receive one chunk of up to `max` fds, with a buffer of its own.
fn recv_fds(sock: RawFd, max: usize) -> std::io::Result<Vec<OwnedFd>> {
    let mut payload = [0u8; 1];
    let space = cmsg_space(max);
    let mut cbuf = vec![0u8; space];
    let mut iov = libc::iovec { iov_base: payload.as_mut_ptr().cast(), iov_len: 1 };
    let mut out = Vec::new();
    // SAFETY: as in send_fds; the kernel writes at most `space` control
    // bytes; received fds are wrapped in OwnedFd immediately.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        #[cfg(target_os = "linux")]
        let flags = libc::MSG_CMSG_CLOEXEC;
        #[cfg(not(target_os = "linux"))]
        let flags = 0;
        let r = libc::recvmsg(sock, &mut msg, flags);
        if r <= 0 {
            return Err(if r == 0 {
                std::io::Error::from_raw_os_error(libc::EPIPE)
            } else {
                std::io::Error::last_os_error()
            });
        }
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                let n = ((*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4;
                let data = libc::CMSG_DATA(c).cast::<i32>();
                for i in 0..n {
                    let fd = std::ptr::read_unaligned(data.add(i));
                    libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
                    out.push(OwnedFd::from_raw_fd(fd));
                }
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
        if usize::from(payload[0]) != out.len() {
            return Err(std::io::Error::from_raw_os_error(libc::EPROTO));
        }
    }
    Ok(out)
}

fn io(e: std::io::Error) -> Errno {
    Errno::from_io(&e)
}

// ---- parent -----------------------------------------------------------------

/// The state message, and the host objects of shared regions that go with
/// it (the regions refer to them by index).
fn encode(
    p: &Process,
    cpu: &dyn Vcpu,
    args: &CloneArgs,
    fds: &[(usize, bool, Option<String>, Option<u64>)],
) -> (Vec<u8>, Vec<Arc<OwnedFd>>) {
    let mut objs: Vec<Arc<OwnedFd>> = Vec::new();
    let mut w = Wire::default();
    let c = &p.config;
    w.str(&c.sysroot.as_ref().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    w.u64(u64::from(c.sysroot.is_some()));
    w.u64(u64::from(c.verbose) | u64::from(c.strace) << 1 | u64::from(c.backend == Backend::Hvf) << 2);
    w.u64(c.timeout.map_or(0, |t| t.as_nanos() as u64));
    w.u64(c.binds.len() as u64);
    for (h, g) in &c.binds {
        w.str(&h.to_string_lossy());
        w.str(g);
    }
    w.u64(u64::from(c.fakeroot));
    w.u64(c.user.map_or(u64::MAX, |(u, g)| u64::from(u) | u64::from(g) << 32));
    w.str(&p.fs.cwd);
    w.u64(u64::from(p.fs.umask));
    w.str(&p.exe);
    w.bytes(&p.comm);
    w.u64(p.hwcap);
    w.u64(p.rlimits.len() as u64);
    for r in &p.rlimits {
        w.u64(r.cur);
        w.u64(r.max);
    }
    for a in &p.sig.actions {
        w.u64(a.handler);
        w.u64(a.flags);
        w.u64(a.restorer);
        w.u64(a.mask);
    }
    w.u64(p.sig.mask);
    w.u64(p.sig.altstack.0);
    w.u64(u64::from(p.sig.altstack.1));
    w.u64(p.sig.altstack.2);
    let (regions, brk_start, brk, (t0, t1, next, free)) = p.mm.parts();
    w.u64(regions.len() as u64);
    for r in &regions {
        w.u64(r.start);
        w.u64(r.end);
        w.u64(u64::from(r.perm.read()) | u64::from(r.perm.write()) << 1 | u64::from(r.perm.exec()) << 2);
        w.u64(u64::from(r.shared));
        w.u64(r.label.and_then(|l| LABELS.iter().position(|x| *x == l)).map_or(u64::MAX, |i| i as u64));
        match &r.backing {
            Backing::Anon => w.u64(0),
            Backing::File { path, offset, dev_ino } => {
                w.u64(1);
                w.str(path);
                w.u64(*offset);
                w.u64(dev_ino.0);
                w.u64(dev_ino.1);
            }
        }
        match &r.shm {
            None => w.u64(u64::MAX),
            Some(o) => {
                let i = objs.iter().position(|f| Arc::ptr_eq(f, &o.fd)).unwrap_or_else(|| {
                    objs.push(Arc::clone(&o.fd));
                    objs.len() - 1
                });
                w.u64(i as u64);
                w.u64(o.offset);
                w.u64(o.limit);
                w.u64(u64::from(o.writable));
            }
        }
    }
    w.u64(objs.len() as u64);
    w.u64(brk_start);
    w.u64(brk);
    w.u64(t0);
    w.u64(t1);
    w.u64(next);
    w.u64(free.len() as u64);
    for f in free {
        w.u64(f);
    }
    for r in 0..31u8 {
        w.u64(cpu.get(Reg::X(r)));
    }
    for r in [Reg::Sp, Reg::Pc, Reg::Pstate, Reg::TpidrEl0, Reg::TpidrroEl0, Reg::Fpcr, Reg::Fpsr] {
        w.u64(cpu.get(r));
    }
    for v in 0..32u8 {
        w.bytes(&cpu.get_v(v).to_le_bytes());
    }
    w.u64(u64::from(args.vfork));
    w.u64(args.stack);
    w.u64(args.tls.map_or(0, |_| 1));
    w.u64(args.tls.unwrap_or(0));
    w.u64(args.child_settid);
    w.u64(args.child_cleartid);
    w.u64(fds.len() as u64);
    for (fd, cloexec, path, signalfd) in fds {
        w.u64(*fd as u64);
        w.u64(u64::from(*cloexec));
        w.str(path.as_deref().unwrap_or(""));
        w.u64(u64::from(path.is_some()));
        // A signalfd's host fd is a plain readiness object: the child makes
        // a signalfd of its own with the same mask.
        w.u64(u64::from(signalfd.is_some()));
        w.u64(signalfd.unwrap_or(0));
    }
    let e = &p.exec_info;
    for v in [e.arg_start, e.arg_end, e.env_start, e.env_end, e.start_stack, e.auxv.len() as u64] {
        w.u64(v);
    }
    for v in &e.auxv {
        w.u64(*v);
    }
    (w.0, objs)
}

/// Create the guest child of `p` (whose calling thread is `cpu`). Returns
/// the child's pid; for vfork, only after the child has exec'd or exited.
pub fn fork(p: &mut Process, cpu: &dyn Vcpu, args: &CloneArgs) -> Result<u64, Errno> {
    let (parent_sock, child_sock) = UnixStream::pair().map_err(io)?;
    // Guest fds, in order, skipping any that went stale.
    let mut fds = Vec::new();
    let mut host = Vec::new();
    for (fd, e) in p.fds.iter() {
        let h = e.host.as_raw_fd();
        // SAFETY: F_GETFD has no memory effects.
        if unsafe { libc::fcntl(h, libc::F_GETFD) } < 0 {
            continue;
        }
        fds.push((fd, e.cloexec, e.path.clone(), p.fds.signalfd(fd as i64).map(|s| s.mask())));
        host.push(h);
    }
    let snap = crate::mem::phys::snapshot_file().map_err(io)?;
    p.mm.phys().save_to(snap.as_raw_fd(), &p.mm.physical_ranges()).map_err(io)?;
    let notify = if args.vfork {
        let mut pfd = [0i32; 2];
        // SAFETY: pipe writes two fresh fds into `pfd`.
        if unsafe { libc::pipe(pfd.as_mut_ptr()) } < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: fresh fds owned by nobody else.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(pfd[0]), OwnedFd::from_raw_fd(pfd[1])) };
        for f in [&r, &w] {
            // SAFETY: fcntl on our own fds.
            unsafe { libc::fcntl(f.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
        }
        Some((r, w))
    } else {
        None
    };

    // The helper: this very binary, with the socket as its fd 3.
    let exe = std::env::current_exe().map_err(io)?;
    let child_fd = child_sock.as_raw_fd();
    let mut cmd = std::process::Command::new(exe);
    cmd.arg(CHILD_FLAG).arg("3").stdin(std::process::Stdio::null());
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only
    // calls async-signal-safe dup2.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(child_fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(io)?;
    drop(child_sock);
    let pid = child.id();
    drop(child);

    let mut s = &parent_sock;
    let (payload, objs) = encode(p, cpu, args, &fds);
    s.write_all(&(payload.len() as u64).to_le_bytes()).map_err(io)?;
    s.write_all(&payload).map_err(io)?;
    let mut first = vec![snap.as_raw_fd()];
    if let Some((_, w)) = &notify {
        first.push(w.as_raw_fd());
    }
    send_fds(parent_sock.as_raw_fd(), &first).map_err(io)?;
    let objs: Vec<RawFd> = objs.iter().map(|f| f.as_raw_fd()).collect();
    for chunk in objs.chunks(FDS_PER_MSG) {
        send_fds(parent_sock.as_raw_fd(), chunk).map_err(io)?;
    }
    for chunk in host.chunks(FDS_PER_MSG) {
        send_fds(parent_sock.as_raw_fd(), chunk).map_err(io)?;
    }
    drop(snap);
    if let Some((r, w)) = notify {
        drop(w);
        // Suspended until the child execs or exits (EOF on the pipe).
        let mut f = std::fs::File::from(r);
        let mut b = [0u8; 1];
        loop {
            match f.read(&mut b) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
    Ok(u64::from(pid))
}

// ---- child ------------------------------------------------------------------

/// Run as a fork helper: receive the state on `fd` and run the guest child.
/// Returns how the guest ended.
pub fn child_main(fd: RawFd) -> Result<crate::run::Outcome, String> {
    // SAFETY: the parent placed the socket at `fd` for us alone.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: fcntl on our own fd.
    unsafe { libc::fcntl(sock.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
    let mut s = UnixStream::from(sock);
    let mut len = [0u8; 8];
    s.read_exact(&mut len).map_err(|e| format!("fork state: {e}"))?;
    let n = usize::try_from(u64::from_le_bytes(len)).map_err(|_| "fork state too large".to_string())?;
    if n > 256 << 20 {
        return Err("fork state too large".into());
    }
    let mut payload = vec![0u8; n];
    s.read_exact(&mut payload).map_err(|e| format!("fork state: {e}"))?;
    let first = recv_fds(s.as_raw_fd(), 2).map_err(|e| format!("fork memory: {e}"))?;
    let (p, cpu) = decode(&payload, first, &s).map_err(|e| format!("fork state: {}", e.message()))?;
    crate::run::run_process(p, cpu).map_err(|e| e.to_string())
}

fn decode(payload: &[u8], mut first: Vec<OwnedFd>, sock: &UnixStream) -> Result<(Process, Box<dyn Vcpu>), Errno> {
    let mut r = Reader(payload);
    let sysroot = r.str()?;
    let has_root = r.u64()? != 0;
    let flags = r.u64()?;
    let timeout = r.u64()?;
    let nbinds = r.u64()? as usize;
    let mut binds = Vec::new();
    for _ in 0..nbinds.min(4096) {
        binds.push((std::path::PathBuf::from(r.str()?), r.str()?));
    }
    let fakeroot = r.u64()? != 0;
    let user = r.u64()?;
    let config = Config {
        sysroot: has_root.then(|| std::path::PathBuf::from(sysroot)),
        timeout: (timeout != 0).then(|| std::time::Duration::from_nanos(timeout)),
        verbose: flags & 1 != 0,
        strace: flags & 2 != 0,
        backend: if flags & 4 != 0 { Backend::Hvf } else { Backend::Interp },
        binds,
        fakeroot,
        user: (user != u64::MAX).then_some((user as u32, (user >> 32) as u32)),
    };
    let cwd = r.str()?;
    let umask = r.u64()? as u32;
    let exe = r.str()?;
    let comm_b = r.bytes()?;
    let hwcap = r.u64()?;
    let nlim = r.u64()? as usize;
    let mut rlimits = Vec::new();
    for _ in 0..nlim.min(64) {
        rlimits.push(Rlimit { cur: r.u64()?, max: r.u64()? });
    }
    let mut actions = [KSigaction::default(); 64];
    for a in actions.iter_mut() {
        *a = KSigaction { handler: r.u64()?, flags: r.u64()?, restorer: r.u64()?, mask: r.u64()? };
    }
    let mask = r.u64()?;
    let altstack = (r.u64()?, r.u64()? as u32, r.u64()?);
    let nreg = r.u64()? as usize;
    let mut regions = Vec::new();
    for _ in 0..nreg.min(1 << 20) {
        let start = r.u64()?;
        let end = r.u64()?;
        let pm = r.u64()?;
        let shared = r.u64()? != 0;
        let label = LABELS.get(r.u64()? as usize).copied();
        let backing = if r.u64()? == 0 {
            Backing::Anon
        } else {
            Backing::File { path: r.str()?, offset: r.u64()?, dev_ino: (r.u64()?, r.u64()?) }
        };
        let obj = r.u64()?;
        let shm = if obj == u64::MAX { None } else { Some((obj, r.u64()?, r.u64()?, r.u64()? != 0)) };
        let perm = Perm::new(pm & 1 != 0, pm & 2 != 0, pm & 4 != 0);
        regions.push((Region { start, end, perm, shared, backing, label, shm: None }, shm));
    }
    let nobjs = r.u64()? as usize;
    let brk_start = r.u64()?;
    let brk = r.u64()?;
    let (t0, t1, next) = (r.u64()?, r.u64()?, r.u64()?);
    let nfree = r.u64()? as usize;
    let mut free = Vec::new();
    for _ in 0..nfree.min(1 << 24) {
        free.push(r.u64()?);
    }
    let mut x = [0u64; 31];
    for v in x.iter_mut() {
        *v = r.u64()?;
    }
    let (sp, pc, pstate, tpidr, tpidrro, fpcr, fpsr) =
        (r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?);
    let mut vregs = [0u128; 32];
    for v in vregs.iter_mut() {
        *v = u128::from_le_bytes(r.bytes()?.try_into().map_err(|_| Errno::EPROTO)?);
    }
    let vfork = r.u64()? != 0;
    let stack = r.u64()?;
    let has_tls = r.u64()? != 0;
    let tls = r.u64()?;
    let settid = r.u64()?;
    let cleartid = r.u64()?;
    let nfds = r.u64()? as usize;
    let mut fdmeta = Vec::new();
    for _ in 0..nfds.min(1 << 20) {
        let fd = r.u64()? as usize;
        let cloexec = r.u64()? != 0;
        let path = r.str()?;
        let has_path = r.u64()? != 0;
        let is_signalfd = r.u64()? != 0;
        let mask = r.u64()?;
        fdmeta.push((fd, cloexec, has_path.then_some(path), is_signalfd.then_some(mask)));
    }
    let mut exec_info = crate::procfs::ExecInfo {
        arg_start: r.u64()?,
        arg_end: r.u64()?,
        env_start: r.u64()?,
        env_end: r.u64()?,
        start_stack: r.u64()?,
        auxv: Vec::new(),
    };
    for _ in 0..r.u64()?.min(256) {
        exec_info.auxv.push(r.u64()?);
    }

    // Memory: adopt the snapshot as our guest-physical memory.
    if first.is_empty() {
        return Err(Errno::EPROTO);
    }
    let snap = first.remove(0);
    let notify = first.pop();
    let phys = Arc::new(PhysMem::new(layout::PHYS_SIZE).map_err(|_| Errno::ENOMEM)?);
    phys.adopt(snap.as_raw_fd()).map_err(io)?;
    drop(snap);
    // Shared regions' host objects, then mapped over the snapshot.
    let mut objs: Vec<Arc<OwnedFd>> = Vec::new();
    while objs.len() < nobjs {
        let want = (nobjs - objs.len()).min(FDS_PER_MSG);
        objs.extend(recv_fds(sock.as_raw_fd(), want).map_err(io)?.into_iter().map(Arc::new));
    }
    let mut regs = Vec::with_capacity(regions.len());
    for (mut reg, shm) in regions {
        if let Some((i, offset, limit, writable)) = shm {
            let fd = objs.get(usize::try_from(i).map_err(|_| Errno::EPROTO)?).ok_or(Errno::EPROTO)?;
            reg.shm = Some(SharedObj { fd: Arc::clone(fd), offset, limit, writable });
        }
        regs.push(reg);
    }
    drop(objs);
    let mm = AddressSpace::from_parts(Arc::clone(&phys), regs, brk_start, brk, (t0, t1, next, free));
    mm.remap_shared().map_err(io)?;

    let fs = crate::fs::FsContext { root: config.sysroot.clone(), cwd, umask };
    let mut p = Process::new(mm, fs, config, hwcap);
    p.exe = exe;
    p.exec_info = exec_info;
    let n = comm_b.len().min(16);
    p.comm[..n].copy_from_slice(&comm_b[..n]);
    if !rlimits.is_empty() {
        p.rlimits = rlimits;
    }
    p.sig.actions = actions;
    p.sig.mask = mask;
    p.sig.altstack = altstack;
    p.vfork_notify = if vfork { notify } else { None };

    // Guest fds, received in chunks, installed at their numbers.
    p.fds = crate::fdtable::FdTable::default();
    p.fds.limit = p.rlimits.get(crate::abi::misc::RLIMIT_NOFILE as usize).map_or(1024, |l| l.cur.min(1 << 20) as usize);
    let mut got: Vec<OwnedFd> = Vec::new();
    while got.len() < fdmeta.len() {
        let want = (fdmeta.len() - got.len()).min(FDS_PER_MSG);
        got.extend(recv_fds(sock.as_raw_fd(), want).map_err(io)?);
    }
    for ((fd, cloexec, path, signalfd), host) in fdmeta.into_iter().zip(got) {
        if p.fds.install_at(fd, FdEntry { host, cloexec, path }).is_ok() {
            if let Some(mask) = signalfd {
                crate::syscall::sys_signalfd::reopen_in_child(&mut p, fd as i64, mask);
            }
        }
    }
    crate::syscall::sys_signalfd::sync(&p);

    let setup = El1Setup { ttbr0: t0, ttbr1: t1, entry: pc, sp };
    let mut cpu = crate::vcpu::create(p.config.backend, phys, &setup).map_err(|_| Errno::ENOMEM)?;
    for (i, v) in x.iter().enumerate() {
        cpu.set(Reg::X(i as u8), *v);
    }
    cpu.set(Reg::X(0), 0);
    cpu.set(Reg::Pstate, pstate);
    cpu.set(Reg::TpidrEl0, if has_tls { tls } else { tpidr });
    cpu.set(Reg::TpidrroEl0, tpidrro);
    cpu.set(Reg::Fpcr, fpcr);
    cpu.set(Reg::Fpsr, fpsr);
    for (i, v) in vregs.iter().enumerate() {
        cpu.set_v(i as u8, *v);
    }
    if stack != 0 {
        cpu.set(Reg::Sp, stack);
    }
    if settid != 0 {
        let _ = p.mm.write(settid, &(p.pid() as u32).to_le_bytes());
    }
    p.thread().clear_child_tid = cleartid;
    Ok((p, cpu))
}
