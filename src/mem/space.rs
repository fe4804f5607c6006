//! A guest address space: regions (what `/proc/self/maps` shows), the
//! translation tables that enforce them, brk, and mmap/munmap/mprotect.
//!
//! Page tables are the truth for access checks; the region list records
//! what each range is (for maps, for mprotect's ENOMEM rule, for finding
//! free ranges).

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;

use super::layout::{self, PAGE_SIZE};
use super::pagetable::{self, PageTables, Perm, PtError};
use super::phys::{host_page_size, PhysMem};
use crate::abi::errno::Errno;

/// What backs a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Anonymous memory.
    Anon,
    /// A file, at a byte offset (of the region's start).
    File {
        /// Guest-visible path.
        path: String,
        /// Offset of the region's first byte in the file.
        offset: u64,
        /// Host device and inode (for /proc/self/maps).
        dev_ino: (u64, u64),
    },
}

/// The host object behind a MAP_SHARED region (the mapped file, or a
/// memfd for shared anonymous memory), mapped MAP_SHARED at the region's
/// physical pages, so a fork child can map the same object there.
///
/// The descriptor is elfuse's own (a dup), shared by the pieces a region
/// is split into, and closed with the last of them; it keeps the object
/// alive after its path is unlinked.
#[derive(Clone, Debug)]
pub struct SharedObj {
    /// Host descriptor of the object.
    pub fd: Arc<OwnedFd>,
    /// Offset in the object of the region's first byte.
    pub offset: u64,
    /// Offset in the object where the host mapping ends: the region's
    /// bytes past it (a file mapping past end of file) are not the
    /// object's.
    pub limit: u64,
    /// Whether the host mapping is writable (the file is open read-write);
    /// if not, the region cannot be made writable (mprotect: EACCES).
    pub writable: bool,
}

impl PartialEq for SharedObj {
    fn eq(&self, o: &SharedObj) -> bool {
        Arc::ptr_eq(&self.fd, &o.fd) && self.offset == o.offset && self.limit == o.limit && self.writable == o.writable
    }
}
impl Eq for SharedObj {}

impl SharedObj {
    /// Bytes at the start of a region of `len` bytes that the object backs.
    pub fn mapped_len(&self, len: u64) -> u64 {
        self.limit.saturating_sub(self.offset).min(len)
    }
}

/// A mapped range of guest virtual memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// EL0 permission.
    pub perm: Perm,
    /// MAP_SHARED.
    pub shared: bool,
    /// Backing.
    pub backing: Backing,
    /// A label for /proc/self/maps (`[heap]`, `[stack]`), if any.
    pub label: Option<&'static str>,
    /// The host object of a MAP_SHARED region (None for private ones, and
    /// for shared ones the host cannot map at guest-page granularity,
    /// which are then private to the process).
    pub shm: Option<SharedObj>,
}

impl Region {
    /// Part of this region, `[start, end)` within it.
    fn slice(&self, start: u64, end: u64) -> Region {
        let mut r = self.clone();
        if let Backing::File { offset, .. } = &mut r.backing {
            *offset += start - self.start;
        }
        if let Some(o) = &mut r.shm {
            o.offset += start - self.start;
        }
        r.start = start;
        r.end = end;
        r
    }
}

/// A file to map: host fd, file offset of the mapping, file size, and what
/// /proc/self/maps shows.
#[derive(Clone, Debug)]
pub struct FileMap {
    /// Host file descriptor (only used during the call).
    pub fd: i32,
    /// Offset of the mapping's first byte in the file.
    pub offset: u64,
    /// File size (bytes past EOF read as zero).
    pub size: u64,
    /// Guest-visible path.
    pub path: String,
    /// Host device and inode.
    pub dev_ino: (u64, u64),
}

/// An address space without its memory: regions, brk start and current
/// break, and the translation-table allocator state.
pub type SpaceParts = (Vec<Region>, u64, u64, (u64, u64, u64, Vec<u64>));

/// Placement request for [`AddressSpace::mmap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Anywhere; the address is a hint.
    Hint(u64),
    /// Exactly here, replacing what is there (MAP_FIXED).
    Fixed(u64),
    /// Exactly here, failing with EEXIST if anything is there.
    FixedNoReplace(u64),
}

/// A guest process's address space.
pub struct AddressSpace {
    phys: Arc<PhysMem>,
    pt: PageTables,
    regions: BTreeMap<u64, Region>,
    brk_start: u64,
    brk: u64,
    /// The W^X policy ([`wx_policy`]).
    wx: bool,
}

/// Whether address spaces keep no page writable and executable at once
/// (`ELFUSE_WX=1` in elfuse's environment; off by default).
///
/// Under the policy a region mapped RWX (a JIT's code buffer) is entered in
/// the translation tables as RW; an instruction fetch from one of its pages
/// makes that page RX, and a later write makes it RW again
/// ([`AddressSpace::fixup_fault`]). This is for a CPU that refuses
/// writable+executable pages (docs/hvf.md); it runs on every backend, so
/// the protocol is tested with interp. Host accesses on the guest's behalf
/// (read(2) into a code buffer) follow the region's permission, not the
/// page's current half.
pub fn wx_policy() -> bool {
    static WX: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WX.get_or_init(|| std::env::var_os("ELFUSE_WX").is_some_and(|v| v != "0"))
}

