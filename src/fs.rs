//! The guest's view of the file system: root (`--sysroot`), cwd, umask.
//!
//! Guest paths are mapped to host paths here. This foundation maps
//! lexically: absolute paths are joined under the root with `.`/`..`
//! normalised so `..` at the root stays at the root. Symlinks inside the
//! root that point outside it are resolved by the host (the full
//! component-by-component resolver is the file-ABI issue's work).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::abi::errno::Errno;

/// Linux PATH_MAX.
pub const PATH_MAX: usize = 4096;

/// Root, working directory and umask of a guest process.
#[derive(Clone, Debug)]
pub struct FsContext {
    /// Host directory that is the guest's `/` (None = host root).
    pub root: Option<PathBuf>,
    /// Guest-visible cwd (absolute, normalised).
    pub cwd: String,
    /// File creation mask.
    pub umask: u32,
}

/// Normalise an absolute guest path: collapse `//`, `.`, and `..` (never
/// above `/`).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut s = String::from("/");
    s.push_str(&parts.join("/"));
    s
}

impl FsContext {
    /// The absolute guest path for `path` relative to the cwd.
    pub fn absolute(&self, path: &[u8]) -> String {
        let p = String::from_utf8_lossy(path);
        if p.starts_with('/') {
            normalize(&p)
        } else {
            normalize(&format!("{}/{}", self.cwd, p))
        }
    }

    /// Map an absolute, normalised guest path to a host path.
    pub fn host_path(&self, guest_abs: &str) -> PathBuf {
        match &self.root {
            None => PathBuf::from(guest_abs),
            Some(r) => {
                let rel = guest_abs.trim_start_matches('/');
                if rel.is_empty() {
                    r.clone()
                } else {
                    r.join(rel)
                }
            }
        }
    }

    /// Map a guest path argument to a host path, for a `*at` call with
    /// `AT_FDCWD` or an absolute path. Relative paths are resolved against
    /// the guest cwd; empty paths are ENOENT, as Linux says.
    pub fn resolve(&self, path: &[u8]) -> Result<PathBuf, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        // Keep a trailing slash: it makes the host require a directory.
        let mut p = self.host_path(&self.absolute(path));
        if path.ends_with(b"/") && p.as_os_str().as_bytes().last() != Some(&b'/') {
            let mut s = p.into_os_string();
            s.push("/");
            p = PathBuf::from(s);
        }
        Ok(p)
    }

    /// The guest-visible form of a host path (strip the root prefix).
    pub fn guest_path(&self, host: &Path) -> Option<String> {
        match &self.root {
            None => Some(host.to_string_lossy().into_owned()),
            Some(r) => {
                let rest = host.strip_prefix(r).ok()?;
                Some(normalize(&format!("/{}", rest.to_string_lossy())))
            }
        }
    }
}

/// A host path as a C string (paths with interior NUL cannot come from
/// guest C strings).
pub fn cpath(p: &Path) -> Result<std::ffi::CString, Errno> {
    std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)
}

/// Bytes of an OsStr.
pub fn os_bytes(s: &OsStr) -> &[u8] {
    s.as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_a_root() {
        let fs = FsContext { root: Some(PathBuf::from("/srv/root")), cwd: "/home".into(), umask: 0o22 };
        assert_eq!(fs.resolve(b"/etc/passwd").unwrap(), PathBuf::from("/srv/root/etc/passwd"));
        assert_eq!(fs.resolve(b"../../../etc").unwrap(), PathBuf::from("/srv/root/etc"));
        assert_eq!(fs.resolve(b"x").unwrap(), PathBuf::from("/srv/root/home/x"));
        assert_eq!(fs.resolve(b"/").unwrap(), PathBuf::from("/srv/root"));
        assert_eq!(fs.resolve(b"").unwrap_err(), Errno::ENOENT);
        assert_eq!(fs.guest_path(Path::new("/srv/root/bin/sh")).unwrap(), "/bin/sh");
        assert_eq!(normalize("/a/./b//../c/"), "/a/c");
    }
}
