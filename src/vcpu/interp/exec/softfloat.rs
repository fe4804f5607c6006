//! Exact single/double arithmetic in integers, rounded by `FPRound`.
//!
//! The host's `f32`/`f64` round to nearest and know nothing of FPCR.FZ, so
//! the finite, non-zero cases of FPAdd/FPMul/FPDiv/FPSqrt/FPMulAdd are done
//! here: the exact result (or enough of it plus a sticky bit) is built in a
//! `u128` and rounded once by [`round`], which is ARM ARM `FPRound`: every
//! FPCR.RMode, flush-to-zero of tiny results (UFC, no IXC), tininess detected
//! before rounding. [`flush`] is the input side of FPCR.FZ (`FPUnpack`: a
//! denormal operand reads as zero and sets IDC).

use super::fp::{round_pack, unpack, Class, Fmt, Rounding, H, UFC};

/// FPSR.IDC: input denormal.
pub const IDC: u32 = 1 << 7;
/// FPCR.FZ: flush-to-zero (single and double precision).
pub const FPCR_FZ: u32 = 1 << 24;

/// `FPUnpack` with FPCR.FZ: a denormal single/double operand becomes a zero
/// of the same sign and raises IDC.
#[inline(always)]
pub fn flush(f: Fmt, x: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    if fpcr & FPCR_FZ != 0 && f != H && x & f.exp_mask() == 0 && x & f.frac_mask() != 0 {
        *fpsr |= IDC;
        return x & f.sign();
    }
    x
}

