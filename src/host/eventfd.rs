//! eventfd(2) for hosts without one (macOS): the 64-bit counter lives
//! here, and the guest's host fd is one end of a socket pair that holds one
//! byte exactly while the counter is non-zero. So poll, select and epoll
//! (kqueue) on the host fd see POLLIN as Linux reports it, and POLLOUT
//! always (Linux: while the counter is below 0xffff_ffff_ffff_fffe). The
//! guest's O_NONBLOCK is the host fd's (F_SETFL reaches it as usual).
//!
//! Reads and writes of such an fd must come here (the fd table knows which
//! fds are emulated); a fork child gets only the socket, so an eventfd is
//! not shared across fork (docs/hvf.md).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::abi::errno::Errno;

/// The largest counter value (Linux: ULLONG_MAX - 1).
const MAX: u64 = u64::MAX - 1;

/// One eventfd object, shared by the guest fds that dup it.
#[derive(Debug)]
pub struct EventFd {
    counter: Mutex<u64>,
    semaphore: bool,
    /// The pair's other end: writes the byte the guest's end reads.
    signal: OwnedFd,
}

fn nonblocking(fd: RawFd) -> bool {
    // SAFETY: F_GETFL has no memory effects.
    unsafe { libc::fcntl(fd, libc::F_GETFL) & libc::O_NONBLOCK != 0 }
}

