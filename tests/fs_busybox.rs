//! Debian's busybox-static under `--sysroot`: file applets give the same
//! output as on Linux. Each step runs twice on identical trees: under
//! elfuse inside root A (`--workdir /w`, guest paths), and under
//! qemu-aarch64-static on root B's host directory `w` (qemu passes the calls
//! to the kernel). Outputs use relative paths, so they must be equal.
//!
//! Not here because they fork (the processes issue): `tar -z`/`-J` (busybox
//! runs the compressor in a child), `xargs`, `find -exec`, shell pipelines.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Pair {
    base: PathBuf,
}

fn lay_out(root: &Path) {
    use std::os::unix::fs::symlink;
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("w/docs/sub")).unwrap();
    std::fs::copy(busybox(), root.join("bin/busybox")).unwrap();
    // An absolute and a relative applet link: the program is found by
    // resolving them inside the root.
    symlink("/bin/busybox", root.join("bin/ls")).unwrap();
    symlink("busybox", root.join("bin/cat")).unwrap();
    let w = root.join("w");
    std::fs::write(w.join("fruits.txt"), "pear\napple\nfig\napple\nbanana\npear\npear\n").unwrap();
    std::fs::write(w.join("docs/a.txt"), "alpha beta\ngamma needle delta\n").unwrap();
    std::fs::write(w.join("docs/sub/b.txt"), "no match\nneedle again\n").unwrap();
    std::fs::write(w.join("nums.txt"), "10\n9\n100\n-3\n").unwrap();
    std::fs::write(w.join("csv.txt"), "a,b,c\n1,2,3\nx,y,z\n").unwrap();
    let big: Vec<u8> = (0..20000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(w.join("bin.dat"), big).unwrap();
    symlink("fruits.txt", w.join("link.txt")).unwrap();
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).output().expect("spawn")
}

