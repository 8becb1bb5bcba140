//! mprotect: new permissions for a range of a process's pages.
//!
//! Pages in memory or on swap get new entries at once. Pages that will
//! appear on first touch (zero-filled, from an image, of a segment) are
//! not created: the range joins the address space's list of protected
//! ranges, and a fault there applies it when it maps the page. So a
//! program may protect a large reserved range without paying for it.
//!
//! Permissions follow Linux: PROT_WRITE implies read (RISC-V has no
//! write-only pages), and PROT_NONE keeps the page but takes away user
//! access (the entry loses U, so any user access faults and the kernel's
//! copies refuse it too). A private page shared copy-on-write that gains
//! write stays copy-on-write; one that loses it stops being so. Pages of
//! the shared pages table and read-only shared-memory attachments cannot
//! gain write (EACCES).

use alloc::vec::Vec;

use crate::region::{Backing, DemandRegion};
use crate::space::{AddressSpace, USER_END};
use crate::{PAGE, PhysMemory, Vm, pte};

/// PROT_READ.
pub const PROT_READ: u64 = 1;
/// PROT_WRITE.
pub const PROT_WRITE: u64 = 2;
/// PROT_EXEC.
pub const PROT_EXEC: u64 = 4;

/// Why a protection change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectError {
    /// A misaligned start or unknown flags (EINVAL).
    Invalid,
    /// Part of the range is neither mapped nor in a region (ENOMEM).
    NotMapped,
    /// Write asked for on pages that cannot be written (EACCES).
    Denied,
}

/// A range whose pages, when they appear, take `prot` instead of their
/// region's permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protected {
    /// First address.
    pub start: u64,
    /// One past the last.
    pub end: u64,
    /// PROT_* bits.
    pub prot: u64,
}

/// The entry bits for `prot`: R, W, X and U (none of them user-visible
/// for PROT_NONE, which keeps R so that the entry stays a leaf).
pub fn entry_bits(prot: u64) -> u64 {
    if prot == 0 {
        return pte::R;
    }
    let mut bits = pte::U;
    if prot & (PROT_READ | PROT_WRITE) != 0 {
        bits |= pte::R;
    }
    if prot & PROT_WRITE != 0 {
        bits |= pte::W;
    }
    if prot & PROT_EXEC != 0 {
        bits |= pte::X;
    }
    bits
}

/// `entry` (a leaf or a page out of memory) with permissions `prot`;
/// `shared_frame`: its frame has other references (a write must copy).
fn reprotected(entry: u64, prot: u64, shared_frame: bool) -> u64 {
    let mut bits = entry_bits(prot);
    let mut kind = entry & pte::RSW;
    if matches!(pte::kind(entry), pte::PageKind::Private | pte::PageKind::Cow) {
        kind = 0;
        if bits & pte::W != 0 && shared_frame && pte::is_leaf(entry) {
            bits &= !pte::W;
            kind = pte::COW;
        }
    }
    (entry & !(pte::R | pte::W | pte::X | pte::U | pte::RSW)) | bits | kind
}

impl AddressSpace {
    /// mprotect(start, len, prot) on this space, whose first-touch pages
    /// are described by `regions`. Nothing changes unless all of it can.
    pub fn protect<M: PhysMemory>(
        &mut self,
        vm: &mut Vm<'_, M>,
        regions: &[DemandRegion<'_>],
        start: u64,
        len: u64,
        prot: u64,
    ) -> Result<(), ProtectError> {
        if !start.is_multiple_of(PAGE) || prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
            return Err(ProtectError::Invalid);
        }
        let end = start.checked_add(len.div_ceil(PAGE) * PAGE).filter(|&e| e <= USER_END);
        let end = end.ok_or(ProtectError::NotMapped)?;
        if start == end {
            return Ok(());
        }
        self.check_protect(vm.mem, regions, start, end, prot)?;
        let mut entries = self.entries_from(start);
        while let Some(e) = entries.next(vm.mem).filter(|e| e.va < end) {
            let shared_frame = pte::is_leaf(e.entry) && vm.frames.refcount(pte::address(e.entry)) > 1;
            AddressSpace::set_entry(vm.mem, e.slot, reprotected(e.entry, prot, shared_frame));
            vm.pager.flush(self.root(), e.va);
        }
        self.record_protection(Protected { start, end, prot });
        Ok(())
    }

