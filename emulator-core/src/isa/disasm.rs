//! Disassembly in the style of GNU objdump: ABI register names, commas
//! without spaces, objdump's pseudo-instructions (`li`, `mv`, `ret`,
//! `beqz`, `csrr`, ...), compressed instructions shown as their expansion.

use super::{Decoded, Format};
use crate::cpu::csr_name;

const ABI_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2",
    "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

const FP_ABI_NAMES: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// The ABI name of integer register `r` (`x10` is `a0`).
pub fn abi_name(r: u8) -> &'static str {
    ABI_NAMES[(r & 31) as usize]
}

/// The ABI name of floating-point register `r` (`f10` is `fa0`).
pub fn fp_abi_name(r: u8) -> &'static str {
    FP_ABI_NAMES[(r & 31) as usize]
}

/// The rounding-mode operand objdump appends (none for dynamic).
fn rounding(rm: i64) -> &'static str {
    match rm & 7 {
        0 => ",rne",
        1 => ",rtz",
        2 => ",rdn",
        3 => ",rup",
        4 => ",rmm",
        7 => "",
        _ => ",unknown",
    }
}

fn csr(number: i64) -> String {
    match csr_name(number as u16) {
        Some(name) => name.to_string(),
        None => format!("{:#x}", number),
    }
}

fn fence_set(bits: i64) -> String {
    let mut s = String::new();
    for (bit, c) in [(8, 'i'), (4, 'o'), (2, 'r'), (1, 'w')] {
        if bits & bit != 0 {
            s.push(c);
        }
    }
    // binutils names the empty set "unknown".
    if s.is_empty() { "unknown".into() } else { s }
}

