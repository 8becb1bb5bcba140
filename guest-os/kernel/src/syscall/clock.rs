//! clock_gettime, clock_getres and clock_nanosleep. Time comes from `mtime` (10 MHz, derived
//! from work done, so runs are reproducible). There is no real-time clock:
//! CLOCK_REALTIME counts from the epoch at boot. CPU time is not yet
//! accounted per process, so the CPU-time clocks read the time since boot.

use super::{efault, with_user};
use crate::errno::{EINTR, EINVAL, Errno};
use crate::param::TIMEBASE_HZ;
use crate::proc;
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

/// Reads a `struct timespec` at `at` as `mtime` ticks (EINVAL when
/// negative or its nanoseconds are out of range).
pub fn read_timespec(at: u64) -> Result<u64, Errno> {
    let seconds = efault(with_user(|u| u.read_u64(at)))? as i64;
    let nanoseconds = efault(with_user(|u| u.read_u64(at + 8)))? as i64;
    if seconds < 0 || !(0..1_000_000_000).contains(&nanoseconds) {
        return Err(EINVAL);
    }
    Ok(time::ticks(seconds as u64, nanoseconds as u64))
}

/// `clock_nanosleep`'s flag: the time is a deadline on the clock.
const TIMER_ABSTIME: u64 = 1;

/// clock_nanosleep(clock, flags, req, rem): sleeps for `req` (or until it,
/// with TIMER_ABSTIME); a signal ends it early with EINTR, and the time
/// left goes to `rem` (relative sleeps only). glibc's `nanosleep` and
/// `sleep` are this call.
pub fn clock_nanosleep(clock: u64, flags: u64, req: u64, rem: u64) -> Result<u64, Errno> {
    if !known(clock) || matches!(clock, 2 | 3) || flags & !TIMER_ABSTIME != 0 {
        return Err(EINVAL);
    }
    let length = read_timespec(req)?;
    let now = time::now();
    let deadline = if flags & TIMER_ABSTIME != 0 { length } else { now.saturating_add(length) };
    proc::sleep_until(deadline);
    let left = deadline.saturating_sub(time::now());
    if left == 0 {
        return Ok(0);
    }
    if rem != 0 && flags & TIMER_ABSTIME == 0 {
        put_timespec(rem, left.saturating_mul(TICK_NS))?;
    }
    Err(EINTR)
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
