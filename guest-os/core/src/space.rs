//! Address spaces: one Sv39 page table per process. User space is the low
//! 2 GiB (root entries 0 and 1), mapped with 4 KiB pages only; the root's
//! other entries are copied from the kernel's root table, so the kernel is
//! mapped (and global) in every address space and a trap needs no `satp`
//! switch.
//!
//! A level-0 entry is empty, a valid leaf, or (V clear) a page out of
//! memory: swapped out to a slot, or a zero page that went (see
//! [`pte::SWAPPED`]). Every user leaf is in the reverse map, and every
//! page a process may need is in the commit account: the pages of its heap
//! (charged by `brk` whether touched or not), and each of its other
//! private or copy-on-write entries, in memory or not.

use core::fmt::Write;

use crate::frame::FrameTable;
use crate::pte::PageKind;
use crate::rmap::Mapping;
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
    /// Copy every page at once (boot argument `cow=off`); pages on the
    /// swap disk are shared copy-on-write all the same.
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

/// Why a fork failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForkError {
    /// The commit account has no room for the child's pages (ENOMEM).
    OverCommit,
    /// No frame for a page table or a copy (the caller may reclaim and
    /// try again).
    NoFrame,
}

fn index(va: u64, level: u32) -> u64 {
    (va >> (12 + 9 * level)) & 0x1ff
}

/// The address of the level-0 entry for `va` in the table rooted at
/// `root`, if its tables exist.
pub fn entry_slot(mem: &impl PhysMemory, root: u64, va: u64) -> Option<u64> {
    if va >= USER_END {
        return None;
    }
    let mut table = root;
    for level in [2, 1] {
        let entry = mem.read_u64(table + index(va, level) * 8);
        if entry & pte::V == 0 {
            return None;
        }
        table = pte::address(entry);
    }
    Some(table + index(va, 0) * 8)
}

