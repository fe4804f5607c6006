//! Architectural state of the software CPU and its memory interface.
//!
//! Instruction handlers (in `exec/`) see a [`Cpu`]: registers through the
//! `x`/`w`/`xsp` helpers, memory through `read_*`/`write_*` (which translate
//! through the MMU and return a data abort as an [`Exception`]), and the
//! system registers in [`SysRegs`].

use std::sync::Arc;

use super::decode;
use super::exception::{Exception, ExecResult, FaultKind};
use super::mmu::{Access, MmuFault, MmuRegs, Tlb};
use crate::mem::phys::PhysMem;

/// EL1 system registers (and the EL0-accessible IDs) the CPU models.
#[derive(Clone, Debug, Default)]
pub struct SysRegs {
    /// SCTLR_EL1.
    pub sctlr_el1: u64,
    /// TCR_EL1.
    pub tcr_el1: u64,
    /// TTBR0_EL1.
    pub ttbr0_el1: u64,
    /// TTBR1_EL1.
    pub ttbr1_el1: u64,
    /// MAIR_EL1.
    pub mair_el1: u64,
    /// VBAR_EL1.
    pub vbar_el1: u64,
    /// ESR_EL1.
    pub esr_el1: u64,
    /// FAR_EL1.
    pub far_el1: u64,
    /// ELR_EL1.
    pub elr_el1: u64,
    /// SPSR_EL1.
    pub spsr_el1: u64,
    /// CPACR_EL1.
    pub cpacr_el1: u64,
    /// TPIDR_EL1.
    pub tpidr_el1: u64,
    /// CONTEXTIDR_EL1.
    pub contextidr_el1: u64,
}

/// The exclusive monitor's record of the last load-exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExclusiveMonitor {
    /// Address loaded.
    pub va: u64,
    /// Access size in bytes (1, 2, 4, 8, 16; 16 for pairs of 8).
    pub size: u8,
    /// Value observed by the load (low bytes for smaller sizes).
    pub value: u128,
}

/// State of one software CPU.
pub struct Cpu {
    /// X0..X30; index 31 is XZR and always holds zero (`set_x` restores it
    /// after every write, so register reads need no branch).
    pub xregs: [u64; 32],
    /// SP_EL0.
    pub sp_el0: u64,
    /// SP_EL1.
    pub sp_el1: u64,
    /// Address of the next instruction to execute. While a handler runs it
    /// already points past the current instruction; branches overwrite it.
    pub pc: u64,
    /// Address of the instruction being executed.
    pub cur_pc: u64,
    /// NZCV in PSTATE layout (bits 31..28).
    pub nzcv: u32,
    /// Current exception level (0 or 1).
    pub el: u8,
    /// DAIF mask bits (D, A, I, F = bits 3..0).
    pub daif: u8,
    /// SIMD&FP registers V0..V31.
    pub v: [u128; 32],
    /// FPCR.
    pub fpcr: u32,
    /// FPSR.
    pub fpsr: u32,
    /// TPIDR_EL0.
    pub tpidr_el0: u64,
    /// TPIDRRO_EL0.
    pub tpidrro_el0: u64,
    /// EL1 system registers.
    pub sys: SysRegs,
    /// Exclusive monitor state.
    pub excl: Option<ExclusiveMonitor>,
    /// Guest-physical memory.
    pub phys: Arc<PhysMem>,
    /// TLB for data and instruction accesses.
    pub tlb: Tlb,
    /// Cache and TLB maintenance not yet applied to the block cache.
    pub maint: Maintenance,
}

/// Maintenance recorded by instruction handlers for the translated-block
/// cache (which lives outside the [`Cpu`] the handlers see): the run loop
/// applies it before the next block, and blocks end at every instruction
/// that can record it.
#[derive(Clone, Debug, Default)]
pub struct Maintenance {
    /// Something below is set.
    pub pending: bool,
    /// The TLB changed: forget cached fetch translations.
    pub fetch: bool,
    /// Drop every decoded instruction (`IC IALLU`).
    pub all_code: bool,
    /// Drop decoded instructions of these physical pages (`IC IVAU`).
    pub pages: Vec<u64>,
}

