//! The pager's records, started late: what they hold afterwards must be
//! what they would hold had they been kept from the start.

use super::*;
use crate::evict::{Eviction, Written, evict_one};
use crate::pager::{Pager, PagerConfig};
use crate::replace::Policy;
use crate::shm::{Caller, IPC_PRIVATE, ShmPage};
use crate::testmem::{FRAMES, World};
use crate::{PAGE, pte};

const DATA: u64 = 0x2_0000;
const RW: u64 = pte::R | pte::W;

/// A world whose pager does not keep its records yet, with `slots` swap
/// slots and FIFO replacement (its order is the order pages joined).
fn untracked(count: usize, slots: u32) -> World {
    let mut w = World::untracked(count);
    let config = PagerConfig { policy: Policy::Fifo, shared_sweeps: 0, budget: count, swap_slots: slots };
    w.pager = Pager::new(config, FRAMES, count);
    w
}

#[test]
fn nothing_is_recorded_until_tracking_starts() {
    let mut w = untracked(16, 0);
    let mut a = w.space();
    let frame = w.page(&mut a, DATA, RW, 1);
    assert!(!w.pager.tracking());
    assert_eq!(w.pager.replacer.len(), 0, "no place in the replacement order");
    assert_eq!(w.pager.rmap.count(frame), 0, "no reverse-map record");
    assert_eq!(w.pager.user_frames(), 1, "but the budget counts it");
}

#[test]
fn every_mapping_of_a_page_mapped_before_the_start_is_entered_once() {
    let mut w = untracked(16, 0);
    let (mut a, mut b) = (w.space(), w.space());
    let shared = w.page(&mut a, DATA, RW | pte::COW, 1);
    w.frames.incref(shared);
    b.map(&mut w.vm(), DATA, shared, RW | pte::COW | pte::U).unwrap();
    let own = w.page(&mut b, DATA + PAGE, RW, 2);
    assert_eq!(start(&mut w.vm(), &[a.root(), b.root()]), 2, "two frames join the replacer");
    assert!(w.pager.tracking());
    let mut mappings = w.pager.rmap.mappings(shared);
    mappings.sort();
    let mut both = [Mapping { root: a.root(), va: DATA }, Mapping { root: b.root(), va: DATA }];
    both.sort();
    assert_eq!(mappings, both);
    assert_eq!(w.pager.rmap.mappings(own), [Mapping { root: b.root(), va: DATA + PAGE }]);
    assert_eq!(start(&mut w.vm(), &[a.root(), b.root()]), 0, "a second start changes nothing");
    assert_eq!(w.pager.rmap.count(shared), 2, "and enters nothing twice");
}

#[test]
fn after_the_start_changes_are_recorded_as_they_happen() {
    let mut w = untracked(16, 0);
    let mut a = w.space();
    start(&mut w.vm(), &[a.root()]);
    let frame = w.page(&mut a, DATA, RW, 1);
    assert_eq!(w.pager.replacer.len(), 1);
    assert_eq!(w.pager.rmap.count(frame), 1);
    a.unmap(&mut w.vm(), DATA);
    assert_eq!(w.pager.rmap.count(frame), 0);
    assert_eq!(w.pager.replacer.len(), 0, "the freed frame leaves the replacer");
}

#[test]
fn eviction_after_a_late_start_clears_every_entry_of_a_shared_page() {
    let mut w = untracked(16, 8);
    let (mut a, mut b) = (w.space(), w.space());
    let frame = w.page(&mut a, DATA, RW | pte::COW | pte::D, 7);
    w.frames.incref(frame);
    b.map(&mut w.vm(), DATA, frame, RW | pte::COW | pte::D | pte::U).unwrap();
    start(&mut w.vm(), &[a.root(), b.root()]);
    let eviction = evict_one(&mut w.vm()).expect("a victim");
    assert!(matches!(eviction, Eviction::Write { frame: f, what: Written::Page, .. } if f == frame));
    for space in [&a, &b] {
        let (_, entry) = space.entry(&w.mem, DATA).expect("an entry");
        assert!(pte::is_swapped(entry), "each sharer's entry names the slot: {entry:#x}");
    }
}

#[test]
fn pages_no_process_maps_join_the_order_first() {
    let mut w = untracked(16, 8);
    let mut a = w.space();
    let mapped = w.page(&mut a, DATA, RW | pte::D, 1);
    let caller = Caller { pid: 1, now: 0 };
    let id = w.shm.get(IPC_PRIVATE, PAGE, 0o600, caller, &mut w.pager.commit).unwrap();
    let segment_frame = w.vm().alloc_user(false).unwrap();
    w.shm.set_page(id, 0, ShmPage::Resident(segment_frame));
    assert_eq!(start(&mut w.vm(), &[a.root()]), 2);
    let first = evict_one(&mut w.vm()).expect("a victim");
    assert!(
        matches!(first, Eviction::Write { frame, what: Written::SharedMemory, .. } if frame == segment_frame),
        "FIFO takes the segment's page first: {first:?}"
    );
    let second = evict_one(&mut w.vm()).expect("a victim");
    assert!(matches!(second, Eviction::Write { frame, .. } if frame == mapped), "{second:?}");
}

#[test]
fn tracking_is_wanted_once_memory_is_no_longer_plentiful() {
    let mut w = untracked(400, 0);
    // Plentiful is a quarter of the budget free, 100 frames.
    let mut a = w.space();
    let mut va = DATA;
    while w.frames.counts().free > 100 {
        w.page(&mut a, va, RW, 0);
        va += PAGE;
    }
    let free = w.frames.counts().free;
    assert_eq!(w.pager.fault_around_room(free), 1, "{free} free");
    assert!(!w.pager.wants_tracking(free));
    w.page(&mut a, va, RW, 0);
    let free = w.frames.counts().free;
    assert_eq!(w.pager.fault_around_room(free), 0);
    assert!(w.pager.wants_tracking(free), "{free} free");
    start(&mut w.vm(), &[a.root()]);
    assert!(!w.pager.wants_tracking(free), "not twice");
}
