//! Scalar floating point (ARM ARM C4.1.96 "Data Processing -- Scalar
//! Floating-Point and Advanced SIMD", the `M 0 S 1111x` half): moves,
//! arithmetic, compares, conditional select, conversions and rounding, plus
//! the shared FP helpers `simd.rs` uses (NaN processing, rounding, FPSR
//! cumulative flags).
//!
//! Finite arithmetic (add, multiply, divide, square root, fused
//! multiply-add and the reciprocal steps) is exact integer arithmetic rounded
//! once by ARM `FPRound` (`softfloat.rs`): every FPCR.RMode, FPCR.FZ on inputs
//! (IDC) and tiny results (UFC), tininess before rounding. Infinities and
//! zeros take the host's exact `f32`/`f64` path. ARM's NaN rules
//! (`FPProcessNaNs`: the first signalling NaN, else the first quiet NaN,
//! quietened; the default NaN when FPCR.DN = 1 or for an invalid operation)
//! are applied explicitly, since x86 SSE propagates differently. Conversions
//! and rounding to integral honour FPCR.RMode and FPCR.AHP and are done in
//! software on the decomposed value.
//!
//! Not modelled: FPCR.FZ16 and the FEAT_FP16 half-precision arithmetic
//! (not advertised), FEAT_FRINTTS, FEAT_JSCVT, BFloat16. Checked against qemu
//! by `make isa-check` (docs/isa.md).

use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Sub};

use super::softfloat as sf;
use crate::vcpu::interp::cpu::Cpu;
use crate::vcpu::interp::decode::{bit, bits, insn, ra, rd, rm, rn, Insn};
use crate::vcpu::interp::exception::{Exception, ExecResult};

// ---- FPSR / FPCR bits -------------------------------------------------------

/// FPSR.IOC: invalid operation.
pub const IOC: u32 = 1 << 0;
/// FPSR.DZC: division by zero.
pub const DZC: u32 = 1 << 1;
/// FPSR.OFC: overflow.
pub const OFC: u32 = 1 << 2;
/// FPSR.UFC: underflow.
pub const UFC: u32 = 1 << 3;
/// FPSR.IXC: inexact.
pub const IXC: u32 = 1 << 4;
/// FPSR.QC: integer saturation (Advanced SIMD).
pub const QC: u32 = 1 << 27;
/// FPCR.DN: default NaN mode.
pub const FPCR_DN: u32 = 1 << 25;

/// A rounding mode (ARM ARM `FPRounding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Round to nearest, ties to even.
    TieEven,
    /// Towards plus infinity.
    PosInf,
    /// Towards minus infinity.
    NegInf,
    /// Towards zero.
    Zero,
    /// Round to nearest, ties away from zero.
    TieAway,
    /// Round to odd (FCVTXN).
    Odd,
}

/// The rounding mode selected by FPCR.RMode.
#[inline]
pub fn fpcr_rounding(fpcr: u32) -> Rounding {
    match (fpcr >> 22) & 3 {
        0 => Rounding::TieEven,
        1 => Rounding::PosInf,
        2 => Rounding::NegInf,
        _ => Rounding::Zero,
    }
}

/// The rounding mode of an `FCVT<x>` / `FRINT<x>` mnemonic letter, encoded
/// as in the ARM ARM (`rmode` field: 00 N, 01 P, 10 M, 11 Z; 4 = A).
#[inline]
pub fn rounding_from(rmode: u32) -> Rounding {
    match rmode {
        0 => Rounding::TieEven,
        1 => Rounding::PosInf,
        2 => Rounding::NegInf,
        3 => Rounding::Zero,
        _ => Rounding::TieAway,
    }
}

// ---- formats and decomposition -------------------------------------------

/// An IEEE binary interchange format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fmt {
    /// Exponent bits.
    pub ebits: u32,
    /// Fraction bits.
    pub fbits: u32,
}

/// Half precision.
pub const H: Fmt = Fmt { ebits: 5, fbits: 10 };
/// Single precision.
pub const S: Fmt = Fmt { ebits: 8, fbits: 23 };
/// Double precision.
pub const D: Fmt = Fmt { ebits: 11, fbits: 52 };

impl Fmt {
    /// Total width in bits.
    #[inline(always)]
    pub const fn width(self) -> u32 {
        1 + self.ebits + self.fbits
    }
    /// The sign bit.
    #[inline(always)]
    pub const fn sign(self) -> u64 {
        1 << (self.ebits + self.fbits)
    }
    /// The exponent field, all ones.
    #[inline(always)]
    pub const fn exp_mask(self) -> u64 {
        ((1 << self.ebits) - 1) << self.fbits
    }
    /// The fraction field.
    #[inline(always)]
    pub const fn frac_mask(self) -> u64 {
        (1 << self.fbits) - 1
    }
    /// The quiet bit of a NaN.
    #[inline(always)]
    pub const fn quiet(self) -> u64 {
        1 << (self.fbits - 1)
    }
    /// `FPDefaultNaN`: positive, quiet, zero payload.
    #[inline(always)]
    pub const fn default_nan(self) -> u64 {
        self.exp_mask() | self.quiet()
    }
    /// Infinity of the given sign.
    #[inline(always)]
    pub const fn inf(self, neg: bool) -> u64 {
        self.exp_mask() | if neg { self.sign() } else { 0 }
    }
    /// Any NaN.
    #[inline(always)]
    pub const fn is_nan(self, x: u64) -> bool {
        x & self.exp_mask() == self.exp_mask() && x & self.frac_mask() != 0
    }
    /// A signalling NaN.
    #[inline(always)]
    pub const fn is_snan(self, x: u64) -> bool {
        self.is_nan(x) && x & self.quiet() == 0
    }
    /// A quiet NaN.
    #[inline(always)]
    pub const fn is_qnan(self, x: u64) -> bool {
        self.is_nan(x) && x & self.quiet() != 0
    }
    /// ±0.
    #[inline(always)]
    pub const fn is_zero(self, x: u64) -> bool {
        x & !self.sign() == 0
    }
    /// ±infinity.
    #[inline(always)]
    pub const fn is_inf(self, x: u64) -> bool {
        x & !self.sign() == self.exp_mask()
    }
    /// The exponent bias.
    #[inline(always)]
    const fn bias(self) -> i32 {
        (1 << (self.ebits - 1)) - 1
    }
}

/// The class of a decomposed value (ARM ARM `FPUnpack`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// ±0.
    Zero,
    /// ±infinity.
    Inf,
    /// Quiet NaN.
    QNaN,
    /// Signalling NaN.
    SNaN,
    /// A finite non-zero value `mant * 2^exp`.
    Num {
        /// Power of two of the mantissa's unit.
        exp: i32,
        /// Integer mantissa (with the implicit bit).
        mant: u64,
    },
}

/// Split `x` into its sign and class.
#[inline]
pub fn unpack(x: u64, f: Fmt) -> (bool, Class) {
    let sign = x & f.sign() != 0;
    let e = ((x & f.exp_mask()) >> f.fbits) as i32;
    let frac = x & f.frac_mask();
    let emax = (1i32 << f.ebits) - 1;
    let fb = f.fbits as i32;
    let c = if e == 0 {
        if frac == 0 {
            Class::Zero
        } else {
            Class::Num { exp: 1 - f.bias() - fb, mant: frac }
        }
    } else if e == emax {
        if frac == 0 {
            Class::Inf
        } else if frac & f.quiet() != 0 {
            Class::QNaN
        } else {
            Class::SNaN
        }
    } else {
        Class::Num { exp: e - f.bias() - fb, mant: frac | (1 << f.fbits) }
    };
    (sign, c)
}

/// `mant >> sh` rounded per `rm` (`neg` is the value's sign, for the
/// directed modes); returns the result and whether it is inexact.
#[inline]
fn shr_round(mant: u64, sh: u32, neg: bool, rm: Rounding) -> (u64, bool) {
    if sh == 0 {
        return (mant, false);
    }
    let (q, cmp) = if sh > 64 {
        (0u64, Ordering::Less)
    } else {
        let w = u128::from(mant);
        let rem = w & ((1u128 << sh) - 1);
        ((w >> sh) as u64, rem.cmp(&(1u128 << (sh - 1))))
    };
    let inexact = if sh > 64 { mant != 0 } else { u128::from(mant) & ((1u128 << sh) - 1) != 0 };
    if !inexact {
        return (q, false);
    }
    let up = match rm {
        Rounding::TieEven => cmp == Ordering::Greater || (cmp == Ordering::Equal && q & 1 == 1),
        Rounding::TieAway => cmp != Ordering::Less,
        Rounding::PosInf => !neg,
        Rounding::NegInf => neg,
        Rounding::Zero | Rounding::Odd => false,
    };
    let q = if rm == Rounding::Odd {
        q | 1
    } else if up {
        q + 1
    } else {
        q
    };
    (q, true)
}

/// `FPRound`: the value `(-1)^neg * mant * 2^exp` rounded to format `f`,
/// with overflow, underflow and inexact reported in `fpsr`.
pub fn round_pack(neg: bool, exp: i32, mant: u64, f: Fmt, rm: Rounding, fpsr: &mut u32) -> u64 {
    let sbit = if neg { f.sign() } else { 0 };
    if mant == 0 {
        return sbit;
    }
    let fb = f.fbits as i32;
    let emin = 1 - f.bias();
    let top = exp + 63 - mant.leading_zeros() as i32;
    let tiny = top < emin;
    let mut q = if tiny { emin - fb } else { top - fb };
    let shift = q - exp;
    let (mut m, inexact) =
        if shift <= 0 { (mant << (-shift) as u32, false) } else { shr_round(mant, shift as u32, neg, rm) };
    if m >> (f.fbits + 1) != 0 {
        m >>= 1;
        q += 1;
    }
    if inexact {
        *fpsr |= IXC;
        if tiny {
            *fpsr |= UFC;
        }
    }
    if m >> f.fbits == 0 {
        return sbit | m;
    }
    let biased = q + fb + f.bias();
    if biased >= (1 << f.ebits) - 1 {
        *fpsr |= OFC | IXC;
        let to_inf = match rm {
            Rounding::TieEven | Rounding::TieAway => true,
            Rounding::PosInf => !neg,
            Rounding::NegInf => neg,
            Rounding::Zero | Rounding::Odd => false,
        };
        return if to_inf { sbit | f.exp_mask() } else { sbit | (f.exp_mask() - (1 << f.fbits)) | f.frac_mask() };
    }
    sbit | ((biased as u64) << f.fbits) | (m & f.frac_mask())
}

