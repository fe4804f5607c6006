//! Synthetic `/proc`, `/dev` and `/sys`, answered by elfuse for the guest's
//! own processes, with or without `--sysroot`, never the host's.
//!
//! - The resolver ([`crate::fs::Vfs::walk`]) asks [`magic`] about every
//!   name under `/proc`, `/dev` and `/sys`; the answer is authoritative
//!   (a synthetic node, a link, or ENOENT), except `/dev/shm`, which is the
//!   instance's private host directory (a bind).
//! - Every node has a constant st_dev per tree, st_ino = FNV-1a of its
//!   path, st_blksize 4096 ([`stat`]).
//! - Opening a synthetic file snapshots its content into a memfd (Linux
//!   generates at read; a snapshot at open is what elfuse does), so read,
//!   lseek, pread and mmap are the host's. A synthetic directory opens as
//!   a memfd holding its `linux_dirent64` records, served by
//!   [`getdents`]. The fd keeps the guest path, which is how fstat,
//!   getdents64 and writes recognise it.
//! - Devices open the host's equivalents (`/dev/null`, posix_openpt for
//!   `/dev/ptmx`, the host pty for `/dev/pts/N`).
//! - Other guest processes are known from the instance registry
//!   ([`registry`]).

pub mod dev;
pub mod info;
pub mod instance;
pub mod pid;
pub mod registry;
pub mod tree;

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

pub use pid::ExecInfo;
use tree::Kind;

use crate::abi::errno::Errno;
use crate::abi::fcntl as fc;
use crate::abi::stat::{self as ls, Stat};
use crate::fs::{Magic, SynthNode};
use crate::process::Process;

fn is_top(c: &[u8]) -> bool {
    matches!(c, b"proc" | b"dev" | b"sys")
}

fn comps(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty()).collect()
}

/// Whether guest path `path` (absolute, resolved) names a synthetic node.
pub fn is_synthetic(path: &str) -> bool {
    match comps(path).as_slice() {
        ["dev", "shm", ..] => false,
        [t, ..] => is_top(t.as_bytes()),
        [] => false,
    }
}

/// The resolver's hook: what `name` in guest directory `dir` (components)
/// is, if it is in a synthetic tree.
pub fn magic(p: &Process, dir: &[Vec<u8>], name: &[u8]) -> Option<Magic> {
    let Some(top) = dir.first() else {
        return is_top(name).then(|| Magic::Synth(tree::node_of(&Kind::Dir)));
    };
    if !is_top(top) || (dir.len() >= 2 && top.as_slice() == b"dev" && dir[1].as_slice() == b"shm") {
        return None;
    }
    let d: Option<Vec<&str>> = dir.iter().map(|c| std::str::from_utf8(c).ok()).collect();
    let (Some(d), Ok(n)) = (d, std::str::from_utf8(name)) else { return Some(Magic::Missing) };
    Some(match tree::lookup(p, &d, n) {
        None => Magic::Missing,
        Some(Kind::Mount) => return None,
        Some(Kind::Sym(t)) => Magic::Sym(t),
        Some(Kind::Magic(t)) => Magic::Link(t),
        Some(Kind::MagicFd(h)) => Magic::Fd(h),
        Some(k) => Magic::Synth(tree::node_of(&k)),
    })
}

/// The node at resolved synthetic path `path`, if it (still) exists.
pub fn node_at(p: &Process, path: &str) -> Option<SynthNode> {
    let c = comps(path);
    match c.as_slice() {
        [t] if is_top(t.as_bytes()) => Some(tree::node_of(&Kind::Dir)),
        [dir @ .., name] if !dir.is_empty() => tree::lookup(p, dir, name).map(|k| tree::node_of(&k)),
        _ => None,
    }
}

fn wall(t: std::time::SystemTime) -> (i64, u64) {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (d.as_secs() as i64, u64::from(d.subsec_nanos()))
}

