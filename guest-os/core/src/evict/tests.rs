//! Eviction and the way back, with a fake swap disk: the test plays the
//! kernel's part (the transfers, and the waits).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::*;
use crate::fault::{Access, Resolved, Unresolved, resolve};
use crate::region::DemandRegion;
use crate::replace::Policy;
use crate::space::{AddressSpace, ForkMode};
use crate::swap::Slot;
use crate::testmem::{KERNEL_ROOT, World};
use crate::{PAGE, pte};

const DATA: u64 = 0x2_0000;
const STACK: u64 = 0x7fff_0000;

/// The swap disk: a page per slot.
#[derive(Default)]
struct Disk(BTreeMap<Slot, Vec<u8>>);

impl Disk {
    /// Carries out an eviction's write.
    fn complete(&mut self, w: &mut World, eviction: Eviction) {
        if let Eviction::Write { frame, slot, .. } = eviction {
            let mut page = alloc::vec![0u8; PAGE as usize];
            w.mem.read(frame, &mut page);
            self.0.insert(slot, page);
            page_out_done(&mut w.vm(), slot, frame, true);
        }
    }

    /// Evicts one page and writes it if it must be.
    fn evict(&mut self, w: &mut World) -> Eviction {
        let eviction = evict_one(&mut w.vm()).expect("a victim");
        self.complete(w, eviction);
        eviction
    }

    /// Resolves a fault the way the kernel does: waits are served (reads
    /// from the disk, evictions for frames) and the fault tried again.
    fn fault(
        &mut self,
        w: &mut World,
        space: &mut AddressSpace,
        regions: &[DemandRegion],
        va: u64,
        access: Access,
    ) -> Resolved {
        for _ in 0..8 {
            match resolve(space, &mut w.vm(), regions, va, access) {
                Ok(resolved) => return resolved,
                Err(Unresolved::Wait(Wait::PageIn { slot, frame })) => {
                    let page = self.0.get(&slot).expect("a written slot").clone();
                    w.mem.write(frame, &page);
                    page_in_done(&mut w.vm(), slot, frame, true);
                }
                Err(Unresolved::Wait(Wait::Frames)) => {
                    self.evict(w);
                }
                Err(other) => panic!("fault at {va:#x}: {other:?}"),
            }
        }
        panic!("fault at {va:#x} never resolved")
    }
}

fn read(w: &World, space: &AddressSpace, va: u64) -> [u8; 8] {
    let (_, e) = space.lookup(&w.mem, va).expect("mapped");
    let mut buf = [0u8; 8];
    w.mem.read(pte::address(e) + (va & 0xfff), &mut buf);
    buf
}

fn write(w: &mut World, space: &AddressSpace, va: u64, data: &[u8; 8]) {
    let (slot, e) = space.lookup(&w.mem, va).expect("mapped");
    w.mem.write(pte::address(e) + (va & 0xfff), data);
    w.mem.write_u64(slot, e | pte::D);
}

fn stack() -> [DemandRegion<'static>; 1] {
    [DemandRegion::zero(STACK, STACK + 16 * PAGE, pte::R | pte::W)]
}

#[test]
fn a_dirty_page_goes_to_swap_and_comes_back_with_its_data() {
    let mut w = World::with_swap(16, 8, Policy::Clock);
    let mut disk = Disk::default();
    let mut space = w.space();
    w.page(&mut space, DATA, pte::R | pte::W | pte::D, 0x5a);
    let eviction = disk.evict(&mut w);
    assert!(matches!(eviction, Eviction::Write { slot: 1, shm: false, .. }), "{eviction:?}");
    let (_, e) = space.entry(&w.mem, DATA).expect("an entry");
    assert!(pte::is_swapped(e) && pte::slot(e) == 1, "{e:#x}: the entry names the slot");
    assert_eq!((w.pager.swap.counts().used, w.pager.user_frames()), (1, 0));
    let r = disk.fault(&mut w, &mut space, &[], DATA, Access::Load);
    assert!(matches!(r, Resolved::SwapIn { slot: 1, .. }), "{r:?}");
    assert_eq!(read(&w, &space, DATA), [0x5a; 8]);
    assert_eq!(w.pager.swap.counts().used, 0, "the slot is free once its only holder is back");
    assert_eq!((w.stats.page_outs, w.stats.page_ins, w.stats.major_faults), (1, 1, 1));
    space.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.commit.used), (0, 0));
}

