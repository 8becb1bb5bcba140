//! RV64I immediate ALU: addi, slti, sltiu, xori, ori, andi (sign-extended 12-bit immediates), slli/srli/srai (6-bit shamt), lui, auipc.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # Fail unless registers \r1 and \r2 are equal (gp already set).
    .macro ASSERT_EQ r1, r2
        beq \r1, \r2, 9f
        j fail
    9:
    .endm

    # addi
    TEST_IMM 1, addi, 0, 0, 0
    TEST_IMM 2, addi, 2, 1, 1
    TEST_IMM 3, addi, 0x8000000000000000, 0x7fffffffffffffff, 1
    TEST_IMM 4, addi, 0, -1, 1
    TEST_IMM 5, addi, -2048, 0, -2048
    TEST_IMM 6, addi, 2047, 0, 2047
    TEST_IMM 7, addi, 0x7fffffffffffffff, 0x8000000000000000, -1
    TEST_IMM 8, addi, 0x100000000, 0xffffffff, 1
    TEST_IMM 9, addi, 0x7ffffffffffff800, 0x8000000000000000, -2048
    TEST_IMM 10, addi, 0xffffffff, 0x100000000, -1
    TEST_IMM 11, addi, 0x800, 1, 2047
    li a0, 0x0fffffff00000000
    addi a0, a0, -1
    CHECK 12, a0, 0x0ffffffeffffffff

    # slti: signed compare with the sign-extended immediate
    TEST_IMM 13, slti, 1, -1, 1
    TEST_IMM 14, slti, 0, 1, -1
    TEST_IMM 15, slti, 1, 0x8000000000000000, -2048
    TEST_IMM 16, slti, 0, 0, -1
    TEST_IMM 17, slti, 1, -2049, -2048
    TEST_IMM 18, slti, 0, -2048, -2048
    TEST_IMM 19, slti, 1, 2046, 2047
    TEST_IMM 20, slti, 0, 0x7fffffffffffffff, 2047
    TEST_IMM 21, slti, 0, 0x80000000, 0
    TEST_IMM 22, slti, 1, 0xffffffff80000000, 0
    TEST_IMM 23, slti, 0, 0xfffffffffffff800, -2048

    # sltiu: the immediate is sign-extended, then compared unsigned
    TEST_IMM 24, sltiu, 1, 0, -1
    TEST_IMM 25, sltiu, 1, -2, -1
    TEST_IMM 26, sltiu, 0, -1, -1
    TEST_IMM 27, sltiu, 1, 0x7fffffffffffffff, -2048
    TEST_IMM 28, sltiu, 0, 0xfffffffffffff800, -2048
    TEST_IMM 29, sltiu, 1, 0xfffffffffffff7ff, -2048
    TEST_IMM 30, sltiu, 0, 0, 0
    TEST_IMM 31, sltiu, 1, 0, 1
    TEST_IMM 32, sltiu, 0, 5, 1
    TEST_IMM 33, sltiu, 0, 2047, 2047
    TEST_IMM 34, sltiu, 1, 2046, 2047
    TEST_IMM 35, sltiu, 0, 0x8000000000000000, 2047
    TEST_IMM 36, sltiu, 1, 0x00000000fffff800, -2048

    # xori (xori -1 is not)
    TEST_IMM 37, xori, 0xff00ff00ff00ff00, 0x00ff00ff00ff00ff, -1
    TEST_IMM 38, xori, 0x6dc, 0x123, 0x7ff
    TEST_IMM 39, xori, 0xfffffffffffff800, 0, -2048
    TEST_IMM 40, xori, 0x7ff, -1, -2048
    TEST_IMM 41, xori, 0x7fffffffffffffff, 0x8000000000000000, -1
    TEST_IMM 42, xori, 0xedcba987fffffff0, 0x12345678000000f0, -256
    TEST_IMM 43, xori, 0x00000000ffffffff, 0xffffffff00000000, -1

    # ori
    TEST_IMM 44, ori, 0xfffffffffffff800, 0, -2048
    TEST_IMM 45, ori, 0x10000000000007ff, 0x1000000000000000, 0x7ff
    TEST_IMM 46, ori, 0xfffffffffffffff0, 0x00ff00ff00ff0000, -16
    TEST_IMM 47, ori, 0x8000000000000001, 0x8000000000000000, 1
    TEST_IMM 48, ori, -1, 0x0f0f0f0f0f0f0f0f, -1
    TEST_IMM 49, ori, 0x5a5, 0x5a5, 0

    # andi
    TEST_IMM 50, andi, 0xfffffffffffff800, -1, -2048
    TEST_IMM 51, andi, 0x123456789abcdef0, 0x123456789abcdeff, -16
    TEST_IMM 52, andi, 0x6ff, 0x123456789abcdeff, 0x7ff
    TEST_IMM 53, andi, 0xff00ff00ff00ff00, 0xff00ff00ff00ffff, -256
    TEST_IMM 54, andi, 0, -1, 0
    TEST_IMM 55, andi, 0x8000000000000800, 0x8000000000000fff, -2048
    TEST_IMM 56, andi, 0x0000000080000000, 0x0000000080000123, -2048

    # slli: shamt is 6 bits
    TEST_IMM 57, slli, 0x8000000000000001, 0x8000000000000001, 0
    TEST_IMM 58, slli, 2, 0x8000000000000001, 1
    TEST_IMM 59, slli, 0x80000000, 1, 31
    TEST_IMM 60, slli, 0xffffffff00000000, 0xffffffff, 32
    TEST_IMM 61, slli, 0x8000000000000000, 3, 63
    TEST_IMM 62, slli, 0xfffffffe00000000, -1, 33
    TEST_IMM 63, slli, 0x3456789abcdef000, 0x123456789abcdef, 12

    # srli
    TEST_IMM 64, srli, 0x8000000000000001, 0x8000000000000001, 0
    TEST_IMM 65, srli, 0x4000000000000000, 0x8000000000000001, 1
    TEST_IMM 66, srli, 0x1ffffffff, -1, 31
    TEST_IMM 67, srli, 0xffffffff, -1, 32
    TEST_IMM 68, srli, 1, -1, 63
    TEST_IMM 69, srli, 0, 0x7fffffffffffffff, 63
    TEST_IMM 70, srli, 0x0000000080000000, 0x8000000000000000, 32

    # srai
    TEST_IMM 71, srai, 0x8000000000000000, 0x8000000000000000, 0
    TEST_IMM 72, srai, 0xc000000000000000, 0x8000000000000000, 1
    TEST_IMM 73, srai, 0xffffffff00000000, 0x8000000000000000, 31
    TEST_IMM 74, srai, 0xffffffff80000000, 0x8000000000000000, 32
    TEST_IMM 75, srai, -1, 0x8000000000000000, 63
    TEST_IMM 76, srai, 0, 0x7fffffffffffffff, 63
    TEST_IMM 77, srai, 0x7fffffff, 0x7fffffffffffffff, 32
    TEST_IMM 78, srai, 0x0000000000000001, 0x0000000080000000, 31
    TEST_IMM 79, srai, 0xffffffffffffffff, 0xffffffffffffffff, 17

    # lui: imm << 12, bit 31 sign-extended into bits 63..32
    li a0, -1
    lui a0, 0x12345
    CHECK 80, a0, 0x12345000
    lui a0, 0x80000
    CHECK 81, a0, 0xffffffff80000000
    lui a0, 0x7ffff
    CHECK 82, a0, 0x7ffff000
    lui a0, 0xfffff
    CHECK 83, a0, 0xfffffffffffff000
    li a0, -1
    lui a0, 0
    CHECK 84, a0, 0
    lui a0, 0xabcde
    CHECK 85, a0, 0xffffffffabcde000

    # auipc: pc of the auipc + (imm << 12), sign-extended
    li gp, 86
