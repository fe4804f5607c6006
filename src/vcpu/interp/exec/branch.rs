//! Branches (ARM ARM C4.1.3, the branch half): B, BL, B.cond, BC.cond,
//! CBZ/CBNZ, TBZ/TBNZ, BR, BLR, RET.
//!
//! The FEAT_PAuth forms (BRAA, BLRAA, RETAA, ...) are UNDEFINED: pointer
//! authentication is not advertised. A register target with bits 1:0 set
//! is written to PC as is; the fetch raises the PC alignment fault.

use crate::vcpu::interp::cpu::Cpu;
use crate::vcpu::interp::decode::{bit, bits, insn, rd, rn, sext, Insn};
use crate::vcpu::interp::exception::ExecResult;

/// Encodings of this class.
pub const TABLE: &[Insn] = &[
    insn("0 00101 iiiiiiiiiiiiiiiiiiiiiiiiii", "B", b),
    insn("1 00101 iiiiiiiiiiiiiiiiiiiiiiiiii", "BL", bl),
    insn("0101010 0 iiiiiiiiiiiiiiiiiii x cccc", "B.cond/BC.cond", b_cond),
    insn("f 011010 0 iiiiiiiiiiiiiiiiiii ttttt", "CBZ", cbz::<false>),
    insn("f 011010 1 iiiiiiiiiiiiiiiiiii ttttt", "CBNZ", cbz::<true>),
    insn("b 011011 0 bbbbb iiiiiiiiiiiiii ttttt", "TBZ", tbz::<false>),
    insn("b 011011 1 bbbbb iiiiiiiiiiiiii ttttt", "TBNZ", tbz::<true>),
    insn("1101011 0000 11111 000000 nnnnn 00000", "BR", br),
    insn("1101011 0001 11111 000000 nnnnn 00000", "BLR", blr),
    insn("1101011 0010 11111 000000 nnnnn 00000", "RET", br),
];

/// Branch to the current instruction's address plus `offset` bytes.
#[inline(always)]
fn branch_rel(c: &mut Cpu, offset: i64) {
    c.pc = c.cur_pc.wrapping_add_signed(offset);
}

/// The imm19 offset (bits 23:5) in bytes.
#[inline(always)]
fn imm19(i: u32) -> i64 {
    sext(u64::from(bits(i, 5, 19)), 19) << 2
}

/// B: PC-relative, +/-128 MiB.
fn b(c: &mut Cpu, i: u32) -> ExecResult {
    branch_rel(c, sext(u64::from(bits(i, 0, 26)), 26) << 2);
    Ok(())
}

/// BL: X30 = return address, then B.
fn bl(c: &mut Cpu, i: u32) -> ExecResult {
    c.set_x(30, c.cur_pc.wrapping_add(4));
    branch_rel(c, sext(u64::from(bits(i, 0, 26)), 26) << 2);
    Ok(())
}

/// B.cond and BC.cond (FEAT_HBC: same behaviour, a different hint).
fn b_cond(c: &mut Cpu, i: u32) -> ExecResult {
    if c.cond_holds(bits(i, 0, 4)) {
        branch_rel(c, imm19(i));
    }
    Ok(())
}

/// CBZ (NZ = false) / CBNZ: compare Wt/Xt with zero.
fn cbz<const NZ: bool>(c: &mut Cpu, i: u32) -> ExecResult {
    let mut v = c.x(rd(i));
    if !bit(i, 31) {
        v &= 0xffff_ffff;
    }
    if (v != 0) == NZ {
        branch_rel(c, imm19(i));
    }
    Ok(())
}

/// TBZ (NZ = false) / TBNZ: test bit b5:b40 of Rt.
fn tbz<const NZ: bool>(c: &mut Cpu, i: u32) -> ExecResult {
    let pos = (bits(i, 31, 1) << 5) | bits(i, 19, 5);
    if ((c.x(rd(i)) >> pos) & 1 != 0) == NZ {
        branch_rel(c, sext(u64::from(bits(i, 5, 14)), 14) << 2);
    }
    Ok(())
}

/// BR and RET: PC = Xn.
fn br(c: &mut Cpu, i: u32) -> ExecResult {
    c.pc = c.branch_addr(c.x(rn(i)));
    Ok(())
}

