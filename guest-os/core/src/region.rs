//! Regions of a process's address space whose pages appear on first
//! touch: the stack, the heap and anonymous mappings (zero-filled), the
//! read-only parts of program images (demand-loaded into the shared pages
//! table), shared-memory attachments (pages of their segment) and private
//! file mappings (copies of the file's pages).

use crate::exec::LoadPlan;
use crate::reloc::{self, RelocError, Relocations};
use crate::shared_pages::ImageId;
use crate::{PAGE, PhysMemory, page_floor};

/// A program image whose read-only pages are shared: the file, its load
/// plan and its relocations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedImage<'a> {
    /// Identity of the image in the shared pages table.
    pub id: ImageId,
    /// Its name, for messages.
    pub name: &'a str,
    /// The ELF file.
    pub bytes: &'a [u8],
    /// Its segments, at its link address.
    pub plan: LoadPlan,
    /// The words that change when it sits away from its link address, or
    /// why it cannot move.
    pub relocs: Result<Relocations, RelocError>,
}

impl<'a> SharedImage<'a> {
    /// The image of ELF file `bytes`, planned as `plan`, with its
    /// relocations read.
    pub fn new(id: ImageId, name: &'a str, bytes: &'a [u8], plan: LoadPlan) -> SharedImage<'a> {
        let relocs = reloc::parse(bytes, &plan);
        SharedImage { id, name, bytes, plan, relocs }
    }

    /// The permissions of `page` (at the link address) if it can be
    /// shared: every segment touching it is read-only. A page any writable
    /// segment touches is private to each process (loaded at exec or bind,
    /// COW after fork).
    pub fn shared_flags(&self, page: u64) -> Option<u64> {
        let page = page_floor(page);
        let mut flags = 0;
        for s in self.plan.segments.iter().filter(|s| s.vaddr < page + PAGE && page < s.vaddr + s.memsz) {
            if s.flags & crate::pte::W != 0 {
                return None;
            }
            flags |= s.flags;
        }
        (flags != 0).then_some(flags)
    }

    /// Fills the (zeroed) frame at `frame` with `page` (at the link
    /// address) of the image moved `delta` bytes from its link address:
    /// its bytes, then its relocated words. Returns whether a relocated
    /// word touched it (it is then taken to differ from the image).
    pub fn fill_page(&self, mem: &mut impl PhysMemory, frame: u64, page: u64, delta: u64) -> bool {
        let page = page_floor(page);
        self.plan.fill_page(self.bytes, mem, frame, page);
        let Ok(relocs) = &self.relocs else { return false };
        let mut relocated = false;
        for patch in relocs.patches(page, delta) {
            mem.write(frame + patch.offset as u64, patch.bytes());
            relocated = true;
        }
        relocated
    }

    /// Whether the image can sit `delta` bytes from its link address.
    pub fn movable(&self, delta: u64) -> Result<(), RelocError> {
        match &self.relocs {
            Err(e) if delta != 0 => Err(*e),
            _ => Ok(()),
        }
    }

    /// The address range the image's segments span at its link address,
    /// in whole pages.
    pub fn span(&self) -> (u64, u64) {
        let start = self.plan.segments.iter().map(|s| page_floor(s.vaddr)).min().unwrap_or(0);
        (start, self.plan.brk)
    }

    /// Its link address: where its first page goes unless bound elsewhere.
    pub fn link_base(&self) -> u64 {
        self.span().0
    }

    /// Bytes from its first page to the end of its last.
    pub fn size(&self) -> u64 {
        let (start, end) = self.span();
        end - start
    }
}

/// What backs a region's pages that are not mapped yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing<'a> {
    /// Zero-filled frames (the stack, the heap).
    Zero,
    /// The image's read-only pages, through the shared pages table; the
    /// image's first page is at the region's start.
    Image(&'a SharedImage<'a>),
    /// A shared-memory segment's pages.
    Shm {
        /// The segment.
        id: i32,
        /// Attached read-write.
        writable: bool,
        /// The segment's page at the region's start (a partly unmapped
        /// mapping starts further in).
        first: u64,
    },
    /// A private mapping of a file: each page starts as a copy of the
    /// file's bytes there (zero past its end).
    File {
        /// The file's name (for `/proc/self/maps`).
        name: &'a str,
        /// The file's contents.
        bytes: &'a [u8],
        /// The file offset at the region's start.
        offset: u64,
    },
}

/// A range of user addresses whose pages are created on first touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandRegion<'a> {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// Flags of zero-filled pages (U is added); image pages take their
    /// segments' flags.
    pub flags: u64,
    /// Where the pages come from.
    pub backing: Backing<'a>,
}

