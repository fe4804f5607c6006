//! Credentials: the getuid family, set*id, supplementary groups, capget.
//!
//! The guest's ids are elfuse's record, initialised from the host's, from
//! `--user UID[:GID]`, or as root under `--fakeroot`. Changing them follows
//! Linux's rules (`kernel/sys.c`): a privileged (euid 0) caller may set any
//! id, others only to one of their real, effective or saved ids. The host
//! process's own ids never change.

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::process::{Config, Process};

/// Linux `_LINUX_CAPABILITY_VERSION_1/2/3` (include/uapi/linux/capability.h).
const CAP_V1: u32 = 0x1998_0330;
const CAP_V2: u32 = 0x2007_1026;
const CAP_V3: u32 = 0x2008_0522;
/// Every capability up to CAP_CHECKPOINT_RESTORE (40).
const CAP_ALL: u64 = (1 << 41) - 1;

/// A process's ids as the guest sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cred {
    /// Real, effective, saved uid.
    pub uid: [u32; 3],
    /// Real, effective, saved gid.
    pub gid: [u32; 3],
    /// fsuid, fsgid.
    pub fs: [u32; 2],
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// `--fakeroot`: chown/chmod are recorded, not refused.
    pub fakeroot: bool,
}

impl Cred {
    /// The ids for a run configuration.
    pub fn for_config(c: &Config) -> Cred {
        // SAFETY: the id getters have no memory effects.
        let (u, g) = unsafe { (libc::geteuid(), libc::getegid()) };
        let (u, g, groups) = if c.fakeroot {
            (0, 0, vec![0])
        } else if let Some((u, g)) = c.user {
            (u, g, vec![g])
        } else {
            (u, g, host_groups())
        };
        Cred { uid: [u; 3], gid: [g; 3], fs: [u, g], groups, fakeroot: c.fakeroot }
    }

    /// Whether the guest is privileged (euid 0).
    pub fn privileged(&self) -> bool {
        self.uid[1] == 0
    }
}

fn host_groups() -> Vec<u32> {
    // SAFETY: a size-0 query writes nothing.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n <= 0 {
        return Vec::new();
    }
    let mut g = vec![0 as libc::gid_t; n as usize];
    // SAFETY: the buffer holds n entries.
    let n = unsafe { libc::getgroups(n, g.as_mut_ptr()) };
    g.truncate(usize::try_from(n).unwrap_or(0));
    g
}

/// getuid(2).
pub fn getuid(p: &mut Process, _a: &Args) -> SysResult {
    Ok(u64::from(p.cred.uid[0]))
}

/// geteuid(2).
pub fn geteuid(p: &mut Process, _a: &Args) -> SysResult {
    Ok(u64::from(p.cred.uid[1]))
}

/// getgid(2).
pub fn getgid(p: &mut Process, _a: &Args) -> SysResult {
    Ok(u64::from(p.cred.gid[0]))
}

/// getegid(2).
pub fn getegid(p: &mut Process, _a: &Args) -> SysResult {
    Ok(u64::from(p.cred.gid[1]))
}

fn write_ids(p: &Process, ptrs: [u64; 3], ids: [u32; 3]) -> SysResult {
    for (ptr, id) in ptrs.iter().zip(ids) {
        p.mm.write(*ptr, &id.to_le_bytes())?;
    }
    Ok(0)
}

/// getresuid(2).
pub fn getresuid(p: &mut Process, a: &Args) -> SysResult {
    write_ids(p, [a.u(0), a.u(1), a.u(2)], p.cred.uid)
}

/// getresgid(2).
pub fn getresgid(p: &mut Process, a: &Args) -> SysResult {
    write_ids(p, [a.u(0), a.u(1), a.u(2)], p.cred.gid)
}

/// Linux's `-1` = "leave unchanged" for set*id arguments.
const KEEP: u32 = u32::MAX;

/// Apply setresuid/setresgid semantics to `ids` (`kernel/sys.c`
/// `__sys_setresuid`): unprivileged callers may only pick existing ids.
fn set_res(ids: &mut [u32; 3], fs: &mut u32, new: [u32; 3], privileged: bool) -> SysResult {
    if !privileged {
        for &n in &new {
            if n != KEEP && !ids.contains(&n) {
                return Err(Errno::EPERM);
            }
        }
    }
    for (slot, n) in ids.iter_mut().zip(new) {
        if n != KEEP {
            *slot = n;
        }
    }
    *fs = ids[1];
    Ok(0)
}

/// setresuid(2).
pub fn setresuid(p: &mut Process, a: &Args) -> SysResult {
    let priv_ = p.cred.privileged();
    let c = &mut p.cred;
    set_res(&mut c.uid, &mut c.fs[0], [a.uint(0), a.uint(1), a.uint(2)], priv_)
}

/// setresgid(2).
pub fn setresgid(p: &mut Process, a: &Args) -> SysResult {
    let priv_ = p.cred.privileged();
    let c = &mut p.cred;
    set_res(&mut c.gid, &mut c.fs[1], [a.uint(0), a.uint(1), a.uint(2)], priv_)
}

/// setreuid(2): the saved id follows the new effective one when the real
/// id is set or the effective one changes to other than the old real id.
pub fn setreuid(p: &mut Process, a: &Args) -> SysResult {
    let (r, e) = (a.uint(0), a.uint(1));
    let old = p.cred.uid;
    let saved = if r != KEEP || (e != KEEP && e != old[0]) {
        if e != KEEP {
            e
        } else {
            old[1]
        }
    } else {
        KEEP
    };
    let priv_ = p.cred.privileged();
    if !priv_ && ((r != KEEP && r != old[0] && r != old[1]) || (e != KEEP && !old.contains(&e))) {
        return Err(Errno::EPERM);
    }
    let c = &mut p.cred;
    set_res(&mut c.uid, &mut c.fs[0], [r, e, saved], true)
}

