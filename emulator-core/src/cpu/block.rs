//! Blocks: straight-line runs of decoded instructions, executed one after
//! another without fetching, looking up or counting each on its own.
//!
//! A block starts anywhere in a page and ends at the first jump or
//! instruction that may change what fetch depends on (`SYSTEM` and
//! `FENCE` instructions: CSR writes, `sfence.vma`, traps and returns,
//! `wfi`, `fence.i`), at the end of its page, or after [`MAX_OPS`]
//! instructions. Conditional branches stay inside: the block is left
//! where one is taken. Nothing else can change the fetch page except a
//! memory access (a TLB fill that evicts the fetch page's entry, a store
//! to code, a device write that wants attention), so a block looks
//! whether to go on after branches and memory instructions only.
//!
//! A block runs by its instructions' threaded handlers (see
//! `threaded.rs`): each runs its instruction's semantics, inlined, and
//! jumps straight into the next one's.
//!
//! The TLB statistics stay exact: every instruction still stands for one
//! fetch lookup that hits the fetch page's entry. The hits are counted
//! once per block, and under LRU the entry is made most recent before the
//! first instruction and after each memory access (which may have touched
//! another entry); between those nothing else uses the TLB, so this is
//! the order a lookup per instruction would leave.
//!
//! Blocks are keyed, as the decoded-instruction cache is, by the host
//! address of their first byte, and dropped with it: when a store reaches
//! one of their code pages, or at `fence.i`.

use super::{Access, Cpu, threaded};
use crate::isa::{BlockRole, Decoded, Decoder};
use crate::mmu::fast::NO_SLOT;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

/// Longest block, in instructions.
pub const MAX_OPS: usize = 32;
/// Blocks cached at first (a power of two), direct-mapped: a short run
/// touches the page of each block it builds, so more would slow it
/// (`rvsim run hello`: 9.3 ms against 8.1 with 4,096).
pub const FEW_BLOCKS: usize = 1 << 10;
/// Blocks cached once the hart has run a while (see `ICache::grow`):
/// enough for Linux's hot kernel code. Its boot to the prompt builds
/// about 46,000 different blocks; with 8,192 places it built blocks
/// 659,000 times, over others nearly every time (2.6 s to the prompt),
/// with 32,768 places 224,000 times (2.5 s; 65,536: 148,000 times, also
/// 2.5 s, for 40 MB more). The cache is allocated zeroed, so the pages of
/// blocks never used are never touched: the 32,768 places cost that boot
/// 34 MB.
pub const MANY_BLOCKS: usize = 1 << 15;
/// Steps that blocks may run one after another (see [`Cpu::chain`])
/// before the dispatcher has them again: without tail calls every
/// instruction of the chain would be a call nested in the last, so this
/// bounds the stack.
const CHAIN_STEPS: u64 = 4096;
/// The host address no block starts at (RAM is never at host address 0).
const EMPTY: usize = 0;
/// One block (its key, the host address of its first byte, is kept apart
/// in [`BlockCache`]'s `hosts`).
pub struct Block {
    /// Instructions in `ops`.
    len: usize,
    /// Runs of the block since it was built, for the translator: at
    /// `JitTuning::hot` it is sent to be translated.
    pub(super) runs: u32,
    /// Its translated code, once there is some (null until then).
    pub(super) code: *const u8,
    /// The instructions; the first `len` are initialized, and followed by
    /// one whose threaded handler ends the block.
    ops: [MaybeUninit<Decoded>; MAX_OPS + 1],
}

/// The blocks, direct-mapped by host address.
///
/// They live in an allocation of their own, reached through a raw
/// pointer, so that a block's instructions can be executed in place: the
/// `&Decoded` an instruction's semantics get points outside the `Cpu`
/// those semantics mutate. Nothing writes a block's instructions while it
/// runs (blocks are built only between blocks; dropping one writes only
/// its key).
pub struct BlockCache {
    /// Host address of each block's first instruction, or [`EMPTY`]: kept
    /// apart from the blocks so that lookups touch a few cache lines.
    hosts: Box<[usize]>,
    blocks: NonNull<Block>,
    /// Blocks there are room for, less one (a power of two less one).
    mask: usize,
}

// SAFETY: the cache owns its allocation exclusively; moving it to another
// thread moves that ownership.
unsafe impl Send for BlockCache {}

