//! The translating engine: hot blocks compiled to host code with
//! Cranelift, entered from the interpreter's loop.
//!
//! A block is translated once it has been run `JitTuning::hot` times: the same
//! block the interpreter runs (`cpu/block.rs`), keyed, like it, by the host
//! address of its first byte, and dropped with it (a store to its page,
//! `fence.i`). Keyed by where the bytes are, translated code needs nothing
//! when translations, the privilege mode, MPRV, SUM or MXR change: it
//! reads the data mode and the fetch page from the hart each time it is
//! entered, and every such change moves the fetch page, which stops
//! chaining. `emit.rs` says what the code does; `layout.rs` where it finds
//! the hart's state.
//!
//! Blocks compile on a thread of their own (`worker.rs`) while the hart
//! goes on interpreting them; the dispatcher installs each when it is
//! done. The code lives in the worker's Cranelift module; the translator
//! travels with the decoded-instruction cache (and so with the bus,
//! between harts). The code is freed all at once, when [`MAX_BLOCKS`]
//! translations have accumulated, between two entries from the
//! dispatcher, never while any runs.

mod compiler;
mod emit;
mod layout;
mod worker;

use super::Cpu;
use super::block::{Block, BlockCache};
use crate::isa::Decoded;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;
use worker::{Request, Worker};

/// Slots of the code table (a power of two), direct-mapped by host
/// address.
pub const CODE_TABLE: usize = 1 << 13;
/// Translations kept before they are all freed and translation starts
/// over.
pub const MAX_BLOCKS: u64 = 1 << 15;

/// Exit codes of translated code: left for the dispatcher, pc stored.
const NORMAL: i64 = 0;
/// An instruction raised the exception in `Cpu::block_trap`; pc is its.
const TRAPPED: i64 = 1;
/// The block did not fit before the deadline; nothing ran from it.
const DECLINED: i64 = 2;

/// A code table slot: the host address of a block's first byte (or
/// `usize::MAX`) and the entry of its code. Generated code reads both.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct CodeSlot {
    host: usize,
    code: *const u8,
}

const EMPTY_SLOT: CodeSlot = CodeSlot { host: usize::MAX, code: std::ptr::null() };

/// What translation has cost, for `--stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Blocks translated.
    pub blocks: u64,
    /// Instructions in them.
    pub instructions: u64,
    /// Time spent translating (on the worker's thread).
    pub compile_time: Duration,
    /// Times the translations were all freed to start over.
    pub flushes: u64,
    /// The hart waits for each translation (`JitTuning::wait`), so the
    /// counts above are the same from run to run.
    pub repeatable: bool,
}

/// The signature of `enter`: the host's calling convention, taking the
/// hart, the pc and the code to enter, returning the exit code.
type Enter = unsafe extern "C" fn(*mut Cpu, u64, *const u8) -> i64;

/// An instruction of a translated block as the slow path needs it: with
/// its position in the block.
pub struct StableOp {
    d: Decoded,
    /// It accesses memory: after it the block loop looks whether to go on.
    access: bool,
    /// Instructions before it in the block.
    index: u64,
    /// Its byte offset from the block's first.
    offset: u64,
}

/// A block's instructions, in an allocation of its own that outlives its
/// code (the slow path passes their addresses to [`exec_slow`]).
struct StableOps {
    ptr: *mut StableOp,
    len: usize,
}

impl StableOps {
    fn new(ops: &[Decoded]) -> StableOps {
        let mut offset = 0;
        let boxed: Box<[StableOp]> = ops
            .iter()
            .enumerate()
            .map(|(index, &d)| {
                let access = d.role() == crate::isa::BlockRole::Access;
                let op = StableOp { d, access, index: index as u64, offset };
                offset += d.len as u64;
                op
            })
            .collect();
        let len = boxed.len();
        StableOps { ptr: Box::into_raw(boxed) as *mut StableOp, len }
    }
}

