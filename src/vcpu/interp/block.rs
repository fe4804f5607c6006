//! Translated blocks: straight-line runs of decoded instructions, decoded
//! once, cached by guest-physical address, found by guest PC and executed in
//! a tight loop.
//!
//! A block starts at any instruction and ends after the first instruction
//! of the "branches, exception generating and system" group (ARM ARM C4.1:
//! op0 = x101x, the only instructions that change the PC, the exception
//! level, the translation regime or the caches), at the end of its 4 KiB
//! page, or after [`MAX_LEN`] instructions. So one fetch translation covers
//! a whole block, and handlers never see a cache change mid-block.
//!
//! Validity:
//! - A block is a copy of guest-physical memory: `IC IVAU` kills the blocks
//!   of the page it names (and their jump-table entries), `IC IALLU` every
//!   block (handlers record the
//!   maintenance in [`Cpu::maint`]; [`BlockCache::run`] applies it before
//!   the next block).
//! - The jump table maps a PC to a block per exception level. An entry is
//!   made only after a fetch translation of that PC *at that level* (execute
//!   permission differs per EL: EL0 never runs with EL1's permission), and
//!   every entry is dropped by TLB maintenance.

use fnv::FnvHashMap;

use super::cpu::{Cpu, Maintenance};
use super::decode::{self, Handler};
use super::exception::{Exception, ExecResult, FaultKind};
use super::mmu::Access;

/// Longest block, in instructions.
pub const MAX_LEN: usize = 64;
/// Jump-table entries per exception level (direct-mapped by PC).
const JUMP: usize = 4096;
/// Decoded instructions kept before the cache starts over.
const MAX_OPS: usize = 1 << 20;

/// One decoded instruction.
#[derive(Clone, Copy)]
struct Op {
    exec: Handler,
    word: u32,
}

/// A block: `len` ops from `start` in the op arena.
#[derive(Clone, Copy)]
struct Block {
    start: u32,
    len: u32,
}

/// A jump-table entry: the block at `pc`, copied (one load finds it).
#[derive(Clone, Copy)]
struct JumpEntry {
    pc: u64,
    start: u32,
    len: u16,
    /// Low bits of the block's physical page number (to find the entries
    /// an `IC IVAU` kills; aliases only cost a refill).
    page: u16,
}

/// An empty entry for jump-table slot `slot`: its tag is a PC that maps to
/// another slot, so no PC (the guest can branch anywhere) ever hits it.
const fn no_entry(slot: usize) -> JumpEntry {
    let pc = if slot == 0 { 4 } else { 0 };
    JumpEntry { pc, start: 0, len: 0, page: 0 }
}

/// The translated-block cache of one vCPU.
pub struct BlockCache {
    ops: Vec<Op>,
    /// Live blocks by the physical address of their first instruction.
    by_pa: FnvHashMap<u64, Block>,
    /// Physical addresses of the live blocks of each physical page.
    by_page: FnvHashMap<u64, Vec<u64>>,
    /// Per EL: PC -> block.
    jump: Box<[[JumpEntry; JUMP]; 2]>,
    /// Guest instructions executed (those that raised an exception included).
    pub executed: u64,
    /// Blocks decoded.
    pub built: u64,
}

impl Default for BlockCache {
    fn default() -> Self {
        let mut c = BlockCache {
            ops: Vec::new(),
            by_pa: FnvHashMap::default(),
            by_page: FnvHashMap::default(),
            jump: Box::new([[no_entry(1); JUMP]; 2]),
            executed: 0,
            built: 0,
        };
        c.reset_jump();
        c
    }
}

/// Whether `word` ends a block: the branches, exception generating and
/// system instructions group (op0 = x101x).
#[inline]
pub fn ends_block(word: u32) -> bool {
    (word >> 26) & 7 == 0b101
}

/// Execute one decoded instruction at `at`; on an exception, leave `pc` at
/// it (`cur_pc` is always `at`).
#[inline(always)]
fn exec_one(cpu: &mut Cpu, op: &Op, at: u64) -> ExecResult {
    cpu.cur_pc = at;
    cpu.pc = at.wrapping_add(4);
    let r = (op.exec)(cpu, op.word);
    if r.is_err() {
        cpu.pc = at;
    }
    r
}

