//! Guest memory: the physical reservation, the layout, the translation
//! tables, and the address space (regions, brk, mmap).

pub mod layout;
pub mod pagetable;
pub mod phys;
pub mod space;
