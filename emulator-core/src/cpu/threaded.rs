//! Threaded handlers: how the block loop runs a block's instructions.
//!
//! Every instruction definition comes with a handler for its block role
//! (see `cpu/block.rs`): its semantics, inlined, and around them what the
//! loop must do for that role (advance the pc; count steps before an
//! access; look whether to go on after an access or a branch). A handler
//! ends with a jump straight into the next instruction's handler, found
//! in that instruction, so a block runs without returning to a loop
//! between its instructions, each handler's jump predicted on its own.
//! The block's last instruction is followed by its end, whose handler,
//! `block_end`, returns. After a taken branch or a jump, the block at
//! the target runs straight away when it can (see `Cpu::chain`).
//!
//! A handler takes the hart, its instruction, that instruction's pc, and
//! the steps before it, and returns the steps after the last instruction
//! it ran (a trapped one included), leaving the trap, if one was raised,
//! in `Cpu::block_trap`. The hart's `pc` is always the running
//! instruction's; its `steps` is stored before an access (a device may
//! read the clock) and before a `SYSTEM` or `FENCE` instruction, and its
//! `retired` before the latter (which may read the counters or return
//! from a trap): `run_block` stores both when the block is left.
//!
//! Without tail calls, the chain of calls still ends: blocks run one
//! after another only for a bounded number of steps (`CHAIN_STEPS`).

use super::Cpu;
use crate::isa::{BlockRole, Decoded, ExecResult};
use crate::mmu::fast::NO_SLOT;

/// A threaded handler (see the module's documentation).
///
/// # Safety
/// `op` points at an instruction of a live block, followed by the rest of
/// the block's instructions and then its end's, none of which is
/// written while the block runs.
pub type ThreadedFn = unsafe fn(&mut Cpu, *const Decoded, u64, u64) -> u64;

/// An instruction's semantics, as the handlers take them: a closure or a
/// function from the hart and the decoded instruction to its result.
pub trait SemanticsFn: Fn(&mut Cpu, &Decoded) -> ExecResult {}

impl<F: Fn(&mut Cpu, &Decoded) -> ExecResult> SemanticsFn for F {}

/// The value of `F`: semantics that capture nothing (a closure without
/// captures or a function item) are a type with no data and exactly one
/// value, which this makes wherever the semantics are to be inlined.
#[inline(always)]
pub(crate) fn semantics<F: SemanticsFn>() -> F {
    const { assert!(size_of::<F>() == 0, "instruction semantics capture nothing") };
    // SAFETY: `F` has no bytes (asserted above), so there is nothing to
    // initialise: this is its one value.
    unsafe { std::mem::zeroed() }
}

/// The handler for semantics `F` of the instruction encoded by `bits`
/// (its major opcode gives its block role).
pub(crate) const fn handler<F: SemanticsFn>(bits: u32) -> ThreadedFn {
    match BlockRole::of_bits(bits) {
        BlockRole::Plain => plain::<F>,
        BlockRole::Access => access::<F>,
        BlockRole::Branch => branch::<F>,
        // JAL and JALR.
        BlockRole::Ends if bits & 0x7f == 0x6f || bits & 0x7f == 0x67 => jump::<F>,
        BlockRole::Ends => ends::<F>,
    }
}

/// Ends a block: the instruction after a block's last.
///
/// # Safety
/// None needed; unsafe only to be a [`ThreadedFn`].
pub(crate) unsafe fn block_end(_: &mut Cpu, _: *const Decoded, _: u64, steps: u64) -> u64 {
    steps
}

/// Runs the instruction after `op` (at `pc`, after `steps` steps).
///
/// # Safety
/// As for [`ThreadedFn`]; `op` is not the block's end.
#[inline(always)]
unsafe fn next(cpu: &mut Cpu, op: *const Decoded, pc: u64, steps: u64) -> u64 {
    // SAFETY: a block's instructions are followed by its end.
    unsafe {
        let op = op.add(1);
        ((*op).threaded)(cpu, op, pc, steps)
    }
}

/// Leaves the block: the instruction at its `steps`th step raised `e`.
#[cold]
#[inline(never)]
fn trapped(cpu: &mut Cpu, e: crate::cpu::Exception, steps: u64) -> u64 {
    cpu.block_trap = Some(e);
    steps
}

