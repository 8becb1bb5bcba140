//! What a page fault means. A store to a copy-on-write page breaks the
//! sharing; a first touch of the stack or heap gets a zeroed frame; with a
//! clear A or D bit (on a machine that faults instead of setting them) the
//! kernel sets it. Anything else is a fault the process dies of.

use crate::frame::FrameTable;
use crate::space::{AddressSpace, USER_END};
use crate::stats::VmStats;
use crate::{PhysMemory, page_floor, pte};

/// The kind of access that faulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch.
    Fetch,
    /// Load.
    Load,
    /// Store or AMO.
    Store,
}

/// A range of user addresses whose pages are allocated zero-filled on
/// first touch, with the given PTE flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandRegion {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Flags of the pages (U is added).
    pub flags: u64,
}

/// How a fault was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// A COW page still shared: copied from `old` into `new`.
    CowCopied {
        /// The shared frame.
        old: u64,
        /// The private copy.
        new: u64,
    },
    /// A COW page no one else maps any more: made writable in place.
    CowReused {
        /// The frame.
        frame: u64,
    },
    /// A first touch of a demand region.
    DemandZero {
        /// The new frame.
        frame: u64,
    },
    /// A and/or D set by the kernel (machines that fault on them).
    AccessedDirty,
}

/// Why a fault cannot be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// The address is not mapped and not in a demand region.
    NotMapped,
    /// The page does not allow this access (a store to text, say).
    Protection,
    /// No frame for the copy or the new page.
    OutOfMemory,
}

/// Whether PTE `entry` lets U-mode perform `access`.
pub fn permits(entry: u64, access: Access) -> bool {
    entry & pte::U != 0
        && match access {
            Access::Fetch => entry & pte::X != 0,
            Access::Load => entry & pte::R != 0,
            Access::Store => entry & pte::W != 0,
        }
}

/// Resolves a fault at `va` for `access`, or says why it cannot be. After
/// a resolution the caller must flush the TLB entry for `va`.
pub fn resolve(
    space: &mut AddressSpace,
    frames: &mut FrameTable,
    mem: &mut impl PhysMemory,
    regions: &[DemandRegion],
    va: u64,
    access: Access,
    stats: &mut VmStats,
) -> Result<Resolved, Unresolved> {
    stats.page_faults += 1;
    if va >= USER_END {
        return Err(Unresolved::NotMapped);
    }
    match space.lookup(mem, va) {
        Some((slot, entry)) => {
            if access == Access::Store && entry & pte::COW != 0 {
                return break_cow(frames, mem, slot, entry, stats);
            }
            if !permits(entry, access) {
                return Err(Unresolved::Protection);
            }
            let needed = if access == Access::Store { pte::A | pte::D } else { pte::A };
            AddressSpace::set_entry(mem, slot, entry | needed);
            Ok(Resolved::AccessedDirty)
        }
        None => {
            let region = regions.iter().find(|r| r.start <= va && va < r.end).ok_or(Unresolved::NotMapped)?;
            let frame = frames.alloc().ok_or(Unresolved::OutOfMemory)?;
            mem.zero_page(frame);
            if space.map(frames, mem, page_floor(va), frame, region.flags | pte::U | pte::A | pte::D).is_err() {
                frames.decref(frame);
                return Err(Unresolved::OutOfMemory);
            }
            stats.demand_zero += 1;
            Ok(Resolved::DemandZero { frame })
        }
    }
}

