//! The semantics F and D share, written once over the precision: each
//! function here is one instruction of `rv64f.rs` and of `rv64d.rs`,
//! instantiated for singles ([`F32`]) and doubles ([`F64`]).
//!
//! Every FP instruction is illegal while `mstatus.FS` is Off, and one with
//! a rounding mode is illegal when that mode is reserved (5, 6, or a
//! dynamic mode while `frm` holds one of them). Arithmetic goes through
//! SoftFloat (see `cpu/fpu.rs`), which raises the exception flags; the
//! operations that are only bits (sign injection, moves, `fclass`) and the
//! minimum and maximum are done here, by the specification's rules.

use softfloat_wrapper::{F32, F64, Float, RoundingMode};

use super::{Decoded, ExecResult, sext_w};
use crate::cpu::{Cpu, F32_CANONICAL_NAN, F64_CANONICAL_NAN, box_f32, fflags, unbox_f32};

/// A precision: how its values sit in a register.
pub trait Precision: Float + Copy {
    /// Its canonical NaN.
    const CANONICAL_NAN: u64;
    /// Its sign bit.
    const SIGN: u64;
    /// The value register `r` holds (a single is unboxed).
    fn read(cpu: &Cpu, r: u8) -> Self;
    /// The register value that holds `self` (a single is boxed).
    fn held(self) -> u64;
    /// The value with these bits.
    fn of_bits(bits: u64) -> Self;
    /// Its bits.
    fn raw(self) -> u64;
}

impl Precision for F32 {
    const CANONICAL_NAN: u64 = F32_CANONICAL_NAN as u64;
    const SIGN: u64 = 1 << 31;
    fn read(cpu: &Cpu, r: u8) -> F32 {
        F32::from_bits(unbox_f32(cpu.rf(r)))
    }
    fn held(self) -> u64 {
        box_f32(self.to_bits())
    }
    fn of_bits(bits: u64) -> F32 {
        F32::from_bits(bits as u32)
    }
    fn raw(self) -> u64 {
        self.to_bits() as u64
    }
}

impl Precision for F64 {
    const CANONICAL_NAN: u64 = F64_CANONICAL_NAN;
    const SIGN: u64 = 1 << 63;
    fn read(cpu: &Cpu, r: u8) -> F64 {
        F64::from_bits(cpu.rf(r))
    }
    fn held(self) -> u64 {
        self.to_bits()
    }
    fn of_bits(bits: u64) -> F64 {
        F64::from_bits(bits)
    }
    fn raw(self) -> u64 {
        self.to_bits()
    }
}

/// The third source register of a fused multiply-add (kept in `imm`).
fn rs3(d: &Decoded) -> u8 {
    (d.imm >> 3) as u8 & 31
}

/// `frd = op(frs1, frs2)`, rounded as `d` says.
fn binary<T: Precision>(cpu: &mut Cpu, d: &Decoded, op: impl FnOnce(T, T, RoundingMode) -> T) -> ExecResult {
    cpu.fp_enabled(d)?;
    let rm = cpu.rounding(d)?;
    let (a, b) = (T::read(cpu, d.rs1), T::read(cpu, d.rs2));
    let result = cpu.softfloat(|| op(a, b, rm));
    cpu.wf(d.rd, result.held());
    Ok(())
}

/// `fadd`.
pub fn add<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    binary::<T>(cpu, d, |a, b, rm| a.add(b, rm))
}

/// `fsub`.
pub fn sub<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    binary::<T>(cpu, d, |a, b, rm| a.sub(b, rm))
}

/// `fmul`.
pub fn mul<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    binary::<T>(cpu, d, |a, b, rm| a.mul(b, rm))
}

/// `fdiv`.
pub fn div<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    binary::<T>(cpu, d, |a, b, rm| a.div(b, rm))
}

/// `fsqrt`.
pub fn sqrt<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    let rm = cpu.rounding(d)?;
    let a = T::read(cpu, d.rs1);
    let result = cpu.softfloat(|| a.sqrt(rm));
    cpu.wf(d.rd, result.held());
    Ok(())
}

/// The fused multiply-adds: `frd = ±(frs1 × frs2) ± frs3` with a single
/// rounding; `negate_product` and `negate_addend` choose the signs (by the
/// sign bit, as the specification defines them: `fnmadd` is
/// `-(a×b) - c`).
fn fused<T: Precision>(cpu: &mut Cpu, d: &Decoded, negate_product: bool, negate_addend: bool) -> ExecResult {
    cpu.fp_enabled(d)?;
    let rm = cpu.rounding(d)?;
    let flip = |v: T, negate: bool| if negate { T::of_bits(v.raw() ^ T::SIGN) } else { v };
    let a = flip(T::read(cpu, d.rs1), negate_product);
    let (b, c) = (T::read(cpu, d.rs2), flip(T::read(cpu, rs3(d)), negate_addend));
    let result = cpu.softfloat(|| a.fused_mul_add(b, c, rm));
    cpu.wf(d.rd, result.held());
    Ok(())
}

