//! RV64M W forms (mulw, divw, divuw, remw, remuw): upper input halves ignored, results sign-extended from bit 31, division by zero and -2^31/-1 overflow, aliasing and rd = x0.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# rd = x0: the result is discarded and x0 stays zero.
.macro TEST_RR_ZERO num, op, a, b
    li a1, \a
    li a2, \b
    \op x0, a1, a2
    CHECK \num, x0, 0
.endm

# rd = op(rs1, rs1).
.macro TEST_RR_SAME num, op, expected, a
    li a1, \a
    \op a0, a1, a1
    CHECK \num, a0, \expected
.endm

    # mulw: low 32 bits of the product, sign-extended; upper input halves ignored
    TEST_RR 1, mulw, 0x15, 0x3, 0x7
    TEST_RR 2, mulw, 0x15, 0xdeadbeef00000003, 0x5a5a5a5a00000007
    TEST_RR 3, mulw, 0xfffffffffffffffe, 0xdeadbeef7fffffff, 0x5a5a5a5a00000002
    TEST_RR 4, mulw, 0xffffffff80000000, 0x8000, 0x10000
    TEST_RR 5, mulw, 0xffffffff80000000, 0xdeadbeef00008000, 0xffffffff00010000
    TEST_RR 6, mulw, 0x0, 0x10000, 0x10000
    TEST_RR 7, mulw, 0x1, 0xffffffffffffffff, 0xffffffff
    TEST_RR 8, mulw, 0xffffffffffffffff, 0xffffffff, 0x1
    TEST_RR 9, mulw, 0x242d2080, 0x12345678, 0x9abcdef0
    TEST_RR 10, mulw, 0xffffffff80000000, 0xdeadbeef80000000, 0x5a5a5a5affffffff
    TEST_RR 11, mulw, 0x1, 0x7fffffff, 0x7fffffff
    TEST_RR 12, mulw, 0x0, 0x100000000, 0x100000000

    # divw: signed 32-bit, rounds toward zero, sign-extended
    TEST_RR 13, divw, 0x3, 0x14, 0x6
    TEST_RR 14, divw, 0xfffffffffffffffd, 0xdeadbeefffffffec, 0x5a5a5a5a00000006
    TEST_RR 15, divw, 0xfffffffffffffffd, 0x5a5a5a5a00000014, 0xdeadbeeffffffffa
    TEST_RR 16, divw, 0x3, 0xffffffffffffffec, 0xfffffffffffffffa
    TEST_RR 17, divw, 0xffffffff80000000, 0x80000000, 0xffffffff
    TEST_RR 18, divw, 0xffffffff80000000, 0xdeadbeef80000000, 0x5a5a5a5affffffff
    TEST_RR 19, divw, 0xffffffff80000000, 0x80000000, 0x1
    TEST_RR 20, divw, 0xffffffff80000001, 0x7fffffff, 0xffffffff
    TEST_RR 21, divw, 0xffffffffffffffff, 0x14, 0x0
    TEST_RR 22, divw, 0xffffffffffffffff, 0xdeadbeef00000014, 0xffffffff00000000
    TEST_RR 23, divw, 0xffffffffffffffff, 0xffffffec, 0x5a5a5a5a00000000
    TEST_RR 24, divw, 0xffffffffffffffff, 0x80000000, 0xdeadbeef00000000
    TEST_RR 25, divw, 0x0, 0x100000000, 0x1
    TEST_RR 26, divw, 0x0, 0xffffffff, 0x7fffffff
    TEST_RR 27, divw, 0x3fffffff, 0x7fffffff, 0x2

    # divuw: unsigned 32-bit, result sign-extended
    TEST_RR 28, divuw, 0x3, 0x14, 0x6
    TEST_RR 29, divuw, 0xffffffff80000000, 0x80000000, 0x1
    TEST_RR 30, divuw, 0xffffffff80000000, 0xdeadbeef80000000, 0x5a5a5a5a00000001
    TEST_RR 31, divuw, 0xffffffffffffffff, 0xffffffff, 0x1
    TEST_RR 32, divuw, 0x7fffffff, 0xfffffffe, 0x2
    TEST_RR 33, divuw, 0x7fffffff, 0xfffffffffffffffe, 0x2
    TEST_RR 34, divuw, 0x1, 0xffffffff, 0xffffffff
    TEST_RR 35, divuw, 0x0, 0x80000000, 0xffffffff
    TEST_RR 36, divuw, 0x2aaaaaa7, 0xffffffec, 0x6
    TEST_RR 37, divuw, 0xffffffffffffffff, 0x14, 0x0
    TEST_RR 38, divuw, 0xffffffffffffffff, 0xdeadbeef00000014, 0xffffffff00000000
    TEST_RR 39, divuw, 0xffffffffffffffff, 0xffffffff, 0x5a5a5a5a00000000
    TEST_RR 40, divuw, 0x0, 0x100000000, 0x1

    # remw: signed 32-bit, sign follows the dividend; %0 -> sign-extended dividend
    TEST_RR 41, remw, 0x2, 0x14, 0x6
    TEST_RR 42, remw, 0xfffffffffffffffe, 0xdeadbeefffffffec, 0x5a5a5a5a00000006
    TEST_RR 43, remw, 0x2, 0x5a5a5a5a00000014, 0xdeadbeeffffffffa
    TEST_RR 44, remw, 0xfffffffffffffffe, 0xffffffffffffffec, 0xfffffffffffffffa
    TEST_RR 45, remw, 0x0, 0x80000000, 0xffffffff
    TEST_RR 46, remw, 0x0, 0xdeadbeef80000000, 0x5a5a5a5affffffff
    TEST_RR 47, remw, 0xfffffffffffffffe, 0x80000000, 0x3
    TEST_RR 48, remw, 0x14, 0x14, 0x0
    TEST_RR 49, remw, 0xffffffff87654321, 0x1234567887654321, 0xffffffff00000000
    TEST_RR 50, remw, 0x7fffffff, 0xdeadbeef7fffffff, 0x5a5a5a5a00000000
    TEST_RR 51, remw, 0xffffffffffffffec, 0xffffffec, 0x0

    # remuw: unsigned 32-bit, result sign-extended; %0 -> sign-extended dividend
    TEST_RR 52, remuw, 0x2, 0x14, 0x6
    TEST_RR 53, remuw, 0x2, 0xffffffec, 0x6
    TEST_RR 54, remuw, 0x2, 0xdeadbeefffffffec, 0x5a5a5a5a00000006
    TEST_RR 55, remuw, 0xfffffffffffffffe, 0xfffffffe, 0xffffffff
    TEST_RR 56, remuw, 0xfffffffffffffffe, 0xfffffffffffffffe, 0xffffffff
    TEST_RR 57, remuw, 0x5, 0x80000005, 0x100
    TEST_RR 58, remuw, 0x14, 0x14, 0x0
    TEST_RR 59, remuw, 0xffffffff87654321, 0x1234567887654321, 0xffffffff00000000
    TEST_RR 60, remuw, 0x7fffffff, 0xdeadbeef7fffffff, 0x5a5a5a5a00000000
    TEST_RR 61, remuw, 0xffffffff80000000, 0x80000000, 0x80000001

    # rd = rs1 and rd = rs2
    TEST_RR_ALIASED 62, mulw, 0xfffffffffffffffe, 0xdeadbeef7fffffff, 0x5a5a5a5a00000002
    TEST_RR_ALIASED 63, divw, 0xffffffff80000000, 0xdeadbeef80000000, 0x5a5a5a5affffffff
    TEST_RR_ALIASED 64, divuw, 0xffffffff80000000, 0xdeadbeef80000000, 0x5a5a5a5a00000001
    TEST_RR_ALIASED 65, remw, 0xfffffffffffffffe, 0xdeadbeefffffffec, 0x5a5a5a5a00000006
    TEST_RR_ALIASED 66, remuw, 0xfffffffffffffffe, 0xfffffffffffffffe, 0xffffffff
    TEST_RR_ALIASED 67, divw, 0xffffffffffffffff, 0x14, 0xffffffff00000000
    TEST_RR_ALIASED 68, remuw, 0xffffffff87654321, 0x1234567887654321, 0xffffffff00000000

    # rs1 = rs2
    TEST_RR_SAME 69, mulw, 0xffffffff80001219, 0xdeadbeef0000b505
    TEST_RR_SAME 70, divw, 1, 0xdeadbeef80000000
    TEST_RR_SAME 71, divuw, 1, 0x00000000fffffffb
    TEST_RR_SAME 72, remw, 0, 0xdeadbeef80000000
    TEST_RR_SAME 73, divw, 0xffffffffffffffff, 0xdeadbeef00000000
    TEST_RR_SAME 74, remuw, 0, 0xdeadbeef00000000

    # rd = x0
    TEST_RR_ZERO 75, mulw, 0x7fffffff, 2
    TEST_RR_ZERO 76, divw, 0x80000000, -1
    TEST_RR_ZERO 77, divuw, 5, 0
    TEST_RR_ZERO 78, remw, -5, 0
    TEST_RR_ZERO 79, remuw, 0x80000000, 0
"#
);
