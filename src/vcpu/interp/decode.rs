//! Declarative A64 decoding and the decoded-instruction cache.
//!
//! Each encoding class (in `exec/`) lists its instructions as bit patterns
//! written like the ARM ARM encoding diagrams: 32 characters, `0`/`1` fixed,
//! any other letter a field (don't care for matching); spaces and `_` are
//! ignored. Mask and value are computed at compile time. The decoder buckets
//! the patterns by the top-level op0 field (bits 28:25) and takes the first
//! match in list order, so a class lists specific encodings before general
//! ones. No match means UNDEFINED.

use std::sync::OnceLock;

use fnv::FnvHashMap;

use super::cpu::Cpu;
use super::exception::{Exception, ExecResult};
use crate::mem::phys::PhysMem;

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

const SLOTS: usize = 1024;

struct DecodedPage {
    pa: u64,
    slots: Box<[Option<(Handler, u32)>]>,
}

/// Decoded instructions, by guest-physical page, plus the current fetch
/// page of each exception level (a cached instruction-side translation:
/// execute permission differs per EL, so EL0 and EL1 never share one).
pub struct DecodeCache {
    pages: Vec<DecodedPage>,
    by_pa: FnvHashMap<u64, usize>,
    /// Per EL: (virtual page number or u64::MAX, index into `pages`).
    fetch: [(u64, usize); 2],
    /// Per EL, recently fetched pages, direct-mapped by virtual page number:
    /// each entry was made after an execute-permission translation at that
    /// EL and lives until the next TLB maintenance.
    recent: Box<[[(u64, usize); RECENT]; 2]>,
}

const RECENT: usize = 64;

impl Default for DecodeCache {
    fn default() -> Self {
        DecodeCache {
            pages: Vec::new(),
            by_pa: FnvHashMap::default(),
            fetch: [(u64::MAX, 0); 2],
            recent: Box::new([[(u64::MAX, 0); RECENT]; 2]),
        }
    }
}

impl DecodeCache {
    /// The decoded instruction at `pc`, if `pc` is on the current fetch
    /// page of exception level `el`. Decodes on first use.
    #[inline(always)]
    pub fn fetch(&mut self, phys: &PhysMem, pc: u64, el: u8) -> Option<(Handler, u32)> {
        let e = usize::from(el & 1);
        let (mut vpn, mut idx) = self.fetch[e];
        if pc >> 12 != vpn {
            (vpn, idx) = self.recent[e][((pc >> 12) as usize) & (RECENT - 1)];
            if pc >> 12 != vpn {
                return None;
            }
            self.fetch[e] = (vpn, idx);
        }
        let page = &mut self.pages[idx];
        let i = ((pc >> 2) as usize) & (SLOTS - 1);
        if let Some(hi) = page.slots[i] {
            return Some(hi);
        }
        let pa = page.pa | (pc & 0xffc);
        let word = phys.host_ptr(pa, 4).map(|p| {
            // SAFETY: in-bounds 4-byte read of guest-physical memory.
            u32::from_le(unsafe { std::ptr::read_unaligned(p.cast::<u32>()) })
        })?;
        let hi = (decode(word), word);
        page.slots[i] = Some(hi);
        Some(hi)
    }

    /// Make the page at physical `pa` (translated from `pc` with execute
    /// permission at `el`) the current fetch page of `el`.
    pub fn set_fetch_page(&mut self, pc: u64, pa: u64, el: u8) {
        let pa_page = pa & !0xfff;
        let idx = match self.by_pa.get(&pa_page) {
            Some(&i) => i,
            None => {
                self.pages.push(DecodedPage { pa: pa_page, slots: vec![None; SLOTS].into_boxed_slice() });
                let i = self.pages.len() - 1;
                self.by_pa.insert(pa_page, i);
                i
            }
        };
        let e = usize::from(el & 1);
        self.fetch[e] = (pc >> 12, idx);
        self.recent[e][((pc >> 12) as usize) & (RECENT - 1)] = (pc >> 12, idx);
    }

    /// Forget the cached fetch translations (TLB maintenance).
    pub fn reset_fetch(&mut self) {
        self.fetch = [(u64::MAX, 0); 2];
        for el in self.recent.iter_mut() {
            el.fill((u64::MAX, 0));
        }
    }

    /// Drop every decoded instruction.
    pub fn clear(&mut self) {
        self.pages.clear();
        self.by_pa.clear();
        self.reset_fetch();
    }

    /// Drop decoded instructions of the physical page holding `pa`.
    pub fn invalidate_page(&mut self, pa: u64) {
        if let Some(&i) = self.by_pa.get(&(pa & !0xfff)) {
            for s in self.pages[i].slots.iter_mut() {
                *s = None;
            }
        }
    }
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
