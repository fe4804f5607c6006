//! File attributes by path and by fd: modes, owners (with `--fakeroot`
//! records), times, size, file-system statistics and extended attributes.
//! Paths go through the resolver ([`super::sys_fs::lookup`]).

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::sys_fs::{host_at, host_ret_i, lookup, lookup_arg, read_path, stat_fd, stat_resolved};
use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{self as fc, AT_FDCWD};
use crate::abi::stat;
use crate::fdtable::dup_host;
use crate::fs::{Resolved, WalkOpts};
use crate::process::Process;

// ---------------------------------------------------------------- modes, owners, times

fn record_fake(p: &Process, st: &stat::Stat, f: impl FnOnce(&mut crate::fs::FakeOwner)) {
    let mut owners = p.vfs.owners.lock().unwrap_or_else(|e| e.into_inner());
    f(owners.entry((st.st_dev, st.st_ino)).or_default());
}

/// chmod on a resolved object; under `--fakeroot` a refusal is recorded.
fn chmod_resolved(p: &Process, r: &Resolved, mode: u32) -> SysResult {
    let mode = mode & 0o7777;
    let (d, n, nf) = host_at(r)?;
    // SAFETY: valid C string. glibc implements AT_SYMLINK_NOFOLLOW without
    // following (fchmodat2 or O_PATH); a symlink gives EOPNOTSUPP.
    let res = host_ret_i(unsafe { libc::fchmodat(d, n.as_ptr(), mode as libc::mode_t, nf) }).map(|_| 0);
    fake_chmod(p, res, || stat_resolved(p, r), mode)
}

fn fake_chmod(p: &Process, res: SysResult, st: impl FnOnce() -> Result<stat::Stat, Errno>, mode: u32) -> SysResult {
    match res {
        Err(Errno::EPERM) if p.cred.fakeroot => {
            let st = st()?;
            record_fake(p, &st, |o| o.mode = Some(mode));
            Ok(0)
        }
        Ok(_) if p.cred.fakeroot => {
            if let Ok(st) = st() {
                record_fake(p, &st, |o| o.mode = None);
            }
            Ok(0)
        }
        r => r,
    }
}

/// fchmod(2).
pub fn fchmod(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let mode = a.uint(1) & 0o7777;
    // SAFETY: no memory effects.
    let res = host_ret_i(unsafe { libc::fchmod(h, mode as libc::mode_t) }).map(|_| 0);
    fake_chmod(p, res, || stat_fd(p, h), mode)
}

/// fchmodat(2) (no flags argument: always follows).
pub fn fchmodat(p: &mut Process, a: &Args) -> SysResult {
    let r = lookup_arg(p, a.int(0), a.u(1), true)?;
    chmod_resolved(p, &r, a.uint(2))
}

/// fchmodat2(2): AT_SYMLINK_NOFOLLOW (EOPNOTSUPP on a symlink, as Linux)
/// and AT_EMPTY_PATH.
pub fn fchmodat2(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, mode, flags) = (a.int(0), a.u(1), a.uint(2), a.uint(3));
    if flags & !(fc::AT_SYMLINK_NOFOLLOW | fc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(p, path_ptr)?;
    if path.is_empty() && flags & fc::AT_EMPTY_PATH != 0 {
        return fchmod(p, &Args([dirfd as u64, u64::from(mode), 0, 0, 0, 0]));
    }
    let r = lookup(p, dirfd, &path, WalkOpts { follow: flags & fc::AT_SYMLINK_NOFOLLOW == 0, ..WalkOpts::default() })?;
    if flags & fc::AT_SYMLINK_NOFOLLOW != 0 && r.stat()?.st_mode & libc::S_IFMT == libc::S_IFLNK {
        return Err(Errno::EOPNOTSUPP);
    }
    chmod_resolved(p, &r, mode)
}

