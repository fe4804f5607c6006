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

/// A test root assembled by `make sysroot`: tests/sysroot/NAME (alpine,
/// debian), complete once its stamp file exists.
pub fn sysroot(name: &str) -> PathBuf {
    let p = root().join("tests/sysroot").join(name);
    assert!(p.join(".elfuse-root").exists(), "{} missing: run `make sysroot` (or `make test`)", p.display());
    p
}

/// The environment a guest in a test root starts with (nothing of the
/// host's): PATH, HOME and LANG as a login on that system would have them.
pub const ROOT_ENV: &[&str] = &["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "LANG=C"];

/// Seconds a guest in a test root may run (gcc's cc1 on the interpreter is
/// the slowest case); a hang then fails its test instead of the whole run.
pub const ROOT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// Run `args` (a guest program and its arguments) under elfuse in `sysroot`
/// with the environment cleared to [`ROOT_ENV`] plus `env` (K=V, overriding)
/// and the working directory `workdir` (a guest path). elfuse and its guest
/// processes run in their own process group, killed (status 137) when still
/// running after [`ROOT_TIMEOUT`].
pub fn run_in_root(sysroot: &Path, workdir: &str, env: &[&str], args: &[&str], input: &[u8]) -> Output {
    use std::io::{Read, Write};
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(elfuse());
    cmd.arg("--sysroot").arg(sysroot).arg("--clear-env").arg("--workdir").arg(workdir);
    for kv in ROOT_ENV.iter().chain(env) {
        cmd.arg("--env").arg(kv);
    }
    cmd.arg("--").args(args).process_group(0);
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let (mut so, mut se) = (child.stdout.take().expect("stdout"), child.stderr.take().expect("stderr"));
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    if let Some(mut si) = child.stdin.take() {
        let _ = si.write_all(input);
    }
    let deadline = std::time::Instant::now() + ROOT_TIMEOUT;
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if std::time::Instant::now() >= deadline {
            timed_out = true;
            // SAFETY: kill(2) has no memory effects; the group is the one
            // process_group(0) made for this child.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            break child.wait().expect("wait");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    if !timed_out {
        // Guest processes that outlived elfuse's main one would keep the
        // pipes open.
        // SAFETY: as above.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    }
    let stdout = out.join().expect("stdout reader");
    let mut stderr = err.join().expect("stderr reader");
    if timed_out {
        stderr.extend_from_slice(format!("\n[killed after {} s]\n", ROOT_TIMEOUT.as_secs()).as_bytes());
    }
    Output { status, stdout, stderr }
}

/// As [`run_in_root`], asserting the exact stdout and exit status.
pub fn expect_in_root(
    sysroot: &Path,
    workdir: &str,
    env: &[&str],
    args: &[&str],
    input: &[u8],
    stdout: &str,
    code: i32,
) {
    let o = run_in_root(sysroot, workdir, env, args, input);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        stdout,
        "stdout of elfuse --sysroot {} {args:?}; stderr:\n{err}",
        sysroot.display()
    );
    assert_eq!(status(&o), code, "status of elfuse --sysroot {} {args:?}; stderr:\n{err}", sysroot.display());
}

/// A scratch directory inside a test root, `/tmp/elfuse-NAME-PID` as the
/// guest sees it; removed (with its contents) when dropped.
pub struct GuestTmp {
    pub host: PathBuf,
    pub guest: String,
}

impl GuestTmp {
    pub fn new(sysroot: &Path, name: &str) -> GuestTmp {
        let guest = format!("/tmp/elfuse-{name}-{}", std::process::id());
        let host = sysroot.join(&guest[1..]);
        let _ = std::fs::remove_dir_all(&host);
        std::fs::create_dir_all(&host).expect("create the guest scratch directory");
        GuestTmp { host, guest }
    }
}

impl Drop for GuestTmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.host);
    }
}
