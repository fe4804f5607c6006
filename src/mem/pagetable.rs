//! Stage-1 translation tables (ARMv8-A VMSA, 4 KiB granule, 48-bit VA).
//!
//! The host builds the tables in guest-physical memory; the interp MMU and
//! the hardware both walk them. Level 0..=3, 512 entries per table. User
//! mappings use 2 MiB level-2 blocks where a whole aligned block shares one
//! permission, and are split into level-3 pages where permissions mix.

use super::layout::{self, BLOCK_SIZE, PAGE_SIZE};
use super::phys::PhysMem;

/// Descriptor bit: valid.
pub const DESC_VALID: u64 = 1 << 0;
/// Descriptor bit: table (levels 0-2) or page (level 3); clear = block.
pub const DESC_TABLE: u64 = 1 << 1;
/// AP[1]: accessible from EL0.
pub const DESC_AP_EL0: u64 = 1 << 6;
/// AP[2]: read-only.
pub const DESC_AP_RO: u64 = 1 << 7;
/// SH = inner shareable.
pub const DESC_SH_INNER: u64 = 3 << 8;
/// Access flag.
pub const DESC_AF: u64 = 1 << 10;
/// Privileged execute-never.
pub const DESC_PXN: u64 = 1 << 53;
/// Unprivileged execute-never.
pub const DESC_UXN: u64 = 1 << 54;
/// Output-address mask for 4 KiB granule, 48-bit PA.
pub const DESC_OA_MASK: u64 = 0x0000_ffff_ffff_f000;
const ATTR_MASK: u64 = !DESC_OA_MASK & !(DESC_VALID | DESC_TABLE);

/// User access permissions of a mapping (EL0 view).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Perm(u8);

impl Perm {
    /// No access (PROT_NONE): the page is reserved but faults.
    pub const NONE: Perm = Perm(0);
    /// Readable.
    pub const R: Perm = Perm(1);
    /// Readable and writable.
    pub const RW: Perm = Perm(3);
    /// Readable and executable.
    pub const RX: Perm = Perm(5);
    /// Readable, writable and executable.
    pub const RWX: Perm = Perm(7);

    /// Build from read/write/exec flags.
    pub const fn new(read: bool, write: bool, exec: bool) -> Perm {
        Perm((read as u8) | ((write as u8) << 1) | ((exec as u8) << 2))
    }
    /// Readable.
    pub const fn read(self) -> bool {
        self.0 & 1 != 0
    }
    /// Writable.
    pub const fn write(self) -> bool {
        self.0 & 2 != 0
    }
    /// Executable.
    pub const fn exec(self) -> bool {
        self.0 & 4 != 0
    }
    /// Any access at all.
    pub const fn any(self) -> bool {
        self.0 != 0
    }

    /// Leaf attributes (without valid/type/OA bits) for a user mapping.
    /// Linux arm64 has no write-only or execute-only user pages: any access
    /// implies read.
    fn user_attrs(self) -> u64 {
        let mut a = DESC_AF | DESC_SH_INNER | DESC_PXN | DESC_AP_EL0;
        if !self.write() {
            a |= DESC_AP_RO;
        }
        if !self.exec() {
            a |= DESC_UXN;
        }
        a
    }
}

/// A completed translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Physical address of the translated byte.
    pub pa: u64,
    /// The leaf descriptor.
    pub desc: u64,
    /// Size of the leaf (4 KiB page or 2 MiB/1 GiB block).
    pub size: u64,
}

impl Translation {
    /// EL0 may read.
    pub fn el0_read(&self) -> bool {
        self.desc & DESC_AP_EL0 != 0
    }
    /// EL0 may write.
    pub fn el0_write(&self) -> bool {
        self.desc & DESC_AP_EL0 != 0 && self.desc & DESC_AP_RO == 0
    }
    /// EL0 may execute.
    pub fn el0_exec(&self) -> bool {
        self.desc & DESC_UXN == 0
    }
    /// EL1 may write.
    pub fn el1_write(&self) -> bool {
        self.desc & DESC_AP_RO == 0
    }
    /// EL1 may execute (never for EL0-writable pages, as the architecture says).
    pub fn el1_exec(&self) -> bool {
        self.desc & DESC_PXN == 0 && !self.el0_write()
    }
    /// The EL0 permission this translation grants.
    pub fn el0_perm(&self) -> Perm {
        Perm::new(self.el0_read(), self.el0_write(), self.el0_exec())
    }
}

/// Why a walk did not produce a translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkFault {
    /// Level at which the invalid descriptor was found (0..=3).
    pub level: u8,
    /// True for an address-size fault (VA outside the table's range).
    pub address_size: bool,
}

/// Errors editing translation tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PtError {
    /// The range is not inside a user window.
    OutOfRange,
    /// The page-table arena is exhausted.
    ArenaFull,
}

