//! The `interp` backend: elfuse's own AArch64 CPU.
//!
//! It executes EL0 guest code and the EL1 shim, walks the guest's page
//! tables with a software MMU, and decodes straight-line runs of guest code
//! once into translated blocks (`block.rs`). An exception at EL0 enters the
//! shim exactly as on hardware; the shim's `hvc` returns control to the host
//! as a [`VcpuExit`].
//!
//! `ELFUSE_STATS=1` makes each vCPU report on exit, to stderr, the guest
//! instructions it executed and the rate (MIPS over its lifetime).

pub mod block;
pub mod cpu;
pub mod decode;
pub mod exception;
pub mod exec;
pub mod mmu;
#[cfg(test)]
pub mod testing;

use std::sync::Arc;

use self::block::BlockCache;
use self::cpu::Cpu;
use self::exception::Exception;
use super::{arch, shim, CancelToken, El1Setup, Reg, Vcpu, VcpuError, VcpuExit};
use crate::mem::layout::SHIM_VA;
use crate::mem::phys::PhysMem;

/// AT_HWCAP of the software CPU: only features it implements completely.
/// (Linux also emulates EL0 reads of the ID registers: HWCAP_CPUID.)
pub const HWCAP: u64 = {
    use crate::abi::auxv::*;
    HWCAP_FP
        | HWCAP_ASIMD
        | HWCAP_CPUID
        | HWCAP_CRC32
        | HWCAP_ATOMICS
        | HWCAP_LRCPC
        | HWCAP_ILRCPC
        | HWCAP_FLAGM
        | HWCAP_AES
        | HWCAP_PMULL
        | HWCAP_SHA1
        | HWCAP_SHA2
};

/// Instructions executed between checks for cancellation.
const BUDGET: u32 = 4096;

/// A software vCPU.
pub struct InterpVcpu {
    cpu: Cpu,
    blocks: BlockCache,
    /// Set when `ELFUSE_STATS` asks for a report: the vCPU's start time.
    stats: Option<std::time::Instant>,
    /// Stopped after the shim's `hvc`: the EL0 view lives in ELR/SPSR.
    in_shim: bool,
    flush_pending: bool,
    cancel: CancelToken,
}

impl InterpVcpu {
    /// A vCPU with the shim and page tables loaded, about to enter EL0.
    pub fn new(phys: Arc<PhysMem>, setup: &El1Setup) -> InterpVcpu {
        let mut cpu = Cpu::new(phys);
        load_el1(&mut cpu, setup);
        let stats = std::env::var_os("ELFUSE_STATS").is_some_and(|v| v != "0").then(std::time::Instant::now);
        InterpVcpu {
            cpu,
            blocks: BlockCache::default(),
            stats,
            in_shim: false,
            flush_pending: false,
            cancel: CancelToken::default(),
        }
    }

    /// The CPU state (for tests and diagnostics).
    pub fn cpu(&self) -> &Cpu {
        &self.cpu
    }
}

/// Load the EL1 system registers of the guest world and drop to EL0.
pub fn load_el1(cpu: &mut Cpu, setup: &El1Setup) {
    cpu.sys.sctlr_el1 = arch::SCTLR_EL1;
    cpu.sys.tcr_el1 = arch::TCR_EL1;
    cpu.sys.mair_el1 = arch::MAIR_EL1;
    cpu.sys.cpacr_el1 = arch::CPACR_EL1;
    cpu.sys.ttbr0_el1 = setup.ttbr0;
    cpu.sys.ttbr1_el1 = setup.ttbr1;
    cpu.sys.vbar_el1 = SHIM_VA;
    cpu.el = 0;
    cpu.daif = 0;
    cpu.nzcv = 0;
    cpu.pc = setup.entry;
    cpu.sp_el0 = setup.sp;
    cpu.tlbi_all();
    cpu.ic_iallu();
}

impl Vcpu for InterpVcpu {
    fn run(&mut self) -> Result<VcpuExit, VcpuError> {
        if self.in_shim && self.flush_pending {
            self.cpu.pc = shim::FLUSH_VA;
        } else if self.flush_pending {
            self.cpu.tlbi_all();
            self.cpu.ic_iallu();
        }
        self.flush_pending = false;
        self.in_shim = false;
        loop {
            match self.blocks.run(&mut self.cpu, BUDGET) {
                // Only stop at EL0, where the EL0 view is the live state.
                Ok(()) => {
                    if self.cpu.el == 0 && self.cancel.take() {
                        return Ok(VcpuExit::Cancelled);
                    }
                }
                Err(Exception::Hvc(vector)) if self.cpu.el == 1 => {
                    self.cpu.pc = self.cpu.cur_pc.wrapping_add(4);
                    self.in_shim = true;
                    let s = &self.cpu.sys;
                    return Ok(VcpuExit::from_syndrome(vector, s.esr_el1, s.far_el1));
                }
                Err(e) => {
                    let pc = self.cpu.cur_pc;
                    self.cpu.take_exception(e, pc);
                }
            }
        }
    }