/// `fmadd`: `a×b + c`.
pub fn madd<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    fused::<T>(cpu, d, false, false)
}

/// `fmsub`: `a×b - c`.
pub fn msub<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    fused::<T>(cpu, d, false, true)
}

/// `fnmsub`: `-(a×b) + c`.
pub fn nmsub<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    fused::<T>(cpu, d, true, false)
}

/// `fnmadd`: `-(a×b) - c`.
pub fn nmadd<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    fused::<T>(cpu, d, true, true)
}

/// Sign injection: `frs1`'s magnitude with the sign `sign(a, b)` gives
/// from the two sign bits.
fn inject<T: Precision>(cpu: &mut Cpu, d: &Decoded, sign: impl FnOnce(u64, u64) -> u64) -> ExecResult {
    cpu.fp_enabled(d)?;
    let (a, b) = (T::read(cpu, d.rs1).raw(), T::read(cpu, d.rs2).raw());
    let result = (a & !T::SIGN) | (sign(a, b) & T::SIGN);
    cpu.wf(d.rd, T::of_bits(result).held());
    Ok(())
}

/// `fsgnj` (`fmv` when both sources are one register).
pub fn sgnj<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    inject::<T>(cpu, d, |_, b| b)
}

/// `fsgnjn` (`fneg`).
pub fn sgnjn<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    inject::<T>(cpu, d, |_, b| !b)
}

/// `fsgnjx` (`fabs`).
pub fn sgnjx<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    inject::<T>(cpu, d, |a, b| a ^ b)
}

/// `fmin` and `fmax`: a NaN operand loses to a number (both NaN: the
/// canonical NaN); -0 is less than +0; a signalling NaN raises invalid.
fn min_max<T: Precision>(cpu: &mut Cpu, d: &Decoded, max: bool) -> ExecResult {
    cpu.fp_enabled(d)?;
    let (a, b) = (T::read(cpu, d.rs1), T::read(cpu, d.rs2));
    if a.is_signaling_nan() || b.is_signaling_nan() {
        cpu.raise_fflags(fflags::NV);
    }
    let result = match (a.is_nan(), b.is_nan()) {
        (true, true) => T::of_bits(T::CANONICAL_NAN),
        (true, false) => b,
        (false, true) => a,
        (false, false) => {
            // Neither is a NaN: these comparisons raise nothing.
            let a_smaller = a.lt_quiet(b) || (a.eq(b) && a.is_negative());
            if a_smaller != max { a } else { b }
        }
    };
    cpu.wf(d.rd, result.held());
    Ok(())
}

/// `fmin`.
pub fn min<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    min_max::<T>(cpu, d, false)
}

/// `fmax`.
pub fn max<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    min_max::<T>(cpu, d, true)
}

/// `rd = compare(frs1, frs2)`, with the flags the comparison raises.
fn compare<T: Precision>(cpu: &mut Cpu, d: &Decoded, op: impl FnOnce(T, T) -> bool) -> ExecResult {
    cpu.fp_enabled(d)?;
    let (a, b) = (T::read(cpu, d.rs1), T::read(cpu, d.rs2));
    let result = cpu.softfloat(|| op(a, b));
    cpu.wx(d.rd, result as u64);
    Ok(())
}

/// `feq`: quiet (only a signalling NaN raises invalid).
pub fn eq<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    compare::<T>(cpu, d, |a, b| a.eq(b))
}

/// `flt`: signalling (any NaN raises invalid).
pub fn lt<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    compare::<T>(cpu, d, |a, b| a.lt(b))
}

/// `fle`: signalling.
pub fn le<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    compare::<T>(cpu, d, |a, b| a.le(b))
}

/// `fclass`: one bit for the class of `frs1`.
pub fn class<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    let a = T::read(cpu, d.rs1);
    let bit = if a.is_negative_infinity() {
        0
    } else if a.is_negative_normal() {
        1
    } else if a.is_negative_subnormal() {
        2
    } else if a.is_negative_zero() {
        3
    } else if a.is_positive_zero() {
        4
    } else if a.is_positive_subnormal() {
        5
    } else if a.is_positive_normal() {
        6
    } else if a.is_positive_infinity() {
        7
    } else if a.is_signaling_nan() {
        8
    } else {
        9
    };
    cpu.wx(d.rd, 1 << bit);
    Ok(())
}

