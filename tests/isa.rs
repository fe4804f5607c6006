//! Differential ISA checking of the interp CPU against qemu-aarch64-static.
//!
//! - `recorded_vectors` (part of `make test`): replays tests/isa/vectors.txt,
//!   cases recorded from qemu, on the interp CPU alone.
//! - `isa_check` (ignored; `make isa-check`): random valid encodings of every
//!   decoder class with random register/flag/FPCR/memory state, run on the
//!   interp CPU and in tests/isa/harness.c under qemu; every X/V register,
//!   SP, NZCV, FPCR, FPSR, the signal and the memory window must agree.
//! - `coverage` (ignored; `make coverage`): every instruction word of the
//!   executable sections of Debian arm64 binaries, executed on the interp CPU.
//!
//! See docs/isa.md.

#[path = "isa/coverage.rs"]
mod coverage;
#[path = "isa/model.rs"]
mod model;
#[path = "isa/qemu.rs"]
mod qemu;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use elfuse::vcpu::interp::decode::{lookup, Insn};
use elfuse::vcpu::interp::exec;
use model::*;

/// Decoder classes checked: every table entry name except branches and
/// system instructions (their effects leave the instruction slot).
fn classes() -> Vec<(&'static str, Vec<Insn>)> {
    let skip: Vec<&str> = exec::branch::TABLE.iter().chain(exec::system::TABLE.iter()).map(|e| e.name).collect();
    let mut out: Vec<(&'static str, Vec<Insn>)> = Vec::new();
    for t in exec::TABLES {
        for e in t.iter() {
            if skip.contains(&e.name) {
                continue;
            }
            match out.iter_mut().find(|(n, _)| *n == e.name) {
                Some((_, v)) => v.push(*e),
                None => out.push((e.name, vec![*e])),
            }
        }
    }
    out
}

/// A random word of `class` (one the decoder gives to that class).
fn gen_word(r: &mut Rng, name: &str, entries: &[Insn]) -> Option<u32> {
    for _ in 0..10_000 {
        let e = &entries[r.below(entries.len() as u64) as usize];
        let w = e.value | (r.next() as u32 & !e.mask);
        if lookup(w).is_some_and(|l| l.name == name) && !unpredictable(w) {
            return Some(w);
        }
    }
    None
}

/// CONSTRAINED UNPREDICTABLE register overlaps of loads/stores (ARM ARM
/// K1.2): the architecture allows several behaviours, so they are not
/// generated (elfuse and qemu legitimately differ on them).
fn unpredictable(w: u32) -> bool {
    let (t, n, t2, s) = (w & 31, (w >> 5) & 31, (w >> 10) & 31, (w >> 16) & 31);
    let op0 = (w >> 27) & 7;
    let v = (w >> 26) & 1;
    // Single register, imm9 post/pre-index, integer: Rt == Rn.
    if op0 == 0b111 && v == 0 && (w >> 24) & 3 == 0 && (w >> 21) & 1 == 0 && (w >> 10) & 1 == 1 {
        return t == n && n != 31;
    }
    // Pairs: loads with Rt == Rt2; writeback with Rn == Rt or Rt2.
    if op0 == 0b101 && (w >> 25) & 1 == 0 {
        let load = (w >> 22) & 1 == 1;
        let wb = (w >> 23) & 1 == 1;
        return (load && t == t2) || (v == 0 && wb && n != 31 && (n == t || n == t2));
    }
    // Exclusives: size 001000 o2 L o1 Rs o0 Rt2 Rn Rt.
    if (w >> 24) & 0x3f == 0b001000 {
        let (o2, l, o1) = ((w >> 23) & 1, (w >> 22) & 1, (w >> 21) & 1);
        if o2 == 0 && l == 0 {
            return s == t || (s == n && n != 31) || (o1 == 1 && s == t2);
        }
        if o2 == 0 && l == 1 && o1 == 1 {
            return t == t2;
        }
    }
    false
}

/// Outcomes that differ for a documented reason that is not an elfuse bug.
fn deviation(c: &Case, a: &Outcome, b: &Outcome) -> Option<&'static str> {
    let w = c.insn;
    // The harness's own memory (its image and state page) is mapped under
    // qemu only: an access that reaches it is not a CPU difference.
    if let (SIGSEGV, 0, Some(va)) = (a.sig, b.sig, a.fault_va) {
        let own =
            (HARNESS_IMAGE..HARNESS_IMAGE + 0x1000_0000).contains(&va) || (STATE_VA..STATE_VA + 4096).contains(&va);
        if own {
            return Some("harness: the address is the harness's own memory under qemu (not mapped on the elfuse side)");
        }
    }
    let exclusive_store = (w >> 24) & 0x3f == 0b001000 && (w >> 22) & 3 == 0 && (w >> 23) & 1 == 0;
    if exclusive_store && b.sig == 0 {
        let size = if (w >> 21) & 1 == 1 { 8u64 << ((w >> 30) & 1) } else { 1u64 << (w >> 30) };
        let n = (w >> 5) & 31;
        let va = if n == 31 { c.state.sp } else { c.state.x[n as usize] };
        if a.sig == SIGBUS && va % size != 0 {
            // ARM ARM AArch64.ExclusiveMonitorsPass: the alignment check comes
            // first; qemu reports a failed store-exclusive instead.
            return Some("qemu: unaligned store-exclusive fails instead of an alignment fault");
        }
        if a.sig == SIGSEGV {
            return Some("IMPLEMENTATION DEFINED: store-exclusive to an unmapped address without a monitor");
        }
    }
    if exclusive_store && a.sig == 0 && b.sig == SIGSEGV {
        return Some("IMPLEMENTATION DEFINED: store-exclusive to an unmapped address without a monitor");
    }
    // LDAPR{B,H} (FEAT_LRCPC): size 111000 101 11111 110000 Rn Rt.
    if w & 0x3fff_fc00 == 0x38bf_c000 && a.sig == SIGBUS {
        let size = 1u64 << (w >> 30);
        let n = (w >> 5) & 31;
        let va = if n == 31 { c.state.sp } else { c.state.x[n as usize] };
        if va % size != 0 {
            // ARM ARM: LDAPR is an ordered access (AccType_ORDERED), which
            // requires alignment without FEAT_LSE2; qemu 7.2 does not check.
            return Some("qemu: LDAPR does not check alignment");
        }
    }
    None
}

