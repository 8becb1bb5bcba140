//! The translating engine: hot blocks compiled to host code with
//! Cranelift, entered from the interpreter's loop.
//!
//! A block is translated once it has been run [`HOT`] times: the same
//! block the interpreter runs (`cpu/block.rs`), keyed, like it, by the host
//! address of its first byte, and dropped with it (a store to its page,
//! `fence.i`). Keyed by where the bytes are, translated code needs nothing
//! when translations, the privilege mode, MPRV, SUM or MXR change: it
//! reads the data mode and the fetch page from the hart each time it is
//! entered, and every such change moves the fetch page, which stops
//! chaining. `emit.rs` says what the code does; `layout.rs` where it finds
//! the hart's state.
//!
//! The code lives in a Cranelift JIT module that travels with the
//! decoded-instruction cache (and so with the bus, between harts). It is
//! freed all at once, when [`MAX_BLOCKS`] translations have accumulated,
//! between two entries from the dispatcher, never while any runs.

mod emit;
mod layout;

use super::Cpu;
use crate::isa::Decoded;
use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, UserFuncName, types};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;
use std::time::{Duration, Instant};

/// Runs of a block before it is translated.
pub const HOT: u32 = 8192;
/// Slots of the code table (a power of two), direct-mapped by host
/// address.
pub const CODE_TABLE: usize = 1 << 13;
/// Translations kept before the module is emptied and translation
/// starts over.
pub const MAX_BLOCKS: u64 = 1 << 15;

/// Exit codes of translated code: left for the dispatcher, pc stored.
const NORMAL: i64 = 0;
/// An instruction raised the exception in `Cpu::jit_trap`; pc is its.
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

/// How many times a block not yet translated has run.
#[derive(Clone, Copy)]
struct Heat {
    host: usize,
    runs: u32,
}

/// What translation has cost, for `--stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Blocks translated.
    pub blocks: u64,
    /// Instructions in them.
    pub instructions: u64,
    /// Time spent translating.
    pub compile_time: Duration,
    /// Times the module was emptied to start over.
    pub flushes: u64,
}

/// The signature of `enter`: the host's calling convention, taking the
/// hart, the pc and the code to enter, returning the exit code.
type Enter = unsafe extern "C" fn(*mut Cpu, u64, *const u8) -> i64;

/// An instruction of a translated block as the slow path needs it: with
/// its position in the block.
pub struct StableOp {
    d: Decoded,
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
                let op = StableOp { d, index: index as u64, offset };
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

/// The translator and its code.
pub struct Jit {
    isa: OwnedTargetIsa,
    module: Option<JITModule>,
    context: cranelift_codegen::Context,
    builder: FunctionBuilderContext,
    enter: Enter,
    table: Box<[CodeSlot; CODE_TABLE]>,
    /// Every translation in the module, by host address: the table is a
    /// direct-mapped cache of these, refilled from here when two blocks
    /// share a slot.
    translated: std::collections::BTreeMap<usize, *const u8>,
    heat: Box<[Heat; CODE_TABLE]>,
    ops: Vec<StableOps>,
    /// Translations in the module now.
    live: u64,
    /// The TLB policy the code is made for is LRU.
    lru: bool,
    /// Counters.
    pub stats: JitStats,
}

// SAFETY: the module, its code and the instruction copies are owned by
// this value alone; moving it to another thread moves that ownership, and
// nothing else holds their addresses.
unsafe impl Send for Jit {}

/// The settings Cranelift compiles with, for the host.
fn host_isa() -> Result<OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, name, value| flags.set(name, value).map_err(|e| e.to_string());
    // Blocks are short and their code simple: Cranelift's optimisations
    // cost more compile time than they gain (cpu-mix-sv39, 1500 rounds:
    // 0.89 s against 0.95 s with "speed"). The backtracking register
    // allocator is kept: the single-pass one halves compile time but made
    // the run 25% slower.
    set(&mut flags, "opt_level", "none")?;
    set(&mut flags, "regalloc_algorithm", "backtracking")?;
    // Cranelift's tail calls, which chain blocks, need frame pointers.
    set(&mut flags, "preserve_frame_pointers", "true")?;
    set(&mut flags, "enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })?;
    let isa = cranelift_native::builder().map_err(|e| format!("no code generator for this host: {e}"))?;
    isa.finish(settings::Flags::new(flags)).map_err(|e| e.to_string())
}

impl Jit {
    /// A translator for this host, or why there is none.
    pub fn new(lru: bool) -> Result<Jit, String> {
        if !cfg!(target_pointer_width = "64") {
            return Err("the translator needs a 64-bit host".into());
        }
        let isa = host_isa()?;
        let mut jit = Jit {
            module: None,
            context: cranelift_codegen::Context::new(),
            builder: FunctionBuilderContext::new(),
            enter: placeholder_enter,
            table: Box::new([EMPTY_SLOT; CODE_TABLE]),
            translated: std::collections::BTreeMap::new(),
            heat: Box::new([Heat { host: usize::MAX, runs: 0 }; CODE_TABLE]),
            ops: Vec::new(),
            live: 0,
            lru,
            stats: JitStats::default(),
            isa,
        };
        jit.start_module()?;
        Ok(jit)
    }

