//! The guest's view of the file system: root (`--sysroot`), binds, cwd,
//! umask, and the path resolver.
//!
//! With a root, every guest path is resolved *inside* it exactly as if the
//! guest were chrooted (Linux `path_lookupat` under `chroot`, or openat2's
//! `RESOLVE_IN_ROOT`): component by component on the host, each directory
//! opened with `O_PATH|O_NOFOLLOW` relative to the previous one, each
//! symlink read with `readlinkat` and its text interpreted in the guest
//! namespace (an absolute target restarts at the guest root), `..` at the
//! root stays at the root, more than 40 links is `ELOOP`. The host never
//! follows a symlink or a `..` for us, so nothing can name a host file
//! outside the root: there is no string-prefix check to get wrong.
//!
//! The result of a lookup is a host directory fd plus one final name (or the
//! node itself, `"."`), which handlers pass to the host's `*at` calls with
//! no-follow flags. Every name under `/proc`, `/dev` and `/sys` is
//! answered by the [`crate::procfs`] hook (synthetic nodes, magic links
//! such as `/proc/self/exe`), never by the host; only `/dev/shm` is a host
//! directory (the instance's private one, bound there).

use std::collections::{HashMap, VecDeque};
use std::ffi::{CStr, CString, OsStr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::abi::errno::Errno;

/// Linux PATH_MAX (including the NUL).
pub const PATH_MAX: usize = 4096;
/// Longest path component (every Linux file system elfuse meets).
pub const NAME_MAX: usize = 255;
/// Linux MAXSYMLINKS: symlinks followed in one lookup.
pub const MAXSYMLINKS: u32 = 40;

/// Root, working directory and umask of a guest process.
#[derive(Clone, Debug)]
pub struct FsContext {
    /// Host directory that is the guest's `/` (None = host root).
    pub root: Option<PathBuf>,
    /// Guest-visible cwd (absolute, normalised).
    pub cwd: String,
    /// File creation mask.
    pub umask: u32,
}

/// Normalise an absolute guest path lexically: collapse `//`, `.`, and `..`
/// (never above `/`). Only for display and option parsing; lookups go
/// through [`Vfs::walk`].
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut s = String::from("/");
    s.push_str(&parts.join("/"));
    s
}

impl FsContext {
    /// The absolute guest path for `path` relative to the cwd (lexical).
    pub fn absolute(&self, path: &[u8]) -> String {
        let p = String::from_utf8_lossy(path);
        if p.starts_with('/') {
            normalize(&p)
        } else {
            normalize(&format!("{}/{}", self.cwd, p))
        }
    }

    /// The host path of a guest path, resolved inside the root (symlinks
    /// included) by the same component walk the syscalls use. Used to find
    /// and load the program; a path that does not resolve maps lexically
    /// (so the caller's open reports the error).
    pub fn host_path(&self, guest_abs: &str) -> PathBuf {
        let lexical = || match &self.root {
            None => PathBuf::from(guest_abs),
            Some(r) => r.join(normalize(guest_abs).trim_start_matches('/')),
        };
        let Ok(vfs) = Vfs::new(self.root.clone(), &[]) else { return lexical() };
        vfs.host_path(guest_abs).unwrap_or_else(lexical)
    }

    /// The guest-visible form of a host path (strip the root prefix).
    pub fn guest_path(&self, host: &Path) -> Option<String> {
        match &self.root {
            None => Some(host.to_string_lossy().into_owned()),
            Some(r) => {
                let rest = host.strip_prefix(r).ok()?;
                Some(normalize(&format!("/{}", rest.to_string_lossy())))
            }
        }
    }
}

/// A host directory exposed at a guest path (`--bind HOST:GUEST`, PRoot's
/// `-b`). Crossing it is a mount crossing: `..` from its top returns to the
/// guest parent.
#[derive(Debug)]
pub struct Bind {
    /// Guest mount point, as components.
    pub guest: Vec<Vec<u8>>,
    /// Host directory.
    pub host: PathBuf,
    fd: Arc<OwnedFd>,
}

/// Owner and mode recorded by `--fakeroot` chown/chmod, keyed by host
/// (st_dev, st_ino).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FakeOwner {
    /// Recorded uid, if chown set it.
    pub uid: Option<u32>,
    /// Recorded gid, if chown set it.
    pub gid: Option<u32>,
    /// Recorded permission bits, if a chmod the host refused set them.
    pub mode: Option<u32>,
}