/// `FPRound` of `(-1)^neg * mant * 2^exp` to `f` under FPCR (FZ) and `rm`.
pub fn round_fz(neg: bool, exp: i32, mant: u64, f: Fmt, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> u64 {
    if mant != 0 && fpcr & FPCR_FZ != 0 && f != H {
        let top = exp + 63 - mant.leading_zeros() as i32;
        let emin = 2 - (1i32 << (f.ebits - 1));
        if top < emin {
            *fpsr |= UFC;
            return if neg { f.sign() } else { 0 };
        }
    }
    round_pack(neg, exp, mant, f, rm, fpsr)
}

/// [`round_fz`] of a 128-bit mantissa; `sticky` says non-zero bits were
/// already lost below it.
#[allow(clippy::too_many_arguments)]
fn round(neg: bool, exp: i32, mant: u128, sticky: bool, f: Fmt, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> u64 {
    let width = 128 - mant.leading_zeros() as i32;
    // Keep 62 significant bits (>= 53 + 2 guard bits), the rest as sticky.
    let sh = (width - 62).max(0);
    let lost = sh > 0 && mant & ((1u128 << sh) - 1) != 0;
    let mut m = (mant >> sh) as u64;
    let mut e = exp + sh;
    if lost || sticky {
        // One more bit below everything kept, set: rounds like the exact value.
        m = (m << 1) | 1;
        e -= 1;
    }
    round_fz(neg, e, m, f, fpcr, rm, fpsr)
}

/// A finite non-zero operand: sign, exponent, integer mantissa.
fn num(f: Fmt, x: u64) -> Option<(bool, i32, u64)> {
    match unpack(x, f) {
        (s, Class::Num { exp, mant }) => Some((s, exp, mant)),
        _ => None,
    }
}

/// A finite operand, zero included (mantissa 0).
fn numz(f: Fmt, x: u64) -> Option<(bool, i32, u64)> {
    match unpack(x, f) {
        (s, Class::Num { exp, mant }) => Some((s, exp, mant)),
        (s, Class::Zero) => Some((s, 0, 0)),
        _ => None,
    }
}

/// Exact `(-1)^na ma 2^ea + (-1)^nb mb 2^eb` (mantissas below 2^110): sign,
/// exponent, mantissa, sticky. A zero sum is returned as mantissa 0.
fn add_exact(na: bool, ea: i32, ma: u128, nb: bool, eb: i32, mb: u128) -> (bool, i32, u128, bool) {
    // Normalise both to bit 125, then align the smaller one (sticky).
    let norm = |e: i32, m: u128| {
        if m == 0 {
            return (i32::MIN / 2, 0);
        }
        let s = m.leading_zeros() as i32 - 2;
        (e - s, m << s)
    };
    let (ea, ma) = norm(ea, ma);
    let (eb, mb) = norm(eb, mb);
    let ((nx, ex, mx), (ny, ey, my)) =
        if ea >= eb { ((na, ea, ma), (nb, eb, mb)) } else { ((nb, eb, mb), (na, ea, ma)) };
    let d = ex.saturating_sub(ey).unsigned_abs();
    let (my, sticky) = if d >= 127 { (0, my != 0) } else { (my >> d, my & ((1u128 << d) - 1) != 0) };
    if nx == ny {
        (nx, ex, mx + my, sticky)
    } else if mx >= my {
        // Subtracting a truncated value: borrow one unit for the sticky part.
        let r = mx - my - u128::from(sticky);
        (nx, ex, r, sticky)
    } else {
        (ny, ex, my - mx, false)
    }
}

/// The sign of an exact zero sum of operands with signs `a` and `b`.
fn zero_sign(a: bool, b: bool, rm: Rounding) -> bool {
    if a == b {
        a
    } else {
        rm == Rounding::NegInf
    }
}

/// FPAdd of finite operands (after FZ), or `None`.
pub fn add(f: Fmt, a: u64, b: u64, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> Option<u64> {
    let (na, ea, ma) = numz(f, a)?;
    let (nb, eb, mb) = numz(f, b)?;
    let (n, e, m, st) = add_exact(na, ea, u128::from(ma), nb, eb, u128::from(mb));
    if m == 0 && !st {
        return Some(if zero_sign(na, nb, rm) { f.sign() } else { 0 });
    }
    Some(round(n, e, m, st, f, fpcr, rm, fpsr))
}

/// FPMul of finite non-zero operands.
pub fn mul(f: Fmt, a: u64, b: u64, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> Option<u64> {
    let (na, ea, ma) = num(f, a)?;
    let (nb, eb, mb) = num(f, b)?;
    Some(round(na != nb, ea + eb, u128::from(ma) * u128::from(mb), false, f, fpcr, rm, fpsr))
}

/// FPDiv of finite non-zero operands.
pub fn div(f: Fmt, a: u64, b: u64, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> Option<u64> {
    let (na, ea, ma) = num(f, a)?;
    let (nb, eb, mb) = num(f, b)?;
    let sa = ma.leading_zeros() + 63; // dividend to bit 126
    let n = u128::from(ma) << sa;
    let q = n / u128::from(mb);
    let r = n % u128::from(mb);
    Some(round(na != nb, ea - sa as i32 - eb, q, r != 0, f, fpcr, rm, fpsr))
}

/// FPSqrt of a finite positive non-zero operand.
pub fn sqrt(f: Fmt, a: u64, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> Option<u64> {
    let (na, ea, ma) = num(f, a)?;
    if na {
        return None;
    }
    // Shift to bit 125/126 with an even exponent.
    let mut s = ma.leading_zeros() as i32 + 62;
    if (ea - s) & 1 != 0 {
        s -= 1;
    }
    let m = u128::from(ma) << s;
    let e = ea - s;
    let (root, exact) = isqrt(m);
    Some(round(false, e / 2, root, !exact, f, fpcr, rm, fpsr))
}

/// Integer square root and whether it is exact.
fn isqrt(n: u128) -> (u128, bool) {
    let mut x = (n as f64).sqrt() as u128;
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    (x, x * x == n)
}

/// FPMulAdd `c + a * b` of finite operands.
pub fn muladd(f: Fmt, c: u64, a: u64, b: u64, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> Option<u64> {
    muladd_scaled(f, c, a, b, 0, fpcr, rm, fpsr)
}

/// `(c + a * b) * 2^scale`, rounded once (FRSQRTS halves).
#[allow(clippy::too_many_arguments)]
pub fn muladd_scaled(
    f: Fmt,
    c: u64,
    a: u64,
    b: u64,
    scale: i32,
    fpcr: u32,
    rm: Rounding,
    fpsr: &mut u32,
) -> Option<u64> {
    let (na, ea, ma) = numz(f, a)?;
    let (nb, eb, mb) = numz(f, b)?;
    let (nc, ec, mc) = numz(f, c)?;
    let np = na != nb;
    let (n, e, m, st) = add_exact(np, ea + eb, u128::from(ma) * u128::from(mb), nc, ec, u128::from(mc));
    if m == 0 && !st {
        return Some(if zero_sign(np, nc, rm) { f.sign() } else { 0 });
    }
    Some(round(n, e + scale, m, st, f, fpcr, rm, fpsr))
}

#[cfg(test)]
mod tests {
    use super::super::fp::{fadd, fdiv, fmuladd, fsub, IXC, S};
    use super::*;

    // Expected values verified with qemu-aarch64-static (make isa-check).
    const RN: u32 = 0;
    const RP: u32 = 1 << 22;
    const RM: u32 = 2 << 22;
    const RZ: u32 = 3 << 22;

    #[test]
    fn division_honours_rmode() {
        // fdiv s0, s1, s2: 1/3 rounds down in RN/RM/RZ, up in RP.
        let (one, three) = (0x3f80_0000, 0x4040_0000);
        for (mode, want) in [(RN, 0x3eaa_aaab), (RP, 0x3eaa_aaab), (RM, 0x3eaa_aaaa), (RZ, 0x3eaa_aaaa)] {
            let mut fpsr = 0;
            assert_eq!(fdiv::<f32>(one, three, mode, &mut fpsr), want, "mode {mode:#x}");
            assert_eq!(fpsr, IXC);
        }
    }

    #[test]
    fn flush_to_zero() {
        // fadd with FZ: a denormal operand reads as zero (IDC) ...
        let mut fpsr = 0;
        assert_eq!(fadd::<f32>(0x0000_0001, 0x3f80_0000, FPCR_FZ, &mut fpsr), 0x3f80_0000);
        assert_eq!(fpsr, IDC);
        // ... and a tiny result is zero with UFC, no IXC.
        let mut fpsr = 0;
        assert_eq!(fsub::<f32>(0x0080_0001, 0x0080_0000, FPCR_FZ, &mut fpsr), 0);
        assert_eq!(fpsr, UFC);
        // x - x is -0 when rounding towards minus infinity.
        let mut fpsr = 0;
        assert_eq!(fsub::<f32>(0x4000_0000, 0x4000_0000, RM, &mut fpsr), S.sign());
    }

    #[test]
    fn fused_multiply_add_rounds_once() {
        // fmadd d0: 1 + 2^-60 * 2^-60 is 1 in RN, next-up in RP.
        let one = 0x3ff0_0000_0000_0000u64;
        let tiny = 0x3c30_0000_0000_0000u64; // 2^-60
        let mut fpsr = 0;
        assert_eq!(fmuladd::<f64>(one, tiny, tiny, RN, &mut fpsr), one);
        assert_eq!(fmuladd::<f64>(one, tiny, tiny, RP, &mut fpsr), one + 1);
    }
}
