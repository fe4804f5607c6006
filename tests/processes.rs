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
        "counter=128000 expected=128000 tls_ok=64 unique_tids=1\nown-stack threads joined and unmapped\n\
pipe between threads: 4 [ping]\npoll between threads: 1\nsigwait in blocking thread: 10; main handled own: 1\n\
handler ran on the target thread: 1\ndone\n",
        0,
    );
}

/// A small root: busybox and the applet links a shell needs.
fn busybox_root(tag: &str) -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("elfuse-proc-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("w")).unwrap();
    std::fs::copy(busybox(), root.join("bin/busybox")).unwrap();
    for a in ["sh", "ls", "sort", "uniq", "head", "xargs", "echo", "true", "wc", "sleep", "cat", "seq", "tr"] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(a)).unwrap();
    }
    for f in ["b.txt", "a.txt", "c.log", "d.log", "e.log"] {
        std::fs::write(root.join("w").join(f), f).unwrap();
    }
    root
}

fn in_root(root: &std::path::Path, script: &str) -> std::process::Output {
    run_elfuse(
        &["--sysroot", root.to_str().unwrap(), "--workdir", "/w", "--env", "PATH=/bin", "/bin/sh", "-c", script],
        b"",
    )
}

#[test]
fn busybox_root_pipelines_xargs_and_jobs() {
    let root = busybox_root("pipes");
    let o = in_root(
        &root,
        "ls | sed 's/.*[.]//' 2>/dev/null; ls | tr . ' ' | while read a b; do echo $b; done | sort | uniq -c | head",
    );
    // `sed` has no link in the root: busybox's shell runs its applet by
    // exec'ing /proc/self/exe (the guest's own program, as on Linux).
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "txt\ntxt\nlog\nlog\nlog\n      3 log\n      2 txt\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = in_root(&root, "seq 1 5 | xargs echo n:");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "n: 1 2 3 4 5\n", "{}", String::from_utf8_lossy(&o.stderr));
    let o = in_root(&root, "(sleep 0.1; echo late) & (echo early) & wait; echo all");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "early\nlate\nall\n", "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&root).unwrap();
}

fn host_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

fn host_children(pid: u32) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|s| {
            s.rsplit(')').next().and_then(|t| t.split_whitespace().nth(1)).and_then(|x| x.parse::<u32>().ok())
                == Some(pid)
        })
        .count()
}

#[test]
fn thousand_fork_exec_cycles_leak_nothing() {
    use std::io::{BufRead, BufReader};
    let root = busybox_root("loop");
    let mut child = std::process::Command::new(elfuse())
        .args(["--sysroot", root.to_str().unwrap(), "--workdir", "/w", "--env", "PATH=/bin", "/bin/sh", "-c"])
        .arg(
            "echo start; sleep 0.3; i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done; echo end $i; sleep 0.3",
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "start\n");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let before = host_fds(pid);
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "end 1000\n");
    std::thread::sleep(std::time::Duration::from_millis(100));
    let after = host_fds(pid);
    let children = host_children(pid);
    assert!(child.wait().unwrap().success());
    assert_eq!(before, after, "elfuse's host fds changed over 1000 fork/exec cycles");
    // busybox runs `sleep` in-process (a no-fork applet): no host process
    // may remain from the 1000 cycles.
    assert_eq!(children, 0, "host processes left behind");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn busybox_root_tar_gzip_find_exec_xargs() {
    // The applets that fork a helper (tar's gzip, find -exec, xargs).
    let root = busybox_root("tar");
    for a in ["tar", "gzip", "find", "rm", "mkdir"] {
        let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(a));
    }
    let o = in_root(
        &root,
        "mkdir d && echo hello > d/a.txt && echo world > d/b.txt && tar -czf t.tgz d && rm -r d && \
         tar -xzf t.tgz && cat d/a.txt d/b.txt && find d -name '*.txt' -exec cat {} \\; | sort && \
         find d -type f | sort | xargs wc -l",
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "hello\nworld\nhello\nworld\n        1 d/a.txt\n        1 d/b.txt\n        2 total\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&root).unwrap();
}
