//! The guest world's fixed address layout.
//!
//! Guest-physical memory is one host reservation of [`PHYS_SIZE`] bytes (a
//! 36-bit IPA space, the smallest Apple Silicon supports). Guest-virtual
//! memory is described by stage-1 page tables that live inside it. User
//! virtual addresses fall in two windows, each backed by a fixed slice of
//! physical memory, so a VA's physical page is a function of the VA alone:
//!
//! | VA                                  | PA                   | use |
//! |-------------------------------------|----------------------|-----|
//! | `[0, LOW_END)`                      | same                 | ELF images, brk, low mmap hints |
//! | `[HIGH_BASE, USER_END)`             | `HIGH_PA + (va - HIGH_BASE)` | mmap arena (top-down), stack |
//! | `SHIM_VA` (TTBR1)                   | `SHIM_PA`            | EL1 exception vectors |
//!
//! The last gigabyte of PA holds the page-table arena and the shim.

/// Guest page size, as the guest sees it (4 KiB granule).
pub const PAGE_SIZE: u64 = 4096;
/// Size of a level-2 block mapping.
pub const BLOCK_SIZE: u64 = 2 * 1024 * 1024;
/// Total guest-physical memory (64 GiB).
pub const PHYS_SIZE: u64 = 64 << 30;

/// End of the low user window (32 GiB).
pub const LOW_END: u64 = 32 << 30;
/// First byte past the user address space (48-bit VA).
pub const USER_END: u64 = 1 << 48;
/// Size of the high user window.
pub const HIGH_SIZE: u64 = 31 << 30;
/// Start of the high user window.
pub const HIGH_BASE: u64 = USER_END - HIGH_SIZE;
/// Physical address backing `HIGH_BASE`.
pub const HIGH_PA: u64 = LOW_END;

/// Physical start of the system region (page tables, shim).
pub const SYS_PA: u64 = HIGH_PA + HIGH_SIZE;
/// Page-table arena: physical range reserved for translation tables.
pub const PT_ARENA_PA: u64 = SYS_PA;
/// Size of the page-table arena (enough for every 4 KiB page of both windows).
pub const PT_ARENA_SIZE: u64 = 512 << 20;
/// Physical page holding the EL1 shim (exception vectors).
pub const SHIM_PA: u64 = PT_ARENA_PA + PT_ARENA_SIZE;
/// Virtual address of the EL1 shim, in the TTBR1 (kernel) half.
pub const SHIM_VA: u64 = 0xffff_ffff_fffe_0000;

// [USER_END - 0x8000, USER_END): the vDSO and its data page (src/vdso).

/// Top of the initial guest stack (exclusive); the stack grows down from here.
pub const STACK_TOP: u64 = USER_END - 0x1_0000;
/// Maximum size of the main thread's stack (RLIMIT_STACK default, 8 MiB).
pub const STACK_MAX: u64 = 8 << 20;
/// Start of the top-down mmap arena: below the stack and a guard gap.
pub const MMAP_TOP: u64 = STACK_TOP - STACK_MAX - (128 << 20);

/// Translate a user virtual address to its backing physical address.
///
/// Returns `None` for addresses outside both user windows.
pub const fn user_va_to_pa(va: u64) -> Option<u64> {
    if va < LOW_END {
        Some(va)
    } else if va >= HIGH_BASE && va < USER_END {
        Some(va - HIGH_BASE + HIGH_PA)
    } else {
        None
    }
}

/// Whether `[va, va+len)` lies entirely inside one user window.
pub const fn user_range_ok(va: u64, len: u64) -> bool {
    let Some(end) = va.checked_add(len) else {
        return false;
    };
    (end <= LOW_END) || (va >= HIGH_BASE && end <= USER_END)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_do_not_overlap_system_region() {
        assert_eq!(user_va_to_pa(LOW_END - 1), Some(LOW_END - 1));
        assert_eq!(user_va_to_pa(LOW_END), None);
        assert_eq!(user_va_to_pa(HIGH_BASE), Some(HIGH_PA));
        assert_eq!(user_va_to_pa(USER_END - 1), Some(SYS_PA - 1));
        const { assert!(SHIM_PA + PAGE_SIZE <= PHYS_SIZE) };
        const { assert!(MMAP_TOP > HIGH_BASE) };
        assert!(user_range_ok(0x400000, 0x1000));
        assert!(!user_range_ok(LOW_END - 1, 2));
        assert!(!user_range_ok(u64::MAX, 2));
    }
}
