//! The read/write family: read, write, their positional and vectored
//! forms, lseek, sendfile, copy_file_range, fallocate and the syncs. Guest
//! buffers are copied through elfuse's own (bounded) buffers, so a bad
//! pointer is EFAULT and never a host fault.

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl as fc;
use crate::abi::misc::{Iovec, IOV_MAX};
use crate::abi::Pod;
use crate::process::Process;

fn host_ret(r: isize) -> SysResult {
    if r < 0 {
        Err(Errno::last_host())
    } else {
        Ok(r as u64)
    }
}

use super::sys_fs::host_ret_i;

/// Cap on a single read/write transfer, as Linux's MAX_RW_COUNT.
const MAX_RW: u64 = 0x7fff_f000;

/// read(2).
pub fn read(p: &mut Process, a: &Args) -> SysResult {
    let (fd, buf, count) = (a.int(0), a.u(1), a.u(2).min(MAX_RW));
    let h = p.fds.host(fd)?;
    if let Some(ev) = p.fds.eventfd(fd) {
        let v = ev.read(h, count)?;
        p.mm.write(buf, &v)?;
        return Ok(8);
    }
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
    if let Some(r) = crate::procfs::write(p, fd, &tmp) {
        return r;
    }
    if let Some(ev) = p.fds.eventfd(fd) {
        return ev.write(h, &tmp);
    }
    // Linux: a signalfd has no write operation.
    if p.fds.signalfd(fd).is_some() {
        return Err(Errno::EINVAL);
    }
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
pub(crate) fn read_iovecs(p: &Process, iov: u64, cnt: i64) -> Result<Vec<Iovec>, Errno> {
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
    if let Some(ev) = p.fds.eventfd(a.int(0)) {
        let v = ev.read(h, total)?;
        scatter(p, &iovs, &v)?;
        return Ok(8);
    }
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
    let tmp = gather(p, &iovs)?;
    if let Some(ev) = p.fds.eventfd(a.int(0)) {
        return ev.write(h, &tmp);
    }
    // SAFETY: writing from our own buffer.
    host_ret(unsafe { libc::write(h, tmp.as_ptr().cast(), tmp.len()) })
}

/// lseek(2).
pub fn lseek(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    if crate::procfs::seq_file(p, a.int(0)) && !matches!(a.uint(2), fc::SEEK_SET | fc::SEEK_CUR) {
        // Linux seq_lseek: /proc files seek only from the start or the
        // current position.
        return Err(Errno::EINVAL);
    }
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

/// Scatter `data` over the guest iovecs, in order.
pub(crate) fn scatter(p: &Process, iovs: &[Iovec], data: &[u8]) -> Result<(), Errno> {
    let mut off = 0usize;
    for e in iovs {
        if off >= data.len() {
            break;
        }
        let take = (e.len as usize).min(data.len() - off);
        p.mm.write(e.base, &data[off..off + take])?;
        off += take;
    }
    Ok(())
}

/// Gather the guest iovecs into one buffer (at most MAX_RW bytes). A
/// fault after some bytes gives the bytes before it (Linux writes those
/// and returns a short count); a fault at the start is EFAULT.
fn gather(p: &Process, iovs: &[Iovec]) -> Result<Vec<u8>, Errno> {
    let mut tmp = Vec::new();
    for e in iovs {
        let take = (e.len).min(MAX_RW - tmp.len() as u64) as usize;
        let start = tmp.len();
        tmp.resize(start + take, 0);
        if let Err(err) = p.mm.read(e.base, &mut tmp[start..]) {
            tmp.truncate(start);
            if tmp.is_empty() {
                return Err(err);
            }
            break;
        }
    }
    Ok(tmp)
}

fn check_writable(p: &Process, iovs: &[Iovec]) -> Result<u64, Errno> {
    for e in iovs {
        if e.len > 0 && !p.mm.check(e.base, 1, true) {
            return Err(Errno::EFAULT);
        }
    }
    Ok(iovs.iter().map(|e| e.len).sum::<u64>().min(MAX_RW))
}

/// Linux `pos_from_hilo` on a 64-bit kernel: the low register is the
/// whole offset.
fn pos_arg(a: &Args) -> i64 {
    a.u(3) as i64
}

/// Translate RWF_* flags (preadv2/pwritev2); unknown bits are EOPNOTSUPP.
fn rwf_to_host(flags: u32) -> Result<i32, Errno> {
    let known = fc::RWF_HIPRI | fc::RWF_DSYNC | fc::RWF_SYNC | fc::RWF_NOWAIT | fc::RWF_APPEND | fc::RWF_NOAPPEND;
    if flags & !known != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    #[cfg(target_os = "linux")]
    {
        let mut h = 0;
        for (l, hf) in [
            (fc::RWF_HIPRI, libc::RWF_HIPRI),
            (fc::RWF_DSYNC, libc::RWF_DSYNC),
            (fc::RWF_SYNC, libc::RWF_SYNC),
            (fc::RWF_NOWAIT, libc::RWF_NOWAIT),
            (fc::RWF_APPEND, libc::RWF_APPEND),
            (fc::RWF_NOAPPEND, 0x20),
        ] {
            if flags & l != 0 {
                h |= hf;
            }
        }
        Ok(h)
    }
    #[cfg(not(target_os = "linux"))]
    {
        if flags != 0 {
            return Err(Errno::EOPNOTSUPP);
        }
        Ok(0)
    }
}

/// Read at `off` (-1 = the file position) into `tmp` with RWF flags.
fn host_pread(h: i32, tmp: &mut [u8], off: i64, hflags: i32) -> SysResult {
    let iov = libc::iovec { iov_base: tmp.as_mut_ptr().cast(), iov_len: tmp.len() };
    #[cfg(target_os = "linux")]
    {
        // SAFETY: one iovec over our own buffer.
        host_ret(unsafe { libc::preadv2(h, &iov, 1, off as libc::off_t, hflags) })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = hflags;
        let _ = iov;
        // SAFETY: our own buffer of the stated length.
        host_ret(unsafe {
            if off == -1 {
                libc::read(h, tmp.as_mut_ptr().cast(), tmp.len())
            } else {
                libc::pread(h, tmp.as_mut_ptr().cast(), tmp.len(), off as libc::off_t)
            }
        })
    }
}

/// Write at `off` (-1 = the file position) from `tmp` with RWF flags.
fn host_pwrite(h: i32, tmp: &[u8], off: i64, hflags: i32) -> SysResult {
    let iov = libc::iovec { iov_base: tmp.as_ptr() as *mut libc::c_void, iov_len: tmp.len() };
    #[cfg(target_os = "linux")]
    {
        // SAFETY: one iovec over our own buffer (only read by the host).
        host_ret(unsafe { libc::pwritev2(h, &iov, 1, off as libc::off_t, hflags) })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = hflags;
        let _ = iov;
        // SAFETY: our own buffer of the stated length.
        host_ret(unsafe {
            if off == -1 {
                libc::write(h, tmp.as_ptr().cast(), tmp.len())
            } else {
                libc::pwrite(h, tmp.as_ptr().cast(), tmp.len(), off as libc::off_t)
            }
        })
    }
}

fn preadv_common(p: &mut Process, a: &Args, off: i64, flags: u32) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let iovs = read_iovecs(p, a.u(1), a.int(2))?;
    if off < -1 {
        return Err(Errno::EINVAL);
    }
    let hflags = rwf_to_host(flags)?;
    let total = check_writable(p, &iovs)?;
    let mut tmp = vec![0u8; total.min(1 << 22) as usize];
    let n = host_pread(h, &mut tmp, off, hflags)? as usize;
    scatter(p, &iovs, &tmp[..n])?;
    Ok(n as u64)
}

fn pwritev_common(p: &mut Process, a: &Args, off: i64, flags: u32) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let iovs = read_iovecs(p, a.u(1), a.int(2))?;
    if off < -1 {
        return Err(Errno::EINVAL);
    }
    let hflags = rwf_to_host(flags)?;
    let tmp = gather(p, &iovs)?;
    host_pwrite(h, &tmp, off, hflags)
}

