//! Virtual CPUs: one trait, two backends.
//!
//! A backend runs guest code at EL0 until the EL1 shim forwards an exception
//! to the host with `HVC`; [`Vcpu::run`] then returns the architectural
//! reason as a [`VcpuExit`]. Callers never use `cfg`: [`create`] picks the
//! backend.

pub mod exit;
#[cfg(any(feature = "hvf", all(target_os = "macos", target_arch = "aarch64")))]
pub mod hvf;
pub mod interp;
pub mod shim;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

pub use exit::VcpuExit;

use crate::mem::phys::PhysMem;

/// A guest register visible to the host (the EL0 view).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    /// General-purpose register X0..=X30.
    X(u8),
    /// The EL0 stack pointer.
    Sp,
    /// The EL0 program counter (ELR_EL1 while stopped in the shim).
    Pc,
    /// The EL0 PSTATE (NZCV, ...; SPSR_EL1 while stopped in the shim).
    Pstate,
    /// User thread pointer.
    TpidrEl0,
    /// Read-only user thread pointer.
    TpidrroEl0,
    /// Floating-point control register.
    Fpcr,
    /// Floating-point status register.
    Fpsr,
}

/// Which CPU executes guest code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// elfuse's own AArch64 CPU.
    Interp,
    /// Apple's Hypervisor.framework.
    Hvf,
}

/// Errors creating or running a vCPU (never caused by guest behaviour).
#[derive(Debug)]
pub enum VcpuError {
    /// The backend is not available on this host.
    Unavailable(&'static str),
    /// The backend failed.
    Backend(String),
}

impl std::fmt::Display for VcpuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VcpuError::Unavailable(why) => write!(f, "backend unavailable: {why}"),
            VcpuError::Backend(e) => write!(f, "vcpu: {e}"),
        }
    }
}

/// A request to stop a running vCPU at its next opportunity.
///
/// A backend that cannot poll the request while guest code runs (hvf)
/// installs a kick with [`CancelToken::set_kick`]; [`CancelToken::cancel`]
/// raises the flag, then kicks.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<CancelInner>);

#[derive(Default)]
struct CancelInner {
    flag: AtomicBool,
    kick: OnceLock<Box<dyn Fn() + Send + Sync>>,
}

impl CancelToken {
    /// Ask the vCPU to return [`VcpuExit::Cancelled`].
    pub fn cancel(&self) {
        self.0.flag.store(true, Ordering::Release);
        if let Some(kick) = self.0.kick.get() {
            kick();
        }
    }
    /// Whether cancellation was requested; clears the request.
    pub fn take(&self) -> bool {
        self.0.flag.swap(false, Ordering::AcqRel)
    }
    /// Whether cancellation is pending (does not clear it).
    pub fn pending(&self) -> bool {
        self.0.flag.load(Ordering::Relaxed)
    }
    /// Install the hook [`CancelToken::cancel`] calls to interrupt a running
    /// vCPU. It runs on the cancelling thread (not async-signal-safe) and
    /// may outlive the vCPU. Only the first hook is kept; returns whether
    /// this one was installed.
    pub fn set_kick(&self, kick: Box<dyn Fn() + Send + Sync>) -> bool {
        self.0.kick.set(kick).is_ok()
    }
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("pending", &self.pending())
            .field("kick", &self.0.kick.get().is_some())
            .finish()
    }
}

/// The system-register setup every backend loads before entering EL0.
#[derive(Clone, Copy, Debug)]
pub struct El1Setup {
    /// Physical address of the user translation table root.
    pub ttbr0: u64,
    /// Physical address of the kernel-half translation table root.
    pub ttbr1: u64,
    /// Guest entry point (EL0).
    pub entry: u64,
    /// Initial EL0 stack pointer.
    pub sp: u64,
}

/// Architectural values shared by both backends.
pub mod arch {
    /// MAIR_EL1: attr0 = Normal, inner/outer write-back.
    pub const MAIR_EL1: u64 = 0xff;
    /// TCR_EL1: T0SZ=T1SZ=16, 4 KiB granules both halves, inner-shareable WB
    /// walks, IPS = 36 bits, TBI0 (Linux's tagged-address user ABI).
    pub const TCR_EL1: u64 = 16
        | (1 << 8) | (1 << 10) | (3 << 12) // IRGN0/ORGN0 WB, SH0 inner
        | (16 << 16)
        | (1 << 24) | (1 << 26) | (3 << 28) // IRGN1/ORGN1 WB, SH1 inner
        | (2u64 << 30) // TG1 = 4 KiB
        | (1u64 << 32) // IPS = 36 bits
        | (1u64 << 37); // TBI0: top byte ignored for user addresses, as Linux sets it
    /// SCTLR_EL1: MMU on, caches on, EL0 may use DC ZVA / CTR_EL0 / cache
    /// maintenance (UCI, UCT, DZE), no alignment checks.
    pub const SCTLR_EL1: u64 = 1 | (1 << 2) | (1 << 12) | (1 << 14) | (1 << 15) | (1 << 26) | (3 << 28);
    /// CPACR_EL1: FP/SIMD enabled at EL0 and EL1.
    pub const CPACR_EL1: u64 = 3 << 20;
    /// PSTATE for EL0t with interrupts unmasked.
    pub const PSTATE_EL0: u64 = 0;
}