/// `FPProcessNaN`: quieten a signalling NaN (IOC); the default NaN if
/// FPCR.DN.
#[inline]
pub fn process_nan(f: Fmt, x: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    if x & f.quiet() == 0 {
        *fpsr |= IOC;
    }
    if fpcr & FPCR_DN != 0 {
        f.default_nan()
    } else {
        x | f.quiet()
    }
}

/// `FPProcessNaNs`: the NaN result of a two-operand operation, if any.
#[inline]
pub fn process_nans2(f: Fmt, a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> Option<u64> {
    if !f.is_nan(a) && !f.is_nan(b) {
        return None;
    }
    Some(if f.is_snan(a) {
        process_nan(f, a, fpcr, fpsr)
    } else if f.is_snan(b) {
        process_nan(f, b, fpcr, fpsr)
    } else if f.is_nan(a) {
        process_nan(f, a, fpcr, fpsr)
    } else {
        process_nan(f, b, fpcr, fpsr)
    })
}

/// `FPProcessNaNs3`.
#[inline]
pub fn process_nans3(f: Fmt, a: u64, b: u64, c: u64, fpcr: u32, fpsr: &mut u32) -> Option<u64> {
    if !f.is_nan(a) && !f.is_nan(b) && !f.is_nan(c) {
        return None;
    }
    let pick = if f.is_snan(a) {
        a
    } else if f.is_snan(b) {
        b
    } else if f.is_snan(c) {
        c
    } else if f.is_nan(a) {
        a
    } else if f.is_nan(b) {
        b
    } else {
        c
    };
    Some(process_nan(f, pick, fpcr, fpsr))
}

// ---- host arithmetic ---------------------------------------------------------

/// A host float type standing for an ARM single or double.
pub trait Float:
    Copy + PartialEq + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// Its format.
    const FMT: Fmt;
    /// The smallest positive normal value.
    const MIN_NORMAL: Self;
    /// From the low bits of `b`.
    fn from_u(b: u64) -> Self;
    /// Its bits.
    fn to_u(self) -> u64;
    /// Host square root.
    fn sqrt(self) -> Self;
    /// Fused `self * m + a`.
    fn fma(self, m: Self, a: Self) -> Self;
    /// |self|.
    fn abs(self) -> Self;
    /// Finite (not NaN, not infinite).
    fn finite(self) -> bool;
    /// A NaN.
    fn nan(self) -> bool;
    /// Whether `r = a * b` was rounded.
    fn mul_inexact(a: Self, b: Self, r: Self) -> bool;
    /// Whether `r = a / b` was rounded.
    fn div_inexact(a: Self, b: Self, r: Self) -> bool;
    /// Whether `r = sqrt(a)` was rounded.
    fn sqrt_inexact(a: Self, r: Self) -> bool;
    /// Round to an integral value in mode `rm`.
    fn round_int(self, rm: Rounding) -> Self;
    /// Whether `r = a * b + c` (fused) was rounded.
    fn fma_inexact(a: Self, b: Self, c: Self, r: Self) -> bool;
}

impl Float for f32 {
    const FMT: Fmt = S;
    const MIN_NORMAL: f32 = f32::MIN_POSITIVE;
    #[inline(always)]
    fn from_u(b: u64) -> f32 {
        f32::from_bits(b as u32)
    }
    #[inline(always)]
    fn to_u(self) -> u64 {
        u64::from(self.to_bits())
    }
    #[inline(always)]
    fn sqrt(self) -> f32 {
        f32::sqrt(self)
    }
    #[inline(always)]
    fn fma(self, m: f32, a: f32) -> f32 {
        self.mul_add(m, a)
    }
    #[inline(always)]
    fn abs(self) -> f32 {
        f32::abs(self)
    }
    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }
    #[inline(always)]
    fn nan(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn mul_inexact(a: f32, b: f32, r: f32) -> bool {
        f64::from(a) * f64::from(b) != f64::from(r)
    }
    #[inline(always)]
    fn div_inexact(a: f32, b: f32, r: f32) -> bool {
        f64::from(r) * f64::from(b) != f64::from(a)
    }
    #[inline(always)]
    fn sqrt_inexact(a: f32, r: f32) -> bool {
        f64::from(r) * f64::from(r) != f64::from(a)
    }
    #[inline]
    fn fma_inexact(a: f32, b: f32, c: f32, r: f32) -> bool {
        // The product is exact in f64; TwoSum gives the exact sum as s + e.
        let p = f64::from(a) * f64::from(b);
        let c = f64::from(c);
        let s = p + c;
        let pp = s - c;
        let cc = s - pp;
        let e = (p - pp) + (c - cc);
        e != 0.0 || s != f64::from(r)
    }
    #[inline]
    fn round_int(self, rm: Rounding) -> f32 {
        match rm {
            Rounding::TieEven => self.round_ties_even(),
            Rounding::TieAway => self.round(),
            Rounding::PosInf => self.ceil(),
            Rounding::NegInf => self.floor(),
            Rounding::Zero | Rounding::Odd => self.trunc(),
        }
    }
}

