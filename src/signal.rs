//! Signal delivery, as Linux arm64 does it.
//!
//! Signals become pending on the process (kill/tgkill to itself, faults,
//! host signals forwarded by [`host`]); before the guest resumes, the first
//! deliverable one is acted on: its default action, or a handler entered
//! through an `rt_sigframe` built on the guest stack exactly as
//! `arch/arm64/kernel/signal.c` lays it out (siginfo, ucontext, sigcontext
//! with fpsimd and esr records). `rt_sigreturn` reads the frame back.

use crate::abi::errno::Errno;
use crate::abi::signal::{self as sig, frame, si, KSigaction, SigInfo};
use crate::abi::Pod;
use crate::process::Process;
use crate::vcpu::{Reg, Vcpu, VcpuExit};

/// What a signal's default action does (signal(7)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    /// Terminate.
    Term,
    /// Terminate and dump core.
    Core,
    /// Ignore.
    Ign,
    /// Stop the process.
    Stop,
    /// Continue a stopped process.
    Cont,
}

/// The default action of `s`.
pub fn default_action(s: i32) -> DefaultAction {
    match s {
        sig::SIGQUIT
        | sig::SIGILL
        | sig::SIGTRAP
        | sig::SIGABRT
        | sig::SIGBUS
        | sig::SIGFPE
        | sig::SIGSEGV
        | sig::SIGXCPU
        | sig::SIGXFSZ
        | sig::SIGSYS => DefaultAction::Core,
        sig::SIGCHLD | sig::SIGURG | sig::SIGWINCH => DefaultAction::Ign,
        sig::SIGSTOP | sig::SIGTSTP | sig::SIGTTIN | sig::SIGTTOU => DefaultAction::Stop,
        sig::SIGCONT => DefaultAction::Cont,
        _ => DefaultAction::Term,
    }
}

/// Bit for signal `s` in a sigset.
pub const fn bit(s: i32) -> u64 {
    1u64 << ((s - 1) as u32 & 63)
}

/// Signals that can never be blocked or caught.
pub const UNBLOCKABLE: u64 = bit(sig::SIGKILL) | bit(sig::SIGSTOP);

impl Process {
    /// Make `info.signo` pending (standard signals do not queue twice).
    pub fn queue_signal(&mut self, info: SigInfo) {
        let s = info.signo;
        if !(1..=sig::NSIG).contains(&s) {
            return;
        }
        let idx = (s - 1) as usize;
        if self.sig.pending & bit(s) == 0 {
            self.sig.info[idx] = info;
        }
        self.sig.pending |= bit(s);
        crate::syscall::sys_signalfd::sync(self);
    }

    /// Remove pending signal `s` (thread-directed first, then
    /// process-directed) and return its siginfo.
    pub fn take_signal(&mut self, s: i32) -> SigInfo {
        let info = if self.sig.tpending & bit(s) != 0 {
            self.sig.tpending &= !bit(s);
            let pos = self.sig.tinfo.iter().position(|i| i.signo == s);
            pos.map(|i| self.sig.tinfo.remove(i)).unwrap_or(SigInfo { signo: s, ..SigInfo::default() })
        } else {
            self.sig.pending &= !bit(s);
            self.sig.info[(s - 1) as usize]
        };
        crate::syscall::sys_signalfd::sync(self);
        info
    }

    /// Pending signals not blocked by the mask (SIGKILL/SIGSTOP always).
    pub fn deliverable(&self) -> u64 {
        (self.sig.pending | self.sig.tpending) & (!self.sig.mask | UNBLOCKABLE)
    }

    /// Deliverable signals that interrupt a wait: not the ignored ones
    /// (Linux discards those when they are sent, `sig_ignored`).
    pub fn interrupting(&self) -> u64 {
        let mut ready = self.deliverable();
        let mut bits = ready;
        while bits != 0 {
            let s = bits.trailing_zeros() as i32 + 1;
            bits &= bits - 1;
            let h = self.sig.actions[(s - 1) as usize].handler;
            let ignored = h == sig::SIG_IGN
                || (h == sig::SIG_DFL && matches!(default_action(s), DefaultAction::Ign | DefaultAction::Cont));
            if ignored && s != sig::SIGKILL {
                ready &= !bit(s);
            }
        }
        ready
    }
}