fn chown_common(
    p: &Process,
    uid: u32,
    gid: u32,
    st: stat::Stat,
    host: impl FnOnce(u32, u32) -> SysResult,
) -> SysResult {
    const KEEP: u32 = u32::MAX;
    if !p.cred.privileged() {
        // Linux chown_ok/chgrp_ok: an unprivileged caller may only "change"
        // the owner to itself, and the group (of its own file) to one of
        // its groups.
        let euid = p.cred.uid[1];
        if uid != KEEP && uid != st.st_uid {
            return Err(Errno::EPERM);
        }
        let in_groups = gid == p.cred.gid[1] || p.cred.groups.contains(&gid);
        if gid != KEEP && gid != st.st_gid && !(st.st_uid == euid && in_groups) {
            return Err(Errno::EPERM);
        }
    }
    if p.cred.fakeroot {
        // Recorded, shown back by stat; the host file keeps its owner.
        record_fake(p, &st, |o| {
            if uid != u32::MAX {
                o.uid = Some(uid);
            }
            if gid != u32::MAX {
                o.gid = Some(gid);
            }
        });
        return Ok(0);
    }
    // The guest's own ids (--user) are the host user's on the host.
    // SAFETY: no memory effects.
    let (hu, hg) = unsafe { (libc::geteuid(), libc::getegid()) };
    let uid = if uid != KEEP && uid == p.cred.uid[1] { hu } else { uid };
    let gid = if gid != KEEP && gid == p.cred.gid[1] { hg } else { gid };
    host(uid, gid)
}

/// fchown(2).
pub fn fchown(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let st = stat_fd(p, h)?;
    chown_common(p, a.uint(1), a.uint(2), st, |u, g| {
        // SAFETY: no memory effects.
        host_ret_i(unsafe { libc::fchown(h, u as libc::uid_t, g as libc::gid_t) }).map(|_| 0)
    })
}

/// fchownat(2).
pub fn fchownat(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, uid, gid, flags) = (a.int(0), a.u(1), a.uint(2), a.uint(3), a.uint(4));
    if flags & !(fc::AT_SYMLINK_NOFOLLOW | fc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(p, path_ptr)?;
    if path.is_empty() && flags & fc::AT_EMPTY_PATH != 0 {
        return fchown(p, &Args([dirfd as u64, u64::from(uid), u64::from(gid), 0, 0, 0]));
    }
    let r = lookup(p, dirfd, &path, WalkOpts { follow: flags & fc::AT_SYMLINK_NOFOLLOW == 0, ..WalkOpts::default() })?;
    let st = stat_resolved(p, &r)?;
    chown_common(p, uid, gid, st, |u, g| {
        let (d, n, nf) = host_at(&r)?;
        // SAFETY: valid C string.
        host_ret_i(unsafe { libc::fchownat(d, n.as_ptr(), u as libc::uid_t, g as libc::gid_t, nf) }).map(|_| 0)
    })
}

/// A Linux timespec for utimensat as the host's (UTIME_NOW/UTIME_OMIT
/// translated explicitly).
fn utime_to_host(t: crate::abi::time::Timespec) -> Result<libc::timespec, Errno> {
    let nsec = match t.tv_nsec {
        fc::UTIME_NOW => libc::UTIME_NOW,
        fc::UTIME_OMIT => libc::UTIME_OMIT,
        n if (0..1_000_000_000).contains(&n) => n as _,
        _ => return Err(Errno::EINVAL),
    };
    Ok(libc::timespec { tv_sec: t.tv_sec as _, tv_nsec: nsec })
}

/// utimensat(2): a NULL path means the dirfd itself (as futimens).
pub fn utimensat(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, times_ptr, flags) = (a.int(0), a.u(1), a.u(2), a.uint(3));
    if flags & !(fc::AT_SYMLINK_NOFOLLOW | fc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let times = if times_ptr == 0 {
        let now = libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_NOW };
        [now, now]
    } else {
        let t0: crate::abi::time::Timespec = p.mm.read_obj(times_ptr)?;
        let t1: crate::abi::time::Timespec = p.mm.read_obj(times_ptr + 16)?;
        [utime_to_host(t0)?, utime_to_host(t1)?]
    };
    let path = if path_ptr == 0 { Vec::new() } else { read_path(p, path_ptr)? };
    if path.is_empty() {
        if path_ptr != 0 && flags & fc::AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        let h = if dirfd == i64::from(AT_FDCWD) {
            let magic = |d: &[Vec<u8>], n: &[u8]| crate::procfs::magic(p, d, n);
            p.vfs.cwd_dir(&p.fs.cwd, &magic)?.as_raw_fd()
        } else {
            p.fds.host(dirfd)?
        };
        // SAFETY: two timespecs.
        return host_ret_i(unsafe { libc::futimens(h, times.as_ptr()) }).map(|_| 0);
    }
    let r = lookup(p, dirfd, &path, WalkOpts { follow: flags & fc::AT_SYMLINK_NOFOLLOW == 0, ..WalkOpts::default() })?;
    let (d, n, nf) = host_at(&r)?;
    // SAFETY: valid C string and two timespecs.
    host_ret_i(unsafe { libc::utimensat(d, n.as_ptr(), times.as_ptr(), nf) }).map(|_| 0)
}

