//! The code paths elfuse takes on hosts without Linux's calls (macOS):
//! getdents64 from readdir(3) and the emulated eventfd (`src/host`), run on
//! a Linux host with `ELFUSE_HOST_PORTABLE=1`. Each guest must print what
//! its expected-output file says, exactly as on the native path.

mod common;
use common::*;

use std::process::{Command, Output, Stdio};

fn run_portable(args: &[&str]) -> Output {
    Command::new(elfuse()).args(args).env("ELFUSE_HOST_PORTABLE", "1").stdin(Stdio::null()).output().unwrap()
}

fn scratch(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("elfuse-portable-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Directory reading (names, d_type, rewinddir, telldir/seekdir cookies)
/// eventfd (counter, EFD_SEMAPHORE, EFD_NONBLOCK, epoll readiness) and
/// signalfd.
#[test]
fn guests_see_linux_behaviour() {
    let d = scratch("files");
    let o = run_portable(&[guest("fs_files").to_str().unwrap(), d.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), include_str!("guest/fs_files.expected"));
    assert_eq!(status(&o), 0);
    std::fs::remove_dir_all(&d).unwrap();
    let o = run_portable(&[guest("fs_poll").to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), include_str!("guest/fs_poll.expected"));
    assert_eq!(status(&o), 0);
    // signalfd: readiness on a socket pair instead of a host eventfd.
    let o = run_portable(&[guest("signalfd").to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), include_str!("guest/signalfd.expected"));
    assert_eq!(status(&o), 0);
}

/// A tree with a directory larger than one getdents buffer: busybox `find`
/// and `ls` list the same as on the native path.
#[test]
fn busybox_lists_like_the_native_path() {
    let d = scratch("tree");
    std::fs::create_dir_all(d.join("a/b")).unwrap();
    for i in 0..2000 {
        std::fs::write(d.join(format!("a/file-with-a-longish-name-{i:05}")), b"").unwrap();
    }
    std::os::unix::fs::symlink("a", d.join("link")).unwrap();
    let bb = busybox();
    let dir = d.to_str().unwrap();
    for args in [vec!["find", dir], vec!["ls", "-la", &format!("{dir}/a")]] {
        let mut full = vec![bb.to_str().unwrap()];
        full.extend(args.iter().copied());
        let native = run_elfuse(&full, b"");
        let portable = run_portable(&full);
        assert_eq!(status(&native), 0);
        assert!(native.stdout.len() > 2000 * 20, "{args:?} listed everything");
        assert_eq!(String::from_utf8_lossy(&portable.stdout), String::from_utf8_lossy(&native.stdout), "{args:?}");
        assert_eq!(status(&portable), 0);
    }
    std::fs::remove_dir_all(&d).unwrap();
}