#[test]
fn a_cow_shared_page_is_written_once_and_shared_again_when_back() {
    let mut w = World::with_swap(32, 8, Policy::Clock);
    let mut disk = Disk::default();
    let mut parent = w.space();
    w.page(&mut parent, DATA, pte::R | pte::W | pte::D, 0x11);
    let (mut child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
    let eviction = disk.evict(&mut w);
    let Eviction::Write { slot, .. } = eviction else { panic!("{eviction:?}") };
    assert_eq!(w.pager.swap.refcount(slot), 2, "one write, one slot, two holders");
    disk.fault(&mut w, &mut parent, &[], DATA, Access::Load);
    let parent_frame = pte::address(parent.lookup(&w.mem, DATA).unwrap().1);
    let r = disk.fault(&mut w, &mut child, &[], DATA, Access::Load);
    assert_eq!(r, Resolved::SwapIn { frame: parent_frame, slot }, "the child maps the frame read for the parent");
    assert_eq!(disk.0.len(), 1);
    assert_eq!((w.stats.page_ins, w.pager.swap.counts().used), (1, 0));
    // A COW fault after swap-in copies while shared, then reuses.
    let r = disk.fault(&mut w, &mut child, &[], DATA, Access::Store);
    assert!(matches!(r, Resolved::CowCopied { old, .. } if old == parent_frame), "{r:?}");
    write(&mut w, &child, DATA, &[0x22; 8]);
    let r = disk.fault(&mut w, &mut parent, &[], DATA, Access::Store);
    assert_eq!(r, Resolved::CowReused { frame: parent_frame });
    assert_eq!((read(&w, &parent, DATA), read(&w, &child, DATA)), ([0x11; 8], [0x22; 8]));
    child.destroy(&mut w.vm());
    parent.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.commit.used, w.pager.swap.counts().used), (0, 0, 0));
}

#[test]
fn slots_are_counted_through_fork_and_exit_of_swapped_pages() {
    let mut w = World::with_swap(32, 8, Policy::Fifo);
    let mut disk = Disk::default();
    let mut parent = w.space();
    w.page(&mut parent, DATA, pte::R | pte::W | pte::D, 1);
    let Eviction::Write { slot, .. } = disk.evict(&mut w) else { panic!("a write") };
    let (child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
    let (grandchild, _) = child.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::Eager).unwrap();
    assert_eq!(w.pager.swap.refcount(slot), 3, "forks share a swapped page's slot");
    assert_eq!(w.pager.commit.used, 3);
    grandchild.destroy(&mut w.vm());
    child.destroy(&mut w.vm());
    assert_eq!(w.pager.swap.refcount(slot), 1);
    parent.destroy(&mut w.vm());
    assert_eq!((w.pager.swap.counts().used, w.pager.commit.used, w.frames.counts().used()), (0, 0, 0));
}

#[test]
fn a_zero_page_never_written_simply_goes() {
    let mut w = World::with_swap(16, 8, Policy::Clock);
    let mut disk = Disk::default();
    let mut space = w.space();
    let regions = stack();
    disk.fault(&mut w, &mut space, &regions, STACK, Access::Load);
    assert_eq!(w.pager.commit.used, 1, "a stack page is committed at its first touch");
    let eviction = disk.evict(&mut w);
    assert!(matches!(eviction, Eviction::Dropped { what: Dropped::ZeroPage, .. }), "{eviction:?}");
    let (_, e) = space.entry(&w.mem, STACK).expect("an entry");
    assert!(pte::is_swapped(e) && pte::slot(e) == 0, "a zero-page entry, no slot");
    assert_eq!((w.pager.swap.counts().used, w.pager.commit.used), (0, 1), "still committed");
    let r = disk.fault(&mut w, &mut space, &regions, STACK, Access::Store);
    assert!(matches!(r, Resolved::DemandZero { .. }), "{r:?}");
    assert_eq!((read(&w, &space, STACK), w.pager.commit.used), ([0; 8], 1));
    space.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.commit.used), (0, 0));
}