impl Drop for StableOps {
    fn drop(&mut self) {
        // SAFETY: made by `Box::into_raw` of a slice of `len` in `new`.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr, self.len)) });
    }
}

/// The translator: its worker, and the blocks translated.
pub struct Jit {
    /// The trampoline into translated code, once the worker is ready.
    enter: Option<Enter>,
    /// The worker, started when the first block becomes hot (a short run
    /// never pays for it).
    worker: Option<Worker>,
    target: compiler::Target,
    table: Box<[CodeSlot; CODE_TABLE]>,
    /// Every translation in the worker's module, by host address: the
    /// table is a direct-mapped cache of these, refilled from here when
    /// two blocks share a slot.
    translated: BTreeMap<usize, *const u8>,
    /// Blocks sent to the worker and still wanted: by host address, the
    /// address of the instructions sent (a block dropped and built again
    /// is sent again, and only the latest request's code may be used).
    requested: HashMap<usize, usize>,
    /// Blocks Cranelift could not translate: they stay interpreted.
    refused: HashSet<usize>,
    ops: Vec<StableOps>,
    generation: u64,
    /// Translations in the worker's module now.
    live: u64,
    /// The TLB policy the code is made for is LRU.
    lru: bool,
    /// Counters.
    pub stats: JitStats,
}

// SAFETY: the code table and the instruction copies are owned by this
// value alone (the worker holds only their addresses, as numbers baked
// into code); moving it to another thread moves that ownership.
unsafe impl Send for Jit {}

impl Jit {
    /// A translator for this host, for harts whose TLB policy is LRU or
    /// not, or why there is none.
    pub fn new(lru: bool) -> Result<Jit, String> {
        if !cfg!(target_pointer_width = "64") {
            return Err("the translator needs a 64-bit host".into());
        }
        let table = Box::new([EMPTY_SLOT; CODE_TABLE]);
        let target = compiler::Target {
            table: table.as_ptr() as usize,
            helper: exec_slow as *const () as usize,
            touch_helper: touch_slow as *const () as usize,
            lru,
        };
        Ok(Jit {
            enter: None,
            worker: None,
            target,
            table,
            translated: BTreeMap::new(),
            requested: HashMap::new(),
            refused: HashSet::new(),
            ops: Vec::new(),
            generation: 0,
            live: 0,
            lru,
            stats: JitStats::default(),
        })
    }

    /// The translated code of the block at `host`, or null.
    pub fn code_of(&self, host: usize) -> *const u8 {
        self.translated.get(&host).copied().unwrap_or(std::ptr::null())
    }

    /// Puts `code` in the table slot of the block at `host`, where other
    /// blocks' code looks for it to chain.
    fn install(&mut self, host: usize, code: *const u8) {
        self.table[emit::table_index(host)] = CodeSlot { host, code };
    }

    /// Sends the block whose instructions are `ops` and whose first byte
    /// is at `host` to the worker.
    fn request(&mut self, ops: Vec<Decoded>, host: usize) {
        if self.live >= MAX_BLOCKS {
            self.start_over();
        }
        if self.worker.is_none() {
            match Worker::spawn(self.target) {
                Ok(worker) => self.worker = Some(worker),
                Err(e) => return log::warn!("{e}"),
            }
        }
        let stable = StableOps::new(&ops);
        let request = Request { generation: self.generation, host, ops, stable: stable.ptr };
        self.ops.push(stable);
        if self.worker.as_ref().is_some_and(|w| w.compile(request)) {
            self.requested.insert(host, self.ops.last().map_or(0, |o| o.ptr as usize));
            self.live += 1;
        }
    }

