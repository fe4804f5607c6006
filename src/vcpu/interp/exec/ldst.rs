//! Loads and stores (ARM ARM C4.1.4), except the Advanced SIMD structure
//! loads and stores (LD1..LD4/ST1..ST4, in `simd_ldst.rs`): single registers
//! in every addressing mode (integer and SIMD&FP), pairs, literals,
//! exclusives, load-acquire/store-release (incl. FEAT_LRCPC/LRCPC2) and the
//! FEAT_LSE atomics.
//!
//! Atomic, exclusive and ordered accesses go to host memory through
//! `Cpu::atomic_ptr` and host atomics (SeqCst), so they stay atomic against
//! other host threads that run CPUs on the same guest memory.

use std::sync::atomic::{
    AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering,
};

use crate::vcpu::interp::cpu::{Cpu, ExclusiveMonitor};
use crate::vcpu::interp::decode::{bit, bits, insn, ra, rd, rm, rn, sext, Insn};
use crate::vcpu::interp::exception::{Exception, ExecResult, FaultKind};

/// Encodings of this class.
pub const TABLE: &[Insn] = &[
    // Fast paths for the commonest forms (the general entries below cover them too).
    insn("11 111 0 01 01 iiiiiiiiiiii nnnnn ttttt", "LDR (immediate, X)", ldr_uimm::<3>),
    insn("10 111 0 01 01 iiiiiiiiiiii nnnnn ttttt", "LDR (immediate, W)", ldr_uimm::<2>),
    insn("00 111 0 01 01 iiiiiiiiiiii nnnnn ttttt", "LDRB (immediate)", ldr_uimm::<0>),
    insn("11 111 0 01 00 iiiiiiiiiiii nnnnn ttttt", "STR (immediate, X)", str_uimm::<3>),
    insn("10 111 0 01 00 iiiiiiiiiiii nnnnn ttttt", "STR (immediate, W)", str_uimm::<2>),
    insn("00 111 0 01 00 iiiiiiiiiiii nnnnn ttttt", "STRB (immediate)", str_uimm::<0>),
    // Load/store register (unsigned immediate): size 111 V 01 opc imm12 Rn Rt.
    insn("ss 111 0 01 oo iiiiiiiiiiii nnnnn ttttt", "LDR/STR (immediate)", ldst_int::<UIMM>),
    insn("ss 111 1 01 oo iiiiiiiiiiii nnnnn ttttt", "LDR/STR (SIMD&FP, immediate)", ldst_fp::<UIMM>),
    // Unscaled immediate, post-index, unprivileged, pre-index: ... 0 imm9 op Rn Rt.
    insn("ss 111 0 00 oo 0 iiiiiiiii 00 nnnnn ttttt", "LDUR/STUR", ldst_int::<UNSCALED>),
    insn("ss 111 1 00 oo 0 iiiiiiiii 00 nnnnn ttttt", "LDUR/STUR (SIMD&FP)", ldst_fp::<UNSCALED>),
    insn("ss 111 0 00 oo 0 iiiiiiiii 01 nnnnn ttttt", "LDR/STR (post-index)", ldst_int::<POST>),
    insn("ss 111 1 00 oo 0 iiiiiiiii 01 nnnnn ttttt", "LDR/STR (SIMD&FP, post-index)", ldst_fp::<POST>),
    insn("ss 111 0 00 oo 0 iiiiiiiii 10 nnnnn ttttt", "LDTR/STTR", ldst_int::<UNPRIV>),
    insn("ss 111 0 00 oo 0 iiiiiiiii 11 nnnnn ttttt", "LDR/STR (pre-index)", ldst_int::<PRE>),
    insn("ss 111 1 00 oo 0 iiiiiiiii 11 nnnnn ttttt", "LDR/STR (SIMD&FP, pre-index)", ldst_fp::<PRE>),
    // Register offset; option<1> == 0 is reserved (left unmatched).
    insn("ss 111 0 00 oo 1 mmmmm x1x S 10 nnnnn ttttt", "LDR/STR (register)", ldst_int::<REG>),
    insn("ss 111 1 00 oo 1 mmmmm x1x S 10 nnnnn ttttt", "LDR/STR (SIMD&FP, register)", ldst_fp::<REG>),
    // Atomic memory operations (FEAT_LSE, FEAT_LRCPC LDAPR).
    insn("ss 111 0 00 a r 1 sssss 0 ooo 00 nnnnn ttttt", "LD<op>", lse_op),
    insn("ss 111 0 00 a r 1 sssss 1 000 00 nnnnn ttttt", "SWP", swp),
    insn("ss 111 0 00 1 0 1 11111 1 100 00 nnnnn ttttt", "LDAPR", ldapr),
    // Load register (literal).
    insn("oo 011 0 00 iiiiiiiiiiiiiiiiiii ttttt", "LDR (literal)", ldr_lit_int),
    insn("oo 011 1 00 iiiiiiiiiiiiiiiiiii ttttt", "LDR (SIMD&FP, literal)", ldr_lit_fp),
    // Pairs: opc 101 V 0 idx L imm7 Rt2 Rn Rt (idx 00 non-temporal, 01 post, 10 offset, 11 pre).
    insn("oo 101 0 0 00 l iiiiiii uuuuu nnnnn ttttt", "LDNP/STNP", ldst_pair_int::<NOALLOC>),
    insn("oo 101 0 0 01 l iiiiiii uuuuu nnnnn ttttt", "LDP/STP (post-index)", ldst_pair_int::<POST>),
    insn("oo 101 0 0 10 l iiiiiii uuuuu nnnnn ttttt", "LDP/STP (signed offset)", ldst_pair_int::<UIMM>),
    insn("oo 101 0 0 11 l iiiiiii uuuuu nnnnn ttttt", "LDP/STP (pre-index)", ldst_pair_int::<PRE>),
    insn("oo 101 1 0 00 l iiiiiii uuuuu nnnnn ttttt", "LDNP/STNP (SIMD&FP)", ldst_pair_fp::<NOALLOC>),
    insn("oo 101 1 0 01 l iiiiiii uuuuu nnnnn ttttt", "LDP/STP (SIMD&FP, post-index)", ldst_pair_fp::<POST>),
    insn("oo 101 1 0 10 l iiiiiii uuuuu nnnnn ttttt", "LDP/STP (SIMD&FP, signed offset)", ldst_pair_fp::<UIMM>),
    insn("oo 101 1 0 11 l iiiiiii uuuuu nnnnn ttttt", "LDP/STP (SIMD&FP, pre-index)", ldst_pair_fp::<PRE>),
    // Exclusives, ordered, compare and swap: size 001000 o2 L o1 Rs o0 Rt2 Rn Rt.
    insn("ss 001000 0 0 0 sssss o uuuuu nnnnn ttttt", "STXR/STLXR", stxr),
    insn("ss 001000 0 1 0 sssss o uuuuu nnnnn ttttt", "LDXR/LDAXR", ldxr),
    insn("1s 001000 0 0 1 sssss o uuuuu nnnnn ttttt", "STXP/STLXP", stxp),
    insn("1s 001000 0 1 1 sssss o uuuuu nnnnn ttttt", "LDXP/LDAXP", ldxp),
    insn("0s 001000 0 l 1 sssss o 11111 nnnnn ttttt", "CASP", casp),
    insn("ss 001000 1 0 0 sssss o uuuuu nnnnn ttttt", "STLR/STLLR", stlr),
    insn("ss 001000 1 1 0 sssss o uuuuu nnnnn ttttt", "LDAR/LDLAR", ldar),
    insn("ss 001000 1 l 1 sssss o 11111 nnnnn ttttt", "CAS", cas),
    // FEAT_LRCPC2: LDAPUR*/STLUR (unscaled, ordered).
    insn("ss 011001 oo 0 iiiiiiiii 00 nnnnn ttttt", "LDAPUR/STLUR", ldapur_stlur),
];

// Addressing modes (const generic parameter of the handlers).
/// Unsigned scaled 12-bit offset (pairs: signed scaled offset).
const UIMM: u8 = 0;
/// Unscaled signed 9-bit offset.
const UNSCALED: u8 = 1;
/// Post-index with writeback.
const POST: u8 = 2;
/// Pre-index with writeback.
const PRE: u8 = 3;
/// Unprivileged (LDTR/STTR): unscaled offset, EL0 permissions.
const UNPRIV: u8 = 4;
/// Register offset.
const REG: u8 = 5;
/// Pair, non-temporal (LDNP/STNP): signed scaled offset.
const NOALLOC: u8 = 6;

/// The signed 9-bit immediate at bits 20:12.
#[inline(always)]
fn simm9(i: u32) -> u64 {
    sext(u64::from(bits(i, 12, 9)), 9) as u64
}

/// The extended and scaled register offset (`Rm`, option, S) of the
/// register-offset forms; option<1> == 1 was checked by the pattern.
#[inline(always)]
fn reg_offset(c: &Cpu, i: u32, scale: u32) -> u64 {
    let m = c.x(rm(i));
    let ext = match bits(i, 13, 3) {
        0b010 => u64::from(m as u32),               // UXTW
        0b110 => i64::from(m as u32 as i32) as u64, // SXTW
        _ => m,                                     // LSL (UXTX) / SXTX
    };
    if bit(i, 12) {
        ext << scale
    } else {
        ext
    }
}

/// Address and writeback value of a single-register access.
#[inline(always)]
fn address<const MODE: u8>(c: &Cpu, i: u32, scale: u32) -> (u64, Option<u64>) {
    let base = c.xsp(rn(i));
    match MODE {
        UIMM => (base.wrapping_add(u64::from(bits(i, 10, 12)) << scale), None),
        POST => (base, Some(base.wrapping_add(simm9(i)))),
        PRE => {
            let a = base.wrapping_add(simm9(i));
            (a, Some(a))
        }
        REG => (base.wrapping_add(reg_offset(c, i, scale)), None),
        _ => (base.wrapping_add(simm9(i)), None),
    }
}

/// Load 1 << `size` bytes, zero-extended.
#[inline(always)]
fn load(c: &mut Cpu, va: u64, size: u32) -> Result<u64, Exception> {
    Ok(match size {
        0 => u64::from(c.read_u8(va)?),
        1 => u64::from(c.read_u16(va)?),
        2 => u64::from(c.read_u32(va)?),
        _ => c.read_u64(va)?,
    })
}

/// Store the low 1 << `size` bytes of `v`.
#[inline(always)]
fn store(c: &mut Cpu, va: u64, size: u32, v: u64) -> ExecResult {
    match size {
        0 => c.write_u8(va, v as u8),
        1 => c.write_u16(va, v as u16),
        2 => c.write_u32(va, v as u32),
        _ => c.write_u64(va, v),
    }
}

/// What an integer load/store (size, opc) does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IntOp {
    Store,
    /// Zero-extending load.
    Load,
    /// Sign-extending load to 64 bits.
    LoadS64,
    /// Sign-extending load to 32 bits (upper half zeroed).
    LoadS32,
    Prefetch,
}

