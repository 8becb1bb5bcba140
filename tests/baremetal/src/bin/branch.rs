//! RV64I conditional branches: beq, bne, blt, bge, bltu, bgeu taken/not taken, signed vs unsigned corners, 64-bit compares, backward loops, extreme offsets.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # beq / bne
    TEST_TAKEN 1, beq, 0, 0
    TEST_TAKEN 2, beq, -1, -1
    TEST_TAKEN 3, beq, 0x8000000000000000, 0x8000000000000000
    TEST_NOT_TAKEN 4, beq, 0, 1
    TEST_NOT_TAKEN 5, beq, 0x100000000, 0
    TEST_NOT_TAKEN 6, beq, 0xffffffff, -1
    TEST_NOT_TAKEN 7, beq, 0x8000000000000000, 0
    TEST_TAKEN 8, bne, 0, 1
    TEST_TAKEN 9, bne, 0x100000000, 0
    TEST_TAKEN 10, bne, 0xffffffff, -1
    TEST_TAKEN 11, bne, 0x8000000000000000, 0
    TEST_NOT_TAKEN 12, bne, 0, 0
    TEST_NOT_TAKEN 13, bne, -1, -1
    TEST_NOT_TAKEN 14, bne, 0x123456789abcdef0, 0x123456789abcdef0

    # blt (signed)
    TEST_TAKEN 15, blt, -1, 1
    TEST_NOT_TAKEN 16, blt, 1, -1
    TEST_TAKEN 17, blt, 0x8000000000000000, 0x7fffffffffffffff
    TEST_NOT_TAKEN 18, blt, 0x7fffffffffffffff, 0x8000000000000000
    TEST_NOT_TAKEN 19, blt, 0, 0
    TEST_NOT_TAKEN 20, blt, -1, -1
    TEST_TAKEN 21, blt, -2, -1
    TEST_TAKEN 22, blt, 0, 1
    TEST_NOT_TAKEN 23, blt, 0x80000000, 0
    TEST_TAKEN 24, blt, 0xffffffff80000000, 0
    TEST_TAKEN 25, blt, 0x8000000000000000, 0x8000000000000001

    # bge (signed)
    TEST_NOT_TAKEN 26, bge, -1, 1
    TEST_TAKEN 27, bge, 1, -1
    TEST_NOT_TAKEN 28, bge, 0x8000000000000000, 0x7fffffffffffffff
    TEST_TAKEN 29, bge, 0x7fffffffffffffff, 0x8000000000000000
    TEST_TAKEN 30, bge, 0, 0
    TEST_TAKEN 31, bge, -1, -1
    TEST_TAKEN 32, bge, 0x8000000000000000, 0x8000000000000000
    TEST_NOT_TAKEN 33, bge, -2, -1
    TEST_TAKEN 34, bge, 0x80000000, 0
    TEST_NOT_TAKEN 35, bge, 0xffffffff80000000, 0

    # bltu (unsigned)
    TEST_NOT_TAKEN 36, bltu, -1, 1
    TEST_TAKEN 37, bltu, 1, -1
    TEST_NOT_TAKEN 38, bltu, 0x8000000000000000, 0x7fffffffffffffff
    TEST_TAKEN 39, bltu, 0x7fffffffffffffff, 0x8000000000000000
    TEST_NOT_TAKEN 40, bltu, 0, 0
    TEST_NOT_TAKEN 41, bltu, -1, -1
    TEST_TAKEN 42, bltu, 0, 1
    TEST_TAKEN 43, bltu, -2, -1
    TEST_TAKEN 44, bltu, 0xffffffff, 0x100000000
    TEST_TAKEN 45, bltu, 0x80000000, 0xffffffff80000000
    TEST_NOT_TAKEN 46, bltu, 1, 0

    # bgeu (unsigned)
    TEST_TAKEN 47, bgeu, -1, 1
    TEST_NOT_TAKEN 48, bgeu, 1, -1
    TEST_TAKEN 49, bgeu, 0x8000000000000000, 0x7fffffffffffffff
    TEST_NOT_TAKEN 50, bgeu, 0x7fffffffffffffff, 0x8000000000000000
    TEST_TAKEN 51, bgeu, 0, 0
    TEST_TAKEN 52, bgeu, -1, -1
    TEST_NOT_TAKEN 53, bgeu, 0, 1
    TEST_NOT_TAKEN 54, bgeu, 0xffffffff, 0x100000000
    TEST_TAKEN 55, bgeu, 0xffffffff80000000, 0x80000000
    TEST_TAKEN 56, bgeu, 1, 0

    # Same register on both sides.
    li gp, 57
    li a1, -5
    beq a1, a1, 1f
    j fail
