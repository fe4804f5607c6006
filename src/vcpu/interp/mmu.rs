//! The software MMU: stage-1 translation through the guest's own page
//! tables, with a direct-mapped TLB.

use crate::mem::pagetable::{self, Translation};
use crate::mem::phys::PhysMem;

/// Kind of access being translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Data read.
    Read,
    /// Data write.
    Write,
    /// Instruction fetch.
    Exec,
}

/// Permission bits cached in a TLB entry: three for EL0, three for EL1.
const P_R: u8 = 1;
const P_W: u8 = 2;
const P_X: u8 = 4;

impl Access {
    #[inline]
    fn bit(self, el: u8) -> u8 {
        let b = match self {
            Access::Read => P_R,
            Access::Write => P_W,
            Access::Exec => P_X,
        };
        // EL0's bits, or EL1's three above them (branch-free).
        b << (3 * (el & 1))
    }
}

const TLB_SIZE: usize = 4096;
const INVALID: u64 = u64::MAX;

#[derive(Clone, Copy)]
struct Entry {
    /// Virtual page number (va >> 12), or INVALID.
    vpn: u64,
    /// Physical address of the page.
    pa: u64,
    /// Host address of the page (inside the guest-physical reservation).
    host: usize,
    /// Permission bits.
    perm: u8,
}

/// A software TLB of 4 KiB translations.
pub struct Tlb {
    entries: Box<[Entry]>,
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb { entries: vec![Entry { vpn: INVALID, pa: 0, host: 0, perm: 0 }; TLB_SIZE].into_boxed_slice() }
    }
}

/// A failed translation: walk fault or permission fault, with the level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmuFault {
    /// No translation (level).
    Translation(u8),
    /// Address outside the translated range.
    AddressSize(u8),
    /// Translation forbids the access (level).
    Permission(u8),
}

impl Tlb {
    /// Forget every translation (TLBI VMALLE1).
    pub fn flush(&mut self) {
        for e in self.entries.iter_mut() {
            e.vpn = INVALID;
        }
    }

    /// Forget the translation of one page (TLBI VAE1 / VALE1).
    pub fn flush_va(&mut self, va: u64) {
        let vpn = va >> 12;
        let e = &mut self.entries[(vpn as usize) & (TLB_SIZE - 1)];
        if e.vpn == vpn {
            e.vpn = INVALID;
        }
    }

    /// Translate `va` for `acc` at exception level `el`; fast path.
    #[inline]
    pub fn lookup(&self, va: u64, acc: Access, el: u8) -> Option<u64> {
        let vpn = va >> 12;
        let e = &self.entries[(vpn as usize) & (TLB_SIZE - 1)];
        if e.vpn == vpn && e.perm & acc.bit(el) != 0 {
            Some(e.pa | (va & 0xfff))
        } else {
            None
        }
    }

    /// Host address of `va` for `acc` at `el`, if the TLB holds it; valid
    /// for the rest of `va`'s 4 KiB page.
    #[inline(always)]
    pub fn lookup_host(&self, va: u64, acc: Access, el: u8) -> Option<*mut u8> {
        let vpn = va >> 12;
        let e = &self.entries[(vpn as usize) & (TLB_SIZE - 1)];
        if e.vpn == vpn && e.perm & acc.bit(el) != 0 {
            Some((e.host + (va & 0xfff) as usize) as *mut u8)
        } else {
            None
        }
    }

    /// Walk the tables and fill the TLB.
    pub fn fill(&mut self, phys: &PhysMem, regs: &MmuRegs, va: u64, acc: Access, el: u8) -> Result<u64, MmuFault> {
        if regs.sctlr & 1 == 0 {
            // MMU off: flat physical addressing.
            return if phys.contains(va, 1) { Ok(va) } else { Err(MmuFault::AddressSize(0)) };
        }
        let upper = va >> 63 != 0;
        let root = if upper { regs.ttbr1 } else { regs.ttbr0 } & pagetable::DESC_OA_MASK;
        let t = pagetable::walk(phys, root, va).map_err(|f| {
            if f.address_size {
                MmuFault::AddressSize(f.level)
            } else {
                MmuFault::Translation(f.level)
            }
        })?;
        let perm = perm_bits(&t);
        let level = match t.size {
            0x1000 => 3,
            0x20_0000 => 2,
            _ => 1,
        };
        if perm & acc.bit(el) == 0 {
            return Err(MmuFault::Permission(level));
        }
        let vpn = va >> 12;
        let page = t.pa & !0xfff;
        // Only pages inside physical memory are cached (host pointer valid).
        if let Some(host) = phys.host_ptr(page, 0x1000) {
            self.entries[(vpn as usize) & (TLB_SIZE - 1)] = Entry { vpn, pa: page, host: host as usize, perm };
        }
        Ok(t.pa)
    }
}

fn perm_bits(t: &Translation) -> u8 {
    let mut p = 0;
    if t.el0_read() {
        p |= P_R;
    }
    if t.el0_write() {
        p |= P_W;
    }
    if t.el0_exec() {
        p |= P_X;
    }
    p |= P_R << 3;
    if t.el1_write() {
        p |= P_W << 3;
    }
    if t.el1_exec() {
        p |= P_X << 3;
    }
    p
}

/// The system registers that control translation.
#[derive(Clone, Copy, Debug, Default)]
pub struct MmuRegs {
    /// SCTLR_EL1.
    pub sctlr: u64,
    /// TTBR0_EL1.
    pub ttbr0: u64,
    /// TTBR1_EL1.
    pub ttbr1: u64,
}
