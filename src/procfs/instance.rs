//! The per-instance private directory: one per elfuse instance tree (the
//! top-level elfuse and every fork helper it spawns), created by the
//! top-level process and removed when it ends.
//!
//! ```text
//! $TMPDIR/elfuse-<pid>-<nanos>/
//!     empty/      an empty directory: the host handle of synthetic dirs
//!     shm/        the guest's /dev/shm
//!     pids/<pid>  one record per live guest process (for /proc/<pid>)
//! ```
//!
//! Fork helpers find the directory through the host environment variable
//! [`ENV`], which they inherit from the top-level elfuse (the guest's own
//! environment is built separately and never contains it).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Host environment variable naming the instance directory.
pub const ENV: &str = "ELFUSE_INSTANCE_DIR";

struct Instance {
    dir: PathBuf,
    /// The host pid that created (and removes) the directory.
    owner: u32,
}

static INSTANCE: OnceLock<Option<Instance>> = OnceLock::new();

fn create() -> Option<Instance> {
    if let Some(d) = std::env::var_os(ENV) {
        let dir = PathBuf::from(d);
        if dir.join("pids").is_dir() {
            return Some(Instance { dir, owner: 0 });
        }
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("elfuse-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir).ok()?;
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    for sub in ["empty", "shm", "pids"] {
        std::fs::create_dir(dir.join(sub)).ok()?;
    }
    let _ = std::fs::set_permissions(dir.join("empty"), std::fs::Permissions::from_mode(0o555));
    let _ = std::fs::set_permissions(dir.join("shm"), std::fs::Permissions::from_mode(0o1777));
    // Fork helpers inherit it. This runs once, before any guest thread or
    // helper exists (the first resolver is built while the program loads).
    std::env::set_var(ENV, &dir);
    Some(Instance { dir, owner: std::process::id() })
}

fn get() -> Option<&'static Instance> {
    INSTANCE.get_or_init(create).as_ref()
}

/// The instance directory, created on first use.
pub fn dir() -> Option<&'static Path> {
    get().map(|i| i.dir.as_path())
}

/// The empty directory that stands for synthetic directories on the host.
pub fn empty_dir() -> Option<PathBuf> {
    dir().map(|d| d.join("empty"))
}

/// The host directory behind the guest's `/dev/shm`.
pub fn shm_dir() -> Option<PathBuf> {
    dir().map(|d| d.join("shm"))
}

/// The registry of live guest processes.
pub fn pids_dir() -> Option<PathBuf> {
    dir().map(|d| d.join("pids"))
}

/// Remove the instance directory if this process created it (at the end of
/// the top-level guest process). Guest processes that outlive it lose their
/// /dev/shm and registry entries.
pub fn cleanup() {
    let Some(Some(i)) = INSTANCE.get() else { return };
    if i.owner == std::process::id() {
        // The empty dir was made read-only; make it removable again.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(i.dir.join("empty"), std::fs::Permissions::from_mode(0o755));
        let _ = std::fs::remove_dir_all(&i.dir);
    } else if let Some(p) = pids_dir() {
        let _ = std::fs::remove_file(p.join(std::process::id().to_string()));
    }
}
