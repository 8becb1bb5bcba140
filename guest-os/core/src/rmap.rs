//! The reverse map: for each frame holding a user page, the page-table
//! entries that map it, as (address space, virtual address) pairs. An
//! address space is named by its root table's physical address, which is
//! all a walk needs. Evicting a page that several processes map (after
//! fork, a shared text page, a shared-memory page) must invalidate every
//! one of those entries, and flush each from the TLB under its own ASID;
//! the reverse map is how the pager finds them without scanning every page
//! table.
//!
//! Most frames have one or two mappings (a page, and a page shared
//! copy-on-write by a parent and its child), kept inline in eight bytes
//! each; frames with more keep the rest in a side table.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::PAGE;
use crate::frame_map::FrameMap;

/// One mapping: the address space's root table and the virtual address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mapping {
    /// Physical address of the root table.
    pub root: u64,
    /// Virtual address of the page.
    pub va: u64,
}

/// A mapping packed into eight bytes: root page number and virtual page
/// number; 0 means none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Packed {
    root_ppn: u32,
    vpn: u32,
}

impl Packed {
    fn pack(m: Mapping) -> Packed {
        Packed { root_ppn: (m.root / PAGE) as u32, vpn: (m.va / PAGE) as u32 }
    }

    fn unpack(self) -> Option<Mapping> {
        (self.root_ppn != 0).then_some(Mapping { root: self.root_ppn as u64 * PAGE, va: self.vpn as u64 * PAGE })
    }
}

/// The reverse map of a range of frames.
#[derive(Debug, Default)]
pub struct Rmap {
    base: u64,
    inline: FrameMap<[Packed; 2]>,
    more: BTreeMap<u32, Vec<Mapping>>,
}

impl Rmap {
    /// A reverse map for `count` frames from `base`.
    pub fn new(base: u64, count: usize) -> Rmap {
        Rmap { base, inline: FrameMap::new(count), more: BTreeMap::new() }
    }

    fn index(&self, frame: u64) -> Option<usize> {
        let i = frame.checked_sub(self.base)? / PAGE;
        (i < self.inline.len() as u64).then_some(i as usize)
    }

    /// Records that `m` maps `frame`.
    pub fn add(&mut self, frame: u64, m: Mapping) {
        let Some(i) = self.index(frame) else { return };
        match self.inline[i].iter_mut().find(|p| p.unpack().is_none()) {
            Some(free) => *free = Packed::pack(m),
            None => self.more.entry(i as u32).or_default().push(m),
        }
    }

    /// Forgets that `m` maps `frame`.
    pub fn remove(&mut self, frame: u64, m: Mapping) {
        let Some(i) = self.index(frame) else { return };
        let key = i as u32;
        if let Some(held) = self.inline[i].iter_mut().find(|p| p.unpack() == Some(m)) {
            // Promote one of the others, if any.
            let next = self.more.get_mut(&key).and_then(Vec::pop);
            *held = next.map(Packed::pack).unwrap_or_default();
        } else if let Some(rest) = self.more.get_mut(&key) {
            rest.retain(|&other| other != m);
        }
        if self.more.get(&key).is_some_and(Vec::is_empty) {
            self.more.remove(&key);
        }
    }

    /// Every mapping of `frame`.
    pub fn mappings(&self, frame: u64) -> Vec<Mapping> {
        let Some(i) = self.index(frame) else { return Vec::new() };
        let inline = self.inline[i].iter().filter_map(|p| p.unpack());
        let rest = self.more.get(&(i as u32)).map(Vec::as_slice).unwrap_or(&[]);
        inline.chain(rest.iter().copied()).collect()
    }

    /// How many entries map `frame`.
    pub fn count(&self, frame: u64) -> usize {
        let Some(i) = self.index(frame) else { return 0 };
        let inline = self.inline[i].iter().filter(|p| p.unpack().is_some()).count();
        inline + self.more.get(&(i as u32)).map_or(0, Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u64 = 0x8010_0000;

    fn m(root: u64, va: u64) -> Mapping {
        Mapping { root, va }
    }

    #[test]
    fn mappings_are_added_and_removed_in_any_order() {
        let mut rmap = Rmap::new(BASE, 4);
        let frame = BASE + PAGE;
        let (a, b, c) = (m(0x8020_0000, 0x1000), m(0x8021_0000, 0x1000), m(0x8022_0000, 0x7fff_f000));
        rmap.add(frame, a);
        rmap.add(frame, b);
        rmap.add(frame, c);
        assert_eq!(rmap.count(frame), 3);
        rmap.remove(frame, a);
        let mut left = rmap.mappings(frame);
        left.sort();
        assert_eq!(left, [b, c]);
        rmap.remove(frame, c);
        rmap.remove(frame, b);
        assert_eq!(rmap.count(frame), 0);
        assert!(rmap.more.is_empty(), "the side table is emptied");
        assert_eq!(rmap.count(BASE), 0, "other frames are untouched");
    }

    #[test]
    fn frames_outside_the_range_are_ignored() {
        let mut rmap = Rmap::new(BASE, 1);
        rmap.add(BASE + 9 * PAGE, m(0x8020_0000, 0));
        assert!(rmap.mappings(BASE + 9 * PAGE).is_empty());
    }
}
