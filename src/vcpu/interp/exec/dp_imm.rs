//! Data Processing -- Immediate (ARM ARM C4.1.2): PC-relative addressing,
//! add/subtract (immediate), logical (immediate), move wide, bitfield and
//! extract.
//!
//! Not implemented (UNDEFINED): the FEAT_MTE tag forms (ADDG/SUBG) and the
//! FEAT_CSSC min/max immediates, which elfuse does not advertise.

use super::alu::{add_with_carry, logic_flags, logical_imm, ones, size_mask};
use crate::vcpu::interp::cpu::Cpu;
use crate::vcpu::interp::decode::{bit, bits, insn, rd, rm, rn, sext, Insn};
use crate::vcpu::interp::exception::{Exception, ExecResult};

/// Encodings of this class.
pub const TABLE: &[Insn] = &[
    insn("0 ii 10000 iiiiiiiiiiiiiiiiiii ddddd", "ADR", adr),
    insn("1 ii 10000 iiiiiiiiiiiiiiiiiii ddddd", "ADRP", adrp),
    insn("f 0 0 100010 h iiiiiiiiiiii nnnnn ddddd", "ADD (immediate)", addsub_imm::<false, false>),
    insn("f 0 1 100010 h iiiiiiiiiiii nnnnn ddddd", "ADDS (immediate)", addsub_imm::<false, true>),
    insn("f 1 0 100010 h iiiiiiiiiiii nnnnn ddddd", "SUB (immediate)", addsub_imm::<true, false>),
    insn("f 1 1 100010 h iiiiiiiiiiii nnnnn ddddd", "SUBS (immediate)", addsub_imm::<true, true>),
    insn("f oo 100100 N rrrrrr ssssss nnnnn ddddd", "AND/ORR/EOR/ANDS (immediate)", logical_immediate),
    insn("f 00 100101 hh iiiiiiiiiiiiiiii ddddd", "MOVN", move_wide::<0>),
    insn("f 10 100101 hh iiiiiiiiiiiiiiii ddddd", "MOVZ", move_wide::<2>),
    insn("f 11 100101 hh iiiiiiiiiiiiiiii ddddd", "MOVK", move_wide::<3>),
    insn("f 00 100110 N rrrrrr ssssss nnnnn ddddd", "SBFM", bitfield::<0>),
    insn("f 01 100110 N rrrrrr ssssss nnnnn ddddd", "BFM", bitfield::<1>),
    insn("f 10 100110 N rrrrrr ssssss nnnnn ddddd", "UBFM", bitfield::<2>),
    insn("f 00 100111 N 0 mmmmm ssssss nnnnn ddddd", "EXTR", extr),
];

/// The 21-bit `immhi:immlo` offset of ADR/ADRP, sign-extended.
#[inline(always)]
fn adr_offset(i: u32) -> i64 {
    let imm = (bits(i, 5, 19) << 2) | bits(i, 29, 2);
    sext(u64::from(imm), 21)
}

/// ADR: Xd = PC + imm21.
fn adr(c: &mut Cpu, i: u32) -> ExecResult {
    c.set_x(rd(i), c.cur_pc.wrapping_add_signed(adr_offset(i)));
    Ok(())
}

/// ADRP: Xd = (PC & ~0xfff) + imm21 * 4096.
fn adrp(c: &mut Cpu, i: u32) -> ExecResult {
    c.set_x(rd(i), (c.cur_pc & !0xfff).wrapping_add_signed(adr_offset(i) << 12));
    Ok(())
}

/// ADD/ADDS/SUB/SUBS (immediate): Rn may be SP; Rd is SP unless S (then
/// XZR).
fn addsub_imm<const SUB: bool, const S: bool>(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let imm = u64::from(bits(i, 10, 12)) << (12 * bits(i, 22, 1));
    let a = c.xsp(rn(i));
    let d = rd(i);
    if S {
        let (r, f) = if SUB { add_with_carry(a, !imm, true, sf) } else { add_with_carry(a, imm, false, sf) };
        c.nzcv = f;
        c.set_x(d, r);
    } else {
        let r = if SUB { a.wrapping_sub(imm) } else { a.wrapping_add(imm) } & size_mask(sf);
        c.set_xsp(d, r);
    }
    Ok(())
}

