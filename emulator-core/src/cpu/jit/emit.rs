//! Translating one block to Cranelift IR.
//!
//! The block is the interpreter's (`cpu/block.rs`): the same instructions,
//! ending at the same places, so both engines leave a block at the same
//! points and keep the same counters. The generated function takes the
//! hart and the block's pc. Inside it:
//! - guest registers live in Cranelift variables, loaded on first use;
//!   every write is also stored to the hart at once (a store the host
//!   retires in the background), so that exits and calls into Rust find
//!   the hart up to date and carry no registers;
//! - integer arithmetic, branches and jumps are host instructions;
//! - loads and stores look the host fast path up inline (tag compare plus
//!   addend) and count their TLB hit there; anything else (a miss, a
//!   misaligned or device access) leaves through a call to the
//!   instruction's interpreter semantics, as does every instruction not
//!   translated here (CSRs, FP, AMOs, division, ...);
//! - fetch is accounted as the block loop does it: a hit per instruction,
//!   counted once per exit, and the fetch page's TLB entry made most
//!   recent at entry and after each memory access;
//! - the block ends by jumping straight into the next translated block
//!   when that one is on the same page (a tail call), else by returning
//!   to the dispatcher.

use super::layout as at;
use super::{CODE_TABLE, CodeSlot, DECLINED, NORMAL, TRAPPED};
use crate::isa::{BlockRole, Decoded, X0_SINK};
use crate::mmu::fast::{ENTRIES, NO_SLOT};
use crate::mmu::tlb::STAMP_INDEX_MASK;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, MemFlagsData, SigRef, Type, Value, types};
use cranelift_frontend::{FunctionBuilder, Variable};

const I64: Type = types::I64;
const I32: Type = types::I32;

/// Memory the generated code touches is the hart's and RAM's, always
/// mapped; nothing it loads or stores traps.
fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// The block to translate and where it lives.
pub(super) struct Source<'a> {
    /// Its instructions, as the interpreter's block holds them.
    pub ops: &'a [Decoded],
    /// The same instructions at an address that lives as long as the
    /// code: the slow path hands the interpreter's semantics a pointer.
    pub stable_ops: *const super::StableOp,
    /// Host address of the first instruction's bytes.
    pub host: usize,
    /// The code table ([`CODE_TABLE`] slots), for chaining.
    pub table: *const CodeSlot,
    /// `exec_slow`'s address.
    pub helper: usize,
    /// `touch_slow`'s address.
    pub touch_helper: usize,
    /// The TLB's policy is LRU: hits touch replacement state. (A
    /// machine's harts share one TLB shape, and the dispatcher enters
    /// code only on a hart of the policy it was made for.)
    pub lru: bool,
}

/// Where a block exit goes.
#[derive(Clone, Copy)]
enum Target {
    /// `pc + offset`, the block's pc plus a constant: a branch or jump
    /// target, or the fall-through. Chained when on the same page.
    Relative(i64),
    /// A value computed at run time (`jalr`, `mret`, ...): chained when
    /// it lies on the fetch page, found in the code table.
    Computed(Value),
    /// Relative, never chained: something changed that the dispatcher
    /// must look at.
    Dispatcher(i64),
}

/// State of the translation of one block.
///
/// While the block runs, the hart's `pc`, `steps` and `retired` hold
/// their values at its entry: offsets from them are constants here, so
/// nothing but the hart's address stays live across the block (values
/// kept across the slow path's calls would be spilled). The slow path's
/// helper makes them exact for the semantics and back again.
pub(super) struct Emitter<'a, 'f> {
    b: &'a mut FunctionBuilder<'f>,
    src: &'a Source<'a>,
    tail_sig: SigRef,
    helper_sig: SigRef,
    cpu: Value,
    regs: [Variable; 32],
    /// Registers whose variable has a value (bit per register).
    loaded: u32,
    /// Where exits to the dispatcher go: params (instructions retired,
    /// pc, exit code).
    leave: Block,
    /// Where exits that may enter the next block go: params
    /// (instructions retired, pc).
    chain: Block,
    /// Where a trap leaves: param (instructions attempted).
    trapped: Block,
    /// The block's start, after the pc is stored: a loop back to it
    /// comes here.
    head: Block,
    /// Where a jump back to the block's own start goes: param
    /// (instructions retired).
    again: Block,
    /// Byte offset of the instruction being translated from the first.
    offset: i64,
    /// A memory access ran, after which the block loop makes the fetch
    /// page's entry most recent, and that touch is not made yet (see
    /// [`Emitter::access`]).
    fetch_touch_owed: bool,
}