    fn get(&self, r: Reg) -> u64 {
        let c = &self.cpu;
        match r {
            Reg::X(n) => c.x(u32::from(n.min(30))),
            Reg::Sp => c.sp_el0,
            Reg::Pc if self.in_shim => c.sys.elr_el1,
            Reg::Pc => c.pc,
            Reg::Pstate if self.in_shim => c.sys.spsr_el1,
            Reg::Pstate => c.pstate(),
            Reg::TpidrEl0 => c.tpidr_el0,
            Reg::TpidrroEl0 => c.tpidrro_el0,
            Reg::Fpcr => u64::from(c.fpcr),
            Reg::Fpsr => u64::from(c.fpsr),
        }
    }

    fn set(&mut self, r: Reg, v: u64) {
        let c = &mut self.cpu;
        match r {
            Reg::X(n) => c.set_x(u32::from(n.min(30)), v),
            Reg::Sp => c.sp_el0 = v,
            Reg::Pc if self.in_shim => c.sys.elr_el1 = v,
            Reg::Pc => c.pc = v,
            // Only the flags are guest-settable; the mode stays EL0t.
            Reg::Pstate if self.in_shim => c.sys.spsr_el1 = v & 0xf000_0000,
            Reg::Pstate => c.nzcv = (v as u32) & 0xf000_0000,
            Reg::TpidrEl0 => c.tpidr_el0 = v,
            Reg::TpidrroEl0 => c.tpidrro_el0 = v,
            Reg::Fpcr => c.fpcr = v as u32,
            Reg::Fpsr => c.fpsr = v as u32,
        }
    }

    fn syscall_regs(&self) -> (u64, [u64; 6]) {
        let x = &self.cpu.xregs;
        (x[8], [x[0], x[1], x[2], x[3], x[4], x[5]])
    }

    fn get_v(&self, n: u8) -> u128 {
        self.cpu.vreg(u32::from(n))
    }

    fn set_v(&mut self, n: u8, v: u128) {
        self.cpu.set_vreg(u32::from(n), v);
    }

    fn flush_on_resume(&mut self) {
        self.flush_pending = true;
    }

    fn reset(&mut self, phys: Arc<PhysMem>, setup: &El1Setup) -> Result<(), VcpuError> {
        self.cpu = Cpu::new(phys);
        load_el1(&mut self.cpu, setup);
        self.in_shim = false;
        self.flush_pending = false;
        Ok(())
    }

    fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }
}

impl Drop for InterpVcpu {
    fn drop(&mut self) {
        if let Some(start) = self.stats {
            let secs = start.elapsed().as_secs_f64();
            let n = self.blocks.executed;
            eprintln!(
                "elfuse: stats: {n} guest instructions in {secs:.3} s ({:.0} MIPS), {} blocks decoded",
                n as f64 / secs.max(1e-9) / 1e6,
                self.blocks.built
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::layout;
    use crate::mem::pagetable::Perm;
    use crate::mem::space::{AddressSpace, Placement};

    fn guest(code: &[u32]) -> (AddressSpace, InterpVcpu) {
        let phys = Arc::new(PhysMem::new(layout::PHYS_SIZE).unwrap());
        let mut mm = AddressSpace::new(Arc::clone(&phys)).unwrap();
        mm.mmap(Placement::Fixed(0x40_0000), 0x1000, Perm::RX, false, None, None).unwrap();
        let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        mm.write_priv(0x40_0000, &bytes).unwrap();
        let setup = El1Setup { ttbr0: mm.ttbr0(), ttbr1: mm.ttbr1(), entry: 0x40_0000, sp: 0 };
        let cpu = InterpVcpu::new(phys, &setup);
        (mm, cpu)
    }

    #[test]
    fn syscall_round_trip_through_the_shim() {
        // mov x8, #172; svc #0; brk #1
        let (_mm, mut v) = guest(&[0xd280_1588, 0xd400_0001, 0xd420_0020]);
        assert_eq!(v.run().unwrap(), VcpuExit::Syscall { imm: 0 });
        assert_eq!(v.get(Reg::X(8)), 172);
        assert_eq!(v.get(Reg::Pc), 0x40_0008, "ELR is past the svc");
        v.set(Reg::X(0), 1234);
        assert_eq!(v.run().unwrap(), VcpuExit::Breakpoint { imm: 1 });
        assert_eq!(v.get(Reg::X(0)), 1234);
        assert_eq!(v.get(Reg::Pc), 0x40_0008, "BRK reports its own address");
        assert_eq!(v.cpu().el, 1, "stopped in the shim");
    }

    #[test]
    fn el0_cannot_execute_the_shim() {
        let (_mm, mut v) = guest(&[0xd400_0001]); // svc #0
        assert_eq!(v.run().unwrap(), VcpuExit::Syscall { imm: 0 });
        // A hostile return address (as a forged sigreturn frame could give).
        v.set(Reg::Pc, layout::SHIM_VA + 0x400);
        match v.run().unwrap() {
            VcpuExit::InstructionAbort { far, esr } => {
                assert_eq!(far, layout::SHIM_VA + 0x400);
                assert_eq!(esr & 0x3c, 0xc, "permission fault");
            }
            other => panic!("EL0 ran the shim: {other:?}"),
        }
    }

    #[test]
    fn undefined_instruction_exits() {
        let (_mm, mut v) = guest(&[0x0000_0000]); // udf #0
        assert!(matches!(v.run().unwrap(), VcpuExit::Undefined { .. }));
        assert_eq!(v.get(Reg::Pc), 0x40_0000);
    }
}
