//! The file, directory, terminal and time ABI (tests/guest/fs_*.c): exact
//! output as Linux gives it. Programs that take a scratch directory run in
//! a fresh one under elfuse and another under qemu-aarch64-static (which
//! passes these calls to the host kernel: a check on the expectations).
//! The path-escape suite runs inside a sysroot with a file planted outside
//! it that must never be read or written.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// A fresh scratch directory.
fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("elfuse-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Run `prog` under elfuse (with `flags` before it) in one scratch dir and,
/// when `qemu` and installed, under qemu in another; both must print
/// `want` and exit 0.
fn run_scratch(prog: &str, flags: &[&str], want: &str, qemu: bool) {
    let exe = guest(prog);
    let d1 = scratch(&format!("{prog}-e"));
    let mut args: Vec<&str> = flags.to_vec();
    args.push(exe.to_str().unwrap());
    args.push(d1.to_str().unwrap());
    let o = run_elfuse(&args, b"");
    assert_eq!(text(&o), want, "elfuse {prog}; stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(status(&o), 0, "elfuse {prog} status");
    std::fs::remove_dir_all(&d1).unwrap();
    if qemu {
        let d2 = scratch(&format!("{prog}-q"));
        if let Some(q) = run_qemu(&exe, &[d2.to_str().unwrap()], b"") {
            assert_eq!(text(&q), want, "qemu disagrees with the expected output of {prog}");
        }
        std::fs::remove_dir_all(&d2).unwrap();
    }
}

#[test]
fn fs_files() {
    run_scratch("fs_files", &[], include_str!("guest/fs_files.expected"), true);
}

#[test]
fn fs_io() {
    run_scratch("fs_io", &[], include_str!("guest/fs_io.expected"), true);
}

#[test]
fn fs_poll() {
    expect(&guest("fs_poll"), &[], b"", include_str!("guest/fs_poll.expected"), 0);
}

#[test]
fn fs_misc() {
    expect(&guest("fs_misc"), &[], b"", include_str!("guest/fs_misc.expected"), 0);
}

const IDENT_TAIL: &str = "pwritev2(fd, &w, 1, 0, RWF_APPEND) => 2
pwritev2(fd, &w, 1, 0, RWF_DSYNC) => 2
pwritev2(fd, &w, 1, 0, 0x4000) => -1 EOPNOTSUPP
size after RWF_APPEND=5
ioctl(fd, 0x12345678, 0) => -1 ENOTTY
syscall(452, AT_FDCWD, \"lnk\", 0600, AT_SYMLINK_NOFOLLOW) => -1 EOPNOTSUPP
syscall(452, AT_FDCWD, \"data\", 0600, AT_SYMLINK_NOFOLLOW) => 0
syscall(452, AT_FDCWD, \"data\", 0600, 0x8000) => -1 EINVAL
syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8) => 0
syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 4) => 0
";

#[test]
fn fakeroot_identity_and_recorded_owner() {
    // qemu-user is not a reference: it has neither --fakeroot nor these
    // newer kernel behaviours (RWF flags, fchmodat2, epoll_pwait2, ENOTTY).
    let want = format!(
        "uid=0 euid=0 gid=0 egid=0 res=0,0,0/0,0,0
groups=1 first=0
caps=1
own owner=0:0 mode=644
chown(\"own\", 4242, 4343) => 0
own owner=4242:4343 mode=644
chown(\"own\", -1, getegid()) => 0
chmod(\"own\", 0600) => 0
own owner=4242:0 mode=600
setgroups(1, groups) => 0
setuid(0) => 0
setresuid(-1, geteuid(), -1) => 0
setgid(getgid()) => 0
{IDENT_TAIL}"
    );
    run_scratch("fs_ident", &["--fakeroot"], &want, false);
}

#[test]
fn user_identity() {
    let want = format!(
        "uid=1234 euid=1234 gid=567 egid=567 res=1234,1234,1234/567,567,567
groups=1 first=567
caps=0
own owner=1234:567 mode=644
chown(\"own\", 4242, 4343) => -1 EPERM
own owner=1234:567 mode=644
chown(\"own\", -1, getegid()) => 0
chmod(\"own\", 0600) => 0
own owner=1234:567 mode=600
setgroups(1, groups) => -1 EPERM
setuid(0) => -1 EPERM
setresuid(-1, geteuid(), -1) => 0
setgid(getgid()) => 0
{IDENT_TAIL}"
    );
    run_scratch("fs_ident", &["--user", "1234:567"], &want, false);
}

/// Lay out the escape-suite tree: `base/secret.txt` outside, `base/root`
/// the sysroot. Returns (root, outside secret).
fn escape_tree(base: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::symlink;
    let root = base.join("root");
    for d in ["etc", "dir/sub", "links", "bin"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let outside = base.join("secret.txt");
    std::fs::write(&outside, "HOST SECRET\n").unwrap();
    std::fs::write(root.join("secret.txt"), "ROOT SECRET\n").unwrap();
    std::fs::write(root.join("etc/passwd"), "root-passwd\n").unwrap();
    std::fs::write(root.join("dir/inner.txt"), "inner\n").unwrap();
    let l = root.join("links");
    symlink("/", l.join("up")).unwrap();
    symlink("../../../../..", l.join("upup")).unwrap();
    symlink("../../../../../../../../secret.txt", l.join("rel_esc")).unwrap();
    symlink(&outside, l.join("abs_host")).unwrap();
    symlink("loop2", l.join("loop1")).unwrap();
    symlink("loop1", l.join("loop2")).unwrap();
    symlink("self", l.join("self")).unwrap();
    symlink("/etc/passwd", l.join("passwd_abs")).unwrap();
    std::fs::copy(guest("fs_escape"), root.join("bin/fs_escape")).unwrap();
    (root, outside)
}

#[test]
fn path_escape_suite() {
    let base = scratch("escape");
    let (root, outside) = escape_tree(&base);
    // --fakeroot: the chroot(2) step needs euid 0 whoever runs the tests.
    let o = run_elfuse(
        &["--fakeroot", "--sysroot", root.to_str().unwrap(), "/bin/fs_escape", outside.to_str().unwrap()],
        b"",
    );
    assert_eq!(text(&o), include_str!("guest/fs_escape.expected"), "stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(status(&o), 0);
    // The planted file was neither written nor replaced, and nothing new
    // appeared outside the root.
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "HOST SECRET\n");
    let mut names: Vec<String> =
        std::fs::read_dir(&base).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["root", "secret.txt"]);
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn bind_mount_is_inside_the_guest_namespace() {
    // A bound host directory appears at its guest path; `..` from it is the
    // guest parent, and a symlink to `/` inside it is the guest root.
    let base = scratch("bind");
    let (root, outside) = escape_tree(&base);
    // Like a mount point, the bind's parent exists in the root.
    std::fs::create_dir_all(root.join("mnt")).unwrap();
    let host = base.join("hostdir");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::write(host.join("shared.txt"), "shared\n").unwrap();
    std::os::unix::fs::symlink("/", host.join("up")).unwrap();
    let bb = busybox();
    std::fs::copy(&bb, root.join("bin/busybox")).unwrap();
    let bind = format!("{}:/mnt/host", host.display());
    let r = root.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut v = vec!["--sysroot", r, "--bind", &bind, "/bin/busybox"];
        v.extend_from_slice(args);
        text(&run_elfuse(&v, b""))
    };
    assert_eq!(run(&["cat", "/mnt/host/shared.txt"]), "shared\n");
    assert_eq!(run(&["cat", "/mnt/host/../../secret.txt"]), "ROOT SECRET\n");
    assert_eq!(run(&["cat", "/mnt/host/up/secret.txt"]), "ROOT SECRET\n");
    assert_eq!(run(&["cat", "/mnt/host/up/mnt/host/shared.txt"]), "shared\n");
    assert_eq!(run(&["sh", "-c", "cd /mnt/host && pwd && cd .. && pwd && echo x > new.txt"]), "/mnt/host\n/mnt\n");
    assert!(root.join("mnt/new.txt").exists());
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "HOST SECRET\n");
    std::fs::remove_dir_all(&base).unwrap();
}
