//! The syscall table: every Linux aarch64 (asm-generic) syscall by number,
//! with its handler, how well elfuse supports it, and the argument shapes
//! strace prints. The table is the compatibility document:
//! `docs/syscalls.md` is generated from it (see `render_markdown`).

use super::strace::{Arg as A, Ret};
use super::{
    sys_attr as at, sys_block as bl, sys_cred as cr, sys_exec as x, sys_file as f, sys_fs as fsy, sys_futex as fx,
    sys_info as i, sys_io as io, sys_mem as m, sys_net as n, sys_poll as po, sys_proc as p, sys_process as pr,
    sys_sched as sc, sys_signal as s, sys_signalfd as sfd, sys_time as t, sys_timer as tm, sys_tty as tt, Handler,
};

/// How completely a syscall is implemented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Linux semantics.
    Supported,
    /// Works for common use; the note says what is missing.
    Partial(&'static str),
    /// Returns ENOSYS; the note says why or when.
    Unimplemented(&'static str),
}

/// One table entry.
#[derive(Clone, Copy)]
pub struct Entry {
    /// aarch64 syscall number.
    pub nr: u64,
    /// Kernel name.
    pub name: &'static str,
    /// Handler (None = ENOSYS).
    pub handler: Option<Handler>,
    /// Support level.
    pub status: Status,
    /// Argument shapes for strace.
    pub args: &'static [A],
    /// Return shape for strace.
    pub ret: Ret,
    /// Which test exercises it.
    pub test: &'static str,
}

const fn sup(nr: u64, name: &'static str, h: Handler, args: &'static [A], ret: Ret, test: &'static str) -> Entry {
    Entry { nr, name, handler: Some(h), status: Status::Supported, args, ret, test }
}
const fn part(
    nr: u64,
    name: &'static str,
    h: Handler,
    args: &'static [A],
    ret: Ret,
    note: &'static str,
    test: &'static str,
) -> Entry {
    Entry { nr, name, handler: Some(h), status: Status::Partial(note), args, ret, test }
}
const fn no(nr: u64, name: &'static str) -> Entry {
    Entry { nr, name, handler: None, status: Status::Unimplemented(""), args: &[], ret: Ret::Int, test: "" }
}
const fn non(nr: u64, name: &'static str, note: &'static str) -> Entry {
    Entry { nr, name, handler: None, status: Status::Unimplemented(note), args: &[], ret: Ret::Int, test: "" }
}

use Handler::{Control as C, Cpu as X, Plain as P, Task as T};
use Ret::{Hex as RH, Int as RI};

const FS_FILES: &str = "guest: fileio, fs_files";
const FS_IO: &str = "guest: fs_io";
const FS_ESCAPE: &str = "guest: fs_escape";
const FS_POLL: &str = "guest: fs_poll";
const FS_IDENT: &str = "guest: fs_ident";
const FS_MISC: &str = "guest: fs_misc";
const TIME: &str = "guest: sysinfo, fs_misc";
const BASIC: &str = "guest: hello, args";
const MEM: &str = "guest: malloc_stress";
const INFO: &str = "guest: sysinfo";
const SIG: &str = "guest: signals";
const SIGFD: &str = "guest: signalfd";
const NET: &str = "guest: net";

/// The table, sorted by number.
pub static TABLE: &[Entry] = &[
    no(0, "io_setup"),
    no(1, "io_destroy"),
    no(2, "io_submit"),
    no(3, "io_cancel"),
    no(4, "io_getevents"),
    part(
        5,
        "setxattr",
        P(at::setxattr),
        &[A::Path, A::Path, A::Ptr, A::UInt, A::Hex],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        6,
        "lsetxattr",
        P(at::lsetxattr),
        &[A::Path, A::Path, A::Ptr, A::UInt, A::Hex],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        7,
        "fsetxattr",
        P(at::fsetxattr),
        &[A::Fd, A::Path, A::Ptr, A::UInt, A::Hex],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        8,
        "getxattr",
        P(at::getxattr),
        &[A::Path, A::Path, A::Ptr, A::UInt],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        9,
        "lgetxattr",
        P(at::lgetxattr),
        &[A::Path, A::Path, A::Ptr, A::UInt],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        10,
        "fgetxattr",
        P(at::fgetxattr),
        &[A::Fd, A::Path, A::Ptr, A::UInt],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        11,
        "listxattr",
        P(at::listxattr),
        &[A::Path, A::Ptr, A::UInt],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        12,
        "llistxattr",
        P(at::llistxattr),
        &[A::Path, A::Ptr, A::UInt],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        13,
        "flistxattr",
        P(at::flistxattr),
        &[A::Fd, A::Ptr, A::UInt],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        14,
        "removexattr",
        P(at::removexattr),
        &[A::Path, A::Path],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        15,
        "lremovexattr",
        P(at::lremovexattr),
        &[A::Path, A::Path],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    part(
        16,
        "fremovexattr",
        P(at::fremovexattr),
        &[A::Fd, A::Path],
        RI,
        "host xattrs (Linux hosts; ENOTSUP elsewhere); symlinks carry none",
        FS_MISC,
    ),
    sup(17, "getcwd", P(fsy::getcwd), &[A::OutStr, A::UInt], RI, FS_FILES),
    no(18, "lookup_dcookie"),
    sup(19, "eventfd2", P(f::eventfd2), &[A::UInt, A::OpenFlags], RI, FS_POLL),
    sup(20, "epoll_create1", P(po::epoll_create1), &[A::OpenFlags], RI, FS_POLL),
    sup(21, "epoll_ctl", P(po::epoll_ctl), &[A::Fd, A::Int, A::Fd, A::Ptr], RI, FS_POLL),
    sup(
        22,
        "epoll_pwait",
        T(bl::epoll_pwait),
        &[A::Fd, A::Ptr, A::Int, A::Int, A::Ptr, A::UInt],
        RI,
        "guest: fs_poll, signals",
    ),
    sup(23, "dup", P(f::dup), &[A::Fd], RI, FS_FILES),
    sup(24, "dup3", P(f::dup3), &[A::Fd, A::Fd, A::OpenFlags], RI, FS_FILES),
    part(
        25,
        "fcntl",
        P(f::fcntl),
        &[A::Fd, A::Int, A::Hex],
        RI,
        "F_SETOWN/F_SETSIG accepted without SIGIO; no leases or F_NOTIFY",
        FS_FILES,
    ),
    no(26, "inotify_init1"),
    no(27, "inotify_add_watch"),
    no(28, "inotify_rm_watch"),
    part(
        29,
        "ioctl",
        P(tt::ioctl),
        &[A::Fd, A::Hex, A::Hex],
        RI,
        "terminal (termios, winsize, pgrp, ctty, flush/flow) and FIONREAD/FIONBIO/FIOASYNC/FIOCLEX; others ENOTTY",
        FS_IO,
    ),
    no(30, "ioprio_set"),
    no(31, "ioprio_get"),
    sup(32, "flock", P(f::flock), &[A::Fd, A::Int], RI, FS_FILES),
    part(
        33,
        "mknodat",
        P(fsy::mknodat),
        &[A::DirFd, A::Path, A::Oct, A::Hex],
        RI,
        "FIFOs, sockets, regular files; devices EPERM",
        FS_FILES,
    ),
    sup(34, "mkdirat", P(fsy::mkdirat), &[A::DirFd, A::Path, A::Oct], RI, FS_FILES),
    sup(35, "unlinkat", P(fsy::unlinkat), &[A::DirFd, A::Path, A::Hex], RI, FS_FILES),
    sup(36, "symlinkat", P(fsy::symlinkat), &[A::Path, A::DirFd, A::Path], RI, FS_FILES),
    sup(37, "linkat", P(fsy::linkat), &[A::DirFd, A::Path, A::DirFd, A::Path, A::Hex], RI, FS_FILES),
    sup(38, "renameat", P(fsy::renameat), &[A::DirFd, A::Path, A::DirFd, A::Path], RI, FS_FILES),
    no(39, "umount2"),
    no(40, "mount"),
    no(41, "pivot_root"),
    non(42, "nfsservctl", "removed in Linux 3.1"),
    sup(43, "statfs", P(at::statfs), &[A::Path, A::Ptr], RI, FS_MISC),
    sup(44, "fstatfs", P(at::fstatfs), &[A::Fd, A::Ptr], RI, FS_MISC),
    sup(45, "truncate", P(at::truncate), &[A::Path, A::Int], RI, FS_IO),
    sup(46, "ftruncate", P(io::ftruncate), &[A::Fd, A::Int], RI, FS_IO),
    sup(47, "fallocate", P(io::fallocate), &[A::Fd, A::Int, A::Int, A::Int], RI, FS_IO),
    sup(48, "faccessat", P(fsy::faccessat), &[A::DirFd, A::Path, A::Oct], RI, FS_FILES),
    sup(49, "chdir", P(fsy::chdir), &[A::Path], RI, FS_ESCAPE),
    sup(50, "fchdir", P(fsy::fchdir), &[A::Fd], RI, FS_ESCAPE),
    part(51, "chroot", P(fsy::chroot), &[A::Path], RI, "inside the current root; needs euid 0 (--fakeroot)", FS_ESCAPE),
    sup(52, "fchmod", P(at::fchmod), &[A::Fd, A::Oct], RI, FS_FILES),
    sup(53, "fchmodat", P(at::fchmodat), &[A::DirFd, A::Path, A::Oct], RI, FS_FILES),
    sup(54, "fchownat", P(at::fchownat), &[A::DirFd, A::Path, A::Int, A::Int, A::Hex], RI, FS_IDENT),
    sup(55, "fchown", P(at::fchown), &[A::Fd, A::Int, A::Int], RI, FS_IDENT),
    sup(56, "openat", P(fsy::openat), &[A::DirFd, A::Path, A::OpenFlags, A::Oct], RI, FS_FILES),
    sup(57, "close", P(f::close), &[A::Fd], RI, FS_FILES),
    no(58, "vhangup"),
    sup(59, "pipe2", P(f::pipe2), &[A::Ptr, A::OpenFlags], RI, FS_POLL),
    no(60, "quotactl"),
    part(
        61,
        "getdents64",
        P(f::getdents64),
        &[A::Fd, A::Ptr, A::UInt],
        RI,
        "the host's records and d_off cookies (Linux hosts only)",
        FS_FILES,
    ),
    sup(62, "lseek", P(io::lseek), &[A::Fd, A::Int, A::Whence], RI, FS_IO),
    sup(63, "read", T(bl::read), &[A::Fd, A::OutBuf, A::UInt], RI, FS_IO),
    sup(64, "write", T(bl::write), &[A::Fd, A::InBuf(2), A::UInt], RI, BASIC),
    sup(65, "readv", T(bl::readv), &[A::Fd, A::Ptr, A::Int], RI, FS_IO),
    sup(66, "writev", T(bl::writev), &[A::Fd, A::Ptr, A::Int], RI, FS_IO),
    sup(67, "pread64", P(io::pread64), &[A::Fd, A::OutBuf, A::UInt, A::Int], RI, FS_IO),
    sup(68, "pwrite64", P(io::pwrite64), &[A::Fd, A::InBuf(2), A::UInt, A::Int], RI, FS_IO),
    sup(69, "preadv", P(io::preadv), &[A::Fd, A::Ptr, A::Int, A::Int], RI, FS_IO),
    sup(70, "pwritev", P(io::pwritev), &[A::Fd, A::Ptr, A::Int, A::Int], RI, FS_IO),
    sup(71, "sendfile", P(io::sendfile), &[A::Fd, A::Fd, A::Ptr, A::UInt], RI, FS_IO),
    sup(
        72,
        "pselect6",
        T(bl::pselect6),
        &[A::Int, A::Ptr, A::Ptr, A::Ptr, A::Ptr, A::Ptr],
        RI,
        "guest: fs_poll, signals",
    ),
    sup(73, "ppoll", T(bl::ppoll), &[A::Ptr, A::UInt, A::Ptr, A::Ptr, A::UInt], RI, "guest: fs_poll, signals"),
    part(
        74,
        "signalfd4",
        P(sfd::signalfd4),
        &[A::Fd, A::Ptr, A::UInt, A::OpenFlags],
        RI,
        "read(2) only (not readv); a fork child's copy keeps its own mask (Linux shares one context)",
        SIGFD,
    ),
    no(75, "vmsplice"),
    no(76, "splice"),
    no(77, "tee"),
    sup(78, "readlinkat", P(fsy::readlinkat), &[A::DirFd, A::Path, A::OutBuf, A::UInt], RI, FS_ESCAPE),
    sup(79, "newfstatat", P(fsy::newfstatat), &[A::DirFd, A::Path, A::Ptr, A::Hex], RI, FS_FILES),
    sup(80, "fstat", P(fsy::fstat), &[A::Fd, A::Ptr], RI, FS_FILES),
    sup(81, "sync", P(io::sync), &[], RI, FS_IO),
    sup(82, "fsync", P(io::fsync), &[A::Fd], RI, FS_IO),
    sup(83, "fdatasync", P(io::fdatasync), &[A::Fd], RI, FS_IO),
    no(84, "sync_file_range"),
    no(85, "timerfd_create"),
    no(86, "timerfd_settime"),
    no(87, "timerfd_gettime"),
    sup(88, "utimensat", P(at::utimensat), &[A::DirFd, A::Path, A::Ptr, A::Hex], RI, FS_FILES),
    no(89, "acct"),
    sup(90, "capget", P(cr::capget), &[A::Ptr, A::Ptr], RI, FS_IDENT),
    part(91, "capset", P(cr::capset), &[A::Ptr, A::Ptr], RI, "raising needs euid 0; nothing is recorded", FS_IDENT),
    part(92, "personality", P(sc::personality), &[A::Hex], RI, "recorded; every persona runs as PER_LINUX", FS_MISC),
    sup(93, "exit", C(p::exit), &[A::Int], RI, BASIC),
    sup(94, "exit_group", C(p::exit_group), &[A::Int], RI, BASIC),
    part(
        95,
        "waitid",
        P(pr::waitid),
        &[A::Int, A::Int, A::Ptr, A::Hex, A::Ptr],
        RI,
        "rusage reported as zero",
        "guest: fork",
    ),
    sup(96, "set_tid_address", P(p::set_tid_address), &[A::Ptr], RI, BASIC),
    no(97, "unshare"),
    part(
        98,
        "futex",
        T(fx::futex),
        &[A::Ptr, A::Int, A::UInt, A::Ptr, A::Ptr, A::UInt],
        RI,
        "no PI or robust-futex ops; waiters poll for signals every 20 ms",
        "guest: threads",
    ),
    part(
        99,
        "set_robust_list",
        P(p::set_robust_list),
        &[A::Ptr, A::UInt],
        RI,
        "recorded; walked at thread exit once threads exist",
        BASIC,
    ),
    no(100, "get_robust_list"),
    sup(101, "nanosleep", T(bl::nanosleep), &[A::Ptr, A::Ptr], RI, TIME),
    sup(102, "getitimer", P(tm::getitimer), &[A::Int, A::Ptr], RI, "guest: timers"),
    sup(103, "setitimer", P(tm::setitimer), &[A::Int, A::Ptr, A::Ptr], RI, "guest: timers"),
    no(104, "kexec_load"),
    no(105, "init_module"),
    no(106, "delete_module"),
    part(
        107,
        "timer_create",
        P(tm::timer_create),
        &[A::Clock, A::Ptr, A::Ptr],
        RI,
        "SIGEV_SIGNAL/SIGEV_NONE with signals 1-31; no SIGEV_THREAD_ID yet",
        "guest: timers",
    ),
    sup(108, "timer_gettime", P(tm::timer_gettime), &[A::Int, A::Ptr], RI, "guest: timers"),
    sup(109, "timer_getoverrun", P(tm::timer_getoverrun), &[A::Int], RI, "guest: timers"),
    sup(110, "timer_settime", P(tm::timer_settime), &[A::Int, A::Hex, A::Ptr, A::Ptr], RI, "guest: timers"),
    sup(111, "timer_delete", P(tm::timer_delete), &[A::Int], RI, "guest: timers"),
    no(112, "clock_settime"),
    sup(113, "clock_gettime", P(t::clock_gettime), &[A::Clock, A::Ptr], RI, TIME),
    sup(114, "clock_getres", P(t::clock_getres), &[A::Clock, A::Ptr], RI, TIME),
    sup(115, "clock_nanosleep", T(bl::clock_nanosleep), &[A::Clock, A::Hex, A::Ptr, A::Ptr], RI, TIME),
    no(116, "syslog"),
    no(117, "ptrace"),
    sup(118, "sched_setparam", P(sc::sched_setparam), &[A::Int, A::Ptr], RI, FS_MISC),
    part(
        119,
        "sched_setscheduler",
        P(sc::sched_setscheduler),
        &[A::Int, A::Int, A::Ptr],
        RI,
        "SCHED_OTHER/BATCH/IDLE; real-time EPERM",
        FS_MISC,
    ),
    sup(120, "sched_getscheduler", P(sc::sched_getscheduler), &[A::Int], RI, FS_MISC),
    sup(121, "sched_getparam", P(sc::sched_getparam), &[A::Int, A::Ptr], RI, FS_MISC),
    part(
        122,
        "sched_setaffinity",
        P(sc::sched_setaffinity),
        &[A::Int, A::UInt, A::Ptr],
        RI,
        "validated, not applied to host threads",
        FS_MISC,
    ),
    sup(123, "sched_getaffinity", P(i::sched_getaffinity), &[A::Int, A::UInt, A::Ptr], RI, TIME),
    sup(124, "sched_yield", P(i::sched_yield), &[], RI, TIME),
    sup(125, "sched_get_priority_max", P(sc::sched_get_priority_max), &[A::Int], RI, FS_MISC),
    sup(126, "sched_get_priority_min", P(sc::sched_get_priority_min), &[A::Int], RI, FS_MISC),
    sup(127, "sched_rr_get_interval", P(sc::sched_rr_get_interval), &[A::Int, A::Ptr], RI, FS_MISC),
    no(128, "restart_syscall"),
    sup(129, "kill", P(s::kill), &[A::Int, A::Signal], RI, SIG),
    sup(130, "tkill", P(s::tkill), &[A::Int, A::Signal], RI, SIG),
    sup(131, "tgkill", P(s::tgkill), &[A::Int, A::Int, A::Signal], RI, SIG),
    sup(132, "sigaltstack", X(s::sigaltstack), &[A::Ptr, A::Ptr], RI, SIG),
    sup(133, "rt_sigsuspend", T(s::rt_sigsuspend), &[A::Ptr, A::UInt], RI, SIG),
    sup(134, "rt_sigaction", P(s::rt_sigaction), &[A::Signal, A::Ptr, A::Ptr, A::UInt], RI, SIG),
    sup(135, "rt_sigprocmask", P(s::rt_sigprocmask), &[A::Int, A::Ptr, A::Ptr, A::UInt], RI, SIG),
    sup(136, "rt_sigpending", P(s::rt_sigpending), &[A::Ptr, A::UInt], RI, SIG),
    sup(137, "rt_sigtimedwait", T(s::rt_sigtimedwait), &[A::Ptr, A::Ptr, A::Ptr, A::UInt], RI, SIG),
    sup(138, "rt_sigqueueinfo", P(s::rt_sigqueueinfo), &[A::Int, A::Signal, A::Ptr], RI, SIG),
    sup(139, "rt_sigreturn", X(s::rt_sigreturn), &[], RI, SIG),
    sup(140, "setpriority", P(sc::setpriority), &[A::Int, A::Int, A::Int], RI, FS_MISC),
    sup(141, "getpriority", P(sc::getpriority), &[A::Int, A::Int], RI, FS_MISC),
    no(142, "reboot"),
    part(
        143,
        "setregid",
        P(cr::setregid),
        &[A::Int, A::Int],
        RI,
        "the guest's recorded ids; the host process keeps its own",
        FS_IDENT,
    ),
    part(
        144,
        "setgid",
        P(cr::setgid),
        &[A::Int],
        RI,
        "the guest's recorded ids; the host process keeps its own",
        FS_IDENT,
    ),
    part(
        145,
        "setreuid",
        P(cr::setreuid),
        &[A::Int, A::Int],
        RI,
        "the guest's recorded ids; the host process keeps its own",
        FS_IDENT,
    ),
    part(
        146,
        "setuid",
        P(cr::setuid),
        &[A::Int],
        RI,
        "the guest's recorded ids; the host process keeps its own",
        FS_IDENT,
    ),
    part(
        147,
        "setresuid",
        P(cr::setresuid),
        &[A::Int, A::Int, A::Int],
        RI,
        "the guest's recorded ids; the host process keeps its own",
        FS_IDENT,
    ),
    sup(148, "getresuid", P(cr::getresuid), &[A::Ptr, A::Ptr, A::Ptr], RI, FS_IDENT),
    part(
        149,
        "setresgid",
        P(cr::setresgid),
        &[A::Int, A::Int, A::Int],
        RI,
        "the guest's recorded ids; the host process keeps its own",
        FS_IDENT,
    ),
    sup(150, "getresgid", P(cr::getresgid), &[A::Ptr, A::Ptr, A::Ptr], RI, FS_IDENT),
    part(
        151,
        "setfsuid",
        P(cr::setfsuid),
        &[A::Int],
        RI,
        "the guest's recorded ids; the host process keeps its own",
        FS_IDENT,
    ),
    part(
        152,
        "setfsgid",
        P(cr::setfsgid),
        &[A::Int],
        RI,
        "the guest's recorded ids; the host process keeps its own",
        FS_IDENT,
    ),
    sup(153, "times", P(t::times), &[A::Ptr], RI, TIME),
    part(154, "setpgid", P(p::setpgid), &[A::Int, A::Int], RI, "own process only", INFO),
    sup(155, "getpgid", P(p::getpgid), &[A::Int], RI, INFO),
    sup(156, "getsid", P(p::getsid), &[A::Int], RI, INFO),
    sup(157, "setsid", P(pr::setsid), &[], RI, "guest: fork"),
    sup(158, "getgroups", P(cr::getgroups), &[A::Int, A::Ptr], RI, FS_IDENT),
    part(159, "setgroups", P(cr::setgroups), &[A::Int, A::Ptr], RI, "recorded for the guest; needs euid 0", FS_IDENT),
    sup(160, "uname", P(i::uname), &[A::Ptr], RI, INFO),
    no(161, "sethostname"),
    no(162, "setdomainname"),
    sup(163, "getrlimit", P(p::getrlimit), &[A::Int, A::Ptr], RI, INFO),
    sup(164, "setrlimit", P(p::setrlimit), &[A::Int, A::Ptr], RI, INFO),
    sup(165, "getrusage", P(t::getrusage), &[A::Int, A::Ptr], RI, TIME),
    sup(166, "umask", P(f::umask), &[A::Oct], RI, FS_FILES),
    part(
        167,
        "prctl",
        P(p::prctl),
        &[A::Int, A::Hex, A::Hex, A::Hex, A::Hex],
        RI,
        "PR_SET_NAME/PR_GET_NAME; others EINVAL",
        INFO,
    ),
    sup(168, "getcpu", P(i::getcpu), &[A::Ptr, A::Ptr, A::Ptr], RI, INFO),
    sup(169, "gettimeofday", P(t::gettimeofday), &[A::Ptr, A::Ptr], RI, TIME),
    no(170, "settimeofday"),
    no(171, "adjtimex"),
    sup(172, "getpid", P(p::getpid), &[], RI, BASIC),
    sup(173, "getppid", P(p::getppid), &[], RI, BASIC),
    sup(174, "getuid", P(cr::getuid), &[], RI, FS_IDENT),
    sup(175, "geteuid", P(cr::geteuid), &[], RI, FS_IDENT),
    sup(176, "getgid", P(cr::getgid), &[], RI, FS_IDENT),
    sup(177, "getegid", P(cr::getegid), &[], RI, FS_IDENT),
    sup(178, "gettid", P(p::gettid), &[], RI, BASIC),
    sup(179, "sysinfo", P(i::sysinfo), &[A::Ptr], RI, INFO),
    no(180, "mq_open"),
    no(181, "mq_unlink"),
    no(182, "mq_timedsend"),
    no(183, "mq_timedreceive"),
    no(184, "mq_notify"),
    no(185, "mq_getsetattr"),
    no(186, "msgget"),
    no(187, "msgctl"),
    no(188, "msgrcv"),
    no(189, "msgsnd"),
    no(190, "semget"),
    no(191, "semctl"),
    no(192, "semtimedop"),
    no(193, "semop"),
    no(194, "shmget"),
    no(195, "shmctl"),
    no(196, "shmat"),
    no(197, "shmdt"),
    part(
        198,
        "socket",
        P(n::socket),
        &[A::Family, A::SockType, A::Int],
        RI,
        "AF_UNIX, AF_INET, AF_INET6 over host sockets; AF_NETLINK and others EAFNOSUPPORT",
        NET,
    ),
    sup(199, "socketpair", P(n::socketpair), &[A::Family, A::SockType, A::Int, A::Ptr], RI, NET),
    part(
        200,
        "bind",
        P(n::bind),
        &[A::Fd, A::SockAddr(2), A::UInt],
        RI,
        "AF_UNIX paths resolve inside the root; final component of a path name at most ~89 bytes (ENAMETOOLONG)",
        NET,
    ),
    sup(201, "listen", P(n::listen), &[A::Fd, A::Int], RI, NET),
    sup(202, "accept", T(n::accept), &[A::Fd, A::SockAddrOut(2), A::Ptr], RI, NET),
    sup(203, "connect", T(n::connect), &[A::Fd, A::SockAddr(2), A::UInt], RI, NET),
    part(
        204,
        "getsockname",
        P(n::getsockname),
        &[A::Fd, A::SockAddrOut(2), A::Ptr],
        RI,
        "AF_UNIX path names bound in another elfuse process (across fork) show only their final component",
        NET,
    ),
    part(
        205,
        "getpeername",
        P(n::getpeername),
        &[A::Fd, A::SockAddrOut(2), A::Ptr],
        RI,
        "AF_UNIX: the path the guest connected to (Linux: the peer's bound text); see getsockname",
        NET,
    ),
    sup(206, "sendto", T(n::sendto), &[A::Fd, A::InBuf(2), A::UInt, A::MsgFlags, A::SockAddr(5), A::UInt], RI, NET),
    sup(207, "recvfrom", T(n::recvfrom), &[A::Fd, A::OutBuf, A::UInt, A::MsgFlags, A::SockAddrOut(5), A::Ptr], RI, NET),
    part(
        208,
        "setsockopt",
        P(n::setsockopt),
        &[A::Fd, A::SockLevel, A::SockOpt(1), A::Ptr, A::UInt],
        RI,
        "common SOL_SOCKET/TCP/IP/IPV6 options; others ENOPROTOOPT",
        NET,
    ),
    part(
        209,
        "getsockopt",
        P(n::getsockopt),
        &[A::Fd, A::SockLevel, A::SockOpt(1), A::Ptr, A::Ptr],
        RI,
        "common SOL_SOCKET/TCP/IP/IPV6 options; others ENOPROTOOPT",
        NET,
    ),
    sup(210, "shutdown", P(n::shutdown), &[A::Fd, A::Shutdown], RI, NET),
    part(
        211,
        "sendmsg",
        T(n::sendmsg),
        &[A::Fd, A::Ptr, A::MsgFlags],
        RI,
        "SCM_RIGHTS, SCM_CREDENTIALS; IP-level control messages are not passed on",
        NET,
    ),
    sup(212, "recvmsg", T(n::recvmsg), &[A::Fd, A::Ptr, A::MsgFlags], RI, NET),
    no(213, "readahead"),
    sup(214, "brk", P(m::brk), &[A::Ptr], RH, MEM),
    sup(215, "munmap", P(m::munmap), &[A::Ptr, A::UInt], RI, MEM),
    part(
        216,
        "mremap",
        P(m::mremap),
        &[A::Ptr, A::UInt, A::UInt, A::Hex, A::Ptr],
        RH,
        "anonymous private mappings; shared ones grow/move by re-mapping their object; no MREMAP_FIXED/DONTUNMAP",
        MEM,
    ),
    no(217, "add_key"),
    no(218, "request_key"),
    no(219, "keyctl"),
    part(
        220,
        "clone",
        X(pr::clone),
        &[A::Hex, A::Ptr, A::Ptr, A::Ptr, A::Ptr],
        RI,
        "processes (fork/vfork via a new elfuse); threads not yet (ENOSYS)",
        "guest: fork",
    ),
    sup(221, "execve", C(x::execve), &[A::Path, A::Ptr, A::Ptr], RI, "guest: exec"),
    part(
        222,
        "mmap",
        P(m::mmap),
        &[A::Ptr, A::UInt, A::Prot, A::MapFlags, A::Fd, A::Hex],
        RH,
        "MAP_SHARED: host-mapped object (file fd, memfd) shared with fork children; pages past a file's end read zero (no SIGBUS); on a 16 KiB-page host per process (docs/hvf.md)",
        MEM,
    ),
    no(223, "fadvise64"),
    no(224, "swapon"),
    no(225, "swapoff"),
    sup(226, "mprotect", P(m::mprotect), &[A::Ptr, A::UInt, A::Prot], RI, MEM),
    sup(227, "msync", P(m::msync), &[A::Ptr, A::UInt, A::Hex], RI, MEM),
    no(228, "mlock"),
    no(229, "munlock"),
    no(230, "mlockall"),
    no(231, "munlockall"),
    no(232, "mincore"),
    part(
        233,
        "madvise",
        P(m::madvise),
        &[A::Ptr, A::UInt, A::Int],
        RI,
        "MADV_DONTNEED zeroes private anonymous pages; other advice accepted",
        MEM,
    ),
    no(234, "remap_file_pages"),
    no(235, "mbind"),
    no(236, "get_mempolicy"),
    no(237, "set_mempolicy"),
    no(238, "migrate_pages"),
    no(239, "move_pages"),
    sup(240, "rt_tgsigqueueinfo", P(s::rt_tgsigqueueinfo), &[A::Int, A::Int, A::Signal, A::Ptr], RI, SIG),
    no(241, "perf_event_open"),
    sup(242, "accept4", T(n::accept4), &[A::Fd, A::SockAddrOut(2), A::Ptr, A::SockType], RI, NET),
    sup(243, "recvmmsg", T(n::recvmmsg), &[A::Fd, A::Ptr, A::UInt, A::MsgFlags, A::Ptr], RI, NET),
    sup(260, "wait4", T(bl::wait4), &[A::Int, A::Ptr, A::Hex, A::Ptr], RI, "guest: fork"),
    sup(261, "prlimit64", P(p::prlimit64), &[A::Int, A::Int, A::Ptr, A::Ptr], RI, INFO),
    no(262, "fanotify_init"),
    no(263, "fanotify_mark"),
    no(264, "name_to_handle_at"),
    no(265, "open_by_handle_at"),
    no(266, "clock_adjtime"),
    sup(267, "syncfs", P(io::syncfs), &[A::Fd], RI, FS_IO),
    no(268, "setns"),
    sup(269, "sendmmsg", T(n::sendmmsg), &[A::Fd, A::Ptr, A::UInt, A::MsgFlags], RI, NET),
    no(270, "process_vm_readv"),
    no(271, "process_vm_writev"),
    no(272, "kcmp"),
    no(273, "finit_module"),
    no(274, "sched_setattr"),
    no(275, "sched_getattr"),
    part(
        276,
        "renameat2",
        P(fsy::renameat2),
        &[A::DirFd, A::Path, A::DirFd, A::Path, A::Hex],
        RI,
        "RENAME_NOREPLACE/EXCHANGE on Linux hosts; RENAME_WHITEOUT EPERM",
        FS_FILES,
    ),
    no(277, "seccomp"),
    sup(278, "getrandom", P(i::getrandom), &[A::OutBuf, A::UInt, A::Hex], RI, INFO),
    sup(279, "memfd_create", P(f::memfd_create), &[A::Path, A::Hex], RI, FS_IO),
    no(280, "bpf"),
    part(
        281,
        "execveat",
        C(x::execveat),
        &[A::DirFd, A::Path, A::Ptr, A::Ptr, A::Hex],
        RI,
        "dirfds must have been opened by path",
        "guest: exec",
    ),
    no(282, "userfaultfd"),
    no(283, "membarrier"),
    no(284, "mlock2"),
    sup(285, "copy_file_range", P(io::copy_file_range), &[A::Fd, A::Ptr, A::Fd, A::Ptr, A::UInt, A::Hex], RI, FS_IO),
    sup(286, "preadv2", P(io::preadv2), &[A::Fd, A::Ptr, A::Int, A::Int, A::Int, A::Hex], RI, FS_IO),
    sup(287, "pwritev2", P(io::pwritev2), &[A::Fd, A::Ptr, A::Int, A::Int, A::Int, A::Hex], RI, FS_IO),
    no(288, "pkey_mprotect"),
    no(289, "pkey_alloc"),
    no(290, "pkey_free"),
    part(
        291,
        "statx",
        P(fsy::statx),
        &[A::DirFd, A::Path, A::Hex, A::Hex, A::Ptr],
        RI,
        "basic stats; no btime or mount id",
        FS_FILES,
    ),
    no(292, "io_pgetevents"),
    non(293, "rseq", "ENOSYS by design: glibc falls back"),
    no(294, "kexec_file_load"),
    no(424, "pidfd_send_signal"),
    no(425, "io_uring_setup"),
    no(426, "io_uring_enter"),
    no(427, "io_uring_register"),
    no(428, "open_tree"),
    no(429, "move_mount"),
    no(430, "fsopen"),
    no(431, "fsconfig"),
    no(432, "fsmount"),
    no(433, "fspick"),
    no(434, "pidfd_open"),
    part(435, "clone3", X(pr::clone3), &[A::Ptr, A::UInt], RI, "as clone", "guest: fork"),
    sup(436, "close_range", P(f::close_range), &[A::UInt, A::UInt, A::Hex], RI, FS_FILES),
    sup(437, "openat2", P(fsy::openat2), &[A::DirFd, A::Path, A::Ptr, A::UInt], RI, FS_ESCAPE),
    no(438, "pidfd_getfd"),
    sup(439, "faccessat2", P(fsy::faccessat2), &[A::DirFd, A::Path, A::Oct, A::Hex], RI, FS_FILES),
    no(440, "process_madvise"),
    sup(
        441,
        "epoll_pwait2",
        T(bl::epoll_pwait2),
        &[A::Fd, A::Ptr, A::Int, A::Ptr, A::Ptr, A::UInt],
        RI,
        "guest: fs_poll, signals",
    ),
    no(442, "mount_setattr"),
    no(443, "quotactl_fd"),
    no(444, "landlock_create_ruleset"),
    no(445, "landlock_add_rule"),
    no(446, "landlock_restrict_self"),
    no(447, "memfd_secret"),
    no(448, "process_mrelease"),
    no(449, "futex_waitv"),
    no(450, "set_mempolicy_home_node"),
    no(451, "cachestat"),
    sup(452, "fchmodat2", P(at::fchmodat2), &[A::DirFd, A::Path, A::Oct, A::Hex], RI, FS_FILES),
    no(453, "map_shadow_stack"),
    no(454, "futex_wake"),
    no(455, "futex_wait"),
    no(456, "futex_requeue"),
    no(457, "statmount"),
    no(458, "listmount"),
    no(459, "lsm_get_self_attr"),
    no(460, "lsm_set_self_attr"),
    no(461, "lsm_list_modules"),
    no(462, "mseal"),
];

/// One past the highest syscall number in the table.
const NR_LIMIT: usize = 512;

/// `nr` -> index into TABLE (u16::MAX = no such syscall), built once.
fn index() -> &'static [u16; NR_LIMIT] {
    static INDEX: std::sync::OnceLock<[u16; NR_LIMIT]> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut ix = [u16::MAX; NR_LIMIT];
        for (i, e) in TABLE.iter().enumerate() {
            if let Some(slot) = ix.get_mut(e.nr as usize) {
                *slot = i as u16;
            }
        }
        ix
    })
}

