//! getdents64(2) for hosts whose kernel has no `linux_dirent64` call
//! (macOS), from the portable readdir(3).
//!
//! The position of a guest directory fd is an entry index kept in the host
//! fd's own file offset: the guest's `lseek(fd, d_off, SEEK_SET)` (seekdir)
//! and `lseek(fd, 0, SEEK_SET)` (rewinddir) work on the host fd as they are,
//! dups share the position as Linux's do, and a fork child (a fresh elfuse
//! holding the same open file description) resumes where the parent was.
//! Entry `i` (from 0) gets `d_off = i + 1`.
//!
//! Reading goes through a `DIR` on an independent open of the directory
//! (`openat(fd, ".")`: a dup would share, and move, the offset). It is kept
//! between calls (the last [`MAX_STREAMS`]) while the host fd, its
//! directory and its offset still match, so a readdir loop costs one pass;
//! any other position is reached by reading from the start and skipping.

use std::os::fd::RawFd;

use parking_lot::Mutex;

use crate::abi::dirent as de;
use crate::abi::errno::Errno;

/// One readdir stream on a host directory.
struct Stream {
    /// The guest's host fd it serves.
    fd: RawFd,
    /// Identity of that fd's directory.
    dev: u64,
    ino: u64,
    dir: *mut libc::DIR,
    /// Index of the entry `readdir` (or `pending`) returns next.
    next: u64,
    /// An entry read but not returned (it did not fit the guest buffer).
    pending: Option<Entry>,
}

// SAFETY: the DIR is used only while the STREAMS lock is held, by one
// thread at a time; nothing in it is tied to the thread that opened it.
unsafe impl Send for Stream {}

impl Drop for Stream {
    fn drop(&mut self) {
        // SAFETY: `dir` came from fdopendir and is closed only here.
        unsafe { libc::closedir(self.dir) };
    }
}

struct Entry {
    ino: u64,
    dtype: u8,
    name: Vec<u8>,
}

/// Streams kept between calls (a few: each holds a host fd).
static STREAMS: Mutex<Vec<Stream>> = Mutex::new(Vec::new());
const MAX_STREAMS: usize = 16;

fn clear_errno() {
    // SAFETY: the calling thread's errno location is always valid.
    #[cfg(target_os = "macos")]
    unsafe {
        *libc::__error() = 0
    };
    // SAFETY: as above.
    #[cfg(not(target_os = "macos"))]
    unsafe {
        *libc::__errno_location() = 0
    };
}

fn dtype_from_host(t: u8) -> u8 {
    match t {
        libc::DT_FIFO => de::DT_FIFO,
        libc::DT_CHR => de::DT_CHR,
        libc::DT_DIR => de::DT_DIR,
        libc::DT_BLK => de::DT_BLK,
        libc::DT_REG => de::DT_REG,
        libc::DT_LNK => de::DT_LNK,
        libc::DT_SOCK => de::DT_SOCK,
        _ => de::DT_UNKNOWN,
    }
}

