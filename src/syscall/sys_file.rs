//! The descriptor table: close, dup, fcntl, locks, pipes, directories
//! read by fd, memfd and eventfd.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::sys_fs::host_ret_i;
use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl as fc;
use crate::fdtable::{dup_host, FdEntry};
use crate::process::Process;

/// Linux flags as F_GETFL reports them, from the host's.
pub(crate) fn status_flags_from_host(h: i32) -> u32 {
    let mut f = match h & libc::O_ACCMODE {
        libc::O_WRONLY => fc::O_WRONLY,
        libc::O_RDWR => fc::O_RDWR,
        _ => fc::O_RDONLY,
    };
    for &(hf, l) in &[
        (libc::O_APPEND, fc::O_APPEND),
        (libc::O_NONBLOCK, fc::O_NONBLOCK),
        (libc::O_DSYNC, fc::O_DSYNC),
        (crate::host::O_DIRECT, fc::O_DIRECT),
    ] {
        if h & hf != 0 {
            f |= l;
        }
    }
    // The guest is 64-bit: Linux reports O_LARGEFILE.
    f | fc::O_LARGEFILE
}

/// close(2).
pub fn close(p: &mut Process, a: &Args) -> SysResult {
    p.fds.close(a.int(0)).map(|_| 0)
}

/// dup(2).
pub fn dup(p: &mut Process, a: &Args) -> SysResult {
    let (h, path) = {
        let e = p.fds.get(a.int(0))?;
        (e.host.as_raw_fd(), e.path.clone())
    };
    let nh = dup_host(h, 3)?;
    let fd = p.fds.install(FdEntry { host: nh, cloexec: false, path }, 0)?;
    p.fds.dup_extras(a.int(0), fd);
    Ok(fd as u64)
}

/// dup3(2).
pub fn dup3(p: &mut Process, a: &Args) -> SysResult {
    let (old, new, flags) = (a.int(0), a.int(1), a.uint(2));
    if flags & !fc::O_CLOEXEC != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    let (h, path) = {
        let e = p.fds.get(old)?;
        (e.host.as_raw_fd(), e.path.clone())
    };
    let new = usize::try_from(new).map_err(|_| Errno::EBADF)?;
    let nh = dup_host(h, 3)?;
    p.fds.install_at(new, FdEntry { host: nh, cloexec: flags & fc::O_CLOEXEC != 0, path })?;
    p.fds.dup_extras(old, new as i64);
    Ok(new as u64)
}

/// umask(2).
pub fn umask(p: &mut Process, a: &Args) -> SysResult {
    let old = p.fs.umask;
    p.fs.umask = a.uint(0) & 0o777;
    // elfuse applies the guest umask to every creation itself (the host's
    // is 0), so nothing changes on the host.
    Ok(u64::from(old))
}

/// pipe2(2).
pub fn pipe2(p: &mut Process, a: &Args) -> SysResult {
    let (fds_ptr, flags) = (a.u(0), a.uint(1));
    if flags & !(fc::O_CLOEXEC | fc::O_NONBLOCK | fc::O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    if !p.mm.check(fds_ptr, 8, true) {
        return Err(Errno::EFAULT);
    }
    let mut hf = [0i32; 2];
    // SAFETY: pipe writes two fds into `hf`.
    if unsafe { libc::pipe(hf.as_mut_ptr()) } < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: fresh fds owned by nobody else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(hf[0]), OwnedFd::from_raw_fd(hf[1])) };
    for fd in [&r, &w] {
        // SAFETY: fcntl on fds we own.
        unsafe {
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
            if flags & fc::O_NONBLOCK != 0 {
                libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK);
            }
        }
    }
    let cloexec = flags & fc::O_CLOEXEC != 0;
    let rf = p.fds.install(FdEntry { host: r, cloexec, path: None }, 0)?;
    let wf = match p.fds.install(FdEntry { host: w, cloexec, path: None }, 0) {
        Ok(f) => f,
        Err(e) => {
            let _ = p.fds.close(rf);
            return Err(e);
        }
    };
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&(rf as i32).to_le_bytes());
    out[4..].copy_from_slice(&(wf as i32).to_le_bytes());
    p.mm.write(fds_ptr, &out)?;
    Ok(0)
}

