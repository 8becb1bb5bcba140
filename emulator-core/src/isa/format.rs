//! Operand formats: where registers and immediates sit in each encoding.
//!
//! Compressed formats extract their operands in the terms of the 32-bit
//! instruction they expand to (`c.lwsp` yields `rs1 = sp`, `c.j` yields
//! `rd = x0`), so compressed and full-size code share semantics. Reserved
//! encodings (a zero immediate where the specification forbids one, a
//! forbidden register) extract to `None` and decode as illegal.

/// Operands extracted from an encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Operands {
    /// Destination register (0 = x0).
    pub rd: u8,
    /// First source register, or a 5-bit immediate for `csrr*i`.
    pub rs1: u8,
    /// Second source register.
    pub rs2: u8,
    /// Immediate, sign-extended where the encoding is signed.
    pub imm: i64,
}

/// The operand layout of an encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// No operands (`ecall`, `mret`, `fence.i`, `c.ebreak`).
    None,
    /// `rd, rs1, rs2`.
    R,
    /// `rd, rs1` (`clz`, `sext.b`, `rev8`: rs2 is part of the opcode).
    Unary,
    /// `rd, rs1, imm12`.
    I,
    /// `rd, imm12(rs1)`.
    Load,
    /// `rs2, imm12(rs1)`.
    Store,
    /// `rs1, rs2, pc + imm13`.
    Branch,
    /// `rd, imm20 << 12`.
    U,
    /// `rd, pc + imm21`.
    J,
    /// `rd, imm12(rs1)`, the target being `rs1 + imm`.
    Jalr,
    /// `rd, rs1, shamt` with a 6-bit shift amount.
    Shift64,
    /// `rd, rs1, shamt` with a 5-bit shift amount.
    Shift32,
    /// `rd, csr, rs1`; `imm` holds the CSR number.
    Csr,
    /// `rd, csr, uimm5`; the 5-bit immediate is in `rs1`.
    CsrImm,
    /// `rd, rs2, (rs1)`.
    Amo,
    /// `rd, (rs1)`.
    LoadReserved,
    /// `pred, succ`; `imm` holds bits 31:20.
    Fence,
    /// `rs1, rs2`.
    SfenceVma,
    /// `c.addi4spn rd', nzuimm` → `addi rd', sp, nzuimm`.
    CAddi4spn,
    /// `c.lw rd', uimm(rs1')`.
    CLw,
    /// `c.ld rd', uimm(rs1')`.
    CLd,
    /// `c.sw rs2', uimm(rs1')`.
    CSw,
    /// `c.sd rs2', uimm(rs1')`.
    CSd,
    /// `c.addi rd, imm6` → `addi rd, rd, imm`.
    CAddi,
    /// `c.addiw rd, imm6` → `addiw rd, rd, imm` (rd ≠ 0).
    CAddiw,
    /// `c.li rd, imm6` → `addi rd, x0, imm`.
    CLi,
    /// `c.addi16sp nzimm` → `addi sp, sp, nzimm`.
    CAddi16sp,
    /// `c.lui rd, nzimm` → `lui rd, nzimm`.
    CLui,
    /// `c.srli`/`c.srai rd', shamt` → shift of rd' by shamt.
    CShift,
    /// `c.andi rd', imm6` → `andi rd', rd', imm`.
    CAndi,
    /// `c.sub`/`c.xor`/... `rd', rs2'` → `op rd', rd', rs2'`.
    CArith,
    /// `c.j offset` → `jal x0, offset`.
    CJ,
    /// `c.beqz`/`c.bnez rs1', offset` → branch against x0.
    CBranch,
    /// `c.slli rd, shamt` → `slli rd, rd, shamt`.
    CSlli,
    /// `c.lwsp rd, uimm(sp)` (rd ≠ 0).
    CLwsp,
    /// `c.ldsp rd, uimm(sp)` (rd ≠ 0).
    CLdsp,
    /// `c.jr rs1` → `jalr x0, 0(rs1)` (rs1 ≠ 0).
    CJr,
    /// `c.jalr rs1` → `jalr ra, 0(rs1)` (rs1 ≠ 0).
    CJalr,
    /// `c.mv rd, rs2` → `add rd, x0, rs2`.
    CMv,
    /// `c.add rd, rs2` → `add rd, rd, rs2`.
    CAdd,
    /// `c.swsp rs2, uimm(sp)`.
    CSwsp,
    /// `c.sdsp rs2, uimm(sp)`.
    CSdsp,
    /// `c.fldsp frd, uimm(sp)` (any frd, f0 included).
    CFldsp,
    /// `frd, frs1, frs2`, and the rounding mode in `imm`.
    FpR,
    /// `frd, frs1, frs2, frs3` (fused multiply-add); `imm` holds the
    /// rounding mode in bits 2:0 and rs3 in bits 7:3.
    FpR4,
    /// `frd, frs1`, and the rounding mode in `imm` (`fsqrt`, `fcvt.s.d`).
    FpUnary,
    /// `frd, frs1, frs2` with no rounding mode (`fsgnj`, `fmin`).
    FpSgnj,
    /// `rd, frs1, frs2` (`feq`, `flt`, `fle`).
    FpCompare,
    /// `rd, frs1`, and the rounding mode in `imm` (`fcvt.w.s`).
    FpToInt,
    /// `frd, rs1`, and the rounding mode in `imm` (`fcvt.s.w`).
    IntToFp,
    /// `rd, frs1` (`fmv.x.w`, `fclass`).
    FpMvToInt,
    /// `frd, rs1` (`fmv.w.x`).
    FpMvFromInt,
    /// `frd, imm12(rs1)`.
    FpLoad,
    /// `frs2, imm12(rs1)`.
    FpStore,
}

