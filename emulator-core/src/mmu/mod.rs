//! The memory-management unit: Sv39 translation ([`sv39`]) cached by a
//! modelled TLB ([`tlb`]), physical memory protection ([`pmp`]), and the
//! host fast path in front of them ([`fast`]). The hart drives them from
//! `cpu::translate`; [`inspect`] gives tools side-effect-free views.

pub mod fast;
pub mod inspect;
pub mod pmp;
pub mod sv39;
pub mod tlb;
pub mod workbench;

pub use pmp::Pmp;
pub use sv39::{AdPolicy, Fault, PageFaultReason, WalkStep};
pub use tlb::{FlushForm, Policy, Tlb, TlbEntry, TlbShape, TlbStats};

use crate::cpu::Access;
use fast::FastPath;

/// MMU options chosen when the machine is built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MmuConfig {
    /// Shape of the modelled TLB.
    pub tlb: TlbShape,
    /// How A and D bits are maintained.
    pub ad: AdPolicy,
}

/// Counters of translation work beyond the TLB's own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MmuStats {
    /// Page-table walks started.
    pub walks: u64,
    /// PTEs read by walks.
    pub pte_reads: u64,
    /// PTEs written back to set A and/or D.
    pub ad_updates: u64,
    /// Page faults, by access kind (fetch, load, store).
    pub page_faults: [u64; 3],
    /// Walks that failed because a PTE could not be read or written.
    pub walk_access_faults: u64,
}

/// The MMU's state.
pub struct Mmu {
    /// The modelled TLB.
    pub tlb: Tlb,
    /// A/D policy.
    pub ad: AdPolicy,
    /// Decoded PMP entries.
    pub pmp: Pmp,
    /// Counters.
    pub stats: MmuStats,
    /// Host fast path.
    pub fast: FastPath,
}

impl Mmu {
    /// An MMU with an empty TLB of the configured shape.
    pub fn new(config: MmuConfig) -> Mmu {
        Mmu {
            tlb: Tlb::new(config.tlb),
            ad: config.ad,
            pmp: Pmp::default(),
            stats: MmuStats::default(),
            fast: FastPath::default(),
        }
    }

    /// Counts a page fault of kind `access`.
    pub fn count_page_fault(&mut self, access: Access) {
        self.stats.page_faults[access as usize] += 1;
    }
}
