//! Eviction and the way back, with a fake swap disk: the test plays the
//! kernel's part (the transfers, and the waits).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::*;
use crate::fault::{Access, Resolved, Unresolved, resolve};
use crate::region::{DemandRegion, SharedImage};
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
    assert!(matches!(eviction, Eviction::Write { slot: 1, what: Written::Page, .. }), "{eviction:?}");
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

/// A parent and a COW child whose shared page went to swap, and the
/// parent's view of it faulted back in, still sharing the slot.
fn swapped_cow_pair(w: &mut World, disk: &mut Disk) -> (AddressSpace, AddressSpace, u64) {
    let mut parent = w.space();
    w.page(&mut parent, DATA, pte::R | pte::W | pte::D, 0x33);
    let (child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
    let Eviction::Write { .. } = disk.evict(w) else { panic!("a write") };
    disk.fault(w, &mut parent, &[], DATA, Access::Load);
    let frame = pte::address(parent.lookup(&w.mem, DATA).unwrap().1);
    (parent, child, frame)
}

#[test]
fn a_page_back_from_swap_whose_slot_was_freed_by_its_last_holder_is_written_again() {
    let mut w = World::with_swap(32, 8, Policy::Fifo);
    let mut disk = Disk::default();
    let (mut parent, mut child, frame) = swapped_cow_pair(&mut w, &mut disk);
    // The child maps the same frame (the slot is free now), then breaks
    // copy-on-write: the parent alone maps the frame, clean, and only
    // memory holds the page.
    disk.fault(&mut w, &mut child, &[], DATA, Access::Load);
    disk.fault(&mut w, &mut child, &[], DATA, Access::Store);
    assert_eq!(w.pager.swap.counts().used, 0);
    let eviction = disk.evict(&mut w);
    assert!(matches!(eviction, Eviction::Write { frame: f, .. } if f == frame), "{eviction:?}: not a zero page");
    disk.fault(&mut w, &mut parent, &[], DATA, Access::Load);
    assert_eq!(read(&w, &parent, DATA), [0x33; 8]);
    child.destroy(&mut w.vm());
    parent.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.swap.counts().used), (0, 0));
}

#[test]
fn a_page_back_from_swap_whose_other_holder_exited_is_written_again() {
    let mut w = World::with_swap(32, 8, Policy::Fifo);
    let mut disk = Disk::default();
    let (mut parent, child, frame) = swapped_cow_pair(&mut w, &mut disk);
    // The child exits holding the slot: the slot goes, the frame stays
    // the parent's.
    child.destroy(&mut w.vm());
    assert_eq!(w.pager.swap.counts().used, 0);
    let eviction = disk.evict(&mut w);
    assert!(matches!(eviction, Eviction::Write { frame: f, .. } if f == frame), "{eviction:?}: not a zero page");
    disk.fault(&mut w, &mut parent, &[], DATA, Access::Load);
    assert_eq!(read(&w, &parent, DATA), [0x33; 8]);
    parent.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.swap.counts().used), (0, 0));
}

#[test]
fn a_writable_page_swapped_before_fork_comes_back_copy_on_write_to_both() {
    let mut w = World::with_swap(32, 8, Policy::Fifo);
    let mut disk = Disk::default();
    let mut parent = w.space();
    w.page(&mut parent, DATA, pte::R | pte::W | pte::D, 0x44);
    let Eviction::Write { .. } = disk.evict(&mut w) else { panic!("a write") };
    // Both entries name the slot, and both were writable.
    let (mut child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
    disk.fault(&mut w, &mut parent, &[], DATA, Access::Load);
    disk.fault(&mut w, &mut child, &[], DATA, Access::Load);
    for (who, space) in [("parent", &parent), ("child", &child)] {
        let (_, e) = space.lookup(&w.mem, DATA).unwrap();
        assert_eq!(e & pte::W, 0, "the {who}'s entry {e:#x} must not write the shared frame");
    }
    let r = disk.fault(&mut w, &mut child, &[], DATA, Access::Store);
    assert!(matches!(r, Resolved::CowCopied { .. }), "{r:?}");
    write(&mut w, &child, DATA, &[0x55; 8]);
    assert_eq!((read(&w, &parent, DATA), read(&w, &child, DATA)), ([0x44; 8], [0x55; 8]));
    child.destroy(&mut w.vm());
    parent.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.swap.counts().used), (0, 0));
}

