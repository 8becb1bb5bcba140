//! Address spaces: one Sv39 page table per process. User space is the low
//! 2 GiB (root entries 0 and 1), mapped with 4 KiB pages only; the root's
//! other entries are copied from the kernel's root table, so the kernel is
//! mapped (and global) in every address space and a trap needs no `satp`
//! switch.

use core::fmt::Write;

use crate::frame::FrameTable;
use crate::{PAGE, PhysMemory, pte};

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
    pub fn unmap(&mut self, frames: &mut FrameTable, mem: &mut impl PhysMemory, va: u64) -> Option<u64> {
        let (slot, entry) = self.lookup(mem, va)?;
        mem.write_u64(slot, 0);
        release_leaf(frames, entry);
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

    /// A copy of this address space for a child process. With
    /// copy-on-write, writable pages become read-only COW pages in both
    /// parent and child and every frame gains a reference; the caller must
    /// flush the parent's TLB entries. On failure nothing leaks: the
    /// partial child is destroyed.
    pub fn fork(
        &self,
        frames: &mut FrameTable,
        mem: &mut impl PhysMemory,
        kernel_root: u64,
        mode: ForkMode,
    ) -> Result<(AddressSpace, ForkReport), OutOfMemory> {
        let mut child = AddressSpace::new(frames, mem, kernel_root)?;
        let mut report = ForkReport::default();
        let mut next = 0;
        while let Some((va, entry)) = self.next_leaf(mem, next) {
            next = va + PAGE;
            let result = match mode {
                ForkMode::CopyOnWrite => self.share_page(&mut child, frames, mem, va, entry, &mut report),
                ForkMode::Eager => copy_page(&mut child, frames, mem, va, entry, &mut report),
            };
            if let Err(e) = result {
                child.destroy(frames, mem);
                return Err(e);
            }
        }
        Ok((child, report))
    }

    /// Fork's copy-on-write half for one page: the child maps the parent's
    /// frame; a writable page becomes read-only COW in both, with a frame
    /// promised to the copy.
    fn share_page(
        &self,
        child: &mut AddressSpace,
        frames: &mut FrameTable,
        mem: &mut impl PhysMemory,
        va: u64,
        entry: u64,
        report: &mut ForkReport,
    ) -> Result<(), OutOfMemory> {
        let pa = pte::address(entry);
        let mut flags = pte::flags(entry);
        if flags & (pte::W | pte::COW) != 0 {
            flags = (flags & !pte::W) | pte::COW;
            if let Some((slot, _)) = self.lookup(mem, va) {
                mem.write_u64(slot, pte::make(pa, flags));
            }
            frames.share_cow(pa)?;
            report.shared += 1;
        } else {
            frames.incref(pa);
        }
        child.map(frames, mem, va, pa, flags).inspect_err(|_| release_leaf(frames, pte::make(pa, flags)))
    }

    /// Frees every user frame reference and every page-table frame of this
    /// address space. Returns the number of frames that became free.
    pub fn destroy(self, frames: &mut FrameTable, mem: &mut impl PhysMemory) -> usize {
        let before = frames.counts().free;
        for i2 in 0..USER_ROOT_ENTRIES {
            let e2 = mem.read_u64(self.root + i2 * 8);
            if e2 & pte::V == 0 {
                continue;
            }
            let l1 = pte::address(e2);
            for i1 in 0..512 {
                let e1 = mem.read_u64(l1 + i1 * 8);
                if e1 & pte::V == 0 {
                    continue;
                }
                let l0 = pte::address(e1);
                for i0 in 0..512 {
                    let e0 = mem.read_u64(l0 + i0 * 8);
                    if pte::is_leaf(e0) {
                        release_leaf(frames, e0);
                    }
                }
                frames.decref(l0);
            }
            frames.decref(l1);
        }
        frames.decref(self.root);
        frames.counts().free - before
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

/// Fork's eager half for one page (`cow=off`): the child gets a copy.
fn copy_page(
    child: &mut AddressSpace,
    frames: &mut FrameTable,
    mem: &mut impl PhysMemory,
    va: u64,
    entry: u64,
    report: &mut ForkReport,
) -> Result<(), OutOfMemory> {
    let copy = frames.alloc().ok_or(OutOfMemory)?;
    mem.copy_page(pte::address(entry), copy);
    report.copied += 1;
    let mut flags = pte::flags(entry);
    if flags & pte::COW != 0 {
        flags = (flags & !pte::COW) | pte::W;
    }
    child.map(frames, mem, va, copy, flags).inspect_err(|_| {
        frames.decref(copy);
    })
}

/// Drops the frame reference of the leaf PTE `entry` (a COW one gives up
/// its promised copy).
fn release_leaf(frames: &mut FrameTable, entry: u64) {
    if entry & pte::COW != 0 {
        frames.drop_cow(pte::address(entry));
    } else {
        frames.decref(pte::address(entry));
    }
}

/// The number of pages spanned by `[start, end)`.
pub fn pages_in(start: u64, end: u64) -> u64 {
    (crate::page_ceil(end).saturating_sub(crate::page_floor(start))) / PAGE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testmem::TestMemory;

    const KERNEL_ROOT: u64 = 0x8000_0000;

    fn setup(frames: usize) -> (FrameTable, TestMemory) {
        let mut mem = TestMemory::default();
        // The kernel root maps something in entry 2 (kernel RAM).
        mem.write_u64(KERNEL_ROOT + 2 * 8, pte::make(0x8000_0000, pte::R | pte::W | pte::X | pte::G));
        (FrameTable::new(0x8010_0000, frames, |_| false), mem)
    }

    fn user_page(
        frames: &mut FrameTable,
        mem: &mut TestMemory,
        space: &mut AddressSpace,
        va: u64,
        flags: u64,
        fill: u8,
    ) -> u64 {
        let pa = frames.alloc().unwrap();
        mem.zero_page(pa);
        mem.write(pa, &[fill; 16]);
        space.map(frames, mem, va, pa, flags | pte::U).unwrap();
        pa
    }

    #[test]
    fn new_spaces_share_the_kernel_half() {
        let (mut frames, mut mem) = setup(16);
        let space = AddressSpace::new(&mut frames, &mut mem, KERNEL_ROOT).unwrap();
        assert_eq!(mem.read_u64(space.root() + 16), mem.read_u64(KERNEL_ROOT + 16));
        assert_eq!(mem.read_u64(space.root()), 0);
        assert_eq!(space.destroy(&mut frames, &mut mem), 1);
        assert_eq!(frames.counts().used(), 0);
    }

    #[test]
    fn map_lookup_unmap() {
        let (mut frames, mut mem) = setup(16);
        let mut space = AddressSpace::new(&mut frames, &mut mem, KERNEL_ROOT).unwrap();
        let pa = user_page(&mut frames, &mut mem, &mut space, 0x1_0000, pte::R | pte::W, 7);
        let (_, entry) = space.lookup(&mem, 0x1_0123).unwrap();
        assert_eq!(pte::address(entry), pa);
        assert!(space.lookup(&mem, 0x2_0000).is_none());
        assert!(space.lookup(&mem, USER_END).is_none(), "the kernel half is not user space");
        assert_eq!(frames.counts().used(), 4, "root, two tables, one page");
        assert_eq!(space.unmap(&mut frames, &mut mem, 0x1_0000), Some(pa));
        assert_eq!(frames.refcount(pa), 0);
        space.destroy(&mut frames, &mut mem);
        assert_eq!(frames.counts().used(), 0);
    }

    #[test]
    fn next_leaf_visits_every_page_in_order_across_tables() {
        let (mut frames, mut mem) = setup(32);
        let mut space = AddressSpace::new(&mut frames, &mut mem, KERNEL_ROOT).unwrap();
        let pages = [0x1000, 0x2000, 0x20_0000, 0x4000_0000, 0x7fff_f000];
        for va in pages {
            user_page(&mut frames, &mut mem, &mut space, va, pte::R, 0);
        }
        let mut seen = alloc::vec::Vec::new();
        let mut next = 0;
        while let Some((va, entry)) = space.next_leaf(&mem, next) {
            assert!(pte::is_leaf(entry));
            seen.push(va);
            next = va + PAGE;
        }
        assert_eq!(seen, pages);
        assert_eq!(space.next_leaf(&mem, 0x2001).map(|(va, _)| va), Some(0x2000), "from within a page");
        space.destroy(&mut frames, &mut mem);
    }

    #[test]
    fn cow_fork_shares_frames_and_marks_writable_pages() {
        let (mut frames, mut mem) = setup(32);
        let mut parent = AddressSpace::new(&mut frames, &mut mem, KERNEL_ROOT).unwrap();
        let text = user_page(&mut frames, &mut mem, &mut parent, 0x1_0000, pte::R | pte::X, 1);
        let data = user_page(&mut frames, &mut mem, &mut parent, 0x2_0000, pte::R | pte::W, 2);
        let used_before = frames.counts().used();
        let (child, report) = parent.fork(&mut frames, &mut mem, KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
        assert_eq!(report, ForkReport { shared: 1, copied: 0 });
        assert_eq!(frames.counts().used(), used_before + 3, "only the child's page tables");
        assert_eq!((frames.refcount(text), frames.refcount(data)), (2, 2));
        for space in [&parent, &child] {
            let (_, e) = space.lookup(&mem, 0x2_0000).unwrap();
            assert_eq!((e & pte::W, e & pte::COW), (0, pte::COW), "read-only COW in both");
            let (_, t) = space.lookup(&mem, 0x1_0000).unwrap();
            assert_eq!(t & pte::COW, 0, "read-only pages are shared as they are");
        }
        child.destroy(&mut frames, &mut mem);
        assert_eq!(frames.counts().used(), used_before);
        assert_eq!(frames.refcount(data), 1);
        parent.destroy(&mut frames, &mut mem);
        assert_eq!(frames.counts().used(), 0);
    }

    #[test]
    fn eager_fork_copies_every_page() {
        let (mut frames, mut mem) = setup(32);
        let mut parent = AddressSpace::new(&mut frames, &mut mem, KERNEL_ROOT).unwrap();
        let data = user_page(&mut frames, &mut mem, &mut parent, 0x2_0000, pte::R | pte::W, 9);
        let (child, report) = parent.fork(&mut frames, &mut mem, KERNEL_ROOT, ForkMode::Eager).unwrap();
        assert_eq!(report, ForkReport { shared: 0, copied: 1 });
        let (_, e) = child.lookup(&mem, 0x2_0000).unwrap();
        assert_ne!(pte::address(e), data);
        assert_ne!(e & pte::W, 0);
        let mut buf = [0u8; 4];
        mem.read(pte::address(e), &mut buf);
        assert_eq!(buf, [9; 4]);
        child.destroy(&mut frames, &mut mem);
        parent.destroy(&mut frames, &mut mem);
        assert_eq!(frames.counts().used(), 0);
    }

    #[test]
    fn a_fork_that_runs_out_of_memory_leaks_nothing() {
        // The parent takes 7 frames; a COW child needs 5 more, an eager one 7.
        for spare in 0..9 {
            let (mut frames, mut mem) = setup(7 + spare);
            let mut parent = AddressSpace::new(&mut frames, &mut mem, KERNEL_ROOT).unwrap();
            user_page(&mut frames, &mut mem, &mut parent, 0x1_0000, pte::R | pte::W, 1);
            user_page(&mut frames, &mut mem, &mut parent, 0x4000_0000, pte::R | pte::W, 2);
            let used = frames.counts().used();
            for mode in [ForkMode::Eager, ForkMode::CopyOnWrite] {
                if let Ok((child, _)) = parent.fork(&mut frames, &mut mem, KERNEL_ROOT, mode) {
                    child.destroy(&mut frames, &mut mem);
                }
                assert_eq!(frames.counts().used(), used, "spare {spare}, {mode:?}");
                assert_eq!(frames.counts().promised, 0, "spare {spare}, {mode:?}: no promise left behind");
            }
        }
    }

    #[test]
    fn vmprint_marks_cow_pages() {
        let (mut frames, mut mem) = setup(32);
        let mut parent = AddressSpace::new(&mut frames, &mut mem, KERNEL_ROOT).unwrap();
        user_page(&mut frames, &mut mem, &mut parent, 0x2_0000, pte::R | pte::W, 2);
        let (child, _) = parent.fork(&mut frames, &mut mem, KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
        let mut text = alloc::string::String::new();
        child.vmprint(&mem, &mut text).unwrap();
        assert!(text.starts_with("page table 0x"), "{text}");
        assert!(text.contains(" .. .. ..32: pte"), "{text}");
        assert!(text.contains("va 0x20000 r--u--- cow"), "{text}");
    }
}
