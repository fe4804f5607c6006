//! The `hvf` backend: guest code on Apple Silicon through Hypervisor.framework.
//!
//! The guest world is the interp backend's: one VM per host process (the
//! framework allows no more) maps the whole guest-physical reservation at
//! IPA 0, each vCPU starts at EL0 with our stage-1 tables and `VBAR_EL1` at
//! the shim, and the shim's `hvc #vector` exits to the host, which reads
//! ESR_EL1/FAR_EL1 and returns [`VcpuExit::from_syndrome`]. Cancellation
//! kicks the vCPU with `hv_vcpus_exit` through [`CancelToken::set_kick`];
//! `run` also checks the request before every entry, so only a kick landing
//! between that check and `hv_vcpu_run` relies on the framework latching it
//! for the next run (not verified).
//!
//! Left for the full HVF issue:
//! - Stage 2 maps everything RWX; the guest's permissions live in stage 1
//!   only. Per-page W^X flipping with `hv_vm_protect` is not done.
//! - Host pages are 16 KiB, guest pages 4 KiB: `PhysMem::map_file` and
//!   `discard` replace host pages inside the mapped reservation, which needs
//!   16 KiB alignment and (unverified) re-mapping into the VM afterwards.
//! - fork: a VM cannot cross host `fork()`, so the helper process must
//!   rebuild the vCPU from a snapshot of these registers plus memory.
//! - Asynchronous signals and blocking syscalls (kqueue on macOS) need the
//!   same kick as cancellation, plus signal-frame delivery in the run loop.
//! - EL0 `mrs` of ID registers is not emulated (hence no `HWCAP_CPUID`).

mod hwcap;

use std::cell::Cell;
use std::ffi::c_void;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
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

/// `vector` of a [`VcpuExit::Unexpected`] that did not come through the shim.
pub const NOT_SHIM: u16 = u16::MAX;

/// PSTATE of a synthetic exception entry: EL1h, D/A/I/F masked.
const PSTATE_EL1H_MASKED: u64 = 0x3c5;

/// Size of one shim vector entry (`hvc #index; eret`, see [`shim`]).
const VECTOR_STRIDE: u64 = 0x80;

/// CNTKCTL_EL1.EL0VCTEN: EL0 may read CNTVCT_EL0 (the vDSO clock), as on Linux.
const CNTKCTL_EL0VCTEN: u64 = 1 << 1;

/// Entry points not wrapped by applevisor 1.0, whose `Memory` only maps
/// buffers it allocated itself (Hypervisor.framework, `hv_vm.h`).
mod ffi {
    use std::ffi::c_void;

