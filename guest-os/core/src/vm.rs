//! What mapping, unmapping and resolving faults change beyond one page
//! table, lent to the policy code as one value: frames, the shared pages
//! table, shared-memory segments, physical memory, counters and the
//! pager; and the two operations every user page goes through, taking a
//! frame within the budget and giving one back.

use crate::PhysMemory;
use crate::frame::FrameTable;
use crate::pager::Pager;
use crate::shared_pages::SharedPagesTable;
use crate::shm::ShmRegistry;
use crate::stats::VmStats;

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
}
