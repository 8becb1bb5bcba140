//! Zba, Zbb and Zbs: the bit-manipulation instructions of the RVA22
//! profile, which compilers emit for `-march=rv64gc_zba_zbb_zbs`.
//!
//! - Zba: address generation (`sh1add` ... `sh3add.uw`, `add.uw`,
//!   `slli.uw`): an index scaled and added to a base, with the `.uw` forms
//!   taking the index as an unsigned 32-bit word.
//! - Zbb: basic bit manipulation: logic with an inverted operand, counts of
//!   leading and trailing zeros and of set bits, minimum and maximum,
//!   sign and zero extension, rotations, `orc.b` and `rev8`.
//! - Zbs: single bits: clear, extract, invert and set the bit a register or
//!   immediate names (modulo 64).

use super::Format::*;
use super::{InsnDef, sext_w};

/// The low 32 bits of `v`, zero-extended: the `.uw` operand.
fn uw(v: u64) -> u64 {
    v as u32 as u64
}

/// `orc.b`: each byte becomes all ones if any of its bits is set, else zero.
fn orc_b(v: u64) -> u64 {
    let bytes = v.to_le_bytes().map(|b| if b == 0 { 0 } else { 0xff });
    u64::from_le_bytes(bytes)
}

/// The bit of `v` a `b*` instruction names: its index modulo 64.
fn bit(index: u64) -> u64 {
    1 << (index & 63)
}