    #[cfg_attr(target_os = "macos", link(name = "Hypervisor", kind = "framework"))]
    extern "C" {
        pub fn hv_vm_map(addr: *mut c_void, ipa: u64, size: usize, flags: u64) -> i32;
        pub fn hv_vm_unmap(ipa: u64, size: usize) -> i32;
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
    /// Mapped at IPA 0; held so the host pages outlive the mapping.
    mapped: Mutex<Option<Arc<PhysMem>>>,
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
    Ok(Vm { instance, mapped: Mutex::new(None) })
}

impl Vm {
    /// Map `phys` RWX at IPA 0, replacing the memory of an earlier address
    /// space (execve). vCPUs still running on the old memory see the new.
    fn map(&self, phys: &Arc<PhysMem>) -> Result<(), VcpuError> {
        let mut mapped = self.mapped.lock().unwrap_or_else(PoisonError::into_inner);
        if mapped.as_ref().is_some_and(|m| Arc::ptr_eq(m, phys)) {
            return Ok(());
        }
        let size = usize::try_from(phys.size()).map_err(|_| VcpuError::Backend("guest memory too large".into()))?;
        let page = PAGE_SIZE as u64;
        if phys.size() > 1 << IPA_BITS || phys.size() % page != 0 || phys.base() as u64 % page != 0 {
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
        *mapped = Some(Arc::clone(phys));
        Ok(())
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
            Fault::WrongThread => VcpuError::Backend("HVF vCPU used off the thread that created it".into()),
        }
    }
}

/// A vCPU of the process's VM.
///
/// Hypervisor.framework binds a vCPU to the thread that created it: run,
/// access and drop an `HvfVcpu` on that thread only. It is `Send` so it fits
/// [`Vcpu`], but every call checks the thread; elsewhere register reads
/// give 0, writes are dropped, `run` fails, and drop leaks the vCPU.
///
/// Register accesses that fail (wrong thread or a framework error) are
/// remembered, and the next [`Vcpu::run`] returns the first as an error
/// instead of resuming the guest with a wrong register.
pub struct HvfVcpu {
    vcpu: std::mem::ManuallyDrop<HvVcpu>,
    owner: ThreadId,
    /// Keeps the guest memory alive while this vCPU can touch it.
    _phys: Arc<PhysMem>,
    /// Stopped after the shim's `hvc`: the EL0 view lives in ELR/SPSR.
    in_shim: bool,
    flush_pending: bool,
    fault: Cell<Option<Fault>>,
    cancel: CancelToken,
}

// SAFETY: applevisor's vCPU is !Send only because Hypervisor.framework calls
// must come from the creating thread; `HvfVcpu` checks `owner` before every
// framework call (`owned`), and `Drop` leaks the vCPU off that thread.
unsafe impl Send for HvfVcpu {}

/// `[T::A, T::B, ...]` (applevisor's register types are aliases: no glob imports).
macro_rules! variants {
    ($t:ident: $($v:ident),*) => { [$($t::$v),*] };
}

const XREGS: [HvReg; 31] = variants!(HvReg: X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
    X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30);

const QREGS: [SimdFpReg; 32] = variants!(SimdFpReg: Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, Q9, Q10, Q11, Q12, Q13,
    Q14, Q15, Q16, Q17, Q18, Q19, Q20, Q21, Q22, Q23, Q24, Q25, Q26, Q27, Q28, Q29, Q30, Q31);

impl HvfVcpu {
    /// A vCPU on the calling thread, over `phys`, about to enter EL0 at
    /// `setup.entry`.
    pub fn new(phys: Arc<PhysMem>, setup: &El1Setup) -> Result<HvfVcpu, VcpuError> {
        let vm = vm()?;
        vm.map(&phys)?;
        let vcpu = vm.instance.vcpu_create().map_err(|e| backend("hv_vcpu_create", e))?;
        let sys = [
            (SysReg::SCTLR_EL1, arch::SCTLR_EL1),
            (SysReg::TCR_EL1, arch::TCR_EL1),
            (SysReg::MAIR_EL1, arch::MAIR_EL1),
            (SysReg::CPACR_EL1, arch::CPACR_EL1),
            (SysReg::TTBR0_EL1, setup.ttbr0),
            (SysReg::TTBR1_EL1, setup.ttbr1),
            (SysReg::VBAR_EL1, layout::SHIM_VA),
            (SysReg::CNTKCTL_EL1, CNTKCTL_EL0VCTEN),
            (SysReg::SP_EL0, setup.sp),
        ];
        for (r, v) in sys {
            vcpu.set_sys_reg(r, v).map_err(|e| backend(&format!("set {r:?}"), e))?;
        }
        vcpu.set_reg(HvReg::PC, setup.entry).map_err(|e| backend("set PC", e))?;
        vcpu.set_reg(HvReg::CPSR, arch::PSTATE_EL0).map_err(|e| backend("set CPSR", e))?;
        // No GIC: a firing vtimer could only cause exits. Keep it masked.
        vcpu.set_vtimer_mask(true).map_err(|e| backend("vtimer mask", e))?;

        let cancel = CancelToken::default();
        let handle = vcpu.get_handle();
        cancel.set_kick(Box::new(move || {
            // A vCPU that is gone or not running just sees a spurious exit.
            let _ = vm.instance.vcpus_exit(std::slice::from_ref(&handle));
        }));
        Ok(HvfVcpu {
            vcpu: std::mem::ManuallyDrop::new(vcpu),
            owner: thread::current().id(),
            _phys: phys,
            in_shim: false,
            // Another address space may have left TLB entries in this VM.
            flush_pending: true,
            fault: Cell::new(None),
            cancel,
        })
    }

    fn note(&self, f: Fault) {
        if self.fault.get().is_none() {
            self.fault.set(Some(f));
        }
    }

    /// Whether we are on the vCPU's thread (noting a fault if not).
    fn owned(&self) -> bool {
        let ok = thread::current().id() == self.owner;
        if !ok {
            self.note(Fault::WrongThread);
        }
        ok
    }

    fn noted<T: Default>(&self, r: Result<T, HypervisorError>) -> T {
        r.unwrap_or_else(|e| {
            self.note(Fault::Hv(e));
            T::default()
        })
    }

