//! Debian's busybox-static (arm64) under elfuse: the same output as Linux.

mod common;
use common::*;

fn bb(args: &[&str], input: &[u8], want: &str) {
    let b = busybox();
    expect(&b, args, input, want, 0);
}

#[test]
fn echo() {
    bb(&["echo", "hello", "world"], b"", "hello world\n");
}

#[test]
fn shell_loop_to_5000() {
    bb(&["sh", "-c", "x=0; while [ $x -lt 5000 ]; do x=$((x+1)); done; echo $x"], b"", "5000\n");
}

#[test]
fn awk_float() {
    bb(&["awk", "BEGIN{printf \"%.3f\\n\", 2/3}"], b"", "0.667\n");
}

#[test]
fn sha256sum_file() {
    let dir = std::env::temp_dir().join(format!("elfuse-bb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("data.txt");
    std::fs::write(&f, b"abc").unwrap();
    let fs = f.to_str().unwrap();
    // SHA-256("abc"), FIPS 180-2 test vector.
    let want = format!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  {fs}\n");
    bb(&["sha256sum", fs], b"", &want);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wc_stdin() {
    bb(&["wc"], b"one two\nthree\n", "        2         3        14\n");
}

#[test]
fn sort_numeric_and_pipeline_builtins() {
    bb(&["sort", "-n"], b"10\n9\n100\n-1\n", "-1\n9\n10\n100\n");
    bb(&["sh", "-c", "printf '%s-%d\\n' a 1 b 2; test 3 -gt 2 && echo yes"], b"", "a-1\nb-2\nyes\n");
}
