//! The shared pieces of the differential checker: the case/state layout of
//! the guest harness (tests/isa/harness.c), the deterministic state
//! generator, and the interp side that runs one case on elfuse's CPU.

use std::sync::Arc;

use elfuse::mem::layout;
use elfuse::mem::pagetable::{PageTables, Perm};
use elfuse::mem::phys::PhysMem;
use elfuse::vcpu::interp::cpu::Cpu;
use elfuse::vcpu::interp::exception::{Exception, FaultKind};
use elfuse::vcpu::El1Setup;

/// Where the harness maps its template page (prologue and epilogue).
pub const CODE_VA: u64 = 0x3_5a40_0000;
/// The trampoline page: one `b` to the current case's slot.
pub const TRAMP_VA: u64 = CODE_VA + 0x1000;
/// The slot page: case i of a batch is `insn; b epilogue` at `SLOT_VA + 8*i`.
pub const SLOT_VA: u64 = CODE_VA + 0x2000;
/// The harness's own state page (loads/stores that reach it succeed under
/// qemu only).
pub const STATE_VA: u64 = CODE_VA + 0xff_0000;
/// Where the harness binary is linked (`-Ttext-segment`).
pub const HARNESS_IMAGE: u64 = 0x50_0000_0000;
/// Cases per batch (the harness's limit).
pub const BATCH: usize = 64;
/// The memory window the instruction may touch.
pub const WIN_VA: u64 = 0x3_6b80_0000;
/// Window size (one page).
pub const WIN_SIZE: u64 = 4096;
/// Bytes of a state record (`struct state`).
pub const STATE_BYTES: usize = 792;
/// Bytes of a case record (`struct in_case`).
pub const CASE_BYTES: usize = 8 + 8 + STATE_BYTES;
/// Bytes of a result record (`struct out_case`).
pub const RESULT_BYTES: usize = STATE_BYTES + 16;

/// Architectural state the harness loads and stores.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct State {
    pub x: [u64; 31],
    pub sp: u64,
    pub v: [u128; 32],
    pub nzcv: u64,
    pub fpcr: u64,
    pub fpsr: u64,
}

impl State {
    pub fn write_to(&self, out: &mut Vec<u8>) {
        for x in self.x {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.extend_from_slice(&self.sp.to_le_bytes());
        for v in self.v {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for f in [self.nzcv, self.fpcr, self.fpsr] {
            out.extend_from_slice(&f.to_le_bytes());
        }
    }

    pub fn from_bytes(b: &[u8]) -> State {
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        let mut s = State::default();
        for (i, x) in s.x.iter_mut().enumerate() {
            *x = u64_at(i * 8);
        }
        s.sp = u64_at(248);
        for (i, v) in s.v.iter_mut().enumerate() {
            *v = u128::from_le_bytes(b[256 + i * 16..272 + i * 16].try_into().unwrap());
        }
        s.nzcv = u64_at(768);
        s.fpcr = u64_at(776);
        s.fpsr = u64_at(784);
        s
    }

    /// A 64-bit digest of the whole state.
    pub fn digest(&self) -> u64 {
        let mut b = Vec::with_capacity(STATE_BYTES);
        self.write_to(&mut b);
        fnv(&b)
    }
}

/// One test case: instruction, window seed, initial state.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub insn: u32,
    pub seed: u64,
    pub state: State,
}

impl Case {
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.insn.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&self.seed.to_le_bytes());
        self.state.write_to(out);
    }
}

/// What running a case produced.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Outcome {
    pub state: State,
    /// Linux signal number, 0 when the instruction completed.
    pub sig: u64,
    /// Digest of the memory window afterwards.
    pub mem: u64,
    /// The faulting address of a data abort (elfuse side only; not compared).
    pub fault_va: Option<u64>,
}

impl Outcome {
    pub fn from_bytes(b: &[u8]) -> Outcome {
        let state = State::from_bytes(&b[..STATE_BYTES]);
        let sig = u64::from_le_bytes(b[STATE_BYTES..STATE_BYTES + 8].try_into().unwrap());
        let mem = u64::from_le_bytes(b[STATE_BYTES + 8..STATE_BYTES + 16].try_into().unwrap());
        Outcome { state, sig, mem, fault_va: None }
    }

    /// Whether two outcomes agree (after a signal only the signal counts).
    pub fn same(&self, o: &Outcome) -> bool {
        if self.sig != 0 || o.sig != 0 {
            return self.sig == o.sig;
        }
        self.state == o.state && self.mem == o.mem
    }