/// What delivery decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Nothing to do, or a handler frame was set up: resume the guest.
    Resume,
    /// The process is killed by this signal.
    Kill(i32),
}

/// Deliver the lowest-numbered deliverable signal, if any.
pub fn deliver_pending(p: &mut Process, cpu: &mut dyn Vcpu) -> Delivery {
    host::collect(p);
    loop {
        let ready = p.deliverable();
        if ready == 0 {
            restore_saved_mask(p);
            return Delivery::Resume;
        }
        // SIGKILL first, then lowest number (synchronous faults are queued
        // and delivered at once by `deliver_fault`).
        let s = if ready & bit(sig::SIGKILL) != 0 { sig::SIGKILL } else { ready.trailing_zeros() as i32 + 1 };
        let info = p.take_signal(s);
        let act = p.sig.actions[(s - 1) as usize];
        match act.handler {
            _ if s == sig::SIGKILL => return Delivery::Kill(s),
            sig::SIG_IGN => continue,
            sig::SIG_DFL => match default_action(s) {
                DefaultAction::Term | DefaultAction::Core => return Delivery::Kill(s),
                DefaultAction::Ign | DefaultAction::Cont => continue,
                DefaultAction::Stop => {
                    host::stop_self();
                    continue;
                }
            },
            _ => {
                return match setup_frame(p, cpu, s, &info, &act, 0) {
                    Ok(()) => Delivery::Resume,
                    // Linux: a frame that cannot be written forces SIGSEGV.
                    Err(_) => Delivery::Kill(sig::SIGSEGV),
                };
            }
        }
    }
}

/// After rt_sigsuspend/ppoll with a temporary mask: put the saved mask back
/// once no handler took it (a handler's frame records it instead).
fn restore_saved_mask(p: &mut Process) {
    if let Some(m) = p.sig.saved_mask.take() {
        p.sig.mask = m;
    }
}

/// The signal, si_code and address Linux sends for a synchronous exception.
pub fn fault_info(exit: &VcpuExit, pc: u64) -> Option<SigInfo> {
    use crate::vcpu::exit::fsc;
    Some(match *exit {
        VcpuExit::DataAbort { far, esr } | VcpuExit::InstructionAbort { far, esr } => {
            let code = (esr & 0x3f) as u32;
            if code == fsc::ALIGNMENT {
                SigInfo::fault(sig::SIGBUS, si::BUS_ADRALN, far)
            } else if (fsc::PERMISSION..fsc::PERMISSION + 4).contains(&code) {
                SigInfo::fault(sig::SIGSEGV, si::SEGV_ACCERR, far)
            } else {
                SigInfo::fault(sig::SIGSEGV, si::SEGV_MAPERR, far)
            }
        }
        VcpuExit::Alignment { far, .. } => SigInfo::fault(sig::SIGBUS, si::BUS_ADRALN, far),
        VcpuExit::Undefined { .. } => SigInfo::fault(sig::SIGILL, si::ILL_ILLOPC, pc),
        VcpuExit::Breakpoint { .. } => SigInfo::fault(sig::SIGTRAP, si::TRAP_BRKPT, pc),
        _ => return None,
    })
}

/// Deliver a synchronous fault signal now (Linux `force_sig_fault`): a
/// blocked or ignored fault signal kills the process.
pub fn deliver_fault(p: &mut Process, cpu: &mut dyn Vcpu, info: SigInfo, esr: u64) -> Delivery {
    let s = info.signo;
    let act = p.sig.actions[(s - 1) as usize];
    let blocked = p.sig.mask & bit(s) != 0;
    if act.handler == sig::SIG_DFL || act.handler == sig::SIG_IGN || blocked {
        return Delivery::Kill(s);
    }
    match setup_frame(p, cpu, s, &info, &act, esr) {
        Ok(()) => Delivery::Resume,
        Err(_) => Delivery::Kill(sig::SIGSEGV),
    }
}

