//! clock_gettime and clock_getres. Time comes from `mtime` (10 MHz, derived
//! from work done, so runs are reproducible). There is no real-time clock:
//! CLOCK_REALTIME counts from the epoch at boot. CPU time is not yet
//! accounted per process, so the CPU-time clocks read the time since boot.

use super::{efault, with_user};
use crate::errno::{EINVAL, Errno};
use crate::param::TIMEBASE_HZ;
use crate::time;

/// Nanoseconds per `mtime` tick.
const TICK_NS: u64 = 1_000_000_000 / TIMEBASE_HZ;

/// Whether `clock` names a clock: REALTIME, MONOTONIC, PROCESS_CPUTIME_ID,
/// THREAD_CPUTIME_ID, MONOTONIC_RAW, REALTIME_COARSE, MONOTONIC_COARSE,
/// BOOTTIME (0 to 7).
fn known(clock: u64) -> bool {
    clock <= 7
}

/// Writes `nanoseconds` as a `struct timespec` at `tp`.
fn put_timespec(tp: u64, nanoseconds: u64) -> Result<(), Errno> {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&(nanoseconds / 1_000_000_000).to_le_bytes());
    bytes[8..].copy_from_slice(&(nanoseconds % 1_000_000_000).to_le_bytes());
    efault(with_user(|u| u.copy_out(tp, &bytes)))
}

/// clock_gettime(clock, tp).
pub fn clock_gettime(clock: u64, tp: u64) -> Result<u64, Errno> {
    if !known(clock) {
        return Err(EINVAL);
    }
    put_timespec(tp, time::now().saturating_mul(TICK_NS))?;
    Ok(0)
}

/// clock_getres(clock, res): one tick, 100 ns (`res` may be NULL).
pub fn clock_getres(clock: u64, res: u64) -> Result<u64, Errno> {
    if !known(clock) {
        return Err(EINVAL);
    }
    if res != 0 {
        put_timespec(res, TICK_NS)?;
    }
    Ok(0)
}
