//! The instruction set, defined once.
//!
//! Every instruction rvsim knows is one [`InsnDef`] entry in the tables of
//! the extension modules below: its name, its encoding (mask and match), its
//! operand [`Format`] and its semantics. Decoding, execution, tracing and
//! the disassembler all read these entries, so they cannot disagree.
//! Compressed instructions name the 32-bit instruction they expand to and
//! share its semantics and its disassembly.

/// Semantics of a register-register instruction: `rd = body(rs1, rs2)`.
macro_rules! rr {
    (|$a:ident, $b:ident| $body:expr) => {
        |cpu, d| {
            let $a = cpu.rx(d.rs1);
            let $b = cpu.rx(d.rs2);
            cpu.wx(d.rd, $body);
            Ok(())
        }
    };
}

/// Semantics of a register-immediate instruction: `rd = body(rs1, imm)`,
/// the immediate sign-extended to 64 bits.
macro_rules! ri {
    (|$a:ident, $b:ident| $body:expr) => {
        |cpu, d| {
            let $a = cpu.rx(d.rs1);
            let $b = d.imm as u64;
            cpu.wx(d.rd, $body);
            Ok(())
        }
    };
}

mod disasm;
mod format;
mod fp;
mod rv64a;
mod rv64b;
mod rv64c;
mod rv64d;
mod rv64f;
mod rv64i;
mod rv64m;
mod system;
mod zicsr;

use std::sync::OnceLock;

use crate::cpu::threaded::{self, ThreadedFn};
use crate::cpu::{Cpu, Exception};
pub use disasm::{abi_name, disassemble, fp_abi_name};
pub use format::{Format, Operands};

/// The result of executing one instruction.
pub type ExecResult = Result<(), Exception>;

/// The semantics of an instruction: reads and writes the hart's state
/// through the operands extracted at decode time.
pub type ExecFn = fn(&mut Cpu, &Decoded) -> ExecResult;

/// What an instruction does when executed.
#[derive(Clone, Copy)]
pub enum Semantics {
    /// Its own semantics, and its threaded handler (see `cpu/threaded.rs`).
    Exec(ExecFn, ThreadedFn),
    /// A compressed instruction: the semantics and disassembly of the named
    /// 32-bit instruction, applied to the operands this format extracts.
    Expands(&'static str),
}

/// How an instruction bounds a block of straight-line code (see
/// `cpu/block.rs`): what an engine that runs several instructions without
/// returning to its dispatcher must look at after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockRole {
    /// Nothing: it neither accesses memory nor transfers control.
    Plain,
    /// A load, store or AMO: it may use another TLB entry, fill one over
    /// the fetch page's, change code or ask for the machine's attention.
    Access,
    /// A conditional branch: the block goes on only if it is not taken.
    Branch,
    /// The block's last instruction: a jump, or a `SYSTEM` or `FENCE`
    /// instruction (CSR access, `sfence.vma`, traps and returns, `wfi`,
    /// `fence.i`), any of which may change what fetch depends on.
    Ends,
}

impl BlockRole {
    /// The role of a 32-bit instruction, read off its major opcode.
    pub const fn of_bits(bits: u32) -> BlockRole {
        match bits & 0x7f {
            // JAL, JALR, SYSTEM, MISC-MEM (fence, fence.i).
            0x6f | 0x67 | 0x73 | 0x0f => BlockRole::Ends,
            0x63 => BlockRole::Branch,
            // LOAD, STORE, AMO, LOAD-FP, STORE-FP.
            0x03 | 0x23 | 0x2f | 0x07 | 0x27 => BlockRole::Access,
            _ => BlockRole::Plain,
        }
    }
}

/// One instruction: name, encoding, operands and semantics.
pub struct InsnDef {
    /// Assembler mnemonic (`add`, `c.addi`, `amoswap.w`).
    pub name: &'static str,
    /// Bits of the encoding that identify the instruction.
    pub mask: u32,
    /// Their required values.
    pub bits: u32,
    /// How operands are laid out in the encoding.
    pub format: Format,
    /// What the instruction does.
    pub semantics: Semantics,
    /// How it bounds a block (for a compressed instruction, see
    /// [`Decoded::role`]: its base's role applies).
    pub role: BlockRole,
}