#[test]
fn holders_that_exit_while_their_page_is_written_free_the_slot_and_frame_once() {
    let mut w = World::with_swap(32, 8, Policy::Fifo);
    let mut parent = w.space();
    w.page(&mut parent, DATA, pte::R | pte::W | pte::D, 9);
    let (child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
    let Ok(Eviction::Write { frame, slot, .. }) = evict_one(&mut w.vm()) else { panic!("a write") };
    // Both holders go while the write is in flight; the transfer still
    // owns the frame, and the slot it writes to is not handed out again.
    child.destroy(&mut w.vm());
    parent.destroy(&mut w.vm());
    assert_eq!(w.frames.refcount(frame), 1, "the transfer holds the frame");
    let mut other = w.space();
    let new_frame = w.page(&mut other, DATA, pte::R | pte::W | pte::D, 1);
    assert_ne!(new_frame, frame, "the frame being written is not free");
    assert_ne!(w.pager.swap.alloc(), Some(slot), "nor is its slot");
    page_out_done(&mut w.vm(), slot, frame, true);
    assert_eq!(w.frames.refcount(new_frame), 1, "the other page keeps its frame");
    assert_eq!(w.frames.refcount(frame), 0, "the written frame is free, once");
    assert_eq!(w.pager.swap.refcount(slot), 0, "and so is the slot");
    other.destroy(&mut w.vm());
    assert_eq!(w.frames.counts().used(), 0);
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

/// A shared code object linked at 0x2000_0000 whose table (at 0x2000_1000)
/// holds the address of a function in its text: the relocation tests'.
fn library() -> Vec<u8> {
    use crate::reloc::tests::{FUNC, RODATA, code, object};
    object(&code(), &[(RODATA, elf::abi::R_RISCV_64, FUNC, 0)], &[])
}

/// What the library's table holds when its image sits `delta` bytes from
/// its link address.
fn table_word(delta: u64) -> [u8; 8] {
    (crate::reloc::tests::WORDS[0].1 + delta).to_le_bytes()
}

#[test]
fn a_relocated_shared_page_goes_to_swap_and_comes_back_relocated() {
    use crate::reloc::tests::{DELTA, LINK};
    let file = library();
    let lib = SharedImage::new(9, "lib", &file, crate::exec::plan(&file).unwrap());
    let bound = LINK + DELTA;
    let table = bound + PAGE;
    let regions = [DemandRegion::image_at(&lib, bound)];
    let mut w = World::with_swap(32, 8, Policy::Fifo);
    let mut disk = Disk::default();
    let (mut a, mut b) = (w.space(), w.space());
    let r = disk.fault(&mut w, &mut a, &regions, table, Access::Load);
    let Resolved::SharedPage { frame, hit: false } = r else { panic!("{r:?}") };
    assert_eq!(read(&w, &a, table), table_word(DELTA), "loaded and relocated for where it is bound");
    assert_eq!(disk.fault(&mut w, &mut b, &regions, table, Access::Load), Resolved::SharedPage { frame, hit: true });
    disk.fault(&mut w, &mut a, &regions, bound, Access::Fetch);
    // FIFO: the table's page goes first; it differs from the image.
    let eviction = disk.evict(&mut w);
    assert!(
        matches!(eviction, Eviction::Write { frame: f, slot: 1, what: Written::Relocated, .. } if f == frame),
        "{eviction:?}"
    );
    assert!(a.lookup(&w.mem, table).is_none() && b.lookup(&w.mem, table).is_none(), "no sharer maps it");
    assert_eq!(disk.0[&1][..8], table_word(DELTA), "the slot holds the relocated page, not the image's");
    assert_eq!(w.shared.slot((9, table >> 12)), Some(1), "the table's entry keeps the slot");
    // The text needs no relocation: as the image has it, it is dropped.
    let eviction = disk.evict(&mut w);
    assert!(matches!(eviction, Eviction::Dropped { what: Dropped::SharedImage, .. }), "{eviction:?}");
    assert_eq!((w.shared.frames(), w.pager.user_frames()), (0, 0));
    let r = disk.fault(&mut w, &mut b, &regions, table + 8, Access::Load);
    let Resolved::SharedSwapIn { frame, slot: 1 } = r else { panic!("{r:?}") };
    assert_eq!(read(&w, &b, table), table_word(DELTA), "back from swap, still relocated");
    assert_eq!(w.pager.swap.counts().used, 0, "the slot is free once the page is back");
    assert_eq!(disk.fault(&mut w, &mut a, &regions, table, Access::Load), Resolved::SharedPage { frame, hit: true });
    let r = disk.fault(&mut w, &mut a, &regions, bound, Access::Fetch);
    assert!(matches!(r, Resolved::SharedPage { hit: false, .. }), "the text reloads from the image: {r:?}");
    assert_eq!(w.shared.get((9, bound >> 12)).map(|p| (p.loads, p.relocated)), Some((2, false)));
    let s = w.shared.stats;
    assert_eq!((s.hits, s.misses, s.evictions, s.to_swap, s.from_swap), (2, 3, 2, 1, 1));
    assert_eq!((w.stats.page_outs, w.stats.page_ins, w.stats.drops), (1, 1, 1));
    a.destroy(&mut w.vm());
    b.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.swap.counts().used, w.shared.frames()), (0, 0, 0));
}