1:  auipc a0, 0
    la a1, 1b
    ASSERT_EQ a0, a1
    li gp, 87
1:  auipc a0, 1
    la a1, 1b
    li a2, 0x1000
    add a1, a1, a2
    ASSERT_EQ a0, a1
    li gp, 88
1:  auipc a0, 0xfffff
    la a1, 1b
    li a2, -0x1000
    add a1, a1, a2
    ASSERT_EQ a0, a1
    li gp, 89
1:  auipc a0, 0x80000
    la a1, 1b
    li a2, -0x80000000
    add a1, a1, a2
    ASSERT_EQ a0, a1
    li gp, 90
1:  auipc a0, 0x7ffff
    la a1, 1b
    li a2, 0x7ffff000
    add a1, a1, a2
    ASSERT_EQ a0, a1
    # The result above is above 4 GiB: no 32-bit wrap.
    srli a0, a0, 32
    CHECK 91, a0, 0
    li gp, 92
1:  auipc a0, 0x80000
    la a1, 1b
    # pc - 2^31 is below the RAM base 0x80000000, so bits 63..32 are 0.
    srli a2, a0, 32
    CHECK 92, a2, 0
    # auipc with rd = x0 leaves x0 zero.
    auipc zero, 0x12345
    CHECK 93, zero, 0

    # Immediates with rd = rs1.
    li a0, 100
    addi a0, a0, -101
    CHECK 94, a0, -1
    li a0, -1
    srli a0, a0, 60
    CHECK 95, a0, 15
    li a0, 0x8000000000000000
    srai a0, a0, 60
    CHECK 96, a0, -8
    li a0, 3
    sltiu a0, a0, 4
    CHECK 97, a0, 1
    li a0, 0xf0
    andi a0, a0, 0x3c
    CHECK 98, a0, 0x30

    # Immediate ops into x0 are discarded.
    li a1, 0x55
    addi zero, a1, 1
    CHECK 99, zero, 0
    slti zero, a1, 0x7ff
    CHECK 100, zero, 0
    sltiu zero, a1, -1
    CHECK 101, zero, 0
    xori zero, a1, -1
    CHECK 102, zero, 0
    ori zero, a1, 1
    CHECK 103, zero, 0
    andi zero, a1, -1
    CHECK 104, zero, 0
    slli zero, a1, 3
    CHECK 105, zero, 0
    srli zero, a1, 1
    CHECK 106, zero, 0
    srai zero, a1, 1
    CHECK 107, zero, 0
    lui zero, 0x80000
    CHECK 108, zero, 0
"#
);
