//! What a page fault means. A store to a copy-on-write page breaks the
//! sharing; a first touch of the stack or heap gets a zeroed frame; a
//! first touch of a program's text or rodata maps its page from the shared
//! pages table (loading it from the image if no one has yet, relocated for
//! where the image is bound, or reading it back from swap if the pager
//! wrote it there); a page on the swap disk comes back through the swap
//! cache; a shared-memory page comes from its segment; with a clear A or D
//! bit (on a machine that faults instead of setting them) the kernel sets
//! it. Anything else is a fault the process dies of.
//!
//! Some faults cannot finish without sleeping: a page to read from the
//! swap disk, another process's transfer of the same page, or no free
//! frame. Those return [`Unresolved::Wait`], having changed nothing that a
//! retry would not expect: the kernel does the waiting with nothing
//! borrowed, then resolves the fault again.

use crate::pager::FAULT_AROUND;
use crate::region::{Backing, DemandRegion};
use crate::rmap::Mapping;
use crate::shm::ShmPage;
use crate::space::{AddressSpace, USER_END, entry_slot, shm_flags};
use crate::swap::Slot;
use crate::swap_cache::CacheState;
use crate::{PAGE, PhysMemory, Vm, page_floor, pte};

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
    /// A first touch of a demand-zero region (or a zero page that went).
    DemandZero {
        /// The new frame.
        frame: u64,
        /// Heap pages around it zero-filled and mapped too (fault-around).
        around: u32,
    },
    /// A first touch of a private file mapping's page: the file's bytes
    /// copied into a new frame.
    FilePage {
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
    /// A relocated shared image page that the pager wrote to swap, read
    /// back into the shared pages table.
    SharedSwapIn {
        /// The frame mapped.
        frame: u64,
        /// The slot it came from (now free).
        slot: Slot,
    },
    /// A page that was on the swap disk, found in the swap cache (read
    /// back by this fault's wait, or by another sharer's).
    SwapIn {
        /// The frame mapped.
        frame: u64,
        /// The slot it came from.
        slot: Slot,
    },
    /// A shared-memory page mapped from its segment.
    ShmPage {
        /// The frame mapped.
        frame: u64,
    },
    /// A and/or D set by the kernel (machines that fault on them).
    AccessedDirty,
}

/// What a fault waits for before it is resolved again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Read `slot` into `frame` (already taken, and in the swap cache as
    /// being read), then mark it ready.
    PageIn {
        /// The slot.
        slot: Slot,
        /// The frame.
        frame: u64,
    },
    /// Another transfer of `slot` is in flight.
    Transfer {
        /// The slot.
        slot: Slot,
    },
    /// No frame is free (or the budget is spent): reclaim first.
    Frames,
    /// The fault's frame pool was full, and the page evicted to make room
    /// must be written: write `frame` to `slot` (then
    /// [`crate::evict::page_out_done`]).
    PageOut {
        /// The frame.
        frame: u64,
        /// The slot.
        slot: Slot,
    },
    /// A page of a cluster-wide segment that this node may not access as
    /// asked: the distributed shared memory engine must get it (a read
    /// copy, or ownership to write) from another node first.
    Remote {
        /// The local segment.
        segment: i32,
        /// The page's index in it.
        index: u64,
        /// Whether write access is needed.
        write: bool,
    },
    /// A page of a spread process's address space (`threads=spread`)
    /// that this node may not access as asked: the engine must get it
    /// from the node that has it first.
    Spread {
        /// The process's DSM space.
        space: u32,
        /// The page's number (its address over the page size).
        index: u64,
        /// Whether write access is needed.
        write: bool,
    },
}

/// Why a fault is not resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// The address is not mapped and not in a demand region.
    NotMapped,
    /// The page does not allow this access (a store to text, say).
    Protection,
    /// The commit account has no room for a new stack page.
    OutOfMemory,
    /// It needs to wait (see [`Wait`]) and be resolved again.
    Wait(Wait),
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

/// Whether a page out of memory, once back, will let `access` proceed (a
/// store to a copy-on-write page will, after breaking the sharing).
fn permits_out(entry: u64, access: Access) -> bool {
    permits(entry, access) || (access == Access::Store && pte::is_cow(entry))
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
    let outcome = resolve_once(space, vm, regions, va, access);
    if !matches!(outcome, Err(Unresolved::Wait(_))) {
        vm.stats.page_faults += 1;
    }
    outcome
}