impl InsnDef {
    /// An instruction with its own semantics: a closure that captures
    /// nothing, or a function, so that its threaded handler can inline it.
    pub const fn new<F: threaded::SemanticsFn + Copy>(
        name: &'static str,
        mask: u32,
        bits: u32,
        format: Format,
        _exec: F,
    ) -> Self {
        // The semantics are a type without data: the value itself is not
        // needed (see `threaded::semantics`).
        let semantics = Semantics::Exec(exec_of::<F>, threaded::handler::<F>(bits));
        InsnDef { name, mask, bits, format, semantics, role: BlockRole::of_bits(bits) }
    }

    /// A compressed instruction that expands to the 32-bit instruction `base`.
    pub const fn compressed(name: &'static str, mask: u32, bits: u32, format: Format, base: &'static str) -> Self {
        // The base's role applies; this one is never read.
        InsnDef { name, mask, bits, format, semantics: Semantics::Expands(base), role: BlockRole::Plain }
    }

    /// True for 16-bit (compressed) encodings.
    pub fn is_compressed(&self) -> bool {
        self.bits & 3 != 3
    }
}

/// Every instruction definition, in decode priority order: within one
/// decode bucket, earlier entries win, so special cases come first.
pub fn definitions() -> impl Iterator<Item = &'static InsnDef> {
    rv64i::DEFS
        .iter()
        .chain(rv64m::DEFS)
        .chain(rv64a::DEFS)
        .chain(rv64f::DEFS)
        .chain(rv64d::DEFS)
        .chain(rv64b::DEFS)
        .chain(zicsr::DEFS)
        .chain(system::DEFS)
        .chain(rv64c::DEFS)
}

/// Register number used as the destination when an instruction names x0:
/// writes land in a sink slot that is never read, so x0 stays zero without
/// a test on every write.
pub const X0_SINK: u8 = 32;

/// A decoded instruction: everything execution needs, extracted once.
#[derive(Clone, Copy)]
pub struct Decoded {
    /// Semantics (resolved through compressed expansion).
    pub exec: ExecFn,
    /// The same semantics in their threaded handler, for blocks.
    pub threaded: ThreadedFn,
    /// The definition matched (the compressed one for compressed code).
    pub def: &'static InsnDef,
    /// The definition whose semantics and disassembly apply: `def` itself,
    /// or the 32-bit instruction a compressed one expands to.
    pub base: &'static InsnDef,
    /// Immediate, sign-extended; CSR number for CSR instructions; shift
    /// amount for shifts.
    pub imm: i64,
    /// The raw encoding (16 or 32 bits).
    pub raw: u32,
    /// Destination register; [`X0_SINK`] when the encoding names x0.
    pub rd: u8,
    /// First source register (or the 5-bit immediate of `csrr*i`).
    pub rs1: u8,
    /// Second source register.
    pub rs2: u8,
    /// Instruction length in bytes: 2 or 4.
    pub len: u8,
}

impl Decoded {
    /// Destination register as encoded (0 for x0).
    pub fn rd_encoded(&self) -> u8 {
        self.rd & 31
    }

    /// True when this is the illegal-instruction placeholder.
    pub fn is_illegal(&self) -> bool {
        std::ptr::eq(self.def, &ILLEGAL)
    }

    /// How this instruction bounds a block: its base instruction's role;
    /// an illegal instruction ends a block (it traps).
    pub fn role(&self) -> BlockRole {
        if self.is_illegal() { BlockRole::Ends } else { self.base.role }
    }
}

/// The semantics `F`, as a function.
fn exec_of<F: threaded::SemanticsFn>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    threaded::semantics::<F>()(cpu, d)
}

fn illegal_exec(_: &mut Cpu, d: &Decoded) -> ExecResult {
    Err(Exception::IllegalInstruction(d.raw as u64))
}

/// Placeholder for encodings that are not instructions, or are reserved.
pub static ILLEGAL: InsnDef = InsnDef::new("illegal", 0, 0, Format::None, illegal_exec);

/// One definition with its semantics resolved.
struct Entry {
    def: &'static InsnDef,
    base: &'static InsnDef,
    exec: ExecFn,
    threaded: ThreadedFn,
}

/// Decodes raw instruction bits into [`Decoded`].
///
/// Candidates are bucketed by the fields almost every format fixes (major
/// opcode and funct3, or quadrant and funct3 for compressed code), so a
/// decode checks a handful of masks instead of the whole table.
pub struct Decoder {
    entries: Vec<Entry>,
    wide: Vec<Vec<u16>>,
    compressed: Vec<Vec<u16>>,
}

const WIDE_KEY_MASK: u32 = 0x707c;
const COMPRESSED_KEY_MASK: u32 = 0xe003;

fn wide_key(raw: u32) -> usize {
    (((raw >> 2) & 0x1f) | ((raw >> 7) & 0xe0)) as usize
}

