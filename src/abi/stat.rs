//! `struct stat` for arm64 (include/uapi/asm-generic/stat.h) and `statx`.

#![allow(missing_docs)]

use super::Pod;

/// asm-generic `struct stat` (128 bytes), used by fstat/newfstatat.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_mode: u32,
    pub st_nlink: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub st_rdev: u64,
    pub pad1: u64,
    pub st_size: i64,
    pub st_blksize: i32,
    pub pad2: i32,
    pub st_blocks: i64,
    pub st_atime: i64,
    pub st_atime_nsec: u64,
    pub st_mtime: i64,
    pub st_mtime_nsec: u64,
    pub st_ctime: i64,
    pub st_ctime_nsec: u64,
    pub unused4: u32,
    pub unused5: u32,
}
const _: () = assert!(std::mem::size_of::<Stat>() == 128);
const _: () = assert!(std::mem::offset_of!(Stat, st_size) == 48);
const _: () = assert!(std::mem::offset_of!(Stat, st_blocks) == 64);
impl Pod for Stat {}

pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;

/// Linux `dev_t` encoding (`new_encode_dev`).
pub const fn makedev(major: u32, minor: u32) -> u64 {
    ((minor & 0xff) as u64) | ((major as u64) << 8) | (((minor & !0xff) as u64) << 12)
}

/// Translate a host file type to Linux S_IF* (explicit: macOS values match,
/// but we do not rely on it).
// mode_t is u32 on Linux, u16 on macOS.
#[allow(clippy::unnecessary_cast)]
pub fn mode_from_host(m: u32) -> u32 {
    let fmt = match m & (libc::S_IFMT as u32) {
        x if x == libc::S_IFSOCK as u32 => S_IFSOCK,
        x if x == libc::S_IFLNK as u32 => S_IFLNK,
        x if x == libc::S_IFREG as u32 => S_IFREG,
        x if x == libc::S_IFBLK as u32 => S_IFBLK,
        x if x == libc::S_IFDIR as u32 => S_IFDIR,
        x if x == libc::S_IFCHR as u32 => S_IFCHR,
        x if x == libc::S_IFIFO as u32 => S_IFIFO,
        _ => 0,
    };
    fmt | (m & 0o7777)
}

/// Build a Linux `struct stat` from the host's.
// The host's field types differ between Linux and macOS: the casts are
// no-ops on one and needed on the other.
#[allow(clippy::unnecessary_cast)]
pub fn from_host(s: &libc::stat) -> Stat {
    Stat {
        st_dev: s.st_dev as u64,
        st_ino: s.st_ino as u64,
        st_mode: mode_from_host(s.st_mode as u32),
        st_nlink: s.st_nlink as u32,
        st_uid: s.st_uid,
        st_gid: s.st_gid,
        st_rdev: s.st_rdev as u64,
        st_size: s.st_size as i64,
        st_blksize: s.st_blksize as i32,
        st_blocks: s.st_blocks as i64,
        st_atime: s.st_atime as i64,
        st_atime_nsec: s.st_atime_nsec as u64,
        st_mtime: s.st_mtime as i64,
        st_mtime_nsec: s.st_mtime_nsec as u64,
        st_ctime: s.st_ctime as i64,
        st_ctime_nsec: s.st_ctime_nsec as u64,
        ..Stat::default()
    }
}
