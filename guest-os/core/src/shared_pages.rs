//! The shared pages table: one physical copy of each read-only page of a
//! program image (text, rodata), whoever runs it.
//!
//! Keyed by (image, page index), as in the textbook arrangement, each
//! entry records the page's frame while it is in memory, its number of
//! sharers (the page-table entries that map it, each holding a reference
//! to the frame), and the reference information the pager gathers from
//! the sharers' accessed bits. Sharers' PTEs carry the "shared" RSW mark,
//! so that a page fault or an unmap knows to come here. A page fault on a
//! shared page maps the frame already in the table (a hit) or loads the
//! page from the image (a miss): program text is demand-loaded, and loaded
//! only if it is not already in memory.
//!
//! An image's pages sit at one address in every process that maps them
//! (its *placement*, recorded here per image): a program's at its link
//! address; a shared code object's wherever the first process to bind it
//! chose, its address-sensitive words relocated for that address as each
//! page is loaded (see [`crate::reloc`]). The placement lasts while some
//! address space maps the image; when the last is gone and no entry of the
//! image is left, the next process to map it chooses again.
//!
//! Under memory pressure the pager may take a shared page's frame: every
//! sharer's entry is cleared, and the entry stays in the table, not
//! resident, with its history. A page as its image has it is dropped, and
//! the next fault loads it again from the image; a relocated page differs
//! from its image, so it is written to a swap slot that the entry keeps,
//! and the next fault reads it back (freeing the slot). An entry whose
//! last sharer unmaps it while it is resident leaves the table with its
//! frame; entries not resident leave when the last address space mapping
//! their image goes.

use alloc::collections::BTreeMap;

use crate::PhysMemory;
use crate::frame::{FrameTable, OutOfMemory};
use crate::pager::Pager;
use crate::swap::Slot;

/// Which program image a page belongs to (the kernel uses the image's
/// address in the initrd, unique and stable for the whole run).
pub type ImageId = u64;

/// A page of an image: (image, page index = virtual address >> 12; every
/// sharer maps the image at its one placement, so the index is the same
/// for all of them).
pub type PageKey = (ImageId, u64);

/// One shared page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedPage {
    /// The frame holding the page, while it is in memory.
    pub frame: Option<u64>,
    /// Page-table entries mapping it.
    pub sharers: u32,
    /// Times a sharer's accessed bit was found set (at an unmap, or when
    /// the pager or `sharedpages` gathers them).
    pub references: u64,
    /// The pager's examinations, newest in the lowest bit: 1 where some
    /// sharer had referenced the page since the one before.
    pub history: u8,
    /// Times the page was loaded from the image.
    pub loads: u32,
    /// Relocated for its placement: it differs from the image, so the
    /// pager writes it to swap instead of dropping it.
    pub relocated: bool,
    /// The swap slot holding it while the pager has it out of memory
    /// there (0: none).
    pub slot: Slot,
}

/// Counters of the table's use, for `memstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedStats {
    /// Faults that found their page in the table.
    pub hits: u64,
    /// Faults that loaded their page from the image.
    pub misses: u64,
    /// Pages the pager took out of memory (dropped, or written to swap).
    pub evictions: u64,
    /// Of those, relocated pages written to swap.
    pub to_swap: u64,
    /// Faults that read a relocated page back from swap.
    pub from_swap: u64,
}

/// Where an image's pages sit in every address space that maps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The address of the image's first page.
    pub base: u64,
    /// Address spaces mapping the image there (processes that ran or
    /// bound it, and their forks).
    pub users: u32,
}

/// The image is placed at another address: this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacedElsewhere(pub u64);

/// The table.
#[derive(Debug, Default)]
pub struct SharedPagesTable {
    pages: BTreeMap<PageKey, SharedPage>,
    /// Frame to key, for unmaps (a PTE knows only its frame).
    keys: BTreeMap<u64, PageKey>,
    /// Each mapped image's placement.
    placements: BTreeMap<ImageId, Placement>,
    /// Counters.
    pub stats: SharedStats,
}

impl SharedPagesTable {
    /// An empty table.
    pub fn new() -> SharedPagesTable {
        SharedPagesTable::default()
    }