/// Decode size:opc of the integer single-register forms.
#[inline(always)]
fn int_op(size: u32, opc: u32) -> Result<IntOp, Exception> {
    match (opc, size) {
        (0, _) => Ok(IntOp::Store),
        (1, _) => Ok(IntOp::Load),
        (2, 3) => Ok(IntOp::Prefetch),
        (2, _) => Ok(IntOp::LoadS64),
        (3, 0 | 1) => Ok(IntOp::LoadS32),
        _ => Err(Exception::Undefined),
    }
}

/// Perform an integer load or store of `op` at `va`; write the base back
/// (`wb`) after the access and before the loaded register, so a load with
/// Rn == Rt keeps the loaded value (CONSTRAINED UNPREDICTABLE: WBSUPPRESS).
#[inline(always)]
fn int_access(c: &mut Cpu, op: IntOp, size: u32, va: u64, wb: Option<u64>, t: u32, n: u32) -> ExecResult {
    let v = match op {
        IntOp::Store => {
            // A store with writeback and Rn == Rt stores the original value.
            let v = c.x(t);
            store(c, va, size, v)?;
            if let Some(w) = wb {
                c.set_xsp(n, w);
            }
            return Ok(());
        }
        IntOp::Prefetch => return Ok(()),
        IntOp::Load => load(c, va, size)?,
        IntOp::LoadS64 => sext(load(c, va, size)?, 8 << size) as u64,
        IntOp::LoadS32 => u64::from(sext(load(c, va, size)?, 8 << size) as u32),
    };
    if let Some(w) = wb {
        c.set_xsp(n, w);
    }
    c.set_x(t, v);
    Ok(())
}

/// LDR/LDRB (unsigned offset), zero-extending: a fast path of `ldst_int`.
fn ldr_uimm<const SIZE: u32>(c: &mut Cpu, i: u32) -> ExecResult {
    let va = c.xsp(rn(i)).wrapping_add(u64::from(bits(i, 10, 12)) << SIZE);
    let v = load(c, va, SIZE)?;
    c.set_x(rd(i), v);
    Ok(())
}

/// STR/STRB (unsigned offset): a fast path of `ldst_int`.
fn str_uimm<const SIZE: u32>(c: &mut Cpu, i: u32) -> ExecResult {
    let va = c.xsp(rn(i)).wrapping_add(u64::from(bits(i, 10, 12)) << SIZE);
    store(c, va, SIZE, c.x(rd(i)))
}

/// LDR/STR/LDRB/STRB/LDRH/STRH/LDRS*/PRFM and their LDUR/LDTR forms.
fn ldst_int<const MODE: u8>(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let op = int_op(size, bits(i, 22, 2))?;
    if op == IntOp::Prefetch && matches!(MODE, POST | PRE | UNPRIV) {
        return Err(Exception::Undefined);
    }
    let (va, wb) = address::<MODE>(c, i, size);
    if MODE == UNPRIV && c.el != 0 {
        // LDTR/STTR at EL1 access memory with EL0 permissions.
        let el = c.el;
        c.el = 0;
        let r = int_access(c, op, size, va, None, rd(i), rn(i));
        c.el = el;
        return r;
    }
    int_access(c, op, size, va, wb, rd(i), rn(i))
}

/// Load 1 << `scale` bytes (scale 0..=4), zero-extended.
#[inline(always)]
fn load_fp(c: &mut Cpu, va: u64, scale: u32) -> Result<u128, Exception> {
    if scale == 4 {
        c.read_u128(va)
    } else {
        Ok(u128::from(load(c, va, scale)?))
    }
}

/// Store the low 1 << `scale` bytes (scale 0..=4) of `v`.
#[inline(always)]
fn store_fp(c: &mut Cpu, va: u64, scale: u32, v: u128) -> ExecResult {
    if scale == 4 {
        c.write_u128(va, v)
    } else {
        store(c, va, scale, v as u64)
    }
}

/// LDR/STR/LDUR/STUR of B/H/S/D/Q registers.
fn ldst_fp<const MODE: u8>(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let opc = bits(i, 22, 2);
    if opc & 2 != 0 && size != 0 {
        return Err(Exception::Undefined);
    }
    let scale = ((opc & 2) << 1) | size;
    let (va, wb) = address::<MODE>(c, i, scale);
    let (t, n) = (rd(i), rn(i));
    if opc & 1 == 0 {
        let v = c.vreg(t);
        store_fp(c, va, scale, v)?;
    } else {
        let v = load_fp(c, va, scale)?;
        c.set_vreg_scalar(t, v, 1 << scale);
    }
    if let Some(w) = wb {
        c.set_xsp(n, w);
    }
    Ok(())
}

/// Address of a literal: PC of this instruction + imm19 * 4.
#[inline(always)]
fn literal_address(c: &Cpu, i: u32) -> u64 {
    c.cur_pc.wrapping_add((sext(u64::from(bits(i, 5, 19)), 19) << 2) as u64)
}

/// LDR (literal) W/X, LDRSW (literal), PRFM (literal).
fn ldr_lit_int(c: &mut Cpu, i: u32) -> ExecResult {
    let va = literal_address(c, i);
    let v = match bits(i, 30, 2) {
        0 => u64::from(c.read_u32(va)?),
        1 => c.read_u64(va)?,
        2 => i64::from(c.read_u32(va)? as i32) as u64,
        _ => return Ok(()), // PRFM: a hint, never faults
    };
    c.set_x(rd(i), v);
    Ok(())
}

/// LDR (SIMD&FP, literal): S, D, Q.
fn ldr_lit_fp(c: &mut Cpu, i: u32) -> ExecResult {
    let scale = match bits(i, 30, 2) {
        0 => 2,
        1 => 3,
        2 => 4,
        _ => return Err(Exception::Undefined),
    };
    let va = literal_address(c, i);
    let v = load_fp(c, va, scale)?;
    c.set_vreg_scalar(rd(i), v, 1 << scale);
    Ok(())
}

/// Address and writeback value of a pair access with element size 1 << `scale`.
#[inline(always)]
fn pair_address<const MODE: u8>(c: &Cpu, i: u32, scale: u32) -> (u64, Option<u64>) {
    let base = c.xsp(rn(i));
    let off = (sext(u64::from(bits(i, 15, 7)), 7) << scale) as u64;
    match MODE {
        POST => (base, Some(base.wrapping_add(off))),
        PRE => {
            let a = base.wrapping_add(off);
            (a, Some(a))
        }
        _ => (base.wrapping_add(off), None),
    }
}

/// STP/LDP/STNP/LDNP (W, X) and LDPSW. Both halves are read (or both pages
/// checked) before any register or memory is changed.
fn ldst_pair_int<const MODE: u8>(c: &mut Cpu, i: u32) -> ExecResult {
    let load = bit(i, 22);
    // (64-bit, sign-extending)
    let (wide, signed) = match bits(i, 30, 2) {
        0 => (false, false),
        1 if load && MODE != NOALLOC => (false, true), // LDPSW (opc=01, L=0 is STGP)
        2 => (true, false),
        _ => return Err(Exception::Undefined),
    };
    let (t, t2, n) = (rd(i), ra(i), rn(i));
    let (va, wb) = pair_address::<MODE>(c, i, if wide { 3 } else { 2 });
    if load {
        // Rt == Rt2 is CONSTRAINED UNPREDICTABLE: Rt2 wins here.
        let (a, b) = if wide {
            let v = u128::from_le_bytes(c.read_bytes::<16>(va)?);
            (v as u64, (v >> 64) as u64)
        } else {
            let v = u64::from_le_bytes(c.read_bytes::<8>(va)?);
            if signed {
                (i64::from(v as i32) as u64, i64::from((v >> 32) as i32) as u64)
            } else {
                (v & 0xffff_ffff, v >> 32)
            }
        };
        if let Some(w) = wb {
            c.set_xsp(n, w);
        }
        c.set_x(t, a);
        c.set_x(t2, b);
    } else {
        let (a, b) = (c.x(t), c.x(t2));
        if wide {
            c.write_bytes::<16>(va, (u128::from(a) | (u128::from(b) << 64)).to_le_bytes())?;
        } else {
            c.write_bytes::<8>(va, (u64::from(a as u32) | (b << 32)).to_le_bytes())?;
        }
        if let Some(w) = wb {
            c.set_xsp(n, w);
        }
    }
    Ok(())
}

/// STP/LDP/STNP/LDNP of S, D and Q registers.
fn ldst_pair_fp<const MODE: u8>(c: &mut Cpu, i: u32) -> ExecResult {
    let scale = match bits(i, 30, 2) {
        0 => 2,
        1 => 3,
        2 => 4,
        _ => return Err(Exception::Undefined),
    };
    let load = bit(i, 22);
    let (t, t2, n) = (rd(i), ra(i), rn(i));
    let (va, wb) = pair_address::<MODE>(c, i, scale);
    if load {
        let (a, b) = match scale {
            2 => {
                let v = u64::from_le_bytes(c.read_bytes::<8>(va)?);
                (u128::from(v & 0xffff_ffff), u128::from(v >> 32))
            }
            3 => {
                let v = u128::from_le_bytes(c.read_bytes::<16>(va)?);
                (v & u128::from(u64::MAX), v >> 64)
            }
            _ => {
                let d = c.read_bytes::<32>(va)?;
                let (mut lo, mut hi) = ([0u8; 16], [0u8; 16]);
                lo.copy_from_slice(&d[..16]);
                hi.copy_from_slice(&d[16..]);
                (u128::from_le_bytes(lo), u128::from_le_bytes(hi))
            }
        };
        if let Some(w) = wb {
            c.set_xsp(n, w);
        }
        c.set_vreg_scalar(t, a, 1 << scale);
        c.set_vreg_scalar(t2, b, 1 << scale);
    } else {
        let (a, b) = (c.vreg(t), c.vreg(t2));
        match scale {
            2 => c.write_bytes::<8>(va, (u64::from(a as u32) | (u64::from(b as u32) << 32)).to_le_bytes())?,
            3 => c.write_bytes::<16>(va, (u128::from(a as u64) | (u128::from(b as u64) << 64)).to_le_bytes())?,
            _ => {
                let mut d = [0u8; 32];
                d[..16].copy_from_slice(&a.to_le_bytes());
                d[16..].copy_from_slice(&b.to_le_bytes());
                c.write_bytes::<32>(va, d)?;
            }
        }
        if let Some(w) = wb {
            c.set_xsp(n, w);
        }
    }
    Ok(())
}

// ---- host atomics ------------------------------------------------------------

