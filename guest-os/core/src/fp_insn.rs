//! Which instructions use the floating-point unit, for the kernel's lazy
//! FP switching: a process starts with `sstatus.FS` Off, so its first F or
//! D instruction traps as illegal, and the kernel, seeing that it was one,
//! gives the process FP registers and lets it retry (see the kernel's
//! `fpu.rs`). Any other illegal instruction is the program's own fault.

/// The CSRs of the FP unit: `fflags`, `frm`, `fcsr`.
const FP_CSRS: core::ops::RangeInclusive<u32> = 1..=3;

/// Whether `raw` (16 bits for a compressed instruction, 32 otherwise) is
/// an F or D instruction, or a CSR instruction on `fflags`, `frm` or
/// `fcsr`.
pub fn uses_fpu(raw: u32) -> bool {
    if raw & 3 != 3 {
        return compressed_uses_fpu(raw & 0xffff);
    }
    match raw & 0x7f {
        // LOAD-FP, STORE-FP (F and D widths only: the vector extension
        // shares these opcodes), the fused multiply-adds, OP-FP.
        0x07 | 0x27 => matches!((raw >> 12) & 7, 2 | 3),
        0x43 | 0x47 | 0x4b | 0x4f | 0x53 => true,
        // SYSTEM with funct3 != 0: a CSR instruction.
        0x73 => (raw >> 12) & 7 != 0 && (raw >> 12) & 7 != 4 && FP_CSRS.contains(&(raw >> 20)),
        _ => false,
    }
}

/// `c.fld`, `c.fsd`, `c.fldsp`, `c.fsdsp` (RV64 has no `c.flw`/`c.fsw`).
fn compressed_uses_fpu(raw: u32) -> bool {
    let quadrant = raw & 3;
    let funct3 = raw >> 13;
    matches!((quadrant, funct3), (0, 1) | (0, 5) | (2, 1) | (2, 5))
}

#[cfg(test)]
mod tests {
    use super::uses_fpu;

    #[test]
    fn fp_instructions_are_recognised() {
        for raw in [
            0x0005_3507, // fld fa0,0(a0)
            0x0000_2007, // flw ft0,0(zero)
            0x00a5_3027, // fsd fa0,0(a0)
            0x02b5_76d3, // fadd.d fa3,fa0,fa1
            0xe206_8553, // fmv.x.d a0,fa3
            0x0000_0043, // fmadd.s
            0x0000_004f, // fnmadd.s
            0x0010_15f3, // fsflags a1,zero (csrrw a1,fflags,zero)
            0x0030_2573, // frcsr a0 (csrrs a0,fcsr,zero)
            0x0020_5073, // fsrmi 0 (csrrwi zero,frm,0)
            0x2100,      // c.fld fs0,0(a0)
            0xa500,      // c.fsd fs0,8(a0)
            0x2002,      // c.fldsp ft0,0(sp)
            0xa406,      // c.fsdsp ft1,8(sp)
        ] {
            assert!(uses_fpu(raw), "{raw:#x}");
        }
    }

    #[test]
    fn other_instructions_are_not() {
        for raw in [
            0x0000_0013, // nop
            0x0000_3503, // ld a0,0(zero)
            0x0000_0073, // ecall
            0x3000_2573, // csrr a0,mstatus
            0x0010_0073, // ebreak (SYSTEM, funct3 0, imm 1)
            0x0000_6007, // a vector load (LOAD-FP, width 110)
            0x6000,      // c.ld
            0x4002,      // c.lwsp
            0xffff_ffff, // all ones
            0x0000,      // the zero halfword (illegal)
        ] {
            assert!(!uses_fpu(raw), "{raw:#x}");
        }
    }
}
