//! The `elfuse` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use elfuse::process::Config;
use elfuse::run::{self, Launch};
use elfuse::vcpu::{self, Backend};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BackendArg {
    /// $ELFUSE_BACKEND if set, else hvf on macOS/Apple Silicon, interp elsewhere.
    Auto,
    /// elfuse's own AArch64 CPU.
    Interp,
    /// Apple's Hypervisor.framework.
    Hvf,
}

/// Run an AArch64 Linux program as an ordinary host process.
#[derive(Parser, Debug)]
#[command(name = "elfuse", version, about)]
struct Cli {
    /// Directory to use as the guest's root (`/`).
    #[arg(long, value_name = "DIR")]
    sysroot: Option<PathBuf>,
    /// Kill the guest after SECS seconds (0 = no limit, the default).
    #[arg(short = 't', long, value_name = "SECS", default_value_t = 0.0)]
    timeout: f64,
    /// Print diagnostics (unimplemented syscalls, faults) on stderr.
    #[arg(short, long)]
    verbose: bool,
    /// Print every system call in strace's format on stderr.
    #[arg(long)]
    strace: bool,
    /// Which CPU runs the guest.
    #[arg(long, value_enum, default_value = "auto")]
    backend: BackendArg,
    /// Set a guest environment variable (repeatable).
    #[arg(long = "env", value_name = "K=V")]
    env: Vec<String>,
    /// Start the guest with an empty environment (before --env).
    #[arg(long)]
    clear_env: bool,
    /// The guest's initial working directory (a guest path).
    #[arg(long, value_name = "DIR")]
    workdir: Option<String>,
    /// Expose host directory HOST at guest path GUEST (repeatable).
    #[arg(long = "bind", value_name = "HOST:GUEST")]
    bind: Vec<String>,
    /// The guest sees uid/gid 0; chown/chmod succeed and stat shows the
    /// recorded owner.
    #[arg(long)]
    fakeroot: bool,
    /// The uid (and gid) the guest sees.
    #[arg(long, value_name = "UID[:GID]")]
    user: Option<String>,
    /// The program (a guest path; looked up in the guest PATH if it has no
    /// `/`), then its arguments, passed untouched.
    #[arg(value_name = "PROGRAM [ARGS]", trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    command: Vec<String>,
}

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn fail(msg: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("elfuse: {msg}");
    ExitCode::from(code)
}

/// Exit as the guest did: its status, or death by its signal.
fn finish(outcome: run::Outcome, strace: bool) -> ExitCode {
    elfuse::procfs::instance::cleanup();
    if strace {
        if let run::Outcome::Exited(s) = outcome {
            eprintln!("+++ exited with {s} +++");
        }
    }
    if let run::Outcome::Signaled(sig) = outcome {
        // Die by the same signal, so a parent (a shell, or the guest
        // parent of a forked child) sees "killed by signal N".
        elfuse::signal::host::die_by(sig);
    }
    ExitCode::from(outcome.shell_status() as u8)
}

