//! RV64C reserved encodings raise illegal instruction (cause 2, mtval = the 16-bit encoding).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .macro ILLEGAL16 num, enc
    EXPECT_TRAP \num, 2, \enc
    .2byte \enc
    TRAP_DONE
    .endm

    # The all-zero parcel.
    ILLEGAL16 1, 0x0000
    # c.addi4spn with nzuimm = 0 (rd' = x9, x15).
    ILLEGAL16 2, 0x0004
    ILLEGAL16 3, 0x001c
    # c.lwsp with rd = x0 (offset 0 and offset 252).
    ILLEGAL16 4, 0x4002
    ILLEGAL16 5, 0x507e
    # c.ldsp with rd = x0 (offset 0 and offset 504).
    ILLEGAL16 6, 0x6002
    ILLEGAL16 7, 0x707e
    # c.jr with rs1 = x0.
    ILLEGAL16 8, 0x8002
    # c.addiw with rd = x0 (imm 0 and imm -31).
    ILLEGAL16 9, 0x2001
    ILLEGAL16 10, 0x3005
    # c.addi16sp with nzimm = 0.
    ILLEGAL16 11, 0x6101
    # c.lui with nzimm = 0 (rd = a0, x0, x31).
    ILLEGAL16 12, 0x6501
    ILLEGAL16 13, 0x6001
    ILLEGAL16 14, 0x6f81
    # Quadrant 1, funct3 100, bit 12 = 1, funct2 11, bits 6:5 = 10/11: reserved.
    ILLEGAL16 15, 0x9c41
    ILLEGAL16 16, 0x9c61
    ILLEGAL16 17, 0x9ffd
    ILLEGAL16 18, 0x9fdd
    # Quadrant 0, funct3 100: reserved in C (no Zcb).
    ILLEGAL16 19, 0x8000
    ILLEGAL16 20, 0x9ffc

    # Registers are unchanged by a trapping instruction (c.lui a0, 0 would
    # otherwise have written a0).
    li a0, 0x1234
    ILLEGAL16 21, 0x6501
    CHECK 22, a0, 0x1234
"#
);
