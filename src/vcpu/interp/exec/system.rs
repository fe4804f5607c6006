//! Branches, exception generating and system instructions: the system half
//! (ARM ARM C4.1.3): SVC/HVC/BRK, ERET, hints, barriers, CLREX, MSR
//! (immediate), SYS (DC/IC/TLBI) and MRS/MSR (register).

use std::sync::atomic::{fence, Ordering};

use crate::vcpu::interp::cpu::Cpu;
use crate::vcpu::interp::decode::{bits, insn, Insn};
use crate::vcpu::interp::exception::{Exception, ExecResult};
use crate::vcpu::interp::mmu::Access;

/// Encodings of this class.
pub const TABLE: &[Insn] = &[
    insn("11010100 000 iiiiiiiiiiiiiiii 000 01", "SVC", svc),
    insn("11010100 000 iiiiiiiiiiiiiiii 000 10", "HVC", hvc),
    insn("11010100 001 iiiiiiiiiiiiiiii 000 00", "BRK", brk),
    insn("1101011 0100 11111 000000 11111 00000", "ERET", eret),
    insn("1101010100 0 00 011 0010 xxxx xxx 11111", "HINT", nop),
    insn("1101010100 0 00 011 0011 xxxx 010 11111", "CLREX", clrex),
    insn("1101010100 0 00 011 0011 xxxx 10x 11111", "DSB/DMB", barrier),
    insn("1101010100 0 00 011 0011 xxxx 110 11111", "ISB", nop),
    insn("1101010100 0 00 011 0011 0000 111 11111", "SB", nop),
    insn("1101010100 0 00 xxx 0100 xxxx xxx 11111", "MSR (immediate)", msr_imm),
    insn("1101010100 0 01 xxx xxxx xxxx xxx ttttt", "SYS", sys),
    insn("1101010100 1 1x xxx xxxx xxxx xxx ttttt", "MRS", mrs),
    insn("1101010100 0 1x xxx xxxx xxxx xxx ttttt", "MSR (register)", msr_reg),
];

fn imm16(i: u32) -> u16 {
    bits(i, 5, 16) as u16
}

fn svc(_c: &mut Cpu, i: u32) -> ExecResult {
    Err(Exception::Svc(imm16(i)))
}

fn hvc(c: &mut Cpu, i: u32) -> ExecResult {
    // HVC is UNDEFINED at EL0.
    if c.el == 0 {
        return Err(Exception::Undefined);
    }
    Err(Exception::Hvc(imm16(i)))
}

fn brk(_c: &mut Cpu, i: u32) -> ExecResult {
    Err(Exception::Brk(imm16(i)))
}

fn eret(c: &mut Cpu, _i: u32) -> ExecResult {
    c.eret()
}

fn nop(_c: &mut Cpu, _i: u32) -> ExecResult {
    Ok(())
}

fn clrex(c: &mut Cpu, _i: u32) -> ExecResult {
    c.excl = None;
    Ok(())
}

fn barrier(_c: &mut Cpu, _i: u32) -> ExecResult {
    fence(Ordering::SeqCst);
    Ok(())
}

/// MSR (immediate): PSTATE fields. EL0 may touch none that elfuse models
/// (SCTLR_EL1.UMA = 0 makes DAIFSet/DAIFClr trap); CFINV is FEAT_FlagM.
fn msr_imm(c: &mut Cpu, i: u32) -> ExecResult {
    let op1 = bits(i, 16, 3);
    let op2 = bits(i, 5, 3);
    let crm = bits(i, 8, 4);
    match (op1, op2) {
        (0, 0) if crm == 0 => {
            // CFINV
            c.nzcv ^= super::super::cpu::C_BIT;
            Ok(())
        }
        (3, 6) if c.el == 1 => {
            c.daif |= crm as u8;
            Ok(())
        }
        (3, 7) if c.el == 1 => {
            c.daif &= !(crm as u8);
            Ok(())
        }
        (0, 5) if c.el == 1 => Ok(()), // SPSel: the shim always uses SP_EL1
        _ => Err(Exception::Undefined),
    }
}