fn put(buf: &mut [u8], off: u64, bytes: &[u8]) {
    let o = off as usize;
    buf[o..o + bytes.len()].copy_from_slice(bytes);
}

fn get_u64(buf: &[u8], off: u64) -> u64 {
    let o = off as usize;
    u64::from_le_bytes(buf[o..o + 8].try_into().unwrap_or([0; 8]))
}

fn get_u32(buf: &[u8], off: u64) -> u32 {
    let o = off as usize;
    u32::from_le_bytes(buf[o..o + 4].try_into().unwrap_or([0; 4]))
}

/// sigaltstack `ss_flags` for a thread whose stack pointer is `sp`.
pub fn altstack_flags(p: &Process, sp: u64) -> u32 {
    let (base, flags, size) = p.sig.altstack;
    if flags & sig::SS_DISABLE != 0 {
        sig::SS_DISABLE
    } else if sp > base && sp - base <= size {
        sig::SS_ONSTACK
    } else {
        0
    }
}

/// Build an rt_sigframe for `s` and enter its handler.
fn setup_frame(
    p: &mut Process,
    cpu: &mut dyn Vcpu,
    s: i32,
    info: &SigInfo,
    act: &KSigaction,
    esr: u64,
) -> Result<(), Errno> {
    let cur_sp = cpu.get(Reg::Sp);
    let mut sp = cur_sp;
    let (alt_base, _, alt_size) = p.sig.altstack;
    if act.flags & sig::SA_ONSTACK != 0 && altstack_flags(p, cur_sp) == 0 {
        sp = alt_base.wrapping_add(alt_size);
    }
    // Frame record (fp, lr) above the frame, as arm64 get_sigframe does.
    let record = sp.wrapping_sub(16) & !15;
    let base = record.wrapping_sub(frame::SIZE) & !15;

    let mut b = vec![0u8; frame::SIZE as usize];
    put(&mut b, 0, info.as_bytes());
    let uc = frame::UC;
    put(&mut b, uc + frame::UC_FLAGS, &0u64.to_le_bytes());
    put(&mut b, uc + frame::UC_LINK, &0u64.to_le_bytes());
    put(&mut b, uc + frame::UC_STACK, &alt_base.to_le_bytes());
    put(&mut b, uc + frame::UC_STACK + 8, &altstack_flags(p, cur_sp).to_le_bytes());
    put(&mut b, uc + frame::UC_STACK + 16, &alt_size.to_le_bytes());
    let old_mask = p.sig.saved_mask.take().unwrap_or(p.sig.mask);
    put(&mut b, uc + frame::UC_SIGMASK, &old_mask.to_le_bytes());
    let mc = uc + frame::UC_MCONTEXT;
    let fault_addr =
        if matches!(s, sig::SIGSEGV | sig::SIGBUS | sig::SIGILL | sig::SIGTRAP | sig::SIGFPE) && info.code > 0 {
            info.fields[0]
        } else {
            0
        };
    put(&mut b, mc + frame::MC_FAULT_ADDRESS, &fault_addr.to_le_bytes());
    for r in 0..31u8 {
        put(&mut b, mc + frame::MC_REGS + 8 * u64::from(r), &cpu.get(Reg::X(r)).to_le_bytes());
    }
    put(&mut b, mc + frame::MC_SP, &cur_sp.to_le_bytes());
    put(&mut b, mc + frame::MC_PC, &cpu.get(Reg::Pc).to_le_bytes());
    put(&mut b, mc + frame::MC_PSTATE, &(cpu.get(Reg::Pstate) & 0xf000_0000).to_le_bytes());
    let mut rec = mc + frame::MC_RESERVED;
    put(&mut b, rec, &frame::FPSIMD_MAGIC.to_le_bytes());
    put(&mut b, rec + 4, &frame::FPSIMD_SIZE.to_le_bytes());
    put(&mut b, rec + 8, &(cpu.get(Reg::Fpsr) as u32).to_le_bytes());
    put(&mut b, rec + 12, &(cpu.get(Reg::Fpcr) as u32).to_le_bytes());
    for v in 0..32u8 {
        put(&mut b, rec + 16 + 16 * u64::from(v), &cpu.get_v(v).to_le_bytes());
    }
    rec += u64::from(frame::FPSIMD_SIZE);
    if esr != 0 {
        put(&mut b, rec, &frame::ESR_MAGIC.to_le_bytes());
        put(&mut b, rec + 4, &frame::ESR_SIZE.to_le_bytes());
        put(&mut b, rec + 8, &esr.to_le_bytes());
    }
    // The rest (the terminator record) is already zero.

    let mut fr = [0u8; 16];
    fr[..8].copy_from_slice(&cpu.get(Reg::X(29)).to_le_bytes());
    fr[8..].copy_from_slice(&cpu.get(Reg::X(30)).to_le_bytes());
    p.mm.write(record, &fr)?;
    p.mm.write(base, &b)?;

    let restorer =
        if act.flags & sig::SA_RESTORER != 0 && act.restorer != 0 { act.restorer } else { crate::vdso::sigreturn_va() };
    cpu.set(Reg::X(0), s as u64);
    cpu.set(Reg::X(1), base);
    cpu.set(Reg::X(2), base + uc);
    cpu.set(Reg::X(29), record);
    cpu.set(Reg::X(30), restorer);
    cpu.set(Reg::Sp, base);
    cpu.set(Reg::Pc, act.handler);

    let mut block = act.mask;
    if act.flags & sig::SA_NODEFER == 0 {
        block |= bit(s);
    }
    p.sig.mask = (old_mask | block) & !UNBLOCKABLE;
    if act.flags & sig::SA_RESETHAND != 0 {
        p.sig.actions[(s - 1) as usize] = KSigaction::default();
    }
    Ok(())
}

