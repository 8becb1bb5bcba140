//! x0 is hardwired to zero: writes by every RV64I instruction kind (ALU, lui, auipc, jal, jalr, loads, li/mv and compressed HINTs) are discarded, side effects remain, reads give 0.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # Fail unless x0 reads as zero, through a compare and through an ALU op.
    .macro X0_ZERO num
        CHECK \num, zero, 0
        li a0, -1
        or a0, zero, zero
        CHECK \num, a0, 0
    .endm

    li a1, 0x1234
    li a2, 0x5678

    # Register-register and immediate ALU ops.
    add zero, a1, a2
    X0_ZERO 1
    addi zero, a1, 5
    X0_ZERO 2
    addi zero, zero, -1
    X0_ZERO 3
    sub zero, a1, a2
    X0_ZERO 4
    sll zero, a1, a2
    X0_ZERO 5
    slt zero, a1, a2
    X0_ZERO 6
    sltu zero, a1, a2
    X0_ZERO 7
    xor zero, a1, a2
    X0_ZERO 8
    srl zero, a1, a2
    X0_ZERO 9
    sra zero, a1, a2
    X0_ZERO 10
    or zero, a1, a2
    X0_ZERO 11
    and zero, a1, a2
    X0_ZERO 12
    slti zero, a1, 2047
    X0_ZERO 13
    sltiu zero, a1, -1
    X0_ZERO 14
    xori zero, a1, -1
    X0_ZERO 15
    ori zero, a1, 1
    X0_ZERO 16
    andi zero, a1, -1
    X0_ZERO 17
    slli zero, a1, 4
    X0_ZERO 18
    srli zero, a1, 4
    X0_ZERO 19
    srai zero, a1, 4
    X0_ZERO 20
    addw zero, a1, a2
    X0_ZERO 21
    subw zero, a1, a2
    X0_ZERO 22
    sllw zero, a1, a2
    X0_ZERO 23
    srlw zero, a1, a2
    X0_ZERO 24
    sraw zero, a1, a2
    X0_ZERO 25
    addiw zero, a1, 1
    X0_ZERO 26
    slliw zero, a1, 1
    X0_ZERO 27
    srliw zero, a1, 1
    X0_ZERO 28
    sraiw zero, a1, 1
    X0_ZERO 29

    # lui and auipc
    lui zero, 0x12345
    X0_ZERO 30
    lui zero, 0x80000
    X0_ZERO 31
    auipc zero, 0x12345
    X0_ZERO 32
    auipc zero, 0
    X0_ZERO 33

    # li and mv into x0 (HINTs): li of a large constant expands to several
    # instructions, all with rd = x0.
    li zero, 5
    X0_ZERO 34
    li zero, 0x123456789abcdef0
    X0_ZERO 35
    mv zero, a1
    X0_ZERO 36
    # nop itself
    nop
    X0_ZERO 37

    # jal with rd = x0 still jumps, and writes no link.
    li gp, 38
    li a3, 0
    jal zero, 1f
    j fail
1:  li a3, 1
    X0_ZERO 38
    CHECK 39, a3, 1
    # jal x0 backward.
    li gp, 40
    li a3, 0
    j 2f
1:  li a3, 2
    j 3f
2:  jal zero, 1b
    j fail
3:  X0_ZERO 40
    CHECK 41, a3, 2

    # jalr with rd = x0 still jumps.
    li gp, 42
    li a3, 0
    la a1, 1f
    jalr zero, 0(a1)
    j fail
1:  li a3, 3
    X0_ZERO 42
    CHECK 43, a3, 3
    # jalr x0 with rs1 = x0 would jump to imm; instead jalr rd=x0 via ra.
    li gp, 44
    li a3, 0
    la ra, 1f
    jalr zero, 0(ra)
    j fail
1:  li a3, 4
    X0_ZERO 44
    CHECK 45, a3, 4

    # Loads into x0.
    la a1, x0_data
    lb zero, 0(a1)
    X0_ZERO 46
    lh zero, 0(a1)
    X0_ZERO 47
    lw zero, 0(a1)
    X0_ZERO 48
    ld zero, 0(a1)
    X0_ZERO 49
    lbu zero, 0(a1)
    X0_ZERO 50
    lhu zero, 0(a1)
    X0_ZERO 51
    lwu zero, 0(a1)
    X0_ZERO 52
    # A load into x0 still performs the access: it faults on a hole.
    li a1, 0x90000000
    EXPECT_TRAP 53, 5, 0x90000000
    lw zero, 0(a1)
    TRAP_DONE
    X0_ZERO 54
    li a1, 0x90000000
    EXPECT_TRAP 55, 5, 0x90000008
    ld zero, 8(a1)
    TRAP_DONE
    X0_ZERO 56

    # M-extension results into x0.
    li a1, 0x1234
    li a2, 0x5678
    mul zero, a1, a2
    X0_ZERO 57
    divu zero, a2, a1
    X0_ZERO 58
    rem zero, a2, a1
    X0_ZERO 59

    # Compressed HINTs with rd = x0.
    .option rvc
    li a1, 0x1234
    .2byte 0x4015           # c.li x0, 5
    X0_ZERO 60
    .2byte 0x802e           # c.mv x0, a1
    X0_ZERO 61
    .2byte 0x902e           # c.add x0, a1
    X0_ZERO 62
    .2byte 0x6005           # c.lui x0, 1
    X0_ZERO 63
    .2byte 0x0015           # c.addi x0, 5 (c.nop with an immediate)
    X0_ZERO 64
    .2byte 0x0006           # c.slli x0, 1
    X0_ZERO 65
    .2byte 0x0001           # c.nop
    .balign 4
    .option norvc

    # x0 as a source reads 0.
    li a1, 7
    add a0, zero, a1
    CHECK 66, a0, 7
    addi a0, zero, -3
    CHECK 67, a0, -3
    sub a0, zero, a1
    CHECK 68, a0, -7
    sltu a0, zero, zero
    CHECK 69, a0, 0
    sltu a0, zero, a1
    CHECK 70, a0, 1
    slt a0, a1, zero
    CHECK 71, a0, 0
    addw a0, zero, zero
    CHECK 72, a0, 0
    xori a0, zero, -1
    CHECK 73, a0, -1
    # A store of x0 writes zero.
    la a1, x0_data
    sd zero, 8(a1)
    ld a0, 8(a1)
    CHECK 74, a0, 0
    # Branches on x0.
    li gp, 75
    beq zero, zero, 1f
    j fail
1:  li gp, 76
    bne zero, zero, 2f
    bltu zero, zero, 2f
    blt zero, zero, 2f
    j 1f
2:  j fail
1:  li gp, 77
    bgeu zero, zero, 1f
    j fail
1:

    .data
    .balign 8
x0_data:
    .dword 0x8081828384858687
    .dword 0xffffffffffffffff
    .text
"#
);
