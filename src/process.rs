//! A guest process: its address space, fds, fs context, signal
//! dispositions, limits and identity.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use crate::abi::misc::{Rlimit, RLIMIT_NOFILE, RLIMIT_STACK, RLIM_INFINITY, RLIM_NLIMITS};
use crate::abi::signal::KSigaction;
use crate::fdtable::FdTable;
use crate::fs::FsContext;
use crate::mem::space::AddressSpace;
use crate::vcpu::Backend;

/// How elfuse was asked to run (from the command line).
#[derive(Clone, Debug)]
pub struct Config {
    /// Guest root directory.
    pub sysroot: Option<PathBuf>,
    /// Kill the guest after this long (None = no limit).
    pub timeout: Option<std::time::Duration>,
    /// Diagnostics on stderr.
    pub verbose: bool,
    /// Trace syscalls on stderr.
    pub strace: bool,
    /// CPU backend.
    pub backend: Backend,
}

/// Signal dispositions and mask (the per-process part).
#[derive(Clone, Debug)]
pub struct SignalState {
    /// Disposition per signal, index = signal number - 1.
    pub actions: [KSigaction; 64],
    /// Blocked signals (bit n-1 = signal n).
    pub mask: u64,
    /// sigaltstack: (sp, flags, size).
    pub altstack: (u64, u32, u64),
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState { actions: [KSigaction::default(); 64], mask: 0, altstack: (0, 2, 0) }
    }
}

/// One guest process.
pub struct Process {
    /// Address space.
    pub mm: AddressSpace,
    /// File descriptors.
    pub fds: FdTable,
    /// Root, cwd, umask.
    pub fs: FsContext,
    /// Signal state.
    pub sig: SignalState,
    /// Resource limits (RLIM_NLIMITS entries).
    pub rlimits: Vec<Rlimit>,
    /// Guest-visible path of the running program (/proc/self/exe).
    pub exe: String,
    /// Thread name (prctl PR_SET_NAME, /proc/self/comm).
    pub comm: [u8; 16],
    /// set_tid_address pointer.
    pub clear_child_tid: u64,
    /// set_robust_list head and length.
    pub robust_list: (u64, u64),
    /// The page tables changed: the vCPU must flush before resuming.
    pub mm_changed: bool,
    /// Syscalls already reported as unimplemented.
    pub reported_enosys: HashSet<u64>,
    /// Run configuration.
    pub config: Config,
    /// When the process started (uptime, times).
    pub started: Instant,
    /// AT_HWCAP the CPU reports.
    pub hwcap: u64,
}

impl Process {
    /// A process with stdio and default limits.
    pub fn new(mm: AddressSpace, fs: FsContext, config: Config, hwcap: u64) -> Process {
        let mut rlimits = vec![Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY }; RLIM_NLIMITS as usize];
        rlimits[RLIMIT_STACK as usize] = Rlimit { cur: 8 << 20, max: RLIM_INFINITY };
        rlimits[RLIMIT_NOFILE as usize] = Rlimit { cur: 1024, max: 4096 };
        rlimits[crate::abi::misc::RLIMIT_CORE as usize] = Rlimit { cur: 0, max: RLIM_INFINITY };
        Process {
            mm,
            fds: FdTable::with_stdio(),
            fs,
            sig: SignalState::default(),
            rlimits,
            exe: String::new(),
            comm: [0; 16],
            clear_child_tid: 0,
            robust_list: (0, 0),
            mm_changed: false,
            reported_enosys: HashSet::new(),
            config,
            started: Instant::now(),
            hwcap,
        }
    }

    /// Host process id, which is the guest's pid.
    pub fn pid(&self) -> i32 {
        std::process::id() as i32
    }
}
