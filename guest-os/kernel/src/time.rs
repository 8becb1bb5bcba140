//! Time: the `time` CSR (`mtime`, 10 MHz).

/// `mtime` now.
pub fn now() -> u64 {
    let t: u64;
    // SAFETY: reading the time CSR (allowed in S-mode by mcounteren).
    unsafe { core::arch::asm!("csrr {0}, time", out(reg) t) };
    t
}

/// Timer ticks in `seconds` and `nanoseconds`.
pub fn ticks(seconds: u64, nanoseconds: u64) -> u64 {
    seconds
        .saturating_mul(crate::param::TIMEBASE_HZ)
        .saturating_add(nanoseconds / (1_000_000_000 / crate::param::TIMEBASE_HZ))
}

/// Whole seconds since boot (for shared-memory times).
pub fn seconds() -> u64 {
    now() / crate::param::TIMEBASE_HZ
}

/// Microseconds in `ticks` timer ticks.
pub fn micros(ticks: u64) -> u64 {
    ticks / (crate::param::TIMEBASE_HZ / 1_000_000)
}
