//! Sockets: address families, types, message flags, option levels and
//! names, and the structs that cross the syscall boundary
//! (include/linux/socket.h, include/uapi/asm-generic/socket.h,
//! include/uapi/linux/in.h, in6.h, un.h, tcp.h).

#![allow(missing_docs)]

use super::Pod;

// Address families (include/linux/socket.h).
pub const AF_UNSPEC: u16 = 0;
pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;
pub const AF_NETLINK: u16 = 16;
pub const AF_PACKET: u16 = 17;
/// AF_MAX: families at or above are EAFNOSUPPORT.
pub const AF_MAX: u16 = 46;

// Socket types (include/linux/net.h) and the flags or'ed into them.
pub const SOCK_STREAM: u32 = 1;
pub const SOCK_DGRAM: u32 = 2;
pub const SOCK_RAW: u32 = 3;
pub const SOCK_RDM: u32 = 4;
pub const SOCK_SEQPACKET: u32 = 5;
pub const SOCK_TYPE_MASK: u32 = 0xf;
pub const SOCK_NONBLOCK: u32 = 0o4000;
pub const SOCK_CLOEXEC: u32 = 0o2_000_000;

// Message flags (include/linux/socket.h).
pub const MSG_OOB: u32 = 0x1;
pub const MSG_PEEK: u32 = 0x2;
pub const MSG_DONTROUTE: u32 = 0x4;
pub const MSG_CTRUNC: u32 = 0x8;
pub const MSG_TRUNC: u32 = 0x20;
pub const MSG_DONTWAIT: u32 = 0x40;
pub const MSG_EOR: u32 = 0x80;
pub const MSG_WAITALL: u32 = 0x100;
pub const MSG_CONFIRM: u32 = 0x800;
pub const MSG_ERRQUEUE: u32 = 0x2000;
pub const MSG_NOSIGNAL: u32 = 0x4000;
pub const MSG_MORE: u32 = 0x8000;
pub const MSG_WAITFORONE: u32 = 0x1_0000;
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

/// Names of message flags, for strace.
pub const MSG_NAMES: &[(u32, &str)] = &[
    (MSG_OOB, "MSG_OOB"),
    (MSG_PEEK, "MSG_PEEK"),
    (MSG_DONTROUTE, "MSG_DONTROUTE"),
    (MSG_CTRUNC, "MSG_CTRUNC"),
    (MSG_TRUNC, "MSG_TRUNC"),
    (MSG_DONTWAIT, "MSG_DONTWAIT"),
    (MSG_EOR, "MSG_EOR"),
    (MSG_WAITALL, "MSG_WAITALL"),
    (MSG_CONFIRM, "MSG_CONFIRM"),
    (MSG_ERRQUEUE, "MSG_ERRQUEUE"),
    (MSG_NOSIGNAL, "MSG_NOSIGNAL"),
    (MSG_MORE, "MSG_MORE"),
    (MSG_WAITFORONE, "MSG_WAITFORONE"),
    (MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"),
];

// shutdown(2) how.
pub const SHUT_RD: u32 = 0;
pub const SHUT_WR: u32 = 1;
pub const SHUT_RDWR: u32 = 2;

// Option levels.
pub const SOL_SOCKET: i32 = 1;
pub const IPPROTO_IP: i32 = 0;
pub const IPPROTO_TCP: i32 = 6;
pub const IPPROTO_UDP: i32 = 17;
pub const IPPROTO_IPV6: i32 = 41;

// SOL_SOCKET options (include/uapi/asm-generic/socket.h).
pub const SO_DEBUG: i32 = 1;
pub const SO_REUSEADDR: i32 = 2;
pub const SO_TYPE: i32 = 3;
pub const SO_ERROR: i32 = 4;
pub const SO_DONTROUTE: i32 = 5;
pub const SO_BROADCAST: i32 = 6;
pub const SO_SNDBUF: i32 = 7;
pub const SO_RCVBUF: i32 = 8;
pub const SO_KEEPALIVE: i32 = 9;
pub const SO_OOBINLINE: i32 = 10;
pub const SO_LINGER: i32 = 13;
pub const SO_REUSEPORT: i32 = 15;
pub const SO_PASSCRED: i32 = 16;
pub const SO_PEERCRED: i32 = 17;
pub const SO_RCVLOWAT: i32 = 18;
pub const SO_SNDLOWAT: i32 = 19;
pub const SO_RCVTIMEO_OLD: i32 = 20;
pub const SO_SNDTIMEO_OLD: i32 = 21;
pub const SO_ACCEPTCONN: i32 = 30;
pub const SO_PROTOCOL: i32 = 38;
pub const SO_DOMAIN: i32 = 39;
pub const SO_RCVTIMEO_NEW: i32 = 66;
pub const SO_SNDTIMEO_NEW: i32 = 67;

// Control message types at SOL_SOCKET.
pub const SCM_RIGHTS: i32 = 1;
pub const SCM_CREDENTIALS: i32 = 2;
/// SCM_MAX_FD: file descriptors in one SCM_RIGHTS message.
pub const SCM_MAX_FD: usize = 253;

// IPPROTO_TCP options (include/uapi/linux/tcp.h).
pub const TCP_NODELAY: i32 = 1;
pub const TCP_MAXSEG: i32 = 2;
pub const TCP_CORK: i32 = 3;
pub const TCP_KEEPIDLE: i32 = 4;
pub const TCP_KEEPINTVL: i32 = 5;
pub const TCP_KEEPCNT: i32 = 6;

// IPPROTO_IP options (include/uapi/linux/in.h).
pub const IP_TOS: i32 = 1;
pub const IP_TTL: i32 = 2;
pub const IP_MULTICAST_TTL: i32 = 33;
pub const IP_MULTICAST_LOOP: i32 = 34;

// IPPROTO_IPV6 options (include/uapi/linux/in6.h).
pub const IPV6_UNICAST_HOPS: i32 = 16;
pub const IPV6_MULTICAST_HOPS: i32 = 18;
pub const IPV6_MULTICAST_LOOP: i32 = 19;
pub const IPV6_V6ONLY: i32 = 26;
pub const IPV6_TCLASS: i32 = 67;

/// `sizeof(struct sockaddr_storage)`: the largest address a call takes.
pub const SOCKADDR_STORAGE: usize = 128;
/// `offsetof(struct sockaddr_un, sun_path)`.
pub const SUN_PATH_OFF: usize = 2;
/// `sizeof(struct sockaddr_un)`.
pub const SOCKADDR_UN: usize = 110;

/// `struct sockaddr_in` (16 bytes; port and address in network order).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockaddrIn {
    pub family: u16,
    pub port: [u8; 2],
    pub addr: [u8; 4],
    pub zero: [u8; 8],
}
const _: () = assert!(std::mem::size_of::<SockaddrIn>() == 16);
impl Pod for SockaddrIn {}