pub(super) const DEFS: &[InsnDef] = &[
    // Zba
    InsnDef::new("add.uw", 0xfe00_707f, 0x0800_003b, R, rr!(|a, b| b.wrapping_add(uw(a)))),
    InsnDef::new("sh1add", 0xfe00_707f, 0x2000_2033, R, rr!(|a, b| b.wrapping_add(a << 1))),
    InsnDef::new("sh2add", 0xfe00_707f, 0x2000_4033, R, rr!(|a, b| b.wrapping_add(a << 2))),
    InsnDef::new("sh3add", 0xfe00_707f, 0x2000_6033, R, rr!(|a, b| b.wrapping_add(a << 3))),
    InsnDef::new("sh1add.uw", 0xfe00_707f, 0x2000_203b, R, rr!(|a, b| b.wrapping_add(uw(a) << 1))),
    InsnDef::new("sh2add.uw", 0xfe00_707f, 0x2000_403b, R, rr!(|a, b| b.wrapping_add(uw(a) << 2))),
    InsnDef::new("sh3add.uw", 0xfe00_707f, 0x2000_603b, R, rr!(|a, b| b.wrapping_add(uw(a) << 3))),
    InsnDef::new("slli.uw", 0xfc00_707f, 0x0800_101b, Shift64, ri!(|a, s| uw(a) << s)),
    // Zbb: logic with negate
    InsnDef::new("andn", 0xfe00_707f, 0x4000_7033, R, rr!(|a, b| a & !b)),
    InsnDef::new("orn", 0xfe00_707f, 0x4000_6033, R, rr!(|a, b| a | !b)),
    InsnDef::new("xnor", 0xfe00_707f, 0x4000_4033, R, rr!(|a, b| !(a ^ b))),
    // Zbb: counts
    InsnDef::new("clz", 0xfff0_707f, 0x6000_1013, Unary, ri!(|a, _i| a.leading_zeros() as u64)),
    InsnDef::new("ctz", 0xfff0_707f, 0x6010_1013, Unary, ri!(|a, _i| a.trailing_zeros() as u64)),
    InsnDef::new("cpop", 0xfff0_707f, 0x6020_1013, Unary, ri!(|a, _i| a.count_ones() as u64)),
    InsnDef::new("clzw", 0xfff0_707f, 0x6000_101b, Unary, ri!(|a, _i| (a as u32).leading_zeros() as u64)),
    InsnDef::new("ctzw", 0xfff0_707f, 0x6010_101b, Unary, ri!(|a, _i| (a as u32).trailing_zeros() as u64)),
    InsnDef::new("cpopw", 0xfff0_707f, 0x6020_101b, Unary, ri!(|a, _i| (a as u32).count_ones() as u64)),
    // Zbb: minimum and maximum
    InsnDef::new("max", 0xfe00_707f, 0x0a00_6033, R, rr!(|a, b| (a as i64).max(b as i64) as u64)),
    InsnDef::new("maxu", 0xfe00_707f, 0x0a00_7033, R, rr!(|a, b| a.max(b))),
    InsnDef::new("min", 0xfe00_707f, 0x0a00_4033, R, rr!(|a, b| (a as i64).min(b as i64) as u64)),
    InsnDef::new("minu", 0xfe00_707f, 0x0a00_5033, R, rr!(|a, b| a.min(b))),
    // Zbb: sign and zero extension
    InsnDef::new("sext.b", 0xfff0_707f, 0x6040_1013, Unary, ri!(|a, _i| a as i8 as i64 as u64)),
    InsnDef::new("sext.h", 0xfff0_707f, 0x6050_1013, Unary, ri!(|a, _i| a as i16 as i64 as u64)),
    InsnDef::new("zext.h", 0xfff0_707f, 0x0800_403b, Unary, ri!(|a, _i| a as u16 as u64)),
    // Zbb: rotations
    InsnDef::new("rol", 0xfe00_707f, 0x6000_1033, R, rr!(|a, b| a.rotate_left((b & 63) as u32))),
    InsnDef::new("ror", 0xfe00_707f, 0x6000_5033, R, rr!(|a, b| a.rotate_right((b & 63) as u32))),
    InsnDef::new("rori", 0xfc00_707f, 0x6000_5013, Shift64, ri!(|a, s| a.rotate_right(s as u32))),
    InsnDef::new(
        "rolw",
        0xfe00_707f,
        0x6000_103b,
        R,
        rr!(|a, b| sext_w((a as u32).rotate_left((b & 31) as u32) as u64)),
    ),
    InsnDef::new(
        "rorw",
        0xfe00_707f,
        0x6000_503b,
        R,
        rr!(|a, b| sext_w((a as u32).rotate_right((b & 31) as u32) as u64)),
    ),
    InsnDef::new(
        "roriw",
        0xfe00_707f,
        0x6000_501b,
        Shift32,
        ri!(|a, s| sext_w((a as u32).rotate_right(s as u32) as u64)),
    ),
    // Zbb: bytes
    InsnDef::new("orc.b", 0xfff0_707f, 0x2870_5013, Unary, ri!(|a, _i| orc_b(a))),
    InsnDef::new("rev8", 0xfff0_707f, 0x6b80_5013, Unary, ri!(|a, _i| a.swap_bytes())),
    // Zbs
    InsnDef::new("bclr", 0xfe00_707f, 0x4800_1033, R, rr!(|a, b| a & !bit(b))),
    InsnDef::new("bclri", 0xfc00_707f, 0x4800_1013, Shift64, ri!(|a, s| a & !bit(s))),
    InsnDef::new("bext", 0xfe00_707f, 0x4800_5033, R, rr!(|a, b| (a >> (b & 63)) & 1)),
    InsnDef::new("bexti", 0xfc00_707f, 0x4800_5013, Shift64, ri!(|a, s| (a >> s) & 1)),
    InsnDef::new("binv", 0xfe00_707f, 0x6800_1033, R, rr!(|a, b| a ^ bit(b))),
    InsnDef::new("binvi", 0xfc00_707f, 0x6800_1013, Shift64, ri!(|a, s| a ^ bit(s))),
    InsnDef::new("bset", 0xfe00_707f, 0x2800_1033, R, rr!(|a, b| a | bit(b))),
    InsnDef::new("bseti", 0xfc00_707f, 0x2800_1013, Shift64, ri!(|a, s| a | bit(s))),
];

#[cfg(test)]
mod tests {
    use super::{bit, orc_b};

    #[test]
    fn orc_b_fills_each_nonzero_byte() {
        assert_eq!(orc_b(0x0001_0080_0000_7f00), 0x00ff_00ff_0000_ff00);
        assert_eq!(orc_b(0), 0);
    }

    #[test]
    fn bit_indices_wrap_at_64() {
        assert_eq!(bit(65), 2);
        assert_eq!(bit(63), 1 << 63);
    }
}
