//! Launching a guest program and running it to completion.

use std::sync::Arc;

use crate::abi::signal;
use crate::fs::FsContext;
use crate::loader::LoadError;
use crate::process::{Config, Process};
use crate::syscall;
use crate::vcpu::{self, Vcpu};

/// What to run and with what.
#[derive(Clone, Debug)]
pub struct Launch {
    /// Program path as given (a guest path).
    pub program: String,
    /// argv, including argv[0].
    pub argv: Vec<Vec<u8>>,
    /// Environment.
    pub envp: Vec<Vec<u8>>,
    /// Initial guest cwd (absolute).
    pub cwd: String,
}

/// Why elfuse could not run the program (not guest behaviour).
#[derive(Debug)]
pub enum RunError {
    /// Loading failed.
    Load(LoadError),
    /// Setting up guest memory or the vCPU failed.
    Setup(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Load(e) => write!(f, "{e}"),
            RunError::Setup(e) => write!(f, "{e}"),
        }
    }
}

impl RunError {
    /// Exit status for this failure.
    pub fn exit_status(&self) -> i32 {
        match self {
            RunError::Load(e) => e.exit_status(),
            RunError::Setup(_) => 125,
        }
    }
}

/// How the guest ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// exit/exit_group with this status (low 8 bits are what a parent sees).
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
    /// `--timeout` expired.
    TimedOut,
}

impl Outcome {
    /// The exit status a shell reports: the status, or 128 + signal.
    pub fn shell_status(self) -> i32 {
        match self {
            Outcome::Exited(s) => s & 0xff,
            Outcome::Signaled(sig) => 128 + sig,
            Outcome::TimedOut => 124,
        }
    }
}

/// Load the program and build the process and its first vCPU.
pub fn prepare(config: &Config, launch: &Launch) -> Result<(Process, Box<dyn Vcpu>), RunError> {
    let fs = FsContext { root: config.sysroot.clone(), cwd: launch.cwd.clone(), umask: 0o022 };
    let hwcap = vcpu::hwcap(config.backend);
    let img =
        crate::exec::build(&fs, launch.program.as_bytes(), launch.argv.clone(), &launch.envp, config.backend, false)
            .map_err(|e| match e {
                crate::exec::ExecError::Load(l) => RunError::Load(l),
                crate::exec::ExecError::Errno(e) => {
                    RunError::Load(LoadError::Io(launch.program.clone(), std::io::Error::from_raw_os_error(e.0)))
                }
            })?;
    let cpu =
        vcpu::create(config.backend, Arc::clone(&img.phys), &img.setup).map_err(|e| RunError::Setup(e.to_string()))?;
    let mut p = Process::new(img.mm, fs, config.clone(), hwcap);
    p.exe = img.exe;
    p.comm = img.comm;
    p.exec_info = crate::procfs::ExecInfo::capture(&p.mm, img.setup.sp);
    Ok((p, cpu))
}

/// Syscalls Linux restarts after a handler installed with SA_RESTART (or
/// transparently when the interrupting signal is ignored): the ones that
/// return -ERESTARTSYS (signal(7)). Sleeps, poll/select and sigsuspend are
/// not among them.
pub(crate) fn restartable(nr: u64) -> bool {
    matches!(
        nr,
        29 | 25 | 32 | 56 | 63 | 64 | 65 | 66 | 67 | 68 | 69 | 70 | 95 | 98 | 202 | 206 | 207 | 211 | 212 | 242 | 260
    ) || crate::syscall::sys_net::restartable(nr)
}

/// The `--timeout` watchdog: ends a guest whose vCPU runs `limit` without
/// returning to the host (a syscall or any other exit).
pub struct Watchdog {
    pub(crate) exits: Arc<std::sync::atomic::AtomicU64>,
    pub(crate) in_guest: Arc<std::sync::atomic::AtomicBool>,
    pub(crate) fired: Arc<std::sync::atomic::AtomicBool>,
}

impl Watchdog {
    fn start(limit: std::time::Duration, kick: crate::vcpu::CancelToken) -> Result<Watchdog, RunError> {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let w = Watchdog {
            exits: Arc::new(AtomicU64::new(0)),
            in_guest: Arc::new(AtomicBool::new(false)),
            fired: Arc::new(AtomicBool::new(false)),
        };
        let (exits, in_guest, fired) = (Arc::clone(&w.exits), Arc::clone(&w.in_guest), Arc::clone(&w.fired));
        let tick = (limit / 8).max(std::time::Duration::from_millis(10));
        std::thread::Builder::new()
            .name("elfuse-watchdog".into())
            .spawn(move || {
                let mut seen = exits.load(Ordering::Acquire);
                let mut since = std::time::Instant::now();
                loop {
                    std::thread::sleep(tick);
                    let now = exits.load(Ordering::Acquire);
                    if now != seen || !in_guest.load(Ordering::Acquire) {
                        seen = now;
                        since = std::time::Instant::now();
                    } else if since.elapsed() >= limit {
                        fired.store(true, Ordering::Release);
                        kick.cancel();
                        return;
                    }
                }
            })
            .map_err(|e| RunError::Setup(format!("watchdog thread: {e}")))?;
        Ok(w)
    }
}

/// Run the guest until it exits.
pub fn run(config: &Config, launch: &Launch) -> Result<Outcome, RunError> {
    let (p, cpu) = prepare(config, launch)?;
    run_process(p, cpu)
}

/// Run a prepared process (a new program or a fork child) until it exits.
/// This thread becomes the process's main guest thread.
pub fn run_process(p: Process, cpu: Box<dyn Vcpu>) -> Result<Outcome, RunError> {
    let config = p.config.clone();
    crate::signal::host::install(cpu.cancel_token());
    let watchdog = match config.timeout {
        Some(t) => Some(Watchdog::start(t, cpu.cancel_token())?),
        None => None,
    };
    let tid = p.cur_tid;
    crate::procfs::registry::publish(&p);
    let shared = Arc::new(parking_lot::Mutex::new(p));
    {
        let mut g = shared.lock();
        g.shared = Arc::downgrade(&shared);
        g.threads.entry(tid).or_default().kick = Some(cpu.cancel_token());
    }
    let task = syscall::Task { shared, tid };
    match crate::thread::run_thread(&task, cpu, &config, watchdog.as_ref())? {
        Some(outcome) => Ok(outcome),
        // The main thread exited while others run: the last one to exit
        // ends the process (from its own host thread).
        None => loop {
            std::thread::park();
        },
    }
}

/// End the whole process as the guest did (from any thread): its exit
/// status, or death by its signal.
pub fn terminate(outcome: Outcome, strace: bool) -> ! {
    crate::procfs::instance::cleanup();
    if strace {
        if let Outcome::Exited(s) = outcome {
            eprintln!("+++ exited with {s} +++");
        }
    }
    match outcome {
        Outcome::Signaled(sig) => crate::signal::host::die_by(sig),
        other => std::process::exit(other.shell_status()),
    }
}

/// Whether an EINTR'd restartable syscall is restarted: no handler will run
/// for the pending signal (it is ignored), or its handler has SA_RESTART.
pub(crate) fn restart_ok(p: &mut Process) -> bool {
    crate::signal::host::collect(p);
    let ready = p.deliverable();
    if ready == 0 {
        return true;
    }
    let s = ready.trailing_zeros() as i32 + 1;
    let act = p.sig.actions[(s - 1) as usize];
    match act.handler {
        signal::SIG_IGN => true,
        signal::SIG_DFL => crate::signal::default_action(s) == crate::signal::DefaultAction::Ign,
        _ => act.flags & signal::SA_RESTART != 0,
    }
}
