//! Path syscalls: open, create, remove, rename, link, stat, access, cwd
//! and root (attributes are in [`super::sys_attr`]). Every guest path goes through the resolver
//! in [`crate::fs`], so nothing here can reach outside `--sysroot`; each
//! host call gets a directory fd plus one final name, with no-follow flags.

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::Arc;

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{self as fc, AT_FDCWD};
use crate::abi::stat;
use crate::fdtable::{dup_host, FdEntry};
use crate::fs::{components, Last, Magic, Resolved, Start, WalkOpts, PATH_MAX};
use crate::process::Process;

pub(crate) fn host_ret_i(r: i32) -> SysResult {
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}

/// Read a path argument as Linux `getname` does: EFAULT for a bad pointer,
/// ENAMETOOLONG at PATH_MAX.
pub fn read_path(p: &Process, ptr: u64) -> Result<Vec<u8>, Errno> {
    p.mm.read_cstr(ptr, PATH_MAX - 1)
}

/// Look `path` up relative to guest `dirfd` (or the cwd, or the root).
pub fn lookup(p: &Process, dirfd: i64, path: &[u8], opts: WalkOpts) -> Result<Resolved, Errno> {
    let magic = |d: &[Vec<u8>], n: &[u8]| crate::procfs::magic(p, d, n);
    let anchored = opts.in_root || opts.beneath;
    let start = if path.first() == Some(&b'/') && !anchored {
        Start::Root
    } else if dirfd == i64::from(AT_FDCWD) {
        Start::Dir(p.vfs.cwd_dir(&p.fs.cwd, &magic)?, p.fs.cwd.clone())
    } else {
        // Linux: a relative path needs a directory fd (ENOTDIR), checked
        // even for "." alone.
        if stat_entry(p, dirfd)?.st_mode & stat::S_IFMT != stat::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        let e = p.fds.get(dirfd)?;
        let h = e.host.as_raw_fd();
        let g = e.path.clone().unwrap_or_else(|| "/".into());
        Start::Dir(Arc::new(dup_host(h, 3)?), g)
    };
    p.vfs.walk(start, path, opts, &magic)
}

/// Read and look up the path argument of a `*at` call.
pub fn lookup_arg(p: &Process, dirfd: i64, ptr: u64, follow: bool) -> Result<Resolved, Errno> {
    let path = read_path(p, ptr)?;
    lookup(p, dirfd, &path, WalkOpts { follow, ..WalkOpts::default() })
}

/// Read and look up the path argument of a call that creates, removes or
/// renames its final component (never followed).
pub fn lookup_parent_arg(p: &Process, dirfd: i64, ptr: u64) -> Result<Resolved, Errno> {
    let path = read_path(p, ptr)?;
    lookup(p, dirfd, &path, WalkOpts { parent: true, ..WalkOpts::default() })
}

/// `(dirfd, name, nofollow flag)` for a host `*at` call on `r`: a
/// `/proc/self/fd` object goes through the host's own magic link.
pub(crate) fn host_at(r: &Resolved) -> Result<(RawFd, CString, i32), Errno> {
    if let Last::Synth(_) = r.last {
        // Linux proc_setattr: no mode, owner or time changes on these.
        return Err(Errno::EPERM);
    }
    if r.last == Last::MagicFd {
        let p = CString::new(format!("/proc/self/fd/{}", r.dir.as_raw_fd())).map_err(|_| Errno::EINVAL)?;
        return Ok((libc::AT_FDCWD, p, 0));
    }
    Ok((r.dir.as_raw_fd(), r.name.clone(), libc::AT_SYMLINK_NOFOLLOW))
}

// ---------------------------------------------------------------- open

/// Translate Linux open flags to the host's, explicitly.
pub fn open_flags_to_host(f: u32) -> Result<i32, Errno> {
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
    if f & fc::O_TMPFILE == fc::O_TMPFILE {
        #[cfg(target_os = "linux")]
        {
            h = (h & !libc::O_DIRECTORY) | libc::O_TMPFILE;
        }
        #[cfg(not(target_os = "linux"))]
        return Err(Errno::EOPNOTSUPP);
    }
    #[cfg(target_os = "linux")]
    {
        if f & fc::O_PATH != 0 {
            h |= libc::O_PATH;
        }
        if f & fc::O_NOATIME != 0 {
            h |= libc::O_NOATIME;
        }
        if f & fc::O_DIRECT != 0 {
            h |= libc::O_DIRECT;
        }
    }
    Ok(h)
}