impl Stream {
    /// A stream on the directory of `fd`, positioned at entry `pos`.
    fn open(fd: RawFd, dev: u64, ino: u64, pos: u64) -> Result<Option<Stream>, Errno> {
        // SAFETY: a NUL-terminated path relative to a caller-owned fd.
        let dfd = unsafe { libc::openat(fd, c".".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        if dfd < 0 {
            return match Errno::last_host() {
                // Linux lists a removed directory as empty.
                Errno::ENOENT => Ok(None),
                e => Err(e),
            };
        }
        // SAFETY: `dfd` is ours; on success the DIR owns it.
        let dir = unsafe { libc::fdopendir(dfd) };
        if dir.is_null() {
            let e = Errno::last_host();
            // SAFETY: fdopendir failed, so `dfd` is still ours to close.
            unsafe { libc::close(dfd) };
            return Err(e);
        }
        let mut s = Stream { fd, dev, ino, dir, next: 0, pending: None };
        while s.next < pos {
            if s.read()?.is_none() {
                break;
            }
            s.next += 1;
        }
        Ok(Some(s))
    }

    /// The next entry, or None at the end.
    fn read(&mut self) -> Result<Option<Entry>, Errno> {
        if let Some(e) = self.pending.take() {
            return Ok(Some(e));
        }
        clear_errno();
        // SAFETY: `dir` is a live DIR used by this thread alone (lock held).
        let d = unsafe { libc::readdir(self.dir) };
        if d.is_null() {
            let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            return if e == 0 { Ok(None) } else { Err(Errno::from_host(e)) };
        }
        // SAFETY: readdir returned a valid entry whose d_name is
        // NUL-terminated; it stays valid until the next readdir on `dir`.
        let (ino, dtype, name) = unsafe {
            let d = &*d;
            (d.d_ino, d.d_type, std::ffi::CStr::from_ptr(d.d_name.as_ptr()).to_bytes().to_vec())
        };
        #[allow(clippy::unnecessary_cast)]
        Ok(Some(Entry { ino: ino as u64, dtype: dtype_from_host(dtype), name }))
    }
}

/// Fill `buf` with `linux_dirent64` records of host directory fd `fd` from
/// its current position, advancing it. Returns the bytes used: 0 at the
/// end; EINVAL if the next record does not fit an empty buffer; ENOTDIR
/// for a non-directory.
pub fn getdents64(fd: RawFd, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: fstat into a zeroed stat we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        return Err(Errno::last_host());
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(Errno::ENOTDIR);
    }
    #[allow(clippy::unnecessary_cast)]
    let (dev, ino) = (st.st_dev as u64, st.st_ino as u64);
    // SAFETY: lseek has no memory effects.
    let pos = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
    if pos < 0 {
        return Err(Errno::last_host());
    }
    let pos = pos as u64;

    let mut streams = STREAMS.lock();
    let kept = streams.iter().position(|s| s.fd == fd);
    let kept = kept.map(|i| streams.swap_remove(i));
    let mut s = match kept {
        Some(s) if s.dev == dev && s.ino == ino && s.next == pos => s,
        _ => match Stream::open(fd, dev, ino, pos)? {
            Some(s) => s,
            None => return Ok(0),
        },
    };
    let mut used = 0;
    while let Some(e) = s.read()? {
        let off = i64::try_from(s.next + 1).unwrap_or(i64::MAX);
        if !de::put_dirent64(buf, &mut used, e.ino, off, e.dtype, &e.name) {
            s.pending = Some(e);
            break;
        }
        s.next += 1;
    }
    // SAFETY: lseek has no memory effects.
    let r = unsafe { libc::lseek(fd, s.next as libc::off_t, libc::SEEK_SET) };
    let einval = used == 0 && s.pending.is_some();
    if streams.len() >= MAX_STREAMS {
        streams.remove(0);
    }
    streams.push(s);
    if r < 0 {
        Err(Errno::last_host())
    } else if einval {
        Err(Errno::EINVAL)
    } else {
        Ok(used)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::os::fd::{AsRawFd, OwnedFd};

    use super::*;

    /// A fresh directory with `n` files, opened O_RDONLY.
    fn dir_with(n: usize, tag: &str) -> (std::path::PathBuf, OwnedFd) {
        let d = std::env::temp_dir().join(format!("elfuse-dirents-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir(&d).unwrap();
        for i in 0..n {
            std::fs::write(d.join(format!("file-{i:04}-{}", "x".repeat(i % 13))), b"").unwrap();
        }
        std::fs::create_dir(d.join("sub")).unwrap();
        let f = std::fs::File::open(&d).unwrap();
        (d, f.into())
    }

    /// Parse records: (d_off, d_type, name).
    fn parse(b: &[u8]) -> Vec<(i64, u8, String)> {
        let mut v = Vec::new();
        let mut at = 0;
        while at < b.len() {
            let reclen = usize::from(u16::from_le_bytes([b[at + 16], b[at + 17]]));
            assert_eq!(reclen % 8, 0);
            let off = i64::from_le_bytes(b[at + 8..at + 16].try_into().unwrap());
            let name = &b[at + 19..at + reclen];
            let name = &name[..name.iter().position(|&c| c == 0).unwrap()];
            v.push((off, b[at + 18], String::from_utf8(name.to_vec()).unwrap()));
            at += reclen;
        }
        v
    }

    fn read_all(fd: RawFd, bufsize: usize) -> Vec<(i64, u8, String)> {
        let mut all = Vec::new();
        let mut buf = vec![0u8; bufsize];
        loop {
            let n = getdents64(fd, &mut buf).unwrap();
            if n == 0 {
                return all;
            }
            all.extend(parse(&buf[..n]));
        }
    }

    #[test]
    fn lists_every_entry_once_with_types_and_offsets() {
        let (d, f) = dir_with(300, "all");
        let got = read_all(f.as_raw_fd(), 512);
        let names: BTreeSet<_> = got.iter().map(|e| e.2.clone()).collect();
        assert_eq!(names.len(), got.len(), "no duplicates");
        let mut want: BTreeSet<_> =
            std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        want.insert(".".into());
        want.insert("..".into());
        assert_eq!(names, want);
        for (i, e) in got.iter().enumerate() {
            assert_eq!(e.0, i as i64 + 1);
            let want_type = if e.2 == "sub" || e.2 == "." || e.2 == ".." { de::DT_DIR } else { de::DT_REG };
            assert!(e.1 == want_type || e.1 == de::DT_UNKNOWN, "{e:?}");
        }
        // At the end: 0 again, and a rewind (lseek 0) starts over.
        let mut buf = [0u8; 4096];
        assert_eq!(getdents64(f.as_raw_fd(), &mut buf), Ok(0));
        // SAFETY: lseek on our own fd.
        unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_SET) };
        assert_eq!(read_all(f.as_raw_fd(), 4096), got);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn seek_to_a_d_off_resumes_after_that_entry() {
        let (d, f) = dir_with(50, "seek");
        let fd = f.as_raw_fd();
        let got = read_all(fd, 256);
        // seekdir(telldir()) after entry 9: the rest follows, in order,
        // from the kept stream and from a fresh one (as in a fork child).
        for fresh in [false, true] {
            if fresh {
                STREAMS.lock().clear();
            }
            // SAFETY: lseek on our own fd.
            unsafe { libc::lseek(fd, got[9].0 as libc::off_t, libc::SEEK_SET) };
            assert_eq!(read_all(fd, 200), got[10..].to_vec());
        }
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn too_small_a_buffer_is_einval_and_loses_nothing() {
        let (d, f) = dir_with(3, "small");
        let fd = f.as_raw_fd();
        let mut tiny = [0u8; 16];
        assert_eq!(getdents64(fd, &mut tiny), Err(Errno::EINVAL));
        // Names of at most 12 bytes: every record fits 32 bytes, never two.
        let one_by_one = read_all(fd, 32);
        assert_eq!(one_by_one.len(), 3 + 3);
        assert_eq!(one_by_one.iter().map(|e| e.0).collect::<Vec<_>>(), (1..=6).collect::<Vec<i64>>());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_file_is_enotdir() {
        let f = std::fs::File::open("/proc/self/exe").or_else(|_| std::fs::File::open("/bin/sh")).unwrap();
        let mut buf = [0u8; 256];
        assert_eq!(getdents64(f.as_raw_fd(), &mut buf), Err(Errno::ENOTDIR));
    }
}
