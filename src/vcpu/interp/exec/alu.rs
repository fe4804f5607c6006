//! Shared integer arithmetic helpers (ARM ARM shared pseudocode):
//! `AddWithCarry`, `DecodeBitMasks`, `ShiftReg`, `ExtendReg` and friends.
//!
//! Flags are returned in PSTATE layout (bits 31..28, as [`Cpu::nzcv`]).
//!
//! [`Cpu::nzcv`]: crate::vcpu::interp::cpu::Cpu

use crate::vcpu::interp::cpu::{C_BIT, N_BIT, V_BIT, Z_BIT};

/// Mask of the low `datasize` bits (`datasize` is 32 or 64).
#[inline(always)]
pub const fn size_mask(sf64: bool) -> u64 {
    if sf64 {
        u64::MAX
    } else {
        0xffff_ffff
    }
}

/// Ones(n) for 0 <= n <= 64.
#[inline(always)]
pub const fn ones(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// `AddWithCarry` on 64 bits: result and NZCV.
#[inline(always)]
pub fn add_with_carry64(x: u64, y: u64, carry: bool) -> (u64, u32) {
    let (r1, c1) = x.overflowing_add(y);
    let (r, c2) = r1.overflowing_add(u64::from(carry));
    let v = ((x ^ r) & (y ^ r)) >> 63 != 0;
    let mut f = ((r >> 32) as u32) & N_BIT;
    if r == 0 {
        f |= Z_BIT;
    }
    if c1 | c2 {
        f |= C_BIT;
    }
    if v {
        f |= V_BIT;
    }
    (r, f)
}

/// `AddWithCarry` on 32 bits: result and NZCV.
#[inline(always)]
pub fn add_with_carry32(x: u32, y: u32, carry: bool) -> (u32, u32) {
    let (r1, c1) = x.overflowing_add(y);
    let (r, c2) = r1.overflowing_add(u32::from(carry));
    let v = ((x ^ r) & (y ^ r)) >> 31 != 0;
    let mut f = r & N_BIT;
    if r == 0 {
        f |= Z_BIT;
    }
    if c1 | c2 {
        f |= C_BIT;
    }
    if v {
        f |= V_BIT;
    }
    (r, f)
}

/// `AddWithCarry` at 32 or 64 bits (`sf64`); the result is zero-extended.
#[inline(always)]
pub fn add_with_carry(x: u64, y: u64, carry: bool, sf64: bool) -> (u64, u32) {
    if sf64 {
        add_with_carry64(x, y, carry)
    } else {
        let (r, f) = add_with_carry32(x as u32, y as u32, carry);
        (u64::from(r), f)
    }
}

/// NZCV of a logical result (N, Z from the result; C = V = 0).
#[inline(always)]
pub fn logic_flags(r: u64, sf64: bool) -> u32 {
    let n = if sf64 { r >> 63 } else { (r >> 31) & 1 } != 0;
    let z = r & size_mask(sf64) == 0;
    (u32::from(n) << 31) | (u32::from(z) << 30)
}

/// `Replicate` an `esize`-bit element (power of two, 2..=64) to 64 bits.
#[inline(always)]
pub fn replicate(elem: u64, esize: u32) -> u64 {
    // Ones at every element's bit 0, by log2(esize).
    const STRIDE: [u64; 7] = [
        u64::MAX,
        0x5555_5555_5555_5555,
        0x1111_1111_1111_1111,
        0x0101_0101_0101_0101,
        0x0001_0001_0001_0001,
        0x0000_0001_0000_0001,
        1,
    ];
    (elem & ones(esize)) * STRIDE[(esize.trailing_zeros() & 7).min(6) as usize]
}

/// `ROR` of the low `esize` bits of `v` by `r` (`r < esize`).
#[inline(always)]
pub fn ror_esize(v: u64, r: u32, esize: u32) -> u64 {
    let m = ones(esize);
    let v = v & m;
    if r == 0 {
        v
    } else {
        ((v >> r) | (v << (esize - r))) & m
    }
}

/// ARM ARM `DecodeBitMasks(immN, imms, immr, immediate, M)`: `(wmask,
/// tmask)` for `M` = 64 (replicated; a 32-bit user takes the low half), or
/// `None` where the pseudocode is UNDEFINED.
pub fn decode_bit_masks(n: bool, imms: u32, immr: u32, immediate: bool) -> Option<(u64, u64)> {
    // len = HighestSetBit(immN:NOT(imms))
    let combined = (u32::from(n) << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return None;
    }
    let levels = ones(len) as u32;
    if immediate && imms & levels == levels {
        return None;
    }
    let s = imms & levels;
    let r = immr & levels;
    let esize = 1u32 << len;
    let d = s.wrapping_sub(r) & levels;
    let welem = ones(s + 1);
    let telem = ones(d + 1);
    Some((replicate(ror_esize(welem, r, esize), esize), replicate(telem, esize)))
}

/// The logical-immediate value for `N:immr:imms` at 32 or 64 bits, or
/// `None` if reserved (includes N = 1 for a 32-bit operation).
#[inline]
pub fn logical_imm(n: bool, immr: u32, imms: u32, sf64: bool) -> Option<u64> {
    if !sf64 && n {
        return None;
    }
    decode_bit_masks(n, imms, immr, true).map(|(w, _)| w & size_mask(sf64))
}

/// `ShiftReg`: shift type (0 LSL, 1 LSR, 2 ASR, 3 ROR) of the low
/// 32/64 bits of `v` by `amount` (`amount < datasize`); zero-extended.
#[inline(always)]
pub fn shift_reg(v: u64, shift_type: u32, amount: u32, sf64: bool) -> u64 {
    if sf64 {
        match shift_type & 3 {
            0 => v << amount,
            1 => v >> amount,
            2 => ((v as i64) >> amount) as u64,
            _ => v.rotate_right(amount),
        }
    } else {
        let w = v as u32;
        u64::from(match shift_type & 3 {
            0 => w << amount,
            1 => w >> amount,
            2 => ((w as i32) >> amount) as u32,
            _ => w.rotate_right(amount),
        })
    }
}

/// `ExtendReg`: extend option (0..7 = UXTB, UXTH, UXTW, UXTX, SXTB, SXTH,
/// SXTW, SXTX) of `v`, then shift left by `shift` (0..=4); 64-bit result
/// (a 32-bit user truncates).
#[inline(always)]
pub fn extend_reg(v: u64, option: u32, shift: u32) -> u64 {
    let e = match option & 7 {
        0 => v & 0xff,
        1 => v & 0xffff,
        2 => v & 0xffff_ffff,
        3 => v,
        4 => v as u8 as i8 as i64 as u64,
        5 => v as u16 as i16 as i64 as u64,
        6 => v as u32 as i32 as i64 as u64,
        _ => v,
    };
    e << (shift & 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_with_carry_flags() {
        // 0 + 0: Z
        assert_eq!(add_with_carry64(0, 0, false), (0, Z_BIT));
        // -1 + 1: carry out, zero
        assert_eq!(add_with_carry64(u64::MAX, 1, false), (0, Z_BIT | C_BIT));
        // INT_MAX + 1: signed overflow, negative
        assert_eq!(add_with_carry64(i64::MAX as u64, 1, false), (1 << 63, N_BIT | V_BIT));
        // INT_MIN + INT_MIN: overflow and carry, zero
        assert_eq!(add_with_carry64(1 << 63, 1 << 63, false), (0, Z_BIT | C_BIT | V_BIT));
        // x - x (x + !x + 1): Z and C
        assert_eq!(add_with_carry64(5, !5, true), (0, Z_BIT | C_BIT));
        // carry-in alone produces the carry: MAX + 0 + 1
        assert_eq!(add_with_carry64(u64::MAX, 0, true), (0, Z_BIT | C_BIT));
        // 32-bit: 0x7fffffff + 1
        assert_eq!(add_with_carry32(0x7fff_ffff, 1, false), (0x8000_0000, N_BIT | V_BIT));
        assert_eq!(add_with_carry32(0xffff_ffff, 0xffff_ffff, true), (0xffff_ffff, N_BIT | C_BIT));
        // 32-bit helper ignores the upper halves
        assert_eq!(add_with_carry(0x1_0000_0001, 0x2_ffff_ffff, false, false), (0, Z_BIT | C_BIT));
    }

    #[test]
    fn bit_masks() {
        // 64-bit element, 1 one, no rotation: 0x1
        assert_eq!(logical_imm(true, 0, 0, true), Some(1));
        // 2-bit elements 01: 0x5555...
        assert_eq!(logical_imm(false, 0, 0b111100, true), Some(0x5555_5555_5555_5555));
        assert_eq!(logical_imm(false, 0, 0b111100, false), Some(0x5555_5555));
        // 8-bit elements 0x0f rotated right by 4: 0xf0 replicated
        assert_eq!(logical_imm(false, 4, 0b110011, true), Some(0xf0f0_f0f0_f0f0_f0f0));
        // 32-bit element with 16 ones rotated by 8
        assert_eq!(logical_imm(false, 8, 15, false), Some(0xff00_00ff));
        assert_eq!(logical_imm(false, 8, 15, true), Some(0xff00_00ff_ff00_00ff));
        // all ones is reserved
        assert_eq!(logical_imm(true, 0, 63, true), None);
        assert_eq!(logical_imm(false, 0, 31, false), None);
        assert_eq!(logical_imm(false, 0, 0b111101, true), None);
        // N = 1 at 32 bits is reserved; imms = 1111 1x with N = 0 has len 0
        assert_eq!(logical_imm(true, 0, 0, false), None);
        assert_eq!(logical_imm(false, 0, 0b111110, true), None);
        assert_eq!(logical_imm(false, 0, 0b111111, true), None);
        // bitfield (immediate = false) accepts all-ones S; tmask for S < R
        assert_eq!(decode_bit_masks(true, 63, 0, false), Some((u64::MAX, u64::MAX)));
        assert_eq!(decode_bit_masks(true, 7, 60, false), Some((0xff0, 0xfff)));
    }

    #[test]
    fn shifts_and_extends() {
        assert_eq!(shift_reg(0x8000_0001, 2, 1, false), 0xc000_0000);
        assert_eq!(shift_reg(0x8000_0001, 3, 1, false), 0xc000_0000);
        assert_eq!(shift_reg(0x1_8000_0001, 0, 4, false), 0x10);
        assert_eq!(shift_reg(1 << 63, 2, 63, true), u64::MAX);
        assert_eq!(shift_reg(1, 3, 1, true), 1 << 63);
        assert_eq!(shift_reg(5, 1, 0, true), 5);
        assert_eq!(extend_reg(0x1ff, 4, 0), u64::MAX);
        assert_eq!(extend_reg(0x1_8000_0000, 6, 1), 0xffff_ffff_0000_0000);
        assert_eq!(extend_reg(0x1_8000_0000, 2, 4), 0x8_0000_0000);
        assert_eq!(extend_reg(0xabcd, 1, 2), 0x2_af34);
    }

    #[test]
    fn replicate_elements() {
        assert_eq!(replicate(0b10, 2), 0xaaaa_aaaa_aaaa_aaaa);
        assert_eq!(replicate(0x1e, 4), 0xeeee_eeee_eeee_eeee);
        assert_eq!(replicate(0x80, 8), 0x8080_8080_8080_8080);
        assert_eq!(replicate(0xffff, 16), u64::MAX);
        assert_eq!(replicate(0x1_8000_0001, 32), 0x8000_0001_8000_0001);
        assert_eq!(replicate(0x1234, 64), 0x1234);
    }
}