/// The guest-visible stat of synthetic node `n` at `path`.
pub fn stat(p: &Process, path: &str, n: SynthNode) -> Stat {
    let c = comps(path);
    let euid = p.cred.uid[1];
    let egid = p.cred.gid[1];
    let (uid, gid, since) = match c.as_slice() {
        ["proc", who, ..] if who.bytes().all(|b| b.is_ascii_digit()) => match pid::who(p, who) {
            Some(pid::Who::Other(r)) => (r.uid, r.gid, None),
            _ => (euid, egid, Some(p.started)),
        },
        ["dev", "pts", n, ..] if *n != "ptmx" => (euid, 5, None),
        _ => (0, 0, None),
    };
    let t = match since {
        Some(s) => std::time::SystemTime::now() - s.elapsed(),
        None => std::time::UNIX_EPOCH + std::time::Duration::from_secs(info::boot_time()),
    };
    let (sec, nsec) = wall(t);
    Stat {
        st_dev: tree::dev_of(path),
        st_ino: tree::fnv(path),
        st_mode: n.mode,
        st_nlink: n.nlink,
        st_uid: uid,
        st_gid: gid,
        st_rdev: n.rdev,
        st_size: n.size as i64,
        st_blksize: 4096,
        st_atime: sec,
        st_atime_nsec: nsec,
        st_mtime: sec,
        st_mtime_nsec: nsec,
        st_ctime: sec,
        st_ctime_nsec: nsec,
        ..Stat::default()
    }
}

/// access(2) on a synthetic node: the permission bits decide (root may
/// read and write anything, and execute what has an x bit).
pub fn access(p: &Process, path: &str, n: SynthNode, mode: u32) -> Result<(), Errno> {
    let st = stat(p, path, n);
    if p.cred.privileged() {
        let x_ok = n.mode & 0o111 != 0 || n.mode & ls::S_IFMT == ls::S_IFDIR;
        return if mode & 1 != 0 && !x_ok { Err(Errno::EACCES) } else { Ok(()) };
    }
    let bits = if st.st_uid == p.cred.uid[1] {
        (n.mode >> 6) & 7
    } else if st.st_gid == p.cred.gid[1] || p.cred.groups.contains(&st.st_gid) {
        (n.mode >> 3) & 7
    } else {
        n.mode & 7
    };
    if mode & 7 & !bits != 0 {
        return Err(Errno::EACCES);
    }
    Ok(())
}

/// A host anonymous file holding `data`, positioned at 0.
fn snapshot(data: &[u8]) -> Result<OwnedFd, Errno> {
    // The same anonymous host file fork snapshots use (a memfd on Linux).
    let fd = crate::host::snapshot_file().map_err(|e| Errno::from_io(&e))?;
    refill(fd.as_raw_fd(), data)?;
    Ok(fd)
}

