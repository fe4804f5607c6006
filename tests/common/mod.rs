//! Shared helpers for the integration tests: run a guest under elfuse (and
//! under qemu-aarch64-static as a reference, when installed).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The elfuse binary under test.
pub fn elfuse() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_elfuse"))
}

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A built guest test program (`make guests` builds them).
pub fn guest(name: &str) -> PathBuf {
    let p = root().join("tests/guest/build").join(name);
    assert!(p.exists(), "{} missing: run `make guests` (or `make test`)", p.display());
    p
}

/// The unpacked Debian busybox-static (`make sysroot`).
pub fn busybox() -> PathBuf {
    let p = root().join("tests/sysroot/busybox/bin/busybox");
    assert!(p.exists(), "{} missing: run `make sysroot` (or `make test`)", p.display());
    p
}

/// Run elfuse with `args`, stdin from `input`.
pub fn run_elfuse(args: &[&str], input: &[u8]) -> Output {
    run(Command::new(elfuse()).args(args), input)
}

/// qemu-aarch64-static, if installed.
pub fn qemu() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("qemu-aarch64-static")).find(|p| p.is_file()))
}

/// Run `program args` under qemu, if installed.
pub fn run_qemu(program: &Path, args: &[&str], input: &[u8]) -> Option<Output> {
    let q = qemu()?;
    Some(run(Command::new(q).arg(program).args(args), input))
}

fn run(cmd: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    if let Some(mut si) = child.stdin.take() {
        let _ = si.write_all(input);
    }
    child.wait_with_output().expect("wait")
}

/// Exit status as a shell reports it (128 + signal when killed).
pub fn status(o: &Output) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    o.status.code().unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0))
}

/// Assert elfuse prints exactly `stdout` and exits with `code`; where qemu
/// is installed, assert it agrees (a check on the expectation itself).
pub fn expect(program: &Path, args: &[&str], input: &[u8], stdout: &str, code: i32) {
    expect_vs_qemu(program, args, input, stdout, code, None);
}

/// As [`expect`], but `qemu_bug` names a known qemu-user deviation from
/// Linux: qemu is then not consulted.
pub fn expect_vs_qemu(program: &Path, args: &[&str], input: &[u8], stdout: &str, code: i32, qemu_bug: Option<&str>) {
    let mut full: Vec<&str> = vec![program.to_str().expect("utf-8 path")];
    full.extend_from_slice(args);
    let o = run_elfuse(&full, input);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        stdout,
        "stdout of elfuse {full:?}; stderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(status(&o), code, "status of elfuse {full:?}; stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    if qemu_bug.is_some() {
        return;
    }
    if let Some(q) = run_qemu(program, args, input) {
        assert_eq!(String::from_utf8_lossy(&q.stdout), stdout, "qemu disagrees with the expected stdout");
        assert_eq!(status(&q), code, "qemu disagrees with the expected status");
    }
}
