//! Declarative A64 decoding (decoded instructions are cached as blocks, in
//! `block.rs`).
//!
//! Each encoding class (in `exec/`) lists its instructions as bit patterns
//! written like the ARM ARM encoding diagrams: 32 characters, `0`/`1` fixed,
//! any other letter a field (don't care for matching); spaces and `_` are
//! ignored. Mask and value are computed at compile time. The decoder buckets
//! the patterns by the top-level op0 field (bits 28:25) and takes the first
//! match in list order, so a class lists specific encodings before general
//! ones. No match means UNDEFINED.

use std::sync::OnceLock;

use super::cpu::Cpu;
use super::exception::{Exception, ExecResult};

/// An instruction handler: executes `insn` on the CPU.
pub type Handler = fn(&mut Cpu, u32) -> ExecResult;

/// One encoding: a pattern, its mnemonic and its handler.
#[derive(Clone, Copy)]
pub struct Insn {
    /// Bits that must match.
    pub mask: u32,
    /// Their required values.
    pub value: u32,
    /// Mnemonic / ARM ARM name (for traces and coverage reports).
    pub name: &'static str,
    /// Handler.
    pub exec: Handler,
}

/// Compute `(mask, value)` of a pattern string at compile time.
pub const fn pattern(p: &str) -> (u32, u32) {
    let b = p.as_bytes();
    let mut mask = 0u32;
    let mut value = 0u32;
    let mut bits = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c == b' ' || c == b'_' {
            continue;
        }
        assert!(bits < 32, "pattern longer than 32 bits");
        let bit = 31 - bits;
        bits += 1;
        if c == b'0' {
            mask |= 1 << bit;
        } else if c == b'1' {
            mask |= 1 << bit;
            value |= 1 << bit;
        }
    }
    assert!(bits == 32, "pattern must have 32 bits");
    (mask, value)
}

/// Build an [`Insn`] from a pattern (usable in `const`/`static` tables).
pub const fn insn(p: &str, name: &'static str, exec: Handler) -> Insn {
    let (mask, value) = pattern(p);
    Insn { mask, value, name, exec }
}

/// Extract bits `[lo, lo+len)` of `insn`.
#[inline(always)]
pub const fn bits(insn: u32, lo: u32, len: u32) -> u32 {
    (insn >> lo) & ((1u32 << len) - 1)
}

/// Extract bit `n`.
#[inline(always)]
pub const fn bit(insn: u32, n: u32) -> bool {
    (insn >> n) & 1 != 0
}

/// Rd (bits 4:0).
#[inline(always)]
pub const fn rd(insn: u32) -> u32 {
    insn & 31
}
/// Rn (bits 9:5).
#[inline(always)]
pub const fn rn(insn: u32) -> u32 {
    (insn >> 5) & 31
}
/// Rt2 / Ra (bits 14:10).
#[inline(always)]
pub const fn ra(insn: u32) -> u32 {
    (insn >> 10) & 31
}
/// Rm (bits 20:16).
#[inline(always)]
pub const fn rm(insn: u32) -> u32 {
    (insn >> 16) & 31
}

/// Sign-extend the low `width` bits of `v`.
#[inline(always)]
pub const fn sext(v: u64, width: u32) -> i64 {
    let s = 64 - width;
    ((v << s) as i64) >> s
}

/// The handler for encodings no table claims.
pub fn undefined(_cpu: &mut Cpu, _insn: u32) -> ExecResult {
    Err(Exception::Undefined)
}

fn buckets() -> &'static [Vec<Insn>; 16] {
    static B: OnceLock<[Vec<Insn>; 16]> = OnceLock::new();
    B.get_or_init(|| {
        let mut b: [Vec<Insn>; 16] = Default::default();
        for table in super::exec::TABLES {
            for e in table.iter() {
                for (op0, bucket) in b.iter_mut().enumerate() {
                    let probe = (op0 as u32) << 25;
                    let m = e.mask & (0xf << 25);
                    if probe & m == e.value & m {
                        bucket.push(*e);
                    }
                }
            }
        }
        b
    })
}

/// Find the table entry for `insn`.
pub fn lookup(insn: u32) -> Option<&'static Insn> {
    buckets()[bits(insn, 25, 4) as usize].iter().find(|e| insn & e.mask == e.value)
}

/// Decode `insn` to its handler (UNDEFINED if no pattern matches).
pub fn decode(insn: u32) -> Handler {
    lookup(insn).map_or(undefined as Handler, |e| e.exec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_mask_value() {
        // ADD (immediate), 64-bit: 1 0 0 100010 sh imm12 Rn Rd
        let (m, v) = pattern("1 0 0 100010 s iiiiiiiiiiii nnnnn ddddd");
        assert_eq!(m, 0xff80_0000);
        assert_eq!(v, 0x9100_0000);
        assert_eq!(bits(0x9100_0420, 10, 12), 1); // add x0, x1, #1
        assert_eq!(rn(0x9100_0420), 1);
        assert_eq!(sext(0x1ff, 9), -1);
    }

    #[test]
    fn unknown_word_is_undefined() {
        assert!(lookup(0x0000_0000).is_none()); // UDF #0
    }
}