/// Plain computation: it reads only registers and its pc.
///
/// # Safety
/// As for [`ThreadedFn`].
unsafe fn plain<F: SemanticsFn>(cpu: &mut Cpu, op: *const Decoded, pc: u64, steps: u64) -> u64 {
    // SAFETY: `op` points at a live instruction.
    let d = unsafe { &*op };
    let steps = steps + 1;
    if let Err(e) = semantics::<F>()(cpu, d) {
        return trapped(cpu, e, steps);
    }
    let pc = pc.wrapping_add(d.len as u64);
    cpu.pc = pc;
    // SAFETY: as above.
    unsafe { next(cpu, op, pc, steps) }
}

/// A memory access: it may use another TLB entry, fill one over the fetch
/// page's, change code, or ask for the machine's attention; the block
/// goes on only if none of that concerns it.
///
/// # Safety
/// As for [`ThreadedFn`].
unsafe fn access<F: SemanticsFn>(cpu: &mut Cpu, op: *const Decoded, pc: u64, steps: u64) -> u64 {
    // SAFETY: `op` points at a live instruction.
    let d = unsafe { &*op };
    let steps = steps + 1;
    cpu.steps = steps;
    if let Err(e) = semantics::<F>()(cpu, d) {
        return trapped(cpu, e, steps);
    }
    let pc = pc.wrapping_add(d.len as u64);
    cpu.pc = pc;
    // The block is left when the next instruction is on another page (its
    // fetch makes its own entry most recent).
    if steps >= cpu.deadline || cpu.fetch_page != pc >> 12 {
        return steps;
    }
    // The access may have used another entry: under LRU, the fetch page's
    // is made most recent again, as the next fetch would.
    if cpu.fetch_slot != NO_SLOT {
        cpu.mmu.tlb.touch(cpu.fetch_slot as usize);
    }
    // SAFETY: as above.
    unsafe { next(cpu, op, pc, steps) }
}

/// A conditional branch: the block goes on only if it is not taken.
///
/// # Safety
/// As for [`ThreadedFn`].
unsafe fn branch<F: SemanticsFn>(cpu: &mut Cpu, op: *const Decoded, pc: u64, steps: u64) -> u64 {
    // SAFETY: `op` points at a live instruction.
    let d = unsafe { &*op };
    let steps = steps + 1;
    let fallthrough = pc.wrapping_add(d.len as u64);
    cpu.next_pc = fallthrough;
    if let Err(e) = semantics::<F>()(cpu, d) {
        return trapped(cpu, e, steps);
    }
    let pc = cpu.next_pc;
    cpu.pc = pc;
    // SAFETY: as above.
    unsafe {
        if pc != fallthrough {
            return cpu.chain(pc, steps);
        }
        next(cpu, op, pc, steps)
    }
}

/// A jump (`jal`, `jalr`): its block's last instruction, after which the
/// block at its target may run straight away.
///
/// # Safety
/// As for [`ThreadedFn`].
unsafe fn jump<F: SemanticsFn>(cpu: &mut Cpu, op: *const Decoded, pc: u64, steps: u64) -> u64 {
    // SAFETY: `op` points at a live instruction.
    let d = unsafe { &*op };
    let steps = steps + 1;
    cpu.next_pc = pc.wrapping_add(d.len as u64);
    if let Err(e) = semantics::<F>()(cpu, d) {
        return trapped(cpu, e, steps);
    }
    let pc = cpu.next_pc;
    cpu.pc = pc;
    // SAFETY: called from a handler.
    unsafe { cpu.chain(pc, steps) }
}

/// A `SYSTEM` or `FENCE` instruction: always its block's last. It may read
/// the counters (a CSR read) or return from a trap, so they are stored
/// before it.
///
/// # Safety
/// As for [`ThreadedFn`].
unsafe fn ends<F: SemanticsFn>(cpu: &mut Cpu, op: *const Decoded, pc: u64, steps: u64) -> u64 {
    // SAFETY: `op` points at a live instruction.
    let d = unsafe { &*op };
    let steps = steps + 1;
    cpu.steps = steps;
    cpu.retired = steps - 1 - cpu.block_lag;
    cpu.next_pc = pc.wrapping_add(d.len as u64);
    if let Err(e) = semantics::<F>()(cpu, d) {
        return trapped(cpu, e, steps);
    }
    cpu.pc = cpu.next_pc;
    steps
}
