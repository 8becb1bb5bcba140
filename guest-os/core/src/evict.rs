//! Eviction: taking a resident page out of memory, the pager's half of
//! replacement. The replacer chooses the frame; this says what leaving
//! memory means for the page in it, and changes every entry that maps it
//! (found through the reverse map):
//! - a page of the shared pages table as its image has it is clean: every
//!   sharer's entry is cleared, the table keeps the page as not resident,
//!   and the next fault loads it again from the image;
//! - a shared page relocated for where its image is bound differs from the
//!   image: it is written to a slot the table's entry keeps, every
//!   sharer's entry is cleared, and the next fault reads it back;
//! - a private or copy-on-write page never written since it appeared zero
//!   goes: its entries say "zero page" and the next touch makes it again;
//! - a page whose copy on the swap disk is still good (it came back from
//!   swap and was not written) goes: its entries name the slot again;
//! - any other private or copy-on-write page is written to a slot once,
//!   however many entries map it, and each of them names the slot (the
//!   slot is reference-counted as the frame was);
//! - a shared-memory page is written to a slot the segment keeps, and the
//!   attachments' entries are cleared.
//!
//! A write is not done here: the frame enters the swap cache as being
//! written, and the kernel writes it with nothing borrowed, then calls
//! [`page_out_done`]. Every entry changed is queued in the pager's TLB
//! flush list.

use crate::PhysMemory;
use crate::Vm;
use crate::fault::Wait;
use crate::pool::Pools;
use crate::pte;
use crate::replace::{Reason, References, Replacer};
use crate::rmap::{Mapping, Rmap};
use crate::shared_pages::SharedPagesTable;
use crate::shm::ShmPage;
use crate::space::entry_slot;
use crate::swap::Slot;
use crate::swap_cache::{CacheState, SwapCache};

/// What was dropped without a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// A page of the shared pages table (it reloads from its image).
    SharedImage,
    /// A zero page never written.
    ZeroPage,
    /// A page whose swap copy in this slot is still good.
    SwapCopy(Slot),
}

/// What is written to swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A private or copy-on-write page.
    Page,
    /// A shared-memory page.
    SharedMemory,
    /// A relocated page of the shared pages table.
    Relocated,
}

/// One eviction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eviction {
    /// The frame is free again.
    Dropped {
        /// The frame.
        frame: u64,
        /// What it held.
        what: Dropped,
        /// Why the replacer chose it.
        why: Reason,
    },
    /// The frame must be written to `slot` (see [`page_out_done`]).
    Write {
        /// The frame.
        frame: u64,
        /// The slot.
        slot: Slot,
        /// What the page is.
        what: Written,
        /// Why the replacer chose it.
        why: Reason,
    },
}

/// Nothing could be evicted: every resident page is pinned or protected,
/// or the pages that could go are dirty and the swap disk is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoVictim;

/// Reference bits as the replacer asks for them: the OR of the accessed
/// bits of every entry mapping a frame (cleared as they are read, their
/// TLB entries queued for flushing); a shared page's examination is
/// recorded in its table entry.
struct Refs<'a, M: PhysMemory> {
    mem: &'a mut M,
    rmap: &'a Rmap,
    shared: &'a mut SharedPagesTable,
    cache: &'a SwapCache,
    flushes: &'a mut alloc::vec::Vec<Mapping>,
}

impl<M: PhysMemory> References for Refs<'_, M> {
    fn take_referenced(&mut self, frame: u64) -> bool {
        let mut referenced = false;
        for m in self.rmap.mappings(frame) {
            let Some(slot) = entry_slot(self.mem, m.root, m.va) else { continue };
            let entry = self.mem.read_u64(slot);
            if pte::is_leaf(entry) && pte::address(entry) == frame && entry & pte::A != 0 {
                self.mem.write_u64(slot, entry & !pte::A);
                self.flushes.push(m);
                referenced = true;
            }
        }
        if self.shared.key_of(frame).is_some() {
            self.shared.note_examined(frame, referenced);
        }
        referenced
    }

    fn pinned(&self, frame: u64) -> bool {
        self.cache.in_flight(frame)
    }
}

