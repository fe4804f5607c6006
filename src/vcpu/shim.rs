//! The EL1 shim: exception vectors that hand every exception to the host.
//!
//! Each of the 16 vector entries is `hvc #index; eret`, where index is the
//! entry's offset / 0x80 (8 = synchronous exception from EL0). The host
//! handles the exception while the vCPU is stopped after the `hvc`, then
//! resumes it at the `eret` — or at [`FLUSH_OFFSET`], which invalidates the
//! TLBs and instruction caches first, when the host changed the page tables.
//! Both backends execute these same bytes.

use crate::mem::layout::SHIM_VA;

/// `hvc #imm16`.
pub const fn hvc(imm: u16) -> u32 {
    0xd400_0002 | ((imm as u32) << 5)
}
/// `eret`.
pub const ERET: u32 = 0xd69f_03e0;
/// `tlbi vmalle1is`.
pub const TLBI_VMALLE1IS: u32 = 0xd508_831f;
/// `dsb ish`.
pub const DSB_ISH: u32 = 0xd503_3b9f;
/// `ic ialluis`.
pub const IC_IALLUIS: u32 = 0xd508_711f;
/// `isb`.
pub const ISB: u32 = 0xd503_3fdf;

/// Offset of the flush-and-return routine in the shim page.
pub const FLUSH_OFFSET: u64 = 0x800;
/// Vector index of a synchronous exception from AArch64 EL0.
pub const VEC_LOWER_SYNC: u16 = 8;

/// Virtual address of the flush-and-return routine.
pub const FLUSH_VA: u64 = SHIM_VA + FLUSH_OFFSET;

/// The shim page's contents (4 KiB).
pub fn image() -> Vec<u8> {
    let mut words = vec![0u32; 1024];
    for idx in 0..16u16 {
        let at = usize::from(idx) * 0x80 / 4;
        words[at] = hvc(idx);
        words[at + 1] = ERET;
    }
    let f = FLUSH_OFFSET as usize / 4;
    let flush = [TLBI_VMALLE1IS, DSB_ISH, IC_IALLUIS, DSB_ISH, ISB, ERET];
    words[f..f + flush.len()].copy_from_slice(&flush);
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_layout() {
        let img = image();
        assert_eq!(img.len(), 4096);
        let word = |off: usize| u32::from_le_bytes(img[off..off + 4].try_into().unwrap());
        assert_eq!(word(0x400), 0xd400_0102); // hvc #8
        assert_eq!(word(0x404), ERET);
        assert_eq!(word(0x800), TLBI_VMALLE1IS);
        assert_eq!(word(0x814), ERET);
    }
}
