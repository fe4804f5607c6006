//! The `hvf` backend: guest code on Apple Silicon through Hypervisor.framework.
//!
//! The guest world is the interp backend's: one VM per host process (the
//! framework allows no more) maps the whole guest-physical reservation at
//! IPA 0 (36 bits = the 64 GiB of [`layout::PHYS_SIZE`], which every Apple
//! Silicon supports), each vCPU starts at EL0 with our stage-1 tables and
//! `VBAR_EL1` at the shim, and the shim's `hvc #vector` exits to the host,
//! which reads ESR_EL1/FAR_EL1 and returns [`VcpuExit::from_syndrome`].
//! docs/hvf.md maps every framework call to its guest-world concept.
//!
//! Thread binding: a framework vCPU belongs to the thread that created it
//! (create, run, register access, destroy). elfuse creates a guest thread's
//! vCPU on the parent's thread and moves it to the new host thread
//! (`thread::spawn`), so an [`HvfVcpu`] starts *unbound*: registers live in
//! a shadow [`Regs`] until the first [`Vcpu::run`], which creates the
//! framework vCPU on the calling thread and loads the shadow into it. From
//! then on only that thread may touch it (checked on every call).
//!
//! Memory changes: `PhysMem::map_file`, `discard` and `adopt` replace host
//! pages under the VM's mapping with `mmap(MAP_FIXED)`. Whether the
//! framework follows such a replacement is not documented, so the VM
//! installs a remap hook on the memory it maps and re-maps the changed
//! 16 KiB-aligned IPA range (`hv_vm_unmap` + `hv_vm_map`). A vCPU touching
//! that range meanwhile takes a stage-2 abort; it waits for the remap and
//! retries the instruction (see [`Vm::raced`]).
//!
//! Cancellation: [`CancelToken::cancel`] kicks with `hv_vcpus_exit` (called
//! directly, allocation-free: the host signal handler cancels). `run` checks
//! the request before every entry; in case a kick that lands between that
//! check and `hv_vcpu_run` is not latched by the framework, the virtual
//! timer (unused by Linux guests at EL0) is armed as a safety tick that
//! exits the guest every [`TICK_HZ`]th of a second.

mod hwcap;

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::thread::{self, ThreadId};

use applevisor::error::HypervisorError;
use applevisor::memory::{MemPerms, PAGE_SIZE};
use applevisor::vcpu::{ExitReason, Reg as HvReg, SimdFpReg, SysReg, Vcpu as HvVcpu};
use applevisor::vm::{GicDisabled, VirtualMachine, VirtualMachineConfig, VirtualMachineInstance};

pub use self::hwcap::{host_hwcap, hwcap_from_id_regs};
use super::exit::ec;
use super::{arch, shim, CancelToken, El1Setup, Reg, Vcpu, VcpuError, VcpuExit};
use crate::mem::layout;
use crate::mem::phys::PhysMem;

/// IPA width the VM is created with: just enough for the reservation (the
/// stage-1 output size in [`arch::TCR_EL1`] is 36 bits too; a wider IPA
/// would only add stage-2 levels).
const IPA_BITS: u32 = 64 - (layout::PHYS_SIZE - 1).leading_zeros();
const _: () = assert!(IPA_BITS == 36, "guest-physical memory must fit the 36-bit IPA of M1/M2");

/// `vector` of a [`VcpuExit::Unexpected`] that did not come through the shim.
pub const NOT_SHIM: u16 = u16::MAX;

/// PSTATE of a synthetic exception entry: EL1h, D/A/I/F masked.
const PSTATE_EL1H_MASKED: u64 = 0x3c5;

/// Size of one shim vector entry (`hvc #index; eret`, see [`shim`]).
const VECTOR_STRIDE: u64 = 0x80;

/// CNTKCTL_EL1.EL0VCTEN: EL0 may read CNTVCT_EL0 (the vDSO clock), as on Linux.
const CNTKCTL_EL0VCTEN: u64 = 1 << 1;

