//! Pools through real faults: the test plays the MMU (a touch of a mapped
//! page sets its accessed bit; of an unmapped one, faults) and the kernel
//! (waits are served by hand).

use alloc::vec::Vec;

use super::*;
use crate::evict::page_out_done;
use crate::fault::{Access, Unresolved, Wait, resolve};
use crate::region::DemandRegion;
use crate::space::AddressSpace;
use crate::testmem::World;
use crate::{PAGE, PhysMemory, pte};

const HEAP: u64 = 0x40_0000;
const REFERENCE_STRING: [u64; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

fn region() -> [DemandRegion<'static>; 1] {
    [DemandRegion::zero(HEAP, HEAP + 64 * PAGE, pte::R | pte::W)]
}

/// Touches page `page` of the heap for `access`; true if it faulted.
/// Dirty pages a pool evicts are "written" at once.
fn touch(w: &mut World, space: &mut AddressSpace, page: u64, access: Access) -> bool {
    let va = HEAP + page * PAGE;
    let needed = if access == Access::Store { pte::A | pte::D | pte::W } else { pte::A };
    if let Some((slot, e)) = space.lookup(&w.mem, va)
        && e & needed & !(pte::A | pte::D) == needed & !(pte::A | pte::D)
    {
        w.mem.write_u64(slot, e | (needed & (pte::A | pte::D)));
        return false;
    }
    loop {
        match resolve(space, &mut w.vm(), &region(), va, access) {
            Ok(_) => break,
            Err(Unresolved::Wait(Wait::PageOut { frame, slot })) => page_out_done(&mut w.vm(), slot, frame, true),
            Err(other) => panic!("page {page}: {other:?}"),
        }
    }
    touch(w, space, page, access);
    true
}

/// The faults the reference string causes in a pool of `frames` frames.
fn faults(policy: Policy, frames: usize) -> usize {
    let mut w = World::with_swap(64, 16, Policy::Clock);
    let mut space = w.space();
    w.pager.pools.create(space.root(), HEAP, HEAP + 8 * PAGE, frames, policy).unwrap();
    let faults = REFERENCE_STRING.iter().filter(|&&page| touch(&mut w, &mut space, page, Access::Load)).count();
    space.destroy(&mut w.vm());
    assert_eq!(w.frames.counts().used(), 0, "every frame came back");
    faults
}

#[test]
fn fifo_in_a_pool_shows_beladys_anomaly_through_real_faults() {
    assert_eq!(faults(Policy::Fifo, 3), 9);
    assert_eq!(faults(Policy::Fifo, 4), 10);
}

#[test]
fn clock_in_a_pool_gives_every_page_its_second_chance() {
    // Every page is referenced while resident, so the hand clears every
    // bit and takes the oldest: clock degenerates to FIFO on this string.
    assert_eq!(faults(Policy::Clock, 3), 9);
    assert_eq!(faults(Policy::Clock, 4), 10);
}

#[test]
fn a_pool_never_holds_more_than_its_frames_and_leaves_other_pages_alone() {
    let mut w = World::with_swap(64, 16, Policy::Fifo);
    let mut space = w.space();
    touch(&mut w, &mut space, 40, Access::Store); // outside the pool
    w.pager.pools.create(space.root(), HEAP, HEAP + 8 * PAGE, 2, Policy::Fifo).unwrap();
    for page in 0..8 {
        touch(&mut w, &mut space, page, Access::Load);
        let resident = (0..8).filter(|&p| space.lookup(&w.mem, HEAP + p * PAGE).is_some()).count();
        assert!(resident <= 2, "after page {page}: {resident} pages of the pool in memory");
    }
    assert!(space.lookup(&w.mem, HEAP + 40 * PAGE).is_some(), "the page outside the pool stays");
    assert!(!touch(&mut w, &mut space, 40, Access::Load));
    space.destroy(&mut w.vm());
    assert_eq!(w.frames.counts().used(), 0);
}

#[test]
fn a_dirty_pool_page_goes_to_swap_and_comes_back() {
    let mut w = World::with_swap(64, 16, Policy::Fifo);
    let mut space = w.space();
    w.pager.pools.create(space.root(), HEAP, HEAP + 8 * PAGE, 1, Policy::Fifo).unwrap();
    touch(&mut w, &mut space, 0, Access::Store);
    let (_, e) = space.lookup(&w.mem, HEAP).unwrap();
    w.mem.write(pte::address(e), b"pool data");
    touch(&mut w, &mut space, 1, Access::Load);
    assert_eq!((w.stats.page_outs, w.pager.swap.counts().used), (1, 1), "page 0 went to swap");
    // Reading it back needs page 1 to go, and a read from the slot.
    let va = HEAP;
    let read_back = loop {
        match resolve(&mut space, &mut w.vm(), &region(), va, Access::Load) {
            Ok(r) => break r,
            Err(Unresolved::Wait(Wait::PageIn { slot, frame })) => {
                assert_eq!(w.pager.swap.refcount(slot), 1);
                w.mem.write(frame, b"pool data");
                crate::evict::page_in_done(&mut w.vm(), slot, frame, true);
            }
            Err(Unresolved::Wait(Wait::PageOut { frame, slot })) => page_out_done(&mut w.vm(), slot, frame, true),
            Err(other) => panic!("{other:?}"),
        }
    };
    assert!(matches!(read_back, crate::fault::Resolved::SwapIn { .. }), "{read_back:?}");
    let (_, e) = space.lookup(&w.mem, HEAP).unwrap();
    let mut buf = [0u8; 9];
    w.mem.read(pte::address(e), &mut buf);
    assert_eq!(&buf, b"pool data");
    space.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.swap.counts().used), (0, 0));
}

#[test]
fn pools_are_refused_when_empty_unaligned_or_overlapping_and_removed_whole() {
    let mut pools = Pools::new(0x8000_0000, 64);
    let root = 0x8000_0000;
    assert_eq!(pools.create(root, HEAP, HEAP, 3, Policy::Fifo), Err(PoolError::Invalid));
    assert_eq!(pools.create(root, HEAP + 1, HEAP + PAGE, 3, Policy::Fifo), Err(PoolError::Invalid));
    assert_eq!(pools.create(root, HEAP, HEAP + PAGE, 0, Policy::Fifo), Err(PoolError::Invalid));
    pools.create(root, HEAP, HEAP + 4 * PAGE, 3, Policy::Fifo).unwrap();
    assert_eq!(pools.create(root, HEAP + 3 * PAGE, HEAP + 5 * PAGE, 3, Policy::Fifo), Err(PoolError::Overlaps));
    pools.create(root + PAGE, HEAP, HEAP + 4 * PAGE, 3, Policy::Fifo).expect("another space may");
    assert_eq!(pools.find(root, HEAP + 3 * PAGE), Some(0));
    assert_eq!(pools.remove(root, HEAP, HEAP + 2 * PAGE), None, "only the whole range");
    assert_eq!(pools.remove(root, HEAP, HEAP + 4 * PAGE), Some(Vec::new()));
    assert_eq!(pools.find(root, HEAP), None);
}