/// How a lookup ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Last {
    /// A normal final name in `dir` (it may not exist yet).
    Norm,
    /// The path ended at the root (`/`).
    Root,
    /// The path ended in `.`.
    Dot,
    /// The path ended in `..`.
    DotDot,
    /// The path ended at a bind mount point.
    Mount,
    /// A `/proc/self/fd/N` link to an fd without a path (pipe, socket...):
    /// `dir` is that object itself.
    MagicFd,
    /// A synthetic `/proc`, `/dev` or `/sys` node (answered by
    /// [`crate::procfs`]); `dir` is a placeholder directory handle.
    Synth(SynthNode),
}

/// What the resolver knows of a synthetic node: its Linux mode (type and
/// permissions), device number and link count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynthNode {
    /// Linux `st_mode` (S_IF* type and permission bits).
    pub mode: u32,
    /// Linux `st_rdev` (character devices).
    pub rdev: u64,
    /// Link count.
    pub nlink: u32,
    /// Size (symlinks: the target's length).
    pub size: u64,
}

impl SynthNode {
    /// Whether the node is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode & crate::abi::stat::S_IFMT == crate::abi::stat::S_IFDIR
    }
}

/// The outcome of a lookup: `name` inside host directory `dir` (or the
/// directory itself when `name` is `"."`).
#[derive(Debug)]
pub struct Resolved {
    /// Host directory fd (`O_PATH`).
    pub dir: Arc<OwnedFd>,
    /// Final component, `"."` for the node itself; a trailing `/` is kept
    /// so the host insists on a directory.
    pub name: CString,
    /// Guest path of the result (what /proc/self/fd and getcwd show).
    pub guest: String,
    /// How the lookup ended.
    pub last: Last,
}

impl Resolved {
    /// `(dirfd, name)` for a host `*at` call.
    pub fn at(&self) -> (RawFd, &CStr) {
        (self.dir.as_raw_fd(), self.name.as_c_str())
    }

    /// Whether the result is the directory fd itself (no final name).
    pub fn is_node(&self) -> bool {
        self.last != Last::Norm
    }

    /// Open the result on the host with `hflags` (host open flags); symlinks
    /// are never followed by the host (the walk already did).
    pub fn open(&self, hflags: i32, mode: u32) -> Result<OwnedFd, Errno> {
        if let Last::Synth(_) = self.last {
            // Synthetic nodes are opened by crate::procfs, never as host files.
            return Err(Errno::EACCES);
        }
        if self.last == Last::MagicFd {
            return reopen(&self.dir, hflags);
        }
        let (d, n) = self.at();
        // SAFETY: `n` is a valid C string; openat has no other memory effects.
        let r = unsafe { libc::openat(d, n.as_ptr(), hflags | libc::O_NOFOLLOW | libc::O_CLOEXEC, mode) };
        if r < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: `r` is a fresh fd owned by nobody else.
        Ok(unsafe { OwnedFd::from_raw_fd(r) })
    }

    /// The result as an `O_PATH` handle (the object itself, not followed).
    pub fn handle(&self) -> Result<OwnedFd, Errno> {
        if self.is_node() {
            return crate::fdtable::dup_host(self.dir.as_raw_fd(), 3);
        }
        self.open(O_PATH_FLAGS, 0)
    }

    /// lstat of the result (the walk already followed what should be).
    pub fn stat(&self) -> Result<libc::stat, Errno> {
        if let Last::Synth(n) = self.last {
            return Ok(synth_host_stat(&n));
        }
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        let r = if self.is_node() {
            // SAFETY: fstat writes into `st` only.
            unsafe { libc::fstat(self.dir.as_raw_fd(), st.as_mut_ptr()) }
        } else {
            let (d, n) = self.at();
            // SAFETY: valid C string; fstatat writes into `st` only.
            unsafe { libc::fstatat(d, n.as_ptr(), st.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW) }
        };
        if r < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: the call succeeded, so `st` is initialised.
        Ok(unsafe { st.assume_init() })
    }
}