/// Bits `hi..=lo` of `x`, shifted down.
#[inline(always)]
fn bits(x: u32, hi: u32, lo: u32) -> u32 {
    (x >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// Bit `n` of `x` moved to position `to`.
#[inline(always)]
fn bit(x: u32, n: u32, to: u32) -> u32 {
    ((x >> n) & 1) << to
}

/// Sign-extends the low `width` bits of `x`.
#[inline(always)]
fn sext(x: u32, width: u32) -> i64 {
    let shift = 64 - width;
    (((x as u64) << shift) as i64) >> shift
}

#[inline(always)]
fn rd(x: u32) -> u8 {
    bits(x, 11, 7) as u8
}
#[inline(always)]
fn rs1(x: u32) -> u8 {
    bits(x, 19, 15) as u8
}
#[inline(always)]
fn rs2(x: u32) -> u8 {
    bits(x, 24, 20) as u8
}
/// Compressed 3-bit register field at bits `lo+2..lo` (x8..x15).
#[inline(always)]
fn creg(x: u32, lo: u32) -> u8 {
    (bits(x, lo + 2, lo) + 8) as u8
}

const SP: u8 = 2;
const RA: u8 = 1;

fn ops(rd: u8, rs1: u8, rs2: u8, imm: i64) -> Option<Operands> {
    Some(Operands { rd, rs1, rs2, imm })
}

impl Format {
    /// Whether instructions of this (32-bit) format write integer
    /// register `rd`.
    pub fn writes_rd(self) -> bool {
        !self.writes_fd()
            && !matches!(
                self,
                Format::None | Format::Store | Format::FpStore | Format::Branch | Format::Fence | Format::SfenceVma
            )
    }

    /// Whether instructions of this (32-bit) format write floating-point
    /// register `rd`.
    pub fn writes_fd(self) -> bool {
        use Format::*;
        matches!(self, FpR | FpR4 | FpUnary | FpSgnj | IntToFp | FpMvFromInt | FpLoad)
    }

    /// Extracts the operands of `raw`, or `None` for a reserved encoding.
    #[inline]
    pub fn extract(self, x: u32) -> Option<Operands> {
        use Format::*;
        match self {
            None => ops(0, 0, 0, 0),
            R | Amo | LoadReserved | SfenceVma | FpSgnj | FpCompare | FpMvToInt | FpMvFromInt => {
                ops(rd(x), rs1(x), rs2(x), 0)
            }
            FpR | FpUnary | FpToInt | IntToFp => ops(rd(x), rs1(x), rs2(x), bits(x, 14, 12) as i64),
            FpR4 => ops(rd(x), rs1(x), rs2(x), (bits(x, 14, 12) | (bits(x, 31, 27) << 3)) as i64),
            Unary => ops(rd(x), rs1(x), 0, 0),
            I | Load | Jalr | FpLoad => ops(rd(x), rs1(x), 0, sext(x >> 20, 12)),
            Store | FpStore => ops(0, rs1(x), rs2(x), sext((bits(x, 31, 25) << 5) | bits(x, 11, 7), 12)),
            Branch => {
                let imm = bit(x, 31, 12) | bit(x, 7, 11) | (bits(x, 30, 25) << 5) | (bits(x, 11, 8) << 1);
                ops(0, rs1(x), rs2(x), sext(imm, 13))
            }
            U => ops(rd(x), 0, 0, sext(x & 0xffff_f000, 32)),
            J => {
                let imm = bit(x, 31, 20) | (bits(x, 19, 12) << 12) | bit(x, 20, 11) | (bits(x, 30, 21) << 1);
                ops(rd(x), 0, 0, sext(imm, 21))
            }
            Shift64 => ops(rd(x), rs1(x), 0, bits(x, 25, 20) as i64),
            Shift32 => ops(rd(x), rs1(x), 0, bits(x, 24, 20) as i64),
            Csr | CsrImm => ops(rd(x), rs1(x), 0, (x >> 20) as i64),
            Fence => ops(rd(x), rs1(x), 0, (x >> 20) as i64),
            CAddi4spn => {
                let imm = (bits(x, 12, 11) << 4) | (bits(x, 10, 7) << 6) | bit(x, 6, 2) | bit(x, 5, 3);
                if imm == 0 {
                    return Option::None;
                }
                ops(creg(x, 2), SP, 0, imm as i64)
            }
            CLw => ops(creg(x, 2), creg(x, 7), 0, clw_offset(x)),
            CLd => ops(creg(x, 2), creg(x, 7), 0, cld_offset(x)),
            CSw => ops(0, creg(x, 7), creg(x, 2), clw_offset(x)),
            CSd => ops(0, creg(x, 7), creg(x, 2), cld_offset(x)),
            CAddi => ops(rd(x), rd(x), 0, ci_imm(x)),
            CAddiw => match rd(x) {
                0 => Option::None,
                r => ops(r, r, 0, ci_imm(x)),
            },
            CLi => ops(rd(x), 0, 0, ci_imm(x)),
            CAddi16sp => {
                let imm = bit(x, 12, 9) | bit(x, 6, 4) | bit(x, 5, 6) | (bits(x, 4, 3) << 7) | bit(x, 2, 5);
                if imm == 0 {
                    return Option::None;
                }
                ops(SP, SP, 0, sext(imm, 10))
            }
            CLui => {
                let imm = bit(x, 12, 17) | (bits(x, 6, 2) << 12);
                if imm == 0 {
                    return Option::None;
                }
                ops(rd(x), 0, 0, sext(imm, 18))
            }
            CShift => ops(creg(x, 7), creg(x, 7), 0, (bit(x, 12, 5) | bits(x, 6, 2)) as i64),
            CAndi => ops(creg(x, 7), creg(x, 7), 0, ci_imm(x)),
            CArith => ops(creg(x, 7), creg(x, 7), creg(x, 2), 0),
            CJ => {
                let imm = bit(x, 12, 11)
                    | bit(x, 11, 4)
                    | (bits(x, 10, 9) << 8)
                    | bit(x, 8, 10)
                    | bit(x, 7, 6)
                    | bit(x, 6, 7)
                    | (bits(x, 5, 3) << 1)
                    | bit(x, 2, 5);
                ops(0, 0, 0, sext(imm, 12))
            }
            CBranch => {
                let imm =
                    bit(x, 12, 8) | (bits(x, 11, 10) << 3) | (bits(x, 6, 5) << 6) | (bits(x, 4, 3) << 1) | bit(x, 2, 5);
                ops(0, creg(x, 7), 0, sext(imm, 9))
            }
            CSlli => ops(rd(x), rd(x), 0, (bit(x, 12, 5) | bits(x, 6, 2)) as i64),
            CLwsp => match rd(x) {
                0 => Option::None,
                r => ops(r, SP, 0, (bit(x, 12, 5) | (bits(x, 6, 4) << 2) | (bits(x, 3, 2) << 6)) as i64),
            },
            CLdsp => match rd(x) {
                0 => Option::None,
                r => ops(r, SP, 0, cldsp_offset(x)),
            },
            CFldsp => ops(rd(x), SP, 0, cldsp_offset(x)),
            CJr => match rd(x) {
                0 => Option::None,
                r => ops(0, r, 0, 0),
            },
            CJalr => match rd(x) {
                0 => Option::None,
                r => ops(RA, r, 0, 0),
            },
            CMv => ops(rd(x), 0, bits(x, 6, 2) as u8, 0),
            CAdd => ops(rd(x), rd(x), bits(x, 6, 2) as u8, 0),
            CSwsp => ops(0, SP, bits(x, 6, 2) as u8, ((bits(x, 12, 9) << 2) | (bits(x, 8, 7) << 6)) as i64),
            CSdsp => ops(0, SP, bits(x, 6, 2) as u8, ((bits(x, 12, 10) << 3) | (bits(x, 9, 7) << 6)) as i64),
        }
    }
}

/// The signed 6-bit immediate of CI-format instructions: imm[5] = bit 12,
/// imm[4:0] = bits 6:2.
fn ci_imm(x: u32) -> i64 {
    sext(bit(x, 12, 5) | bits(x, 6, 2), 6)
}

/// `c.lw`/`c.sw` offset: uimm[5:3] = bits 12:10, uimm[2] = bit 6,
/// uimm[6] = bit 5.
fn clw_offset(x: u32) -> i64 {
    ((bits(x, 12, 10) << 3) | bit(x, 6, 2) | bit(x, 5, 6)) as i64
}

/// `c.ld`/`c.sd` offset: uimm[5:3] = bits 12:10, uimm[7:6] = bits 6:5.
/// The offset of `c.ldsp` and `c.fldsp`: uimm[5] at bit 12, uimm[4:3]
/// at bits 6:5, uimm[8:6] at bits 4:2.
fn cldsp_offset(x: u32) -> i64 {
    (bit(x, 12, 5) | (bits(x, 6, 5) << 3) | (bits(x, 4, 2) << 6)) as i64
}

fn cld_offset(x: u32) -> i64 {
    ((bits(x, 12, 10) << 3) | (bits(x, 6, 5) << 6)) as i64
}