/// The replacer's periodic sample (LRU's aging; nothing for the others).
pub fn sample<M: PhysMemory>(vm: &mut Vm<'_, M>) {
    let pager = &mut *vm.pager;
    let mut refs =
        Refs { mem: vm.mem, rmap: &pager.rmap, shared: vm.shared, cache: &pager.cache, flushes: &mut pager.flushes };
    pager.replacer.sample(&mut refs);
}

/// Which resident set a victim comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    /// The global replacer's.
    Global,
    /// A frame pool's (by index).
    Pool(usize),
}

/// The replacer of `set`.
fn replacer_of<'a>(global: &'a mut Replacer, pools: &'a mut Pools, set: Set) -> Option<&'a mut Replacer> {
    match set {
        Set::Global => Some(global),
        Set::Pool(i) => pools.get_mut(i).map(|p| &mut p.replacer),
    }
}

/// Evicts one page: the replacer's choice, or its next choice when the
/// first cannot go (dirty with the swap disk full).
pub fn evict_one<M: PhysMemory>(vm: &mut Vm<'_, M>) -> Result<Eviction, NoVictim> {
    evict_from(vm, Set::Global)
}

/// Evicts one of the pages of frame pool `pool`, chosen by its policy.
pub fn evict_in_pool<M: PhysMemory>(vm: &mut Vm<'_, M>, pool: usize) -> Result<Eviction, NoVictim> {
    evict_from(vm, Set::Pool(pool))
}

/// Evicts one page of `set`.
fn evict_from<M: PhysMemory>(vm: &mut Vm<'_, M>, set: Set) -> Result<Eviction, NoVictim> {
    let mut refused = alloc::vec::Vec::new();
    let outcome = loop {
        let pager = &mut *vm.pager;
        let mut refs = Refs {
            mem: vm.mem,
            rmap: &pager.rmap,
            shared: vm.shared,
            cache: &pager.cache,
            flushes: &mut pager.flushes,
        };
        let Some(replacer) = replacer_of(&mut pager.replacer, &mut pager.pools, set) else { break Err(NoVictim) };
        let Some((frame, why)) = replacer.choose(&mut refs) else { break Err(NoVictim) };
        match evict(vm, frame, why) {
            Some(eviction) => break Ok(eviction),
            None => refused.push(frame),
        }
    };
    // Pages that could not go stay resident, at the back.
    for frame in refused {
        let shared = vm.shared.key_of(frame).is_some();
        if let Some(replacer) = replacer_of(&mut vm.pager.replacer, &mut vm.pager.pools, set) {
            replacer.insert(frame, shared);
        }
    }
    outcome
}

/// Takes the page in `frame` out of memory, if it can go now.
fn evict<M: PhysMemory>(vm: &mut Vm<'_, M>, frame: u64, why: Reason) -> Option<Eviction> {
    if vm.shared.key_of(frame).is_some() {
        if vm.shared.relocated(frame) {
            return write_relocated(vm, frame, why);
        }
        return Some(drop_shared(vm, frame, why));
    }
    if let Some((id, index)) = vm.shm.owner(frame) {
        // A cluster-wide segment's pages stay (see `ShmRegistry::distributed`).
        if vm.shm.is_distributed(id) {
            return None;
        }
        return write_shm(vm, frame, id, index, why);
    }
    let mappings = vm.pager.rmap.mappings(frame);
    // A spread process's pages stay (see `Pager::spread_roots`).
    if mappings.iter().any(|m| vm.pager.spread_roots.contains(&m.root)) {
        return None;
    }
    if mappings.is_empty() {
        // Only the swap cache holds it: its copy is on the disk.
        let slot = vm.pager.cache.slot_of(frame)?;
        vm.pager.cache.remove(slot);
        vm.release_user(frame);
        return Some(Eviction::Dropped { frame, what: Dropped::SwapCopy(slot), why });
    }
    let dirty = mappings.iter().any(|m| entry_of(vm, *m, frame).is_some_and(|(_, e)| e & pte::D != 0));
    match (vm.pager.cache.slot_of(frame), dirty) {
        (Some(slot), false) => Some(drop_to_slot(vm, frame, slot, &mappings, why)),
        (None, false) => Some(drop_zero(vm, frame, &mappings, why)),
        (_, true) => write_anon(vm, frame, &mappings, why),
    }
}

