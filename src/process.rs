//! A guest process: its address space, fds, fs context, signal
//! dispositions, limits and identity.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use crate::abi::misc::{Rlimit, RLIMIT_NOFILE, RLIMIT_STACK, RLIM_INFINITY, RLIM_NLIMITS};
use crate::abi::signal::{KSigaction, SigInfo};
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
    /// `--bind HOST:GUEST` pairs (host directory, guest path).
    pub binds: Vec<(PathBuf, String)>,
    /// `--fakeroot`: the guest sees uid/gid 0; chown/chmod are recorded.
    pub fakeroot: bool,
    /// `--user UID[:GID]`: the ids the guest sees.
    pub user: Option<(u32, u32)>,
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
    /// Pending signals (bit n-1 = signal n).
    pub pending: u64,
    /// The siginfo of each pending signal.
    pub info: [SigInfo; 64],
    /// The mask to restore after a temporary one (rt_sigsuspend, ppoll).
    pub saved_mask: Option<u64>,
    /// Signals pending on the thread itself (tkill/tgkill), with infos.
    pub tpending: u64,
    /// Infos of `tpending` signals.
    pub tinfo: Vec<SigInfo>,
    /// The thread whose mask, saved mask, alternate stack and thread
    /// pending set are held above (swapped when another thread locks).
    pub owner: i32,
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState {
            actions: [KSigaction::default(); 64],
            mask: 0,
            altstack: (0, crate::abi::signal::SS_DISABLE, 0),
            pending: 0,
            info: [SigInfo::default(); 64],
            saved_mask: None,
            tpending: 0,
            tinfo: Vec::new(),
            owner: std::process::id() as i32,
        }
    }
}

/// Per-thread state kept with the process (the thread's tid is the key).
/// The signal fields are parked here while another thread's are live in
/// [`SignalState`].
#[derive(Clone, Debug)]
pub struct ThreadState {
    /// Signal mask.
    pub mask: u64,
    /// Mask to restore after a temporary one.
    pub saved_mask: Option<u64>,
    /// sigaltstack (sp, flags, size).
    pub altstack: (u64, u32, u64),
    /// Thread-directed pending signals.
    pub tpending: u64,
    /// Their infos.
    pub tinfo: Vec<SigInfo>,
    /// set_tid_address / CLONE_CHILD_CLEARTID: zeroed and woken at exit.
    pub clear_child_tid: u64,
    /// set_robust_list head and length.
    pub robust_list: (u64, u64),
    /// Stops this thread's vCPU (exec, exit_group, signals).
    pub kick: Option<crate::vcpu::CancelToken>,
}

impl Default for ThreadState {
    fn default() -> Self {
        ThreadState {
            mask: 0,
            saved_mask: None,
            altstack: (0, crate::abi::signal::SS_DISABLE, 0),
            tpending: 0,
            tinfo: Vec::new(),
            clear_child_tid: 0,
            robust_list: (0, 0),
            kick: None,
        }
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
    /// The file-system namespace: root, binds, cwd handle (path resolver).
    pub vfs: crate::fs::Vfs,
    /// Credentials the guest sees (uid/gid/groups, fakeroot).
    pub cred: crate::syscall::sys_cred::Cred,
    /// A new image built by execve, for the run loop to switch to.
    pub pending_exec: Option<crate::exec::Image>,
    /// vfork child: the parent waits until this (internal) pipe end closes,
    /// at execve or exit.
    pub vfork_notify: Option<std::os::fd::OwnedFd>,
    /// POSIX timers: guest timer id -> host timer_t (as an address).
    pub timers: Vec<Option<usize>>,
    /// Live threads by tid (guest tid = host tid).
    pub threads: std::collections::BTreeMap<i32, ThreadState>,
    /// The thread on whose behalf the process is locked (set by the
    /// dispatcher: exactly one thread holds the process at a time).
    pub cur_tid: i32,
    /// Bumped whenever the translation tables change; each vCPU flushes
    /// when it sees a new value.
    pub mm_generation: u64,
    /// Poll-family handlers must not wait (a multi-threaded process polls
    /// in slices without the lock; see `sys_block`).
    pub poll_zero: bool,
    /// The shared handle to this process (for creating threads).
    pub shared: std::sync::Weak<parking_lot::Mutex<Process>>,
    /// Where exec put argv/envp/auxv (/proc/self/cmdline, environ, auxv).
    pub exec_info: crate::procfs::ExecInfo,
}

impl Process {
    /// A process with stdio and default limits.
    pub fn new(mm: AddressSpace, fs: FsContext, config: Config, hwcap: u64) -> Process {
        let mut rlimits = vec![Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY }; RLIM_NLIMITS as usize];
        rlimits[RLIMIT_STACK as usize] = Rlimit { cur: 8 << 20, max: RLIM_INFINITY };
        rlimits[RLIMIT_NOFILE as usize] = Rlimit { cur: 1024, max: 4096 };
        rlimits[crate::abi::misc::RLIMIT_CORE as usize] = Rlimit { cur: 0, max: RLIM_INFINITY };
        let vfs = crate::fs::Vfs::for_config(&config);
        let cred = crate::syscall::sys_cred::Cred::for_config(&config);
        Process {
            mm,
            fds: FdTable::with_stdio(),
            fs,
            sig: SignalState::default(),
            rlimits,
            exe: String::new(),
            comm: [0; 16],
            mm_changed: false,
            reported_enosys: HashSet::new(),
            config,
            started: Instant::now(),
            hwcap,
            vfs,
            cred,
            pending_exec: None,
            vfork_notify: None,
            timers: Vec::new(),
            threads: std::collections::BTreeMap::new(),
            cur_tid: std::process::id() as i32,
            mm_generation: 0,
            poll_zero: false,
            shared: std::sync::Weak::new(),
            exec_info: crate::procfs::ExecInfo::default(),
        }
    }