/// Atomic load of the naturally aligned 1 << `size`-byte location at `p`.
#[inline(always)]
fn atomic_load(p: *mut u8, size: u32) -> u64 {
    // SAFETY: `p` comes from `Cpu::atomic_ptr`, so it points into the guest
    // memory reservation (live for the CPU's lifetime), is aligned to the
    // access size and the range does not cross a page. Guest memory is only
    // ever accessed through raw pointers, never through Rust references.
    unsafe {
        match size {
            0 => u64::from(AtomicU8::from_ptr(p).load(Ordering::SeqCst)),
            1 => u64::from(AtomicU16::from_ptr(p.cast()).load(Ordering::SeqCst)),
            2 => u64::from(AtomicU32::from_ptr(p.cast()).load(Ordering::SeqCst)),
            _ => AtomicU64::from_ptr(p.cast()).load(Ordering::SeqCst),
        }
    }
}

/// Atomic store of the low 1 << `size` bytes of `v` at `p`.
#[inline(always)]
fn atomic_store(p: *mut u8, size: u32, v: u64) {
    // SAFETY: as in `atomic_load`: `p` is an aligned, in-page host pointer
    // into guest memory from `Cpu::atomic_ptr`.
    unsafe {
        match size {
            0 => AtomicU8::from_ptr(p).store(v as u8, Ordering::SeqCst),
            1 => AtomicU16::from_ptr(p.cast()).store(v as u16, Ordering::SeqCst),
            2 => AtomicU32::from_ptr(p.cast()).store(v as u32, Ordering::SeqCst),
            _ => AtomicU64::from_ptr(p.cast()).store(v, Ordering::SeqCst),
        }
    }
}

/// Atomic compare-and-swap of 1 << `size` bytes; returns the old value
/// (Ok if the swap happened).
#[inline(always)]
fn atomic_cas(p: *mut u8, size: u32, old: u64, new: u64) -> Result<u64, u64> {
    const SC: Ordering = Ordering::SeqCst;
    // SAFETY: as in `atomic_load`: `p` is an aligned, in-page host pointer
    // into guest memory from `Cpu::atomic_ptr`.
    unsafe {
        match size {
            0 => AtomicU8::from_ptr(p).compare_exchange(old as u8, new as u8, SC, SC).map(u64::from).map_err(u64::from),
            1 => AtomicU16::from_ptr(p.cast())
                .compare_exchange(old as u16, new as u16, SC, SC)
                .map(u64::from)
                .map_err(u64::from),
            2 => AtomicU32::from_ptr(p.cast())
                .compare_exchange(old as u32, new as u32, SC, SC)
                .map(u64::from)
                .map_err(u64::from),
            _ => AtomicU64::from_ptr(p.cast()).compare_exchange(old, new, SC, SC),
        }
    }
}

/// Atomic 16-byte compare-and-swap at the 16-byte aligned `p`; returns the
/// old value (Ok if the swap happened).
fn cas128(p: *mut u8, old: u128, new: u128) -> Result<u128, u128> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("cmpxchg16b") {
            // SAFETY: the CPU supports CMPXCHG16B (checked above); `p` is a
            // 16-byte aligned, writable, in-page host pointer into guest
            // memory from `Cpu::atomic_ptr(va, 16, true)`.
            let seen = unsafe { cmpxchg16b(p.cast(), old, new) };
            return if seen == old { Ok(seen) } else { Err(seen) };
        }
    }
    cas128_locked(p, old, new)
}

/// `LOCK CMPXCHG16B` (inline assembly: `core::arch::x86_64::cmpxchg16b`
/// lowers to a libatomic call when core is not built with the feature).
/// Returns the old value. The caller guarantees CPU support and a valid,
/// writable, 16-byte aligned `p`.
#[cfg(target_arch = "x86_64")]
unsafe fn cmpxchg16b(p: *mut u128, old: u128, new: u128) -> u128 {
    let (mut lo, mut hi) = (old as u64, (old >> 64) as u64);
    // SAFETY: forwarded from the caller's contract. RBX cannot be an asm
    // operand, so the low half of `new` is swapped into it and restored
    // afterwards. Both operands use explicit registers: a `reg` operand may
    // be allocated to RBX itself, which the swap would then clobber (seen in
    // release builds).
    unsafe {
        core::arch::asm!(
            "xchg rsi, rbx",
            "lock cmpxchg16b xmmword ptr [rdi]",
            "mov rbx, rsi",
            in("rdi") p,
            inout("rsi") new as u64 => _,
            inout("rax") lo,
            inout("rdx") hi,
            in("rcx") (new >> 64) as u64,
            options(nostack),
        );
    }
    u128::from(lo) | (u128::from(hi) << 64)
}

/// Fallback 16-byte CAS for hosts without a native one: serialised by a
/// striped lock. Only atomic against other 16-byte CAS operations.
fn cas128_locked(p: *mut u8, old: u128, new: u128) -> Result<u128, u128> {
    static STRIPES: [parking_lot::Mutex<()>; 16] = [const { parking_lot::Mutex::new(()) }; 16];
    let _g = STRIPES[(p as usize >> 4) & 15].lock();
    // SAFETY: `p` is a 16-byte aligned, writable, in-page host pointer into
    // guest memory from `Cpu::atomic_ptr(va, 16, true)`.
    unsafe {
        let seen = std::ptr::read_volatile(p.cast::<u128>());
        if seen == old {
            std::ptr::write_volatile(p.cast::<u128>(), new);
            Ok(seen)
        } else {
            Err(seen)
        }
    }
}

/// Apply LSE operation `opc` (ADD, CLR, EOR, SET, SMAX, SMIN, UMAX, UMIN)
/// of `v` to the 1 << `size`-byte location at `p`; returns the old value.
#[inline(always)]
fn atomic_rmw(p: *mut u8, size: u32, opc: u32, v: u64) -> u64 {
    macro_rules! rmw {
        ($a:ty, $sa:ty, $u:ty, $s:ty) => {{
            const SC: Ordering = Ordering::SeqCst;
            let v = v as $u;
            // SAFETY: as in `atomic_load`: `p` is an aligned, writable,
            // in-page host pointer into guest memory from `Cpu::atomic_ptr`;
            // the signed view has the same size and alignment.
            let (a, sa) = unsafe { (<$a>::from_ptr(p.cast::<$u>()), <$sa>::from_ptr(p.cast::<$s>())) };
            let old = match opc {
                0 => a.fetch_add(v, SC),
                1 => a.fetch_and(!v, SC),
                2 => a.fetch_xor(v, SC),
                3 => a.fetch_or(v, SC),
                4 => sa.fetch_max(v as $s, SC) as $u,
                5 => sa.fetch_min(v as $s, SC) as $u,
                6 => a.fetch_max(v, SC),
                _ => a.fetch_min(v, SC),
            };
            u64::from(old)
        }};
    }
    match size {
        0 => rmw!(AtomicU8, AtomicI8, u8, i8),
        1 => rmw!(AtomicU16, AtomicI16, u16, i16),
        2 => rmw!(AtomicU32, AtomicI32, u32, i32),
        _ => rmw!(AtomicU64, AtomicI64, u64, i64),
    }
}

/// An alignment fault at `va`.
#[inline(always)]
fn alignment_fault(va: u64, write: bool) -> Exception {
    Exception::DataAbort { va, write, kind: FaultKind::Alignment }
}

// ---- atomics (FEAT_LSE) ------------------------------------------------------------

/// LDADD/LDCLR/LDEOR/LDSET/LDSMAX/LDSMIN/LDUMAX/LDUMIN{A,L,AL}{B,H} and the
/// ST<op> aliases (Rt = 31).
fn lse_op(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let v = c.x(rm(i));
    let p = c.atomic_ptr(c.xsp(rn(i)), 1 << size, true)?;
    let old = atomic_rmw(p, size, bits(i, 12, 3), v);
    c.set_x(rd(i), old);
    Ok(())
}

/// SWP{A,L,AL}{B,H}.
fn swp(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let v = c.x(rm(i));
    let p = c.atomic_ptr(c.xsp(rn(i)), 1 << size, true)?;
    // SAFETY: as in `atomic_load`: `p` is an aligned, writable, in-page host
    // pointer into guest memory from `Cpu::atomic_ptr`.
    let old = unsafe {
        match size {
            0 => u64::from(AtomicU8::from_ptr(p).swap(v as u8, Ordering::SeqCst)),
            1 => u64::from(AtomicU16::from_ptr(p.cast()).swap(v as u16, Ordering::SeqCst)),
            2 => u64::from(AtomicU32::from_ptr(p.cast()).swap(v as u32, Ordering::SeqCst)),
            _ => AtomicU64::from_ptr(p.cast()).swap(v, Ordering::SeqCst),
        }
    };
    c.set_x(rd(i), old);
    Ok(())
}

/// CAS{A,L,AL}{B,H}: compare Rs with memory, store Rt if equal; Rs gets the
/// old value.
fn cas(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let s = rm(i);
    let (expected, new) = (c.x(s), c.x(rd(i)));
    let p = c.atomic_ptr(c.xsp(rn(i)), 1 << size, true)?;
    let old = atomic_cas(p, size, expected, new).unwrap_or_else(|o| o);
    c.set_x(s, old);
    Ok(())
}

/// CASP{A,L,AL} (W and X pairs); Rs and Rt must be even.
fn casp(c: &mut Cpu, i: u32) -> ExecResult {
    let (s, t) = (rm(i), rd(i));
    if s & 1 != 0 || t & 1 != 0 {
        return Err(Exception::Undefined);
    }
    let va = c.xsp(rn(i));
    if bit(i, 30) {
        let old = u128::from(c.x(s)) | (u128::from(c.x(s + 1)) << 64);
        let new = u128::from(c.x(t)) | (u128::from(c.x(t + 1)) << 64);
        let p = c.atomic_ptr(va, 16, true)?;
        let seen = cas128(p, old, new).unwrap_or_else(|o| o);
        c.set_x(s, seen as u64);
        c.set_x(s + 1, (seen >> 64) as u64);
    } else {
        let old = u64::from(c.w(s)) | (u64::from(c.w(s + 1)) << 32);
        let new = u64::from(c.w(t)) | (u64::from(c.w(t + 1)) << 32);
        let p = c.atomic_ptr(va, 8, true)?;
        let seen = atomic_cas(p, 3, old, new).unwrap_or_else(|o| o);
        c.set_x(s, seen & 0xffff_ffff);
        c.set_x(s + 1, seen >> 32);
    }
    Ok(())
}

// ---- ordered ---------------------------------------------------------------------

/// LDAPR{B,H} (FEAT_LRCPC).
fn ldapr(c: &mut Cpu, i: u32) -> ExecResult {
    ldar(c, i)
}

/// LDAR{B,H}, LDLAR{B,H}.
fn ldar(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let p = c.atomic_ptr(c.xsp(rn(i)), 1 << size, false)?;
    c.set_x(rd(i), atomic_load(p, size));
    Ok(())
}