/// `struct sockaddr_in6` (28 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockaddrIn6 {
    pub family: u16,
    pub port: [u8; 2],
    pub flowinfo: [u8; 4],
    pub addr: [u8; 16],
    pub scope_id: u32,
}
const _: () = assert!(std::mem::size_of::<SockaddrIn6>() == 28);
impl Pod for SockaddrIn6 {}
/// SIN6_LEN_RFC2133: the shortest AF_INET6 address Linux accepts.
pub const SIN6_LEN_RFC2133: usize = 24;

/// `struct user_msghdr` (56 bytes on 64-bit).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Msghdr {
    pub name: u64,
    pub namelen: u32,
    pub pad0: u32,
    pub iov: u64,
    pub iovlen: u64,
    pub control: u64,
    pub controllen: u64,
    pub flags: u32,
    pub pad1: u32,
}
const _: () = assert!(std::mem::size_of::<Msghdr>() == 56);
impl Pod for Msghdr {}
/// Offset of `msg_namelen` in [`Msghdr`].
pub const MSG_NAMELEN_OFF: u64 = 8;
/// Offset of `msg_controllen` in [`Msghdr`].
pub const MSG_CONTROLLEN_OFF: u64 = 40;
/// Offset of `msg_flags` in [`Msghdr`].
pub const MSG_FLAGS_OFF: u64 = 48;

/// `struct mmsghdr`: a msghdr and the byte count of its message.
pub const MMSGHDR_SIZE: u64 = 64;
/// Offset of `msg_len` in `struct mmsghdr`.
pub const MMSG_LEN_OFF: u64 = 56;

/// `struct cmsghdr` (16 bytes; data follows, 8-byte aligned).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cmsghdr {
    pub len: u64,
    pub level: i32,
    pub ty: i32,
}
const _: () = assert!(std::mem::size_of::<Cmsghdr>() == 16);
impl Pod for Cmsghdr {}

