//! What mapping, unmapping and resolving faults change beyond one page
//! table, lent to the policy code as one value: frames, the shared pages
//! table, shared-memory segments, physical memory, counters and the
//! pager; and the two operations every user page goes through, taking a
//! frame within the budget and giving one back.

use crate::PhysMemory;
use crate::frame::FrameTable;
use crate::pager::Pager;
use crate::pte;
use crate::shared_pages::SharedPagesTable;
use crate::shm::ShmRegistry;
use crate::space::entry_slot;
use crate::stats::VmStats;
use crate::swap::Slot;

/// The kernel's VM state, borrowed.
pub struct Vm<'a, M: PhysMemory> {
    /// Frame reference counts.
    pub frames: &'a mut FrameTable,
    /// The shared pages table.
    pub shared: &'a mut SharedPagesTable,
    /// Shared-memory segments.
    pub shm: &'a mut ShmRegistry,
    /// Physical memory.
    pub mem: &'a mut M,
    /// Counters.
    pub stats: &'a mut VmStats,
    /// Reverse map, replacer, swap, commit account.
    pub pager: &'a mut Pager,
}

impl<M: PhysMemory> Vm<'_, M> {
    /// A frame for a user page (see [`Pager::alloc_user`]).
    pub fn alloc_user(&mut self, shared: bool) -> Option<u64> {
        self.pager.alloc_user(self.frames, shared)
    }

    /// Drops one reference to a user page's frame (see
    /// [`Pager::release_user`]).
    pub fn release_user(&mut self, frame: u64) -> bool {
        self.pager.release_user(self.frames, frame)
    }

    /// Ends the swap cache's pairing of `slot` with its frame; returns the
    /// frame (the cache's reference to it is the caller's). Entries that
    /// took the frame from the cache while the slot lived still map it,
    /// clean; the page now exists only in memory, so each is marked dirty:
    /// eviction must write it again, not take it for a zero page never
    /// written.
    pub fn uncache(&mut self, slot: Slot) -> Option<u64> {
        let frame = self.pager.cache.remove(slot)?;
        for m in self.pager.rmap.mappings(frame) {
            let Some(at) = entry_slot(self.mem, m.root, m.va) else { continue };
            let entry = self.mem.read_u64(at);
            if pte::is_leaf(entry) && pte::address(entry) == frame {
                self.mem.write_u64(at, entry | pte::D);
            }
        }
        Some(frame)
    }

    /// Drops one reference to `slot` (slot 0, a zero page, holds nothing);
    /// at the last, the swap cache's frame for it, if any, is released.
    pub fn release_slot(&mut self, slot: Slot) {
        if slot != 0
            && self.pager.swap.decref(slot)
            && let Some(frame) = self.uncache(slot)
        {
            self.release_user(frame);
        }
    }
}
