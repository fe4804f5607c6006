//! System information: uname, sysinfo, CPU affinity, getrandom.

use super::{Args, SysResult};
use crate::abi::errno::Errno;
use crate::abi::misc::{Sysinfo, Utsname, GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM};
use crate::process::Process;

/// The kernel release elfuse reports.
pub const RELEASE: &str = "6.1.0-elfuse";
/// The kernel version string elfuse reports.
pub const VERSION: &str = "#1 SMP PREEMPT elfuse";

fn field(dst: &mut [u8; 65], s: &[u8]) {
    let n = s.len().min(64);
    dst[..n].copy_from_slice(&s[..n]);
}

/// The host's node name.
pub fn hostname() -> Vec<u8> {
    let mut b = [0u8; 256];
    // SAFETY: gethostname writes at most b.len() bytes.
    if unsafe { libc::gethostname(b.as_mut_ptr().cast(), b.len()) } != 0 {
        return b"localhost".to_vec();
    }
    b.iter().take_while(|&&c| c != 0).copied().collect()
}

/// uname(2): every field zero-padded, as Linux fills `new_utsname`.
pub fn uname(p: &mut Process, a: &Args) -> SysResult {
    let mut u = Utsname::default();
    field(&mut u.sysname, b"Linux");
    field(&mut u.nodename, &hostname());
    field(&mut u.release, RELEASE.as_bytes());
    field(&mut u.version, VERSION.as_bytes());
    field(&mut u.machine, b"aarch64");
    field(&mut u.domainname, b"(none)");
    p.mm.write_obj(a.u(0), &u)?;
    Ok(0)
}

/// Number of CPUs the host lets us use.
pub fn ncpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(1024)
}

/// sched_getaffinity(2): every CPU the host gives elfuse.
pub fn sched_getaffinity(p: &mut Process, a: &Args) -> SysResult {
    let (pid, len, mask) = (a.int(0), a.u(1), a.u(2));
    if pid != 0 && pid != i64::from(p.pid()) {
        return Err(Errno::ESRCH);
    }
    let n = ncpus();
    let size = n.div_ceil(64) as u64 * 8;
    if len * 8 < n as u64 || len % 8 != 0 {
        return Err(Errno::EINVAL);
    }
    let mut bytes = vec![0u8; size as usize];
    for cpu in 0..n {
        bytes[cpu / 8] |= 1 << (cpu % 8);
    }
    p.mm.write(mask, &bytes)?;
    Ok(size)
}

/// sched_yield(2).
pub fn sched_yield(_p: &mut Process, _a: &Args) -> SysResult {
    std::thread::yield_now();
    Ok(0)
}

/// getcpu(2).
pub fn getcpu(p: &mut Process, a: &Args) -> SysResult {
    #[cfg(target_os = "linux")]
    // SAFETY: no memory effects.
    let cpu = unsafe { libc::sched_getcpu() }.max(0) as u32;
    #[cfg(not(target_os = "linux"))]
    let cpu = 0u32;
    if a.u(0) != 0 {
        p.mm.write(a.u(0), &cpu.to_le_bytes())?;
    }
    if a.u(1) != 0 {
        p.mm.write(a.u(1), &0u32.to_le_bytes())?;
    }
    Ok(0)
}

/// getrandom(2).
pub fn getrandom(p: &mut Process, a: &Args) -> SysResult {
    let (buf, len, flags) = (a.u(0), a.u(1), a.u(2));
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_INSECURE | GRND_RANDOM) == (GRND_INSECURE | GRND_RANDOM)
    {
        return Err(Errno::EINVAL);
    }
    // Linux caps one call at 32 MiB minus a page (MAX_RW_COUNT is larger,
    // but urandom_read_iter returns short reads of at most that).
    let len = len.min(0x1ff_ffff) as usize;
    if len == 0 {
        return Ok(0);
    }
    if !p.mm.check(buf, len as u64, true) {
        return Err(Errno::EFAULT);
    }
    let mut tmp = vec![0u8; len];
    let mut done = 0;
    while done < len {
        match crate::host::getrandom(&mut tmp[done..]) {
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Errno::from_io(&e)),
        }
    }
    p.mm.write(buf, &tmp)?;
    Ok(len as u64)
}

/// sysinfo(2).
// `struct sysinfo` field widths vary between hosts.
#[allow(clippy::unnecessary_cast)]
pub fn sysinfo(p: &mut Process, a: &Args) -> SysResult {
    let mut s = Sysinfo { mem_unit: 1, procs: 1, ..Sysinfo::default() };
    #[cfg(target_os = "linux")]
    {
        let mut h = std::mem::MaybeUninit::<libc::sysinfo>::uninit();
        // SAFETY: sysinfo fills `h`.
        if unsafe { libc::sysinfo(h.as_mut_ptr()) } == 0 {
            // SAFETY: sysinfo succeeded.
            let h = unsafe { h.assume_init() };
            let unit = u64::from(h.mem_unit.max(1));
            s.uptime = h.uptime as i64;
            s.loads = [h.loads[0] as u64, h.loads[1] as u64, h.loads[2] as u64];
            s.totalram = h.totalram as u64 * unit;
            s.freeram = h.freeram as u64 * unit;
            s.sharedram = h.sharedram as u64 * unit;
            s.bufferram = h.bufferram as u64 * unit;
            s.totalswap = h.totalswap as u64 * unit;
            s.freeswap = h.freeswap as u64 * unit;
            s.procs = h.procs;
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        s.uptime = p.started.elapsed().as_secs() as i64;
    }
    p.mm.write_obj(a.u(0), &s)?;
    Ok(0)
}