/// SYS: cache and TLB maintenance (DC, IC, TLBI).
fn sys(c: &mut Cpu, i: u32) -> ExecResult {
    let op1 = bits(i, 16, 3);
    let crn = bits(i, 12, 4);
    let crm = bits(i, 8, 4);
    let op2 = bits(i, 5, 3);
    let rt = bits(i, 0, 5);
    let el1 = c.el == 1;
    match (op1, crn, crm, op2) {
        // DC ZVA
        (3, 7, 4, 1) => c.dc_zva(c.x(rt)),
        // DC CVAC, CVAU, CVAP, CVADP, CIVAC: clean/invalidate to PoC/PoU.
        // Coherent here; they still fault on an unmapped address.
        (3, 7, 10..=14, 1) => c.translate(c.x(rt), Access::Read).map(|_| ()),
        // IC IVAU
        (3, 7, 5, 1) => c.ic_ivau(c.x(rt)),
        // IC IALLUIS, IC IALLU
        (0, 7, 1 | 5, 0) if el1 => {
            c.ic_iallu();
            Ok(())
        }
        // DC IVAC/ISW/CSW/CISW (EL1)
        (0, 7, 6 | 10 | 14, 1 | 2) if el1 => Ok(()),
        // TLBI: every variant flushes everything (always correct).
        (0, 8, _, _) if el1 => {
            c.tlbi_all();
            Ok(())
        }
        _ => Err(Exception::Undefined),
    }
}

/// Encoded system register: (op0, op1, CRn, CRm, op2).
type SysReg = (u32, u32, u32, u32, u32);

fn sysreg_of(i: u32) -> SysReg {
    (2 + bits(i, 19, 1), bits(i, 16, 3), bits(i, 12, 4), bits(i, 8, 4), bits(i, 5, 3))
}

mod reg {
    use super::SysReg;
    pub const NZCV: SysReg = (3, 3, 4, 2, 0);
    pub const DAIF: SysReg = (3, 3, 4, 2, 1);
    pub const FPCR: SysReg = (3, 3, 4, 4, 0);
    pub const FPSR: SysReg = (3, 3, 4, 4, 1);
    pub const CTR_EL0: SysReg = (3, 3, 0, 0, 1);
    pub const DCZID_EL0: SysReg = (3, 3, 0, 0, 7);
    pub const TPIDR_EL0: SysReg = (3, 3, 13, 0, 2);
    pub const TPIDRRO_EL0: SysReg = (3, 3, 13, 0, 3);
    pub const CNTFRQ_EL0: SysReg = (3, 3, 14, 0, 0);
    pub const CNTVCT_EL0: SysReg = (3, 3, 14, 0, 2);
    pub const CNTVCTSS_EL0: SysReg = (3, 3, 14, 0, 6);
    pub const MIDR_EL1: SysReg = (3, 0, 0, 0, 0);
    pub const MPIDR_EL1: SysReg = (3, 0, 0, 0, 5);
    pub const SCTLR_EL1: SysReg = (3, 0, 1, 0, 0);
    pub const CPACR_EL1: SysReg = (3, 0, 1, 0, 2);
    pub const TTBR0_EL1: SysReg = (3, 0, 2, 0, 0);
    pub const TTBR1_EL1: SysReg = (3, 0, 2, 0, 1);
    pub const TCR_EL1: SysReg = (3, 0, 2, 0, 2);
    pub const SPSR_EL1: SysReg = (3, 0, 4, 0, 0);
    pub const ELR_EL1: SysReg = (3, 0, 4, 0, 1);
    pub const SP_EL0: SysReg = (3, 0, 4, 1, 0);
    pub const ESR_EL1: SysReg = (3, 0, 5, 2, 0);
    pub const FAR_EL1: SysReg = (3, 0, 6, 0, 0);
    pub const MAIR_EL1: SysReg = (3, 0, 10, 2, 0);
    pub const VBAR_EL1: SysReg = (3, 0, 12, 0, 0);
    pub const CONTEXTIDR_EL1: SysReg = (3, 0, 13, 0, 1);
    pub const TPIDR_EL1: SysReg = (3, 0, 13, 0, 4);
}

/// CTR_EL0: 64-byte I and D lines, PIPT I-cache, no IDC/DIC (so JITs issue
/// the cache maintenance that the decoded-instruction cache relies on).
pub const CTR_EL0_VALUE: u64 = 0x8444_c004;
/// DCZID_EL0: DC ZVA allowed, 64-byte blocks (2^4 words).
pub const DCZID_EL0_VALUE: u64 = 4;
/// CNTFRQ_EL0 of the software CPU: 1 GHz, so CNTVCT counts nanoseconds.
pub const CNTFRQ_VALUE: u64 = 1_000_000_000;
/// MIDR_EL1 as reported to EL0 (an Arm Neoverse-N1-class part).
pub const MIDR_VALUE: u64 = 0x410f_d0c0;