fn resolve_once<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    regions: &[DemandRegion<'_>],
    va: u64,
    access: Access,
) -> Result<Resolved, Unresolved> {
    if va >= USER_END {
        return Err(Unresolved::NotMapped);
    }
    let va = page_floor(va);
    if space.spread.is_some()
        && let Some(why) = spread_wait(space, regions, va, access)
    {
        return Err(why);
    }
    match space.entry(vm.mem, va) {
        Some((slot, entry)) if pte::is_leaf(entry) => {
            if access == Access::Store && pte::is_cow(entry) {
                return break_cow(space, vm, slot, entry, va);
            }
            if !permits(entry, access) {
                return Err(distributed(vm, regions, va, access).unwrap_or(Unresolved::Protection));
            }
            let needed = if access == Access::Store { pte::A | pte::D } else { pte::A };
            AddressSpace::set_entry(vm.mem, slot, entry | needed);
            Ok(Resolved::AccessedDirty)
        }
        Some((slot, entry)) => {
            if !permits_out(entry, access) {
                return Err(Unresolved::Protection);
            }
            match pte::slot(entry) {
                0 => {
                    let frame = demand_zero(space, vm, va, pte::flags(entry) & (pte::R | pte::W | pte::X), false)?;
                    Ok(Resolved::DemandZero { frame, around: 0 })
                }
                _ => swap_in(space, vm, slot, entry, va),
            }
        }
        None => {
            let region = regions.iter().find(|r| r.contains(va)).ok_or(Unresolved::NotMapped)?;
            match space.protection(va) {
                None => first_touch(space, vm, region, va, access),
                Some(prot) => protected_first_touch(space, vm, region, va, access, prot),
            }
        }
    }
}

/// A first touch of a page of `region`: zero-filled (a heap page with its
/// group around it), from an image through the shared pages table, or a
/// shared-memory segment's.
fn first_touch<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    region: &DemandRegion<'_>,
    va: u64,
    access: Access,
) -> Result<Resolved, Unresolved> {
    match region.backing {
        Backing::Zero => {
            let (heap_start, heap_end) = space.heap();
            let heap = heap_start <= va && va < heap_end;
            let frame = demand_zero(space, vm, va, region.flags, !heap)?;
            let around = if heap { fault_around(space, vm, va, (heap_start, heap_end), region.flags) } else { 0 };
            Ok(Resolved::DemandZero { frame, around })
        }
        Backing::Image(image) => shared_page(space, vm, image, region.start, va, access),
        Backing::Shm { id, writable, first } => {
            shm_page(space, vm, id, first + (va - region.start) / PAGE, va, writable, access)
        }
        Backing::File { bytes, offset, .. } => file_page(space, vm, region, bytes, offset, va),
    }
}

/// A first touch of a private file mapping's page: a zero-filled page
/// with the file's bytes copied in. It is mapped dirty: it is not zero,
/// so the pager must write it out rather than drop it.
fn file_page<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    region: &DemandRegion<'_>,
    bytes: &[u8],
    offset: u64,
    va: u64,
) -> Result<Resolved, Unresolved> {
    let frame = demand_zero(space, vm, va, region.flags, true)?;
    let from = offset.saturating_add(va - region.start);
    let rest = usize::try_from(from).ok().and_then(|from| bytes.get(from..)).unwrap_or(&[]);
    vm.mem.write(frame, &rest[..rest.len().min(PAGE as usize)]);
    if let Some((slot, entry)) = space.lookup(vm.mem, va) {
        AddressSpace::set_entry(vm.mem, slot, entry | pte::D);
    }
    Ok(Resolved::FilePage { frame })
}

/// A first touch in a range mprotect covered: refused unless `prot`
/// allows the access; else the page appears as its region makes it (no
/// fault-around reaches into a protected range), then takes `prot`'s
/// permissions.
fn protected_first_touch<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    region: &DemandRegion<'_>,
    va: u64,
    access: Access,
    prot: u64,
) -> Result<Resolved, Unresolved> {
    if !permits(crate::protect::entry_bits(prot), access) {
        return Err(Unresolved::Protection);
    }
    let resolved = first_touch(space, vm, region, va, access)?;
    if let Some((slot, entry)) = space.lookup(vm.mem, va) {
        let bits = crate::protect::entry_bits(prot) & (pte::R | pte::W | pte::X | pte::U);
        AddressSpace::set_entry(vm.mem, slot, (entry & !(pte::R | pte::W | pte::X | pte::U)) | bits);
    }
    Ok(resolved)
}

