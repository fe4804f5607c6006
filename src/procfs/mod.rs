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