impl<'a> DemandRegion<'a> {
    /// A zero-filled region.
    pub fn zero(start: u64, end: u64, flags: u64) -> DemandRegion<'a> {
        DemandRegion { start, end, flags, backing: Backing::Zero }
    }

    /// An attachment of shared-memory segment `id`: `pages` pages from
    /// `start`.
    pub fn shm(start: u64, pages: u64, id: i32, writable: bool) -> DemandRegion<'a> {
        let backing = Backing::Shm { id, writable, first: 0 };
        DemandRegion { start, end: start + pages * PAGE, flags: 0, backing }
    }

    /// A private mapping of file `name`'s `bytes` from file offset
    /// `offset`, `pages` pages from `start`, with entry flags `flags`.
    pub fn file(
        start: u64,
        pages: u64,
        flags: u64,
        (name, bytes): (&'a str, &'a [u8]),
        offset: u64,
    ) -> DemandRegion<'a> {
        DemandRegion { start, end: start + pages * PAGE, flags, backing: Backing::File { name, bytes, offset } }
    }

    /// The region of a shared image's segments, at its link address.
    pub fn image(image: &'a SharedImage<'a>) -> DemandRegion<'a> {
        DemandRegion::image_at(image, image.link_base())
    }

    /// The region of a shared image's segments, its first page at `base`.
    pub fn image_at(image: &'a SharedImage<'a>, base: u64) -> DemandRegion<'a> {
        DemandRegion { start: base, end: base + image.size(), flags: 0, backing: Backing::Image(image) }
    }

    /// Whether `va` lies in the region.
    pub fn contains(&self, va: u64) -> bool {
        self.start <= va && va < self.end
    }

    /// Whether the region overlaps `[start, end)`.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start < end && start < self.end
    }

    /// The part of the region inside `[start, end)` (which must overlap
    /// it), its backing moved on to match: what is left of it when the
    /// rest is unmapped. An image's region cannot be cut (its pages are
    /// found from its start), so it is returned whole.
    pub fn slice(&self, start: u64, end: u64) -> DemandRegion<'a> {
        let (from, to) = (start.max(self.start), end.min(self.end));
        let skipped = from - self.start;
        let backing = match self.backing {
            Backing::Image(_) => return *self,
            Backing::Shm { id, writable, first } => Backing::Shm { id, writable, first: first + skipped / PAGE },
            Backing::File { name, bytes, offset } => Backing::File { name, bytes, offset: offset + skipped },
            Backing::Zero => Backing::Zero,
        };
        DemandRegion { start: from, end: to, flags: self.flags, backing }
    }

    /// What is left of the region when `[start, end)` is cut out of it:
    /// nothing, one piece or two.
    pub fn cut(&self, start: u64, end: u64) -> impl Iterator<Item = DemandRegion<'a>> + '_ {
        let before = (self.start < start).then(|| self.slice(self.start, start.min(self.end)));
        let after = (end < self.end).then(|| self.slice(end.max(self.start), self.end));
        before.into_iter().chain(after)
    }
}

/// The highest `start` with `[start, start + len)` inside `[low, high)`
/// and overlapping none of the `occupied` ranges (given as `(start, end)`,
/// in any order): where a top-down allocator of address space puts a new
/// mapping, as Linux's mmap does.
pub fn highest_gap(occupied: &mut [(u64, u64)], len: u64, low: u64, high: u64) -> Option<u64> {
    occupied.sort_unstable_by_key(|&(_, end)| core::cmp::Reverse(end));
    let mut top = high;
    for &(start, end) in occupied.iter() {
        if end <= top && top - end >= len && top - len >= low {
            return Some(top - len);
        }
        top = top.min(start);
    }
    (top >= low.saturating_add(len)).then(|| top - len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pte;
    use alloc::vec::Vec;

    #[test]
    fn gaps_are_found_from_the_top_down() {
        let mut used = [(0x1000, 0x3000), (0x8000, 0x9000), (0x6000, 0x7000)];
        assert_eq!(highest_gap(&mut used, 0x1000, 0x1000, 0xa000), Some(0x9000), "just below the top");
        assert_eq!(highest_gap(&mut used, 0x2000, 0x1000, 0x9000), Some(0x4000), "between two ranges");
        assert_eq!(highest_gap(&mut used, 0x3000, 0x1000, 0x9000), Some(0x3000));
        assert_eq!(highest_gap(&mut used, 0x4000, 0x1000, 0x9000), None, "nowhere big enough");
        assert_eq!(highest_gap(&mut [], 0x1000, 0x5000, 0x5800), None, "smaller than the window");
        assert_eq!(highest_gap(&mut [(0x0, 0x2000)], 0x1000, 0x1000, 0x4000), Some(0x3000));
    }

    #[test]
    fn cutting_a_region_moves_its_backing_on() {
        let shm = DemandRegion::shm(0x10_000, 4, 7, true);
        let left: Vec<_> = shm.cut(0x11_000, 0x12_000).collect();
        assert_eq!(left.len(), 2, "a hole in the middle leaves two pieces");
        assert_eq!((left[0].start, left[0].end, left[0].backing), (0x10_000, 0x11_000, shm.backing));
        let after = Backing::Shm { id: 7, writable: true, first: 2 };
        assert_eq!((left[1].start, left[1].end, left[1].backing), (0x12_000, 0x14_000, after));
        let file = DemandRegion::file(0x10_000, 3, pte::R, ("f", b"abc"), PAGE);
        let tail: Vec<_> = file.cut(0x0, 0x12_000).collect();
        let moved = Backing::File { name: "f", bytes: b"abc", offset: 3 * PAGE };
        assert_eq!((tail.len(), tail[0].start, tail[0].backing, tail[0].flags), (1, 0x12_000, moved, pte::R));
        assert_eq!(DemandRegion::zero(0x10_000, 0x12_000, pte::R).cut(0x0, 0x20_000).count(), 0, "all of it");
    }
}