/// The entry of mapping `m`, if it still maps `frame`: its address and
/// value.
fn entry_of<M: PhysMemory>(vm: &Vm<'_, M>, m: Mapping, frame: u64) -> Option<(u64, u64)> {
    let slot = entry_slot(vm.mem, m.root, m.va)?;
    let entry = vm.mem.read_u64(slot);
    (pte::is_leaf(entry) && pte::address(entry) == frame).then_some((slot, entry))
}

/// Replaces every entry mapping `frame` with `replace(entry)` (0 clears
/// it), dropping their frame references and reverse-map places, and
/// queueing their TLB flushes. Returns how many entries there were.
fn unmap_all<M: PhysMemory>(vm: &mut Vm<'_, M>, frame: u64, mappings: &[Mapping], replace: impl Fn(u64) -> u64) -> u32 {
    let mut count = 0;
    for &m in mappings {
        let Some((slot, entry)) = entry_of(vm, m, frame) else { continue };
        vm.mem.write_u64(slot, replace(entry));
        vm.pager.rmap.remove(frame, m);
        vm.pager.flushes.push(m);
        vm.release_user(frame);
        count += 1;
    }
    count
}

/// A clean shared image page: every sharer's entry is cleared; the table
/// keeps the page, not resident.
fn drop_shared<M: PhysMemory>(vm: &mut Vm<'_, M>, frame: u64, why: Reason) -> Eviction {
    let mappings = vm.pager.rmap.mappings(frame);
    // Clear the table's knowledge first: the last reference frees the frame.
    vm.shared.evicted(frame, 0);
    unmap_all(vm, frame, &mappings, |_| 0);
    vm.stats.drops += 1;
    Eviction::Dropped { frame, what: Dropped::SharedImage, why }
}

/// A shared page relocated for its image's placement: it differs from the
/// image, so it goes to a new slot the table's entry keeps; every sharer's
/// entry is cleared. `None` when the swap disk is full.
fn write_relocated<M: PhysMemory>(vm: &mut Vm<'_, M>, frame: u64, why: Reason) -> Option<Eviction> {
    let slot = vm.pager.swap.alloc()?;
    vm.pager.swap.incref(slot); // the transfer's
    let mappings = vm.pager.rmap.mappings(frame);
    vm.shared.evicted(frame, slot);
    // The cache's reference keeps the frame through the write.
    vm.frames.incref(frame);
    vm.pager.cache.insert(slot, frame, CacheState::Writing);
    unmap_all(vm, frame, &mappings, |_| 0);
    Some(Eviction::Write { frame, slot, what: Written::Relocated, why })
}

/// A zero page never written: its entries say so, and the frame is free.
fn drop_zero<M: PhysMemory>(vm: &mut Vm<'_, M>, frame: u64, mappings: &[Mapping], why: Reason) -> Eviction {
    unmap_all(vm, frame, mappings, |entry| pte::swapped(0, entry));
    vm.stats.drops += 1;
    Eviction::Dropped { frame, what: Dropped::ZeroPage, why }
}

/// A page unchanged since it came back from `slot`: its entries name the
/// slot again, and the frame is free.
fn drop_to_slot<M: PhysMemory>(
    vm: &mut Vm<'_, M>,
    frame: u64,
    slot: Slot,
    mappings: &[Mapping],
    why: Reason,
) -> Eviction {
    let count = unmap_all(vm, frame, mappings, |entry| pte::swapped(slot, entry));
    (0..count).for_each(|_| vm.pager.swap.incref(slot));
    vm.pager.cache.remove(slot);
    vm.release_user(frame);
    vm.stats.drops += 1;
    Eviction::Dropped { frame, what: Dropped::SwapCopy(slot), why }
}