/// preadv(2).
pub fn preadv(p: &mut Process, a: &Args) -> SysResult {
    let off = pos_arg(a);
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    preadv_common(p, a, off, 0)
}

/// pwritev(2).
pub fn pwritev(p: &mut Process, a: &Args) -> SysResult {
    let off = pos_arg(a);
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    pwritev_common(p, a, off, 0)
}

/// preadv2(2): offset -1 reads at the file position.
pub fn preadv2(p: &mut Process, a: &Args) -> SysResult {
    preadv_common(p, a, pos_arg(a), a.uint(5))
}

/// pwritev2(2): offset -1 writes at the file position.
pub fn pwritev2(p: &mut Process, a: &Args) -> SysResult {
    pwritev_common(p, a, pos_arg(a), a.uint(5))
}

fn fd_mode(h: i32) -> Result<(u32, i32), Errno> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat fills `st` on success.
    if unsafe { libc::fstat(h, st.as_mut_ptr()) } < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: initialised by the successful call.
    let st = unsafe { st.assume_init() };
    // SAFETY: F_GETFL has no memory effects.
    let fl = unsafe { libc::fcntl(h, libc::F_GETFL) };
    #[allow(clippy::unnecessary_cast)]
    Ok((crate::abi::stat::mode_from_host(st.st_mode as u32), fl))
}