/// Whose page a fault takes a frame for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// A private page at `va` of the space rooted at `root` (its frame
    /// comes from the range's pool, if it has one).
    Private { root: u64, va: u64 },
    /// A page of the shared pages table.
    SharedPage,
    /// A shared-memory segment's page.
    Segment,
}

/// A frame for a user page, or a wait for one.
fn take_frame<M: PhysMemory>(vm: &mut Vm<'_, M>, owner: Owner) -> Result<u64, Unresolved> {
    let pool = match owner {
        Owner::Private { root, va } => vm.pager.pools.find(root, va),
        _ => None,
    };
    if let Some(pool) = pool {
        make_room_in_pool(vm, pool)?;
    }
    let frame = vm.alloc_user(owner == Owner::SharedPage).ok_or(Unresolved::Wait(Wait::Frames))?;
    if let Some(p) = pool.and_then(|pool| vm.pager.pools.get_mut(pool)) {
        vm.pager.replacer.remove(frame);
        p.replacer.insert(frame, false);
    }
    Ok(frame)
}

/// When pool `pool`'s pages hold all its frames, evicts one of them (its
/// policy's choice); a dirty one must be written first.
fn make_room_in_pool<M: PhysMemory>(vm: &mut Vm<'_, M>, pool: usize) -> Result<(), Unresolved> {
    if !vm.pager.pools.get_mut(pool).is_some_and(|p| p.full()) {
        return Ok(());
    }
    match crate::evict::evict_in_pool(vm, pool) {
        Ok(crate::evict::Eviction::Write { frame, slot, .. }) => Err(Unresolved::Wait(Wait::PageOut { frame, slot })),
        Ok(_) => Ok(()),
        // Nothing in the pool can go now: wait as for any frame.
        Err(_) => Err(Unresolved::Wait(Wait::Frames)),
    }
}

/// A first touch of a zero-filled page (`charge`: outside the heap, a new
/// page of the commit account). The page is mapped clean: until it is
/// written, the pager may simply drop it. Returns its frame.
fn demand_zero<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    va: u64,
    flags: u64,
    charge: bool,
) -> Result<u64, Unresolved> {
    if charge {
        vm.pager.commit.charge(1).map_err(|_| Unresolved::OutOfMemory)?;
    }
    let undo = |vm: &mut Vm<'_, M>| {
        if charge {
            vm.pager.commit.uncharge(1);
        }
    };
    let frame = take_frame(vm, Owner::Private { root: space.root(), va }).inspect_err(|_| undo(vm))?;
    if !map_zeroed(space, vm, va, frame, flags | pte::U | pte::A) {
        undo(vm);
        return Err(Unresolved::Wait(Wait::Frames));
    }
    Ok(frame)
}

/// After a heap fault at `va`, while memory is plentiful: zero-fills and
/// maps the other pages of its aligned group of [`FAULT_AROUND`] heap pages
/// that were never touched, so that a program walking a fresh heap takes
/// one fault per group, not one per page. The heap's pages are committed
/// already (at `brk`). They are mapped clean and unreferenced: if memory
/// runs short the pager takes them first, and drops them for nothing. Not
/// in a frame pool, whose faults must stay exact. Returns how many it
/// mapped.
fn fault_around<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    va: u64,
    heap: (u64, u64),
    flags: u64,
) -> u32 {
    // A spread process's pages are each the DSM engine's to give.
    if space.spread.is_some() {
        return 0;
    }
    let room = vm.pager.fault_around_room(vm.frames.counts().free);
    let group = FAULT_AROUND * PAGE;
    let (group_start, group_end) = (va & !(group - 1), (va & !(group - 1)) + group);
    if room == 0 || vm.pager.pools.find(space.root(), va).is_some() || space.protected_in(group_start, group_end) {
        return 0;
    }
    // The faulting page is mapped: its level-0 table holds the whole group.
    let Some(table) = entry_slot(vm.mem, space.root(), va).map(|slot| slot & !(PAGE - 1)) else { return 0 };
    let (start, end) = (group_start.max(heap.0), group_end.min(heap.1));
    let mut mapped = 0;
    for page in (start..end).step_by(PAGE as usize) {
        let slot = table + (page / PAGE % 512) * 8;
        if mapped == room || page == va || vm.mem.read_u64(slot) != 0 {
            continue;
        }
        let Some(frame) = vm.alloc_user(false) else { break };
        vm.mem.zero_page(frame);
        AddressSpace::set_entry(vm.mem, slot, pte::make(frame, flags | pte::U));
        vm.pager.mapped(frame, Mapping { root: space.root(), va: page });
        mapped += 1;
    }
    vm.stats.demand_zero += mapped as u64;
    mapped as u32
}