/// Bit `nzcv` of entry `cond`: whether condition `cond` holds for flags
/// `nzcv` (N = bit 3 ... V = bit 0), per ARM ARM `ConditionHolds`.
const COND_TABLE: [u16; 16] = {
    let mut t = [0u16; 16];
    let mut cond = 0;
    while cond < 16 {
        let mut f = 0;
        while f < 16 {
            let (n, z, c, v) = (f & 8 != 0, f & 4 != 0, f & 2 != 0, f & 1 != 0);
            let r = match cond >> 1 {
                0 => z,
                1 => c,
                2 => n,
                3 => v,
                4 => c && !z,
                5 => n == v,
                6 => n == v && !z,
                _ => true,
            };
            let r = if cond & 1 == 1 && cond != 15 { !r } else { r };
            if r {
                t[cond] |= 1 << f;
            }
            f += 1;
        }
        cond += 1;
    }
    t
};

/// `IC IVAU`s remembered one by one before they become an `IC IALLU`.
const MAX_PENDING_PAGES: usize = 64;

/// NZCV bit positions.
pub const N_BIT: u32 = 1 << 31;
/// Zero flag.
pub const Z_BIT: u32 = 1 << 30;
/// Carry flag.
pub const C_BIT: u32 = 1 << 29;
/// Overflow flag.
pub const V_BIT: u32 = 1 << 28;

impl Cpu {
    /// A reset CPU at EL1 with the MMU off.
    pub fn new(phys: Arc<PhysMem>) -> Cpu {
        Cpu {
            xregs: [0; 32],
            sp_el0: 0,
            sp_el1: 0,
            pc: 0,
            cur_pc: 0,
            nzcv: 0,
            el: 1,
            daif: 0xf,
            v: [0; 32],
            fpcr: 0,
            fpsr: 0,
            tpidr_el0: 0,
            tpidrro_el0: 0,
            sys: SysRegs::default(),
            excl: None,
            phys,
            tlb: Tlb::default(),
            maint: Maintenance::default(),
        }
    }

    // ---- general-purpose registers -------------------------------------

    /// Xn, with n = 31 reading as XZR (zero).
    #[inline(always)]
    pub fn x(&self, n: u32) -> u64 {
        self.xregs[n as usize & 31]
    }
    /// Write Xn; n = 31 (XZR) discards. Branch-free: writes the slot, then
    /// re-zeroes XZR's.
    #[inline(always)]
    pub fn set_x(&mut self, n: u32, v: u64) {
        self.xregs[n as usize & 31] = v;
        self.xregs[31] = 0;
    }
    /// Wn, with n = 31 reading as WZR.
    #[inline(always)]
    pub fn w(&self, n: u32) -> u32 {
        self.x(n) as u32
    }
    /// Write Wn, zero-extending into Xn; n = 31 discards.
    #[inline(always)]
    pub fn set_w(&mut self, n: u32, v: u32) {
        self.set_x(n, u64::from(v));
    }
    /// Xn, with n = 31 reading as the current SP.
    #[inline(always)]
    pub fn xsp(&self, n: u32) -> u64 {
        if n == 31 {
            self.sp()
        } else {
            self.xregs[n as usize]
        }
    }
    /// Write Xn, with n = 31 writing the current SP.
    #[inline(always)]
    pub fn set_xsp(&mut self, n: u32, v: u64) {
        if n == 31 {
            self.set_sp(v)
        } else {
            self.xregs[n as usize] = v
        }
    }
    /// The current stack pointer (SP_EL0 at EL0, SP_EL1 at EL1).
    #[inline(always)]
    pub fn sp(&self) -> u64 {
        if self.el == 0 {
            self.sp_el0
        } else {
            self.sp_el1
        }
    }
    /// Write the current stack pointer.
    #[inline(always)]
    pub fn set_sp(&mut self, v: u64) {
        if self.el == 0 {
            self.sp_el0 = v
        } else {
            self.sp_el1 = v
        }
    }

    // ---- flags ----------------------------------------------------------

    /// Set NZCV from four booleans.
    #[inline(always)]
    pub fn set_nzcv(&mut self, n: bool, z: bool, c: bool, v: bool) {
        self.nzcv = (u32::from(n) << 31) | (u32::from(z) << 30) | (u32::from(c) << 29) | (u32::from(v) << 28);
    }
    /// Evaluate an A64 condition code (ARM ARM `ConditionHolds`): one
    /// lookup in a table of all 16 conditions by all 16 flag values.
    #[inline(always)]
    pub fn cond_holds(&self, cond: u32) -> bool {
        (COND_TABLE[(cond & 15) as usize] >> (self.nzcv >> 28)) & 1 != 0
    }

    // ---- SIMD&FP registers ----------------------------------------------

