//! Address spaces: one Sv39 page table per process. User space is the low
//! 2 GiB (root entries 0 and 1), mapped with 4 KiB pages only; the root's
//! other entries are copied from the kernel's root table, so the kernel is
//! mapped (and global) in every address space and a trap needs no `satp`
//! switch.

use core::fmt::Write;

use crate::frame::FrameTable;
use crate::pte::PageKind;
use crate::{PAGE, PhysMemory, Vm, pte};

/// End of user space: user addresses are below it.
pub const USER_END: u64 = 0x8000_0000;
/// Root-table entries that belong to user space (1 GiB each).
const USER_ROOT_ENTRIES: u64 = USER_END >> 30;

pub use crate::frame::OutOfMemory;

/// How fork duplicates user pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkMode {
    /// Share every page; writable ones become read-only copy-on-write in
    /// both processes.
    CopyOnWrite,
    /// Copy every page at once (boot argument `cow=off`).
    Eager,
}

/// What a fork did, for statistics and the VM log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ForkReport {
    /// User pages now shared copy-on-write.
    pub shared: usize,
    /// User pages copied.
    pub copied: usize,
}

fn index(va: u64, level: u32) -> u64 {
    (va >> (12 + 9 * level)) & 0x1ff
}

/// One process's page table.
#[derive(Debug, PartialEq, Eq)]
pub struct AddressSpace {
    root: u64,
}

impl AddressSpace {
    /// An empty user address space sharing the kernel half of `kernel_root`.
    pub fn new(frames: &mut FrameTable, mem: &mut impl PhysMemory, kernel_root: u64) -> Result<Self, OutOfMemory> {
        let root = frames.alloc().ok_or(OutOfMemory)?;
        mem.zero_page(root);
        for i in USER_ROOT_ENTRIES..512 {
            let entry = mem.read_u64(kernel_root + i * 8);
            mem.write_u64(root + i * 8, entry);
        }
        Ok(AddressSpace { root })
    }

    /// Physical address of the root table (for `satp`).
    pub fn root(&self) -> u64 {
        self.root
    }

    /// Address of the level-0 PTE for `va`; with `frames`, missing tables
    /// are created.
    fn slot(
        &self,
        mut frames: Option<&mut FrameTable>,
        mem: &mut impl PhysMemory,
        va: u64,
    ) -> Result<Option<u64>, OutOfMemory> {
        if va >= USER_END {
            return Ok(None);
        }
        let mut table = self.root;
        for level in [2, 1] {
            let entry_addr = table + index(va, level) * 8;
            let entry = mem.read_u64(entry_addr);
            table = if entry & pte::V != 0 {
                pte::address(entry)
            } else if let Some(frames) = frames.as_deref_mut() {
                let new = frames.alloc().ok_or(OutOfMemory)?;
                mem.zero_page(new);
                mem.write_u64(entry_addr, pte::make(new, 0));
                new
            } else {
                return Ok(None);
            };
        }
        Ok(Some(table + index(va, 0) * 8))
    }

    /// The leaf PTE mapping `va` and its address, if `va` is mapped.
    pub fn lookup(&self, mem: &impl PhysMemory, va: u64) -> Option<(u64, u64)> {
        if va >= USER_END {
            return None;
        }
        let mut table = self.root;
        for level in [2, 1] {
            let entry = mem.read_u64(table + index(va, level) * 8);
            if entry & pte::V == 0 {
                return None;
            }
            table = pte::address(entry);
        }
        let addr = table + index(va, 0) * 8;
        let entry = mem.read_u64(addr);
        pte::is_leaf(entry).then_some((addr, entry))
    }

    /// Maps the page of `va` to frame `pa`. The mapping takes over one
    /// reference to the frame (the caller allocated it or added one).
    pub fn map(
        &mut self,
        frames: &mut FrameTable,
        mem: &mut impl PhysMemory,
        va: u64,
        pa: u64,
        flags: u64,
    ) -> Result<(), OutOfMemory> {
        let slot = self.slot(Some(frames), mem, va)?.ok_or(OutOfMemory)?;
        mem.write_u64(slot, pte::make(pa, flags));
        Ok(())
    }

