//! Coverage of real binaries: every instruction word in the executable
//! sections of Debian arm64 binaries either executes on the interp CPU or is
//! an undefined / unadvertised-feature encoding (by objdump's reading).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use goblin::elf::section_header::SHF_EXECINSTR;
use goblin::elf::Elf;

use super::model::{make_case, Interp, SIGILL};
use super::qemu::disassemble;

/// The binaries of the issue, inside tests/sysroot/cache/isa-debs.
const BINARIES: &[&str] = &[
    "bin/busybox",
    "lib/aarch64-linux-gnu/libc.so.6",
    "lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
    "usr/lib/aarch64-linux-gnu/libstdc++.so.6",
    "usr/bin/python3.11",
    "usr/lib/gcc/aarch64-linux-gnu/12/cc1",
];

/// Mnemonics of features elfuse does not advertise (SVE/SVE2, SME, MTE,
/// FP16 arithmetic, BF16, I8MM, SHA3/SHA512/SM3/SM4, PAuth non-hint forms,
/// MOPS, LS64, CSSC, WFxT, ...).
pub fn unadvertised(dis: &str) -> bool {
    let m = dis.split_whitespace().next().unwrap_or("");
    let ops = dis.get(m.len()..).unwrap_or("");
    let zp = ops.split(|c: char| !c.is_ascii_alphanumeric()).any(|t| {
        let mut ch = t.chars();
        matches!(ch.next(), Some('z' | 'p')) && t.len() > 1 && t[1..].chars().all(|c| c.is_ascii_digit())
    });
    if zp || ops.contains("za") || ops.contains("vl") && m.ends_with("vl") {
        return true;
    }
    const PREFIXES: &[&str] = &[
        "bf", "sha512", "sm3", "sm4", "smstart", "smstop", "cpy", "setp", "setm", "sete", "setg", "ld64", "st64",
        "ldraa", "ldrab", "retaa", "retab", "braa", "brab", "blraa", "blrab", "eretaa", "eretab", "irg", "gmi", "stg",
        "st2g", "stzg", "stz2g", "ldg", "stgp", "addg", "subg", "subp", "wfet", "wfit", "rprfm", "ldapr",
    ];
    // Always another feature: SHA3, I8MM, RDM, FHM, DotProd, FCMA, JSCVT,
    // FRINTTS, PAuth (non-hint), LSE128, CSSC-only names.
    const ANY: &[&str] = &[
        "eor3", "rax1", "xar", "bcax", "smmla", "ummla", "usmmla", "usdot", "sudot", "sqrdmlah", "sqrdmlsh", "fmlal",
        "fmlal2", "fmlsl", "fmlsl2", "sdot", "udot", "fcmla", "fcadd", "fjcvtzs", "frint32x", "frint32z", "frint64x",
        "frint64z", "pacga", "braaz", "brabz", "blraaz", "blrabz", "autia", "autib", "pacia", "pacib", "autda",
        "autdb", "pacda", "pacdb", "xpaci", "xpacd", "autiza", "autizb", "paciza", "pacizb", "autdza", "autdzb",
        "pacdza", "pacdzb", "ldaprb", "ldaprh", "stilp", "ldiapp", "rcwcas", "swpp", "ldclrp", "ldsetp", "ctz", "cntb",
        "cnth", "cntw", "cntd", "rdvl", "addvl", "addpl", "incb", "inch", "incw", "incd", "decb", "dech", "decw",
        "decd",
    ];
    // MTE cache maintenance: DC GVA / DC GZVA (SYS #3, C7, C4, #3/#4).
    if m == "sys" && (ops.contains("C7, C4, #3") || ops.contains("C7, C4, #4")) {
        return true;
    }
    // FEAT_CSSC scalar forms of names that are also Advanced SIMD.
    const SCALAR: &[&str] = &["abs", "cnt", "smax", "smin", "umax", "umin"];
    if PREFIXES.iter().any(|p| m.starts_with(p)) {
        // `ldapr` is RCPC (advertised): only its unscaled/writeback forms
        // (RCPC3) end up here.
        return m != "ldapr" || ops.contains('!') || ops.contains("], #");
    }
    if ANY.contains(&m) || SCALAR.contains(&m) && !ops.contains(" v") {
        return true;
    }
    // FP16 arithmetic and conversions to/from integers (FEAT_FP16): a half
    // register or half lanes with an FP mnemonic, except the ARMv8.0
    // precision conversions.
    let half = ops.split([' ', ',']).any(|t| {
        (t.len() > 1 && t.starts_with('h') && t[1..].chars().all(|c| c.is_ascii_digit()))
            || t.ends_with(".4h")
            || t.ends_with(".8h")
            || t.ends_with(".2h")
    });
    let fp_op = m.starts_with('f') || m.ends_with("cvtf");
    half && fp_op && !matches!(m, "fcvt" | "fcvtl" | "fcvtl2" | "fcvtn" | "fcvtn2")
}

