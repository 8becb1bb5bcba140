//! What the kernel's VM counts, for `memstat`.

/// Virtual-memory event counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VmStats {
    /// Page faults from user mode and from kernel accesses to user memory.
    pub page_faults: u64,
    /// Store faults on copy-on-write pages.
    pub cow_faults: u64,
    /// COW faults resolved by copying the frame (it was still shared).
    pub cow_copies: u64,
    /// COW faults resolved by making the page writable again (no one else
    /// mapped the frame any more).
    pub cow_reuses: u64,
    /// Pages allocated zero-filled on first touch (stack, heap).
    pub demand_zero: u64,
    /// Faults that needed a page read: from the swap disk, or from the
    /// image (a shared pages table miss).
    pub major_faults: u64,
    /// Pages read from the swap disk.
    pub page_ins: u64,
    /// Pages written to the swap disk.
    pub page_outs: u64,
    /// Pages the pager dropped without writing (clean text, zero pages,
    /// pages whose swap copy was still good).
    pub drops: u64,
}