    fn reg(&self, r: HvReg) -> u64 {
        if self.owned() {
            self.noted(self.vcpu.get_reg(r))
        } else {
            0
        }
    }

    fn set_reg(&self, r: HvReg, v: u64) {
        if self.owned() {
            self.noted(self.vcpu.set_reg(r, v));
        }
    }

    fn sys(&self, r: SysReg) -> u64 {
        if self.owned() {
            self.noted(self.vcpu.get_sys_reg(r))
        } else {
            0
        }
    }

    fn set_sys(&self, r: SysReg, v: u64) {
        if self.owned() {
            self.noted(self.vcpu.set_sys_reg(r, v));
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
}

impl Vcpu for HvfVcpu {
    fn run(&mut self) -> Result<VcpuExit, VcpuError> {
        if thread::current().id() != self.owner {
            return Err(Fault::WrongThread.into());
        }
        self.take_fault()?;
        if self.flush_pending {
            self.enter_flush();
            self.take_fault()?;
        }
        self.in_shim = false;
        loop {
            // Checked before every entry too: a kick that came while the
            // vCPU was stopped may have been lost.
            if self.cancel.pending() && self.stop_for_cancel()? {
                return Ok(VcpuExit::Cancelled);
            }
            self.vcpu.run().map_err(|e| backend("hv_vcpu_run", e))?;
            let info = self.vcpu.get_exit_info();
            let (esr, far) = (info.exception.syndrome, info.exception.virtual_address);
            match info.reason {
                ExitReason::EXCEPTION if (esr >> 26) & 0x3f == u64::from(ec::HVC64) => {
                    // The shim's `hvc #vector`; PC is already at its `eret`.
                    self.in_shim = true;
                    let vector = (esr & 0xffff) as u16;
                    let esr_el1 = self.sys(SysReg::ESR_EL1);
                    let far_el1 = self.sys(SysReg::FAR_EL1);
                    self.take_fault()?;
                    return Ok(VcpuExit::from_syndrome(vector, esr_el1, far_el1));
                }
                ExitReason::EXCEPTION | ExitReason::UNKNOWN => {
                    return Ok(VcpuExit::Unexpected { vector: NOT_SHIM, esr, far });
                }
                // A kick: the check above stops if a request is pending.
                ExitReason::CANCELED => {}
                // The framework masks the vtimer on this exit; leave it so.
                ExitReason::VTIMER_ACTIVATED => {}
            }
        }
    }

    fn get(&self, r: Reg) -> u64 {
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
        match r {
            Reg::X(n) => self.set_reg(XREGS[usize::from(n.min(30))], v),
            Reg::Sp => self.set_sys(SysReg::SP_EL0, v),
            Reg::Pc if self.in_shim => self.set_sys(SysReg::ELR_EL1, v),
            Reg::Pc => self.set_reg(HvReg::PC, v),
            // Only the flags are guest-settable; the mode stays EL0t.
            Reg::Pstate if self.in_shim => self.set_sys(SysReg::SPSR_EL1, v & 0xf000_0000),
            Reg::Pstate => self.set_reg(HvReg::CPSR, v & 0xf000_0000),
            Reg::TpidrEl0 => self.set_sys(SysReg::TPIDR_EL0, v),
            Reg::TpidrroEl0 => self.set_sys(SysReg::TPIDRRO_EL0, v),
            Reg::Fpcr => self.set_reg(HvReg::FPCR, v),
            Reg::Fpsr => self.set_reg(HvReg::FPSR, v),
        }
    }

    fn get_v(&self, n: u8) -> u128 {
        if self.owned() {
            self.noted(self.vcpu.get_simd_fp_reg(QREGS[usize::from(n & 31)]))
        } else {
            0
        }
    }

    fn set_v(&mut self, n: u8, v: u128) {
        if self.owned() {
            self.noted(self.vcpu.set_simd_fp_reg(QREGS[usize::from(n & 31)], v));
        }
    }

    fn flush_on_resume(&mut self) {
        self.flush_pending = true;
    }

    fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }
}

impl Drop for HvfVcpu {
    fn drop(&mut self) {
        if thread::current().id() == self.owner {
            // SAFETY: `vcpu` is dropped exactly once, here, and never used after.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.vcpu) };
        }
        // Elsewhere hv_vcpu_destroy would fail and applevisor would panic:
        // leak the vCPU instead.
    }
}