/// Copy up to `count` bytes from `inh` (at `*in_off` if given) to `outh`
/// (at `*out_off` if given) through a bounce buffer; stops at EOF or a
/// short write. Errors after some progress return the progress, as Linux.
fn bounce_copy(inh: i32, in_off: &mut Option<i64>, outh: i32, out_off: &mut Option<i64>, count: u64) -> SysResult {
    let mut done: u64 = 0;
    let mut buf = vec![0u8; (count.min(1 << 20)) as usize];
    while done < count {
        let want = ((count - done) as usize).min(buf.len());
        let r = host_pread(inh, &mut buf[..want], in_off.unwrap_or(-1), 0);
        let n = match r {
            Ok(0) => break,
            Ok(n) => n as usize,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        let w = match host_pwrite(outh, &buf[..n], out_off.unwrap_or(-1), 0) {
            Ok(w) => w as usize,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Some(o) = in_off.as_mut() {
            *o += w as i64;
        } else if w < n {
            // Give back what was read but not written.
            // SAFETY: lseek has no memory effects.
            unsafe { libc::lseek(inh, -((n - w) as i64) as libc::off_t, libc::SEEK_CUR) };
        }
        if let Some(o) = out_off.as_mut() {
            *o += w as i64;
        }
        done += w as u64;
        if w < n || n < want {
            break;
        }
    }
    Ok(done)
}

/// sendfile(2): from a readable fd (at `*offset` if given, which is then
/// advanced and the file position left alone) to any writable fd.
pub fn sendfile(p: &mut Process, a: &Args) -> SysResult {
    let (out_fd, in_fd, off_ptr, count) = (a.int(0), a.int(1), a.u(2), a.u(3).min(MAX_RW));
    let outh = p.fds.host(out_fd)?;
    let inh = p.fds.host(in_fd)?;
    let (_, ofl) = fd_mode(outh)?;
    let (imode, ifl) = fd_mode(inh)?;
    if ifl & libc::O_ACCMODE == libc::O_WRONLY || ofl & libc::O_ACCMODE == libc::O_RDONLY {
        return Err(Errno::EBADF);
    }
    if ofl & libc::O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    if imode & crate::abi::stat::S_IFMT == crate::abi::stat::S_IFDIR {
        return Err(Errno::EINVAL);
    }
    let mut in_off = if off_ptr != 0 {
        let o = p.mm.read_u64(off_ptr)? as i64;
        if o < 0 {
            return Err(Errno::EINVAL);
        }
        Some(o)
    } else {
        None
    };
    let n = bounce_copy(inh, &mut in_off, outh, &mut None, count)?;
    if let Some(o) = in_off {
        p.mm.write(off_ptr, &o.to_le_bytes())?;
    }
    Ok(n)
}

/// copy_file_range(2): regular files only; flags must be 0.
pub fn copy_file_range(p: &mut Process, a: &Args) -> SysResult {
    let (fd_in, off_in_ptr, fd_out, off_out_ptr, len, flags) = (a.int(0), a.u(1), a.int(2), a.u(3), a.u(4), a.uint(5));
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let inh = p.fds.host(fd_in)?;
    let outh = p.fds.host(fd_out)?;
    let (imode, ifl) = fd_mode(inh)?;
    let (omode, ofl) = fd_mode(outh)?;
    if ifl & libc::O_ACCMODE == libc::O_WRONLY || ofl & libc::O_ACCMODE == libc::O_RDONLY || ofl & libc::O_APPEND != 0 {
        return Err(Errno::EBADF);
    }
    let fmt = crate::abi::stat::S_IFMT;
    if imode & fmt == crate::abi::stat::S_IFDIR || omode & fmt == crate::abi::stat::S_IFDIR {
        return Err(Errno::EISDIR);
    }
    if imode & fmt != crate::abi::stat::S_IFREG || omode & fmt != crate::abi::stat::S_IFREG {
        return Err(Errno::EINVAL);
    }
    let read_off = |ptr: u64| -> Result<Option<i64>, Errno> {
        if ptr == 0 {
            return Ok(None);
        }
        let o = p.mm.read_u64(ptr)? as i64;
        if o < 0 {
            return Err(Errno::EINVAL);
        }
        Ok(Some(o))
    };
    let mut in_off = read_off(off_in_ptr)?;
    let mut out_off = read_off(off_out_ptr)?;
    let n = bounce_copy(inh, &mut in_off, outh, &mut out_off, len.min(MAX_RW))?;
    if let Some(o) = in_off {
        p.mm.write(off_in_ptr, &o.to_le_bytes())?;
    }
    if let Some(o) = out_off {
        p.mm.write(off_out_ptr, &o.to_le_bytes())?;
    }
    Ok(n)
}

/// fallocate(2): modes translated to the host's; a host without them
/// supports only mode 0 (EOPNOTSUPP otherwise).
pub fn fallocate(p: &mut Process, a: &Args) -> SysResult {
    let (fd, mode, off, len) = (a.int(0), a.uint(1), a.u(2) as i64, a.u(3) as i64);
    let h = p.fds.host(fd)?;
    let known = fc::FALLOC_FL_KEEP_SIZE
        | fc::FALLOC_FL_PUNCH_HOLE
        | fc::FALLOC_FL_COLLAPSE_RANGE
        | fc::FALLOC_FL_ZERO_RANGE
        | fc::FALLOC_FL_INSERT_RANGE
        | fc::FALLOC_FL_UNSHARE_RANGE;
    if mode & !known != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    if mode & fc::FALLOC_FL_PUNCH_HOLE != 0 && mode & fc::FALLOC_FL_KEEP_SIZE == 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    #[cfg(target_os = "linux")]
    {
        let mut hm = 0;
        for (l, hf) in [
            (fc::FALLOC_FL_KEEP_SIZE, libc::FALLOC_FL_KEEP_SIZE),
            (fc::FALLOC_FL_PUNCH_HOLE, libc::FALLOC_FL_PUNCH_HOLE),
            (fc::FALLOC_FL_COLLAPSE_RANGE, libc::FALLOC_FL_COLLAPSE_RANGE),
            (fc::FALLOC_FL_ZERO_RANGE, libc::FALLOC_FL_ZERO_RANGE),
            (fc::FALLOC_FL_INSERT_RANGE, libc::FALLOC_FL_INSERT_RANGE),
            (fc::FALLOC_FL_UNSHARE_RANGE, libc::FALLOC_FL_UNSHARE_RANGE),
        ] {
            if mode & l != 0 {
                hm |= hf;
            }
        }
        // SAFETY: no memory effects.
        host_ret_i(unsafe { libc::fallocate(h, hm, off as libc::off_t, len as libc::off_t) }).map(|_| 0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        // No portable preallocation call (macOS has none of the Linux
        // modes): what the host cannot do is EOPNOTSUPP, as on Linux file
        // systems without fallocate.
        let _ = (h, mode);
        Err(Errno::EOPNOTSUPP)
    }
}

/// ftruncate(2).
pub fn ftruncate(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    let len = a.u(1) as i64;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let (mode, fl) = fd_mode(h)?;
    // Linux do_sys_ftruncate: not a regular file, or not open for
    // writing, is EINVAL (a directory too).
    if mode & crate::abi::stat::S_IFMT != crate::abi::stat::S_IFREG || fl & libc::O_ACCMODE == libc::O_RDONLY {
        return Err(Errno::EINVAL);
    }
    // SAFETY: no memory effects.
    host_ret_i(unsafe { libc::ftruncate(h, len as libc::off_t) }).map(|_| 0)
}

/// fsync(2).
pub fn fsync(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    // SAFETY: no memory effects.
    host_ret_i(unsafe { libc::fsync(h) }).map(|_| 0)
}

/// fdatasync(2).
pub fn fdatasync(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    #[cfg(target_os = "linux")]
    // SAFETY: no memory effects.
    let r = unsafe { libc::fdatasync(h) };
    #[cfg(not(target_os = "linux"))]
    // SAFETY: no memory effects.
    let r = unsafe { libc::fsync(h) };
    host_ret_i(r).map(|_| 0)
}

/// sync(2).
pub fn sync(_p: &mut Process, _a: &Args) -> SysResult {
    // SAFETY: no memory effects.
    unsafe { libc::sync() };
    Ok(0)
}

/// syncfs(2).
pub fn syncfs(p: &mut Process, a: &Args) -> SysResult {
    let h = p.fds.host(a.int(0))?;
    #[cfg(target_os = "linux")]
    // SAFETY: no memory effects.
    let r = unsafe { libc::syncfs(h) };
    #[cfg(not(target_os = "linux"))]
    // SAFETY: no memory effects.
    let r = unsafe { libc::fsync(h) };
    host_ret_i(r).map(|_| 0)
}