fn case_seed(base: u64, class: usize, i: u64) -> u64 {
    let mut r = Rng(base ^ (class as u64).wrapping_mul(0x1000_0000_01b3) ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    r.next();
    r.next()
}

#[derive(Default, Clone)]
struct Stats {
    cases: u64,
    ran: u64,
    faulted: u64,
    mismatch: u64,
    /// interp UNDEFINED where qemu executed.
    gap: u64,
    /// Of the gaps, those of unadvertised features (FP16, MTE, ...).
    unadvertised: u64,
    /// Differences for a documented reason (see `deviation`).
    deviations: BTreeMap<&'static str, u64>,
    examples: Vec<String>,
    gap_words: Vec<u32>,
}

fn reg_diff(a: &Outcome, b: &Outcome) -> String {
    let mut s = String::new();
    if a.sig != b.sig {
        let _ = write!(s, " sig interp={} qemu={}", a.sig, b.sig);
        return s;
    }
    for i in 0..31 {
        if a.state.x[i] != b.state.x[i] {
            let _ = write!(s, " x{i} {:#x}/{:#x}", a.state.x[i], b.state.x[i]);
        }
    }
    if a.state.sp != b.state.sp {
        let _ = write!(s, " sp {:#x}/{:#x}", a.state.sp, b.state.sp);
    }
    for i in 0..32 {
        if a.state.v[i] != b.state.v[i] {
            let _ = write!(s, " v{i} {:#034x}/{:#034x}", a.state.v[i], b.state.v[i]);
        }
    }
    for (n, x, y) in [
        ("nzcv", a.state.nzcv, b.state.nzcv),
        ("fpcr", a.state.fpcr, b.state.fpcr),
        ("fpsr", a.state.fpsr, b.state.fpsr),
    ] {
        if x != y {
            let _ = write!(s, " {n} {x:#x}/{y:#x}");
        }
    }
    if a.mem != b.mem {
        s.push_str(" memory");
    }
    s
}

fn describe(c: &Case, a: &Outcome, b: &Outcome) -> String {
    let dis = qemu::disassemble(&[c.insn]).pop().unwrap_or_default();
    let s = &c.state;
    let mut ins = String::new();
    for (f, r) in
        [("d", c.insn & 31), ("n", (c.insn >> 5) & 31), ("m", (c.insn >> 16) & 31), ("a", (c.insn >> 10) & 31)]
    {
        let x = if r == 31 { s.sp } else { s.x[r as usize] };
        let _ = write!(ins, " {f}{r}: x={x:#x} v={:#034x}", s.v[r as usize]);
    }
    format!(
        "{:08x} {dis} | fpcr={:#x} fpsr={:#x} nzcv={:#x} |{ins} | interp/qemu:{}",
        c.insn,
        s.fpcr,
        s.fpsr,
        s.nzcv,
        reg_diff(a, b)
    )
}

fn env_u64(k: &str, d: u64) -> u64 {
    std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d)
}