fn main() -> ExitCode {
    // A fork helper (internal): `elfuse --fork-child FD`.
    let raw: Vec<String> = std::env::args().collect();
    if raw.len() == 3 && raw[1] == elfuse::fork::CHILD_FLAG {
        let Ok(fd) = raw[2].parse::<i32>() else { return fail("bad fork helper fd", 125) };
        return match elfuse::fork::child_main(fd) {
            Ok(outcome) => finish(outcome, false),
            Err(e) => fail(format!("fork child: {e}"), 125),
        };
    }
    let cli = Cli::parse();
    let Some(program) = cli.command.first().cloned() else {
        return fail("missing PROGRAM (usage: elfuse [OPTIONS] PROGRAM [ARGS...]; try --help)", 2);
    };
    let backend = match cli.backend {
        BackendArg::Auto => vcpu::default_backend(),
        BackendArg::Interp => Backend::Interp,
        BackendArg::Hvf => Backend::Hvf,
    };
    if !cli.timeout.is_finite() || cli.timeout < 0.0 {
        return fail(format!("invalid --timeout {}: must be a number of seconds >= 0", cli.timeout), 2);
    }
    let sysroot = match &cli.sysroot {
        None => None,
        Some(d) => match std::fs::canonicalize(d) {
            Ok(p) if p.is_dir() => Some(p),
            Ok(_) => return fail(format!("--sysroot {}: not a directory", d.display()), 2),
            Err(e) => return fail(format!("--sysroot {}: {e}", d.display()), 2),
        },
    };

    let mut binds = Vec::new();
    for b in &cli.bind {
        let Some((host, guest)) = b.rsplit_once(':') else {
            return fail(format!("--bind {b}: expected HOST:GUEST"), 2);
        };
        if !guest.starts_with('/') || elfuse::fs::normalize(guest) == "/" {
            return fail(format!("--bind {b}: GUEST must be an absolute path below /"), 2);
        }
        match std::fs::canonicalize(host) {
            Ok(h) if h.is_dir() => binds.push((h, elfuse::fs::normalize(guest))),
            Ok(_) => return fail(format!("--bind {b}: {host} is not a directory"), 2),
            Err(e) => return fail(format!("--bind {b}: {e}"), 2),
        }
    }
    let user = match &cli.user {
        None => None,
        Some(u) => {
            let (uid, gid) = u.split_once(':').unwrap_or((u, u));
            match (uid.parse::<u32>(), gid.parse::<u32>()) {
                (Ok(a), Ok(b)) => Some((a, b)),
                _ => return fail(format!("--user {u}: expected UID[:GID] as numbers"), 2),
            }
        }
    };

    // Environment: the host's (unless cleared), then --env overrides.
    let mut env: Vec<(String, String)> = if cli.clear_env {
        Vec::new()
    } else {
        std::env::vars_os().map(|(k, v)| (k.to_string_lossy().into(), v.to_string_lossy().into())).collect()
    };
    for kv in &cli.env {
        let Some((k, v)) = kv.split_once('=') else {
            return fail(format!("--env {kv}: expected K=V"), 2);
        };
        env.retain(|(ek, _)| ek != k);
        env.push((k.to_string(), v.to_string()));
    }

    // Initial cwd: --workdir, else the host cwd (mapped into the root).
    let host_cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let cwd = match (&cli.workdir, &sysroot) {
        (Some(w), _) if w.starts_with('/') => elfuse::fs::normalize(w),
        (Some(w), _) => return fail(format!("--workdir {w}: must be an absolute guest path"), 2),
        (None, None) => host_cwd.to_string_lossy().into_owned(),
        (None, Some(root)) => host_cwd
            .strip_prefix(root)
            .map(|rest| elfuse::fs::normalize(&format!("/{}", rest.to_string_lossy())))
            .unwrap_or_else(|_| "/".into()),
    };
    let fsctx = elfuse::fs::FsContext { root: sysroot.clone(), cwd: cwd.clone(), umask: 0o022 };
    if !fsctx.host_path(&cwd).is_dir() {
        return fail(format!("working directory {cwd}: no such directory in the guest root"), 2);
    }

    // PROGRAM without a slash: search the guest PATH, as execvp does.
    let program = if program.contains('/') {
        // A host path into the root (`elfuse --sysroot R R/lib/ld.so ...`,
        // as qemu-user's -L accepts) names the same file as its guest path.
        match &sysroot {
            Some(root) if !fsctx.host_path(&fsctx.absolute(program.as_bytes())).is_file() => {
                // The directory is resolved on the host, the name is left for
                // the guest resolver (it may be a symlink meant for the root).
                let p = std::path::Path::new(&program);
                let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
                std::fs::canonicalize(dir)
                    .ok()
                    .and_then(|d| d.strip_prefix(root).ok().map(std::path::Path::to_path_buf))
                    .zip(p.file_name())
                    .map(|(rest, name)| format!("/{}", rest.join(name).to_string_lossy()))
                    .unwrap_or(program)
            }
            _ => program,
        }
    } else {
        let path = env.iter().find(|(k, _)| k == "PATH").map_or(DEFAULT_PATH, |(_, v)| v.as_str());
        path.split(':')
            .map(|dir| format!("{}/{}", if dir.is_empty() { "." } else { dir }, program))
            .find(|cand| fsctx.host_path(&fsctx.absolute(cand.as_bytes())).is_file())
            .unwrap_or(program)
    };

    let argv: Vec<Vec<u8>> = cli.command.iter().map(|a| a.clone().into_bytes()).collect();
    let launch =
        Launch { program, argv, envp: env.iter().map(|(k, v)| format!("{k}={v}").into_bytes()).collect(), cwd };
    let config = Config {
        sysroot,
        timeout: (cli.timeout > 0.0).then(|| Duration::from_secs_f64(cli.timeout)),
        verbose: cli.verbose,
        strace: cli.strace,
        backend,
        binds,
        fakeroot: cli.fakeroot,
        user,
    };
    match run::run(&config, &launch) {
        Ok(outcome) => finish(outcome, config.strace),
        Err(e) => {
            elfuse::procfs::instance::cleanup();
            let code = e.exit_status() as u8;
            fail(e, code)
        }
    }
}
