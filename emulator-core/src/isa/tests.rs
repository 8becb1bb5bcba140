//! Unit tests of decoding and disassembly. Encodings were produced by
//! binutils (riscv64-unknown-elf-as) and checked against the RISC-V ISA
//! manual's tables.

use super::*;

fn decode(raw: u32) -> Decoded {
    Decoder::get().decode(raw)
}

fn dis(raw: u32) -> String {
    disassemble(&decode(raw), 0x8000_0000).replace('\t', " ")
}

#[test]
fn no_two_definitions_share_a_name() {
    let mut names: Vec<&str> = definitions().map(|d| d.name).collect();
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}

#[test]
fn every_definition_decodes_its_own_match_pattern() {
    // The match bits with all free fields zero, plus non-zero register
    // fields where zero would be reserved, must decode to that entry (or
    // to a more specific one listed earlier in the same bucket).
    for def in definitions() {
        let free_fields = [0u32, 0x0000_0084, 0x0030_8084];
        let found = free_fields.iter().any(|fill| {
            let raw = def.bits | (fill & !def.mask);
            let raw = if def.is_compressed() { raw & 0xffff } else { raw };
            std::ptr::eq(decode(raw).def, def)
        });
        assert!(found, "{} does not decode from its own pattern", def.name);
    }
}

#[test]
fn base_instructions_extract_operands() {
    // add a0, a1, a2
    let d = decode(0x00c5_8533);
    assert_eq!((d.def.name, d.rd, d.rs1, d.rs2, d.len), ("add", 10, 11, 12, 4));
    // addi sp, sp, -16
    let d = decode(0xff01_0113);
    assert_eq!((d.def.name, d.rd, d.rs1, d.imm), ("addi", 2, 2, -16));
    // sd ra, 8(sp)
    let d = decode(0x0011_3423);
    assert_eq!((d.def.name, d.rs1, d.rs2, d.imm), ("sd", 2, 1, 8));
    // beq a0, a1, -8
    let d = decode(0xfeb5_0ce3);
    assert_eq!((d.def.name, d.rs1, d.rs2, d.imm), ("beq", 10, 11, -8));
    // jal ra, 2048
    let d = decode(0x0010_00ef);
    assert_eq!((d.def.name, d.rd, d.imm), ("jal", 1, 2048));
    // lui a0, 0xfffff
    let d = decode(0xffff_f537);
    assert_eq!((d.def.name, d.imm), ("lui", -4096));
    // srai a0, a0, 63
    let d = decode(0x43f5_5513);
    assert_eq!((d.def.name, d.imm), ("srai", 63));
    // csrrw t0, mscratch, t1
    let d = decode(0x3403_12f3);
    assert_eq!((d.def.name, d.rd, d.rs1, d.imm), ("csrrw", 5, 6, 0x340));
}

#[test]
fn writes_to_x0_go_to_the_sink() {
    // addi x0, x0, 1
    let d = decode(0x0010_0013);
    assert_eq!(d.rd, X0_SINK);
    assert_eq!(d.rd_encoded(), 0);
}

#[test]
fn compressed_instructions_expand_to_their_base_semantics() {
    // c.addi a0, -1
    let d = decode(0x157d);
    assert_eq!((d.def.name, d.base.name, d.rd, d.rs1, d.imm, d.len), ("c.addi", "addi", 10, 10, -1, 2));
    // c.lui a0, 0xfffe1 (imm = -31 << 12)
    let d = decode(0x7505);
    assert_eq!((d.def.name, d.imm), ("c.lui", -31 << 12));
    // c.addiw a0, -32
    let d = decode(0x3501);
    assert_eq!((d.def.name, d.imm), ("c.addiw", -32));
    // c.srai a0, 63
    let d = decode(0x957d);
    assert_eq!((d.def.name, d.base.name, d.imm), ("c.srai", "srai", 63));
    // c.ldsp ra, 504(sp)
    let d = decode(0x70fe);
    assert_eq!((d.def.name, d.rd, d.rs1, d.imm), ("c.ldsp", 1, 2, 504));
    // c.sdsp ra, 504(sp)
    let d = decode(0xff86);
    assert_eq!((d.def.name, d.rs2, d.rs1, d.imm), ("c.sdsp", 1, 2, 504));
    // c.j -2
    let d = decode(0xbffd);
    assert_eq!((d.def.name, d.rd, d.imm), ("c.j", X0_SINK, -2));
    // c.beqz a0, -256
    let d = decode(0xd101);
    assert_eq!((d.def.name, d.rs1, d.rs2, d.imm), ("c.beqz", 10, 0, -256));
    // c.addi16sp sp, -512
    let d = decode(0x7101);
    assert_eq!((d.def.name, d.rd, d.imm), ("c.addi16sp", 2, -512));
    // c.addi4spn a0, sp, 1020
    let d = decode(0x1fe8);
    assert_eq!((d.def.name, d.rd, d.rs1, d.imm), ("c.addi4spn", 10, 2, 1020));
    // c.jalr a0 / c.jr ra / c.mv a0, a1 / c.add a0, a1 / c.ebreak
    assert_eq!(decode(0x9502).def.name, "c.jalr");
    assert_eq!(decode(0x8082).def.name, "c.jr");
    assert_eq!(decode(0x852e).def.name, "c.mv");
    assert_eq!(decode(0x952e).def.name, "c.add");
    assert_eq!(decode(0x9002).def.name, "c.ebreak");
}

