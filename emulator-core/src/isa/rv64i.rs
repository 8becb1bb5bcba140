//! RV64I: the base integer instruction set (with Zifencei's `fence.i`).

use super::Format::*;
use super::{InsnDef, sext_w};

/// Branch semantics: jump to `pc + imm` when `cond(rs1, rs2)` holds.
macro_rules! branch {
    (|$a:ident, $b:ident| $cond:expr) => {
        |cpu, d| {
            let $a = cpu.rx(d.rs1);
            let $b = cpu.rx(d.rs2);
            if $cond {
                cpu.next_pc = cpu.pc.wrapping_add(d.imm as u64);
            }
            Ok(())
        }
    };
}

/// Load semantics: `rd = extend(mem[rs1 + imm])` for an `$n`-byte access.
macro_rules! load {
    ($n:literal, |$v:ident| $extend:expr) => {
        |cpu, d| {
            let $v = cpu.load::<$n>(cpu.rx(d.rs1).wrapping_add(d.imm as u64))?;
            cpu.wx(d.rd, $extend);
            Ok(())
        }
    };
}

/// Store semantics: `mem[rs1 + imm] = rs2` for an `$n`-byte access.
macro_rules! store {
    ($n:literal) => {
        |cpu, d| cpu.store::<$n>(cpu.rx(d.rs1).wrapping_add(d.imm as u64), cpu.rx(d.rs2))
    };
}