fn pt_err(e: PtError) -> Errno {
    match e {
        PtError::OutOfRange | PtError::ArenaFull => Errno::ENOMEM,
    }
}

/// Round up to a page boundary (None on overflow).
pub fn page_up(v: u64) -> Option<u64> {
    v.checked_add(PAGE_SIZE - 1).map(|x| x & !(PAGE_SIZE - 1))
}

impl AddressSpace {
    /// An empty address space over `phys`, with the shim mapped.
    pub fn new(phys: Arc<PhysMem>) -> Result<AddressSpace, Errno> {
        let mut pt = PageTables::new(&phys).map_err(pt_err)?;
        phys.write_bytes(layout::SHIM_PA, &crate::vcpu::shim::image()).ok_or(Errno::ENOMEM)?;
        pt.map_kernel_page(&phys, layout::SHIM_VA, layout::SHIM_PA).map_err(pt_err)?;
        Ok(AddressSpace { phys, pt, regions: BTreeMap::new(), brk_start: 0, brk: 0, wx: wx_policy() })
    }

    /// Guest-physical memory.
    pub fn phys(&self) -> &Arc<PhysMem> {
        &self.phys
    }
    /// User table root.
    pub fn ttbr0(&self) -> u64 {
        self.pt.ttbr0()
    }
    /// Kernel-half table root.
    pub fn ttbr1(&self) -> u64 {
        self.pt.ttbr1()
    }
    /// All regions in address order.
    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// Everything but the memory contents, for a forked child.
    pub fn parts(&self) -> SpaceParts {
        (self.regions.values().cloned().collect(), self.brk_start, self.brk, self.pt.parts())
    }

    /// Rebuild an address space over `phys`, which already holds the
    /// parent's memory (including its translation tables).
    pub fn from_parts(
        phys: Arc<PhysMem>,
        regions: Vec<Region>,
        brk_start: u64,
        brk: u64,
        pt: (u64, u64, u64, Vec<u64>),
    ) -> AddressSpace {
        let pt = PageTables::from_parts(pt.0, pt.1, pt.2, pt.3);
        let regions = regions.into_iter().map(|r| (r.start, r)).collect();
        AddressSpace { phys, pt, regions, brk_start, brk, wx: wx_policy() }
    }

    /// Physical ranges a copy of this address space needs: every region,
    /// the used translation-table arena, and the shim page. Each range is
    /// tagged with whether it must be copied whole (file-backed) rather
    /// than by resident pages.
    pub fn physical_ranges(&self) -> Vec<(u64, u64, bool)> {
        let mut v: Vec<(u64, u64, bool)> = self
            .regions
            .values()
            .filter_map(|r| {
                let pa = layout::user_va_to_pa(r.start)?;
                // A shared object's pages are the child's by mapping, not copy.
                let skip = r.shm.as_ref().map_or(0, |o| o.mapped_len(r.end - r.start));
                let len = r.end - r.start - skip;
                (len > 0).then_some((pa + skip, len, matches!(r.backing, Backing::File { .. })))
            })
            .collect();
        v.push((layout::PT_ARENA_PA, self.pt.arena_end() - layout::PT_ARENA_PA, false));
        v.push((layout::SHIM_PA, PAGE_SIZE, true));
        v
    }

    /// Map every shared region's host object back over its physical pages
    /// (a fork child, whose memory is otherwise the parent's snapshot).
    pub fn remap_shared(&self) -> std::io::Result<()> {
        for r in self.regions.values() {
            let Some(o) = &r.shm else { continue };
            let Some(pa) = layout::user_va_to_pa(r.start) else { continue };
            let mut len = o.mapped_len(r.end - r.start);
            // Never map past the object's end: the host would fault there.
            let size = std::fs::File::from(o.fd.try_clone()?).metadata()?.len();
            let hp = host_page_size();
            len = len.min(size.saturating_sub(o.offset).next_multiple_of(hp));
            if len > 0 {
                self.phys.map_file(pa, len, o.fd.as_raw_fd(), o.offset, true)?;
            }
        }
        Ok(())
    }

    /// Set where the heap starts (just past the program image).
    pub fn init_brk(&mut self, start: u64) {
        self.brk_start = start;
        self.brk = start;
    }
    /// Current program break.
    pub fn brk(&self) -> u64 {
        self.brk
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.regions.range(..end).next_back().is_some_and(|(_, r)| r.end > start)
    }

