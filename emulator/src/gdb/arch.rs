//! The machine as gdb sees it: riscv:rv64 with x0..x31 and pc (the `g`
//! packet) and the CSRs rvsim implements, numbered as gdb's RISC-V port
//! numbers them (65 + the CSR's number), read one by one (`p` packets).

use std::fmt::Write as _;
use std::sync::OnceLock;

use gdbstub::arch::Arch;
use gdbstub_arch::riscv::reg::RiscvCoreRegs;
use gdbstub_arch::riscv::reg::id::RiscvRegId;

use crate::cpu::csr_name;
use crate::isa::abi_name;

/// The RV64 hart, for gdbstub.
pub enum Rv64 {}

/// gdb's register number of CSR 0.
const CSR_BASE: usize = 65;

/// The target description: `org.gnu.gdb.riscv.cpu` and
/// `org.gnu.gdb.riscv.csr`.
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
        xml.push_str("<feature name=\"org.gnu.gdb.riscv.csr\">\n");
        for number in 0..4096u16 {
            if let Some(name) = csr_name(number) {
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
    }
}