    /// Vn as 128 bits.
    #[inline(always)]
    pub fn vreg(&self, n: u32) -> u128 {
        self.v[n as usize & 31]
    }
    /// Write all 128 bits of Vn.
    #[inline(always)]
    pub fn set_vreg(&mut self, n: u32, v: u128) {
        self.v[n as usize & 31] = v;
    }
    /// Write the low `bytes` of Vn and zero the rest (scalar writes).
    #[inline(always)]
    pub fn set_vreg_scalar(&mut self, n: u32, v: u128, bytes: u32) {
        let mask = if bytes >= 16 { u128::MAX } else { (1u128 << (bytes * 8)) - 1 };
        self.v[n as usize & 31] = v & mask;
    }

    // ---- memory ----------------------------------------------------------

    fn mmu_regs(&self) -> MmuRegs {
        MmuRegs { sctlr: self.sys.sctlr_el1, ttbr0: self.sys.ttbr0_el1, ttbr1: self.sys.ttbr1_el1 }
    }

    /// Whether TCR_EL1.TBI0 applies to `va` (a lower-half address).
    #[inline]
    fn tbi0(&self, va: u64) -> bool {
        va & (1 << 55) == 0 && self.sys.tcr_el1 & (1 << 37) != 0
    }

    /// The PC a branch to `target` sets (ARM ARM `AArch64.BranchAddr`): with
    /// top-byte-ignore, the tag is replaced by the sign extension of bit 55.
    #[inline]
    pub fn branch_addr(&self, target: u64) -> u64 {
        if self.tbi0(target) {
            target & 0x00ff_ffff_ffff_ffff
        } else {
            target
        }
    }

    /// Translate `va` for `acc`, returning its physical address.
    #[inline]
    pub fn translate(&mut self, va: u64, acc: Access) -> Result<u64, Exception> {
        if let Some(pa) = self.tlb.lookup(va, acc, self.el) {
            return Ok(pa);
        }
        self.translate_slow(va, acc)
    }

    #[cold]
    fn translate_slow(&mut self, va: u64, acc: Access) -> Result<u64, Exception> {
        // Top-byte-ignore: translate the untagged address (the TLB holds
        // untagged pages, so tagged accesses always come this way).
        let walk_va = if self.tbi0(va) { va & 0x00ff_ffff_ffff_ffff } else { va };
        if walk_va != va {
            if let Some(pa) = self.tlb.lookup(walk_va, acc, self.el) {
                return Ok(pa);
            }
        }
        let regs = self.mmu_regs();
        let el = self.el;
        self.tlb.fill(&self.phys, &regs, walk_va, acc, el).map_err(|f| {
            let kind = match f {
                MmuFault::Translation(l) => FaultKind::Translation(l),
                MmuFault::AddressSize(l) => FaultKind::AddressSize(l),
                MmuFault::Permission(l) => FaultKind::Permission(l),
            };
            if acc == Access::Exec {
                Exception::InstructionAbort { va, kind }
            } else {
                Exception::DataAbort { va, write: acc == Access::Write, kind }
            }
        })
    }

    /// Host pointer for `len` bytes at `va` that do not cross a page.
    #[inline]
    fn host_ptr(&mut self, va: u64, len: u64, acc: Access) -> Result<*mut u8, Exception> {
        if let Some(p) = self.tlb.lookup_host(va, acc, self.el) {
            return Ok(p);
        }
        let pa = self.translate_slow(va, acc)?;
        // The TLB only holds translations into physical memory, so this
        // cannot fail for an in-page range; map a failure to a fault anyway.
        self.phys.host_ptr(pa, len).ok_or(Exception::DataAbort {
            va,
            write: acc == Access::Write,
            kind: FaultKind::AddressSize(0),
        })
    }

    /// Read `N` bytes at `va` (any alignment; may cross pages). The fast
    /// path (a TLB hit inside one page) is inlined into the handlers.
    #[inline(always)]
    pub fn read_bytes<const N: usize>(&mut self, va: u64) -> Result<[u8; N], Exception> {
        if (va & 0xfff) as usize + N <= 4096 {
            if let Some(p) = self.tlb.lookup_host(va, Access::Read, self.el) {
                // SAFETY: `p..p+N` is inside one translated guest page.
                return Ok(unsafe { std::ptr::read_unaligned(p.cast::<[u8; N]>()) });
            }
        }
        self.read_bytes_slow(va)
    }

