//! AT_HWCAP of the hardware, from the vCPU's ID registers.
//!
//! The field-to-bit mapping follows Linux `arm64_elf_hwcaps`
//! (arch/arm64/kernel/cpufeature.c). Only bits elfuse can honour are set:
//! `HWCAP_CPUID` promises that EL0 `mrs` of ID registers works, which Linux
//! emulates but elfuse does not yet (the shim forwards the trap as
//! `Undefined`), so it stays clear. Bits without an `abi::auxv` constant
//! (SHA3, SM3/SM4, SHA512, ASIMDFHM, DIT, SB, USCAT) are left out too.

use applevisor::vcpu::{FeatureReg, VcpuConfig};

use crate::abi::auxv;

/// AT_HWCAP for guests run by the hvf backend on this host.
///
/// Falls back to the architectural baseline (FP, ASIMD) if the
/// Hypervisor.framework cannot report the feature registers.
pub fn host_hwcap() -> u64 {
    let config = VcpuConfig::new();
    let read = |r| config.get_feature_reg(r);
    match (read(FeatureReg::ID_AA64PFR0_EL1), read(FeatureReg::ID_AA64ISAR0_EL1), read(FeatureReg::ID_AA64ISAR1_EL1)) {
        (Ok(pfr0), Ok(isar0), Ok(isar1)) => hwcap_from_id_regs(pfr0, isar0, isar1),
        _ => auxv::HWCAP_FP | auxv::HWCAP_ASIMD,
    }
}

/// An unsigned 4-bit ID register field.
fn field(reg: u64, shift: u32) -> u8 {
    ((reg >> shift) & 0xf) as u8
}

/// A signed 4-bit ID register field (FP, AdvSIMD: 0xf = not implemented).
fn sfield(reg: u64, shift: u32) -> i8 {
    ((field(reg, shift) << 4) as i8) >> 4
}

/// Map ID_AA64PFR0_EL1, ID_AA64ISAR0_EL1 and ID_AA64ISAR1_EL1 to AT_HWCAP.
pub fn hwcap_from_id_regs(pfr0: u64, isar0: u64, isar1: u64) -> u64 {
    let rules: [(bool, u64); 18] = [
        // ID_AA64PFR0_EL1
        (sfield(pfr0, 16) >= 0, auxv::HWCAP_FP),
        (sfield(pfr0, 16) >= 1, auxv::HWCAP_FPHP),
        (sfield(pfr0, 20) >= 0, auxv::HWCAP_ASIMD),
        (sfield(pfr0, 20) >= 1, auxv::HWCAP_ASIMDHP),
        // ID_AA64ISAR0_EL1
        (field(isar0, 4) >= 1, auxv::HWCAP_AES),
        (field(isar0, 4) >= 2, auxv::HWCAP_PMULL),
        (field(isar0, 8) >= 1, auxv::HWCAP_SHA1),
        (field(isar0, 12) >= 1, auxv::HWCAP_SHA2),
        (field(isar0, 16) >= 1, auxv::HWCAP_CRC32),
        (field(isar0, 20) >= 2, auxv::HWCAP_ATOMICS),
        (field(isar0, 28) >= 1, auxv::HWCAP_ASIMDRDM),
        (field(isar0, 44) >= 1, auxv::HWCAP_ASIMDDP),
        (field(isar0, 52) >= 1, auxv::HWCAP_FLAGM),
        // ID_AA64ISAR1_EL1
        (field(isar1, 0) >= 1, auxv::HWCAP_DCPOP),
        (field(isar1, 12) >= 1, auxv::HWCAP_JSCVT),
        (field(isar1, 16) >= 1, auxv::HWCAP_FCMA),
        (field(isar1, 20) >= 1, auxv::HWCAP_LRCPC),
        (field(isar1, 20) >= 2, auxv::HWCAP_ILRCPC),
    ];
    rules.iter().filter(|(has, _)| *has).fold(0, |acc, (_, bit)| acc | bit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_and_absent_fp() {
        // All-zero registers: FP and AdvSIMD implemented, nothing else.
        assert_eq!(hwcap_from_id_regs(0, 0, 0), auxv::HWCAP_FP | auxv::HWCAP_ASIMD);
        // FP = AdvSIMD = 0xf: not implemented.
        assert_eq!(hwcap_from_id_regs(0xff << 16, 0, 0), 0);
    }

    #[test]
    fn apple_m1_like() {
        // PFR0: FP=1, AdvSIMD=1. ISAR0: AES=2, SHA1=1, SHA2=2, CRC32=1,
        // Atomic=2, RDM=1, DP=1, TS=2. ISAR1: DPB=2, JSCVT=1, FCMA=1, LRCPC=2.
        let pfr0 = (1 << 16) | (1 << 20);
        let isar0 = (2 << 4) | (1 << 8) | (2 << 12) | (1 << 16) | (2 << 20) | (1 << 28) | (1u64 << 44) | (2u64 << 52);
        let isar1 = 2 | (1 << 12) | (1 << 16) | (2 << 20);
        let h = hwcap_from_id_regs(pfr0, isar0, isar1);
        for bit in [
            auxv::HWCAP_FP,
            auxv::HWCAP_FPHP,
            auxv::HWCAP_ASIMDHP,
            auxv::HWCAP_AES,
            auxv::HWCAP_PMULL,
            auxv::HWCAP_SHA2,
            auxv::HWCAP_ATOMICS,
            auxv::HWCAP_ASIMDDP,
            auxv::HWCAP_FLAGM,
            auxv::HWCAP_DCPOP,
            auxv::HWCAP_ILRCPC,
        ] {
            assert_ne!(h & bit, 0, "bit {bit:#x}");
        }
        assert_eq!(h & auxv::HWCAP_CPUID, 0);
    }
}