/// The common part of openat(2) and openat2(2).
fn do_open(p: &mut Process, dirfd: i64, path: &[u8], flags: u32, mode: u32, opts: WalkOpts) -> SysResult {
    if flags & fc::O_TMPFILE == fc::O_TMPFILE && flags & fc::O_ACCMODE == fc::O_RDONLY {
        // Linux: an O_TMPFILE must be writable.
        return Err(Errno::EINVAL);
    }
    let creat = flags & (fc::O_CREAT | fc::O_TMPFILE) != 0;
    let flags = if flags & fc::O_PATH != 0 {
        // Linux: O_PATH keeps only these.
        flags & (fc::O_PATH | fc::O_CLOEXEC | fc::O_DIRECTORY | fc::O_NOFOLLOW)
    } else {
        flags
    };
    let cloexec = flags & fc::O_CLOEXEC != 0;
    // Linux: O_CREAT|O_EXCL never follows a final symlink; O_NOFOLLOW
    // makes the open fail with ELOOP on one (the host reports it).
    let excl = flags & (fc::O_CREAT | fc::O_EXCL) == (fc::O_CREAT | fc::O_EXCL);
    let follow = flags & fc::O_NOFOLLOW == 0 && !excl;
    let r = lookup(p, dirfd, path, WalkOpts { follow, ..opts })?;
    if let Last::Synth(n) = r.last {
        let host = crate::procfs::open(p, &r.guest, n, flags)?;
        let fd = p.fds.install(FdEntry { host, cloexec, path: Some(r.guest) }, 0)?;
        return Ok(fd as u64);
    }
    if flags & fc::O_CREAT != 0 && r.is_node() && r.last != Last::MagicFd {
        // open("/", O_CREAT), open("dir/.", O_CREAT): Linux says EISDIR.
        return Err(Errno::EISDIR);
    }
    let hflags = open_flags_to_host(flags)?;
    let mode = if creat { mode & 0o7777 & !p.fs.umask } else { 0 };
    let host = r.open(hflags, mode)?;
    let path = if r.last == Last::MagicFd || flags & fc::O_TMPFILE == fc::O_TMPFILE { None } else { Some(r.guest) };
    let fd = p.fds.install(FdEntry { host, cloexec, path }, 0)?;
    Ok(fd as u64)
}

/// openat(2): unknown flag bits are ignored, as Linux does.
pub fn openat(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, flags, mode) = (a.int(0), a.u(1), a.uint(2), a.uint(3));
    let path = read_path(p, path_ptr)?;
    do_open(p, dirfd, &path, flags & fc::O_ALL, mode, WalkOpts::default())
}

/// openat2(2): `struct open_how`, unknown flags and RESOLVE_* bits are
/// EINVAL; a mode without O_CREAT/O_TMPFILE is EINVAL.
pub fn openat2(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, how_ptr, size) = (a.int(0), a.u(1), a.u(2), a.u(3));
    const OPEN_HOW_SIZE_VER0: u64 = 24;
    if !(OPEN_HOW_SIZE_VER0..=4096).contains(&size) {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; size as usize];
    p.mm.read(how_ptr, &mut raw)?;
    // Linux copy_struct_from_user: bytes past what we know must be zero.
    if raw[OPEN_HOW_SIZE_VER0 as usize..].iter().any(|&b| b != 0) {
        return Err(Errno::E2BIG);
    }
    let how: fc::OpenHow = crate::abi::Pod::from_bytes(&raw).ok_or(Errno::EFAULT)?;
    let known = fc::RESOLVE_NO_XDEV
        | fc::RESOLVE_NO_MAGICLINKS
        | fc::RESOLVE_NO_SYMLINKS
        | fc::RESOLVE_BENEATH
        | fc::RESOLVE_IN_ROOT
        | fc::RESOLVE_CACHED;
    if how.flags & !u64::from(fc::O_ALL) != 0 || how.resolve & !known != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = how.flags as u32;
    let creat = flags & fc::O_CREAT != 0 || flags & fc::O_TMPFILE == fc::O_TMPFILE;
    if (!creat && how.mode != 0) || how.mode & !0o7777 != 0 {
        return Err(Errno::EINVAL);
    }
    if how.resolve & fc::RESOLVE_BENEATH != 0 && how.resolve & fc::RESOLVE_IN_ROOT != 0 {
        return Err(Errno::EINVAL);
    }
    if how.resolve & fc::RESOLVE_CACHED != 0 && flags & (fc::O_CREAT | fc::O_TRUNC) != 0 {
        return Err(Errno::EAGAIN);
    }
    let opts = WalkOpts {
        no_xdev: how.resolve & fc::RESOLVE_NO_XDEV != 0,
        no_magic: how.resolve & fc::RESOLVE_NO_MAGICLINKS != 0,
        no_symlinks: how.resolve & fc::RESOLVE_NO_SYMLINKS != 0,
        beneath: how.resolve & fc::RESOLVE_BENEATH != 0,
        in_root: how.resolve & fc::RESOLVE_IN_ROOT != 0,
        follow: false,
        parent: false,
    };
    let path = read_path(p, path_ptr)?;
    do_open(p, dirfd, &path, flags, how.mode as u32, opts)
}

