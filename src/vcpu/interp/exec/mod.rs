//! Instruction handlers, one file per ARM ARM encoding class.
//!
//! Each class exports `TABLE: &[Insn]`; the decoder buckets them by op0.

pub mod alu;
pub mod branch;
pub mod crypto;
pub mod dp_imm;
pub mod dp_reg;
pub mod fp;
pub mod ldst;
pub mod recip;
pub mod simd;
pub mod simd_ldst;
pub mod softfloat;
pub mod system;

use super::decode::Insn;

/// Every class table, in decode priority order.
pub static TABLES: &[&[Insn]] = &[
    system::TABLE,
    branch::TABLE,
    dp_imm::TABLE,
    dp_reg::TABLE,
    ldst::TABLE,
    simd_ldst::TABLE,
    crypto::TABLE,
    fp::TABLE,
    simd::TABLE,
];