/// One process's page table.
#[derive(Debug, PartialEq, Eq)]
pub struct AddressSpace {
    root: u64,
    /// The heap's pages, `[start, end)`: charged by `brk` as a whole.
    heap: (u64, u64),
    /// Ranges mprotect gave permissions of their own (see `protect.rs`).
    pub(crate) protections: alloc::vec::Vec<crate::protect::Protected>,
    /// Under `threads=spread`, once the process has threads on other
    /// nodes: what the DSM engine lets this node do with each page.
    pub spread: Option<crate::spread::SpreadSpace>,
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
        Ok(AddressSpace { root, heap: (0, 0), protections: alloc::vec::Vec::new(), spread: None })
    }

    /// Physical address of the root table (for `satp`).
    pub fn root(&self) -> u64 {
        self.root
    }

    /// The heap's page range.
    pub fn heap(&self) -> (u64, u64) {
        self.heap
    }

    /// Sets the heap's page range (the caller charges or uncharges the
    /// pages it gains or loses).
    pub fn set_heap(&mut self, start: u64, end: u64) {
        self.heap = (start, end);
    }

    /// Pages in the heap.
    pub fn heap_pages(&self) -> u64 {
        (self.heap.1 - self.heap.0) / PAGE
    }

    /// Whether the entry `entry` for `va` carries a page of the commit
    /// account (a private or copy-on-write page outside the heap).
    fn charged(&self, va: u64, entry: u64) -> bool {
        let anon = matches!(pte::kind(entry), PageKind::Private | PageKind::Cow);
        anon && !(self.heap.0 <= va && va < self.heap.1)
    }

    /// Address of the level-0 entry for `va`, creating missing tables.
    fn slot_creating(&self, frames: &mut FrameTable, mem: &mut impl PhysMemory, va: u64) -> Result<u64, OutOfMemory> {
        if va >= USER_END {
            return Err(OutOfMemory);
        }
        let mut table = self.root;
        for level in [2, 1] {
            let entry_addr = table + index(va, level) * 8;
            let entry = mem.read_u64(entry_addr);
            table = if entry & pte::V != 0 {
                pte::address(entry)
            } else {
                let new = frames.alloc().ok_or(OutOfMemory)?;
                mem.zero_page(new);
                mem.write_u64(entry_addr, pte::make(new, 0));
                new
            };
        }
        Ok(table + index(va, 0) * 8)
    }

    /// The leaf PTE mapping `va` and its address, if `va` is mapped.
    pub fn lookup(&self, mem: &impl PhysMemory, va: u64) -> Option<(u64, u64)> {
        let slot = entry_slot(mem, self.root, va)?;
        let entry = mem.read_u64(slot);
        pte::is_leaf(entry).then_some((slot, entry))
    }

    /// The level-0 entry for `va` and its address, if it is a leaf or a
    /// page out of memory.
    pub fn entry(&self, mem: &impl PhysMemory, va: u64) -> Option<(u64, u64)> {
        let slot = entry_slot(mem, self.root, va)?;
        let entry = mem.read_u64(slot);
        (pte::is_leaf(entry) || pte::is_swapped(entry)).then_some((slot, entry))
    }

    /// Writes `value` as the entry for `va`, creating tables; nothing else
    /// is recorded.
    fn install(
        &mut self,
        frames: &mut FrameTable,
        mem: &mut impl PhysMemory,
        va: u64,
        value: u64,
    ) -> Result<(), OutOfMemory> {
        let slot = self.slot_creating(frames, mem, va)?;
        mem.write_u64(slot, value);
        Ok(())
    }

    /// Maps the page of `va` to the user frame `pa`. The mapping takes over
    /// one reference to the frame (the caller allocated it or added one)
    /// and joins the reverse map.
    pub fn map<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>, va: u64, pa: u64, flags: u64) -> Result<(), OutOfMemory> {
        let va = crate::page_floor(va);
        self.install(vm.frames, vm.mem, va, pte::make(pa, flags))?;
        vm.pager.mapped(pa, Mapping { root: self.root, va });
        Ok(())
    }

    /// Rewrites the PTE at `slot` (an address [`AddressSpace::lookup`]
    /// returned), keeping the same frame.
    pub fn set_entry(mem: &mut impl PhysMemory, slot: u64, value: u64) {
        mem.write_u64(slot, value);
    }

    /// Removes the entry for `va` (a leaf or a page out of memory),
    /// dropping what it held. Returns the frame, if one was mapped.
    pub fn unmap<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>, va: u64) -> Option<u64> {
        let va = crate::page_floor(va);
        let (slot, entry) = self.entry(vm.mem, va)?;
        vm.mem.write_u64(slot, 0);
        self.release_entry(vm, va, entry);
        pte::is_leaf(entry).then(|| pte::address(entry))
    }

    /// A cursor over this space's user entries (leaves and pages out of
    /// memory) from `from` on, in address order.
    pub fn entries_from(&self, from: u64) -> Entries {
        Entries { root: self.root, va: crate::page_floor(from), table: 0, table_end: 0 }
    }

    /// Maps the resident pages of a shared-memory segment from `start`
    /// (`frames[i]` is page i's frame, or `None` when it is on the swap
    /// disk: it comes back through the fault), each as one more reference,
    /// read-write or read-only, marked shm. All or nothing: on failure what
    /// was mapped is unmapped again.
    pub fn map_shm<M: PhysMemory>(
        &mut self,
        vm: &mut Vm<'_, M>,
        start: u64,
        frames: &[Option<u64>],
        writable: bool,
    ) -> Result<(), OutOfMemory> {
        let flags = shm_flags(writable);
        for (i, frame) in frames.iter().enumerate() {
            let Some(frame) = *frame else { continue };
            vm.frames.incref(frame);
            let va = start + i as u64 * PAGE;
            if let Err(e) = self.map(vm, va, frame, flags) {
                vm.frames.decref(frame);
                self.unmap_range(vm, start, i as u64);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Makes the entry at `va` map `frame`, a cluster-wide segment's page,
    /// as the distributed shared memory engine allows: not at all
    /// (`None`), read-only, or read-write (`Some(writable)`). A new
    /// mapping holds one more reference to the frame, as `map_shm`'s do.
    /// Returns whether anything changed, so that the caller flushes.
    pub fn set_shm_access<M: PhysMemory>(
        &mut self,
        vm: &mut Vm<'_, M>,
        va: u64,
        frame: u64,
        access: Option<bool>,
    ) -> Result<bool, OutOfMemory> {
        let present = self.lookup(vm.mem, va).filter(|&(_, e)| pte::address(e) == frame);
        match (access, present) {
            (None, None) => Ok(false),
            (None, Some(_)) => Ok(self.unmap(vm, va).is_some()),
            (Some(writable), Some((slot, entry))) => {
                let flags = shm_flags(writable);
                Self::set_entry(vm.mem, slot, pte::make(frame, flags) | (entry & (pte::A | pte::D)));
                Ok(pte::flags(entry) & pte::W != flags & pte::W)
            }
            (Some(writable), None) => {
                vm.frames.incref(frame);
                self.map(vm, va, frame, shm_flags(writable)).inspect_err(|_| {
                    vm.frames.decref(frame);
                })?;
                Ok(true)
            }
        }
    }

    /// Unmaps `pages` pages from `start` (those mapped), then frees the
    /// page tables the range leaves empty, so that memory returns to what
    /// it was before the range was mapped.
    pub fn unmap_range<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>, start: u64, pages: u64) {
        self.drop_range(vm, start, pages);
        self.forget_protection(start, start.saturating_add(pages * PAGE));
    }

    /// Unmaps the pages of `pages` pages from `start` and frees the page
    /// tables the range leaves empty, but keeps mprotect's permissions for
    /// the range: its pages come back as they first came, protected as
    /// they were (madvise's MADV_DONTNEED).
    pub fn drop_range<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>, start: u64, pages: u64) {
        for i in 0..pages {
            self.unmap(vm, start + i * PAGE);
        }
        self.free_empty_tables(vm, start, start.saturating_add(pages * PAGE));
    }

    /// Frees the level-0 and level-1 tables covering `[start, end)` that
    /// map nothing any more.
    fn free_empty_tables<M: PhysMemory>(&mut self, vm: &mut Vm<'_, M>, start: u64, end: u64) {
        let empty = |mem: &M, table: u64| (0..512).all(|i| mem.read_u64(table + i * 8) == 0);
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
        let mut entries = self.entries_from(0);
        while let Some(Entry { slot, entry, .. }) = entries.next(vm.mem) {
            if pte::is_leaf(entry) && pte::kind(entry) == PageKind::Shared && entry & pte::A != 0 {
                vm.mem.write_u64(slot, entry & !pte::A);
                vm.shared.note_accessed(pte::address(entry));
                harvested += 1;
            }
        }
        harvested
    }

    /// The user pages this space maps or holds on swap (for the
    /// out-of-memory killer's choice).
    pub fn entry_count(&self, mem: &impl PhysMemory) -> u64 {
        let (mut count, mut entries) = (0, self.entries_from(0));
        while entries.next(mem).is_some() {
            count += 1;
        }
        count
    }

    /// A copy of this address space for a child process. With
    /// copy-on-write, writable pages become read-only COW pages in both
    /// parent and child and every frame gains a reference; pages on the
    /// swap disk share their slot. The caller must flush the parent's TLB
    /// entries. Each of the child's pages is charged to the commit account
    /// as it is made; on failure nothing leaks: the partial child is
    /// destroyed, which gives back what it holds and what it was charged.
    pub fn fork<M: PhysMemory>(
        &self,
        vm: &mut Vm<'_, M>,
        kernel_root: u64,
        mode: ForkMode,
    ) -> Result<(AddressSpace, ForkReport), ForkError> {
        vm.pager.commit.charge(self.heap_pages()).map_err(|_| ForkError::OverCommit)?;
        let Ok(mut child) = AddressSpace::new(vm.frames, vm.mem, kernel_root) else {
            vm.pager.commit.uncharge(self.heap_pages());
            return Err(ForkError::NoFrame);
        };
        child.heap = self.heap;
        child.protections = self.protections.clone();
        let mut report = ForkReport::default();
        let mut entries = self.entries_from(0);
        while let Some(Entry { va, entry, .. }) = entries.next(vm.mem) {
            if let Err(e) = self.fork_entry(&mut child, vm, va, entry, mode, &mut report) {
                child.destroy(vm);
                return Err(e);
            }
        }
        Ok((child, report))
    }

    /// Fork for one entry: charged first if it carries a page of the
    /// commit account, then shared, copied or given the same slot.
    fn fork_entry<M: PhysMemory>(
        &self,
        child: &mut AddressSpace,
        vm: &mut Vm<'_, M>,
        va: u64,
        entry: u64,
        mode: ForkMode,
        report: &mut ForkReport,
    ) -> Result<(), ForkError> {
        let charged = self.charged(va, entry);
        if charged {
            vm.pager.commit.charge(1).map_err(|_| ForkError::OverCommit)?;
        }
        let result = match (pte::kind(entry), mode) {
            _ if pte::is_swapped(entry) => share_swapped(child, vm, va, entry),
            (PageKind::Shared | PageKind::Shm, _) => share_page(child, vm, va, entry),
            (_, ForkMode::CopyOnWrite) => self.share_cow(child, vm, va, entry, report),
            (_, ForkMode::Eager) => copy_page(child, vm, va, entry, report),
        };
        if result.is_err() && charged {
            vm.pager.commit.uncharge(1);
        }
        result.map_err(|_| ForkError::NoFrame)
    }

    /// Fork's copy-on-write half for one private page: the child maps the
    /// parent's frame; a writable page becomes read-only COW in both.
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
            report.shared += 1;
        }
        vm.frames.incref(pa);
        child.map(vm, va, pa, flags).inspect_err(|_| {
            vm.frames.decref(pa);
        })
    }

    /// Frees every user frame reference, slot reference and page-table
    /// frame of this address space, and gives its pages back to the commit
    /// account. Returns the number of frames that became free.
    pub fn destroy<M: PhysMemory>(self, vm: &mut Vm<'_, M>) -> usize {
        let before = vm.frames.counts().free;
        vm.pager.pools.remove_space(self.root);
        vm.pager.spread_roots.retain(|&root| root != self.root);
        vm.pager.commit.uncharge(self.heap_pages());
        for i2 in 0..USER_ROOT_ENTRIES {
            let e2 = vm.mem.read_u64(self.root + i2 * 8);
            if e2 & pte::V == 0 {
                continue;
            }
            let l1 = pte::address(e2);
            for i1 in 0..512 {
                let e1 = vm.mem.read_u64(l1 + i1 * 8);
                if e1 & pte::V != 0 {
                    self.release_table(vm, (i2 << 30) | (i1 << 21), pte::address(e1));
                }
            }
            vm.frames.decref(l1);
        }
        vm.frames.decref(self.root);
        vm.frames.counts().free - before
    }

    /// Destroy's step for one level-0 table (mapping from `base`): releases
    /// each entry, then the table's frame. One read per entry: exit is
    /// frequent and must stay cheap.
    fn release_table<M: PhysMemory>(&self, vm: &mut Vm<'_, M>, base: u64, table: u64) {
        for i0 in 0..512 {
            let entry = vm.mem.read_u64(table + i0 * 8);
            if entry != 0 && (pte::is_leaf(entry) || pte::is_swapped(entry)) {
                self.release_entry(vm, base | (i0 << 12), entry);
            }
        }
        vm.frames.decref(table);
    }

    /// Drops what the entry `entry` for `va` held (its frame or slot
    /// reference, its place in the reverse map, its commit). The caller
    /// clears the entry.
    fn release_entry<M: PhysMemory>(&self, vm: &mut Vm<'_, M>, va: u64, entry: u64) {
        if self.charged(va, entry) {
            vm.pager.commit.uncharge(1);
        }
        if pte::is_swapped(entry) {
            vm.release_slot(pte::slot(entry));
            return;
        }
        let pa = pte::address(entry);
        vm.pager.unmapped(pa, Mapping { root: self.root, va });
        match pte::kind(entry) {
            PageKind::Shared => vm.shared.release(vm.frames, vm.pager, pa, entry & pte::A != 0),
            PageKind::Private | PageKind::Cow | PageKind::Shm => {
                vm.release_user(pa);
            }
        }
    }

    /// Writes the user part of the page table to `out` in the shape of
    /// xv6's `vmprint`, with each leaf's virtual address and flags (COW and
    /// shared marked), and pages out of memory with their slot. It streams:
    /// a large address space needs no buffer.
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
                    if e0 != 0 {
                        print_entry(out, i0, (i2 << 30) | (i1 << 21) | (i0 << 12), e0)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// One user entry a cursor found: its page, the entry's address, and the
/// entry (a leaf or a page out of memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The page's virtual address.
    pub va: u64,
    /// The physical address of the level-0 entry.
    pub slot: u64,
    /// The entry.
    pub entry: u64,
}

