//! Dynamically linked programs: glibc's ld.so from the sysroot (PT_INTERP),
//! LD_LIBRARY_PATH, LD_PRELOAD, dlopen, running the interpreter directly,
//! and the vDSO. The root is `make dynroot` (tests/guest/build/dynroot:
//! the cross toolchain's ld.so/libc/libm/libgcc_s, dynamic builds of guest
//! programs, two small libraries, static busybox for `env`).

mod common;
use common::*;

fn dynroot() -> String {
    let r = root().join("tests/guest/build/dynroot");
    assert!(r.join("bin/dynlib").exists(), "{} missing: run `make guests`", r.display());
    r.to_str().expect("utf-8").to_string()
}

fn run_in_root(args: &[&str]) -> std::process::Output {
    let r = dynroot();
    let mut full = vec!["--sysroot", r.as_str()];
    full.extend_from_slice(args);
    run_elfuse(&full, b"")
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The same programs, linked dynamically, behave exactly as their static
/// builds (which the other suites check against Linux's expected output).
#[test]
fn dynamic_builds_match_static_builds() {
    for g in
        ["hello", "signals", "printf_float", "fp_fenv", "simd_neon", "threads", "timers", "malloc_stress", "sigwait"]
    {
        let stat = run_elfuse(&[guest(g).to_str().unwrap()], b"");
        let dynm = run_in_root(&[&format!("/bin/{g}")]);
        assert_eq!(text(&dynm), text(&stat), "{g}: stdout differs; stderr:\n{}", String::from_utf8_lossy(&dynm.stderr));
        assert_eq!(status(&dynm), status(&stat), "{g}: status differs");
        assert!(!text(&dynm).is_empty(), "{g}: no output");
    }
}

const DYNLIB_OUT: &str = "hello from library
dlopen libm: ok, cos(0)=1.0
AT_BASE set: 1
AT_SYSINFO_EHDR set: 1
link map: vdso=1 libgreet=1
monotonic advances across a 20 ms sleep: 1
realtime after 2020: 1
vdso agrees with the syscall: 1
unwound from handler to main: 1
";

#[test]
fn library_path_dlopen_vdso_and_unwinding_out_of_a_handler() {
    let o = run_in_root(&["/bin/busybox", "env", "LD_LIBRARY_PATH=/lib2", "/bin/dynlib"]);
    assert_eq!(text(&o), DYNLIB_OUT, "stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(status(&o), 0);
}

#[test]
fn ld_preload_interposes_and_runs_constructors_first() {
    let o =
        run_in_root(&["/bin/busybox", "env", "LD_LIBRARY_PATH=/lib2", "LD_PRELOAD=/lib3/libpreload.so", "/bin/dynlib"]);
    let want = format!("preload constructor\n{}", DYNLIB_OUT.replace("from library", "from preload"));
    assert_eq!(text(&o), want, "stderr:\n{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn missing_library_is_the_dynamic_linkers_error() {
    let o = run_in_root(&["/bin/dynlib"]);
    assert_eq!(status(&o), 127);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("libgreet.so: cannot open shared object file: No such file or directory"), "{err}");
}

#[test]
fn interpreter_run_directly() {
    let o = run_in_root(&["/lib/ld-linux-aarch64.so.1", "--library-path", "/lib2", "/bin/dynlib"]);
    // The kernel loaded no interpreter this time: AT_BASE is 0, as on Linux.
    assert_eq!(
        text(&o),
        DYNLIB_OUT.replace("AT_BASE set: 1", "AT_BASE set: 0"),
        "stderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run_in_root(&["/lib/ld-linux-aarch64.so.1", "--library-path", "/lib2", "--list", "/bin/dynlib"]);
    let out = text(&o);
    assert_eq!(status(&o), 0, "{out}");
    for want in ["\tlinux-vdso.so.1 (0x", "\tlibgreet.so => /lib2/libgreet.so (0x", "\tlibc.so.6 => /lib/libc.so.6 (0x"]
    {
        assert!(out.contains(want), "--list lacks {want:?}:\n{out}");
    }
}

/// CLOCK_MONOTONIC/REALTIME are answered in the guest by the vDSO: no
/// clock_gettime system call appears in the trace.
#[test]
fn vdso_clock_reads_need_no_system_call() {
    let r = dynroot();
    let o =
        run_elfuse(&["--strace", "--sysroot", &r, "/bin/busybox", "env", "LD_LIBRARY_PATH=/lib2", "/bin/dynlib"], b"");
    assert_eq!(text(&o), DYNLIB_OUT);
    let trace = String::from_utf8_lossy(&o.stderr);
    assert!(trace.contains("rt_sigreturn("), "the handler returned through the vDSO trampoline:\n{trace}");
    // dynlib makes exactly three clock_gettime system calls on purpose (to
    // compare them with the vDSO's answers); no other clock read leaves.
    assert_eq!(trace.matches("clock_gettime(").count(), 3, "a clock read left the guest:\n{trace}");
    assert!(!trace.contains("gettimeofday("), "a clock read left the guest:\n{trace}");
}

/// A program whose PT_INTERP does not exist: execve fails with ENOENT (the
/// shell says "not found", status 127), elfuse itself says which file.
#[test]
fn missing_interpreter_is_enoent() {
    let dir = std::env::temp_dir().join(format!("elfuse-nointerp-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let r = dynroot();
    let mut img = std::fs::read(format!("{r}/bin/hello")).unwrap();
    let at = img.windows(26).position(|w| w == b"/lib/ld-linux-aarch64.so.1").expect("PT_INTERP string");
    img[at + 25] = b'X';
    let prog = dir.join("bin/hello");
    std::fs::write(&prog, &img).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::copy(format!("{r}/bin/busybox"), dir.join("bin/busybox")).unwrap();
    std::fs::set_permissions(dir.join("bin/busybox"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let d = dir.to_str().unwrap();
    let o = run_elfuse(&["--sysroot", d, "/bin/hello"], b"");
    assert_eq!(status(&o), 127);
    assert!(String::from_utf8_lossy(&o.stderr).contains("No such file or directory"));
    let o = run_elfuse(&["--sysroot", d, "/bin/busybox", "sh", "-c", "/bin/hello; echo status=$?"], b"");
    assert_eq!(text(&o), "status=127\n", "stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