impl BlockCache {
    /// Run blocks until at least `budget` instructions executed (`Ok`) or
    /// an instruction raised an exception (`Err`, with `cpu.pc` and
    /// `cpu.cur_pc` at that instruction; not taken).
    #[inline(never)]
    pub fn run(&mut self, cpu: &mut Cpu, budget: u32) -> ExecResult {
        let mut left = i64::from(budget);
        while left > 0 {
            if cpu.maint.pending {
                self.apply(&mut cpu.maint);
            }
            let pc = cpu.pc;
            let el = usize::from(cpu.el & 1);
            let mut j = self.jump[el][((pc >> 2) as usize) & (JUMP - 1)];
            if j.pc != pc {
                j = self.enter(cpu, pc, el)?;
            }
            let ops = &self.ops[j.start as usize..j.start as usize + usize::from(j.len)];
            // Unrolled by four: each position of a block calls its handler
            // from its own call site, which the host's indirect-branch
            // predictor learns far better than one shared site.
            let mut chunks = ops.chunks_exact(4);
            let mut at = pc;
            for c in chunks.by_ref() {
                for (k, op) in c.iter().enumerate() {
                    if let Err(e) = exec_one(cpu, op, at.wrapping_add(4 * k as u64)) {
                        self.executed += (cpu.cur_pc.wrapping_sub(pc) >> 2) + 1;
                        return Err(e);
                    }
                }
                at = at.wrapping_add(16);
            }
            for (k, op) in chunks.remainder().iter().enumerate() {
                if let Err(e) = exec_one(cpu, op, at.wrapping_add(4 * k as u64)) {
                    self.executed += (cpu.cur_pc.wrapping_sub(pc) >> 2) + 1;
                    return Err(e);
                }
            }
            self.executed += u64::from(j.len);
            left -= i64::from(j.len);
        }
        Ok(())
    }

    /// Slow path: translate `pc` for execution at the current EL, find or
    /// decode its block and enter it in the jump table.
    #[cold]
    fn enter(&mut self, cpu: &mut Cpu, pc: u64, el: usize) -> Result<JumpEntry, Exception> {
        cpu.cur_pc = pc;
        if pc & 3 != 0 {
            return Err(Exception::PcAlignment);
        }
        let pa = cpu.translate(pc, Access::Exec)?;
        let b = match self.by_pa.get(&pa) {
            Some(&b) => b,
            None => self.build(cpu, pa, pc)?,
        };
        let j = JumpEntry { pc, start: b.start, len: b.len as u16, page: (pa >> 12) as u16 };
        self.jump[el][((pc >> 2) as usize) & (JUMP - 1)] = j;
        Ok(j)
    }

    /// Decode the block at physical `pa` (fetched from virtual `pc`).
    fn build(&mut self, cpu: &Cpu, pa: u64, pc: u64) -> Result<Block, Exception> {
        if self.ops.len() >= MAX_OPS {
            self.clear();
        }
        let start = self.ops.len();
        let mut a = pa;
        while let Some(p) = cpu.phys.host_ptr(a, 4) {
            // SAFETY: `host_ptr` checked that 4 bytes at `a` are inside
            // guest-physical memory.
            let word = u32::from_le(unsafe { std::ptr::read_unaligned(p.cast::<u32>()) });
            let insn = decode::lookup(word);
            self.ops.push(Op { exec: insn.map_or(decode::undefined as Handler, |e| e.exec), word });
            a += 4;
            if insn.is_none() || ends_block(word) || a & 0xfff == 0 || self.ops.len() - start >= MAX_LEN {
                break;
            }
        }
        let len = self.ops.len() - start;
        if len == 0 {
            return Err(Exception::InstructionAbort { va: pc, kind: FaultKind::AddressSize(0) });
        }
        let b = Block { start: start as u32, len: len as u32 };
        self.by_pa.insert(pa, b);
        self.by_page.entry(pa & !0xfff).or_default().push(pa);
        self.built += 1;
        Ok(b)
    }

