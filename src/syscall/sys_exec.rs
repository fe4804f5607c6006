//! execve and execveat.

use super::{Args, Flow};
use crate::abi::errno::Errno;
use crate::abi::fcntl;
use crate::process::Process;

/// Linux MAX_ARG_STRLEN (one argument or environment string).
const MAX_ARG_STRLEN: usize = 32 * 4096;

/// Read a NULL-terminated array of C strings (argv/envp). A NULL array is
/// empty, as Linux treats it.
fn read_strings(p: &Process, mut ptr: u64) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if ptr == 0 {
        return Ok(out);
    }
    let mut total = 0usize;
    loop {
        let s = p.mm.read_u64(ptr)?;
        if s == 0 {
            return Ok(out);
        }
        let v =
            p.mm.read_cstr(s, MAX_ARG_STRLEN).map_err(|e| if e == Errno::ENAMETOOLONG { Errno::E2BIG } else { e })?;
        total += v.len() + 1 + 8;
        if total > crate::exec::ARG_MAX {
            return Err(Errno::E2BIG);
        }
        out.push(v);
        ptr = ptr.checked_add(8).ok_or(Errno::EFAULT)?;
    }
}

fn exec(p: &mut Process, path: Vec<u8>, argv_ptr: u64, envp_ptr: u64) -> Result<Flow, Errno> {
    let argv = read_strings(p, argv_ptr)?;
    let envp = read_strings(p, envp_ptr)?;
    // `/proc/self/exe` and friends name guest programs, never host files.
    let path = crate::procfs::exec_path(p, &path)?;
    let img = crate::exec::build(&p.fs, &path, argv, &envp, p.config.backend, true).map_err(|e| e.errno())?;
    p.pending_exec = Some(img);
    Ok(Flow::Exec)
}

/// execve(2).
pub fn execve(p: &mut Process, a: &Args) -> Result<Flow, Errno> {
    let path = p.mm.read_cstr(a.u(0), crate::fs::PATH_MAX - 1)?;
    exec(p, path, a.u(1), a.u(2))
}

/// execveat(2): absolute paths, AT_FDCWD, and AT_EMPTY_PATH on an fd opened
/// by path.
pub fn execveat(p: &mut Process, a: &Args) -> Result<Flow, Errno> {
    let (dirfd, flags) = (a.int(0), a.uint(4));
    if flags & !(fcntl::AT_EMPTY_PATH | fcntl::AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = p.mm.read_cstr(a.u(1), crate::fs::PATH_MAX - 1)?;
    let path = if path.is_empty() && flags & fcntl::AT_EMPTY_PATH != 0 {
        p.fds.get(dirfd)?.path.clone().ok_or(Errno::ENOENT)?.into_bytes()
    } else if path.starts_with(b"/") || dirfd == i64::from(fcntl::AT_FDCWD) {
        path
    } else {
        let dir = p.fds.get(dirfd)?.path.clone().ok_or(Errno::ENOENT)?;
        let mut full = dir.into_bytes();
        full.push(b'/');
        full.extend_from_slice(&path);
        full
    };
    exec(p, path, a.u(2), a.u(3))
}