/// `rd = convert(frs1)` to an integer, rounded as `d` says (SoftFloat
/// saturates out-of-range values and NaNs as RISC-V specifies).
fn to_int<T: Precision>(cpu: &mut Cpu, d: &Decoded, convert: impl FnOnce(T, RoundingMode) -> u64) -> ExecResult {
    cpu.fp_enabled(d)?;
    let rm = cpu.rounding(d)?;
    let a = T::read(cpu, d.rs1);
    let result = cpu.softfloat(|| convert(a, rm));
    cpu.wx(d.rd, result);
    Ok(())
}

/// `fcvt.w`: to a signed word, sign-extended.
pub fn to_w<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    to_int::<T>(cpu, d, |a, rm| a.to_i32(rm, true) as i64 as u64)
}

/// `fcvt.wu`: to an unsigned word, sign-extended as every word result.
pub fn to_wu<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    to_int::<T>(cpu, d, |a, rm| sext_w(a.to_u32(rm, true) as u64))
}

/// `fcvt.l`: to a signed doubleword.
pub fn to_l<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    to_int::<T>(cpu, d, |a, rm| a.to_i64(rm, true) as u64)
}

/// `fcvt.lu`: to an unsigned doubleword.
pub fn to_lu<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    to_int::<T>(cpu, d, |a, rm| a.to_u64(rm, true))
}

/// `frd = convert(rs1)` from an integer, rounded as `d` says.
fn from_int<T: Precision>(cpu: &mut Cpu, d: &Decoded, convert: impl FnOnce(u64, RoundingMode) -> T) -> ExecResult {
    cpu.fp_enabled(d)?;
    let rm = cpu.rounding(d)?;
    let x = cpu.rx(d.rs1);
    let result = cpu.softfloat(|| convert(x, rm));
    cpu.wf(d.rd, result.held());
    Ok(())
}

/// `fcvt.*.w`: from a signed word.
pub fn from_w<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    from_int::<T>(cpu, d, |x, rm| T::from_i32(x as i32, rm))
}

/// `fcvt.*.wu`: from an unsigned word.
pub fn from_wu<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    from_int::<T>(cpu, d, |x, rm| T::from_u32(x as u32, rm))
}

/// `fcvt.*.l`: from a signed doubleword.
pub fn from_l<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    from_int::<T>(cpu, d, |x, rm| T::from_i64(x as i64, rm))
}

/// `fcvt.*.lu`: from an unsigned doubleword.
pub fn from_lu<T: Precision>(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    from_int::<T>(cpu, d, |x, rm| T::from_u64(x, rm))
}

/// `fcvt.s.d`: a double rounded to a single.
pub fn single_of_double(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    let rm = cpu.rounding(d)?;
    let a = F64::read(cpu, d.rs1);
    let result = cpu.softfloat(|| a.to_f32(rm));
    cpu.wf(d.rd, result.held());
    Ok(())
}

/// `fcvt.d.s`: a single widened to a double (exact; a NaN becomes the
/// canonical NaN, a signalling one raising invalid).
pub fn double_of_single(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    let rm = cpu.rounding(d)?;
    let a = F32::read(cpu, d.rs1);
    let result = cpu.softfloat(|| a.to_f64(rm));
    cpu.wf(d.rd, result.held());
    Ok(())
}

/// `fmv.x.w`: the low 32 bits of `frs1`, as they are, sign-extended.
pub fn move_to_x_w(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    cpu.wx(d.rd, sext_w(cpu.rf(d.rs1)));
    Ok(())
}

/// `fmv.w.x`: the low 32 bits of `rs1`, boxed.
pub fn move_from_x_w(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    cpu.wf(d.rd, box_f32(cpu.rx(d.rs1) as u32));
    Ok(())
}

/// `fmv.x.d`.
pub fn move_to_x_d(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    cpu.wx(d.rd, cpu.rf(d.rs1));
    Ok(())
}

/// `fmv.d.x`.
pub fn move_from_x_d(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    cpu.wf(d.rd, cpu.rx(d.rs1));
    Ok(())
}

/// `flw`: a word loaded, boxed.
pub fn load_w(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    let value = cpu.load::<4>(cpu.rx(d.rs1).wrapping_add(d.imm as u64))?;
    cpu.wf(d.rd, box_f32(value as u32));
    Ok(())
}

/// `fld`.
pub fn load_d(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    let value = cpu.load::<8>(cpu.rx(d.rs1).wrapping_add(d.imm as u64))?;
    cpu.wf(d.rd, value);
    Ok(())
}

/// `fsw`: the low 32 bits of `frs2`, as they are.
pub fn store_w(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    cpu.store::<4>(cpu.rx(d.rs1).wrapping_add(d.imm as u64), cpu.rf(d.rs2))
}

/// `fsd`.
pub fn store_d(cpu: &mut Cpu, d: &Decoded) -> ExecResult {
    cpu.fp_enabled(d)?;
    cpu.store::<8>(cpu.rx(d.rs1).wrapping_add(d.imm as u64), cpu.rf(d.rs2))
}