/// Linux emulates EL0 reads of the ID register space (op0=3, op1=0, CRn=0)
/// with sanitised values (arm64 `cpufeature.c`, HWCAP_CPUID); fields elfuse
/// does not implement read as zero.
fn id_register(r: SysReg) -> Option<u64> {
    match r {
        reg::MIDR_EL1 => Some(MIDR_VALUE),
        reg::MPIDR_EL1 => Some(0x8000_0000),
        (3, 0, 0, 0, 6) => Some(0), // REVIDR_EL1
        // ID_AA64PFR0_EL1: EL0/EL1 AArch64-only, FP and AdvSIMD implemented.
        (3, 0, 0, 4, 0) => Some(0x11),
        // ID_AA64ISAR0_EL1: AES=2 (with PMULL), SHA1=1, SHA2=1, CRC32=1,
        // Atomic=2 (LSE), TS=1 (FlagM) -- each checked against qemu by
        // `make isa-check` (docs/isa.md).
        (3, 0, 0, 6, 0) => Some((2 << 4) | (1 << 8) | (1 << 12) | (1 << 16) | (2 << 20) | (1 << 52)),
        // ID_AA64ISAR1_EL1: LRCPC=2 (LDAPR and LDAPUR/STLUR).
        (3, 0, 0, 6, 1) => Some(2 << 20),
        (3, 0, 0, crm, _) if crm == 0 || (2..=7).contains(&crm) => Some(0),
        _ => None,
    }
}

/// The software CPU's CNTVCT_EL0: the host's CLOCK_MONOTONIC in ns.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}

fn mrs(c: &mut Cpu, i: u32) -> ExecResult {
    let r = sysreg_of(i);
    let el1 = c.el == 1;
    let v = match r {
        reg::NZCV => u64::from(c.nzcv),
        reg::FPCR => u64::from(c.fpcr),
        reg::FPSR => u64::from(c.fpsr),
        reg::CTR_EL0 => CTR_EL0_VALUE,
        reg::DCZID_EL0 => DCZID_EL0_VALUE,
        reg::TPIDR_EL0 => c.tpidr_el0,
        reg::TPIDRRO_EL0 => c.tpidrro_el0,
        reg::CNTFRQ_EL0 => CNTFRQ_VALUE,
        reg::CNTVCT_EL0 | reg::CNTVCTSS_EL0 => monotonic_ns(),
        reg::DAIF if el1 => u64::from(c.daif) << 6,
        reg::SCTLR_EL1 if el1 => c.sys.sctlr_el1,
        reg::CPACR_EL1 if el1 => c.sys.cpacr_el1,
        reg::TTBR0_EL1 if el1 => c.sys.ttbr0_el1,
        reg::TTBR1_EL1 if el1 => c.sys.ttbr1_el1,
        reg::TCR_EL1 if el1 => c.sys.tcr_el1,
        reg::SPSR_EL1 if el1 => c.sys.spsr_el1,
        reg::ELR_EL1 if el1 => c.sys.elr_el1,
        reg::SP_EL0 if el1 => c.sp_el0,
        reg::ESR_EL1 if el1 => c.sys.esr_el1,
        reg::FAR_EL1 if el1 => c.sys.far_el1,
        reg::MAIR_EL1 if el1 => c.sys.mair_el1,
        reg::VBAR_EL1 if el1 => c.sys.vbar_el1,
        reg::CONTEXTIDR_EL1 if el1 => c.sys.contextidr_el1,
        reg::TPIDR_EL1 if el1 => c.sys.tpidr_el1,
        other => id_register(other).ok_or(Exception::Undefined)?,
    };
    c.set_x(bits(i, 0, 5), v);
    Ok(())
}