1:  li gp, 58
    bne a1, a1, 2f
    j 1f
2:  j fail
1:  li gp, 59
    blt a1, a1, 2f
    j 1f
2:  j fail
1:  li gp, 60
    bge a1, a1, 1f
    j fail
1:  li gp, 61
    bltu a1, a1, 2f
    j 1f
2:  j fail
1:  li gp, 62
    bgeu a1, a1, 1f
    j fail
1:

    # Against x0 (beqz, bnez, bltz, bgez, blez, bgtz).
    TEST_TAKEN 63, blt, -1, 0
    li gp, 64
    li a1, -1
    bltz a1, 1f
    j fail
1:  li gp, 65
    bgez a1, 2f
    j 1f
2:  j fail
1:  li gp, 66
    blez a1, 1f
    j fail
1:  li gp, 67
    li a1, 0
    bgtz a1, 2f
    j 1f
2:  j fail
1:  li gp, 68
    beqz a1, 1f
    j fail
1:  li gp, 69
    li a1, 0x8000000000000000
    bnez a1, 1f
    j fail
1:  li gp, 70
    bltu zero, a1, 1f
    j fail
1:  li gp, 71
    bgeu zero, a1, 2f
    j 1f
2:  j fail
1:

    # Backward branches: loops counting down.
    li gp, 72
    li a1, 10
    li a2, 0
1:  addi a2, a2, 3
    addi a1, a1, -1
    bnez a1, 1b
    CHECK 72, a2, 30
    CHECK 73, a1, 0
    # blt loop: i from -5 up to 5 (signed)
    li a1, -5
    li a3, 5
    li a2, 0
1:  addi a2, a2, 1
    addi a1, a1, 1
    blt a1, a3, 1b
    CHECK 74, a2, 10
    # bgeu loop: counts while a1 >= 1 (unsigned); stops at 0.
    li a1, 7
    li a3, 1
    li a2, 0
1:  addi a2, a2, 2
    addi a1, a1, -1
    bgeu a1, a3, 1b
    CHECK 75, a2, 14
    # bltu loop across the signed boundary: 0x7ffffffffffffffd .. 0x8000000000000002
    li a1, 0x7ffffffffffffffd
    li a3, 0x8000000000000002
    li a2, 0
1:  addi a2, a2, 1
    addi a1, a1, 1
    bltu a1, a3, 1b
    CHECK 76, a2, 5
    # bge loop down to a negative bound
    li a1, 3
    li a3, -3
    li a2, 0
1:  addi a2, a2, 1
    addi a1, a1, -1
    bge a1, a3, 1b
    CHECK 77, a2, 7

    # A branch to itself that is not taken falls through (a taken one
    # would loop forever).
    li gp, 78
    li a1, 1
1:  beq a1, zero, 1b
1:  bne a1, a1, 1b
1:  blt a1, zero, 1b
1:  bge zero, a1, 1b
1:  bltu a1, zero, 1b
1:  bgeu zero, a1, 1b

    # Largest forward offset (+4092 here, 4-byte aligned code).
    li gp, 79
    li a1, 5
    li a2, 5
    beq a1, a2, 1f
    j fail
    .skip 4084
1:
    # Most negative offset (-4096).
    li gp, 80
    j 2f
1:  j 3f
    .skip 4092
2:  beq zero, zero, 1b
    j fail
3:

    # Branch target that is only 2-byte aligned (legal with C): the taken
    # branch must not trap; falling through hits an illegal instruction.
    li gp, 81
    li a0, 0
    beq zero, zero, 1f
    .2byte 0x0000
1:  li a0, 81
    CHECK 81, a0, 81
    # Realign for the rest.
    .2byte 0x0001
    # Offset +2048 (only imm[11] set) and -2048.
    li gp, 82
    beq zero, zero, 1f
    j fail
    .skip 2040
1:  li gp, 83
    j 2f
1:  j 3f
    .skip 2044
2:  bgeu zero, zero, 1b
    j fail
3:
"#
);
