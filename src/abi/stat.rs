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

/// A host `dev_t` as Linux encodes it (major/minor re-packed: macOS packs
/// them differently).
#[allow(clippy::unnecessary_cast)]
pub fn dev_from_host(d: u64) -> u64 {
    let d = d as libc::dev_t;
    makedev(libc::major(d) as u32, libc::minor(d) as u32)
}

/// Build a Linux `struct stat` from the host's.
// The host's field types differ between Linux and macOS: the casts are
// no-ops on one and needed on the other.
#[allow(clippy::unnecessary_cast)]
pub fn from_host(s: &libc::stat) -> Stat {
    Stat {
        st_dev: dev_from_host(s.st_dev as u64),
        st_ino: s.st_ino as u64,
        st_mode: mode_from_host(s.st_mode as u32),
        st_nlink: s.st_nlink as u32,
        st_uid: s.st_uid,
        st_gid: s.st_gid,
        st_rdev: dev_from_host(s.st_rdev as u64),
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

/// `struct statx_timestamp` (include/uapi/linux/stat.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub reserved: i32,
}
impl Pod for StatxTimestamp {}

/// `struct statx` (256 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub stx_mnt_id: u64,
    pub stx_dio_mem_align: u32,
    pub stx_dio_offset_align: u32,
    pub spare3: [u64; 12],
}
const _: () = assert!(std::mem::size_of::<Statx>() == 256);
const _: () = assert!(std::mem::offset_of!(Statx, stx_atime) == 64);
const _: () = assert!(std::mem::offset_of!(Statx, stx_rdev_major) == 128);
impl Pod for Statx {}

pub const STATX_TYPE: u32 = 0x1;
pub const STATX_MODE: u32 = 0x2;
pub const STATX_NLINK: u32 = 0x4;
pub const STATX_UID: u32 = 0x8;
pub const STATX_GID: u32 = 0x10;
pub const STATX_ATIME: u32 = 0x20;
pub const STATX_MTIME: u32 = 0x40;
pub const STATX_CTIME: u32 = 0x80;
pub const STATX_INO: u32 = 0x100;
pub const STATX_SIZE: u32 = 0x200;
pub const STATX_BLOCKS: u32 = 0x400;
pub const STATX_BASIC_STATS: u32 = 0x7ff;
pub const STATX_BTIME: u32 = 0x800;
pub const STATX__RESERVED: u32 = 0x8000_0000;
/// AT_STATX_SYNC_TYPE bits of the statx flags.
pub const AT_STATX_SYNC_TYPE: u32 = 0x6000;

/// Major/minor of a Linux `dev_t` (`new_decode_dev` / `MAJOR`/`MINOR`).
pub const fn dev_major(d: u64) -> u32 {
    ((d >> 8) & 0xfff) as u32 | (((d >> 32) & !0xfff) as u32)
}
/// Minor number of a Linux `dev_t`.
pub const fn dev_minor(d: u64) -> u32 {
    (d & 0xff) as u32 | (((d >> 12) & !0xff) as u32)
}

/// A Linux statx from a Linux stat (every basic field is known).
pub fn statx_from_stat(s: &Stat) -> Statx {
    let ts = |sec: i64, nsec: u64| StatxTimestamp { tv_sec: sec, tv_nsec: nsec as u32, reserved: 0 };
    Statx {
        stx_mask: STATX_BASIC_STATS,
        stx_blksize: s.st_blksize as u32,
        stx_nlink: s.st_nlink,
        stx_uid: s.st_uid,
        stx_gid: s.st_gid,
        stx_mode: s.st_mode as u16,
        stx_ino: s.st_ino,
        stx_size: s.st_size as u64,
        stx_blocks: s.st_blocks as u64,
        stx_atime: ts(s.st_atime, s.st_atime_nsec),
        stx_ctime: ts(s.st_ctime, s.st_ctime_nsec),
        stx_mtime: ts(s.st_mtime, s.st_mtime_nsec),
        stx_rdev_major: dev_major(s.st_rdev),
        stx_rdev_minor: dev_minor(s.st_rdev),
        stx_dev_major: dev_major(s.st_dev),
        stx_dev_minor: dev_minor(s.st_dev),
        ..Statx::default()
    }
}

/// `struct statfs` for arm64 (asm-generic statfs64 layout, 120 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}
const _: () = assert!(std::mem::size_of::<Statfs>() == 120);
const _: () = assert!(std::mem::offset_of!(Statfs, f_namelen) == 64);
impl Pod for Statfs {}