    /// The frame for page `key`, with one more sharer: the one in the
    /// table (a hit), or a new frame that `load` fills from the image (a
    /// miss, also for an entry the pager dropped); `load` says whether it
    /// relocated the page. The caller maps it; the mapping holds the frame
    /// reference. A page the pager wrote to swap ([`Self::slot`]) must be
    /// read back instead ([`Self::swapped_in`]).
    pub fn get_or_load<M: PhysMemory>(
        &mut self,
        key: PageKey,
        frames: &mut FrameTable,
        pager: &mut Pager,
        mem: &mut M,
        load: impl FnOnce(&mut M, u64) -> bool,
    ) -> Result<(u64, bool), OutOfMemory> {
        if let Some(page) = self.pages.get_mut(&key)
            && let Some(frame) = page.frame
        {
            page.sharers += 1;
            frames.incref(frame);
            self.stats.hits += 1;
            return Ok((frame, true));
        }
        let frame = pager.alloc_user(frames, true).ok_or(OutOfMemory)?;
        mem.zero_page(frame);
        let relocated = load(mem, frame);
        let page = self.pages.entry(key).or_default();
        (page.frame, page.sharers, page.loads, page.relocated) = (Some(frame), 1, page.loads + 1, relocated);
        self.keys.insert(frame, key);
        self.stats.misses += 1;
        Ok((frame, false))
    }

    /// The slot of page `key`, if the pager wrote it to swap.
    pub fn slot(&self, key: PageKey) -> Option<Slot> {
        self.pages.get(&key).filter(|p| p.frame.is_none() && p.slot != 0).map(|p| p.slot)
    }

    /// Page `key` is back from its slot in `frame` (holding one reference,
    /// for the sharer about to map it); the slot is the caller's to free.
    pub fn swapped_in(&mut self, key: PageKey, frame: u64) {
        let page = self.pages.entry(key).or_default();
        (page.frame, page.sharers, page.slot) = (Some(frame), 1, 0);
        self.keys.insert(frame, key);
        self.stats.from_swap += 1;
    }

    /// One more sharer of the page in `frame` (fork copied its PTE).
    pub fn share(&mut self, frames: &mut FrameTable, frame: u64) {
        if let Some(page) = self.keys.get(&frame).and_then(|key| self.pages.get_mut(key)) {
            page.sharers += 1;
            frames.incref(frame);
        }
    }

    /// A sharer unmapped the page in `frame`; `accessed` is its PTE's A
    /// bit. The last sharer takes the entry out and frees the frame.
    pub fn release(&mut self, frames: &mut FrameTable, pager: &mut Pager, frame: u64, accessed: bool) {
        let key = self.keys.get(&frame).copied();
        pager.release_user(frames, frame);
        let Some(key) = key else { return };
        let Some(page) = self.pages.get_mut(&key) else { return };
        page.references += accessed as u64;
        page.sharers = page.sharers.saturating_sub(1);
        if page.sharers == 0 {
            self.pages.remove(&key);
            self.keys.remove(&frame);
        }
    }

    /// The pager took the page in `frame` out of memory, dropped (`slot`
    /// 0) or written to `slot`: its sharers' entries are cleared and their
    /// references dropped (by the caller); the entry stays, not resident.
    pub fn evicted(&mut self, frame: u64, slot: Slot) -> Option<PageKey> {
        let key = self.keys.remove(&frame)?;
        if let Some(page) = self.pages.get_mut(&key) {
            (page.frame, page.sharers, page.slot) = (None, 0, slot);
        }
        self.stats.evictions += 1;
        self.stats.to_swap += (slot != 0) as u64;
        Some(key)
    }

    /// The page the frame `frame` holds, if it is a shared page.
    pub fn key_of(&self, frame: u64) -> Option<PageKey> {
        self.keys.get(&frame).copied()
    }

    /// Whether the shared page in `frame` was relocated (it must go to
    /// swap, not be dropped).
    pub fn relocated(&self, frame: u64) -> bool {
        self.keys.get(&frame).and_then(|key| self.pages.get(key)).is_some_and(|p| p.relocated)
    }

    /// Records a sharer's set accessed bit (the caller clears it in the
    /// PTE and flushes the TLB entry).
    pub fn note_accessed(&mut self, frame: u64) {
        if let Some(page) = self.keys.get(&frame).and_then(|key| self.pages.get_mut(key)) {
            page.references += 1;
        }
    }

    /// Records one examination by the pager: whether some sharer had
    /// referenced the page in `frame` since the last.
    pub fn note_examined(&mut self, frame: u64, referenced: bool) {
        if let Some(page) = self.keys.get(&frame).and_then(|key| self.pages.get_mut(key)) {
            page.history = (page.history << 1) | referenced as u8;
        }
    }