    /// A new, empty module with its `enter` trampoline.
    fn start_module(&mut self) -> Result<(), String> {
        let builder = JITBuilder::with_isa(self.isa.clone(), cranelift_module::default_libcall_names());
        let mut module = JITModule::new(builder);
        let block_sig = block_signature(&module);
        let mut sig = module.make_signature();
        sig.params.extend([AbiParam::new(types::I64); 3]);
        sig.returns.push(AbiParam::new(types::I64));
        let id = module.declare_anonymous_function(&sig).map_err(|e| e.to_string())?;
        self.context.func.signature = sig;
        self.context.func.name = UserFuncName::user(0, id.as_u32());
        {
            let mut b = FunctionBuilder::new(&mut self.context.func, &mut self.builder);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let params = b.block_params(entry).to_vec();
            let sig_ref = b.import_signature(block_sig);
            let call = b.ins().call_indirect(sig_ref, params[2], &params[..2]);
            let code = b.inst_results(call)[0];
            b.ins().return_(&[code]);
            b.seal_all_blocks();
            b.finalize(module.target_config());
        }
        module.define_function(id, &mut self.context).map_err(|e| e.to_string())?;
        module.clear_context(&mut self.context);
        module.finalize_definitions().map_err(|e| e.to_string())?;
        // SAFETY: the function just compiled has exactly `Enter`'s
        // signature, in the host's default calling convention.
        self.enter = unsafe { std::mem::transmute::<*const u8, Enter>(module.get_finalized_function(id)) };
        self.module = Some(module);
        Ok(())
    }

    /// The code of the block at host address `host`, if translated.
    #[inline(always)]
    fn code_at(&mut self, host: usize) -> Option<*const u8> {
        let slot = &self.table[emit::table_index(host)];
        if slot.host == host { Some(slot.code) } else { self.refill(host) }
    }

    /// Puts the block at `host` back in its table slot, if translated.
    #[cold]
    fn refill(&mut self, host: usize) -> Option<*const u8> {
        let code = *self.translated.get(&host)?;
        self.table[emit::table_index(host)] = CodeSlot { host, code };
        Some(code)
    }

    /// Counts a run of the block at `host`; true once it is hot.
    fn warm_up(&mut self, host: usize) -> bool {
        let heat = &mut self.heat[emit::table_index(host)];
        if heat.host != host {
            *heat = Heat { host, runs: 0 };
        }
        heat.runs = heat.runs.saturating_add(1);
        heat.runs >= HOT
    }

