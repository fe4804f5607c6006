//! System-wide `/proc` files and `/proc/sys`, `/sys` values. Machine
//! totals (uptime, load, memory) are the ones `sysinfo(2)` reports; CPU
//! time is the guest's own; nothing names a host process.

use std::fmt::Write as _;

use crate::process::Process;

/// Linux `cpuinfo` feature names, by AT_HWCAP bit (arch/arm64/kernel/cpuinfo.c).
const HWCAP_NAMES: [&str; 32] = [
    "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid",
    "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4", "asimddp", "sha512", "sve", "asimdfhm", "dit",
    "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg",
];

/// MIDR_EL1 fields shown per CPU: the value the software CPU reports
/// (an Arm Neoverse-N1-class part).
const MIDR: u64 = 0x410f_d0c0;

/// Online CPUs.
pub fn ncpus() -> usize {
    crate::syscall::sys_info::ncpus()
}

/// `0-N` (or `0`).
pub fn cpu_list(n: usize) -> String {
    if n <= 1 {
        "0".into()
    } else {
        format!("0-{}", n - 1)
    }
}

/// A CPU mask in Linux's `%*pb` form (32-bit groups, comma-separated).
pub fn cpu_mask_hex(n: usize) -> String {
    let words = n.div_ceil(32).max(1);
    let mut out = Vec::new();
    for w in (0..words).rev() {
        let bits = n.saturating_sub(w * 32).min(32);
        let v: u64 = if bits == 32 { 0xffff_ffff } else { (1u64 << bits) - 1 };
        out.push(if w == words - 1 { format!("{v:x}") } else { format!("{v:08x}") });
    }
    out.join(",")
}

/// Machine totals: (uptime seconds, load averages, total, free, shared,
/// buffer RAM, total swap, free swap), as sysinfo(2) reports them.
pub struct Machine {
    /// Seconds since boot.
    pub uptime: f64,
    /// 1, 5, 15-minute load (fixed point, 1 << 16 = 1.0).
    pub loads: [u64; 3],
    /// Bytes.
    pub total: u64,
    /// Bytes.
    pub free: u64,
    /// Bytes.
    pub shared: u64,
    /// Bytes.
    pub buffers: u64,
    /// Bytes.
    pub swap_total: u64,
    /// Bytes.
    pub swap_free: u64,
}

/// The machine's totals.
#[allow(clippy::unnecessary_cast)]
pub fn machine() -> Machine {
    #[cfg(target_os = "linux")]
    {
        let mut h = std::mem::MaybeUninit::<libc::sysinfo>::uninit();
        // SAFETY: sysinfo fills `h`.
        if unsafe { libc::sysinfo(h.as_mut_ptr()) } == 0 {
            // SAFETY: sysinfo succeeded.
            let h = unsafe { h.assume_init() };
            let u = u64::from(h.mem_unit.max(1));
            let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: clock_gettime writes one timespec.
            let up = if unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) } == 0 {
                ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
            } else {
                h.uptime as f64
            };
            return Machine {
                uptime: up,
                loads: [h.loads[0] as u64, h.loads[1] as u64, h.loads[2] as u64],
                total: h.totalram as u64 * u,
                free: h.freeram as u64 * u,
                shared: h.sharedram as u64 * u,
                buffers: h.bufferram as u64 * u,
                swap_total: h.totalswap as u64 * u,
                swap_free: h.freeswap as u64 * u,
            };
        }
    }
    // SAFETY: sysconf has no memory effects.
    let (pages, avail, psz) =
        unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), sysconf_avail(), libc::sysconf(libc::_SC_PAGESIZE)) };
    let psz = psz.max(4096) as u64;
    Machine {
        uptime: boot_elapsed(),
        loads: [0; 3],
        total: pages.max(0) as u64 * psz,
        free: avail.max(0) as u64 * psz,
        shared: 0,
        buffers: 0,
        swap_total: 0,
        swap_free: 0,
    }
}

#[cfg(not(target_os = "linux"))]
unsafe fn sysconf_avail() -> libc::c_long {
    // No free-page count on this host: report the total as available.
    // SAFETY: sysconf has no memory effects.
    unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) }
}
#[cfg(target_os = "linux")]
unsafe fn sysconf_avail() -> libc::c_long {
    // SAFETY: sysconf has no memory effects.
    unsafe { libc::sysconf(libc::_SC_AVPHYS_PAGES) }
}

/// Seconds the elfuse instance has been up (hosts without a boot clock).
fn boot_elapsed() -> f64 {
    static T0: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    T0.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
}