    /// The entry for `key`.
    pub fn get(&self, key: PageKey) -> Option<&SharedPage> {
        self.pages.get(&key)
    }

    /// Every entry, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (&PageKey, &SharedPage)> {
        self.pages.iter()
    }

    /// Frames the table holds (one per resident shared page).
    pub fn frames(&self) -> usize {
        self.keys.len()
    }

    /// One more address space maps `image` with its first page at `base`:
    /// the image's placement, which the first sets; any other address is
    /// refused while the placement lasts (while some address space maps
    /// the image, or some page of it is in the table).
    pub fn place(&mut self, image: ImageId, base: u64) -> Result<(), PlacedElsewhere> {
        if let Some(placed) = self.placements.get(&image)
            && placed.base != base
            && (placed.users > 0 || self.has_pages(image))
        {
            return Err(PlacedElsewhere(placed.base));
        }
        let placement = self.placements.entry(image).or_insert(Placement { base, users: 0 });
        placement.base = base;
        placement.users += 1;
        Ok(())
    }

    /// Whether the table has an entry for a page of `image`.
    fn has_pages(&self, image: ImageId) -> bool {
        self.pages.range((image, 0)..=(image, u64::MAX)).next().is_some()
    }

    /// One more address space maps `image` where it is placed (a fork).
    pub fn join(&mut self, image: ImageId) {
        if let Some(placement) = self.placements.get_mut(&image) {
            placement.users += 1;
        }
    }

    /// An address space that mapped `image` is gone, its pages unmapped.
    /// After the last, the image's entries not in memory leave the table
    /// (their slots freed), and once it has no entry the placement goes.
    pub fn leave(&mut self, image: ImageId, frames: &mut FrameTable, pager: &mut Pager) {
        let Some(placement) = self.placements.get_mut(&image) else { return };
        placement.users = placement.users.saturating_sub(1);
        if placement.users > 0 {
            return;
        }
        let gone: alloc::vec::Vec<PageKey> = self
            .pages
            .range((image, 0)..=(image, u64::MAX))
            .filter(|(_, p)| p.frame.is_none())
            .map(|(&key, _)| key)
            .collect();
        for key in gone {
            if let Some(page) = self.pages.remove(&key) {
                pager.release_slot(frames, page.slot);
            }
        }
        if !self.has_pages(image) {
            self.placements.remove(&image);
        }
    }

    /// The placement of `image`, while it has one.
    pub fn placement(&self, image: ImageId) -> Option<Placement> {
        self.placements.get(&image).copied()
    }

    /// Every placement, by image.
    pub fn placements(&self) -> impl Iterator<Item = (&ImageId, &Placement)> {
        self.placements.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testmem::TestMemory;

    fn pager(count: usize) -> Pager {
        crate::testmem::pager(0x8000_0000, count)
    }

    #[test]
    fn the_first_fault_loads_the_others_share_and_the_last_unmap_frees() {
        let mut frames = FrameTable::new(0x8000_0000, 8, |_| false);
        let mut pager = pager(8);
        let mut mem = TestMemory::default();
        let mut table = SharedPagesTable::new();
        let key = (0x9000_0000, 0x10);
        let load = |mem: &mut TestMemory, pa: u64| {
            mem.write(pa, b"text");
            false
        };
        let (frame, hit) = table.get_or_load(key, &mut frames, &mut pager, &mut mem, load).unwrap();
        assert!(!hit);
        let mut buf = [0u8; 4];
        mem.read(frame, &mut buf);
        assert_eq!(&buf, b"text");
        let (again, hit) =
            table.get_or_load(key, &mut frames, &mut pager, &mut mem, |_, _| panic!("not loaded twice")).unwrap();
        assert_eq!((again, hit), (frame, true));
        table.share(&mut frames, frame);
        assert_eq!(table.get(key).map(|p| p.sharers), Some(3));
        assert_eq!(frames.refcount(frame), 3, "each sharer holds a reference");
        assert_eq!(table.stats, SharedStats { hits: 1, misses: 1, ..SharedStats::default() });
        table.release(&mut frames, &mut pager, frame, true);
        table.release(&mut frames, &mut pager, frame, false);
        assert_eq!(table.get(key).map(|p| (p.sharers, p.references)), Some((1, 1)));
        table.release(&mut frames, &mut pager, frame, true);
        assert!(table.get(key).is_none(), "the last sharer takes the entry out");
        assert_eq!((table.frames(), frames.counts().used()), (0, 0), "and the frame is free");
    }

    #[test]
    fn pages_of_different_images_are_different_pages() {
        let mut frames = FrameTable::new(0x8000_0000, 8, |_| false);
        let mut pager = pager(8);
        let mut mem = TestMemory::default();
        let mut table = SharedPagesTable::new();
        let (a, _) = table.get_or_load((1, 0x10), &mut frames, &mut pager, &mut mem, |_, _| false).unwrap();
        let (b, _) = table.get_or_load((2, 0x10), &mut frames, &mut pager, &mut mem, |_, _| false).unwrap();
        let (c, _) = table.get_or_load((1, 0x11), &mut frames, &mut pager, &mut mem, |_, _| false).unwrap();
        assert!(a != b && a != c && b != c);
        assert_eq!(table.frames(), 3);
        assert_eq!(table.stats.misses, 3);
    }

    #[test]
    fn out_of_memory_on_a_miss_records_nothing() {
        let mut frames = FrameTable::new(0x8000_0000, 1, |_| false);
        let mut pager = pager(1);
        let mut mem = TestMemory::default();
        let mut table = SharedPagesTable::new();
        frames.alloc().unwrap();
        assert_eq!(table.get_or_load((1, 1), &mut frames, &mut pager, &mut mem, |_, _| false), Err(OutOfMemory));
        assert_eq!(table.frames(), 0);
    }

    #[test]
    fn the_first_to_map_an_image_places_it_and_the_last_to_go_lets_the_next_choose() {
        let mut frames = FrameTable::new(0x8000_0000, 8, |_| false);
        let config = crate::pager::PagerConfig {
            policy: crate::replace::Policy::Clock,
            shared_sweeps: 0,
            budget: 8,
            swap_slots: 4,
        };
        let mut pager = Pager::new(config, 0x8000_0000, 8);
        let mut mem = TestMemory::default();
        let mut table = SharedPagesTable::new();
        table.place(1, 0x3000_0000).unwrap();
        assert_eq!(table.place(1, 0x4000_0000), Err(PlacedElsewhere(0x3000_0000)), "every sharer uses the first's");
        table.place(1, 0x3000_0000).unwrap();
        table.join(1);
        assert_eq!(table.placement(1), Some(Placement { base: 0x3000_0000, users: 3 }), "two binds and a fork");
        table.place(2, 0x1_0000).unwrap();
        // A relocated page of image 1, written to swap by the pager.
        let key = (1, 0x3_0001);
        let (frame, _) = table.get_or_load(key, &mut frames, &mut pager, &mut mem, |_, _| true).unwrap();
        assert!(table.relocated(frame));
        let slot = pager.swap.alloc().unwrap();
        assert_eq!(table.evicted(frame, slot), Some(key));
        pager.release_user(&mut frames, frame);
        assert_eq!((table.slot(key), table.stats.to_swap), (Some(slot), 1));
        table.leave(1, &mut frames, &mut pager);
        table.leave(1, &mut frames, &mut pager);
        assert_eq!(table.placement(1).map(|p| p.users), Some(1));
        assert_eq!((table.slot(key), pager.swap.counts().used), (Some(slot), 1), "one still maps it: kept");
        table.leave(1, &mut frames, &mut pager);
        assert_eq!(table.placement(1), None, "the last is gone");
        assert!(table.get(key).is_none(), "with the entry it no longer needs");
        assert_eq!(pager.swap.counts().used, 0, "and its slot");
        table.place(1, 0x4000_0000).expect("the next first binder chooses again");
        assert_eq!(table.placement(2).map(|p| p.base), Some(0x1_0000), "other images are their own");
    }

    #[test]
    fn a_placement_lasts_while_a_page_of_its_image_is_in_the_table() {
        let mut frames = FrameTable::new(0x8000_0000, 8, |_| false);
        let mut pager = pager(8);
        let mut mem = TestMemory::default();
        let mut table = SharedPagesTable::new();
        table.place(1, 0x3000_0000).unwrap();
        let (frame, _) = table.get_or_load((1, 0x3_0000), &mut frames, &mut pager, &mut mem, |_, _| true).unwrap();
        table.leave(1, &mut frames, &mut pager);
        assert_eq!(table.place(1, 0x5000_0000), Err(PlacedElsewhere(0x3000_0000)), "a page is still mapped there");
        table.release(&mut frames, &mut pager, frame, false);
        table.place(1, 0x5000_0000).expect("no user and no page: the old placement is stale");
        assert_eq!(table.placement(1), Some(Placement { base: 0x5000_0000, users: 1 }));
    }
}