/// STLR{B,H}, STLLR{B,H}.
fn stlr(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let v = c.x(rd(i));
    let p = c.atomic_ptr(c.xsp(rn(i)), 1 << size, true)?;
    atomic_store(p, size, v);
    Ok(())
}

/// LDAPUR{B,H,SB,SH,SW} and STLUR{B,H} (FEAT_LRCPC2): ordered accesses
/// with an unscaled offset; they must be naturally aligned.
fn ldapur_stlur(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let op = match int_op(size, bits(i, 22, 2))? {
        IntOp::Prefetch => return Err(Exception::Undefined),
        op => op,
    };
    let va = c.xsp(rn(i)).wrapping_add(simm9(i));
    let t = rd(i);
    if op == IntOp::Store {
        let v = c.x(t);
        let p = c.atomic_ptr(va, 1 << size, true)?;
        atomic_store(p, size, v);
        return Ok(());
    }
    let p = c.atomic_ptr(va, 1 << size, false)?;
    let v = atomic_load(p, size);
    let v = match op {
        IntOp::LoadS64 => sext(v, 8 << size) as u64,
        IntOp::LoadS32 => u64::from(sext(v, 8 << size) as u32),
        _ => v,
    };
    c.set_x(t, v);
    Ok(())
}

// ---- exclusives -----------------------------------------------------------------

/// LDXR{B,H}, LDAXR{B,H}: load and mark the location in the monitor.
fn ldxr(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let va = c.xsp(rn(i));
    let p = c.atomic_ptr(va, 1 << size, false)?;
    let v = atomic_load(p, size);
    c.excl = Some(ExclusiveMonitor { va, size: 1 << size, value: u128::from(v) });
    c.set_x(rd(i), v);
    Ok(())
}

/// LDXP, LDAXP (32- and 64-bit pairs).
fn ldxp(c: &mut Cpu, i: u32) -> ExecResult {
    let va = c.xsp(rn(i));
    let (t, t2) = (rd(i), ra(i));
    if bit(i, 30) {
        let p = c.atomic_ptr(va, 16, false)?;
        // Two single-copy-atomic halves: a torn pair makes the STXP's
        // 16-byte compare-and-swap fail, so LDXP/STXP stays atomic.
        let lo = atomic_load(p, 3);
        let hi = atomic_load(p.wrapping_add(8), 3);
        c.excl = Some(ExclusiveMonitor { va, size: 16, value: u128::from(lo) | (u128::from(hi) << 64) });
        c.set_x(t, lo);
        c.set_x(t2, hi);
    } else {
        let p = c.atomic_ptr(va, 8, false)?;
        let v = atomic_load(p, 3);
        c.excl = Some(ExclusiveMonitor { va, size: 8, value: u128::from(v) });
        c.set_x(t, v & 0xffff_ffff);
        c.set_x(t2, v >> 32);
    }
    Ok(())
}

/// Common part of the store-exclusives: `bytes` at `va`, `new` to store.
/// ARM ARM `AArch64.ExclusiveMonitorsPass`: the alignment check comes
/// first, the translation only if the local monitor passes. The monitor is
/// cleared whatever the outcome; Ws gets 0 on success, 1 on failure.
#[inline(always)]
fn store_exclusive(c: &mut Cpu, i: u32, va: u64, bytes: u8, new: u128) -> ExecResult {
    if va & (u64::from(bytes) - 1) != 0 {
        c.excl = None;
        return Err(alignment_fault(va, true));
    }
    let ok = match c.excl.take() {
        Some(m) if m.va == va && m.size == bytes => {
            let p = c.atomic_ptr(va, u64::from(bytes), true)?;
            match bytes {
                1 => atomic_cas(p, 0, m.value as u64, new as u64).is_ok(),
                2 => atomic_cas(p, 1, m.value as u64, new as u64).is_ok(),
                4 => atomic_cas(p, 2, m.value as u64, new as u64).is_ok(),
                8 => atomic_cas(p, 3, m.value as u64, new as u64).is_ok(),
                _ => cas128(p, m.value, new).is_ok(),
            }
        }
        _ => false,
    };
    c.set_w(rm(i), u32::from(!ok));
    Ok(())
}

/// STXR{B,H}, STLXR{B,H}.
fn stxr(c: &mut Cpu, i: u32) -> ExecResult {
    let size = bits(i, 30, 2);
    let new = u128::from(c.x(rd(i)));
    let va = c.xsp(rn(i));
    store_exclusive(c, i, va, 1 << size, new)
}

/// STXP, STLXP (32- and 64-bit pairs).
fn stxp(c: &mut Cpu, i: u32) -> ExecResult {
    let (a, b) = (c.x(rd(i)), c.x(ra(i)));
    let va = c.xsp(rn(i));
    if bit(i, 30) {
        store_exclusive(c, i, va, 16, u128::from(a) | (u128::from(b) << 64))
    } else {
        store_exclusive(c, i, va, 8, u128::from(a as u32) | (u128::from(b as u32) << 32))
    }
}

#[cfg(test)]
mod tests {
    use crate::vcpu::interp::exception::{Exception, FaultKind};
    use crate::vcpu::interp::testing::{TestCpu, CODE, DATA, DATA_SIZE};

    /// An address with no mapping.
    const UNMAPPED: u64 = 0x10_0000_0000;

    fn put(t: &TestCpu, pa: u64, b: &[u8]) {
        t.cpu.phys.write_bytes(pa, b).unwrap();
    }
    fn put64(t: &TestCpu, pa: u64, v: u64) {
        put(t, pa, &v.to_le_bytes());
    }
    fn get<const N: usize>(t: &TestCpu, pa: u64) -> [u8; N] {
        let mut b = [0u8; N];
        t.cpu.phys.read_bytes(pa, &mut b).unwrap();
        b
    }
    fn get64(t: &TestCpu, pa: u64) -> u64 {
        u64::from_le_bytes(get(t, pa))
    }
    /// A CPU with DATA[i] = 0x80 + i for i < 16 and x1 = DATA.
    fn setup() -> TestCpu {
        let mut t = TestCpu::new();
        let b: Vec<u8> = (0..16).map(|i| 0x80 + i).collect();
        put(&t, DATA, &b);
        t.cpu.set_x(1, DATA);
        t
    }
    fn is_abort(e: Exception, va: u64, write: bool) -> bool {
        matches!(e, Exception::DataAbort { va: v, write: w, .. } if v == va && w == write)
    }
    fn is_align(e: Exception) -> bool {
        matches!(e, Exception::DataAbort { kind: FaultKind::Alignment, .. })
    }

    #[test]
    fn unsigned_offset_loads_all_sizes() {
        let mut t = setup();
        t.cpu.set_x(6, u64::MAX);
        t.cpu.set_x(8, u64::MAX);
        put64(&t, DATA + 32760, 0x1122_3344_5566_7788);
        put(&t, DATA + 4095, &[0xab]);
        t.exec(&[
            0x3940_0420, // ldrb w0, [x1, #1]
            0x7940_0422, // ldrh w2, [x1, #2]
            0xb940_0423, // ldr w3, [x1, #4]
            0xf940_0424, // ldr x4, [x1, #8]
            0x3980_0025, // ldrsb x5, [x1]
            0x39c0_0026, // ldrsb w6, [x1]
            0x7980_0027, // ldrsh x7, [x1]
            0x79c0_0028, // ldrsh w8, [x1]
            0xb980_0029, // ldrsw x9, [x1]
            0xf97f_fc2a, // ldr x10, [x1, #32760]
            0x397f_fc2b, // ldrb w11, [x1, #4095]
        ]);
        assert_eq!(t.cpu.x(0), 0x81);
        assert_eq!(t.cpu.x(2), 0x8382);
        assert_eq!(t.cpu.x(3), 0x8786_8584);
        assert_eq!(t.cpu.x(4), 0x8f8e_8d8c_8b8a_8988);
        assert_eq!(t.cpu.x(5), 0xffff_ffff_ffff_ff80);
        assert_eq!(t.cpu.x(6), 0xffff_ff80);
        assert_eq!(t.cpu.x(7), 0xffff_ffff_ffff_8180);
        assert_eq!(t.cpu.x(8), 0xffff_8180);
        assert_eq!(t.cpu.x(9), 0xffff_ffff_8382_8180);
        assert_eq!(t.cpu.x(10), 0x1122_3344_5566_7788);
        assert_eq!(t.cpu.x(11), 0xab);
    }