    /// Rewrites the PTE at `slot` (an address [`AddressSpace::lookup`]
    /// returned).
    pub fn set_entry(mem: &mut impl PhysMemory, slot: u64, value: u64) {
        mem.write_u64(slot, value);
    }

    /// Removes the mapping of `va`, dropping its frame reference. Returns
    /// the frame, if one was mapped.
    pub fn unmap<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>, va: u64) -> Option<u64> {
        let (slot, entry) = self.lookup(vm.mem, va)?;
        vm.mem.write_u64(slot, 0);
        release_leaf(vm, entry);
        Some(pte::address(entry))
    }

    /// The first user leaf at or above `from`: (its virtual address, its
    /// PTE). Callers resume at the next page, so no list of pages is ever
    /// built (the kernel heap need not grow with the address space).
    pub fn next_leaf(&self, mem: &impl PhysMemory, from: u64) -> Option<(u64, u64)> {
        const GIB: u64 = 1 << 30;
        const MIB2: u64 = 1 << 21;
        let mut va = crate::page_floor(from);
        while va < USER_END {
            let e2 = mem.read_u64(self.root + index(va, 2) * 8);
            if e2 & pte::V == 0 {
                va = (va & !(GIB - 1)) + GIB;
                continue;
            }
            let e1 = mem.read_u64(pte::address(e2) + index(va, 1) * 8);
            if e1 & pte::V == 0 {
                va = (va & !(MIB2 - 1)) + MIB2;
                continue;
            }
            let e0 = mem.read_u64(pte::address(e1) + index(va, 0) * 8);
            if pte::is_leaf(e0) {
                return Some((va, e0));
            }
            va += PAGE;
        }
        None
    }

    /// Maps a shared-memory segment's `frames` from `start`, each as one
    /// more reference, read-write or read-only, marked shm. All or nothing:
    /// on failure what was mapped is unmapped again.
    pub fn map_shm<M: PhysMemory>(
        &mut self,
        vm: &mut Vm<'_, M>,
        start: u64,
        frames: &[u64],
        writable: bool,
    ) -> Result<(), OutOfMemory> {
        let flags = pte::R | pte::U | pte::A | pte::SHM | if writable { pte::W | pte::D } else { 0 };
        for (i, &frame) in frames.iter().enumerate() {
            vm.frames.incref(frame);
            let va = start + i as u64 * PAGE;
            if let Err(e) = self.map(vm.frames, vm.mem, va, frame, flags) {
                vm.frames.decref(frame);
                self.unmap_range(vm, start, i as u64);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Unmaps `pages` pages from `start` (those mapped), then frees the
    /// page tables the range leaves empty, so that memory returns to what
    /// it was before the range was mapped.
    pub fn unmap_range<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>, start: u64, pages: u64) {
        for i in 0..pages {
            self.unmap(vm, start + i * PAGE);
        }
        self.free_empty_tables(vm, start, start.saturating_add(pages * PAGE));
    }

    /// Frees the level-0 and level-1 tables covering `[start, end)` that
    /// map nothing any more.
    fn free_empty_tables<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>, start: u64, end: u64) {
        let empty = |mem: &M, table: u64| (0..512).all(|i| mem.read_u64(table + i * 8) & pte::V == 0);
        let end = end.min(USER_END);
        let mut va = start & !((1 << 21) - 1);
        while va < end {
            let e2_addr = self.root + index(va, 2) * 8;
            let e2 = vm.mem.read_u64(e2_addr);
            if e2 & pte::V != 0 {
                let l1 = pte::address(e2);
                let e1_addr = l1 + index(va, 1) * 8;
                let e1 = vm.mem.read_u64(e1_addr);
                if e1 & pte::V != 0 && empty(vm.mem, pte::address(e1)) {
                    vm.mem.write_u64(e1_addr, 0);
                    vm.frames.decref(pte::address(e1));
                }
                if empty(vm.mem, l1) {
                    vm.mem.write_u64(e2_addr, 0);
                    vm.frames.decref(l1);
                }
            }
            va += 1 << 21;
        }
    }

    /// Gathers the accessed bits of this space's shared pages into the
    /// shared pages table, clearing them (the caller flushes the TLB).
    /// Returns how many were set.
    pub fn harvest_accessed<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>) -> usize {
        let mut harvested = 0;
        let mut next = 0;
        while let Some((va, entry)) = self.next_leaf(vm.mem, next) {
            next = va + PAGE;
            if pte::kind(entry) == PageKind::Shared
                && entry & pte::A != 0
                && let Some((slot, _)) = self.lookup(vm.mem, va)
            {
                vm.mem.write_u64(slot, entry & !pte::A);
                vm.shared.note_accessed(pte::address(entry));
                harvested += 1;
            }
        }
        harvested
    }

    /// A copy of this address space for a child process. With
    /// copy-on-write, writable pages become read-only COW pages in both
    /// parent and child and every frame gains a reference; the caller must
    /// flush the parent's TLB entries. On failure nothing leaks: the
    /// partial child is destroyed.
    pub fn fork<M: PhysMemory>(
        &self,
        vm: &mut Vm<'_, M>,
        kernel_root: u64,
        mode: ForkMode,
    ) -> Result<(AddressSpace, ForkReport), OutOfMemory> {
        let mut child = AddressSpace::new(vm.frames, vm.mem, kernel_root)?;
        let mut report = ForkReport::default();
        let mut next = 0;
        while let Some((va, entry)) = self.next_leaf(vm.mem, next) {
            next = va + PAGE;
            let result = match (pte::kind(entry), mode) {
                (PageKind::Shared | PageKind::Shm, _) => share_page(&mut child, vm, va, entry),
                (_, ForkMode::CopyOnWrite) => self.share_cow(&mut child, vm, va, entry, &mut report),
                (_, ForkMode::Eager) => copy_page(&mut child, vm, va, entry, &mut report),
            };
            if let Err(e) = result {
                child.destroy(vm);
                return Err(e);
            }
        }
        Ok((child, report))
    }

    /// Fork's copy-on-write half for one private page: the child maps the
    /// parent's frame; a writable page becomes read-only COW in both, with
    /// a frame promised to the copy.
    fn share_cow<M: PhysMemory>(
        &self,
        child: &mut AddressSpace,
        vm: &mut Vm<'_, M>,
        va: u64,
        entry: u64,
        report: &mut ForkReport,
    ) -> Result<(), OutOfMemory> {
        let pa = pte::address(entry);
        let mut flags = pte::flags(entry);
        if flags & pte::W != 0 || pte::is_cow(entry) {
            flags = (flags & !pte::W & !pte::RSW) | pte::COW;
            if let Some((slot, _)) = self.lookup(vm.mem, va) {
                vm.mem.write_u64(slot, pte::make(pa, flags));
            }
            vm.frames.share_cow(pa)?;
            report.shared += 1;
        } else {
            vm.frames.incref(pa);
        }
        child.map(vm.frames, vm.mem, va, pa, flags).inspect_err(|_| release_leaf(vm, pte::make(pa, flags)))
    }

    /// Frees every user frame reference and every page-table frame of this
    /// address space. Returns the number of frames that became free.
    pub fn destroy<M: PhysMemory>(self, vm: &mut Vm<'_, M>) -> usize {
        let before = vm.frames.counts().free;
        for i2 in 0..USER_ROOT_ENTRIES {
            let e2 = vm.mem.read_u64(self.root + i2 * 8);
            if e2 & pte::V == 0 {
                continue;
            }
            let l1 = pte::address(e2);
            for i1 in 0..512 {
                let e1 = vm.mem.read_u64(l1 + i1 * 8);
                if e1 & pte::V == 0 {
                    continue;
                }
                let l0 = pte::address(e1);
                for i0 in 0..512 {
                    let e0 = vm.mem.read_u64(l0 + i0 * 8);
                    if pte::is_leaf(e0) {
                        release_leaf(vm, e0);
                    }
                }
                vm.frames.decref(l0);
            }
            vm.frames.decref(l1);
        }
        vm.frames.decref(self.root);
        vm.frames.counts().free - before
    }

    /// Writes the user part of the page table to `out` in the shape of
    /// xv6's `vmprint`, with each leaf's virtual address and flags (COW and
    /// shared marked). It streams: a large address space needs no buffer.
    pub fn vmprint(&self, mem: &impl PhysMemory, out: &mut impl Write) -> core::fmt::Result {
        writeln!(out, "page table {:#018x}", self.root)?;
        for i2 in 0..USER_ROOT_ENTRIES {
            let e2 = mem.read_u64(self.root + i2 * 8);
            if e2 & pte::V == 0 {
                continue;
            }
            writeln!(out, " ..{i2}: pte {e2:#018x} pa {:#018x}", pte::address(e2))?;
            for i1 in 0..512 {
                let e1 = mem.read_u64(pte::address(e2) + i1 * 8);
                if e1 & pte::V == 0 {
                    continue;
                }
                writeln!(out, " .. ..{i1}: pte {e1:#018x} pa {:#018x}", pte::address(e1))?;
                for i0 in 0..512 {
                    let e0 = mem.read_u64(pte::address(e1) + i0 * 8);
                    if pte::is_leaf(e0) {
                        let va = (i2 << 30) | (i1 << 21) | (i0 << 12);
                        writeln!(
                            out,
                            " .. .. ..{i0}: pte {e0:#018x} pa {:#018x} va {va:#x} {}",
                            pte::address(e0),
                            pte::describe(e0)
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Fork's eager half for one private page (`cow=off`): the child gets a
/// copy.
fn copy_page<M: PhysMemory>(
    child: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    va: u64,
    entry: u64,
    report: &mut ForkReport,
) -> Result<(), OutOfMemory> {
    let copy = vm.frames.alloc().ok_or(OutOfMemory)?;
    vm.mem.copy_page(pte::address(entry), copy);
    report.copied += 1;
    let mut flags = pte::flags(entry);
    if pte::is_cow(entry) {
        flags = (flags & !pte::RSW) | pte::W;
    }
    child.map(vm.frames, vm.mem, va, copy, flags).inspect_err(|_| {
        vm.frames.decref(copy);
    })
}

/// Fork for a page shared on purpose (shared text, shared memory): the
/// child maps the same frame, with the same flags, as one more sharer.
fn share_page<M: PhysMemory>(
    child: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    va: u64,
    entry: u64,
) -> Result<(), OutOfMemory> {
    let pa = pte::address(entry);
    if pte::kind(entry) == PageKind::Shared {
        vm.shared.share(vm.frames, pa);
    } else {
        vm.frames.incref(pa);
    }
    child.map(vm.frames, vm.mem, va, pa, pte::flags(entry)).inspect_err(|_| release_leaf(vm, entry))
}

/// Drops the frame reference of the leaf PTE `entry`: a COW page gives up
/// its promised copy, a shared page tells the shared pages table (with its
/// accessed bit).
fn release_leaf<M: PhysMemory>(vm: &mut Vm<'_, M>, entry: u64) {
    let pa = pte::address(entry);
    match pte::kind(entry) {
        PageKind::Cow => {
            vm.frames.drop_cow(pa);
        }
        PageKind::Shared => vm.shared.release(vm.frames, pa, entry & pte::A != 0),
        PageKind::Private | PageKind::Shm => {
            vm.frames.decref(pa);
        }
    }
}

/// The number of pages spanned by `[start, end)`.
pub fn pages_in(start: u64, end: u64) -> u64 {
    (crate::page_ceil(end).saturating_sub(crate::page_floor(start))) / PAGE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testmem::{KERNEL_ROOT, World};

    #[test]
    fn new_spaces_share_the_kernel_half() {
        let mut w = World::new(16);
        let space = w.space();
        assert_eq!(w.mem.read_u64(space.root() + 16), w.mem.read_u64(KERNEL_ROOT + 16));
        assert_eq!(w.mem.read_u64(space.root()), 0);
        assert_eq!(space.destroy(&mut w.vm()), 1);
        assert_eq!(w.frames.counts().used(), 0);
    }

    #[test]
    fn map_lookup_unmap() {
        let mut w = World::new(16);
        let mut space = w.space();
        let pa = w.page(&mut space, 0x1_0000, pte::R | pte::W, 7);
        let (_, entry) = space.lookup(&w.mem, 0x1_0123).unwrap();
        assert_eq!(pte::address(entry), pa);
        assert!(space.lookup(&w.mem, 0x2_0000).is_none());
        assert!(space.lookup(&w.mem, USER_END).is_none(), "the kernel half is not user space");
        assert_eq!(w.frames.counts().used(), 4, "root, two tables, one page");
        assert_eq!(space.unmap(&mut w.vm(), 0x1_0000), Some(pa));
        assert_eq!(w.frames.refcount(pa), 0);
        space.destroy(&mut w.vm());
        assert_eq!(w.frames.counts().used(), 0);
    }

    #[test]
    fn next_leaf_visits_every_page_in_order_across_tables() {
        let mut w = World::new(32);
        let mut space = w.space();
        let pages = [0x1000, 0x2000, 0x20_0000, 0x4000_0000, 0x7fff_f000];
        for va in pages {
            w.page(&mut space, va, pte::R, 0);
        }
        let mut seen = alloc::vec::Vec::new();
        let mut next = 0;
        while let Some((va, entry)) = space.next_leaf(&w.mem, next) {
            assert!(pte::is_leaf(entry));
            seen.push(va);
            next = va + PAGE;
        }
        assert_eq!(seen, pages);
        assert_eq!(space.next_leaf(&w.mem, 0x2001).map(|(va, _)| va), Some(0x2000), "from within a page");
        space.destroy(&mut w.vm());
    }

    #[test]
    fn cow_fork_shares_frames_and_marks_writable_pages() {
        let mut w = World::new(32);
        let mut parent = w.space();
        let text = w.page(&mut parent, 0x1_0000, pte::R | pte::X, 1);
        let data = w.page(&mut parent, 0x2_0000, pte::R | pte::W, 2);
        let used_before = w.frames.counts().used();
        let (child, report) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
        assert_eq!(report, ForkReport { shared: 1, copied: 0 });
        assert_eq!(w.frames.counts().used(), used_before + 3, "only the child's page tables");
        assert_eq!((w.frames.refcount(text), w.frames.refcount(data)), (2, 2));
        for space in [&parent, &child] {
            let (_, e) = space.lookup(&w.mem, 0x2_0000).unwrap();
            assert_eq!((e & pte::W, pte::kind(e)), (0, PageKind::Cow), "read-only COW in both");
            let (_, t) = space.lookup(&w.mem, 0x1_0000).unwrap();
            assert_eq!(pte::kind(t), PageKind::Private, "read-only pages are shared as they are");
        }
        child.destroy(&mut w.vm());
        assert_eq!(w.frames.counts().used(), used_before);
        assert_eq!(w.frames.refcount(data), 1);
        parent.destroy(&mut w.vm());
        assert_eq!(w.frames.counts().used(), 0);
    }

    #[test]
    fn eager_fork_copies_every_private_page() {
        let mut w = World::new(32);
        let mut parent = w.space();
        let data = w.page(&mut parent, 0x2_0000, pte::R | pte::W, 9);
        let (child, report) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::Eager).unwrap();
        assert_eq!(report, ForkReport { shared: 0, copied: 1 });
        let (_, e) = child.lookup(&w.mem, 0x2_0000).unwrap();
        assert_ne!(pte::address(e), data);
        assert_ne!(e & pte::W, 0);
        let mut buf = [0u8; 4];
        w.mem.read(pte::address(e), &mut buf);
        assert_eq!(buf, [9; 4]);
        child.destroy(&mut w.vm());
        parent.destroy(&mut w.vm());
        assert_eq!(w.frames.counts().used(), 0);
    }

    #[test]
    fn pages_shared_on_purpose_stay_shared_through_fork_in_both_modes() {
        for mode in [ForkMode::CopyOnWrite, ForkMode::Eager] {
            let mut w = World::new(32);
            let mut parent = w.space();
            let shm = w.page(&mut parent, 0x4000_0000, pte::R | pte::W | pte::SHM, 3);
            let (child, report) = parent.fork(&mut w.vm(), KERNEL_ROOT, mode).unwrap();
            assert_eq!(report, ForkReport::default(), "{mode:?}: neither COW nor copied");
            for space in [&parent, &child] {
                let (_, e) = space.lookup(&w.mem, 0x4000_0000).unwrap();
                assert_eq!((pte::address(e), pte::kind(e), e & pte::W), (shm, PageKind::Shm, pte::W), "{mode:?}");
            }
            assert_eq!(w.frames.refcount(shm), 2);
            child.destroy(&mut w.vm());
            parent.destroy(&mut w.vm());
            assert_eq!(w.frames.counts().used(), 0);
        }
    }

    #[test]
    fn shm_attachments_map_and_unmap_their_frames() {
        let mut w = World::new(32);
        let mut space = w.space();
        let frames: alloc::vec::Vec<u64> = (0..3).map(|_| w.frames.alloc().unwrap()).collect();
        space.map_shm(&mut w.vm(), 0x4000_0000, &frames, false).unwrap();
        let (_, e) = space.lookup(&w.mem, 0x4000_2000).unwrap();
        assert_eq!((pte::address(e), pte::kind(e), e & pte::W), (frames[2], PageKind::Shm, 0), "read-only");
        assert_eq!(w.frames.refcount(frames[0]), 2, "the segment's reference and the attachment's");
        space.unmap_range(&mut w.vm(), 0x4000_0000, 3);
        assert!(space.lookup(&w.mem, 0x4000_0000).is_none());
        assert_eq!(w.frames.refcount(frames[0]), 1, "the segment keeps its own");
        assert_eq!(w.frames.counts().used(), 3 + 1, "its frames and the root: the emptied tables are freed");
        space.destroy(&mut w.vm());
    }

    #[test]
    fn a_fork_that_runs_out_of_memory_leaks_nothing() {
        // The parent takes 7 frames; a COW child needs 5 more, an eager one 7.
        for spare in 0..9 {
            let mut w = World::new(7 + spare);
            let mut parent = w.space();
            w.page(&mut parent, 0x1_0000, pte::R | pte::W, 1);
            w.page(&mut parent, 0x4000_0000, pte::R | pte::W, 2);
            let used = w.frames.counts().used();
            for mode in [ForkMode::Eager, ForkMode::CopyOnWrite] {
                if let Ok((child, _)) = parent.fork(&mut w.vm(), KERNEL_ROOT, mode) {
                    child.destroy(&mut w.vm());
                }
                assert_eq!(w.frames.counts().used(), used, "spare {spare}, {mode:?}");
                assert_eq!(w.frames.counts().promised, 0, "spare {spare}, {mode:?}: no promise left behind");
            }
        }
    }

    #[test]
    fn vmprint_marks_cow_pages() {
        let mut w = World::new(32);
        let mut parent = w.space();
        w.page(&mut parent, 0x2_0000, pte::R | pte::W, 2);
        let (child, _) = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
        let mut text = alloc::string::String::new();
        child.vmprint(&w.mem, &mut text).unwrap();
        assert!(text.starts_with("page table 0x"), "{text}");
        assert!(text.contains(" .. .. ..32: pte"), "{text}");
        assert!(text.contains("va 0x20000 r--u--- cow"), "{text}");
    }
}