    /// Remove `[start, end)` from the region list, splitting as needed.
    /// Returns the removed pieces.
    fn carve(&mut self, start: u64, end: u64) -> Vec<Region> {
        let keys: Vec<u64> =
            self.regions.range(..end).rev().take_while(|(_, r)| r.end > start).map(|(k, _)| *k).collect();
        let mut removed = Vec::new();
        for k in keys {
            let Some(r) = self.regions.remove(&k) else { continue };
            if r.start < start {
                self.regions.insert(r.start, r.slice(r.start, start));
            }
            if r.end > end {
                self.regions.insert(end, r.slice(end, r.end));
            }
            removed.push(r.slice(r.start.max(start), r.end.min(end)));
        }
        removed.sort_by_key(|r| r.start);
        removed
    }

    /// Find a free, page-aligned range of `len` bytes: below `MMAP_TOP`
    /// top-down, or at/above a low hint.
    fn find_free(&self, len: u64, hint: u64) -> Option<u64> {
        if hint != 0 && layout::user_range_ok(hint, len) && !self.overlaps(hint, hint + len) && hint >= PAGE_SIZE * 16 {
            return Some(hint);
        }
        if hint != 0 && hint < layout::LOW_END {
            // Search upward from the hint in the low window (box64-style hints).
            let mut cur = hint.max(PAGE_SIZE * 16);
            for r in self.regions.range(cur..).map(|(_, r)| r).chain(std::iter::once(&Region {
                start: layout::LOW_END,
                end: layout::LOW_END,
                perm: Perm::NONE,
                shared: false,
                backing: Backing::Anon,
                label: None,
                shm: None,
            })) {
                if r.start >= cur + len {
                    break;
                }
                cur = cur.max(r.end);
            }
            if layout::user_range_ok(cur, len) && !self.overlaps(cur, cur + len) {
                return Some(cur);
            }
        }
        // Top-down in the high window.
        let mut top = layout::MMAP_TOP;
        for (_, r) in self.regions.range(..layout::MMAP_TOP).rev() {
            if r.end <= top && top - r.end >= len {
                break;
            }
            top = top.min(r.start);
            if top < layout::HIGH_BASE + len {
                return None;
            }
        }
        let start = top.checked_sub(len)?;
        (start >= layout::HIGH_BASE).then_some(start)
    }