/// Zero-fills `frame` and maps it at `va` with `flags`, counting a page
/// zero-filled; false (the frame given back) when the page tables found
/// no frame.
fn map_zeroed<M: PhysMemory>(space: &mut AddressSpace, vm: &mut Vm<'_, M>, va: u64, frame: u64, flags: u64) -> bool {
    vm.mem.zero_page(frame);
    if space.map(vm, va, frame, flags).is_err() {
        vm.release_user(frame);
        return false;
    }
    vm.stats.demand_zero += 1;
    true
}

/// A first touch of a shared image page, the image's first page at
/// `base`: mapped from the shared pages table; if it is not in memory,
/// loaded from the image (and relocated for `base`), or read back from
/// swap where the pager wrote it.
fn shared_page<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    image: &crate::region::SharedImage<'_>,
    base: u64,
    va: u64,
    access: Access,
) -> Result<Resolved, Unresolved> {
    let delta = base.wrapping_sub(image.link_base());
    let link = va.wrapping_sub(delta);
    let flags = image.shared_flags(link).ok_or(Unresolved::NotMapped)?;
    if !permits(flags | pte::U, access) {
        return Err(Unresolved::Protection);
    }
    let key = (image.id, va >> 12);
    if let Some(slot) = vm.shared.slot(key) {
        return shared_swap_in(space, vm, key, slot, va, flags);
    }
    let fill = |mem: &mut M, frame| image.fill_page(mem, frame, link, delta);
    let loaded = vm.shared.get_or_load(key, vm.frames, vm.pager, vm.mem, fill);
    let (frame, hit) = loaded.map_err(|_| Unresolved::Wait(Wait::Frames))?;
    map_shared(space, vm, va, frame, flags)?;
    if !hit {
        vm.stats.major_faults += 1;
    }
    Ok(Resolved::SharedPage { frame, hit })
}

/// Maps the shared page in `frame` at `va` (one sharer of it already
/// counted), or gives the sharer back and waits for frames for the page
/// tables.
fn map_shared<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    va: u64,
    frame: u64,
    flags: u64,
) -> Result<(), Unresolved> {
    if space.map(vm, va, frame, flags | pte::U | pte::A | pte::SHARED).is_err() {
        vm.shared.release(vm.frames, vm.pager, frame, false);
        return Err(Unresolved::Wait(Wait::Frames));
    }
    Ok(())
}

/// A relocated shared page (`key`) that the pager wrote to `slot`: read
/// back through the swap cache (the fault waits for the read), it is the
/// table's again, and the slot is free (the next eviction writes it anew).
fn shared_swap_in<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    key: crate::shared_pages::PageKey,
    slot: Slot,
    va: u64,
    flags: u64,
) -> Result<Resolved, Unresolved> {
    let frame = cached_frame(vm, slot, Owner::SharedPage)?;
    // The cache's reference to the frame becomes the first sharer's.
    vm.pager.cache.remove(slot);
    vm.pager.swap.decref(slot);
    vm.pager.resident(frame, true);
    vm.shared.swapped_in(key, frame);
    map_shared(space, vm, va, frame, flags)?;
    Ok(Resolved::SharedSwapIn { frame, slot })
}