/// Boot time, seconds since the epoch.
pub fn boot_time() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    (now - machine().uptime).max(0.0) as u64
}

/// A process's start time in clock ticks (100 Hz) since boot.
pub fn start_ticks(p: &Process) -> u64 {
    let since = machine().uptime - p.started.elapsed().as_secs_f64();
    (since.max(0.0) * 100.0) as u64
}

/// `/proc/cpuinfo`.
pub fn cpuinfo(p: &Process) -> String {
    let feats: Vec<&str> = (0..32).filter(|b| p.hwcap & (1 << b) != 0).map(|b| HWCAP_NAMES[b]).collect();
    let mut s = String::new();
    for cpu in 0..ncpus() {
        let _ = write!(
            s,
            "processor\t: {cpu}\nBogoMIPS\t: 50.00\nFeatures\t: {}\nCPU implementer\t: 0x{:02x}\nCPU architecture: 8\nCPU variant\t: 0x{:x}\nCPU part\t: 0x{:03x}\nCPU revision\t: {}\n\n",
            feats.join(" "),
            (MIDR >> 24) & 0xff,
            (MIDR >> 20) & 0xf,
            (MIDR >> 4) & 0xfff,
            MIDR & 0xf
        );
    }
    s
}

/// `/proc/meminfo` (the fields procps and busybox read, in Linux's order
/// and format).
pub fn meminfo() -> String {
    let m = machine();
    let kb = |b: u64| b / 1024;
    let avail = m.free + m.buffers;
    let mut s = String::new();
    for (k, v) in [
        ("MemTotal", kb(m.total)),
        ("MemFree", kb(m.free)),
        ("MemAvailable", kb(avail)),
        ("Buffers", kb(m.buffers)),
        ("Cached", 0),
        ("SwapCached", 0),
        ("Active", 0),
        ("Inactive", 0),
        ("SwapTotal", kb(m.swap_total)),
        ("SwapFree", kb(m.swap_free)),
        ("Dirty", 0),
        ("Writeback", 0),
        ("AnonPages", 0),
        ("Mapped", 0),
        ("Shmem", kb(m.shared)),
        ("Slab", 0),
        ("SReclaimable", 0),
        ("SUnreclaim", 0),
        ("KernelStack", 0),
        ("PageTables", 0),
        ("CommitLimit", kb(m.total / 2 + m.swap_total)),
        ("Committed_AS", 0),
        ("VmallocTotal", 133_143_592_960 / 1024),
        ("VmallocUsed", 0),
        ("VmallocChunk", 0),
    ] {
        let _ = writeln!(s, "{:<16}{v:>8} kB", format!("{k}:"));
    }
    s
}

/// `/proc/uptime`: seconds up, and idle seconds summed over CPUs.
pub fn uptime(p: &Process) -> String {
    let m = machine();
    let (busy, _) = self_busy(p);
    let idle = (m.uptime * ncpus() as f64 - busy as f64 / 100.0).max(0.0);
    format!("{:.2} {:.2}\n", m.uptime, idle)
}

/// This process's CPU ticks (user, system).
fn self_busy(_p: &Process) -> (u64, u64) {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills `ru`.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, ru.as_mut_ptr()) } != 0 {
        return (0, 0);
    }
    // SAFETY: initialised by the successful call.
    let ru = unsafe { ru.assume_init() };
    #[allow(clippy::unnecessary_cast)]
    let t = |tv: libc::timeval| tv.tv_sec as u64 * 100 + tv.tv_usec as u64 / 10_000;
    (t(ru.ru_utime) + t(ru.ru_stime), t(ru.ru_stime))
}

/// `/proc/loadavg`: loads, running/total guest processes, last pid.
pub fn loadavg(p: &Process) -> String {
    let m = machine();
    let f = |l: u64| l as f64 / 65536.0;
    let pids = super::registry::pids();
    let total = pids.len().max(1);
    let last = pids.iter().copied().max().unwrap_or(p.pid()).max(p.pid());
    format!("{:.2} {:.2} {:.2} 1/{total} {last}\n", f(m.loads[0]), f(m.loads[1]), f(m.loads[2]))
}

/// `/proc/stat`: CPU time is the guest's own (the rest of the machine's
/// time counts as idle), boot time, process counts.
pub fn stat(p: &Process) -> String {
    let m = machine();
    let n = ncpus();
    let (busy, sys) = self_busy(p);
    let user = busy - sys;
    let idle_total = ((m.uptime * 100.0) as u64 * n as u64).saturating_sub(busy);
    let mut s = format!("cpu  {user} 0 {sys} {idle_total} 0 0 0 0 0 0\n");
    for c in 0..n {
        let (u, y) = if c == 0 { (user, sys) } else { (0, 0) };
        let idle = ((m.uptime * 100.0) as u64).saturating_sub(u + y);
        let _ = writeln!(s, "cpu{c} {u} 0 {y} {idle} 0 0 0 0 0 0");
    }
    let procs = super::registry::pids().len().max(1);
    let _ = write!(
        s,
        "intr 0\nctxt 0\nbtime {}\nprocesses {procs}\nprocs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
        boot_time()
    );
    s
}

