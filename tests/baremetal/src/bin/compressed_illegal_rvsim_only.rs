//! RV64C floating-point encodings (c.fld/c.fsd/c.fldsp/c.fsdsp) are illegal on rv64imac. rvsim only: QEMU's CPU has F and D (there they trap only because mstatus.FS is Off).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .data
    .balign 8
cfi_buf:
    .space 512
    .text

    .macro ILLEGAL16 num, enc
    EXPECT_TRAP \num, 2, \enc
    .2byte \enc
    TRAP_DONE
    .endm

    # Valid base addresses, so a wrongly executed access does not fault.
    mv s2, sp
    la sp, cfi_buf
    la s0, cfi_buf
    la a5, cfi_buf

    # c.fld f8, 0(s0); c.fld f15, 248(a5)
    ILLEGAL16 1, 0x2000
    ILLEGAL16 2, 0x3ffc
    # c.fsd f8, 0(s0); c.fsd f15, 248(a5)
    ILLEGAL16 3, 0xa000
    ILLEGAL16 4, 0xbffc
    # c.fldsp f0, 0(sp); c.fldsp f31, 504(sp)
    ILLEGAL16 5, 0x2002
    ILLEGAL16 6, 0x3ffe
    # c.fsdsp f0, 0(sp); c.fsdsp f31, 504(sp)
    ILLEGAL16 7, 0xa002
    ILLEGAL16 8, 0xbffe

    mv sp, s2
"#
);
