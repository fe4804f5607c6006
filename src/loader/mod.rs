//! Program loading: the ELF image, the initial stack, and the auxv.

pub mod elf;
pub mod stack;

pub use elf::{load_elf, LoadError, LoadedElf};