    /// Map `len` bytes, anonymous or from `file`. Returns the address.
    pub fn mmap(
        &mut self,
        place: Placement,
        len: u64,
        perm: Perm,
        shared: bool,
        file: Option<FileMap>,
        label: Option<&'static str>,
    ) -> Result<u64, Errno> {
        if len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        let start = match place {
            Placement::Fixed(a) | Placement::FixedNoReplace(a) => {
                if a % PAGE_SIZE != 0 {
                    return Err(Errno::EINVAL);
                }
                if !layout::user_range_ok(a, len) {
                    return Err(Errno::ENOMEM);
                }
                if matches!(place, Placement::FixedNoReplace(_)) && self.overlaps(a, a + len) {
                    return Err(Errno::EEXIST);
                }
                a
            }
            Placement::Hint(h) => self.find_free(len, h & !(PAGE_SIZE - 1)).ok_or(Errno::ENOMEM)?,
        };
        let end = start + len;
        self.carve(start, end);
        let pa = layout::user_va_to_pa(start).ok_or(Errno::ENOMEM)?;
        self.phys.discard(pa, len).ok_or(Errno::ENOMEM)?;
        let (backing, shm) = match file {
            None if shared => (Backing::Anon, self.shared_anon(pa, len)?),
            None => (Backing::Anon, None),
            Some(f) => {
                let mapped = self.load_file(pa, len, f.fd, f.offset, f.size, shared)?;
                let shm = if shared && mapped > 0 {
                    // SAFETY: the caller's fd is open for the whole call.
                    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(f.fd) }
                        .try_clone_to_owned()
                        .map_err(|e| Errno::from_io(&e))?;
                    let writable = super::phys::fd_writable(fd.as_raw_fd());
                    Some(SharedObj { fd: Arc::new(fd), offset: f.offset, limit: f.offset + mapped, writable })
                } else {
                    None
                };
                (Backing::File { path: f.path, offset: f.offset, dev_ino: f.dev_ino }, shm)
            }
        };
        self.pt.set_user(&self.phys, start, len, Some(self.table_perm(perm))).map_err(pt_err)?;
        self.regions.insert(start, Region { start, end, perm, shared, backing, label, shm });
        Ok(start)
    }

    /// Back `[pa, pa+len)` (shared anonymous memory) with a fresh host
    /// object mapped shared, so that a fork child can share it. None when
    /// the host cannot map at this granularity (a 16 KiB-page host and a
    /// range not aligned to it): the memory is then plain anonymous,
    /// shared with threads but copied to a fork child.
    fn shared_anon(&self, pa: u64, len: u64) -> Result<Option<SharedObj>, Errno> {
        if (pa | len) % host_page_size() != 0 {
            return Ok(None);
        }
        let fd = crate::host::snapshot_file().map_err(|e| Errno::from_io(&e))?;
        let size = libc::off_t::try_from(len).map_err(|_| Errno::ENOMEM)?;
        // SAFETY: ftruncate on our own fresh fd.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), size) } < 0 {
            return Err(Errno::last_host());
        }
        self.phys.map_file(pa, len, fd.as_raw_fd(), 0, true).map_err(|e| Errno::from_io(&e))?;
        Ok(Some(SharedObj { fd: Arc::new(fd), offset: 0, limit: len, writable: true }))
    }

    /// Fill `[pa, pa+len)` from a file: host-mapped when page sizes allow,
    /// else copied. Bytes past EOF read as zero. Returns how many bytes
    /// from `pa` on are a host mapping of the file (for a shared mapping,
    /// the page holding end of file too, so that all of the file's bytes
    /// are shared).
    fn load_file(&self, pa: u64, len: u64, fd: i32, offset: u64, fsize: u64, shared: bool) -> Result<u64, Errno> {
        let avail = fsize.saturating_sub(offset).min(len);
        let whole = if shared { page_up(avail).unwrap_or(0).min(len) } else { avail & !(PAGE_SIZE - 1) };
        if host_page_size() == PAGE_SIZE && whole > 0 {
            self.phys.map_file(pa, whole, fd, offset, shared).map_err(|e| Errno::from_io(&e))?;
        }
        let (from, n) = if host_page_size() == PAGE_SIZE { (whole, avail.saturating_sub(whole)) } else { (0, avail) };
        if n > 0 {
            let mut buf = vec![0u8; n as usize];
            let mut done = 0usize;
            while done < buf.len() {
                // SAFETY: reading into a live buffer of the stated length.
                let r = unsafe {
                    libc::pread(
                        fd,
                        buf[done..].as_mut_ptr().cast(),
                        buf.len() - done,
                        (offset + from + done as u64) as libc::off_t,
                    )
                };
                if r < 0 {
                    return Err(Errno::last_host());
                }
                if r == 0 {
                    break;
                }
                done += r as usize;
            }
            self.phys.write_bytes(pa + from, &buf).ok_or(Errno::EFAULT)?;
        }
        Ok(from)
    }

    /// mremap(2) growth of a shared mapping (`[old, old+old_len)` inside
    /// one region with a host object): in place when the pages after it
    /// are free, else moved when `may_move`. The object is mapped again at
    /// the new range, so its contents stay shared; pages past the object's
    /// end are private zero pages (where Linux would raise SIGBUS).
    pub fn mremap_shared(&mut self, old: u64, old_len: u64, new_len: u64, may_move: bool) -> Result<u64, Errno> {
        let r = self.region_at(old).cloned().ok_or(Errno::EFAULT)?;
        let o = r.shm.clone().ok_or(Errno::EINVAL)?;
        if old + old_len > r.end || new_len <= old_len {
            return Err(Errno::EINVAL);
        }
        let off = o.offset + (old - r.start);
        let tail = old + old_len;
        let target = if layout::user_range_ok(tail, new_len - old_len) && !self.overlaps(tail, old + new_len) {
            old
        } else if may_move {
            self.find_free(new_len, 0).ok_or(Errno::ENOMEM)?
        } else {
            return Err(Errno::ENOMEM);
        };
        let pa = layout::user_va_to_pa(target).ok_or(Errno::ENOMEM)?;
        let size = std::fs::File::from(o.fd.try_clone().map_err(|e| Errno::from_io(&e))?)
            .metadata()
            .map_err(|e| Errno::from_io(&e))?
            .len();
        let hp = host_page_size();
        let mapped = new_len.min(size.saturating_sub(off).next_multiple_of(hp));
        if (pa | mapped) % hp != 0 {
            return Err(Errno::EINVAL);
        }
        if target != old {
            self.munmap(old, old_len)?;
        }
        self.carve(target, target + new_len);
        self.phys.discard(pa, new_len).ok_or(Errno::ENOMEM)?;
        if mapped > 0 {
            self.phys.map_file(pa, mapped, o.fd.as_raw_fd(), off, true).map_err(|e| Errno::from_io(&e))?;
        }
        self.pt.set_user(&self.phys, target, new_len, Some(self.table_perm(r.perm))).map_err(pt_err)?;
        let mut backing = r.backing.clone();
        if let Backing::File { offset, .. } = &mut backing {
            *offset = off;
        }
        let shm = Some(SharedObj { fd: o.fd, offset: off, limit: off + mapped, writable: o.writable });
        let end = target + new_len;
        self.regions
            .insert(target, Region { start: target, end, perm: r.perm, shared: true, backing, label: r.label, shm });
        Ok(target)
    }

    /// munmap(2).
    pub fn munmap(&mut self, start: u64, len: u64) -> Result<(), Errno> {
        if start % PAGE_SIZE != 0 || len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::EINVAL)?;
        let end = start.checked_add(len).ok_or(Errno::EINVAL)?;
        if end > layout::USER_END {
            return Err(Errno::EINVAL);
        }
        for r in self.carve(start, end) {
            let pa = layout::user_va_to_pa(r.start).ok_or(Errno::EINVAL)?;
            self.phys.discard(pa, r.end - r.start);
            self.pt.set_user(&self.phys, r.start, r.end - r.start, None).map_err(pt_err)?;
        }
        Ok(())
    }

    /// mprotect(2): every page in the range must be mapped (else ENOMEM).
    pub fn mprotect(&mut self, start: u64, len: u64, perm: Perm) -> Result<(), Errno> {
        if start % PAGE_SIZE != 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        let end = start.checked_add(len).ok_or(Errno::ENOMEM)?;
        if len == 0 {
            return Ok(());
        }
        // Linux checks coverage before changing anything.
        let mut cur = start;
        for (_, r) in self.regions.range(..end) {
            if r.end <= cur {
                continue;
            }
            if r.start > cur {
                return Err(Errno::ENOMEM);
            }
            cur = r.end;
        }
        if cur < end {
            return Err(Errno::ENOMEM);
        }
        // A shared mapping of a file open read-only stays read-only.
        if perm.write()
            && self.regions.range(..end).any(|(_, r)| r.end > start && r.shm.as_ref().is_some_and(|o| !o.writable))
        {
            return Err(Errno::EACCES);
        }
        for mut r in self.carve(start, end) {
            self.pt.set_user(&self.phys, r.start, r.end - r.start, Some(self.table_perm(perm))).map_err(pt_err)?;
            r.perm = perm;
            self.regions.insert(r.start, r);
        }
        self.merge_around(start, end);
        Ok(())
    }

    /// Merge adjacent anonymous regions with identical attributes around
    /// `[start, end)`.
    fn merge_around(&mut self, start: u64, end: u64) {
        let mut k = match self.regions.range(..start).next_back() {
            Some((&k, r)) if r.end == start => k,
            _ => start,
        };
        while k <= end {
            let Some(r) = self.regions.get(&k).cloned() else {
                match self.regions.range(k..).next() {
                    Some((&n, _)) => {
                        k = n;
                        continue;
                    }
                    None => break,
                }
            };
            let mergeable = self.regions.get(&r.end).is_some_and(|next| {
                next.perm == r.perm
                    && next.shared == r.shared
                    && next.label == r.label
                    && r.backing == Backing::Anon
                    && next.backing == Backing::Anon
                    && match (&r.shm, &next.shm) {
                        (None, None) => true,
                        // Pieces of one shared object, in order.
                        (Some(a), Some(b)) => {
                            Arc::ptr_eq(&a.fd, &b.fd) && a.limit == b.limit && b.offset == a.offset + (r.end - r.start)
                        }
                        _ => false,
                    }
            });
            if mergeable {
                if let Some(next) = self.regions.remove(&r.end) {
                    if let Some(m) = self.regions.get_mut(&k) {
                        m.end = next.end;
                    }
                }
            } else {
                k = r.end;
            }
        }
    }

    /// brk(2): move the break; returns the new (or unchanged) break.
    pub fn set_brk(&mut self, new: u64) -> u64 {
        if new < self.brk_start {
            return self.brk;
        }
        let (Some(old_top), Some(new_top)) = (page_up(self.brk), page_up(new)) else {
            return self.brk;
        };
        if new_top > old_top {
            if !layout::user_range_ok(old_top, new_top - old_top) || self.overlaps(old_top, new_top) {
                return self.brk;
            }
            let heap_start = page_up(self.brk_start).unwrap_or(self.brk_start);
            let r = self.mmap(Placement::Fixed(old_top), new_top - old_top, Perm::RW, false, None, Some("[heap]"));
            if r.is_err() {
                return self.brk;
            }
            self.merge_around(heap_start, new_top);
        } else if new_top < old_top && self.munmap(new_top, old_top - new_top).is_err() {
            return self.brk;
        }
        // Linux zeroes nothing on shrink within a page, but fresh pages are
        // zero; the partial page above the old break is already mapped.
        self.brk = new;
        self.brk
    }

    /// The permission the translation tables get for a region's `perm`.
    fn table_perm(&self, perm: Perm) -> Perm {
        if self.wx && perm.write() && perm.exec() {
            Perm::RW
        } else {
            perm
        }
    }

    /// The region containing `va`.
    fn region_at(&self, va: u64) -> Option<&Region> {
        self.regions.range(..=va).next_back().map(|(_, r)| r).filter(|r| r.end > va)
    }

    /// Under the W^X policy ([`wx_policy`]), turn a permission fault on a
    /// page of an RWX region into a flip of that page: to RX for an
    /// instruction fetch, to RW for a write. Returns whether it flipped
    /// (the caller invalidates TLBs and retries the access); `false` means
    /// the fault is the guest's.
    pub fn fixup_fault(&mut self, exit: &crate::vcpu::VcpuExit) -> bool {
        use crate::vcpu::exit::fsc;
        use crate::vcpu::VcpuExit;
        let (far, esr, exec) = match *exit {
            VcpuExit::InstructionAbort { far, esr } => (far, esr, true),
            // ISS.WnR: the faulting access was a write.
            VcpuExit::DataAbort { far, esr } if esr & (1 << 6) != 0 => (far, esr, false),
            _ => return false,
        };
        let code = (esr & 0x3f) as u32;
        if !self.wx || !(fsc::PERMISSION..fsc::PERMISSION + 4).contains(&code) {
            return false;
        }
        if !self.region_at(far).is_some_and(|r| r.perm.write() && r.perm.exec()) {
            return false;
        }
        let page = far & !(PAGE_SIZE - 1);
        let want = if exec { Perm::RX } else { Perm::RW };
        match pagetable::walk(&self.phys, self.pt.ttbr0(), page) {
            Ok(t) if t.el0_perm() != want => self.pt.set_user(&self.phys, page, PAGE_SIZE, Some(want)).is_ok(),
            _ => false,
        }
    }

    /// Translate a user address for EL0 access, as the MMU would (under the
    /// W^X policy, a page of an RWX region is writable whichever half of
    /// RWX it currently holds).
    fn user_pa(&self, va: u64, write: bool) -> Result<u64, Errno> {
        let t = pagetable::walk(&self.phys, self.pt.ttbr0(), va).map_err(|_| Errno::EFAULT)?;
        let ok = if write { t.el0_write() } else { t.el0_read() };
        if ok || (self.wx && write && self.region_at(va).is_some_and(|r| r.perm.write() && r.perm.exec())) {
            Ok(t.pa)
        } else {
            Err(Errno::EFAULT)
        }
    }

    /// Host address of `len` bytes at `va` (inside one page) that EL0 may
    /// access, for host atomics on guest words (futexes). The address stays
    /// valid for the life of the physical reservation.
    pub fn host_addr(&self, va: u64, len: u64, write: bool) -> Result<*mut u8, Errno> {
        if len == 0 || (va % PAGE_SIZE) + len > PAGE_SIZE {
            return Err(Errno::EINVAL);
        }
        let pa = self.user_pa(va, write)?;
        self.phys.host_ptr(pa, len).ok_or(Errno::EFAULT)
    }

    /// Whether EL0 could read (or write) every byte of `[va, va+len)`.
    pub fn check(&self, va: u64, len: u64, write: bool) -> bool {
        if len == 0 {
            return true;
        }
        let Some(last) = va.checked_add(len - 1) else { return false };
        let mut page = va & !(PAGE_SIZE - 1);
        loop {
            if self.user_pa(page, write).is_err() {
                return false;
            }
            if page >= (last & !(PAGE_SIZE - 1)) {
                return true;
            }
            page += PAGE_SIZE;
        }
    }

    /// Copy guest memory into `out`, checking EL0 read permission.
    pub fn read(&self, va: u64, out: &mut [u8]) -> Result<(), Errno> {
        let mut done = 0usize;
        while done < out.len() {
            let cur = va.checked_add(done as u64).ok_or(Errno::EFAULT)?;
            let n = ((PAGE_SIZE - (cur % PAGE_SIZE)) as usize).min(out.len() - done);
            let pa = self.user_pa(cur, false)?;
            self.phys.read_bytes(pa, &mut out[done..done + n]).ok_or(Errno::EFAULT)?;
            done += n;
        }
        Ok(())
    }

    /// Copy `data` into guest memory, checking EL0 write permission of the
    /// whole range first.
    pub fn write(&self, va: u64, data: &[u8]) -> Result<(), Errno> {
        if !self.check(va, data.len() as u64, true) {
            return Err(Errno::EFAULT);
        }
        let mut done = 0usize;
        while done < data.len() {
            let cur = va + done as u64;
            let n = ((PAGE_SIZE - (cur % PAGE_SIZE)) as usize).min(data.len() - done);
            let pa = self.user_pa(cur, true)?;
            self.phys.write_bytes(pa, &data[done..done + n]).ok_or(Errno::EFAULT)?;
            done += n;
        }
        Ok(())
    }

    /// Write bytes ignoring EL0 permissions (the loader filling read-only
    /// segments and the initial stack). The range must be mapped.
    pub fn write_priv(&self, va: u64, data: &[u8]) -> Result<(), Errno> {
        let mut done = 0usize;
        while done < data.len() {
            let cur = va + done as u64;
            let n = ((PAGE_SIZE - (cur % PAGE_SIZE)) as usize).min(data.len() - done);
            let pa = layout::user_va_to_pa(cur).ok_or(Errno::EFAULT)?;
            self.phys.write_bytes(pa, &data[done..done + n]).ok_or(Errno::EFAULT)?;
            done += n;
        }
        Ok(())
    }

    /// Read a NUL-terminated string of at most `max` bytes (without NUL).
    /// ENAMETOOLONG if no NUL within `max`.
    pub fn read_cstr(&self, va: u64, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut cur = va;
        loop {
            let n = (PAGE_SIZE - (cur % PAGE_SIZE)) as usize;
            let pa = self.user_pa(cur, false)?;
            let mut chunk = vec![0u8; n];
            self.phys.read_bytes(pa, &mut chunk).ok_or(Errno::EFAULT)?;
            if let Some(z) = chunk.iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..z]);
                if out.len() > max {
                    return Err(Errno::ENAMETOOLONG);
                }
                return Ok(out);
            }
            out.extend_from_slice(&chunk);
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            cur = cur.checked_add(n as u64).ok_or(Errno::EFAULT)?;
        }
    }

    /// Read a plain-data struct.
    pub fn read_obj<T: crate::abi::Pod>(&self, va: u64) -> Result<T, Errno> {
        let mut buf = vec![0u8; std::mem::size_of::<T>()];
        self.read(va, &mut buf)?;
        T::from_bytes(&buf).ok_or(Errno::EFAULT)
    }

    /// Write a plain-data struct.
    pub fn write_obj<T: crate::abi::Pod>(&self, va: u64, v: &T) -> Result<(), Errno> {
        self.write(va, v.as_bytes())
    }

    /// Read a little-endian u64.
    pub fn read_u64(&self, va: u64) -> Result<u64, Errno> {
        let mut b = [0u8; 8];
        self.read(va, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> AddressSpace {
        AddressSpace::new(Arc::new(PhysMem::new(layout::PHYS_SIZE).unwrap())).unwrap()
    }

    #[test]
    fn mmap_munmap_mprotect_regions() {
        let mut s = space();
        let a = s.mmap(Placement::Hint(0), 3 * PAGE_SIZE, Perm::RW, false, None, None).unwrap();
        assert!(a >= layout::HIGH_BASE && a + 3 * PAGE_SIZE <= layout::MMAP_TOP);
        s.write(a, b"hello").unwrap();
        let mut b = [0u8; 5];
        s.read(a, &mut b).unwrap();
        assert_eq!(&b, b"hello");
        s.mprotect(a + PAGE_SIZE, PAGE_SIZE, Perm::R).unwrap();
        assert_eq!(s.regions().count(), 3);
        assert_eq!(s.write(a + PAGE_SIZE, b"x"), Err(Errno::EFAULT));
        s.mprotect(a + PAGE_SIZE, PAGE_SIZE, Perm::RW).unwrap();
        assert_eq!(s.regions().count(), 1, "adjacent anonymous regions merge back");
        s.munmap(a + PAGE_SIZE, PAGE_SIZE).unwrap();
        assert_eq!(s.read(a + PAGE_SIZE, &mut b), Err(Errno::EFAULT));
        assert_eq!(s.mprotect(a, 3 * PAGE_SIZE, Perm::R), Err(Errno::ENOMEM));
        // Top-down placement reuses the hole, as Linux does; then goes below.
        let c = s.mmap(Placement::Hint(0), PAGE_SIZE, Perm::RW, false, None, None).unwrap();
        assert_eq!(c, a + PAGE_SIZE);
        let d = s.mmap(Placement::Hint(0), PAGE_SIZE, Perm::RW, false, None, None).unwrap();
        assert_eq!(d, a - PAGE_SIZE);
        // Remapped memory is zero.
        s.munmap(a, PAGE_SIZE).unwrap();
        s.mmap(Placement::Fixed(a), PAGE_SIZE, Perm::RW, false, None, None).unwrap();
        s.read(a, &mut b).unwrap();
        assert_eq!(b, [0; 5]);
        assert_eq!(s.mmap(Placement::FixedNoReplace(a), PAGE_SIZE, Perm::RW, false, None, None), Err(Errno::EEXIST));
    }

    #[test]
    fn shared_anonymous_pieces_keep_their_object() {
        let mut s = space();
        let a = s.mmap(Placement::Hint(0), 4 * PAGE_SIZE, Perm::RW, true, None, None).unwrap();
        let pa = layout::user_va_to_pa(a).unwrap();
        // The object's pages are left out of a fork snapshot.
        assert!(!s.physical_ranges().iter().any(|&(p, _, _)| p == pa));
        s.mprotect(a + PAGE_SIZE, PAGE_SIZE, Perm::R).unwrap();
        let objs: Vec<_> = s.regions().map(|r| r.shm.clone().unwrap()).collect();
        assert_eq!(objs.len(), 3);
        assert!(objs.iter().all(|o| Arc::ptr_eq(&o.fd, &objs[0].fd)));
        assert_eq!(objs.iter().map(|o| o.offset).collect::<Vec<_>>(), [0, PAGE_SIZE, 2 * PAGE_SIZE]);
        s.mprotect(a + PAGE_SIZE, PAGE_SIZE, Perm::RW).unwrap();
        assert_eq!(s.regions().count(), 1, "pieces of one object merge back");
        // Re-mapping the object keeps the contents (what a fork child does).
        s.write(a + 2 * PAGE_SIZE, b"kept").unwrap();
        s.remap_shared().unwrap();
        let mut b = [0u8; 4];
        s.read(a + 2 * PAGE_SIZE, &mut b).unwrap();
        assert_eq!(&b, b"kept");
        // A private mapping never merges with a shared one.
        s.mmap(Placement::Fixed(a + 4 * PAGE_SIZE), PAGE_SIZE, Perm::RW, false, None, None).unwrap();
        s.mprotect(a, 5 * PAGE_SIZE, Perm::RW).unwrap();
        assert_eq!(s.regions().count(), 2);
    }

    #[test]
    fn brk_grows_and_shrinks_with_zeroed_pages() {
        let mut s = space();
        s.init_brk(0x500123);
        assert_eq!(s.set_brk(0), 0x500123);
        assert_eq!(s.set_brk(0x520000), 0x520000);
        s.write(0x51fff0, &[1; 16]).unwrap();
        assert_eq!(s.set_brk(0x508000), 0x508000);
        assert_eq!(s.read(0x510000, &mut [0u8; 1]), Err(Errno::EFAULT));
        assert_eq!(s.set_brk(0x520000), 0x520000);
        let mut b = [9u8; 16];
        s.read(0x51fff0, &mut b).unwrap();
        assert_eq!(b, [0; 16]);
        assert_eq!(s.regions().filter(|r| r.label == Some("[heap]")).count(), 1);
    }

    #[test]
    fn wx_policy_flips_pages_of_rwx_regions_only() {
        use crate::vcpu::exit::{ec, fsc};
        use crate::vcpu::VcpuExit;
        let mut s = space();
        s.wx = true;
        let a = s.mmap(Placement::Hint(0), 2 * PAGE_SIZE, Perm::RWX, false, None, None).unwrap();
        let perm = |s: &AddressSpace, va| pagetable::walk(&s.phys, s.ttbr0(), va).unwrap().el0_perm();
        assert_eq!(perm(&s, a), Perm::RW, "an RWX region starts writable");
        assert_eq!(s.regions().next().unwrap().perm, Perm::RWX, "the region keeps RWX");
        let iabt = |far| VcpuExit::InstructionAbort { far, esr: (u64::from(ec::IABT_LOWER) << 26) | 0xf };
        let write = |far| VcpuExit::DataAbort { far, esr: (u64::from(ec::DABT_LOWER) << 26) | (1 << 6) | 0xf };
        assert!(s.fixup_fault(&iabt(a + 8)));
        assert_eq!(perm(&s, a), Perm::RX);
        assert_eq!(perm(&s, a + PAGE_SIZE), Perm::RW, "only the faulting page flips");
        assert!(!s.fixup_fault(&iabt(a + 8)), "a fault the flip cannot fix is the guest's");
        s.write(a, b"host").unwrap();
        assert_eq!(perm(&s, a), Perm::RX, "host writes follow the region, not the page");
        assert!(s.fixup_fault(&write(a + 16)));
        assert_eq!(perm(&s, a), Perm::RW);
        // A read fault, a translation fault, a non-RWX region: never flipped.
        let read = VcpuExit::DataAbort { far: a, esr: (u64::from(ec::DABT_LOWER) << 26) | 0xf };
        assert!(!s.fixup_fault(&read));
        let b = s.mmap(Placement::Hint(0), PAGE_SIZE, Perm::RW, false, None, None).unwrap();
        assert!(!s.fixup_fault(&iabt(b)));
        let unmapped = VcpuExit::InstructionAbort {
            far: 0x10_0000,
            esr: (u64::from(ec::IABT_LOWER) << 26) | u64::from(fsc::TRANSLATION + 3),
        };
        assert!(!s.fixup_fault(&unmapped));
        // mprotect to RWX under the policy installs RW too.
        s.mprotect(b, PAGE_SIZE, Perm::RWX).unwrap();
        assert_eq!(perm(&s, b), Perm::RW);
        // Without the policy, RWX is RWX and nothing flips.
        let mut plain = space();
        plain.wx = false;
        let c = plain.mmap(Placement::Hint(0), PAGE_SIZE, Perm::RWX, false, None, None).unwrap();
        assert_eq!(perm(&plain, c), Perm::RWX);
        assert!(!plain.fixup_fault(&iabt(c)));
    }

    #[test]
    fn cstr_and_faults() {
        let mut s = space();
        let a = s.mmap(Placement::Fixed(0x10000), PAGE_SIZE, Perm::RW, false, None, None).unwrap();
        s.write(a + PAGE_SIZE - 3, b"abc").unwrap();
        assert_eq!(s.read_cstr(a + PAGE_SIZE - 3, 100), Err(Errno::EFAULT)); // runs off the mapping
        s.write(a, b"/etc/passwd\0").unwrap();
        assert_eq!(s.read_cstr(a, 100).unwrap(), b"/etc/passwd");
        assert_eq!(s.read_cstr(a, 4), Err(Errno::ENAMETOOLONG));
        assert_eq!(s.read_cstr(0, 4), Err(Errno::EFAULT));
        assert_eq!(s.read_u64(u64::MAX - 3), Err(Errno::EFAULT));
    }
}
