//! (to be written)

#[allow(unused_imports)]
use crate::vcpu::interp::decode::Insn;

/// Encodings of this class.
pub const TABLE: &[Insn] = &[];
