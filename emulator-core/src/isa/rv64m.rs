//! RV64M: integer multiplication and division.
//!
//! Division never traps: by zero it yields all ones (quotient) or the
//! dividend (remainder); the overflowing `MIN / -1` yields `MIN` and 0.
//! `wrapping_div`/`wrapping_rem` give exactly those overflow results.

use super::Format::*;
use super::{InsnDef, sext_w};

fn div(a: i64, b: i64) -> i64 {
    if b == 0 { -1 } else { a.wrapping_div(b) }
}

fn rem(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { a.wrapping_rem(b) }
}

fn divu(a: u64, b: u64) -> u64 {
    a.checked_div(b).unwrap_or(u64::MAX)
}

fn remu(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { a % b }
}

pub(super) const DEFS: &[InsnDef] = &[
    InsnDef::new("mul", 0xfe00_707f, 0x0200_0033, R, rr!(|a, b| a.wrapping_mul(b))),
    InsnDef::new("mulh", 0xfe00_707f, 0x0200_1033, R, rr!(|a, b| ((a as i64 as i128 * b as i64 as i128) >> 64) as u64)),
    InsnDef::new("mulhsu", 0xfe00_707f, 0x0200_2033, R, rr!(|a, b| ((a as i64 as i128 * b as i128) >> 64) as u64)),
    InsnDef::new("mulhu", 0xfe00_707f, 0x0200_3033, R, rr!(|a, b| ((a as u128 * b as u128) >> 64) as u64)),
    InsnDef::new("div", 0xfe00_707f, 0x0200_4033, R, rr!(|a, b| div(a as i64, b as i64) as u64)),
    InsnDef::new("divu", 0xfe00_707f, 0x0200_5033, R, rr!(|a, b| divu(a, b))),
    InsnDef::new("rem", 0xfe00_707f, 0x0200_6033, R, rr!(|a, b| rem(a as i64, b as i64) as u64)),
    InsnDef::new("remu", 0xfe00_707f, 0x0200_7033, R, rr!(|a, b| remu(a, b))),
    InsnDef::new("mulw", 0xfe00_707f, 0x0200_003b, R, rr!(|a, b| sext_w(a.wrapping_mul(b)))),
    InsnDef::new(
        "divw",
        0xfe00_707f,
        0x0200_403b,
        R,
        rr!(|a, b| div(a as i32 as i64, b as i32 as i64) as i32 as i64 as u64),
    ),
    InsnDef::new("divuw", 0xfe00_707f, 0x0200_503b, R, rr!(|a, b| sext_w(divu(a as u32 as u64, b as u32 as u64)))),
    InsnDef::new(
        "remw",
        0xfe00_707f,
        0x0200_603b,
        R,
        rr!(|a, b| rem(a as i32 as i64, b as i32 as i64) as i32 as i64 as u64),
    ),
    InsnDef::new("remuw", 0xfe00_707f, 0x0200_703b, R, rr!(|a, b| sext_w(remu(a as u32 as u64, b as u32 as u64)))),
];
