//! Launching a guest program and running it to completion.

use std::fs::File;
use std::sync::Arc;

use crate::abi::signal;
use crate::fs::FsContext;
use crate::loader::stack::{self, AuxInfo};
use crate::loader::{self, LoadError};
use crate::mem::layout;
use crate::mem::phys::PhysMem;
use crate::mem::space::AddressSpace;
use crate::process::{Config, Process};
use crate::syscall::{self, Args, Flow};
use crate::vcpu::{self, El1Setup, Reg, Vcpu, VcpuExit};

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

fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    // SAFETY: getrandom writes at most b.len() bytes into b.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != 16 {
        // Fall back to time-derived bytes; AT_RANDOM is a stack-protector seed.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        b.copy_from_slice(&t.to_le_bytes());
    }
    b
}

/// Load the program and build the process and its first vCPU.
pub fn prepare(config: &Config, launch: &Launch) -> Result<(Process, Box<dyn Vcpu>), RunError> {
    let phys = Arc::new(PhysMem::new(layout::PHYS_SIZE).map_err(|e| RunError::Setup(e.to_string()))?);
    let mut mm = AddressSpace::new(Arc::clone(&phys)).map_err(|e| RunError::Setup(format!("guest memory: {e:?}")))?;
    let fs = FsContext { root: config.sysroot.clone(), cwd: launch.cwd.clone(), umask: 0o022 };
    let guest_exe = fs.absolute(launch.program.as_bytes());
    let host_exe = fs.host_path(&guest_exe);
    let file = File::open(&host_exe).map_err(|e| RunError::Load(LoadError::Io(launch.program.clone(), e)))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(RunError::Load(LoadError::Io(
            launch.program.clone(),
            std::io::Error::from_raw_os_error(libc::EISDIR),
        )));
    }
    let elf =
        loader::load_elf(&mut mm, &file, &launch.program, Some(loader::elf::ET_DYN_BASE)).map_err(RunError::Load)?;
    if let Some(interp) = &elf.interp {
        return Err(RunError::Load(LoadError::WrongArch(
            launch.program.clone(),
            format!("dynamically linked (interpreter {interp}); dynamic programs are not supported yet"),
        )));
    }
    mm.init_brk(elf.end);
    let hwcap = vcpu::hwcap(config.backend);
    // SAFETY: these id getters cannot fail and touch no memory.
    let ids = unsafe { [libc::getuid(), libc::geteuid(), libc::getgid(), libc::getegid()] };
    let aux = AuxInfo {
        phdr: elf.phdr,
        phnum: elf.phnum,
        entry: elf.entry,
        base: 0,
        hwcap,
        hwcap2: 0,
        ids,
        sysinfo_ehdr: None,
        random: random16(),
    };
    let sp = stack::build(&mut mm, &launch.argv, &launch.envp, guest_exe.as_bytes(), &aux, elf.exec_stack)
        .map_err(|e| RunError::Setup(format!("initial stack: {}", e.message())))?;
    let setup = El1Setup { ttbr0: mm.ttbr0(), ttbr1: mm.ttbr1(), entry: elf.entry, sp };
    let cpu = vcpu::create(config.backend, phys, &setup).map_err(|e| RunError::Setup(e.to_string()))?;
    let mut p = Process::new(mm, fs, config.clone(), hwcap);
    p.exe = guest_exe;
    let name = launch.program.rsplit('/').next().unwrap_or("").as_bytes();
    let n = name.len().min(15);
    p.comm[..n].copy_from_slice(&name[..n]);
    Ok((p, cpu))
}

/// Run the guest until it exits.
pub fn run(config: &Config, launch: &Launch) -> Result<Outcome, RunError> {
    let (mut p, mut cpu) = prepare(config, launch)?;
    let deadline = config.timeout.map(|t| std::time::Instant::now() + t);
    if let Some(t) = config.timeout {
        let token = cpu.cancel_token();
        std::thread::Builder::new()
            .name("elfuse-timeout".into())
            .spawn(move || {
                std::thread::sleep(t);
                token.cancel();
            })
            .map_err(|e| RunError::Setup(format!("timeout thread: {e}")))?;
    }
    loop {
        let exit = cpu.run().map_err(|e| RunError::Setup(e.to_string()))?;
        match exit {
            VcpuExit::Syscall { .. } => {
                let (nr, a) = cpu.syscall_regs();
                match syscall::dispatch(&mut p, nr, &Args(a)) {
                    Flow::Return(v) => cpu.set(Reg::X(0), v),
                    Flow::ExitThread(s) | Flow::ExitGroup(s) => return Ok(Outcome::Exited(s)),
                    Flow::Killed(sig) => return Ok(Outcome::Signaled(sig)),
                }
                if p.mm_changed {
                    p.mm_changed = false;
                    cpu.flush_on_resume();
                }
            }
            VcpuExit::Cancelled => {
                if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                    if config.verbose {
                        eprintln!("elfuse: timeout: guest killed");
                    }
                    return Ok(Outcome::TimedOut);
                }
            }
            other => {
                let (sig, what) = fault_signal(&other);
                if config.verbose || config.strace {
                    eprintln!("elfuse: {what} at pc={:#x}: {:?} -> {}", cpu.get(Reg::Pc), other, signal::name(sig));
                }
                if config.strace {
                    eprintln!("--- {} ---\n+++ killed by {} +++", signal::name(sig), signal::name(sig));
                }
                return Ok(Outcome::Signaled(sig));
            }
        }
    }
}

/// The signal Linux sends for a synchronous exception.
fn fault_signal(exit: &VcpuExit) -> (i32, &'static str) {
    match exit {
        VcpuExit::DataAbort { esr, .. } | VcpuExit::InstructionAbort { esr, .. } => {
            let fsc = (*esr & 0x3f) as u32;
            if fsc == crate::vcpu::exit::fsc::ALIGNMENT {
                (signal::SIGBUS, "alignment fault")
            } else {
                (signal::SIGSEGV, "segmentation fault")
            }
        }
        VcpuExit::Alignment { .. } => (signal::SIGBUS, "alignment fault"),
        VcpuExit::Undefined { .. } => (signal::SIGILL, "illegal instruction"),
        VcpuExit::Breakpoint { .. } => (signal::SIGTRAP, "breakpoint"),
        _ => (signal::SIGSEGV, "unexpected exception"),
    }
}