    #[test]
    fn unsigned_offset_stores_all_sizes() {
        let mut t = setup();
        t.cpu.set_x(20, 0x0102_0304_0506_0708);
        t.exec(&[
            0x3904_0034, // strb w20, [x1, #256]
            0x7902_0434, // strh w20, [x1, #258]
            0xb901_0434, // str w20, [x1, #260]
            0xf900_8434, // str x20, [x1, #264]
        ]);
        assert_eq!(get::<16>(&t, DATA + 256), [8, 0, 8, 7, 8, 7, 6, 5, 8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(get::<4>(&t, DATA + 272), [0; 4]);
    }

    #[test]
    fn unscaled_pre_post_index() {
        let mut t = setup();
        t.cpu.set_x(1, DATA + 16);
        t.cpu.set_x(20, 0xa1a2_a3a4_a5a6_a7a8);
        t.exec(&[
            0xf85f_8020, // ldur x0, [x1, #-8]
            0x785f_f022, // ldurh w2, [x1, #-1]
            0xb80f_f034, // stur w20, [x1, #255]
            0xf85f_0c23, // ldr x3, [x1, #-16]!
        ]);
        assert_eq!(t.cpu.x(0), 0x8f8e_8d8c_8b8a_8988);
        assert_eq!(t.cpu.x(2), 0x8f);
        assert_eq!(get::<4>(&t, DATA + 16 + 255), [0xa8, 0xa7, 0xa6, 0xa5]);
        assert_eq!(t.cpu.x(3), 0x8786_8584_8382_8180);
        assert_eq!(t.cpu.x(1), DATA);
        t.exec(&[
            0xf841_8424, // ldr x4, [x1], #24
            0x38d0_0425, // ldrsb w5, [x1], #-256
        ]);
        assert_eq!(t.cpu.x(4), 0x8786_8584_8382_8180);
        assert_eq!(t.cpu.x(5), 0); // DATA+24 holds 0
        assert_eq!(t.cpu.x(1), DATA + 24 - 256);
        t.cpu.set_x(1, DATA + 0x1000);
        t.exec(&[0x380f_fc34]); // strb w20, [x1, #255]!
        assert_eq!(t.cpu.x(1), DATA + 0x10ff);
        assert_eq!(get::<1>(&t, DATA + 0x10ff), [0xa8]);
        // Base register 31 is SP.
        let sp = t.cpu.sp();
        t.exec(&[0xf81f_0ff4]); // str x20, [sp, #-16]!
        assert_eq!(t.cpu.sp(), sp - 16);
        assert_eq!(get64(&t, sp - 16), 0xa1a2_a3a4_a5a6_a7a8);
    }

    #[test]
    fn writeback_with_rn_equal_rt() {
        let mut t = setup();
        // Load: the loaded value wins over the writeback.
        t.exec(&[0xf840_8421]); // ldr x1, [x1], #8
        assert_eq!(t.cpu.x(1), 0x8786_8584_8382_8180);
        t.cpu.set_x(1, DATA);
        t.exec(&[0xf840_8c21]); // ldr x1, [x1, #8]!
        assert_eq!(t.cpu.x(1), 0x8f8e_8d8c_8b8a_8988);
        // Store: the original base value is stored, then written back.
        t.cpu.set_x(1, DATA + 0x100);
        t.exec(&[0xf800_8c21]); // str x1, [x1, #8]!
        assert_eq!(get64(&t, DATA + 0x108), DATA + 0x100);
        assert_eq!(t.cpu.x(1), DATA + 0x108);
    }

    #[test]
    fn register_offset_extends() {
        let mut t = setup();
        put64(&t, DATA + 0x100, 0x1111);
        put64(&t, DATA + 0x80, 0x2222);
        put64(&t, DATA + 0x40, 0x3333);
        t.cpu.set_x(1, DATA + 0x100);
        t.cpu.set_x(2, (-0x20i64) as u64); // x2 * 8 = -0x100
        t.cpu.set_x(4, 0xdead_beef_ffff_ff80); // sxtw: -0x80
        t.cpu.set_x(6, 0xffff_ffff_0000_0010); // uxtw #2: 0x40
        t.cpu.set_x(8, (-0x18i64) as u64); // sxtx #3: -0xc0
        t.cpu.set_x(12, (-0x80i64) as u64); // lsl #1: -0x100
        t.exec(&[
            0xf862_7820, // ldr x0, [x1, x2, lsl #3]
            0xf864_c823, // ldr x3, [x1, w4, sxtw]
            0xb866_5825, // ldr w5, [x1, w6, uxtw #2]
            0xf868_f827, // ldr x7, [x1, x8, sxtx #3]
            0x78ac_782b, // ldrsh x11, [x1, x12, lsl #1]
        ]);
        assert_eq!(t.cpu.x(0), 0x8786_8584_8382_8180);
        assert_eq!(t.cpu.x(3), 0x2222);
        assert_eq!(t.cpu.x(5), 0);
        assert_eq!(t.cpu.x(7), 0x3333);
        assert_eq!(t.cpu.x(11), 0xffff_ffff_ffff_8180);
        t.cpu.set_x(1, DATA);
        t.cpu.set_x(2, 3);
        t.cpu.set_x(4, 0xffff_fff8); // sxtw #1: -16
        t.cpu.set_x(20, 0x5566_7788);
        t.exec(&[
            0x3862_7829, // ldrb w9, [x1, x2, lsl #0]
            0x3862_682a, // ldrb w10, [x1, x2]
            0xf8a2_6820, // prfm pldl1keep, [x1, x2]
        ]);
        assert_eq!(t.cpu.x(9), 0x83);
        assert_eq!(t.cpu.x(10), 0x83);
        t.cpu.set_x(1, DATA + 0x200);
        t.exec(&[
            0x7824_d834, // strh w20, [x1, w4, sxtw #1]
            0xf822_6834, // str x20, [x1, x2]
        ]);
        assert_eq!(get::<2>(&t, DATA + 0x200 - 16), [0x88, 0x77]);
        assert_eq!(get64(&t, DATA + 0x203), 0x5566_7788);
        // option = 001 (reserved): ldr x0, [x1, x2, lsl #3] with option<1> cleared.
        assert_eq!(t.run(&[0xf862_3820]), Exception::Undefined);
        assert_eq!(t.run(&[0xf862_1820]), Exception::Undefined); // option 000
        assert_eq!(t.run(&[0xf862_9820]), Exception::Undefined); // option 100
    }

    #[test]
    fn unprivileged_forms() {
        let mut t = setup();
        t.cpu.set_x(1, DATA + 8);
        t.cpu.set_x(20, 0x5a);
        t.exec(&[
            0xf85f_8820, // ldtr x0, [x1, #-8]
            0x78c0_0822, // ldtrsh w2, [x1]
            0x3800_3834, // sttrb w20, [x1, #3]
            0xb880_0823, // ldtrsw x3, [x1]
        ]);
        assert_eq!(t.cpu.x(0), 0x8786_8584_8382_8180);
        assert_eq!(t.cpu.x(2), 0xffff_8988);
        assert_eq!(t.cpu.x(3), 0x5a8a_8988);
    }

    /// `n` bytes from DATA[off] of the 0x80.. pattern, little-endian.
    fn pat(off: u32, n: u32) -> u128 {
        (0..n).fold(0u128, |a, k| a | (u128::from(0x80 + off + k) << (8 * k)))
    }

    #[test]
    fn simd_fp_single_registers() {
        let mut t = setup();
        let b: Vec<u8> = (0..32).map(|i| 0x80 + i).collect();
        put(&t, DATA, &b);
        for r in 0..8 {
            t.cpu.v[r] = u128::MAX;
        }
        t.exec(&[
            0x3d40_0420, // ldr b0, [x1, #1]
            0x7d40_0421, // ldr h1, [x1, #2]
            0xbd40_0422, // ldr s2, [x1, #4]
            0xfd40_0423, // ldr d3, [x1, #8]
            0x3dc0_0024, // ldr q4, [x1]
            0x3cc0_1025, // ldur q5, [x1, #1]
            0x3cc1_0c26, // ldr q6, [x1, #16]!
        ]);
        assert_eq!(t.cpu.v[0], 0x81);
        assert_eq!(t.cpu.v[1], 0x8382);
        assert_eq!(t.cpu.v[2], 0x8786_8584);
        assert_eq!(t.cpu.v[3], 0x8f8e_8d8c_8b8a_8988);
        assert_eq!(t.cpu.v[4], pat(0, 16));
        assert_eq!(t.cpu.v[5], pat(1, 16));
        assert_eq!(t.cpu.v[6], pat(16, 16));
        assert_eq!(t.cpu.x(1), DATA + 16);
        t.exec(&[0xfc5f_0427]); // ldr d7, [x1], #-16
        assert_eq!(t.cpu.v[7], pat(16, 8));
        assert_eq!(t.cpu.x(1), DATA);
        t.exec(&[
            0x3d04_0020, // str b0, [x1, #256]
            0x7d02_0421, // str h1, [x1, #258]
            0xbd01_0422, // str s2, [x1, #260]
            0xfd00_8423, // str d3, [x1, #264]
            0x3d80_4424, // str q4, [x1, #272]
        ]);
        assert_eq!(u128::from_le_bytes(get(&t, DATA + 256)), pat(0, 16) & !0xffff | 0x81);
        assert_eq!(u128::from_le_bytes(get(&t, DATA + 272)), pat(0, 16));
        t.cpu.set_x(1, DATA + 0x200);
        t.cpu.set_x(2, 0xffff_ffff_ffff_ffe0); // lsl #4: -0x200
        t.cpu.set_x(3, 0x1_0000_0040); // sxtw: +0x40
        t.exec(&[
            0xbc1f_c022, // stur s2, [x1, #-4]
            0x3ce2_7828, // ldr q8, [x1, x2, lsl #4]
            0x3ca3_c824, // str q4, [x1, w3, sxtw]
            0xfc00_8c23, // str d3, [x1, #8]!
            0x7c00_6421, // str h1, [x1], #6
        ]);
        assert_eq!(get::<4>(&t, DATA + 0x1fc), [0x84, 0x85, 0x86, 0x87]);
        assert_eq!(t.cpu.v[8], pat(0, 16));
        assert_eq!(u128::from_le_bytes(get(&t, DATA + 0x240)), pat(0, 16));
        assert_eq!(get64(&t, DATA + 0x208), 0x8f8e_8d8c_8b8a_8382); // d3, then h1 over it
        assert_eq!(get::<2>(&t, DATA + 0x208), [0x82, 0x83]);
        assert_eq!(t.cpu.x(1), DATA + 0x20e);
        // size=01 with opc<1>=1 (a "128-bit" H form) is unallocated.
        assert_eq!(t.run(&[0x7dc0_0420]), Exception::Undefined);
        assert_eq!(t.run(&[0xfd80_0420]), Exception::Undefined);
    }

    #[test]
    fn literal_loads() {
        let mut t = TestCpu::new();
        t.cpu.v[4] = u128::MAX;
        t.exec(&[
            0x5800_00a0, // 00: ldr x0, d1 (+0x14)
            0x9800_00a1, // 04: ldrsw x1, d2 (+0x14)
            0x9c00_0062, // 08: ldr q2, d1 (+0x0c)
            0x1c00_0063, // 0c: ldr s3, d2 (+0x0c)
            0x1400_0005, // 10: b after (+0x14)
            0x1122_3344, // 14: d1: .word 0x11223344
            0x8566_7788, // 18: d2: .word 0x85667788
            0x99aa_bbcc, // 1c: .word 0x99aabbcc
            0xddee_ff00, // 20: .word 0xddeeff00
            0x5cff_ff84, // 24: after: ldr d4, d1 (-0x10)
            0x18ff_ff85, // 28: ldr w5, d2 (-0x10)
            0xd880_0000, // 2c: prfm pldl1keep, .-0x100000 (unmapped: a hint never faults)
        ]);
        assert_eq!(t.cpu.x(0), 0x8566_7788_1122_3344);
        assert_eq!(t.cpu.x(1), 0xffff_ffff_8566_7788);
        assert_eq!(t.cpu.v[2], 0xddee_ff00_99aa_bbcc_8566_7788_1122_3344);
        assert_eq!(t.cpu.v[3], 0x8566_7788);
        assert_eq!(t.cpu.v[4], 0x8566_7788_1122_3344);
        assert_eq!(t.cpu.x(5), 0x8566_7788);
        // opc=11 with V=1 is unallocated.
        assert_eq!(t.run(&[0xdc00_0000]), Exception::Undefined);
        // A literal in unmapped memory faults.
        assert!(is_abort(t.run(&[0x5880_0000]), CODE.wrapping_sub(0x10_0000), false));
        // ldr x0, .-0x100000
    }

    #[test]
    fn integer_pairs() {
        let mut t = TestCpu::new();
        t.cpu.set_x(0, 0x0102_0304_8506_0708);
        t.cpu.set_x(1, 0x1112_1314_f516_1718);
        t.cpu.set_x(4, DATA + 0x100);
        let sp = t.cpu.sp();
        t.exec(&[
            0xa9bf_07e0, // stp x0, x1, [sp, #-16]!
        ]);
        assert_eq!(t.cpu.sp(), sp - 16);
        assert_eq!(get64(&t, sp - 16), 0x0102_0304_8506_0708);
        assert_eq!(get64(&t, sp - 8), 0x1112_1314_f516_1718);
        t.exec(&[
            0xa8c1_0fe2, // ldp x2, x3, [sp], #16
            0x293f_0480, // stp w0, w1, [x4, #-8]
            0x297f_1885, // ldp w5, w6, [x4, #-8]
            0x697f_2087, // ldpsw x7, x8, [x4, #-8]
            0xa801_0480, // stnp x0, x1, [x4, #16]
            0xa841_2889, // ldnp x9, x10, [x4, #16]
        ]);
        assert_eq!(t.cpu.sp(), sp);
        assert_eq!((t.cpu.x(2), t.cpu.x(3)), (t.cpu.x(0), t.cpu.x(1)));
        assert_eq!(get64(&t, DATA + 0xf8), 0xf516_1718_8506_0708);
        assert_eq!((t.cpu.x(5), t.cpu.x(6)), (0x8506_0708, 0xf516_1718));
        assert_eq!((t.cpu.x(7), t.cpu.x(8)), (0xffff_ffff_8506_0708, 0xffff_ffff_f516_1718));
        assert_eq!((t.cpu.x(9), t.cpu.x(10)), (t.cpu.x(0), t.cpu.x(1)));
        assert_eq!(t.cpu.x(4), DATA + 0x100);
        // ldp x2, x2: CONSTRAINED UNPREDICTABLE, must not crash.
        t.exec(&[0xa940_0882]); // ldp x2, x2, [x4]
                                // Unallocated: STGP (MTE), LDNP with opc=01, opc=11.
        assert_eq!(t.run(&[0x6900_0440]), Exception::Undefined); // stgp x0, x1, [x2]
        assert_eq!(t.run(&[0x6840_0440]), Exception::Undefined); // "ldnpsw"
        assert_eq!(t.run(&[0xe940_0440]), Exception::Undefined); // opc=11
        assert_eq!(t.run(&[0xed40_0440]), Exception::Undefined); // opc=11, V=1
    }

    #[test]
    fn simd_fp_pairs() {
        let mut t = TestCpu::new();
        t.cpu.v[0] = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100;
        t.cpu.v[1] = 0x1f1e_1d1c_1b1a_1918_1716_1514_1312_1110;
        t.cpu.set_x(4, DATA + 0x100);
        for r in 2..10 {
            t.cpu.v[r] = u128::MAX;
        }
        t.exec(&[
            0xad81_0480, // stp q0, q1, [x4, #32]!
            0xacff_0c82, // ldp q2, q3, [x4], #-32
            0x6d04_0480, // stp d0, d1, [x4, #64]
            0x2d48_1484, // ldp s4, s5, [x4, #64]
            0x6d44_1c86, // ldp d6, d7, [x4, #64]
            0x2c10_0480, // stnp s0, s1, [x4, #128]
            0x6c5f_a488, // ldnp d8, d9, [x4, #504]
        ]);
        assert_eq!(t.cpu.x(4), DATA + 0x100);
        assert_eq!(u128::from_le_bytes(get(&t, DATA + 0x120)), t.cpu.v[0]);
        assert_eq!(u128::from_le_bytes(get(&t, DATA + 0x130)), t.cpu.v[1]);
        assert_eq!((t.cpu.v[2], t.cpu.v[3]), (t.cpu.v[0], t.cpu.v[1]));
        assert_eq!((t.cpu.v[4], t.cpu.v[5]), (0x0302_0100, 0x0706_0504));
        assert_eq!((t.cpu.v[6], t.cpu.v[7]), (0x0706_0504_0302_0100, 0x1716_1514_1312_1110));
        assert_eq!(get64(&t, DATA + 0x180), 0x1312_1110_0302_0100);
        assert_eq!((t.cpu.v[8], t.cpu.v[9]), (0, 0));
    }

    #[test]
    fn page_crossing_unaligned() {
        let mut t = TestCpu::new();
        put(&t, DATA + 0xffc, &[1, 2, 3, 4, 5, 6, 7, 8]);
        t.cpu.set_x(1, DATA + 0xffe);
        t.cpu.set_x(2, 0x1122_3344_5566_7788);
        t.exec(&[0xb940_0020]); // ldr w0, [x1]
        assert_eq!(t.cpu.x(0), 0x0605_0403);
        t.exec(&[0xf900_0022]); // str x2, [x1]
        assert_eq!(get::<12>(&t, DATA + 0xffc), [1, 2, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0]);
        t.cpu.set_x(1, DATA + 0x1fec);
        t.cpu.set_x(3, 0x99);
        t.exec(&[0xa981_0c22]); // stp x2, x3, [x1, #16]! (at DATA+0x1ffc, crosses a page)
        assert_eq!(t.cpu.x(1), DATA + 0x1ffc);
        t.cpu.set_x(1, DATA + 0x2000 - 3);
        t.exec(&[0xf940_0020]); // ldr x0, [x1]
        assert_eq!(t.cpu.x(0), 0x9911_2233_4455_6677);
        assert_eq!(get::<3>(&t, DATA + 0x2003), [0x11, 0x99, 0]);
    }

    #[test]
    fn faults_leave_state_untouched() {
        let mut t = TestCpu::new();
        let top = DATA + DATA_SIZE;
        for r in 0..8 {
            t.cpu.set_x(r, 0x1000 + u64::from(r));
        }
        let regs = t.cpu.xregs;
        // Unmapped store.
        t.cpu.set_x(1, UNMAPPED);
        let regs1 = t.cpu.xregs;
        assert!(is_abort(t.run(&[0xf900_0022]), UNMAPPED, true)); // str x2, [x1]
        assert_eq!(t.cpu.pc, CODE);
        assert_eq!(t.cpu.xregs, regs1);
        assert!(is_abort(t.run(&[0xf840_8c20]), UNMAPPED + 8, false)); // ldr x0, [x1, #8]!
        assert!(is_abort(t.run(&[0xf800_8c20]), UNMAPPED + 8, true)); // str x0, [x1, #8]!
        assert_eq!(t.cpu.xregs, regs1);
        // A store whose second page is unmapped writes nothing.
        put(&t, top - 4, &[0xee; 4]);
        t.cpu.set_x(1, top - 4);
        assert!(is_abort(t.run(&[0xf900_0022]), top, true)); // str x2, [x1]
        assert_eq!(get::<4>(&t, top - 4), [0xee; 4]);
        assert!(is_abort(t.run(&[0xf940_0020]), top, false)); // ldr x0, [x1]
        assert_eq!(t.cpu.x(0), regs[0]);
        // LDP: the second half faults, no register (nor the base) changes.
        t.cpu.set_x(1, top - 8);
        let regs2 = t.cpu.xregs;
        assert!(is_abort(t.run(&[0xa8c1_0c22]), top, false)); // ldp x2, x3, [x1], #16
        assert_eq!(t.cpu.xregs, regs2);
        t.cpu.set_x(1, top - 24);
        put(&t, top - 8, &[0xee; 8]);
        assert!(is_abort(t.run(&[0xa981_0c22]), top, true)); // stp x2, x3, [x1, #16]!
        assert_eq!(t.cpu.x(1), top - 24);
        assert_eq!(get::<8>(&t, top - 8), [0xee; 8]);
        t.cpu.set_x(1, top - 16);
        t.cpu.v[0] = 7;
        t.cpu.v[1] = 9;
        assert!(is_abort(t.run(&[0xad40_0420]), top, false)); // ldp q0, q1, [x1]
        assert_eq!((t.cpu.v[0], t.cpu.v[1]), (7, 9));
    }

    #[test]
    fn exclusives() {
        let mut t = TestCpu::new();
        put64(&t, DATA, 0x1111);
        t.cpu.set_x(1, DATA);
        t.cpu.set_x(3, 0x2222);
        t.exec(&[
            0xc85f_7c20, // ldxr x0, [x1]
            0xc802_7c23, // stxr w2, x3, [x1]
        ]);
        assert_eq!((t.cpu.x(0), t.cpu.x(2)), (0x1111, 0));
        assert_eq!(get64(&t, DATA), 0x2222);
        assert_eq!(t.cpu.excl, None);
        // The monitor is clear: a second STXR fails and stores nothing.
        t.cpu.set_x(3, 0x3333);
        t.exec(&[0xc802_7c23]); // stxr w2, x3, [x1]
        assert_eq!(t.cpu.x(2), 1);
        assert_eq!(get64(&t, DATA), 0x2222);
        // Size mismatch fails.
        t.exec(&[
            0x085f_7c20, // ldxrb w0, [x1]
            0x4802_7c23, // stxrh w2, w3, [x1]
        ]);
        assert_eq!((t.cpu.x(0), t.cpu.x(2)), (0x22, 1));
        assert_eq!(get64(&t, DATA), 0x2222);
        t.exec(&[
            0x085f_7c20, // ldxrb w0, [x1]
            0x0802_7c23, // stxrb w2, w3, [x1]
        ]);
        assert_eq!(t.cpu.x(2), 0);
        assert_eq!(get64(&t, DATA), 0x2233);
        // Another agent writes in between: the STXR fails.
        t.exec(&[0x885f_fc20]); // ldaxr w0, [x1]
        put64(&t, DATA, 0x4444);
        t.exec(&[0x8802_fc23]); // stlxr w2, w3, [x1]
        assert_eq!((t.cpu.x(0), t.cpu.x(2)), (0x2233, 1));
        assert_eq!(get64(&t, DATA), 0x4444);
        // Different address fails; CLREX clears.
        t.cpu.set_x(4, DATA + 8);
        t.exec(&[0xc85f_7c20]); // ldxr x0, [x1]
        t.cpu.set_x(1, DATA + 8);
        t.exec(&[0xc802_7c23]); // stxr w2, x3, [x1]
        assert_eq!(t.cpu.x(2), 1);
        t.cpu.set_x(2, 5);
        t.exec(&[
            0xc85f_7c20, // ldxr x0, [x1]
            0xd503_3f5f, // clrex
            0xc802_7c23, // stxr w2, x3, [x1]
        ]);
        assert_eq!(t.cpu.x(2), 1);
        // SP as the base.
        let sp = t.cpu.sp() - 64;
        t.cpu.set_sp(sp);
        t.exec(&[
            0xc85f_7fe0, // ldxr x0, [sp]
            0xc802_7fe3, // stxr w2, x3, [sp]
        ]);
        assert_eq!(t.cpu.x(2), 0);
        assert_eq!(get64(&t, sp), 0x3333);
    }

    #[test]
    fn exclusive_pairs_and_alignment() {
        let mut t = TestCpu::new();
        put64(&t, DATA + 0x10, 0xaaaa);
        put64(&t, DATA + 0x18, 0xbbbb);
        t.cpu.set_x(1, DATA + 0x10);
        t.cpu.set_x(6, 0x6666_0000_1234_5678);
        t.cpu.set_x(7, 0x7777_0000_9abc_def0);
        t.exec(&[
            0xc87f_1424, // ldxp x4, x5, [x1]
            0xc822_1c26, // stxp w2, x6, x7, [x1]
        ]);
        assert_eq!((t.cpu.x(4), t.cpu.x(5), t.cpu.x(2)), (0xaaaa, 0xbbbb, 0));
        assert_eq!((get64(&t, DATA + 0x10), get64(&t, DATA + 0x18)), (t.cpu.x(6), t.cpu.x(7)));
        t.exec(&[
            0x887f_9424, // ldaxp w4, w5, [x1]
            0x8822_9c26, // stlxp w2, w6, w7, [x1]
        ]);
        assert_eq!((t.cpu.x(4), t.cpu.x(5), t.cpu.x(2)), (0x1234_5678, 0x6666_0000, 0));
        assert_eq!(get64(&t, DATA + 0x10), 0x9abc_def0_1234_5678);
        // A 16-byte pair whose second half changed behind the monitor fails.
        t.exec(&[0xc87f_1424]); // ldxp x4, x5, [x1]
        put64(&t, DATA + 0x18, 1);
        t.exec(&[0xc822_1c26]); // stxp w2, x6, x7, [x1]
        assert_eq!(t.cpu.x(2), 1);
        assert_eq!(get64(&t, DATA + 0x18), 1);
        // Alignment: 16 bytes for LDXP X, 8 for LDXR X, including STXR
        // without a matching monitor.
        t.cpu.set_x(1, DATA + 8);
        assert!(is_align(t.run(&[0xc87f_1424]))); // ldxp x4, x5, [x1]
        t.cpu.set_x(1, DATA + 4);
        assert!(is_align(t.run(&[0xc85f_7c20]))); // ldxr x0, [x1]
        t.cpu.set_x(2, 7);
        assert!(is_align(t.run(&[0xc802_7c23]))); // stxr w2, x3, [x1]
        assert_eq!(t.cpu.x(2), 7);
        t.cpu.set_x(1, DATA + 1);
        assert!(is_align(t.run(&[0x4802_7c23]))); // stxrh w2, w3, [x1]
                                                  // A misaligned byte access cannot happen; an unmapped one faults.
        t.cpu.set_x(1, UNMAPPED);
        assert!(is_abort(t.run(&[0x085f_7c20]), UNMAPPED, false)); // ldxrb w0, [x1]
    }

    #[test]
    fn ordered_and_rcpc() {
        let mut t = TestCpu::new();
        put(&t, DATA, &[0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88]);
        t.cpu.set_x(1, DATA);
        t.exec(&[
            0xc8df_fc20, // ldar x0, [x1]
            0x08df_fc24, // ldarb w4, [x1]
            0x48df_fc25, // ldarh w5, [x1]
            0xc8df_7c26, // ldlar x6, [x1]
            0xb8bf_c027, // ldapr w7, [x1]
            0x78bf_c028, // ldaprh w8, [x1]
            0x1980_002a, // ldapursb x10, [x1]
            0x59c0_002b, // ldapursh w11, [x1]
            0x9980_002c, // ldapursw x12, [x1]
            0x5940_002d, // ldapurh w13, [x1]
        ]);
        assert_eq!(t.cpu.x(0), 0x8887_8685_8483_8281);
        assert_eq!(t.cpu.x(4), 0x81);
        assert_eq!(t.cpu.x(5), 0x8281);
        assert_eq!(t.cpu.x(6), 0x8887_8685_8483_8281);
        assert_eq!(t.cpu.x(7), 0x8483_8281);
        assert_eq!(t.cpu.x(8), 0x8281);
        assert_eq!(t.cpu.x(10), 0xffff_ffff_ffff_ff81);
        assert_eq!(t.cpu.x(11), 0xffff_8281);
        assert_eq!(t.cpu.x(12), 0xffff_ffff_8483_8281);
        assert_eq!(t.cpu.x(13), 0x8281);
        t.cpu.set_x(1, DATA + 8);
        t.exec(&[0xd95f_8029]); // ldapur x9, [x1, #-8]
        assert_eq!(t.cpu.x(9), 0x8887_8685_8483_8281);
        t.cpu.set_x(3, 0x0102_0304_0506_0708);
        t.exec(&[
            0x889f_fc23, // stlr w3, [x1]
            0x9900_4023, // stlur w3, [x1, #4]
            0x191f_f023, // stlurb w3, [x1, #-1]
        ]);
        assert_eq!(get::<9>(&t, DATA + 7), [0x08, 0x08, 0x07, 0x06, 0x05, 0x08, 0x07, 0x06, 0x05]);
        t.cpu.set_x(1, DATA + 0x20);
        t.exec(&[
            0x089f_fc23, // stlrb w3, [x1]
            0x489f_fc23, // stlrh w3, [x1]
            0xc89f_7c23, // stllr x3, [x1]
        ]);
        assert_eq!(get64(&t, DATA + 0x20), 0x0102_0304_0506_0708);
        // Ordered accesses must be aligned.
        t.cpu.set_x(1, DATA + 2);
        assert!(is_align(t.run(&[0xc8df_fc20]))); // ldar x0, [x1]
        assert!(is_align(t.run(&[0x889f_fc23]))); // stlr w3, [x1]
        assert!(is_align(t.run(&[0xb8bf_c027]))); // ldapr w7, [x1]
        assert!(is_align(t.run(&[0x9900_4023]))); // stlur w3, [x1, #4]
                                                  // LDAPURS to 32 bits of a word is unallocated; so is "LDAPURSW" to W.
        assert_eq!(t.run(&[0x99c0_002c]), Exception::Undefined);
        assert_eq!(t.run(&[0xd980_002c]), Exception::Undefined);
    }

    #[test]
    fn lse_byte_ops_and_signedness() {
        let mut t = TestCpu::new();
        put(&t, DATA, &[0xf0, 0xff, 0x0f, 0x10, 0x7f, 0x01, 0x7f, 0x7f]);
        for r in 1..=8 {
            t.cpu.set_x(r, DATA + u64::from(r) - 1);
        }
        for r in 10..=17 {
            t.cpu.set_x(r, u64::MAX);
        }
        t.cpu.set_x(0, 0x181); // byte 0x81 = -127
        t.exec(&[
            0x3820_002a, // ldaddb w0, w10, [x1]
            0x3820_104b, // ldclrb w0, w11, [x2]
            0x3820_206c, // ldeorb w0, w12, [x3]
            0x3820_308d, // ldsetb w0, w13, [x4]
            0x3820_40ae, // ldsmaxb w0, w14, [x5]
            0x3820_50cf, // ldsminb w0, w15, [x6]
            0x3820_60f0, // ldumaxb w0, w16, [x7]
            0x3820_7111, // lduminb w0, w17, [x8]
        ]);
        assert_eq!(get::<8>(&t, DATA), [0x71, 0x7e, 0x8e, 0x91, 0x7f, 0x81, 0x81, 0x7f]);
        let old: Vec<u64> = (10..=17).map(|r| t.cpu.x(r)).collect();
        assert_eq!(old, [0xf0, 0xff, 0x0f, 0x10, 0x7f, 0x01, 0x7f, 0x7f]);
        // ST<op> aliases (Rt = XZR).
        t.exec(&[
            0xb820_003f, // stadd w0, [x1]
            0x3860_207f, // steorlb w0, [x3]
        ]);
        assert_eq!(get::<4>(&t, DATA), [0xf2, 0x7f, 0x0f, 0x91]);
    }

    #[test]
    fn lse_wider_ops() {
        let mut t = TestCpu::new();
        put(&t, DATA + 0x10, &[0xff, 0xff, 0x00, 0x80, 0x01, 0, 0, 0]);
        put(&t, DATA + 0x18, &0xffff_fffeu32.to_le_bytes());
        t.cpu.set_x(0, 0x8000_0000_8000_0181);
        t.cpu.set_x(1, DATA + 0x10);
        t.cpu.set_x(5, DATA + 0x12);
        t.cpu.set_x(6, DATA + 0x14);
        t.cpu.set_x(7, DATA + 0x18);
        t.exec(&[
            0x7820_002a, // ldaddh w0, w10, [x1]
            0x7820_40ae, // ldsmaxh w0, w14, [x5]
            0xb8e0_50cf, // ldsminal w0, w15, [x6]
            0xb8a0_60f0, // ldumaxa w0, w16, [x7]
        ]);
        assert_eq!(get::<2>(&t, DATA + 0x10), [0x80, 0x01]);
        assert_eq!(get::<2>(&t, DATA + 0x12), [0x81, 0x01]);
        assert_eq!(get::<4>(&t, DATA + 0x14), [0x81, 0x01, 0x00, 0x80]);
        assert_eq!(get::<4>(&t, DATA + 0x18), [0xfe, 0xff, 0xff, 0xff]);
        assert_eq!((t.cpu.x(10), t.cpu.x(14), t.cpu.x(15), t.cpu.x(16)), (0xffff, 0x8000, 1, 0xffff_fffe));
        put64(&t, DATA + 0x20, 0x8000_0000_0000_0000);
        put64(&t, DATA + 0x28, 1);
        put64(&t, DATA + 0x30, u64::MAX);
        put64(&t, DATA + 0x38, u64::MAX);
        t.cpu.set_x(1, DATA + 0x20);
        t.cpu.set_x(5, DATA + 0x28);
        t.cpu.set_x(8, DATA + 0x30);
        t.cpu.set_x(2, DATA + 0x38);
        t.exec(&[
            0xf860_002a, // ldaddl x0, x10, [x1]
            0xf820_40ae, // ldsmax x0, x14, [x5]
            0xf820_7111, // ldumin x0, x17, [x8]
            0xf8e0_104b, // ldclral x0, x11, [x2]
        ]);
        assert_eq!(get64(&t, DATA + 0x20), 0x8000_0181);
        assert_eq!(get64(&t, DATA + 0x28), 1);
        assert_eq!(get64(&t, DATA + 0x30), 0x8000_0000_8000_0181);
        assert_eq!(get64(&t, DATA + 0x38), 0x7fff_ffff_7fff_fe7e);
        assert_eq!((t.cpu.x(10), t.cpu.x(14), t.cpu.x(17), t.cpu.x(11)), (1 << 63, 1, u64::MAX, u64::MAX));
        // SP base.
        let sp = t.cpu.sp() - 16;
        t.cpu.set_sp(sp);
        put64(&t, sp, 5);
        t.cpu.set_x(0, 3);
        t.exec(&[0xf820_03ea]); // ldadd x0, x10, [sp]
        assert_eq!((t.cpu.x(10), get64(&t, sp)), (5, 8));
        // Misaligned and unmapped.
        t.cpu.set_x(1, DATA + 1);
        assert!(is_align(t.run(&[0x7820_002a]))); // ldaddh w0, w10, [x1]
        t.cpu.set_x(1, UNMAPPED);
        let e = t.run(&[0x3820_002a]); // ldaddb w0, w10, [x1]
        assert!(matches!(e, Exception::DataAbort { va: UNMAPPED, .. }), "{e:?}");
    }

    #[test]
    fn swp_and_cas() {
        let mut t = TestCpu::new();
        put(&t, DATA, &[0x11, 0, 0x22, 0x22, 0, 0, 0, 0]);
        put64(&t, DATA + 8, 0x3333);
        t.cpu.set_x(0, 0xaaaa_bbbb_cccc_dddd);
        t.cpu.set_x(1, DATA);
        t.cpu.set_x(2, DATA + 2);
        t.cpu.set_x(3, DATA + 4);
        t.cpu.set_x(4, DATA + 8);
        t.exec(&[
            0x3820_802a, // swpb w0, w10, [x1]
            0x7820_804b, // swph w0, w11, [x2]
            0xb8a0_806c, // swpa w0, w12, [x3]
            0xf8e0_808d, // swpal x0, x13, [x4]
        ]);
        assert_eq!((t.cpu.x(10), t.cpu.x(11), t.cpu.x(12), t.cpu.x(13)), (0x11, 0x2222, 0, 0x3333));
        assert_eq!(get::<8>(&t, DATA), [0xdd, 0, 0xdd, 0xdd, 0xdd, 0xdd, 0xcc, 0xcc]);
        assert_eq!(get64(&t, DATA + 8), 0xaaaa_bbbb_cccc_dddd);
        // CAS: success (only the low bits compare), then failure.
        put(&t, DATA, &[0x55, 0, 0x66, 0x66, 1, 0, 0, 0]);
        put64(&t, DATA + 8, 0x77);
        t.cpu.set_x(0, 0x1234_5678_9abc_def0);
        t.cpu.set_x(10, 0xffff_ff55);
        t.cpu.set_x(11, 0x6667);
        t.cpu.set_x(12, 2);
        t.cpu.set_x(13, 0x77);
        t.exec(&[
            0x08aa_7c20, // casb w10, w0, [x1]
            0x48ab_7c40, // cash w11, w0, [x2]
            0x88ec_7c60, // casa w12, w0, [x3]
            0xc8ed_fc80, // casal x13, x0, [x4]
        ]);
        assert_eq!((t.cpu.x(10), t.cpu.x(11), t.cpu.x(12), t.cpu.x(13)), (0x55, 0x6666, 1, 0x77));
        assert_eq!(get::<8>(&t, DATA), [0xf0, 0, 0x66, 0x66, 1, 0, 0, 0]);
        assert_eq!(get64(&t, DATA + 8), 0x1234_5678_9abc_def0);
        // Misaligned CAS.
        t.cpu.set_x(3, DATA + 2);
        assert!(is_align(t.run(&[0x88ec_7c60]))); // casa w12, w0, [x3]
    }

    #[test]
    fn casp_pairs() {
        let mut t = TestCpu::new();
        put64(&t, DATA + 0x40, 0xa);
        put64(&t, DATA + 0x48, 0xb);
        t.cpu.set_x(1, DATA + 0x40);
        t.cpu.set_x(2, 0x2222);
        t.cpu.set_x(3, 0x3333);
        t.cpu.set_x(10, 0xa);
        t.cpu.set_x(11, 0xc);
        t.exec(&[0x482a_7c22]); // casp x10, x11, x2, x3, [x1] (fails)
        assert_eq!((t.cpu.x(10), t.cpu.x(11)), (0xa, 0xb));
        assert_eq!((get64(&t, DATA + 0x40), get64(&t, DATA + 0x48)), (0xa, 0xb));
        t.exec(&[0x482a_7c22]); // casp x10, x11, x2, x3, [x1] (succeeds)
        assert_eq!((t.cpu.x(10), t.cpu.x(11)), (0xa, 0xb));
        assert_eq!((get64(&t, DATA + 0x40), get64(&t, DATA + 0x48)), (0x2222, 0x3333));
        // x30:xzr compares the high half with zero.
        put64(&t, DATA + 0x48, 0);
        t.cpu.set_x(30, 0x2222);
        t.exec(&[0x483e_7c22]); // casp x30, xzr, x2, x3, [x1]
        assert_eq!((get64(&t, DATA + 0x40), get64(&t, DATA + 0x48)), (0x2222, 0x3333));
        // 32-bit pairs.
        put64(&t, DATA + 0x50, 0x0000_0002_0000_0001);
        t.cpu.set_x(4, DATA + 0x50);
        t.cpu.set_x(12, 0xffff_ffff_0000_0001);
        t.cpu.set_x(13, 2);
        t.exec(&[0x086c_fc82]); // caspal w12, w13, w2, w3, [x4]
        assert_eq!((t.cpu.x(12), t.cpu.x(13)), (1, 2));
        assert_eq!(get64(&t, DATA + 0x50), 0x0000_3333_0000_2222);
        // Odd registers are unallocated; pairs need 2*size alignment.
        assert_eq!(t.run(&[0x482b_7c22]), Exception::Undefined); // casp x11, x12, ...
        assert_eq!(t.run(&[0x482a_7c23]), Exception::Undefined); // casp ..., x3, x4, ...
        t.cpu.set_x(1, DATA + 8);
        assert!(is_align(t.run(&[0x482a_7c22])));
        t.cpu.set_x(4, DATA + 4);
        assert!(is_align(t.run(&[0x086c_fc82])));
    }

    #[test]
    fn does_not_claim_simd_structure_encodings() {
        for w in
            [0x4c40_7000u32, 0x4c00_7000, 0x4cdf_7000, 0x4cc2_0800, 0x0d40_0000, 0x4d9f_8400, 0x4d40_c000, 0x4dff_ec00]
        {
            assert!(super::TABLE.iter().all(|e| w & e.mask != e.value), "{w:#x}");
        }
        // Every word with bits 31,29:26 = 0,0011 (the structure groups).
        for hi in 0..=0xffffu32 {
            let w = (hi << 16) & !(1 << 31) & !(0b1111 << 26) | (0b0011 << 26) | 0x1234;
            assert!(super::TABLE.iter().all(|e| w & e.mask != e.value), "{w:#x}");
        }
    }

    #[test]
    fn no_other_class_shadows_these_encodings() {
        use crate::vcpu::interp::decode::lookup;
        for w in [
            0xf940_0424u32,
            0x3980_0025,
            0xf85f_0c23,
            0xf862_7820,
            0x3dc0_0024,
            0x5800_00a0,
            0x9c00_0062,
            0xa9bf_07e0,
            0xad81_0480,
            0xc85f_7c20,
            0xc802_7c23,
            0xc87f_1424,
            0xc8df_fc20,
            0x889f_fc23,
            0xb8bf_c027,
            0xd95f_8029,
            0x3820_40ae,
            0xf8e0_808d,
            0xc8ed_fc80,
            0x482a_7c22,
        ] {
            let mine = super::TABLE.iter().find(|e| w & e.mask == e.value).map(|e| e.name);
            assert!(mine.is_some(), "{w:#x}");
            assert_eq!(lookup(w).map(|e| e.name), mine, "{w:#x}");
        }
    }

    #[test]
    fn unallocated_single_register_forms() {
        let mut t = setup();
        assert_eq!(t.run(&[0xb9c0_0020]), Exception::Undefined); // "ldrsw w0, [x1]" (size=10, opc=11)
        assert_eq!(t.run(&[0xf9c0_0020]), Exception::Undefined); // size=11, opc=11
        assert_eq!(t.run(&[0xf880_0c20]), Exception::Undefined); // "prfm [x1, #0]!" (pre-index)
        assert_eq!(t.run(&[0xf880_0420]), Exception::Undefined); // "prfm [x1], #0" (post-index)
        assert_eq!(t.run(&[0xf880_0820]), Exception::Undefined); // "prftm" (unprivileged)
        assert_eq!(t.run(&[0xfc40_0820]), Exception::Undefined); // "ldtr d0" (no SIMD&FP form)
        assert_eq!(t.run(&[0xf820_0420]), Exception::Undefined); // ldraa x0, [x1] (no FEAT_PAuth)
        assert_eq!(t.run(&[0xfc20_0020]), Exception::Undefined); // LSE with V=1
        assert_eq!(t.run(&[0xf820_9020]), Exception::Undefined); // o3=1, opc=001
        assert_eq!(t.cpu.xregs[..2], [0, DATA]);
    }

    /// A second CPU running on the same guest memory as `t`.
    fn sibling(t: &TestCpu) -> crate::vcpu::interp::cpu::Cpu {
        let mut c = crate::vcpu::interp::cpu::Cpu::new(t.cpu.phys.clone());
        c.sys = t.cpu.sys.clone();
        c.el = 0;
        c
    }

    #[test]
    fn exclusives_and_atomics_across_threads() {
        const N: u64 = 100_000;
        let t = TestCpu::new();
        let mut cpus = [sibling(&t), sibling(&t)];
        let start = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            for c in cpus.iter_mut() {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    c.set_x(1, DATA);
                    c.set_x(8, DATA + 0x10);
                    c.set_x(9, DATA + 0x20);
                    c.set_x(12, DATA + 0x40);
                    for _ in 0..N {
                        // ldxr x0, [x1]; add; stxr w2, x0, [x1] until it succeeds.
                        loop {
                            super::ldxr(c, 0xc85f_7c20).unwrap();
                            c.set_x(3, c.x(0) + 1);
                            super::stxr(c, 0xc802_7c23).unwrap();
                            if c.x(2) == 0 {
                                break;
                            }
                        }
                        // ldxp x4, x5, [x9]; +1, +2; stxp w2, x4, x5, [x9].
                        loop {
                            super::ldxp(c, 0xc87f_1524).unwrap();
                            c.set_x(4, c.x(4) + 1);
                            c.set_x(5, c.x(5) + 2);
                            super::stxp(c, 0xc822_1524).unwrap();
                            if c.x(2) == 0 {
                                break;
                            }
                        }
                        // ldadd x10(=1), xzr, [x8]
                        c.set_x(10, 1);
                        super::lse_op(c, 0xf82a_011f).unwrap();
                        // casp x6, x7, x14, x15, [x12] until it succeeds.
                        c.set_x(6, 0);
                        c.set_x(7, 0);
                        loop {
                            let (a, b) = (c.x(6), c.x(7));
                            c.set_x(14, a + 3);
                            c.set_x(15, b + 4);
                            super::casp(c, 0x4826_7d8e).unwrap();
                            if (c.x(6), c.x(7)) == (a, b) {
                                break;
                            }
                        }
                    }
                });
            }
        });
        assert_eq!(get64(&t, DATA), 2 * N);
        assert_eq!(get64(&t, DATA + 0x10), 2 * N);
        assert_eq!((get64(&t, DATA + 0x20), get64(&t, DATA + 0x28)), (2 * N, 4 * N));
        assert_eq!((get64(&t, DATA + 0x40), get64(&t, DATA + 0x48)), (6 * N, 8 * N));
    }
}