/// BLR: PC = Xn, X30 = return address (Xn read first: `blr x30` works).
fn blr(c: &mut Cpu, i: u32) -> ExecResult {
    let target = c.x(rn(i));
    c.set_x(30, c.cur_pc.wrapping_add(4));
    c.pc = c.branch_addr(target);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::vcpu::interp::cpu::{C_BIT, N_BIT, V_BIT, Z_BIT};
    use crate::vcpu::interp::exception::Exception;
    use crate::vcpu::interp::testing::{TestCpu, CODE, END};

    const INC10: u32 = 0x9100_054a; // add x10, x10, #1
    const INC11: u32 = 0x9100_056b; // add x11, x11, #1

    /// Run `[branch, INC10, INC11]` with X1 = `x1` and NZCV = `flags`;
    /// true if the branch (to .+8) skipped INC10.
    fn taken(branch: u32, x1: u64, flags: u32) -> bool {
        let mut t = TestCpu::new();
        t.cpu.set_x(1, x1);
        t.cpu.nzcv = flags;
        t.exec(&[branch, INC10, INC11]);
        assert_eq!(t.cpu.x(11), 1);
        t.cpu.x(10) == 0
    }

    #[test]
    fn immediate_branches() {
        assert!(taken(0x1400_0002, 0, 0)); // b .+8
        let mut t = TestCpu::new();
        t.exec(&[
            0x1400_0003, // b .+12
            INC11,       //
            0x1400_0003, // b .+12 (to the end)
            INC10,       //
            0x17ff_fffd, // b .-12
        ]);
        assert_eq!((t.cpu.x(10), t.cpu.x(11)), (1, 1));
        // bl .+12: X30 = return address
        let mut t = TestCpu::new();
        t.exec(&[0x9400_0003, INC10, INC10, INC11]);
        assert_eq!((t.cpu.x(30), t.cpu.x(10), t.cpu.x(11)), (CODE + 4, 0, 1));
        // Largest backward offsets leave the mapped code: the fetch faults there.
        for (w, off) in [
            (0x1600_0000u32, 0x800_0000u64), // b .-0x8000000
            (0xb480_0001, 0x10_0000),        // cbz x1, .-0x100000
            (0x3604_0001, 0x8000),           // tbz w1, #0, .-0x8000
            (0x5480_0000, 0x10_0000),        // b.eq .-0x100000
        ] {
            let mut t = TestCpu::new();
            t.cpu.nzcv = Z_BIT;
            let e = t.run(&[w]);
            assert!(matches!(e, Exception::InstructionAbort { .. }), "{w:#x}: {e:?}");
            assert_eq!(t.cpu.pc, CODE.wrapping_sub(off));
        }
    }

    #[test]
    fn conditional_branches() {
        assert!(taken(0x5400_0040, 0, Z_BIT)); // b.eq .+8
        assert!(!taken(0x5400_0040, 0, N_BIT | C_BIT | V_BIT));
        assert!(taken(0x5400_0041, 0, 0)); // b.ne .+8
        assert!(!taken(0x5400_0041, 0, Z_BIT));
        assert!(taken(0x5400_004f, 0, 0)); // b.nv .+8 (always)
        assert!(taken(0x5400_004e, 0, Z_BIT)); // b.al .+8
        assert!(taken(0x5400_004b, 0, N_BIT)); // b.lt .+8
        assert!(!taken(0x5400_004b, 0, N_BIT | V_BIT));
        assert!(taken(0x5400_0048, 0, C_BIT)); // b.hi .+8
        assert!(!taken(0x5400_0048, 0, C_BIT | Z_BIT));
        assert!(taken(0x5400_0050, 0, Z_BIT)); // bc.eq .+8
        assert!(!taken(0x5400_0050, 0, 0));
    }

    #[test]
    fn compare_and_test_branches() {
        assert!(taken(0x3400_0041, 0x1_0000_0000, 0)); // cbz w1, .+8 (upper half ignored)
        assert!(!taken(0x3400_0041, 0x8000_0000, 0));
        assert!(taken(0xb500_0041, 0x1_0000_0000, 0)); // cbnz x1, .+8
        assert!(!taken(0xb500_0041, 0, 0));
        assert!(taken(0xb6f8_0041, i64::MAX as u64, 0)); // tbz x1, #63, .+8
        assert!(!taken(0xb6f8_0041, 1 << 63, 0));
        assert!(taken(0x3718_0041, 8, 0)); // tbnz w1, #3, .+8
        assert!(!taken(0x3718_0041, !8, 0));
    }

    #[test]
    fn register_branches() {
        // br x1
        assert!(taken(0xd61f_0020, CODE + 8, 0));
        // blr x1
        let mut t = TestCpu::new();
        t.cpu.set_x(1, CODE + 8);
        t.exec(&[0xd63f_0020, INC10, INC11]);
        assert_eq!((t.cpu.x(30), t.cpu.x(10)), (CODE + 4, 0));
        // blr x30: the target is read before X30 is written
        let mut t = TestCpu::new();
        t.cpu.set_x(30, CODE + 8);
        t.exec(&[0xd63f_03c0, INC10, INC11]);
        assert_eq!((t.cpu.x(30), t.cpu.x(10)), (CODE + 4, 0));
        // ret; ret x5
        let mut t = TestCpu::new();
        t.cpu.set_x(30, CODE + 8);
        t.exec(&[0xd65f_03c0, INC10, INC11]);
        assert_eq!(t.cpu.x(10), 0);
        t.cpu.set_x(5, CODE + 8);
        t.exec(&[0xd65f_00a0, INC10, INC11]);
        assert_eq!(t.cpu.x(10), 0);
        // A misaligned target faults on the fetch, with PC = target.
        t.cpu.set_x(1, CODE + 6);
        assert_eq!(t.run(&[0xd61f_0020]), Exception::PcAlignment);
        assert_eq!(t.cpu.pc, CODE + 6);
        t.cpu.set_x(30, CODE + 1);
        assert_eq!(t.run(&[0xd65f_03c0]), Exception::PcAlignment);
        // br xzr -> 0 (unmapped)
        assert!(matches!(t.run(&[0xd61f_03e0]), Exception::InstructionAbort { va: 0, .. }));
        // PAC forms are UNDEFINED; PC stays at the instruction.
        t.cpu.set_x(1, CODE + 8);
        assert_eq!(t.run(&[0xd71f_0822]), Exception::Undefined); // braa x1, x2
        assert_eq!(t.cpu.pc, CODE);
        assert_eq!(t.run(&[0xd63f_083f]), Exception::Undefined); // blraaz x1
        assert_eq!(t.run(&[0xd65f_0bff]), Exception::Undefined); // retaa
        assert_eq!(t.run(&[0xd61f_0021]), Exception::Undefined); // br with op4 != 0
        assert_eq!(t.run(&[0xd6bf_03e0]), Exception::Undefined); // drps

        // Not shadowed: svc still comes from system.rs.
        assert_eq!(t.run(&[0xd400_0001]), Exception::Svc(0));
        assert_eq!(t.run(&[0x1400_0001]), END); // b .+4
    }
}
