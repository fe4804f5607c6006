//! Processes: fork through helper processes, exec, wait (Linux semantics;
//! qemu-user cannot exec foreign binaries without binfmt, so it is not a
//! reference for these).

mod common;
use common::*;

#[test]
fn fork_exec_wait() {
    let scratch = std::env::temp_dir().join(format!("elfuse-fork-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let bin = root().join("tests/guest/build");
    let want = "fork: waited_right=1 exited=1 status=7 global=1 child_pid_differs=1\nsignaled: 1 sig=15\n\
pipe: 10 [from child]\nprobe: cloexec_closed=1 inherited_open=1\nexec probe status=0\nvfork+exec: 5\n\
posix_spawn: r=0 status=6\nshebang: 9\nfds across fork: 150\nexecve missing: -1 ENOENT\n\
execve noexec-bit: -1 EACCES\nexecve garbage: -1 ENOEXEC\nwnohang: 0\nafter close: 3\nechild: -1 ECHILD\n";
    let o = run_elfuse(&[guest("fork_exec").to_str().unwrap(), bin.to_str().unwrap(), scratch.to_str().unwrap()], b"");
    assert_eq!(String::from_utf8_lossy(&o.stdout), want, "stderr: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(status(&o), 0);
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn busybox_pipelines_and_command_substitution() {
    let b = busybox();
    let bb = b.to_str().unwrap();
    // Applets by path: without a sysroot, PATH holds the host's (x86-64)
    // programs, which the guest cannot exec (ENOEXEC, as on Linux).
    let script = format!("echo \"$(echo inner)-outer\"; echo one two three | {bb} wc -w; (exit 3); echo $?");
    let o = run_elfuse(&[bb, "sh", "-c", &script], b"");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "inner-outer\n3\n3\n", "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(status(&o), 0);
}

#[test]
fn busybox_fork_exec_loop() {
    let b = busybox();
    let bb = b.to_str().unwrap();
    // Each iteration forks and execs busybox's `true` applet (via PATH-less
    // absolute invocation) and counts.
    let script = format!("i=0; while [ $i -lt 50 ]; do {bb} true; i=$((i+1)); done; echo $i");
    let o = run_elfuse(&[bb, "sh", "-c", &script], b"");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "50\n", "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn busybox_background_and_wait() {
    let b = busybox();
    let bb = b.to_str().unwrap();
    let o = run_elfuse(&[bb, "sh", "-c", "(sleep 0.2; echo bg) & echo fg; wait; echo done"], b"");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "fg\nbg\ndone\n", "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn threads_mutex_condvar_join() {
    expect(
        &guest("threads"),
        &[],
        b"",
        "counter=128000 expected=128000 tls_ok=64 unique_tids=1\nown-stack threads joined and unmapped\ndone\n",
        0,
    );
}