/// Disassembles `d`, located at `pc`, as objdump would print it.
pub fn disassemble(d: &Decoded, pc: u64) -> String {
    if d.is_illegal() {
        return if d.len == 2 { format!(".2byte\t{:#06x}", d.raw) } else { format!(".4byte\t{:#010x}", d.raw) };
    }
    let name = d.base.name;
    let (rd, rs1, rs2, imm) = (d.rd_encoded(), d.rs1, d.rs2, d.imm);
    let (rdn, rs1n, rs2n) = (abi_name(rd), abi_name(rs1), abi_name(rs2));
    let target = pc.wrapping_add(imm as u64);
    let op = |text: String| format!("{name}\t{text}");
    match d.base.format {
        Format::None => name.to_string(),
        Format::R => match (name, rs1, rs2) {
            ("add", 0, _) if d.def.name == "c.mv" => format!("mv\t{rdn},{rs2n}"),
            ("sub", 0, _) => format!("neg\t{rdn},{rs2n}"),
            ("subw", 0, _) => format!("negw\t{rdn},{rs2n}"),
            ("sltu", 0, _) => format!("snez\t{rdn},{rs2n}"),
            ("slt", _, 0) => format!("sltz\t{rdn},{rs1n}"),
            ("slt", 0, _) => format!("sgtz\t{rdn},{rs2n}"),
            ("add.uw", _, 0) => format!("zext.w\t{rdn},{rs1n}"),
            _ => op(format!("{rdn},{rs1n},{rs2n}")),
        },
        Format::Unary => op(format!("{rdn},{rs1n}")),
        Format::I => match (name, rd, rs1, imm) {
            ("addi", 0, 0, 0) => "nop".into(),
            ("addi", _, 0, _) => format!("li\t{rdn},{imm}"),
            // objdump keeps `c.addi rd,0` (a hint) as an addition.
            ("addi", _, _, 0) if d.def.name != "c.addi" => format!("mv\t{rdn},{rs1n}"),
            ("addiw", _, _, 0) => format!("sext.w\t{rdn},{rs1n}"),
            ("xori", _, _, -1) => format!("not\t{rdn},{rs1n}"),
            ("sltiu", _, _, 1) => format!("seqz\t{rdn},{rs1n}"),
            ("andi", _, _, 255) => format!("zext.b\t{rdn},{rs1n}"),
            _ => op(format!("{rdn},{rs1n},{imm}")),
        },
        Format::Shift64 | Format::Shift32 => op(format!("{rdn},{rs1n},{imm:#x}")),
        Format::Load => op(format!("{rdn},{imm}({rs1n})")),
        Format::Store => op(format!("{rs2n},{imm}({rs1n})")),
        Format::U => op(format!("{rdn},{:#x}", (imm as u64 >> 12) & 0xf_ffff)),
        Format::J => match rd {
            0 => format!("j\t{target:x}"),
            1 => format!("jal\t{target:x}"),
            _ => op(format!("{rdn},{target:x}")),
        },
        Format::Jalr => match (rd, rs1, imm) {
            (0, 1, 0) => "ret".into(),
            (0, _, 0) => format!("jr\t{rs1n}"),
            (1, _, 0) => format!("jalr\t{rs1n}"),
            (0, _, _) => format!("jr\t{imm}({rs1n})"),
            (1, _, _) => format!("jalr\t{imm}({rs1n})"),
            (_, _, 0) => op(format!("{rdn},{rs1n}")),
            _ => op(format!("{rdn},{imm}({rs1n})")),
        },
        Format::Branch => match (name, rs1, rs2) {
            ("beq", _, 0) => format!("beqz\t{rs1n},{target:x}"),
            ("bne", _, 0) => format!("bnez\t{rs1n},{target:x}"),
            ("bge", _, 0) => format!("bgez\t{rs1n},{target:x}"),
            ("blt", _, 0) => format!("bltz\t{rs1n},{target:x}"),
            ("bge", 0, _) => format!("blez\t{rs2n},{target:x}"),
            ("blt", 0, _) => format!("bgtz\t{rs2n},{target:x}"),
            _ => op(format!("{rs1n},{rs2n},{target:x}")),
        },
        Format::Csr if (1..=3).contains(&imm) => {
            fp_csr(name, imm, rd, rs1).unwrap_or_else(|| op(format!("{rdn},{},{rs1n}", csr(imm))))
        }
        Format::CsrImm if (1..=2).contains(&imm) => {
            fp_csr_imm(name, imm, rd, rs1).unwrap_or_else(|| op(format!("{rdn},{},{rs1}", csr(imm))))
        }
        Format::Csr => {
            let c = csr(imm);
            match (name, rd, rs1) {
                ("csrrs", _, 0) if matches!(imm, 0xc00..=0xc02) => format!("rd{c}\t{rdn}"),
                ("csrrs", _, 0) => format!("csrr\t{rdn},{c}"),
                ("csrrw", 0, _) => format!("csrw\t{c},{rs1n}"),
                ("csrrs", 0, _) => format!("csrs\t{c},{rs1n}"),
                ("csrrc", 0, _) => format!("csrc\t{c},{rs1n}"),
                _ => op(format!("{rdn},{c},{rs1n}")),
            }
        }
        Format::CsrImm => {
            let c = csr(imm);
            match (name, rd) {
                ("csrrwi", 0) => format!("csrwi\t{c},{rs1}"),
                ("csrrsi", 0) => format!("csrsi\t{c},{rs1}"),
                ("csrrci", 0) => format!("csrci\t{c},{rs1}"),
                _ => op(format!("{rdn},{c},{rs1}")),
            }
        }
        Format::Amo | Format::LoadReserved => {
            let suffix = match (d.raw >> 25) & 3 {
                0 => "",
                1 => ".rl",
                2 => ".aq",
                _ => ".aqrl",
            };
            if d.base.format == Format::LoadReserved {
                format!("{name}{suffix}\t{rdn},({rs1n})")
            } else {
                format!("{name}{suffix}\t{rdn},{rs2n},({rs1n})")
            }
        }
        Format::Fence => {
            let (pred, succ) = ((imm >> 4) & 15, imm & 15);
            if (imm >> 8) & 15 == 8 && pred == 3 && succ == 3 {
                "fence.tso".into()
            } else if pred == 15 && succ == 15 {
                "fence".into()
            } else {
                op(format!("{},{}", fence_set(pred), fence_set(succ)))
            }
        }
        Format::SfenceVma => match (rs1, rs2) {
            (0, 0) => name.into(),
            (_, 0) => op(rs1n.to_string()),
            _ => op(format!("{rs1n},{rs2n}")),
        },
        Format::FpR | Format::FpR4 | Format::FpUnary | Format::FpSgnj => fp_arithmetic(d, name),
        Format::FpCompare => op(format!("{rdn},{},{}", fp_abi_name(rs1), fp_abi_name(rs2))),
        Format::FpToInt => op(format!("{rdn},{}{}", fp_abi_name(rs1), rounding(imm))),
        // Conversions to a double from a word cannot round: objdump shows
        // their rounding mode only when it is neither rne nor dynamic.
        Format::IntToFp if name.starts_with("fcvt.d.w") && imm & 7 == 0 => op(format!("{},{rs1n}", fp_abi_name(rd))),
        Format::IntToFp => op(format!("{},{rs1n}{}", fp_abi_name(rd), rounding(imm))),
        Format::FpMvToInt => op(format!("{rdn},{}", fp_abi_name(rs1))),
        Format::FpMvFromInt => op(format!("{},{rs1n}", fp_abi_name(rd))),
        Format::FpLoad => op(format!("{},{imm}({rs1n})", fp_abi_name(rd))),
        Format::FpStore => op(format!("{},{imm}({rs1n})", fp_abi_name(rs2))),
        // Compressed formats never reach here: `base` is always a 32-bit
        // definition, whose format is one of the above.
        _ => op(format!("{rdn},{rs1n},{rs2n},{imm}")),
    }
}

