//! Signals (include/uapi/asm-generic/signal.h, signal-defs.h).

#![allow(missing_docs)]

pub const SIGHUP: i32 = 1;
pub const SIGINT: i32 = 2;
pub const SIGQUIT: i32 = 3;
pub const SIGILL: i32 = 4;
pub const SIGTRAP: i32 = 5;
pub const SIGABRT: i32 = 6;
pub const SIGBUS: i32 = 7;
pub const SIGFPE: i32 = 8;
pub const SIGKILL: i32 = 9;
pub const SIGUSR1: i32 = 10;
pub const SIGSEGV: i32 = 11;
pub const SIGUSR2: i32 = 12;
pub const SIGPIPE: i32 = 13;
pub const SIGALRM: i32 = 14;
pub const SIGTERM: i32 = 15;
pub const SIGSTKFLT: i32 = 16;
pub const SIGCHLD: i32 = 17;
pub const SIGCONT: i32 = 18;
pub const SIGSTOP: i32 = 19;
pub const SIGTSTP: i32 = 20;
pub const SIGTTIN: i32 = 21;
pub const SIGTTOU: i32 = 22;
pub const SIGURG: i32 = 23;
pub const SIGXCPU: i32 = 24;
pub const SIGXFSZ: i32 = 25;
pub const SIGVTALRM: i32 = 26;
pub const SIGPROF: i32 = 27;
pub const SIGWINCH: i32 = 28;
pub const SIGIO: i32 = 29;
pub const SIGPWR: i32 = 30;
pub const SIGSYS: i32 = 31;
/// Highest signal number (rt signals 32..=64).
pub const NSIG: i32 = 64;

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

pub const SIG_BLOCK: u64 = 0;
pub const SIG_UNBLOCK: u64 = 1;
pub const SIG_SETMASK: u64 = 2;

pub const SA_NOCLDSTOP: u64 = 0x0000_0001;
pub const SA_NOCLDWAIT: u64 = 0x0000_0002;
pub const SA_SIGINFO: u64 = 0x0000_0004;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;
pub const SA_RESTORER: u64 = 0x0400_0000;

/// The kernel's `struct sigaction` on arm64 (no sa_restorer ABI quirks).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KSigaction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}
const _: () = assert!(std::mem::size_of::<KSigaction>() == 32);
impl super::Pod for KSigaction {}

/// Signal name for diagnostics.
pub fn name(sig: i32) -> &'static str {
    const N: [&str; 32] = [
        "0",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(sig).ok().and_then(|i| N.get(i).copied()).unwrap_or("SIGRT")
}

/// `siginfo_t` (128 bytes; include/uapi/asm-generic/siginfo.h). The union
/// starts at byte 16; its fields are accessed by the helpers below.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub pad0: i32,
    pub fields: [u64; 14],
}
const _: () = assert!(std::mem::size_of::<SigInfo>() == 128);
impl super::Pod for SigInfo {}

impl SigInfo {
    /// A signal sent by a process (kill/tkill): si_pid, si_uid.
    pub fn user(signo: i32, code: i32, pid: i32, uid: u32) -> SigInfo {
        let mut s = SigInfo { signo, code, ..SigInfo::default() };
        s.fields[0] = u64::from(pid as u32) | (u64::from(uid) << 32);
        s
    }
    /// A fault (SIGSEGV/SIGBUS/SIGILL/SIGTRAP/SIGFPE): si_addr.
    pub fn fault(signo: i32, code: i32, addr: u64) -> SigInfo {
        let mut s = SigInfo { signo, code, ..SigInfo::default() };
        s.fields[0] = addr;
        s
    }
    /// SIGCHLD: si_pid, si_uid, si_status.
    pub fn child(code: i32, pid: i32, uid: u32, status: i32) -> SigInfo {
        let mut s = SigInfo { signo: SIGCHLD, code, ..SigInfo::default() };
        s.fields[0] = u64::from(pid as u32) | (u64::from(uid) << 32);
        s.fields[1] = u64::from(status as u32);
        s
    }
}

/// si_code values (include/uapi/asm-generic/siginfo.h).
pub mod si {
    pub const SI_USER: i32 = 0;
    pub const SI_KERNEL: i32 = 0x80;
    pub const SI_QUEUE: i32 = -1;
    pub const SI_TKILL: i32 = -6;
    pub const SI_TIMER: i32 = -2;
    pub const SI_SIGIO: i32 = -5;
    pub const ILL_ILLOPC: i32 = 1;
    pub const SEGV_MAPERR: i32 = 1;
    pub const SEGV_ACCERR: i32 = 2;
    pub const BUS_ADRALN: i32 = 1;
    pub const BUS_ADRERR: i32 = 2;
    pub const TRAP_BRKPT: i32 = 1;
    pub const CLD_EXITED: i32 = 1;
    pub const CLD_KILLED: i32 = 2;
    pub const CLD_DUMPED: i32 = 3;
}