/// A host-typed `stat` for a synthetic node (for callers that only look at
/// its type and permissions; the guest-visible one is
/// [`crate::procfs::stat`]'s).
#[allow(clippy::unnecessary_cast)] // mode_t is u16 on macOS
fn synth_host_stat(n: &SynthNode) -> libc::stat {
    use crate::abi::stat as ls;
    // SAFETY: libc::stat is plain data; all-zero is a valid value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let t = match n.mode & ls::S_IFMT {
        ls::S_IFDIR => libc::S_IFDIR,
        ls::S_IFLNK => libc::S_IFLNK,
        ls::S_IFCHR => libc::S_IFCHR,
        _ => libc::S_IFREG,
    };
    st.st_mode = (t as u32 | (n.mode & 0o7777)) as _;
    st.st_nlink = n.nlink as _;
    st.st_size = n.size as _;
    // SAFETY: no memory effects.
    unsafe {
        st.st_uid = libc::geteuid();
        st.st_gid = libc::getegid();
    }
    st
}

/// Re-open an `O_PATH` handle with real access flags (as Linux does for
/// `/proc/self/fd/N`).
fn reopen(fd: &OwnedFd, hflags: i32) -> Result<OwnedFd, Errno> {
    #[cfg(target_os = "linux")]
    {
        let p = CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).map_err(|_| Errno::EINVAL)?;
        // SAFETY: valid C string; the host follows its own magic link to an
        // object the guest already holds.
        let r = unsafe { libc::open(p.as_ptr(), (hflags & !libc::O_NOFOLLOW) | libc::O_CLOEXEC) };
        if r < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: fresh fd.
        Ok(unsafe { OwnedFd::from_raw_fd(r) })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = hflags;
        crate::fdtable::dup_host(fd.as_raw_fd(), 3)
    }
}

/// Host flags for a lookup handle: the object itself, never followed.
#[cfg(target_os = "linux")]
pub const O_PATH_FLAGS: i32 = libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC;
/// Host flags for a lookup handle (no O_PATH on this host).
#[cfg(not(target_os = "linux"))]
pub const O_PATH_FLAGS: i32 = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC;

/// Where a relative lookup starts.
pub enum Start {
    /// The guest root.
    Root,
    /// A directory: host fd and its guest path.
    Dir(Arc<OwnedFd>, String),
}

/// Lookup options (Linux `LOOKUP_*` and openat2 `RESOLVE_*`).
#[derive(Clone, Copy, Debug, Default)]
pub struct WalkOpts {
    /// Follow a symlink in the final component.
    pub follow: bool,
    /// RESOLVE_NO_SYMLINKS: any symlink is ELOOP.
    pub no_symlinks: bool,
    /// RESOLVE_NO_MAGICLINKS: /proc magic links are ELOOP.
    pub no_magic: bool,
    /// RESOLVE_BENEATH: never above the start (EXDEV).
    pub beneath: bool,
    /// RESOLVE_IN_ROOT: the start is the root for this lookup.
    pub in_root: bool,
    /// RESOLVE_NO_XDEV: no bind/mount crossing (EXDEV).
    pub no_xdev: bool,
    /// A parent lookup (Linux `filename_parentat`, for create/remove/rename):
    /// the final component is never followed, even with a trailing slash
    /// (which stays on the name for the host to check).
    pub parent: bool,
}

/// What a /proc magic link stands for.
pub enum Magic {
    /// A guest path (exe, cwd, root, fd with a path).
    Link(Vec<u8>),
    /// The host fd of a guest fd without a path.
    Fd(RawFd),
    /// No such entry (closed fd).
    Missing,
    /// An ordinary symlink (`/proc/self`, `/dev/fd`): followed like one,
    /// but not a magic link for RESOLVE_NO_MAGICLINKS.
    Sym(Vec<u8>),
    /// A synthetic node that is not a link.
    Synth(SynthNode),
}

/// The hook that recognises magic links: (guest dir components, name).
pub type MagicHook<'a> = dyn Fn(&[Vec<u8>], &[u8]) -> Option<Magic> + 'a;

/// The process's file-system namespace: root fd, binds, cwd handle, and
/// the `--fakeroot` ownership records.
#[derive(Debug)]
pub struct Vfs {
    root: Option<PathBuf>,
    root_fd: Arc<OwnedFd>,
    binds: Vec<Bind>,
    cwd: Mutex<Option<(String, Arc<OwnedFd>)>>,
    /// The host handle that stands for every synthetic directory (an empty
    /// private directory).
    synth_fd: Arc<OwnedFd>,
    /// `--fakeroot` chown records.
    pub owners: Mutex<HashMap<(u64, u64), FakeOwner>>,
}