    /// One digest for recorded vectors.
    pub fn digest(&self) -> u64 {
        if self.sig != 0 {
            return self.sig;
        }
        self.state.digest() ^ self.mem.rotate_left(17)
    }
}

pub const SIGILL: u64 = 4;
pub const SIGTRAP: u64 = 5;
pub const SIGBUS: u64 = 7;
pub const SIGSEGV: u64 = 11;

/// xorshift64*: the harness fills the window with the same sequence.
#[derive(Clone)]
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn fnv(b: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for w in b.chunks_exact(8) {
        h = (h ^ u64::from_le_bytes(w.try_into().unwrap())).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// The window contents for `seed` (as harness.c `fill`).
pub fn window(seed: u64) -> Vec<u8> {
    let mut r = Rng(seed | 1);
    (0..WIN_SIZE / 8).flat_map(|_| r.next().to_le_bytes()).collect()
}

fn interesting_int(r: &mut Rng) -> u64 {
    match r.below(12) {
        0 => 0,
        1 => u64::MAX,
        2 => 1 << r.below(64),
        3 => (1 << r.below(64)) - 1,
        4 => r.below(64),
        5 => 0x8000_0000_0000_0000,
        6 => 0x7fff_ffff_ffff_ffff,
        7 => r.next() as u32 as u64,
        8 => (r.next() as i32) as i64 as u64,
        9 => r.below(256).wrapping_sub(128),
        _ => r.next(),
    }
}

/// An "interesting" floating-point bit pattern of `bits` (16/32/64) width.
fn interesting_fp(r: &mut Rng, bits: u32) -> u64 {
    let (ebits, mbits): (u64, u64) = match bits {
        16 => (5, 10),
        32 => (8, 23),
        _ => (11, 52),
    };
    let emax = (1u64 << ebits) - 1;
    let mmask = (1u64 << mbits) - 1;
    let sign = r.below(2) << (bits - 1);
    let bits = u64::from(bits);
    let bias = emax >> 1;
    let (e, m) = match r.below(16) {
        0 => (0, 0),                                                     // zero
        1 => (emax, 0),                                                  // infinity
        2 => (emax, (1 << (mbits - 1)) | (r.next() & mmask)),            // qNaN, payload
        3 => (emax, (r.next() & (mmask >> 1)) | 1),                      // sNaN
        4 => (0, r.next() & mmask | 1),                                  // denormal
        5 => (0, 1 << r.below(mbits)),                                   // small denormal
        6 => (1, r.next() & mmask),                                      // smallest normals
        7 => (emax - 1, r.next() & mmask),                               // largest finite
        8 => (bias, 0),                                                  // 1.0
        9 => (bias + r.below(12), (r.next() & mmask) >> r.below(mbits)), // small with few bits
        10 => (bias - 1, mmask),                                         // just below 1
        11 => (bias + bits - 1 + r.below(3) - 1, r.next() & mmask),      // near integer limits
        12 => (bias, 1u64 << r.below(mbits)),                            // 1 + 2^-k (rounding ties)
        _ => (1 + r.below(emax - 1), r.next() & mmask),
    };
    sign | (e << mbits) | m
}

/// A random 128-bit vector register of mixed-width FP and integer lanes.
fn vector(r: &mut Rng) -> u128 {
    let mut v = 0u128;
    match r.below(5) {
        0 => u128::from(r.next()) << 64 | u128::from(r.next()),
        k => {
            let w = [16u32, 32, 64, 64][k as usize - 1];
            let mut pos = 0;
            while pos < 128 {
                let lane = if r.below(6) == 0 { interesting_int(r) } else { interesting_fp(r, w) };
                let mask = if w == 64 { u64::MAX } else { (1 << w) - 1 };
                v |= u128::from(lane & mask) << pos;
                pos += w;
            }
            v
        }
    }
}

/// The deterministic initial state and window seed of case `seed`.
pub fn gen_state(seed: u64) -> (State, u64) {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut s = State::default();
    for x in s.x.iter_mut() {
        *x = match r.below(8) {
            0..=2 => {
                let off = match r.below(4) {
                    0 => r.below(WIN_SIZE) & !15,
                    1 => r.below(WIN_SIZE) & !7,
                    2 => WIN_SIZE / 2 + (r.below(512) & !15),
                    _ => r.below(WIN_SIZE),
                };
                WIN_VA + off
            }
            _ => interesting_int(&mut r),
        };
    }
    s.sp = WIN_VA + 1024 + (r.below(2048) & !15);
    for v in s.v.iter_mut() {
        *v = vector(&mut r);
    }
    s.nzcv = (r.next() & 0xf) << 28;
    // AHP, DN, FZ, RMode (FZ16 is RES0 without FEAT_FP16).
    s.fpcr = if r.below(3) == 0 { 0 } else { r.next() & 0x07c0_0000 };
    s.fpsr = r.next() & 0x0800_009f;
    (s, r.next())
}

/// Build a case for `insn` from `seed`.
pub fn make_case(insn: u32, seed: u64) -> Case {
    let (state, mseed) = gen_state(seed);
    Case { insn, seed: mseed, state }
}

/// `B` from `from` to `to`.
fn branch(from: u64, to: u64) -> u32 {
    0x1400_0000 | ((to.wrapping_sub(from) >> 2) as u32 & 0x03ff_ffff)
}

/// elfuse's CPU with the harness's address space: the same bytes in the
/// template, trampoline and slot pages (PC-relative loads see them), and
/// the window.
pub struct Interp {
    cpu: Cpu,
    epilogue: u64,
}

impl Interp {
    pub fn new(epilogue: u64, template: &[u8]) -> Interp {
        let phys = Arc::new(PhysMem::new(layout::PHYS_SIZE).expect("reserve"));
        let mut pt = PageTables::new(&phys).expect("tables");
        pt.set_user(&phys, CODE_VA, 3 * 4096, Some(Perm::RWX)).expect("map code");
        pt.set_user(&phys, WIN_VA, WIN_SIZE, Some(Perm::RW)).expect("map window");
        phys.write_bytes(CODE_VA, template).expect("code");
        let mut cpu = Cpu::new(phys);
        let setup = El1Setup { ttbr0: pt.ttbr0(), ttbr1: pt.ttbr1(), entry: SLOT_VA, sp: WIN_VA };
        elfuse::vcpu::interp::load_el1(&mut cpu, &setup);
        Interp { cpu, epilogue }
    }

    /// Run a batch as the harness does.
    pub fn run_batch(&mut self, cases: &[Case]) -> Vec<Outcome> {
        let mut page = vec![0u8; 4096];
        for (i, c) in cases.iter().enumerate() {
            let at = SLOT_VA + 8 * i as u64;
            page[8 * i..8 * i + 4].copy_from_slice(&c.insn.to_le_bytes());
            page[8 * i + 4..8 * i + 8].copy_from_slice(&branch(at + 4, self.epilogue).to_le_bytes());
        }
        self.cpu.phys.write_bytes(SLOT_VA, &page).expect("slots");
        cases.iter().enumerate().map(|(i, c)| self.run_at(c, SLOT_VA + 8 * i as u64)).collect()
    }

    /// Run one case at `pc`.
    fn run_at(&mut self, c: &Case, pc: u64) -> Outcome {
        let cpu = &mut self.cpu;
        cpu.phys.write_bytes(TRAMP_VA, &branch(TRAMP_VA, pc).to_le_bytes()).expect("tramp");
        cpu.ic_iallu();
        cpu.phys.write_bytes(WIN_VA, &window(c.seed)).expect("window");
        let s = &c.state;
        for i in 0..31 {
            cpu.set_x(i, s.x[i as usize]);
        }
        cpu.el = 0;
        cpu.sp_el0 = s.sp;
        cpu.v = s.v;
        cpu.nzcv = s.nzcv as u32;
        cpu.fpcr = s.fpcr as u32;
        cpu.fpsr = s.fpsr as u32;
        cpu.excl = None;
        cpu.pc = pc;
        let step = cpu.step();
        let fault_va = match step {
            Err(Exception::DataAbort { va, .. }) => Some(va),
            _ => None,
        };
        let sig = match step {
            Ok(()) => 0,
            Err(Exception::Undefined) => SIGILL,
            Err(Exception::Brk(_)) => SIGTRAP,
            Err(Exception::DataAbort { kind: FaultKind::Alignment, .. }) => SIGBUS,
            Err(Exception::PcAlignment | Exception::SpAlignment) => SIGBUS,
            Err(_) => SIGSEGV,
        };
        let mut st = State::default();
        for i in 0..31 {
            st.x[i as usize] = cpu.x(i);
        }
        st.sp = cpu.sp_el0;
        st.v = cpu.v;
        st.nzcv = u64::from(cpu.nzcv);
        st.fpcr = u64::from(cpu.fpcr);
        st.fpsr = u64::from(cpu.fpsr);
        let mut w = vec![0u8; WIN_SIZE as usize];
        cpu.phys.read_bytes(WIN_VA, &mut w).expect("window");
        Outcome { state: st, sig, mem: fnv(&w), fault_va }
    }
}
