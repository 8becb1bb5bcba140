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
//! Under memory pressure the pager may take a shared page's frame: every
//! sharer's entry is cleared, and the entry stays in the table, not
//! resident, with its history; the next fault loads the page again from
//! the image. An entry whose last sharer unmaps it while it is resident
//! leaves the table with its frame.

use alloc::collections::BTreeMap;

use crate::PhysMemory;
use crate::frame::{FrameTable, OutOfMemory};
use crate::pager::Pager;

/// Which program image a page belongs to (the kernel uses the image's
/// address in the initrd, unique and stable for the whole run).
pub type ImageId = u64;

/// A page of an image: (image, page index = virtual address >> 12; the
/// images are position-dependent, so the index is the same for every
/// sharer).
pub type PageKey = (ImageId, u64);

/// One shared page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// Counters of the table's use, for `memstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedStats {
    /// Faults that found their page in the table.
    pub hits: u64,
    /// Faults that loaded their page from the image.
    pub misses: u64,
    /// Pages the pager took out of memory (clean: dropped).
    pub evictions: u64,
}

/// The table.
#[derive(Debug, Default)]
pub struct SharedPagesTable {
    pages: BTreeMap<PageKey, SharedPage>,
    /// Frame to key, for unmaps (a PTE knows only its frame).
    keys: BTreeMap<u64, PageKey>,
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
    /// miss, also for an entry the pager took out of memory). The caller
    /// maps it; the mapping holds the frame reference.
    pub fn get_or_load<M: PhysMemory>(
        &mut self,
        key: PageKey,
        frames: &mut FrameTable,
        pager: &mut Pager,
        mem: &mut M,
        load: impl FnOnce(&mut M, u64),
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
        load(mem, frame);
        let page = self.pages.entry(key).or_insert(SharedPage {
            frame: None,
            sharers: 0,
            references: 0,
            history: 0,
            loads: 0,
        });
        (page.frame, page.sharers, page.loads) = (Some(frame), 1, page.loads + 1);
        self.keys.insert(frame, key);
        self.stats.misses += 1;
        Ok((frame, false))
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

    /// The pager took the page in `frame` out of memory: its sharers'
    /// entries are cleared and their references dropped (by the caller);
    /// the entry stays, not resident.
    pub fn evicted(&mut self, frame: u64) -> Option<PageKey> {
        let key = self.keys.remove(&frame)?;
        if let Some(page) = self.pages.get_mut(&key) {
            (page.frame, page.sharers) = (None, 0);
        }
        self.stats.evictions += 1;
        Some(key)
    }

    /// The page the frame `frame` holds, if it is a shared page.
    pub fn key_of(&self, frame: u64) -> Option<PageKey> {
        self.keys.get(&frame).copied()
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
        let load = |mem: &mut TestMemory, pa: u64| mem.write(pa, b"text");
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
        assert_eq!(table.stats, SharedStats { hits: 1, misses: 1, evictions: 0 });
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
        let (a, _) = table.get_or_load((1, 0x10), &mut frames, &mut pager, &mut mem, |_, _| {}).unwrap();
        let (b, _) = table.get_or_load((2, 0x10), &mut frames, &mut pager, &mut mem, |_, _| {}).unwrap();
        let (c, _) = table.get_or_load((1, 0x11), &mut frames, &mut pager, &mut mem, |_, _| {}).unwrap();
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
        assert_eq!(table.get_or_load((1, 1), &mut frames, &mut pager, &mut mem, |_, _| {}), Err(OutOfMemory));
        assert_eq!(table.frames(), 0);
    }
}