#[test]
fn a_page_back_from_swap_and_unchanged_is_not_written_again() {
    let mut w = World::with_swap(32, 8, Policy::Fifo);
    let mut disk = Disk::default();
    let mut parent = w.space();
    w.page(&mut parent, DATA, pte::R | pte::W | pte::D, 7);
    let (mut child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
    let Eviction::Write { slot, .. } = disk.evict(&mut w) else { panic!("a write") };
    disk.fault(&mut w, &mut parent, &[], DATA, Access::Load);
    // The frame is still paired with the slot (the child names it): clean.
    let eviction = disk.evict(&mut w);
    assert!(matches!(eviction, Eviction::Dropped { what: Dropped::SwapCopy(s), .. } if s == slot), "{eviction:?}");
    assert_eq!((w.stats.page_outs, w.pager.swap.refcount(slot)), (1, 2));
    disk.fault(&mut w, &mut child, &[], DATA, Access::Load);
    assert_eq!(read(&w, &child, DATA), [7; 8]);
    child.destroy(&mut w.vm());
    parent.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.swap.counts().used), (0, 0));
}

#[test]
fn working_sets_larger_than_memory_keep_their_data() {
    for policy in Policy::ALL {
        // 12 frames: 3 page tables and 9 pages; 24 pages of data.
        let mut w = World::with_swap(12, 64, policy);
        let mut disk = Disk::default();
        let mut space = w.space();
        let regions = stack();
        for round in 0..3u8 {
            for i in 0..24u64 {
                let va = STACK - 24 * PAGE + i * PAGE;
                let regions = [DemandRegion::zero(STACK - 24 * PAGE, STACK, pte::R | pte::W)];
                disk.fault(&mut w, &mut space, &regions, va, Access::Store);
                if round > 0 {
                    assert_eq!(read(&w, &space, va), [round * 32 + i as u8 - 32; 8], "{policy:?}: page {i}");
                }
                write(&mut w, &space, va, &[round * 32 + i as u8; 8]);
            }
        }
        assert!(w.stats.page_outs > 24, "{policy:?}: {} page-outs", w.stats.page_outs);
        let _ = regions;
        space.destroy(&mut w.vm());
        assert_eq!(
            (w.frames.counts().used(), w.pager.swap.counts().used, w.pager.commit.used),
            (0, 0, 0),
            "{policy:?}"
        );
    }
}

#[test]
fn pages_in_flight_are_never_chosen() {
    let mut w = World::with_swap(16, 8, Policy::Clock);
    let mut space = w.space();
    w.page(&mut space, DATA, pte::R | pte::W | pte::D, 1);
    let first = evict_one(&mut w.vm()).expect("a victim");
    assert!(matches!(first, Eviction::Write { .. }));
    assert_eq!(evict_one(&mut w.vm()), Err(NoVictim), "the page being written is pinned");
}

#[test]
fn dirty_pages_stay_when_the_swap_disk_is_full() {
    let mut w = World::with_swap(16, 0, Policy::Clock);
    let mut space = w.space();
    w.page(&mut space, DATA, pte::R | pte::W | pte::D, 1);
    assert_eq!(evict_one(&mut w.vm()), Err(NoVictim));
    assert!(w.pager.replacer.contains(pte::address(space.lookup(&w.mem, DATA).unwrap().1)), "still a candidate");
}
