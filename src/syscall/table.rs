//! The syscall table: every Linux aarch64 (asm-generic) syscall by number,
//! with its handler, how well elfuse supports it, and the argument shapes
//! strace prints. The table is the compatibility document:
//! `docs/syscalls.md` is generated from it (see `render_markdown`).

use super::strace::{Arg as A, Ret};
use super::{sys_file as f, sys_info as i, sys_mem as m, sys_proc as p, sys_signal as s, sys_time as t, Handler};

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

use Handler::{Control as C, Plain as P};
use Ret::{Hex as RH, Int as RI};

const FILES: &str = "guest: fileio";
const BASIC: &str = "guest: hello, args";
const MEM: &str = "guest: malloc_stress";
const INFO: &str = "guest: sysinfo";
const SIG: &str = "guest: signals";

/// The table, sorted by number.
pub static TABLE: &[Entry] = &[
    no(0, "io_setup"),
    no(1, "io_destroy"),
    no(2, "io_submit"),
    no(3, "io_cancel"),
    no(4, "io_getevents"),
    no(5, "setxattr"),
    no(6, "lsetxattr"),
    no(7, "fsetxattr"),
    no(8, "getxattr"),
    no(9, "lgetxattr"),
    no(10, "fgetxattr"),
    no(11, "listxattr"),
    no(12, "llistxattr"),
    no(13, "flistxattr"),
    no(14, "removexattr"),
    no(15, "lremovexattr"),
    no(16, "fremovexattr"),
    sup(17, "getcwd", P(f::getcwd), &[A::OutStr, A::UInt], RI, FILES),
    no(18, "lookup_dcookie"),
    no(19, "eventfd2"),
    no(20, "epoll_create1"),
    no(21, "epoll_ctl"),
    no(22, "epoll_pwait"),
    sup(23, "dup", P(f::dup), &[A::Fd], RI, FILES),
    sup(24, "dup3", P(f::dup3), &[A::Fd, A::Fd, A::OpenFlags], RI, FILES),
    part(25, "fcntl", P(f::fcntl), &[A::Fd, A::Int, A::Hex], RI, "F_DUPFD*, F_GETFD/SETFD, F_GETFL/SETFL only", FILES),
    no(26, "inotify_init1"),
    no(27, "inotify_add_watch"),
    no(28, "inotify_rm_watch"),
    part(
        29,
        "ioctl",
        P(f::ioctl),
        &[A::Fd, A::Hex, A::Hex],
        RI,
        "TCGETS/TCSETS*/TIOCGWINSZ/FIONREAD/FIONBIO/FIOCLEX; others ENOTTY",
        FILES,
    ),
    no(30, "ioprio_set"),
    no(31, "ioprio_get"),
    no(32, "flock"),
    no(33, "mknodat"),
    sup(34, "mkdirat", P(f::mkdirat), &[A::DirFd, A::Path, A::Oct], RI, FILES),
    sup(35, "unlinkat", P(f::unlinkat), &[A::DirFd, A::Path, A::Hex], RI, FILES),
    no(36, "symlinkat"),
    no(37, "linkat"),
    no(38, "renameat"),
    no(39, "umount2"),
    no(40, "mount"),
    no(41, "pivot_root"),
    non(42, "nfsservctl", "removed in Linux 3.1"),
    no(43, "statfs"),
    no(44, "fstatfs"),
    no(45, "truncate"),
    sup(46, "ftruncate", P(f::ftruncate), &[A::Fd, A::Int], RI, FILES),
    no(47, "fallocate"),
    sup(48, "faccessat", P(f::faccessat), &[A::DirFd, A::Path, A::Oct], RI, FILES),
    sup(49, "chdir", P(f::chdir), &[A::Path], RI, FILES),
    sup(50, "fchdir", P(f::fchdir), &[A::Fd], RI, FILES),
    no(51, "chroot"),
    no(52, "fchmod"),
    no(53, "fchmodat"),
    no(54, "fchownat"),
    no(55, "fchown"),
    part(56, "openat", P(f::openat), &[A::DirFd, A::Path, A::OpenFlags, A::Oct], RI, "no O_TMPFILE", FILES),
    sup(57, "close", P(f::close), &[A::Fd], RI, FILES),
    no(58, "vhangup"),
    sup(59, "pipe2", P(f::pipe2), &[A::Ptr, A::OpenFlags], RI, FILES),
    no(60, "quotactl"),
    sup(61, "getdents64", P(f::getdents64), &[A::Fd, A::Ptr, A::UInt], RI, FILES),
    sup(62, "lseek", P(f::lseek), &[A::Fd, A::Int, A::Whence], RI, FILES),
    sup(63, "read", P(f::read), &[A::Fd, A::OutBuf, A::UInt], RI, FILES),
    sup(64, "write", P(f::write), &[A::Fd, A::InBuf(2), A::UInt], RI, BASIC),
    sup(65, "readv", P(f::readv), &[A::Fd, A::Ptr, A::Int], RI, FILES),
    sup(66, "writev", P(f::writev), &[A::Fd, A::Ptr, A::Int], RI, FILES),
    sup(67, "pread64", P(f::pread64), &[A::Fd, A::OutBuf, A::UInt, A::Int], RI, FILES),
    sup(68, "pwrite64", P(f::pwrite64), &[A::Fd, A::InBuf(2), A::UInt, A::Int], RI, FILES),
    no(69, "preadv"),
    no(70, "pwritev"),
    no(71, "sendfile"),
    no(72, "pselect6"),
    no(73, "ppoll"),
    no(74, "signalfd4"),
    no(75, "vmsplice"),
    no(76, "splice"),
    no(77, "tee"),
    sup(78, "readlinkat", P(f::readlinkat), &[A::DirFd, A::Path, A::OutBuf, A::UInt], RI, FILES),
    sup(79, "newfstatat", P(f::newfstatat), &[A::DirFd, A::Path, A::Ptr, A::Hex], RI, FILES),
    sup(80, "fstat", P(f::fstat), &[A::Fd, A::Ptr], RI, FILES),
    no(81, "sync"),
    sup(82, "fsync", P(f::fsync), &[A::Fd], RI, FILES),
    sup(83, "fdatasync", P(f::fsync), &[A::Fd], RI, FILES),
    no(84, "sync_file_range"),
    no(85, "timerfd_create"),
    no(86, "timerfd_settime"),
    no(87, "timerfd_gettime"),
    no(88, "utimensat"),
    no(89, "acct"),
    no(90, "capget"),
    no(91, "capset"),
    no(92, "personality"),
    sup(93, "exit", C(p::exit), &[A::Int], RI, BASIC),
    sup(94, "exit_group", C(p::exit_group), &[A::Int], RI, BASIC),
    no(95, "waitid"),
    sup(96, "set_tid_address", P(p::set_tid_address), &[A::Ptr], RI, BASIC),
    no(97, "unshare"),
    no(98, "futex"),
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
    sup(101, "nanosleep", P(t::nanosleep), &[A::Ptr, A::Ptr], RI, INFO),
    no(102, "getitimer"),
    no(103, "setitimer"),
    no(104, "kexec_load"),
    no(105, "init_module"),
    no(106, "delete_module"),
    no(107, "timer_create"),
    no(108, "timer_gettime"),
    no(109, "timer_getoverrun"),
    no(110, "timer_settime"),
    no(111, "timer_delete"),
    no(112, "clock_settime"),
    sup(113, "clock_gettime", P(t::clock_gettime), &[A::Clock, A::Ptr], RI, INFO),
    sup(114, "clock_getres", P(t::clock_getres), &[A::Clock, A::Ptr], RI, INFO),
    sup(115, "clock_nanosleep", P(t::clock_nanosleep), &[A::Clock, A::Hex, A::Ptr, A::Ptr], RI, INFO),
    no(116, "syslog"),
    no(117, "ptrace"),
    no(118, "sched_setparam"),
    no(119, "sched_setscheduler"),
    no(120, "sched_getscheduler"),
    no(121, "sched_getparam"),
    no(122, "sched_setaffinity"),
    sup(123, "sched_getaffinity", P(i::sched_getaffinity), &[A::Int, A::UInt, A::Ptr], RI, INFO),
    sup(124, "sched_yield", P(i::sched_yield), &[], RI, INFO),
    no(125, "sched_get_priority_max"),
    no(126, "sched_get_priority_min"),
    no(127, "sched_rr_get_interval"),
    no(128, "restart_syscall"),
    part(
        129,
        "kill",
        C(s::kill),
        &[A::Int, A::Signal],
        RI,
        "to itself only; default actions, no handler delivery yet",
        SIG,
    ),
    part(
        130,
        "tkill",
        C(s::tkill),
        &[A::Int, A::Signal],
        RI,
        "to itself only; default actions, no handler delivery yet",
        SIG,
    ),
    part(
        131,
        "tgkill",
        C(s::tgkill),
        &[A::Int, A::Int, A::Signal],
        RI,
        "to itself only; default actions, no handler delivery yet",
        SIG,
    ),
    part(132, "sigaltstack", P(s::sigaltstack), &[A::Ptr, A::Ptr], RI, "bookkeeping only", SIG),
    no(133, "rt_sigsuspend"),
    part(
        134,
        "rt_sigaction",
        P(s::rt_sigaction),
        &[A::Signal, A::Ptr, A::Ptr, A::UInt],
        RI,
        "dispositions recorded; handlers not yet delivered",
        SIG,
    ),
    part(135, "rt_sigprocmask", P(s::rt_sigprocmask), &[A::Int, A::Ptr, A::Ptr, A::UInt], RI, "mask recorded", SIG),
    no(136, "rt_sigpending"),
    no(137, "rt_sigtimedwait"),
    no(138, "rt_sigqueueinfo"),
    no(139, "rt_sigreturn"),
    no(140, "setpriority"),
    no(141, "getpriority"),
    no(142, "reboot"),
    no(143, "setregid"),
    no(144, "setgid"),
    no(145, "setreuid"),
    no(146, "setuid"),
    no(147, "setresuid"),
    sup(148, "getresuid", P(p::getresuid), &[A::Ptr, A::Ptr, A::Ptr], RI, INFO),
    no(149, "setresgid"),
    sup(150, "getresgid", P(p::getresgid), &[A::Ptr, A::Ptr, A::Ptr], RI, INFO),
    no(151, "setfsuid"),
    no(152, "setfsgid"),
    sup(153, "times", P(t::times), &[A::Ptr], RI, INFO),
    part(154, "setpgid", P(p::setpgid), &[A::Int, A::Int], RI, "own process only", INFO),
    sup(155, "getpgid", P(p::getpgid), &[A::Int], RI, INFO),
    sup(156, "getsid", P(p::getsid), &[A::Int], RI, INFO),
    no(157, "setsid"),
    sup(158, "getgroups", P(p::getgroups), &[A::Int, A::Ptr], RI, INFO),
    no(159, "setgroups"),
    sup(160, "uname", P(i::uname), &[A::Ptr], RI, INFO),
    no(161, "sethostname"),
    no(162, "setdomainname"),
    sup(163, "getrlimit", P(p::getrlimit), &[A::Int, A::Ptr], RI, INFO),
    sup(164, "setrlimit", P(p::setrlimit), &[A::Int, A::Ptr], RI, INFO),
    sup(165, "getrusage", P(t::getrusage), &[A::Int, A::Ptr], RI, INFO),
    sup(166, "umask", P(f::umask), &[A::Oct], RI, FILES),
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
    sup(169, "gettimeofday", P(t::gettimeofday), &[A::Ptr, A::Ptr], RI, INFO),
    no(170, "settimeofday"),
    no(171, "adjtimex"),
    sup(172, "getpid", P(p::getpid), &[], RI, BASIC),
    sup(173, "getppid", P(p::getppid), &[], RI, BASIC),
    sup(174, "getuid", P(p::getuid), &[], RI, BASIC),
    sup(175, "geteuid", P(p::geteuid), &[], RI, BASIC),
    sup(176, "getgid", P(p::getgid), &[], RI, BASIC),
    sup(177, "getegid", P(p::getegid), &[], RI, BASIC),
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
    no(198, "socket"),
    no(199, "socketpair"),
    no(200, "bind"),
    no(201, "listen"),
    no(202, "accept"),
    no(203, "connect"),
    no(204, "getsockname"),
    no(205, "getpeername"),
    no(206, "sendto"),
    no(207, "recvfrom"),
    no(208, "setsockopt"),
    no(209, "getsockopt"),
    no(210, "shutdown"),
    no(211, "sendmsg"),
    no(212, "recvmsg"),
    no(213, "readahead"),
    sup(214, "brk", P(m::brk), &[A::Ptr], RH, MEM),
    sup(215, "munmap", P(m::munmap), &[A::Ptr, A::UInt], RI, MEM),
    part(
        216,
        "mremap",
        P(m::mremap),
        &[A::Ptr, A::UInt, A::UInt, A::Hex, A::Ptr],
        RH,
        "anonymous private mappings; no MREMAP_FIXED/DONTUNMAP",
        MEM,
    ),
    no(217, "add_key"),
    no(218, "request_key"),
    no(219, "keyctl"),
    non(220, "clone", "processes and threads: next issue"),
    non(221, "execve", "next issue"),
    part(
        222,
        "mmap",
        P(m::mmap),
        &[A::Ptr, A::UInt, A::Prot, A::MapFlags, A::Fd, A::Hex],
        RH,
        "MAP_SHARED is private to this process until fork exists",
        MEM,
    ),
    no(223, "fadvise64"),
    no(224, "swapon"),
    no(225, "swapoff"),
    sup(226, "mprotect", P(m::mprotect), &[A::Ptr, A::UInt, A::Prot], RI, MEM),
    no(227, "msync"),
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
    no(240, "rt_tgsigqueueinfo"),
    no(241, "perf_event_open"),
    no(242, "accept4"),
    no(243, "recvmmsg"),
    no(260, "wait4"),
    sup(261, "prlimit64", P(p::prlimit64), &[A::Int, A::Int, A::Ptr, A::Ptr], RI, INFO),
    no(262, "fanotify_init"),
    no(263, "fanotify_mark"),
    no(264, "name_to_handle_at"),
    no(265, "open_by_handle_at"),
    no(266, "clock_adjtime"),
    no(267, "syncfs"),
    no(268, "setns"),
    no(269, "sendmmsg"),
    no(270, "process_vm_readv"),
    no(271, "process_vm_writev"),
    no(272, "kcmp"),
    no(273, "finit_module"),
    no(274, "sched_setattr"),
    no(275, "sched_getattr"),
    no(276, "renameat2"),
    no(277, "seccomp"),
    sup(278, "getrandom", P(i::getrandom), &[A::OutBuf, A::UInt, A::Hex], RI, INFO),
    no(279, "memfd_create"),
    no(280, "bpf"),
    no(281, "execveat"),
    no(282, "userfaultfd"),
    no(283, "membarrier"),
    no(284, "mlock2"),
    no(285, "copy_file_range"),
    no(286, "preadv2"),
    no(287, "pwritev2"),
    no(288, "pkey_mprotect"),
    no(289, "pkey_alloc"),
    no(290, "pkey_free"),
    no(291, "statx"),
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
    no(435, "clone3"),
    no(436, "close_range"),
    no(437, "openat2"),
    no(438, "pidfd_getfd"),
    sup(439, "faccessat2", P(f::faccessat2), &[A::DirFd, A::Path, A::Oct, A::Hex], RI, FILES),
    no(440, "process_madvise"),
    no(441, "epoll_pwait2"),
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
    no(452, "fchmodat2"),
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
