//! Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise.

use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::mman::*;
use crate::mem::layout::PAGE_SIZE;
use crate::mem::pagetable::Perm;
use crate::mem::space::{page_up, FileMap, Placement};
use crate::process::Process;

fn perm_of(prot: u64) -> Result<Perm, Errno> {
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_BTI | PROT_GROWSDOWN | PROT_GROWSUP) != 0 {
        return Err(Errno::EINVAL);
    }
    if prot & PROT_MTE != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Perm::new(prot & PROT_READ != 0, prot & PROT_WRITE != 0, prot & PROT_EXEC != 0))
}

/// brk(2): returns the new break, or the old one on failure (never an errno).
pub fn brk(p: &mut Process, a: &Args) -> SysResult {
    let before = p.mm.brk();
    let r = p.mm.set_brk(a.u(0));
    if r != before {
        p.mm_changed = true;
    }
    Ok(r)
}

/// mmap(2).
pub fn mmap(p: &mut Process, a: &Args) -> SysResult {
    let (addr, len, prot, flags, fd, off) = (a.u(0), a.u(1), a.u(2), a.u(3), a.int(4), a.u(5));
    let perm = perm_of(prot)?;
    let ty = flags & MAP_TYPE;
    if ty != MAP_PRIVATE && ty != MAP_SHARED && ty != MAP_SHARED_VALIDATE {
        return Err(Errno::EINVAL);
    }
    if len == 0 || off % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::ENOMEM)?;
    let place = if flags & MAP_FIXED_NOREPLACE != 0 {
        Placement::FixedNoReplace(addr)
    } else if flags & MAP_FIXED != 0 {
        Placement::Fixed(addr)
    } else {
        Placement::Hint(addr)
    };
    let shared = ty != MAP_PRIVATE;
    let file = if flags & MAP_ANONYMOUS != 0 {
        None
    } else {
        let e = p.fds.get(fd)?;
        let h = e.host.as_raw_fd();
        // SAFETY: F_GETFL has no memory effects.
        let fl = unsafe { libc::fcntl(h, libc::F_GETFL) };
        let acc = fl & libc::O_ACCMODE;
        if acc == libc::O_WRONLY || (shared && prot & PROT_WRITE != 0 && acc != libc::O_RDWR) {
            return Err(Errno::EACCES);
        }
        let f = std::fs::File::from(e.host.try_clone().map_err(|e| Errno::from_io(&e))?);
        let meta = f.metadata().map_err(|e| Errno::from_io(&e))?;
        if meta.is_dir() {
            return Err(Errno::ENODEV);
        }
        let path = e.path.clone().unwrap_or_default();
        Some((f, meta.len(), path, (meta.dev(), meta.ino())))
    };
    let r = match &file {
        None => p.mm.mmap(place, len, perm, shared, None, None),
        Some((f, size, path, di)) => {
            let fm = FileMap { fd: f.as_raw_fd(), offset: off, size: *size, path: path.clone(), dev_ino: *di };
            p.mm.mmap(place, len, perm, shared, Some(fm), None)
        }
    }?;
    p.mm_changed = true;
    Ok(r)
}

/// munmap(2).
pub fn munmap(p: &mut Process, a: &Args) -> SysResult {
    p.mm.munmap(a.u(0), a.u(1))?;
    p.mm_changed = true;
    Ok(0)
}

/// mprotect(2).
pub fn mprotect(p: &mut Process, a: &Args) -> SysResult {
    let perm = perm_of(a.u(2))?;
    p.mm.mprotect(a.u(0), a.u(1), perm)?;
    p.mm_changed = true;
    Ok(0)
}

