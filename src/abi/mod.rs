//! The Linux aarch64 user ABI, spelled out: numbers, flags, errno values and
//! struct layouts, each citing its kernel header. Nothing here depends on
//! the host; translation to host values lives beside the syscall handlers.

pub mod auxv;
pub mod clone;
pub mod dirent;
pub mod errno;
pub mod fcntl;
pub mod misc;
pub mod mman;
pub mod poll;
pub mod signal;
pub mod socket;
pub mod stat;
pub mod termios;
pub mod time;

/// View a plain-data ABI struct as bytes for copying to the guest.
///
/// Implemented only for `#[repr(C)]` types whose every byte is initialised
/// (explicit padding fields), checked by size assertions beside each type.
pub trait Pod: Copy + Default + 'static {
    /// The value's bytes.
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: implementors are repr(C) with explicit padding, so every
        // byte of the value is initialised; the slice borrows `self`.
        unsafe { std::slice::from_raw_parts((self as *const Self).cast::<u8>(), std::mem::size_of::<Self>()) }
    }
    /// Build a value from bytes (any bit pattern is valid for a Pod).
    fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() < std::mem::size_of::<Self>() {
            return None;
        }
        let mut v = Self::default();
        // SAFETY: the destination is exactly size_of::<Self>() bytes of a
        // Pod value (any bit pattern valid); the source has at least as many.
        unsafe {
            std::ptr::copy_nonoverlapping(b.as_ptr(), (&mut v as *mut Self).cast::<u8>(), std::mem::size_of::<Self>())
        };
        Some(v)
    }
}