/// The `linux_dirent64` records of directory `path` (with `.` and `..`),
/// d_off being the byte offset of the next record.
fn dirents(p: &Process, path: &str) -> Vec<u8> {
    let c = comps(path);
    let parent = if c.len() <= 1 { "/".to_string() } else { format!("/{}", c[..c.len() - 1].join("/")) };
    let mut entries: Vec<(u64, u8, String)> =
        vec![(tree::fnv(path), 4, ".".into()), (tree::fnv(&parent), 4, "..".into())];
    for ch in tree::list(p, &c).unwrap_or_default() {
        entries.push((tree::fnv(&format!("{path}/{}", ch.name)), tree::dtype(&ch.kind), ch.name));
    }
    let mut out = Vec::new();
    for (ino, ty, name) in entries {
        let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
        let next = (out.len() + reclen) as i64;
        out.extend_from_slice(&ino.to_le_bytes());
        out.extend_from_slice(&next.to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        out.push(ty);
        out.extend_from_slice(name.as_bytes());
        out.resize(out.len() + reclen - 19 - name.len(), 0);
    }
    out
}

/// open(2) of resolved synthetic node `n` at `path` with Linux `flags`.
pub fn open(p: &Process, path: &str, n: SynthNode, flags: u32) -> Result<OwnedFd, Errno> {
    let acc = flags & fc::O_ACCMODE;
    let want_w = acc == fc::O_WRONLY || acc == fc::O_RDWR;
    let opath = flags & fc::O_PATH != 0;
    let kind = n.mode & ls::S_IFMT;
    if flags & fc::O_DIRECTORY != 0 && kind != ls::S_IFDIR {
        return Err(Errno::ENOTDIR);
    }
    if flags & fc::O_CREAT != 0 && flags & fc::O_EXCL != 0 {
        return Err(Errno::EEXIST);
    }
    if opath {
        return snapshot(&[]);
    }
    let mut need = if acc == fc::O_RDONLY || acc == fc::O_RDWR { 4 } else { 0 };
    if want_w {
        need |= 2;
    }
    match kind {
        ls::S_IFDIR => {
            if want_w {
                return Err(Errno::EISDIR);
            }
            access(p, path, n, need)?;
            snapshot(&dirents(p, path))
        }
        ls::S_IFLNK => Err(Errno::ELOOP),
        ls::S_IFCHR => {
            access(p, path, n, need)?;
            let hflags = crate::syscall::sys_fs::open_flags_to_host(flags & !fc::O_CLOEXEC)?;
            match comps(path).as_slice() {
                ["dev", "pts", num] if *num != "ptmx" => dev::open_pts(num.parse().map_err(|_| Errno::ENOENT)?, hflags),
                [.., name] => {
                    let d = dev::DEVICES.iter().find(|d| d.name == *name).ok_or(Errno::ENOENT)?;
                    dev::open_device(d, hflags)
                }
                [] => Err(Errno::ENOENT),
            }
        }
        _ => {
            access(p, path, n, need)?;
            let data = tree::content(p, &comps(path))?;
            snapshot(&data)
        }
    }
}

/// fstat of guest fd `fd` if it is a synthetic node or a host device that
/// stands for one; None for ordinary fds.
pub fn fstat(p: &Process, fd: i64) -> Option<Stat> {
    let e = p.fds.get(fd).ok()?;
    if let Some(path) = e.path.as_deref().filter(|g| is_synthetic(g)) {
        let n = node_at(p, path).unwrap_or(SynthNode { mode: ls::S_IFREG | 0o444, rdev: 0, nlink: 1, size: 0 });
        return Some(stat(p, path, n));
    }
    host_chr_stat(p, e.host.as_raw_fd())
}

/// The synthetic identity of a host character device fd that stands for a
/// /dev node (stdio on a pty, a host /dev/null): so `ttyname` and friends
/// find that fstat and stat of the /dev path agree.
pub fn host_chr_stat(p: &Process, h: RawFd) -> Option<Stat> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat fills `st` on success.
    if unsafe { libc::fstat(h, st.as_mut_ptr()) } < 0 {
        return None;
    }
    // SAFETY: initialised by the successful call.
    let st = unsafe { st.assume_init() };
    if st.st_mode & libc::S_IFMT != libc::S_IFCHR {
        return None;
    }
    #[allow(clippy::unnecessary_cast)]
    let (path, rdev) = dev::identify_host_chr(h, st.st_rdev as u64)?;
    let n = node_at(p, &path)?;
    Some(Stat { st_rdev: rdev, ..stat(p, &path, n) })
}