impl Float for f64 {
    const FMT: Fmt = D;
    const MIN_NORMAL: f64 = f64::MIN_POSITIVE;
    #[inline(always)]
    fn from_u(b: u64) -> f64 {
        f64::from_bits(b)
    }
    #[inline(always)]
    fn to_u(self) -> u64 {
        self.to_bits()
    }
    #[inline(always)]
    fn sqrt(self) -> f64 {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn fma(self, m: f64, a: f64) -> f64 {
        self.mul_add(m, a)
    }
    #[inline(always)]
    fn abs(self) -> f64 {
        f64::abs(self)
    }
    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }
    #[inline(always)]
    fn nan(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn mul_inexact(a: f64, b: f64, r: f64) -> bool {
        !prod_eq(a.to_bits(), b.to_bits(), r.to_bits())
    }
    #[inline(always)]
    fn div_inexact(a: f64, b: f64, r: f64) -> bool {
        !prod_eq(r.to_bits(), b.to_bits(), a.to_bits())
    }
    #[inline(always)]
    fn sqrt_inexact(a: f64, r: f64) -> bool {
        !prod_eq(r.to_bits(), r.to_bits(), a.to_bits())
    }
    #[inline]
    fn fma_inexact(a: f64, b: f64, c: f64, r: f64) -> bool {
        !fma_exact_f64(a.to_bits(), b.to_bits(), c.to_bits(), r.to_bits())
    }
    #[inline]
    fn round_int(self, rm: Rounding) -> f64 {
        match rm {
            Rounding::TieEven => self.round_ties_even(),
            Rounding::TieAway => self.round(),
            Rounding::PosInf => self.ceil(),
            Rounding::NegInf => self.floor(),
            Rounding::Zero | Rounding::Odd => self.trunc(),
        }
    }
}

/// Whether `|x * y| == |z|` exactly, for finite doubles (integer
/// arithmetic on the mantissas, so also exact for subnormal results).
fn prod_eq(x: u64, y: u64, z: u64) -> bool {
    let num = |v: u64| match unpack(v, D).1 {
        Class::Num { exp, mant } => Some((exp, mant)),
        _ => None,
    };
    match (num(x), num(y), num(z)) {
        (Some((ex, mx)), Some((ey, my)), Some((ez, mz))) => {
            let p = u128::from(mx) * u128::from(my);
            let (tp, tz) = (p.trailing_zeros(), mz.trailing_zeros());
            p >> tp == u128::from(mz >> tz) && ex + ey + tp as i32 == ez + tz as i32
        }
        (Some(_), Some(_), None) => false,
        _ => D.is_zero(z),
    }
}

/// Whether `a * b + c == r` exactly, for finite doubles. The terms are
/// summed exactly in an i128 when their bits span at most 125 positions;
/// a wider span cannot cancel to zero (each term is at most 106 bits wide),
/// so it is inexact.
fn fma_exact_f64(a: u64, b: u64, c: u64, r: u64) -> bool {
    let num = |v: u64| match unpack(v, D) {
        (neg, Class::Num { exp, mant }) => Some((neg, exp, mant)),
        _ => None,
    };
    let mut terms: [(bool, i32, u128); 3] = [(false, 0, 0); 3];
    let mut k = 0;
    if let (Some((na, ea, ma)), Some((nb, eb, mb))) = (num(a), num(b)) {
        terms[k] = (na != nb, ea + eb, u128::from(ma) * u128::from(mb));
        k += 1;
    }
    for (v, flip) in [(c, false), (r, true)] {
        if let Some((n, e, m)) = num(v) {
            terms[k] = (n != flip, e, u128::from(m));
            k += 1;
        }
    }
    let terms = &mut terms[..k];
    for t in terms.iter_mut() {
        let tz = t.2.trailing_zeros();
        t.1 += tz as i32;
        t.2 >>= tz;
    }
    let lo = terms.iter().map(|t| t.1).min().unwrap_or(0);
    let hi = terms.iter().map(|t| t.1 + 128 - t.2.leading_zeros() as i32).max().unwrap_or(0);
    if hi - lo > 125 {
        return false;
    }
    let sum: i128 = terms
        .iter()
        .map(|&(neg, e, m)| {
            let v = (m << (e - lo) as u32) as i128;
            if neg {
                -v
            } else {
                v
            }
        })
        .sum();
    sum == 0
}

/// Flags and result of a host operation whose operands were not NaN:
/// an invalid operation gives the default NaN (IOC); an infinite result
/// from finite operands is an overflow; `inexact` says the result was
/// rounded.
#[inline(always)]
fn finish<F: Float>(r: F, finite_in: bool, inexact: impl FnOnce() -> bool, fpsr: &mut u32) -> u64 {
    if r.nan() {
        *fpsr |= IOC;
        return F::FMT.default_nan();
    }
    if finite_in {
        if !r.finite() {
            *fpsr |= OFC | IXC;
        } else if inexact() {
            *fpsr |= IXC;
            if r.abs() < F::MIN_NORMAL {
                *fpsr |= UFC;
            }
        }
    }
    r.to_u()
}

/// Whether the host's round-to-nearest result `r` is the ARM result: FPCR
/// selects round to nearest without flush-to-zero, and `r` is not near the
/// subnormal range (where ARM detects underflow before rounding).
#[inline(always)]
fn host_ok<F: Float>(fpcr: u32, r: F) -> bool {
    fpcr & (sf::FPCR_FZ | (3 << 22)) == 0 && (r.nan() || r.abs() > F::MIN_NORMAL)
}

/// `FPAdd`.
#[inline]
pub fn fadd<F: Float>(a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    let (a, b) = (sf::flush(F::FMT, a, fpcr, fpsr), sf::flush(F::FMT, b, fpcr, fpsr));
    if let Some(n) = process_nans2(F::FMT, a, b, fpcr, fpsr) {
        return n;
    }
    let (x, y) = (F::from_u(a), F::from_u(b));
    let r = x + y;
    if !host_ok(fpcr, r) {
        if let Some(r) = sf::add(F::FMT, a, b, fpcr, fpcr_rounding(fpcr), fpsr) {
            return r;
        }
    }
    finish(r, x.finite() && y.finite(), || two_sum_err(x, y, r), fpsr)
}

/// `FPSub`.
#[inline]
pub fn fsub<F: Float>(a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    let (a, b) = (sf::flush(F::FMT, a, fpcr, fpsr), sf::flush(F::FMT, b, fpcr, fpsr));
    if let Some(n) = process_nans2(F::FMT, a, b, fpcr, fpsr) {
        return n;
    }
    let (x, y) = (F::from_u(a), F::from_u(b));
    let r = x - y;
    if !host_ok(fpcr, r) {
        if let Some(r) = sf::add(F::FMT, a, b ^ F::FMT.sign(), fpcr, fpcr_rounding(fpcr), fpsr) {
            return r;
        }
    }
    finish(r, x.finite() && y.finite(), || two_sum_err(x, F::from_u(b ^ F::FMT.sign()), r), fpsr)
}

/// Whether `r = x + y` (round to nearest) was rounded (Knuth's TwoSum).
#[inline(always)]
fn two_sum_err<F: Float>(x: F, y: F, r: F) -> bool {
    let yy = r - x;
    let xx = r - yy;
    let zero = F::from_u(0);
    (x - xx) + (y - yy) != zero
}

/// `FPMul`.
#[inline]
pub fn fmul<F: Float>(a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    let (a, b) = (sf::flush(F::FMT, a, fpcr, fpsr), sf::flush(F::FMT, b, fpcr, fpsr));
    if let Some(n) = process_nans2(F::FMT, a, b, fpcr, fpsr) {
        return n;
    }
    let (x, y) = (F::from_u(a), F::from_u(b));
    let r = x * y;
    if !host_ok(fpcr, r) {
        if let Some(r) = sf::mul(F::FMT, a, b, fpcr, fpcr_rounding(fpcr), fpsr) {
            return r;
        }
    }
    finish(r, x.finite() && y.finite(), || F::mul_inexact(x, y, r), fpsr)
}

/// `FPMulX`: as `FPMul`, but 0 * ∞ is 2.0 with the product's sign.
#[inline]
pub fn fmulx<F: Float>(a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    let f = F::FMT;
    let (a, b) = (sf::flush(f, a, fpcr, fpsr), sf::flush(f, b, fpcr, fpsr));
    if !f.is_nan(a) && !f.is_nan(b) && ((f.is_zero(a) && f.is_inf(b)) || (f.is_inf(a) && f.is_zero(b))) {
        let two = f.sign() >> 1; // biased exponent 1000..0 = 2.0
        return two | ((a ^ b) & f.sign());
    }
    fmul::<F>(a, b, fpcr, fpsr)
}

/// `FPDiv`.
#[inline]
pub fn fdiv<F: Float>(a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    let f = F::FMT;
    let (a, b) = (sf::flush(f, a, fpcr, fpsr), sf::flush(f, b, fpcr, fpsr));
    if let Some(n) = process_nans2(f, a, b, fpcr, fpsr) {
        return n;
    }
    let (x, y) = (F::from_u(a), F::from_u(b));
    let r = x / y;
    if !host_ok(fpcr, r) {
        if let Some(r) = sf::div(f, a, b, fpcr, fpcr_rounding(fpcr), fpsr) {
            return r;
        }
    }
    if f.is_zero(b) && !f.is_zero(a) && !f.is_inf(a) {
        *fpsr |= DZC;
        return r.to_u();
    }
    finish(r, x.finite() && y.finite(), || F::div_inexact(x, y, r), fpsr)
}

/// `FPSqrt`.
#[inline]
pub fn fsqrt<F: Float>(a: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    let f = F::FMT;
    let a = sf::flush(f, a, fpcr, fpsr);
    if f.is_nan(a) {
        return process_nan(f, a, fpcr, fpsr);
    }
    let x = F::from_u(a);
    let r = x.sqrt();
    if !host_ok(fpcr, r) {
        if let Some(r) = sf::sqrt(f, a, fpcr, fpcr_rounding(fpcr), fpsr) {
            return r;
        }
    }
    finish(r, x.finite(), || F::sqrt_inexact(x, r), fpsr)
}

/// `FPMulAdd`: `addend + n * m`, fused.
#[inline]
pub fn fmuladd<F: Float>(addend: u64, n: u64, m: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    let f = F::FMT;
    let (addend, n, m) = (sf::flush(f, addend, fpcr, fpsr), sf::flush(f, n, fpcr, fpsr), sf::flush(f, m, fpcr, fpsr));
    let nan = process_nans3(f, addend, n, m, fpcr, fpsr);
    let inf_zero = (f.is_inf(n) && f.is_zero(m)) || (f.is_zero(n) && f.is_inf(m));
    if f.is_qnan(addend) && inf_zero {
        *fpsr |= IOC;
        return f.default_nan();
    }
    if let Some(r) = nan {
        return r;
    }
    let (a, x, y) = (F::from_u(addend), F::from_u(n), F::from_u(m));
    let r = x.fma(y, a);
    if !host_ok(fpcr, r) {
        if let Some(r) = sf::muladd(f, addend, n, m, fpcr, fpcr_rounding(fpcr), fpsr) {
            return r;
        }
    }
    finish(r, a.finite() && x.finite() && y.finite(), || F::fma_inexact(x, y, a, r), fpsr)
}

/// `FPRecipStepFused`: `2 - a * b`, fused (FRECPS); 0 * ∞ gives 2.
#[inline]
pub fn frecps<F: Float>(a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    step_fused::<F>(a, b, false, fpcr, fpsr)
}

/// `FPRSqrtStepFused`: `(3 - a * b) / 2`, fused (FRSQRTS); 0 * ∞ gives 1.5.
#[inline]
pub fn frsqrts<F: Float>(a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> u64 {
    step_fused::<F>(a, b, true, fpcr, fpsr)
}

fn step_fused<F: Float>(a: u64, b: u64, rsqrt: bool, fpcr: u32, fpsr: &mut u32) -> u64 {
    let f = F::FMT;
    let na = fneg(f, a);
    let (na, b) = (sf::flush(f, na, fpcr, fpsr), sf::flush(f, b, fpcr, fpsr));
    if let Some(n) = process_nans2(f, na, b, fpcr, fpsr) {
        return n;
    }
    // 2.0 = 0x4000.., 3.0 = 0x4008.. (double) / 0x4040.. (single); 1.5 = 0x3ff8.. / 0x3fc0..
    let two = f.sign() >> 1;
    let (x, y) = (F::from_u(na), F::from_u(b));
    if (f.is_inf(na) && f.is_zero(b)) || (f.is_zero(na) && f.is_inf(b)) {
        return if rsqrt { (two - (1 << f.fbits)) | f.quiet() } else { two };
    }
    if f.is_inf(na) || f.is_inf(b) {
        return f.inf((na ^ b) & f.sign() != 0);
    }
    let three = two | f.quiet();
    if f.is_zero(na) || f.is_zero(b) {
        return if rsqrt { (two - (1 << f.fbits)) | f.quiet() } else { two };
    }
    let scale = if rsqrt { -1 } else { 0 };
    if let Some(r) =
        sf::muladd_scaled(f, if rsqrt { three } else { two }, na, b, scale, fpcr, fpcr_rounding(fpcr), fpsr)
    {
        return r;
    }
    let addend = F::from_u(if rsqrt { three } else { two });
    let t = x.fma(y, addend);
    let inexact = F::fma_inexact(x, y, addend, t);
    // Halving for FRSQRTS is exact (barring underflow).
    let r = if rsqrt { t * F::from_u(two - (2 << f.fbits)) } else { t };
    finish(r, true, || inexact, fpsr)
}

/// `FPNeg` (no NaN processing).
#[inline(always)]
pub fn fneg(f: Fmt, a: u64) -> u64 {
    a ^ f.sign()
}

/// `FPAbs` (no NaN processing).
#[inline(always)]
pub fn fabs(f: Fmt, a: u64) -> u64 {
    a & !f.sign()
}

/// `FPMax` (`max = true`) or `FPMin`.
#[inline]
pub fn fmaxmin<F: Float>(a: u64, b: u64, max: bool, fpcr: u32, fpsr: &mut u32) -> u64 {
    let f = F::FMT;
    let (a, b) = (sf::flush(f, a, fpcr, fpsr), sf::flush(f, b, fpcr, fpsr));
    if let Some(n) = process_nans2(f, a, b, fpcr, fpsr) {
        return n;
    }
    let (x, y) = (F::from_u(a), F::from_u(b));
    if f.is_zero(a) && f.is_zero(b) {
        // max(+0, -0) = +0, min(+0, -0) = -0.
        return if max { a & b } else { a | b };
    }
    let first = if max { x > y } else { x < y };
    if first {
        a
    } else {
        b
    }
}

/// `FPMaxNum` / `FPMinNum`: a quiet NaN loses against a number.
#[inline]
pub fn fmaxminnm<F: Float>(a: u64, b: u64, max: bool, fpcr: u32, fpsr: &mut u32) -> u64 {
    let f = F::FMT;
    let (mut a, mut b) = (a, b);
    if f.is_qnan(a) && !f.is_qnan(b) {
        a = f.inf(max);
    } else if !f.is_qnan(a) && f.is_qnan(b) {
        b = f.inf(max);
    }
    fmaxmin::<F>(a, b, max, fpcr, fpsr)
}

/// `FPCompare`: NZCV (bits 3..0) of comparing `a` with `b`; unordered is
/// 0011. `signal` (FCMPE) makes quiet NaNs raise IOC too.
#[inline]
pub fn fcompare<F: Float>(a: u64, b: u64, signal: bool, fpcr: u32, fpsr: &mut u32) -> u32 {
    let f = F::FMT;
    let (a, b) = (sf::flush(f, a, fpcr, fpsr), sf::flush(f, b, fpcr, fpsr));
    if f.is_nan(a) || f.is_nan(b) {
        if signal || f.is_snan(a) || f.is_snan(b) {
            *fpsr |= IOC;
        }
        return 0b0011;
    }
    let (x, y) = (F::from_u(a), F::from_u(b));
    if x == y {
        0b0110
    } else if x < y {
        0b1000
    } else {
        0b0010
    }
}

/// A SIMD compare predicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pred {
    /// `FPCompareEQ`.
    Eq,
    /// `FPCompareGE`.
    Ge,
    /// `FPCompareGT`.
    Gt,
}

/// `FPCompareEQ/GE/GT` as used by the SIMD compares: false for NaNs; IOC
/// for signalling NaNs (EQ) or any NaN (GE/GT).
#[inline]
pub fn fcmp_pred<F: Float>(a: u64, b: u64, pred: Pred, fpcr: u32, fpsr: &mut u32) -> bool {
    let f = F::FMT;
    let (a, b) = (sf::flush(f, a, fpcr, fpsr), sf::flush(f, b, fpcr, fpsr));
    if f.is_nan(a) || f.is_nan(b) {
        if pred != Pred::Eq || f.is_snan(a) || f.is_snan(b) {
            *fpsr |= IOC;
        }
        return false;
    }
    let (x, y) = (F::from_u(a), F::from_u(b));
    match pred {
        Pred::Eq => x == y,
        Pred::Gt => x > y,
        Pred::Ge => x >= y,
    }
}

/// `FPRoundInt`: round to an integral value; `exact` (FRINTX) raises IXC
/// when the value changes.
#[inline]
pub fn fround_int<F: Float>(a: u64, rm: Rounding, exact: bool, fpcr: u32, fpsr: &mut u32) -> u64 {
    let f = F::FMT;
    let a = sf::flush(f, a, fpcr, fpsr);
    if f.is_nan(a) {
        return process_nan(f, a, fpcr, fpsr);
    }
    let x = F::from_u(a);
    if !x.finite() {
        return a;
    }
    let r = x.round_int(rm);
    if exact && r != x {
        *fpsr |= IXC;
    }
    // A zero result keeps the operand's sign (the host does the same).
    r.to_u() | (a & f.sign())
}

/// `FPToFixed`: `a * 2^fbits` rounded per `rm` to a `width`-bit integer,
/// saturating (IOC) on overflow; NaN gives 0 (IOC). The result is
/// zero-extended from `width` bits.
#[allow(clippy::too_many_arguments)]
pub fn fp_to_fixed(
    a: u64,
    f: Fmt,
    fbits: u32,
    unsigned: bool,
    width: u32,
    rm: Rounding,
    fpcr: u32,
    fpsr: &mut u32,
) -> u64 {
    let a = if f.is_nan(a) { a } else { sf::flush(f, a, fpcr, fpsr) };
    let (neg, c) = unpack(a, f);
    let wmask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
    let sat = |fpsr: &mut u32| -> u64 {
        *fpsr |= IOC;
        match (unsigned, neg) {
            (true, true) => 0,
            (true, false) => wmask,
            (false, true) => (1u64 << (width - 1)) & wmask,
            (false, false) => (1u64 << (width - 1)) - 1,
        }
    };
    let (exp, mant) = match c {
        Class::QNaN | Class::SNaN => {
            *fpsr |= IOC;
            return 0;
        }
        Class::Zero => return 0,
        Class::Inf => return sat(fpsr),
        Class::Num { exp, mant } => (exp + fbits as i32, mant),
    };
    let (mag, inexact) = if exp >= 0 {
        if exp + (64 - mant.leading_zeros() as i32) > 64 {
            return sat(fpsr);
        }
        (mant << exp as u32, false)
    } else {
        shr_round(mant, (-exp) as u32, neg, rm)
    };
    let r = if unsigned {
        if (neg && mag != 0) || mag > wmask {
            return sat(fpsr);
        }
        mag
    } else {
        let lim = 1u64 << (width - 1);
        if (!neg && mag >= lim) || (neg && mag > lim) {
            return sat(fpsr);
        }
        if neg {
            mag.wrapping_neg() & wmask
        } else {
            mag
        }
    };
    if inexact {
        *fpsr |= IXC;
    }
    r
}

/// `FixedToFP`: the `width`-bit integer `v` (signed or not) divided by
/// `2^fbits`, rounded to format `f`.
#[inline]
pub fn fixed_to_fp(v: u64, signed: bool, width: u32, fbits: u32, f: Fmt, rm: Rounding, fpsr: &mut u32) -> u64 {
    let (neg, mag) = if signed {
        let s = crate::vcpu::interp::decode::sext(v, width);
        (s < 0, s.unsigned_abs())
    } else if width == 64 {
        (false, v)
    } else {
        (false, v & ((1u64 << width) - 1))
    };
    round_pack(neg, -(fbits as i32), mag, f, rm, fpsr)
}

/// `FPConvert`: between formats, rounding per `rm`.
pub fn fp_convert(a: u64, from: Fmt, to: Fmt, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> u64 {
    let ahp = fpcr & FPCR_AHP != 0;
    if ahp && (from == H || to == H) {
        return convert_ahp(a, from, to, fpcr, rm, fpsr);
    }
    let a = if from.is_nan(a) { a } else { sf::flush(from, a, fpcr, fpsr) };
    let (neg, c) = unpack(a, from);
    let sbit = if neg { to.sign() } else { 0 };
    match c {
        Class::QNaN | Class::SNaN => {
            if c == Class::SNaN {
                *fpsr |= IOC;
            }
            if fpcr & FPCR_DN != 0 {
                return to.default_nan();
            }
            let frac = (a & from.frac_mask()) | from.quiet();
            let frac =
                if to.fbits >= from.fbits { frac << (to.fbits - from.fbits) } else { frac >> (from.fbits - to.fbits) };
            sbit | to.exp_mask() | frac
        }
        Class::Inf => sbit | to.exp_mask(),
        Class::Zero => sbit,
        Class::Num { exp, mant } => sf::round_fz(neg, exp, mant, to, fpcr, rm, fpsr),
    }
}

/// FPCR.AHP: alternative half precision (no infinities or NaNs; exponent
/// 11111 holds normal numbers).
pub const FPCR_AHP: u32 = 1 << 26;

/// `FPConvert` with FPCR.AHP = 1 and a half-precision side (ARM ARM
/// `FPUnpackCV` / `FPRoundCV` / `FPConvert`): NaN to half gives zero and
/// infinity or overflow the largest value, both with IOC.
fn convert_ahp(a: u64, from: Fmt, to: Fmt, fpcr: u32, rm: Rounding, fpsr: &mut u32) -> u64 {
    if from == H {
        // Every non-zero half is a number: 1.frac * 2^(e-15), or denormal.
        let neg = a & 0x8000 != 0;
        let e = ((a >> 10) & 31) as i32;
        let frac = a & 0x3ff;
        if e == 0 && frac == 0 {
            return if neg { to.sign() } else { 0 };
        }
        let (exp, mant) = if e == 0 { (-24, frac) } else { (e - 25, frac | 0x400) };
        return sf::round_fz(neg, exp, mant, to, fpcr, rm, fpsr);
    }
    let a = if from.is_nan(a) { a } else { sf::flush(from, a, fpcr, fpsr) };
    let (neg, c) = unpack(a, from);
    let sbit = if neg { 0x8000 } else { 0 };
    match c {
        Class::QNaN | Class::SNaN => {
            *fpsr |= IOC;
            sbit
        }
        Class::Inf => {
            *fpsr |= IOC;
            sbit | 0x7fff
        }
        Class::Zero => sbit,
        Class::Num { exp, mant } => {
            // Below 2^15 AHP and IEEE half agree. Above, round half the
            // value (a normal IEEE half) and put the exponent back: AHP
            // reaches 2^17 - 2^6, with no infinity.
            if exp + 63 - (mant.leading_zeros() as i32) < 15 {
                return round_pack(neg, exp, mant, H, rm, fpsr);
            }
            let mut flags = 0;
            let r = round_pack(neg, exp - 1, mant, H, rm, &mut flags);
            let e = ((r >> 10) & 31) + 1;
            if flags & OFC != 0 || e > 31 {
                *fpsr |= IOC;
                return sbit | 0x7fff;
            }
            *fpsr |= flags & IXC;
            sbit | (e << 10) | (r & 0x3ff)
        }
    }
}

/// `VFPExpandImm`: the FMOV (immediate) 8-bit constant in format `f`.
#[inline]
pub fn vfp_expand_imm(imm8: u32, f: Fmt) -> u64 {
    let imm = u64::from(imm8);
    let sign = (imm >> 7) & 1;
    let b6 = (imm >> 6) & 1;
    let e = f.ebits;
    // exp = NOT(b6) : Replicate(b6, E-3) : imm8<5:4>
    let rep = if b6 == 1 { (1u64 << (e - 3)) - 1 } else { 0 };
    let exp = ((b6 ^ 1) << (e - 1)) | (rep << 2) | ((imm >> 4) & 3);
    let frac = (imm & 0xf) << (f.fbits - 4);
    (sign << (e + f.fbits)) | (exp << f.fbits) | frac
}

// ---- instruction handlers -----------------------------------------------------

/// Encodings of this class.
pub const TABLE: &[Insn] = &[
    insn("000 11110 tt 1 oooooo 10000 nnnnn ddddd", "FP data-processing (1 source)", fp_dp1),
    insn("000 11110 tt 1 mmmmm 00 1000 nnnnn oo000", "FCMP/FCMPE", fp_cmp),
    insn("000 11110 tt 1 iiiiiiii 100 00000 ddddd", "FMOV (scalar, immediate)", fp_imm),
    insn("000 11110 tt 1 mmmmm cccc 01 nnnnn ovvvv", "FCCMP/FCCMPE", fp_ccmp),
    insn("000 11110 tt 1 mmmmm oooo 10 nnnnn ddddd", "FP data-processing (2 source)", fp_dp2),
    insn("000 11110 tt 1 mmmmm cccc 11 nnnnn ddddd", "FCSEL", fp_csel),
    insn("000 11111 tt x mmmmm x aaaaa nnnnn ddddd", "FP data-processing (3 source)", fp_dp3),
    insn("s 00 11110 tt 1 rr ooo 000000 nnnnn ddddd", "FP<->integer conversion", fp_cvt_int),
    insn("s 00 11110 tt 0 rr ooo ssssss nnnnn ddddd", "FP<->fixed-point conversion", fp_cvt_fixed),
];

/// The low `f.width()` bits of Vn.
#[inline(always)]
pub fn get(c: &Cpu, n: u32, f: Fmt) -> u64 {
    let v = c.vreg(n) as u64;
    if f.width() == 64 {
        v
    } else {
        v & ((1u64 << f.width()) - 1)
    }
}

/// Write a scalar result to Vd, zeroing the rest of the register.
#[inline(always)]
pub fn put(c: &mut Cpu, d: u32, v: u64, f: Fmt) {
    c.set_vreg_scalar(d, u128::from(v), f.width() / 8);
}

/// `ftype` 00 = single, 01 = double; otherwise (half needs FEAT_FP16)
/// UNDEFINED. Returns whether it is double.
#[inline(always)]
fn is_double(i: u32) -> Result<bool, Exception> {
    match bits(i, 22, 2) {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Exception::Undefined),
    }
}

#[inline(always)]
fn fmt_of(dbl: bool) -> Fmt {
    if dbl {
        D
    } else {
        S
    }
}

fn dp1<F: Float>(op: u32, a: u64, fpcr: u32, fpsr: &mut u32) -> Option<u64> {
    let f = F::FMT;
    Some(match op {
        0 => a,
        1 => fabs(f, a),
        2 => fneg(f, a),
        3 => fsqrt::<F>(a, fpcr, fpsr),
        8..=12 => fround_int::<F>(a, rounding_from(op - 8), false, fpcr, fpsr),
        14 => fround_int::<F>(a, fpcr_rounding(fpcr), true, fpcr, fpsr),
        15 => fround_int::<F>(a, fpcr_rounding(fpcr), false, fpcr, fpsr),
        _ => return None,
    })
}

/// FMOV (register), FABS, FNEG, FSQRT, FCVT, FRINT{N,P,M,Z,A,X,I}.
fn fp_dp1(c: &mut Cpu, i: u32) -> ExecResult {
    let op = bits(i, 15, 6);
    let fpcr = c.fpcr;
    if op & 0b11_1100 == 0b00_0100 {
        // FCVT: opc (bits 16:15) is the destination type.
        let from = match bits(i, 22, 2) {
            0 => S,
            1 => D,
            3 => H,
            _ => return Err(Exception::Undefined),
        };
        let to = match op & 3 {
            0 => S,
            1 => D,
            3 => H,
            _ => return Err(Exception::Undefined),
        };
        if from == to {
            return Err(Exception::Undefined);
        }
        let a = get(c, rn(i), from);
        let r = fp_convert(a, from, to, fpcr, fpcr_rounding(fpcr), &mut c.fpsr);
        put(c, rd(i), r, to);
        return Ok(());
    }
    let dbl = is_double(i)?;
    let f = fmt_of(dbl);
    let a = get(c, rn(i), f);
    let r = if dbl { dp1::<f64>(op, a, fpcr, &mut c.fpsr) } else { dp1::<f32>(op, a, fpcr, &mut c.fpsr) };
    put(c, rd(i), r.ok_or(Exception::Undefined)?, f);
    Ok(())
}

/// FCMP/FCMPE, with a register or #0.0.
fn fp_cmp(c: &mut Cpu, i: u32) -> ExecResult {
    let dbl = is_double(i)?;
    let f = fmt_of(dbl);
    let a = get(c, rn(i), f);
    let b = if bit(i, 3) { 0 } else { get(c, rm(i), f) };
    let signal = bit(i, 4);
    let flags = if dbl {
        fcompare::<f64>(a, b, signal, c.fpcr, &mut c.fpsr)
    } else {
        fcompare::<f32>(a, b, signal, c.fpcr, &mut c.fpsr)
    };
    c.nzcv = flags << 28;
    Ok(())
}

/// FMOV (scalar, immediate).
fn fp_imm(c: &mut Cpu, i: u32) -> ExecResult {
    let f = fmt_of(is_double(i)?);
    put(c, rd(i), vfp_expand_imm(bits(i, 13, 8), f), f);
    Ok(())
}

/// FCCMP/FCCMPE.
fn fp_ccmp(c: &mut Cpu, i: u32) -> ExecResult {
    let dbl = is_double(i)?;
    if !c.cond_holds(bits(i, 12, 4)) {
        c.nzcv = bits(i, 0, 4) << 28;
        return Ok(());
    }
    let f = fmt_of(dbl);
    let (a, b) = (get(c, rn(i), f), get(c, rm(i), f));
    let signal = bit(i, 4);
    let flags = if dbl {
        fcompare::<f64>(a, b, signal, c.fpcr, &mut c.fpsr)
    } else {
        fcompare::<f32>(a, b, signal, c.fpcr, &mut c.fpsr)
    };
    c.nzcv = flags << 28;
    Ok(())
}

/// The 2-source operations by opcode (bits 15:12).
#[inline]
pub fn dp2<F: Float>(op: u32, a: u64, b: u64, fpcr: u32, fpsr: &mut u32) -> Option<u64> {
    Some(match op {
        0 => fmul::<F>(a, b, fpcr, fpsr),
        1 => fdiv::<F>(a, b, fpcr, fpsr),
        2 => fadd::<F>(a, b, fpcr, fpsr),
        3 => fsub::<F>(a, b, fpcr, fpsr),
        4 => fmaxmin::<F>(a, b, true, fpcr, fpsr),
        5 => fmaxmin::<F>(a, b, false, fpcr, fpsr),
        6 => fmaxminnm::<F>(a, b, true, fpcr, fpsr),
        7 => fmaxminnm::<F>(a, b, false, fpcr, fpsr),
        8 => fneg(F::FMT, fmul::<F>(a, b, fpcr, fpsr)),
        _ => return None,
    })
}

/// FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM, FNMUL (scalar).
fn fp_dp2(c: &mut Cpu, i: u32) -> ExecResult {
    let dbl = is_double(i)?;
    let f = fmt_of(dbl);
    let (a, b) = (get(c, rn(i), f), get(c, rm(i), f));
    let op = bits(i, 12, 4);
    let fpcr = c.fpcr;
    let r = if dbl { dp2::<f64>(op, a, b, fpcr, &mut c.fpsr) } else { dp2::<f32>(op, a, b, fpcr, &mut c.fpsr) };
    put(c, rd(i), r.ok_or(Exception::Undefined)?, f);
    Ok(())
}

/// FCSEL.
fn fp_csel(c: &mut Cpu, i: u32) -> ExecResult {
    let f = fmt_of(is_double(i)?);
    let src = if c.cond_holds(bits(i, 12, 4)) { rn(i) } else { rm(i) };
    let v = get(c, src, f);
    put(c, rd(i), v, f);
    Ok(())
}

/// FMADD, FMSUB, FNMADD, FNMSUB: `(-)a + (-)n * m`, fused. The negations
/// are `FPNeg` of the operands, so they flip NaN signs too.
fn fp_dp3(c: &mut Cpu, i: u32) -> ExecResult {
    let dbl = is_double(i)?;
    let f = fmt_of(dbl);
    let (mut a, mut n, m) = (get(c, ra(i), f), get(c, rn(i), f), get(c, rm(i), f));
    let (o1, o0) = (bit(i, 21), bit(i, 15));
    if o1 {
        a = fneg(f, a);
    }
    if o1 != o0 {
        n = fneg(f, n);
    }
    let fpcr = c.fpcr;
    let r = if dbl { fmuladd::<f64>(a, n, m, fpcr, &mut c.fpsr) } else { fmuladd::<f32>(a, n, m, fpcr, &mut c.fpsr) };
    put(c, rd(i), r, f);
    Ok(())
}

/// Float to a `sf`-sized integer in Xd/Wd.
fn to_int(c: &mut Cpu, i: u32, fbits: u32, unsigned: bool, rm: Rounding) -> ExecResult {
    let f = fmt_of(is_double(i)?);
    let sf = bit(i, 31);
    let a = get(c, rn(i), f);
    let r = fp_to_fixed(a, f, fbits, unsigned, if sf { 64 } else { 32 }, rm, c.fpcr, &mut c.fpsr);
    c.set_x(rd(i), r);
    Ok(())
}

/// Xn/Wn (signed or not) to a float in Vd.
fn from_int(c: &mut Cpu, i: u32, fbits: u32, signed: bool) -> ExecResult {
    let f = fmt_of(is_double(i)?);
    let sf = bit(i, 31);
    let rm = fpcr_rounding(c.fpcr);
    let r = fixed_to_fp(c.x(rn(i)), signed, if sf { 64 } else { 32 }, fbits, f, rm, &mut c.fpsr);
    put(c, rd(i), r, f);
    Ok(())
}

/// FCVT{N,P,M,Z,A}{S,U}, SCVTF/UCVTF (integer) and FMOV (general).
fn fp_cvt_int(c: &mut Cpu, i: u32) -> ExecResult {
    let sf = bit(i, 31);
    let ty = bits(i, 22, 2);
    let rmode = bits(i, 19, 2);
    let (d, n) = (rd(i), rn(i));
    match bits(i, 16, 3) {
        op @ (6 | 7) => {
            let to_general = op == 6;
            match (sf, ty, rmode) {
                (false, 0, 0) => {
                    if to_general {
                        c.set_w(d, c.vreg(n) as u32);
                    } else {
                        c.set_vreg_scalar(d, u128::from(c.w(n)), 4);
                    }
                }
                (true, 1, 0) => {
                    if to_general {
                        c.set_x(d, c.vreg(n) as u64);
                    } else {
                        c.set_vreg_scalar(d, u128::from(c.x(n)), 8);
                    }
                }
                (true, 2, 1) => {
                    if to_general {
                        c.set_x(d, (c.vreg(n) >> 64) as u64);
                    } else {
                        let lo = c.vreg(d) & u128::from(u64::MAX);
                        c.set_vreg(d, lo | (u128::from(c.x(n)) << 64));
                    }
                }
                _ => return Err(Exception::Undefined),
            }
            Ok(())
        }
        op @ (0 | 1) => to_int(c, i, 0, op == 1, rounding_from(rmode)),
        op @ (4 | 5) if rmode == 0 => to_int(c, i, 0, op == 5, Rounding::TieAway),
        op @ (2 | 3) if rmode == 0 => from_int(c, i, 0, op == 2),
        _ => Err(Exception::Undefined),
    }
}

/// SCVTF/UCVTF and FCVTZS/FCVTZU (fixed-point).
fn fp_cvt_fixed(c: &mut Cpu, i: u32) -> ExecResult {
    let scale = bits(i, 10, 6);
    if !bit(i, 31) && scale < 32 {
        return Err(Exception::Undefined);
    }
    let fbits = 64 - scale;
    match (bits(i, 19, 2), bits(i, 16, 3)) {
        (0, op @ (2 | 3)) => from_int(c, i, fbits, op == 2),
        (3, op @ (0 | 1)) => to_int(c, i, fbits, op == 1, Rounding::Zero),
        _ => Err(Exception::Undefined),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vcpu::interp::cpu::{C_BIT, N_BIT, V_BIT, Z_BIT};
    use crate::vcpu::interp::decode::lookup;
    use crate::vcpu::interp::testing::TestCpu;

    const QNAN_D: u64 = 0x7ff8_0000_0000_0000;

    fn d(x: f64) -> u128 {
        u128::from(x.to_bits())
    }
    fn s(x: f32) -> u128 {
        u128::from(x.to_bits())
    }
    /// Run one instruction with V registers preset.
    fn run(word: u32, vs: &[(usize, u128)]) -> TestCpu {
        let mut t = TestCpu::new();
        for &(n, v) in vs {
            t.cpu.v[n] = v;
        }
        t.exec(&[word]);
        t
    }

    #[test]
    fn decode_names() {
        for (w, name) in [
            (0x1e27_0020, "FP<->integer conversion"),       // fmov s0, w1
            (0x1e2e_1003, "FMOV (scalar, immediate)"),      // fmov s3, #1.0
            (0x1e60_4087, "FP data-processing (1 source)"), // fmov d7, d4
            (0x1e62_2820, "FP data-processing (2 source)"), // fadd d0, d1, d2
            (0x1f42_8c20, "FP data-processing (3 source)"), // fmsub d0, d1, d2, d3
            (0x1e60_2038, "FCMP/FCMPE"),                    // fcmpe d1, #0.0
            (0x1e62_0425, "FCCMP/FCCMPE"),                  // fccmp d1, d2, #0x5, eq
            (0x1e62_0c20, "FCSEL"),                         // fcsel d0, d1, d2, eq
            (0x9e42_f020, "FP<->fixed-point conversion"),   // scvtf d0, x1, #4
            (0x1e62_4020, "FP data-processing (1 source)"), // fcvt s0, d1
        ] {
            assert_eq!(lookup(w).map(|e| e.name), Some(name), "{w:#x}");
        }
    }

    #[test]
    fn fmov_general_and_immediate() {
        let mut t = TestCpu::new();
        t.cpu.set_x(1, 0xdead_beef_3f80_0000);
        t.cpu.set_x(3, 0x4000_0000_0000_0001);
        t.cpu.set_x(5, 0x1122_3344_5566_7788);
        t.cpu.v[0] = u128::MAX;
        t.cpu.v[1] = u128::MAX;
        t.cpu.v[2] = 0xaaaa;
        t.exec(&[
            0x1e27_0020, // fmov s0, w1
            0x1e26_0002, // fmov w2, s0
            0x9e67_0061, // fmov d1, x3
            0x9e66_0024, // fmov x4, d1
            0x9eaf_00a2, // fmov v2.d[1], x5
            0x9eae_0046, // fmov x6, v2.d[1]
            0x1e2e_1003, // fmov s3, #1.0
            0x1e70_9004, // fmov d4, #-2.5
            0x1e67_f005, // fmov d5, #31.0
            0x1e28_1006, // fmov s6, #0.125
            0x1e60_4087, // fmov d7, d4
        ]);
        assert_eq!(t.cpu.v[0], 0x3f80_0000);
        assert_eq!(t.cpu.x(2), 0x3f80_0000);
        assert_eq!(t.cpu.v[1], 0x4000_0000_0000_0001);
        assert_eq!(t.cpu.x(4), 0x4000_0000_0000_0001);
        assert_eq!(t.cpu.v[2], (0x1122_3344_5566_7788u128 << 64) | 0xaaaa);
        assert_eq!(t.cpu.x(6), 0x1122_3344_5566_7788);
        assert_eq!(t.cpu.v[3], s(1.0));
        assert_eq!(t.cpu.v[4], d(-2.5));
        assert_eq!(t.cpu.v[5], d(31.0));
        assert_eq!(t.cpu.v[6], s(0.125));
        assert_eq!(t.cpu.v[7], d(-2.5));
        // Half-precision forms need FEAT_FP16.
        assert_eq!(t.run(&[0x1ee7_0020]), Exception::Undefined); // fmov h0, w1
        assert_eq!(t.run(&[0x1ee2_2820]), Exception::Undefined); // fadd h0, h1, h2
    }

    #[test]
    fn arithmetic_basic() {
        let hi = 0xffff_ffff_0000_0000_0000_0000_0000_0000u128;
        let t = run(0x1e22_2820, &[(0, u128::MAX), (1, s(1.5) | hi), (2, s(2.25))]); // fadd s0, s1, s2
        assert_eq!(t.cpu.v[0], s(3.75));
        assert_eq!(t.cpu.fpsr, 0);
        let t = run(0x1e22_3820, &[(1, s(1.0)), (2, s(3.0))]); // fsub s0, s1, s2
        assert_eq!(t.cpu.v[0], s(-2.0));
        let t = run(0x1e22_1820, &[(1, s(1.0)), (2, s(3.0))]); // fdiv s0, s1, s2
        assert_eq!(t.cpu.v[0], s(1.0 / 3.0));
        assert_eq!(t.cpu.fpsr, IXC);
        let t = run(0x1e62_0820, &[(1, d(1.5)), (2, d(-4.0))]); // fmul d0, d1, d2
        assert_eq!(t.cpu.v[0], d(-6.0));
        assert_eq!(t.cpu.fpsr, 0);
        let t = run(0x1e62_2820, &[(1, d(0.1)), (2, d(0.2))]); // fadd d0, d1, d2
        assert_eq!(t.cpu.v[0], d(0.1 + 0.2));
        assert_eq!(t.cpu.fpsr, IXC);
        let t = run(0x1e62_3820, &[(1, d(0.5)), (2, d(0.5))]); // fsub d0, d1, d2
        assert_eq!(t.cpu.v[0], d(0.0));
        let t = run(0x1e62_8820, &[(1, d(2.0)), (2, d(3.0))]); // fnmul d0, d1, d2
        assert_eq!(t.cpu.v[0], d(-6.0));
        let t = run(0x1e62_0820, &[(1, d(1e300)), (2, d(1e300))]); // fmul d0, d1, d2
        assert_eq!(t.cpu.v[0], d(f64::INFINITY));
        assert_eq!(t.cpu.fpsr, OFC | IXC);
        let t = run(0x1e62_0820, &[(1, d(1e-300)), (2, d(1e-300))]); // fmul d0, d1, d2
        assert_eq!(t.cpu.v[0], d(0.0));
        assert_eq!(t.cpu.fpsr, UFC | IXC);
    }

    #[test]
    fn division_and_sqrt_special_cases() {
        let t = run(0x1e62_1820, &[(1, d(-1.0)), (2, d(0.0))]); // fdiv d0, d1, d2
        assert_eq!(t.cpu.v[0], d(f64::NEG_INFINITY));
        assert_eq!(t.cpu.fpsr, DZC);
        let t = run(0x1e62_1820, &[(1, d(0.0)), (2, d(-0.0))]); // fdiv d0, d1, d2
        assert_eq!(t.cpu.v[0], u128::from(QNAN_D));
        assert_eq!(t.cpu.fpsr, IOC);
        let t = run(0x1e62_1820, &[(1, d(f64::INFINITY)), (2, d(0.0))]); // fdiv d0, d1, d2
        assert_eq!(t.cpu.v[0], d(f64::INFINITY));
        assert_eq!(t.cpu.fpsr, 0);
        let t = run(0x1e61_c020, &[(1, d(-1.0))]); // fsqrt d0, d1
        assert_eq!(t.cpu.v[0], u128::from(QNAN_D));
        assert_eq!(t.cpu.fpsr, IOC);
        let t = run(0x1e61_c020, &[(1, d(-0.0))]); // fsqrt d0, d1
        assert_eq!(t.cpu.v[0], d(-0.0));
        let t = run(0x1e21_c020, &[(1, s(2.0))]); // fsqrt s0, s1
        assert_eq!(t.cpu.v[0], s(std::f32::consts::SQRT_2));
        assert_eq!(t.cpu.fpsr, IXC);
        let t = run(0x1e21_c020, &[(1, s(2.25))]); // fsqrt s0, s1
        assert_eq!(t.cpu.v[0], s(1.5));
        assert_eq!(t.cpu.fpsr, 0);
        // Invalid: inf - inf is the positive default NaN (x86 would give a negative one).
        let t = run(0x1e62_3820, &[(1, d(f64::INFINITY)), (2, d(f64::INFINITY))]); // fsub d0, d1, d2
        assert_eq!(t.cpu.v[0], u128::from(QNAN_D));
        assert_eq!(t.cpu.fpsr, IOC);
    }

    #[test]
    fn nan_propagation() {
        let qa = 0x7ff8_0000_0000_00aau128;
        let qb = 0xfff8_0000_0000_00bbu128;
        let sb = 0x7ff0_0000_0000_00bbu128;
        // First quiet NaN wins when none signals.
        let t = run(0x1e62_2820, &[(1, qa), (2, qb)]); // fadd d0, d1, d2
        assert_eq!(t.cpu.v[0], qa);
        assert_eq!(t.cpu.fpsr, 0);
        // A signalling NaN beats an earlier quiet one, and is quietened.
        let t = run(0x1e62_2820, &[(1, qa), (2, sb)]); // fadd d0, d1, d2
        assert_eq!(t.cpu.v[0], 0x7ff8_0000_0000_00bb);
        assert_eq!(t.cpu.fpsr, IOC);
        let t = run(0x1e62_0820, &[(1, d(1.0)), (2, qb)]); // fmul d0, d1, d2
        assert_eq!(t.cpu.v[0], qb);
        // FPCR.DN: default NaN.
        let mut t = TestCpu::new();
        t.cpu.fpcr = FPCR_DN;
        t.cpu.v[1] = qb;
        t.exec(&[0x1e62_2820]); // fadd d0, d1, d2
        assert_eq!(t.cpu.v[0], u128::from(QNAN_D));
        // Single precision.
        let t = run(0x1e22_2820, &[(1, s(1.0)), (2, 0xff80_0001)]); // fadd s0, s1, s2
        assert_eq!(t.cpu.v[0], 0xffc0_0001);
        assert_eq!(t.cpu.fpsr, IOC);
        // FABS/FNEG touch only the sign, even of a signalling NaN.
        let t = run(0x1e61_4020, &[(1, sb)]); // fneg d0, d1
        assert_eq!(t.cpu.v[0], sb | (1 << 63));
        assert_eq!(t.cpu.fpsr, 0);
        let t = run(0x1e60_c020, &[(1, qb)]); // fabs d0, d1
        assert_eq!(t.cpu.v[0], qb & !(1 << 63));
        // FNMUL negates the NaN result.
        let t = run(0x1e62_8820, &[(1, qa), (2, d(2.0))]); // fnmul d0, d1, d2
        assert_eq!(t.cpu.v[0], qa | (1 << 63));
    }

    #[test]
    fn max_min() {
        let (pz, nz) = (d(0.0), d(-0.0));
        for (w, a, b, want) in [
            (0x1e62_4820, pz, nz, pz), // fmax d0, d1, d2
            (0x1e62_4820, nz, pz, pz), // fmax d0, d1, d2
            (0x1e62_5820, pz, nz, nz), // fmin d0, d1, d2
            (0x1e62_5820, nz, pz, nz), // fmin d0, d1, d2
            (0x1e62_4820, d(1.0), d(2.0), d(2.0)),
            (0x1e62_5820, d(1.0), d(-2.0), d(-2.0)),
            (0x1e62_4820, d(1.0), u128::from(QNAN_D), u128::from(QNAN_D)),
            (0x1e62_6820, d(1.0), u128::from(QNAN_D), d(1.0)), // fmaxnm d0, d1, d2
            (0x1e62_7820, u128::from(QNAN_D), d(-7.0), d(-7.0)), // fminnm d0, d1, d2
            (0x1e62_6820, nz, pz, pz),
            (0x1e62_7820, pz, nz, nz),
        ] {
            let t = run(w, &[(1, a), (2, b)]);
            assert_eq!(t.cpu.v[0], want, "{w:#x} {a:#x} {b:#x}");
        }
        // FMAXNM still propagates a signalling NaN.
        let t = run(0x1e62_6820, &[(1, d(1.0)), (2, 0x7ff0_0000_0000_0001)]); // fmaxnm d0, d1, d2
        assert_eq!(t.cpu.v[0], 0x7ff8_0000_0000_0001);
        assert_eq!(t.cpu.fpsr, IOC);
        let t = run(0x1e22_4820, &[(1, s(-1.0)), (2, s(-3.0))]); // fmax s0, s1, s2
        assert_eq!(t.cpu.v[0], s(-1.0));
    }

    #[test]
    fn compares() {
        let nzcv = |n: bool, z: bool, c: bool, v: bool| {
            (if n { N_BIT } else { 0 })
                | (if z { Z_BIT } else { 0 })
                | (if c { C_BIT } else { 0 })
                | (if v { V_BIT } else { 0 })
        };
        for (w, a, b, flags, fpsr) in [
            (0x1e62_2020, d(1.0), d(1.0), nzcv(false, true, true, false), 0), // fcmp d1, d2
            (0x1e62_2020, d(1.0), d(2.0), nzcv(true, false, false, false), 0),
            (0x1e62_2020, d(3.0), d(2.0), nzcv(false, false, true, false), 0),
            (0x1e62_2020, d(0.0), d(-0.0), nzcv(false, true, true, false), 0),
            (0x1e62_2020, u128::from(QNAN_D), d(2.0), nzcv(false, false, true, true), 0),
            (0x1e62_2020, 0x7ff0_0000_0000_0001, d(2.0), nzcv(false, false, true, true), IOC),
            (0x1e62_2030, u128::from(QNAN_D), d(2.0), nzcv(false, false, true, true), IOC), // fcmpe d1, d2
            (0x1e60_2038, d(-5.0), d(99.0), nzcv(true, false, false, false), 0),            // fcmpe d1, #0.0
            (0x1e20_2028, s(0.0), s(99.0), nzcv(false, true, true, false), 0),              // fcmp s1, #0.0
        ] {
            let mut t = TestCpu::new();
            t.cpu.v[1] = a;
            t.cpu.v[2] = b;
            t.cpu.nzcv = 0xf000_0000;
            t.exec(&[w]);
            assert_eq!((t.cpu.nzcv, t.cpu.fpsr), (flags, fpsr), "{w:#x} {a:#x} {b:#x}");
        }
        // FCCMP: condition false takes the immediate flags.
        let mut t = TestCpu::new();
        t.cpu.v[1] = d(1.0);
        t.cpu.v[2] = d(2.0);
        t.exec(&[0x1e62_0425]); // fccmp d1, d2, #0x5, eq  (Z clear)
        assert_eq!(t.cpu.nzcv, 0x5000_0000);
        t.cpu.nzcv = Z_BIT;
        t.exec(&[0x1e62_0425]); // fccmp d1, d2, #0x5, eq
        assert_eq!(t.cpu.nzcv, N_BIT);
        t.cpu.nzcv = 0;
        t.cpu.v[1] = s(2.0);
        t.cpu.v[2] = 0x7fc0_0000;
        t.exec(&[0x1e22_1435]); // fccmpe s1, s2, #0x5, ne
        assert_eq!(t.cpu.nzcv, C_BIT | V_BIT);
        assert_eq!(t.cpu.fpsr, IOC);
    }

    #[test]
    fn select() {
        let mut t = TestCpu::new();
        t.cpu.v[1] = (7u128 << 64) | d(1.0);
        t.cpu.v[2] = d(2.0);
        t.cpu.nzcv = Z_BIT;
        t.exec(&[0x1e62_0c20]); // fcsel d0, d1, d2, eq
        assert_eq!(t.cpu.v[0], d(1.0));
        t.exec(&[0x1e22_1c20]); // fcsel s0, s1, s2, ne
        assert_eq!(t.cpu.v[0], 0);
    }

    #[test]
    fn fused_multiply_add() {
        let regs = [(1, d(2.0)), (2, d(3.0)), (3, d(1.0))];
        for (w, want) in [
            (0x1f42_0c20, 7.0),  // fmadd d0, d1, d2, d3:  1 + 2*3
            (0x1f42_8c20, -5.0), // fmsub d0, d1, d2, d3:  1 - 2*3
            (0x1f62_0c20, -7.0), // fnmadd d0, d1, d2, d3: -1 - 2*3
            (0x1f62_8c20, 5.0),  // fnmsub d0, d1, d2, d3: -1 + 2*3
        ] {
            assert_eq!(run(w, &regs).cpu.v[0], d(want), "{w:#x}");
        }
        // Fused: one rounding.
        let a = 1.0 + f64::EPSILON;
        let t = run(0x1f42_0c20, &[(1, d(a)), (2, d(a)), (3, d(-1.0))]); // fmadd d0, d1, d2, d3
        assert_eq!(t.cpu.v[0], d(a.mul_add(a, -1.0)));
        let t = run(0x1f02_0c20, &[(1, s(1.5)), (2, s(2.0)), (3, s(0.25))]); // fmadd s0, s1, s2, s3
        assert_eq!(t.cpu.v[0], s(3.25));
        // A quiet NaN addend with 0 * inf is the default NaN, IOC.
        let t = run(0x1f42_0c20, &[(1, d(0.0)), (2, d(f64::INFINITY)), (3, 0x7ff8_0000_0000_0005)]);
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (u128::from(QNAN_D), IOC));
        // FMSUB negates Rn, NaN included.
        let t = run(0x1f42_8c20, &[(1, 0x7ff0_0000_0000_0001), (2, d(2.0)), (3, d(1.0))]);
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (0xfff8_0000_0000_0001, IOC));
    }