/// rt_sigreturn: restore the context saved by [`setup_frame`]. A bad frame
/// is `Err` (the caller kills the process with SIGSEGV, as Linux does).
pub fn sigreturn(p: &mut Process, cpu: &mut dyn Vcpu) -> Result<(), Errno> {
    let base = cpu.get(Reg::Sp);
    if base % 16 != 0 {
        return Err(Errno::EFAULT);
    }
    let mut b = vec![0u8; frame::SIZE as usize];
    p.mm.read(base, &mut b)?;
    let uc = frame::UC;
    let mc = uc + frame::UC_MCONTEXT;
    // Validate the records before changing anything.
    let mut rec = mc + frame::MC_RESERVED;
    let end = mc + frame::MC_RESERVED + frame::RESERVED_SIZE;
    let mut fpsimd = None;
    loop {
        if rec + 8 > end {
            return Err(Errno::EINVAL);
        }
        let (magic, size) = (get_u32(&b, rec), get_u32(&b, rec + 4));
        match magic {
            0 if size == 0 => break,
            frame::FPSIMD_MAGIC if size == frame::FPSIMD_SIZE => fpsimd = Some(rec),
            frame::ESR_MAGIC if size == frame::ESR_SIZE => {}
            _ => return Err(Errno::EINVAL),
        }
        rec += u64::from(size);
    }
    let fp = fpsimd.ok_or(Errno::EINVAL)?;
    for r in 0..31u8 {
        cpu.set(Reg::X(r), get_u64(&b, mc + frame::MC_REGS + 8 * u64::from(r)));
    }
    cpu.set(Reg::Sp, get_u64(&b, mc + frame::MC_SP));
    cpu.set(Reg::Pc, get_u64(&b, mc + frame::MC_PC));
    // Only the flags are restorable; the mode stays EL0t.
    cpu.set(Reg::Pstate, get_u64(&b, mc + frame::MC_PSTATE) & 0xf000_0000);
    cpu.set(Reg::Fpsr, u64::from(get_u32(&b, fp + 8)));
    cpu.set(Reg::Fpcr, u64::from(get_u32(&b, fp + 12)));
    for v in 0..32u8 {
        let o = (fp + 16 + 16 * u64::from(v)) as usize;
        cpu.set_v(v, u128::from_le_bytes(b[o..o + 16].try_into().unwrap_or([0; 16])));
    }
    p.sig.mask = get_u64(&b, uc + frame::UC_SIGMASK) & !UNBLOCKABLE;
    // restore_altstack: only when not currently running on it.
    let (ss_sp, ss_flags, ss_size) = (
        get_u64(&b, uc + frame::UC_STACK),
        get_u32(&b, uc + frame::UC_STACK + 8),
        get_u64(&b, uc + frame::UC_STACK + 16),
    );
    if ss_flags & sig::SS_DISABLE != 0 {
        p.sig.altstack = (0, sig::SS_DISABLE, 0);
    } else if ss_size >= sig::MINSIGSTKSZ {
        p.sig.altstack = (ss_sp, 0, ss_size);
    }
    Ok(())
}

