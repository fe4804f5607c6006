//! Data Processing -- Register (ARM ARM C4.1.8): logical and add/subtract
//! (shifted and extended register), add/subtract with carry, FEAT_FlagM
//! RMIF/SETF8/SETF16, conditional compare and select, data-processing 1, 2
//! and 3 source (including CRC32/CRC32C).
//!
//! Not implemented (UNDEFINED): FEAT_PAuth (PACIA..., PACGA; not
//! advertised), FEAT_MTE (SUBP, IRG, GMI) and FEAT_CSSC (ABS, CNT, CTZ,
//! SMAX...).

use super::alu::{add_with_carry, extend_reg, logic_flags, shift_reg, size_mask};
use crate::vcpu::interp::cpu::{Cpu, C_BIT, N_BIT, V_BIT, Z_BIT};
use crate::vcpu::interp::decode::{bit, bits, insn, ra, rd, rm, rn, Insn};
use crate::vcpu::interp::exception::{Exception, ExecResult};

/// Encodings of this class.
pub const TABLE: &[Insn] = &[
    // MOV (register) = ORR Rd, ZR, Rm: the most common alias, decoded first.
    insn("1 01 01010 00 0 mmmmm 000000 11111 ddddd", "MOV (register)", mov_reg::<true>),
    insn("0 01 01010 00 0 mmmmm 000000 11111 ddddd", "MOV (register)", mov_reg::<false>),
    insn("f 00 01010 hh N mmmmm iiiiii nnnnn ddddd", "AND/BIC (shifted register)", logical_reg::<0>),
    insn("f 01 01010 hh N mmmmm iiiiii nnnnn ddddd", "ORR/ORN (shifted register)", logical_reg::<1>),
    insn("f 10 01010 hh N mmmmm iiiiii nnnnn ddddd", "EOR/EON (shifted register)", logical_reg::<2>),
    insn("f 11 01010 hh N mmmmm iiiiii nnnnn ddddd", "ANDS/BICS (shifted register)", logical_reg::<3>),
    insn("f 0 0 01011 hh 0 mmmmm iiiiii nnnnn ddddd", "ADD (shifted register)", addsub_shifted::<false, false>),
    insn("f 0 1 01011 hh 0 mmmmm iiiiii nnnnn ddddd", "ADDS (shifted register)", addsub_shifted::<false, true>),
    insn("f 1 0 01011 hh 0 mmmmm iiiiii nnnnn ddddd", "SUB (shifted register)", addsub_shifted::<true, false>),
    insn("f 1 1 01011 hh 0 mmmmm iiiiii nnnnn ddddd", "SUBS (shifted register)", addsub_shifted::<true, true>),
    insn("f 0 0 01011 00 1 mmmmm ooo iii nnnnn ddddd", "ADD (extended register)", addsub_ext::<false, false>),
    insn("f 0 1 01011 00 1 mmmmm ooo iii nnnnn ddddd", "ADDS (extended register)", addsub_ext::<false, true>),
    insn("f 1 0 01011 00 1 mmmmm ooo iii nnnnn ddddd", "SUB (extended register)", addsub_ext::<true, false>),
    insn("f 1 1 01011 00 1 mmmmm ooo iii nnnnn ddddd", "SUBS (extended register)", addsub_ext::<true, true>),
    insn("f o s 11010000 mmmmm 000000 nnnnn ddddd", "ADC/ADCS/SBC/SBCS", adc_sbc),
    insn("1 0 1 11010000 iiiiii 00001 nnnnn 0 kkkk", "RMIF", rmif),
    insn("0 0 1 11010000 000000 z 0010 nnnnn 0 1101", "SETF8/SETF16", setf),
    insn("f o 1 11010010 mmmmm cccc x 0 nnnnn 0 kkkk", "CCMN/CCMP", ccmp),
    insn("f o 0 11010100 mmmmm cccc 0 p nnnnn ddddd", "CSEL/CSINC/CSINV/CSNEG", csel),
    insn("f 0 0 11010110 mmmmm 00001 u nnnnn ddddd", "UDIV/SDIV", div),
    insn("f 0 0 11010110 mmmmm 0010 tt nnnnn ddddd", "LSLV/LSRV/ASRV/RORV", shiftv),
    insn("f 0 0 11010110 mmmmm 010 c zz nnnnn ddddd", "CRC32/CRC32C", crc32),
    insn("f 1 0 11010110 00000 0000 oo nnnnn ddddd", "RBIT/REV16/REV32/REV", rev),
    insn("f 1 0 11010110 00000 00010 o nnnnn ddddd", "CLZ/CLS", clz_cls),
    insn("f 00 11011 000 mmmmm o aaaaa nnnnn ddddd", "MADD/MSUB", madd),
    insn("1 00 11011 001 mmmmm o aaaaa nnnnn ddddd", "SMADDL/SMSUBL", maddl::<true>),
    insn("1 00 11011 101 mmmmm o aaaaa nnnnn ddddd", "UMADDL/UMSUBL", maddl::<false>),
    insn("1 00 11011 010 mmmmm 0 aaaaa nnnnn ddddd", "SMULH", smulh),
    insn("1 00 11011 110 mmmmm 0 aaaaa nnnnn ddddd", "UMULH", umulh),
];