/// setregid(2).
pub fn setregid(p: &mut Process, a: &Args) -> SysResult {
    let (r, e) = (a.uint(0), a.uint(1));
    let old = p.cred.gid;
    let saved = if r != KEEP || (e != KEEP && e != old[0]) {
        if e != KEEP {
            e
        } else {
            old[1]
        }
    } else {
        KEEP
    };
    if !p.cred.privileged() && ((r != KEEP && r != old[0] && r != old[1]) || (e != KEEP && !old.contains(&e))) {
        return Err(Errno::EPERM);
    }
    let c = &mut p.cred;
    set_res(&mut c.gid, &mut c.fs[1], [r, e, saved], true)
}

/// setuid/setgid: privileged callers set all three ids, others the
/// effective one. `group` selects the gid set.
fn set_one_id(p: &mut Process, v: u32, group: bool) -> SysResult {
    if v == KEEP {
        return Err(Errno::EINVAL);
    }
    let priv_ = p.cred.privileged();
    let c = &mut p.cred;
    let (ids, fs) = if group { (&mut c.gid, &mut c.fs[1]) } else { (&mut c.uid, &mut c.fs[0]) };
    if priv_ {
        set_res(ids, fs, [v, v, v], true)
    } else {
        set_res(ids, fs, [KEEP, v, KEEP], false)
    }
}

/// setuid(2).
pub fn setuid(p: &mut Process, a: &Args) -> SysResult {
    set_one_id(p, a.uint(0), false)
}

/// setgid(2).
pub fn setgid(p: &mut Process, a: &Args) -> SysResult {
    set_one_id(p, a.uint(0), true)
}

/// setfsuid(2): returns the old fsuid whether or not it changed.
pub fn setfsuid(p: &mut Process, a: &Args) -> SysResult {
    let old = p.cred.fs[0];
    let u = a.uint(0);
    if p.cred.privileged() || p.cred.uid.contains(&u) || u == old {
        p.cred.fs[0] = u;
    }
    Ok(u64::from(old))
}

/// setfsgid(2).
pub fn setfsgid(p: &mut Process, a: &Args) -> SysResult {
    let old = p.cred.fs[1];
    let g = a.uint(0);
    if p.cred.privileged() || p.cred.gid.contains(&g) || g == old {
        p.cred.fs[1] = g;
    }
    Ok(u64::from(old))
}

/// getgroups(2).
pub fn getgroups(p: &mut Process, a: &Args) -> SysResult {
    let size = a.int(0);
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    let n = p.cred.groups.len();
    if size == 0 {
        return Ok(n as u64);
    }
    if (size as usize) < n {
        return Err(Errno::EINVAL);
    }
    let bytes: Vec<u8> = p.cred.groups.iter().flat_map(|g| g.to_le_bytes()).collect();
    p.mm.write(a.u(1), &bytes)?;
    Ok(n as u64)
}

/// Linux NGROUPS_MAX.
const NGROUPS_MAX: i64 = 65536;

/// setgroups(2): needs CAP_SETGID (euid 0 in elfuse's model).
pub fn setgroups(p: &mut Process, a: &Args) -> SysResult {
    let size = a.int(0);
    if !(0..=NGROUPS_MAX).contains(&size) {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; size as usize * 4];
    p.mm.read(a.u(1), &mut raw)?;
    if !p.cred.privileged() {
        return Err(Errno::EPERM);
    }
    p.cred.groups = raw.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Ok(0)
}

/// capget(2): root (including --fakeroot) has every capability, others none.
pub fn capget(p: &mut Process, a: &Args) -> SysResult {
    let (hdr, data) = (a.u(0), a.u(1));
    let mut h = [0u8; 8];
    p.mm.read(hdr, &mut h)?;
    let version = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
    let pid = i32::from_le_bytes([h[4], h[5], h[6], h[7]]);
    let words = match version {
        CAP_V1 => 1,
        CAP_V2 | CAP_V3 => 2,
        _ => {
            // Linux: tell the caller the preferred version, EINVAL.
            p.mm.write(hdr, &CAP_V3.to_le_bytes())?;
            return Err(Errno::EINVAL);
        }
    };
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid != 0 && pid != p.pid() {
        return Err(Errno::ESRCH);
    }
    if data == 0 {
        return Ok(0);
    }
    let caps = if p.cred.privileged() { CAP_ALL } else { 0 };
    let mut out = Vec::new();
    for w in 0..words {
        let v = (caps >> (32 * w)) as u32;
        // effective, permitted, inheritable (inheritable empty).
        out.extend_from_slice(&v.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
    }
    p.mm.write(data, &out)?;
    Ok(0)
}

/// capset(2): only dropping is possible for an unprivileged guest; elfuse
/// records nothing (the host's capabilities are the host's).
pub fn capset(p: &mut Process, a: &Args) -> SysResult {
    let (hdr, data) = (a.u(0), a.u(1));
    let mut h = [0u8; 8];
    p.mm.read(hdr, &mut h)?;
    let version = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
    let words = match version {
        CAP_V1 => 1,
        CAP_V2 | CAP_V3 => 2,
        _ => return Err(Errno::EINVAL),
    };
    let mut raw = vec![0u8; words * 12];
    p.mm.read(data, &mut raw)?;
    let any = raw.iter().any(|&b| b != 0);
    if any && !p.cred.privileged() {
        return Err(Errno::EPERM);
    }
    Ok(0)
}
