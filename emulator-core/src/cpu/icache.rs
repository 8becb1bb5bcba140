//! The decoded-instruction cache: each instruction is decoded once and
//! kept, keyed by the host address of its bytes, so the hot loop neither
//! reads nor decodes it again.
//!
//! Keyed by where the bytes are (not by virtual address), the cache needs
//! nothing when translations change. It must see every change of the bytes
//! instead: RAM pages that hold cached code are *code pages*; the host fast
//! path never caches a store to one (so stores to code always reach
//! [`ICache::stored`] through the slow path), and a store to one of its
//! 64-byte lines that holds decoded code drops the page's decoded
//! instructions (and blocks and translations). A store to the page's other
//! lines (data beside code, as riscv-tests and small programs lay them
//! out) changes nothing, as on QEMU, which keeps a bitmap of a page's code
//! the same way: dropping the page at each such store made translated code
//! slower than interpreting (a bare-metal benchmark with its tables on its
//! last code page: 247 MIPS under jit against 1,282 with them apart).

use super::block::BlockCache;
use crate::isa::Decoded;
use std::mem::MaybeUninit;

/// Entries at first (a power of two): 2-byte granules, direct-mapped, 16
/// KiB of code; a short run touches the page of each entry it fills.
const FEW_ENTRIES: usize = 1 << 13;
/// Entries once the hart has run a while ([`ICache::grow`]): 128 KiB of
/// code (16 KiB made Linux decode its hot code over and over). Allocated
/// zeroed, so that the pages of entries never used are never touched.
const MANY_ENTRIES: usize = 1 << 16;
/// Steps after which the caches grow: the kernel's boot in `rvsim run
/// hello` is 0.7 million.
pub const GROW_AFTER: u64 = 1 << 22;
/// The host address no instruction has (RAM is never at host address 0).
const EMPTY: usize = 0;

#[derive(Clone, Copy)]
struct Slot {
    /// Host address of the instruction's first byte, or [`EMPTY`].
    host: usize,
    /// The instruction, initialized unless `host` is [`EMPTY`].
    decoded: MaybeUninit<Decoded>,
}

/// The cache, and which RAM pages hold code it decoded.
pub struct ICache {
    slots: Box<[Slot]>,
    /// Entries less one (a power of two less one).
    mask: usize,
    /// One bit per 4 KiB page of RAM, by offset into RAM.
    code_pages: Vec<u64>,
    /// For each page of RAM, one bit per 64-byte line holding decoded
    /// code (meaningful on code pages only).
    code_lines: Vec<u64>,
    /// Host address of the start of RAM.
    ram_host: usize,
    /// Blocks of decoded instructions, dropped with the code they hold.
    pub(super) blocks: BlockCache,
    /// How many times a page became a code page.
    code_pages_marked: u64,
    /// The translator and the blocks it translated, when it is on: they
    /// are dropped with the code they hold, as blocks are.
    pub(super) jit: Option<Box<super::jit::Jit>>,
    /// The translator is wanted (`--engine jit`) but not started yet: it
    /// starts once the hart has run `jit_tuning.start` steps, so that a
    /// short run never pays for it.
    pub(super) jit_wanted: bool,
    /// When blocks are translated.
    pub(super) jit_tuning: crate::engine::JitTuning,
}

impl ICache {
    /// An empty cache for a RAM of `ram_size` bytes starting at host
    /// address `ram_host`.
    pub fn new(ram_host: usize, ram_size: u64) -> ICache {
        let pages = ram_size.div_ceil(4096) as usize;
        let slots = Self::slots(FEW_ENTRIES);
        ICache {
            slots,
            mask: FEW_ENTRIES - 1,
            code_pages: vec![0; pages.div_ceil(64)],
            code_lines: vec![0; pages],
            ram_host,
            blocks: BlockCache::new(super::block::FEW_BLOCKS),
            code_pages_marked: 0,
            jit: None,
            jit_wanted: false,
            jit_tuning: crate::engine::JitTuning::default(),
        }
    }

    /// How many times a page became a code page, ever: a hart whose host
    /// fast path was built when the count was lower may hold store entries
    /// for a page that is code now.
    pub fn code_pages_marked(&self) -> u64 {
        self.code_pages_marked
    }

    /// `count` empty slots.
    fn slots(count: usize) -> Box<[Slot]> {
        // SAFETY: all zeroes is a valid slot: empty, its instruction
        // uninitialized.
        unsafe { Box::<[Slot]>::new_zeroed_slice(count).assume_init() }
    }

    /// Makes the caches as large as a long run wants them (emptying
    /// them), once: see [`FEW_ENTRIES`] and `block::FEW_BLOCKS`. Called
    /// between blocks, before any translation exists.
    pub fn grow(&mut self) {
        if self.mask + 1 < MANY_ENTRIES {
            self.clear();
            self.slots = Self::slots(MANY_ENTRIES);
            self.mask = MANY_ENTRIES - 1;
            self.blocks = BlockCache::new(super::block::MANY_BLOCKS);
        }
    }

    /// Whether the caches have grown.
    pub fn grown(&self) -> bool {
        self.mask + 1 >= MANY_ENTRIES
    }

    #[inline(always)]
    fn index(&self, host: usize) -> usize {
        (host >> 1) & self.mask
    }

