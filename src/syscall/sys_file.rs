//! File and descriptor syscalls: open/read/write/seek/stat and friends.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{self as fc, AT_FDCWD};
use crate::abi::misc::{Iovec, IOV_MAX};
use crate::abi::stat;
use crate::abi::termios;
use crate::abi::Pod;
use crate::fdtable::{dup_host, FdEntry};
use crate::fs::cpath;
use crate::process::Process;

/// Cap on a single read/write transfer, as Linux's MAX_RW_COUNT.
const MAX_RW: u64 = 0x7fff_f000;

fn host_ret(r: isize) -> SysResult {
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}

fn host_ret_i(r: i32) -> SysResult {
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}

/// Resolve a `(dirfd, path)` pair to something the host can use: either an
/// absolute host path, or a host dirfd plus a relative path.
pub enum At {
    /// Absolute host path (from an absolute guest path or AT_FDCWD).
    Path(PathBuf),
    /// Relative to a host directory fd.
    Rel(i32, PathBuf),
}

impl At {
    /// (dirfd, C path) for the host `*at` call.
    fn host(&self) -> Result<(i32, std::ffi::CString), Errno> {
        match self {
            At::Path(p) => Ok((libc::AT_FDCWD, cpath(p)?)),
            At::Rel(fd, p) => Ok((*fd, cpath(p)?)),
        }
    }
}

/// Read and resolve the path argument of a `*at` call.
pub fn resolve_at(p: &Process, dirfd: i64, path_ptr: u64) -> Result<At, Errno> {
    let path = p.mm.read_cstr(path_ptr, crate::fs::PATH_MAX - 1)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.starts_with(b"/") || dirfd == i64::from(AT_FDCWD) {
        return Ok(At::Path(p.fs.resolve(&path)?));
    }
    let host = p.fds.host(dirfd)?;
    Ok(At::Rel(host, PathBuf::from(std::ffi::OsStr::from_encoded_bytes_checked(&path))))
}

trait FromBytes {
    fn from_encoded_bytes_checked(b: &[u8]) -> &std::ffi::OsStr;
}
impl FromBytes for std::ffi::OsStr {
    fn from_encoded_bytes_checked(b: &[u8]) -> &std::ffi::OsStr {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(b)
    }
}

/// Translate Linux open flags to the host's, explicitly.
fn open_flags_to_host(f: u32) -> i32 {
    let map: &[(u32, i32)] = &[
        (fc::O_WRONLY, libc::O_WRONLY),
        (fc::O_RDWR, libc::O_RDWR),
        (fc::O_CREAT, libc::O_CREAT),
        (fc::O_EXCL, libc::O_EXCL),
        (fc::O_NOCTTY, libc::O_NOCTTY),
        (fc::O_TRUNC, libc::O_TRUNC),
        (fc::O_APPEND, libc::O_APPEND),
        (fc::O_NONBLOCK, libc::O_NONBLOCK),
        (fc::O_DSYNC, libc::O_DSYNC),
        (fc::O_DIRECTORY, libc::O_DIRECTORY),
        (fc::O_NOFOLLOW, libc::O_NOFOLLOW),
        (fc::O_SYNC, libc::O_SYNC),
    ];
    let mut h = 0;
    for &(l, hf) in map {
        if f & l == l {
            h |= hf;
        }
    }
    #[cfg(target_os = "linux")]
    {
        if f & fc::O_PATH == fc::O_PATH {
            h |= libc::O_PATH;
        }
        if f & fc::O_NOATIME != 0 {
            h |= libc::O_NOATIME;
        }
    }
    h
}

/// Linux flags as F_GETFL reports them, from the host's.
fn status_flags_from_host(h: i32) -> u32 {
    let mut f = match h & libc::O_ACCMODE {
        libc::O_WRONLY => fc::O_WRONLY,
        libc::O_RDWR => fc::O_RDWR,
        _ => fc::O_RDONLY,
    };
    for &(hf, l) in &[
        (libc::O_APPEND, fc::O_APPEND),
        (libc::O_NONBLOCK, fc::O_NONBLOCK),
        (libc::O_DSYNC, fc::O_DSYNC),
        (libc::O_DIRECT, fc::O_DIRECT),
    ] {
        if h & hf != 0 {
            f |= l;
        }
    }
    // The guest is 64-bit: Linux reports O_LARGEFILE.
    f | fc::O_LARGEFILE
}