/// Breaks copy-on-write for the page whose PTE `entry` sits at `slot`:
/// copies the frame if it is still shared, or just makes it writable when
/// this is the last mapping.
pub fn break_cow(
    frames: &mut FrameTable,
    mem: &mut impl PhysMemory,
    slot: u64,
    entry: u64,
    stats: &mut VmStats,
) -> Result<Resolved, Unresolved> {
    stats.cow_faults += 1;
    let old = pte::address(entry);
    let flags = (pte::flags(entry) & !pte::COW) | pte::W | pte::A | pte::D;
    if frames.refcount(old) <= 1 {
        AddressSpace::set_entry(mem, slot, pte::make(old, flags));
        stats.cow_reuses += 1;
        return Ok(Resolved::CowReused { frame: old });
    }
    // The frame promised when the page was shared.
    let new = frames.alloc_cow_copy(old).ok_or(Unresolved::OutOfMemory)?;
    mem.copy_page(old, new);
    AddressSpace::set_entry(mem, slot, pte::make(new, flags));
    stats.cow_copies += 1;
    Ok(Resolved::CowCopied { old, new })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::ForkMode;
    use crate::testmem::TestMemory;

    const KERNEL_ROOT: u64 = 0x8000_0000;
    const DATA: u64 = 0x2_0000;

    fn forked() -> (FrameTable, TestMemory, AddressSpace, AddressSpace) {
        let mut mem = TestMemory::default();
        let mut frames = FrameTable::new(0x8010_0000, 64, |_| false);
        let mut parent = AddressSpace::new(&mut frames, &mut mem, KERNEL_ROOT).unwrap();
        let pa = frames.alloc().unwrap();
        mem.zero_page(pa);
        mem.write(pa, b"parent data");
        parent.map(&mut frames, &mut mem, DATA, pa, pte::R | pte::W | pte::U).unwrap();
        let (child, _) = parent.fork(&mut frames, &mut mem, KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
        (frames, mem, parent, child)
    }

    fn read(mem: &TestMemory, space: &AddressSpace, va: u64) -> [u8; 11] {
        let (_, e) = space.lookup(mem, va).unwrap();
        let mut buf = [0u8; 11];
        mem.read(pte::address(e) + (va & 0xfff), &mut buf);
        buf
    }

    #[test]
    fn first_store_copies_a_shared_page_and_the_last_one_reuses_it() {
        let (mut frames, mut mem, mut parent, mut child) = forked();
        let mut stats = VmStats::default();
        let shared = pte::address(parent.lookup(&mem, DATA).unwrap().1);
        let r = resolve(&mut child, &mut frames, &mut mem, &[], DATA + 8, Access::Store, &mut stats).unwrap();
        let Resolved::CowCopied { old, new } = r else { panic!("{r:?}") };
        assert_eq!(old, shared);
        assert_eq!(frames.refcount(old), 1);
        assert_eq!(read(&mem, &child, DATA), *b"parent data", "the copy has the data");
        mem.write(new, b"child  data");
        assert_eq!(read(&mem, &parent, DATA), *b"parent data", "the parent still sees its own");
        // The parent is now the only one mapping the old frame: no copy.
        let r = resolve(&mut parent, &mut frames, &mut mem, &[], DATA, Access::Store, &mut stats).unwrap();
        assert_eq!(r, Resolved::CowReused { frame: shared });
        let (_, e) = parent.lookup(&mem, DATA).unwrap();
        assert!(e & pte::W != 0 && e & pte::COW == 0);
        assert_eq!(stats, VmStats { page_faults: 2, cow_faults: 2, cow_copies: 1, cow_reuses: 1, demand_zero: 0 });
        child.destroy(&mut frames, &mut mem);
        parent.destroy(&mut frames, &mut mem);
        assert_eq!(frames.counts().used(), 0, "every frame came back");
    }

    #[test]
    fn protection_and_unmapped_faults_are_not_resolved() {
        let (mut frames, mut mem, mut parent, _) = forked();
        let mut stats = VmStats::default();
        let text = frames.alloc().unwrap();
        parent.map(&mut frames, &mut mem, 0x1_0000, text, pte::R | pte::X | pte::U).unwrap();
        let store = resolve(&mut parent, &mut frames, &mut mem, &[], 0x1_0000, Access::Store, &mut stats);
        assert_eq!(store, Err(Unresolved::Protection));
        let fetch = resolve(&mut parent, &mut frames, &mut mem, &[], DATA, Access::Fetch, &mut stats);
        assert_eq!(fetch, Err(Unresolved::Protection), "data is not executable");
        let unmapped = resolve(&mut parent, &mut frames, &mut mem, &[], 0x5000_0000, Access::Load, &mut stats);
        assert_eq!(unmapped, Err(Unresolved::NotMapped));
        let kernel = resolve(&mut parent, &mut frames, &mut mem, &[], 0x8000_1000, Access::Load, &mut stats);
        assert_eq!(kernel, Err(Unresolved::NotMapped));
    }

    #[test]
    fn demand_regions_get_zeroed_frames_on_first_touch() {
        let (mut frames, mut mem, mut parent, _) = forked();
        let mut stats = VmStats::default();
        let stack = DemandRegion { start: 0x7fff_0000, end: 0x8000_0000, flags: pte::R | pte::W };
        let free = frames.counts().free;
        let r = resolve(&mut parent, &mut frames, &mut mem, &[stack], 0x7fff_fff8, Access::Store, &mut stats).unwrap();
        assert!(matches!(r, Resolved::DemandZero { .. }));
        let (_, e) = parent.lookup(&mem, 0x7fff_f000).unwrap();
        assert!(permits(e, Access::Store));
        assert_eq!(frames.counts().free, free - 3, "a frame and two page tables");
        let below = resolve(&mut parent, &mut frames, &mut mem, &[stack], 0x7ffe_fff8, Access::Store, &mut stats);
        assert_eq!(below, Err(Unresolved::NotMapped));
    }

    #[test]
    fn a_cow_copy_never_runs_out_of_memory() {
        let (mut frames, mut mem, mut parent, mut child) = forked();
        while frames.alloc().is_some() {}
        assert_eq!(frames.counts().promised, 1, "fork promised the copy");
        let mut stats = VmStats::default();
        let r = resolve(&mut child, &mut frames, &mut mem, &[], DATA, Access::Store, &mut stats);
        assert!(matches!(r, Ok(Resolved::CowCopied { .. })), "{r:?}");
        assert_eq!(frames.counts().promised, 0);
        let r = resolve(&mut parent, &mut frames, &mut mem, &[], DATA, Access::Store, &mut stats);
        assert!(matches!(r, Ok(Resolved::CowReused { .. })), "the last sharer needs no frame: {r:?}");
    }

    #[test]
    fn promises_follow_the_sharers_through_forks_writes_and_exits() {
        let (mut frames, mut mem, parent, child) = forked();
        let mut stats = VmStats::default();
        let grandchild = child.fork(&mut frames, &mut mem, KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap().0;
        let mut spaces = [parent, child, grandchild];
        let shared = pte::address(spaces[0].lookup(&mem, DATA).unwrap().1);
        assert_eq!((frames.refcount(shared), frames.counts().promised), (3, 2), "three sharers, two copies at most");
        resolve(&mut spaces[1], &mut frames, &mut mem, &[], DATA, Access::Store, &mut stats).unwrap();
        assert_eq!((frames.refcount(shared), frames.counts().promised), (2, 1));
        let [a, b, c] = spaces;
        c.destroy(&mut frames, &mut mem);
        assert_eq!((frames.refcount(shared), frames.counts().promised), (1, 0), "the exit gave its promise back");
        b.destroy(&mut frames, &mut mem);
        a.destroy(&mut frames, &mut mem);
        assert_eq!(frames.counts(), crate::frame::FrameCounts { total: 64, free: 64, promised: 0 });
    }
}