/// A cursor over an address space's user entries in address order. It
/// keeps the level-0 table it is in, so a step reads one entry, and it
/// skips whole tables that are missing. It borrows nothing: between steps
/// the caller may rewrite entries (not free tables).
#[derive(Debug)]
pub struct Entries {
    root: u64,
    va: u64,
    /// The level-0 table holding `va`'s entry, valid while `va < table_end`.
    table: u64,
    table_end: u64,
}

impl Entries {
    /// A cursor over every user entry of the space rooted at `root`.
    pub fn of_root(root: u64) -> Entries {
        Entries { root, va: 0, table: 0, table_end: 0 }
    }

    /// The next entry, or `None` at the end of user space.
    pub fn next(&mut self, mem: &impl PhysMemory) -> Option<Entry> {
        while self.va < USER_END {
            if self.va >= self.table_end {
                self.enter_table(mem);
                continue;
            }
            let (va, slot) = (self.va, self.table + index(self.va, 0) * 8);
            self.va += PAGE;
            let entry = mem.read_u64(slot);
            if entry != 0 && (pte::is_leaf(entry) || pte::is_swapped(entry)) {
                return Some(Entry { va, slot, entry });
            }
        }
        None
    }

    /// Finds the level-0 table for `va`, or moves `va` past the missing
    /// table (2 MiB) or directory (1 GiB).
    fn enter_table(&mut self, mem: &impl PhysMemory) {
        const GIB: u64 = 1 << 30;
        const MIB2: u64 = 1 << 21;
        let e2 = mem.read_u64(self.root + index(self.va, 2) * 8);
        if e2 & pte::V == 0 {
            self.va = (self.va & !(GIB - 1)) + GIB;
            return;
        }
        let e1 = mem.read_u64(pte::address(e2) + index(self.va, 1) * 8);
        self.table_end = (self.va & !(MIB2 - 1)) + MIB2;
        if e1 & pte::V == 0 {
            self.va = self.table_end;
        } else {
            self.table = pte::address(e1);
        }
    }
}

