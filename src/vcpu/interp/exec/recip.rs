//! Reciprocal and reciprocal-square-root estimates (ARM ARM
//! `FPRecipEstimate`, `FPRSqrtEstimate`, `UnsignedRecipEstimate`,
//! `UnsignedRSqrtEstimate`, `FPRecpX`): FRECPE, FRSQRTE, URECPE, URSQRTE,
//! FRECPX. The 8-bit estimate tables are the ARM ARM's integer algorithms.

use super::fp::{fpcr_rounding, process_nan, Fmt, Rounding, DZC, IOC, IXC, OFC, UFC};
use super::softfloat::{flush, FPCR_FZ};

/// `RecipEstimate`: `a` in 256..512 is a fixed-point value in [0.5, 1).
fn recip_estimate(a: u64) -> u64 {
    let a = a * 2 + 1;
    let b = (1u64 << 19) / a;
    b.div_ceil(2)
}

/// `RecipSqrtEstimate`: `a` in 128..512 is a fixed-point value in [0.25, 1).
fn rsqrt_estimate(a: u64) -> u64 {
    let a = if a < 256 {
        // 0.25 .. 0.5, in units of 1/512 rounded to nearest.
        a * 2 + 1
    } else {
        // 0.5 .. 1.0, in units of 1/256 rounded to nearest.
        (((a >> 1) << 1) + 1) * 2
    };
    let mut b = 512u64;
    while a * (b + 1) * (b + 1) < (1 << 28) {
        b += 1;
    }
    b.div_ceil(2)
}

/// The 52-bit-aligned fraction and the biased exponent of `x` in `f`.
fn frac_exp(x: u64, f: Fmt) -> (u64, i64) {
    let frac = (x & f.frac_mask()) << (52 - f.fbits);
    let exp = ((x & f.exp_mask()) >> f.fbits) as i64;
    (frac, exp)
}

/// Put `sign`, `exp` and a 52-bit-aligned fraction together in `f`.
fn pack(f: Fmt, sign: bool, exp: i64, frac: u64) -> u64 {
    let s = if sign { f.sign() } else { 0 };
    s | ((exp as u64) << f.fbits) | (frac >> (52 - f.fbits))
}

/// `FPRecipEstimate` (FRECPE).
pub fn frecpe(f: Fmt, x: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    if f.is_nan(x) {
        return process_nan(f, x, fpcr, fpsr);
    }
    let x = flush(f, x, fpcr, fpsr);
    let sign = x & f.sign() != 0;
    if f.is_inf(x) {
        return if sign { f.sign() } else { 0 };
    }
    if f.is_zero(x) {
        *fpsr |= DZC;
        return f.inf(sign);
    }
    let (frac, exp) = frac_exp(x, f);
    let bias = (1i64 << (f.ebits - 1)) - 1;
    // |x| < 2^-(bias+1): the reciprocal overflows.
    if exp == 0 && frac >> 50 == 0 {
        *fpsr |= OFC | IXC;
        let to_inf = match fpcr_rounding(fpcr) {
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero => false,
            _ => true,
        };
        return if to_inf { f.inf(sign) } else { f.inf(sign) - 1 };
    }
    // |x| >= 2^(bias-1) with FZ: the result would be denormal, flushed.
    if fpcr & FPCR_FZ != 0 && f.fbits != 10 && exp >= 2 * bias - 1 {
        *fpsr |= UFC;
        return if sign { f.sign() } else { 0 };
    }
    let (mut frac, mut exp) = (frac, exp);
    if exp == 0 {
        if frac >> 51 == 0 {
            exp = -1;
            frac = (frac << 2) & ((1 << 52) - 1);
        } else {
            frac = (frac << 1) & ((1 << 52) - 1);
        }
    }
    let scaled = (1 << 8) | (frac >> 44);
    let mut rexp = 2 * bias - 1 - exp;
    let est = recip_estimate(scaled);
    let mut rfrac = (est & 0xff) << 44;
    if rexp == 0 {
        rfrac = (1 << 51) | (rfrac >> 1);
    } else if rexp == -1 {
        rfrac = (1 << 50) | (rfrac >> 2);
        rexp = 0;
    }
    pack(f, sign, rexp, rfrac)
}