fn set_flags(fd: RawFd, nonblock: bool) {
    // SAFETY: fcntl/setsockopt on an fd we own, with a live int.
    unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        if nonblock {
            libc::fcntl(fd, libc::F_SETFL, libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK);
        }
        #[cfg(target_os = "macos")]
        {
            let one: libc::c_int = 1;
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_NOSIGPIPE,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
}

impl EventFd {
    /// A new eventfd holding `initval`: the host fd the guest's fd is, and
    /// the object its reads and writes go to.
    pub fn create(initval: u32, semaphore: bool, nonblock: bool) -> Result<(OwnedFd, Arc<EventFd>), Errno> {
        let mut sv = [0 as RawFd; 2];
        // SAFETY: socketpair writes two fds into `sv`.
        if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr()) } < 0 {
            return Err(Errno::last_host());
        }
        // SAFETY: two fresh fds owned by nobody else.
        let (guest, signal) = unsafe { (OwnedFd::from_raw_fd(sv[0]), OwnedFd::from_raw_fd(sv[1])) };
        set_flags(guest.as_raw_fd(), nonblock);
        set_flags(signal.as_raw_fd(), true);
        let ev = EventFd { counter: Mutex::new(0), semaphore, signal };
        if initval > 0 {
            let mut c = ev.counter.lock();
            ev.post(&mut c, u64::from(initval));
        }
        Ok((guest, Arc::new(ev)))
    }

    /// Add `v` (fits) to the counter, raising readiness on 0 -> non-zero.
    fn post(&self, c: &mut u64, v: u64) {
        if *c == 0 && v > 0 {
            #[cfg(target_os = "linux")]
            let flags = libc::MSG_NOSIGNAL;
            #[cfg(not(target_os = "linux"))]
            let flags = 0;
            // SAFETY: sending one byte from a local; the socket buffer is
            // empty (the byte is there only while the counter is non-zero).
            unsafe { libc::send(self.signal.as_raw_fd(), [1u8].as_ptr().cast(), 1, flags) };
        }
        *c += v;
    }

    /// read(2) of `len` bytes through guest host fd `fd`: the counter (or 1
    /// with EFD_SEMAPHORE) as 8 native-endian bytes; waits while it is 0
    /// unless `fd` is non-blocking (EAGAIN). EINVAL below 8 bytes.
    pub fn read(&self, fd: RawFd, len: u64) -> Result<[u8; 8], Errno> {
        if len < 8 {
            return Err(Errno::EINVAL);
        }
        loop {
            {
                let mut c = self.counter.lock();
                if *c > 0 {
                    let v = if self.semaphore { 1 } else { *c };
                    *c -= v;
                    if *c == 0 {
                        let mut b = [0u8; 1];
                        // SAFETY: receiving at most one byte into a local.
                        unsafe { libc::recv(fd, b.as_mut_ptr().cast(), 1, libc::MSG_DONTWAIT) };
                    }
                    return Ok(v.to_le_bytes());
                }
            }
            if nonblocking(fd) {
                return Err(Errno::EAGAIN);
            }
            let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
            // SAFETY: one pollfd on the stack.
            if unsafe { libc::poll(&mut pfd, 1, -1) } < 0 {
                return Err(Errno::last_host());
            }
        }
    }

    /// write(2) of `buf` through guest host fd `fd`: adds the 8-byte value.
    /// EINVAL below 8 bytes or for 0xffff_ffff_ffff_ffff; an addition that
    /// would pass the maximum is EAGAIN on a non-blocking fd and otherwise
    /// waits for a read (which, under elfuse's process lock, only a signal
    /// handler or another process could do: Linux would let another thread
    /// read meanwhile).
    pub fn write(&self, fd: RawFd, buf: &[u8]) -> Result<u64, Errno> {
        let v = match buf.get(..8) {
            Some(b) => u64::from_le_bytes(b.try_into().map_err(|_| Errno::EINVAL)?),
            None => return Err(Errno::EINVAL),
        };
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        loop {
            {
                let mut c = self.counter.lock();
                if MAX - *c >= v {
                    self.post(&mut c, v);
                    return Ok(8);
                }
            }
            if nonblocking(fd) {
                return Err(Errno::EAGAIN);
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readable(fd: RawFd) -> bool {
        let mut pfd = libc::pollfd { fd, events: libc::POLLIN | libc::POLLOUT, revents: 0 };
        // SAFETY: one pollfd on the stack.
        unsafe { libc::poll(&mut pfd, 1, 0) };
        assert!(pfd.revents & libc::POLLOUT != 0, "always writable");
        pfd.revents & libc::POLLIN != 0
    }

    #[test]
    fn counter_semantics_and_readiness() {
        let (g, ev) = EventFd::create(0, false, true).unwrap();
        let fd = g.as_raw_fd();
        assert!(!readable(fd));
        assert_eq!(ev.read(fd, 8), Err(Errno::EAGAIN));
        assert_eq!(ev.write(fd, &3u64.to_le_bytes()), Ok(8));
        assert_eq!(ev.write(fd, &4u64.to_le_bytes()), Ok(8));
        assert!(readable(fd));
        assert_eq!(ev.read(fd, 7), Err(Errno::EINVAL));
        assert_eq!(ev.read(fd, 16), Ok(7u64.to_le_bytes()));
        assert!(!readable(fd));
        assert_eq!(ev.write(fd, &[0u8; 7]), Err(Errno::EINVAL));
        assert_eq!(ev.write(fd, &u64::MAX.to_le_bytes()), Err(Errno::EINVAL));
        // Up to the maximum, then EAGAIN on a non-blocking fd.
        assert_eq!(ev.write(fd, &MAX.to_le_bytes()), Ok(8));
        assert_eq!(ev.write(fd, &1u64.to_le_bytes()), Err(Errno::EAGAIN));
        assert_eq!(ev.read(fd, 8), Ok(MAX.to_le_bytes()));
        // Writing 0 does not make it readable.
        assert_eq!(ev.write(fd, &0u64.to_le_bytes()), Ok(8));
        assert!(!readable(fd));
    }

    #[test]
    fn semaphore_counts_down_by_one() {
        let (g, ev) = EventFd::create(2, true, true).unwrap();
        let fd = g.as_raw_fd();
        assert!(readable(fd));
        assert_eq!(ev.read(fd, 8), Ok(1u64.to_le_bytes()));
        assert!(readable(fd));
        assert_eq!(ev.read(fd, 8), Ok(1u64.to_le_bytes()));
        assert!(!readable(fd));
        assert_eq!(ev.read(fd, 8), Err(Errno::EAGAIN));
    }

    #[test]
    fn a_blocking_read_waits_for_a_write() {
        let (g, ev) = EventFd::create(0, false, false).unwrap();
        let fd = g.as_raw_fd();
        let ev2 = Arc::clone(&ev);
        let t = std::thread::spawn(move || ev2.read(fd, 8));
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert_eq!(ev.write(fd, &5u64.to_le_bytes()), Ok(8));
        assert_eq!(t.join().unwrap(), Ok(5u64.to_le_bytes()));
        drop(g);
    }
}