/// The instructions whose operands are all floating-point registers, with
/// objdump's `fmv`, `fneg` and `fabs` for sign injection from one register.
fn fp_arithmetic(d: &Decoded, name: &str) -> String {
    let (rd, rs1, rs2) = (fp_abi_name(d.rd_encoded()), fp_abi_name(d.rs1), fp_abi_name(d.rs2));
    match d.base.format {
        Format::FpR => format!("{name}\t{rd},{rs1},{rs2}{}", rounding(d.imm)),
        Format::FpR4 => format!("{name}\t{rd},{rs1},{rs2},{}{}", fp_abi_name((d.imm >> 3) as u8), rounding(d.imm)),
        // Widening a single cannot round either.
        Format::FpUnary if name == "fcvt.d.s" && d.imm & 7 == 0 => format!("{name}\t{rd},{rs1}"),
        Format::FpUnary => format!("{name}\t{rd},{rs1}{}", rounding(d.imm)),
        _ if d.rs1 == d.rs2 && name.starts_with("fsgnj") => {
            let (kind, precision) = name.split_once('.').unwrap_or((name, ""));
            let pseudo = match kind {
                "fsgnj" => "fmv",
                "fsgnjn" => "fneg",
                _ => "fabs",
            };
            format!("{pseudo}.{precision}\t{rd},{rs1}")
        }
        _ => format!("{name}\t{rd},{rs1},{rs2}"),
    }
}

/// objdump's names for the FP CSR instructions (`frflags`, `fsrm`,
/// `fscsr`, ...): `number` is fflags (1), frm (2) or fcsr (3).
fn fp_csr(name: &str, number: i64, rd: u8, rs1: u8) -> Option<String> {
    let what = ["", "flags", "rm", "csr"][number as usize];
    let (rdn, rs1n) = (abi_name(rd), abi_name(rs1));
    Some(match (name, rd, rs1) {
        ("csrrs", _, 0) => format!("fr{what}\t{rdn}"),
        ("csrrw", 0, _) => format!("fs{what}\t{rs1n}"),
        ("csrrw", _, _) => format!("fs{what}\t{rdn},{rs1n}"),
        _ => return None,
    })
}

/// objdump's `fsflagsi` and `fsrmi` (binutils 2.40 names the destination
/// even when it is `zero`).
fn fp_csr_imm(name: &str, number: i64, rd: u8, imm: u8) -> Option<String> {
    let what = ["", "flags", "rm"][number as usize];
    (name == "csrrwi").then(|| format!("fs{what}i\t{},{imm}", abi_name(rd)))
}
