//! Terminal ioctls and `struct termios` (include/uapi/asm-generic/ioctls.h,
//! termbits.h).

#![allow(missing_docs)]

use super::Pod;

pub const TCGETS: u64 = 0x5401;
pub const TCSETS: u64 = 0x5402;
pub const TCSETSW: u64 = 0x5403;
pub const TCSETSF: u64 = 0x5404;
pub const TIOCGPGRP: u64 = 0x540f;
pub const TIOCSPGRP: u64 = 0x5410;
pub const TIOCGWINSZ: u64 = 0x5413;
pub const TIOCSWINSZ: u64 = 0x5414;
pub const FIONREAD: u64 = 0x541b;
pub const FIONBIO: u64 = 0x5421;
pub const FIONCLEX: u64 = 0x5450;
pub const FIOCLEX: u64 = 0x5451;

/// The kernel's `struct termios` (36 bytes; NCCS = 19).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Termios {
    pub c_iflag: u32,
    pub c_oflag: u32,
    pub c_cflag: u32,
    pub c_lflag: u32,
    pub c_line: u8,
    pub c_cc: [u8; 19],
}
const _: () = assert!(std::mem::size_of::<Termios>() == 36);
impl Pod for Termios {}

/// `struct winsize`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Winsize {
    pub ws_row: u16,
    pub ws_col: u16,
    pub ws_xpixel: u16,
    pub ws_ypixel: u16,
}
const _: () = assert!(std::mem::size_of::<Winsize>() == 8);
impl Pod for Winsize {}

// Linux c_cc indices.
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSTART: usize = 8;
pub const VSTOP: usize = 9;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VREPRINT: usize = 12;
pub const VDISCARD: usize = 13;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const VEOL2: usize = 16;

type FlagMap = &'static [(u32, libc::tcflag_t)];

const IFLAGS: FlagMap = &[
    (0o1, libc::IGNBRK),
    (0o2, libc::BRKINT),
    (0o4, libc::IGNPAR),
    (0o10, libc::PARMRK),
    (0o20, libc::INPCK),
    (0o40, libc::ISTRIP),
    (0o100, libc::INLCR),
    (0o200, libc::IGNCR),
    (0o400, libc::ICRNL),
    (0o2000, libc::IXON),
    (0o4000, libc::IXANY),
    (0o10000, libc::IXOFF),
    (0o20000, libc::IMAXBEL),
    (0o40000, libc::IUTF8),
];
const OFLAGS: FlagMap = &[(0o1, libc::OPOST), (0o4, libc::ONLCR), (0o10, libc::OCRNL)];
const CFLAGS: FlagMap = &[
    (0o60, libc::CSIZE),
    (0o100, libc::CSTOPB),
    (0o200, libc::CREAD),
    (0o400, libc::PARENB),
    (0o1000, libc::PARODD),
    (0o2000, libc::HUPCL),
    (0o4000, libc::CLOCAL),
];
const LFLAGS: FlagMap = &[
    (0o1, libc::ISIG),
    (0o2, libc::ICANON),
    (0o10, libc::ECHO),
    (0o20, libc::ECHOE),
    (0o40, libc::ECHOK),
    (0o100, libc::ECHONL),
    (0o200, libc::NOFLSH),
    (0o400, libc::TOSTOP),
    (0o1000, libc::ECHOCTL),
    (0o4000, libc::ECHOKE),
    (0o100000, libc::IEXTEN),
];
const CC: &[(usize, usize)] = &[
    (VINTR, libc::VINTR),
    (VQUIT, libc::VQUIT),
    (VERASE, libc::VERASE),
    (VKILL, libc::VKILL),
    (VEOF, libc::VEOF),
    (VTIME, libc::VTIME),
    (VMIN, libc::VMIN),
    (VSTART, libc::VSTART),
    (VSTOP, libc::VSTOP),
    (VSUSP, libc::VSUSP),
    (VEOL, libc::VEOL),
    (VREPRINT, libc::VREPRINT),
    (VDISCARD, libc::VDISCARD),
    (VWERASE, libc::VWERASE),
    (VLNEXT, libc::VLNEXT),
    (VEOL2, libc::VEOL2),
];

