//! Zicsr: the CSR read-modify-write instructions.
//!
//! The access rules (which CSRs exist, privilege, read-only) live with the
//! CSR file in `cpu::csr`; here only the operation and its source differ.

use super::Format::*;
use super::InsnDef;
use crate::cpu::CsrOp;

pub(super) const DEFS: &[InsnDef] = &[
    InsnDef::new("csrrw", 0x0000_707f, 0x0000_1073, Csr, |cpu, d| cpu.csr_instruction(d, CsrOp::Write, cpu.rx(d.rs1))),
    InsnDef::new("csrrs", 0x0000_707f, 0x0000_2073, Csr, |cpu, d| cpu.csr_instruction(d, CsrOp::Set, cpu.rx(d.rs1))),
    InsnDef::new("csrrc", 0x0000_707f, 0x0000_3073, Csr, |cpu, d| cpu.csr_instruction(d, CsrOp::Clear, cpu.rx(d.rs1))),
    InsnDef::new("csrrwi", 0x0000_707f, 0x0000_5073, CsrImm, |cpu, d| {
        cpu.csr_instruction(d, CsrOp::Write, d.rs1 as u64)
    }),
    InsnDef::new("csrrsi", 0x0000_707f, 0x0000_6073, CsrImm, |cpu, d| cpu.csr_instruction(d, CsrOp::Set, d.rs1 as u64)),
    InsnDef::new("csrrci", 0x0000_707f, 0x0000_7073, CsrImm, |cpu, d| {
        cpu.csr_instruction(d, CsrOp::Clear, d.rs1 as u64)
    }),
];
