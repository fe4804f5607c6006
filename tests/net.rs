//! Sockets (tests/guest/net.c): the exact output Linux gives, checked
//! against qemu-aarch64-static (which passes socket calls to the host
//! kernel); AF_UNIX path names inside a `--sysroot` root and never
//! outside it; busybox's nc, httpd and wget over loopback.

mod common;
use common::*;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A fresh scratch directory.
fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("elfuse-net-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const EXPECTED: &str = include_str!("guest/net.expected");

/// Lines where qemu-user (9.x/8.x) deviates from Linux, so it is not
/// consulted on them:
/// - `truncated:` qemu hands the host a larger control buffer and never
///   reports MSG_CTRUNC when SCM_RIGHTS fds do not fit (Linux
///   `scm_detach_fds` sets it and closes the rest);
/// - `socket bad type flags:` qemu masks unknown type flag bits; Linux
///   `__sys_socket_create` rejects them with EINVAL.
const QEMU_BUGS: &[&str] = &["truncated:", "socket bad type flags:"];

fn without_qemu_bugs(s: &str) -> String {
    s.lines().filter(|l| !QEMU_BUGS.iter().any(|b| l.starts_with(b))).map(|l| format!("{l}\n")).collect()
}

#[test]
fn net_guest() {
    let exe = guest("net");
    let d = scratch("e");
    let o = run_elfuse(&[exe.to_str().unwrap(), d.to_str().unwrap()], b"");
    assert_eq!(text(&o), EXPECTED, "elfuse net; stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(status(&o), 0);
    assert!(std::fs::symlink_metadata(d.join("elfuse-net.sock")).unwrap().file_type().is_socket());
    std::fs::remove_dir_all(&d).unwrap();
    let dq = scratch("q");
    if let Some(q) = run_qemu(&exe, &[dq.to_str().unwrap()], b"") {
        assert_eq!(without_qemu_bugs(&text(&q)), without_qemu_bugs(EXPECTED), "qemu disagrees with net.expected");
    }
    std::fs::remove_dir_all(&dq).unwrap();
}

/// A root holding the net guest at /net and an empty /tmp.
fn root_with_guest(tag: &str) -> PathBuf {
    let root = scratch(tag);
    std::fs::copy(guest("net"), root.join("net")).unwrap();
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    root
}

#[test]
fn unix_names_stay_inside_the_root() {
    let root = root_with_guest("root");
    let host_tmp_sock = Path::new("/tmp/elfuse-net.sock");
    let _ = std::fs::remove_file(host_tmp_sock);
    let o = run_elfuse(&["--sysroot", root.to_str().unwrap(), "/net", "/tmp"], b"");
    assert_eq!(text(&o), EXPECTED, "elfuse --sysroot net; stderr:\n{}", String::from_utf8_lossy(&o.stderr));
    // The guest's /tmp/elfuse-net.sock is the root's, and the host's /tmp
    // has none.
    let inside = std::fs::symlink_metadata(root.join("tmp/elfuse-net.sock")).unwrap();
    assert!(inside.file_type().is_socket());
    assert!(!host_tmp_sock.exists(), "a socket was created in the host's /tmp");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn unix_bind_never_escapes_through_symlinks() {
    let root = root_with_guest("esc");
    let outside = scratch("outside");
    // An absolute link is read inside the root; a relative one with many
    // `..` stops at the root.
    std::os::unix::fs::symlink(&outside, root.join("abs")).unwrap();
    let up = format!("{}{}", "../".repeat(12), outside.to_str().unwrap().trim_start_matches('/'));
    std::os::unix::fs::symlink(&up, root.join("rel")).unwrap();
    std::fs::create_dir_all(root.join("tmp/d")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("tmp/d/last")).unwrap();
    for (path, want) in [
        ("/abs/x.sock", "ENOENT"),
        ("/rel/x.sock", "ENOENT"),
        // A final symlink is never followed by bind (EADDRINUSE).
        ("/tmp/d/last", "EADDRINUSE"),
        ("/tmp/../../tmp/d/ok.sock", "ok"),
    ] {
        let o = run_elfuse(&["--sysroot", root.to_str().unwrap(), "/net", "/tmp", path], b"");
        assert_eq!(text(&o), format!("bind escape path: {want}\n"), "{path}: {}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(std::fs::symlink_metadata(root.join("tmp/d/ok.sock")).unwrap().file_type().is_socket());
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "something was created outside the root");
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&outside).unwrap();
}

/// A free loopback TCP port (bound and released by the host).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Start `busybox args` under elfuse in the background.
fn spawn_bb(args: &[&str]) -> std::process::Child {
    Command::new(elfuse())
        .arg(busybox())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Retry `f` for up to 5 s until it returns Some (a server starting up).
fn retry<T>(mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(v) = f() {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out");
}

#[test]
fn busybox_nc_server_and_client() {
    let port = free_port().to_string();
    let server = spawn_bb(&["nc", "-l", "-p", &port]);
    // Wait until the guest listens (a host probe would be the one
    // connection nc -l accepts, so probe with the kernel's table).
    retry(|| std::net::TcpListener::bind(format!("127.0.0.1:{port}")).is_err().then_some(()));
    let o = run_elfuse(&[busybox().to_str().unwrap(), "nc", "127.0.0.1", &port], b"hello over nc\n");
    assert_eq!(status(&o), 0, "nc client: {}", String::from_utf8_lossy(&o.stderr));
    let out = server.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello over nc\n");
}

#[test]
fn busybox_httpd_and_wget() {
    let www = scratch("www");
    std::fs::write(www.join("index.html"), "<h1>served by elfuse</h1>\n").unwrap();
    let port = free_port().to_string();
    let mut server = spawn_bb(&["httpd", "-f", "-p", &format!("127.0.0.1:{port}"), "-h", www.to_str().unwrap()]);
    let url = format!("http://127.0.0.1:{port}/index.html");
    // wget under elfuse against httpd under elfuse.
    let body = retry(|| {
        let o = run_elfuse(&[busybox().to_str().unwrap(), "wget", "-q", "-O", "-", &url], b"");
        (status(&o) == 0).then(|| text(&o))
    });
    assert_eq!(body, "<h1>served by elfuse</h1>\n");
    // A host client sees the same server (headers and all).
    let mut s = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    use std::io::{Read, Write};
    s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.") && resp.contains(" 200 "), "{resp}");
    assert!(resp.ends_with("<h1>served by elfuse</h1>\n"), "{resp}");
    server.kill().unwrap();
    let _ = server.wait();
    std::fs::remove_dir_all(&www).unwrap();
}

#[test]
fn strace_decodes_socket_calls() {
    let exe = guest("net");
    let d = scratch("strace");
    let o = run_elfuse(&["--strace", exe.to_str().unwrap(), d.to_str().unwrap()], b"");
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        "socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, ",
        "bind(3, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0",
        "setsockopt(",
        ", SOL_SOCKET, SO_REUSEADDR, ",
        "sendto(",
        "MSG_NOSIGNAL",
        "socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0) = ",
        "sun_path=",
        "shutdown(",
        "SHUT_WR) = 0",
    ] {
        assert!(err.contains(want), "strace output lacks {want:?}:\n{err}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}