    /// Installs the blocks the worker finished, if still wanted, in the
    /// table and in their blocks; with `wait`, waits for one report at
    /// least. False when the worker is gone.
    fn collect(&mut self, blocks: &mut BlockCache, wait: bool) -> bool {
        let Some(worker) = &self.worker else { return false };
        let mut reports: Vec<_> = Vec::new();
        if wait {
            match worker.next_report() {
                Some(report) => reports.push(report),
                None => return false,
            }
        }
        reports.extend(worker.reports());
        for report in reports {
            let done = match report {
                worker::Report::Ready(enter) => {
                    // SAFETY: the worker compiled this trampoline with
                    // exactly `Enter`'s signature, and keeps it while it lives.
                    self.enter = Some(unsafe { std::mem::transmute::<usize, Enter>(enter) });
                    continue;
                }
                worker::Report::Unable(e) => {
                    log::warn!("running the interpreter: {e}");
                    self.requested.clear();
                    continue;
                }
                worker::Report::Compiled(done) => done,
            };
            if self.enter.is_none()
                || done.generation != self.generation
                || self.requested.get(&done.host) != Some(&(done.stable as usize))
            {
                continue;
            }
            self.requested.remove(&done.host);
            match done.code {
                Ok(code) => {
                    let code = code as *const u8;
                    self.translated.insert(done.host, code);
                    self.install(done.host, code);
                    if let Some(block) = blocks.get(done.host) {
                        // SAFETY: a live block of the cache; none runs (we
                        // are in the dispatcher).
                        unsafe { (*block).code = code };
                    }
                    self.stats.blocks += 1;
                    self.stats.instructions += done.instructions as u64;
                    self.stats.compile_time += done.took;
                }
                Err(e) => {
                    log::warn!("block at host {:#x} not translated: {e}", done.host);
                    self.refused.insert(done.host);
                }
            }
        }
        true
    }

    /// Forgets every translation and has the worker free them all. Called
    /// only from the dispatcher, when no translated code runs.
    fn start_over(&mut self) {
        self.clear();
        self.generation += 1;
        if let Some(worker) = &self.worker {
            // SAFETY: every translation was just forgotten, and none runs.
            unsafe { worker.reset() };
        }
        self.ops.clear();
        self.live = 0;
        self.stats.flushes += 1;
    }

    /// Forgets the translations of the 4 KiB page of RAM at host address
    /// `page` (their code stays in the worker's module until the next
    /// start over). The page's blocks must become hot again before they
    /// are translated again: a page whose code changes often (a frame
    /// reused by paging) is not worth translating each time.
    pub fn drop_page(&mut self, page: usize) {
        let in_page = |host: usize| host & !0xfff == page;
        for slot in self.table.iter_mut().filter(|s| in_page(s.host)) {
            *slot = EMPTY_SLOT;
        }
        let hosts: Vec<usize> = self.translated.range(page..page + 4096).map(|(&h, _)| h).collect();
        for host in hosts {
            self.translated.remove(&host);
        }
        self.requested.retain(|&host, _| !in_page(host));
    }

    /// Forgets every translation.
    pub fn clear(&mut self) {
        self.table.fill(EMPTY_SLOT);
        self.translated.clear();
        self.requested.clear();
        self.refused.clear();
    }
}

/// Runs one instruction's interpreter semantics for translated code.
///
/// While a block runs, the hart's pc, clock and retired count are those of
/// its entry; for the semantics they become the instruction's (its pc,
/// the steps including it, the instructions retired before it), with
/// `next_pc` the fall-through. Returns 0 when the instruction completed,
/// the entry's values put back; 1 when it raised an exception, kept in
/// the hart for the dispatcher, the values left exact for the trap; 2
/// when it completed but the block loop would stop after it, as after an
/// access that moved the fetch page (a fill over its entry, a store to
/// its code) or brought the deadline (a device asking for attention).
extern "C" fn exec_slow(cpu: *mut Cpu, op: *const StableOp) -> i64 {
    // SAFETY: translated code passes the hart it was entered with (the
    // dispatcher's `&mut Cpu`, unused while the code runs) and a pointer
    // into a `StableOps` that outlives the code.
    let (cpu, op) = unsafe { (&mut *cpu, &*op) };
    let entry_pc = cpu.pc;
    cpu.pc = entry_pc.wrapping_add(op.offset);
    cpu.next_pc = cpu.pc.wrapping_add(op.d.len as u64);
    cpu.steps += op.index + 1;
    cpu.retired += op.index;
    match (op.d.exec)(cpu, &op.d) {
        Ok(()) => {
            let stop = op.access && (cpu.fetch_page != entry_pc >> 12 || cpu.steps >= cpu.deadline);
            cpu.pc = entry_pc;
            cpu.steps -= op.index + 1;
            cpu.retired -= op.index;
            if stop { 2 } else { 0 }
        }
        Err(e) => {
            cpu.block_trap = Some(e);
            1
        }
    }
}