    #[cold]
    #[inline(never)]
    fn read_bytes_slow<const N: usize>(&mut self, va: u64) -> Result<[u8; N], Exception> {
        let mut out = [0u8; N];
        if (va & 0xfff) as usize + N <= 4096 {
            let p = self.host_ptr(va, N as u64, Access::Read)?;
            // SAFETY: `p..p+N` is inside one translated guest page.
            unsafe { std::ptr::copy_nonoverlapping(p, out.as_mut_ptr(), N) };
        } else {
            // Translate both pages before reading anything.
            let split = 4096 - (va & 0xfff) as usize;
            let next = va.wrapping_add(split as u64);
            let p1 = self.host_ptr(va, split as u64, Access::Read)?;
            let p2 = self.host_ptr(next, (N - split) as u64, Access::Read)?;
            // SAFETY: each part is inside its own translated page.
            unsafe {
                std::ptr::copy_nonoverlapping(p1, out.as_mut_ptr(), split);
                std::ptr::copy_nonoverlapping(p2, out.as_mut_ptr().add(split), N - split);
            }
        }
        Ok(out)
    }

    /// Write `N` bytes at `va` (any alignment; may cross pages). Both pages
    /// are checked before either is written. The fast path is inlined.
    #[inline(always)]
    pub fn write_bytes<const N: usize>(&mut self, va: u64, data: [u8; N]) -> ExecResult {
        if (va & 0xfff) as usize + N <= 4096 {
            if let Some(p) = self.tlb.lookup_host(va, Access::Write, self.el) {
                // SAFETY: `p..p+N` is inside one translated guest page.
                unsafe { std::ptr::write_unaligned(p.cast::<[u8; N]>(), data) };
                return Ok(());
            }
        }
        self.write_bytes_slow(va, data)
    }