#[derive(Default)]
struct Counts {
    words: u64,
    unique: u64,
    handled: u64,
    undefined: u64,
    unadvertised: u64,
    unhandled: u64,
}

pub fn run() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sysroot/cache/isa-debs");
    assert!(root.exists(), "{} missing: run `make coverage`", root.display());
    let mut interp = Interp::new(super::model::CODE_VA, &[0u8; 4096]);
    let mut report = Vec::new();
    let mut unhandled_all: BTreeMap<String, (u64, u32)> = BTreeMap::new();
    let mut unadv_all: BTreeMap<String, u64> = BTreeMap::new();
    let mut total_unhandled = 0;
    for rel in BINARIES {
        let path = root.join(rel);
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let elf = Elf::parse(&data).expect("ELF");
        let mut c = Counts::default();
        let mut seen = HashSet::new();
        let mut sigill = Vec::new();
        for sh in &elf.section_headers {
            if sh.sh_flags & u64::from(SHF_EXECINSTR) == 0 || sh.sh_type == goblin::elf::section_header::SHT_NOBITS {
                continue;
            }
            let (off, size) = (sh.sh_offset as usize, sh.sh_size as usize);
            let Some(bytes) = data.get(off..off + size) else { continue };
            for w in bytes.chunks_exact(4) {
                let w = u32::from_le_bytes(w.try_into().unwrap());
                c.words += 1;
                if !seen.insert(w) {
                    continue;
                }
                c.unique += 1;
                let o = interp.run_batch(&[make_case(w, u64::from(w) | 1)]).remove(0);
                if o.sig == SIGILL {
                    sigill.push(w);
                } else {
                    c.handled += 1;
                }
            }
        }
        for chunk in sigill.chunks(20_000) {
            for (w, d) in chunk.iter().zip(disassemble(chunk)) {
                let m = d.split_whitespace().next().unwrap_or("").to_string();
                if d.is_empty() || m == ".inst" || m == "udf" || d.contains("undefined") {
                    c.undefined += 1;
                } else if unadvertised(&d) {
                    c.unadvertised += 1;
                    *unadv_all.entry(m).or_insert(0) += 1;
                } else {
                    c.unhandled += 1;
                    let e =
                        unhandled_all.entry(d.split_whitespace().next().unwrap_or("").to_string()).or_insert((0, *w));
                    e.0 += 1;
                    if e.0 <= 3 {
                        println!("  unhandled in {rel}: {w:08x} {d}");
                    }
                }
            }
        }
        total_unhandled += c.unhandled;
        report.push((rel, c));
    }
    println!(
        "{:<46} {:>9} {:>8} {:>8} {:>9} {:>12} {:>9}",
        "binary", "words", "unique", "handled", "undefined", "unadvertised", "unhandled"
    );
    for (rel, c) in &report {
        println!(
            "{rel:<46} {:>9} {:>8} {:>8} {:>9} {:>12} {:>9}",
            c.words, c.unique, c.handled, c.undefined, c.unadvertised, c.unhandled
        );
    }
    if !unadv_all.is_empty() {
        println!("unadvertised-feature mnemonics: {unadv_all:?}");
    }
    for (m, (n, w)) in &unhandled_all {
        println!("UNHANDLED {m}: {n} unique words (e.g. {w:08x})");
    }
    assert_eq!(total_unhandled, 0, "valid instructions the interp CPU does not execute");
}