fn compressed_key(raw: u32) -> usize {
    ((raw & 3) | ((raw >> 11) & 0x1c)) as usize
}

impl Decoder {
    /// The shared decoder, built on first use.
    pub fn get() -> &'static Decoder {
        static DECODER: OnceLock<Decoder> = OnceLock::new();
        DECODER.get_or_init(Decoder::build)
    }

    fn build() -> Decoder {
        let defs: Vec<&'static InsnDef> = definitions().collect();
        let entries: Vec<Entry> = defs
            .iter()
            .map(|&def| {
                let base = match def.semantics {
                    Semantics::Exec(..) => def,
                    Semantics::Expands(name) => defs
                        .iter()
                        .copied()
                        .find(|d| d.name == name && !d.is_compressed())
                        .unwrap_or_else(|| panic!("{} expands to unknown {}", def.name, name)),
                };
                let (exec, threaded) = match base.semantics {
                    Semantics::Exec(exec, threaded) => (exec, threaded),
                    Semantics::Expands(_) => unreachable!("expansion of an expansion"),
                };
                Entry { def, base, exec, threaded }
            })
            .collect();
        // Each entry joins every bucket whose key bits do not contradict
        // its match pattern (an entry that ignores funct3 joins eight).
        let bucket_list = |compressed: bool| -> Vec<Vec<u16>> {
            let (count, key_mask) = if compressed { (32, COMPRESSED_KEY_MASK) } else { (256, WIDE_KEY_MASK | 3) };
            (0..count as u32)
                .map(|key| {
                    let probe = if compressed {
                        (key & 3) | ((key & 0x1c) << 11)
                    } else {
                        3 | ((key & 0x1f) << 2) | ((key & 0xe0) << 7)
                    };
                    (0..entries.len())
                        .filter(|&i| {
                            let def = entries[i].def;
                            def.is_compressed() == compressed && (probe ^ def.bits) & def.mask & key_mask == 0
                        })
                        .map(|i| i as u16)
                        .collect()
                })
                .collect()
        };
        let (wide, compressed) = (bucket_list(false), bucket_list(true));
        Decoder { entries, wide, compressed }
    }

    /// Decodes one instruction. `raw` holds the instruction in its low bits:
    /// 16 bits for a compressed instruction (bits 1:0 not both set), 32
    /// otherwise. Encodings that are not instructions, or are reserved,
    /// decode to [`ILLEGAL`], which raises an illegal-instruction exception
    /// carrying the encoding when executed.
    #[inline]
    pub fn decode(&self, raw: u32) -> Decoded {
        let (raw, bucket, len) = if raw & 3 != 3 {
            let raw = raw & 0xffff;
            (raw, &self.compressed[compressed_key(raw)], 2)
        } else {
            (raw, &self.wide[wide_key(raw)], 4)
        };
        for &index in bucket {
            let entry = &self.entries[index as usize];
            if raw & entry.def.mask == entry.def.bits {
                return match entry.def.format.extract(raw) {
                    Some(ops) => Decoded {
                        exec: entry.exec,
                        threaded: entry.threaded,
                        def: entry.def,
                        base: entry.base,
                        imm: ops.imm,
                        raw,
                        rd: if ops.rd == 0 { X0_SINK } else { ops.rd },
                        rs1: ops.rs1,
                        rs2: ops.rs2,
                        len,
                    },
                    None => Self::illegal(raw, len),
                };
            }
        }
        Self::illegal(raw, len)
    }

    /// The placeholder for an encoding that is not an instruction.
    pub(crate) fn illegal(raw: u32, len: u8) -> Decoded {
        let (exec, threaded) = match ILLEGAL.semantics {
            Semantics::Exec(exec, threaded) => (exec, threaded),
            Semantics::Expands(_) => unreachable!("ILLEGAL has semantics of its own"),
        };
        Decoded { exec, threaded, def: &ILLEGAL, base: &ILLEGAL, imm: 0, raw, rd: X0_SINK, rs1: 0, rs2: 0, len }
    }
}

/// Sign-extends the low 32 bits of `v`: the result of every RV64 `*W`
/// instruction.
#[inline(always)]
pub fn sext_w(v: u64) -> u64 {
    v as i32 as i64 as u64
}

/// Length in bytes of the instruction whose first 16 bits are `low`.
pub fn instruction_length(low: u16) -> u8 {
    if low & 3 == 3 { 4 } else { 2 }
}

#[cfg(test)]
mod tests;
