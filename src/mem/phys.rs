//! Guest-physical memory: one host reservation.

use std::ptr::NonNull;
use std::sync::OnceLock;

/// Called with `(pa, len)` after the host replaced the pages of that range
/// in place (`mmap(MAP_FIXED)`), for a hypervisor that maps this memory
/// into a VM and must refresh its view (the hvf backend).
pub type RemapHook = Box<dyn Fn(u64, u64) + Send + Sync>;

/// Errors setting up guest-physical memory.
#[derive(Debug)]
pub enum PhysError {
    /// The host refused to reserve guest-physical memory.
    Reserve(std::io::Error),
}

impl std::fmt::Display for PhysError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PhysError::Reserve(e) => write!(f, "cannot reserve guest memory: {e}"),
        }
    }
}

/// A contiguous, host-backed guest-physical address space starting at PA 0.
///
/// Pages are allocated lazily by the host (`MAP_NORESERVE`); released ranges
/// are returned with `MADV_DONTNEED` and read back as zeroes.
pub struct PhysMem {
    base: NonNull<u8>,
    size: u64,
    remap_hook: OnceLock<RemapHook>,
}

// SAFETY: PhysMem is a raw host mapping that lives as long as the value; all
// accesses go through bounds-checked methods, and concurrent guest accesses
// are the guest's own data races, as on real hardware.
unsafe impl Send for PhysMem {}
// SAFETY: see `Send` above; no interior Rust references are handed out.
unsafe impl Sync for PhysMem {}

impl PhysMem {
    /// Reserve `size` bytes of zeroed guest-physical memory.
    pub fn new(size: u64) -> Result<Self, PhysError> {
        let len =
            usize::try_from(size).map_err(|_| PhysError::Reserve(std::io::Error::from_raw_os_error(libc::ENOMEM)))?;
        // SAFETY: anonymous private mapping with a null hint; no existing
        // memory is affected. The result is checked against MAP_FAILED.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(PhysError::Reserve(std::io::Error::last_os_error()));
        }
        let base = NonNull::new(p.cast::<u8>())
            .ok_or_else(|| PhysError::Reserve(std::io::Error::from_raw_os_error(libc::ENOMEM)))?;
        Ok(PhysMem { base, size, remap_hook: OnceLock::new() })
    }

    /// Install the hook told about in-place page replacements (the first
    /// one stays; returns whether this one was installed).
    pub fn set_remap_hook(&self, hook: RemapHook) -> bool {
        self.remap_hook.set(hook).is_ok()
    }

    fn remapped(&self, pa: u64, len: u64) {
        if let Some(hook) = self.remap_hook.get() {
            hook(pa, len);
        }
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Host pointer to the start of guest-physical memory.
    pub fn base(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// Whether `[pa, pa+len)` is inside physical memory.
    pub fn contains(&self, pa: u64, len: u64) -> bool {
        pa.checked_add(len).is_some_and(|end| end <= self.size)
    }

    /// Host pointer for `pa`, if `[pa, pa+len)` is in bounds.
    pub fn host_ptr(&self, pa: u64, len: u64) -> Option<*mut u8> {
        if !self.contains(pa, len) {
            return None;
        }
        // SAFETY: pa+len <= size was checked, so the offset is inside the
        // reservation; usize conversion is lossless as size fits in usize.
        Some(unsafe { self.base.as_ptr().add(pa as usize) })
    }

    /// Read a little-endian u64 at `pa` (8-byte aligned page-table entries).
    pub fn read_u64(&self, pa: u64) -> Option<u64> {
        let p = self.host_ptr(pa, 8)?;
        // SAFETY: bounds checked by host_ptr; unaligned read is allowed.
        Some(u64::from_le(unsafe { std::ptr::read_volatile(p.cast::<u64>()) }))
    }

    /// Write a little-endian u64 at `pa`.
    pub fn write_u64(&self, pa: u64, v: u64) -> Option<()> {
        let p = self.host_ptr(pa, 8)?;
        // SAFETY: bounds checked by host_ptr; page-table entries are 8-byte aligned.
        unsafe { std::ptr::write_volatile(p.cast::<u64>(), v.to_le()) };
        Some(())
    }

    /// Copy bytes into physical memory.
    pub fn write_bytes(&self, pa: u64, data: &[u8]) -> Option<()> {
        let p = self.host_ptr(pa, data.len() as u64)?;
        // SAFETY: destination range bounds-checked above; source is a Rust
        // slice that cannot overlap guest memory handed out as `&[u8]`.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) };
        Some(())
    }

    /// Copy bytes out of physical memory.
    pub fn read_bytes(&self, pa: u64, out: &mut [u8]) -> Option<()> {
        let p = self.host_ptr(pa, out.len() as u64)?;
        // SAFETY: source range bounds-checked above.
        unsafe { std::ptr::copy_nonoverlapping(p, out.as_mut_ptr(), out.len()) };
        Some(())
    }

    /// Zero `[pa, pa+len)`, returning whole host pages to the host
    /// (fresh anonymous pages: zero on every host, unlike MADV_DONTNEED,
    /// which zeroes only on Linux).
    pub fn zero(&self, pa: u64, len: u64) -> Option<()> {
        let p = self.host_ptr(pa, len)?;
        let hp = host_page_size();
        let start = pa.next_multiple_of(hp);
        let end = (pa + len) & !(hp - 1);
        if end > start {
            // SAFETY: the head and tail ranges are inside [pa, pa+len),
            // bounds-checked by host_ptr above.
            unsafe {
                std::ptr::write_bytes(p, 0, (start - pa) as usize);
                std::ptr::write_bytes(self.base.as_ptr().add(end as usize), 0, (pa + len - end) as usize);
            }
            self.discard(start, end - start)?;
        } else {
            // SAFETY: range checked above.
            unsafe { std::ptr::write_bytes(p, 0, len as usize) };
        }
        Some(())
    }
}

impl Drop for PhysMem {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the reservation made in `new`.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.size as usize) };
    }
}