/// Rm shifted by `shift` (bits 23:22) and `imm6`, for the shifted-register
/// forms; a 32-bit amount >= 32 is UNDEFINED.
#[inline(always)]
fn shifted_rm(c: &Cpu, i: u32, sf: bool) -> Result<u64, Exception> {
    let amount = bits(i, 10, 6);
    if !sf && amount >= 32 {
        return Err(Exception::Undefined);
    }
    Ok(shift_reg(c.x(rm(i)), bits(i, 22, 2), amount, sf))
}

/// AND (OPC = 0), ORR (1), EOR (2), ANDS (3), with N inverting Rm
/// (BIC, ORN, EON, BICS).
/// MOV (register), the ORR alias with Rn = ZR and no shift.
fn mov_reg<const SF: bool>(c: &mut Cpu, i: u32) -> ExecResult {
    let v = c.x(rm(i));
    c.set_x(rd(i), if SF { v } else { v & 0xffff_ffff });
    Ok(())
}

fn logical_reg<const OPC: u32>(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let mut b = shifted_rm(c, i, sf)?;
    if bit(i, 21) {
        b = !b & size_mask(sf);
    }
    let a = c.x(rn(i));
    let r = match OPC {
        0 | 3 => a & b,
        1 => a | b,
        _ => a ^ b,
    } & size_mask(sf);
    if OPC == 3 {
        c.nzcv = logic_flags(r, sf);
    }
    c.set_x(rd(i), r);
    Ok(())
}

/// ADD/ADDS/SUB/SUBS (shifted register); ROR is reserved. Rn/Rd = 31 is
/// the zero register.
fn addsub_shifted<const SUB: bool, const S: bool>(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    if bits(i, 22, 2) == 3 {
        return Err(Exception::Undefined);
    }
    let b = shifted_rm(c, i, sf)?;
    let a = c.x(rn(i));
    let r = if S {
        let (r, f) = if SUB { add_with_carry(a, !b, true, sf) } else { add_with_carry(a, b, false, sf) };
        c.nzcv = f;
        r
    } else {
        (if SUB { a.wrapping_sub(b) } else { a.wrapping_add(b) }) & size_mask(sf)
    };
    c.set_x(rd(i), r);
    Ok(())
}

/// ADD/ADDS/SUB/SUBS (extended register): Rn may be SP; Rd is SP unless
/// S (then XZR). A shift above 4 is reserved.
fn addsub_ext<const SUB: bool, const S: bool>(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let shift = bits(i, 10, 3);
    if shift > 4 {
        return Err(Exception::Undefined);
    }
    let b = extend_reg(c.x(rm(i)), bits(i, 13, 3), shift);
    let a = c.xsp(rn(i));
    let d = rd(i);
    if S {
        let (r, f) = if SUB { add_with_carry(a, !b, true, sf) } else { add_with_carry(a, b, false, sf) };
        c.nzcv = f;
        c.set_x(d, r);
    } else {
        let r = (if SUB { a.wrapping_sub(b) } else { a.wrapping_add(b) }) & size_mask(sf);
        c.set_xsp(d, r);
    }
    Ok(())
}

/// ADC/ADCS/SBC/SBCS.
fn adc_sbc(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let a = c.x(rn(i));
    let mut b = c.x(rm(i));
    if bit(i, 30) {
        b = !b;
    }
    let (r, f) = add_with_carry(a, b, c.nzcv & C_BIT != 0, sf);
    if bit(i, 29) {
        c.nzcv = f;
    }
    c.set_x(rd(i), r);
    Ok(())
}

/// RMIF (FEAT_FlagM): rotate Xn right by imm6 and insert its bits 3:0 into
/// the NZCV flags selected by mask.
fn rmif(c: &mut Cpu, i: u32) -> ExecResult {
    let tmp = c.x(rn(i)).rotate_right(bits(i, 15, 6));
    let mask = bits(i, 0, 4) << 28;
    let flags = ((tmp & 0xf) as u32) << 28;
    c.nzcv = (c.nzcv & !mask) | (flags & mask);
    Ok(())
}

/// SETF8/SETF16 (FEAT_FlagM): N, Z, V from the low 8/16 bits of Wn; C kept.
fn setf(c: &mut Cpu, i: u32) -> ExecResult {
    let msb = if bit(i, 14) { 15 } else { 7 };
    let w = c.w(rn(i));
    let mut f = c.nzcv & C_BIT;
    if (w >> msb) & 1 != 0 {
        f |= N_BIT;
    }
    if w & ((2u32 << msb) - 1) == 0 {
        f |= Z_BIT;
    }
    if ((w >> (msb + 1)) ^ (w >> msb)) & 1 != 0 {
        f |= V_BIT;
    }
    c.nzcv = f;
    Ok(())
}