/// getdents64(2).
pub fn getdents64(p: &mut Process, a: &Args) -> SysResult {
    let (fd, buf, count) = (a.int(0), a.u(1), a.uint(2));
    if let Some(r) = crate::procfs::getdents(p, fd, count as usize) {
        let recs = r?;
        p.mm.write(buf, &recs)?;
        return Ok(recs.len() as u64);
    }
    let h = p.fds.host(fd)?;
    let mut tmp = vec![0u8; (count as usize).min(1 << 20)];
    let n = crate::host::getdents64(h, &mut tmp)?;
    p.mm.write(buf, &tmp[..n])?;
    Ok(n as u64)
}

/// close_range(2): close (or mark close-on-exec) every fd in
/// `first..=last`; fds that are not open are skipped.
pub fn close_range(p: &mut Process, a: &Args) -> SysResult {
    let (first, last, flags) = (a.uint(0), a.uint(1), a.uint(2));
    if flags & !(fc::CLOSE_RANGE_UNSHARE | fc::CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    let open: Vec<usize> =
        p.fds.iter().map(|(i, _)| i).filter(|&i| i >= first as usize && i <= last as usize).collect();
    for fd in open {
        if flags & fc::CLOSE_RANGE_CLOEXEC != 0 {
            p.fds.get_mut(fd as i64)?.cloexec = true;
        } else {
            let _ = p.fds.close(fd as i64);
        }
    }
    Ok(0)
}

/// A Linux `struct flock` as the host's (types and whence translated).
fn flock_to_host(l: &fc::Flock) -> Result<libc::flock, Errno> {
    // SAFETY: libc::flock is plain data; all-zero is a valid value.
    let mut h: libc::flock = unsafe { std::mem::zeroed() };
    h.l_type = match l.l_type {
        fc::F_RDLCK => libc::F_RDLCK,
        fc::F_WRLCK => libc::F_WRLCK,
        fc::F_UNLCK => libc::F_UNLCK,
        _ => return Err(Errno::EINVAL),
    } as _;
    h.l_whence = match l.l_whence as u32 {
        fc::SEEK_SET => libc::SEEK_SET,
        fc::SEEK_CUR => libc::SEEK_CUR,
        fc::SEEK_END => libc::SEEK_END,
        _ => return Err(Errno::EINVAL),
    } as _;
    h.l_start = l.l_start as _;
    h.l_len = l.l_len as _;
    h.l_pid = l.l_pid as _;
    Ok(h)
}

#[allow(clippy::unnecessary_cast)]
fn flock_from_host(h: &libc::flock) -> fc::Flock {
    let t = h.l_type as i32;
    fc::Flock {
        l_type: if t == libc::F_RDLCK as i32 {
            fc::F_RDLCK
        } else if t == libc::F_WRLCK as i32 {
            fc::F_WRLCK
        } else {
            fc::F_UNLCK
        },
        l_whence: match h.l_whence as i32 {
            libc::SEEK_CUR => fc::SEEK_CUR as i16,
            libc::SEEK_END => fc::SEEK_END as i16,
            _ => fc::SEEK_SET as i16,
        },
        l_start: h.l_start as i64,
        l_len: h.l_len as i64,
        l_pid: h.l_pid as i32,
        ..fc::Flock::default()
    }
}

/// F_GETLK/F_SETLK/F_SETLKW and the OFD variants.
fn fcntl_lock(p: &mut Process, h: i32, cmd: u32, arg: u64) -> SysResult {
    let l: fc::Flock = p.mm.read_obj(arg)?;
    let ofd = matches!(cmd, fc::F_OFD_GETLK | fc::F_OFD_SETLK | fc::F_OFD_SETLKW);
    if ofd && l.l_pid != 0 {
        // Linux: OFD locks need l_pid == 0.
        return Err(Errno::EINVAL);
    }
    let mut hl = flock_to_host(&l)?;
    let hcmd = match cmd {
        fc::F_GETLK => libc::F_GETLK,
        fc::F_SETLK => libc::F_SETLK,
        fc::F_SETLKW => libc::F_SETLKW,
        #[cfg(target_os = "linux")]
        fc::F_OFD_GETLK => libc::F_OFD_GETLK,
        #[cfg(target_os = "linux")]
        fc::F_OFD_SETLK => libc::F_OFD_SETLK,
        #[cfg(target_os = "linux")]
        fc::F_OFD_SETLKW => libc::F_OFD_SETLKW,
        _ => return Err(Errno::EINVAL),
    };
    // SAFETY: the lock commands read/write one struct flock.
    host_ret_i(unsafe { libc::fcntl(h, hcmd, &mut hl) })?;
    if matches!(cmd, fc::F_GETLK | fc::F_OFD_GETLK) {
        let mut out = flock_from_host(&hl);
        if ofd && out.l_type != fc::F_UNLCK {
            out.l_pid = -1; // Linux reports -1 for an OFD lock's owner.
        }
        p.mm.write_obj(arg, &out)?;
    }
    Ok(0)
}

/// fcntl(2).
pub fn fcntl(p: &mut Process, a: &Args) -> SysResult {
    let (fd, cmd, arg) = (a.int(0), a.uint(1), a.u(2));
    match cmd {
        fc::F_DUPFD | fc::F_DUPFD_CLOEXEC => {
            let min = usize::try_from(arg as i32).map_err(|_| Errno::EINVAL)?;
            if min >= p.fds.limit {
                return Err(Errno::EINVAL);
            }
            let (h, path) = {
                let e = p.fds.get(fd)?;
                (e.host.as_raw_fd(), e.path.clone())
            };
            let nh = dup_host(h, 3)?;
            let nfd = p.fds.install(FdEntry { host: nh, cloexec: cmd == fc::F_DUPFD_CLOEXEC, path }, min)?;
            p.fds.dup_extras(fd, nfd);
            Ok(nfd as u64)
        }
        fc::F_GETFD => Ok(if p.fds.get(fd)?.cloexec { fc::FD_CLOEXEC } else { 0 }),
        fc::F_SETFD => {
            p.fds.get_mut(fd)?.cloexec = arg & fc::FD_CLOEXEC != 0;
            Ok(0)
        }
        fc::F_GETFL => {
            let h = p.fds.host(fd)?;
            // SAFETY: F_GETFL has no memory effects.
            let r = unsafe { libc::fcntl(h, libc::F_GETFL) };
            if r < 0 {
                Err(Errno::last_host())
            } else {
                Ok(u64::from(status_flags_from_host(r)))
            }
        }
        fc::F_SETFL => {
            // Linux changes only O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME and
            // O_NONBLOCK; the access mode and creation flags stay.
            let h = p.fds.host(fd)?;
            // SAFETY: F_GETFL has no memory effects.
            let cur = unsafe { libc::fcntl(h, libc::F_GETFL) };
            if cur < 0 {
                return Err(Errno::last_host());
            }
            let f = arg as u32;
            let settable = [
                (fc::O_APPEND, libc::O_APPEND),
                (fc::O_NONBLOCK, libc::O_NONBLOCK),
                (fc::O_ASYNC, libc::O_ASYNC),
                #[cfg(target_os = "linux")]
                (fc::O_DIRECT, libc::O_DIRECT),
                #[cfg(target_os = "linux")]
                (fc::O_NOATIME, libc::O_NOATIME),
            ];
            let mut hf = cur;
            for (l, hb) in settable {
                if f & l != 0 {
                    hf |= hb;
                } else {
                    hf &= !hb;
                }
            }
            // SAFETY: F_SETFL has no memory effects.
            host_ret_i(unsafe { libc::fcntl(h, libc::F_SETFL, hf) }).map(|_| 0)
        }
        fc::F_GETLK | fc::F_SETLK | fc::F_SETLKW | fc::F_OFD_GETLK | fc::F_OFD_SETLK | fc::F_OFD_SETLKW => {
            let h = p.fds.host(fd)?;
            fcntl_lock(p, h, cmd, arg)
        }
        fc::F_GETPIPE_SZ | fc::F_SETPIPE_SZ => {
            let h = p.fds.host(fd)?;
            #[cfg(target_os = "linux")]
            {
                let hc = if cmd == fc::F_GETPIPE_SZ { libc::F_GETPIPE_SZ } else { libc::F_SETPIPE_SZ };
                // SAFETY: integer argument, no memory effects.
                host_ret_i(unsafe { libc::fcntl(h, hc, arg as libc::c_int) })
            }
            #[cfg(not(target_os = "linux"))]
            {
                let _ = h;
                Ok(65536)
            }
        }
        fc::F_GETOWN => {
            p.fds.get(fd)?;
            Ok(0)
        }
        fc::F_SETOWN | fc::F_SETSIG => {
            p.fds.get(fd)?;
            Ok(0)
        }
        fc::F_GETSIG => {
            p.fds.get(fd)?;
            Ok(0)
        }
        #[cfg(target_os = "linux")]
        fc::F_ADD_SEALS | fc::F_GET_SEALS => {
            // memfd seals: F_SEAL_* bits are the same numbers on every
            // Linux host; elfuse's memfds are the host's.
            let h = p.fds.host(fd)?;
            let hc = if cmd == fc::F_ADD_SEALS { libc::F_ADD_SEALS } else { libc::F_GET_SEALS };
            // SAFETY: integer argument.
            host_ret_i(unsafe { libc::fcntl(h, hc, arg as libc::c_int) })
        }
        _ => Err(Errno::EINVAL),
    }
}

/// flock(2).
pub fn flock(p: &mut Process, a: &Args) -> SysResult {
    let (fd, op) = (a.int(0), a.uint(1));
    let h = p.fds.host(fd)?;
    let base = match op & !fc::LOCK_NB {
        fc::LOCK_SH => libc::LOCK_SH,
        fc::LOCK_EX => libc::LOCK_EX,
        fc::LOCK_UN => libc::LOCK_UN,
        _ => return Err(Errno::EINVAL),
    };
    let hop = if op & fc::LOCK_NB != 0 { base | libc::LOCK_NB } else { base };
    // SAFETY: no memory effects.
    host_ret_i(unsafe { libc::flock(h, hop) }).map(|_| 0)
}

/// memfd_create(2): an anonymous file (the host's memfd on Linux).
pub fn memfd_create(p: &mut Process, a: &Args) -> SysResult {
    let (name_ptr, flags) = (a.u(0), a.uint(1));
    // Linux: the name is at most 249 bytes (NAME_MAX - "memfd:").
    let name = match p.mm.read_cstr(name_ptr, 249) {
        Err(Errno::ENAMETOOLONG) => return Err(Errno::EINVAL),
        r => r?,
    };
    let known = fc::MFD_CLOEXEC | fc::MFD_ALLOW_SEALING | fc::MFD_NOEXEC_SEAL | fc::MFD_EXEC;
    if flags & !known != 0 || flags & (fc::MFD_EXEC | fc::MFD_NOEXEC_SEAL) == (fc::MFD_EXEC | fc::MFD_NOEXEC_SEAL) {
        return Err(Errno::EINVAL);
    }
    #[cfg(target_os = "linux")]
    let host = {
        let mut hf = libc::MFD_CLOEXEC;
        if flags & fc::MFD_ALLOW_SEALING != 0 {
            hf |= libc::MFD_ALLOW_SEALING;
        }
        let c = std::ffi::CString::new(name).map_err(|_| Errno::EINVAL)?;
        // SAFETY: valid C string.
        let r = unsafe { libc::memfd_create(c.as_ptr(), hf) };
        if r < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: fresh fd.
        unsafe { OwnedFd::from_raw_fd(r) }
    };
    // Elsewhere an unlinked, close-on-exec temporary file (no seals).
    #[cfg(not(target_os = "linux"))]
    let host = {
        let _ = name;
        crate::host::snapshot_file().map_err(|e| Errno::from_io(&e))?
    };
    let fd = p.fds.install(FdEntry { host, cloexec: flags & fc::MFD_CLOEXEC != 0, path: None }, 0)?;
    Ok(fd as u64)
}

/// eventfd2(2): the host's eventfd on Linux hosts, emulated elsewhere
/// ([`crate::host::EventFd`]).
pub fn eventfd2(p: &mut Process, a: &Args) -> SysResult {
    let (initval, flags) = (a.uint(0), a.uint(1));
    if flags & !(fc::EFD_SEMAPHORE | fc::EFD_CLOEXEC | fc::EFD_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    #[cfg(target_os = "linux")]
    if !crate::host::portable() {
        let mut hf = libc::EFD_CLOEXEC;
        if flags & fc::EFD_NONBLOCK != 0 {
            hf |= libc::EFD_NONBLOCK;
        }
        if flags & fc::EFD_SEMAPHORE != 0 {
            hf |= libc::EFD_SEMAPHORE;
        }
        // SAFETY: no memory effects.
        let r = unsafe { libc::eventfd(initval, hf) };
        if r < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: fresh fd.
        let host = unsafe { OwnedFd::from_raw_fd(r) };
        let fd = p.fds.install(FdEntry { host, cloexec: flags & fc::EFD_CLOEXEC != 0, path: None }, 0)?;
        return Ok(fd as u64);
    }
    // Elsewhere an emulation: the counter in elfuse, readiness on a socket.
    let (host, ev) =
        crate::host::EventFd::create(initval, flags & fc::EFD_SEMAPHORE != 0, flags & fc::EFD_NONBLOCK != 0)?;
    let fd = p.fds.install(FdEntry { host, cloexec: flags & fc::EFD_CLOEXEC != 0, path: None }, 0)?;
    p.fds.set_eventfd(fd, ev);
    Ok(fd as u64)
}
