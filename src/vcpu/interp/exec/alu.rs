//! Shared integer arithmetic helpers (to be written).