/// `Tlb::touch` for translated code, when the slot is not its set's most
/// recent already.
extern "C" fn touch_slow(cpu: *mut Cpu, slot: u64) -> i64 {
    // SAFETY: as in `exec_slow`.
    let cpu = unsafe { &mut *cpu };
    cpu.mmu.tlb.touch(slot as usize);
    0
}

impl Cpu {
    /// Runs the translated `code` of the block at `pc` (bytes at `host`),
    /// which lies on the fetch page. Returns false, having done nothing,
    /// when the block does not fit before the deadline.
    pub(super) fn run_translated(&mut self, pc: u64, host: usize, code: *const u8) -> bool {
        let Some(jit) = self.icache.jit.as_deref_mut() else { return false };
        let Some(enter) = jit.enter else { return false };
        if jit.lru != self.mmu.tlb.is_lru() {
            return false;
        }
        jit.install(host, code);
        let before = self.steps;
        // SAFETY: `code` is a translated block of the live generation,
        // made for a `Cpu`; the hart is not otherwise used while it runs.
        let exit = unsafe { enter(self, pc, code) };
        if exit == TRAPPED
            && let Some(e) = self.block_trap.take()
        {
            self.raise(e);
            return true;
        }
        self.steps != before
    }

    /// A block ran its `hot`th time, or more: it is sent to be translated
    /// (once), and until its code is back, the worker's results are
    /// collected at each of its runs; or, when the hart waits for the
    /// translator, at once.
    #[cold]
    pub(super) fn warm_block(&mut self, host: usize, block: *mut Block) {
        let wait = self.icache.jit_tuning.wait;
        let Some(jit) = self.icache.jit.as_deref_mut() else { return };
        if jit.requested.contains_key(&host) {
            jit.collect(&mut self.icache.blocks, false);
        } else if jit.lru == self.mmu.tlb.is_lru() && !jit.refused.contains(&host) {
            jit.request(Cpu::block_ops(block), host);
            if wait {
                while jit.requested.contains_key(&host) && jit.collect(&mut self.icache.blocks, true) {}
            }
        }
    }

    /// Turns translation on or off for the machine this hart holds the
    /// bus of. Off, or on a host the translator does not cover (said
    /// once, in the log), the interpreter runs everything.
    pub fn set_engine(&mut self, engine: crate::engine::Engine, tuning: crate::engine::JitTuning) {
        self.icache.jit = None;
        self.icache.jit_wanted = engine == crate::engine::Engine::Jit;
        self.icache.jit_tuning = tuning;
    }

    /// Starts the translator if it is wanted and the hart has run long
    /// enough (`JitTuning::start`).
    pub(super) fn start_translator_when_due(&mut self) {
        if self.icache.jit_wanted && self.steps >= self.icache.jit_tuning.start {
            self.icache.jit_wanted = false;
            match Jit::new(self.mmu.tlb.is_lru()) {
                Ok(mut jit) => {
                    jit.stats.repeatable = self.icache.jit_tuning.wait;
                    self.icache.jit = Some(Box::new(jit));
                }
                Err(e) => log::warn!("running the interpreter: {e}"),
            }
        }
    }

    /// What translation has cost so far, if the translator is on.
    pub fn jit_stats(&self) -> Option<JitStats> {
        self.icache.jit.as_ref().map(|j| j.stats)
    }
}