/// CCMN/CCMP (register and immediate): flags of Rn + / - operand if the
/// condition holds, else the immediate nzcv.
fn ccmp(c: &mut Cpu, i: u32) -> ExecResult {
    if !c.cond_holds(bits(i, 12, 4)) {
        c.nzcv = bits(i, 0, 4) << 28;
        return Ok(());
    }
    let sf = bit(i, 31);
    let a = c.x(rn(i));
    let b = if bit(i, 11) { u64::from(bits(i, 16, 5)) } else { c.x(rm(i)) };
    let (_, f) = if bit(i, 30) { add_with_carry(a, !b, true, sf) } else { add_with_carry(a, b, false, sf) };
    c.nzcv = f;
    Ok(())
}

/// CSEL/CSINC/CSINV/CSNEG: Rd = cond ? Rn : f(Rm).
fn csel(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let r = if c.cond_holds(bits(i, 12, 4)) {
        c.x(rn(i))
    } else {
        let m = c.x(rm(i));
        match (bit(i, 30), bit(i, 10)) {
            (false, false) => m,
            (false, true) => m.wrapping_add(1),
            (true, false) => !m,
            (true, true) => m.wrapping_neg(),
        }
    };
    c.set_x(rd(i), r & size_mask(sf));
    Ok(())
}

/// UDIV/SDIV: division by zero gives 0; INT_MIN / -1 gives INT_MIN.
fn div(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let a = c.x(rn(i));
    let b = c.x(rm(i));
    let signed = bit(i, 10);
    let r = if sf {
        match (b, signed) {
            (0, _) => 0,
            (_, false) => a / b,
            (_, true) => (a as i64).wrapping_div(b as i64) as u64,
        }
    } else {
        let (a, b) = (a as u32, b as u32);
        u64::from(match (b, signed) {
            (0, _) => 0,
            (_, false) => a / b,
            (_, true) => (a as i32).wrapping_div(b as i32) as u32,
        })
    };
    c.set_x(rd(i), r);
    Ok(())
}

/// LSLV/LSRV/ASRV/RORV: shift by Rm modulo the register width.
fn shiftv(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let amount = (c.x(rm(i)) as u32) & if sf { 63 } else { 31 };
    let r = shift_reg(c.x(rn(i)), bits(i, 10, 2), amount, sf);
    c.set_x(rd(i), r);
    Ok(())
}

/// Byte-at-a-time table of the reflected CRC with reversed polynomial `p`.
const fn crc_table(p: u32) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut crc = n as u32;
        let mut k = 0;
        while k < 8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ p } else { crc >> 1 };
            k += 1;
        }
        t[n] = crc;
        n += 1;
    }
    t
}

/// CRC-32 (polynomial 0x04C11DB7, bit-reversed 0xEDB88320).
static CRC32_TABLE: [u32; 256] = crc_table(0xedb8_8320);
/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, bit-reversed 0x82F63B78).
static CRC32C_TABLE: [u32; 256] = crc_table(0x82f6_3b78);

/// The ARM CRC32* update of `acc` with the low `bytes` bytes of `val`
/// (no pre/post inversion, as the instructions define it).
pub fn crc32_update(acc: u32, val: u64, bytes: u32, castagnoli: bool) -> u32 {
    let t = if castagnoli { &CRC32C_TABLE } else { &CRC32_TABLE };
    let mut crc = acc;
    for k in 0..bytes {
        let b = (val >> (8 * k)) as u8;
        crc = (crc >> 8) ^ t[usize::from((crc as u8) ^ b)];
    }
    crc
}

/// CRC32B/H/W/X and CRC32CB/H/W/X: the X forms need sf = 1, the others
/// sf = 0.
fn crc32(c: &mut Cpu, i: u32) -> ExecResult {
    let sz = bits(i, 10, 2);
    if bit(i, 31) != (sz == 3) {
        return Err(Exception::Undefined);
    }
    let r = crc32_update(c.w(rn(i)), c.x(rm(i)), 1 << sz, bit(i, 12));
    c.set_w(rd(i), r);
    Ok(())
}

/// RBIT (0), REV16 (1), REV32/REV (2), REV (3, 64-bit only).
fn rev(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let v = c.x(rn(i));
    let r = match (sf, bits(i, 10, 2)) {
        (true, 0) => v.reverse_bits(),
        (true, 1) => ((v & 0x00ff_00ff_00ff_00ff) << 8) | ((v >> 8) & 0x00ff_00ff_00ff_00ff),
        (true, 2) => v.swap_bytes().rotate_left(32),
        (true, _) => v.swap_bytes(),
        (false, 0) => u64::from((v as u32).reverse_bits()),
        (false, 1) => ((v & 0x00ff_00ff) << 8) | ((v >> 8) & 0x00ff_00ff),
        (false, 2) => u64::from((v as u32).swap_bytes()),
        (false, _) => return Err(Exception::Undefined),
    };
    c.set_x(rd(i), r);
    Ok(())
}

/// CLZ (bit 10 = 0) and CLS (bit 10 = 1).
fn clz_cls(c: &mut Cpu, i: u32) -> ExecResult {
    let v = c.x(rn(i));
    let cls = bit(i, 10);
    let r = if bit(i, 31) {
        if cls {
            ((v ^ (v << 1)) >> 1).leading_zeros() - 1
        } else {
            v.leading_zeros()
        }
    } else {
        let w = v as u32;
        if cls {
            ((w ^ (w << 1)) >> 1).leading_zeros() - 1
        } else {
            w.leading_zeros()
        }
    };
    c.set_x(rd(i), u64::from(r));
    Ok(())
}