/// openat(2).
pub fn openat(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, flags, mode) = (a.int(0), a.u(1), a.uint(2), a.uint(3));
    if flags & fc::O_TMPFILE == fc::O_TMPFILE {
        return Err(Errno::EOPNOTSUPP);
    }
    let path = p.mm.read_cstr(path_ptr, crate::fs::PATH_MAX - 1)?;
    let guest_abs =
        if path.starts_with(b"/") || dirfd == i64::from(AT_FDCWD) { Some(p.fs.absolute(&path)) } else { None };
    if let Some(g) = &guest_abs {
        if let Some(r) = crate::procfs::open(p, g) {
            let host = r?;
            let fd = p.fds.install(FdEntry { host, cloexec: flags & fc::O_CLOEXEC != 0, path: Some(g.clone()) }, 0)?;
            return Ok(fd as u64);
        }
    }
    let at = resolve_at(p, dirfd, path_ptr)?;
    let (hdir, hpath) = at.host()?;
    let hflags = open_flags_to_host(flags) | libc::O_CLOEXEC;
    // SAFETY: hpath is a valid C string; openat has no other memory effects.
    let r = unsafe { libc::openat(hdir, hpath.as_ptr(), hflags, mode & 0o7777) };
    if r < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: `r` is a new fd owned by nobody else.
    let host = unsafe { OwnedFd::from_raw_fd(r) };
    let fd = p.fds.install(FdEntry { host, cloexec: flags & fc::O_CLOEXEC != 0, path: guest_abs }, 0)?;
    Ok(fd as u64)
}

/// close(2).
pub fn close(p: &mut Process, a: &Args) -> SysResult {
    p.fds.close(a.int(0)).map(|_| 0)
}

/// read(2).
pub fn read(p: &mut Process, a: &Args) -> SysResult {
    let (fd, buf, count) = (a.int(0), a.u(1), a.u(2).min(MAX_RW));
    let h = p.fds.host(fd)?;
    if count == 0 {
        // Linux: read(fd, NULL, 0) returns 0 without touching the buffer.
        // SAFETY: zero-length read with a dangling but never-dereferenced pointer.
        return host_ret(unsafe { libc::read(h, std::ptr::NonNull::<u8>::dangling().as_ptr().cast(), 0) });
    }
    if !p.mm.check(buf, 1, true) {
        return Err(Errno::EFAULT);
    }
    let mut tmp = vec![0u8; count.min(1 << 20) as usize];
    // SAFETY: reading into our own buffer of the stated length.
    let n = host_ret(unsafe { libc::read(h, tmp.as_mut_ptr().cast(), tmp.len()) })?;
    p.mm.write(buf, &tmp[..n as usize])?;
    Ok(n)
}

/// write(2).
pub fn write(p: &mut Process, a: &Args) -> SysResult {
    let (fd, buf, count) = (a.int(0), a.u(1), a.u(2).min(MAX_RW));
    let h = p.fds.host(fd)?;
    let mut tmp = vec![0u8; count.min(1 << 20) as usize];
    p.mm.read(buf, &mut tmp)?;
    // SAFETY: writing from our own buffer of the stated length.
    host_ret(unsafe { libc::write(h, tmp.as_ptr().cast(), tmp.len()) })
}

/// pread64(2).
pub fn pread64(p: &mut Process, a: &Args) -> SysResult {
    let (fd, buf, count, off) = (a.int(0), a.u(1), a.u(2).min(MAX_RW), a.u(3) as i64);
    let h = p.fds.host(fd)?;
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    let mut tmp = vec![0u8; count.min(1 << 20) as usize];
    // SAFETY: reading into our own buffer.
    let n = host_ret(unsafe { libc::pread(h, tmp.as_mut_ptr().cast(), tmp.len(), off as libc::off_t) })?;
    p.mm.write(buf, &tmp[..n as usize])?;
    Ok(n)
}