impl Pair {
    fn new(tag: &str) -> Pair {
        let base = std::env::temp_dir().join(format!("elfuse-bb-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        lay_out(&base.join("a"));
        lay_out(&base.join("b"));
        Pair { base }
    }

    fn elfuse(&self, program: &str, args: &[&str]) -> Output {
        let root = self.base.join("a");
        run(Command::new(elfuse())
            .args(["--sysroot", root.to_str().unwrap(), "--workdir", "/w", "--env", "TZ=UTC", program])
            .args(args))
    }

    /// `busybox args` under both; assert equal stdout and status; return stdout.
    fn same(&self, args: &[&str]) -> String {
        let e = self.elfuse("/bin/busybox", args);
        let es = String::from_utf8_lossy(&e.stdout).into_owned();
        let Some(q) = qemu() else {
            assert_eq!(status(&e), 0, "elfuse busybox {args:?}: {}", String::from_utf8_lossy(&e.stderr));
            return es;
        };
        let b = self.base.join("b");
        let qo = run(Command::new(q).arg(b.join("bin/busybox")).args(args).current_dir(b.join("w")).env("TZ", "UTC"));
        assert_eq!(
            es,
            String::from_utf8_lossy(&qo.stdout),
            "stdout of busybox {args:?} (elfuse vs Linux); elfuse stderr: {}",
            String::from_utf8_lossy(&e.stderr)
        );
        assert_eq!(status(&e), status(&qo), "status of busybox {args:?}: {}", String::from_utf8_lossy(&e.stderr));
        es
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

#[test]
fn reading_applets() {
    let p = Pair::new("read");
    for args in [
        &["sort", "fruits.txt"][..],
        &["sort", "-n", "nums.txt"],
        &["uniq", "-c", "fruits.txt"],
        &["sha256sum", "fruits.txt", "bin.dat"],
        &["md5sum", "fruits.txt", "link.txt"],
        &["wc", "fruits.txt", "docs/a.txt"],
        &["od", "-A", "x", "-t", "x1", "-N", "48", "bin.dat"],
        &["head", "-n", "2", "fruits.txt"],
        &["tail", "-n", "3", "fruits.txt"],
        &["tail", "-c", "5", "bin.dat"],
        &["cut", "-d", ",", "-f", "2", "csv.txt"],
        &["tr", "a-z", "A-Z"],
        &["grep", "-r", "needle", "."],
        &["grep", "-rl", "needle", "docs"],
        &["grep", "-c", "pear", "fruits.txt", "missing.txt"],
        &["find", ".", "-name", "*.txt"],
        &["find", "docs", "-type", "d"],
        &["date", "-u", "-d", "@86400"],
        &["cat", "link.txt", "nonexistent"],
        &["readlink", "link.txt"],
        &["ls", "-lan", "docs/sub"],
        &["ls", "-d", "docs", "link.txt"],
        &["stat", "-c", "%n %s %a %F %h", "fruits.txt", "docs", "link.txt"],
        &["stat", "-L", "-c", "%n %s %F", "link.txt"],
        &["du", "-a", "docs"],
        &["test", "-d", "docs"],
    ] {
        p.same(args);
    }
    // sorting the listing makes `find`'s output order-independent elsewhere;
    // here the plain `ls` order (sorted by name) is already canonical.
    p.same(&["ls", "-a", "."]);
}

#[test]
fn applets_through_symlinked_program_names() {
    let p = Pair::new("links");
    // /bin/ls -> /bin/busybox (absolute, resolved inside the root).
    let o = p.elfuse("/bin/ls", &["docs"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "a.txt\nsub\n", "{}", String::from_utf8_lossy(&o.stderr));
    let o = p.elfuse("/bin/cat", &["/w/docs/sub/b.txt"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "no match\nneedle again\n");
    // Absolute results are guest paths.
    let o = p.elfuse("/bin/busybox", &["realpath", "docs/sub/../a.txt", "link.txt"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "/w/docs/a.txt\n/w/fruits.txt\n");
    let o = p.elfuse("/bin/busybox", &["pwd"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "/w\n");
    // A program name without a slash is looked up in the guest PATH.
    let o = p.elfuse("ls", &["-d", "/bin"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "/bin\n");
}

#[test]
fn writing_applets() {
    let p = Pair::new("write");
    for args in [
        &["mkdir", "-p", "new/a/b/c"][..],
        &["touch", "-d", "2021-02-03 04:05:06", "new/a/b/c/file"],
        &["ln", "-s", "../fruits.txt", "new/fl"],
        &["cp", "-a", "docs", "docs2"],
        &["cp", "fruits.txt", "new/"],
        &["mv", "docs2", "docs3"],
        &["sed", "-i", "s/pear/PEAR/g", "new/fruits.txt"],
        &["cat", "new/fruits.txt"],
        &["gzip", "-k", "new/fruits.txt"],
        &["gunzip", "-c", "new/fruits.txt.gz"],
        &["gzip", "-d", "-f", "new/fruits.txt.gz"],
        &["dd", "if=bin.dat", "of=new/slice", "bs=100", "skip=3", "count=5", "status=none"],
        &["md5sum", "new/slice"],
        &["tar", "-cf", "new/t.tar", "docs"],
        &["tar", "-tf", "new/t.tar"],
        &["mkdir", "x"],
        &["tar", "-xf", "new/t.tar", "-C", "x"],
        &["diff", "-r", "docs", "x/docs"],
        &["rm", "-r", "docs3"],
        &["rmdir", "new"],
        // Pin the reference file's mtime first: files written within one
        // kernel clock tick share a timestamp, which made -newer racy.
        &["touch", "-d", "2001-02-03 04:05:06", "fruits.txt"],
        &["find", ".", "-newer", "fruits.txt"],
        // %Y only for the file whose time was set: the others were written
        // "now" in two separate runs, which may straddle a second.
        &["stat", "-c", "%n %s %a %Y %F", "new/a/b/c/file"],
        &["stat", "-c", "%n %s %a %F", "new/fl", "new/slice"],
        &["ls", "-lanR", "new/a"],
        &["chmod", "640", "new/slice"],
        &["stat", "-c", "%a", "new/slice"],
        &["truncate", "-s", "7", "new/slice"],
        &["wc", "-c", "new/slice"],
    ] {
        p.same(args);
    }
    let listing = p.same(&["find", "."]);
    assert!(listing.contains("./new/a/b/c/file") && !listing.contains("docs3"));
}

#[test]
fn df_and_date_run() {
    let p = Pair::new("df");
    let o = p.elfuse("/bin/busybox", &["df", "/"]);
    assert_eq!(status(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("Filesystem"));
    let o = p.elfuse("/bin/busybox", &["date", "+%Y"]);
    assert_eq!(status(&o), 0);
}
