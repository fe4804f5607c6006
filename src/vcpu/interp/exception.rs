//! Exceptions raised by instruction execution, and exception entry/return.

use super::cpu::Cpu;
use crate::vcpu::exit::{ec, fsc};

/// What kind of memory access faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// No valid translation at `level`.
    Translation(u8),
    /// Address outside the translatable range.
    AddressSize(u8),
    /// Translation exists but forbids the access.
    Permission(u8),
    /// Misaligned exclusive/atomic/ordered access.
    Alignment,
}

impl FaultKind {
    fn fsc(self) -> u32 {
        match self {
            FaultKind::Translation(l) => fsc::TRANSLATION + u32::from(l),
            FaultKind::AddressSize(l) => fsc::ADDR_SIZE + u32::from(l),
            FaultKind::Permission(l) => fsc::PERMISSION + u32::from(l),
            FaultKind::Alignment => fsc::ALIGNMENT,
        }
    }
}

/// A synchronous exception raised by an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// Undefined / unallocated / unimplemented encoding.
    Undefined,
    /// `svc #imm`.
    Svc(u16),
    /// `hvc #imm` at EL1: exits to the host (never taken to EL2).
    Hvc(u16),
    /// `brk #imm`.
    Brk(u16),
    /// Data access fault.
    DataAbort {
        /// Faulting virtual address.
        va: u64,
        /// The access was a write.
        write: bool,
        /// Why.
        kind: FaultKind,
    },
    /// Instruction fetch fault.
    InstructionAbort {
        /// Faulting virtual address.
        va: u64,
        /// Why.
        kind: FaultKind,
    },
    /// Branch to a misaligned PC.
    PcAlignment,
    /// Misaligned SP used as a base register.
    SpAlignment,
}

/// Result of executing one instruction.
pub type ExecResult = Result<(), Exception>;

impl Exception {
    /// ESR value for this exception taken from `from_el0`.
    pub fn esr(self, from_el0: bool) -> u64 {
        let il = 1u64 << 25;
        let (class, iss): (u32, u64) = match self {
            Exception::Undefined => (ec::UNKNOWN, 0),
            Exception::Svc(i) => (ec::SVC64, u64::from(i)),
            Exception::Hvc(i) => (ec::HVC64, u64::from(i)),
            Exception::Brk(i) => (ec::BRK64, u64::from(i)),
            Exception::DataAbort { write, kind, .. } => {
                (if from_el0 { ec::DABT_LOWER } else { ec::DABT_CUR }, (u64::from(write) << 6) | u64::from(kind.fsc()))
            }
            Exception::InstructionAbort { kind, .. } => {
                (if from_el0 { ec::IABT_LOWER } else { ec::IABT_CUR }, u64::from(kind.fsc()))
            }
            Exception::PcAlignment => (ec::PC_ALIGN, 0),
            Exception::SpAlignment => (ec::SP_ALIGN, 0),
        };
        (u64::from(class) << 26) | il | iss
    }

    /// Whether the preferred return address is the next instruction.
    fn returns_past(self) -> bool {
        matches!(self, Exception::Svc(_) | Exception::Hvc(_))
    }
}

impl Cpu {
    /// Take `exc`, raised by the instruction at `insn_pc`, to EL1: save
    /// state in ELR/SPSR/ESR/FAR and branch to the vector (ARM ARM
    /// `AArch64.TakeException`).
    pub fn take_exception(&mut self, exc: Exception, insn_pc: u64) {
        let from_el0 = self.el == 0;
        self.sys.esr_el1 = exc.esr(from_el0);
        match exc {
            Exception::DataAbort { va, .. } | Exception::InstructionAbort { va, .. } => self.sys.far_el1 = va,
            Exception::PcAlignment => self.sys.far_el1 = insn_pc,
            _ => {}
        }
        self.sys.spsr_el1 = self.pstate();
        self.sys.elr_el1 = if exc.returns_past() { insn_pc.wrapping_add(4) } else { insn_pc };
        let offset = if from_el0 { 0x400 } else { 0x200 };
        self.el = 1;
        self.daif = 0xf;
        self.pc = (self.sys.vbar_el1 & !0x7ff) + offset;
        self.excl = None;
    }

    /// `ERET` from EL1: restore PSTATE from SPSR_EL1 and PC from ELR_EL1.
    pub fn eret(&mut self) -> ExecResult {
        if self.el == 0 {
            return Err(Exception::Undefined);
        }
        let spsr = self.sys.spsr_el1;
        self.nzcv = (spsr as u32) & 0xf000_0000;
        self.daif = ((spsr >> 6) & 0xf) as u8;
        // M[3:2] = target EL; only EL0t and EL1h are used by elfuse.
        self.el = ((spsr >> 2) & 3) as u8;
        if self.el > 1 {
            self.el = 0;
        }
        self.pc = self.sys.elr_el1;
        self.excl = None;
        Ok(())
    }

    /// PSTATE as SPSR would record it.
    pub fn pstate(&self) -> u64 {
        let m = if self.el == 0 { 0 } else { 0b0101 };
        u64::from(self.nzcv) | (u64::from(self.daif) << 6) | m
    }
}
