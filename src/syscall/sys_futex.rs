//! futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE,
//! WAKE_OP, with the PRIVATE and CLOCK_REALTIME flags.
//!
//! Waiters park on the host address of the futex word with
//! `parking_lot_core`, whose validation runs under the bucket lock: the
//! value check and the enqueue are atomic with respect to wake, so no
//! wake-up is lost. A waiter re-checks for signals every
//! [`SIGNAL_POLL`] (it then returns EINTR, as Linux's futex_wait does).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use parking_lot_core::{ParkResult, RequeueOp, UnparkResult, UnparkToken};

use super::{Args, Flow, Task};
use crate::abi::errno::Errno;
use crate::abi::time::Timespec;

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;
const FUTEX_REQUEUE: u32 = 3;
const FUTEX_CMP_REQUEUE: u32 = 4;
const FUTEX_WAKE_OP: u32 = 5;
const FUTEX_WAIT_BITSET: u32 = 9;
const FUTEX_WAKE_BITSET: u32 = 10;
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;
const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;

/// How often a waiter looks for a signal to deliver.
pub const SIGNAL_POLL: Duration = Duration::from_millis(20);

/// A checked host address of a guest futex word (4-byte aligned, mapped).
fn word(task: &Task, uaddr: u64, write: bool) -> Result<&'static AtomicU32, Errno> {
    if uaddr % 4 != 0 {
        return Err(Errno::EINVAL);
    }
    let p = task.lock();
    let ptr = p.mm.host_addr(uaddr, 4, write)?;
    // SAFETY: `ptr` is 4-byte aligned (uaddr is, and pages are) and points
    // into the guest-physical reservation, which stays mapped for the life
    // of the process (unmapping guest memory only replaces host pages).
    Ok(unsafe { AtomicU32::from_ptr(ptr.cast()) })
}

fn key(w: &AtomicU32) -> usize {
    w as *const AtomicU32 as usize
}

/// Wake up to `n` waiters on `w` whose bitset intersects `bitset`.
fn wake(w: &AtomicU32, n: u32, bitset: u32) -> u64 {
    let mut woken = 0u32;
    // SAFETY: unpark_filter's callbacks do not panic or park.
    unsafe {
        parking_lot_core::unpark_filter(
            key(w),
            |token| {
                if woken < n && (token.0 as u32) & bitset != 0 {
                    woken += 1;
                    parking_lot_core::FilterOp::Unpark
                } else if woken >= n {
                    parking_lot_core::FilterOp::Stop
                } else {
                    parking_lot_core::FilterOp::Skip
                }
            },
            |_| UnparkToken(0),
        );
    }
    u64::from(woken)
}

/// Sleep on `w` while it holds `val`, until woken, `deadline`, or a signal.
fn wait(task: &Task, w: &AtomicU32, val: u32, bitset: u32, deadline: Option<Instant>) -> Result<u64, Errno> {
    loop {
        let slice = Instant::now() + SIGNAL_POLL;
        let until = deadline.map_or(slice, |d| d.min(slice));
        // SAFETY: the validate/timed_out/before_sleep callbacks do not
        // panic or park; the key is a unique host address.
        let r = unsafe {
            parking_lot_core::park(
                key(w),
                || w.load(Ordering::SeqCst) == val,
                || {},
                |_, _| {},
                parking_lot_core::ParkToken(bitset as usize),
                Some(until),
            )
        };
        match r {
            ParkResult::Unparked(_) => return Ok(0),
            ParkResult::Invalid => return Err(Errno::EAGAIN),
            ParkResult::TimedOut => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(Errno::ETIMEDOUT);
                }
                let mut p = task.lock();
                crate::signal::host::collect(&mut p);
                if p.deliverable() != 0 {
                    return Err(Errno::EINTR);
                }
                // Re-validate on the next park: a changed value is EAGAIN.
            }
        }
    }
}