// ---------------------------------------------------------------- stat

/// Apply `--fakeroot`/`--user` to a stat: files of the host user appear
/// as the guest's, recorded chown/chmod are shown back.
pub fn fix_owner(p: &Process, st: &mut stat::Stat) {
    if !p.cred.fakeroot && p.config.user.is_none() {
        return;
    }
    // SAFETY: no memory effects.
    let (hu, hg) = unsafe { (libc::geteuid(), libc::getegid()) };
    if st.st_uid == hu {
        st.st_uid = p.cred.uid[1];
    }
    if st.st_gid == hg {
        st.st_gid = p.cred.gid[1];
    }
    if p.cred.fakeroot {
        let owners = p.vfs.owners.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(o) = owners.get(&(st.st_dev, st.st_ino)) {
            if let Some(u) = o.uid {
                st.st_uid = u;
            }
            if let Some(g) = o.gid {
                st.st_gid = g;
            }
            if let Some(m) = o.mode {
                st.st_mode = (st.st_mode & stat::S_IFMT) | (m & 0o7777);
            }
        }
    }
}

/// fstat of a host fd, as Linux reports it.
pub fn stat_fd(p: &Process, h: RawFd) -> Result<stat::Stat, Errno> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat fills `st` on success, which we check.
    if unsafe { libc::fstat(h, st.as_mut_ptr()) } < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: fstat succeeded, so `st` is initialised.
    let st = unsafe { st.assume_init() };
    if st.st_mode & libc::S_IFMT == libc::S_IFCHR {
        if let Some(s) = crate::procfs::host_chr_stat(p, h) {
            return Ok(s);
        }
    }
    let mut s = stat::from_host(&st);
    fix_owner(p, &mut s);
    // A signalfd on a host without eventfd is a socket: Linux shows its
    // anon inode (mode 0600, no file type).
    if st.st_mode & libc::S_IFMT == libc::S_IFSOCK && super::sys_signalfd::is_signalfd_host(p, h) {
        s.st_mode = 0o600;
    }
    Ok(s)
}

/// fstat of guest fd `fd`: a synthetic node's own identity, else the host's.
pub fn stat_entry(p: &Process, fd: i64) -> Result<stat::Stat, Errno> {
    if let Some(s) = crate::procfs::fstat(p, fd) {
        return Ok(s);
    }
    stat_fd(p, p.fds.host(fd)?)
}

pub(crate) fn stat_resolved(p: &Process, r: &Resolved) -> Result<stat::Stat, Errno> {
    if let Last::Synth(n) = r.last {
        return Ok(crate::procfs::stat(p, &r.guest, n));
    }
    if r.last == Last::MagicFd {
        return stat_fd(p, r.dir.as_raw_fd());
    }
    let mut s = stat::from_host(&r.stat()?);
    fix_owner(p, &mut s);
    Ok(s)
}

/// The object a stat-like `*at` call names: (dirfd, path, flags) with
/// AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW.
fn stat_target(p: &Process, dirfd: i64, path_ptr: u64, flags: u32) -> Result<stat::Stat, Errno> {
    let path = read_path(p, path_ptr)?;
    if path.is_empty() && flags & fc::AT_EMPTY_PATH != 0 {
        if dirfd == i64::from(AT_FDCWD) {
            let magic = |d: &[Vec<u8>], n: &[u8]| crate::procfs::magic(p, d, n);
            let cwd = p.vfs.cwd_dir(&p.fs.cwd, &magic)?;
            if crate::procfs::is_synthetic(&p.fs.cwd) {
                let n = crate::procfs::node_at(p, &p.fs.cwd).ok_or(Errno::ENOENT)?;
                return Ok(crate::procfs::stat(p, &p.fs.cwd, n));
            }
            return stat_fd(p, cwd.as_raw_fd());
        }
        return stat_entry(p, dirfd);
    }
    let r = lookup(p, dirfd, &path, WalkOpts { follow: flags & fc::AT_SYMLINK_NOFOLLOW == 0, ..WalkOpts::default() })?;
    stat_resolved(p, &r)
}

