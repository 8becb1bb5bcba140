//! RV64C HINT encodings execute as no-ops: no trap, no register change, x0 stays 0.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .macro CH_SET
    li ra, 0x8123456700000001
    li t1, 0x8123456700000006
    li t2, 0x8123456700000007
    li s0, 0x8123456700000008
    li s1, 0x8123456700000009
    li a0, 0x812345670000000a
    li a1, 0x812345670000000b
    li a2, 0x812345670000000c
    li a3, 0x812345670000000d
    li a4, 0x812345670000000e
    li a5, 0x812345670000000f
    li s3, 0x8123456700000013
    .endm

    .macro CH_CHECK num
    CHECK \num, zero, 0
    CHECK \num, ra, 0x8123456700000001
    CHECK \num, t1, 0x8123456700000006
    CHECK \num, t2, 0x8123456700000007
    CHECK \num, s0, 0x8123456700000008
    CHECK \num, s1, 0x8123456700000009
    CHECK \num, a0, 0x812345670000000a
    CHECK \num, a1, 0x812345670000000b
    CHECK \num, a2, 0x812345670000000c
    CHECK \num, a3, 0x812345670000000d
    CHECK \num, a4, 0x812345670000000e
    CHECK \num, a5, 0x812345670000000f
    CHECK \num, s3, 0x8123456700000013
    li gp, \num
    beq sp, s2, 1f
    j fail
1:
    .endm

    # Run the 16-bit encoding \enc; the next instruction must be at +2.
    .macro HINT16 num, enc
    CH_SET
    li gp, \num
    auipc s4, 0
    .2byte \enc
    auipc s5, 0
    sub s5, s5, s4
    CH_CHECK \num
    CHECK \num, s5, 6
    .endm

    mv s2, sp

    # c.addi x0, nzimm (c.nop with a nonzero immediate).
    HINT16 1, 0x0015
    HINT16 2, 0x107d
    # c.li x0, imm.
    HINT16 3, 0x4005
    HINT16 4, 0x5001
    HINT16 5, 0x4001
    # c.lui x0, nzimm.
    HINT16 6, 0x6005
    HINT16 7, 0x707d
    # c.mv x0, rs2.
    HINT16 8, 0x802a
    HINT16 9, 0x8006
    HINT16 10, 0x807e
    # c.add x0, rs2.
    HINT16 11, 0x902a
    HINT16 12, 0x9006
    # c.slli x0, shamt (shamt 1, 63, 0).
    HINT16 13, 0x0006
    HINT16 14, 0x107e
    HINT16 15, 0x0002
    # c.addi rd, 0 (rd = a0, sp, ra).
    HINT16 16, 0x0501
    HINT16 17, 0x0101
    HINT16 18, 0x0081
    # c.slli rd, 0 (c.slli64 on RV64: rd = a0, ra).
    HINT16 19, 0x0502
    HINT16 20, 0x0082
    # c.srli rd', 0 and c.srai rd', 0 (c.srli64/c.srai64 on RV64).
    HINT16 21, 0x8101
    HINT16 22, 0x8001
    HINT16 23, 0x8501
    HINT16 24, 0x8401
    # c.nop itself.
    HINT16 25, 0x0001
"#
);
