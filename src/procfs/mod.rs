//! Synthetic `/proc`, `/dev` and `/sys` entries.
//!
//! This foundation answers the links programs read at startup
//! (`/proc/self/exe`, `/proc/self/cwd`, `/proc/self/fd/N`) from elfuse's
//! own state, never the host's. The full synthetic tree with stable
//! identity is the procfs issue's work; until then other `/proc` paths
//! fall through to the (sysroot's) file system.

use std::os::fd::OwnedFd;

use crate::abi::errno::Errno;
use crate::process::Process;

/// Which process a `/proc/<x>/...` path names, if it is this one.
fn self_rest<'a>(p: &Process, path: &'a str) -> Option<&'a str> {
    let rest = path.strip_prefix("/proc/")?;
    let (who, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let pid = p.pid().to_string();
    if who == "self" || who == "thread-self" || who == pid {
        // thread-self and task/<tid>/ show the same links as the process.
        let tail = match tail.strip_prefix("task/") {
            Some(t) => t.split_once('/').map_or("", |(_, r)| r),
            None => tail,
        };
        Some(tail)
    } else {
        None
    }
}

/// readlink on a synthetic path: `Some(result)` if elfuse answers it.
pub fn readlink(p: &Process, path: &str) -> Option<Result<Vec<u8>, Errno>> {
    let tail = self_rest(p, path)?;
    match tail {
        "exe" => Some(Ok(p.exe.clone().into_bytes())),
        "cwd" => Some(Ok(p.fs.cwd.clone().into_bytes())),
        "root" => Some(Ok(b"/".to_vec())),
        t => {
            let n = t.strip_prefix("fd/")?;
            let fd: i64 = n.parse().ok()?;
            Some(match p.fds.get(fd) {
                Ok(e) => {
                    Ok(e.path.clone().map_or_else(|| format!("anon_inode:[{fd}]").into_bytes(), String::into_bytes))
                }
                Err(_) => Err(Errno::ENOENT),
            })
        }
    }
}

/// open on a synthetic path: `Some(result)` if elfuse answers it.
pub fn open(_p: &Process, _path: &str) -> Option<Result<OwnedFd, Errno>> {
    None
}

/// The magic-link hook of the path resolver: `/proc/<self>/{exe,cwd,root}`
/// and `/proc/<self>/fd/N` (also under `task/<tid>/`) name elfuse's state,
/// never the host's. `dir` is the guest directory (components), `name` the
/// entry looked up in it.
pub fn magic(p: &Process, dir: &[Vec<u8>], name: &[u8]) -> Option<crate::fs::Magic> {
    use crate::fs::Magic;
    let pid = p.pid().to_string();
    let is_self = |c: &[u8]| c == b"self" || c == b"thread-self" || c == pid.as_bytes();
    let rest = match dir {
        [proc, who, rest @ ..] if proc.as_slice() == b"proc" && is_self(who) => rest,
        _ => return None,
    };
    let rest = match rest {
        [task, _tid, more @ ..] if task.as_slice() == b"task" => more,
        r => r,
    };
    match rest {
        [] => match name {
            b"exe" => Some(Magic::Link(p.exe.clone().into_bytes())),
            b"cwd" => Some(Magic::Link(p.fs.cwd.clone().into_bytes())),
            b"root" => Some(Magic::Link(b"/".to_vec())),
            // The host's views of elfuse's own memory: never the guest's to
            // read or write (the synthetic ones are the procfs issue's).
            b"mem" | b"pagemap" | b"map_files" => Some(Magic::Missing),
            _ => None,
        },
        [fd] if fd.as_slice() == b"fd" => {
            let n: i64 = std::str::from_utf8(name).ok()?.parse().ok()?;
            Some(match p.fds.get(n) {
                Ok(e) => match &e.path {
                    Some(g) => Magic::Link(g.clone().into_bytes()),
                    None => Magic::Fd(std::os::fd::AsRawFd::as_raw_fd(&e.host)),
                },
                Err(_) => Magic::Missing,
            })
        }
        _ => None,
    }
}