    /// Apply the cache and TLB maintenance the CPU recorded.
    fn apply(&mut self, m: &mut Maintenance) {
        if m.all_code {
            self.clear();
        } else {
            for page in m.pages.drain(..) {
                self.invalidate_page(page);
            }
            if m.fetch {
                self.reset_jump();
            }
        }
        m.pages.clear();
        m.all_code = false;
        m.fetch = false;
        m.pending = false;
    }

    /// Forget every PC -> block mapping (TLB maintenance).
    fn reset_jump(&mut self) {
        for el in self.jump.iter_mut() {
            for (slot, j) in el.iter_mut().enumerate() {
                *j = no_entry(slot);
            }
        }
    }

    /// Drop every block.
    pub fn clear(&mut self) {
        self.ops.clear();
        self.by_pa.clear();
        self.by_page.clear();
        self.reset_jump();
    }

    /// Kill the blocks decoded from the physical page at `page`.
    fn invalidate_page(&mut self, page: u64) {
        let Some(pas) = self.by_page.remove(&page) else {
            return;
        };
        for pa in pas {
            self.by_pa.remove(&pa);
        }
        let tag = (page >> 12) as u16;
        for el in self.jump.iter_mut() {
            for (slot, j) in el.iter_mut().enumerate() {
                if j.page == tag {
                    *j = no_entry(slot);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::vcpu::interp::testing::TestCpu;

    /// Self-modifying code: after `str`, `IC IVAU`, `DSB`, `ISB` the new
    /// instruction runs, although the old one was decoded into a block.
    #[test]
    fn self_modifying_code_runs_after_ic_ivau() {
        let mut t = TestCpu::new();
        t.exec(&[
            0x1000_0161, // 0: adr x1, target
            0x5280_0802, // 1: mov w2, #0x40
            0x72ba_5002, // 2: movk w2, #0xd280, lsl #16   (w2 = mov x0, #2)
            0x9400_0008, // 3: bl target                   (x0 = 1)
            0xaa00_03e3, // 4: mov x3, x0
            0xb900_0022, // 5: str w2, [x1]
            0xd50b_7521, // 6: ic ivau, x1
            0xd503_3b9f, // 7: dsb ish
            0xd503_3fdf, // 8: isb
            0x9400_0002, // 9: bl target                   (x0 = 2)
            0x1400_0003, // 10: b end
            0xd280_0020, // 11: target: mov x0, #1
            0xd65f_03c0, // 12: ret
        ]);
        assert_eq!(t.cpu.x(3), 1, "the original instruction ran first");
        assert_eq!(t.cpu.x(0), 2, "the rewritten instruction ran after IC IVAU");
    }

    /// Blocks end at branches: a loop runs its body the right number of
    /// times, and the instruction count covers every instruction.
    #[test]
    fn loop_and_instruction_count() {
        let mut t = TestCpu::new();
        t.exec(&[
            0xd280_0140, // mov x0, #10
            0x9100_0421, // loop: add x1, x1, #1
            0xf100_0400, // subs x0, x0, #1
            0x54ff_ffc1, // b.ne loop
        ]);
        assert_eq!(t.cpu.x(1), 10);
        assert_eq!(t.blocks.executed, 1 + 3 * 10 + 1, "brk counts as executed");
    }

    /// Every PC misses an empty jump-table slot, whatever its value.
    #[test]
    fn branches_anywhere_fault_instead_of_hanging() {
        use crate::vcpu::interp::exception::Exception;
        for target in [0u64, 4, u64::MAX, u64::MAX - 3, 1] {
            let mut t = TestCpu::new();
            t.cpu.set_x(0, target);
            let e = t.run(&[0xd61f_0000]); // br x0
            assert!(matches!(e, Exception::PcAlignment | Exception::InstructionAbort { .. }), "br {target:#x}: {e:?}");
            assert_eq!(t.cpu.pc, target);
        }
    }
}