/// mremap(2) for anonymous private mappings: shrink in place, grow in
/// place when free, else move (MREMAP_MAYMOVE) by copying; shared
/// mappings grow or move by mapping their host object again.
pub fn mremap(p: &mut Process, a: &Args) -> SysResult {
    let (old, old_len, new_len, flags) = (a.u(0), a.u(1), a.u(2), a.u(3));
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 || old % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
        return Err(Errno::EINVAL);
    }
    let old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
    let new_len = page_up(new_len).ok_or(Errno::EINVAL)?;
    if new_len == 0 || old_len == 0 {
        return Err(Errno::EINVAL);
    }
    let region = p.mm.regions().find(|r| r.start <= old && old < r.end).cloned().ok_or(Errno::EFAULT)?;
    if old + old_len > region.end {
        return Err(Errno::EFAULT);
    }
    if new_len <= old_len {
        if new_len < old_len {
            p.mm.munmap(old + new_len, old_len - new_len)?;
            p.mm_changed = true;
        }
        return Ok(old);
    }
    if region.shm.is_some() {
        let r = p.mm.mremap_shared(old, old_len, new_len, flags & MREMAP_MAYMOVE != 0)?;
        p.mm_changed = true;
        return Ok(r);
    }
    if region.backing != crate::mem::space::Backing::Anon || region.shared {
        return Err(Errno::EINVAL);
    }
    // Grow in place if the tail is free.
    let tail = old + old_len;
    if p.mm.mmap(Placement::FixedNoReplace(tail), new_len - old_len, region.perm, false, None, region.label).is_ok() {
        p.mm_changed = true;
        return Ok(old);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::ENOMEM);
    }
    let new = p.mm.mmap(Placement::Hint(0), new_len, region.perm, false, None, None)?;
    let pa_old = crate::mem::layout::user_va_to_pa(old).ok_or(Errno::EFAULT)?;
    let pa_new = crate::mem::layout::user_va_to_pa(new).ok_or(Errno::EFAULT)?;
    let phys = p.mm.phys().clone();
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0;
    while done < old_len {
        let n = (old_len - done).min(buf.len() as u64) as usize;
        phys.read_bytes(pa_old + done, &mut buf[..n]).ok_or(Errno::EFAULT)?;
        phys.write_bytes(pa_new + done, &buf[..n]).ok_or(Errno::EFAULT)?;
        done += n as u64;
    }
    p.mm.munmap(old, old_len)?;
    p.mm_changed = true;
    Ok(new)
}

/// msync(2): the shared file mappings in the range are host mappings of
/// the file, written back by the host; MS_SYNC waits for that. ENOMEM if
/// part of the range is unmapped (after syncing the rest, as Linux).
pub fn msync(p: &mut Process, a: &Args) -> SysResult {
    let (addr, len, flags) = (a.u(0), a.u(1), a.u(2));
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || addr % PAGE_SIZE != 0
        || (flags & MS_ASYNC != 0 && flags & MS_SYNC != 0)
    {
        return Err(Errno::EINVAL);
    }
    let end = page_up(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::ENOMEM)?;
    let mut cur = addr;
    let mut hole = false;
    for r in p.mm.regions() {
        if r.end <= cur || cur >= end {
            continue;
        }
        if r.start >= end {
            break;
        }
        hole |= r.start > cur;
        let (s, e) = (r.start.max(cur), r.end.min(end));
        cur = e;
        let Some(o) = r.shm.as_ref().filter(|_| matches!(r.backing, crate::mem::space::Backing::File { .. })) else {
            continue;
        };
        if flags & MS_SYNC == 0 {
            continue;
        }
        // The object's part of [s, e).
        let mapped_end = r.start + o.mapped_len(r.end - r.start);
        let Some(pa) = crate::mem::layout::user_va_to_pa(s) else { continue };
        if mapped_end > s {
            let n = mapped_end.min(e) - s;
            if let Some(h) = p.mm.phys().host_ptr(pa, n) {
                // SAFETY: a page-aligned range of our own reservation that
                // is a host file mapping; msync does not touch the memory.
                if unsafe { libc::msync(h.cast(), n as usize, libc::MS_SYNC) } < 0 {
                    return Err(Errno::last_host());
                }
            }
        }
    }
    if hole || cur < end {
        return Err(Errno::ENOMEM);
    }
    Ok(0)
}

/// madvise(2): MADV_DONTNEED zeroes private anonymous memory (Linux
/// semantics); other advice is accepted and ignored.
pub fn madvise(p: &mut Process, a: &Args) -> SysResult {
    let (addr, len, advice) = (a.u(0), a.u(1), a.u(2));
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len).ok_or(Errno::EINVAL)?;
    match advice {
        MADV_DONTNEED | MADV_FREE => {
            // Only whole private anonymous regions pieces are dropped.
            let pieces: Vec<(u64, u64)> = p
                .mm
                .regions()
                .filter(|r| {
                    r.end > addr && r.start < addr + len && !r.shared && r.backing == crate::mem::space::Backing::Anon
                })
                .map(|r| (r.start.max(addr), r.end.min(addr + len)))
                .collect();
            for (s, e) in pieces {
                if let Some(pa) = crate::mem::layout::user_va_to_pa(s) {
                    p.mm.phys().discard(pa, e - s);
                }
            }
            Ok(0)
        }
        0..=3 | 9..=25 => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}
