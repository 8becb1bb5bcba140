//! The floating-point unit's state (F and D): the 32 registers, `fcsr`
//! (rounding mode and accrued exception flags) and `mstatus.FS`, and the
//! bridge to the arithmetic.
//!
//! The arithmetic is Berkeley SoftFloat 3 (through the softfloat-wrapper
//! crate, built with its RISC-V specialisation), the library Spike uses:
//! correctly rounded in all five rounding modes, tininess detected after
//! rounding, the canonical NaN for every NaN result, and conversions to
//! integers that saturate as the specification says. Its rounding mode and
//! flags are thread-local, so harts on other threads (a benchmark sweep)
//! never see each other's.
//!
//! Singles live NaN-boxed in the 64-bit registers: the upper 32 bits all
//! ones. A single read from a register that is not a valid box is the
//! canonical NaN.

use softfloat_wrapper::{ExceptionFlags, RoundingMode};

use super::{Cpu, Exception, status};
use crate::isa::Decoded;

/// The canonical NaN of single precision.
pub const F32_CANONICAL_NAN: u32 = 0x7fc0_0000;
/// The canonical NaN of double precision.
pub const F64_CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

/// `fflags` bits (SoftFloat's flags have the same layout).
pub mod fflags {
    #![allow(missing_docs)]
    pub const NX: u64 = 1;
    pub const UF: u64 = 2;
    pub const OF: u64 = 4;
    pub const DZ: u64 = 8;
    pub const NV: u64 = 16;
}

/// Rounding mode field values (`rm`, `frm`): 0 to 4, and 7 for "dynamic"
/// in an instruction (use `frm`).
pub const RM_DYNAMIC: u64 = 7;

/// A single as a register holds it: NaN-boxed.
#[inline(always)]
pub fn box_f32(bits: u32) -> u64 {
    0xffff_ffff_0000_0000 | bits as u64
}

/// The single a register value holds: its low half when properly boxed,
/// else the canonical NaN.
#[inline(always)]
pub fn unbox_f32(value: u64) -> u32 {
    if value >> 32 == 0xffff_ffff { value as u32 } else { F32_CANONICAL_NAN }
}

/// The rounding mode a field value names, or `None` for the reserved 5
/// and 6 (and 7, which is no mode of its own).
fn rounding_mode(rm: u64) -> Option<RoundingMode> {
    Some(match rm {
        0 => RoundingMode::TiesToEven,
        1 => RoundingMode::TowardZero,
        2 => RoundingMode::TowardNegative,
        3 => RoundingMode::TowardPositive,
        4 => RoundingMode::TiesToAway,
        _ => return None,
    })
}

impl Cpu {
    /// Floating-point register `r` (0..=31), raw, for tools.
    pub fn freg(&self, r: usize) -> u64 {
        self.f[r & 31]
    }

    /// Sets floating-point register `r` (0..=31), raw, for tools.
    pub fn set_freg(&mut self, r: usize, value: u64) {
        self.f[r & 31] = value;
    }

    /// Reads floating-point register `r` as encoded.
    #[inline(always)]
    pub(crate) fn rf(&self, r: u8) -> u64 {
        self.f[(r & 31) as usize]
    }

    /// Writes floating-point register `r` (a decoded rd, whose x0 steering
    /// the mask undoes): the FP state becomes dirty.
    #[inline(always)]
    pub(crate) fn wf(&mut self, r: u8, value: u64) {
        self.f[(r & 31) as usize] = value;
        self.csr.mstatus |= status::FS;
    }

    /// Whether the FP unit is on (`mstatus.FS` not Off); an FP instruction
    /// is illegal while it is off.
    #[inline(always)]
    pub(crate) fn fp_enabled(&self, d: &Decoded) -> Result<(), Exception> {
        if self.csr.mstatus & status::FS == 0 { Err(Exception::IllegalInstruction(d.raw as u64)) } else { Ok(()) }
    }

    /// The rounding mode of `d`: its `rm` field (the low 3 bits of `imm`),
    /// or `frm` when the field says dynamic. A reserved mode, in the field
    /// or in `frm`, makes the instruction illegal.
    #[inline]
    pub(crate) fn rounding(&self, d: &Decoded) -> Result<RoundingMode, Exception> {
        let rm = match d.imm as u64 & 7 {
            RM_DYNAMIC => (self.csr.fcsr >> 5) & 7,
            rm => rm,
        };
        rounding_mode(rm).ok_or(Exception::IllegalInstruction(d.raw as u64))
    }

    /// Runs a SoftFloat operation and accrues the exceptions it raised in
    /// `fflags`.
    #[inline]
    pub(crate) fn softfloat<T>(&mut self, op: impl FnOnce() -> T) -> T {
        ExceptionFlags::default().set();
        let result = op();
        let mut raised = ExceptionFlags::default();
        raised.get();
        self.raise_fflags(raised.to_bits() as u64);
        result
    }

    /// Accrues exception `flags` in `fflags` (the FP state becomes dirty).
    #[inline]
    pub(crate) fn raise_fflags(&mut self, flags: u64) {
        if flags != 0 {
            self.csr.fcsr |= flags & 0x1f;
            self.csr.mstatus |= status::FS;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singles_are_boxed_and_bad_boxes_read_as_the_canonical_nan() {
        assert_eq!(box_f32(0x3f80_0000), 0xffff_ffff_3f80_0000);
        assert_eq!(unbox_f32(box_f32(0x3f80_0000)), 0x3f80_0000);
        assert_eq!(unbox_f32(0x0000_0000_3f80_0000), F32_CANONICAL_NAN);
        assert_eq!(unbox_f32(0xffff_fffe_3f80_0000), F32_CANONICAL_NAN);
    }

    #[test]
    fn softfloat_flags_have_the_fflags_layout() {
        use softfloat_wrapper::{F64, Float};
        let (one, zero) = (F64::from_bits(0x3ff0_0000_0000_0000), F64::from_bits(0));
        let mut flags = ExceptionFlags::default();
        flags.set();
        let _ = one.div(zero, RoundingMode::TiesToEven);
        flags.get();
        assert_eq!(flags.to_bits() as u64, fflags::DZ);
        ExceptionFlags::default().set();
        let _ = zero.div(zero, RoundingMode::TiesToEven);
        flags.get();
        assert_eq!(flags.to_bits() as u64, fflags::NV);
        ExceptionFlags::default().set();
        let third = one.div(F64::from_bits(0x4008_0000_0000_0000), RoundingMode::TiesToEven);
        flags.get();
        assert_eq!(flags.to_bits() as u64, fflags::NX);
        assert_eq!(third.to_bits(), 0x3fd5_5555_5555_5555);
    }
}
