//! The guest's file descriptor table.
//!
//! Guest fd numbers are elfuse's own: each maps to a host fd that elfuse
//! owns (always host-close-on-exec), so elfuse's internal fds are never
//! visible to or clobbered by the guest. The guest's FD_CLOEXEC is kept
//! here. `dup` duplicates the host fd, sharing the open file description
//! exactly as Linux's dup does.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

use crate::abi::errno::Errno;
use crate::host;
use crate::syscall::sys_poll::Epoll;
use crate::syscall::sys_signalfd::SignalFd;

/// One open guest fd.
#[derive(Debug)]
pub struct FdEntry {
    /// The host file descriptor.
    pub host: OwnedFd,
    /// Guest FD_CLOEXEC.
    pub cloexec: bool,
    /// Guest-visible path it was opened with (for /proc/self/fd), if any.
    pub path: Option<String>,
}

/// Default RLIMIT_NOFILE soft limit.
pub const DEFAULT_NOFILE: usize = 1024;

/// Guest fd number -> entry.
#[derive(Debug)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
    /// RLIMIT_NOFILE: fds must be below this.
    pub limit: usize,
    /// epoll instances behind guest fds (dups share one, as in Linux).
    epolls: HashMap<usize, Arc<Epoll>>,
    /// Emulated eventfds behind guest fds (hosts without eventfd(2)).
    eventfds: HashMap<usize, Arc<host::EventFd>>,
    /// signalfds behind guest fds (dups share one, as in Linux).
    signalfds: HashMap<usize, Arc<SignalFd>>,
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable {
            slots: Vec::new(),
            limit: DEFAULT_NOFILE,
            epolls: HashMap::new(),
            eventfds: HashMap::new(),
            signalfds: HashMap::new(),
        }
    }
}

/// Duplicate a host fd with host close-on-exec set.
pub fn dup_host(fd: RawFd, min: RawFd) -> Result<OwnedFd, Errno> {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) on any integer is memory-safe; the
    // result is a new fd we exclusively own, checked for failure.
    let r = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min) };
    if r < 0 {
        return Err(Errno::last_host());
    }
    // SAFETY: `r` is a fresh, valid fd owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

impl FdTable {
    /// A table holding dups of the host's stdin, stdout and stderr at 0-2
    /// (a closed host stdio stays closed in the guest).
    pub fn with_stdio() -> FdTable {
        let mut t = FdTable::default();
        for fd in 0..3 {
            // Keep elfuse's copies above the stdio range.
            if let Ok(h) = dup_host(fd, 3) {
                let _ = t.install_at(fd as usize, FdEntry { host: h, cloexec: false, path: None });
            }
        }
        t
    }

    /// The entry for guest `fd`.
    pub fn get(&self, fd: i64) -> Result<&FdEntry, Errno> {
        usize::try_from(fd).ok().and_then(|i| self.slots.get(i)).and_then(|e| e.as_ref()).ok_or(Errno::EBADF)
    }