#[test]
fn at_its_link_address_a_relocatable_image_is_dropped_and_reloaded() {
    use crate::reloc::tests::LINK;
    let file = library();
    let lib = SharedImage::new(9, "lib", &file, crate::exec::plan(&file).unwrap());
    let table = LINK + PAGE;
    let regions = [DemandRegion::image(&lib)];
    let mut w = World::with_swap(32, 8, Policy::Fifo);
    let mut disk = Disk::default();
    let mut space = w.space();
    disk.fault(&mut w, &mut space, &regions, table, Access::Load);
    assert_eq!(read(&w, &space, table), table_word(0));
    let eviction = disk.evict(&mut w);
    assert!(matches!(eviction, Eviction::Dropped { what: Dropped::SharedImage, .. }), "{eviction:?}");
    let r = disk.fault(&mut w, &mut space, &regions, table, Access::Load);
    assert!(matches!(r, Resolved::SharedPage { hit: false, .. }), "{r:?}");
    assert_eq!((read(&w, &space, table), w.stats.page_outs), (table_word(0), 0));
    space.destroy(&mut w.vm());
}

#[test]
fn a_full_swap_keeps_a_relocated_page_and_a_fault_waits_for_its_write() {
    use crate::reloc::tests::{DELTA, LINK};
    let file = library();
    let lib = SharedImage::new(9, "lib", &file, crate::exec::plan(&file).unwrap());
    let table = LINK + DELTA + PAGE;
    let regions = [DemandRegion::image_at(&lib, LINK + DELTA)];
    let mut w = World::with_swap(32, 1, Policy::Fifo);
    let mut disk = Disk::default();
    let mut space = w.space();
    w.page(&mut space, DATA, pte::R | pte::W | pte::D, 3);
    disk.fault(&mut w, &mut space, &regions, table, Access::Load);
    let Eviction::Write { what: Written::Page, .. } = disk.evict(&mut w) else { panic!("the data page goes first") };
    assert_eq!(evict_one(&mut w.vm()), Err(NoVictim), "no slot left for the relocated page: it stays");
    assert_eq!(read(&w, &space, table), table_word(DELTA));
    // The data page comes back and frees the slot; now the page can go.
    disk.fault(&mut w, &mut space, &[], DATA, Access::Load);
    let eviction = evict_one(&mut w.vm()).expect("a victim");
    assert!(matches!(eviction, Eviction::Write { what: Written::Relocated, slot: 1, .. }), "{eviction:?}");
    let r = resolve(&mut space, &mut w.vm(), &regions, table, Access::Load);
    assert_eq!(r, Err(Unresolved::Wait(Wait::Transfer { slot: 1 })), "its write is in flight");
    disk.complete(&mut w, eviction);
    let r = disk.fault(&mut w, &mut space, &regions, table, Access::Load);
    assert!(matches!(r, Resolved::SharedSwapIn { slot: 1, .. }), "{r:?}");
    assert_eq!(read(&w, &space, table), table_word(DELTA));
    space.destroy(&mut w.vm());
    assert_eq!((w.frames.counts().used(), w.pager.swap.counts().used), (0, 0));
}
