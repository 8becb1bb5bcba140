//! RV64D: double-precision floating point (semantics in `fp.rs`, shared
//! with F), and the conversions between the two precisions.

use super::Format::*;
use super::InsnDef;
use super::fp;
use softfloat_wrapper::F64;

pub(super) const DEFS: &[InsnDef] = &[
    InsnDef::new("fld", 0x0000_707f, 0x0000_3007, FpLoad, fp::load_d),
    InsnDef::new("fsd", 0x0000_707f, 0x0000_3027, FpStore, fp::store_d),
    InsnDef::new("fmadd.d", 0x0600_007f, 0x0200_0043, FpR4, fp::madd::<F64>),
    InsnDef::new("fmsub.d", 0x0600_007f, 0x0200_0047, FpR4, fp::msub::<F64>),
    InsnDef::new("fnmsub.d", 0x0600_007f, 0x0200_004b, FpR4, fp::nmsub::<F64>),
    InsnDef::new("fnmadd.d", 0x0600_007f, 0x0200_004f, FpR4, fp::nmadd::<F64>),
    InsnDef::new("fadd.d", 0xfe00_007f, 0x0200_0053, FpR, fp::add::<F64>),
    InsnDef::new("fsub.d", 0xfe00_007f, 0x0a00_0053, FpR, fp::sub::<F64>),
    InsnDef::new("fmul.d", 0xfe00_007f, 0x1200_0053, FpR, fp::mul::<F64>),
    InsnDef::new("fdiv.d", 0xfe00_007f, 0x1a00_0053, FpR, fp::div::<F64>),
    InsnDef::new("fsqrt.d", 0xfff0_007f, 0x5a00_0053, FpUnary, fp::sqrt::<F64>),
    InsnDef::new("fsgnj.d", 0xfe00_707f, 0x2200_0053, FpSgnj, fp::sgnj::<F64>),
    InsnDef::new("fsgnjn.d", 0xfe00_707f, 0x2200_1053, FpSgnj, fp::sgnjn::<F64>),
    InsnDef::new("fsgnjx.d", 0xfe00_707f, 0x2200_2053, FpSgnj, fp::sgnjx::<F64>),
    InsnDef::new("fmin.d", 0xfe00_707f, 0x2a00_0053, FpSgnj, fp::min::<F64>),
    InsnDef::new("fmax.d", 0xfe00_707f, 0x2a00_1053, FpSgnj, fp::max::<F64>),
    InsnDef::new("fcvt.s.d", 0xfff0_007f, 0x4010_0053, FpUnary, fp::single_of_double),
    InsnDef::new("fcvt.d.s", 0xfff0_007f, 0x4200_0053, FpUnary, fp::double_of_single),
    InsnDef::new("feq.d", 0xfe00_707f, 0xa200_2053, FpCompare, fp::eq::<F64>),
    InsnDef::new("flt.d", 0xfe00_707f, 0xa200_1053, FpCompare, fp::lt::<F64>),
    InsnDef::new("fle.d", 0xfe00_707f, 0xa200_0053, FpCompare, fp::le::<F64>),
    InsnDef::new("fclass.d", 0xfff0_707f, 0xe200_1053, FpMvToInt, fp::class::<F64>),
    InsnDef::new("fcvt.w.d", 0xfff0_007f, 0xc200_0053, FpToInt, fp::to_w::<F64>),
    InsnDef::new("fcvt.wu.d", 0xfff0_007f, 0xc210_0053, FpToInt, fp::to_wu::<F64>),
    InsnDef::new("fcvt.l.d", 0xfff0_007f, 0xc220_0053, FpToInt, fp::to_l::<F64>),
    InsnDef::new("fcvt.lu.d", 0xfff0_007f, 0xc230_0053, FpToInt, fp::to_lu::<F64>),
    InsnDef::new("fcvt.d.w", 0xfff0_007f, 0xd200_0053, IntToFp, fp::from_w::<F64>),
    InsnDef::new("fcvt.d.wu", 0xfff0_007f, 0xd210_0053, IntToFp, fp::from_wu::<F64>),
    InsnDef::new("fcvt.d.l", 0xfff0_007f, 0xd220_0053, IntToFp, fp::from_l::<F64>),
    InsnDef::new("fcvt.d.lu", 0xfff0_007f, 0xd230_0053, IntToFp, fp::from_lu::<F64>),
    InsnDef::new("fmv.x.d", 0xfff0_707f, 0xe200_0053, FpMvToInt, fp::move_to_x_d),
    InsnDef::new("fmv.d.x", 0xfff0_707f, 0xf200_0053, FpMvFromInt, fp::move_from_x_d),
];
