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
    pub stable_ops: *const Decoded,
    /// Host address of the first instruction's bytes.
    pub host: usize,
    /// The code table ([`CODE_TABLE`] slots), for chaining.
    pub table: *const CodeSlot,
    /// `exec_slow`'s address.
    pub helper: usize,
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
pub(super) struct Emitter<'a, 'f> {
    b: &'a mut FunctionBuilder<'f>,
    src: &'a Source<'a>,
    tail_sig: SigRef,
    helper_sig: SigRef,
    cpu: Value,
    pc0: Value,
    regs: [Variable; 32],
    /// Registers whose variable has a value (bit per register).
    loaded: u32,
    /// Where every exit goes: params (instructions attempted, retired,
    /// pc, exit code).
    leave: Block,
    /// Where exits that may enter the next block go: params
    /// (instructions retired, pc).
    chain: Block,
    steps0: Value,
    retired0: Value,
    fetch_slot: Value,
    /// Nonzero when a fetch touches LRU state: LRU policy and a TLB slot
    /// behind the fetch page.
    fetch_touches: Value,
    lru: Value,
    load_row: Value,
    store_row: Value,
    /// Byte offset of the instruction being translated from the first.
    offset: i64,
}

impl<'a, 'f> Emitter<'a, 'f> {
    /// Starts the function: its entry reads the hart's clock and gives up
    /// (returning [`DECLINED`]) unless the whole block fits before the
    /// deadline, then makes the fetch page's TLB entry most recent.
    pub fn new(b: &'a mut FunctionBuilder<'f>, src: &'a Source<'a>, tail_sig: SigRef, helper_sig: SigRef) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let (cpu, pc0) = (b.block_params(entry)[0], b.block_params(entry)[1]);
        let regs = std::array::from_fn(|_| b.declare_var(I64));
        let steps0 = b.ins().load(I64, flags(), cpu, at::STEPS);
        let mut e = Emitter {
            b,
            src,
            tail_sig,
            helper_sig,
            cpu,
            pc0,
            regs,
            loaded: 1,
            leave: entry,
            chain: entry,
            steps0,
            retired0: steps0,
            fetch_slot: steps0,
            fetch_touches: steps0,
            lru: steps0,
            load_row: steps0,
            store_row: steps0,
            offset: 0,
        };
        e.decline_unless_it_fits();
        e.load_context();
        e.leave = e.b.create_block();
        e.chain = e.b.create_block();
        for _ in 0..4 {
            e.b.append_block_param(e.leave, I64);
        }
        for _ in 0..2 {
            e.b.append_block_param(e.chain, I64);
        }
        e
    }

    /// Returns [`DECLINED`] when `steps + len > deadline`: the dispatcher
    /// then runs single steps up to the deadline, as the block loop does.
    fn decline_unless_it_fits(&mut self) {
        let deadline = self.b.ins().load(I64, flags(), self.cpu, at::DEADLINE);
        let end = self.b.ins().iadd_imm_s(self.steps0, self.src.ops.len() as i64);
        let late = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, deadline);
        let (decline, go) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(late, decline, &[], go, &[]);
        self.b.switch_to_block(decline);
        self.b.ins().store(flags(), self.pc0, self.cpu, at::PC);
        let code = self.b.ins().iconst(I64, DECLINED);
        self.b.ins().return_(&[code]);
        self.b.switch_to_block(go);
    }

    /// Loads what the whole block uses: retired count, fetch slot, LRU
    /// state and the fast path's load and store rows for the data mode;
    /// then makes the fetch page's entry most recent.
    fn load_context(&mut self) {
        let (b, cpu) = (&mut *self.b, self.cpu);
        self.retired0 = b.ins().load(I64, flags(), cpu, at::RETIRED);
        self.fetch_slot = b.ins().uload32(flags(), cpu, at::FETCH_SLOT);
        self.lru = b.ins().uload8(I64, flags(), cpu, at::TLB_LRU);
        let has_slot = b.ins().icmp_imm_s(IntCC::NotEqual, self.fetch_slot, NO_SLOT as i64);
        let has_slot = b.ins().uextend(I64, has_slot);
        self.fetch_touches = b.ins().band(has_slot, self.lru);
        let rows = b.ins().load(I64, flags(), cpu, at::FAST_ROWS);
        let mode = b.ins().load(I64, flags(), cpu, at::DATA_MODE_INDEX);
        let row_bytes = (ENTRIES * 16) as i64;
        let mode_rows = b.ins().imul_imm_s(mode, 4 * row_bytes);
        let mode_base = b.ins().iadd(rows, mode_rows);
        self.load_row = b.ins().iadd_imm_s(mode_base, row_bytes);
        self.store_row = b.ins().iadd_imm_s(mode_base, 2 * row_bytes);
        let (touches, slot) = (self.fetch_touches, self.fetch_slot);
        self.touch_if(touches, slot);
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

    // ---- arithmetic ----

    /// The pc of the instruction being translated.
    fn pc(&mut self) -> Value {
        self.b.ins().iadd_imm_s(self.pc0, self.offset)
    }

    /// The low 32 bits of register `r`.
    fn x32(&mut self, r: u8) -> Value {
        let v = self.x(r);
        self.b.ins().ireduce(I32, v)
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
            "auipc" => {
                let pc = self.pc();
                self.b.ins().iadd_imm_s(pc, d.imm)
            }
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
        let link_offset = self.offset + d.len as i64;
        match d.base.name {
            "jal" => {
                let link = self.b.ins().iadd_imm_s(self.pc0, link_offset);
                self.set_x(d.rd, link);
                self.exit(i + 1, Target::Relative(self.offset + d.imm));
            }
            "jalr" => {
                // The target is computed before rd is written: rd may be rs1.
                let base = self.x(d.rs1);
                let sum = self.b.ins().iadd_imm_s(base, d.imm);
                let target = self.b.ins().band_imm_s(sum, !1);
                let link = self.b.ins().iadd_imm_s(self.pc0, link_offset);
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
        // Slow: the interpreter's semantics.
        self.b.switch_to_block(slow);
        self.call_semantics(i, d);
        if !last {
            self.look_after_slow_access(i, d);
        }
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
        if !last {
            let (touches, slot) = (self.fetch_touches, self.fetch_slot);
            self.touch_if(touches, slot);
        }
        true
    }

    /// Looks `va` up in the fast path's row for the access; on a hit
    /// (aligned, tag equal) counts the TLB hit, makes its entry most
    /// recent and goes to `fast` with the host address; else to `slow`.
    /// The alignment is checked with the tag: misaligned low bits, moved
    /// above any page number, make the compare fail.
    fn fast_lookup(&mut self, va: Value, size: i64, store: bool, fast: Block, slow: Block) -> Value {
        let hit = self.b.create_block();
        let row = if store { self.store_row } else { self.load_row };
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
        let has_slot = self.b.ins().icmp_imm_s(IntCC::NotEqual, slot, NO_SLOT as i64);
        let has_slot = self.b.ins().uextend(I64, has_slot);
        let field = at::TLB_HITS + if store { 16 } else { 8 };
        let hits = self.b.ins().load(I64, flags(), self.cpu, field);
        let hits = self.b.ins().iadd(hits, has_slot);
        self.b.ins().store(flags(), hits, self.cpu, field);
        let touches = self.b.ins().band(has_slot, self.lru);
        self.touch_if(touches, slot);
    }

    /// `Tlb::touch(slot)` when `cond` is 1: under LRU, a slot not stamped
    /// with the clock's value gets the clock's next value. Without
    /// branches: when `cond` is 0 the stamp of slot [`NO_SLOT`], which no
    /// entry has, is written back unchanged and the clock stays.
    fn touch_if(&mut self, cond: Value, slot: Value) {
        let ins = self.b.ins();
        let stamps = ins.load(I64, flags(), self.cpu, at::TLB_STAMPS);
        let nowhere = self.b.ins().iconst(I64, NO_SLOT as i64);
        let index = self.b.ins().band_imm_s(slot, STAMP_INDEX_MASK as i64);
        let index = self.b.ins().select(cond, index, nowhere);
        let offset = self.b.ins().ishl_imm_s(index, 3);
        let stamp_at = self.b.ins().iadd(stamps, offset);
        let stamp = self.b.ins().load(I64, flags(), stamp_at, 0);
        let clock = self.b.ins().load(I64, flags(), self.cpu, at::TLB_CLOCK);
        let stale = self.flag(IntCC::NotEqual, stamp, clock);
        let bump = self.b.ins().band(stale, cond);
        let next = self.b.ins().iadd(clock, bump);
        self.b.ins().store(flags(), next, self.cpu, at::TLB_CLOCK);
        let stamp = self.b.ins().select(cond, next, stamp);
        self.b.ins().store(flags(), stamp, stamp_at, 0);
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

    /// After an access the fast path did not serve (the semantics ran),
    /// the block stops unless the fetch page is the same (no fill over
    /// its entry, no store to its code) and the deadline is still ahead
    /// (no device asked for attention), as the block loop looks.
    fn look_after_slow_access(&mut self, i: usize, d: &Decoded) {
        let page0 = self.b.ins().ushr_imm_s(self.pc0, 12);
        let page = self.b.ins().load(I64, flags(), self.cpu, at::FETCH_PAGE);
        let moved = self.b.ins().icmp(IntCC::NotEqual, page, page0);
        let deadline = self.b.ins().load(I64, flags(), self.cpu, at::DEADLINE);
        let steps = self.b.ins().iadd_imm_s(self.steps0, i as i64 + 1);
        let due = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, steps, deadline);
        let stop = self.b.ins().bor(moved, due);
        let (leave, on) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(stop, leave, &[], on, &[]);
        self.b.switch_to_block(leave);
        self.exit(i + 1, Target::Dispatcher(self.offset + d.len as i64));
        self.b.switch_to_block(on);
    }

    // ---- the interpreter's semantics ----

    /// Calls instruction `i`'s semantics with the hart as the interpreter
    /// would leave it: registers (always written through), pc, next pc,
    /// steps and retired count exact. Leaves the block with [`TRAPPED`] if
    /// they raised an exception.
    fn call_semantics(&mut self, i: usize, d: &Decoded) {
        let pc = self.pc();
        self.b.ins().store(flags(), pc, self.cpu, at::PC);
        let next = self.b.ins().iadd_imm_s(pc, d.len as i64);
        self.b.ins().store(flags(), next, self.cpu, at::NEXT_PC);
        let steps = self.b.ins().iadd_imm_s(self.steps0, i as i64 + 1);
        self.b.ins().store(flags(), steps, self.cpu, at::STEPS);
        let retired = self.b.ins().iadd_imm_s(self.retired0, i as i64);
        self.b.ins().store(flags(), retired, self.cpu, at::RETIRED);
        let op = self.b.ins().iconst(I64, self.src.stable_ops.wrapping_add(i) as i64);
        let helper = self.b.ins().iconst(I64, self.src.helper as i64);
        let call = self.b.ins().call_indirect(self.helper_sig, helper, &[self.cpu, op]);
        let failed = self.b.inst_results(call)[0];
        let on = self.b.create_block();
        // A trap: instruction i was attempted (a step and a fetch), not
        // retired, and the pc stays on it.
        let (n, r, code) = (self.constant(i + 1), self.constant(i), self.b.ins().iconst(I64, TRAPPED));
        self.b.ins().brif(failed, self.leave, &[n.into(), r.into(), pc.into(), code.into()], on, &[]);
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
        self.call_semantics(i, d);
        if last {
            let next = self.b.ins().load(I64, flags(), self.cpu, at::NEXT_PC);
            let n = self.constant(i + 1);
            self.b.ins().jump(self.chain, &[n.into(), next.into()]);
        } else if d.role() == BlockRole::Access {
            self.look_after_slow_access(i, d);
            let (touches, slot) = (self.fetch_touches, self.fetch_slot);
            self.touch_if(touches, slot);
        }
    }

    // ---- leaving ----

    /// Leaves after instruction `executed - 1` retired, for `target`.
    fn exit(&mut self, executed: usize, target: Target) {
        let n = self.constant(executed);
        match target {
            Target::Relative(offset) => {
                let pc = self.b.ins().iadd_imm_s(self.pc0, offset);
                let in_page = (self.src.host & 0xfff) as i64 + offset;
                if (0..=0xffc).contains(&in_page) {
                    self.b.ins().jump(self.chain, &[n.into(), pc.into()]);
                } else {
                    self.leave_normally(n, pc);
                }
            }
            Target::Computed(pc) => {
                self.b.ins().jump(self.chain, &[n.into(), pc.into()]);
            }
            Target::Dispatcher(offset) => {
                let pc = self.b.ins().iadd_imm_s(self.pc0, offset);
                self.leave_normally(n, pc);
            }
        }
    }

    fn leave_normally(&mut self, n: Value, pc: Value) {
        let code = self.b.ins().iconst(I64, NORMAL);
        self.b.ins().jump(self.leave, &[n.into(), n.into(), pc.into(), code.into()]);
    }

    /// Stores the clock and the retired count after `attempted`
    /// instructions of which `retired` retired, and counts `attempted`
    /// fetch hits when the fetch page has a TLB slot (`Tlb::count_hits`).
    fn settle(&mut self, attempted: Value, retired: Value) {
        let s = self.b.ins().iadd(self.steps0, attempted);
        self.b.ins().store(flags(), s, self.cpu, at::STEPS);
        let r = self.b.ins().iadd(self.retired0, retired);
        self.b.ins().store(flags(), r, self.cpu, at::RETIRED);
        let has_slot = self.b.ins().icmp_imm_s(IntCC::NotEqual, self.fetch_slot, NO_SLOT as i64);
        let zero = self.b.ins().iconst(I64, 0);
        let add = self.b.ins().select(has_slot, attempted, zero);
        let hits = self.b.ins().load(I64, flags(), self.cpu, at::TLB_HITS);
        let hits = self.b.ins().iadd(hits, add);
        self.b.ins().store(flags(), hits, self.cpu, at::TLB_HITS);
    }

    /// The shared exit to the dispatcher: settles, stores the pc and
    /// returns the exit code.
    fn emit_leave(&mut self) {
        self.b.switch_to_block(self.leave);
        let p = self.b.block_params(self.leave).to_vec();
        self.settle(p[0], p[1]);
        self.b.ins().store(flags(), p[2], self.cpu, at::PC);
        self.b.ins().return_(&[p[3]]);
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
        self.settle(n, n);
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
        self.b.ins().store(flags(), target, self.cpu, at::PC);
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