/// Walk the tables at `root` for `va`, as the hardware does with TxSZ = 16.
pub fn walk(phys: &PhysMem, root: u64, va: u64) -> Result<Translation, WalkFault> {
    let top = va >> 48;
    if top != 0 && top != 0xffff {
        return Err(WalkFault { level: 0, address_size: true });
    }
    let mut table = root;
    for level in 0u8..=3 {
        let shift = 39 - 9 * u32::from(level);
        let idx = (va >> shift) & 511;
        let desc = phys.read_u64(table + idx * 8).ok_or(WalkFault { level, address_size: true })?;
        if desc & DESC_VALID == 0 {
            return Err(WalkFault { level, address_size: false });
        }
        let is_table_or_page = desc & DESC_TABLE != 0;
        if level == 3 {
            if !is_table_or_page {
                return Err(WalkFault { level, address_size: false });
            }
            let pa = (desc & DESC_OA_MASK) | (va & (PAGE_SIZE - 1));
            return Ok(Translation { pa, desc, size: PAGE_SIZE });
        }
        if is_table_or_page {
            table = desc & DESC_OA_MASK;
            continue;
        }
        // Block: allowed at level 1 (1 GiB) and level 2 (2 MiB).
        if level == 0 {
            return Err(WalkFault { level, address_size: false });
        }
        let size = 1u64 << shift;
        let pa = (desc & DESC_OA_MASK & !(size - 1)) | (va & (size - 1));
        return Ok(Translation { pa, desc, size });
    }
    Err(WalkFault { level: 3, address_size: false })
}

/// The guest's translation tables and their arena.
pub struct PageTables {
    ttbr0: u64,
    ttbr1: u64,
    next: u64,
    free: Vec<u64>,
}

impl PageTables {
    /// Create empty TTBR0 (user) and TTBR1 (shim) roots.
    pub fn new(phys: &PhysMem) -> Result<Self, PtError> {
        let mut pt = PageTables { ttbr0: 0, ttbr1: 0, next: layout::PT_ARENA_PA, free: Vec::new() };
        pt.ttbr0 = pt.alloc_table(phys)?;
        pt.ttbr1 = pt.alloc_table(phys)?;
        Ok(pt)
    }

    /// The allocator state (roots, next free arena page, free list), for
    /// handing the tables to a forked child.
    pub fn parts(&self) -> (u64, u64, u64, Vec<u64>) {
        (self.ttbr0, self.ttbr1, self.next, self.free.clone())
    }

    /// Rebuild from [`PageTables::parts`] (the tables themselves are in the
    /// child's copy of physical memory).
    pub fn from_parts(ttbr0: u64, ttbr1: u64, next: u64, free: Vec<u64>) -> PageTables {
        PageTables { ttbr0, ttbr1, next, free }
    }

    /// End of the used part of the page-table arena.
    pub fn arena_end(&self) -> u64 {
        self.next
    }

    /// Physical address of the user (TTBR0) root table.
    pub fn ttbr0(&self) -> u64 {
        self.ttbr0
    }

    /// Physical address of the kernel-half (TTBR1) root table.
    pub fn ttbr1(&self) -> u64 {
        self.ttbr1
    }

    fn alloc_table(&mut self, phys: &PhysMem) -> Result<u64, PtError> {
        let pa = if let Some(pa) = self.free.pop() {
            pa
        } else {
            if self.next + PAGE_SIZE > layout::PT_ARENA_PA + layout::PT_ARENA_SIZE {
                return Err(PtError::ArenaFull);
            }
            let pa = self.next;
            self.next += PAGE_SIZE;
            pa
        };
        phys.zero(pa, PAGE_SIZE).ok_or(PtError::ArenaFull)?;
        Ok(pa)
    }

    /// Map one EL1-only executable page in the kernel half (the shim).
    pub fn map_kernel_page(&mut self, phys: &PhysMem, va: u64, pa: u64) -> Result<(), PtError> {
        let attrs = DESC_AF | DESC_SH_INNER | DESC_AP_RO | DESC_UXN;
        let slot = self.leaf_slot(phys, self.ttbr1, va, 3)?;
        phys.write_u64(slot, (pa & DESC_OA_MASK) | attrs | DESC_VALID | DESC_TABLE).ok_or(PtError::OutOfRange)
    }

    /// Set the EL0 permission of `[va, va+len)` (page aligned): map it to its
    /// window's physical pages, or unmap it for `None` / `Perm::NONE`.
    pub fn set_user(&mut self, phys: &PhysMem, va: u64, len: u64, perm: Option<Perm>) -> Result<(), PtError> {
        debug_assert!(va % PAGE_SIZE == 0 && len % PAGE_SIZE == 0);
        if !layout::user_range_ok(va, len) {
            return Err(PtError::OutOfRange);
        }
        let leaf = |va: u64, block: bool| -> u64 {
            match perm {
                Some(p) if p.any() => {
                    // In range: checked above for the whole span.
                    let pa = layout::user_va_to_pa(va).unwrap_or(0);
                    let kind = if block { 0 } else { DESC_TABLE };
                    (pa & DESC_OA_MASK) | p.user_attrs() | DESC_VALID | kind
                }
                _ => 0,
            }
        };
        let mut cur = va;
        let end = va + len;
        while cur < end {
            if cur % BLOCK_SIZE == 0 && end - cur >= BLOCK_SIZE {
                let slot = self.leaf_slot(phys, self.ttbr0, cur, 2)?;
                let old = phys.read_u64(slot).unwrap_or(0);
                phys.write_u64(slot, leaf(cur, true)).ok_or(PtError::OutOfRange)?;
                if old & (DESC_VALID | DESC_TABLE) == DESC_VALID | DESC_TABLE {
                    self.free.push(old & DESC_OA_MASK);
                }
                cur += BLOCK_SIZE;
            } else {
                let slot = self.leaf_slot(phys, self.ttbr0, cur, 3)?;
                phys.write_u64(slot, leaf(cur, false)).ok_or(PtError::OutOfRange)?;
                cur += PAGE_SIZE;
            }
        }
        Ok(())
    }

