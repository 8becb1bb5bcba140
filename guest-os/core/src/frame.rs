//! Physical frames with reference counts.
//!
//! Every user page's frame has a count of what holds it: the page-table
//! entries that map it (1 for a private page, more when fork shares it
//! copy-on-write), and the swap cache or a shared-memory segment when they
//! keep it. A frame returns to the free list when its count drops to zero.
//! Page-table frames, kernel stacks and other kernel frames have a count
//! of 1. Allocation is LIFO, so runs are reproducible.
//!
//! Whether memory is *promised* is the commit account's business (see
//! `pager.rs`): this table only hands frames out and takes them back.

use alloc::vec::Vec;

use crate::PAGE;

/// The frames the kernel manages: a contiguous range of RAM minus what is
/// reserved (the kernel image, the device tree, the initrd).
pub struct FrameTable {
    base: u64,
    refs: Vec<u16>,
    free: Vec<u32>,
    usable: usize,
}

/// Counts for `memstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameCounts {
    /// Frames the kernel manages.
    pub total: usize,
    /// Frames on the free list.
    pub free: usize,
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
    #[inline(never)]
    pub fn new(base: u64, count: usize, reserved: impl Fn(u64) -> bool) -> FrameTable {
        let mut free = Vec::with_capacity(count);
        for i in (0..count as u32).rev() {
            if !reserved(base + i as u64 * PAGE) {
                free.push(i);
            }
        }
        let usable = free.len();
        FrameTable { base, refs: alloc::vec![0; count], free, usable }
    }

    fn index(&self, pa: u64) -> Option<usize> {
        let offset = pa.checked_sub(self.base)? / PAGE;
        (offset < self.refs.len() as u64).then_some(offset as usize)
    }

    /// Whether `pa` is a frame this table manages.
    pub fn manages(&self, pa: u64) -> bool {
        self.index(pa).is_some()
    }

    /// The first frame this table manages and how many there are.
    pub fn range(&self) -> (u64, usize) {
        (self.base, self.refs.len())
    }

    /// Takes a free frame (count 1), or `None` when none is left. Its
    /// contents are whatever they were.
    pub fn alloc(&mut self) -> Option<u64> {
        let index = self.free.pop()? as usize;
        self.refs[index] = 1;
        Some(self.base + index as u64 * PAGE)
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
        FrameCounts { total: self.usable, free: self.free.len() }
    }
}

/// No free frame was left.
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
        assert_eq!(frames.counts(), FrameCounts { total: 4, free: 3 });
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
        assert_eq!(frames.counts(), FrameCounts { total: 3, free: 0 });
        assert!(frames.alloc().is_none());
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
