//! A small guest world for instruction unit tests.
//!
//! `TestCpu::new()` maps code at [`CODE`] (RWX), data at [`DATA`] (RW, 2 MiB)
//! and runs at EL0. `run(&[words])` executes the words followed by a
//! terminating `brk #0x7777` and returns the exception that stopped it.

use std::sync::Arc;

use super::block::BlockCache;
use super::cpu::Cpu;
use super::exception::Exception;
use crate::mem::layout;
use crate::mem::pagetable::{PageTables, Perm};
use crate::mem::phys::PhysMem;
use crate::vcpu::El1Setup;

/// Where test code is placed.
pub const CODE: u64 = 0x1_0000;
/// A 2 MiB read-write data area.
pub const DATA: u64 = 0x20_0000;
/// Size of the data area.
pub const DATA_SIZE: u64 = 0x20_0000;
/// Marks normal completion of `run`.
pub const END: Exception = Exception::Brk(0x7777);

/// A CPU with code and data mapped.
pub struct TestCpu {
    /// The CPU under test.
    pub cpu: Cpu,
    /// Its translated blocks.
    pub blocks: BlockCache,
}

impl Default for TestCpu {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCpu {
    /// Fresh CPU, all registers zero, at EL0.
    pub fn new() -> TestCpu {
        let phys = Arc::new(PhysMem::new(layout::PHYS_SIZE).expect("reserve"));
        let mut pt = PageTables::new(&phys).expect("tables");
        pt.set_user(&phys, CODE, 0x10_0000, Some(Perm::RWX)).expect("map code");
        pt.set_user(&phys, DATA, DATA_SIZE, Some(Perm::RW)).expect("map data");
        let mut cpu = Cpu::new(phys);
        let setup = El1Setup { ttbr0: pt.ttbr0(), ttbr1: pt.ttbr1(), entry: CODE, sp: DATA + DATA_SIZE };
        super::load_el1(&mut cpu, &setup);
        TestCpu { cpu, blocks: BlockCache::default() }
    }

    /// Execute `code` from [`CODE`]; return the exception that stopped it
    /// ([`END`] when every instruction ran), with at most about 1,000,000
    /// instructions. Runs through the block cache, as the vCPU does.
    pub fn run(&mut self, code: &[u32]) -> Exception {
        let mut bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        bytes.extend_from_slice(&0xd42e_eee0u32.to_le_bytes()); // brk #0x7777
        self.cpu.phys.write_bytes(CODE, &bytes).expect("code fits");
        self.cpu.ic_iallu();
        self.cpu.pc = CODE;
        match self.blocks.run(&mut self.cpu, 1_000_000) {
            Err(e) => e,
            Ok(()) => panic!("test code did not finish"),
        }
    }

    /// Execute `code` and assert it ran to the end.
    pub fn exec(&mut self, code: &[u32]) {
        let e = self.run(code);
        assert_eq!(e, END, "stopped at pc={:#x}", self.cpu.pc);
    }
}

#[cfg(test)]
mod robustness {
    use super::*;

    /// xorshift64*: deterministic, dependency-free.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }

    /// The guest can never crash elfuse: random instruction words with
    /// random register state (half the registers pointing into mapped data)
    /// execute or raise an architectural exception, never a host panic
    /// (the test profile has integer-overflow checks on).
    #[test]
    fn random_words_never_panic() {
        let mut t = TestCpu::new();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let n = if cfg!(debug_assertions) { 300_000 } else { 1_000_000 };
        let mut decoded = 0u32;
        for _ in 0..n {
            for r in 0..31 {
                let v = rng.next();
                let v = if v & 1 == 0 { DATA + (v >> 8) % (DATA_SIZE - 256) } else { v };
                t.cpu.set_x(r, v);
            }
            for v in t.cpu.v.iter_mut() {
                *v = (u128::from(rng.next()) << 64) | u128::from(rng.next());
            }
            t.cpu.sp_el0 = DATA + DATA_SIZE / 2;
            t.cpu.nzcv = (rng.next() as u32) & 0xf000_0000;
            t.cpu.fpcr = (rng.next() as u32) & 0x07f7_0000;
            let word = rng.next() as u32;
            decoded += u32::from(crate::vcpu::interp::decode::lookup(word).is_some());
            t.cpu.phys.write_bytes(CODE, &word.to_le_bytes()).expect("code");
            t.cpu.ic_iallu();
            t.cpu.el = 0;
            t.cpu.pc = CODE;
            let _ = t.cpu.step();
        }
        // A real share of the words reached a handler (not just UNDEFINED).
        assert!(decoded > n / 4, "only {decoded} of {n} random words decoded");
        eprintln!("{decoded} of {n} random words decoded");
    }
}