/// Host signals forwarded to the guest.
///
/// A host signal handler can only touch async-signal-safe state, so this
/// is one of elfuse's few process-wide statics: the pending set and the
/// cancel token that kicks the running vCPU out of guest code.
pub mod host {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;

    use super::bit;
    use crate::abi::signal as sig;
    use crate::process::Process;
    use crate::vcpu::CancelToken;

    static PENDING: AtomicU64 = AtomicU64::new(0);
    static KICK: OnceLock<CancelToken> = OnceLock::new();
    /// Per Linux signal 1..=64: si_code, and the two siginfo words at
    /// offsets 16 and 24 (pid|uid or tid|overrun; value or status), saved
    /// by the handler for `collect`.
    static INFO: [[AtomicU64; 3]; 64] = [const { [const { AtomicU64::new(0) }; 3] }; 64];

    /// Host signals elfuse forwards, as (host number, Linux number).
    pub fn forwarded() -> Vec<(i32, i32)> {
        vec![
            (libc::SIGHUP, sig::SIGHUP),
            (libc::SIGINT, sig::SIGINT),
            (libc::SIGQUIT, sig::SIGQUIT),
            (libc::SIGUSR1, sig::SIGUSR1),
            (libc::SIGUSR2, sig::SIGUSR2),
            (libc::SIGALRM, sig::SIGALRM),
            (libc::SIGTERM, sig::SIGTERM),
            (libc::SIGCHLD, sig::SIGCHLD),
            (libc::SIGCONT, sig::SIGCONT),
            (libc::SIGTSTP, sig::SIGTSTP),
            (libc::SIGTTIN, sig::SIGTTIN),
            (libc::SIGTTOU, sig::SIGTTOU),
            (libc::SIGURG, sig::SIGURG),
            (libc::SIGXCPU, sig::SIGXCPU),
            (libc::SIGXFSZ, sig::SIGXFSZ),
            (libc::SIGVTALRM, sig::SIGVTALRM),
            (libc::SIGPROF, sig::SIGPROF),
            (libc::SIGWINCH, sig::SIGWINCH),
            (libc::SIGIO, sig::SIGIO),
            (libc::SIGSYS, sig::SIGSYS),
        ]
    }

    /// Linux signal number -> host signal number.
    pub fn to_host(linux: i32) -> Option<i32> {
        match linux {
            sig::SIGKILL => Some(libc::SIGKILL),
            sig::SIGSTOP => Some(libc::SIGSTOP),
            sig::SIGSEGV => Some(libc::SIGSEGV),
            sig::SIGBUS => Some(libc::SIGBUS),
            sig::SIGILL => Some(libc::SIGILL),
            sig::SIGFPE => Some(libc::SIGFPE),
            sig::SIGTRAP => Some(libc::SIGTRAP),
            sig::SIGABRT => Some(libc::SIGABRT),
            sig::SIGPIPE => Some(libc::SIGPIPE),
            l => forwarded().into_iter().find(|&(_, g)| g == l).map(|(h, _)| h),
        }
    }

    /// Linux si_code for a host one.
    fn linux_code(c: i32) -> i32 {
        match c {
            crate::host::si::USER => sig::si::SI_USER,
            crate::host::si::QUEUE => sig::si::SI_QUEUE,
            crate::host::si::TIMER => -2,
            #[cfg(target_os = "linux")]
            libc::SI_TKILL => sig::si::SI_TKILL,
            libc::CLD_EXITED => sig::si::CLD_EXITED,
            libc::CLD_KILLED => sig::si::CLD_KILLED,
            libc::CLD_DUMPED => sig::si::CLD_DUMPED,
            c => c,
        }
    }

