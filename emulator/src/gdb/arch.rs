//! The machine as gdb sees it: riscv:rv64 with x0..x31 and pc (the `g`
//! packet), f0..f31 with `fflags`, `frm` and `fcsr` (the FPU feature, as
//! gdb's own `64bit-fpu.xml` lays it out), and the other CSRs rvsim
//! implements, numbered as gdb's RISC-V port numbers them (33 + the FP
//! register, 65 + the CSR's number), read one by one (`p` packets).

use std::fmt::Write as _;
use std::sync::OnceLock;

use gdbstub::arch::Arch;
use gdbstub_arch::riscv::reg::RiscvCoreRegs;
use gdbstub_arch::riscv::reg::id::RiscvRegId;

use crate::cpu::csr_name;
use crate::isa::{abi_name, fp_abi_name};

/// The RV64 hart, for gdbstub.
pub enum Rv64 {}

/// gdb's register number of CSR 0.
const CSR_BASE: usize = 65;

/// gdb's register number of f0.
const FPR_BASE: usize = 33;

/// The FP CSRs, which gdb expects in the FPU feature.
fn is_fp_csr(number: u16) -> bool {
    (1..=3).contains(&number)
}

/// The target description: `org.gnu.gdb.riscv.cpu`, `org.gnu.gdb.riscv.fpu`
/// and `org.gnu.gdb.riscv.csr`.
fn target_xml() -> &'static str {
    static XML: OnceLock<String> = OnceLock::new();
    XML.get_or_init(|| {
        let mut xml = String::from(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n\
             <architecture>riscv:rv64</architecture>\n<feature name=\"org.gnu.gdb.riscv.cpu\">\n",
        );
        for r in 0..32u8 {
            let (name, kind) = match r {
                0 => ("zero", "int"),
                1 => ("ra", "code_ptr"),
                2 | 3 | 4 | 8 => (if r == 8 { "fp" } else { abi_name(r) }, "data_ptr"),
                _ => (abi_name(r), "int"),
            };
            let _ = writeln!(xml, "  <reg name=\"{name}\" bitsize=\"64\" type=\"{kind}\" regnum=\"{r}\"/>");
        }
        xml.push_str("  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n");
        push_fpu_feature(&mut xml);
        xml.push_str("<feature name=\"org.gnu.gdb.riscv.csr\">\n");
        for number in 0..4096u16 {
            if let Some(name) = csr_name(number).filter(|_| !is_fp_csr(number)) {
                let _ = writeln!(
                    xml,
                    "  <reg name=\"{name}\" bitsize=\"64\" type=\"int\" regnum=\"{}\" group=\"csr\"/>",
                    CSR_BASE + number as usize
                );
            }
        }
        xml.push_str("</feature>\n</target>\n");
        xml
    })
}

/// The FPU feature: each f register a union of a single and a double (a
/// single is NaN-boxed in the low half), then `fflags`, `frm` and `fcsr`.
fn push_fpu_feature(xml: &mut String) {
    xml.push_str(
        "<feature name=\"org.gnu.gdb.riscv.fpu\">\n  <union id=\"riscv_double\">\n    \
         <field name=\"float\" type=\"ieee_single\"/>\n    <field name=\"double\" type=\"ieee_double\"/>\n  \
         </union>\n",
    );
    for r in 0..32u8 {
        let regnum = FPR_BASE + r as usize;
        let _ = writeln!(
            xml,
            "  <reg name=\"{}\" bitsize=\"64\" type=\"riscv_double\" regnum=\"{regnum}\"/>",
            fp_abi_name(r)
        );
    }
    for number in 1..=3u16 {
        let name = csr_name(number).unwrap_or("fcsr");
        let _ = writeln!(
            xml,
            "  <reg name=\"{name}\" bitsize=\"32\" type=\"int\" regnum=\"{}\"/>",
            CSR_BASE + number as usize
        );
    }
    xml.push_str("</feature>\n");
}

impl Arch for Rv64 {
    type Usize = u64;
    type Registers = RiscvCoreRegs<u64>;
    type BreakpointKind = usize;
    type RegId = RiscvRegId<u64>;

    fn target_description_xml() -> Option<&'static str> {
        Some(target_xml())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_registers_and_csrs_as_gdb_numbers_them() {
        let xml = target_xml();
        assert!(xml.contains("<architecture>riscv:rv64</architecture>"));
        assert!(xml.contains("<reg name=\"a0\" bitsize=\"64\" type=\"int\" regnum=\"10\"/>"));
        assert!(xml.contains("<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>"));
        assert!(xml.contains(&format!("<reg name=\"mstatus\" bitsize=\"64\" type=\"int\" regnum=\"{}\"", 65 + 0x300)));
        assert!(xml.contains(&format!("<reg name=\"satp\" bitsize=\"64\" type=\"int\" regnum=\"{}\"", 65 + 0x180)));
        assert!(xml.contains("<reg name=\"fa0\" bitsize=\"64\" type=\"riscv_double\" regnum=\"43\"/>"));
        assert!(xml.contains("<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\"/>"));
        assert_eq!(xml.matches("name=\"fflags\"").count(), 1, "fflags once, in the FPU feature");
    }
}