/// readlink text of `/proc/self/fd/N` for an fd without a guest path,
/// derived from the host object: `pipe:[ino]`, `socket:[ino]`, a /dev
/// path, `anon_inode:[...]`.
pub fn fd_link_text(p: &Process, h: RawFd) -> Vec<u8> {
    if crate::syscall::sys_signalfd::is_signalfd_host(p, h) {
        return b"anon_inode:[signalfd]".to_vec();
    }
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat fills `st` on success.
    if unsafe { libc::fstat(h, st.as_mut_ptr()) } < 0 {
        return b"anon_inode:[unknown]".to_vec();
    }
    // SAFETY: initialised by the successful call.
    let st = unsafe { st.assume_init() };
    #[allow(clippy::unnecessary_cast)]
    let ino = st.st_ino as u64;
    match st.st_mode & libc::S_IFMT {
        libc::S_IFIFO => return format!("pipe:[{ino}]").into_bytes(),
        libc::S_IFSOCK => return format!("socket:[{ino}]").into_bytes(),
        libc::S_IFCHR =>
        {
            #[allow(clippy::unnecessary_cast)]
            if let Some((path, _)) = dev::identify_host_chr(h, st.st_rdev as u64) {
                return path.into_bytes();
            }
        }
        _ => {}
    }
    if p.fds.iter().any(|(i, e)| e.host.as_raw_fd() == h && p.fds.epoll(i as i64).is_some()) {
        return b"anon_inode:[eventpoll]".to_vec();
    }
    host_fd_text(p, h).unwrap_or_else(|| b"anon_inode:[unknown]".to_vec())
}

/// The host's own name for elfuse's fd `h` (memfds, anon inodes, files),
/// with the root's prefix taken off a path inside it.
fn host_fd_text(p: &Process, h: RawFd) -> Option<Vec<u8>> {
    #[cfg(target_os = "linux")]
    {
        let t = std::fs::read_link(format!("/proc/self/fd/{h}")).ok()?;
        Some(p.vfs.strip_root(std::os::unix::ffi::OsStrExt::as_bytes(t.as_os_str())))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (p, h);
        None
    }
}

/// The inode number `/proc/self/fdinfo` shows for guest fd `fd`.
pub fn fd_ino(p: &Process, fd: i64) -> Option<u64> {
    if let Some(st) = fstat(p, fd) {
        return Some(st.st_ino);
    }
    let h = p.fds.host(fd).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat fills `st` on success.
    if unsafe { libc::fstat(h, st.as_mut_ptr()) } < 0 {
        return None;
    }
    // SAFETY: initialised by the successful call.
    #[allow(clippy::unnecessary_cast)]
    Some(unsafe { st.assume_init() }.st_ino as u64)
}

/// getdents64(2) on a synthetic directory fd: `Some(records)` (at most
/// `count` bytes of whole records) if `fd` is one.
pub fn getdents(p: &Process, fd: i64, count: usize) -> Option<Result<Vec<u8>, Errno>> {
    let e = p.fds.get(fd).ok()?;
    let path = e.path.as_deref().filter(|g| is_synthetic(g))?;
    let h = e.host.as_raw_fd();
    if node_at(p, path).is_some_and(|n| !n.is_dir()) {
        return Some(Err(Errno::ENOTDIR));
    }
    // SAFETY: lseek has no memory effects.
    let pos = unsafe { libc::lseek(h, 0, libc::SEEK_CUR) };
    if pos < 0 {
        return Some(Err(Errno::last_host()));
    }
    // A read from the start lists the directory as it is now (Linux
    // generates /proc listings at read time: `/proc/self/fd` read through
    // an fd shows that fd too, and rewinddir sees new entries).
    if pos == 0 {
        if let Err(e) = refill(h, &dirents(p, path)) {
            return Some(Err(e));
        }
    }
    let mut buf = vec![0u8; count.min(1 << 20)];
    // SAFETY: reading into our own buffer of the stated length.
    let n = unsafe { libc::pread(h, buf.as_mut_ptr().cast(), buf.len(), pos) };
    if n < 0 {
        return Some(Err(Errno::last_host()));
    }
    buf.truncate(n as usize);
    let mut used = 0;
    while used + 19 <= buf.len() {
        let reclen = usize::from(u16::from_le_bytes([buf[used + 16], buf[used + 17]]));
        if reclen == 0 || used + reclen > buf.len() {
            break;
        }
        used += reclen;
    }
    if used == 0 && !buf.is_empty() {
        return Some(Err(Errno::EINVAL));
    }
    buf.truncate(used);
    // SAFETY: no memory effects.
    unsafe { libc::lseek(h, pos + used as libc::off_t, libc::SEEK_SET) };
    Some(Ok(buf))
}

