//! Blocks: straight-line runs of decoded instructions, executed one after
//! another without fetching, looking up or counting each on its own.
//!
//! A block starts anywhere in a page and ends at the first instruction
//! that may change control flow or what fetch depends on (branches, jumps,
//! `SYSTEM` and `FENCE` instructions: CSR writes, `sfence.vma`, traps and
//! returns, `wfi`, `fence.i`), at the end of its page, or after
//! [`MAX_OPS`] instructions. Inside one, nothing can change the fetch
//! page except a memory access (a TLB fill that evicts the fetch page's
//! entry, a store to code, a device write that wants attention), so the
//! loop checks for that after memory instructions only.
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

use super::{Access, Cpu};
use crate::isa::{Decoded, Decoder};
use crate::mmu::fast::NO_SLOT;
use crate::ram::read_host;

/// Longest block, in instructions.
pub const MAX_OPS: usize = 32;
/// Blocks cached (a power of two), direct-mapped.
const BLOCKS: usize = 1 << 10;
/// Host addresses no block starts at.
const EMPTY: usize = usize::MAX;

/// One block.
pub struct Block {
    /// Host address of the first instruction's bytes, or [`EMPTY`].
    host: usize,
    /// Instructions in `ops`.
    len: usize,
    /// Bit `i` set: `ops[i]` accesses memory.
    memory: u32,
    ops: [Decoded; MAX_OPS],
}

/// The blocks, direct-mapped by host address.
pub struct BlockCache {
    blocks: Box<[Block]>,
}

impl BlockCache {
    /// An empty cache.
    pub fn new() -> BlockCache {
        let nop = Decoder::get().decode(0x0000_0013);
        let blocks = (0..BLOCKS).map(|_| Block { host: EMPTY, len: 0, memory: 0, ops: [nop; MAX_OPS] }).collect();
        BlockCache { blocks }
    }

    #[inline(always)]
    fn index(host: usize) -> usize {
        (host >> 1) & (BLOCKS - 1)
    }

    /// The block starting at `host`, if cached.
    #[inline(always)]
    fn get(&self, host: usize) -> Option<*const Block> {
        let block = &self.blocks[Self::index(host)];
        (block.host == host).then_some(block as *const Block)
    }

    /// Drops the blocks of the 4 KiB page of RAM starting at host address
    /// `page` (RAM is page-aligned on the host, so a block's page is its
    /// host address rounded down).
    pub fn drop_page(&mut self, page: usize) {
        for block in self.blocks.iter_mut().filter(|b| b.host & !0xfff == page) {
            block.host = EMPTY;
        }
    }

    /// Drops every block.
    pub fn clear(&mut self) {
        for block in self.blocks.iter_mut() {
            block.host = EMPTY;
        }
    }
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache::new()
    }
}

/// How an instruction bounds a block: (ends it, accesses memory). Read off
/// the major opcode of the 32-bit instruction it is or expands to.
fn role(d: &Decoded) -> (bool, bool) {
    if d.is_illegal() {
        return (true, false);
    }
    match d.base.bits & 0x7f {
        // BRANCH, JAL, JALR, SYSTEM, MISC-MEM (fence, fence.i).
        0x63 | 0x6f | 0x67 | 0x73 | 0x0f => (true, false),
        // LOAD, STORE, AMO.
        0x03 | 0x23 | 0x2f => (false, true),
        _ => (false, false),
    }
}

impl Cpu {
    /// Runs the block at `pc` when fetch is on its fast path there and the
    /// whole block fits before the deadline. Returns false, having done
    /// nothing, otherwise: the caller then takes a single step.
    #[inline(always)]
    pub(super) fn run_block(&mut self) -> bool {
        let mut pc = self.pc;
        let page = self.fetch_page;
        if pc >> 12 != page || pc & 0xfff > 0xffc {
            return false;
        }
        let host = (pc as usize).wrapping_add(self.fetch_addend);
        let block = match self.icache.blocks.get(host) {
            Some(block) => block,
            None => self.build_block(pc, host),
        };
        // SAFETY: the cache's blocks are allocated once and never move.
        // While a block runs, nothing builds blocks; dropping one (a store
        // to its page) only clears its `host`, and the loop stops after
        // such a store. `ops` and `len` are read, never referenced across
        // an instruction's execution.
        let (len, memory) = unsafe { ((*block).len, (*block).memory) };
        if len == 0 || self.deadline - self.steps < len as u64 {
            return false;
        }
        let slot = self.fetch_slot;
        let mut done = 0;
        let mut touch = true;
        loop {
            if touch && slot != NO_SLOT {
                self.mmu.tlb.touch(slot as usize);
            }
            // SAFETY: as above; `done < len <= MAX_OPS`.
            let d = unsafe { std::ptr::read((*block).ops.as_ptr().add(done)) };
            done += 1;
            self.steps += 1;
            self.next_pc = pc.wrapping_add(d.len as u64);
            if let Err(e) = (d.exec)(self, &d) {
                self.count_fetches(slot, done);
                self.raise(e);
                return true;
            }
            pc = self.next_pc;
            self.pc = pc;
            self.retired += 1;
            if done == len {
                break;
            }
            touch = memory & (1 << (done - 1)) != 0;
            if touch && (self.steps >= self.deadline || self.fetch_page != page) {
                break;
            }
        }
        self.count_fetches(slot, done);
        true
    }

    #[inline(always)]
    fn count_fetches(&mut self, slot: u32, n: usize) {
        if slot != NO_SLOT {
            self.mmu.tlb.count_hits(Access::Fetch, n as u64);
        }
    }

    /// Decodes the block at `pc` (whose bytes are at `host`, on the fetch
    /// page) into the cache.
    #[cold]
    fn build_block(&mut self, pc: u64, host: usize) -> *const Block {
        let mut ops = [None; MAX_OPS];
        let (mut len, mut memory) = (0, 0u32);
        let mut at = pc;
        while at >> 12 == pc >> 12 && at & 0xfff <= 0xffc && len < MAX_OPS {
            let at_host = (at as usize).wrapping_add(self.fetch_addend);
            let d = match self.icache.get(at_host) {
                Some(d) => d,
                None => {
                    // SAFETY: the fetch page lies inside RAM and `at + 4`
                    // stays in it.
                    let word = unsafe { read_host::<4>(at_host) } as u32;
                    self.decode_and_cache(at_host, if word & 3 == 3 { word } else { word & 0xffff })
                }
            };
            let (ends, accesses) = role(&d);
            ops[len] = Some(d);
            memory |= (accesses as u32) << len;
            len += 1;
            if ends {
                break;
            }
            at = at.wrapping_add(d.len as u64);
        }
        let index = BlockCache::index(host);
        let block = &mut self.icache.blocks.blocks[index];
        block.host = host;
        block.len = len;
        block.memory = memory;
        for (op, d) in block.ops.iter_mut().zip(ops.into_iter().flatten()) {
            *op = d;
        }
        block as *const Block
    }
}
