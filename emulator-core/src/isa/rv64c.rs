//! RV64C: compressed instructions, each expanding to a 32-bit instruction.
//!
//! Encodings absent here are illegal on an RV64GC hart: `c.flw`/`c.fsw`
//! and `c.jal` (RV32 only; RV64 has `c.ld`/`c.sd` and `c.addiw` there) and
//! the reserved quadrant-1 arithmetic slots; the double-precision loads and
//! stores (`c.fld`, `c.fsd`, `c.fldsp`, `c.fsdsp`) expand to `fld`/`fsd`. Reserved operand values inside a
//! listed encoding (a zero `c.addi4spn` immediate, `c.lwsp` with rd = x0,
//! ...) are rejected by the format. Within a bucket the more specific
//! pattern comes first: `c.addi16sp` before `c.lui`, `c.jr` before `c.mv`,
//! `c.ebreak` before `c.jalr` before `c.add`.

use super::Format::*;
use super::InsnDef;

pub(super) const DEFS: &[InsnDef] = &[
    // Quadrant 0.
    InsnDef::compressed("c.addi4spn", 0xe003, 0x0000, CAddi4spn, "addi"),
    InsnDef::compressed("c.lw", 0xe003, 0x4000, CLw, "lw"),
    InsnDef::compressed("c.fld", 0xe003, 0x2000, CLd, "fld"),
    InsnDef::compressed("c.ld", 0xe003, 0x6000, CLd, "ld"),
    InsnDef::compressed("c.sw", 0xe003, 0xc000, CSw, "sw"),
    InsnDef::compressed("c.fsd", 0xe003, 0xa000, CSd, "fsd"),
    InsnDef::compressed("c.sd", 0xe003, 0xe000, CSd, "sd"),
    // Quadrant 1.
    InsnDef::compressed("c.addi", 0xe003, 0x0001, CAddi, "addi"),
    InsnDef::compressed("c.addiw", 0xe003, 0x2001, CAddiw, "addiw"),
    InsnDef::compressed("c.li", 0xe003, 0x4001, CLi, "addi"),
    InsnDef::compressed("c.addi16sp", 0xef83, 0x6101, CAddi16sp, "addi"),
    InsnDef::compressed("c.lui", 0xe003, 0x6001, CLui, "lui"),
    InsnDef::compressed("c.srli", 0xec03, 0x8001, CShift, "srli"),
    InsnDef::compressed("c.srai", 0xec03, 0x8401, CShift, "srai"),
    InsnDef::compressed("c.andi", 0xec03, 0x8801, CAndi, "andi"),
    InsnDef::compressed("c.sub", 0xfc63, 0x8c01, CArith, "sub"),
    InsnDef::compressed("c.xor", 0xfc63, 0x8c21, CArith, "xor"),
    InsnDef::compressed("c.or", 0xfc63, 0x8c41, CArith, "or"),
    InsnDef::compressed("c.and", 0xfc63, 0x8c61, CArith, "and"),
    InsnDef::compressed("c.subw", 0xfc63, 0x9c01, CArith, "subw"),
    InsnDef::compressed("c.addw", 0xfc63, 0x9c21, CArith, "addw"),
    InsnDef::compressed("c.j", 0xe003, 0xa001, CJ, "jal"),
    InsnDef::compressed("c.beqz", 0xe003, 0xc001, CBranch, "beq"),
    InsnDef::compressed("c.bnez", 0xe003, 0xe001, CBranch, "bne"),
    // Quadrant 2.
    InsnDef::compressed("c.slli", 0xe003, 0x0002, CSlli, "slli"),
    InsnDef::compressed("c.lwsp", 0xe003, 0x4002, CLwsp, "lw"),
    InsnDef::compressed("c.fldsp", 0xe003, 0x2002, CFldsp, "fld"),
    InsnDef::compressed("c.ldsp", 0xe003, 0x6002, CLdsp, "ld"),
    InsnDef::compressed("c.jr", 0xf07f, 0x8002, CJr, "jalr"),
    InsnDef::compressed("c.mv", 0xf003, 0x8002, CMv, "add"),
    InsnDef::compressed("c.ebreak", 0xffff, 0x9002, None, "ebreak"),
    InsnDef::compressed("c.jalr", 0xf07f, 0x9002, CJalr, "jalr"),
    InsnDef::compressed("c.add", 0xf003, 0x9002, CAdd, "add"),
    InsnDef::compressed("c.swsp", 0xe003, 0xc002, CSwsp, "sw"),
    InsnDef::compressed("c.fsdsp", 0xe003, 0xa002, CSdsp, "fsd"),
    InsnDef::compressed("c.sdsp", 0xe003, 0xe002, CSdsp, "sd"),
];