    /// Find (creating tables, splitting blocks) the descriptor slot for `va`
    /// at `level` (2 or 3).
    fn leaf_slot(&mut self, phys: &PhysMem, root: u64, va: u64, level: u8) -> Result<u64, PtError> {
        let mut table = root;
        for l in 0..level {
            let shift = 39 - 9 * u32::from(l);
            let slot = table + ((va >> shift) & 511) * 8;
            let desc = phys.read_u64(slot).ok_or(PtError::OutOfRange)?;
            if desc & DESC_VALID != 0 && desc & DESC_TABLE != 0 {
                table = desc & DESC_OA_MASK;
                continue;
            }
            let new = self.alloc_table(phys)?;
            if desc & DESC_VALID != 0 {
                // Split a block into the next level's entries, same attributes.
                let child = 1u64 << (shift - 9);
                let base = desc & DESC_OA_MASK & !((1u64 << shift) - 1);
                let kind = if l + 1 == 3 { DESC_TABLE } else { 0 };
                for i in 0..512u64 {
                    let d = (base + i * child) | (desc & ATTR_MASK) | DESC_VALID | kind;
                    phys.write_u64(new + i * 8, d).ok_or(PtError::OutOfRange)?;
                }
            }
            phys.write_u64(slot, new | DESC_VALID | DESC_TABLE).ok_or(PtError::OutOfRange)?;
            table = new;
        }
        let shift = 39 - 9 * u32::from(level);
        Ok(table + ((va >> shift) & 511) * 8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (PhysMem, PageTables) {
        let phys = PhysMem::new(layout::PHYS_SIZE).unwrap();
        let pt = PageTables::new(&phys).unwrap();
        (phys, pt)
    }

    #[test]
    fn map_block_then_split_on_mixed_permissions() {
        let (phys, mut pt) = setup();
        pt.set_user(&phys, 0x400000, 0x400000, Some(Perm::RW)).unwrap();
        let t = walk(&phys, pt.ttbr0(), 0x401234).unwrap();
        assert_eq!(t.size, BLOCK_SIZE);
        assert_eq!(t.pa, 0x401234);
        assert!(t.el0_write() && !t.el0_exec());
        // Make one page read-only + exec: the block splits, neighbours keep RW.
        pt.set_user(&phys, 0x401000, 0x1000, Some(Perm::RX)).unwrap();
        let t = walk(&phys, pt.ttbr0(), 0x401ffc).unwrap();
        assert_eq!(t.size, PAGE_SIZE);
        assert_eq!(t.el0_perm(), Perm::RX);
        let n = walk(&phys, pt.ttbr0(), 0x402000).unwrap();
        assert_eq!(n.el0_perm(), Perm::RW);
        assert_eq!(n.pa, 0x402000);
        pt.set_user(&phys, 0x402000, 0x1000, None).unwrap();
        assert_eq!(walk(&phys, pt.ttbr0(), 0x402010).unwrap_err().level, 3);
        assert_eq!(walk(&phys, pt.ttbr0(), 0x1000_0000).unwrap_err().level, 2);
    }

    #[test]
    fn high_window_and_kernel_half() {
        let (phys, mut pt) = setup();
        let va = layout::STACK_TOP - 0x2000;
        pt.set_user(&phys, va, 0x2000, Some(Perm::RW)).unwrap();
        let t = walk(&phys, pt.ttbr0(), va + 8).unwrap();
        assert_eq!(Some(t.pa), layout::user_va_to_pa(va + 8));
        pt.map_kernel_page(&phys, layout::SHIM_VA, layout::SHIM_PA).unwrap();
        let k = walk(&phys, pt.ttbr1(), layout::SHIM_VA + 0x400).unwrap();
        assert_eq!(k.pa, layout::SHIM_PA + 0x400);
        assert!(k.el1_exec() && !k.el0_read() && !k.el0_exec());
        assert!(pt.set_user(&phys, layout::LOW_END, 0x1000, Some(Perm::R)).is_err());
        assert!(walk(&phys, pt.ttbr0(), 0x0001_0000_0000_0000).unwrap_err().address_size);
    }
}