/// Whether host fd `fd` is open for reading and writing (what a writable
/// shared mapping of it needs).
pub fn fd_writable(fd: i32) -> bool {
    // SAFETY: F_GETFL has no memory effects.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    fl >= 0 && fl & libc::O_ACCMODE == libc::O_RDWR
}

/// The host's page size.
pub fn host_page_size() -> u64 {
    // SAFETY: sysconf has no memory-safety preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if v > 0 {
        v as u64
    } else {
        4096
    }
}

impl PhysMem {
    /// Map `len` bytes of host file `fd` at `offset` over `[pa, pa+len)`
    /// (host-page aligned), private (copy-on-write) or shared. A shared
    /// mapping of a file not open for writing is read-only on the host
    /// (the guest's tables must not allow writes to it: [`fd_writable`]).
    pub fn map_file(&self, pa: u64, len: u64, fd: i32, offset: u64, shared: bool) -> std::io::Result<()> {
        let p = self.host_ptr(pa, len).ok_or_else(|| std::io::Error::from_raw_os_error(libc::EINVAL))?;
        let flags = libc::MAP_FIXED | if shared { libc::MAP_SHARED } else { libc::MAP_PRIVATE };
        let prot = if !shared || fd_writable(fd) { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        let off = libc::off_t::try_from(offset).map_err(|_| std::io::Error::from_raw_os_error(libc::EOVERFLOW))?;
        // SAFETY: the target range is inside our reservation (checked above)
        // and page aligned by the caller; MAP_FIXED replaces only our pages.
        let r = unsafe { libc::mmap(p.cast(), len as usize, prot, flags, fd, off) };
        if r == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        self.remapped(pa, len);
        Ok(())
    }

    /// Replace `[pa, pa+len)` with fresh zero pages, undoing any file
    /// mapping and returning memory to the host. A range that is not
    /// host-page aligned (4 KiB guest pages on a 16 KiB host) is zeroed at
    /// its unaligned ends and replaced in between.
    pub fn discard(&self, pa: u64, len: u64) -> Option<()> {
        let p = self.host_ptr(pa, len)?;
        let hp = host_page_size();
        if (pa | len) & (hp - 1) != 0 {
            // `zero` only calls back here with an aligned range.
            return self.zero(pa, len);
        }
        // SAFETY: range inside the reservation (checked); MAP_FIXED over our
        // own pages only.
        let r = unsafe {
            libc::mmap(
                p.cast(),
                len as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if r == libc::MAP_FAILED {
            // Fall back to zeroing in place.
            // SAFETY: range checked above.
            unsafe { std::ptr::write_bytes(p, 0, len as usize) };
        } else {
            self.remapped(pa, len);
        }
        Some(())
    }
}

/// A host file holding a snapshot of guest-physical memory (sparse: pages
/// never written read back as zero).
pub fn snapshot_file() -> std::io::Result<std::os::fd::OwnedFd> {
    crate::host::snapshot_file()
}

impl PhysMem {
    /// Write the given physical ranges into `fd` at their own offsets.
    /// `(pa, len, whole)`: `whole` copies every page; otherwise only pages
    /// the host has made resident are copied (the rest are zero anyway).
    pub fn save_to(&self, fd: i32, ranges: &[(u64, u64, bool)]) -> std::io::Result<()> {
        // SAFETY: ftruncate on our own fd.
        if unsafe { libc::ftruncate(fd, self.size as libc::off_t) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let hp = host_page_size();
        let mut vec = Vec::new();
        for &(pa, len, whole) in ranges {
            if len == 0 {
                continue;
            }
            let Some(base) = self.host_ptr(pa, len) else { continue };
            let pages = len.div_ceil(hp) as usize;
            if whole {
                write_all_at(fd, base, len as usize, pa)?;
                continue;
            }
            vec.resize(pages, 0u8);
            // SAFETY: `base` is page aligned (guest pages are host-page
            // multiples here) and inside our mapping; `vec` has one byte
            // per page.
            let r = unsafe { libc::mincore(base.cast(), len as usize, vec.as_mut_ptr().cast()) };
            if r < 0 {
                write_all_at(fd, base, len as usize, pa)?;
                continue;
            }
            let mut i = 0;
            while i < pages {
                if vec[i] & 1 == 0 {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < pages && vec[i] & 1 != 0 {
                    i += 1;
                }
                let off = start as u64 * hp;
                let n = ((i - start) as u64 * hp).min(len - off);
                // SAFETY: the run is inside [base, base+len).
                write_all_at(fd, unsafe { base.add(off as usize) }, n as usize, pa + off)?;
            }
        }
        Ok(())
    }

    /// Replace all of guest-physical memory with a snapshot file's
    /// contents (the forked child's memory becomes that file).
    pub fn adopt(&self, fd: i32) -> std::io::Result<()> {
        // SAFETY: maps exactly over our own reservation with MAP_FIXED.
        let r = unsafe {
            libc::mmap(
                self.base.as_ptr().cast(),
                self.size as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_FIXED,
                fd,
                0,
            )
        };
        if r == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        self.remapped(0, self.size);
        Ok(())
    }
}

fn write_all_at(fd: i32, mut p: *const u8, mut n: usize, mut off: u64) -> std::io::Result<()> {
    while n > 0 {
        // SAFETY: the caller guarantees [p, p+n) is readable host memory.
        let w = unsafe { libc::pwrite(fd, p.cast(), n, off as libc::off_t) };
        if w < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // SAFETY: w <= n bytes were written; advance within the range.
        p = unsafe { p.add(w as usize) };
        n -= w as usize;
        off += w as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_read_write_zero() {
        let m = PhysMem::new(64 << 20).unwrap();
        m.write_u64(0x1000, 0xdead_beef).unwrap();
        assert_eq!(m.read_u64(0x1000), Some(0xdead_beef));
        m.write_bytes(0x2ff0, &[7u8; 0x3000]).unwrap();
        m.zero(0x2ff8, 0x2000).unwrap();
        let mut b = [0u8; 16];
        m.read_bytes(0x2ff0, &mut b).unwrap();
        assert_eq!(&b[..8], &[7u8; 8]);
        assert_eq!(&b[8..], &[0u8; 8]);
        assert!(m.read_u64((64 << 20) - 4).is_none());
    }
}