    /// Mutable entry for guest `fd`.
    pub fn get_mut(&mut self, fd: i64) -> Result<&mut FdEntry, Errno> {
        usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).and_then(|e| e.as_mut()).ok_or(Errno::EBADF)
    }

    /// Host fd for guest `fd`.
    pub fn host(&self, fd: i64) -> Result<RawFd, Errno> {
        Ok(self.get(fd)?.host.as_raw_fd())
    }

    /// Install at the lowest free number >= `min`.
    pub fn install(&mut self, e: FdEntry, min: usize) -> Result<i64, Errno> {
        let mut i = min;
        while i < self.slots.len() && self.slots[i].is_some() {
            i += 1;
        }
        if i >= self.limit {
            return Err(Errno::EMFILE);
        }
        self.install_at(i, e)?;
        Ok(i as i64)
    }

    /// Install at exactly `fd`, closing what was there (dup2/dup3).
    pub fn install_at(&mut self, fd: usize, e: FdEntry) -> Result<Option<FdEntry>, Errno> {
        if fd >= self.limit {
            return Err(Errno::EBADF);
        }
        if self.slots.len() <= fd {
            self.slots.resize_with(fd + 1, || None);
        }
        self.epolls.remove(&fd);
        self.eventfds.remove(&fd);
        self.signalfds.remove(&fd);
        Ok(self.slots[fd].replace(e))
    }

    /// Close guest `fd`.
    pub fn close(&mut self, fd: i64) -> Result<FdEntry, Errno> {
        let e =
            usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).and_then(|e| e.take()).ok_or(Errno::EBADF)?;
        self.epolls.remove(&(fd as usize));
        self.eventfds.remove(&(fd as usize));
        self.signalfds.remove(&(fd as usize));
        Ok(e)
    }

    /// Mark guest `fd` as an epoll instance.
    pub fn set_epoll(&mut self, fd: i64, ep: Arc<Epoll>) {
        if let Ok(i) = usize::try_from(fd) {
            self.epolls.insert(i, ep);
        }
    }

    /// The epoll instance behind guest `fd`, if it is one.
    pub fn epoll(&self, fd: i64) -> Option<Arc<Epoll>> {
        usize::try_from(fd).ok().and_then(|i| self.epolls.get(&i)).cloned()
    }

    /// After `new` was made a duplicate of `old`: share what `old` is.
    pub fn dup_extras(&mut self, old: i64, new: i64) {
        if let Some(ep) = self.epoll(old) {
            self.set_epoll(new, ep);
        }
        if let Some(ev) = self.eventfd(old) {
            self.set_eventfd(new, ev);
        }
        if let Some(sfd) = self.signalfd(old) {
            self.set_signalfd(new, sfd);
        }
    }

    /// Mark guest `fd` as a signalfd.
    pub fn set_signalfd(&mut self, fd: i64, sfd: Arc<SignalFd>) {
        if let Ok(i) = usize::try_from(fd) {
            self.signalfds.insert(i, sfd);
        }
    }

    /// The signalfd behind guest `fd`, if it is one.
    pub fn signalfd(&self, fd: i64) -> Option<Arc<SignalFd>> {
        if self.signalfds.is_empty() {
            return None;
        }
        usize::try_from(fd).ok().and_then(|i| self.signalfds.get(&i)).cloned()
    }

    /// Every signalfd object behind this table's fds (dups once each or
    /// more; callers only set readiness).
    pub fn signalfds(&self) -> impl Iterator<Item = &Arc<SignalFd>> {
        self.signalfds.values()
    }

    /// Mark guest `fd` as an emulated eventfd.
    pub fn set_eventfd(&mut self, fd: i64, ev: Arc<host::EventFd>) {
        if let Ok(i) = usize::try_from(fd) {
            self.eventfds.insert(i, ev);
        }
    }

    /// The emulated eventfd behind guest `fd`, if it is one (Linux hosts
    /// use real eventfds unless `host::portable`).
    pub fn eventfd(&self, fd: i64) -> Option<Arc<host::EventFd>> {
        if self.eventfds.is_empty() {
            return None;
        }
        usize::try_from(fd).ok().and_then(|i| self.eventfds.get(&i)).cloned()
    }

    /// Open guest fds in order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &FdEntry)> {
        self.slots.iter().enumerate().filter_map(|(i, e)| e.as_ref().map(|e| (i, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_free_and_limits() {
        let mut t = FdTable { limit: 8, ..FdTable::default() };
        let mk = || FdEntry { host: dup_host(2, 10).unwrap(), cloexec: false, path: None };
        assert_eq!(t.install(mk(), 0).unwrap(), 0);
        assert_eq!(t.install(mk(), 0).unwrap(), 1);
        assert_eq!(t.install(mk(), 5).unwrap(), 5);
        t.close(0).unwrap();
        assert_eq!(t.install(mk(), 0).unwrap(), 0);
        assert_eq!(t.close(3).unwrap_err(), Errno::EBADF);
        assert_eq!(t.get(-1).unwrap_err(), Errno::EBADF);
        assert_eq!(t.install_at(8, mk()).unwrap_err(), Errno::EBADF);
        for _ in 0..5 {
            let _ = t.install(mk(), 0);
        }
        assert_eq!(t.install(mk(), 0).unwrap_err(), Errno::EMFILE);
    }
}
