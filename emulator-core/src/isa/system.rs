//! Environment calls, breakpoints and the privileged instructions.

use super::Format::*;
use super::InsnDef;
use crate::cpu::{Exception, Privilege};

pub(super) const DEFS: &[InsnDef] = &[
    InsnDef::new("ecall", 0xffff_ffff, 0x0000_0073, None, |cpu, _| {
        Err(match cpu.mode {
            Privilege::User => Exception::EcallFromU,
            Privilege::Supervisor => Exception::EcallFromS,
            Privilege::Machine => Exception::EcallFromM,
        })
    }),
    InsnDef::new("ebreak", 0xffff_ffff, 0x0010_0073, None, |_, _| Err(Exception::Breakpoint)),
    InsnDef::new("sret", 0xffff_ffff, 0x1020_0073, None, |cpu, d| cpu.sret(d)),
    InsnDef::new("mret", 0xffff_ffff, 0x3020_0073, None, |cpu, d| cpu.mret(d)),
    InsnDef::new("wfi", 0xffff_ffff, 0x1050_0073, None, |cpu, d| cpu.wfi(d)),
    InsnDef::new("sfence.vma", 0xfe00_7fff, 0x1200_0073, SfenceVma, |cpu, d| cpu.sfence_vma(d)),
];
