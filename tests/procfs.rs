//! Synthetic /proc, /dev and /sys (issue 7): the guest test program checks
//! formats and identity; busybox's process tools run on them, with and
//! without `--sysroot`; nothing of the host's /proc shows.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{busybox, elfuse, guest, status};

/// A private TMPDIR (elfuse's instance directory goes there) and a
/// busybox root with applet links.
struct Env {
    base: PathBuf,
}

impl Env {
    fn new(tag: &str) -> Env {
        let base = std::env::temp_dir().join(format!("elfuse-procfs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        std::fs::create_dir_all(base.join("tmp")).unwrap();
        std::fs::copy(busybox(), root.join("bin/busybox")).unwrap();
        std::fs::copy(guest("procfs"), root.join("bin/procfs")).unwrap();
        for a in [
            "sh", "ps", "sleep", "pidof", "readlink", "find", "ls", "top", "free", "uptime", "nproc", "cat", "tty",
            "sort",
        ] {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(a)).unwrap();
        }
        Env { base }
    }

    fn root(&self) -> PathBuf {
        self.base.join("root")
    }

    /// Run under elfuse (with the root if `sysroot`), TMPDIR private.
    fn run(&self, sysroot: bool, args: &[&str]) -> Output {
        let mut c = Command::new(elfuse());
        c.env("TMPDIR", self.base.join("tmp")).env_remove("ELFUSE_INSTANCE_DIR");
        if sysroot {
            c.arg("--sysroot").arg(self.root());
        }
        c.args(["--env", "PROCFS_MARK=42"]).args(args);
        c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).output().expect("run elfuse")
    }