/// fstat(2).
pub fn fstat(p: &mut Process, a: &Args) -> SysResult {
    let st = stat_entry(p, a.int(0))?;
    p.mm.write_obj(a.u(1), &st)?;
    Ok(0)
}

/// newfstatat(2).
pub fn newfstatat(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, buf, flags) = (a.int(0), a.u(1), a.u(2), a.uint(3));
    if flags & !(fc::AT_SYMLINK_NOFOLLOW | fc::AT_EMPTY_PATH | fc::AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let st = stat_target(p, dirfd, path_ptr, flags)?;
    p.mm.write_obj(buf, &st)?;
    Ok(0)
}

/// statx(2): the basic fields, from the host's stat (no btime).
pub fn statx(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, flags, mask, buf) = (a.int(0), a.u(1), a.uint(2), a.uint(3), a.u(4));
    let known = fc::AT_SYMLINK_NOFOLLOW | fc::AT_EMPTY_PATH | fc::AT_NO_AUTOMOUNT | stat::AT_STATX_SYNC_TYPE;
    if flags & !known != 0 || flags & stat::AT_STATX_SYNC_TYPE == stat::AT_STATX_SYNC_TYPE {
        return Err(Errno::EINVAL);
    }
    if mask & stat::STATX__RESERVED != 0 {
        return Err(Errno::EINVAL);
    }
    let st = stat_target(p, dirfd, path_ptr, flags)?;
    p.mm.write_obj(buf, &stat::statx_from_stat(&st))?;
    Ok(0)
}

/// readlinkat(2): magic /proc links answer with guest paths.
pub fn readlinkat(p: &mut Process, a: &Args) -> SysResult {
    let (dirfd, path_ptr, buf, size) = (a.int(0), a.u(1), a.u(2), a.int(3));
    if size <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(p, path_ptr)?;
    let r = lookup(p, dirfd, &path, WalkOpts::default())?;
    let mut comps = components(r.guest.as_bytes());
    let name = comps.pop();
    let magic = if matches!(r.last, Last::Norm | Last::Synth(_)) {
        name.and_then(|n| crate::procfs::magic(p, &comps, &n))
    } else {
        None
    };
    let target = match magic {
        Some(Magic::Link(t) | Magic::Sym(t)) => t,
        Some(Magic::Missing) => return Err(Errno::ENOENT),
        Some(Magic::Synth(_)) => return Err(Errno::EINVAL),
        // An fd without a guest path: "pipe:[N]", "socket:[N]", a /dev path.
        Some(Magic::Fd(h)) => crate::procfs::fd_link_text(p, h),
        None if r.is_node() => return Err(Errno::EINVAL),
        None => host_readlink(r.dir.as_raw_fd(), &r.name)?,
    };
    let n = target.len().min(size as usize);
    p.mm.write(buf, &target[..n])?;
    Ok(n as u64)
}

fn host_readlink(dir: RawFd, name: &std::ffi::CStr) -> Result<Vec<u8>, Errno> {
    let mut out = vec![0u8; PATH_MAX];
    // SAFETY: valid C string, output buffer of the stated size.
    let n = unsafe { libc::readlinkat(dir, name.as_ptr(), out.as_mut_ptr().cast(), out.len()) };
    if n < 0 {
        return Err(Errno::last_host());
    }
    out.truncate(n as usize);
    Ok(out)
}

// ---------------------------------------------------------------- access

/// faccessat(2).
pub fn faccessat(p: &mut Process, a: &Args) -> SysResult {
    access(p, a.int(0), a.u(1), a.uint(2), 0)
}

/// faccessat2(2).
pub fn faccessat2(p: &mut Process, a: &Args) -> SysResult {
    access(p, a.int(0), a.u(1), a.uint(2), a.uint(3))
}