    /// The instruction decoded at host address `host`, if cached.
    #[inline(always)]
    pub fn get(&self, host: usize) -> Option<Decoded> {
        let slot = &self.slots[self.index(host)];
        // SAFETY: a slot holding a host address holds its instruction.
        (slot.host == host && host != EMPTY).then(|| unsafe { slot.decoded.assume_init() })
    }

    /// Caches `decoded`, whose bytes are at `host`. Returns true when its
    /// page just became a code page: the caller must drop the page's store
    /// entries from the host fast path.
    pub fn insert(&mut self, host: usize, decoded: Decoded) -> bool {
        self.slots[self.index(host)] = Slot { host, decoded: MaybeUninit::new(decoded) };
        let offset = host - self.ram_host;
        let page = offset >> 12;
        if let Some(lines) = self.code_lines.get_mut(page) {
            // An instruction in the cache lies within its page.
            let (first, last) = ((offset >> 6) & 63, ((offset + decoded.len as usize - 1) >> 6) & 63);
            *lines |= (1 << first) | (1 << last);
        }
        let (word, bit) = (page / 64, 1u64 << (page % 64));
        match self.code_pages.get_mut(word) {
            Some(bits) if *bits & bit == 0 => {
                *bits |= bit;
                self.code_pages_marked += 1;
                true
            }
            _ => false,
        }
    }

    /// Whether the RAM page at `offset` (bytes into RAM) holds cached code.
    #[inline]
    pub fn is_code(&self, offset: u64) -> bool {
        let page = (offset >> 12) as usize;
        self.code_pages.get(page / 64).is_some_and(|bits| bits & (1 << (page % 64)) != 0)
    }

    /// A store of at most 8 aligned bytes (which stay within one line)
    /// reached RAM at `offset`: if it hit a line of decoded code, the
    /// page's decoded instructions go, and the result is true.
    #[inline]
    pub fn stored(&mut self, offset: u64) -> bool {
        let code = self.is_code(offset)
            && self
                .code_lines
                .get((offset >> 12) as usize)
                .is_some_and(|lines| lines & (1 << ((offset >> 6) & 63)) != 0);
        if code {
            self.drop_page(offset >> 12);
        }
        code
    }

    /// The page of RAM at `offset` was written, anywhere in it (a
    /// device's DMA): if it is a code page, its decoded instructions go,
    /// and the result is true.
    pub fn page_written(&mut self, offset: u64) -> bool {
        let code = self.is_code(offset);
        if code {
            self.drop_page(offset >> 12);
        }
        code
    }

    fn drop_page(&mut self, page: u64) {
        let start = self.ram_host + (page as usize) * 4096;
        for host in (start..start + 4096).step_by(2) {
            let slot = &mut self.slots[self.index(host)];
            if slot.host == host {
                slot.host = EMPTY;
            }
        }
        self.blocks.drop_page(start);
        if let Some(jit) = self.jit.as_deref_mut() {
            jit.drop_page(start);
        }
        let page = page as usize;
        if let Some(bits) = self.code_pages.get_mut(page / 64) {
            *bits &= !(1 << (page % 64));
        }
        if let Some(lines) = self.code_lines.get_mut(page) {
            *lines = 0;
        }
    }

    /// Empties the cache (`fence.i`, or memory written by a tool).
    pub fn clear(&mut self) {
        for slot in self.slots.iter_mut() {
            slot.host = EMPTY;
        }
        self.code_pages.fill(0);
        self.code_lines.fill(0);
        self.blocks.clear();
        if let Some(jit) = self.jit.as_deref_mut() {
            jit.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_stay_decoded_until_their_page_is_written() {
        let base = 0x10_0000usize;
        let mut cache = ICache::new(base, 1 << 20);
        let d = crate::isa::Decoder::get().decode(0x0010_0093); // addi ra,zero,1
        assert!(cache.get(base + 0x2004).is_none());
        assert!(cache.insert(base + 0x2004, d), "the page becomes a code page");
        assert!(!cache.insert(base + 0x2008, d), "it already is one");
        assert_eq!(cache.get(base + 0x2004).map(|d| d.raw), Some(0x0010_0093));
        assert!(cache.is_code(0x2000) && !cache.is_code(0x3000));
        cache.stored(0x3010);
        assert!(cache.get(base + 0x2004).is_some(), "a store elsewhere changes nothing");
        cache.stored(0x2ff8);
        assert!(cache.get(base + 0x2004).is_some(), "nor does a store to a line of the page without code");
        cache.stored(0x2008);
        assert!(
            cache.get(base + 0x2004).is_none() && cache.get(base + 0x2008).is_none(),
            "a store to a line of code drops the page"
        );
        assert!(!cache.is_code(0x2000));
        cache.insert(base + 0x2004, d);
        cache.clear();
        assert!(cache.get(base + 0x2004).is_none());
    }

    #[test]
    fn a_slot_holds_one_instruction_at_a_time() {
        let base = 0x10_0000usize;
        let mut cache = ICache::new(base, 1 << 20);
        let decoder = crate::isa::Decoder::get();
        cache.insert(base, decoder.decode(0x0010_0093));
        // The same index, another page.
        cache.insert(base + 2 * FEW_ENTRIES, decoder.decode(0x0020_0093));
        assert!(cache.get(base).is_none());
        assert_eq!(cache.get(base + 2 * FEW_ENTRIES).map(|d| d.raw), Some(0x0020_0093));
    }
}