/// `/proc/version`.
pub fn version() -> String {
    use crate::syscall::sys_info::{RELEASE, VERSION};
    format!("Linux version {RELEASE} (elfuse@elfuse) (elfuse) {VERSION}\n")
}

/// `/proc/filesystems`: the file systems the guest's mounts show.
pub fn filesystems() -> String {
    "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tdevpts\n\text4\n".into()
}

/// The mount table: (source, guest mount point, fs type, options, st_dev).
fn mount_table(p: &Process) -> Vec<(String, String, &'static str, &'static str, u64)> {
    let root_type = root_fs_type(p);
    let mut v = vec![("/dev/root".to_string(), "/".to_string(), root_type, "rw,relatime", 0)];
    let dev = super::tree::dev_of;
    v.push(("proc".into(), "/proc".into(), "proc", "rw,nosuid,nodev,noexec,relatime", dev("/proc")));
    v.push(("sysfs".into(), "/sys".into(), "sysfs", "rw,nosuid,nodev,noexec,relatime", dev("/sys")));
    v.push(("devtmpfs".into(), "/dev".into(), "devtmpfs", "rw,nosuid,relatime,mode=755", dev("/dev")));
    v.push((
        "devpts".into(),
        "/dev/pts".into(),
        "devpts",
        "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000",
        dev("/dev/pts"),
    ));
    v.push(("tmpfs".into(), "/dev/shm".into(), "tmpfs", "rw,nosuid,nodev", 0));
    for (_, g) in &p.config.binds {
        v.push(("none".into(), crate::fs::normalize(g), root_type, "rw,relatime", 0));
    }
    v
}

#[allow(clippy::unnecessary_cast)]
fn root_fs_type(p: &Process) -> &'static str {
    #[cfg(target_os = "linux")]
    {
        let mut s = std::mem::MaybeUninit::<libc::statfs>::uninit();
        let fd = p.vfs.root_fd();
        // SAFETY: fstatfs fills `s` on success.
        if unsafe { libc::fstatfs(std::os::fd::AsRawFd::as_raw_fd(&*fd), s.as_mut_ptr()) } == 0 {
            // SAFETY: initialised by the successful call.
            return match unsafe { s.assume_init() }.f_type as i64 {
                0xEF53 => "ext4",
                0x0102_1994 => "tmpfs",
                0x9123_683E => "btrfs",
                0x5846_5342 => "xfs",
                0x794c_7630 => "overlay",
                0x6573_5546 => "fuse",
                _ => "ext4",
            };
        }
        "ext4"
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = p;
        "ext4"
    }
}

/// `/proc/<pid>/mounts` (and `/proc/mounts`).
pub fn mounts(p: &Process) -> String {
    mount_table(p).into_iter().map(|(src, at, ty, opts, _)| format!("{src} {at} {ty} {opts} 0 0\n")).collect()
}

/// `/proc/<pid>/mountinfo`.
pub fn mountinfo(p: &Process) -> String {
    let mut s = String::new();
    for (i, (src, at, ty, opts, dev)) in mount_table(p).into_iter().enumerate() {
        let id = 20 + i;
        let parent = if i == 0 {
            1
        } else if at.starts_with("/dev/") {
            23
        } else {
            20
        };
        let (maj, min) = ((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
        let (mopts, sopts) = opts.split_once(',').map_or((opts, ""), |(a, b)| (a, b));
        let _ = writeln!(
            s,
            "{id} {parent} {maj}:{min} / {at} {mopts} - {ty} {src} rw{}{sopts}",
            if sopts.is_empty() { "" } else { "," }
        );
    }
    s
}

fn uuid_from(seed: u64, seed2: u64) -> String {
    let a = seed.to_be_bytes();
    let b = seed2.to_be_bytes();
    let mut u = [0u8; 16];
    u[..8].copy_from_slice(&a);
    u[8..].copy_from_slice(&b);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    let h: Vec<String> = u.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}\n",
        h[..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..].concat()
    )
}