const QEMU_UNALLOCATED: &str = "qemu: executes an unallocated encoding (binutils agrees it is undefined)";

/// Sort words that elfuse finds UNDEFINED but qemu executes (one objdump
/// run): encodings binutils calls undefined are qemu's deviation, the rest
/// are gaps.
fn settle_gaps(st: &mut Stats, words: &mut Vec<u32>) {
    if words.is_empty() {
        return;
    }
    for (w, d) in words.iter().zip(qemu::disassemble(words)) {
        if d.is_empty() || d.starts_with(".inst") || d.contains("undefined") {
            *st.deviations.entry(QEMU_UNALLOCATED).or_insert(0) += 1;
        } else {
            st.gap += 1;
            if st.gap_words.len() < 2000 {
                st.gap_words.push(*w);
            }
        }
    }
    words.clear();
}

/// One worker: a qemu harness and an interp CPU, checking `jobs` chunks.
fn worker(jobs: &Mutex<Vec<(usize, u64, u64)>>, classes: &[(&'static str, Vec<Insn>)], stats: &Mutex<Vec<Stats>>) {
    let base = env_u64("ISA_SEED", 1);
    let mut reference = qemu::Reference::start();
    let mut interp = Interp::new(reference.epilogue, &reference.code);
    loop {
        let Some((ci, from, to)) = jobs.lock().unwrap().pop() else { return };
        let (name, entries) = &classes[ci];
        let mut st = Stats::default();
        let mut r = Rng(case_seed(base, ci, from) | 1);
        let mut pending = Vec::new();
        let mut i = from;
        while i < to {
            let n = ((to - i) as usize).min(BATCH);
            let cases: Vec<Case> = (0..n as u64)
                .filter_map(|k| gen_word(&mut r, name, entries).map(|w| make_case(w, case_seed(base, ci, i + k))))
                .collect();
            if cases.is_empty() {
                break;
            }
            reference.send(&cases);
            let mine = interp.run_batch(&cases);
            let Some(theirs) = reference.recv(cases.len()) else {
                let words: Vec<u32> = cases.iter().map(|c| c.insn).collect();
                println!("HARNESS DIED ({}) in a batch of {name}:", reference.status());
                for (w, d) in words.iter().zip(qemu::disassemble(&words)) {
                    println!("    {w:08x} {d}");
                }
                reference = qemu::Reference::start();
                interp = Interp::new(reference.epilogue, &reference.code);
                st.cases += cases.len() as u64;
                st.mismatch += cases.len() as u64;
                i += n as u64;
                continue;
            };
            for ((c, a), b) in cases.iter().zip(&mine).zip(&theirs) {
                st.cases += 1;
                if a.same(b) {
                    if a.sig == 0 {
                        st.ran += 1;
                    } else {
                        st.faulted += 1;
                    }
                } else if let Some(why) = deviation(c, a, b) {
                    *st.deviations.entry(why).or_insert(0) += 1;
                } else if a.sig == SIGILL && b.sig != SIGILL {
                    pending.push(c.insn);
                    if pending.len() >= 8192 {
                        settle_gaps(&mut st, &mut pending);
                    }
                } else {
                    st.mismatch += 1;
                    if st.examples.len() < 6 {
                        st.examples.push(describe(c, a, b));
                    }
                }
            }
            i += n as u64;
        }
        settle_gaps(&mut st, &mut pending);
        let mut all = stats.lock().unwrap();
        let t = &mut all[ci];
        t.cases += st.cases;
        t.ran += st.ran;
        t.faulted += st.faulted;
        t.mismatch += st.mismatch;
        t.gap += st.gap;
        for (k, v) in st.deviations {
            *t.deviations.entry(k).or_insert(0) += v;
        }
        for e in st.examples {
            if t.examples.len() < 6 {
                t.examples.push(e);
            }
        }
        let room = 2000usize.saturating_sub(t.gap_words.len());
        t.gap_words.extend(st.gap_words.into_iter().take(room));
    }
}

/// Mnemonic (first word) histogram of objdump's view of `words`.
fn mnemonics(words: &[u32]) -> BTreeMap<String, u64> {
    let mut h = BTreeMap::new();
    for d in qemu::disassemble(words) {
        let m = d.split_whitespace().next().unwrap_or("?").to_string();
        let key = if d.contains(" h") || d.contains(".4h") || d.contains(".8h") && m.starts_with('f') {
            format!("{m}(fp16?)")
        } else {
            m
        };
        *h.entry(key).or_insert(0) += 1;
    }
    h
}

#[test]
#[ignore = "needs qemu-aarch64-static and the harness; run by `make isa-check`"]
fn isa_check() {
    let classes = classes();
    let n = env_u64("ISA_N", 20_000);
    let chunk = env_u64("ISA_CHUNK", 50_000).max(BATCH as u64);
    let filter = std::env::var("ISA_CLASSES").unwrap_or_default();
    let want = |name: &str| filter.is_empty() || filter.split(',').any(|f| name.contains(f));
    let mut jobs = Vec::new();
    for (ci, (name, _)) in classes.iter().enumerate() {
        if !want(name) {
            continue;
        }
        let mut from = 0;
        while from < n {
            jobs.push((ci, from, (from + chunk).min(n)));
            from += chunk;
        }
    }
    jobs.reverse();
    let jobs = Mutex::new(jobs);
    let stats = Mutex::new(vec![Stats::default(); classes.len()]);
    let threads = env_u64("ISA_JOBS", 2).max(1);
    let t0 = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| worker(&jobs, &classes, &stats));
        }
    });
    let stats = stats.into_inner().unwrap();
    let mut total = Stats::default();
    println!("{:<44} {:>9} {:>9} {:>9} {:>8} {:>8}", "class", "cases", "ran", "faulted", "gap", "mismatch");
    for ((name, _), st) in classes.iter().zip(&stats) {
        if st.cases == 0 {
            continue;
        }
        println!("{name:<44} {:>9} {:>9} {:>9} {:>8} {:>8}", st.cases, st.ran, st.faulted, st.gap, st.mismatch);
        for e in &st.examples {
            println!("    MISMATCH {e}");
        }
        for (why, k) in &st.deviations {
            println!("    deviation x{k}: {why}");
        }
        if st.gap > 0 {
            let dis = qemu::disassemble(&st.gap_words);
            let real: Vec<u32> =
                st.gap_words.iter().zip(&dis).filter(|(_, d)| !coverage::unadvertised(d)).map(|(w, _)| *w).collect();
            let unadv = st.gap_words.len() - real.len();
            // Scale the sampled split to the whole count.
            let real_n = st.gap * real.len() as u64 / st.gap_words.len().max(1) as u64;
            total.unadvertised += st.gap - real_n;
            println!("    gaps: {} of unadvertised features ({unadv} sampled), {real_n} real", st.gap - real_n);
            let h = mnemonics(&real);
            let mut v: Vec<_> = h.into_iter().collect();
            v.sort_by_key(|e| std::cmp::Reverse(e.1));
            let list: Vec<String> = v.iter().take(12).map(|(m, c)| format!("{m}:{c}")).collect();
            if !list.is_empty() {
                println!("    GAP (interp SIGILL, qemu ran; sampled): {}", list.join(" "));
                for (w, d) in real.iter().zip(qemu::disassemble(&real)).take(3) {
                    println!("      e.g. {w:08x} {d}");
                }
            }
        }
        total.cases += st.cases;
        total.ran += st.ran;
        total.faulted += st.faulted;
        total.gap += st.gap;
        total.mismatch += st.mismatch;
        for (k, v) in &st.deviations {
            *total.deviations.entry(k).or_insert(0) += v;
        }
    }
    println!(
        "total: {} cases, {} ran, {} faulted alike, {} gaps ({} unadvertised features), {} mismatches in {:.1}s",
        total.cases,
        total.ran,
        total.faulted,
        total.gap,
        total.unadvertised,
        total.mismatch,
        t0.elapsed().as_secs_f64()
    );
    for (why, k) in &total.deviations {
        println!("deviation x{k}: {why}");
    }
    if let Ok(path) = std::env::var("ISA_RECORD") {
        record(&path, &classes);
    }
    assert_eq!(total.mismatch, 0, "interp and qemu disagree");
}