/// `FPRSqrtEstimate` (FRSQRTE).
pub fn frsqrte(f: Fmt, x: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    if f.is_nan(x) {
        return process_nan(f, x, fpcr, fpsr);
    }
    let x = flush(f, x, fpcr, fpsr);
    let sign = x & f.sign() != 0;
    if f.is_zero(x) {
        *fpsr |= DZC;
        return f.inf(sign);
    }
    if sign {
        *fpsr |= IOC;
        return f.default_nan();
    }
    if f.is_inf(x) {
        return 0;
    }
    let (mut frac, mut exp) = frac_exp(x, f);
    if exp == 0 {
        while frac >> 51 == 0 {
            frac = (frac << 1) & ((1 << 52) - 1);
            exp -= 1;
        }
        frac = (frac << 1) & ((1 << 52) - 1);
    }
    let scaled = if exp & 1 == 0 { (1 << 8) | (frac >> 44) } else { (1 << 7) | (frac >> 45) };
    let bias = (1i64 << (f.ebits - 1)) - 1;
    // (3 * bias - 1 - exp) DIV 2, rounding towards minus infinity.
    let rexp = (3 * bias - 1 - exp).div_euclid(2);
    let est = rsqrt_estimate(scaled);
    pack(f, false, rexp, (est & 0xff) << 44)
}

/// `UnsignedRecipEstimate` (URECPE) of a 32-bit lane.
pub fn urecpe(x: u32) -> u32 {
    if x >> 31 == 0 {
        return u32::MAX;
    }
    (recip_estimate(u64::from(x >> 23)) as u32) << 23
}

/// `UnsignedRSqrtEstimate` (URSQRTE) of a 32-bit lane.
pub fn ursqrte(x: u32) -> u32 {
    if x >> 30 == 0 {
        return u32::MAX;
    }
    (rsqrt_estimate(u64::from(x >> 23)) as u32) << 23
}

/// `FPRecpX` (FRECPX): the exponent inverted, fraction zero.
pub fn frecpx(f: Fmt, x: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    if f.is_nan(x) {
        return process_nan(f, x, fpcr, fpsr);
    }
    let x = flush(f, x, fpcr, fpsr);
    let sign = x & f.sign();
    let exp = x & f.exp_mask();
    if exp == 0 {
        // max_exp = Ones(E-1):'0'
        sign | (f.exp_mask() - (1 << f.fbits))
    } else {
        sign | (!exp & f.exp_mask())
    }
}

#[cfg(test)]
mod tests {
    use super::super::fp::{D, S};
    use super::*;

    // Expected values from qemu-aarch64-static (make isa-check).
    #[test]
    fn estimates() {
        let mut fpsr = 0;
        // frecpe s0, s1 with s1 = 3.0: 0x3eaa8000
        assert_eq!(frecpe(S, 0x4040_0000, 0, &mut fpsr), 0x3eaa_8000);
        // frsqrte s0, s1 with s1 = 4.0: 0x3eff8000
        assert_eq!(frsqrte(S, 0x4080_0000, 0, &mut fpsr), 0x3eff_8000);
        // frecpe d0, d1 with d1 = 1.0: 0x3fef_f000_0000_0000
        assert_eq!(frecpe(D, 0x3ff0_0000_0000_0000, 0, &mut fpsr), 0x3fef_f000_0000_0000);
        assert_eq!(fpsr, 0);
        // frecpx s0, s1 with s1 = 3.0: exponent inverted.
        assert_eq!(frecpx(S, 0x4040_0000, 0, &mut fpsr), 0x3f80_0000);
        assert_eq!(urecpe(0x8000_0000), 0xff80_0000);
        assert_eq!(ursqrte(0x4000_0000), 0xff80_0000);
    }
}