/// CNTV_CTL_EL0.ENABLE (IMASK clear).
const CNTV_ENABLE: u64 = 1;

/// Safety ticks per second of guest run time (see the module doc).
const TICK_HZ: u64 = 50;

/// Guest-visible PSTATE bits the host may set (NZCV); the mode stays EL0t.
const PSTATE_FLAGS: u64 = 0xf000_0000;

/// Entry points applevisor 1.0 does not wrap in a usable form: its `Memory`
/// only maps buffers it allocated itself, and `vcpus_exit` allocates (the
/// kick runs in a signal handler). Hypervisor.framework, `hv_vm.h`/`hv_vcpu.h`.
mod ffi {
    use std::ffi::c_void;

    #[cfg_attr(target_os = "macos", link(name = "Hypervisor", kind = "framework"))]
    extern "C" {
        pub fn hv_vm_map(addr: *mut c_void, ipa: u64, size: usize, flags: u64) -> i32;
        pub fn hv_vm_unmap(ipa: u64, size: usize) -> i32;
        pub fn hv_vcpus_exit(vcpus: *const u64, count: u32) -> i32;
    }
}

fn hv_result(code: i32) -> Result<(), HypervisorError> {
    if code == 0 {
        Ok(())
    } else {
        Err(HypervisorError::from(code))
    }
}

fn backend(what: &str, e: HypervisorError) -> VcpuError {
    VcpuError::Backend(format!("{what}: {e}"))
}

/// The process's one VM and the guest memory it maps.
struct Vm {
    instance: VirtualMachineInstance<GicDisabled>,
    /// Mapped at IPA 0; held so the host pages outlive the mapping. Written
    /// while the stage-2 mapping changes (map, remap), so a reader sees a
    /// complete mapping.
    mapped: RwLock<Option<Arc<PhysMem>>>,
    /// Bumped before and after every remap: a vCPU that took a stage-2
    /// abort during one sees a different value than at its entry.
    remaps: AtomicU64,
    /// A remap failed: guest memory and the VM's view may differ.
    broken: AtomicBool,
}

static VM: OnceLock<Result<Vm, String>> = OnceLock::new();

/// The VM, created on first use (a failure is remembered, not retried).
fn vm() -> Result<&'static Vm, VcpuError> {
    VM.get_or_init(create_vm).as_ref().map_err(|e| VcpuError::Backend(e.clone()))
}

fn create_vm() -> Result<Vm, String> {
    let max = VirtualMachineConfig::get_max_ipa_size().map_err(|e| format!("max IPA size: {e}"))?;
    if max < IPA_BITS {
        return Err(format!("host IPA size is {max} bits, elfuse needs {IPA_BITS}"));
    }
    let mut config = VirtualMachineConfig::new();
    config.set_ipa_size(IPA_BITS).map_err(|e| format!("IPA size {IPA_BITS}: {e}"))?;
    let instance = VirtualMachine::with_config(config)
        .map_err(|e| format!("hv_vm_create: {e} (is elfuse signed with com.apple.security.hypervisor?)"))?;
    Ok(Vm { instance, mapped: RwLock::new(None), remaps: AtomicU64::new(0), broken: AtomicBool::new(false) })
}

/// The framework's page (16 KiB), as u64.
const HV_PAGE: u64 = PAGE_SIZE as u64;

impl Vm {
    /// Map `phys` RWX at IPA 0, replacing the memory of an earlier address
    /// space (execve). vCPUs still running on the old memory (threads that
    /// execve is cancelling) take a stage-2 abort meanwhile, wait, and
    /// retry on the new memory, where their pending cancel stops them.
    fn map(&'static self, phys: &Arc<PhysMem>) -> Result<(), VcpuError> {
        self.remaps.fetch_add(1, Ordering::SeqCst);
        let r = self.map_locked(phys);
        self.remaps.fetch_add(1, Ordering::SeqCst);
        r
    }