#[test]
fn reserved_and_unknown_encodings_are_illegal() {
    for raw in [
        0x0000,                 // all zeros: c.addi4spn with nzuimm = 0
        0xffff_ffff,            // all ones
        0x4002,                 // c.lwsp with rd = x0
        0x6002,                 // c.ldsp with rd = x0
        0x8002,                 // c.jr with rs1 = x0
        0x2001,                 // c.addiw with rd = x0
        0x6101,                 // c.addi16sp with nzimm = 0
        0x6501,                 // c.lui a0 with nzimm = 0
        0x8000,                 // quadrant 0, funct3 100: reserved
        0x9c41,                 // reserved quadrant-1 arithmetic
        0x0200_1013,            // slli with bit 25 set: legal, shamt[5] on RV64 (checked below)
        0x0400_1013,            // slli with funct6 bit 26 set
        0x0200_101b,            // slliw with shamt[5] set
        0x0000_0073 | (1 << 7), // ecall with rd != 0
        0x0000_707b,            // unused major opcode
        0x0000_001f,            // 48-bit encoding prefix
    ] {
        let d = decode(raw);
        if raw == 0x0200_1013 {
            assert_eq!(d.def.name, "slli", "bit 25 is shamt[5] on RV64");
            continue;
        }
        assert!(d.is_illegal(), "{raw:#x} decoded as {}", d.def.name);
    }
}

#[test]
fn compressed_fp_loads_and_stores_expand_to_fld_and_fsd() {
    // c.fld fs0,0(a0); c.fsd fs0,8(a0); c.fldsp ft0,0(sp) (f0 is allowed);
    // c.fsdsp ft1,8(sp).
    for (raw, name, base) in
        [(0x2100, "c.fld", "fld"), (0xa500, "c.fsd", "fsd"), (0x2002, "c.fldsp", "fld"), (0xa406, "c.fsdsp", "fsd")]
    {
        let d = decode(raw);
        assert_eq!((d.def.name, d.base.name), (name, base), "{raw:#x}");
    }
    let d = decode(0x2002);
    assert_eq!((d.rd_encoded(), d.rs1, d.imm), (0, 2, 0), "c.fldsp ft0,0(sp)");
}

#[test]
fn hints_decode_as_their_instructions() {
    // c.nop, c.li x0, 1, c.mv x0, a0, c.slli x0, 1: HINTs, executed as no-ops.
    assert_eq!(decode(0x0001).def.name, "c.addi");
    assert_eq!(decode(0x4005).def.name, "c.li");
    assert_eq!(decode(0x802a).def.name, "c.mv");
    assert_eq!(decode(0x0006).def.name, "c.slli");
}

#[test]
fn disassembles_like_objdump() {
    assert_eq!(dis(0x00c5_8533), "add a0,a1,a2");
    assert_eq!(dis(0xff01_0113), "addi sp,sp,-16");
    assert_eq!(dis(0x0011_3423), "sd ra,8(sp)");
    assert_eq!(dis(0x0000_8067), "ret");
    assert_eq!(dis(0x0010_0513), "li a0,1");
    assert_eq!(dis(0x0000_0013), "nop");
    assert_eq!(dis(0x3400_2573), "csrr a0,mscratch");
    assert_eq!(dis(0x3005_1073), "csrw mstatus,a0");
    assert_eq!(dis(0x1005_252f), "lr.w a0,(a0)");
    assert_eq!(dis(0x0ec5_a52f), "amoswap.w.aqrl a0,a2,(a1)");
    assert_eq!(dis(0x852e), "mv a0,a1");
    assert_eq!(dis(0x8082), "ret");
    assert_eq!(dis(0xfeb5_0ce3), "beq a0,a1,7ffffff8");
    assert_eq!(dis(0x0ff0_000f), "fence");
    assert_eq!(dis(0x0000_100f), "fence.i");
    assert_eq!(dis(0x3020_0073), "mret");
    assert_eq!(dis(0x0000), ".2byte 0x0000");
}