/// A written private or copy-on-write page: to a new slot, once, named by
/// every entry that mapped it. `None` when the swap disk is full.
fn write_anon<M: PhysMemory>(vm: &mut Vm<'_, M>, frame: u64, mappings: &[Mapping], why: Reason) -> Option<Eviction> {
    let slot = vm.pager.swap.alloc()?;
    if let Some(old) = vm.pager.cache.slot_of(frame) {
        // A stale pairing: the old slot's other holders read it back.
        vm.pager.cache.remove(old);
        vm.release_user(frame);
    }
    // The cache's reference keeps the frame through the write.
    vm.frames.incref(frame);
    vm.pager.cache.insert(slot, frame, CacheState::Writing);
    let count = unmap_all(vm, frame, mappings, |entry| pte::swapped(slot, entry));
    // One reference for each entry, and the transfer's.
    (0..count).for_each(|_| vm.pager.swap.incref(slot));
    Some(Eviction::Write { frame, slot, what: Written::Page, why })
}

/// A shared-memory page: to a new slot the segment keeps; the
/// attachments' entries are cleared. `None` when the swap disk is full.
fn write_shm<M: PhysMemory>(vm: &mut Vm<'_, M>, frame: u64, id: i32, index: usize, why: Reason) -> Option<Eviction> {
    let slot = vm.pager.swap.alloc()?;
    vm.pager.swap.incref(slot); // the transfer's
    let mappings = vm.pager.rmap.mappings(frame);
    unmap_all(vm, frame, &mappings, |_| 0);
    // The segment's reference to the frame becomes the cache's.
    vm.shm.set_page(id, index, ShmPage::Swapped(slot));
    vm.pager.cache.insert(slot, frame, CacheState::Writing);
    Some(Eviction::Write { frame, slot, what: Written::SharedMemory, why })
}

/// The write of an evicted page to `slot` is over (`ok`: it succeeded).
/// The frame is freed; or, when the write failed, it stays in the swap
/// cache for good, holding the page (it is no longer a candidate). The
/// transfer's reference to the slot goes: a slot whose holders all went
/// while it was being written is free only now, and so is its frame.
pub fn page_out_done<M: PhysMemory>(vm: &mut Vm<'_, M>, slot: Slot, frame: u64, ok: bool) {
    if ok {
        vm.pager.cache.remove(slot);
        vm.release_user(frame);
        vm.stats.page_outs += 1;
    } else {
        vm.pager.cache.ready(slot);
        vm.pager.replacer.remove(frame);
    }
    if vm.pager.swap.decref(slot) && vm.pager.cache.remove(slot).is_some() {
        vm.release_user(frame);
    }
}

/// The read of `slot` into `frame` for a fault is over (`ok`: it
/// succeeded). The frame is then ready in the swap cache; after a failed
/// read it is freed and the slot's entries stay as they were.
pub fn page_in_done<M: PhysMemory>(vm: &mut Vm<'_, M>, slot: Slot, frame: u64, ok: bool) {
    if ok {
        vm.pager.cache.ready(slot);
        vm.stats.page_ins += 1;
    } else if vm.pager.cache.remove(slot).is_some() {
        vm.release_user(frame);
    }
}

/// What a wait is about, for the kernel's logs: the slot, if any.
pub fn wait_slot(wait: Wait) -> Option<Slot> {
    match wait {
        Wait::PageIn { slot, .. } | Wait::Transfer { slot } | Wait::PageOut { slot, .. } => Some(slot),
        Wait::Frames | Wait::Remote { .. } | Wait::Spread { .. } => None,
    }
}

#[cfg(test)]
mod tests;