    #[test]
    fn precision_conversions() {
        let t = run(0x1e22_c020, &[(1, s(1.1))]); // fcvt d0, s1
        assert_eq!(t.cpu.v[0], d(f64::from(1.1f32)));
        let t = run(0x1e62_4020, &[(1, d(0.1))]); // fcvt s0, d1
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (s(0.1), IXC));
        let t = run(0x1e62_4020, &[(1, d(1e300))]); // fcvt s0, d1
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (s(f32::INFINITY), OFC | IXC));
        // RMode = RZ: overflow gives the largest finite value, and 0.1 rounds down.
        let mut t = TestCpu::new();
        t.cpu.fpcr = 3 << 22;
        t.cpu.v[1] = d(-1e300);
        t.exec(&[0x1e62_4020]); // fcvt s0, d1
        assert_eq!(t.cpu.v[0], s(f32::MIN));
        t.cpu.v[1] = d(0.1);
        t.exec(&[0x1e62_4020]);
        assert_eq!(t.cpu.v[0], s(0.1) - 1);
        // NaNs: quietened, payload kept (top bits).
        let t = run(0x1e62_4020, &[(1, 0xfff0_0000_2000_0000)]); // fcvt s0, d1
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (0xffc0_0001, IOC));
        let t = run(0x1e22_c020, &[(1, 0x7fc0_0001)]); // fcvt d0, s1
        assert_eq!(t.cpu.v[0], 0x7ff8_0000_2000_0000);
        // Half precision.
        for (from, want) in [
            (1.0f32, 0x3c00u128),
            (-2.0, 0xc000),
            (65504.0, 0x7bff),
            (65520.0, 0x7c00), // rounds up to infinity
            (5.960_464_5e-8, 0x0001),
            (0.333_333_34, 0x3555),
        ] {
            let t = run(0x1e23_c020, &[(1, s(from))]); // fcvt h0, s1
            assert_eq!(t.cpu.v[0], want, "{from}");
        }
        let t = run(0x1ee2_4020, &[(1, 0x3555)]); // fcvt s0, h1
        assert_eq!(t.cpu.v[0], s(0.333_251_95));
        let t = run(0x1ee2_c020, &[(1, 0x8001)]); // fcvt d0, h1
        assert_eq!(t.cpu.v[0], d(-5.960_464_477_539_063e-8));
        let t = run(0x1ee2_c020, &[(1, 0xfc00)]); // fcvt d0, h1
        assert_eq!(t.cpu.v[0], d(f64::NEG_INFINITY));
        let t = run(0x1e63_c020, &[(1, d(1e-10))]); // fcvt h0, d1
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (0, UFC | IXC));
        let t = run(0x1e63_c020, &[(1, 0x7ff4_0000_0000_0000)]); // fcvt h0, d1
        assert_eq!(t.cpu.v[0], 0x7f00);
    }

    #[test]
    fn integer_to_float() {
        let mut t = TestCpu::new();
        let cases: [(u32, u64, u128, u32); 9] = [
            (0x9e62_0020, (-3i64) as u64, d(-3.0), 0), // scvtf d0, x1
            (0x9e62_0020, i64::MIN as u64, d(-9.223_372_036_854_776e18), 0),
            (0x9e62_0020, (1 << 53) + 1, d(9_007_199_254_740_992.0), IXC),
            (0x1e22_0020, 0xffff_ffff, s(-1.0), 0), // scvtf s0, w1
            (0x9e63_0020, u64::MAX, d(1.844_674_407_370_955_2e19), IXC), // ucvtf d0, x1
            (0x9e23_0020, u64::MAX, s(1.844_674_4e19), IXC), // ucvtf s0, x1
            (0x1e62_0020, 0xdead_0000_8000_0000, d(-2_147_483_648.0), 0), // scvtf d0, w1
            (0x9e42_f020, 40, d(2.5), 0),           // scvtf d0, x1, #4
            (0x1e03_8020, 0x8000_0000, s(0.5), 0),  // ucvtf s0, w1, #32
        ];
        for (w, x, want, fpsr) in cases {
            t.cpu.fpsr = 0;
            t.cpu.v[0] = u128::MAX;
            t.cpu.set_x(1, x);
            t.exec(&[w]);
            assert_eq!((t.cpu.v[0], t.cpu.fpsr), (want, fpsr), "{w:#x} {x:#x}");
        }
        // Rounding follows FPCR.RMode: RM rounds 2^53 + 1 down, RP up.
        t.cpu.set_x(1, (1 << 53) + 1);
        t.cpu.fpcr = 1 << 22;
        t.exec(&[0x9e62_0020]); // scvtf d0, x1
        assert_eq!(t.cpu.v[0], d(9_007_199_254_740_994.0));
        t.cpu.fpcr = 2 << 22;
        t.exec(&[0x9e62_0020]);
        assert_eq!(t.cpu.v[0], d(9_007_199_254_740_992.0));
        // sf = 0 with scale < 32 is unallocated.
        assert_eq!(t.run(&[0x1e03_0020]), Exception::Undefined); // ucvtf s0, w1, #64 (invalid)
    }

    #[test]
    fn float_to_integer() {
        let mut t = TestCpu::new();
        let nan = u128::from(QNAN_D);
        let cases: [(u32, u128, u64, u32); 20] = [
            (0x9e78_0020, d(-2.7), (-2i64) as u64, IXC),  // fcvtzs x0, d1
            (0x9e78_0020, nan, 0, IOC),                   // NaN -> 0
            (0x9e78_0020, d(1e20), i64::MAX as u64, IOC), // saturates
            (0x9e78_0020, d(-1e20), i64::MIN as u64, IOC),
            (0x9e78_0020, d(-9.223_372_036_854_776e18), i64::MIN as u64, 0),
            (0x9e78_0020, d(f64::INFINITY), i64::MAX as u64, IOC),
            (0x1e78_0020, d(3e9), 0x7fff_ffff, IOC), // fcvtzs w0, d1
            (0x1e78_0020, d(-2_147_483_648.9), 0x8000_0000, IXC),
            (0x9e79_0020, d(-0.5), 0, IXC), // fcvtzu x0, d1
            (0x9e79_0020, d(-1.0), 0, IOC),
            (0x9e79_0020, d(1.8e19), 18_000_000_000_000_000_000, 0),
            (0x1e39_0020, s(5e9), 0xffff_ffff, IOC),   // fcvtzu w0, s1
            (0x9e58_e020, d(1.5), 384, 0),             // fcvtzs x0, d1, #8
            (0x1e18_fc20, s(-1.25), 0xffff_fffe, IXC), // fcvtzs w0, s1, #1
            (0x9e60_0020, d(2.5), 2, IXC),             // fcvtns x0, d1
            (0x9e60_0020, d(3.5), 4, IXC),
            (0x9e64_0020, d(-2.5), (-3i64) as u64, IXC), // fcvtas x0, d1
            (0x9e68_0020, d(0.5), 1, IXC),               // fcvtps x0, d1
            (0x9e70_0020, d(-0.5), u64::MAX, IXC),       // fcvtms x0, d1
            (0x1e69_0020, d(4_294_967_295.5), 0xffff_ffff, IOC), // fcvtpu w0, d1
        ];
        for (w, v, want, fpsr) in cases {
            t.cpu.fpsr = 0;
            t.cpu.set_x(0, 0x5555);
            t.cpu.v[1] = v;
            t.exec(&[w]);
            assert_eq!((t.cpu.x(0), t.cpu.fpsr), (want, fpsr), "{w:#x} {v:#x}");
        }
    }

    #[test]
    fn round_to_integral() {
        // frintn, frinta, frintp, frintm, frintz of 2.5, -2.5, 0.5, -0.5, 1.5
        let words = [0x1e64_4020, 0x1e66_4020, 0x1e64_c020, 0x1e65_4020, 0x1e65_c020];
        let want: [[f64; 5]; 5] = [
            [2.0, -2.0, 0.0, -0.0, 2.0], // N
            [3.0, -3.0, 1.0, -1.0, 2.0], // A
            [3.0, -2.0, 1.0, -0.0, 2.0], // P
            [2.0, -3.0, 0.0, -1.0, 1.0], // M
            [2.0, -2.0, 0.0, -0.0, 1.0], // Z
        ];
        for (w, row) in words.iter().zip(want) {
            for (x, r) in [2.5, -2.5, 0.5, -0.5, 1.5].iter().zip(row) {
                let t = run(*w, &[(1, d(*x))]);
                assert_eq!((t.cpu.v[0], t.cpu.fpsr), (d(r), 0), "{w:#x} {x}");
            }
        }
        // FRINTX raises inexact; FRINTI does not; both use FPCR.RMode.
        let mut t = TestCpu::new();
        t.cpu.fpcr = 1 << 22; // RP
        t.cpu.v[1] = d(2.25);
        t.exec(&[0x1e67_4020]); // frintx d0, d1
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (d(3.0), IXC));
        t.cpu.fpsr = 0;
        t.exec(&[0x1e67_c020]); // frinti d0, d1
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (d(3.0), 0));
        let t = run(0x1e24_4020, &[(1, s(-0.4))]); // frintn s0, s1
        assert_eq!(t.cpu.v[0], s(-0.0));
        let t = run(0x1e64_4020, &[(1, 0x7ff0_0000_0000_0002)]); // frintn d0, d1 (SNaN)
        assert_eq!((t.cpu.v[0], t.cpu.fpsr), (0x7ff8_0000_0000_0002, IOC));
        let t = run(0x1e64_4020, &[(1, d(1e300))]);
        assert_eq!(t.cpu.v[0], d(1e300));
    }
}