/// Replace the content of host file `h` with `data`.
fn refill(h: std::os::fd::RawFd, data: &[u8]) -> Result<(), Errno> {
    // SAFETY: no memory effects.
    if unsafe { libc::ftruncate(h, 0) } < 0 {
        return Err(Errno::last_host());
    }
    let mut off = 0;
    while off < data.len() {
        // SAFETY: writing from our own buffer of the stated length.
        let n = unsafe { libc::pwrite(h, data[off..].as_ptr().cast(), data.len() - off, off as libc::off_t) };
        if n <= 0 {
            return Err(Errno::last_host());
        }
        off += n as usize;
    }
    Ok(())
}

/// Whether guest fd `fd` is a `/proc` file or directory (Linux seq files:
/// no SEEK_END).
pub fn seq_file(p: &Process, fd: i64) -> bool {
    p.fds.get(fd).ok().and_then(|e| e.path.as_deref()).is_some_and(|g| g == "/proc" || g.starts_with("/proc/"))
}

/// write(2) to a synthetic fd: `Some(result)` if elfuse answers it
/// (`comm` and `oom_score_adj` are writable; `/dev/full` is full).
pub fn write(p: &mut Process, fd: i64, data: &[u8]) -> Option<Result<u64, Errno>> {
    let path = p.fds.get(fd).ok()?.path.clone()?;
    if path == "/dev/full" {
        return Some(Err(Errno::ENOSPC));
    }
    if !path.starts_with("/proc/") {
        return None;
    }
    let c = comps(&path);
    let (who, rest) = match c.as_slice() {
        ["proc", w, "task", _, rest @ ..] | ["proc", w, rest @ ..] => (*w, rest),
        _ => return Some(Err(Errno::EINVAL)),
    };
    let me = matches!(pid::who(p, who), Some(pid::Who::Me));
    Some(match rest {
        ["comm"] if me => {
            let text = data.strip_suffix(b"\n").unwrap_or(data);
            let n = text.len().min(15);
            p.comm = [0; 16];
            p.comm[..n].copy_from_slice(&text[..n]);
            registry::publish(p);
            Ok(data.len() as u64)
        }
        ["comm"] => Err(Errno::EACCES),
        ["oom_score_adj"] if me => {
            let v: i32 = match std::str::from_utf8(data).ok().and_then(|s| s.trim().parse().ok()) {
                Some(v) if (-1000..=1000).contains(&v) => v,
                _ => return Some(Err(Errno::EINVAL)),
            };
            let cur = pid::OOM_SCORE_ADJ.load(std::sync::atomic::Ordering::Relaxed);
            if v < cur && !p.cred.privileged() {
                return Some(Err(Errno::EACCES));
            }
            pid::OOM_SCORE_ADJ.store(v, std::sync::atomic::Ordering::Relaxed);
            Ok(data.len() as u64)
        }
        ["loginuid"] => Err(Errno::EPERM),
        ["sys", ..] => Err(Errno::EPERM),
        _ => Err(Errno::EINVAL),
    })
}

/// execve of a path under the synthetic trees: the program a link there
/// names (`/proc/self/exe`), never a host file. Other paths unchanged.
pub fn exec_path(p: &Process, path: &[u8]) -> Result<Vec<u8>, Errno> {
    let abs = p.fs.absolute(path);
    if !is_synthetic(&abs) {
        return Ok(path.to_vec());
    }
    let opts = crate::fs::WalkOpts { follow: true, ..crate::fs::WalkOpts::default() };
    let r = crate::syscall::sys_fs::lookup(p, i64::from(fc::AT_FDCWD), path, opts)?;
    match r.last {
        crate::fs::Last::Synth(_) | crate::fs::Last::MagicFd => Err(Errno::EACCES),
        _ => Ok(r.guest.into_bytes()),
    }
}
