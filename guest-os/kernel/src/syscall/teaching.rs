//! rvsim's teaching calls, numbered from 1000.

use super::{efault, with_user};
use crate::errno::Errno;
use crate::{kernel, proc};

/// memstat(buf): eight u64: frames total, free, used; page faults, COW
/// faults, COW copies, COW reuses, zero-filled pages.
pub fn memstat(buf: u64) -> Result<u64, Errno> {
    let k = kernel();
    let counts = k.frames.counts();
    let s = k.stats;
    let values = [
        counts.total as u64,
        counts.free as u64,
        counts.used() as u64,
        s.page_faults,
        s.cow_faults,
        s.cow_copies,
        s.cow_reuses,
        s.demand_zero,
    ];
    let mut bytes = [0u8; 64];
    for (i, v) in values.iter().enumerate() {
        bytes[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
    }
    efault(with_user(|u| u.copy_out(buf, &bytes)))?;
    Ok(0)
}

/// vmprint(): prints the caller's page table.
pub fn vmprint() -> Result<u64, Errno> {
    proc::vmprint();
    Ok(0)
}