    /// The checks of [`AddressSpace::protect`]: every page mapped or in a
    /// region, and write only where pages may be written.
    fn check_protect(
        &self,
        mem: &impl PhysMemory,
        regions: &[DemandRegion<'_>],
        start: u64,
        end: u64,
        prot: u64,
    ) -> Result<(), ProtectError> {
        let writes = prot & PROT_WRITE != 0;
        let mut va = start;
        while va < end {
            match regions.iter().find(|r| r.contains(va)) {
                Some(r) => {
                    let unwritable = matches!(r.backing, Backing::Image(_) | Backing::Shm { writable: false, .. });
                    if writes && unwritable && !self.mapped_privately(mem, va, r.end.min(end)) {
                        return Err(ProtectError::Denied);
                    }
                    va = r.end.min(end);
                }
                None if self.entry(mem, va).is_some() => va += PAGE,
                None => return Err(ProtectError::NotMapped),
            }
        }
        let mut entries = self.entries_from(start);
        while let Some(e) = entries.next(mem).filter(|e| e.va < end) {
            if writes && pte::kind(e.entry) == pte::PageKind::Shared {
                return Err(ProtectError::Denied);
            }
        }
        Ok(())
    }

    /// Whether every page of `[start, end)` is mapped as a private page
    /// (an image's data pages lie in its region, but are the process's own).
    fn mapped_privately(&self, mem: &impl PhysMemory, start: u64, end: u64) -> bool {
        (start..end).step_by(PAGE as usize).all(|va| {
            self.entry(mem, va)
                .is_some_and(|(_, e)| matches!(pte::kind(e), pte::PageKind::Private | pte::PageKind::Cow))
        })
    }

    /// Adds `range` to the protected ranges, replacing what it overlaps.
    fn record_protection(&mut self, range: Protected) {
        let mut kept: Vec<Protected> = Vec::with_capacity(self.protections.len() + 2);
        for p in self.protections.drain(..) {
            if p.end <= range.start || range.end <= p.start {
                kept.push(p);
                continue;
            }
            if p.start < range.start {
                kept.push(Protected { end: range.start, ..p });
            }
            if range.end < p.end {
                kept.push(Protected { start: range.end, ..p });
            }
        }
        kept.push(range);
        self.protections = kept;
    }

    /// Forgets the protected ranges within `[start, end)` (unmapped: what
    /// appears there later takes its region's permissions again).
    pub fn forget_protection(&mut self, start: u64, end: u64) {
        if self.protections.iter().any(|p| p.start < end && start < p.end) {
            self.record_protection(Protected { start, end, prot: 0 });
            self.protections.retain(|p| !(p.start == start && p.end == end));
        }
    }

    /// The ranges mprotect covered, with their permissions.
    pub fn protected_ranges(&self) -> &[Protected] {
        &self.protections
    }

    /// Takes `ranges` as mprotect's ranges (another node's, for a spread
    /// process: see `spread.rs`), without touching any entry.
    pub fn set_protected_ranges(&mut self, ranges: alloc::vec::Vec<Protected>) {
        self.protections = ranges;
    }

    /// The permissions mprotect gave the page at `va`, if it did.
    pub fn protection(&self, va: u64) -> Option<u64> {
        self.protections.iter().find(|p| p.start <= va && va < p.end).map(|p| p.prot)
    }

    /// Whether mprotect covered any of `[start, end)`.
    pub fn protected_in(&self, start: u64, end: u64) -> bool {
        self.protections.iter().any(|p| p.start < end && start < p.end)
    }
}

#[cfg(test)]
mod tests;
