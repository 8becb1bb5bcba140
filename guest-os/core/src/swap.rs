//! Swap space: the slots of the swap disk, each one page, with a
//! reference count like a frame's. A page swapped out is written once to
//! a slot, and every PTE (or the shared-memory segment, or the shared
//! pages table entry) that still names the page holds a reference to the
//! slot; the slot is free again when the last reference goes. Slot 0 is
//! the disk's header page and never handed out. Allocation is LIFO, so
//! runs are reproducible.

use alloc::vec::Vec;

/// A slot: the page of the swap disk a swapped-out page lives in.
pub type Slot = u32;

/// Counts for `memstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SwapCounts {
    /// Slots on the disk.
    pub total: usize,
    /// Slots holding a page.
    pub used: usize,
}

/// The swap disk's slots.
#[derive(Debug)]
pub struct SwapSpace {
    refs: Vec<u16>,
    free: Vec<Slot>,
}

impl SwapSpace {
    /// A swap disk whose slots are pages 1 to `last_page`.
    pub fn new(last_page: u32) -> SwapSpace {
        let free = (1..=last_page).rev().collect();
        SwapSpace { refs: alloc::vec![0; last_page as usize + 1], free }
    }

    /// No swap at all.
    pub fn none() -> SwapSpace {
        SwapSpace::new(0)
    }

    /// Takes a free slot with one reference, or `None` when the disk is
    /// full.
    pub fn alloc(&mut self) -> Option<Slot> {
        let slot = self.free.pop()?;
        self.refs[slot as usize] = 1;
        Some(slot)
    }

    /// One more reference to `slot`.
    pub fn incref(&mut self, slot: Slot) {
        if let Some(count) = self.refs.get_mut(slot as usize).filter(|c| **c > 0) {
            *count = count.saturating_add(1);
        }
    }

    /// One reference fewer; returns true when the slot became free.
    pub fn decref(&mut self, slot: Slot) -> bool {
        let Some(count) = self.refs.get_mut(slot as usize) else { return false };
        match *count {
            0 => false,
            1 => {
                *count = 0;
                self.free.push(slot);
                true
            }
            n => {
                *count = n - 1;
                false
            }
        }
    }

    /// References to `slot` (0 when free).
    pub fn refcount(&self, slot: Slot) -> u16 {
        self.refs.get(slot as usize).copied().unwrap_or(0)
    }

    /// Slots in all and in use.
    pub fn counts(&self) -> SwapCounts {
        let total = self.refs.len().saturating_sub(1);
        SwapCounts { total, used: total - self.free.len() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_handed_out_lowest_first_and_never_the_header() {
        let mut swap = SwapSpace::new(3);
        assert_eq!([swap.alloc(), swap.alloc(), swap.alloc(), swap.alloc()], [Some(1), Some(2), Some(3), None]);
        assert_eq!(swap.counts(), SwapCounts { total: 3, used: 3 });
        assert!(swap.decref(2));
        assert_eq!(swap.alloc(), Some(2), "LIFO: the slot freed last comes back first");
    }

    #[test]
    fn a_shared_slot_is_free_after_its_last_reference() {
        let mut swap = SwapSpace::new(4);
        let slot = swap.alloc().expect("a slot");
        swap.incref(slot);
        swap.incref(slot);
        assert_eq!(swap.refcount(slot), 3);
        assert!(!swap.decref(slot) && !swap.decref(slot));
        assert!(swap.decref(slot));
        assert_eq!(swap.counts().used, 0);
        assert!(!swap.decref(slot), "a free slot stays free");
        swap.incref(slot);
        assert_eq!(swap.refcount(slot), 0, "incref does not revive a free slot");
    }

    #[test]
    fn no_swap_has_no_slots() {
        let mut swap = SwapSpace::none();
        assert_eq!(swap.alloc(), None);
        assert_eq!(swap.counts(), SwapCounts { total: 0, used: 0 });
    }
}
