//! Directory records of getdents64(2) (include/linux/dirent.h,
//! include/linux/fs_types.h for `DT_*`).

#![allow(missing_docs)]

pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_BLK: u8 = 6;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;
pub const DT_WHT: u8 = 14;

/// Offset of `d_name` in `struct linux_dirent64 { u64 d_ino; s64 d_off;
/// u16 d_reclen; u8 d_type; char d_name[]; }`.
pub const DIRENT64_NAME: usize = 19;

/// `d_reclen` of a record for a name of `name_len` bytes: the header, the
/// name, its NUL, padded to 8 bytes (fs/readdir.c `filldir64`).
pub fn dirent64_reclen(name_len: usize) -> usize {
    (DIRENT64_NAME + name_len + 1).next_multiple_of(8)
}

/// Append one `linux_dirent64` record to `buf[*used..]`; false (and nothing
/// written) if it does not fit.
pub fn put_dirent64(buf: &mut [u8], used: &mut usize, ino: u64, off: i64, dtype: u8, name: &[u8]) -> bool {
    let reclen = dirent64_reclen(name.len());
    let Some(rec) = buf.get_mut(*used..).and_then(|b| b.get_mut(..reclen)) else {
        return false;
    };
    rec[0..8].copy_from_slice(&ino.to_le_bytes());
    rec[8..16].copy_from_slice(&off.to_le_bytes());
    rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
    rec[18] = dtype;
    rec[DIRENT64_NAME..DIRENT64_NAME + name.len()].copy_from_slice(name);
    rec[DIRENT64_NAME + name.len()..].fill(0);
    *used += reclen;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_layout() {
        let mut b = [0xffu8; 64];
        let mut used = 0;
        assert!(put_dirent64(&mut b, &mut used, 7, 1, DT_REG, b"abcd"));
        assert_eq!(used, 24);
        assert_eq!(&b[0..8], &7u64.to_le_bytes());
        assert_eq!(&b[8..16], &1i64.to_le_bytes());
        assert_eq!(&b[16..18], &24u16.to_le_bytes());
        assert_eq!(b[18], DT_REG);
        assert_eq!(&b[19..24], b"abcd\0");
        // 19 + 5 + 1 = 25 bytes, padded to 32.
        assert!(put_dirent64(&mut b, &mut used, 8, 2, DT_DIR, b"efghi"));
        assert_eq!(used, 56);
        assert!(b[24 + 24..56].iter().all(|&x| x == 0));
        assert!(!put_dirent64(&mut b, &mut used, 9, 3, DT_DIR, b"x"));
        assert_eq!(used, 56);
    }
}