impl<'a, 'f> Emitter<'a, 'f> {
    /// Starts the function: its entry stores the pc, gives up (returning
    /// [`DECLINED`]) unless the whole block fits before the deadline, then
    /// makes the fetch page's TLB entry most recent.
    pub fn new(b: &'a mut FunctionBuilder<'f>, src: &'a Source<'a>, tail_sig: SigRef, helper_sig: SigRef) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let (cpu, pc0) = (b.block_params(entry)[0], b.block_params(entry)[1]);
        b.ins().store(flags(), pc0, cpu, at::PC);
        let regs = std::array::from_fn(|_| b.declare_var(I64));
        let (leave, chain, trapped) = (b.create_block(), b.create_block(), b.create_block());
        let (head, again) = (b.create_block(), b.create_block());
        b.ins().jump(head, &[]);
        let mut e = Emitter {
            b,
            src,
            tail_sig,
            helper_sig,
            cpu,
            regs,
            loaded: 1,
            leave,
            chain,
            trapped,
            head,
            again,
            offset: 0,
            fetch_touch_owed: false,
        };
        for (block, params) in [(leave, 3), (chain, 2), (trapped, 1), (again, 1)] {
            for _ in 0..params {
                e.b.append_block_param(block, I64);
            }
        }
        e.b.switch_to_block(head);
        e.decline_unless_it_fits();
        e.touch_fetch_entry();
        e
    }

    /// Returns [`DECLINED`] when `steps + len > deadline`: the dispatcher
    /// then runs single steps up to the deadline, as the block loop does.
    fn decline_unless_it_fits(&mut self) {
        let steps = self.b.ins().load(I64, flags(), self.cpu, at::STEPS);
        let deadline = self.b.ins().load(I64, flags(), self.cpu, at::DEADLINE);
        let end = self.b.ins().iadd_imm_s(steps, self.src.ops.len() as i64);
        let late = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, deadline);
        let (decline, go) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(late, decline, &[], go, &[]);
        self.b.switch_to_block(decline);
        let code = self.b.ins().iconst(I64, DECLINED);
        self.b.ins().return_(&[code]);
        self.b.switch_to_block(go);
    }

    /// Makes the fetch page's TLB entry most recent (when there is one):
    /// what each fetch does, done at entry and after each memory access,
    /// the only things that can use another entry.
    fn touch_fetch_entry(&mut self) {
        if self.src.lru {
            let slot = self.b.ins().uload32(flags(), self.cpu, at::FETCH_SLOT);
            self.touch(slot);
        }
    }

    /// The first byte of the fast path's row of loads (or stores) in the
    /// data mode.
    fn data_row(&mut self, store: bool) -> Value {
        let row = self.b.ins().load(I64, flags(), self.cpu, at::DATA_LOAD_ROW);
        if store { self.b.ins().iadd_imm_s(row, (ENTRIES * 16) as i64) } else { row }
    }

    /// Translates every instruction, then ends the function.
    pub fn translate(mut self) {
        let ops = self.src.ops;
        for (i, d) in ops.iter().enumerate() {
            let last = i + 1 == ops.len();
            self.instruction(i, d, last);
            self.offset += d.len as i64;
        }
        self.emit_leave();
        self.emit_chain();
        self.emit_trapped();
        self.emit_again();
        self.b.seal_all_blocks();
    }

    /// Translates instruction `i`; the last one also ends the block.
    fn instruction(&mut self, i: usize, d: &Decoded, last: bool) {
        let done = match d.role() {
            BlockRole::Plain => self.arithmetic(d),
            BlockRole::Branch => self.branch(i, d),
            BlockRole::Access => self.access(i, d, last),
            BlockRole::Ends => self.jump(i, d),
        };
        if !done {
            self.interpreted(i, d, last);
        } else if last && d.role() != BlockRole::Ends {
            // Cut at the page's end or at the longest block.
            self.exit(i + 1, Target::Relative(self.offset + d.len as i64));
        }
    }

    // ---- registers ----

    /// The value of integer register `r` (x0 reads as zero).
    fn x(&mut self, r: u8) -> Value {
        let r = (r & 31) as usize;
        if r == 0 {
            return self.b.ins().iconst(I64, 0);
        }
        if self.loaded & (1 << r) == 0 {
            let v = self.b.ins().load(I64, flags(), self.cpu, at::X + 8 * r as i32);
            self.b.def_var(self.regs[r], v);
            self.loaded |= 1 << r;
        }
        self.b.use_var(self.regs[r])
    }

    /// Writes `rd` as decoded: the sink slot (x0) discards the value.
    fn set_x(&mut self, rd: u8, v: Value) {
        if rd == X0_SINK || rd == 0 {
            return;
        }
        let r = (rd & 31) as usize;
        self.b.def_var(self.regs[r], v);
        self.loaded |= 1 << r;
        self.b.ins().store(flags(), v, self.cpu, at::X + 8 * r as i32);
    }

    /// After a call into Rust that may have written `rd`: its variable is
    /// reloaded from the hart (the others are unchanged there).
    fn reload(&mut self, d: &Decoded) {
        let rd = d.rd;
        if rd != X0_SINK && rd != 0 && rd < 32 && !is_float_destination(d) {
            let v = self.b.ins().load(I64, flags(), self.cpu, at::X + 8 * rd as i32);
            self.b.def_var(self.regs[rd as usize], v);
            self.loaded |= 1 << rd;
        }
    }

    /// After a call into Rust on some path: registers are read from the
    /// hart again (written through, it is up to date), except `d`'s
    /// destination, defined on every path. No guest value then stays live
    /// across the call, where the host's registers are clobbered.
    fn forget_registers_but(&mut self, d: &Decoded) {
        let keep = if d.rd != X0_SINK && d.rd != 0 && d.rd < 32 && !is_float_destination(d) { 1 << d.rd } else { 0 };
        self.loaded &= keep | 1;
    }

    // ---- arithmetic ----

    /// The pc of the instruction being translated plus `delta`.
    fn pc_plus(&mut self, delta: i64) -> Value {
        let pc0 = self.b.ins().load(I64, flags(), self.cpu, at::PC);
        self.b.ins().iadd_imm_s(pc0, self.offset + delta)
    }

    /// The low 32 bits of register `r`.
    fn x32(&mut self, r: u8) -> Value {
        let v = self.x(r);
        self.b.ins().ireduce(I32, v)
    }

    /// A comparison with a constant as 0 or 1.
    fn flag_imm(&mut self, cc: IntCC, a: Value, b: i64) -> Value {
        let c = self.b.ins().icmp_imm_s(cc, a, b);
        self.b.ins().uextend(I64, c)
    }

    /// A comparison as 0 or 1.
    fn flag(&mut self, cc: IntCC, a: Value, b: Value) -> Value {
        let c = self.b.ins().icmp(cc, a, b);
        self.b.ins().uextend(I64, c)
    }

    /// Integer register-immediate and register-register instructions
    /// (RV64I, and M's multiplications): false for the others.
    fn arithmetic(&mut self, d: &Decoded) -> bool {
        let v = match d.base.name {
            "lui" => self.b.ins().iconst(I64, d.imm),
            "auipc" => self.pc_plus(d.imm),
            _ => match self.immediate(d).or_else(|| self.register(d)).or_else(|| self.word(d)) {
                Some(v) => v,
                None => return false,
            },
        };
        self.set_x(d.rd, v);
        true
    }

    /// `rd = rs1 op imm`.
    fn immediate(&mut self, d: &Decoded) -> Option<Value> {
        let name = d.base.name;
        if !matches!(name, "addi" | "slti" | "sltiu" | "xori" | "ori" | "andi" | "slli" | "srli" | "srai") {
            return None;
        }
        let (a, imm) = (self.x(d.rs1), d.imm);
        let ins = self.b.ins();
        Some(match name {
            "addi" => ins.iadd_imm_s(a, imm),
            "xori" => ins.bxor_imm_s(a, imm),
            "ori" => ins.bor_imm_s(a, imm),
            "andi" => ins.band_imm_s(a, imm),
            "slli" => ins.ishl_imm_s(a, imm & 63),
            "srli" => ins.ushr_imm_s(a, imm & 63),
            "srai" => ins.sshr_imm_s(a, imm & 63),
            "slti" => {
                let c = ins.icmp_imm_s(IntCC::SignedLessThan, a, imm);
                self.b.ins().uextend(I64, c)
            }
            _ => {
                let c = ins.icmp_imm_s(IntCC::UnsignedLessThan, a, imm);
                self.b.ins().uextend(I64, c)
            }
        })
    }

    /// `rd = rs1 op rs2`, 64-bit.
    fn register(&mut self, d: &Decoded) -> Option<Value> {
        let name = d.base.name;
        let known = "add sub sll slt sltu xor srl sra or and mul mulh mulhu";
        if !known.split(' ').any(|n| n == name) {
            return None;
        }
        let (a, b) = (self.x(d.rs1), self.x(d.rs2));
        Some(match name {
            "slt" => self.flag(IntCC::SignedLessThan, a, b),
            "sltu" => self.flag(IntCC::UnsignedLessThan, a, b),
            _ => {
                let ins = self.b.ins();
                match name {
                    "add" => ins.iadd(a, b),
                    "sub" => ins.isub(a, b),
                    // Cranelift's shifts take the amount modulo 64, as RV64's.
                    "sll" => ins.ishl(a, b),
                    "srl" => ins.ushr(a, b),
                    "sra" => ins.sshr(a, b),
                    "xor" => ins.bxor(a, b),
                    "or" => ins.bor(a, b),
                    "and" => ins.band(a, b),
                    "mul" => ins.imul(a, b),
                    "mulh" => ins.smulhi(a, b),
                    _ => ins.umulhi(a, b),
                }
            }
        })
    }

    /// The 32-bit (`*w`) instructions: computed on the low words, the
    /// result sign-extended.
    fn word(&mut self, d: &Decoded) -> Option<Value> {
        let name = d.base.name;
        let known = "addiw slliw srliw sraiw addw subw sllw srlw sraw mulw";
        if !known.split(' ').any(|n| n == name) {
            return None;
        }
        let a = self.x32(d.rs1);
        let imm = d.imm;
        let w = match name {
            "addiw" => self.b.ins().iadd_imm_s(a, imm),
            "slliw" => self.b.ins().ishl_imm_s(a, imm & 31),
            "srliw" => self.b.ins().ushr_imm_s(a, imm & 31),
            "sraiw" => self.b.ins().sshr_imm_s(a, imm & 31),
            _ => {
                let b = self.x32(d.rs2);
                let ins = self.b.ins();
                match name {
                    "addw" => ins.iadd(a, b),
                    "subw" => ins.isub(a, b),
                    // Modulo 32 for 32-bit values, as RV64's *w shifts.
                    "sllw" => ins.ishl(a, b),
                    "srlw" => ins.ushr(a, b),
                    "sraw" => ins.sshr(a, b),
                    _ => ins.imul(a, b),
                }
            }
        };
        Some(self.b.ins().sextend(I64, w))
    }

    // ---- control transfer ----

    /// A conditional branch: taken, the block ends there; not taken, it
    /// goes on (nothing was accessed, so the fetch entry stays most
    /// recent).
    fn branch(&mut self, i: usize, d: &Decoded) -> bool {
        let cc = match d.base.name {
            "beq" => IntCC::Equal,
            "bne" => IntCC::NotEqual,
            "blt" => IntCC::SignedLessThan,
            "bge" => IntCC::SignedGreaterThanOrEqual,
            "bltu" => IntCC::UnsignedLessThan,
            "bgeu" => IntCC::UnsignedGreaterThanOrEqual,
            _ => return false,
        };
        let (a, b) = (self.x(d.rs1), self.x(d.rs2));
        let taken = self.b.ins().icmp(cc, a, b);
        let (jump, on) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(taken, jump, &[], on, &[]);
        self.b.switch_to_block(jump);
        self.exit(i + 1, Target::Relative(self.offset + d.imm));
        self.b.switch_to_block(on);
        true
    }

    /// `jal` and `jalr`, which end their block.
    fn jump(&mut self, i: usize, d: &Decoded) -> bool {
        match d.base.name {
            "jal" => {
                let link = self.pc_plus(d.len as i64);
                self.set_x(d.rd, link);
                self.exit(i + 1, Target::Relative(self.offset + d.imm));
            }
            "jalr" => {
                // The target is computed before rd is written: rd may be rs1.
                let base = self.x(d.rs1);
                let sum = self.b.ins().iadd_imm_s(base, d.imm);
                let target = self.b.ins().band_imm_s(sum, !1);
                let link = self.pc_plus(d.len as i64);
                self.set_x(d.rd, link);
                self.exit(i + 1, Target::Computed(target));
            }
            _ => return false,
        }
        true
    }

    // ---- memory ----

    /// A load or store of the integer registers, with the host fast path
    /// inline; false for the other accesses (AMOs, FP).
    ///
    /// The block loop makes the fetch page's entry most recent after each
    /// access that the block goes on after. Replacement compares only the
    /// order of each set's last uses, so the touches owed for two accesses
    /// in a row can be made once, after the second: the order of last uses
    /// is the same (F D1 F D2 F leaves D1 < D2 < F, as F D1 D2 F does). The
    /// owed touch is made where that order could be seen or would differ:
    /// before any call into the interpreter's semantics (a fill there
    /// chooses a victim), before the data touch of the block's last
    /// instruction (after which the loop makes none), and at each exit.
    /// Under a fully associative LRU TLB, where fetch and data alternate
    /// as the one set's most recent, this halves the touches that leave
    /// translated code.
    fn access(&mut self, i: usize, d: &Decoded, last: bool) -> bool {
        let (size, signed, store) = match d.base.name {
            "lb" => (1, true, false),
            "lh" => (2, true, false),
            "lw" => (4, true, false),
            "ld" => (8, false, false),
            "lbu" => (1, false, false),
            "lhu" => (2, false, false),
            "lwu" => (4, false, false),
            "sb" => (1, false, true),
            "sh" => (2, false, true),
            "sw" => (4, false, true),
            "sd" => (8, false, true),
            _ => return false,
        };
        if last {
            self.pay_fetch_touch();
        }
        let base = self.x(d.rs1);
        let va = self.b.ins().iadd_imm_s(base, d.imm);
        let value = if store { Some(self.x(d.rs2)) } else { None };
        let (fast, slow, join) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
        let host = self.fast_lookup(va, size, store, fast, slow);
        // Fast: the access itself, on host memory.
        self.b.switch_to_block(fast);
        match value {
            Some(v) => self.store_host(host, v, size),
            None => {
                let v = self.load_host(host, size, signed);
                self.set_x(d.rd, v);
            }
        }
        self.b.ins().jump(join, &[]);
        // Slow: the interpreter's semantics, the owed touch made first.
        self.b.switch_to_block(slow);
        if self.fetch_touch_owed {
            self.touch_fetch_entry();
        }
        self.call_semantics(i, d);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
        self.forget_registers_but(d);
        self.fetch_touch_owed = !last;
        true
    }

    /// Makes the fetch touch owed, if one is, on the path being built.
    fn pay_fetch_touch(&mut self) {
        if self.fetch_touch_owed {
            self.touch_fetch_entry();
            self.fetch_touch_owed = false;
        }
    }

    /// Looks `va` up in the fast path's row for the access; on a hit
    /// (aligned, tag equal) counts the TLB hit, makes its entry most
    /// recent and goes to `fast` with the host address; else to `slow`.
    /// The alignment is checked with the tag: misaligned low bits, moved
    /// above any page number, make the compare fail.
    fn fast_lookup(&mut self, va: Value, size: i64, store: bool, fast: Block, slow: Block) -> Value {
        let hit = self.b.create_block();
        let row = self.data_row(store);
        let vpn = self.b.ins().ushr_imm_s(va, 12);
        let index = self.b.ins().band_imm_s(vpn, ENTRIES as i64 - 1);
        let offset = self.b.ins().ishl_imm_s(index, 4);
        let entry = self.b.ins().iadd(row, offset);
        let key = if size > 1 {
            let low = self.b.ins().band_imm_s(va, size - 1);
            let high = self.b.ins().ishl_imm_s(low, 60);
            self.b.ins().bor(vpn, high)
        } else {
            vpn
        };
        let tag = self.b.ins().load(I64, flags(), entry, 0);
        let same = self.b.ins().icmp(IntCC::Equal, tag, key);
        self.b.ins().brif(same, hit, &[], slow, &[]);
        self.b.switch_to_block(hit);
        let addend_slot = self.b.ins().load(I64, flags(), entry, 8);
        let slot = self.b.ins().band_imm_s(addend_slot, 0xfff);
        self.count_data_hit(slot, store);
        let addend = self.b.ins().band_imm_s(addend_slot, !0xfff);
        let host = self.b.ins().iadd(va, addend);
        self.b.ins().jump(fast, &[]);
        host
    }

    /// `Tlb::record_hit` for a fast-path data access, when a TLB slot is
    /// behind it.
    fn count_data_hit(&mut self, slot: Value, store: bool) {
        let has_slot = self.flag_imm(IntCC::NotEqual, slot, NO_SLOT as i64);
        let field = at::TLB_HITS + if store { 16 } else { 8 };
        let hits = self.b.ins().load(I64, flags(), self.cpu, field);
        let hits = self.b.ins().iadd(hits, has_slot);
        self.b.ins().store(flags(), hits, self.cpu, field);
        if self.src.lru {
            self.touch(slot);
        }
    }

    /// `Tlb::touch(slot)` under LRU: nothing when the slot is its set's
    /// most recent already (the slot no entry has always is); else the
    /// TLB's own code, out of line.
    fn touch(&mut self, slot: Value) {
        let slot = self.b.ins().band_imm_s(slot, STAMP_INDEX_MASK as i64);
        let flags_at = self.b.ins().load(I64, flags(), self.cpu, at::TLB_IS_MRU);
        let flag_at = self.b.ins().iadd(flags_at, slot);
        let recent = self.b.ins().uload8(I64, flags(), flag_at, 0);
        let (bump, on) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(recent, on, &[], bump, &[]);
        self.b.set_cold_block(bump);
        self.b.switch_to_block(bump);
        let helper = self.b.ins().iconst(I64, self.src.touch_helper as i64);
        self.b.ins().call_indirect(self.helper_sig, helper, &[self.cpu, slot]);
        self.b.ins().jump(on, &[]);
        self.b.switch_to_block(on);
    }

    fn load_host(&mut self, host: Value, size: i64, signed: bool) -> Value {
        let ins = self.b.ins();
        match (size, signed) {
            (1, true) => ins.sload8(I64, flags(), host, 0),
            (1, false) => ins.uload8(I64, flags(), host, 0),
            (2, true) => ins.sload16(I64, flags(), host, 0),
            (2, false) => ins.uload16(I64, flags(), host, 0),
            (4, true) => ins.sload32(flags(), host, 0),
            (4, false) => ins.uload32(flags(), host, 0),
            _ => ins.load(I64, flags(), host, 0),
        }
    }

    fn store_host(&mut self, host: Value, v: Value, size: i64) {
        let ins = self.b.ins();
        match size {
            1 => ins.istore8(flags(), v, host, 0),
            2 => ins.istore16(flags(), v, host, 0),
            4 => ins.istore32(flags(), v, host, 0),
            _ => ins.store(flags(), v, host, 0),
        };
    }

    // ---- the interpreter's semantics ----

    /// Calls instruction `i`'s semantics through [`super::exec_slow`],
    /// which sets the pc, next pc, steps and retired count as the
    /// interpreter would have them, and puts the entry's values back
    /// unless the semantics raise an exception. Then this leaves through
    /// `trapped`, the hart exact for the trap; and when the helper says
    /// the block loop would stop after the instruction (an access that
    /// moved the fetch page or brought the deadline), to the dispatcher.
    fn call_semantics(&mut self, i: usize, d: &Decoded) {
        let op = self.b.ins().iconst(I64, self.src.stable_ops.wrapping_add(i) as i64);
        let helper = self.b.ins().iconst(I64, self.src.helper as i64);
        let call = self.b.ins().call_indirect(self.helper_sig, helper, &[self.cpu, op]);
        let result = self.b.inst_results(call)[0];
        let (on, other) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(result, other, &[], on, &[]);
        self.b.switch_to_block(other);
        let (trapped, stop) = (self.b.ins().icmp_imm_s(IntCC::Equal, result, 1), self.b.create_block());
        let attempted = self.constant(i + 1);
        self.b.ins().brif(trapped, self.trapped, &[attempted.into()], stop, &[]);
        self.b.switch_to_block(stop);
        // The semantics ran, and the block loop would stop after them.
        self.exit(i + 1, Target::Dispatcher(self.offset + d.len as i64));
        self.b.switch_to_block(on);
        self.reload(d);
    }

    fn constant(&mut self, n: usize) -> Value {
        self.b.ins().iconst(I64, n as i64)
    }

    /// An instruction translated as a call to its semantics. A plain one
    /// goes on; an access is followed by the block loop's look; the
    /// block's last goes where `next_pc` says.
    fn interpreted(&mut self, i: usize, d: &Decoded, last: bool) {
        self.pay_fetch_touch();
        self.call_semantics(i, d);
        self.forget_registers_but(d);
        if last {
            let next = self.b.ins().load(I64, flags(), self.cpu, at::NEXT_PC);
            let n = self.constant(i + 1);
            self.b.ins().jump(self.chain, &[n.into(), next.into()]);
        } else {
            self.fetch_touch_owed = d.role() == BlockRole::Access;
        }
    }

    // ---- leaving ----

    /// Leaves after instruction `executed - 1` retired, for `target`,
    /// making the fetch touch owed, if any. A leave to the dispatcher
    /// comes only after a call into the semantics, and every path to such
    /// a call has made the owed touch before it (the flag stays set on
    /// that path only because the access's fast path shares it).
    fn exit(&mut self, executed: usize, target: Target) {
        if self.fetch_touch_owed && !matches!(target, Target::Dispatcher(_)) {
            self.touch_fetch_entry();
        }
        let n = self.constant(executed);
        let (pc, chains) = match target {
            Target::Relative(0) => {
                self.b.ins().jump(self.again, &[n.into()]);
                return;
            }
            Target::Relative(offset) => {
                let in_page = (self.src.host & 0xfff) as i64 + offset;
                (self.pc_plus(offset - self.offset), (0..=0xffc).contains(&in_page))
            }
            Target::Computed(pc) => (pc, true),
            Target::Dispatcher(offset) => (self.pc_plus(offset - self.offset), false),
        };
        if chains {
            self.b.ins().jump(self.chain, &[n.into(), pc.into()]);
        } else {
            let code = self.b.ins().iconst(I64, NORMAL);
            self.b.ins().jump(self.leave, &[n.into(), pc.into(), code.into()]);
        }
    }

    /// Counts `attempted` fetch hits when the fetch page has a TLB slot
    /// (`Tlb::count_hits`).
    fn count_fetches(&mut self, attempted: Value) {
        let slot = self.b.ins().uload32(flags(), self.cpu, at::FETCH_SLOT);
        let has_slot = self.b.ins().icmp_imm_s(IntCC::NotEqual, slot, NO_SLOT as i64);
        let zero = self.b.ins().iconst(I64, 0);
        let add = self.b.ins().select(has_slot, attempted, zero);
        let hits = self.b.ins().load(I64, flags(), self.cpu, at::TLB_HITS);
        let hits = self.b.ins().iadd(hits, add);
        self.b.ins().store(flags(), hits, self.cpu, at::TLB_HITS);
    }

    /// Advances the clock and the retired count by `n` instructions that
    /// retired, counts their fetches, and stores `pc`.
    fn settle(&mut self, n: Value, pc: Value) {
        let steps = self.b.ins().load(I64, flags(), self.cpu, at::STEPS);
        let steps = self.b.ins().iadd(steps, n);
        self.b.ins().store(flags(), steps, self.cpu, at::STEPS);
        let retired = self.b.ins().load(I64, flags(), self.cpu, at::RETIRED);
        let retired = self.b.ins().iadd(retired, n);
        self.b.ins().store(flags(), retired, self.cpu, at::RETIRED);
        self.count_fetches(n);
        self.b.ins().store(flags(), pc, self.cpu, at::PC);
    }

    /// The shared exit to the dispatcher.
    fn emit_leave(&mut self) {
        self.b.switch_to_block(self.leave);
        let p = self.b.block_params(self.leave).to_vec();
        self.settle(p[0], p[1]);
        self.b.ins().return_(&[p[2]]);
    }

    /// A loop back to the block's own start: settles (the pc stays), then
    /// runs the block again from its head, deadline check first, without
    /// leaving the function.
    fn emit_again(&mut self) {
        self.b.switch_to_block(self.again);
        let n = self.b.block_params(self.again)[0];
        let pc0 = self.b.ins().load(I64, flags(), self.cpu, at::PC);
        self.settle(n, pc0);
        self.b.ins().jump(self.head, &[]);
    }

    /// The shared exit after a trap: the helper left the pc, clock and
    /// retired count exact; the attempted instructions' fetches count.
    fn emit_trapped(&mut self) {
        self.b.switch_to_block(self.trapped);
        let attempted = self.b.block_params(self.trapped)[0];
        self.count_fetches(attempted);
        let code = self.b.ins().iconst(I64, TRAPPED);
        self.b.ins().return_(&[code]);
    }

    /// The shared exit that goes on at a pc: settles, then enters the
    /// code there directly when the pc lies on the fetch page (as it is
    /// now: the last instruction may have changed it), 4 bytes from its
    /// end or more, and its code is in the table; else returns to the
    /// dispatcher.
    fn emit_chain(&mut self) {
        self.b.switch_to_block(self.chain);
        let p = self.b.block_params(self.chain).to_vec();
        let (n, target) = (p[0], p[1]);
        self.settle(n, target);
        let page = self.b.ins().load(I64, flags(), self.cpu, at::FETCH_PAGE);
        let target_page = self.b.ins().ushr_imm_s(target, 12);
        let same = self.b.ins().icmp(IntCC::Equal, page, target_page);
        let in_page = self.b.ins().band_imm_s(target, 0xfff);
        let room = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThanOrEqual, in_page, 0xffc);
        let ok = self.b.ins().band(same, room);
        let (look, back, enter) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
        self.b.ins().brif(ok, look, &[], back, &[]);
        self.b.switch_to_block(look);
        let addend = self.b.ins().load(I64, flags(), self.cpu, at::FETCH_ADDEND);
        let host = self.b.ins().iadd(target, addend);
        let half = self.b.ins().ushr_imm_s(host, 1);
        let index = self.b.ins().band_imm_s(half, CODE_TABLE as i64 - 1);
        let offset = self.b.ins().imul_imm_s(index, size_of::<CodeSlot>() as i64);
        let table = self.b.ins().iconst(I64, self.src.table as i64);
        let slot_at = self.b.ins().iadd(table, offset);
        let key = self.b.ins().load(I64, flags(), slot_at, 0);
        let present = self.b.ins().icmp(IntCC::Equal, key, host);
        self.b.ins().brif(present, enter, &[], back, &[]);
        self.b.switch_to_block(enter);
        let code = self.b.ins().load(I64, flags(), slot_at, 8);
        self.b.ins().return_call_indirect(self.tail_sig, code, &[self.cpu, target]);
        self.b.switch_to_block(back);
        let code = self.b.ins().iconst(I64, NORMAL);
        self.b.ins().return_(&[code]);
    }
}

/// Whether `d` writes an f register (its `rd` is not an x register).
fn is_float_destination(d: &Decoded) -> bool {
    let opcode = d.base.bits & 0x7f;
    // LOAD-FP; OP-FP except the moves, compares and conversions to
    // integers; the fused multiply-adds.
    match opcode {
        0x07 | 0x43 | 0x47 | 0x4b | 0x4f => true,
        0x53 => !matches!(d.base.bits >> 27, 0x14 | 0x18 | 0x1c),
        _ => false,
    }
}

/// The index of the code table slot of the block at host address `host`.
pub(super) fn table_index(host: usize) -> usize {
    (host >> 1) & (CODE_TABLE - 1)
}