    /// Switch to the image execve built: close close-on-exec fds, reset
    /// caught signals to their default (ignored ones stay ignored), drop
    /// the alternate stack (execve(2)).
    pub fn commit_exec(
        &mut self,
        img: crate::exec::Image,
    ) -> (std::sync::Arc<crate::mem::phys::PhysMem>, crate::vcpu::El1Setup) {
        self.mm = img.mm;
        self.mm_changed = false;
        self.exe = img.exe;
        self.comm = img.comm;
        let cloexec: Vec<i64> = self.fds.iter().filter(|(_, e)| e.cloexec).map(|(fd, _)| fd as i64).collect();
        for fd in cloexec {
            let _ = self.fds.close(fd);
        }
        for a in self.sig.actions.iter_mut() {
            if a.handler != crate::abi::signal::SIG_IGN {
                *a = crate::abi::signal::KSigaction::default();
            }
        }
        self.sig.altstack = (0, crate::abi::signal::SS_DISABLE, 0);
        self.sig.saved_mask = None;
        // execve(2): other threads are destroyed; the caller's thread state
        // starts afresh.
        let me = self.cur_tid;
        for (tid, t) in std::mem::take(&mut self.threads) {
            if tid != me {
                if let Some(k) = &t.kick {
                    k.cancel();
                }
            }
        }
        self.threads.insert(me, ThreadState::default());
        // A vfork parent resumes once the child has exec'd.
        self.vfork_notify = None;
        self.exec_info = crate::procfs::ExecInfo::capture(&self.mm, img.setup.sp);
        crate::procfs::registry::publish(self);
        (img.phys, img.setup)
    }

    /// Make `tid`'s per-thread signal state the live one in `self.sig`
    /// (parking the previous owner's in its ThreadState).
    pub fn switch_thread(&mut self, tid: i32) {
        self.cur_tid = tid;
        if self.sig.owner == tid {
            return;
        }
        let prev = self.sig.owner;
        if let Some(t) = self.threads.get_mut(&prev) {
            t.mask = self.sig.mask;
            t.saved_mask = self.sig.saved_mask;
            t.altstack = self.sig.altstack;
            t.tpending = self.sig.tpending;
            t.tinfo = std::mem::take(&mut self.sig.tinfo);
        }
        let t = self.threads.entry(tid).or_default();
        self.sig.mask = t.mask;
        self.sig.saved_mask = t.saved_mask;
        self.sig.altstack = t.altstack;
        self.sig.tpending = t.tpending;
        self.sig.tinfo = std::mem::take(&mut t.tinfo);
        self.sig.owner = tid;
        // A signalfd is readable for the thread that looks (signalfd_poll).
        crate::syscall::sys_signalfd::sync(self);
    }

    /// Queue a signal for thread `tid` of this process (tkill/tgkill) and
    /// kick it so it is delivered promptly.
    pub fn queue_thread_signal(&mut self, tid: i32, info: SigInfo) {
        if tid == self.sig.owner {
            if self.sig.tpending & crate::signal::bit(info.signo) == 0 {
                self.sig.tinfo.retain(|i| i.signo != info.signo);
                self.sig.tinfo.push(info);
            }
            self.sig.tpending |= crate::signal::bit(info.signo);
            crate::syscall::sys_signalfd::sync(self);
            return;
        }
        if let Some(t) = self.threads.get_mut(&tid) {
            if t.tpending & crate::signal::bit(info.signo) == 0 {
                t.tinfo.retain(|i| i.signo != info.signo);
                t.tinfo.push(info);
            }
            t.tpending |= crate::signal::bit(info.signo);
            if let Some(k) = &t.kick {
                k.cancel();
            }
        }
    }

    /// The state of the thread holding the process.
    pub fn thread(&mut self) -> &mut ThreadState {
        self.threads.entry(self.cur_tid).or_default()
    }

    /// Host process id, which is the guest's pid.
    pub fn pid(&self) -> i32 {
        std::process::id() as i32
    }
}