/// A page on the swap disk (its entry at `slot_addr`): mapped from the
/// swap cache if it is there; else a frame is taken for it and the fault
/// waits for the read.
fn swap_in<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    slot_addr: u64,
    entry: u64,
    va: u64,
) -> Result<Resolved, Unresolved> {
    let slot = pte::slot(entry);
    let frame = cached_frame(vm, slot, Owner::Private { root: space.root(), va })?;
    let mut flags = (pte::flags(entry) & (pte::R | pte::W | pte::X | pte::U | pte::RSW)) | pte::A;
    if vm.pager.swap.decref(slot) {
        // The last entry naming the slot: the page exists nowhere else once
        // the slot is free, and the cache's reference to the frame becomes
        // this entry's.
        vm.uncache(slot);
        flags |= pte::D;
    } else {
        // Others still name the slot: they will map this frame too.
        vm.frames.incref(frame);
    }
    if vm.frames.refcount(frame) > 1 {
        // Shared with entries that mapped it before (or will): copy-on-write.
        flags = (flags & !pte::W & !pte::RSW) | pte::COW;
    }
    AddressSpace::set_entry(vm.mem, slot_addr, pte::make(frame, flags));
    vm.pager.mapped(frame, Mapping { root: space.root(), va });
    Ok(Resolved::SwapIn { frame, slot })
}

/// The swap cache's frame for `slot`, ready; or what to wait for (a new
/// frame for it is taken for `owner`).
fn cached_frame<M: PhysMemory>(vm: &mut Vm<'_, M>, slot: Slot, owner: Owner) -> Result<u64, Unresolved> {
    match vm.pager.cache.get(slot) {
        Some(cached) if cached.state == CacheState::Ready => Ok(cached.frame),
        Some(_) => Err(Unresolved::Wait(Wait::Transfer { slot })),
        None => {
            let frame = take_frame(vm, owner)?;
            vm.pager.cache.insert(slot, frame, CacheState::Reading);
            vm.stats.major_faults += 1;
            Err(Unresolved::Wait(Wait::PageIn { slot, frame }))
        }
    }
}

/// A shared-memory page (page `index` of segment `id`, at `va`) mapped
/// from its segment: zero-filled at its first touch by anyone, brought
/// back from swap if it went there.
fn shm_page<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    id: i32,
    index: u64,
    va: u64,
    writable: bool,
    access: Access,
) -> Result<Resolved, Unresolved> {
    if !permits(shm_flags(writable), access) {
        return Err(Unresolved::Protection);
    }
    if vm.shm.is_distributed(id) {
        return Err(remote(id, index, access));
    }
    let frame = match vm.shm.page(id, index as usize).ok_or(Unresolved::NotMapped)? {
        ShmPage::Resident(frame) => frame,
        ShmPage::Zero => {
            let frame = take_frame(vm, Owner::Segment)?;
            vm.mem.zero_page(frame);
            frame
        }
        ShmPage::Swapped(slot) => {
            let frame = cached_frame(vm, slot, Owner::Segment)?;
            // The segment's reference to the slot becomes its reference to
            // the frame (the cache's).
            vm.pager.cache.remove(slot);
            vm.pager.swap.decref(slot);
            frame
        }
    };
    vm.shm.set_page(id, index as usize, ShmPage::Resident(frame));
    vm.frames.incref(frame);
    if space.map(vm, va, frame, shm_flags(writable)).is_err() {
        vm.release_user(frame);
        return Err(Unresolved::Wait(Wait::Frames));
    }
    Ok(Resolved::ShmPage { frame })
}

