//! RV64I jumps: jal and jalr (link = pc+4, targets, jalr clears bit 0 of rs1+imm, rd = rs1, rd = x0, negative and large offsets), call/ret and recursion.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # Fail unless \reg holds the address of \lab (gp already set).
    .macro CHECK_LINK reg, lab
        la t6, \lab
        beq \reg, t6, 9f
        j fail
    9:
    .endm

    # jal forward: link = pc + 4; the first instruction of the target runs.
    li gp, 1
    li a3, 0
    li a0, 0
    jal a0, 1f
2:  j fail
1:  li a3, 1
    CHECK_LINK a0, 2b
    CHECK 2, a3, 1

    # jal backward (negative offset).
    li gp, 3
    li a3, 0
    j 2f
1:  li a3, 3
    j 3f
    j fail
2:  jal a1, 1b
4:  j fail
3:  CHECK_LINK a1, 4b
    CHECK 4, a3, 3

    # jal with rd = x0 (j): no link is written.
    li gp, 5
    li a3, 0
    jal zero, 1f
    j fail
1:  li a3, 5
    CHECK 5, zero, 0
    CHECK 6, a3, 5

    # jal with ra.
    li gp, 7
    li ra, 0
    jal ra, 1f
2:  j fail
1:  CHECK_LINK ra, 2b

    # Far jal forward: offset 0x2aaa8 exercises imm[19:12] and imm[11].
    li gp, 8
    li a3, 0
    jal a0, 1f
2:  j fail
    .skip 0x2aaa8 - 8
1:  li a3, 8
    CHECK_LINK a0, 2b
    CHECK 9, a3, 8

    # Far jal backward: offset -0x15554.
    li gp, 10
    li a3, 0
    j 2f
1:  li a3, 10
    j 3f
    .skip 0x15554 - 8
2:  jal a0, 1b
4:  j fail
3:  CHECK_LINK a0, 4b
    CHECK 11, a3, 10

    # jalr: target = rs1 + imm, link = pc + 4.
    li gp, 12
    li a3, 0
    la a1, 1f
    jalr a0, 0(a1)
2:  j fail
    j fail
1:  li a3, 12
    CHECK_LINK a0, 2b
    CHECK 13, a3, 12

    # jalr with a positive immediate.
    li gp, 14
    li a3, 0
    la a1, 1f
    addi a1, a1, -100
    jalr a0, 100(a1)
2:  j fail
1:  li a3, 14
    CHECK_LINK a0, 2b
    CHECK 15, a3, 14

    # jalr with a negative immediate, jumping backward.
    li gp, 16
    li a3, 0
    j 2f
1:  li a3, 16
    j 3f
2:  la a1, 1b
    addi a1, a1, 2000
    jalr a0, -2000(a1)
4:  j fail
3:  CHECK_LINK a0, 4b
    CHECK 17, a3, 16

    # Immediate extremes: +2047 from an odd base, -2048.
    li gp, 18
    li a3, 0
    la a1, 1f
    addi a1, a1, -2047
    jalr a0, 2047(a1)
2:  j fail
1:  li a3, 18
    CHECK 18, a3, 18
    li gp, 19
    li a3, 0
    la a1, 1f
    li a2, 2048
    add a1, a1, a2
    jalr a0, -2048(a1)
2:  j fail
1:  li a3, 19
    CHECK 19, a3, 19

    # Bit 0 of rs1 + imm is cleared: label + 1 lands on label.
    li gp, 20
    li a3, 0
    la a1, 1f
    jalr a0, 1(a1)
2:  j fail
1:  li a3, 20
    CHECK_LINK a0, 2b
    CHECK 21, a3, 20
    li gp, 22
    li a3, 0
    la a1, 1f
    addi a1, a1, 1
    jalr a0, 0(a1)
2:  j fail
1:  li a3, 22
    CHECK 22, a3, 22
    li gp, 23
    li a3, 0
    la a1, 1f
    addi a1, a1, 3
    jalr a0, -2(a1)