/// AND/ORR/EOR/ANDS (immediate): Rd may be SP except for ANDS.
fn logical_immediate(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let imm = logical_imm(bit(i, 22), bits(i, 16, 6), bits(i, 10, 6), sf).ok_or(Exception::Undefined)?;
    let a = c.x(rn(i));
    let d = rd(i);
    match bits(i, 29, 2) {
        0 => c.set_xsp(d, a & imm),
        1 => c.set_xsp(d, (a | imm) & size_mask(sf)),
        2 => c.set_xsp(d, (a ^ imm) & size_mask(sf)),
        _ => {
            let r = a & imm;
            c.nzcv = logic_flags(r, sf);
            c.set_x(d, r);
        }
    }
    Ok(())
}

/// MOVN (OPC = 0), MOVZ (2), MOVK (3).
fn move_wide<const OPC: u32>(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let hw = bits(i, 21, 2);
    if !sf && hw >= 2 {
        return Err(Exception::Undefined);
    }
    let pos = hw * 16;
    let imm = u64::from(bits(i, 5, 16)) << pos;
    let d = rd(i);
    let r = match OPC {
        0 => !imm,
        2 => imm,
        _ => (c.x(d) & !(0xffffu64 << pos)) | imm,
    };
    c.set_x(d, r & size_mask(sf));
    Ok(())
}

/// SBFM (OPC = 0), BFM (1), UBFM (2) and their aliases (ASR/LSL/LSR
/// immediate, SXT*/UXT*, BFI/BFXIL/BFC, SBFIZ/SBFX, UBFIZ/UBFX).
fn bitfield<const OPC: u32>(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let r = bits(i, 16, 6);
    let s = bits(i, 10, 6);
    if bit(i, 22) != sf || (!sf && (r | s) >= 32) {
        return Err(Exception::Undefined);
    }
    let d = rd(i);
    let res = bitfield_value(OPC, sf, r, s, c.x(rn(i)), c.x(d));
    c.set_x(d, res);
    Ok(())
}

/// The result of SBFM (`opc` = 0), BFM (1) or UBFM (2) with immr = `r`,
/// imms = `s` (both below the datasize) on `src`, into `dst`.
///
/// Equivalent to the `DecodeBitMasks` form of the pseudocode, computed
/// directly: with S >= R the field Rn<S:R> goes to the bottom of Rd
/// (extract); with S < R the field Rn<S:0> goes to bit `datasize - R`
/// (insert).
#[inline(always)]
pub fn bitfield_value(opc: u32, sf: bool, r: u32, s: u32, src: u64, dst: u64) -> u64 {
    let size = if sf { 64 } else { 32 };
    // (field value, field width, field position in Rd)
    let (field, width, lsb) = if s >= r {
        let w = s - r + 1;
        ((src >> r) & ones(w), w, 0)
    } else {
        let w = s + 1;
        (src & ones(w), w, size - r)
    };
    let res = match opc {
        0 => (sext(field, width) as u64) << lsb,
        1 => {
            let m = ones(width) << lsb;
            (dst & !m) | (field << lsb)
        }
        _ => field << lsb,
    };
    res & size_mask(sf)
}