fn access(p: &mut Process, dirfd: i64, path_ptr: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !7 != 0 || flags & !(fc::AT_EACCESS | fc::AT_SYMLINK_NOFOLLOW | fc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(p, path_ptr)?;
    if path.is_empty() && flags & fc::AT_EMPTY_PATH != 0 {
        // The fd itself: it exists; permission is what it was opened with.
        stat_target(p, dirfd, path_ptr, flags)?;
        return Ok(0);
    }
    let r = lookup(p, dirfd, &path, WalkOpts { follow: flags & fc::AT_SYMLINK_NOFOLLOW == 0, ..WalkOpts::default() })?;
    if let Last::Synth(n) = r.last {
        return crate::procfs::access(p, &r.guest, n, mode).map(|_| 0);
    }
    let st = r.stat()?;
    if mode == 0 {
        return Ok(0);
    }
    if p.cred.privileged() {
        // Root may read and search anything; execute needs some x bit
        // (Linux `generic_permission` with CAP_DAC_OVERRIDE). Writing is
        // still up to the host (a --fakeroot guest cannot really write a
        // file the host user cannot).
        #[allow(clippy::unnecessary_cast)] // mode_t is u16 on macOS
        let m = stat::mode_from_host(st.st_mode as u32);
        if mode & 1 != 0 && m & stat::S_IFMT != stat::S_IFDIR && m & 0o111 == 0 {
            return Err(Errno::EACCES);
        }
        return if mode & 2 != 0 { host_access(&r, 2) } else { Ok(0) };
    }
    host_access(&r, mode)
}

fn host_access(r: &Resolved, mode: u32) -> SysResult {
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
    let (d, n, _) = host_at(r)?;
    // SAFETY: valid C string. The final name is not a symlink (the walk
    // followed it), so the host check is on the object the guest named.
    host_ret_i(unsafe { libc::faccessat(d, n.as_ptr(), hmode, libc::AT_EACCESS) }).map(|_| 0)
}

// ---------------------------------------------------------------- cwd, root

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

/// chdir(2): the guest cwd is the resolved guest path (symlinks expanded,
/// as the kernel's d_path shows it).
pub fn chdir(p: &mut Process, a: &Args) -> SysResult {
    let (guest, fd) = open_dir_arg(p, a.u(0))?;
    search_permission(p, &fd)?;
    set_cwd(p, guest, fd);
    Ok(0)
}

/// Resolve a path argument (following symlinks) to its guest path and an
/// O_PATH directory handle (chdir, chroot).
fn open_dir_arg(p: &Process, ptr: u64) -> Result<(String, OwnedFd), Errno> {
    let path = read_path(p, ptr)?;
    let r = lookup(p, i64::from(AT_FDCWD), &path, WalkOpts { follow: true, ..WalkOpts::default() })?;
    if matches!(r.last, Last::Synth(n) if !n.is_dir()) {
        return Err(Errno::ENOTDIR);
    }
    let fd = if r.is_node() {
        dup_host(r.dir.as_raw_fd(), 3)?
    } else {
        r.open(crate::fs::O_PATH_FLAGS | libc::O_DIRECTORY, 0)?
    };
    Ok((r.guest, fd))
}

/// Make `guest` (open as `fd`) the cwd, in the resolver and the fs context.
fn set_cwd(p: &mut Process, guest: String, fd: OwnedFd) {
    p.vfs.set_cwd(&guest, Arc::new(fd));
    p.fs.cwd = guest;
}

/// Linux chdir needs search (x) permission on the directory.
fn search_permission(p: &Process, fd: &OwnedFd) -> SysResult {
    if p.cred.privileged() {
        return Ok(0);
    }
    // SAFETY: empty path with AT_EMPTY_PATH-like "." on a directory fd.
    host_ret_i(unsafe { libc::faccessat(fd.as_raw_fd(), c".".as_ptr(), libc::X_OK, libc::AT_EACCESS) }).map(|_| 0)
}

/// fchdir(2).
pub fn fchdir(p: &mut Process, a: &Args) -> SysResult {
    let st = stat_entry(p, a.int(0))?;
    if st.st_mode & stat::S_IFMT != stat::S_IFDIR {
        return Err(Errno::ENOTDIR);
    }
    let e = p.fds.get(a.int(0))?;
    let g = e.path.clone().ok_or(Errno::ENOENT)?;
    // A synthetic directory's handle is the resolver's placeholder.
    let h = if crate::procfs::is_synthetic(&g) { p.vfs.synth_dir().as_raw_fd() } else { e.host.as_raw_fd() };
    let fd = dup_host(h, 3)?;
    search_permission(p, &fd)?;
    set_cwd(p, g, fd);
    Ok(0)
}

/// chroot(2): a new root inside the current one. Needs CAP_SYS_CHROOT
/// (euid 0, e.g. `--fakeroot`); the cwd is left where it is, as Linux does
/// (elfuse shows it relative to the new root, or `/` if outside).
pub fn chroot(p: &mut Process, a: &Args) -> SysResult {
    let (old, fd) = open_dir_arg(p, a.u(0))?;
    if !p.cred.privileged() {
        return Err(Errno::EPERM);
    }
    p.vfs.chroot(&old, fd)?;
    let cwd = p.fs.cwd.clone();
    p.fs.cwd = if old == "/" {
        cwd
    } else if cwd == old {
        "/".into()
    } else if let Some(rest) = cwd.strip_prefix(&format!("{old}/")) {
        format!("/{rest}")
    } else {
        "/".into()
    };
    p.exe = p.exe.strip_prefix(&old).map_or(p.exe.clone(), |e| e.to_string());
    Ok(0)
}

// ---------------------------------------------------------------- create, remove

/// mkdirat(2).
pub fn mkdirat(p: &mut Process, a: &Args) -> SysResult {
    let r = lookup_parent_arg(p, a.int(0), a.u(1))?;
    if r.is_node() {
        return Err(Errno::EEXIST);
    }
    let mode = a.uint(2) & 0o7777 & !p.fs.umask;
    let (d, n) = r.at();
    // SAFETY: valid C string.
    host_ret_i(unsafe { libc::mkdirat(d, n.as_ptr(), mode as libc::mode_t) }).map(|_| 0)
}

/// mknodat(2): FIFOs, sockets and regular files; devices need privilege the
/// host would have to grant (EPERM).
pub fn mknodat(p: &mut Process, a: &Args) -> SysResult {
    let (mode, dev) = (a.uint(2), a.u(3));
    let r = lookup_parent_arg(p, a.int(0), a.u(1))?;
    if r.is_node() {
        return Err(Errno::EEXIST);
    }
    let perm = mode & 0o7777 & !p.fs.umask;
    let (d, n) = r.at();
    let host_type = match mode & stat::S_IFMT {
        0 | stat::S_IFREG => libc::S_IFREG,
        stat::S_IFIFO => libc::S_IFIFO,
        stat::S_IFSOCK => libc::S_IFSOCK,
        stat::S_IFCHR | stat::S_IFBLK => {
            let _ = dev;
            return Err(Errno::EPERM);
        }
        _ => return Err(Errno::EINVAL),
    };
    if host_type == libc::S_IFREG {
        // SAFETY: valid C string; the new fd is closed at once.
        let fd = unsafe {
            libc::openat(d, n.as_ptr(), libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC, perm)
        };
        if fd < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: fd is ours.
        unsafe { libc::close(fd) };
        return Ok(0);
    }
    // SAFETY: valid C string.
    host_ret_i(unsafe { libc::mknodat(d, n.as_ptr(), host_type | perm as libc::mode_t, 0) }).map(|_| 0)
}

/// unlinkat(2).
pub fn unlinkat(p: &mut Process, a: &Args) -> SysResult {
    let flags = a.uint(2);
    if flags & !fc::AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let r = lookup_parent_arg(p, a.int(0), a.u(1))?;
    let rmdir = flags & fc::AT_REMOVEDIR != 0;
    // Linux do_rmdir/do_unlinkat on a path not ending in a name.
    match (r.last, rmdir) {
        (Last::Norm, _) => {}
        (Last::Synth(_), _) => return Err(Errno::EACCES),
        (Last::Dot, true) => return Err(Errno::EINVAL),
        (Last::DotDot, true) => return Err(Errno::ENOTEMPTY),
        (_, true) => return Err(Errno::EBUSY),
        (_, false) => return Err(Errno::EISDIR),
    }
    let (d, n) = r.at();
    let hf = if rmdir { libc::AT_REMOVEDIR } else { 0 };
    // SAFETY: valid C string.
    host_ret_i(unsafe { libc::unlinkat(d, n.as_ptr(), hf) }).map(|_| 0)
}

/// symlinkat(2): the target is stored as given (it is resolved, inside the
/// root, only when followed).
pub fn symlinkat(p: &mut Process, a: &Args) -> SysResult {
    let target = read_path(p, a.u(0))?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let r = lookup_parent_arg(p, a.int(1), a.u(2))?;
    if r.is_node() {
        return Err(Errno::EEXIST);
    }
    let t = CString::new(target).map_err(|_| Errno::EINVAL)?;
    let (d, n) = r.at();
    // SAFETY: valid C strings.
    host_ret_i(unsafe { libc::symlinkat(t.as_ptr(), d, n.as_ptr()) }).map(|_| 0)
}

/// linkat(2): AT_SYMLINK_FOLLOW follows the old path; AT_EMPTY_PATH links
/// the fd itself (an O_TMPFILE, say).
pub fn linkat(p: &mut Process, a: &Args) -> SysResult {
    let (olddir, oldp, newdir, newp, flags) = (a.int(0), a.u(1), a.int(2), a.u(3), a.uint(4));
    if flags & !(fc::AT_SYMLINK_FOLLOW | fc::AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let oldpath = read_path(p, oldp)?;
    // Holds the looked-up handle open while the host call names it.
    let old_r: Resolved;
    let (od, on, of) = if oldpath.is_empty() && flags & fc::AT_EMPTY_PATH != 0 {
        let h = p.fds.host(olddir)?;
        let c = CString::new(format!("/proc/self/fd/{h}")).map_err(|_| Errno::EINVAL)?;
        (libc::AT_FDCWD, c, libc::AT_SYMLINK_FOLLOW)
    } else {
        old_r = lookup(
            p,
            olddir,
            &oldpath,
            WalkOpts { follow: flags & fc::AT_SYMLINK_FOLLOW != 0, ..WalkOpts::default() },
        )?;
        if old_r.last == Last::MagicFd {
            let (d, n, _) = host_at(&old_r)?;
            (d, n, libc::AT_SYMLINK_FOLLOW)
        } else if old_r.is_node() {
            return Err(Errno::EPERM); // Linux: hard links to directories.
        } else {
            (old_r.dir.as_raw_fd(), old_r.name.clone(), 0)
        }
    };
    let new = lookup_parent_arg(p, newdir, newp)?;
    if new.is_node() {
        return Err(Errno::EEXIST);
    }
    let (nd, nn) = new.at();
    // SAFETY: valid C strings.
    host_ret_i(unsafe { libc::linkat(od, on.as_ptr(), nd, nn.as_ptr(), of) }).map(|_| 0)
}

/// renameat(2).
pub fn renameat(p: &mut Process, a: &Args) -> SysResult {
    rename(p, a.int(0), a.u(1), a.int(2), a.u(3), 0)
}

/// renameat2(2): RENAME_NOREPLACE and RENAME_EXCHANGE where the host has
/// them; RENAME_WHITEOUT needs privilege (EPERM).
pub fn renameat2(p: &mut Process, a: &Args) -> SysResult {
    rename(p, a.int(0), a.u(1), a.int(2), a.u(3), a.uint(4))
}

fn rename(p: &mut Process, od: i64, op: u64, nd: i64, np: u64, flags: u32) -> SysResult {
    if flags & !(fc::RENAME_NOREPLACE | fc::RENAME_EXCHANGE | fc::RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & fc::RENAME_EXCHANGE != 0 && flags & (fc::RENAME_NOREPLACE | fc::RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & fc::RENAME_WHITEOUT != 0 {
        return Err(Errno::EPERM);
    }
    let old = lookup_parent_arg(p, od, op)?;
    let new = lookup_parent_arg(p, nd, np)?;
    if old.is_node() || new.is_node() {
        return Err(Errno::EBUSY);
    }
    let (a, an) = old.at();
    let (b, bn) = new.at();
    if flags == 0 {
        // SAFETY: valid C strings.
        return host_ret_i(unsafe { libc::renameat(a, an.as_ptr(), b, bn.as_ptr()) }).map(|_| 0);
    }
    #[cfg(target_os = "linux")]
    {
        let mut hf = 0;
        if flags & fc::RENAME_NOREPLACE != 0 {
            hf |= libc::RENAME_NOREPLACE;
        }
        if flags & fc::RENAME_EXCHANGE != 0 {
            hf |= libc::RENAME_EXCHANGE;
        }
        // SAFETY: valid C strings.
        host_ret_i(unsafe { libc::renameat2(a, an.as_ptr(), b, bn.as_ptr(), hf) }).map(|_| 0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(Errno::EINVAL)
    }
}