2:  j fail
1:  li a3, 23
    CHECK 23, a3, 23
    li gp, 24
    li a3, 0
    la a1, 1f
    addi a1, a1, -1
    jalr a0, 2(a1)
2:  j fail
1:  li a3, 24
    CHECK 24, a3, 24
    # The bit is cleared after the addition: odd rs1 + odd imm is label + 2
    # (a 2-byte aligned target, legal with C), not label.
    li gp, 25
    li a3, 0
    la a1, 1f
    addi a1, a1, 1
    jalr a0, 1(a1)
2:  j fail
1:  .2byte 0x0000
    li a3, 25
    CHECK 25, a3, 25
    .2byte 0x0001

    # jalr with rd = rs1: the target comes from the old rs1.
    li gp, 26
    li a3, 0
    la a1, 1f
    jalr a1, 0(a1)
2:  j fail
1:  li a3, 26
    CHECK_LINK a1, 2b
    CHECK 27, a3, 26
    li gp, 28
    li a3, 0
    la a1, 1f
    addi a1, a1, -8
    jalr a1, 8(a1)
2:  j fail
1:  li a3, 28
    CHECK_LINK a1, 2b
    CHECK 29, a3, 28
    li gp, 30
    li a3, 0
    la ra, 1f
    jalr ra, 0(ra)
2:  j fail
1:  li a3, 30
    CHECK_LINK ra, 2b
    CHECK 31, a3, 30

    # jalr with rd = x0 (jr): no link.
    li gp, 32
    li a3, 0
    la a1, 1f
    jalr zero, 0(a1)
    j fail
1:  li a3, 32
    CHECK 32, zero, 0
    CHECK 33, a3, 32
    li gp, 34
    li a3, 0
    la a1, 1f
    jr a1
    j fail
1:  li a3, 34
    CHECK 34, a3, 34

    # Indirect jump through a table in memory.
    li gp, 35
    li a3, 0
    la a2, jump_table
    ld a1, 8(a2)
    jalr a0, 0(a1)
2:  j fail
.Ljump_t1:
    li a3, 35
    CHECK_LINK a0, 2b
    CHECK 36, a3, 35

    # call / ret through ra.
    li a0, 41
    call .Ladd1
1:  CHECK 37, a0, 42
    li gp, 38
    CHECK_LINK ra, 1b
    # Nested calls, saving ra on the stack.
    li a0, 10
    call .Ladd3
    CHECK 39, a0, 13
    # Recursion: 10! = 3628800.
    li a0, 10
    call .Lfact
    CHECK 40, a0, 3628800
    # The stack pointer is balanced.
    la a1, _stack_top
    li gp, 41
    beq sp, a1, 1f
    j fail
1:
    # Alternate link register (t0 style: jal t1 / jalr x0, t1).
    li gp, 42
    li a0, 5
    jal t1, .Ldouble_t1
    CHECK 42, a0, 10

    # jal offset +2048 (only imm[11] set).
    li gp, 43
    li a3, 0
    jal a0, 1f
2:  j fail
    .skip 2040
1:  li a3, 43
    CHECK_LINK a0, 2b
    CHECK 44, a3, 43
    j .Lafter_funcs

.Ladd1:
    addi a0, a0, 1
    ret
.Ladd3:
    addi sp, sp, -16
    sd ra, 8(sp)
    call .Ladd1
    call .Ladd1
    call .Ladd1
    ld ra, 8(sp)
    addi sp, sp, 16
    ret
# a0 = a0! (a0 >= 1)
.Lfact:
    li a1, 1
    bne a0, a1, 1f
    ret
1:  addi sp, sp, -16
    sd ra, 8(sp)
    sd a0, 0(sp)
    addi a0, a0, -1
    call .Lfact
    ld a1, 0(sp)
    mul a0, a0, a1
    ld ra, 8(sp)
    addi sp, sp, 16
    ret
.Ldouble_t1:
    add a0, a0, a0
    jalr zero, 0(t1)

.Lafter_funcs:

    .data
    .balign 8
jump_table:
    .dword 0
    .dword .Ljump_t1
    .text
"#
);