/// EXTR (and ROR immediate): Rd = (Rn:Rm)<lsb + datasize - 1 : lsb>.
fn extr(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let lsb = bits(i, 10, 6);
    if bit(i, 22) != sf || (!sf && lsb >= 32) {
        return Err(Exception::Undefined);
    }
    let hi = c.x(rn(i));
    let lo = c.x(rm(i));
    let r = if sf {
        if lsb == 0 {
            lo
        } else {
            (lo >> lsb) | (hi << (64 - lsb))
        }
    } else {
        ((((hi & 0xffff_ffff) << 32) | (lo & 0xffff_ffff)) >> lsb) & 0xffff_ffff
    };
    c.set_x(rd(i), r);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::alu::{decode_bit_masks, size_mask};
    use super::bitfield_value;
    use crate::vcpu::interp::cpu::{C_BIT, N_BIT, V_BIT, Z_BIT};
    use crate::vcpu::interp::exception::Exception;
    use crate::vcpu::interp::testing::{TestCpu, CODE, DATA, DATA_SIZE};

    fn run1(word: u32, setup: &[(u32, u64)]) -> TestCpu {
        let mut t = TestCpu::new();
        for &(r, v) in setup {
            t.cpu.set_x(r, v);
        }
        t.exec(&[word]);
        t
    }

    #[test]
    fn adr_adrp() {
        let mut t = TestCpu::new();
        t.exec(&[
            0x1000_0080,                              // adr x0, .+0x10
            0x9000_0001,                              // adrp x1, .
            0x1000_0002 | (0x7ffff << 5) | (3 << 29), // adr x2, .-1
            0xf000_0003 | (0x7ffff << 5),             // adrp x3, .-0x1000 (immhi all ones, immlo 11)
        ]);
        assert_eq!(t.cpu.x(0), CODE + 0x10);
        assert_eq!(t.cpu.x(1), CODE);
        assert_eq!(t.cpu.x(2), CODE + 8 - 1);
        assert_eq!(t.cpu.x(3), CODE - 0x1000);
    }

    #[test]
    fn add_sub_immediate() {
        let t = run1(0x9100_0420, &[(1, u64::MAX)]); // add x0, x1, #1
        assert_eq!(t.cpu.x(0), 0);
        assert_eq!(t.cpu.nzcv, 0);
        let t = run1(0x1140_0420, &[(1, 0xffff_ffff_ffff_f000)]); // add w0, w1, #1, lsl #12
        assert_eq!(t.cpu.x(0), 0);
        // adds x0, sp, #5: Rn = SP
        let t = run1(0xb100_17e0, &[]);
        assert_eq!(t.cpu.x(0), DATA + DATA_SIZE + 5);
        // sub sp, sp, #16
        let t = run1(0xd100_43ff, &[]);
        assert_eq!(t.cpu.sp(), DATA + DATA_SIZE - 16);
        // subs w2, w3, #0xfff with w3 = 0xfff: Z, C
        let t = run1(0x713f_fc62, &[(3, 0x1_0000_0fff)]);
        assert_eq!(t.cpu.x(2), 0);
        assert_eq!(t.cpu.nzcv, Z_BIT | C_BIT);
        // subs w2, w3, #0xfff with w3 = 0x80000000: V, C
        let t = run1(0x713f_fc62, &[(3, 0x8000_0000)]);
        assert_eq!(t.cpu.x(2), 0x7fff_f001);
        assert_eq!(t.cpu.nzcv, C_BIT | V_BIT);
        // cmp x1, #1 with x1 = 0: N, borrow (C clear); writes XZR, not SP
        let mut t = TestCpu::new();
        let sp = t.cpu.sp();
        t.exec(&[0xf100_043f]);
        assert_eq!(t.cpu.nzcv, N_BIT);
        assert_eq!(t.cpu.sp(), sp);
        // adds x0, x1, #1 with INT64_MAX: N, V
        let t = run1(0xb100_0420, &[(1, i64::MAX as u64)]);
        assert_eq!(t.cpu.x(0), 1 << 63);
        assert_eq!(t.cpu.nzcv, N_BIT | V_BIT);
        // add w0, wsp, #0 (mov wsp form): 32-bit SP read truncates
        let mut t = TestCpu::new();
        t.cpu.sp_el0 = 0x1_2345_6789;
        t.exec(&[0x1100_03e0]); // mov w0, wsp
        assert_eq!(t.cpu.x(0), 0x2345_6789);
    }

    #[test]
    fn logical_immediate() {
        let t = run1(0x9240_1c20, &[(1, 0x1234)]); // and x0, x1, #0xff
        assert_eq!(t.cpu.x(0), 0x34);
        let t = run1(0x1204_cc20, &[(1, u64::MAX)]); // and w0, w1, #0xf0f0f0f0
        assert_eq!(t.cpu.x(0), 0xf0f0_f0f0);
        let t = run1(0xb200_f03f, &[(1, 0xa)]); // orr sp, x1, #0x5555555555555555
        assert_eq!(t.cpu.sp(), 0x5555_5555_5555_555f);
        let t = run1(0x5200_0083, &[(4, 0xffff_ffff_0000_0000)]); // eor w3, w4, #1
        assert_eq!(t.cpu.x(3), 1);
        let t = run1(0xf27f_f883, &[(4, 0x8000_0000_0000_0001)]); // ands x3, x4, #0xfffffffffffffffe
        assert_eq!(t.cpu.x(3), 1 << 63);
        assert_eq!(t.cpu.nzcv, N_BIT);
        let mut t = TestCpu::new();
        t.cpu.nzcv = C_BIT | V_BIT;
        t.cpu.set_x(1, 0x7fff_ffff);
        t.exec(&[0x7201_003f]); // tst w1, #0x80000000
        assert_eq!(t.cpu.nzcv, Z_BIT);
        // reserved: N = 1 at 32 bits; all-ones element
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x1240_0020]), Exception::Undefined); // and w0, w1, N=1
        assert_eq!(t.run(&[0x9240_fc20]), Exception::Undefined); // and x0, x1, N=1 imms=111111
        assert_eq!(t.run(&[0x9200_f820]), Exception::Undefined); // and x0, x1, N=0 imms=111110
    }

    #[test]
    fn move_wide() {
        let t = run1(0x92a2_4680, &[]); // mov x0, #0xffffffffedcbffff (movn)
        assert_eq!(t.cpu.x(0), 0xffff_ffff_edcb_ffff);
        let t = run1(0x12a2_4680, &[]); // mov w0, #0xedcbffff (movn)
        assert_eq!(t.cpu.x(0), 0xedcb_ffff);
        let t = run1(0xd2f7_dde0, &[(0, 5)]); // movz x0, #0xbeef, lsl #48
        assert_eq!(t.cpu.x(0), 0xbeef_0000_0000_0000);
        let t = run1(0xf2db_d5a0, &[(0, u64::MAX)]); // movk x0, #0xdead, lsl #32
        assert_eq!(t.cpu.x(0), 0xffff_dead_ffff_ffff);
        let t = run1(0x72aa_aaa0, &[(0, 0xffff_ffff_1234_5678)]); // movk w0, #0x5555, lsl #16
        assert_eq!(t.cpu.x(0), 0x5555_5678);
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x12c0_0000]), Exception::Undefined); // movn w0, hw=2
        assert_eq!(t.run(&[0x3280_0000]), Exception::Undefined); // opc=01 unallocated
    }

    #[test]
    fn bitfield_aliases() {
        let v = 0x8123_4567_89ab_cdefu64;
        let cases: &[(u32, u64, u64)] = &[
            (0x9343_fc20, 0, 0xf024_68ac_f135_79bd),           // asr x0, x1, #3
            (0x131f_7c20, 0, 0xffff_ffff),                     // asr w0, w1, #31
            (0xd37c_ec20, 0, 0x1234_5678_9abc_def0),           // lsl x0, x1, #4
            (0x5301_0020, 0, 0x8000_0000),                     // lsl w0, w1, #31
            (0xd37f_fc20, 0, 1),                               // lsr x0, x1, #63
            (0x5301_7c20, 0, 0x44d5_e6f7),                     // lsr w0, w1, #1
            (0x9340_1c20, 0, 0xffff_ffff_ffff_ffef),           // sxtb x0, w1
            (0x1300_3c20, 0, 0xffff_cdef),                     // sxth w0, w1
            (0x9340_7c20, 0, 0xffff_ffff_89ab_cdef),           // sxtw x0, w1
            (0x5300_1c20, 0, 0xef),                            // uxtb w0, w1
            (0x5300_3c20, 0, 0xcdef),                          // uxth w0, w1
            (0xb378_0c20, u64::MAX, 0xffff_ffff_ffff_ffff),    // bfi x0, x1, #8, #4
            (0xb378_0c20, 0, 0xf00),                           // bfi x0, x1, #8, #4
            (0x3304_0c20, 0xffff_ffff_0000_0000, 0xf000_0000), // bfi w0, w1, #28, #4
            (0xb37c_fc20, u64::MAX, 0xffff_ffff_ffff_fff8),    // bfxil x0, x1, #60, #4
            (0x3308_5c20, 0x1111_1111, 0x1111_abcd),           // bfxil w0, w1, #8, #16
            (0x937c_1c20, 0, 0xffff_ffff_ffff_fef0),           // sbfiz x0, x1, #4, #8
            (0x9344_2c20, 0, 0xffff_ffff_ffff_ffde),           // sbfx x0, x1, #4, #8
            (0x531c_1c20, 0, 0xef0),                           // ubfiz w0, w1, #4, #8
            (0xd37c_fc20, 0, 8),                               // ubfx x0, x1, #60, #4 (lsr)
            (0x1300_7c20, u64::MAX, 0x89ab_cdef),              // asr w0, w1, #0
            (0xb37c_1fe0, u64::MAX, 0xffff_ffff_ffff_f00f),    // bfc x0, #4, #8
        ];
        for &(w, d0, want) in cases {
            let t = run1(w, &[(0, d0), (1, v)]);
            assert_eq!(t.cpu.x(0), want, "insn {w:#010x}");
        }
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x9303_fc20]), Exception::Undefined); // sbfm x, N=0
        assert_eq!(t.run(&[0x1343_7c20]), Exception::Undefined); // sbfm w, N=1
        assert_eq!(t.run(&[0x1320_7c20]), Exception::Undefined); // sbfm w, immr=32
        assert_eq!(t.run(&[0x1300_8020]), Exception::Undefined); // sbfm w, imms=32
        assert_eq!(t.run(&[0x7300_0020]), Exception::Undefined); // opc=11 unallocated
    }

    /// The pseudocode form (DecodeBitMasks + ROR + Replicate) for one case.
    fn bitfield_reference(opc: u32, sf: bool, r: u32, s: u32, src: u64, dst: u64) -> u64 {
        let size = if sf { 64 } else { 32 };
        let mask = size_mask(sf);
        let (wmask, tmask) = decode_bit_masks(sf, s, r, false).unwrap();
        let (wmask, tmask) = (wmask & mask, tmask & mask);
        let src = src & mask;
        let rot = if r == 0 { src } else { ((src >> r) | (src << (size - r))) & mask };
        let dst = if opc == 1 { dst & mask } else { 0 };
        let bot = (dst & !wmask) | (rot & wmask);
        let top = match opc {
            0 => (0u64.wrapping_sub((src >> s) & 1)) & mask,
            _ => dst,
        };
        ((top & !tmask) | (bot & tmask)) & mask
    }

    #[test]
    fn bitfield_matches_pseudocode() {
        let vals = [0u64, u64::MAX, 0x8123_4567_89ab_cdef, 0x7edc_ba98_7654_3210, 0x5555_5555_aaaa_aaaa];
        for sf in [false, true] {
            let size = if sf { 64 } else { 32 };
            for r in 0..size {
                for s in 0..size {
                    for opc in 0..3 {
                        for &src in &vals {
                            let dst = src.rotate_left(13) ^ 0x0f0f;
                            assert_eq!(
                                bitfield_value(opc, sf, r, s, src, dst),
                                bitfield_reference(opc, sf, r, s, src, dst),
                                "opc {opc} sf {sf} r {r} s {s} src {src:#x}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn extract() {
        let t = run1(0x93c2_2020, &[(1, 0x1122_3344_5566_7788), (2, 0x99aa_bbcc_ddee_ff00)]); // extr x0, x1, x2, #8
        assert_eq!(t.cpu.x(0), 0x8899_aabb_ccdd_eeff);
        let t = run1(0x1382_7c20, &[(1, 0xffff_ffff_0000_0001), (2, 0x8000_0000)]); // extr w0, w1, w2, #31
        assert_eq!(t.cpu.x(0), 3);
        let t = run1(0x93c1_0420, &[(1, 3)]); // ror x0, x1, #1
        assert_eq!(t.cpu.x(0), 0x8000_0000_0000_0001);
        let t = run1(0x1381_0020, &[(1, 0xffff_ffff_1234_5678)]); // ror w0, w1, #0
        assert_eq!(t.cpu.x(0), 0x1234_5678);
        let t = run1(0x93c2_0020, &[(1, 1), (2, 2)]); // extr x0, x1, x2, #0
        assert_eq!(t.cpu.x(0), 2);
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x1382_8020]), Exception::Undefined); // extr w, imms=32
        assert_eq!(t.run(&[0x9382_2020]), Exception::Undefined); // extr x, N=0
        assert_eq!(t.run(&[0x93e2_2020]), Exception::Undefined); // o0=1
    }
}
