//! The W^X policy (mem::space::wx_policy): a JIT-style guest that writes
//! code into an RWX mapping, runs it, rewrites it and runs it again must
//! behave the same with the policy forced on (every step then crosses a
//! page flip) as without it, and as under qemu.

mod common;

use common::*;
use std::process::{Command, Stdio};

const EXPECTED: &str = "first: 42\nrewritten: 7\nword: 0x528000e0\nfrom read: 99\nread again: 99\nsum: 4950\n";

#[test]
fn jit_without_policy() {
    expect_vs_qemu(&guest("wx_jit"), &[], b"", EXPECTED, 0, None);
}

#[test]
fn jit_with_policy_flips_pages() {
    let out = Command::new(elfuse())
        .arg("--verbose")
        .arg(guest("wx_jit"))
        .env("ELFUSE_WX", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run elfuse");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout), EXPECTED, "stderr: {stderr}");
    assert_eq!(status(&out), 0, "stderr: {stderr}");
    let to_exec = stderr.matches("W^X flip after InstructionAbort").count();
    let to_write = stderr.matches("W^X flip after DataAbort").count();
    // 102 runs of freshly written code on page 0, one on page 1; 101 writes
    // to page 0 after it ran (the two read(2)s write as the host).
    assert!(to_exec >= 103 && to_write >= 101, "flips: {to_exec} to RX, {to_write} to RW\n{stderr}");
}
