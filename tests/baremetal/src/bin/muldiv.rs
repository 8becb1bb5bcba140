//! RV64M mul/mulh/mulhsu/mulhu/div/divu/rem/remu: 128-bit product halves, division by zero, MIN/-1 overflow, remainder signs, register aliasing and rd = x0.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# rd = op(rs1, rs1): both sources are the same register.
.macro TEST_RR_SAME num, op, expected, a
    li a1, \a
    \op a0, a1, a1
    CHECK \num, a0, \expected
    li a0, \a
    \op a0, a0, a0
    CHECK \num, a0, \expected
.endm

# rd = x0: the result is discarded and x0 stays zero.
.macro TEST_RR_ZERO num, op, a, b
    li a1, \a
    li a2, \b
    \op x0, a1, a2
    CHECK \num, x0, 0
.endm

    # mul: low 64 bits of the product (the same for any signedness)
    TEST_RR 1, mul, 0x15, 0x3, 0x7
    TEST_RR 2, mul, 0x0, 0x0, 0x3039
    TEST_RR 3, mul, 0x1, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR 4, mul, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
    TEST_RR 5, mul, 0xfffffffffffffffe, 0x7fffffffffffffff, 0x2
    TEST_RR 6, mul, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR 7, mul, 0x0, 0x8000000000000000, 0x8000000000000000
    TEST_RR 8, mul, 0x1, 0x7fffffffffffffff, 0x7fffffffffffffff
    TEST_RR 9, mul, 0x2236d88fe5618cf0, 0x123456789abcdef0, 0xfedcba987654321
    TEST_RR 10, mul, 0xffffffffffffffd6, 0xfffffffffffffff9, 0x6
    TEST_RR 11, mul, 0x0, 0x100000000, 0x100000000

    # mulh: high 64 bits, signed x signed
    TEST_RR 12, mulh, 0x0, 0x3, 0x7
    TEST_RR 13, mulh, 0x0, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR 14, mulh, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
    TEST_RR 15, mulh, 0xffffffffffffffff, 0x1, 0xffffffffffffffff
    TEST_RR 16, mulh, 0xffffffffffffffff, 0xfffffffffffffffe, 0x3
    TEST_RR 17, mulh, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000
    TEST_RR 18, mulh, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff
    TEST_RR 19, mulh, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x7fffffffffffffff
    TEST_RR 20, mulh, 0x0, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR 21, mulh, 0xffffffffffffffff, 0x7fffffffffffffff, 0xffffffffffffffff
    TEST_RR 22, mulh, 0xfede05ff528828bd, 0x123456789abcdef0, 0xf0123456789abcdf
    TEST_RR 23, mulh, 0x121fa00ad77d742, 0xedcba98765432110, 0xf0123456789abcdf
    TEST_RR 24, mulh, 0xffffffffffffffff, 0x8000000000000000, 0x1
    TEST_RR 25, mulh, 0x1, 0x100000000, 0x100000000

    # mulhsu: high 64 bits, rs1 signed x rs2 unsigned
    TEST_RR 26, mulhsu, 0x0, 0x3, 0x7
    TEST_RR 27, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR 28, mulhsu, 0x0, 0x1, 0xffffffffffffffff
    TEST_RR 29, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
    TEST_RR 30, mulhsu, 0xffffffffffffffff, 0xfffffffffffffffe, 0x3
    TEST_RR 31, mulhsu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR 32, mulhsu, 0xc000000000000000, 0x8000000000000000, 0x8000000000000000
    TEST_RR 33, mulhsu, 0x7ffffffffffffffe, 0x7fffffffffffffff, 0xffffffffffffffff
    TEST_RR 34, mulhsu, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x8000000000000000
    TEST_RR 35, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0x8000000000000000
    TEST_RR 36, mulhsu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210
    TEST_RR 37, mulhsu, 0xede05ff528828bdd, 0xedcba98765432110, 0xfedcba9876543210
    TEST_RR 38, mulhsu, 0x0, 0xffffffffffffffff, 0x0

    # mulhu: high 64 bits, unsigned x unsigned
    TEST_RR 39, mulhu, 0x0, 0x3, 0x7
    TEST_RR 40, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR 41, mulhu, 0x1, 0xffffffffffffffff, 0x2
    TEST_RR 42, mulhu, 0x0, 0xffffffffffffffff, 0x1
    TEST_RR 43, mulhu, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000
    TEST_RR 44, mulhu, 0x1, 0x8000000000000000, 0x2
    TEST_RR 45, mulhu, 0x3fffffffffffffff, 0x7fffffffffffffff, 0x7fffffffffffffff
    TEST_RR 46, mulhu, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR 47, mulhu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210
    TEST_RR 48, mulhu, 0x1, 0x100000000, 0x100000000

    # div: signed, rounds toward zero; /0 -> -1; MIN/-1 -> MIN
    TEST_RR 49, div, 0x3, 0x14, 0x6
    TEST_RR 50, div, 0xfffffffffffffffd, 0xffffffffffffffec, 0x6
    TEST_RR 51, div, 0xfffffffffffffffd, 0x14, 0xfffffffffffffffa
    TEST_RR 52, div, 0x3, 0xffffffffffffffec, 0xfffffffffffffffa
    TEST_RR 53, div, 0x0, 0x5, 0x7
    TEST_RR 54, div, 0x0, 0xfffffffffffffffb, 0x7
    TEST_RR 55, div, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR 56, div, 0x8000000000000000, 0x8000000000000000, 0x1
    TEST_RR 57, div, 0xc000000000000000, 0x8000000000000000, 0x2
    TEST_RR 58, div, 0x1, 0x8000000000000000, 0x8000000000000000
    TEST_RR 59, div, 0x0, 0x7fffffffffffffff, 0x8000000000000000
    TEST_RR 60, div, 0x0, 0xffffffffffffffff, 0x8000000000000000
    TEST_RR 61, div, 0xffffffffffffffff, 0x14, 0x0
    TEST_RR 62, div, 0xffffffffffffffff, 0xffffffffffffffec, 0x0
    TEST_RR 63, div, 0xffffffffffffffff, 0x0, 0x0
    TEST_RR 64, div, 0xffffffffffffffff, 0x8000000000000000, 0x0
    TEST_RR 65, div, 0x8000000000000001, 0x7fffffffffffffff, 0xffffffffffffffff
    TEST_RR 66, div, 0xfffefffb3fe96f95, 0x123456789abcdef0, 0xffffffffffffedcc

    # divu: unsigned; /0 -> all ones
    TEST_RR 67, divu, 0x3, 0x14, 0x6
    TEST_RR 68, divu, 0x2aaaaaaaaaaaaaa7, 0xffffffffffffffec, 0x6
    TEST_RR 69, divu, 0x0, 0x14, 0xfffffffffffffffa
    TEST_RR 70, divu, 0xffffffffffffffff, 0xffffffffffffffff, 0x1
    TEST_RR 71, divu, 0x1, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR 72, divu, 0x0, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR 73, divu, 0x4000000000000000, 0x8000000000000000, 0x2
    TEST_RR 74, divu, 0x1, 0xffffffffffffffff, 0x8000000000000000
    TEST_RR 75, divu, 0xffffffffffffffff, 0x14, 0x0
    TEST_RR 76, divu, 0xffffffffffffffff, 0xffffffffffffffff, 0x0
    TEST_RR 77, divu, 0xffffffffffffffff, 0x0, 0x0
    TEST_RR 78, divu, 0xe0042813be5dc, 0xfedcba9876543210, 0x1234

    # rem: sign follows the dividend; %0 -> dividend; MIN%-1 -> 0
    TEST_RR 79, rem, 0x2, 0x14, 0x6
    TEST_RR 80, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0x6
    TEST_RR 81, rem, 0x2, 0x14, 0xfffffffffffffffa
    TEST_RR 82, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0xfffffffffffffffa
    TEST_RR 83, rem, 0x5, 0x5, 0x7
    TEST_RR 84, rem, 0xfffffffffffffffb, 0xfffffffffffffffb, 0x7
    TEST_RR 85, rem, 0x0, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR 86, rem, 0x0, 0x8000000000000000, 0x1
    TEST_RR 87, rem, 0xfffffffffffffffe, 0x8000000000000000, 0x3
    TEST_RR 88, rem, 0x0, 0x8000000000000000, 0x8000000000000000
    TEST_RR 89, rem, 0x7fffffffffffffff, 0x7fffffffffffffff, 0x8000000000000000
    TEST_RR 90, rem, 0xffffffffffffffff, 0xffffffffffffffff, 0x8000000000000000
    TEST_RR 91, rem, 0x14, 0x14, 0x0
    TEST_RR 92, rem, 0xffffffffffffffec, 0xffffffffffffffec, 0x0
    TEST_RR 93, rem, 0x0, 0x0, 0x0
    TEST_RR 94, rem, 0x8000000000000000, 0x8000000000000000, 0x0
    TEST_RR 95, rem, 0x334, 0x123456789abcdef0, 0xffffffffffffedcc

    # remu: unsigned; %0 -> dividend
    TEST_RR 96, remu, 0x2, 0x14, 0x6
    TEST_RR 97, remu, 0x2, 0xffffffffffffffec, 0x6
    TEST_RR 98, remu, 0x14, 0x14, 0xfffffffffffffffa
    TEST_RR 99, remu, 0x7fffffffffffffff, 0xffffffffffffffff, 0x8000000000000000
    TEST_RR 100, remu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff
    TEST_RR 101, remu, 0x0, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR 102, remu, 0x14, 0x14, 0x0
    TEST_RR 103, remu, 0xffffffffffffffff, 0xffffffffffffffff, 0x0
    TEST_RR 104, remu, 0x8000000000000000, 0x8000000000000000, 0x0
    TEST_RR 105, remu, 0x960, 0xfedcba9876543210, 0x1234

    # rd = rs1 and rd = rs2
    TEST_RR_ALIASED 106, mul, 0xffffffffffffffd6, 0xfffffffffffffff9, 0x6
    TEST_RR_ALIASED 107, mulh, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff
    TEST_RR_ALIASED 108, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR_ALIASED 109, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR_ALIASED 110, div, 0xfffffffffffffffd, 0xffffffffffffffec, 0x6
    TEST_RR_ALIASED 111, divu, 0x2aaaaaaaaaaaaaa7, 0xffffffffffffffec, 0x6
    TEST_RR_ALIASED 112, rem, 0xfffffffffffffffe, 0xffffffffffffffec, 0x6
    TEST_RR_ALIASED 113, remu, 0x2, 0xffffffffffffffec, 0x6
    TEST_RR_ALIASED 114, div, 0xffffffffffffffff, 0x5, 0x0
    TEST_RR_ALIASED 115, rem, 0x5, 0x5, 0x0

    # rs1 = rs2 (and rd = rs1 = rs2)
    TEST_RR_SAME 116, mul, 0x4000000000000000, 0x80000000
    TEST_RR_SAME 117, mulh, 0x4000000000000000, 0x8000000000000000
    TEST_RR_SAME 118, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_RR_SAME 119, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff
    TEST_RR_SAME 120, div, 1, 0x8000000000000000
    TEST_RR_SAME 121, divu, 1, 0xfffffffffffffffb
    TEST_RR_SAME 122, rem, 0, 0x8000000000000000
    TEST_RR_SAME 123, remu, 0, 0xfffffffffffffffb
    TEST_RR_SAME 124, div, 0xffffffffffffffff, 0
    TEST_RR_SAME 125, divu, 0xffffffffffffffff, 0
    TEST_RR_SAME 126, rem, 0, 0
    TEST_RR_SAME 127, remu, 0, 0

    # rd = x0
    TEST_RR_ZERO 128, mul, -7, 6
    TEST_RR_ZERO 129, mulh, -1, 1
    TEST_RR_ZERO 130, mulhsu, -1, 1
    TEST_RR_ZERO 131, mulhu, -1, -1
    TEST_RR_ZERO 132, div, 5, 0
    TEST_RR_ZERO 133, divu, 5, 0
    TEST_RR_ZERO 134, rem, -5, 0
    TEST_RR_ZERO 135, remu, -5, 0

    # The result is written to rd only: the sources keep their values.
    li a1, -20
    li a2, 6
    div a0, a1, a2
    CHECK 136, a1, -20
    CHECK 137, a2, 6
    mulhu a3, a1, a2
    CHECK 138, a3, 5
    CHECK 139, a1, -20
"#
);
