//! RV64I register-register ALU: add, sub, sll, slt, sltu, xor, srl, sra, or, and (wrap, sign corners, 6-bit shift masks, aliasing, rd = x0).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    # Uncompressed encodings throughout: this file tests the base forms.
    .option norvc

    # add
    TEST_RR 1, add, 3, 1, 2
    TEST_RR 2, add, 0, 0, 0
    TEST_RR 3, add, 0x8000000000000000, 0x7fffffffffffffff, 1
    TEST_RR 4, add, 0, -1, 1
    TEST_RR 5, add, -2, -1, -1
    TEST_RR 6, add, 0, 0x8000000000000000, 0x8000000000000000
    TEST_RR 7, add, 0x7fffffffffffffff, 0x8000000000000000, -1
    TEST_RR 8, add, 0x100000000, 0xffffffff, 1
    TEST_RR 9, add, 0xfffffffe, 0x7fffffff, 0x7fffffff
    TEST_RR 10, add, 0x0000000100000000, 0xffffffff80000000, 0x0000000180000000
    TEST_RR_ALIASED 11, add, 0x1111111122222222, 0x1111111100000000, 0x22222222

    # sub
    TEST_RR 12, sub, 2, 5, 3
    TEST_RR 13, sub, -1, 0, 1
    TEST_RR 14, sub, 0x7fffffffffffffff, 0x8000000000000000, 1
    TEST_RR 15, sub, 0x8000000000000000, 0, 0x8000000000000000
    TEST_RR 16, sub, 0x8000000000000000, 0x7fffffffffffffff, -1
    TEST_RR 17, sub, 0xffffffff, 0x100000000, 1
    TEST_RR 18, sub, 0, -1, -1
    TEST_RR 19, sub, 1, 0, -1
    TEST_RR_ALIASED 20, sub, -3, 2, 5

    # sll: shift amount is rs2[5:0]
    TEST_RR 21, sll, 1, 1, 0
    TEST_RR 22, sll, 2, 1, 1
    TEST_RR 23, sll, 0x80000000, 1, 31
    TEST_RR 24, sll, 0x100000000, 1, 32
    TEST_RR 25, sll, 0x8000000000000000, 1, 63
    TEST_RR 26, sll, 1, 1, 64
    TEST_RR 27, sll, 2, 1, 65
    TEST_RR 28, sll, 0x8000000000000000, 1, -1
    TEST_RR 29, sll, 0xff00000000, 0xff, 0x7fffffffffffffe0
    TEST_RR 30, sll, 0x23456789abcdef00, 0x0123456789abcdef, 8
    TEST_RR 31, sll, 0xfffffffe00000000, 0xffffffffffffffff, 0x100000021
    TEST_RR_ALIASED 32, sll, 0x0000000c00000000, 3, 34

    # srl
    TEST_RR 33, srl, 0x8000000000000000, 0x8000000000000000, 0
    TEST_RR 34, srl, 0x4000000000000000, 0x8000000000000000, 1
    TEST_RR 35, srl, 1, -1, 63
    TEST_RR 36, srl, 0xffffffff, -1, 32
    TEST_RR 37, srl, 0x1ffffffff, -1, 31
    TEST_RR 38, srl, -1, -1, 64
    TEST_RR 39, srl, 0x7fffffffffffffff, -1, 65
    TEST_RR 40, srl, 1, -1, -1
    TEST_RR 41, srl, 0x0123456789abcdef, 0x123456789abcdef0, 0x4444444444444444
    TEST_RR_ALIASED 42, srl, 0x00000000ffffffff, 0xffffffff00000000, 32

    # sra
    TEST_RR 43, sra, 0x8000000000000000, 0x8000000000000000, 0
    TEST_RR 44, sra, 0xc000000000000000, 0x8000000000000000, 1
    TEST_RR 45, sra, 0xffffffff80000000, 0x8000000000000000, 32
    TEST_RR 46, sra, 0xffffffff00000000, 0x8000000000000000, 31
    TEST_RR 47, sra, -1, 0x8000000000000000, 63
    TEST_RR 48, sra, 0, 0x7fffffffffffffff, 63
    TEST_RR 49, sra, 0x7fffffff, 0x7fffffffffffffff, 32
    TEST_RR 50, sra, 0x8000000000000000, 0x8000000000000000, 64
    TEST_RR 51, sra, 0xc000000000000000, 0x8000000000000000, 65
    TEST_RR 52, sra, -1, 0x8000000000000000, -1
    TEST_RR 53, sra, 0x0000000080000000, 0x0000000080000000, 0
    TEST_RR 54, sra, 0x0000000040000000, 0x0000000080000000, 1
    TEST_RR 55, sra, 0xfff0123456789abc, 0xf0123456789abcde, 8
    TEST_RR_ALIASED 56, sra, 0xfffffffffff00000, 0x8000000000000000, 43

    # slt (signed)
    TEST_RR 57, slt, 1, -1, 1
    TEST_RR 58, slt, 0, 1, -1
    TEST_RR 59, slt, 1, 0x8000000000000000, 0x7fffffffffffffff
    TEST_RR 60, slt, 0, 0x7fffffffffffffff, 0x8000000000000000
    TEST_RR 61, slt, 0, 0, 0
    TEST_RR 62, slt, 0, 0x8000000000000000, 0x8000000000000000
    TEST_RR 63, slt, 1, -2, -1
    TEST_RR 64, slt, 0, -1, -2
    TEST_RR 65, slt, 1, 0, 0x80000000
    TEST_RR 66, slt, 1, 0xffffffff80000000, 0
    TEST_RR 67, slt, 1, 0x7fffffffffffffff - 1, 0x7fffffffffffffff
    TEST_RR_ALIASED 68, slt, 1, -5, 3

    # sltu (unsigned)
    TEST_RR 69, sltu, 0, -1, 1
    TEST_RR 70, sltu, 1, 1, -1
    TEST_RR 71, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff
    TEST_RR 72, sltu, 1, 0x7fffffffffffffff, 0x8000000000000000
    TEST_RR 73, sltu, 0, 0, 0
    TEST_RR 74, sltu, 1, 0, 1
    TEST_RR 75, sltu, 0, -1, -1
    TEST_RR 76, sltu, 1, -2, -1
    TEST_RR 77, sltu, 1, 0x80000000, 0xffffffff80000000
    TEST_RR 78, sltu, 1, 0xffffffff, 0x100000000
    TEST_RR_ALIASED 79, sltu, 0, -5, 3

    # xor, or, and
    TEST_RR 80, xor, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
    TEST_RR 81, xor, 0, -1, -1
    TEST_RR 82, xor, 0x7fffffffffffffff, 0x8000000000000000, -1
    TEST_RR 83, xor, 0xffffffff00000000, 0xffffffff, -1
    TEST_RR_ALIASED 84, xor, 0x00ff00ff00ff00ff, 0xff00ff00ff00ff00, -1
    TEST_RR 85, or, 0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
    TEST_RR 86, or, 0x8000000000000001, 0x8000000000000000, 1
    TEST_RR 87, or, 0, 0, 0
    TEST_RR 88, or, 0xffffffff00000000, 0xffff000000000000, 0x0000ffff00000000
    TEST_RR_ALIASED 89, or, 0x1234567812345678, 0x1234567800000000, 0x12345678
    TEST_RR 90, and, 0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0
    TEST_RR 91, and, 0, 0x5555555555555555, 0xaaaaaaaaaaaaaaaa
    TEST_RR 92, and, 0x8000000000000000, 0x8000000000000000, -1
    TEST_RR 93, and, 0xffffffff00000000, -1, 0xffffffff00000000
    TEST_RR_ALIASED 94, and, 0x0000000012345678, 0xffffffff12345678, 0xffffffff

    # rd = rs1 = rs2
    li a0, 0x4000000000000001
    add a0, a0, a0
    CHECK 95, a0, 0x8000000000000002
    li a0, 0x123456789
    sub a0, a0, a0
    CHECK 96, a0, 0
    li a0, 0x5a5a5a5a5a5a5a5a
    xor a0, a0, a0
    CHECK 97, a0, 0
    li a0, 0x8000000000000003
    sll a0, a0, a0
    CHECK 98, a0, 0x0000000000000018
    li a0, 0x8000000000000003
    srl a0, a0, a0
    CHECK 99, a0, 0x1000000000000000
    li a0, 0x8000000000000003
    sra a0, a0, a0
    CHECK 100, a0, 0xf000000000000000
    li a0, -7
    slt a0, a0, a0
    CHECK 101, a0, 0

    # Results written to x0 are discarded.
    li a1, 0x1234
    li a2, 0x5678
    add zero, a1, a2
    CHECK 102, zero, 0
    sub zero, a1, a2
    CHECK 103, zero, 0
    sll zero, a1, a2
    CHECK 104, zero, 0
    slt zero, a1, a2
    CHECK 105, zero, 0
    sltu zero, a1, a2
    CHECK 106, zero, 0
    xor zero, a1, a2
    CHECK 107, zero, 0
    srl zero, a1, a2
    CHECK 108, zero, 0
    sra zero, a1, a2
    CHECK 109, zero, 0
    or zero, a1, a2
    CHECK 110, zero, 0
    and zero, a1, a2
    CHECK 111, zero, 0
    # x0 as a source reads 0.
    li a0, 0x77
    add a0, zero, zero
    CHECK 112, a0, 0
    li a1, 5
    sub a0, zero, a1
    CHECK 113, a0, -5
    sltu a0, zero, a1
    CHECK 114, a0, 1
    slt a0, a1, zero
    CHECK 115, a0, 0
    sll a0, a1, zero
    CHECK 116, a0, 5
    li a1, -1
    sra a0, a1, zero
    CHECK 117, a0, -1
    or a0, zero, a1
    CHECK 118, a0, -1
    and a0, a1, zero
    CHECK 119, a0, 0
"#
);