/// sigaltstack flags.
pub const SS_ONSTACK: u32 = 1;
/// The alternate stack is disabled.
pub const SS_DISABLE: u32 = 2;
/// Minimum alternate stack size on arm64.
pub const MINSIGSTKSZ: u64 = 5120;

/// arm64 signal frame layout (arch/arm64/include/uapi/asm/sigcontext.h,
/// ucontext.h; arch/arm64/kernel/signal.c): `struct rt_sigframe { siginfo;
/// ucontext }` with `mcontext` = `struct sigcontext` whose 4 KiB
/// `__reserved` area holds typed records (fpsimd, esr, terminator).
pub mod frame {
    /// Offset of `uc` in `rt_sigframe`.
    pub const UC: u64 = 128;
    /// ucontext.uc_flags.
    pub const UC_FLAGS: u64 = 0;
    /// ucontext.uc_link.
    pub const UC_LINK: u64 = 8;
    /// ucontext.uc_stack (ss_sp, ss_flags, ss_size).
    pub const UC_STACK: u64 = 16;
    /// ucontext.uc_sigmask.
    pub const UC_SIGMASK: u64 = 40;
    /// ucontext.uc_mcontext (16-byte aligned after 1024 bits of sigset).
    pub const UC_MCONTEXT: u64 = 176;
    /// sigcontext.fault_address.
    pub const MC_FAULT_ADDRESS: u64 = 0;
    /// sigcontext.regs[31].
    pub const MC_REGS: u64 = 8;
    /// sigcontext.sp.
    pub const MC_SP: u64 = 256;
    /// sigcontext.pc.
    pub const MC_PC: u64 = 264;
    /// sigcontext.pstate.
    pub const MC_PSTATE: u64 = 272;
    /// sigcontext.__reserved (16-byte aligned).
    pub const MC_RESERVED: u64 = 288;
    /// Size of __reserved.
    pub const RESERVED_SIZE: u64 = 4096;
    /// sizeof(struct rt_sigframe).
    pub const SIZE: u64 = UC + UC_MCONTEXT + MC_RESERVED + RESERVED_SIZE;
    /// fpsimd_context magic and size.
    pub const FPSIMD_MAGIC: u32 = 0x4650_8001;
    /// sizeof(struct fpsimd_context).
    pub const FPSIMD_SIZE: u32 = 528;
    /// esr_context magic.
    pub const ESR_MAGIC: u32 = 0x4553_5201;
    /// sizeof(struct esr_context).
    pub const ESR_SIZE: u32 = 16;
    const _: () = assert!(SIZE == 4688 && SIZE % 16 == 0);
}

/// `struct signalfd_siginfo` (include/uapi/linux/signalfd.h): one record a
/// read(2) of a signalfd returns.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalfdSiginfo {
    pub ssi_signo: u32,
    pub ssi_errno: i32,
    pub ssi_code: i32,
    pub ssi_pid: u32,
    pub ssi_uid: u32,
    pub ssi_fd: i32,
    pub ssi_tid: u32,
    pub ssi_band: u32,
    pub ssi_overrun: u32,
    pub ssi_trapno: u32,
    pub ssi_status: i32,
    pub ssi_int: i32,
    pub ssi_ptr: u64,
    pub ssi_utime: u64,
    pub ssi_stime: u64,
    pub ssi_addr: u64,
    pub ssi_addr_lsb: u16,
    pub pad2: u16,
    pub ssi_syscall: i32,
    pub ssi_call_addr: u64,
    pub ssi_arch: u32,
    pub pad: [u8; 28],
}
const _: () = assert!(std::mem::size_of::<SignalfdSiginfo>() == 128);
const _: () = assert!(std::mem::offset_of!(SignalfdSiginfo, ssi_ptr) == 48);
const _: () = assert!(std::mem::offset_of!(SignalfdSiginfo, ssi_addr_lsb) == 80);
const _: () = assert!(std::mem::offset_of!(SignalfdSiginfo, ssi_arch) == 96);
impl super::Pod for SignalfdSiginfo {}

/// signalfd4(2) flags (include/uapi/linux/signalfd.h: O_CLOEXEC, O_NONBLOCK).
pub const SFD_CLOEXEC: u32 = 0o2000000;
/// Non-blocking reads.
pub const SFD_NONBLOCK: u32 = 0o4000;
