//! Signals: handler frames and sigreturn, masks, faults, host signals.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

#[test]
fn handlers_frames_masks_and_faults() {
    // Linux semantics. qemu-user 7.2 differs in one line: SIGILL's si_code
    // for an undefined instruction (qemu: ILL_ILLOPN = 2; Linux arm64
    // do_undefinstr sends ILL_ILLOPC = 1). (sigtimedwait's code 0 is
    // glibc folding SI_TKILL into SI_USER.)
    let want = "raise: hits=1 sig=10\nregs_preserved=1 hits=1\nsiginfo raise: code=-6\nsiginfo kill: code=0\n\
blocked: hits=0 pending=1\nunblocked: hits=1\nsigtimedwait=10 code=0 hits=1\nsigtimedwait_empty=-1 errno_eagain=1\n\
segv: sig=11 code=1 addr=0x1234 mcontext_addr=1\nsegv accerr: code=2 addr_ok=1\nsigill: sig=4 code=1\n\
sigaltstack=0\non_altstack=1\naltstack size=65536 flags=0\nresethand: hits=1 reset=1\nnodefer: depth=2\n\
sigaction_sigkill=-1 errno_einval=1\nppoll mask: r=-1 eintr=1 hits=1 still_blocked=1\nterminating\n";
    expect_vs_qemu(
        &guest("signals"),
        &[],
        b"",
        want,
        143,
        Some("qemu reports ILL_ILLOPN for an undefined instruction"),
    );
}

/// Start `sigwait MODE` under elfuse, wait for "ready", send SIGUSR1 to the
/// elfuse process, then (for reads) write a line to its stdin.
fn host_signal(mode: &str, feed: bool) -> (String, i32) {
    let mut child = Command::new(elfuse())
        .arg(guest("sigwait"))
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn elfuse");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready line");
    assert_eq!(line, "ready\n");
    // Let the guest enter its blocking call.
    std::thread::sleep(std::time::Duration::from_millis(150));
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGUSR1) }, 0);
    std::thread::sleep(std::time::Duration::from_millis(150));
    if feed {
        let mut si = child.stdin.take().expect("stdin");
        let _ = si.write_all(b"data\n");
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).expect("rest of stdout");
    let st = child.wait().expect("wait");
    (rest, st.code().unwrap_or(-1))
}

#[test]
fn sa_restart_restarts_a_blocking_read() {
    assert_eq!(host_signal("restart", true), ("handler\nread=5 [data\n]\n".to_string(), 0));
}

#[test]
fn without_sa_restart_a_blocking_read_fails_with_eintr() {
    assert_eq!(host_signal("eintr", true), ("handler\nread=-1 EINTR\n".to_string(), 0));
}

#[test]
fn sigsuspend_sleeps_until_a_signal() {
    assert_eq!(
        host_signal("suspend", false),
        ("handler\nsigsuspend=-1 eintr=1 got=10 mask_restored=1\n".to_string(), 0)
    );
}

#[test]
fn host_sigterm_with_default_action_kills_the_guest() {
    let mut child = Command::new(elfuse())
        .arg(guest("sigwait"))
        .arg("eintr")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let st = child.wait().expect("wait");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(st.signal(), Some(libc::SIGTERM), "elfuse dies by the guest's signal: {st:?}");
}

#[test]
fn interval_and_posix_timers() {
    let want = "setitimer=0\ninterval=20000 usec\nitimer ticks=3\nbad which=-1 einval=1\nalarm pending=1\n\
alarm fired=1\ntimer_create=0\ntimer_settime=0\narmed=1\ntimer fired=1 code_si_timer=1 value_ok=1\n\
timer_delete=0\ndeleted settime=-1 einval=1\n";
    expect(&guest("timers"), &[], b"", want, 0);
}

/// signalfd4: records (kill, tgkill, sigqueue), EAGAIN, EINVAL for a short
/// buffer, poll/select/epoll readiness, SIGCHLD of a child (status 3), a
/// fork child's own signals, mask updates, a blocking read interrupted by
/// a handled signal, the error cases, fstat and /proc/self/fd, threads
/// (a blocked reader woken by a kill; a tgkill waking the main thread's poll).
#[test]
fn signalfd_reads_pending_signals() {
    let want = include_str!("guest/signalfd.expected");
    // qemu-user 7.2 ignores signalfd4's sizemask (Linux: EINVAL unless 8);
    // every other line must agree with it.
    expect_vs_qemu(&guest("signalfd"), &[], b"", want, 0, Some("qemu accepts any sizemask"));
    if let Some(q) = run_qemu(&guest("signalfd"), &[], b"") {
        let skip = |s: &str| s.lines().filter(|l| !l.starts_with("bad size=")).collect::<Vec<_>>().join("\n");
        assert_eq!(skip(&String::from_utf8_lossy(&q.stdout)), skip(want), "qemu disagrees");
        assert_eq!(status(&q), 0);
    }
}