/// `/proc/sys/kernel/random/boot_id`: stable for the elfuse instance tree.
pub fn boot_id() -> String {
    let seed = super::instance::dir().map_or_else(|| "elfuse".to_string(), |d| d.to_string_lossy().into_owned());
    uuid_from(super::tree::fnv(&seed), super::tree::fnv(&format!("{seed}/boot")))
}

/// `/proc/sys/kernel/random/uuid`: a new random UUID per read.
pub fn random_uuid() -> String {
    let mut r = [0u8; 16];
    let _ = getrandom(&mut r);
    uuid_from(
        u64::from_le_bytes(r[..8].try_into().unwrap_or_default()),
        u64::from_le_bytes(r[8..].try_into().unwrap_or_default()),
    )
}

fn getrandom(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

/// A `/proc/sys` value by its path below `/proc/sys`.
pub fn sysctl(name: &str) -> Option<String> {
    Some(match name {
        "kernel/osrelease" => format!("{}\n", crate::syscall::sys_info::RELEASE),
        "kernel/ostype" => "Linux\n".into(),
        "kernel/version" => format!("{}\n", crate::syscall::sys_info::VERSION),
        "kernel/hostname" => format!("{}\n", String::from_utf8_lossy(&crate::syscall::sys_info::hostname())),
        "kernel/domainname" => "(none)\n".into(),
        "kernel/pid_max" => "4194304\n".into(),
        "kernel/ngroups_max" => "65536\n".into(),
        "kernel/threads-max" => "126846\n".into(),
        "kernel/random/uuid" => random_uuid(),
        "kernel/random/boot_id" => boot_id(),
        "kernel/random/entropy_avail" => "256\n".into(),
        "kernel/random/poolsize" => "256\n".into(),
        "vm/overcommit_memory" => "0\n".into(),
        "vm/max_map_count" => "65530\n".into(),
        "vm/overcommit_ratio" => "50\n".into(),
        "fs/file-max" => "9223372036854775807\n".into(),
        "fs/nr_open" => "1048576\n".into(),
        _ => return None,
    })
}

/// Directory listing of `/proc/sys/<dir>`.
pub fn sysctl_dir(dir: &str) -> Option<&'static [&'static str]> {
    Some(match dir {
        "" => &["fs", "kernel", "vm"],
        "kernel" => &[
            "domainname",
            "hostname",
            "ngroups_max",
            "osrelease",
            "ostype",
            "pid_max",
            "random",
            "threads-max",
            "version",
        ],
        "kernel/random" => &["boot_id", "entropy_avail", "poolsize", "uuid"],
        "vm" => &["max_map_count", "overcommit_memory", "overcommit_ratio"],
        "fs" => &["file-max", "nr_open"],
        _ => return None,
    })
}

/// `/sys/devices/system/cpu/<name>` values.
pub fn sys_cpu(name: &str) -> Option<String> {
    let n = ncpus();
    Some(match name {
        "online" | "possible" | "present" => format!("{}\n", cpu_list(n)),
        "offline" => "\n".into(),
        "kernel_max" => "4095\n".into(),
        _ => return None,
    })
}

/// `/sys/devices/system/cpu/cpuN/topology/<name>`: one core per CPU, one
/// package.
pub fn sys_cpu_topology(cpu: usize, name: &str) -> Option<String> {
    let n = ncpus();
    Some(match name {
        "core_id" => format!("{cpu}\n"),
        "physical_package_id" | "cluster_id" => "0\n".into(),
        "thread_siblings_list" | "core_cpus_list" => format!("{cpu}\n"),
        "core_siblings_list" | "package_cpus_list" | "cluster_cpus_list" => format!("{}\n", cpu_list(n)),
        "thread_siblings" | "core_cpus" => {
            let mut m = vec![0u32; n.div_ceil(32).max(1)];
            m[cpu / 32] |= 1 << (cpu % 32);
            let words: Vec<String> = m
                .iter()
                .rev()
                .enumerate()
                .map(|(i, w)| if i == 0 { format!("{w:x}") } else { format!("{w:08x}") })
                .collect();
            format!("{}\n", words.join(","))
        }
        "core_siblings" | "package_cpus" | "cluster_cpus" => format!("{}\n", cpu_mask_hex(n)),
        _ => return None,
    })
}

/// Names in `/sys/devices/system/cpu/cpuN/topology`.
pub const TOPOLOGY: &[&str] = &[
    "cluster_cpus",
    "cluster_cpus_list",
    "cluster_id",
    "core_cpus",
    "core_cpus_list",
    "core_id",
    "core_siblings",
    "core_siblings_list",
    "package_cpus",
    "package_cpus_list",
    "physical_package_id",
    "thread_siblings",
    "thread_siblings_list",
];