    /// A shell command with busybox: `/bin/sh` in the root, or the host
    /// path of busybox without one (applets as `busybox APPLET`).
    fn sh(&self, sysroot: bool, script: &str) -> Output {
        if sysroot {
            self.run(true, &["/bin/sh", "-c", script])
        } else {
            let bb = busybox();
            let bb = bb.to_str().unwrap();
            let script = script.replace("@", &format!("{bb} "));
            self.run(false, &[bb, "sh", "-c", &script])
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(status(o), 0, "stdout:\n{}\nstderr:\n{}", text(o), String::from_utf8_lossy(&o.stderr));
    text(o)
}

#[test]
fn guest_checks_formats_and_identity() {
    let e = Env::new("guest");
    for sysroot in [false, true] {
        let prog = if sysroot { "/bin/procfs".to_string() } else { e.root().join("bin/procfs").display().to_string() };
        let out = ok(&e.run(sysroot, &[&prog]));
        assert!(out.ends_with("ALL OK\n"), "sysroot={sysroot}:\n{out}");
        assert!(out.lines().filter(|l| l.starts_with("ok ")).count() > 90, "{out}");
    }
    // The top-level process removed its instance directory.
    let left: Vec<_> = std::fs::read_dir(e.base.join("tmp")).unwrap().collect();
    assert!(left.is_empty(), "instance directory left behind: {left:?}");
}

#[test]
fn busybox_process_tools() {
    let e = Env::new("tools");
    for sysroot in [false, true] {
        // Applets via links in the root; via `busybox APPLET` without one.
        let s = |cmd: &str| e.sh(sysroot, &cmd.replace("@", if sysroot { "" } else { "@" }));
        let out = ok(&s("@sleep 3 & @ps; echo ---; @pidof sleep || echo none; @nproc; @uptime; @free; wait"));
        let (ps, rest) = out.split_once("---\n").unwrap();
        assert!(ps.starts_with("PID"), "{ps}");
        // The shell, sleep and ps itself: guest processes only.
        assert!(ps.lines().count() >= 4, "{ps}");
        assert!(ps.contains("sleep 3"), "{ps}");
        let pids: Vec<i32> = ps.lines().skip(1).filter_map(|l| l.split_whitespace().next()?.parse().ok()).collect();
        assert!(!pids.contains(&1), "host init shown: {ps}");
        let mut lines = rest.lines();
        let pidof = lines.next().unwrap();
        if sysroot {
            // `sleep` is an applet link: its argv[0] names it.
            let sp: i32 = pidof.trim().parse().unwrap_or_else(|_| panic!("pidof: {pidof}"));
            assert!(pids.contains(&sp), "{pidof} not in {pids:?}");
        }
        let n: usize = lines.next().unwrap().trim().parse().unwrap();
        assert_eq!(n, std::thread::available_parallelism().map_or(1, |n| n.get()));
        assert!(lines.next().unwrap().contains("load average:"));
        assert!(rest.contains("Mem:"), "{rest}");

        let out = ok(&s("@top -bn1 | @cat"));
        assert!(out.contains("PID") && out.contains("Load average:"), "{out}");
        assert!(out.contains("top -bn1"), "{out}");
    }
}

#[test]
fn exe_link_across_exec_and_find() {
    let e = Env::new("exe");
    let out = ok(&e.sh(true, "readlink /proc/self/exe; exec readlink /proc/self/exe"));
    assert_eq!(out, "/bin/busybox\n/bin/busybox\n");
    // Linux shows the program file with symlinks resolved.
    let bb = std::fs::canonicalize(busybox()).unwrap().display().to_string();
    let out = ok(&e.sh(false, "@readlink /proc/self/exe; exec @readlink /proc/self/exe"));
    assert_eq!(out, format!("{bb}\n{bb}\n"));
    for sysroot in [false, true] {
        let s = |cmd: &str| e.sh(sysroot, &cmd.replace("@", if sysroot { "" } else { "@" }));
        let o = s("@find /proc/self/ -maxdepth 2 | @sort");
        let out = ok(&o);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("loop"), "{err}");
        assert!(out.contains("/proc/self/fd/0\n") && out.contains("/proc/self/status\n"), "{out}");
        let o = s("@find -L /proc/self/ -maxdepth 2 >/dev/null");
        assert!(!String::from_utf8_lossy(&o.stderr).contains("loop"), "{}", String::from_utf8_lossy(&o.stderr));
        let out = ok(&s("@ls -l /dev/fd/"));
        assert!(out.contains(" 0 -> ") && out.contains(" 2 -> "), "{out}");
        assert!(out.contains("-> /dev/null"), "{out}");
        // Listings are made at read time, as Linux's: the directory fd that
        // reads /proc/self/fd is in it (ls opens it as 3).
        assert_eq!(ok(&s("@ls /proc/self/fd </dev/null")), "0\n1\n2\n3\n");
    }
}

#[test]
fn host_proc_never_shows() {
    let e = Env::new("leak");
    for sysroot in [false, true] {
        let s = |cmd: &str| e.sh(sysroot, &cmd.replace("@", if sysroot { "" } else { "@" }));
        // Host pid 1 (and elfuse itself as a host program) are not guest
        // processes.
        let o = s("@cat /proc/1/cmdline");
        assert_ne!(status(&o), 0);
        let out = ok(&s("@ls /proc"));
        let numeric: Vec<&str> = out.lines().filter(|l| l.bytes().all(|b| b.is_ascii_digit())).collect();
        assert!(!numeric.contains(&"1"), "{out}");
        assert!(numeric.len() <= 3, "only guest processes: {out}");
        let out = ok(&s("@cat /proc/self/maps"));
        assert!(!out.contains("elfuse"), "elfuse's own mappings shown:\n{out}");
        assert!(out.contains("[stack]"), "{out}");
    }
}

#[test]
fn tty_on_a_host_pty() {
    // util-linux `script` gives elfuse a pty as its stdio.
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script on this host");
        return;
    }
    let e = Env::new("tty");
    let cmd = format!(
        "TMPDIR={} {} --sysroot {} /bin/sh -c 'tty; ls -1 /dev/pts'",
        e.base.join("tmp").display(),
        elfuse().display(),
        e.root().display()
    );
    let o = Command::new("/usr/bin/script").args(["-qec", &cmd, "/dev/null"]).stdin(Stdio::null()).output().unwrap();
    let out = text(&o);
    let first = out.lines().next().unwrap_or_default().trim().to_string();
    assert!(first.starts_with("/dev/pts/"), "tty said {out:?}");
    let n = first.trim_start_matches("/dev/pts/");
    assert!(out.lines().any(|l| l.trim() == n), "{out:?}");
}