/// `CMSG_ALIGN`.
pub const fn cmsg_align(n: usize) -> usize {
    (n + 7) & !7
}
/// `CMSG_LEN`.
pub const fn cmsg_len(n: usize) -> usize {
    std::mem::size_of::<Cmsghdr>() + n
}
/// `CMSG_SPACE`.
pub const fn cmsg_space(n: usize) -> usize {
    std::mem::size_of::<Cmsghdr>() + cmsg_align(n)
}

/// `struct ucred` (SO_PEERCRED, SCM_CREDENTIALS).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ucred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}
const _: () = assert!(std::mem::size_of::<Ucred>() == 12);
impl Pod for Ucred {}

/// `struct linger`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Linger {
    pub onoff: i32,
    pub linger: i32,
}
const _: () = assert!(std::mem::size_of::<Linger>() == 8);
impl Pod for Linger {}

/// `struct __kernel_sock_timeval` / 64-bit `struct timeval`
/// (SO_RCVTIMEO, SO_SNDTIMEO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeval {
    pub sec: i64,
    pub usec: i64,
}
const _: () = assert!(std::mem::size_of::<Timeval>() == 16);
impl Pod for Timeval {}

/// Name of an address family, for strace.
pub fn family_name(f: u64) -> Option<&'static str> {
    let f = u16::try_from(f).ok()?;
    Some(match f {
        AF_UNSPEC => "AF_UNSPEC",
        AF_UNIX => "AF_UNIX",
        AF_INET => "AF_INET",
        AF_INET6 => "AF_INET6",
        AF_NETLINK => "AF_NETLINK",
        AF_PACKET => "AF_PACKET",
        _ => return None,
    })
}

/// A socket type with its flags, for strace (`SOCK_STREAM|SOCK_CLOEXEC`).
pub fn type_name(t: u32) -> String {
    let base = match t & SOCK_TYPE_MASK {
        SOCK_STREAM => "SOCK_STREAM".to_string(),
        SOCK_DGRAM => "SOCK_DGRAM".to_string(),
        SOCK_RAW => "SOCK_RAW".to_string(),
        SOCK_RDM => "SOCK_RDM".to_string(),
        SOCK_SEQPACKET => "SOCK_SEQPACKET".to_string(),
        n => n.to_string(),
    };
    let mut s = base;
    if t & SOCK_NONBLOCK != 0 {
        s.push_str("|SOCK_NONBLOCK");
    }
    if t & SOCK_CLOEXEC != 0 {
        s.push_str("|SOCK_CLOEXEC");
    }
    let rest = t & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC);
    if rest != 0 {
        s.push_str(&format!("|{rest:#x}"));
    }
    s
}

/// Name of an option level, for strace.
pub fn level_name(l: i32) -> Option<&'static str> {
    Some(match l {
        SOL_SOCKET => "SOL_SOCKET",
        IPPROTO_IP => "SOL_IP",
        IPPROTO_TCP => "SOL_TCP",
        IPPROTO_UDP => "SOL_UDP",
        IPPROTO_IPV6 => "SOL_IPV6",
        _ => return None,
    })
}

/// Name of a SOL_SOCKET option, for strace.
pub fn so_name(o: i32) -> Option<&'static str> {
    Some(match o {
        SO_DEBUG => "SO_DEBUG",
        SO_REUSEADDR => "SO_REUSEADDR",
        SO_TYPE => "SO_TYPE",
        SO_ERROR => "SO_ERROR",
        SO_DONTROUTE => "SO_DONTROUTE",
        SO_BROADCAST => "SO_BROADCAST",
        SO_SNDBUF => "SO_SNDBUF",
        SO_RCVBUF => "SO_RCVBUF",
        SO_KEEPALIVE => "SO_KEEPALIVE",
        SO_OOBINLINE => "SO_OOBINLINE",
        SO_LINGER => "SO_LINGER",
        SO_REUSEPORT => "SO_REUSEPORT",
        SO_PASSCRED => "SO_PASSCRED",
        SO_PEERCRED => "SO_PEERCRED",
        SO_RCVLOWAT => "SO_RCVLOWAT",
        SO_SNDLOWAT => "SO_SNDLOWAT",
        SO_RCVTIMEO_OLD => "SO_RCVTIMEO_OLD",
        SO_SNDTIMEO_OLD => "SO_SNDTIMEO_OLD",
        SO_ACCEPTCONN => "SO_ACCEPTCONN",
        SO_PROTOCOL => "SO_PROTOCOL",
        SO_DOMAIN => "SO_DOMAIN",
        SO_RCVTIMEO_NEW => "SO_RCVTIMEO_NEW",
        SO_SNDTIMEO_NEW => "SO_SNDTIMEO_NEW",
        _ => return None,
    })
}
