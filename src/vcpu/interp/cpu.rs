//! Architectural state of the software CPU and its memory interface.
//!
//! Instruction handlers (in `exec/`) see a [`Cpu`]: registers through the
//! `x`/`w`/`xsp` helpers, memory through `read_*`/`write_*` (which translate
//! through the MMU and return a data abort as an [`Exception`]), and the
//! system registers in [`SysRegs`].

use std::sync::Arc;

use super::decode::DecodeCache;
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
    /// X0..X30; index 31 is a scratch slot, never read as a register.
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
    /// Decoded-instruction cache, by physical page.
    pub icache: DecodeCache,
}

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
            icache: DecodeCache::default(),
        }
    }

    // ---- general-purpose registers -------------------------------------

    /// Xn, with n = 31 reading as XZR (zero).
    #[inline(always)]
    pub fn x(&self, n: u32) -> u64 {
        if n == 31 {
            0
        } else {
            self.xregs[n as usize]
        }
    }
    /// Write Xn; n = 31 (XZR) discards.
    #[inline(always)]
    pub fn set_x(&mut self, n: u32, v: u64) {
        if n != 31 {
            self.xregs[n as usize] = v;
        }
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
    /// Evaluate an A64 condition code (ARM ARM `ConditionHolds`).
    #[inline(always)]
    pub fn cond_holds(&self, cond: u32) -> bool {
        let f = self.nzcv;
        let (n, z, c, v) = (f & N_BIT != 0, f & Z_BIT != 0, f & C_BIT != 0, f & V_BIT != 0);
        let r = match (cond >> 1) & 7 {
            0 => z,
            1 => c,
            2 => n,
            3 => v,
            4 => c && !z,
            5 => n == v,
            6 => n == v && !z,
            _ => true,
        };
        if cond & 1 == 1 && cond != 0xf {
            !r
        } else {
            r
        }
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

    /// Read `N` bytes at `va` (any alignment; may cross pages).
    #[inline]
    pub fn read_bytes<const N: usize>(&mut self, va: u64) -> Result<[u8; N], Exception> {
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
    /// are checked before either is written.
    #[inline]
    pub fn write_bytes<const N: usize>(&mut self, va: u64, data: [u8; N]) -> ExecResult {
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
    #[inline]
    pub fn read_u8(&mut self, va: u64) -> Result<u8, Exception> {
        Ok(self.read_bytes::<1>(va)?[0])
    }
    /// Read a little-endian halfword.
    #[inline]
    pub fn read_u16(&mut self, va: u64) -> Result<u16, Exception> {
        Ok(u16::from_le_bytes(self.read_bytes(va)?))
    }
    /// Read a little-endian word.
    #[inline]
    pub fn read_u32(&mut self, va: u64) -> Result<u32, Exception> {
        Ok(u32::from_le_bytes(self.read_bytes(va)?))
    }
    /// Read a little-endian doubleword.
    #[inline]
    pub fn read_u64(&mut self, va: u64) -> Result<u64, Exception> {
        Ok(u64::from_le_bytes(self.read_bytes(va)?))
    }
    /// Read a little-endian quadword.
    #[inline]
    pub fn read_u128(&mut self, va: u64) -> Result<u128, Exception> {
        Ok(u128::from_le_bytes(self.read_bytes(va)?))
    }
    /// Write a byte.
    #[inline]
    pub fn write_u8(&mut self, va: u64, v: u8) -> ExecResult {
        self.write_bytes(va, [v])
    }
    /// Write a little-endian halfword.
    #[inline]
    pub fn write_u16(&mut self, va: u64, v: u16) -> ExecResult {
        self.write_bytes(va, v.to_le_bytes())
    }
    /// Write a little-endian word.
    #[inline]
    pub fn write_u32(&mut self, va: u64, v: u32) -> ExecResult {
        self.write_bytes(va, v.to_le_bytes())
    }
    /// Write a little-endian doubleword.
    #[inline]
    pub fn write_u64(&mut self, va: u64, v: u64) -> ExecResult {
        self.write_bytes(va, v.to_le_bytes())
    }
    /// Write a little-endian quadword.
    #[inline]
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
        self.icache.reset_fetch();
    }
    /// TLBI VAE1 etc.: drop the translation of one page.
    pub fn tlbi_va(&mut self, va: u64) {
        self.tlb.flush_va(va);
        self.icache.reset_fetch();
    }
    /// IC IALLU(IS): drop every decoded instruction.
    pub fn ic_iallu(&mut self) {
        self.icache.clear();
    }
    /// IC IVAU: drop decoded instructions for the page holding `va`.
    pub fn ic_ivau(&mut self, va: u64) -> ExecResult {
        let pa = self.translate(va, Access::Read)?;
        self.icache.invalidate_page(pa);
        Ok(())
    }

    // ---- execution ---------------------------------------------------------

    /// Fetch, decode and execute one instruction. An exception is returned,
    /// not taken: `pc` is left at the faulting instruction (`cur_pc`).
    #[inline]
    pub fn step(&mut self) -> ExecResult {
        let pc = self.pc;
        if pc & 3 != 0 {
            self.cur_pc = pc;
            return Err(Exception::PcAlignment);
        }
        let (handler, insn) = match self.icache.fetch(&self.phys, pc, self.el) {
            Some(hi) => hi,
            None => {
                self.cur_pc = pc;
                let pa = self.translate(pc, Access::Exec)?;
                self.icache.set_fetch_page(pc, pa, self.el);
                self.icache
                    .fetch(&self.phys, pc, self.el)
                    .ok_or(Exception::InstructionAbort { va: pc, kind: FaultKind::AddressSize(0) })?
            }
        };
        self.cur_pc = pc;
        self.pc = pc.wrapping_add(4);
        let r = handler(self, insn);
        if r.is_err() {
            self.pc = pc;
        }
        r
    }
}
