//! `/proc/<pid>` files: the calling process's from its own state, other
//! guest processes' from their registry records ([`super::registry`]).
//! Formats follow Linux's `fs/proc/array.c`, `base.c` and `task_mmu.c`.

use std::fmt::Write as _;

use super::registry::Record;
use crate::abi::errno::Errno;
use crate::mem::space::{AddressSpace, Backing};
use crate::process::Process;

/// Where the initial stack put argv, envp and auxv (Linux `mm->arg_start`
/// and friends, `saved_auxv`): captured at exec from the initial sp.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecInfo {
    /// First byte of the argv strings.
    pub arg_start: u64,
    /// One past the last argv string's NUL.
    pub arg_end: u64,
    /// First byte of the environment strings.
    pub env_start: u64,
    /// One past the last environment string's NUL.
    pub env_end: u64,
    /// The initial stack pointer (`startstack`).
    pub start_stack: u64,
    /// The auxiliary vector, as (key, value) words through AT_NULL.
    pub auxv: Vec<u64>,
}

impl ExecInfo {
    /// Read the layout back from a freshly built initial stack at `sp`.
    pub fn capture(mm: &AddressSpace, sp: u64) -> ExecInfo {
        let mut e = ExecInfo { start_stack: sp, ..ExecInfo::default() };
        let Ok(argc) = mm.read_u64(sp) else { return e };
        let strings = |first: u64, n: u64| -> Option<(u64, u64)> {
            if n == 0 {
                return None;
            }
            let start = mm.read_u64(first).ok()?;
            let last = mm.read_u64(first + 8 * (n - 1)).ok()?;
            let len = mm.read_cstr(last, 1 << 20).ok()?.len() as u64;
            Some((start, last + len + 1))
        };
        let argv = sp + 8;
        if let Some((s, t)) = strings(argv, argc.min(1 << 20)) {
            (e.arg_start, e.arg_end) = (s, t);
        }
        let envp = argv + 8 * (argc + 1);
        let mut envc = 0;
        while envc < (1 << 20) && mm.read_u64(envp + 8 * envc).is_ok_and(|v| v != 0) {
            envc += 1;
        }
        match strings(envp, envc) {
            Some((s, t)) => (e.env_start, e.env_end) = (s, t),
            None => (e.env_start, e.env_end) = (e.arg_end, e.arg_end),
        }
        let mut at = envp + 8 * (envc + 1);
        for _ in 0..64 {
            let (Ok(k), Ok(v)) = (mm.read_u64(at), mm.read_u64(at + 8)) else { break };
            e.auxv.extend([k, v]);
            at += 16;
            if k == 0 {
                break;
            }
        }
        e
    }
}

/// Which process a `/proc/<pid>` directory shows.
pub enum Who {
    /// The calling process (its tid when shown as a task).
    Me,
    /// Another guest process of the instance tree.
    Other(Record),
}

/// Resolve a `/proc` directory name to a process.
pub fn who(p: &Process, name: &str) -> Option<Who> {
    let n: i32 = name.parse().ok().filter(|n: &i32| *n > 0 && name == n.to_string())?;
    if n == p.pid() || p.threads.contains_key(&n) {
        return Some(Who::Me);
    }
    super::registry::get(n).map(Who::Other)
}

/// The parent's pid (the host's parent is the guest's parent: fork
/// helpers are spawned by their guest parent's elfuse).
pub fn ppid() -> i32 {
    // SAFETY: no memory effects.
    unsafe { libc::getppid() }
}

/// `comm` as text (up to its NUL).
pub fn comm_str(p: &Process) -> String {
    let n = p.comm.iter().position(|&b| b == 0).unwrap_or(p.comm.len());
    String::from_utf8_lossy(&p.comm[..n]).into_owned()
}

fn guest_range(p: &Process, start: u64, end: u64) -> Vec<u8> {
    if end <= start || end - start > (4 << 20) {
        return Vec::new();
    }
    let mut b = vec![0u8; (end - start) as usize];
    match p.mm.read(start, &mut b) {
        Ok(()) => b,
        Err(_) => Vec::new(),
    }
}

/// `/proc/self/cmdline`: the argv area of the guest's memory (as Linux
/// `get_mm_cmdline` reads it, so a rewritten argv shows).
pub fn cmdline(p: &Process) -> Vec<u8> {
    guest_range(p, p.exec_info.arg_start, p.exec_info.arg_end)
}

