//! The swap cache: frames paired with swap slots.
//!
//! A page on its way out (being written to its slot) or on its way in
//! (being read) has a frame and a slot at once, and the transfer runs
//! while the kernel sleeps: a fault on the same page meanwhile must find
//! the frame, not start a second transfer. And a page that several
//! processes shared copy-on-write when it went out comes back once: the
//! first fault reads it, and the others map the same frame, for as long
//! as some PTE still names the slot. The cache holds one reference to its
//! frame; the PTEs hold the slot's references.

use alloc::collections::BTreeMap;

use crate::swap::Slot;

/// Where a cached page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheState {
    /// Being read from the slot into the frame.
    Reading,
    /// Being written from the frame to the slot.
    Writing,
    /// The frame and the slot hold the same page.
    Ready,
}

/// One cached page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cached {
    /// Its frame.
    pub frame: u64,
    /// Its transfer, if any.
    pub state: CacheState,
}

/// The cache, by slot and by frame.
#[derive(Debug, Default)]
pub struct SwapCache {
    by_slot: BTreeMap<Slot, Cached>,
    by_frame: BTreeMap<u64, Slot>,
}

impl SwapCache {
    /// Pairs `slot` with `frame` in `state`.
    pub fn insert(&mut self, slot: Slot, frame: u64, state: CacheState) {
        self.by_slot.insert(slot, Cached { frame, state });
        self.by_frame.insert(frame, slot);
    }

    /// The page cached for `slot`.
    pub fn get(&self, slot: Slot) -> Option<Cached> {
        self.by_slot.get(&slot).copied()
    }

    /// The slot `frame` is paired with.
    pub fn slot_of(&self, frame: u64) -> Option<Slot> {
        self.by_frame.get(&frame).copied()
    }

    /// Marks `slot`'s transfer done.
    pub fn ready(&mut self, slot: Slot) {
        if let Some(cached) = self.by_slot.get_mut(&slot) {
            cached.state = CacheState::Ready;
        }
    }

    /// Unpairs `slot`; returns its frame.
    pub fn remove(&mut self, slot: Slot) -> Option<u64> {
        let cached = self.by_slot.remove(&slot)?;
        self.by_frame.remove(&cached.frame);
        Some(cached.frame)
    }

    /// Whether `frame` has a transfer in flight (it must not be evicted or
    /// freed).
    pub fn in_flight(&self, frame: u64) -> bool {
        self.slot_of(frame).and_then(|slot| self.get(slot)).is_some_and(|c| c.state != CacheState::Ready)
    }

    /// Whether `slot` has a transfer in flight.
    pub fn in_flight_slot(&self, slot: Slot) -> bool {
        self.get(slot).is_some_and(|c| c.state != CacheState::Ready)
    }

    /// Pages cached.
    pub fn len(&self) -> usize {
        self.by_slot.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.by_slot.is_empty()
    }
}