    fn map_locked(&'static self, phys: &Arc<PhysMem>) -> Result<(), VcpuError> {
        let mut mapped = self.mapped.write().unwrap_or_else(PoisonError::into_inner);
        if mapped.as_ref().is_some_and(|m| Arc::ptr_eq(m, phys)) {
            return Ok(());
        }
        let size = usize::try_from(phys.size()).map_err(|_| VcpuError::Backend("guest memory too large".into()))?;
        if phys.size() > 1 << IPA_BITS || phys.size() % HV_PAGE != 0 || phys.base() as u64 % HV_PAGE != 0 {
            return Err(VcpuError::Backend(format!("guest memory is not a {IPA_BITS}-bit, 16 KiB aligned range")));
        }
        if let Some(old) = mapped.as_ref() {
            // SAFETY: removes the IPA range an earlier call mapped for
            // `old`; no host memory is touched, and `old` is still alive.
            hv_result(unsafe { ffi::hv_vm_unmap(0, old.size() as usize) }).map_err(|e| backend("hv_vm_unmap", e))?;
            *mapped = None;
        }
        // SAFETY: [base, base+size) is the live, page-aligned host mapping
        // owned by `phys` (checked above); the Arc stored below keeps it
        // alive for as long as the VM maps it.
        let r = unsafe { ffi::hv_vm_map(phys.base().cast::<c_void>(), 0, size, u64::from(MemPerms::RWX)) };
        hv_result(r).map_err(|e| backend("hv_vm_map", e))?;
        // Keyed by the reservation's address: the hook must not own `phys`.
        let key = phys.base() as usize;
        phys.set_remap_hook(Box::new(move |pa, len| self.remap(key, pa, len)));
        *mapped = Some(Arc::clone(phys));
        Ok(())
    }