/// pwrite64(2).
pub fn pwrite64(p: &mut Process, a: &Args) -> SysResult {
    let (fd, buf, count, off) = (a.int(0), a.u(1), a.u(2).min(MAX_RW), a.u(3) as i64);
    let h = p.fds.host(fd)?;
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    let mut tmp = vec![0u8; count.min(1 << 20) as usize];
    p.mm.read(buf, &mut tmp)?;
    // SAFETY: writing from our own buffer.
    host_ret(unsafe { libc::pwrite(h, tmp.as_ptr().cast(), tmp.len(), off as libc::off_t) })
}

/// Copy an iovec array in once, then validate it (Linux `import_iovec`).
fn read_iovecs(p: &Process, iov: u64, cnt: i64) -> Result<Vec<Iovec>, Errno> {
    if cnt < 0 || cnt as u64 > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; cnt as usize * 16];
    p.mm.read(iov, &mut raw)?;
    let v: Vec<Iovec> = raw.chunks_exact(16).filter_map(Iovec::from_bytes).collect();
    let mut total: u64 = 0;
    for e in &v {
        if e.len > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        total = total.saturating_add(e.len);
    }
    if total > i64::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    Ok(v)
}

/// readv(2).
pub fn readv(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let iovs = read_iovecs(p, a.u(1), a.int(2))?;
    let total: u64 = iovs.iter().map(|e| e.len).sum::<u64>().min(MAX_RW);
    for e in &iovs {
        if e.len > 0 && !p.mm.check(e.base, 1, true) {
            return Err(Errno::EFAULT);
        }
    }
    let mut tmp = vec![0u8; total.min(1 << 22) as usize];
    // SAFETY: reading into our own buffer.
    let n = host_ret(unsafe { libc::read(h, tmp.as_mut_ptr().cast(), tmp.len()) })? as usize;
    let mut off = 0usize;
    for e in &iovs {
        if off >= n {
            break;
        }
        let take = (e.len as usize).min(n - off);
        p.mm.write(e.base, &tmp[off..off + take])?;
        off += take;
    }
    Ok(n as u64)
}

/// writev(2).
pub fn writev(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let iovs = read_iovecs(p, a.u(1), a.int(2))?;
    let mut tmp = Vec::new();
    for e in &iovs {
        let take = (e.len).min(MAX_RW - tmp.len() as u64) as usize;
        let start = tmp.len();
        tmp.resize(start + take, 0);
        p.mm.read(e.base, &mut tmp[start..])?;
    }
    // SAFETY: writing from our own buffer.
    host_ret(unsafe { libc::write(h, tmp.as_ptr().cast(), tmp.len()) })
}

/// lseek(2).
pub fn lseek(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let whence = match a.uint(2) {
        fc::SEEK_SET => libc::SEEK_SET,
        fc::SEEK_CUR => libc::SEEK_CUR,
        fc::SEEK_END => libc::SEEK_END,
        fc::SEEK_DATA => libc::SEEK_DATA,
        fc::SEEK_HOLE => libc::SEEK_HOLE,
        _ => return Err(Errno::EINVAL),
    };
    // SAFETY: lseek has no memory effects.
    let r = unsafe { libc::lseek(h, a.u(1) as i64 as libc::off_t, whence) };
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}

fn host_fstat(h: i32) -> Result<stat::Stat, Errno> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat fills `st` on success, which we check.
    if unsafe { libc::fstat(h, st.as_mut_ptr()) } < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: fstat succeeded, so `st` is initialised.
    Ok(stat::from_host(unsafe { &st.assume_init() }))
}

/// fstat(2).
pub fn fstat(p: &mut Process, a: &Args) -> SysResult {
    let st = host_fstat(p.fds.host(a.int(0))?)?;
    p.mm.write_obj(a.u(1), &st)?;
    Ok(0)
}