/// Record `ISA_RECORD_N` agreeing cases per class (seeded) as test vectors.
fn record(path: &str, classes: &[(&'static str, Vec<Insn>)]) {
    let per = env_u64("ISA_RECORD_N", 40);
    let mut reference = qemu::Reference::start();
    let mut interp = Interp::new(reference.epilogue, &reference.code);
    let mut out = String::new();
    let _ = writeln!(out, "# elfuse ISA vectors: recorded from qemu-aarch64-static by `make isa-record`.");
    let _ = writeln!(out, "# epilogue {:#x}", reference.epilogue);
    let hex: String = reference.code.iter().map(|b| format!("{b:02x}")).collect();
    let _ = writeln!(out, "# code {hex}");
    let _ = writeln!(out, "# insn seed digest class");
    let mut rng = Rng(0x5eed);
    for (name, entries) in classes {
        let mut kept = 0;
        let mut tries = 0;
        while kept < per && tries < per * 20 {
            tries += 1;
            let Some(w) = gen_word(&mut rng, name, entries) else { break };
            let seed = rng.next();
            let c = make_case(w, seed);
            reference.send(&[c]);
            let Some(mut b) = reference.recv(1) else {
                reference = qemu::Reference::start();
                continue;
            };
            let b = b.remove(0);
            let a = interp.run_batch(&[c]).remove(0);
            if a.same(&b) && a.digest() == b.digest() && (b.sig == 0 || tries % 4 == 0) {
                let _ = writeln!(out, "{w:08x} {seed:016x} {:016x} {name}", b.digest());
                kept += 1;
            }
        }
    }
    std::fs::write(path, out).expect("write vectors");
    println!("recorded vectors to {path}");
}

#[test]
fn recorded_vectors() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/isa/vectors.txt");
    let text = std::fs::read_to_string(&path).expect("tests/isa/vectors.txt");
    let mut slot = 0;
    let mut code = Vec::new();
    let mut interp = None;
    let (mut n, mut bad) = (0, Vec::new());
    for line in text.lines() {
        if let Some(s) = line.strip_prefix("# epilogue 0x") {
            slot = u64::from_str_radix(s, 16).unwrap();
        } else if let Some(h) = line.strip_prefix("# code ") {
            code = (0..h.len() / 2).map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap()).collect();
        } else if !line.starts_with('#') && !line.is_empty() {
            let f: Vec<&str> = line.splitn(4, ' ').collect();
            let insn = u32::from_str_radix(f[0], 16).unwrap();
            let seed = u64::from_str_radix(f[1], 16).unwrap();
            let want = u64::from_str_radix(f[2], 16).unwrap();
            let it = interp.get_or_insert_with(|| Interp::new(slot, &code));
            let got = it.run_batch(&[make_case(insn, seed)]).remove(0);
            n += 1;
            if got.digest() != want {
                bad.push(format!("{insn:08x} seed {seed:016x} ({}) sig {}", f.get(3).unwrap_or(&""), got.sig));
            }
        }
    }
    assert!(n > 1000, "only {n} vectors");
    assert!(bad.is_empty(), "{} of {n} vectors differ:\n{}", bad.len(), bad.join("\n"));
}

#[test]
#[ignore = "needs the Debian arm64 packages; run by `make coverage`"]
fn coverage() {
    coverage::run();
}
