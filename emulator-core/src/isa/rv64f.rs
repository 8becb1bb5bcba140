//! RV64F: single-precision floating point (semantics in `fp.rs`, shared
//! with D).

use super::Format::*;
use super::InsnDef;
use super::fp;
use softfloat_wrapper::F32;

pub(super) const DEFS: &[InsnDef] = &[
    InsnDef::new("flw", 0x0000_707f, 0x0000_2007, FpLoad, fp::load_w),
    InsnDef::new("fsw", 0x0000_707f, 0x0000_2027, FpStore, fp::store_w),
    InsnDef::new("fmadd.s", 0x0600_007f, 0x0000_0043, FpR4, fp::madd::<F32>),
    InsnDef::new("fmsub.s", 0x0600_007f, 0x0000_0047, FpR4, fp::msub::<F32>),
    InsnDef::new("fnmsub.s", 0x0600_007f, 0x0000_004b, FpR4, fp::nmsub::<F32>),
    InsnDef::new("fnmadd.s", 0x0600_007f, 0x0000_004f, FpR4, fp::nmadd::<F32>),
    InsnDef::new("fadd.s", 0xfe00_007f, 0x0000_0053, FpR, fp::add::<F32>),
    InsnDef::new("fsub.s", 0xfe00_007f, 0x0800_0053, FpR, fp::sub::<F32>),
    InsnDef::new("fmul.s", 0xfe00_007f, 0x1000_0053, FpR, fp::mul::<F32>),
    InsnDef::new("fdiv.s", 0xfe00_007f, 0x1800_0053, FpR, fp::div::<F32>),
    InsnDef::new("fsqrt.s", 0xfff0_007f, 0x5800_0053, FpUnary, fp::sqrt::<F32>),
    InsnDef::new("fsgnj.s", 0xfe00_707f, 0x2000_0053, FpSgnj, fp::sgnj::<F32>),
    InsnDef::new("fsgnjn.s", 0xfe00_707f, 0x2000_1053, FpSgnj, fp::sgnjn::<F32>),
    InsnDef::new("fsgnjx.s", 0xfe00_707f, 0x2000_2053, FpSgnj, fp::sgnjx::<F32>),
    InsnDef::new("fmin.s", 0xfe00_707f, 0x2800_0053, FpSgnj, fp::min::<F32>),
    InsnDef::new("fmax.s", 0xfe00_707f, 0x2800_1053, FpSgnj, fp::max::<F32>),
    InsnDef::new("fcvt.w.s", 0xfff0_007f, 0xc000_0053, FpToInt, fp::to_w::<F32>),
    InsnDef::new("fcvt.wu.s", 0xfff0_007f, 0xc010_0053, FpToInt, fp::to_wu::<F32>),
    InsnDef::new("fcvt.l.s", 0xfff0_007f, 0xc020_0053, FpToInt, fp::to_l::<F32>),
    InsnDef::new("fcvt.lu.s", 0xfff0_007f, 0xc030_0053, FpToInt, fp::to_lu::<F32>),
    InsnDef::new("fmv.x.w", 0xfff0_707f, 0xe000_0053, FpMvToInt, fp::move_to_x_w),
    InsnDef::new("feq.s", 0xfe00_707f, 0xa000_2053, FpCompare, fp::eq::<F32>),
    InsnDef::new("flt.s", 0xfe00_707f, 0xa000_1053, FpCompare, fp::lt::<F32>),
    InsnDef::new("fle.s", 0xfe00_707f, 0xa000_0053, FpCompare, fp::le::<F32>),
    InsnDef::new("fclass.s", 0xfff0_707f, 0xe000_1053, FpMvToInt, fp::class::<F32>),
    InsnDef::new("fcvt.s.w", 0xfff0_007f, 0xd000_0053, IntToFp, fp::from_w::<F32>),
    InsnDef::new("fcvt.s.wu", 0xfff0_007f, 0xd010_0053, IntToFp, fp::from_wu::<F32>),
    InsnDef::new("fcvt.s.l", 0xfff0_007f, 0xd020_0053, IntToFp, fp::from_l::<F32>),
    InsnDef::new("fcvt.s.lu", 0xfff0_007f, 0xd030_0053, IntToFp, fp::from_lu::<F32>),
    InsnDef::new("fmv.w.x", 0xfff0_707f, 0xf000_0053, FpMvFromInt, fp::move_from_x_w),
];