/// `/proc/self/environ`.
pub fn environ(p: &Process) -> Vec<u8> {
    guest_range(p, p.exec_info.env_start, p.exec_info.env_end)
}

/// `/proc/self/auxv`: the saved vector, as native-endian words.
pub fn auxv(p: &Process) -> Vec<u8> {
    p.exec_info.auxv.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Sizes (bytes) Linux reports in status/statm: (total, data, stack, exe
/// text, file-backed).
struct VmSizes {
    total: u64,
    data: u64,
    stack: u64,
    text: u64,
    file: u64,
}

fn vm_sizes(p: &Process) -> VmSizes {
    let mut v = VmSizes { total: 0, data: 0, stack: 0, text: 0, file: 0 };
    for r in p.mm.regions() {
        let len = r.end - r.start;
        v.total += len;
        if r.label == Some("[stack]") {
            v.stack += len;
        } else if matches!(r.backing, Backing::File { .. }) {
            v.file += len;
            if r.perm.exec() {
                v.text += len;
            }
        } else if r.perm.write() && !r.shared {
            v.data += len;
        }
    }
    v
}

/// Resident pages: elfuse does not track which guest pages were touched,
/// so everything mapped except the untouched part of the stack reservation
/// (counted as its top 132 KiB) is reported resident.
fn rss_bytes(p: &Process) -> u64 {
    let v = vm_sizes(p);
    v.total - v.stack + v.stack.min(132 << 10)
}

fn kb(b: u64) -> u64 {
    b / 1024
}

/// CPU time used by this process (user, system) in clock ticks (100 Hz).
fn cpu_ticks() -> (u64, u64) {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills `ru`.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr()) } != 0 {
        return (0, 0);
    }
    // SAFETY: initialised by the successful call.
    let ru = unsafe { ru.assume_init() };
    let t = |tv: libc::timeval| tv.tv_sec as u64 * 100 + tv.tv_usec as u64 / 10_000;
    (t(ru.ru_utime), t(ru.ru_stime))
}

fn sig_sets(p: &Process) -> (u64, u64) {
    let (mut ign, mut cgt) = (0u64, 0u64);
    for (i, a) in p.sig.actions.iter().enumerate() {
        if a.handler == crate::abi::signal::SIG_IGN {
            ign |= 1 << i;
        } else if a.handler != crate::abi::signal::SIG_DFL {
            cgt |= 1 << i;
        }
    }
    (ign, cgt)
}

fn brk_start(p: &Process) -> u64 {
    p.mm.parts().1
}

/// The controlling terminal (Linux dev_t) and its foreground group.
fn tty_nr() -> (u64, i32) {
    for fd in 0..3 {
        if let Some(n) = super::dev::host_pts_number(fd) {
            // SAFETY: no memory effects.
            let pg = unsafe { libc::tcgetpgrp(fd) };
            return (crate::abi::stat::makedev(136, n), pg);
        }
    }
    (0, -1)
}

fn pgrp_sid() -> (i32, i32) {
    // SAFETY: no memory effects.
    unsafe { (libc::getpgrp(), libc::getsid(0)) }
}

/// `/proc/<pid>/stat` (`do_task_stat`).
pub fn stat(p: &Process, who: &Who, tid: Option<i32>) -> String {
    match who {
        Who::Me => {
            let (ut, st) = cpu_ticks();
            let (pgrp, sid) = pgrp_sid();
            let (tty, tpgid) = tty_nr();
            let v = vm_sizes(p);
            let (ign, cgt) = sig_sets(p);
            let pending = p.sig.pending | p.sig.tpending;
            let rlim_rss = p.rlimits.get(crate::abi::misc::RLIMIT_RSS as usize).map_or(u64::MAX, |r| r.cur);
            let (text_lo, text_hi) = text_range(p);
            let e = &p.exec_info;
            let b = brk_start(p);
            format!(
                "{} ({}) R {} {} {} {} {} 4194304 0 0 0 0 {} {} 0 0 20 0 {} 0 {} {} {} {} {} {} {} 0 0 {} {} {} {} 0 0 0 17 0 0 0 0 0 0 {} {} {} {} {} {} {} 0\n",
                tid.unwrap_or(p.pid()),
                comm_str(p),
                ppid(),
                pgrp,
                sid,
                tty,
                tpgid,
                ut,
                st,
                p.threads.len().max(1),
                info_start(p),
                v.total,
                rss_bytes(p) / 4096,
                rlim_rss,
                text_lo,
                text_hi,
                e.start_stack,
                pending,
                p.sig.mask,
                ign,
                cgt,
                text_hi,
                b,
                b,
                e.arg_start,
                e.arg_end,
                e.env_start,
                e.env_end,
            )
        }
        Who::Other(r) => format!(
            "{} ({}) S {} 0 0 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 {} 0 {} 0 0 {} 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
            r.pid, r.comm, r.ppid, r.threads, r.start_ticks, u64::MAX
        ),
    }
}