pub(super) const DEFS: &[InsnDef] = &[
    InsnDef::new("lui", 0x0000_007f, 0x0000_0037, U, |cpu, d| {
        cpu.wx(d.rd, d.imm as u64);
        Ok(())
    }),
    InsnDef::new("auipc", 0x0000_007f, 0x0000_0017, U, |cpu, d| {
        cpu.wx(d.rd, cpu.pc.wrapping_add(d.imm as u64));
        Ok(())
    }),
    InsnDef::new("jal", 0x0000_007f, 0x0000_006f, J, |cpu, d| {
        let link = cpu.next_pc;
        cpu.next_pc = cpu.pc.wrapping_add(d.imm as u64);
        cpu.wx(d.rd, link);
        Ok(())
    }),
    InsnDef::new("jalr", 0x0000_707f, 0x0000_0067, Jalr, |cpu, d| {
        // The target is computed before rd is written: rd may equal rs1.
        let link = cpu.next_pc;
        cpu.next_pc = cpu.rx(d.rs1).wrapping_add(d.imm as u64) & !1;
        cpu.wx(d.rd, link);
        Ok(())
    }),
    InsnDef::new("beq", 0x0000_707f, 0x0000_0063, Branch, branch!(|a, b| a == b)),
    InsnDef::new("bne", 0x0000_707f, 0x0000_1063, Branch, branch!(|a, b| a != b)),
    InsnDef::new("blt", 0x0000_707f, 0x0000_4063, Branch, branch!(|a, b| (a as i64) < (b as i64))),
    InsnDef::new("bge", 0x0000_707f, 0x0000_5063, Branch, branch!(|a, b| (a as i64) >= (b as i64))),
    InsnDef::new("bltu", 0x0000_707f, 0x0000_6063, Branch, branch!(|a, b| a < b)),
    InsnDef::new("bgeu", 0x0000_707f, 0x0000_7063, Branch, branch!(|a, b| a >= b)),
    InsnDef::new("lb", 0x0000_707f, 0x0000_0003, Load, load!(1, |v| v as i8 as i64 as u64)),
    InsnDef::new("lh", 0x0000_707f, 0x0000_1003, Load, load!(2, |v| v as i16 as i64 as u64)),
    InsnDef::new("lw", 0x0000_707f, 0x0000_2003, Load, load!(4, |v| sext_w(v))),
    InsnDef::new("ld", 0x0000_707f, 0x0000_3003, Load, load!(8, |v| v)),
    InsnDef::new("lbu", 0x0000_707f, 0x0000_4003, Load, load!(1, |v| v)),
    InsnDef::new("lhu", 0x0000_707f, 0x0000_5003, Load, load!(2, |v| v)),
    InsnDef::new("lwu", 0x0000_707f, 0x0000_6003, Load, load!(4, |v| v)),
    InsnDef::new("sb", 0x0000_707f, 0x0000_0023, Store, store!(1)),
    InsnDef::new("sh", 0x0000_707f, 0x0000_1023, Store, store!(2)),
    InsnDef::new("sw", 0x0000_707f, 0x0000_2023, Store, store!(4)),
    InsnDef::new("sd", 0x0000_707f, 0x0000_3023, Store, store!(8)),
    InsnDef::new("addi", 0x0000_707f, 0x0000_0013, I, ri!(|a, i| a.wrapping_add(i))),
    InsnDef::new("slti", 0x0000_707f, 0x0000_2013, I, ri!(|a, i| ((a as i64) < (i as i64)) as u64)),
    InsnDef::new("sltiu", 0x0000_707f, 0x0000_3013, I, ri!(|a, i| (a < i) as u64)),
    InsnDef::new("xori", 0x0000_707f, 0x0000_4013, I, ri!(|a, i| a ^ i)),
    InsnDef::new("ori", 0x0000_707f, 0x0000_6013, I, ri!(|a, i| a | i)),
    InsnDef::new("andi", 0x0000_707f, 0x0000_7013, I, ri!(|a, i| a & i)),
    InsnDef::new("slli", 0xfc00_707f, 0x0000_1013, Shift64, ri!(|a, s| a << s)),
    InsnDef::new("srli", 0xfc00_707f, 0x0000_5013, Shift64, ri!(|a, s| a >> s)),
    InsnDef::new("srai", 0xfc00_707f, 0x4000_5013, Shift64, ri!(|a, s| ((a as i64) >> s) as u64)),
    InsnDef::new("add", 0xfe00_707f, 0x0000_0033, R, rr!(|a, b| a.wrapping_add(b))),
    InsnDef::new("sub", 0xfe00_707f, 0x4000_0033, R, rr!(|a, b| a.wrapping_sub(b))),
    InsnDef::new("sll", 0xfe00_707f, 0x0000_1033, R, rr!(|a, b| a << (b & 63))),
    InsnDef::new("slt", 0xfe00_707f, 0x0000_2033, R, rr!(|a, b| ((a as i64) < (b as i64)) as u64)),
    InsnDef::new("sltu", 0xfe00_707f, 0x0000_3033, R, rr!(|a, b| (a < b) as u64)),
    InsnDef::new("xor", 0xfe00_707f, 0x0000_4033, R, rr!(|a, b| a ^ b)),
    InsnDef::new("srl", 0xfe00_707f, 0x0000_5033, R, rr!(|a, b| a >> (b & 63))),
    InsnDef::new("sra", 0xfe00_707f, 0x4000_5033, R, rr!(|a, b| ((a as i64) >> (b & 63)) as u64)),
    InsnDef::new("or", 0xfe00_707f, 0x0000_6033, R, rr!(|a, b| a | b)),
    InsnDef::new("and", 0xfe00_707f, 0x0000_7033, R, rr!(|a, b| a & b)),
    // FENCE orders memory for other harts and devices; a single in-order
    // hart with synchronous devices has nothing to order. Its rs1/rd/fm
    // fields are reserved and ignored, as the specification requires.
    InsnDef::new("fence", 0x0000_707f, 0x0000_000f, Fence, |_, _| Ok(())),
    InsnDef::new("fence.i", 0x0000_707f, 0x0000_100f, None, |cpu, _| {
        cpu.fence_i();
        Ok(())
    }),
    InsnDef::new("addiw", 0x0000_707f, 0x0000_001b, I, ri!(|a, i| sext_w(a.wrapping_add(i)))),
    InsnDef::new("slliw", 0xfe00_707f, 0x0000_101b, Shift32, ri!(|a, s| sext_w(a << s))),
    InsnDef::new("srliw", 0xfe00_707f, 0x0000_501b, Shift32, ri!(|a, s| sext_w(((a as u32) >> s) as u64))),
    InsnDef::new("sraiw", 0xfe00_707f, 0x4000_501b, Shift32, ri!(|a, s| ((a as i32) >> s) as i64 as u64)),
    InsnDef::new("addw", 0xfe00_707f, 0x0000_003b, R, rr!(|a, b| sext_w(a.wrapping_add(b)))),
    InsnDef::new("subw", 0xfe00_707f, 0x4000_003b, R, rr!(|a, b| sext_w(a.wrapping_sub(b)))),
    InsnDef::new("sllw", 0xfe00_707f, 0x0000_103b, R, rr!(|a, b| sext_w(a << (b & 31)))),
    InsnDef::new("srlw", 0xfe00_707f, 0x0000_503b, R, rr!(|a, b| sext_w(((a as u32) >> (b & 31)) as u64))),
    InsnDef::new("sraw", 0xfe00_707f, 0x4000_503b, R, rr!(|a, b| ((a as i32) >> (b & 31)) as i64 as u64)),
];
