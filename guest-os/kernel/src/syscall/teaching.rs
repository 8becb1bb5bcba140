//! rvsim's teaching calls, numbered from 1000.

use rvsim_abi::MemStat;

use super::{efault, with_user};
use crate::errno::Errno;
use crate::{kernel, proc};

/// memstat(buf, len): copies the first `len` bytes (at most the whole
/// record) of the kernel's [`MemStat`] to `buf`; returns the record's size.
pub fn memstat(buf: u64, len: u64) -> Result<u64, Errno> {
    let k = kernel();
    let counts = k.frames.counts();
    let s = k.stats;
    let record = MemStat {
        frames_total: counts.total as u64,
        frames_free: counts.free as u64,
        frames_used: counts.used() as u64,
        frames_promised: counts.promised as u64,
        page_faults: s.page_faults,
        cow_faults: s.cow_faults,
        cow_copies: s.cow_copies,
        cow_reuses: s.cow_reuses,
        demand_zero: s.demand_zero,
    };
    let bytes = record.to_bytes();
    let len = (len as usize).min(bytes.len());
    efault(with_user(|u| u.copy_out(buf, &bytes[..len])))?;
    Ok(MemStat::SIZE as u64)
}

/// vmprint(): prints the caller's page table.
pub fn vmprint() -> Result<u64, Errno> {
    proc::vmprint();
    Ok(0)
}