fn info_start(p: &Process) -> u64 {
    super::info::start_ticks(p)
}

/// The main program's text range (startcode, endcode).
fn text_range(p: &Process) -> (u64, u64) {
    let mut it =
        p.mm.regions().filter(|r| r.perm.exec() && matches!(&r.backing, Backing::File { path, .. } if *path == p.exe));
    match it.next() {
        Some(r) => (r.start, r.end),
        None => (0, 0),
    }
}

/// `/proc/<pid>/statm`: size resident shared text lib data dt (pages).
pub fn statm(p: &Process, who: &Who) -> String {
    match who {
        Who::Me => {
            let v = vm_sizes(p);
            let pg = |b: u64| b / 4096;
            format!("{} {} {} {} 0 {} 0\n", pg(v.total), pg(rss_bytes(p)), pg(v.file), pg(v.text), pg(v.data + v.stack))
        }
        Who::Other(_) => "0 0 0 0 0 0 0\n".into(),
    }
}

/// `/proc/<pid>/status` (`proc_pid_status`).
pub fn status(p: &Process, who: &Who, tid: Option<i32>) -> String {
    let mut s = String::new();
    let (name, state, pid, ppid_v, uids, gids, threads) = match who {
        Who::Me => (comm_str(p), "R (running)", p.pid(), ppid(), p.cred.uid, p.cred.gid, p.threads.len().max(1) as u64),
        Who::Other(r) => (r.comm.clone(), "S (sleeping)", r.pid, r.ppid, [r.uid; 3], [r.gid; 3], r.threads),
    };
    let fsuid = if matches!(who, Who::Me) { p.cred.fs } else { [uids[0], gids[0]] };
    let _ = writeln!(s, "Name:\t{name}");
    if matches!(who, Who::Me) {
        let _ = writeln!(s, "Umask:\t{:04o}", p.fs.umask);
    }
    let _ = writeln!(s, "State:\t{state}");
    let _ = writeln!(s, "Tgid:\t{pid}\nNgid:\t0\nPid:\t{}\nPPid:\t{ppid_v}\nTracerPid:\t0", tid.unwrap_or(pid));
    let _ = writeln!(s, "Uid:\t{}\t{}\t{}\t{}", uids[0], uids[1], uids[2], fsuid[0]);
    let _ = writeln!(s, "Gid:\t{}\t{}\t{}\t{}", gids[0], gids[1], gids[2], fsuid[1]);
    let (fdsize, groups) = match who {
        Who::Me => {
            let n = p.fds.iter().last().map_or(0, |(i, _)| i + 1);
            (n.next_power_of_two().max(64), p.cred.groups.iter().map(|g| format!("{g} ")).collect::<String>())
        }
        Who::Other(_) => (64, String::new()),
    };
    let _ = writeln!(s, "FDSize:\t{fdsize}\nGroups:\t{groups}");
    let (pgrp, sid) = pgrp_sid();
    let _ = writeln!(s, "NStgid:\t{pid}\nNSpid:\t{}", tid.unwrap_or(pid));
    if matches!(who, Who::Me) {
        let _ = writeln!(s, "NSpgid:\t{pgrp}\nNSsid:\t{sid}");
        let v = vm_sizes(p);
        let rss = rss_bytes(p);
        let anon = rss.saturating_sub(v.file);
        for (k, val) in [
            ("VmPeak", v.total),
            ("VmSize", v.total),
            ("VmLck", 0),
            ("VmPin", 0),
            ("VmHWM", rss),
            ("VmRSS", rss),
            ("RssAnon", anon),
            ("RssFile", v.file),
            ("RssShmem", 0),
            ("VmData", v.data),
            ("VmStk", v.stack),
            ("VmExe", v.text),
            ("VmLib", 0),
            ("VmPTE", 0),
            ("VmSwap", 0),
        ] {
            let _ = writeln!(s, "{k}:\t{:8} kB", kb(val));
        }
    }
    let _ = writeln!(s, "Threads:\t{threads}");
    let nsig = p.rlimits.get(RLIMIT_SIGPENDING).map_or(0, |r| r.cur.min(1 << 20));
    match who {
        Who::Me => {
            let (ign, cgt) = sig_sets(p);
            let queued = (p.sig.pending | p.sig.tpending).count_ones();
            let _ = writeln!(s, "SigQ:\t{queued}/{nsig}");
            let _ = writeln!(s, "SigPnd:\t{:016x}\nShdPnd:\t{:016x}", p.sig.tpending, p.sig.pending);
            let _ = writeln!(s, "SigBlk:\t{:016x}\nSigIgn:\t{ign:016x}\nSigCgt:\t{cgt:016x}", p.sig.mask);
        }
        Who::Other(_) => {
            let _ = writeln!(s, "SigQ:\t0/{nsig}");
            for k in ["SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"] {
                let _ = writeln!(s, "{k}:\t{:016x}", 0);
            }
        }
    }
    let caps = if uids[1] == 0 { 0x1ff_ffff_ffffu64 } else { 0 };
    let _ = writeln!(s, "CapInh:\t{:016x}\nCapPrm:\t{caps:016x}\nCapEff:\t{caps:016x}", 0);
    let _ = writeln!(s, "CapBnd:\t{:016x}\nCapAmb:\t{:016x}", 0x1ff_ffff_ffffu64, 0);
    let _ = writeln!(s, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0");
    let n = super::info::ncpus();
    let _ = writeln!(s, "Cpus_allowed:\t{}", super::info::cpu_mask_hex(n));
    let _ = writeln!(s, "Cpus_allowed_list:\t{}", super::info::cpu_list(n));
    let _ = writeln!(s, "Mems_allowed:\t1\nMems_allowed_list:\t0");
    let _ = writeln!(s, "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0");
    s
}

fn perm_str(r: &crate::mem::space::Region) -> String {
    format!(
        "{}{}{}{}",
        if r.perm.read() { 'r' } else { '-' },
        if r.perm.write() { 'w' } else { '-' },
        if r.perm.exec() { 'x' } else { '-' },
        if r.shared { 's' } else { 'p' }
    )
}

/// `/proc/self/maps` lines (`show_map_vma`), and for smaps the per-region
/// counters.
pub fn maps(p: &Process, smaps: bool) -> String {
    let mut s = String::new();
    let brk_lo = brk_start(p);
    for r in p.mm.regions() {
        let (off, dev, ino, name) = match &r.backing {
            Backing::File { path, offset, dev_ino } => {
                let d = crate::abi::stat::dev_from_host(dev_ino.0);
                let dev = format!("{:02x}:{:02x}", (d >> 8) & 0xfff, (d & 0xff) | ((d >> 12) & 0xfff00));
                (*offset, dev, dev_ino.1, path.clone())
            }
            // Linux backs shared anonymous memory with a deleted shmem
            // file of that name.
            Backing::Anon if r.shared && r.label.is_none() => {
                let (off, ino) = r.shm.as_ref().map_or((0, 0), |o| {
                    let meta = o.fd.try_clone().ok().and_then(|f| std::fs::File::from(f).metadata().ok());
                    (o.offset, meta.map_or(0, |m| std::os::unix::fs::MetadataExt::ino(&m)))
                });
                (off, "00:01".to_string(), ino, "/dev/zero (deleted)".to_string())
            }
            Backing::Anon => {
                let name = match r.label {
                    Some(l) => l.to_string(),
                    None if r.start >= brk_lo && r.start < p.mm.brk().max(brk_lo) => "[heap]".to_string(),
                    None => String::new(),
                };
                (0, "00:00".to_string(), 0, name)
            }
        };
        let head = format!("{:08x}-{:08x} {} {:08x} {} {}", r.start, r.end, perm_str(r), off, dev, ino);
        if name.is_empty() {
            let _ = writeln!(s, "{head}");
        } else {
            let _ = writeln!(s, "{head:<72} {name}");
        }
        if smaps {
            let size = kb(r.end - r.start);
            let rss = if r.label == Some("[stack]") { size.min(132) } else { size };
            let file = matches!(r.backing, Backing::File { .. });
            let _ = writeln!(s, "Size:           {size:8} kB\nKernelPageSize: {:8} kB\nMMUPageSize:    {:8} kB", 4, 4);
            let _ = writeln!(s, "Rss:            {rss:8} kB\nPss:            {rss:8} kB\nPss_Dirty:      {:8} kB", 0);
            let (clean, dirty) = if file && !r.perm.write() { (rss, 0) } else { (0, rss) };
            let _ = writeln!(s, "Shared_Clean:   {:8} kB\nShared_Dirty:   {:8} kB", 0, 0);
            let _ =
                writeln!(s, "Private_Clean:  {clean:8} kB\nPrivate_Dirty:  {dirty:8} kB\nReferenced:     {rss:8} kB");
            let anon = if file { 0 } else { rss };
            let _ = writeln!(s, "Anonymous:      {anon:8} kB\nKSM:            {:8} kB\nLazyFree:       {:8} kB", 0, 0);
            for k in [
                "AnonHugePages",
                "ShmemPmdMapped",
                "FilePmdMapped",
                "Shared_Hugetlb",
                "Private_Hugetlb",
                "Swap",
                "SwapPss",
                "Locked",
            ] {
                let _ = writeln!(s, "{:<16}{:8} kB", format!("{k}:"), 0);
            }
            let _ = writeln!(s, "THPeligible:    0");
            let mut flags = String::new();
            for (on, f) in [(r.perm.read(), "rd"), (r.perm.write(), "wr"), (r.perm.exec(), "ex"), (r.shared, "sh")] {
                if on {
                    flags.push_str(f);
                    flags.push(' ');
                }
            }
            let _ = writeln!(s, "VmFlags: {flags}mr mw me ac ");
        }
    }
    s
}

/// `/proc/self/limits` (`proc_pid_limits`).
pub fn limits(p: &Process) -> String {
    const NAMES: [(&str, &str); 16] = [
        ("Max cpu time", "seconds"),
        ("Max file size", "bytes"),
        ("Max data size", "bytes"),
        ("Max stack size", "bytes"),
        ("Max core file size", "bytes"),
        ("Max resident set", "bytes"),
        ("Max processes", "processes"),
        ("Max open files", "files"),
        ("Max locked memory", "bytes"),
        ("Max address space", "bytes"),
        ("Max file locks", "locks"),
        ("Max pending signals", "signals"),
        ("Max msgqueue size", "bytes"),
        ("Max nice priority", ""),
        ("Max realtime priority", ""),
        ("Max realtime timeout", "us"),
    ];
    let mut s = format!("{:<25} {:<20} {:<20} {:<10}\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (i, (name, unit)) in NAMES.iter().enumerate() {
        let Some(l) = p.rlimits.get(i) else { break };
        let f = |v: u64| if v == crate::abi::misc::RLIM_INFINITY { "unlimited".to_string() } else { v.to_string() };
        let _ = writeln!(s, "{name:<25} {:<20} {:<20} {unit:<10}", f(l.cur), f(l.max));
    }
    s
}

/// `/proc/self/io`: elfuse does not count the guest's I/O (zeros).
pub fn io() -> String {
    "rchar: 0\nwchar: 0\nsyscr: 0\nsyscw: 0\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n".into()
}

/// `/proc/self/fdinfo/N` (`seq_fdinfo`): position, flags, mount id, inode.
pub fn fdinfo(p: &Process, fd: i64) -> Result<String, Errno> {
    let e = p.fds.get(fd)?;
    let h = std::os::fd::AsRawFd::as_raw_fd(&e.host);
    // SAFETY: lseek/fcntl on an fd we own; no memory effects.
    let (pos, fl) = unsafe { (libc::lseek(h, 0, libc::SEEK_CUR), libc::fcntl(h, libc::F_GETFL)) };
    let mut flags = crate::syscall::sys_file::status_flags_from_host(fl.max(0));
    if e.cloexec {
        flags |= crate::abi::fcntl::O_CLOEXEC;
    }
    let ino = super::fd_ino(p, fd).unwrap_or(0);
    Ok(format!("pos:\t{}\nflags:\t0{:o}\nmnt_id:\t{}\nino:\t{}\n", pos.max(0), flags, 1, ino))
}

/// `/proc/self/oom_score_adj` of this process (writable, -1000..=1000).
pub static OOM_SCORE_ADJ: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Linux RLIMIT_SIGPENDING (the SigQ limit).
const RLIMIT_SIGPENDING: usize = 11;
