//! Static AArch64 C programs (tests/guest/*.c) under elfuse: exact stdout
//! and exit status, as Linux gives them (and as qemu-aarch64-static agrees).

mod common;
use common::*;

#[test]
fn hello() {
    expect(&guest("hello"), &[], b"", "Hello from AArch64!\n", 0);
}

#[test]
fn hello_static_pie() {
    expect(&guest("hello-pie"), &[], b"", "Hello from AArch64!\n", 0);
}

#[test]
fn exit_codes() {
    for (arg, code) in [("0", 0), ("1", 1), ("42", 42), ("255", 255), ("256", 0), ("-1", 255)] {
        expect(&guest("exitcode"), &[arg], b"", "", code);
    }
}

const ARGS_TAIL: &str = "pagesz=4096\nclktck=100\nphent=56\nphnum_ok=1\nplatform=aarch64\nhwcap_fp=1 hwcap_asimd=1\n\
random_set=1\nsecure=0\nexecfn_tail=args\nentry_ok=1\nstack_aligned=1\n";

#[test]
fn argv_envp_auxv() {
    let prog = guest("args");
    let p = prog.to_str().unwrap();
    let o = run_elfuse(&["--env", "ELFUSE_TEST=yes", p, "a", "b c", "-x", "--help"], b"");
    let want = format!(
        "argc=5\nargv[0]={p}\nargv[1]=a\nargv[2]=b c\nargv[3]=-x\nargv[4]=--help\nenv ELFUSE_TEST=yes\n{ARGS_TAIL}"
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), want, "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(status(&o), 0);
}

#[test]
fn argv_static_pie_and_clear_env() {
    let prog = guest("args-pie");
    let p = prog.to_str().unwrap();
    let o = run_elfuse(&["--clear-env", p], b"");
    let want = format!("argc=1\nargv[0]={p}\n{}", ARGS_TAIL.replace("execfn_tail=args", "execfn_tail=args-pie"));
    assert_eq!(String::from_utf8_lossy(&o.stdout), want, "stderr: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn printf_floats() {
    let want = "0.667\n3.141593 1.234568e+04 0.0001234\n1.414213562\n0.841471 2.718282\n1000.25\n3.0 -2 2\n\
inf -inf 0\n1\n0.33333333333333333333\n2.000\n";
    expect(&guest("printf_float"), &[], b"", want, 0);
}

const MALLOC_OUT: &str = "checksum=0\nbrk_regrow_zero=1 brk_kept=1\nmprotect=0\nmunmap=0\nmprotect_hole=1\n\
values=1,3\nfixed_ok=1 zero=0\nbad_len=1\n";

#[test]
fn malloc_stress() {
    expect(&guest("malloc_stress"), &[], b"", MALLOC_OUT, 0);
}

#[test]
fn malloc_stress_static_pie() {
    // Linux grows brk for static-pie programs; qemu-user 7.2 refuses
    // (sbrk fails), so qemu is not a reference here.
    expect_vs_qemu(
        &guest("malloc_stress-pie"),
        &[],
        b"",
        MALLOC_OUT,
        0,
        Some("qemu-user cannot grow brk for static-pie"),
    );
}

#[test]
fn file_io() {
    let dir = std::env::temp_dir().join(format!("elfuse-fileio-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let o = run_elfuse(&[guest("fileio").to_str().unwrap(), d], b"");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let want = include_str!("guest/fileio.expected").replace("@DIR_TAIL@", dir.file_name().unwrap().to_str().unwrap());
    assert_eq!(out, want, "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(status(&o), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn system_info() {
    let want = "uname=0 sys=Linux machine=aarch64 release6=1\nuname_zero_padded=1\nnanosleep=0\nslept_enough=1\n\
getres=0 res_ok=1\nbad_clock=-1 errno_einval=1\ntime_sane=1\ngetrandom=64\nrandom_nonzero=1\n\
getrandom_badflags=-1 errno_einval=1\naffinity=0 count_ok=1\nnprocs_ok=1\ngetrlimit=0 stack=8388608\n\
sysinfo=0 ram_ok=1\nids_match=1\npid_pos=1 ppid_pos=1 tid_is_pid=1\nsched_yield=0\ngetcpu=0 node=0\npagesize=4096\n";
    expect(&guest("sysinfo"), &[], b"", want, 0);
}

#[test]
fn null_store_is_sigsegv() {
    expect(&guest("fault"), &[], b"", "before\n", 139);
}

#[test]
fn abort_is_sigabrt() {
    expect(&guest("abort"), &[], b"", "aborting\n", 134);
}

/// FP semantics through C (fenv rounding modes and flags, denormals, FZ, NaN
/// payloads, DN, half precision with AHP): the output recorded from
/// qemu-aarch64-static, which `make isa-check` holds to the ARM ARM.
#[test]
fn fp_fenv() {
    expect(&guest("fp_fenv"), &[], b"", include_str!("guest/fp_fenv.expected"), 0);
}

/// Advanced SIMD and crypto through <arm_neon.h>: saturation and QC,
/// by-element doubling multiplies, estimates and steps, NaN min/max,
/// AES/SHA-1/SHA-256/PMULL (output recorded from qemu-aarch64-static).
#[test]
fn simd_neon() {
    expect(&guest("simd_neon"), &[], b"", include_str!("guest/simd_neon.expected"), 0);
}