/// newfstatat(2).
pub fn newfstatat(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, buf, flags) = (a.int(0), a.u(1), a.u(2), a.uint(3));
    if flags & !(fc::AT_SYMLINK_NOFOLLOW | fc::AT_EMPTY_PATH | fc::AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = p.mm.read_cstr(path_ptr, crate::fs::PATH_MAX - 1)?;
    let st = if path.is_empty() && flags & fc::AT_EMPTY_PATH != 0 {
        if dirfd == i64::from(AT_FDCWD) {
            let c = cpath(&p.fs.host_path(&p.fs.cwd))?;
            host_stat_path(libc::AT_FDCWD, &c, 0)?
        } else {
            host_fstat(p.fds.host(dirfd)?)?
        }
    } else {
        let at = resolve_at(p, dirfd, path_ptr)?;
        let (hdir, hpath) = at.host()?;
        let hflags = if flags & fc::AT_SYMLINK_NOFOLLOW != 0 { libc::AT_SYMLINK_NOFOLLOW } else { 0 };
        host_stat_path(hdir, &hpath, hflags)?
    };
    p.mm.write_obj(buf, &st)?;
    Ok(0)
}

fn host_stat_path(dir: i32, path: &std::ffi::CStr, flags: i32) -> Result<stat::Stat, Errno> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: valid C string; fstatat fills `st` on success.
    if unsafe { libc::fstatat(dir, path.as_ptr(), st.as_mut_ptr(), flags) } < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: fstatat succeeded.
    Ok(stat::from_host(unsafe { &st.assume_init() }))
}

/// readlinkat(2).
pub fn readlinkat(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, buf, size) = (a.int(0), a.u(1), a.u(2), a.int(3));
    if size <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = p.mm.read_cstr(path_ptr, crate::fs::PATH_MAX - 1)?;
    let target: Vec<u8> = if let Some(r) = (path.starts_with(b"/") || dirfd == i64::from(AT_FDCWD))
        .then(|| crate::procfs::readlink(p, &p.fs.absolute(&path)))
        .flatten()
    {
        r?
    } else {
        let at = resolve_at(p, dirfd, path_ptr)?;
        let (hdir, hpath) = at.host()?;
        let mut out = vec![0u8; crate::fs::PATH_MAX];
        // SAFETY: valid C string, output buffer of the stated size.
        let n = unsafe { libc::readlinkat(hdir, hpath.as_ptr(), out.as_mut_ptr().cast(), out.len()) };
        if n < 0 {
            return Err(Errno::last_host());
        }
        out.truncate(n as usize);
        out
    };
    let n = target.len().min(size as usize);
    p.mm.write(buf, &target[..n])?;
    Ok(n as u64)
}

