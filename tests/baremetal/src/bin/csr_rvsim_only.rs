//! CSR rules QEMU 7.2 does not follow: mepc[0] always reads zero (QEMU keeps it), and csrrs/csrrc with rs1 != x0 are writes even when rs1 holds zero, so they trap on read-only CSRs (QEMU only traps for a nonzero mask).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
.macro CSR_TRAP num, csr, rs1, f3, rd
    EXPECT_TRAP \num, 2, ((\csr<<20)|(\rs1<<15)|(\f3<<12)|(\rd<<7)|0x73)
    .4byte ((\csr<<20)|(\rs1<<15)|(\f3<<12)|(\rd<<7)|0x73)
    TRAP_DONE
.endm

    # mepc[0] is always zero (privileged spec, "Machine Exception Program
    # Counter"): an odd value reads back even.
    li a1, 0x80000101
    csrw mepc, a1
    csrr a0, mepc
    CHECK 1, a0, 0x80000100
    li a1, -1
    csrw mepc, a1
    csrr a0, mepc
    CHECK 2, a0, 0xfffffffffffffffe
    li a1, 0x80000103
    csrw mepc, a1
    csrr a0, mepc
    CHECK 3, a0, 0x80000102

    # csrrs/csrrc with rs1 != x0 always write (Zicsr: "if rs1 = x0 the
    # instruction will not write to the CSR at all"; otherwise it does,
    # whatever rs1's value), so a read-only CSR traps even when a2 = 0.
    li a2, 0
    # csrrs a0, mhartid, a2
    CSR_TRAP 10, 0xf14, 12, 2, 10
    # csrrc a0, mimpid, a2
    CSR_TRAP 11, 0xf13, 12, 3, 10
    # csrrs x0, cycle, a2
    CSR_TRAP 12, 0xc00, 12, 2, 0
"#
);
