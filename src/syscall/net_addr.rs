//! Socket addresses between the guest and the host: Linux `sockaddr`s
//! copied in and checked as the kernel does (`move_addr_to_kernel` and the
//! families' own checks) and out (`move_addr_to_user`), AF_UNIX path names
//! resolved inside the root, and the guest names of AF_UNIX sockets this
//! process bound or connected (the host only knows them as pinned
//! `/proc/self/fd/N/name` paths).

use std::collections::HashMap;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{LazyLock, Mutex};

use super::net_host::{self as host, HostAddr};
use crate::abi::errno::Errno;
use crate::abi::socket as so;
use crate::fdtable::dup_host;
use crate::fs::{Last, WalkOpts};
use crate::process::Process;

// ---------------------------------------------------------------- guest names

/// Guest names of an AF_UNIX socket, each with the host text it stands for.
#[derive(Clone, Debug, Default)]
struct Names {
    local: Option<(Vec<u8>, Vec<u8>)>,
    peer: Option<(Vec<u8>, Vec<u8>)>,
}

/// Host socket identity -> guest names (this elfuse process's sockets).
static NAMES: LazyLock<Mutex<HashMap<(u64, u64), Names>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

fn names() -> std::sync::MutexGuard<'static, HashMap<(u64, u64), Names>> {
    NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A new host socket: forget whatever an old one with the same identity had.
pub(super) fn forget(fd: RawFd) {
    if let Some(id) = host::identity(fd) {
        names().remove(&id);
    }
}

pub(super) fn remember(fd: RawFd, peer: bool, host_text: Vec<u8>, guest: Vec<u8>) {
    if let Some(id) = host::identity(fd) {
        let mut t = names();
        let e = t.entry(id).or_default();
        if peer {
            e.peer = Some((host_text, guest));
        } else {
            e.local = Some((host_text, guest));
        }
    }
}

/// An accepted socket `to` has the name of its listener `from`.
pub(super) fn inherit_local(from: RawFd, to: RawFd) {
    if let Some(local) = host::identity(from).and_then(|id| names().get(&id).and_then(|e| e.local.clone())) {
        remember(to, false, local.0, local.1);
    }
}

/// The guest form of an AF_UNIX address the host reported for `fd` (its
/// own name, or its peer's): abstract and unnamed addresses as they are,
/// paths as the guest bound or connected them.
pub(super) fn unix_to_guest(p: &Process, fd: RawFd, raw: Vec<u8>) -> Vec<u8> {
    if raw.len() <= 2 || raw[2] == 0 {
        return raw;
    }
    let t = names();
    if let Some(e) = host::identity(fd).and_then(|id| t.get(&id)) {
        for (h, g) in e.local.iter().chain(e.peer.iter()) {
            if *h == raw {
                return g.clone();
            }
        }
    }
    // Another socket of this process bound it (an accepted connection, a
    // datagram's sender).
    if let Some((_, g)) = t.values().filter_map(|e| e.local.as_ref()).find(|(h, _)| *h == raw) {
        return g.clone();
    }
    drop(t);
    let path = &raw[2..raw.len() - usize::from(raw.last() == Some(&0))];
    let mut out = so::AF_UNIX.to_le_bytes().to_vec();
    if path.starts_with(b"/proc/self/fd/") {
        // Bound by another elfuse process (across fork the names are not
        // carried): the final component is all that is known.
        let base = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
        out.extend_from_slice(base);
    } else {
        // A host process's socket: its path as seen inside the root.
        out.extend_from_slice(&p.vfs.strip_root(path));
    }
    out.push(0);
    out
}

/// Translate an address the host reported for `fd` to the guest's form.
pub(super) fn addr_to_guest(p: &Process, fd: RawFd, raw: Vec<u8>) -> Vec<u8> {
    if raw.len() >= 2 && u16::from_le_bytes([raw[0], raw[1]]) == so::AF_UNIX {
        unix_to_guest(p, fd, raw)
    } else {
        raw
    }
}

/// The socket's Linux address family.
pub(super) fn family_of(h: RawFd) -> Result<u16, Errno> {
    let n = host::name(h, false)?;
    Ok(u16::from_le_bytes([n[0], n[1]]))
}