/// A CPU that runs one guest thread.
pub trait Vcpu: Send {
    /// Run until the guest needs the host.
    fn run(&mut self) -> Result<VcpuExit, VcpuError>;
    /// Read a register (EL0 view).
    fn get(&self, r: Reg) -> u64;
    /// Write a register (EL0 view).
    fn set(&mut self, r: Reg, v: u64);
    /// The Linux aarch64 syscall registers in one call: (X8, [X0..=X5]).
    fn syscall_regs(&self) -> (u64, [u64; 6]) {
        let mut a = [0u64; 6];
        for (i, slot) in a.iter_mut().enumerate() {
            *slot = self.get(Reg::X(i as u8));
        }
        (self.get(Reg::X(8)), a)
    }
    /// Read SIMD&FP register Vn.
    fn get_v(&self, n: u8) -> u128;
    /// Write SIMD&FP register Vn.
    fn set_v(&mut self, n: u8, v: u128);
    /// On the next resume, invalidate TLBs and instruction caches first (the
    /// host changed translation tables or mapped code).
    fn flush_on_resume(&mut self);
    /// execve: run a new image on this vCPU (new guest-physical memory and
    /// initial state); the cancel token stays the same.
    fn reset(&mut self, phys: Arc<PhysMem>, setup: &El1Setup) -> Result<(), VcpuError> {
        let _ = (phys, setup);
        Err(VcpuError::Unavailable("execve is not implemented on this backend yet"))
    }
    /// A handle that makes [`Vcpu::run`] return [`VcpuExit::Cancelled`].
    fn cancel_token(&self) -> CancelToken;
}

/// Create a vCPU of the requested backend over `phys`, ready to enter EL0.
pub fn create(backend: Backend, phys: Arc<PhysMem>, setup: &El1Setup) -> Result<Box<dyn Vcpu>, VcpuError> {
    match backend {
        Backend::Interp => Ok(Box::new(interp::InterpVcpu::new(phys, setup))),
        Backend::Hvf => create_hvf(phys, setup),
    }
}

#[cfg(all(target_os = "macos", target_arch = "aarch64"))]
fn create_hvf(phys: Arc<PhysMem>, setup: &El1Setup) -> Result<Box<dyn Vcpu>, VcpuError> {
    Ok(Box::new(hvf::HvfVcpu::new(phys, setup)?))
}

#[cfg(not(all(target_os = "macos", target_arch = "aarch64")))]
fn create_hvf(_phys: Arc<PhysMem>, _setup: &El1Setup) -> Result<Box<dyn Vcpu>, VcpuError> {
    Err(VcpuError::Unavailable("Hypervisor.framework needs macOS on Apple Silicon; use --backend interp"))
}

/// AT_HWCAP of a backend: exactly the features its CPU implements.
pub fn hwcap(backend: Backend) -> u64 {
    match backend {
        Backend::Interp => interp::HWCAP,
        Backend::Hvf => hvf_hwcap(),
    }
}

#[cfg(all(target_os = "macos", target_arch = "aarch64"))]
fn hvf_hwcap() -> u64 {
    hvf::host_hwcap()
}

#[cfg(not(all(target_os = "macos", target_arch = "aarch64")))]
fn hvf_hwcap() -> u64 {
    // No hvf on this host (create() refuses it): the architectural baseline.
    crate::abi::auxv::HWCAP_FP | crate::abi::auxv::HWCAP_ASIMD
}

/// What the guest's CNTVCT_EL0 counts, for the vDSO's in-guest clock reads.
#[derive(Clone, Copy, Debug)]
pub enum GuestCounter {
    /// The host's CLOCK_MONOTONIC in nanoseconds (the interp CPU).
    HostMonotonicNs,
    /// Ticks at `hz`, sampled by `read` (hvf: the host's hardware counter).
    Ticks {
        /// Sample the counter now.
        read: fn() -> u64,
        /// Its frequency.
        hz: u64,
    },
}

/// How the guest's counter relates to host time, or `None` when the
/// backend cannot say (every guest clock read is then a system call).
pub fn guest_counter(backend: Backend) -> Option<GuestCounter> {
    match backend {
        Backend::Interp => Some(GuestCounter::HostMonotonicNs),
        Backend::Hvf => hvf_counter(),
    }
}

#[cfg(all(target_os = "macos", target_arch = "aarch64"))]
fn hvf_counter() -> Option<GuestCounter> {
    Some(GuestCounter::Ticks { read: || hvf::guest_counter().0, hz: hvf::guest_counter().1 })
}

#[cfg(not(all(target_os = "macos", target_arch = "aarch64")))]
fn hvf_counter() -> Option<GuestCounter> {
    // No hvf on this host (create() refuses it).
    None
}

/// The backend `auto` resolves to on this host: `$ELFUSE_BACKEND` if it
/// says `interp` or `hvf` (so a whole test suite can run on either),
/// else hvf on macOS/aarch64 and interp elsewhere.
pub fn default_backend() -> Backend {
    match std::env::var("ELFUSE_BACKEND").as_deref() {
        Ok("interp") => return Backend::Interp,
        Ok("hvf") => return Backend::Hvf,
        _ => {}
    }
    if cfg!(all(target_os = "macos", target_arch = "aarch64")) {
        Backend::Hvf
    } else {
        Backend::Interp
    }
}