    /// Translates the block whose instructions are `ops` and whose first
    /// byte is at `host`, and enters it in the table.
    fn translate(&mut self, ops: &[Decoded], host: usize) -> Result<*const u8, String> {
        if self.live >= MAX_BLOCKS {
            self.flush()?;
        }
        let started = Instant::now();
        let stable = StableOps::new(ops);
        let code = self.compile(ops, stable.ptr, host)?;
        self.ops.push(stable);
        self.table[emit::table_index(host)] = CodeSlot { host, code };
        self.translated.insert(host, code);
        self.live += 1;
        self.stats.blocks += 1;
        self.stats.instructions += ops.len() as u64;
        self.stats.compile_time += started.elapsed();
        Ok(code)
    }

    fn compile(&mut self, ops: &[Decoded], stable_ops: *const StableOp, host: usize) -> Result<*const u8, String> {
        let Some(module) = self.module.as_mut() else { return Err("no module".into()) };
        let sig = block_signature(module);
        let id = module.declare_anonymous_function(&sig).map_err(|e| e.to_string())?;
        self.context.func.signature = sig.clone();
        self.context.func.name = UserFuncName::user(0, id.as_u32());
        {
            let mut b = FunctionBuilder::new(&mut self.context.func, &mut self.builder);
            let tail_sig = b.import_signature(sig);
            let helper_sig = b.import_signature(helper_signature(module));
            let src = emit::Source {
                ops,
                stable_ops,
                host,
                table: self.table.as_ptr(),
                helper: exec_slow as *const () as usize,
                lru: self.lru,
            };
            emit::Emitter::new(&mut b, &src, tail_sig, helper_sig).translate();
            b.finalize(module.target_config());
        }
        let dump = std::env::var_os("RVSIM_JIT_DUMP").is_some();
        self.context.set_disasm(dump);
        let defined = module.define_function(id, &mut self.context).map_err(|e| e.to_string());
        if dump && let Some(code) = self.context.compiled_code() {
            eprintln!("block {host:#x} ({} ops):\n{}", ops.len(), code.vcode.clone().unwrap_or_default());
        }
        module.clear_context(&mut self.context);
        defined?;
        module.finalize_definitions().map_err(|e| e.to_string())?;
        Ok(module.get_finalized_function(id))
    }

    /// Drops every translation and the module's memory, and starts a new
    /// module. Called only from the dispatcher, when no code runs.
    fn flush(&mut self) -> Result<(), String> {
        self.clear();
        if let Some(module) = self.module.take() {
            // SAFETY: no code of the module runs (we are in the dispatcher,
            // outside any), and the table that led to it was just emptied.
            unsafe { module.free_memory() };
        }
        self.ops.clear();
        self.live = 0;
        self.stats.flushes += 1;
        self.start_module()
    }

    /// Forgets the translations of the 4 KiB page of RAM at host address
    /// `page` (its code stays in the module until the next flush).
    /// The page's blocks must become hot again before they are
    /// translated again: a page whose code changes often (a frame reused
    /// by paging) is not worth translating each time.
    pub fn drop_page(&mut self, page: usize) {
        for slot in self.table.iter_mut().filter(|s| s.host & !0xfff == page) {
            *slot = EMPTY_SLOT;
        }
        let hosts: Vec<usize> = self.translated.range(page..page + 4096).map(|(&h, _)| h).collect();
        for host in hosts {
            self.translated.remove(&host);
        }
        for heat in self.heat.iter_mut().filter(|h| h.host & !0xfff == page) {
            heat.host = usize::MAX;
        }
    }

    /// Forgets every translation.
    pub fn clear(&mut self) {
        self.table.fill(EMPTY_SLOT);
        self.translated.clear();
        self.heat.fill(Heat { host: usize::MAX, runs: 0 });
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the translator is going, and no code runs.
            unsafe { module.free_memory() };
        }
    }
}

/// Used until the first module's trampoline exists; never called.
unsafe extern "C" fn placeholder_enter(_: *mut Cpu, _: u64, _: *const u8) -> i64 {
    DECLINED
}