/// ioctl(2): terminal requests and generic fd ones.
pub fn ioctl(p: &mut Process, a: &Args) -> SysResult {
    let (fd, req, arg) = (a.int(0), a.u(1) & 0xffff_ffff, a.u(2));
    let h = p.fds.host(fd)?;
    match req {
        termios::TCGETS => {
            let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
            // SAFETY: tcgetattr fills `t` on success.
            if unsafe { libc::tcgetattr(h, t.as_mut_ptr()) } < 0 {
                return Err(Errno::last_host());
            }
            // SAFETY: tcgetattr succeeded.
            let lt = termios::from_host(unsafe { &t.assume_init() });
            p.mm.write_obj(arg, &lt)?;
            Ok(0)
        }
        termios::TCSETS | termios::TCSETSW | termios::TCSETSF => {
            let lt: termios::Termios = p.mm.read_obj(arg)?;
            let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
            // SAFETY: tcgetattr fills `t` on success.
            if unsafe { libc::tcgetattr(h, t.as_mut_ptr()) } < 0 {
                return Err(Errno::last_host());
            }
            // SAFETY: tcgetattr succeeded.
            let mut t = unsafe { t.assume_init() };
            termios::to_host_termios(&lt, &mut t);
            let act = match req {
                termios::TCSETS => libc::TCSANOW,
                termios::TCSETSW => libc::TCSADRAIN,
                _ => libc::TCSAFLUSH,
            };
            // SAFETY: `t` is a valid termios.
            host_ret_i(unsafe { libc::tcsetattr(h, act, &t) }).map(|_| 0)
        }
        termios::TIOCGWINSZ => {
            let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
            // SAFETY: TIOCGWINSZ writes a winsize into `ws`.
            if unsafe { libc::ioctl(h, libc::TIOCGWINSZ, &mut ws) } < 0 {
                return Err(Errno::last_host());
            }
            let l = termios::Winsize {
                ws_row: ws.ws_row,
                ws_col: ws.ws_col,
                ws_xpixel: ws.ws_xpixel,
                ws_ypixel: ws.ws_ypixel,
            };
            p.mm.write_obj(arg, &l)?;
            Ok(0)
        }
        termios::TIOCSWINSZ => {
            let l: termios::Winsize = p.mm.read_obj(arg)?;
            let ws =
                libc::winsize { ws_row: l.ws_row, ws_col: l.ws_col, ws_xpixel: l.ws_xpixel, ws_ypixel: l.ws_ypixel };
            // SAFETY: TIOCSWINSZ reads a winsize from `ws`.
            host_ret_i(unsafe { libc::ioctl(h, libc::TIOCSWINSZ, &ws) }).map(|_| 0)
        }
        termios::FIONREAD => {
            let mut n: libc::c_int = 0;
            // SAFETY: FIONREAD writes an int.
            if unsafe { libc::ioctl(h, libc::FIONREAD, &mut n) } < 0 {
                return Err(Errno::last_host());
            }
            p.mm.write(arg, &n.to_le_bytes())?;
            Ok(0)
        }
        termios::FIONBIO => {
            let mut b = [0u8; 4];
            p.mm.read(arg, &mut b)?;
            let on = i32::from_le_bytes(b) != 0;
            // SAFETY: fcntl on an fd we own.
            let fl = unsafe { libc::fcntl(h, libc::F_GETFL) };
            let nf = if on { fl | libc::O_NONBLOCK } else { fl & !libc::O_NONBLOCK };
            // SAFETY: as above.
            host_ret_i(unsafe { libc::fcntl(h, libc::F_SETFL, nf) }).map(|_| 0)
        }
        termios::FIOCLEX | termios::FIONCLEX => {
            p.fds.get_mut(fd)?.cloexec = req == termios::FIOCLEX;
            Ok(0)
        }
        termios::TIOCGPGRP => {
            // SAFETY: tcgetpgrp has no memory effects.
            let g = unsafe { libc::tcgetpgrp(h) };
            if g < 0 {
                return Err(Errno::last_host());
            }
            p.mm.write(arg, &g.to_le_bytes())?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

/// getcwd(2): the guest's cwd, never the host prefix.
pub fn getcwd(p: &mut Process, a: &Args) -> SysResult {
    let (buf, size) = (a.u(0), a.u(1));
    let mut s = p.fs.cwd.clone().into_bytes();
    s.push(0);
    if (size as usize) < s.len() {
        return Err(Errno::ERANGE);
    }
    p.mm.write(buf, &s)?;
    Ok(s.len() as u64)
}

/// dup(2).
pub fn dup(p: &mut Process, a: &Args) -> SysResult {
    let (h, path) = {
        let e = p.fds.get(a.int(0))?;
        (e.host.as_raw_fd(), e.path.clone())
    };
    let nh = dup_host(h, 3)?;
    p.fds.install(FdEntry { host: nh, cloexec: false, path }, 0).map(|fd| fd as u64)
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
    Ok(new as u64)
}

/// fcntl(2) (descriptor and status flags, duplication).
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
            p.fds.install(FdEntry { host: nh, cloexec: cmd == fc::F_DUPFD_CLOEXEC, path }, min).map(|f| f as u64)
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
            let h = p.fds.host(fd)?;
            let f = arg as u32;
            let mut hf = 0;
            if f & fc::O_APPEND != 0 {
                hf |= libc::O_APPEND;
            }
            if f & fc::O_NONBLOCK != 0 {
                hf |= libc::O_NONBLOCK;
            }
            // SAFETY: F_SETFL has no memory effects.
            host_ret_i(unsafe { libc::fcntl(h, libc::F_SETFL, hf) }).map(|_| 0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// faccessat(2).
pub fn faccessat(p: &mut Process, a: &Args) -> SysResult {
    access(p, a.int(0), a.u(1), a.uint(2), 0)
}

/// faccessat2(2).
pub fn faccessat2(p: &mut Process, a: &Args) -> SysResult {
    access(p, a.int(0), a.u(1), a.uint(2), a.uint(3))
}

fn access(p: &mut Process, dirfd: i64, path: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !7 != 0 || flags & !(fc::AT_EACCESS | fc::AT_SYMLINK_NOFOLLOW | fc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let at = resolve_at(p, dirfd, path)?;
    let (hdir, hpath) = at.host()?;
    let mut hmode = 0;
    if mode & 4 != 0 {
        hmode |= libc::R_OK;
    }
    if mode & 2 != 0 {
        hmode |= libc::W_OK;
    }
    if mode & 1 != 0 {
        hmode |= libc::X_OK;
    }
    let mut hflags = 0;
    if flags & fc::AT_SYMLINK_NOFOLLOW != 0 {
        hflags |= libc::AT_SYMLINK_NOFOLLOW;
    }
    if flags & fc::AT_EACCESS != 0 {
        hflags |= libc::AT_EACCESS;
    }
    // SAFETY: valid C string.
    host_ret_i(unsafe { libc::faccessat(hdir, hpath.as_ptr(), hmode, hflags) }).map(|_| 0)
}

/// chdir(2): the guest cwd changes; the host cwd follows it.
pub fn chdir(p: &mut Process, a: &Args) -> SysResult {
    let path = p.mm.read_cstr(a.u(0), crate::fs::PATH_MAX - 1)?;
    let guest = p.fs.absolute(&path);
    let host = p.fs.resolve(&path)?;
    let meta = std::fs::metadata(&host).map_err(|e| Errno::from_io(&e))?;
    if !meta.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    p.fs.cwd = guest;
    Ok(0)
}

/// fchdir(2).
pub fn fchdir(p: &mut Process, a: &Args) -> SysResult {
    let e = p.fds.get(a.int(0))?;
    let st = host_fstat(e.host.as_raw_fd())?;
    if st.st_mode & stat::S_IFMT != stat::S_IFDIR {
        return Err(Errno::ENOTDIR);
    }
    match &e.path {
        Some(g) => {
            p.fs.cwd = g.clone();
            Ok(0)
        }
        None => Err(Errno::ENOENT),
    }
}

/// mkdirat(2).
pub fn mkdirat(p: &mut Process, a: &Args) -> SysResult {
    let at = resolve_at(p, a.int(0), a.u(1))?;
    let (hdir, hpath) = at.host()?;
    // SAFETY: valid C string.
    host_ret_i(unsafe { libc::mkdirat(hdir, hpath.as_ptr(), (a.uint(2) & 0o7777) as libc::mode_t) }).map(|_| 0)
}

/// unlinkat(2).
pub fn unlinkat(p: &mut Process, a: &Args) -> SysResult {
    let flags = a.uint(2);
    if flags & !fc::AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let at = resolve_at(p, a.int(0), a.u(1))?;
    let (hdir, hpath) = at.host()?;
    let hf = if flags & fc::AT_REMOVEDIR != 0 { libc::AT_REMOVEDIR } else { 0 };
    // SAFETY: valid C string.
    host_ret_i(unsafe { libc::unlinkat(hdir, hpath.as_ptr(), hf) }).map(|_| 0)
}

/// ftruncate(2).
pub fn ftruncate(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let len = a.u(1) as i64;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    // SAFETY: no memory effects.
    host_ret_i(unsafe { libc::ftruncate(h, len as libc::off_t) }).map(|_| 0)
}

/// fsync(2) / fdatasync(2).
pub fn fsync(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    // SAFETY: no memory effects.
    host_ret_i(unsafe { libc::fsync(h) }).map(|_| 0)
}

/// umask(2).
pub fn umask(p: &mut Process, a: &Args) -> SysResult {
    let old = p.fs.umask;
    p.fs.umask = a.uint(0) & 0o777;
    // SAFETY: no memory effects; the host umask follows so created files match.
    unsafe { libc::umask(p.fs.umask as libc::mode_t) };
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
    let h = p.fds.host(fd)?;
    let mut tmp = vec![0u8; (count as usize).min(1 << 20)];
    #[cfg(target_os = "linux")]
    {
        // The host record format is linux_dirent64 on Linux hosts: same layout.
        // SAFETY: the kernel writes at most tmp.len() bytes into tmp.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, h, tmp.as_mut_ptr(), tmp.len()) };
        if n < 0 {
            return Err(Errno::last_host());
        }
        p.mm.write(buf, &tmp[..n as usize])?;
        Ok(n as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (h, buf, &mut tmp);
        Err(Errno::ENOSYS)
    }
}