impl BlockCache {
    /// An empty cache of `count` blocks (a power of two).
    pub fn new(count: usize) -> BlockCache {
        let count = count.next_power_of_two();
        // SAFETY: all zeroes is a valid block: no instructions, no code
        // (a null pointer), uninitialized `ops`.
        let blocks: Box<[Block]> = unsafe { Box::new_zeroed_slice(count).assume_init() };
        let raw = Box::into_raw(blocks) as *mut Block;
        BlockCache {
            hosts: vec![EMPTY; count].into_boxed_slice(),
            blocks: NonNull::new(raw).unwrap_or_else(|| unreachable!("a Box is never null")),
            mask: count - 1,
        }
    }

    #[inline(always)]
    fn index(&self, host: usize) -> usize {
        (host >> 1) & self.mask
    }

    #[inline(always)]
    fn at(&self, index: usize) -> *mut Block {
        // SAFETY: the index is masked below the count of blocks.
        unsafe { self.blocks.as_ptr().add(index & self.mask) }
    }

    /// The block starting at `host`, if cached.
    #[inline(always)]
    pub(super) fn get(&self, host: usize) -> Option<*mut Block> {
        let index = self.index(host);
        (host != EMPTY && self.hosts.get(index) == Some(&host)).then(|| self.at(index))
    }

    /// Drops the blocks of the 4 KiB page of RAM starting at host address
    /// `page` (RAM is page-aligned on the host, so a block's page is its
    /// host address rounded down).
    pub fn drop_page(&mut self, page: usize) {
        for host in self.hosts.iter_mut().filter(|h| **h & !0xfff == page) {
            *host = EMPTY;
        }
    }

    /// Drops every block.
    pub fn clear(&mut self) {
        self.hosts.fill(EMPTY);
    }
}

impl Drop for BlockCache {
    fn drop(&mut self) {
        let blocks = std::ptr::slice_from_raw_parts_mut(self.blocks.as_ptr(), self.mask + 1);
        // SAFETY: made by `Box::into_raw` of a slice of `mask + 1` blocks in
        // `new`.
        drop(unsafe { Box::from_raw(blocks) });
    }
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache::new(FEW_BLOCKS)
    }
}

/// The first instruction of `block`, followed by the rest and the block's
/// end.
///
/// # Safety
/// `block` points at a live block.
#[inline(always)]
unsafe fn first_op(block: *const Block) -> *const Decoded {
    // SAFETY: taking a field's address reads nothing; `MaybeUninit<Decoded>`
    // has `Decoded`'s layout.
    unsafe { std::ptr::addr_of!((*block).ops) as *const Decoded }
}

impl Cpu {
    /// Runs the block at `pc` when fetch is on its fast path there and the
    /// whole block fits before the deadline. Returns false, having done
    /// nothing, otherwise: the caller then takes a single step. With
    /// `TRANSLATING`, a block's translated code runs instead when it has
    /// some, and a block is sent to be translated when it becomes hot.
    #[inline(always)]
    pub(super) fn run_block<const TRANSLATING: bool>(&mut self) -> bool {
        let pc = self.pc;
        if pc & 0xfff > 0xffc || (pc >> 12 != self.fetch_page && !self.enter_fetch_page(pc)) {
            return false;
        }
        let host = (pc as usize).wrapping_add(self.fetch_addend);
        let block = match self.icache.blocks.get(host) {
            Some(block) => block,
            None => self.build_block(pc, host),
        };
        if TRANSLATING {
            // SAFETY: a live block, as below; nothing else refers to it now.
            let (code, runs) = unsafe { ((*block).code, &mut (*block).runs) };
            if !code.is_null() {
                return self.run_translated(pc, host, code);
            }
            *runs = runs.saturating_add(1);
            if *runs >= self.icache.jit_tuning.hot {
                self.warm_block(host, block);
            }
        }
        // SAFETY: the cache's blocks are allocated once and never move,
        // outside the `Cpu`. While a block runs nothing builds blocks, and
        // dropping one (a store to its page) only clears its key; the
        // block is left after such a store.
        let len = unsafe { (*block).len };
        if self.deadline - self.steps < len as u64 {
            return false;
        }
        // SAFETY: a live block, as above.
        let first = unsafe { first_op(block) };
        if self.fetch_slot != NO_SLOT {
            self.mmu.tlb.touch(self.fetch_slot as usize);
        }
        let first_step = self.steps;
        let lag = first_step - self.retired;
        self.block_lag = lag;
        // The translating engine counts blocks' runs here: it chains its
        // own code.
        self.chain_end = if TRANSLATING { 0 } else { self.deadline.min(first_step + CHAIN_STEPS) };
        // SAFETY: a live block, its instructions followed by its end.
        let steps = unsafe { ((*first).threaded)(self, first, pc, first_step) };
        // The last instruction run retired unless it trapped.
        let trapped = self.block_trap.take();
        self.steps = steps;
        self.retired = steps - lag - trapped.is_some() as u64;
        // Counted after the block, so that nothing inside it keeps a count.
        self.count_fetches(steps - first_step);
        if let Some(e) = trapped {
            self.raise(e);
        }
        true
    }

