//! Physical frames with reference counts.
//!
//! Every user page's frame has a count of the page-table entries that map
//! it: 1 for a private page, more when fork shares it copy-on-write. A
//! frame returns to the free list when its count drops to zero. Page-table
//! frames, kernel stacks and other kernel frames have a count of 1.
//! Allocation is LIFO, so runs are reproducible.
//!
//! Copy-on-write makes promises. A frame that `n` mappings share
//! copy-on-write needs at most `n - 1` copies (the last sharer reuses it),
//! so every COW share sets one free frame aside, and the store fault that
//! copies takes exactly that frame. Ordinary allocation never touches the
//! frames set aside: a fork that cannot promise fails with ENOMEM, and a
//! COW fault never runs out of memory. This is strict accounting, as
//! Linux's `vm.overcommit_memory = 2`, applied to COW.

use alloc::vec::Vec;

use crate::PAGE;

/// The frames the kernel manages: a contiguous range of RAM minus what is
/// reserved (the kernel image, the device tree, the initrd).
pub struct FrameTable {
    base: u64,
    refs: Vec<u16>,
    free: Vec<u32>,
    usable: usize,
    promised: usize,
}

/// Counts for `memstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameCounts {
    /// Frames the kernel manages.
    pub total: usize,
    /// Frames on the free list.
    pub free: usize,
    /// Free frames set aside for copy-on-write copies.
    pub promised: usize,
}

impl FrameCounts {
    /// Frames in use.
    pub fn used(&self) -> usize {
        self.total - self.free
    }
}

impl FrameTable {
    /// Manages `count` frames from physical address `base` (page-aligned),
    /// except those for which `reserved` holds.
    pub fn new(base: u64, count: usize, reserved: impl Fn(u64) -> bool) -> FrameTable {
        let mut free: Vec<u32> = (0..count as u32).rev().filter(|&i| !reserved(base + i as u64 * PAGE)).collect();
        free.shrink_to_fit();
        let usable = free.len();
        FrameTable { base, refs: alloc::vec![0; count], free, usable, promised: 0 }
    }

    fn index(&self, pa: u64) -> Option<usize> {
        let offset = pa.checked_sub(self.base)? / PAGE;
        (offset < self.refs.len() as u64).then_some(offset as usize)
    }

    /// Whether `pa` is a frame this table manages.
    pub fn manages(&self, pa: u64) -> bool {
        self.index(pa).is_some()
    }

    /// Takes a free frame (count 1), or `None` when every free frame is
    /// exhausted or promised. Its contents are whatever they were.
    pub fn alloc(&mut self) -> Option<u64> {
        if self.free.len() <= self.promised {
            return None;
        }
        self.take()
    }

    fn take(&mut self) -> Option<u64> {
        let index = self.free.pop()? as usize;
        self.refs[index] = 1;
        Some(self.base + index as u64 * PAGE)
    }

    /// One more copy-on-write mapping of `pa`, with a free frame promised
    /// to the copy it may need. Fails, changing nothing, when no free
    /// frame is left to promise.
    pub fn share_cow(&mut self, pa: u64) -> Result<(), OutOfMemory> {
        let i = self.index(pa).ok_or(OutOfMemory)?;
        if self.free.len() <= self.promised {
            return Err(OutOfMemory);
        }
        self.promised += 1;
        self.refs[i] = self.refs[i].saturating_add(1);
        Ok(())
    }

    /// The frame for a copy of the COW frame `old`, which stays shared by
    /// others: the frame promised when it was shared. Drops this mapping's
    /// reference to `old`.
    pub fn alloc_cow_copy(&mut self, old: u64) -> Option<u64> {
        let new = if self.promised > 0 {
            self.promised -= 1;
            self.take()
        } else {
            self.alloc()
        }?;
        self.decref(old);
        Some(new)
    }

    /// Drops a copy-on-write mapping of `pa` (unmap, exit): when others
    /// still share the frame, the copy this mapping might have needed is
    /// no longer promised. Returns true when the frame became free.
    pub fn drop_cow(&mut self, pa: u64) -> bool {
        if self.refcount(pa) > 1 {
            self.promised = self.promised.saturating_sub(1);
        }
        self.decref(pa)
    }

