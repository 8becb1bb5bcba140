//! What a page fault means. A store to a copy-on-write page breaks the
//! sharing; a first touch of the stack gets a zeroed frame; a first touch
//! of a program's text or rodata maps its page from the shared pages table
//! (loading it from the image if no one has yet); with a clear A or D bit
//! (on a machine that faults instead of setting them) the kernel sets it.
//! Anything else is a fault the process dies of.

use crate::frame::FrameTable;
use crate::region::{Backing, DemandRegion};
use crate::space::{AddressSpace, USER_END};
use crate::stats::VmStats;
use crate::{PhysMemory, Vm, page_floor, pte};

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
    /// A first touch of a demand-zero region.
    DemandZero {
        /// The new frame.
        frame: u64,
    },
    /// A first touch of a shared image page: `hit` if the shared pages
    /// table had it, else it was loaded from the image into `frame`.
    SharedPage {
        /// The frame mapped.
        frame: u64,
        /// Found in the table (no load).
        hit: bool,
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
    /// No frame for the new page (COW copies never run out: their frames
    /// are promised).
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
pub fn resolve<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    regions: &[DemandRegion<'_>],
    va: u64,
    access: Access,
) -> Result<Resolved, Unresolved> {
    vm.stats.page_faults += 1;
    if va >= USER_END {
        return Err(Unresolved::NotMapped);
    }
    match space.lookup(vm.mem, va) {
        Some((slot, entry)) => {
            if access == Access::Store && pte::is_cow(entry) {
                return break_cow(vm.frames, vm.mem, slot, entry, vm.stats);
            }
            if !permits(entry, access) {
                return Err(Unresolved::Protection);
            }
            let needed = if access == Access::Store { pte::A | pte::D } else { pte::A };
            AddressSpace::set_entry(vm.mem, slot, entry | needed);
            Ok(Resolved::AccessedDirty)
        }
        None => {
            let region = regions.iter().find(|r| r.contains(va)).ok_or(Unresolved::NotMapped)?;
            match region.backing {
                Backing::Zero => demand_zero(space, vm, region, va),
                Backing::Image(image) => {
                    let flags = image.shared_flags(va).ok_or(Unresolved::NotMapped)?;
                    if !permits(flags | pte::U, access) {
                        return Err(Unresolved::Protection);
                    }
                    let page = page_floor(va);
                    let key = (image.id, page >> 12);
                    let (frame, hit) = vm
                        .shared
                        .get_or_load(key, vm.frames, vm.mem, |mem, frame| image.fill_page(mem, frame, page))
                        .map_err(|_| Unresolved::OutOfMemory)?;
                    let mapped = space.map(vm.frames, vm.mem, page, frame, flags | pte::U | pte::A | pte::SHARED);
                    if mapped.is_err() {
                        vm.shared.release(vm.frames, frame, false);
                        return Err(Unresolved::OutOfMemory);
                    }
                    Ok(Resolved::SharedPage { frame, hit })
                }
            }
        }
    }
}

/// A first touch of a zero-filled region.
fn demand_zero<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    region: &DemandRegion<'_>,
    va: u64,
) -> Result<Resolved, Unresolved> {
    let frame = vm.frames.alloc().ok_or(Unresolved::OutOfMemory)?;
    vm.mem.zero_page(frame);
    if space.map(vm.frames, vm.mem, page_floor(va), frame, region.flags | pte::U | pte::A | pte::D).is_err() {
        vm.frames.decref(frame);
        return Err(Unresolved::OutOfMemory);
    }
    vm.stats.demand_zero += 1;
    Ok(Resolved::DemandZero { frame })
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
    let flags = (pte::flags(entry) & !pte::RSW) | pte::W | pte::A | pte::D;
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
    use crate::exec::{LoadPlan, Segment};
    use crate::region::SharedImage;
    use crate::space::ForkMode;
    use crate::testmem::{KERNEL_ROOT, TestMemory, World};

    const DATA: u64 = 0x2_0000;

    fn forked() -> (World, AddressSpace, AddressSpace) {
        let mut w = World::new(64);
        let mut parent = w.space();
        let pa = w.page(&mut parent, DATA, pte::R | pte::W, 0);
        w.mem.write(pa, b"parent data");
        let (child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
        (w, parent, child)
    }

    fn read(mem: &TestMemory, space: &AddressSpace, va: u64) -> [u8; 11] {
        let (_, e) = space.lookup(mem, va).unwrap();
        let mut buf = [0u8; 11];
        mem.read(pte::address(e) + (va & 0xfff), &mut buf);
        buf
    }

    #[test]
    fn first_store_copies_a_shared_page_and_the_last_one_reuses_it() {
        let (mut w, mut parent, mut child) = forked();
        let shared = pte::address(parent.lookup(&w.mem, DATA).unwrap().1);
        let r = resolve(&mut child, &mut w.vm(), &[], DATA + 8, Access::Store).unwrap();
        let Resolved::CowCopied { old, new } = r else { panic!("{r:?}") };
        assert_eq!(old, shared);
        assert_eq!(w.frames.refcount(old), 1);
        assert_eq!(read(&w.mem, &child, DATA), *b"parent data", "the copy has the data");
        w.mem.write(new, b"child  data");
        assert_eq!(read(&w.mem, &parent, DATA), *b"parent data", "the parent still sees its own");
        // The parent is now the only one mapping the old frame: no copy.
        let r = resolve(&mut parent, &mut w.vm(), &[], DATA, Access::Store).unwrap();
        assert_eq!(r, Resolved::CowReused { frame: shared });
        let (_, e) = parent.lookup(&w.mem, DATA).unwrap();
        assert!(e & pte::W != 0 && pte::kind(e) == pte::PageKind::Private);
        assert_eq!(w.stats, VmStats { page_faults: 2, cow_faults: 2, cow_copies: 1, cow_reuses: 1, demand_zero: 0 });
        child.destroy(&mut w.vm());
        parent.destroy(&mut w.vm());
        assert_eq!(w.frames.counts().used(), 0, "every frame came back");
    }

    #[test]
    fn protection_and_unmapped_faults_are_not_resolved() {
        let (mut w, mut parent, _) = forked();
        w.page(&mut parent, 0x1_0000, pte::R | pte::X, 0);
        let store = resolve(&mut parent, &mut w.vm(), &[], 0x1_0000, Access::Store);
        assert_eq!(store, Err(Unresolved::Protection));
        let fetch = resolve(&mut parent, &mut w.vm(), &[], DATA, Access::Fetch);
        assert_eq!(fetch, Err(Unresolved::Protection), "data is not executable");
        let unmapped = resolve(&mut parent, &mut w.vm(), &[], 0x5000_0000, Access::Load);
        assert_eq!(unmapped, Err(Unresolved::NotMapped));
        let kernel = resolve(&mut parent, &mut w.vm(), &[], 0x8000_1000, Access::Load);
        assert_eq!(kernel, Err(Unresolved::NotMapped));
    }

    #[test]
    fn demand_regions_get_zeroed_frames_on_first_touch() {
        let (mut w, mut parent, _) = forked();
        let stack = DemandRegion::zero(0x7fff_0000, 0x8000_0000, pte::R | pte::W);
        let free = w.frames.counts().free;
        let r = resolve(&mut parent, &mut w.vm(), &[stack], 0x7fff_fff8, Access::Store).unwrap();
        assert!(matches!(r, Resolved::DemandZero { .. }));
        let (_, e) = parent.lookup(&w.mem, 0x7fff_f000).unwrap();
        assert!(permits(e, Access::Store));
        assert_eq!(w.frames.counts().free, free - 3, "a frame and two page tables");
        let below = resolve(&mut parent, &mut w.vm(), &[stack], 0x7ffe_fff8, Access::Store);
        assert_eq!(below, Err(Unresolved::NotMapped));
    }

    #[test]
    fn a_cow_copy_never_runs_out_of_memory() {
        let (mut w, mut parent, mut child) = forked();
        while w.frames.alloc().is_some() {}
        assert_eq!(w.frames.counts().promised, 1, "fork promised the copy");
        let r = resolve(&mut child, &mut w.vm(), &[], DATA, Access::Store);
        assert!(matches!(r, Ok(Resolved::CowCopied { .. })), "{r:?}");
        assert_eq!(w.frames.counts().promised, 0);
        let r = resolve(&mut parent, &mut w.vm(), &[], DATA, Access::Store);
        assert!(matches!(r, Ok(Resolved::CowReused { .. })), "the last sharer needs no frame: {r:?}");
    }

    #[test]
    fn promises_follow_the_sharers_through_forks_writes_and_exits() {
        let (mut w, parent, child) = forked();
        let grandchild = child.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap().0;
        let mut spaces = [parent, child, grandchild];
        let shared = pte::address(spaces[0].lookup(&w.mem, DATA).unwrap().1);
        assert_eq!(
            (w.frames.refcount(shared), w.frames.counts().promised),
            (3, 2),
            "three sharers, two copies at most"
        );
        resolve(&mut spaces[1], &mut w.vm(), &[], DATA, Access::Store).unwrap();
        assert_eq!((w.frames.refcount(shared), w.frames.counts().promised), (2, 1));
        let [a, b, c] = spaces;
        c.destroy(&mut w.vm());
        assert_eq!((w.frames.refcount(shared), w.frames.counts().promised), (1, 0), "the exit gave its promise back");
        b.destroy(&mut w.vm());
        a.destroy(&mut w.vm());
        assert_eq!(w.frames.counts(), crate::frame::FrameCounts { total: 64, free: 64, promised: 0 });
    }

    /// An image with a text page at 0x10000 ("code"), a rodata page at
    /// 0x11000 ("ro") and a data page at 0x12000.
    fn image(bytes: &[u8]) -> SharedImage<'_> {
        let segment = |vaddr, offset, flags| Segment { vaddr, memsz: 0x1000, offset, filesz: 4, flags };
        SharedImage {
            id: 7,
            name: "prog",
            bytes,
            plan: LoadPlan {
                entry: 0x10000,
                segments: alloc::vec![
                    segment(0x10000, 0, pte::R | pte::X),
                    segment(0x11000, 4, pte::R),
                    segment(0x12000, 8, pte::R | pte::W),
                ],
                brk: 0x13000,
            },
        }
    }

    #[test]
    fn image_pages_are_loaded_once_and_shared_by_every_process() {
        let bytes = *b"codero..data";
        let img = image(&bytes);
        let mut w = World::new(64);
        let (mut a, mut b) = (w.space(), w.space());
        let regions = [DemandRegion::image(&img)];
        let r = resolve(&mut a, &mut w.vm(), &regions, 0x10004, Access::Fetch).unwrap();
        let Resolved::SharedPage { frame, hit: false } = r else { panic!("{r:?}") };
        let mut text = [0u8; 4];
        w.mem.read(frame, &mut text);
        assert_eq!(&text, b"code", "loaded from the image");
        let r = resolve(&mut b, &mut w.vm(), &regions, 0x10000, Access::Load).unwrap();
        assert_eq!(r, Resolved::SharedPage { frame, hit: true }, "the second process maps the same frame");
        let (_, e) = b.lookup(&w.mem, 0x10000).unwrap();
        assert_eq!((pte::kind(e), e & (pte::W | pte::X)), (pte::PageKind::Shared, pte::X), "read-only, marked shared");
        assert_eq!(resolve(&mut b, &mut w.vm(), &regions, 0x11000, Access::Store), Err(Unresolved::Protection));
        assert_eq!(
            resolve(&mut b, &mut w.vm(), &regions, 0x12000, Access::Load),
            Err(Unresolved::NotMapped),
            "a writable page is private: exec maps it, it is never demand-loaded"
        );
        // Fork adds a sharer; every unmap takes one away; the last frees it.
        let (c, report) = b.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
        assert_eq!(report.shared, 0, "shared text is not COW");
        assert_eq!(w.shared.get((7, 0x10)).map(|p| p.sharers), Some(3));
        assert_eq!(w.frames.refcount(frame), 3);
        for space in [a, b, c] {
            space.destroy(&mut w.vm());
        }
        assert_eq!(w.shared.frames(), 0);
        assert_eq!(w.frames.counts().used(), 0);
        assert_eq!((w.shared.stats.hits, w.shared.stats.misses), (1, 1));
    }
}