    #[cold]
    #[inline(never)]
    fn write_bytes_slow<const N: usize>(&mut self, va: u64, data: [u8; N]) -> ExecResult {
        if (va & 0xfff) as usize + N <= 4096 {
            let p = self.host_ptr(va, N as u64, Access::Write)?;
            // SAFETY: `p..p+N` is inside one translated guest page.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), p, N) };
        } else {
            let split = 4096 - (va & 0xfff) as usize;
            let next = va.wrapping_add(split as u64);
            let p1 = self.host_ptr(va, split as u64, Access::Write)?;
            let p2 = self.host_ptr(next, (N - split) as u64, Access::Write)?;
            // SAFETY: each part is inside its own translated page.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), p1, split);
                std::ptr::copy_nonoverlapping(data.as_ptr().add(split), p2, N - split);
            }
        }
        Ok(())
    }

    /// Read a byte.
    #[inline(always)]
    pub fn read_u8(&mut self, va: u64) -> Result<u8, Exception> {
        Ok(self.read_bytes::<1>(va)?[0])
    }
    /// Read a little-endian halfword.
    #[inline(always)]
    pub fn read_u16(&mut self, va: u64) -> Result<u16, Exception> {
        Ok(u16::from_le_bytes(self.read_bytes(va)?))
    }
    /// Read a little-endian word.
    #[inline(always)]
    pub fn read_u32(&mut self, va: u64) -> Result<u32, Exception> {
        Ok(u32::from_le_bytes(self.read_bytes(va)?))
    }
    /// Read a little-endian doubleword.
    #[inline(always)]
    pub fn read_u64(&mut self, va: u64) -> Result<u64, Exception> {
        Ok(u64::from_le_bytes(self.read_bytes(va)?))
    }
    /// Read a little-endian quadword.
    #[inline(always)]
    pub fn read_u128(&mut self, va: u64) -> Result<u128, Exception> {
        Ok(u128::from_le_bytes(self.read_bytes(va)?))
    }
    /// Write a byte.
    #[inline(always)]
    pub fn write_u8(&mut self, va: u64, v: u8) -> ExecResult {
        self.write_bytes(va, [v])
    }
    /// Write a little-endian halfword.
    #[inline(always)]
    pub fn write_u16(&mut self, va: u64, v: u16) -> ExecResult {
        self.write_bytes(va, v.to_le_bytes())
    }
    /// Write a little-endian word.
    #[inline(always)]
    pub fn write_u32(&mut self, va: u64, v: u32) -> ExecResult {
        self.write_bytes(va, v.to_le_bytes())
    }
    /// Write a little-endian doubleword.
    #[inline(always)]
    pub fn write_u64(&mut self, va: u64, v: u64) -> ExecResult {
        self.write_bytes(va, v.to_le_bytes())
    }
    /// Write a little-endian quadword.
    #[inline(always)]
    pub fn write_u128(&mut self, va: u64, v: u128) -> ExecResult {
        self.write_bytes(va, v.to_le_bytes())
    }

    /// Host pointer to a naturally aligned `size`-byte location for an
    /// atomic or exclusive access; misalignment is an alignment fault.
    /// `write` requires write permission (read permission is implied).
    pub fn atomic_ptr(&mut self, va: u64, size: u64, write: bool) -> Result<*mut u8, Exception> {
        if va % size != 0 {
            return Err(Exception::DataAbort { va, write, kind: FaultKind::Alignment });
        }
        if write {
            // Stage-1 write permission implies read permission.
            self.host_ptr(va, size, Access::Write)
        } else {
            self.host_ptr(va, size, Access::Read)
        }
    }

    /// `DC ZVA`: zero the 64-byte block containing `va`.
    pub fn dc_zva(&mut self, va: u64) -> ExecResult {
        let base = va & !63;
        let p = self.host_ptr(base, 64, Access::Write)?;
        // SAFETY: a 64-byte aligned block never crosses a page; translated above.
        unsafe { std::ptr::write_bytes(p, 0, 64) };
        Ok(())
    }

    // ---- maintenance -------------------------------------------------------

    /// TLBI VMALLE1(IS): drop all translations.
    pub fn tlbi_all(&mut self) {
        self.tlb.flush();
        self.maint.fetch = true;
        self.maint.pending = true;
    }
    /// TLBI VAE1 etc.: drop the translation of one page.
    pub fn tlbi_va(&mut self, va: u64) {
        self.tlb.flush_va(va);
        self.maint.fetch = true;
        self.maint.pending = true;
    }
    /// IC IALLU(IS): drop every decoded instruction.
    pub fn ic_iallu(&mut self) {
        self.maint.all_code = true;
        self.maint.pages.clear();
        self.maint.pending = true;
    }
    /// IC IVAU: drop decoded instructions for the page holding `va`.
    pub fn ic_ivau(&mut self, va: u64) -> ExecResult {
        let page = self.translate(va, Access::Read)? & !0xfff;
        let m = &mut self.maint;
        if !m.all_code && !m.pages.contains(&page) {
            if m.pages.len() < MAX_PENDING_PAGES {
                m.pages.push(page);
            } else {
                m.all_code = true;
                m.pages.clear();
            }
        }
        m.pending = true;
        Ok(())
    }

    // ---- execution ---------------------------------------------------------

    /// Fetch, decode and execute one instruction, bypassing the block cache
    /// (for tests). An exception is returned, not taken: `pc` is left at the
    /// faulting instruction (`cur_pc`).
    pub fn step(&mut self) -> ExecResult {
        let pc = self.pc;
        self.cur_pc = pc;
        if pc & 3 != 0 {
            return Err(Exception::PcAlignment);
        }
        let pa = self.translate(pc, Access::Exec)?;
        let p =
            self.phys.host_ptr(pa, 4).ok_or(Exception::InstructionAbort { va: pc, kind: FaultKind::AddressSize(0) })?;
        // SAFETY: `host_ptr` checked that 4 bytes at `pa` are guest-physical memory.
        let word = u32::from_le(unsafe { std::ptr::read_unaligned(p.cast::<u32>()) });
        self.pc = pc.wrapping_add(4);
        let r = decode::decode(word)(self, word);
        if r.is_err() {
            self.pc = pc;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The condition table agrees with ARM ARM `ConditionHolds` written out.
    #[test]
    fn cond_table_matches_condition_holds() {
        let phys = Arc::new(PhysMem::new(0x10_0000).expect("reserve"));
        let mut cpu = Cpu::new(phys);
        for f in 0..16u32 {
            cpu.nzcv = f << 28;
            let (n, z, c, v) = (f & 8 != 0, f & 4 != 0, f & 2 != 0, f & 1 != 0);
            let expect = [
                z,
                !z,
                c,
                !c,
                n,
                !n,
                v,
                !v,
                c && !z,
                !c || z, // LS
                n == v,
                n != v,
                n == v && !z,
                n != v || z, // LE
                true,
                true,
            ];
            for (cond, &e) in expect.iter().enumerate() {
                assert_eq!(cpu.cond_holds(cond as u32), e, "cond {cond:#x} nzcv {f:#06b}");
            }
        }
    }
}