    /// One more mapping of `pa`.
    pub fn incref(&mut self, pa: u64) {
        if let Some(i) = self.index(pa) {
            self.refs[i] = self.refs[i].saturating_add(1);
        }
    }

    /// One mapping fewer; returns true when the frame became free.
    pub fn decref(&mut self, pa: u64) -> bool {
        let Some(i) = self.index(pa) else { return false };
        match self.refs[i] {
            0 => false,
            1 => {
                self.refs[i] = 0;
                self.free.push(i as u32);
                true
            }
            n => {
                self.refs[i] = n - 1;
                false
            }
        }
    }

    /// The reference count of `pa` (0 for free or unmanaged frames).
    pub fn refcount(&self, pa: u64) -> u16 {
        self.index(pa).map_or(0, |i| self.refs[i])
    }

    /// Frames managed and free.
    pub fn counts(&self) -> FrameCounts {
        FrameCounts { total: self.usable, free: self.free.len(), promised: self.promised }
    }
}

/// No free frame was left (or every free one is promised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfMemory;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_back_when_the_last_reference_goes() {
        let mut frames = FrameTable::new(0x8000_0000, 4, |_| false);
        let a = frames.alloc().unwrap();
        assert_eq!(frames.refcount(a), 1);
        frames.incref(a);
        assert!(!frames.decref(a));
        assert_eq!(frames.counts(), FrameCounts { total: 4, free: 3, promised: 0 });
        assert!(frames.decref(a));
        assert_eq!(frames.counts().free, 4);
        assert!(!frames.decref(a), "a free frame is not freed twice");
        assert_eq!(frames.counts().free, 4);
    }

    #[test]
    fn reserved_frames_are_never_handed_out() {
        let mut frames = FrameTable::new(0x8000_0000, 4, |pa| pa == 0x8000_1000);
        let got: Vec<u64> = core::iter::from_fn(|| frames.alloc()).collect();
        assert_eq!(got, [0x8000_0000, 0x8000_2000, 0x8000_3000], "lowest first, reserved skipped");
        assert_eq!(frames.counts(), FrameCounts { total: 3, free: 0, promised: 0 });
        assert!(frames.alloc().is_none());
    }

    #[test]
    fn cow_shares_set_frames_aside_for_their_copies() {
        let mut frames = FrameTable::new(0x8000_0000, 4, |_| false);
        let page = frames.alloc().unwrap();
        frames.share_cow(page).unwrap();
        frames.share_cow(page).unwrap();
        assert_eq!(frames.counts(), FrameCounts { total: 4, free: 3, promised: 2 });
        assert!(frames.alloc().is_some(), "one frame is not promised");
        assert!(frames.alloc().is_none(), "the other two are");
        assert_eq!(frames.share_cow(page), Err(OutOfMemory), "nothing left to promise");
        assert_eq!(frames.refcount(page), 3, "a failed share changes nothing");
        // The first sharer copies: it takes a promised frame.
        let copy = frames.alloc_cow_copy(page).unwrap();
        assert_ne!(copy, page);
        assert_eq!((frames.refcount(page), frames.counts().promised), (2, 1));
        // The second sharer exits: its promise goes with it.
        assert!(!frames.drop_cow(page));
        assert_eq!((frames.refcount(page), frames.counts().promised), (1, 0));
        // The last sharer needs no copy; dropping it frees the frame.
        assert!(frames.drop_cow(page));
        assert_eq!(frames.counts(), FrameCounts { total: 4, free: 2, promised: 0 });
    }

    #[test]
    fn foreign_addresses_are_ignored() {
        let mut frames = FrameTable::new(0x8000_0000, 2, |_| false);
        frames.incref(0x1000);
        assert!(!frames.decref(0x9000_0000));
        assert_eq!(frames.refcount(0x7000_0000), 0);
        assert!(frames.manages(0x8000_1000) && !frames.manages(0x8000_2000));
    }
}
