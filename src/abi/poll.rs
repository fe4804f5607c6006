//! poll(2) and epoll(7) (include/uapi/asm-generic/poll.h,
//! include/uapi/linux/eventpoll.h).

#![allow(missing_docs)]

use super::Pod;

pub const POLLIN: i16 = 0x0001;
pub const POLLPRI: i16 = 0x0002;
pub const POLLOUT: i16 = 0x0004;
pub const POLLERR: i16 = 0x0008;
pub const POLLHUP: i16 = 0x0010;
pub const POLLNVAL: i16 = 0x0020;
pub const POLLRDNORM: i16 = 0x0040;
pub const POLLRDBAND: i16 = 0x0080;
pub const POLLWRNORM: i16 = 0x0100;
pub const POLLWRBAND: i16 = 0x0200;
pub const POLLMSG: i16 = 0x0400;
pub const POLLRDHUP: i16 = 0x2000;

/// `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollFd {
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}
const _: () = assert!(std::mem::size_of::<PollFd>() == 8);
impl Pod for PollFd {}

pub const EPOLLIN: u32 = 0x0001;
pub const EPOLLPRI: u32 = 0x0002;
pub const EPOLLOUT: u32 = 0x0004;
pub const EPOLLERR: u32 = 0x0008;
pub const EPOLLHUP: u32 = 0x0010;
pub const EPOLLRDNORM: u32 = 0x0040;
pub const EPOLLRDBAND: u32 = 0x0080;
pub const EPOLLWRNORM: u32 = 0x0100;
pub const EPOLLWRBAND: u32 = 0x0200;
pub const EPOLLMSG: u32 = 0x0400;
pub const EPOLLRDHUP: u32 = 0x2000;
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
pub const EPOLLWAKEUP: u32 = 1 << 29;
pub const EPOLLONESHOT: u32 = 1 << 30;
pub const EPOLLET: u32 = 1 << 31;

pub const EPOLL_CTL_ADD: i64 = 1;
pub const EPOLL_CTL_DEL: i64 = 2;
pub const EPOLL_CTL_MOD: i64 = 3;
/// epoll_create1 flag (= O_CLOEXEC).
pub const EPOLL_CLOEXEC: u32 = super::fcntl::O_CLOEXEC;

/// `struct epoll_event` on arm64: not packed (only x86-64 packs it), so
/// 16 bytes with padding after `events`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpollEvent {
    pub events: u32,
    pub pad: u32,
    pub data: u64,
}
const _: () = assert!(std::mem::size_of::<EpollEvent>() == 16);
const _: () = assert!(std::mem::offset_of!(EpollEvent, data) == 8);
impl Pod for EpollEvent {}