/// One level-0 entry of `vmprint`: a leaf, or a page out of memory.
fn print_entry(out: &mut impl Write, i0: u64, va: u64, e0: u64) -> core::fmt::Result {
    if pte::is_leaf(e0) {
        let pa = pte::address(e0);
        writeln!(out, " .. .. ..{i0}: pte {e0:#018x} pa {pa:#018x} va {va:#x} {}", pte::describe(e0))
    } else if pte::is_swapped(e0) && pte::slot(e0) == 0 {
        writeln!(out, " .. .. ..{i0}: pte {e0:#018x} zero page (not in memory) va {va:#x} {}", pte::describe(e0))
    } else if pte::is_swapped(e0) {
        let slot = pte::slot(e0);
        writeln!(out, " .. .. ..{i0}: pte {e0:#018x} swapped to slot {slot} va {va:#x} {}", pte::describe(e0))
    } else {
        Ok(())
    }
}

/// The flags of a shared-memory page's entry.
pub fn shm_flags(writable: bool) -> u64 {
    pte::R | pte::U | pte::A | pte::SHM | if writable { pte::W | pte::D } else { 0 }
}

/// Fork for a page out of memory: the child's entry names the same slot
/// (one more reference), as a copy-on-write sharer would.
fn share_swapped<M: PhysMemory>(
    child: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    va: u64,
    entry: u64,
) -> Result<(), OutOfMemory> {
    child.install(vm.frames, vm.mem, va, entry)?;
    if pte::slot(entry) != 0 {
        vm.pager.swap.incref(pte::slot(entry));
    }
    Ok(())
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
    let copy = vm.alloc_user(false).ok_or(OutOfMemory)?;
    vm.mem.copy_page(pte::address(entry), copy);
    report.copied += 1;
    let mut flags = pte::flags(entry);
    if pte::is_cow(entry) {
        flags = (flags & !pte::RSW) | pte::W;
    }
    child.map(vm, va, copy, flags | pte::D).inspect_err(|_| {
        vm.release_user(copy);
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
    child.map(vm, va, pa, pte::flags(entry)).inspect_err(|_| {
        if pte::kind(entry) == PageKind::Shared {
            vm.shared.release(vm.frames, vm.pager, pa, false);
        } else {
            vm.release_user(pa);
        }
    })
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
    fn the_entry_cursor_visits_every_page_in_order_across_tables() {
        let mut w = World::new(32);
        let mut space = w.space();
        let pages = [0x1000, 0x2000, 0x20_0000, 0x4000_0000, 0x7fff_f000];
        for va in pages {
            w.page(&mut space, va, pte::R, 0);
        }
        let mut seen = alloc::vec::Vec::new();
        let mut entries = space.entries_from(0);
        while let Some(Entry { va, slot, entry }) = entries.next(&w.mem) {
            assert!(pte::is_leaf(entry));
            assert_eq!(space.lookup(&w.mem, va), Some((slot, entry)));
            seen.push(va);
        }
        assert_eq!(seen, pages);
        assert_eq!(space.entries_from(0x2001).next(&w.mem).map(|e| e.va), Some(0x2000), "from within a page");
        assert_eq!(space.entry_count(&w.mem), 5);
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
        let resident: alloc::vec::Vec<Option<u64>> = frames.iter().map(|&f| Some(f)).collect();
        space.map_shm(&mut w.vm(), 0x4000_0000, &resident, false).unwrap();
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
                assert_eq!(w.pager.commit.used, 2, "spare {spare}, {mode:?}: no commit left behind");
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