/// MADD/MSUB: Rd = Ra +/- Rn * Rm.
fn madd(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let p = c.x(rn(i)).wrapping_mul(c.x(rm(i)));
    let a = c.x(ra(i));
    let r = if bit(i, 15) { a.wrapping_sub(p) } else { a.wrapping_add(p) };
    c.set_x(rd(i), r & size_mask(sf));
    Ok(())
}

/// SMADDL/SMSUBL (SIGNED) and UMADDL/UMSUBL: Xd = Xa +/- Wn * Wm (64-bit
/// product of extended 32-bit operands).
fn maddl<const SIGNED: bool>(c: &mut Cpu, i: u32) -> ExecResult {
    let (n, m) = (c.w(rn(i)), c.w(rm(i)));
    let p = if SIGNED { (i64::from(n as i32) * i64::from(m as i32)) as u64 } else { u64::from(n) * u64::from(m) };
    let a = c.x(ra(i));
    let r = if bit(i, 15) { a.wrapping_sub(p) } else { a.wrapping_add(p) };
    c.set_x(rd(i), r);
    Ok(())
}

/// SMULH: high 64 bits of the signed 128-bit product.
fn smulh(c: &mut Cpu, i: u32) -> ExecResult {
    let p = i128::from(c.x(rn(i)) as i64) * i128::from(c.x(rm(i)) as i64);
    c.set_x(rd(i), (p >> 64) as u64);
    Ok(())
}