fn open_dir_host(p: &Path) -> Result<OwnedFd, Errno> {
    let c = CString::new(p.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
    // SAFETY: valid C string.
    let r = unsafe { libc::open(c.as_ptr(), O_PATH_FLAGS | libc::O_DIRECTORY) };
    if r < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: fresh fd.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// Split a path into its components (no empty ones).
pub fn components(path: &[u8]) -> Vec<Vec<u8>> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty()).map(<[u8]>::to_vec).collect()
}

fn join_guest(comps: &[Vec<u8>], name: Option<&[u8]>) -> String {
    let mut s = Vec::with_capacity(64);
    for c in comps.iter().map(Vec::as_slice).chain(name) {
        s.push(b'/');
        s.extend_from_slice(c);
    }
    if s.is_empty() {
        s.push(b'/');
    }
    String::from_utf8_lossy(&s).into_owned()
}

/// readlinkat on the host: Ok(target) for a symlink.
fn read_link(dir: RawFd, name: &[u8]) -> Result<Vec<u8>, Errno> {
    let c = CString::new(name).map_err(|_| Errno::EINVAL)?;
    let mut buf = vec![0u8; PATH_MAX];
    // SAFETY: valid C string; buffer of the stated size.
    let n = unsafe { libc::readlinkat(dir, c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        return Err(Errno::last_host());
    }
    buf.truncate(n as usize);
    Ok(buf)
}

fn open_at(dir: RawFd, name: &[u8], flags: i32) -> Result<OwnedFd, Errno> {
    let c = CString::new(name).map_err(|_| Errno::EINVAL)?;
    // SAFETY: valid C string.
    let r = unsafe { libc::openat(dir, c.as_ptr(), flags) };
    if r < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: fresh fd.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// Without an instance directory: a fresh empty private directory, removed
/// at once (the handle keeps it usable as an empty, unwritable directory).
fn open_empty_fallback() -> Result<OwnedFd, Errno> {
    let d = std::env::temp_dir().join(format!("elfuse-empty-{}", std::process::id()));
    let _ = std::fs::create_dir(&d);
    let fd = open_dir_host(&d);
    let _ = std::fs::remove_dir(&d);
    fd
}

impl Vfs {
    /// The namespace for `root` (None = the host root) with `binds`
    /// (host dir, guest path). `/proc`, `/dev` and `/sys` are synthetic
    /// ([`crate::procfs`]), never the host's, with or without a root;
    /// `/dev/shm` is the instance's private directory.
    pub fn new(root: Option<PathBuf>, binds: &[(PathBuf, String)]) -> Result<Vfs, Errno> {
        let root_fd = Arc::new(open_dir_host(root.as_deref().unwrap_or(Path::new("/")))?);
        let mut list: Vec<Bind> = Vec::new();
        let mut add = |host: &Path, guest: &str| -> Result<(), Errno> {
            let g = components(guest.as_bytes());
            if g.is_empty() {
                return Err(Errno::EINVAL);
            }
            let fd = Arc::new(open_dir_host(host)?);
            list.retain(|b| b.guest != g);
            list.push(Bind { guest: g, host: host.to_path_buf(), fd });
            Ok(())
        };
        if let Some(shm) = crate::procfs::instance::shm_dir() {
            let _ = add(&shm, "/dev/shm");
        }
        for (h, g) in binds {
            add(h, g)?;
        }
        let synth_fd = match crate::procfs::instance::empty_dir().map(|d| open_dir_host(&d)) {
            Some(Ok(fd)) => Arc::new(fd),
            _ => Arc::new(open_empty_fallback()?),
        };
        Ok(Vfs { root, root_fd, binds: list, cwd: Mutex::new(None), synth_fd, owners: Mutex::new(HashMap::new()) })
    }

    /// The namespace a run configuration asks for. `main` validated the
    /// root and binds already; should they have vanished since, the binds
    /// are dropped, and without a root elfuse stops rather than expose the
    /// host's.
    pub fn for_config(c: &crate::process::Config) -> Vfs {
        // The guest's umask is applied by elfuse to every creation; the
        // host's must not mask it a second time.
        // SAFETY: umask has no memory effects.
        unsafe { libc::umask(0) };
        Vfs::new(c.sysroot.clone(), &c.binds).or_else(|_| Vfs::new(c.sysroot.clone(), &[])).unwrap_or_else(|e| {
            eprintln!("elfuse: cannot open the guest root: {}", e.message());
            std::process::exit(2)
        })
    }

    /// chroot(2): the resolved directory `guest` (handle `fd`) becomes the
    /// root. Binds below it move with it; the others are outside now.
    pub fn chroot(&mut self, guest: &str, fd: OwnedFd) -> Result<(), Errno> {
        let comps = components(guest.as_bytes());
        if comps.is_empty() {
            return Ok(());
        }
        self.root = Some(self.host_of(guest));
        self.root_fd = Arc::new(fd);
        self.binds.retain_mut(|b| {
            if b.guest.len() > comps.len() && b.guest[..comps.len()] == comps[..] {
                b.guest.drain(..comps.len());
                true
            } else {
                false
            }
        });
        *self.cwd.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }

    /// The placeholder host handle of synthetic directories.
    pub fn synth_dir(&self) -> Arc<OwnedFd> {
        self.synth_fd.clone()
    }

    /// Whether a `--sysroot` is in effect.
    pub fn has_root(&self) -> bool {
        self.root.is_some()
    }

    /// Host root directory handle.
    pub fn root_fd(&self) -> Arc<OwnedFd> {
        self.root_fd.clone()
    }

    /// The host path of a resolved guest path (for loading programs and
    /// messages; never for access decisions).
    pub fn host_of(&self, guest: &str) -> PathBuf {
        let comps = components(guest.as_bytes());
        let best = self
            .binds
            .iter()
            .filter(|b| comps.len() >= b.guest.len() && comps[..b.guest.len()] == b.guest[..])
            .max_by_key(|b| b.guest.len());
        let (mut p, rest) = match best {
            Some(b) => (b.host.clone(), &comps[b.guest.len()..]),
            None => (self.root.clone().unwrap_or_else(|| PathBuf::from("/")), &comps[..]),
        };
        for c in rest {
            p.push(OsStr::from_bytes(c));
        }
        p
    }

    /// A host path as the guest sees it: inside the root, without the
    /// root's prefix; anything else unchanged.
    pub fn strip_root(&self, host: &[u8]) -> Vec<u8> {
        let Some(root) = &self.root else { return host.to_vec() };
        let r = root.as_os_str().as_bytes();
        match host.strip_prefix(r) {
            Some([]) => b"/".to_vec(),
            Some(rest) if rest.first() == Some(&b'/') => rest.to_vec(),
            _ => host.to_vec(),
        }
    }

    /// The host path of absolute guest path `guest_abs`, resolved inside the
    /// root (binds included, symlinks followed): for handing a program file
    /// to the loader. None if it does not resolve.
    pub fn host_path(&self, guest_abs: &str) -> Option<PathBuf> {
        let opts = WalkOpts { follow: true, ..WalkOpts::default() };
        let r = self.walk(Start::Root, guest_abs.as_bytes(), opts, &|_, _| None).ok()?;
        Some(self.host_of(&r.guest))
    }

    fn bind_at(&self, comps: &[Vec<u8>], name: &[u8]) -> Option<&Bind> {
        self.binds.iter().find(|b| {
            b.guest.len() == comps.len() + 1 && b.guest[..comps.len()] == *comps && b.guest[comps.len()] == name
        })
    }

    /// The cwd handle for guest path `cwd`, cached between calls.
    pub fn cwd_dir(&self, cwd: &str, magic: &MagicHook) -> Result<Arc<OwnedFd>, Errno> {
        let mut c = self.cwd.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((s, fd)) = c.as_ref() {
            if s == cwd {
                return Ok(fd.clone());
            }
        }
        let fd = Arc::new(self.open_dir(Start::Root, cwd.as_bytes(), magic)?.1);
        *c = Some((cwd.to_string(), fd.clone()));
        Ok(fd)
    }

    /// Record `fd` as the handle of the new cwd `guest` (chdir).
    pub fn set_cwd(&self, guest: &str, fd: Arc<OwnedFd>) {
        *self.cwd.lock().unwrap_or_else(|e| e.into_inner()) = Some((guest.to_string(), fd));
    }

    /// Resolve `path` to a directory and open it: (guest path, handle).
    pub fn open_dir(&self, start: Start, path: &[u8], magic: &MagicHook) -> Result<(String, OwnedFd), Errno> {
        let opts = WalkOpts { follow: true, ..WalkOpts::default() };
        let r = self.walk(start, path, opts, magic)?;
        let fd = if r.is_node() {
            if r.last == Last::MagicFd || matches!(r.last, Last::Synth(n) if !n.is_dir()) {
                return Err(Errno::ENOTDIR);
            }
            crate::fdtable::dup_host(r.dir.as_raw_fd(), 3)?
        } else {
            r.open(O_PATH_FLAGS | libc::O_DIRECTORY, 0)?
        };
        Ok((r.guest, fd))
    }

    /// Look `path` up from `start`, component by component, inside the root.
    pub fn walk(&self, start: Start, path: &[u8], opts: WalkOpts, magic: &MagicHook) -> Result<Resolved, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        // The floor: what `..` cannot go above and an absolute path restarts
        // at. The guest root, or the start itself for RESOLVE_IN_ROOT/BENEATH.
        let (floor_fd, floor_guest): (Arc<OwnedFd>, Vec<Vec<u8>>) = match &start {
            Start::Dir(fd, g) if opts.in_root || opts.beneath => (fd.clone(), components(g.as_bytes())),
            _ => (self.root_fd.clone(), Vec::new()),
        };
        let mut guest: Vec<Vec<u8>>;
        // (guest depth, host fd) pairs; the last one is the current directory.
        let mut stack: Vec<(usize, Arc<OwnedFd>)>;
        let absolute = path[0] == b'/';
        match start {
            Start::Dir(fd, g) if !absolute => {
                guest = components(g.as_bytes());
                stack = vec![(guest.len(), fd)];
            }
            _ => {
                if absolute && opts.beneath {
                    return Err(Errno::EXDEV);
                }
                guest = floor_guest.clone();
                stack = vec![(guest.len(), floor_fd.clone())];
            }
        }
        let mut pending: VecDeque<Vec<u8>> = components(path).into();
        let mut trailing = path.ends_with(b"/");
        let mut last = if absolute { Last::Root } else { Last::Dot };
        let mut links = 0u32;
        let mut follow_link = |target: Vec<u8>,
                               is_last: bool,
                               guest: &mut Vec<Vec<u8>>,
                               stack: &mut Vec<(usize, Arc<OwnedFd>)>,
                               pending: &mut VecDeque<Vec<u8>>,
                               trailing: &mut bool|
         -> Result<Last, Errno> {
            links += 1;
            if links > MAXSYMLINKS || opts.no_symlinks {
                return Err(Errno::ELOOP);
            }
            if target.is_empty() {
                return Err(Errno::ENOENT);
            }
            if is_last && target.ends_with(b"/") {
                *trailing = true;
            }
            for c in components(&target).into_iter().rev() {
                pending.push_front(c);
            }
            if target[0] == b'/' {
                if opts.beneath {
                    return Err(Errno::EXDEV);
                }
                guest.clone_from(&floor_guest);
                *stack = vec![(guest.len(), floor_fd.clone())];
                return Ok(Last::Root);
            }
            Ok(Last::Dot)
        };
        while let Some(comp) = pending.pop_front() {
            let is_last = pending.is_empty();
            if comp == b"." {
                last = Last::Dot;
                continue;
            }
            if comp == b".." {
                last = Last::DotDot;
                if guest.len() <= floor_guest.len() && stack.len() == 1 && Arc::ptr_eq(&stack[0].1, &floor_fd) {
                    if opts.beneath {
                        return Err(Errno::EXDEV);
                    }
                    continue; // `..` at the root is the root.
                }
                if guest.is_empty() {
                    // A start directory without a guest path: the root.
                    stack = vec![(0, self.root_fd.clone())];
                    continue;
                }
                guest.pop();
                while stack.last().is_some_and(|(d, _)| *d > guest.len()) {
                    stack.pop();
                }
                if stack.last().is_none_or(|(d, _)| *d != guest.len()) {
                    // Above where this lookup started: find the parent from
                    // the root by its guest path (never the host's `..`).
                    if opts.beneath && guest.len() < floor_guest.len() {
                        return Err(Errno::EXDEV);
                    }
                    let g = join_guest(&guest, None);
                    let (_, fd) = self.open_dir(Start::Root, g.as_bytes(), magic)?;
                    stack = vec![(guest.len(), Arc::new(fd))];
                }
                continue;
            }
            if comp.len() > NAME_MAX {
                return Err(Errno::ENAMETOOLONG);
            }
            last = Last::Norm;
            let cur = stack.last().map(|(_, f)| f.clone()).ok_or(Errno::ENOENT)?;
            let follow = !is_last || (!opts.parent && (opts.follow || trailing));
            if let Some(m) = magic(&guest, &comp) {
                let link = |t: &[u8]| SynthNode {
                    mode: crate::abi::stat::S_IFLNK | 0o777,
                    rdev: 0,
                    nlink: 1,
                    size: t.len() as u64,
                };
                let node = match m {
                    Magic::Missing => return Err(Errno::ENOENT),
                    Magic::Link(_) | Magic::Fd(_) if follow && opts.no_magic => return Err(Errno::ELOOP),
                    Magic::Link(t) | Magic::Sym(t) if follow => {
                        last = follow_link(t, is_last, &mut guest, &mut stack, &mut pending, &mut trailing)?;
                        continue;
                    }
                    Magic::Fd(h) if follow => {
                        let fd = Arc::new(magic_handle(h)?);
                        guest.push(comp);
                        if is_last {
                            return Ok(Resolved {
                                dir: fd,
                                name: c".".into(),
                                guest: join_guest(&guest, None),
                                last: Last::MagicFd,
                            });
                        }
                        stack.push((guest.len(), fd));
                        continue;
                    }
                    Magic::Link(t) | Magic::Sym(t) => link(&t),
                    Magic::Fd(_) => link(&[0u8; 64]),
                    Magic::Synth(n) => n,
                };
                if !node.is_dir() && (!is_last || trailing) {
                    return Err(Errno::ENOTDIR);
                }
                guest.push(comp);
                if is_last {
                    return Ok(Resolved {
                        dir: self.synth_fd.clone(),
                        name: c".".into(),
                        guest: join_guest(&guest, None),
                        last: Last::Synth(node),
                    });
                }
                stack.push((guest.len(), self.synth_fd.clone()));
                continue;
            }
            if let Some(b) = self.bind_at(&guest, &comp) {
                if opts.no_xdev {
                    return Err(Errno::EXDEV);
                }
                guest.push(comp);
                stack.push((guest.len(), b.fd.clone()));
                if is_last {
                    last = Last::Mount;
                }
                continue;
            }
            if is_last {
                if follow {
                    match read_link(cur.as_raw_fd(), &comp) {
                        Ok(t) => {
                            last = follow_link(t, true, &mut guest, &mut stack, &mut pending, &mut trailing)?;
                            continue;
                        }
                        Err(Errno::EINVAL | Errno::ENOENT) => {}
                        Err(e) => return Err(e),
                    }
                }
                let mut name = comp.clone();
                if trailing {
                    name.push(b'/');
                }
                let name = CString::new(name).map_err(|_| Errno::EINVAL)?;
                return Ok(Resolved { dir: cur, name, guest: join_guest(&guest, Some(&comp)), last: Last::Norm });
            }
            match open_at(cur.as_raw_fd(), &comp, O_PATH_FLAGS | libc::O_DIRECTORY) {
                Ok(fd) => {
                    guest.push(comp);
                    stack.push((guest.len(), Arc::new(fd)));
                }
                Err(Errno::ENOTDIR | Errno::ELOOP) => match read_link(cur.as_raw_fd(), &comp) {
                    Ok(t) => {
                        last = follow_link(t, false, &mut guest, &mut stack, &mut pending, &mut trailing)?;
                    }
                    Err(Errno::EINVAL) => return Err(Errno::ENOTDIR),
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        // The path ended at a directory node ("/", ".", "..", a mount, or a
        // symlink to one of those).
        if let Some((name, parent)) = guest.split_last() {
            if let Some(Magic::Synth(n)) = magic(parent, name) {
                // A synthetic directory ("/proc/self/.", "/proc/1/task/..").
                return Ok(Resolved {
                    dir: self.synth_fd.clone(),
                    name: c".".into(),
                    guest: join_guest(&guest, None),
                    last: Last::Synth(n),
                });
            }
        }
        let dir = stack.last().map(|(_, f)| f.clone()).ok_or(Errno::ENOENT)?;
        let last = if last == Last::Norm { Last::Mount } else { last };
        let last = if guest.is_empty() && last != Last::DotDot && last != Last::Dot { Last::Root } else { last };
        Ok(Resolved { dir, name: c".".into(), guest: join_guest(&guest, None), last })
    }
}

/// An `O_PATH` handle on the object behind host fd `h`.
fn magic_handle(h: RawFd) -> Result<OwnedFd, Errno> {
    #[cfg(target_os = "linux")]
    {
        let p = CString::new(format!("/proc/self/fd/{h}")).map_err(|_| Errno::EINVAL)?;
        // SAFETY: valid C string; the object is one the guest holds.
        let r = unsafe { libc::open(p.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
        if r < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: fresh fd.
        Ok(unsafe { OwnedFd::from_raw_fd(r) })
    }
    #[cfg(not(target_os = "linux"))]
    {
        crate::fdtable::dup_host(h, 3)
    }
}

/// A host path as a C string (paths with interior NUL cannot come from
/// guest C strings).
pub fn cpath(p: &Path) -> Result<CString, Errno> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)
}

/// Bytes of an OsStr.
pub fn os_bytes(s: &OsStr) -> &[u8] {
    s.as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathBuf {
        let d = std::env::temp_dir().join(format!("elfuse-fs-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("root/etc")).unwrap();
        std::fs::create_dir_all(d.join("root/home/u")).unwrap();
        std::fs::write(d.join("root/etc/passwd"), b"inside").unwrap();
        std::fs::write(d.join("secret"), b"outside").unwrap();
        std::os::unix::fs::symlink("/", d.join("root/home/u/up")).unwrap();
        std::os::unix::fs::symlink("../../../../../secret", d.join("root/home/u/esc")).unwrap();
        std::os::unix::fs::symlink("loop2", d.join("root/home/u/loop1")).unwrap();
        std::os::unix::fs::symlink("loop1", d.join("root/home/u/loop2")).unwrap();
        d
    }

    #[test]
    fn chroot_exact_lookup() {
        let d = tree();
        let vfs = Vfs::new(Some(d.join("root")), &[]).unwrap();
        let follow = WalkOpts { follow: true, ..WalkOpts::default() };
        let w = |p: &str| vfs.walk(Start::Root, p.as_bytes(), follow, &|_, _| None);
        assert_eq!(w("/etc/passwd").unwrap().guest, "/etc/passwd");
        assert_eq!(w("/../../etc/passwd").unwrap().guest, "/etc/passwd");
        assert_eq!(w("/home/u/up/etc/passwd").unwrap().guest, "/etc/passwd");
        assert_eq!(w("/home/u/up/../secret").unwrap().guest, "/secret");
        assert_eq!(w("/home/u/esc").unwrap().guest, "/secret");
        assert_eq!(w("/home/u/loop1").unwrap_err(), Errno::ELOOP);
        assert_eq!(w("/etc/passwd/x").unwrap_err(), Errno::ENOTDIR);
        assert_eq!(w("/nope/x").unwrap_err(), Errno::ENOENT);
        assert_eq!(w(&format!("/{}", "a".repeat(256))).unwrap_err(), Errno::ENAMETOOLONG);
        assert_eq!(w("/").unwrap().last, Last::Root);
        assert_eq!(w("").unwrap_err(), Errno::ENOENT);
        assert!(w("/home/u/esc").unwrap().open(libc::O_RDONLY, 0).is_err());
        let fs = FsContext { root: Some(d.join("root")), cwd: "/".into(), umask: 0o22 };
        assert_eq!(fs.host_path("/home/u/up/etc/passwd"), d.join("root/etc/passwd"));
        assert_eq!(normalize("/a/./b//../c/"), "/a/c");
        std::fs::remove_dir_all(&d).unwrap();
        crate::procfs::instance::cleanup();
    }
}
