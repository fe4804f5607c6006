//! Architectural exits, decoded from the EL1 exception syndrome.
//!
//! Both backends stop when the shim executes `hvc #vector`; the syndrome
//! registers (ESR_EL1, FAR_EL1) then say what the guest did.

/// ESR_EL1 exception classes (ARM ARM D17.2.37).
pub mod ec {
    /// Unknown reason (undefined instruction).
    pub const UNKNOWN: u32 = 0x00;
    /// Trapped WFI/WFE.
    pub const WFX: u32 = 0x01;
    /// Access to SIMD/FP trapped by CPACR.
    pub const FP_ACCESS: u32 = 0x07;
    /// Illegal execution state.
    pub const ILLEGAL_STATE: u32 = 0x0e;
    /// SVC from AArch64.
    pub const SVC64: u32 = 0x15;
    /// HVC from AArch64.
    pub const HVC64: u32 = 0x16;
    /// Trapped MSR/MRS/system instruction.
    pub const SYSREG: u32 = 0x18;
    /// Instruction abort from a lower EL.
    pub const IABT_LOWER: u32 = 0x20;
    /// Instruction abort from the same EL.
    pub const IABT_CUR: u32 = 0x21;
    /// PC alignment fault.
    pub const PC_ALIGN: u32 = 0x22;
    /// Data abort from a lower EL.
    pub const DABT_LOWER: u32 = 0x24;
    /// Data abort from the same EL.
    pub const DABT_CUR: u32 = 0x25;
    /// SP alignment fault.
    pub const SP_ALIGN: u32 = 0x26;
    /// Trapped floating-point exception.
    pub const FP_EXC64: u32 = 0x2c;
    /// BRK instruction.
    pub const BRK64: u32 = 0x3c;
}

/// Fault status codes (DFSC/IFSC).
pub mod fsc {
    /// Address-size fault at level n: `ADDR_SIZE + n`.
    pub const ADDR_SIZE: u32 = 0x00;
    /// Translation fault at level n: `TRANSLATION + n`.
    pub const TRANSLATION: u32 = 0x04;
    /// Access-flag fault at level n.
    pub const ACCESS_FLAG: u32 = 0x08;
    /// Permission fault at level n.
    pub const PERMISSION: u32 = 0x0c;
    /// Alignment fault.
    pub const ALIGNMENT: u32 = 0x21;
}

/// Why a vCPU stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VcpuExit {
    /// `svc #imm` at EL0: a system call (number in X8, arguments X0..X5).
    Syscall {
        /// The SVC immediate (0 for Linux).
        imm: u16,
    },
    /// A data access faulted.
    DataAbort {
        /// Faulting virtual address.
        far: u64,
        /// Full syndrome.
        esr: u64,
    },
    /// An instruction fetch faulted.
    InstructionAbort {
        /// Faulting virtual address.
        far: u64,
        /// Full syndrome.
        esr: u64,
    },
    /// PC or SP misaligned.
    Alignment {
        /// Faulting address (PC for PC alignment).
        far: u64,
        /// Full syndrome.
        esr: u64,
    },
    /// An undefined or unallocated instruction.
    Undefined {
        /// Full syndrome.
        esr: u64,
    },
    /// `brk #imm`.
    Breakpoint {
        /// The BRK immediate.
        imm: u16,
    },
    /// The host asked the vCPU to stop ([`super::CancelToken`]).
    Cancelled,
    /// Anything else: an exception from EL1 (a shim bug) or an unexpected
    /// vector or class. Never silently ignored.
    Unexpected {
        /// Vector index (HVC immediate).
        vector: u16,
        /// Syndrome.
        esr: u64,
        /// Fault address.
        far: u64,
    },
}

impl VcpuExit {
    /// Classify an exception forwarded by the shim through `hvc #vector`.
    pub fn from_syndrome(vector: u16, esr: u64, far: u64) -> VcpuExit {
        if vector != super::shim::VEC_LOWER_SYNC {
            return VcpuExit::Unexpected { vector, esr, far };
        }
        let class = ((esr >> 26) & 0x3f) as u32;
        let iss = esr & 0x1ff_ffff;
        match class {
            ec::SVC64 => VcpuExit::Syscall { imm: (iss & 0xffff) as u16 },
            ec::DABT_LOWER => VcpuExit::DataAbort { far, esr },
            ec::IABT_LOWER => VcpuExit::InstructionAbort { far, esr },
            ec::PC_ALIGN | ec::SP_ALIGN => VcpuExit::Alignment { far, esr },
            ec::UNKNOWN | ec::SYSREG | ec::HVC64 | ec::ILLEGAL_STATE | ec::FP_ACCESS => VcpuExit::Undefined { esr },
            ec::BRK64 => VcpuExit::Breakpoint { imm: (iss & 0xffff) as u16 },
            _ => VcpuExit::Unexpected { vector, esr, far },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify() {
        let svc = (u64::from(ec::SVC64) << 26) | (1 << 25);
        assert_eq!(VcpuExit::from_syndrome(8, svc, 0), VcpuExit::Syscall { imm: 0 });
        let brk = (u64::from(ec::BRK64) << 26) | (1 << 25) | 0x3e8;
        assert_eq!(VcpuExit::from_syndrome(8, brk, 0), VcpuExit::Breakpoint { imm: 1000 });
        assert!(matches!(VcpuExit::from_syndrome(4, svc, 0), VcpuExit::Unexpected { .. }));
        let dabt = (u64::from(ec::DABT_LOWER) << 26) | 0x47;
        assert_eq!(VcpuExit::from_syndrome(8, dabt, 16), VcpuExit::DataAbort { far: 16, esr: dabt });
    }
}