/// The signature of a translated block: Cranelift's tail-call convention
/// (so that blocks chain without growing the stack), taking the hart and
/// the pc, returning the exit code.
fn block_signature(module: &JITModule) -> Signature {
    let mut sig = module.make_signature();
    sig.call_conv = CallConv::Tail;
    sig.params.extend([AbiParam::new(types::I64); 2]);
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// The signature of [`exec_slow`].
fn helper_signature(module: &JITModule) -> Signature {
    let mut sig = module.make_signature();
    sig.params.extend([AbiParam::new(types::I64); 2]);
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// Runs one instruction's interpreter semantics for translated code.
///
/// While a block runs, the hart's pc, clock and retired count are those of
/// its entry; for the semantics they become the instruction's (its pc,
/// the steps including it, the instructions retired before it), with
/// `next_pc` the fall-through. Returns 0 when the instruction completed,
/// the entry's values put back; 1 when it raised an exception, kept in
/// the hart for the dispatcher, the values left exact for the trap.
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
            cpu.pc = entry_pc;
            cpu.steps -= op.index + 1;
            cpu.retired -= op.index;
            0
        }
        Err(e) => {
            cpu.jit_trap = Some(e);
            1
        }
    }
}

impl Cpu {
    /// Runs translated code from `pc` when fetch is on its fast path
    /// there and the block is translated, or has just become hot and is
    /// translated now. Returns false, having done nothing, otherwise: the
    /// caller then runs the interpreter.
    pub(super) fn run_translated(&mut self) -> bool {
        let pc = self.pc;
        if pc >> 12 != self.fetch_page || pc & 0xfff > 0xffc {
            return false;
        }
        let host = (pc as usize).wrapping_add(self.fetch_addend);
        let Some(jit) = self.icache.jit.as_deref_mut() else { return false };
        if jit.lru != self.mmu.tlb.is_lru() {
            return false;
        }
        let code = match jit.code_at(host) {
            Some(code) => code,
            None if jit.warm_up(host) => match self.translate_block(pc, host) {
                Some(code) => code,
                None => return false,
            },
            None => return false,
        };
        let Some(enter) = self.icache.jit.as_deref().map(|j| j.enter) else { return false };
        let before = self.steps;
        // SAFETY: `code` is a translated block of the live module, made for
        // a `Cpu`; the hart is not otherwise used while it runs.
        let exit = unsafe { enter(self, pc, code) };
        if exit == TRAPPED
            && let Some(e) = self.jit_trap.take()
        {
            self.raise(e);
            return true;
        }
        self.steps != before
    }

    /// Translates the block at `pc` (bytes at `host`), building the
    /// interpreter's block first if needed. A block Cranelift refuses
    /// stays interpreted.
    #[cold]
    fn translate_block(&mut self, pc: u64, host: usize) -> Option<*const u8> {
        let ops = self.block_ops(pc, host);
        let jit = self.icache.jit.as_deref_mut()?;
        match jit.translate(&ops, host) {
            Ok(code) => Some(code),
            Err(e) => {
                log::warn!("block at {pc:#x} not translated: {e}");
                jit.heat[emit::table_index(host)].runs = 0;
                None
            }
        }
    }

    /// Turns translation on or off for the machine this hart holds the
    /// bus of. Off, or on a host the translator does not cover (said
    /// once, in the log), the interpreter runs everything.
    pub fn set_engine(&mut self, engine: crate::engine::Engine) {
        self.icache.jit = match engine {
            crate::engine::Engine::Interp => None,
            crate::engine::Engine::Jit => match Jit::new(self.mmu.tlb.is_lru()) {
                Ok(jit) => Some(Box::new(jit)),
                Err(e) => {
                    log::warn!("running the interpreter: {e}");
                    None
                }
            },
        };
    }

    /// What translation has cost so far, if the translator is on.
    pub fn jit_stats(&self) -> Option<JitStats> {
        self.icache.jit.as_ref().map(|j| j.stats)
    }
}