/// UMULH: high 64 bits of the unsigned 128-bit product.
fn umulh(c: &mut Cpu, i: u32) -> ExecResult {
    let p = u128::from(c.x(rn(i))) * u128::from(c.x(rm(i)));
    c.set_x(rd(i), (p >> 64) as u64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::crc32_update;
    use crate::vcpu::interp::cpu::{C_BIT, N_BIT, V_BIT, Z_BIT};
    use crate::vcpu::interp::exception::Exception;
    use crate::vcpu::interp::testing::{TestCpu, DATA, DATA_SIZE};

    /// Run one instruction with X1, X2, X3 set and NZCV = `flags`.
    fn run3(word: u32, x1: u64, x2: u64, x3: u64, flags: u32) -> TestCpu {
        let mut t = TestCpu::new();
        t.cpu.set_x(0, 0xdead_beef_dead_beef);
        t.cpu.set_x(1, x1);
        t.cpu.set_x(2, x2);
        t.cpu.set_x(3, x3);
        t.cpu.nzcv = flags;
        t.exec(&[word]);
        t
    }

    fn x0(word: u32, x1: u64, x2: u64) -> u64 {
        run3(word, x1, x2, 0, 0).cpu.x(0)
    }

    #[test]
    fn logical_shifted_register() {
        let a = 0xf0f0_1234_5678_9abc;
        let b = 0x8000_0000_ffff_0001;
        assert_eq!(x0(0x8a02_1020, a, b), a & (b << 4)); // and x0, x1, x2, lsl #4
        assert_eq!(x0(0x0a62_7c20, a, b), 0x5678_9abc & !1); // bic w0, w1, w2, lsr #31
        assert_eq!(x0(0xaa82_fc20, a, b), u64::MAX); // orr x0, x1, x2, asr #63
        assert_eq!(x0(0x2ae2_2020, a, b), 0x5678_9abc | !0x01ff_ff00u32 as u64); // orn w0, w1, w2, ror #8
        assert_eq!(x0(0xcac2_0420, a, b), a ^ b.rotate_right(1)); // eor x0, x1, x2, ror #1
        assert_eq!(x0(0xca22_0020, a, b), !(a ^ b)); // eon x0, x1, x2
        assert_eq!(x0(0xaa02_03e0, a, b), b); // mov x0, x2
        assert_eq!(x0(0x2a22_03e0, a, b), 0xfffe); // mvn w0, w2
                                                   // ands w0, w1, w2: Z, clears C and V
        let t = run3(0x6a02_0020, 0xffff_ffff_0000_0000, 0xffff_ffff_ffff_ffff, 0, C_BIT | V_BIT);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (0, Z_BIT));
        // bics x0, x1, x2, lsl #63: N
        let t = run3(0xea22_fc20, u64::MAX, 1, 0, 0);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (i64::MAX as u64, 0));
        let t = run3(0xea22_fc20, u64::MAX, 0, 0, 0);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (u64::MAX, N_BIT));
        // 32-bit shift amount >= 32 is UNDEFINED
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x0a02_8020]), Exception::Undefined); // and w0, w1, w2, lsl #32
    }

    #[test]
    fn add_sub_shifted_register() {
        assert_eq!(x0(0x8b02_0c20, 1, 2), 17); // add x0, x1, x2, lsl #3
        assert_eq!(x0(0x0b82_7c20, 5, 0x8000_0000), 4); // add w0, w1, w2, asr #31
        assert_eq!(x0(0xcb42_0420, 0, 3), u64::MAX); // sub x0, x1, x2, lsr #1
        assert_eq!(x0(0xcb02_03e0, 0, 5), 5u64.wrapping_neg()); // neg x0, x2
                                                                // adds x0, x1, x2: carry out
        let t = run3(0xab02_0020, u64::MAX, 2, 0, 0);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (1, C_BIT));
        // subs w0, w1, w2: 0 - 1 = -1 (N, borrow)
        let t = run3(0x6b02_0020, 0, 1, 0, 0);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (0xffff_ffff, N_BIT));
        // subs w0, w1, w2: INT_MIN - 1 overflows
        let t = run3(0x6b02_0020, 0x8000_0000, 1, 0, 0);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (0x7fff_ffff, C_BIT | V_BIT));
        // cmp x1, x2 (equal): Z C, x31 is XZR so SP stays
        let mut t = TestCpu::new();
        t.cpu.set_x(1, 7);
        t.cpu.set_x(2, 7);
        t.exec(&[0xeb02_003f]);
        assert_eq!(t.cpu.nzcv, Z_BIT | C_BIT);
        assert_eq!(t.cpu.sp(), DATA + DATA_SIZE);
        // ROR is reserved; 32-bit amount 32 is UNDEFINED
        assert_eq!(t.run(&[0x8bc2_0020]), Exception::Undefined);
        assert_eq!(t.run(&[0x0b02_8020]), Exception::Undefined);
    }

    #[test]
    fn add_sub_extended_register() {
        let sp = DATA + DATA_SIZE;
        // add x0, sp, w2, uxtw #2
        let t = run3(0x8b22_4be0, 0, 0xffff_ffff_0000_0001, 0, 0);
        assert_eq!(t.cpu.x(0), sp + 4);
        // add sp, x1, x2, lsl #4 (uxtx)
        let t = run3(0x8b22_703f, 0x1000, 1, 0, 0);
        assert_eq!(t.cpu.sp(), 0x1010);
        // add w0, w1, w2, sxtb
        assert_eq!(x0(0x0b22_8020, 0x1_0000_0000, 0x80), 0xffff_ff80);
        // adds x0, x1, w2, sxth #1: -2 + 2 = 0 with carry
        let t = run3(0xab22_a420, 2, 0xffff, 0, 0);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (0, Z_BIT | C_BIT));
        // sub x0, sp, x2, sxtx
        let t = run3(0xcb22_e3e0, 0, 0x10, 0, 0);
        assert_eq!(t.cpu.x(0), sp - 0x10);
        // subs w0, wsp, w2, uxtb #4
        let t = run3(0x6b22_13e0, 0, 0x1ff, 0, 0);
        assert_eq!(t.cpu.x(0), (sp as u32 - 0xff0) as u64);
        assert_eq!(t.cpu.nzcv, C_BIT);
        // cmp sp, x2: Rd = 31 is XZR for the flag-setting form
        let t = run3(0xeb22_63ff, 0, sp, 0, 0);
        assert_eq!((t.cpu.nzcv, t.cpu.sp()), (Z_BIT | C_BIT, sp));
        // add x0, sp, x1
        let t = run3(0x8b21_63e0, 3, 0, 0, 0);
        assert_eq!(t.cpu.x(0), sp + 3);
        // shift 5 is reserved; opt != 00 unallocated
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x8b22_4820 | (5 << 10)]), Exception::Undefined);
        assert_eq!(t.run(&[0x8b62_4820]), Exception::Undefined);
    }

    #[test]
    fn add_sub_with_carry() {
        // adc x0, x1, x2 with C
        assert_eq!(run3(0x9a02_0020, 1, 2, 0, C_BIT).cpu.x(0), 4);
        assert_eq!(run3(0x9a02_0020, 1, 2, 0, 0).cpu.x(0), 3);
        // adcs w0, w1, w2: 0xffffffff + 0 + 1 = 0 with carry
        let t = run3(0x3a02_0020, 0xffff_ffff, 0, 0, C_BIT);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (0, Z_BIT | C_BIT));
        // adcs w0, w1, w2: 0x7fffffff + 0 + 1 overflows
        let t = run3(0x3a02_0020, 0x7fff_ffff, 0, 0, C_BIT);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (0x8000_0000, N_BIT | V_BIT));
        // sbc x0, x1, x2 without C: 5 - 3 - 1
        let t = run3(0xda02_0020, 5, 3, 0, N_BIT);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (1, N_BIT));
        // sbcs w0, w1, w2: 0 - 0 - 1 borrows
        let t = run3(0x7a02_0020, 0, 0, 0, 0);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (0xffff_ffff, N_BIT));
        // sbcs w0, w1, w2 with C: 0 - 0 = 0, no borrow
        let t = run3(0x7a02_0020, 0, 0, 0, C_BIT);
        assert_eq!((t.cpu.x(0), t.cpu.nzcv), (0, Z_BIT | C_BIT));
    }

    #[test]
    fn flag_manipulation() {
        // rmif x1, #3, #5: mask 0101 sets Z and V from (x1 ror 3)<2>, <0>
        let t = run3(0xba01_8425, 0b0101 << 3, 0, 0, N_BIT | C_BIT);
        assert_eq!(t.cpu.nzcv, N_BIT | Z_BIT | C_BIT | V_BIT);
        let t = run3(0xba01_8425, 0, 0, 0, N_BIT | Z_BIT | V_BIT);
        assert_eq!(t.cpu.nzcv, N_BIT);
        // setf8 w1
        assert_eq!(run3(0x3a00_082d, 0x80, 0, 0, C_BIT).cpu.nzcv, N_BIT | C_BIT | V_BIT);
        assert_eq!(run3(0x3a00_082d, 0x100, 0, 0, N_BIT).cpu.nzcv, Z_BIT | V_BIT);
        assert_eq!(run3(0x3a00_082d, 0x180, 0, 0, 0).cpu.nzcv, N_BIT);
        // setf16 w1
        assert_eq!(run3(0x3a00_482d, 0x8000, 0, 0, 0).cpu.nzcv, N_BIT | V_BIT);
        assert_eq!(run3(0x3a00_482d, 0xff_0000, 0, 0, 0).cpu.nzcv, Z_BIT | V_BIT);
    }

    #[test]
    fn conditional_compare() {
        // ccmn x1, x2, #5, eq: Z set -> compare x1 + x2
        let t = run3(0xba42_0025, 1, u64::MAX, 0, Z_BIT);
        assert_eq!(t.cpu.nzcv, Z_BIT | C_BIT);
        // ... Z clear -> nzcv = #5
        let t = run3(0xba42_0025, 1, u64::MAX, 0, 0);
        assert_eq!(t.cpu.nzcv, Z_BIT | V_BIT);
        // ccmp w1, w2, #0xf, ne: Z clear -> w1 - w2
        let t = run3(0x7a42_102f, 0x8000_0000, 1, 0, 0);
        assert_eq!(t.cpu.nzcv, C_BIT | V_BIT);
        let t = run3(0x7a42_102f, 0x8000_0000, 1, 0, Z_BIT);
        assert_eq!(t.cpu.nzcv, N_BIT | Z_BIT | C_BIT | V_BIT);
        // ccmp x1, #31, #2, ge
        let t = run3(0xfa5f_a822, 31, 0, 0, 0);
        assert_eq!(t.cpu.nzcv, Z_BIT | C_BIT);
        let t = run3(0xfa5f_a822, 31, 0, 0, N_BIT);
        assert_eq!(t.cpu.nzcv, C_BIT);
        // ccmn w1, #1, #8, al
        let t = run3(0x3a41_e828, 0xffff_ffff, 0, 0, N_BIT);
        assert_eq!(t.cpu.nzcv, Z_BIT | C_BIT);
        // o2 / o3 set: unallocated
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0xba42_0425]), Exception::Undefined);
        assert_eq!(t.run(&[0xba42_0035]), Exception::Undefined);
        assert_eq!(t.run(&[0x9a42_0025]), Exception::Undefined); // S = 0
    }

    #[test]
    fn conditional_select() {
        assert_eq!(run3(0x9a82_0020, 1, 2, 0, Z_BIT).cpu.x(0), 1); // csel x0, x1, x2, eq
        assert_eq!(run3(0x9a82_0020, 1, 2, 0, 0).cpu.x(0), 2);
        assert_eq!(run3(0x1a82_1420, 1, u64::MAX, 0, 0).cpu.x(0), 1); // csinc w0, w1, w2, ne
        assert_eq!(run3(0x1a82_1420, 1, u64::MAX, 0, Z_BIT).cpu.x(0), 0);
        assert_eq!(run3(0xda82_b020, 1, 2, 0, 0).cpu.x(0), !2); // csinv x0, x1, x2, lt
        assert_eq!(run3(0xda82_b020, 1, 2, 0, N_BIT).cpu.x(0), 1);
        assert_eq!(run3(0x5a82_c420, 1, 2, 0, Z_BIT).cpu.x(0), 0xffff_fffe); // csneg w0, w1, w2, gt
        assert_eq!(run3(0x5a82_c420, 0xffff_ffff_0000_0001, 2, 0, 0).cpu.x(0), 1);
        assert_eq!(run3(0x9a9f_17e0, 0, 0, 0, Z_BIT).cpu.x(0), 1); // cset x0, eq
        assert_eq!(run3(0x9a9f_17e0, 0, 0, 0, 0).cpu.x(0), 0);
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x9a82_0820]), Exception::Undefined); // op2 = 10
        assert_eq!(t.run(&[0xba82_0020]), Exception::Undefined); // S = 1
    }

    #[test]
    fn one_source() {
        let v = 0x0123_4567_89ab_cdef;
        assert_eq!(x0(0xdac0_0020, v, 0), 0xf7b3_d591_e6a2_c480); // rbit x0, x1
        assert_eq!(x0(0x5ac0_0020, v, 0), 0xf7b3_d591); // rbit w0, w1
        assert_eq!(x0(0xdac0_0420, v, 0), 0x2301_6745_ab89_efcd); // rev16 x0, x1
        assert_eq!(x0(0x5ac0_0420, v, 0), 0xab89_efcd); // rev16 w0, w1
        assert_eq!(x0(0xdac0_0820, v, 0), 0x6745_2301_efcd_ab89); // rev32 x0, x1
        assert_eq!(x0(0xdac0_0c20, v, 0), 0xefcd_ab89_6745_2301); // rev x0, x1
        assert_eq!(x0(0x5ac0_0820, v, 0), 0xefcd_ab89); // rev w0, w1
        assert_eq!(x0(0xdac0_1020, v, 0), 7); // clz x0, x1
        assert_eq!(x0(0xdac0_1020, 0, 0), 64);
        assert_eq!(x0(0x5ac0_1020, v, 0), 0); // clz w0, w1
        assert_eq!(x0(0x5ac0_1020, 0xffff_ffff_0000_0000, 0), 32);
        assert_eq!(x0(0xdac0_1420, 0, 0), 63); // cls x0, x1
        assert_eq!(x0(0xdac0_1420, u64::MAX, 0), 63);
        assert_eq!(x0(0xdac0_1420, 1, 0), 62);
        assert_eq!(x0(0xdac0_1420, 1 << 63, 0), 0);
        assert_eq!(x0(0xdac0_1420, 0xf000_0000_0000_0000, 0), 3);
        assert_eq!(x0(0x5ac0_1420, 0, 0), 31); // cls w0, w1
        assert_eq!(x0(0x5ac0_1420, 0xffff_ffff, 0), 31);
        assert_eq!(x0(0x5ac0_1420, 0x0000_ffff, 0), 15);
        assert_eq!(x0(0x5ac0_1420, 0x1_8000_0000, 0), 0);
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x5ac0_0c20]), Exception::Undefined); // rev (opc 11) at 32 bits
        assert_eq!(t.run(&[0xdac1_0020]), Exception::Undefined); // pacia x0, x1
        assert_eq!(t.run(&[0xdac1_23e0]), Exception::Undefined); // paciza x0
        assert_eq!(t.run(&[0xdac1_43e0]), Exception::Undefined); // xpaci x0
        assert_eq!(t.run(&[0xfac0_0020]), Exception::Undefined); // S = 1
    }

    #[test]
    fn two_source() {
        // udiv x0, x1, x2
        assert_eq!(x0(0x9ac2_0820, 100, 7), 14);
        assert_eq!(x0(0x9ac2_0820, u64::MAX, 0), 0);
        assert_eq!(x0(0x9ac2_0820, u64::MAX, 2), u64::MAX / 2);
        // sdiv w0, w1, w2
        assert_eq!(x0(0x1ac2_0c20, -7i32 as u32 as u64, 2), -3i32 as u32 as u64);
        assert_eq!(x0(0x1ac2_0c20, 0x8000_0000, u64::MAX), 0x8000_0000);
        assert_eq!(x0(0x1ac2_0c20, 5, 0), 0);
        assert_eq!(x0(0x1ac2_0c20, 0xffff_ffff_0000_0007, 0x1_0000_0002), 3);
        // sdiv x0, x1, x2
        assert_eq!(x0(0x9ac2_0c20, 1 << 63, u64::MAX), 1 << 63);
        assert_eq!(x0(0x9ac2_0c20, -100i64 as u64, 7), -14i64 as u64);
        assert_eq!(x0(0x9ac2_0c20, 1, 0), 0);
        // udiv w0, w1, w2
        assert_eq!(x0(0x1ac2_0820, 0xffff_ffff, 0x1_0000_0000), 0);
        // variable shifts (amount mod width)
        assert_eq!(x0(0x9ac2_2020, 1, 65), 2); // lsl x0, x1, x2
        assert_eq!(x0(0x1ac2_2420, 0x8000_0000, 63), 1); // lsr w0, w1, w2
        assert_eq!(x0(0x1ac2_2420, 0x8000_0000, 32), 0x8000_0000);
        assert_eq!(x0(0x9ac2_2820, 1 << 63, 63), u64::MAX); // asr x0, x1, x2
        assert_eq!(x0(0x9ac2_2820, 1 << 63, 0), 1 << 63);
        assert_eq!(x0(0x1ac2_2c20, 0xffff_ffff_0000_0001, 1), 0x8000_0000); // ror w0, w1, w2
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x9ac2_3020]), Exception::Undefined); // pacga x0, x1, x2
        assert_eq!(t.run(&[0x9ac2_0020]), Exception::Undefined); // subp (FEAT_MTE)
        assert_eq!(t.run(&[0x9ac2_6020]), Exception::Undefined); // smax (FEAT_CSSC)
    }

    #[test]
    fn crc32_vectors() {
        let data = b"123456789";
        let mut crc = !0u32;
        let mut crcc = !0u32;
        for &b in data {
            crc = crc32_update(crc, u64::from(b), 1, false);
            crcc = crc32_update(crcc, u64::from(b), 1, true);
        }
        assert_eq!(!crc, 0xcbf4_3926);
        assert_eq!(!crcc, 0xe306_9283);

        // The same through the instructions, with every access size.
        let mut t = TestCpu::new();
        let word = |w: u32, v: u64| {
            let mut t = TestCpu::new();
            t.cpu.set_x(1, u64::from(!0u32) | 0xffff_ffff_0000_0000);
            t.cpu.set_x(2, v);
            t.exec(&[w]);
            t.cpu.x(0)
        };
        let chunk = |n: usize, k: usize| {
            let mut v = 0u64;
            for (j, &b) in data[k..k + n].iter().enumerate() {
                v |= u64::from(b) << (8 * j);
            }
            v
        };
        // "12345678" as one X, one W pair, H quad, B run
        let x = chunk(8, 0);
        let want = |castagnoli: bool| {
            let mut c = !0u32;
            for &b in &data[..8] {
                c = crc32_update(c, u64::from(b), 1, castagnoli);
            }
            u64::from(c)
        };
        assert_eq!(word(0x9ac2_4c20, x), want(false)); // crc32x w0, w1, x2
        assert_eq!(word(0x9ac2_5c20, x), want(true)); // crc32cx w0, w1, x2
        t.cpu.set_x(0, u64::from(!0u32));
        t.cpu.set_x(2, chunk(4, 0));
        t.cpu.set_x(3, chunk(2, 4));
        t.cpu.set_x(4, chunk(1, 6) | 0xff00);
        t.cpu.set_x(5, chunk(1, 7));
        t.exec(&[
            0x1ac2_4800, // crc32w w0, w0, w2
            0x1ac3_4400, // crc32h w0, w0, w3
            0x1ac4_4000, // crc32b w0, w0, w4
            0x1ac5_4000, // crc32b w0, w0, w5
        ]);
        assert_eq!(t.cpu.x(0), want(false));
        t.cpu.set_x(0, u64::from(!0u32));
        t.exec(&[
            0x1ac2_5800, // crc32cw w0, w0, w2
            0x1ac3_5400, // crc32ch w0, w0, w3
            0x1ac4_5000, // crc32cb w0, w0, w4
            0x1ac5_5000, // crc32cb w0, w0, w5
        ]);
        assert_eq!(t.cpu.x(0), want(true));
        // crc32x needs sf = 1, crc32w needs sf = 0
        assert_eq!(t.run(&[0x1ac2_4c20]), Exception::Undefined);
        assert_eq!(t.run(&[0x9ac2_4820]), Exception::Undefined);
    }

    #[test]
    fn three_source() {
        // madd x0, x1, x2, x3
        assert_eq!(run3(0x9b02_0c20, 3, 4, 5, 0).cpu.x(0), 17);
        assert_eq!(run3(0x9b02_0c20, 1 << 63, 2, 5, 0).cpu.x(0), 5);
        // msub w0, w1, w2, w3
        assert_eq!(run3(0x1b02_8c20, 3, 4, 5, 0).cpu.x(0), 0xffff_fff9);
        assert_eq!(run3(0x1b02_8c20, 0x1_0000_0003, 4, 0x1_0000_0020, 0).cpu.x(0), 20);
        // mul x0, x1, x2 (madd with xzr)
        assert_eq!(run3(0x9b02_7c20, 6, 7, 5, 0).cpu.x(0), 42);
        // smaddl x0, w1, w2, x3
        assert_eq!(run3(0x9b22_0c20, 0xffff_ffff, 0x8000_0000, 1, 0).cpu.x(0), 0x8000_0001);
        // smsubl x0, w1, w2, x3
        assert_eq!(run3(0x9b22_8c20, 0xffff_ffff, 0xffff_ffff, 0, 0).cpu.x(0), u64::MAX);
        // umaddl x0, w1, w2, x3
        assert_eq!(run3(0x9ba2_0c20, 0xffff_ffff, 0xffff_ffff, 1, 0).cpu.x(0), 0xffff_fffe_0000_0002);
        // umsubl x0, w1, w2, x3
        assert_eq!(run3(0x9ba2_8c20, 0x1_0000_0002, 3, 10, 0).cpu.x(0), 4);
        // smulh x0, x1, x2
        assert_eq!(run3(0x9b42_7c20, u64::MAX, 5, 0, 0).cpu.x(0), u64::MAX);
        assert_eq!(run3(0x9b42_7c20, 1 << 63, 1 << 63, 0, 0).cpu.x(0), 1 << 62);
        // umulh x0, x1, x2
        assert_eq!(run3(0x9bc2_7c20, u64::MAX, u64::MAX, 0, 0).cpu.x(0), u64::MAX - 1);
        assert_eq!(run3(0x9bc2_7c20, u64::MAX, 5, 0, 0).cpu.x(0), 4);
        let mut t = TestCpu::new();
        assert_eq!(t.run(&[0x1b22_0c20]), Exception::Undefined); // smaddl with sf = 0
        assert_eq!(t.run(&[0x9b42_fc20]), Exception::Undefined); // smulh with o0 = 1
        assert_eq!(t.run(&[0x9b62_0c20]), Exception::Undefined); // op31 = 011
        assert_eq!(t.run(&[0xbb02_0c20]), Exception::Undefined); // op54 = 01
    }
}