fn read_timeout(task: &Task, ptr: u64, absolute: bool, realtime: bool) -> Result<Option<Instant>, Errno> {
    if ptr == 0 {
        return Ok(None);
    }
    let ts: Timespec = task.lock().mm.read_obj(ptr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    let d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    if !absolute {
        return Ok(Some(Instant::now() + d));
    }
    // Absolute: convert from the named clock to an Instant.
    let clock = if realtime { libc::CLOCK_REALTIME } else { libc::CLOCK_MONOTONIC };
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into `now`.
    unsafe { libc::clock_gettime(clock, &mut now) };
    let now = Duration::new(now.tv_sec as u64, now.tv_nsec as u32);
    Ok(Some(Instant::now() + d.saturating_sub(now)))
}

/// Apply a FUTEX_WAKE_OP operation to the old value.
fn wake_op(old: u32, val3: u32) -> Result<(u32, bool), Errno> {
    let op = (val3 >> 28) & 7;
    let cmp = (val3 >> 24) & 15;
    let mut oparg = (val3 >> 12) & 0xfff;
    let cmparg = val3 & 0xfff;
    if val3 & (8 << 28) != 0 {
        oparg = 1u32.checked_shl(oparg).unwrap_or(0);
    }
    let new = match op {
        0 => oparg,
        1 => old.wrapping_add(oparg),
        2 => old | oparg,
        3 => old & !oparg,
        4 => old ^ oparg,
        _ => return Err(Errno::ENOSYS),
    };
    let (o, c) = (old as i32, cmparg as i32);
    let hit = match cmp {
        0 => o == c,
        1 => o != c,
        2 => o < c,
        3 => o <= c,
        4 => o > c,
        5 => o >= c,
        _ => return Err(Errno::ENOSYS),
    };
    Ok((new, hit))
}

/// futex(2).
pub fn futex(task: &Task, a: &Args) -> Result<Flow, Errno> {
    let (uaddr, op, val, timeout, uaddr2, val3) = (a.u(0), a.uint(1), a.uint(2), a.u(3), a.u(4), a.uint(5));
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    if realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT {
        return Err(Errno::ENOSYS);
    }
    let r = match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT { FUTEX_BITSET_MATCH_ANY } else { val3 };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let w = word(task, uaddr, false)?;
            // FUTEX_WAIT's timeout is relative; WAIT_BITSET's is absolute.
            let deadline = read_timeout(task, timeout, cmd == FUTEX_WAIT_BITSET, realtime)?;
            wait(task, w, val, bitset, deadline)?
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { FUTEX_BITSET_MATCH_ANY } else { val3 };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            wake(word(task, uaddr, false)?, val, bitset)
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let (w1, w2) = (word(task, uaddr, false)?, word(task, uaddr2, false)?);
            if cmd == FUTEX_CMP_REQUEUE && w1.load(Ordering::SeqCst) != val3 {
                return Err(Errno::EAGAIN);
            }
            let n_requeue = timeout as u32; // the "timeout" argument is val2
            let woken = wake(w1, val, FUTEX_BITSET_MATCH_ANY);
            let mut moved = 0u64;
            while moved < u64::from(n_requeue) {
                // SAFETY: callbacks do not panic or park; distinct keys.
                let r: UnparkResult = unsafe {
                    parking_lot_core::unpark_requeue(key(w1), key(w2), || RequeueOp::RequeueOne, |_, _| UnparkToken(0))
                };
                if r.requeued_threads == 0 {
                    break;
                }
                moved += r.requeued_threads as u64;
            }
            woken + if cmd == FUTEX_CMP_REQUEUE { moved } else { 0 }
        }
        FUTEX_WAKE_OP => {
            let (w1, w2) = (word(task, uaddr, false)?, word(task, uaddr2, true)?);
            let mut old = w2.load(Ordering::SeqCst);
            let hit = loop {
                let (new, hit) = wake_op(old, val3)?;
                match w2.compare_exchange(old, new, Ordering::SeqCst, Ordering::SeqCst) {
                    Ok(_) => break hit,
                    Err(cur) => old = cur,
                }
            };
            let mut n = wake(w1, val, FUTEX_BITSET_MATCH_ANY);
            if hit {
                n += wake(w2, timeout as u32, FUTEX_BITSET_MATCH_ANY);
            }
            n
        }
        _ => return Err(Errno::ENOSYS),
    };
    Ok(Flow::Return(r))
}

/// Wake one waiter on the guest word at `uaddr` (thread exit:
/// CLONE_CHILD_CLEARTID), if it is mapped.
pub fn wake_address(task: &Task, uaddr: u64) {
    if let Ok(w) = word(task, uaddr, false) {
        wake(w, 1, FUTEX_BITSET_MATCH_ANY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_op_encoding() {
        // FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0): old=5 -> 6, 5 > 0.
        let v = (1 << 28) | (4 << 24) | (1 << 12);
        assert_eq!(wake_op(5, v).unwrap(), (6, true));
        // OPARG_SHIFT: set bit 3.
        let v = (8 << 28) | (2 << 28) | (3 << 12);
        assert_eq!(wake_op(0, v).unwrap().0, 8);
        assert!(wake_op(0, 7 << 28).is_err());
    }
}