    extern "C" fn on_signal(hs: libc::c_int, info: *mut libc::siginfo_t, _uc: *mut libc::c_void) {
        if let Some(&(_, l)) = forwarded().iter().find(|&&(h, _)| h == hs) {
            if !info.is_null() {
                // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO
                // handlers; only plain loads and atomic stores follow.
                let (code, w0, w1) = unsafe {
                    let i = &*info;
                    let code = linux_code(i.si_code);
                    let (w0, w1) = if l == sig::SIGCHLD {
                        (u64::from(i.si_pid() as u32) | u64::from(i.si_uid()) << 32, u64::from(i.si_status() as u32))
                    } else if code == -2 || code == sig::si::SI_QUEUE {
                        (0, i.si_value().sival_ptr as u64)
                    } else {
                        (u64::from(i.si_pid() as u32) | u64::from(i.si_uid()) << 32, 0)
                    };
                    (code, w0, w1)
                };
                let slot = &INFO[(l - 1) as usize];
                slot[0].store(code as u32 as u64, Ordering::Relaxed);
                slot[1].store(w0, Ordering::Relaxed);
                slot[2].store(w1, Ordering::Relaxed);
            }
            PENDING.fetch_or(bit(l), Ordering::SeqCst);
        }
        if let Some(k) = KICK.get() {
            k.cancel();
        }
    }

    /// Install the forwarding handlers; `kick` stops the vCPU so the signal
    /// is delivered promptly. Host SIGPIPE is ignored: a write to a broken
    /// pipe returns EPIPE and the guest gets its SIGPIPE from elfuse.
    pub fn install(kick: CancelToken) {
        let _ = KICK.set(kick);
        for (h, _) in forwarded() {
            // SAFETY: sigaction with a zeroed struct, a valid extern "C"
            // handler and an empty mask; no SA_RESTART so blocking host
            // calls return EINTR and the guest sees the signal.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction =
                    on_signal as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize;
                sa.sa_flags = libc::SA_SIGINFO;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(h, &sa, std::ptr::null_mut());
            }
        }
        // SAFETY: setting SIGPIPE's disposition to ignore.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    }

    /// Move host-delivered signals into the process's pending set.
    pub fn collect(p: &mut Process) {
        let mut bits = PENDING.swap(0, Ordering::SeqCst);
        while bits != 0 {
            let s = bits.trailing_zeros() as i32 + 1;
            bits &= bits - 1;
            let slot = &INFO[(s - 1) as usize];
            let mut info =
                sig::SigInfo { signo: s, code: slot[0].load(Ordering::Relaxed) as u32 as i32, ..Default::default() };
            info.fields[0] = slot[1].load(Ordering::Relaxed);
            info.fields[1] = slot[2].load(Ordering::Relaxed);
            p.queue_signal(info);
        }
    }

    /// Whether a forwarded host signal is waiting.
    pub fn any_pending() -> bool {
        PENDING.load(Ordering::SeqCst) != 0
    }

    /// Default "stop" action: stop elfuse itself (job control works).
    pub fn stop_self() {
        // SAFETY: raising SIGSTOP on ourselves has no memory effects.
        unsafe { libc::raise(libc::SIGSTOP) };
    }

    /// Terminate elfuse by host signal `linux` (so a parent's wait status
    /// says "killed by"), without leaving a core file; falls back to exit.
    pub fn die_by(linux: i32) -> ! {
        if let Some(h) = to_host(linux) {
            // SAFETY: no memory effects: disable core dumps, reset the
            // disposition, unblock, raise.
            unsafe {
                #[cfg(target_os = "linux")]
                libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
                let rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
                libc::setrlimit(libc::RLIMIT_CORE, &rl);
                libc::signal(h, libc::SIG_DFL);
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, h);
                libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                libc::raise(h);
            }
        }
        std::process::exit(128 + linux);
    }
}
