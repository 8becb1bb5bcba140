//! RV64A: load-reserved/store-conditional and atomic memory operations.
//!
//! The aq/rl bits (26:25) are outside every mask: on one in-order hart
//! every access is already ordered.

use super::Format::*;
use super::{InsnDef, sext_w};

/// AMO semantics on an `$n`-byte word: memory becomes `op(old, rs2)` and rd
/// receives `old`, sign-extended for word operations.
macro_rules! amo {
    (4, |$old:ident, $src:ident| $op:expr) => {
        |cpu, d| {
            let $src = cpu.rx(d.rs2) as u32;
            let old = cpu.amo::<4>(cpu.rx(d.rs1), |v| {
                let $old = v as u32;
                ($op) as u64
            })?;
            cpu.wx(d.rd, sext_w(old));
            Ok(())
        }
    };
    (8, |$old:ident, $src:ident| $op:expr) => {
        |cpu, d| {
            let $src = cpu.rx(d.rs2);
            let old = cpu.amo::<8>(cpu.rx(d.rs1), |$old| $op)?;
            cpu.wx(d.rd, old);
            Ok(())
        }
    };
}

pub(super) const DEFS: &[InsnDef] = &[
    InsnDef::new("lr.w", 0xf9f0_707f, 0x1000_202f, LoadReserved, |cpu, d| {
        let v = cpu.load_reserved::<4>(cpu.rx(d.rs1))?;
        cpu.wx(d.rd, sext_w(v));
        Ok(())
    }),
    InsnDef::new("sc.w", 0xf800_707f, 0x1800_202f, Amo, |cpu, d| {
        let stored = cpu.store_conditional::<4>(cpu.rx(d.rs1), cpu.rx(d.rs2))?;
        cpu.wx(d.rd, !stored as u64);
        Ok(())
    }),
    InsnDef::new("amoswap.w", 0xf800_707f, 0x0800_202f, Amo, amo!(4, |_old, s| s)),
    InsnDef::new("amoadd.w", 0xf800_707f, 0x0000_202f, Amo, amo!(4, |old, s| old.wrapping_add(s))),
    InsnDef::new("amoxor.w", 0xf800_707f, 0x2000_202f, Amo, amo!(4, |old, s| old ^ s)),
    InsnDef::new("amoand.w", 0xf800_707f, 0x6000_202f, Amo, amo!(4, |old, s| old & s)),
    InsnDef::new("amoor.w", 0xf800_707f, 0x4000_202f, Amo, amo!(4, |old, s| old | s)),
    InsnDef::new("amomin.w", 0xf800_707f, 0x8000_202f, Amo, amo!(4, |old, s| (old as i32).min(s as i32) as u32)),
    InsnDef::new("amomax.w", 0xf800_707f, 0xa000_202f, Amo, amo!(4, |old, s| (old as i32).max(s as i32) as u32)),
    InsnDef::new("amominu.w", 0xf800_707f, 0xc000_202f, Amo, amo!(4, |old, s| old.min(s))),
    InsnDef::new("amomaxu.w", 0xf800_707f, 0xe000_202f, Amo, amo!(4, |old, s| old.max(s))),
    InsnDef::new("lr.d", 0xf9f0_707f, 0x1000_302f, LoadReserved, |cpu, d| {
        let v = cpu.load_reserved::<8>(cpu.rx(d.rs1))?;
        cpu.wx(d.rd, v);
        Ok(())
    }),
    InsnDef::new("sc.d", 0xf800_707f, 0x1800_302f, Amo, |cpu, d| {
        let stored = cpu.store_conditional::<8>(cpu.rx(d.rs1), cpu.rx(d.rs2))?;
        cpu.wx(d.rd, !stored as u64);
        Ok(())
    }),
    InsnDef::new("amoswap.d", 0xf800_707f, 0x0800_302f, Amo, amo!(8, |_old, s| s)),
    InsnDef::new("amoadd.d", 0xf800_707f, 0x0000_302f, Amo, amo!(8, |old, s| old.wrapping_add(s))),
    InsnDef::new("amoxor.d", 0xf800_707f, 0x2000_302f, Amo, amo!(8, |old, s| old ^ s)),
    InsnDef::new("amoand.d", 0xf800_707f, 0x6000_302f, Amo, amo!(8, |old, s| old & s)),
    InsnDef::new("amoor.d", 0xf800_707f, 0x4000_302f, Amo, amo!(8, |old, s| old | s)),
    InsnDef::new("amomin.d", 0xf800_707f, 0x8000_302f, Amo, amo!(8, |old, s| (old as i64).min(s as i64) as u64)),
    InsnDef::new("amomax.d", 0xf800_707f, 0xa000_302f, Amo, amo!(8, |old, s| (old as i64).max(s as i64) as u64)),
    InsnDef::new("amominu.d", 0xf800_707f, 0xc000_302f, Amo, amo!(8, |old, s| old.min(s))),
    InsnDef::new("amomaxu.d", 0xf800_707f, 0xe000_302f, Amo, amo!(8, |old, s| old.max(s))),
];