fn to_linux(map: FlagMap, host: libc::tcflag_t) -> u32 {
    map.iter().filter(|(_, h)| host & h == *h && *h != 0).fold(0, |acc, (l, _)| acc | l)
}

fn to_host(map: FlagMap, linux: u32) -> libc::tcflag_t {
    map.iter().filter(|(l, _)| linux & l == *l).fold(0, |acc, (_, h)| acc | h)
}

/// Translate the host's termios to Linux's, field by field.
pub fn from_host(t: &libc::termios) -> Termios {
    let mut out = Termios {
        c_iflag: to_linux(IFLAGS, t.c_iflag),
        c_oflag: to_linux(OFLAGS, t.c_oflag),
        c_lflag: to_linux(LFLAGS, t.c_lflag),
        ..Termios::default()
    };
    // CSIZE is a 2-bit field: CS5..CS8 = 0, 0o20, 0o40, 0o60 on Linux.
    let cs = match t.c_cflag & libc::CSIZE {
        x if x == libc::CS5 => 0,
        x if x == libc::CS6 => 0o20,
        x if x == libc::CS7 => 0o40,
        _ => 0o60,
    };
    out.c_cflag = (to_linux(&CFLAGS[1..], t.c_cflag)) | cs | 0o17; // B38400 as speed
    for &(l, h) in CC {
        out.c_cc[l] = t.c_cc[h];
    }
    out
}

/// Apply a Linux termios onto the host's (keeping host-only fields).
pub fn to_host_termios(l: &Termios, t: &mut libc::termios) {
    let keep = |mask: FlagMap, v: libc::tcflag_t| v & !mask.iter().fold(0, |a, (_, h)| a | h);
    t.c_iflag = keep(IFLAGS, t.c_iflag) | to_host(IFLAGS, l.c_iflag);
    t.c_oflag = keep(OFLAGS, t.c_oflag) | to_host(OFLAGS, l.c_oflag);
    t.c_lflag = keep(LFLAGS, t.c_lflag) | to_host(LFLAGS, l.c_lflag);
    let cs = match l.c_cflag & 0o60 {
        0 => libc::CS5,
        0o20 => libc::CS6,
        0o40 => libc::CS7,
        _ => libc::CS8,
    };
    t.c_cflag = keep(CFLAGS, t.c_cflag) | to_host(&CFLAGS[1..], l.c_cflag) | cs;
    for &(li, h) in CC {
        t.c_cc[h] = l.c_cc[li];
    }
}

/// More terminal ioctls (include/uapi/asm-generic/ioctls.h).
pub const TCSBRK: u64 = 0x5409;
pub const TCXONC: u64 = 0x540a;
pub const TCFLSH: u64 = 0x540b;
pub const TIOCEXCL: u64 = 0x540c;
pub const TIOCNXCL: u64 = 0x540d;
pub const TIOCSCTTY: u64 = 0x540e;
pub const TIOCOUTQ: u64 = 0x5411;
pub const TIOCNOTTY: u64 = 0x5422;
pub const TIOCGSID: u64 = 0x5429;
pub const FIOASYNC: u64 = 0x5452;

/// tcflush queue selectors and tcflow actions (include/uapi/asm-generic/termbits.h).
pub const TCIFLUSH: u64 = 0;
pub const TCOFLUSH: u64 = 1;
pub const TCIOFLUSH: u64 = 2;
pub const TCOOFF: u64 = 0;
pub const TCOON: u64 = 1;
pub const TCIOFF: u64 = 2;
pub const TCION: u64 = 3;

/// Pseudo-terminal ioctls (_IOR('T', 0x30, int), _IOW('T', 0x31, int)).
pub const TIOCGPTN: u64 = 0x8004_5430;
pub const TIOCSPTLCK: u64 = 0x4004_5431;
/// TIOCGPTPEER: open the peer (slave) of a pty master (`_IO('T', 0x41)`).
pub const TIOCGPTPEER: u64 = 0x5441;