    /// Runs the block at `pc` straight after the one whose taken branch or
    /// jump went there (`steps` steps in), when it is on the same fetch
    /// page, already built, and fits before the chain's end; returns
    /// `steps`, leaving it to the dispatcher, otherwise. The counts stay
    /// exact: the fetch page's entry is the one the whole chain's fetch
    /// hits are counted on, and it is the most recent already (made so
    /// when the first block began and after every access since).
    ///
    /// # Safety
    /// Called from a threaded handler, while a block runs.
    #[inline(always)]
    pub(super) unsafe fn chain(&mut self, pc: u64, steps: u64) -> u64 {
        // (No block starts in a page's last two bytes: `run_block` builds
        // none there, so the lookup finds none.)
        if pc >> 12 != self.fetch_page {
            return steps;
        }
        let host = (pc as usize).wrapping_add(self.fetch_addend);
        let Some(block) = self.icache.blocks.get(host) else { return steps };
        // SAFETY: a live block (see `run_block`).
        let len = unsafe { (*block).len } as u64;
        if self.chain_end.saturating_sub(steps) < len {
            return steps;
        }
        // SAFETY: as in `run_block`.
        unsafe {
            let first = first_op(block);
            ((*first).threaded)(self, first, pc, steps)
        }
    }

    /// Counts the fetch hits of `n` instructions of a block, when the
    /// fetch page has a TLB entry. (`fetch_slot` is still the block's: only
    /// fetching from another page sets it.)
    #[inline(always)]
    fn count_fetches(&mut self, n: u64) {
        if self.fetch_slot != NO_SLOT {
            self.mmu.tlb.count_hits(Access::Fetch, n);
        }
    }

    /// A copy of the instructions of `block`: what the translator
    /// translates.
    pub(super) fn block_ops(block: *const Block) -> Vec<Decoded> {
        // SAFETY: as in `run_block`: a live block, not being written.
        let (len, ops) = unsafe { ((*block).len, &(*block).ops) };
        // SAFETY: the first `len` instructions of a block are initialized.
        ops[..len].iter().map(|d| unsafe { d.assume_init() }).collect()
    }

    /// Decodes the block at `pc` (whose bytes are at `host`, on the fetch
    /// page) into the cache.
    #[cold]
    fn build_block(&mut self, pc: u64, host: usize) -> *mut Block {
        let index = self.icache.blocks.index(host);
        let block = self.icache.blocks.at(index);
        // The instructions are decoded straight into the block's place
        // (decoding reads and fills the decoded-instruction cache, never a
        // block).
        let mut len = 0;
        let mut at = pc;
        while at >> 12 == pc >> 12 && at & 0xfff <= 0xffc && len < MAX_OPS {
            let d = self.decoded_on_fetch_page(at);
            let role = d.role();
            // SAFETY: `block` points into the cache's allocation, no block
            // is running, and `len < MAX_OPS`.
            unsafe { (*block).ops[len] = MaybeUninit::new(d) };
            len += 1;
            if role == BlockRole::Ends {
                break;
            }
            at = at.wrapping_add(d.len as u64);
        }
        if let Some(key) = self.icache.blocks.hosts.get_mut(index) {
            *key = host;
        }
        // A block built again (after its slot held another) keeps its code.
        let code = self.icache.jit.as_deref().map_or(std::ptr::null(), |jit| jit.code_of(host));
        // SAFETY: as above; `len <= MAX_OPS`.
        unsafe {
            (*block).ops[len] = MaybeUninit::new(Decoded { threaded: threaded::block_end, ..Decoder::illegal(0, 4) });
            (*block).len = len;
            (*block).runs = 0;
            (*block).code = code;
        }
        block
    }
}
