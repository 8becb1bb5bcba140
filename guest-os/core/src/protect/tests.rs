//! mprotect against the fake memory: entries change at once, first-touch
//! pages take the protection when they appear, and refusals change
//! nothing.

use super::*;
use crate::fault::{Access, Resolved, Unresolved, resolve};
use crate::testmem::World;

const DATA: u64 = 0x2_0000;
const RW: u64 = pte::R | pte::W;

fn flags_at(w: &World, space: &AddressSpace, va: u64) -> u64 {
    let (_, entry) = space.lookup(&w.mem, va).expect("mapped");
    entry & (pte::R | pte::W | pte::X | pte::U | pte::RSW)
}

#[test]
fn mapped_pages_change_at_once_and_write_comes_back() {
    let mut w = World::new(32);
    let mut space = w.space();
    w.page(&mut space, DATA, RW, 1);
    space.protect(&mut w.vm(), &[], DATA, PAGE, PROT_READ).unwrap();
    assert_eq!(flags_at(&w, &space, DATA), pte::R | pte::U);
    let denied = resolve(&mut space, &mut w.vm(), &[], DATA, Access::Store);
    assert_eq!(denied, Err(Unresolved::Protection), "a store to a read-only page faults");
    space.protect(&mut w.vm(), &[], DATA, PAGE, PROT_READ | PROT_WRITE).unwrap();
    assert_eq!(flags_at(&w, &space, DATA), pte::R | pte::W | pte::U);
    space.protect(&mut w.vm(), &[], DATA, PAGE, 0).unwrap();
    assert_eq!(flags_at(&w, &space, DATA) & pte::U, 0, "PROT_NONE: no user access");
    let denied = resolve(&mut space, &mut w.vm(), &[], DATA, Access::Load);
    assert_eq!(denied, Err(Unresolved::Protection));
}

#[test]
fn a_shared_copy_on_write_page_gaining_write_stays_copy_on_write() {
    let mut w = World::new(32);
    let (mut a, mut b) = (w.space(), w.space());
    let frame = w.page(&mut a, DATA, pte::R | pte::COW, 1);
    w.frames.incref(frame);
    b.map(&mut w.vm(), DATA, frame, pte::R | pte::COW | pte::U).unwrap();
    a.protect(&mut w.vm(), &[], DATA, PAGE, PROT_READ).unwrap();
    assert_eq!(flags_at(&w, &a, DATA), pte::R | pte::U, "no longer copy-on-write: a store faults");
    a.protect(&mut w.vm(), &[], DATA, PAGE, PROT_READ | PROT_WRITE).unwrap();
    assert_eq!(flags_at(&w, &a, DATA), pte::R | pte::U | pte::COW, "the frame is still shared: a write copies");
    let r = resolve(&mut a, &mut w.vm(), &[], DATA, Access::Store).unwrap();
    assert!(matches!(r, Resolved::CowCopied { old, .. } if old == frame), "{r:?}");
}

#[test]
fn first_touch_pages_take_the_protection_when_they_appear() {
    let mut w = World::new(64);
    let mut space = w.space();
    let regions = [DemandRegion::zero(0x10_0000, 0x20_0000, RW)];
    // A megabyte protected costs nothing: no page appears.
    let used = w.frames.counts().used();
    space.protect(&mut w.vm(), &regions, 0x10_0000, 0x10_0000, PROT_READ).unwrap();
    assert_eq!(w.frames.counts().used(), used);
    let denied = resolve(&mut space, &mut w.vm(), &regions, 0x10_8000, Access::Store);
    assert_eq!(denied, Err(Unresolved::Protection));
    resolve(&mut space, &mut w.vm(), &regions, 0x10_8000, Access::Load).unwrap();
    assert_eq!(flags_at(&w, &space, 0x10_8000), pte::R | pte::U);
    space.protect(&mut w.vm(), &regions, 0x10_0000, PAGE, 0).unwrap();
    let denied = resolve(&mut space, &mut w.vm(), &regions, 0x10_0000, Access::Load);
    assert_eq!(denied, Err(Unresolved::Protection), "PROT_NONE: any access faults");
    // Unmapping forgets the protection.
    space.unmap_range(&mut w.vm(), 0x10_0000, 0x100);
    resolve(&mut space, &mut w.vm(), &regions, 0x10_8000, Access::Store).unwrap();
}

#[test]
fn bad_requests_are_refused_and_change_nothing() {
    let mut w = World::new(32);
    let mut space = w.space();
    w.page(&mut space, DATA, RW, 1);
    let err = |r: Result<(), ProtectError>| r.unwrap_err();
    assert_eq!(err(space.protect(&mut w.vm(), &[], DATA + 1, PAGE, PROT_READ)), ProtectError::Invalid);
    assert_eq!(err(space.protect(&mut w.vm(), &[], DATA, PAGE, 8)), ProtectError::Invalid);
    assert_eq!(
        err(space.protect(&mut w.vm(), &[], DATA, 2 * PAGE, PROT_READ)),
        ProtectError::NotMapped,
        "the second page is nothing"
    );
    assert_eq!(err(space.protect(&mut w.vm(), &[], USER_END - PAGE, 2 * PAGE, PROT_READ)), ProtectError::NotMapped);
    assert_eq!(flags_at(&w, &space, DATA), RW | pte::U, "unchanged");
    let shared = w.page(&mut space, DATA + PAGE, pte::R | pte::X | pte::SHARED, 2);
    assert_ne!(shared, 0);
    assert_eq!(
        err(space.protect(&mut w.vm(), &[], DATA, 2 * PAGE, PROT_READ | PROT_WRITE)),
        ProtectError::Denied,
        "a shared text page cannot be written"
    );
    assert_eq!(flags_at(&w, &space, DATA), RW | pte::U, "nothing changed, not even the first page");
    assert_eq!(space.protect(&mut w.vm(), &[], DATA, 0, PROT_READ), Ok(()), "an empty range");
}

#[test]
fn protected_ranges_split_where_a_later_call_overlaps() {
    let mut w = World::new(32);
    let mut space = w.space();
    let regions = [DemandRegion::zero(0x10_0000, 0x10_8000, RW)];
    space.protect(&mut w.vm(), &regions, 0x10_0000, 0x8000, PROT_READ).unwrap();
    space.protect(&mut w.vm(), &regions, 0x10_2000, 0x2000, PROT_READ | PROT_WRITE).unwrap();
    assert_eq!(space.protection(0x10_1000), Some(PROT_READ));
    assert_eq!(space.protection(0x10_3000), Some(PROT_READ | PROT_WRITE));
    assert_eq!(space.protection(0x10_4000), Some(PROT_READ));
    assert_eq!(space.protection(0x10_8000), None);
}