/// Copy an address out as Linux `move_addr_to_user`: read the caller's
/// length, copy at most that much, store the full length.
pub(super) fn put_addr(p: &Process, uaddr: u64, ulen: u64, addr: &[u8]) -> Result<(), Errno> {
    let mut b = [0u8; 4];
    p.mm.read(ulen, &mut b)?;
    let len = i32::from_le_bytes(b);
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (len as usize).min(addr.len());
    if n > 0 {
        p.mm.write(uaddr, &addr[..n])?;
    }
    p.mm.write(ulen, &(addr.len() as u32).to_le_bytes())
}

/// What a guest address became on the host.
pub(super) struct Target {
    pub(super) host: HostAddr,
    /// bind: the host directory and name of the node to create.
    pub(super) node: Option<(std::os::fd::OwnedFd, Vec<u8>)>,
    /// The guest's AF_UNIX path address (family, path, NUL), to remember.
    pub(super) unix_path: Option<Vec<u8>>,
}

/// Why an address is translated (Linux checks differ).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Use {
    Bind,
    Connect,
    SendTo,
}

/// Copy in and translate the guest address (`ptr`, `len`) for socket `h`
/// (Linux `move_addr_to_kernel`, then the family's own checks).
pub(super) fn addr_in(p: &Process, h: RawFd, ptr: u64, len: u64, why: Use) -> Result<Target, Errno> {
    let len = len as i32;
    if len < 0 || len as usize > so::SOCKADDR_STORAGE {
        return Err(Errno::EINVAL);
    }
    let mut b = vec![0u8; len as usize];
    p.mm.read(ptr, &mut b)?;
    let fam = family_of(h)?;
    let given = if b.len() >= 2 { u16::from_le_bytes([b[0], b[1]]) } else { u16::MAX };
    let plain = |host| Ok(Target { host, node: None, unix_path: None });
    match fam {
        so::AF_INET | so::AF_INET6 => {
            if given == so::AF_UNSPEC && why == Use::Connect {
                return plain(HostAddr::unspec());
            }
            let (min, want) = if fam == so::AF_INET { (16, so::AF_INET) } else { (so::SIN6_LEN_RFC2133, so::AF_INET6) };
            if b.len() < min {
                return Err(Errno::EINVAL);
            }
            // Linux inet_bind takes AF_UNSPEC with INADDR_ANY as AF_INET;
            // udp_sendmsg takes AF_UNSPEC as AF_INET.
            let unspec_ok = fam == so::AF_INET
                && given == so::AF_UNSPEC
                && (why == Use::SendTo || (why == Use::Bind && b[4..8] == [0; 4]));
            if given != want && !unspec_ok {
                return Err(Errno::EAFNOSUPPORT);
            }
            b.resize(if fam == so::AF_INET { 16 } else { 28 }, 0);
            plain(host::inet_to_host(want, &b))
        }
        so::AF_UNIX => {
            if given == so::AF_UNSPEC && why == Use::Connect {
                return plain(HostAddr::unspec());
            }
            // Linux unix_bind: only the family is an autobind request.
            if why == Use::Bind && b.len() == so::SUN_PATH_OFF && given == so::AF_UNIX {
                return plain(host::unix_unnamed());
            }
            if b.len() <= so::SUN_PATH_OFF || b.len() > so::SOCKADDR_UN || given != so::AF_UNIX {
                return Err(Errno::EINVAL);
            }
            if b[2] == 0 {
                return plain(host::unix_abstract(&b[3..])?);
            }
            let path: Vec<u8> = b[2..].iter().copied().take_while(|&c| c != 0).collect();
            let mut guest = so::AF_UNIX.to_le_bytes().to_vec();
            guest.extend_from_slice(&path);
            guest.push(0);
            let mut node = None;
            let host = if why == Use::Bind {
                let r = super::sys_fs::lookup(
                    p,
                    i64::from(crate::abi::fcntl::AT_FDCWD),
                    &path,
                    WalkOpts { parent: true, ..WalkOpts::default() },
                )?;
                if r.last != Last::Norm {
                    return Err(Errno::EADDRINUSE);
                }
                node = Some((dup_host(r.dir.as_raw_fd(), 3)?, r.name.as_bytes().to_vec()));
                host::unix_pinned(dup_host(r.dir.as_raw_fd(), 3)?, Some(r.name.as_bytes()))?
            } else {
                let r = super::sys_fs::lookup(
                    p,
                    i64::from(crate::abi::fcntl::AT_FDCWD),
                    &path,
                    WalkOpts { follow: true, ..WalkOpts::default() },
                )?;
                host::unix_pinned(r.handle()?, None)?
            };
            Ok(Target { host, node, unix_path: Some(guest) })
        }
        _ => Err(Errno::EAFNOSUPPORT),
    }
}