/// truncate(2): follows symlinks; needs write permission (opened for
/// writing, as Linux checks it).
pub fn truncate(p: &mut Process, a: &Args) -> SysResult {
    let len = a.u(1) as i64;
    let r = lookup_arg(p, i64::from(AT_FDCWD), a.u(0), true)?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let st = r.stat()?;
    if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        return Err(Errno::EISDIR);
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Errno::EINVAL);
    }
    let fd = r.open(libc::O_WRONLY | libc::O_NONBLOCK, 0)?;
    // SAFETY: no memory effects.
    host_ret_i(unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) }).map(|_| 0)
}

// ---------------------------------------------------------------- statfs

fn statfs_fd(h: RawFd) -> Result<stat::Statfs, Errno> {
    #[cfg(target_os = "linux")]
    {
        let mut s = std::mem::MaybeUninit::<libc::statfs>::uninit();
        // SAFETY: fstatfs fills `s` on success.
        if unsafe { libc::fstatfs(h, s.as_mut_ptr()) } < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: initialised by the successful call.
        let s = unsafe { s.assume_init() };
        // SAFETY: fsid is two ints on Linux; read them as such.
        let fsid: [i32; 2] = unsafe { std::mem::transmute_copy(&s.f_fsid) };
        #[allow(clippy::unnecessary_cast)]
        Ok(stat::Statfs {
            f_type: s.f_type as i64,
            f_bsize: s.f_bsize as i64,
            f_blocks: s.f_blocks as u64,
            f_bfree: s.f_bfree as u64,
            f_bavail: s.f_bavail as u64,
            f_files: s.f_files as u64,
            f_ffree: s.f_ffree as u64,
            f_fsid: fsid,
            f_namelen: s.f_namelen as i64,
            f_frsize: s.f_frsize as i64,
            f_flags: mount_flags(h),
            f_spare: [0; 4],
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut s = std::mem::MaybeUninit::<libc::statvfs>::uninit();
        // SAFETY: fstatvfs fills `s` on success.
        if unsafe { libc::fstatvfs(h, s.as_mut_ptr()) } < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: initialised by the successful call.
        let s = unsafe { s.assume_init() };
        #[allow(clippy::unnecessary_cast)]
        Ok(stat::Statfs {
            f_type: 0,
            f_bsize: s.f_bsize as i64,
            f_blocks: s.f_blocks as u64,
            f_bfree: s.f_bfree as u64,
            f_bavail: s.f_bavail as u64,
            f_files: s.f_files as u64,
            f_ffree: s.f_ffree as u64,
            f_fsid: [s.f_fsid as i32, 0],
            f_namelen: s.f_namemax as i64,
            f_frsize: s.f_frsize as i64,
            f_flags: mount_flags(h),
            f_spare: [0; 4],
        })
    }
}

/// Linux `f_flags` of statfs: ST_VALID plus the mount flags statvfs knows
/// (ST_RDONLY = 1, ST_NOSUID = 2, include/linux/statfs.h).
fn mount_flags(h: RawFd) -> i64 {
    const ST_RDONLY: i64 = 1;
    const ST_NOSUID: i64 = 2;
    const ST_VALID: i64 = 0x20;
    let mut s = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: fstatvfs fills `s` on success.
    if unsafe { libc::fstatvfs(h, s.as_mut_ptr()) } < 0 {
        return ST_VALID;
    }
    // SAFETY: initialised by the successful call.
    let f = unsafe { s.assume_init() }.f_flag;
    let mut out = ST_VALID;
    if f & libc::ST_RDONLY != 0 {
        out |= ST_RDONLY;
    }
    if f & libc::ST_NOSUID != 0 {
        out |= ST_NOSUID;
    }
    out
}

/// statfs(2).
pub fn statfs(p: &mut Process, a: &Args) -> SysResult {
    let r = lookup_arg(p, i64::from(AT_FDCWD), a.u(0), true)?;
    let h = r.handle()?;
    let s = statfs_fd(h.as_raw_fd())?;
    p.mm.write_obj(a.u(1), &s)?;
    Ok(0)
}

/// fstatfs(2).
pub fn fstatfs(p: &mut Process, a: &Args) -> SysResult {
    let s = statfs_fd(p.fds.host(a.int(0))?)?;
    p.mm.write_obj(a.u(1), &s)?;
    Ok(0)
}

// ---------------------------------------------------------------- xattrs

/// Read an xattr name: ERANGE if empty or longer than XATTR_NAME_MAX.
fn xattr_name(p: &Process, ptr: u64) -> Result<CString, Errno> {
    let n = match p.mm.read_cstr(ptr, fc::XATTR_NAME_MAX) {
        Err(Errno::ENAMETOOLONG) => return Err(Errno::ERANGE),
        r => r?,
    };
    if n.is_empty() {
        return Err(Errno::ERANGE);
    }
    CString::new(n).map_err(|_| Errno::EINVAL)
}

/// Which object an xattr call names: a host fd to use with the f* calls,
/// or None for a symlink (l* calls on a link: Linux keeps no user xattrs
/// there).
fn xattr_target(p: &Process, a: &Args, kind: XKind) -> Result<Option<OwnedFd>, Errno> {
    match kind {
        XKind::Fd => Ok(Some(dup_host(p.fds.host(a.int(0))?, 3)?)),
        XKind::Path | XKind::Link => {
            let r = lookup_arg(p, i64::from(AT_FDCWD), a.u(0), kind == XKind::Path)?;
            let st = r.stat()?;
            if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
                return Ok(None);
            }
            r.handle().map(Some)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum XKind {
    Path,
    Link,
    Fd,
}

/// The host path that names an fd's object (`/proc/self/fd/N` on Linux,
/// which also works for O_PATH handles).
#[cfg(target_os = "linux")]
fn fd_path(fd: &OwnedFd) -> Result<CString, Errno> {
    CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).map_err(|_| Errno::EINVAL)
}

fn getxattr_common(p: &mut Process, a: &Args, kind: XKind) -> SysResult {
    let name = xattr_name(p, a.u(1))?;
    let (buf, size) = (a.u(2), a.u(3) as usize);
    let Some(fd) = xattr_target(p, a, kind)? else { return Err(Errno::ENODATA) };
    #[cfg(target_os = "linux")]
    {
        let path = fd_path(&fd)?;
        let mut out = vec![0u8; size.min(fc::XATTR_SIZE_MAX)];
        // SAFETY: valid C strings; output buffer of the stated size (0 = query).
        let n = unsafe { libc::getxattr(path.as_ptr(), name.as_ptr(), out.as_mut_ptr().cast(), out.len()) };
        if n < 0 {
            return Err(Errno::last_host());
        }
        if size > 0 {
            p.mm.write(buf, &out[..n as usize])?;
        }
        Ok(n as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, name, buf, size);
        Err(Errno::ENOTSUP)
    }
}

/// getxattr(2).
pub fn getxattr(p: &mut Process, a: &Args) -> SysResult {
    getxattr_common(p, a, XKind::Path)
}
/// lgetxattr(2).
pub fn lgetxattr(p: &mut Process, a: &Args) -> SysResult {
    getxattr_common(p, a, XKind::Link)
}
/// fgetxattr(2).
pub fn fgetxattr(p: &mut Process, a: &Args) -> SysResult {
    getxattr_common(p, a, XKind::Fd)
}

fn setxattr_common(p: &mut Process, a: &Args, kind: XKind) -> SysResult {
    let name = xattr_name(p, a.u(1))?;
    let (val, size, flags) = (a.u(2), a.u(3) as usize, a.uint(4));
    if flags & !(fc::XATTR_CREATE | fc::XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL);
    }
    if size > fc::XATTR_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    let mut v = vec![0u8; size];
    p.mm.read(val, &mut v)?;
    let Some(fd) = xattr_target(p, a, kind)? else { return Err(Errno::EPERM) };
    #[cfg(target_os = "linux")]
    {
        let mut hf = 0;
        if flags & fc::XATTR_CREATE != 0 {
            hf |= libc::XATTR_CREATE;
        }
        if flags & fc::XATTR_REPLACE != 0 {
            hf |= libc::XATTR_REPLACE;
        }
        let path = fd_path(&fd)?;
        // SAFETY: valid C strings and value buffer.
        host_ret_i(unsafe { libc::setxattr(path.as_ptr(), name.as_ptr(), v.as_ptr().cast(), v.len(), hf) }).map(|_| 0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, name);
        Err(Errno::ENOTSUP)
    }
}

/// setxattr(2).
pub fn setxattr(p: &mut Process, a: &Args) -> SysResult {
    setxattr_common(p, a, XKind::Path)
}
/// lsetxattr(2).
pub fn lsetxattr(p: &mut Process, a: &Args) -> SysResult {
    setxattr_common(p, a, XKind::Link)
}
/// fsetxattr(2).
pub fn fsetxattr(p: &mut Process, a: &Args) -> SysResult {
    setxattr_common(p, a, XKind::Fd)
}

fn listxattr_common(p: &mut Process, a: &Args, kind: XKind) -> SysResult {
    let (buf, size) = (a.u(1), a.u(2) as usize);
    let Some(fd) = xattr_target(p, a, kind)? else { return Ok(0) };
    #[cfg(target_os = "linux")]
    {
        let path = fd_path(&fd)?;
        let mut out = vec![0u8; size.min(fc::XATTR_SIZE_MAX)];
        // SAFETY: valid C string; output buffer of the stated size.
        let n = unsafe { libc::listxattr(path.as_ptr(), out.as_mut_ptr().cast(), out.len()) };
        if n < 0 {
            return Err(Errno::last_host());
        }
        if size > 0 {
            p.mm.write(buf, &out[..n as usize])?;
        }
        Ok(n as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, buf, size);
        Err(Errno::ENOTSUP)
    }
}

/// listxattr(2).
pub fn listxattr(p: &mut Process, a: &Args) -> SysResult {
    listxattr_common(p, a, XKind::Path)
}
/// llistxattr(2).
pub fn llistxattr(p: &mut Process, a: &Args) -> SysResult {
    listxattr_common(p, a, XKind::Link)
}
/// flistxattr(2).
pub fn flistxattr(p: &mut Process, a: &Args) -> SysResult {
    listxattr_common(p, a, XKind::Fd)
}

fn removexattr_common(p: &mut Process, a: &Args, kind: XKind) -> SysResult {
    let name = xattr_name(p, a.u(1))?;
    let Some(fd) = xattr_target(p, a, kind)? else { return Err(Errno::ENODATA) };
    #[cfg(target_os = "linux")]
    {
        let path = fd_path(&fd)?;
        // SAFETY: valid C strings.
        host_ret_i(unsafe { libc::removexattr(path.as_ptr(), name.as_ptr()) }).map(|_| 0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, name);
        Err(Errno::ENOTSUP)
    }
}

/// removexattr(2).
pub fn removexattr(p: &mut Process, a: &Args) -> SysResult {
    removexattr_common(p, a, XKind::Path)
}
/// lremovexattr(2).
pub fn lremovexattr(p: &mut Process, a: &Args) -> SysResult {
    removexattr_common(p, a, XKind::Link)
}
/// fremovexattr(2).
pub fn fremovexattr(p: &mut Process, a: &Args) -> SysResult {
    removexattr_common(p, a, XKind::Fd)
}