/// The entry for `nr`.
#[inline]
pub fn lookup(nr: u64) -> Option<&'static Entry> {
    let i = *index().get(usize::try_from(nr).ok()?)?;
    TABLE.get(usize::from(i))
}

/// `docs/syscalls.md`, generated from the table.
pub fn render_markdown() -> String {
    let mut s = String::from(
        "# System calls\n\nGenerated from `src/syscall/table.rs` by `make docs`; do not edit by hand.\n\n\
         Status: **yes** = Linux semantics; **partial** = see note; **ENOSYS** = not implemented \
         (the guest gets `-ENOSYS`, reported once under `--strace`/`-v`).\n\n\
         | nr | name | status | note | test |\n|---:|---|---|---|---|\n",
    );
    let (mut yes, mut partial, mut missing) = (0, 0, 0);
    for e in TABLE {
        let (st, note) = match e.status {
            Status::Supported => {
                yes += 1;
                ("yes", "")
            }
            Status::Partial(n) => {
                partial += 1;
                ("partial", n)
            }
            Status::Unimplemented(n) => {
                missing += 1;
                ("ENOSYS", n)
            }
        };
        s.push_str(&format!("| {} | {} | {} | {} | {} |\n", e.nr, e.name, st, note, e.test));
    }
    s.push_str(&format!("\n{yes} supported, {partial} partial, {missing} ENOSYS.\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_consistent() {
        for w in TABLE.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} ({}) before {} ({})", w[0].name, w[0].nr, w[1].name, w[1].nr);
        }
        for e in TABLE {
            assert!((e.nr as usize) < NR_LIMIT);
            assert!(std::ptr::eq(lookup(e.nr).unwrap(), e));
            assert_eq!(e.handler.is_some(), !matches!(e.status, Status::Unimplemented(_)), "{}", e.name);
            assert!(e.handler.is_none() || !e.test.is_empty(), "{} has no test", e.name);
        }
        let names: std::collections::HashSet<_> = TABLE.iter().map(|e| e.name).collect();
        assert_eq!(names.len(), TABLE.len());
    }

    #[test]
    fn kernel_numbers() {
        // Spot checks against include/uapi/asm-generic/unistd.h.
        let n = |nr| lookup(nr).map(|e| e.name);
        assert_eq!(n(56), Some("openat"));
        assert_eq!(n(63), Some("read"));
        assert_eq!(n(94), Some("exit_group"));
        assert_eq!(n(172), Some("getpid"));
        assert_eq!(n(214), Some("brk"));
        assert_eq!(n(222), Some("mmap"));
        assert_eq!(n(260), Some("wait4"));
        assert_eq!(n(278), Some("getrandom"));
        assert_eq!(n(291), Some("statx"));
        assert_eq!(n(435), Some("clone3"));
        assert_eq!(n(462), Some("mseal"));
        assert_eq!(n(244), None);
        assert_eq!(n(1000), None);
    }
}