fn msr_reg(c: &mut Cpu, i: u32) -> ExecResult {
    let r = sysreg_of(i);
    let v = c.x(bits(i, 0, 5));
    let el1 = c.el == 1;
    match r {
        reg::NZCV => c.nzcv = (v as u32) & 0xf000_0000,
        // FPCR: AHP, DN, FZ, RMode, FZ16 and the trap enables (RES0 here).
        reg::FPCR => c.fpcr = (v as u32) & 0x07f7_0000,
        reg::FPSR => c.fpsr = (v as u32) & 0xf800_009f,
        reg::TPIDR_EL0 => c.tpidr_el0 = v,
        reg::DAIF if el1 => c.daif = ((v >> 6) & 0xf) as u8,
        reg::SCTLR_EL1 if el1 => {
            c.sys.sctlr_el1 = v;
            c.tlbi_all();
        }
        reg::CPACR_EL1 if el1 => c.sys.cpacr_el1 = v,
        reg::TTBR0_EL1 if el1 => {
            c.sys.ttbr0_el1 = v;
            c.tlbi_all();
        }
        reg::TTBR1_EL1 if el1 => {
            c.sys.ttbr1_el1 = v;
            c.tlbi_all();
        }
        reg::TCR_EL1 if el1 => c.sys.tcr_el1 = v,
        reg::SPSR_EL1 if el1 => c.sys.spsr_el1 = v,
        reg::ELR_EL1 if el1 => c.sys.elr_el1 = v,
        reg::SP_EL0 if el1 => c.sp_el0 = v,
        reg::ESR_EL1 if el1 => c.sys.esr_el1 = v,
        reg::FAR_EL1 if el1 => c.sys.far_el1 = v,
        reg::MAIR_EL1 if el1 => c.sys.mair_el1 = v,
        reg::VBAR_EL1 if el1 => c.sys.vbar_el1 = v,
        reg::CONTEXTIDR_EL1 if el1 => c.sys.contextidr_el1 = v,
        reg::TPIDR_EL1 if el1 => c.sys.tpidr_el1 = v,
        _ => return Err(Exception::Undefined),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::vcpu::interp::exception::Exception;
    use crate::vcpu::interp::testing::{TestCpu, DATA};

    #[test]
    fn svc_brk_and_el0_restrictions() {
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0xd400_0001]), Exception::Svc(0)); // svc #0
        assert_eq!(t.cpu.pc, crate::vcpu::interp::testing::CODE);
        assert_eq!(t.run(&[0xd400_0002]), Exception::Undefined); // hvc #0 at EL0
        assert_eq!(t.run(&[0xd69f_03e0]), Exception::Undefined); // eret at EL0
        assert_eq!(t.run(&[0xd518_1000]), Exception::Undefined); // msr sctlr_el1, x0
        assert_eq!(t.run(&[0xd420_7d40]), Exception::Brk(0x3ea)); // brk #0x3ea
    }

    #[test]
    fn tpidr_fpcr_ctr_midr() {
        let mut t = TestCpu::new();
        t.cpu.set_x(1, 0x1234_5678);
        t.exec(&[
            0xd51b_d041, // msr tpidr_el0, x1
            0xd53b_d042, // mrs x2, tpidr_el0
            0xd53b_0023, // mrs x3, ctr_el0
            0xd538_0004, // mrs x4, midr_el1 (emulated for EL0)
            0xd53b_00e5, // mrs x5, dczid_el0
            0xd503_201f, // nop
            0xd503_3bbf, // dmb ish
        ]);
        assert_eq!(t.cpu.x(2), 0x1234_5678);
        assert_eq!(t.cpu.x(3), super::CTR_EL0_VALUE);
        assert_eq!(t.cpu.x(4), super::MIDR_VALUE);
        assert_eq!(t.cpu.x(5), 4);
    }

    #[test]
    fn top_byte_ignore_for_user_addresses() {
        let mut t = TestCpu::new();
        t.cpu.phys.write_bytes(DATA + 8, &0x1122_3344_5566_7788u64.to_le_bytes()).unwrap();
        t.cpu.set_x(1, (0x5a << 56) | (DATA + 8));
        t.exec(&[0xf940_0020]); // ldr x0, [x1]
        assert_eq!(t.cpu.x(0), 0x1122_3344_5566_7788);
        // A branch to a tagged address clears the tag (bit 55 is 0).
        t.cpu.set_x(2, (0x7f << 56) | (crate::vcpu::interp::testing::CODE + 8));
        t.exec(&[0xd63f_0040, 0xd503_201f, 0xd503_201f]); // blr x2; nop; nop
        assert_eq!(t.cpu.x(30), crate::vcpu::interp::testing::CODE + 4);
    }

    #[test]
    fn dc_zva_zeroes_a_block() {
        let mut t = TestCpu::new();
        t.cpu.phys.write_bytes(DATA + 64, &[0xaa; 128]).unwrap();
        t.cpu.set_x(0, DATA + 64 + 17);
        t.exec(&[0xd50b_7420]); // dc zva, x0
        let mut b = [0u8; 128];
        t.cpu.phys.read_bytes(DATA + 64, &mut b).unwrap();
        assert!(b[..64].iter().all(|&x| x == 0));
        assert!(b[64..].iter().all(|&x| x == 0xaa));
    }
}
