//! elfuse: run AArch64 Linux ELF programs as ordinary host processes.
//!
//! See `DESIGN.md` in the shared folder for the architecture: one guest
//! world (memory, page tables, EL1 shim) run by one of two CPUs.

pub mod abi;
pub mod exec;
pub mod fdtable;
pub mod fork;
pub mod fs;
pub mod host;
pub mod loader;
pub mod mem;
pub mod process;
pub mod procfs;
pub mod run;
pub mod signal;
pub mod syscall;
pub mod thread;
pub mod vcpu;
pub mod vdso;