    /// The host replaced the pages of `[pa, pa+len)` of the memory at
    /// `key`: map the 16 KiB-aligned range around it afresh, if that
    /// memory is the one the VM maps.
    fn remap(&self, key: usize, pa: u64, len: u64) {
        self.remaps.fetch_add(1, Ordering::SeqCst);
        {
            let mapped = self.mapped.write().unwrap_or_else(PoisonError::into_inner);
            if let Some(phys) = mapped.as_ref().filter(|p| p.base() as usize == key) {
                let start = pa & !(HV_PAGE - 1);
                let end = pa.saturating_add(len).next_multiple_of(HV_PAGE).min(phys.size());
                if let (true, Some(host)) = (end > start, phys.host_ptr(start, end - start)) {
                    let n = (end - start) as usize;
                    // SAFETY: [start, end) is inside the mapped reservation
                    // (host_ptr checked it) and 16 KiB aligned; unmapping
                    // and re-mapping it changes only the VM's view.
                    let ok = unsafe {
                        ffi::hv_vm_unmap(start, n) == 0
                            && ffi::hv_vm_map(host.cast::<c_void>(), start, n, u64::from(MemPerms::RWX)) == 0
                    };
                    if !ok {
                        self.broken.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
        self.remaps.fetch_add(1, Ordering::SeqCst);
    }

    /// After a stage-2 abort: whether a remap ran since `seen` (or is
    /// running; this waits for it), so retrying the access is right.
    fn raced(&self, seen: u64) -> bool {
        drop(self.mapped.read().unwrap_or_else(PoisonError::into_inner));
        self.remaps.load(Ordering::SeqCst) != seen
    }
}

/// Why a register access failed (the trait's getters cannot return errors).
#[derive(Clone, Copy, Debug)]
enum Fault {
    Hv(HypervisorError),
    WrongThread,
}

impl From<Fault> for VcpuError {
    fn from(f: Fault) -> VcpuError {
        match f {
            Fault::Hv(e) => backend("register access", e),
            Fault::WrongThread => VcpuError::Backend("HVF vCPU used off the thread that runs it".into()),
        }
    }
}

/// The EL0 register state of a vCPU that is not bound to a thread yet.
#[derive(Clone, Debug)]
struct Regs {
    x: [u64; 31],
    sp: u64,
    pc: u64,
    pstate: u64,
    tpidr: u64,
    tpidrro: u64,
    fpcr: u64,
    fpsr: u64,
    v: [u128; 32],
}

impl Regs {
    /// A new image's entry state: everything zero but PC and SP.
    fn initial(setup: &El1Setup) -> Regs {
        Regs {
            x: [0; 31],
            sp: setup.sp,
            pc: setup.entry,
            pstate: arch::PSTATE_EL0,
            tpidr: 0,
            tpidrro: 0,
            fpcr: 0,
            fpsr: 0,
            v: [0; 32],
        }
    }

    fn value(&self, r: Reg) -> u64 {
        match r {
            Reg::X(n) => self.x[usize::from(n.min(30))],
            Reg::Sp => self.sp,
            Reg::Pc => self.pc,
            Reg::Pstate => self.pstate,
            Reg::TpidrEl0 => self.tpidr,
            Reg::TpidrroEl0 => self.tpidrro,
            Reg::Fpcr => self.fpcr,
            Reg::Fpsr => self.fpsr,
        }
    }

    fn slot(&mut self, r: Reg) -> &mut u64 {
        match r {
            Reg::X(n) => &mut self.x[usize::from(n.min(30))],
            Reg::Sp => &mut self.sp,
            Reg::Pc => &mut self.pc,
            Reg::Pstate => &mut self.pstate,
            Reg::TpidrEl0 => &mut self.tpidr,
            Reg::TpidrroEl0 => &mut self.tpidrro,
            Reg::Fpcr => &mut self.fpcr,
            Reg::Fpsr => &mut self.fpsr,
        }
    }
}

/// A framework vCPU and the thread it belongs to.
struct Bound {
    vcpu: std::mem::ManuallyDrop<HvVcpu>,
    owner: ThreadId,
}

/// A vCPU of the process's VM.
///
/// Unbound until its first [`Vcpu::run`] (see the module doc), then bound
/// to that thread: off it, register reads give 0, writes are dropped, `run`
/// fails, and drop leaks the framework vCPU. Register accesses that fail
/// (wrong thread or a framework error) are remembered, and the next
/// [`Vcpu::run`] returns the first as an error instead of resuming the
/// guest with a wrong register.
pub struct HvfVcpu {
    vm: &'static Vm,
    phys: Arc<PhysMem>,
    setup: El1Setup,
    /// The register state while unbound (ignored once bound).
    regs: Regs,
    bound: Option<Bound>,
    /// Stopped after the shim's `hvc`: the EL0 view lives in ELR/SPSR.
    in_shim: bool,
    flush_pending: bool,
    /// The safety tick fired (the framework masked the vtimer): re-arm.
    tick_due: bool,
    fault: Cell<Option<Fault>>,
    cancel: CancelToken,
    /// Framework vCPU id + 1 for the kick (0: none, or destroyed).
    kick_id: Arc<AtomicU64>,
}

// SAFETY: applevisor's vCPU is !Send only because Hypervisor.framework calls
// must come from the creating thread. The framework vCPU is created by the
// thread that first runs this value (`bind`), every later framework call
// checks `owner` first (`owned`), and `Drop` leaks it off that thread.
unsafe impl Send for HvfVcpu {}

/// `[T::A, T::B, ...]` (applevisor's register types are aliases: no glob imports).
macro_rules! variants {
    ($t:ident: $($v:ident),*) => { [$($t::$v),*] };
}

const XREGS: [HvReg; 31] = variants!(HvReg: X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
    X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30);

const QREGS: [SimdFpReg; 32] = variants!(SimdFpReg: Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, Q9, Q10, Q11, Q12, Q13,
    Q14, Q15, Q16, Q17, Q18, Q19, Q20, Q21, Q22, Q23, Q24, Q25, Q26, Q27, Q28, Q29, Q30, Q31);

/// The guest's virtual counter (CNTVCT_EL0) now and its frequency in Hz.
///
/// Hypervisor.framework counts a vCPU's CNTVCT_EL0 as `mach_absolute_time()`
/// minus its vtimer offset (CNTVOFF_EL2), which [`HvfVcpu::load`] sets to 0;
/// `mach_absolute_time` can differ from the host's raw CNTVCT_EL0 by the
/// kernel's timebase offset, so it is the one to use. The frequency comes
/// from mach_timebase_info (0 if that fails: the vDSO then answers no clock
/// in the guest).
pub fn guest_counter() -> (u64, u64) {
    #[cfg(target_os = "macos")]
    {
        crate::host::macos::absolute_time()
    }
    #[cfg(not(target_os = "macos"))]
    {
        // Type-checking with --features hvf on another host: never runs
        // (no framework there).
        (0, 0)
    }
}

impl HvfVcpu {
    /// A vCPU over `phys`, about to enter EL0 at `setup.entry`. Creates the
    /// VM on first use (so a missing entitlement is reported here); the
    /// framework vCPU is created by the first [`Vcpu::run`].
    pub fn new(phys: Arc<PhysMem>, setup: &El1Setup) -> Result<HvfVcpu, VcpuError> {
        let vm = vm()?;
        let cancel = CancelToken::default();
        let kick_id = Arc::new(AtomicU64::new(0));
        let slot = Arc::clone(&kick_id);
        cancel.set_kick(Box::new(move || {
            let id = slot.load(Ordering::Acquire);
            if id != 0 {
                let v = id - 1;
                // SAFETY: one vCPU id on the stack; a stale id (the vCPU
                // was destroyed meanwhile) is rejected by the framework or
                // at worst causes a spurious exit, which `run` ignores.
                // No allocation or lock: this runs in signal handlers.
                unsafe { ffi::hv_vcpus_exit(&v, 1) };
            }
        }));
        Ok(HvfVcpu {
            vm,
            phys,
            setup: *setup,
            regs: Regs::initial(setup),
            bound: None,
            in_shim: false,
            flush_pending: false,
            tick_due: true,
            fault: Cell::new(None),
            cancel,
            kick_id,
        })
    }

    /// Create the framework vCPU on this thread and load the state.
    fn bind(&mut self) -> Result<(), VcpuError> {
        self.vm.map(&self.phys)?;
        let vcpu = self.vm.instance.vcpu_create().map_err(|e| backend("hv_vcpu_create", e))?;
        self.kick_id.store(vcpu.id() + 1, Ordering::Release);
        self.bound = Some(Bound { vcpu: std::mem::ManuallyDrop::new(vcpu), owner: thread::current().id() });
        self.load()?;
        // Another address space may have left TLB entries in this VM.
        self.flush_pending = true;
        Ok(())
    }

    /// Write the EL1 setup and the shadow registers into the bound vCPU.
    fn load(&mut self) -> Result<(), VcpuError> {
        let Some(b) = self.bound.as_ref() else { return Ok(()) };
        let v = &*b.vcpu;
        let sys = [
            (SysReg::SCTLR_EL1, arch::SCTLR_EL1),
            (SysReg::TCR_EL1, arch::TCR_EL1),
            (SysReg::MAIR_EL1, arch::MAIR_EL1),
            (SysReg::CPACR_EL1, arch::CPACR_EL1),
            (SysReg::TTBR0_EL1, self.setup.ttbr0),
            (SysReg::TTBR1_EL1, self.setup.ttbr1),
            (SysReg::VBAR_EL1, layout::SHIM_VA),
            (SysReg::CNTKCTL_EL1, CNTKCTL_EL0VCTEN),
            (SysReg::SP_EL1, 0),
            (SysReg::ELR_EL1, 0),
            (SysReg::SPSR_EL1, 0),
            (SysReg::SP_EL0, self.regs.sp),
            (SysReg::TPIDR_EL0, self.regs.tpidr),
            (SysReg::TPIDRRO_EL0, self.regs.tpidrro),
        ];
        for (r, val) in sys {
            v.set_sys_reg(r, val).map_err(|e| backend(&format!("set {r:?}"), e))?;
        }
        for (i, r) in XREGS.iter().enumerate() {
            v.set_reg(*r, self.regs.x[i]).map_err(|e| backend("set X", e))?;
        }
        for (i, q) in QREGS.iter().enumerate() {
            v.set_simd_fp_reg(*q, self.regs.v[i]).map_err(|e| backend("set Q", e))?;
        }
        let regs = [
            (HvReg::PC, self.regs.pc),
            (HvReg::CPSR, arch::PSTATE_EL0 | (self.regs.pstate & PSTATE_FLAGS)),
            (HvReg::FPCR, self.regs.fpcr),
            (HvReg::FPSR, self.regs.fpsr),
        ];
        for (r, val) in regs {
            v.set_reg(r, val).map_err(|e| backend(&format!("set {r:?}"), e))?;
        }
        // The guest's CNTVCT_EL0 is mach_absolute_time() (`guest_counter`:
        // the vDSO's clock and the safety tick rely on it).
        v.set_vtimer_offset(0).map_err(|e| backend("vtimer offset", e))?;
        self.in_shim = false;
        self.tick_due = true;
        Ok(())
    }

    fn note(&self, f: Fault) {
        if self.fault.get().is_none() {
            self.fault.set(Some(f));
        }
    }

    /// The framework vCPU if bound and on its thread (noting a fault if
    /// bound elsewhere).
    fn owned(&self) -> Option<&HvVcpu> {
        let b = self.bound.as_ref()?;
        if thread::current().id() == b.owner {
            Some(&b.vcpu)
        } else {
            self.note(Fault::WrongThread);
            None
        }
    }

    fn noted<T: Default>(&self, r: Result<T, HypervisorError>) -> T {
        r.unwrap_or_else(|e| {
            self.note(Fault::Hv(e));
            T::default()
        })
    }

    fn reg(&self, r: HvReg) -> u64 {
        self.owned().map_or(0, |v| self.noted(v.get_reg(r)))
    }

    fn set_reg(&self, r: HvReg, val: u64) {
        if let Some(v) = self.owned() {
            self.noted(v.set_reg(r, val));
        }
    }

    fn sys(&self, r: SysReg) -> u64 {
        self.owned().map_or(0, |v| self.noted(v.get_sys_reg(r)))
    }

    fn set_sys(&self, r: SysReg, val: u64) {
        if let Some(v) = self.owned() {
            self.noted(v.set_sys_reg(r, val));
        }
    }

    /// The first remembered fault, as an error (clears it).
    fn take_fault(&self) -> Result<(), VcpuError> {
        self.fault.take().map_or(Ok(()), |f| Err(f.into()))
    }

    /// Consume a pending cancel if the EL0 view is readable here: at EL0
    /// (live registers) or at EL1 in the shim anywhere but a vector's `hvc`
    /// (ELR/SPSR; an `hvc` must run first, it reports an exception).
    fn stop_for_cancel(&mut self) -> Result<bool, VcpuError> {
        let (pc, cpsr) = (self.reg(HvReg::PC), self.reg(HvReg::CPSR));
        self.take_fault()?;
        let at_el0 = cpsr & 0xf == 0;
        let vectors = layout::SHIM_VA..layout::SHIM_VA + shim::FLUSH_OFFSET;
        let at_hvc = !at_el0 && vectors.contains(&pc) && (pc - layout::SHIM_VA) % VECTOR_STRIDE == 0;
        if at_hvc || !self.cancel.take() {
            return Ok(false);
        }
        self.in_shim = !at_el0;
        Ok(true)
    }

    /// Resume in the shim's flush routine, which ends in `eret` to EL0. At
    /// EL0 (first run, after a cancel) enter the shim synthetically first.
    fn enter_flush(&mut self) {
        if !self.in_shim {
            self.set_sys(SysReg::ELR_EL1, self.reg(HvReg::PC));
            self.set_sys(SysReg::SPSR_EL1, self.reg(HvReg::CPSR));
            self.set_reg(HvReg::CPSR, PSTATE_EL1H_MASKED);
        }
        self.set_reg(HvReg::PC, shim::FLUSH_VA);
        self.flush_pending = false;
    }

    /// Arm the virtual timer to fire one tick from now.
    fn arm_tick(&mut self) {
        let (now, freq) = guest_counter();
        // An unknown frequency (never seen) is taken as Apple Silicon's.
        let freq = if freq == 0 { 24_000_000 } else { freq };
        self.set_sys(SysReg::CNTV_CVAL_EL0, now.wrapping_add(freq / TICK_HZ));
        self.set_sys(SysReg::CNTV_CTL_EL0, CNTV_ENABLE);
        if let Some(v) = self.owned() {
            self.noted(v.set_vtimer_mask(false));
        }
        self.tick_due = false;
    }
}

impl Vcpu for HvfVcpu {
    fn run(&mut self) -> Result<VcpuExit, VcpuError> {
        if self.bound.is_none() {
            self.bind()?;
        }
        let Some(b) = self.bound.as_ref() else { return Err(Fault::WrongThread.into()) };
        if thread::current().id() != b.owner {
            return Err(Fault::WrongThread.into());
        }
        self.take_fault()?;
        if self.flush_pending {
            self.enter_flush();
            self.take_fault()?;
        }
        self.in_shim = false;
        loop {
            if self.vm.broken.load(Ordering::SeqCst) {
                return Err(VcpuError::Backend("re-mapping changed guest memory into the VM failed".into()));
            }
            // Checked before every entry too: a kick that came while the
            // vCPU was stopped may have been lost.
            if self.cancel.pending() && self.stop_for_cancel()? {
                return Ok(VcpuExit::Cancelled);
            }
            if self.tick_due {
                self.arm_tick();
                self.take_fault()?;
            }
            let seen = self.vm.remaps.load(Ordering::SeqCst);
            let Some(v) = self.owned() else { return Err(Fault::WrongThread.into()) };
            v.run().map_err(|e| backend("hv_vcpu_run", e))?;
            let info = v.get_exit_info();
            let (esr, far) = (info.exception.syndrome, info.exception.virtual_address);
            let class = ((esr >> 26) & 0x3f) as u32;
            match info.reason {
                ExitReason::EXCEPTION if class == ec::HVC64 => {
                    // The shim's `hvc #vector`; PC is already at its `eret`.
                    self.in_shim = true;
                    let vector = (esr & 0xffff) as u16;
                    let esr_el1 = self.sys(SysReg::ESR_EL1);
                    let far_el1 = self.sys(SysReg::FAR_EL1);
                    self.take_fault()?;
                    return Ok(VcpuExit::from_syndrome(vector, esr_el1, far_el1));
                }
                // A stage-2 abort while the host re-mapped that memory:
                // the access retries (PC has not moved).
                ExitReason::EXCEPTION
                    if (class == ec::DABT_LOWER || class == ec::IABT_LOWER) && self.vm.raced(seen) => {}
                ExitReason::EXCEPTION | ExitReason::UNKNOWN => {
                    return Ok(VcpuExit::Unexpected { vector: NOT_SHIM, esr, far });
                }
                // A kick: the check above stops if a request is pending.
                ExitReason::CANCELED => {}
                // The safety tick; the framework masked the vtimer.
                ExitReason::VTIMER_ACTIVATED => self.tick_due = true,
            }
        }
    }

    fn get(&self, r: Reg) -> u64 {
        if self.bound.is_none() {
            return self.regs.value(r);
        }
        match r {
            Reg::X(n) => self.reg(XREGS[usize::from(n.min(30))]),
            Reg::Sp => self.sys(SysReg::SP_EL0),
            Reg::Pc if self.in_shim => self.sys(SysReg::ELR_EL1),
            Reg::Pc => self.reg(HvReg::PC),
            Reg::Pstate if self.in_shim => self.sys(SysReg::SPSR_EL1),
            Reg::Pstate => self.reg(HvReg::CPSR),
            Reg::TpidrEl0 => self.sys(SysReg::TPIDR_EL0),
            Reg::TpidrroEl0 => self.sys(SysReg::TPIDRRO_EL0),
            Reg::Fpcr => self.reg(HvReg::FPCR),
            Reg::Fpsr => self.reg(HvReg::FPSR),
        }
    }

    fn set(&mut self, r: Reg, v: u64) {
        if self.bound.is_none() {
            *self.regs.slot(r) = if r == Reg::Pstate { v & PSTATE_FLAGS } else { v };
            return;
        }
        match r {
            Reg::X(n) => self.set_reg(XREGS[usize::from(n.min(30))], v),
            Reg::Sp => self.set_sys(SysReg::SP_EL0, v),
            Reg::Pc if self.in_shim => self.set_sys(SysReg::ELR_EL1, v),
            Reg::Pc => self.set_reg(HvReg::PC, v),
            // Only the flags are guest-settable; the mode stays EL0t.
            Reg::Pstate if self.in_shim => self.set_sys(SysReg::SPSR_EL1, v & PSTATE_FLAGS),
            Reg::Pstate => self.set_reg(HvReg::CPSR, v & PSTATE_FLAGS),
            Reg::TpidrEl0 => self.set_sys(SysReg::TPIDR_EL0, v),
            Reg::TpidrroEl0 => self.set_sys(SysReg::TPIDRRO_EL0, v),
            Reg::Fpcr => self.set_reg(HvReg::FPCR, v),
            Reg::Fpsr => self.set_reg(HvReg::FPSR, v),
        }
    }

    fn get_v(&self, n: u8) -> u128 {
        if self.bound.is_none() {
            return self.regs.v[usize::from(n & 31)];
        }
        self.owned().map_or(0, |v| self.noted(v.get_simd_fp_reg(QREGS[usize::from(n & 31)])))
    }

    fn set_v(&mut self, n: u8, val: u128) {
        if self.bound.is_none() {
            self.regs.v[usize::from(n & 31)] = val;
            return;
        }
        if let Some(v) = self.owned() {
            self.noted(v.set_simd_fp_reg(QREGS[usize::from(n & 31)], val));
        }
    }

    fn flush_on_resume(&mut self) {
        self.flush_pending = true;
    }

    fn reset(&mut self, phys: Arc<PhysMem>, setup: &El1Setup) -> Result<(), VcpuError> {
        if let Some(b) = self.bound.as_ref() {
            if thread::current().id() != b.owner {
                return Err(Fault::WrongThread.into());
            }
            self.vm.map(&phys)?;
        }
        self.phys = phys;
        self.setup = *setup;
        self.regs = Regs::initial(setup);
        self.fault.set(None);
        self.load()?;
        self.flush_pending = self.bound.is_some();
        Ok(())
    }

    fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }
}

impl Drop for HvfVcpu {
    fn drop(&mut self) {
        // The kick may outlive us: make it a no-op first.
        self.kick_id.store(0, Ordering::Release);
        if let Some(mut b) = self.bound.take() {
            if thread::current().id() == b.owner {
                // SAFETY: `vcpu` is dropped exactly once, here, on its
                // owner thread, and never used after.
                unsafe { std::mem::ManuallyDrop::drop(&mut b.vcpu) };
            }
            // Elsewhere hv_vcpu_destroy would fail and applevisor would
            // panic: leak the vCPU instead.
        }
    }
}
