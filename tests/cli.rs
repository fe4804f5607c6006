//! The command line: errors are one clear line and a shell-like status.

mod common;
use common::*;

fn stderr_of(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn missing_program_is_one_line() {
    let o = run_elfuse(&[], b"");
    assert_eq!(status(&o), 2);
    let e = stderr_of(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("elfuse: missing PROGRAM"), "{e}");
}

#[test]
fn nonexistent_program_is_127() {
    let o = run_elfuse(&["/no/such/program"], b"");
    assert_eq!(status(&o), 127);
    let e = stderr_of(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("/no/such/program") && e.contains("No such file"), "{e}");
}

fn scratch(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("elfuse-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn expect_load_error(path: &std::path::Path, needle: &str) {
    let o = run_elfuse(&[path.to_str().unwrap()], b"");
    assert_eq!(status(&o), 126, "{}", stderr_of(&o));
    let e = stderr_of(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains(needle), "expected {needle:?} in {e:?}");
}

#[test]
fn malformed_elfs_are_clear_errors() {
    expect_load_error(&scratch("text", b"just some text\n"), "not an ELF executable");
    expect_load_error(&scratch("empty", b""), "not an ELF executable");
    let hello = std::fs::read(guest("hello")).unwrap();
    expect_load_error(&scratch("trunc", &hello[..40]), "truncated");
    expect_load_error(&scratch("trunc2", &hello[..2000]), "truncated");
    // The host's own (x86-64) binary: wrong machine.
    let host = std::fs::read(elfuse()).unwrap();
    expect_load_error(&scratch("host", &host[..4096.min(host.len())]), "not an AArch64 Linux program");
    // Overlapping PT_LOAD segments: make the second load segment start
    // inside the first.
    let mut bad = hello.clone();
    let phoff = u64::from_le_bytes(bad[32..40].try_into().unwrap()) as usize;
    let phnum = u16::from_le_bytes(bad[56..58].try_into().unwrap()) as usize;
    let loads: Vec<usize> = (0..phnum)
        .map(|i| phoff + i * 56)
        .filter(|&o| u32::from_le_bytes(bad[o..o + 4].try_into().unwrap()) == 1)
        .collect();
    assert!(loads.len() >= 2);
    let first_vaddr = u64::from_le_bytes(bad[loads[0] + 16..loads[0] + 24].try_into().unwrap());
    let second_off = u64::from_le_bytes(bad[loads[1] + 8..loads[1] + 16].try_into().unwrap());
    let new_vaddr = first_vaddr + (second_off % 4096);
    bad[loads[1] + 16..loads[1] + 24].copy_from_slice(&new_vaddr.to_le_bytes());
    expect_load_error(&scratch("overlap", &bad), "overlapping segments");
    // A directory is not a program.
    let o = run_elfuse(&["/"], b"");
    assert_eq!(status(&o), 126);
}

#[test]
fn guest_flags_are_not_eaten() {
    let o = run_elfuse(&[guest("args").to_str().unwrap(), "--strace", "-v", "--sysroot", "x"], b"");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("argv[1]=--strace\nargv[2]=-v\nargv[3]=--sysroot\nargv[4]=x\n"), "{out}");
    assert!(o.stderr.is_empty());
}

#[test]
fn bad_flags() {
    let o = run_elfuse(&["--timeout", "abc", "x"], b"");
    assert_eq!(status(&o), 2);
    let o = run_elfuse(&["--sysroot", "/no/such/dir", "x"], b"");
    assert_eq!(status(&o), 2);
    assert!(stderr_of(&o).contains("--sysroot /no/such/dir"));
    let o = run_elfuse(&["--env", "NOEQUALS", "x"], b"");
    assert_eq!(status(&o), 2);
}

#[test]
fn strace_format() {
    let o = run_elfuse(&["--strace", guest("hello").to_str().unwrap()], b"");
    assert_eq!(status(&o), 0);
    let e = stderr_of(&o);
    assert!(e.contains("write(1, \"Hello from AArch64!\\n\", 20) = 20\n"), "{e}");
    assert!(e.contains("exit_group(0) = ?\n+++ exited with 0 +++\n"), "{e}");
    assert!(e.contains("= -1 ENOSYS (Function not implemented)"), "{e}");
}

#[test]
fn sysroot_maps_absolute_paths() {
    // The guest program itself is found inside the root.
    let build = root().join("tests/guest/build");
    let o = run_elfuse(&["--sysroot", build.to_str().unwrap(), "/hello"], b"");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "Hello from AArch64!\n", "{}", stderr_of(&o));
    let o = run_elfuse(&["--sysroot", build.to_str().unwrap(), "/../../hello"], b"");
    assert_eq!(status(&o), 0, "`..` at the root stays at the root");
}

#[test]
fn timeout_kills_a_spinning_guest() {
    let o = run_elfuse(&["--timeout", "0.5", guest("int_loop").to_str().unwrap(), "100000000000"], b"");
    assert_eq!(status(&o), 124);
}