/// A fault on a mapped page of a cluster-wide segment that its entry does
/// not permit, when the attachment would: the engine must get access.
fn distributed<M: PhysMemory>(
    vm: &Vm<'_, M>,
    regions: &[DemandRegion<'_>],
    va: u64,
    access: Access,
) -> Option<Unresolved> {
    let region = regions.iter().find(|r| r.contains(va))?;
    let Backing::Shm { id, writable, first } = region.backing else { return None };
    let allowed = vm.shm.is_distributed(id) && permits(shm_flags(writable), access);
    allowed.then(|| remote(id, first + (va - region.start) / PAGE, access))
}

/// The wait for the engine to give page `index` of segment `id` access.
fn remote(id: i32, index: u64, access: Access) -> Unresolved {
    Unresolved::Wait(Wait::Remote { segment: id, index, write: access == Access::Store })
}

/// A spread process's coherent page whose access the DSM engine does not
/// (yet) allow here: the engine must get it, if the page's region and
/// protection allow the access; else it fails here, as it would wherever
/// the page is (it is never made locally behind the engine's back).
/// Anything else goes the usual way.
fn spread_wait(space: &AddressSpace, regions: &[DemandRegion<'_>], va: u64, access: Access) -> Option<Unresolved> {
    let spread = space.spread.as_ref()?;
    if spread.limit(va) >= crate::spread::needed(access) {
        return None;
    }
    let region = regions.iter().find(|r| r.contains(va))?;
    if !crate::spread::is_coherent(region, va) {
        return None;
    }
    if !permits(crate::spread::flags_at(space, region, va), access) {
        return Some(Unresolved::Protection);
    }
    let write = access == Access::Store;
    Some(Unresolved::Wait(Wait::Spread { space: spread.space, index: va / PAGE, write }))
}

/// Breaks copy-on-write for the page at `va` whose PTE `entry` sits at
/// `slot`: copies the frame if it is still shared (with other entries, or
/// with the swap cache), or just makes it writable when this is the last
/// reference.
fn break_cow<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    slot: u64,
    entry: u64,
    va: u64,
) -> Result<Resolved, Unresolved> {
    let old = pte::address(entry);
    let flags = (pte::flags(entry) & !pte::RSW) | pte::W | pte::A | pte::D;
    if vm.frames.refcount(old) <= 1 {
        AddressSpace::set_entry(vm.mem, slot, pte::make(old, flags));
        vm.stats.cow_faults += 1;
        vm.stats.cow_reuses += 1;
        return Ok(Resolved::CowReused { frame: old });
    }
    let new = take_frame(vm, Owner::Private { root: space.root(), va })?;
    vm.mem.copy_page(old, new);
    AddressSpace::set_entry(vm.mem, slot, pte::make(new, flags));
    let here = Mapping { root: space.root(), va };
    vm.pager.unmapped(old, here);
    vm.pager.mapped(new, here);
    vm.release_user(old);
    vm.stats.cow_faults += 1;
    vm.stats.cow_copies += 1;
    Ok(Resolved::CowCopied { old, new })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{LoadPlan, Segment};
    use crate::region::{DemandRegion, SharedImage};
    use crate::space::ForkMode;
    use crate::stats::VmStats;
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

    /// A space with a fresh 40-page heap at 0x40_0000 (committed as brk
    /// would), and its region.
    /// Heap pages of [`with_heap`]: two and a half fault-around groups.
    const HEAP_PAGES: u64 = FAULT_AROUND * 5 / 2;

    fn with_heap(w: &mut World) -> (AddressSpace, [DemandRegion<'static>; 1]) {
        let mut space = w.space();
        let (start, end) = (0x40_0000, 0x40_0000 + HEAP_PAGES * PAGE);
        space.set_heap(start, end);
        w.pager.commit.charge(HEAP_PAGES).unwrap();
        (space, [DemandRegion::zero(start, end, pte::R | pte::W)])
    }

    fn mapped(w: &World, space: &AddressSpace, pages: core::ops::Range<u64>) -> u64 {
        pages.filter(|&p| space.lookup(&w.mem, 0x40_0000 + p * PAGE).is_some()).count() as u64
    }

    #[test]
    fn a_heap_fault_maps_its_group_while_memory_is_plentiful_and_only_itself_when_not() {
        const G: u64 = FAULT_AROUND;
        let mut w = World::with_swap(1024, 8, crate::replace::Policy::Clock);
        let (mut space, regions) = with_heap(&mut w);
        let r = resolve(&mut space, &mut w.vm(), &regions, 0x40_0000 + (G + 4) * PAGE, Access::Store).unwrap();
        assert!(matches!(r, Resolved::DemandZero { around, .. } if around as u64 == G - 1), "{r:?}");
        // The aligned group (pages G to 2G), clean and unreferenced but the
        // one that faulted.
        assert_eq!((mapped(&w, &space, 0..HEAP_PAGES), mapped(&w, &space, G..2 * G)), (G, G));
        let (_, e) = space.lookup(&w.mem, 0x40_0000 + (G + 5) * PAGE).unwrap();
        assert_eq!(e & (pte::A | pte::D), 0, "{e:#x}");
        assert_eq!((w.stats.page_faults, w.stats.demand_zero, w.pager.commit.used), (1, G, HEAP_PAGES));
        // The last group is cut at the heap's end.
        resolve(&mut space, &mut w.vm(), &regions, 0x40_0000 + (2 * G + 1) * PAGE, Access::Load).unwrap();
        assert_eq!(mapped(&w, &space, 2 * G..3 * G), G / 2);
        space.destroy(&mut w.vm());
        assert_eq!((w.frames.counts().used(), w.pager.commit.used), (0, 0));
        // With a budget three-quarters used, one page per fault.
        let mut w = World::with_swap(400, 200, crate::replace::Policy::Clock);
        let (mut space, regions) = with_heap(&mut w);
        let mut other = w.space();
        for i in 0..300 {
            w.page(&mut other, 0x100_0000 + i * PAGE, pte::R | pte::W, 0);
        }
        resolve(&mut space, &mut w.vm(), &regions, 0x40_0000, Access::Store).unwrap();
        assert_eq!(mapped(&w, &space, 0..HEAP_PAGES), 1);
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
        assert_eq!(
            w.stats,
            VmStats { page_faults: 2, cow_faults: 2, cow_copies: 1, cow_reuses: 1, ..VmStats::default() }
        );
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
    fn a_cow_copy_waits_for_a_frame_instead_of_failing() {
        let (mut w, mut parent, mut child) = forked();
        let mut taken = alloc::vec::Vec::new();
        while let Some(frame) = w.frames.alloc() {
            taken.push(frame);
        }
        let r = resolve(&mut child, &mut w.vm(), &[], DATA, Access::Store);
        assert_eq!(r, Err(Unresolved::Wait(Wait::Frames)), "no frame: reclaim, then again");
        assert_eq!(w.stats.page_faults, 0, "a fault that waits is counted when it is resolved");
        w.frames.decref(taken[0]);
        let r = resolve(&mut child, &mut w.vm(), &[], DATA, Access::Store);
        assert!(matches!(r, Ok(Resolved::CowCopied { .. })), "{r:?}");
        let r = resolve(&mut parent, &mut w.vm(), &[], DATA, Access::Store);
        assert!(matches!(r, Ok(Resolved::CowReused { .. })), "the last sharer needs no frame: {r:?}");
    }

    #[test]
    fn the_commit_account_follows_the_sharers_through_forks_writes_and_exits() {
        let (mut w, parent, child) = forked();
        assert_eq!(w.pager.commit.used, 2, "the parent's page, and the child's copy it may need");
        let grandchild = child.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap().0;
        let mut spaces = [parent, child, grandchild];
        let shared = pte::address(spaces[0].lookup(&w.mem, DATA).unwrap().1);
        assert_eq!((w.frames.refcount(shared), w.pager.commit.used), (3, 3));
        resolve(&mut spaces[1], &mut w.vm(), &[], DATA, Access::Store).unwrap();
        assert_eq!((w.frames.refcount(shared), w.pager.commit.used), (2, 3), "a copy was committed already");
        let [a, b, c] = spaces;
        c.destroy(&mut w.vm());
        assert_eq!((w.frames.refcount(shared), w.pager.commit.used), (1, 2), "the exit gave its page back");
        b.destroy(&mut w.vm());
        a.destroy(&mut w.vm());
        assert_eq!(w.frames.counts(), crate::frame::FrameCounts { total: 64, free: 64 });
        assert_eq!(w.pager.commit.used, 0);
    }

    #[test]
    fn a_fork_beyond_the_commit_limit_is_refused() {
        let mut w = World::new(8);
        let mut parent = w.space();
        w.page(&mut parent, DATA, pte::R | pte::W, 1);
        w.pager.commit.limit = 1;
        let r = parent.fork(&mut w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite);
        assert_eq!(r.map(|_| ()), Err(crate::space::ForkError::OverCommit));
        assert_eq!((w.pager.commit.used, w.frames.counts().used()), (1, 4), "nothing changed");
    }

    /// An image with a text page at 0x10000 ("code"), a rodata page at
    /// 0x11000 ("ro") and a data page at 0x12000.
    fn image(bytes: &[u8]) -> SharedImage<'_> {
        let segment = |vaddr, offset, flags| Segment { vaddr, memsz: 0x1000, offset, filesz: 4, flags };
        SharedImage {
            id: 7,
            name: "prog",
            bytes,
            relocs: Err(crate::reloc::RelocError::Missing),
            plan: LoadPlan {
                entry: 0x10000,
                segments: alloc::vec![
                    segment(0x10000, 0, pte::R | pte::X),
                    segment(0x11000, 4, pte::R),
                    segment(0x12000, 8, pte::R | pte::W),
                ],
                brk: 0x13000,
                phdr: None,
                phent: 56,
                phnum: 3,
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
