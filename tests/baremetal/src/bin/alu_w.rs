//! RV64I word ops: addw, subw, sllw, srlw, sraw, addiw, slliw, srliw, sraiw (32-bit results sign-extended, upper input bits ignored, 5-bit shift masks).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # addw
    TEST_RR 1, addw, 3, 1, 2
    TEST_RR 2, addw, 0xffffffff80000000, 0x7fffffff, 1
    TEST_RR 3, addw, 0, -1, 1
    TEST_RR 4, addw, -1, 0xffffffff, 0
    TEST_RR 5, addw, 0, 0x80000000, 0x80000000
    TEST_RR 6, addw, 3, 0x1234567800000001, 0xabcdef0000000002
    TEST_RR 7, addw, 0, 0xffffffff00000000, 0
    TEST_RR 8, addw, 0x7fffffff, 0x7fffffff, 0
    TEST_RR 9, addw, 0x7fffffff, 0x80000000, -1
    TEST_RR 10, addw, 0xfffffffffffffffe, 0x7fffffffffffffff, 0x7fffffffffffffff
    TEST_RR 11, addw, 0x0000000012345678, 0xffffffff12345678, 0x0000000100000000
    TEST_RR_ALIASED 12, addw, 0xffffffff80000000, 0x000000007ffffff0, 0x10

    # subw
    TEST_RR 13, subw, -1, 0, 1
    TEST_RR 14, subw, 0x7fffffff, 0x80000000, 1
    TEST_RR 15, subw, 0xffffffff80000000, 0, 0x80000000
    TEST_RR 16, subw, 0, 0x100000000, 0
    TEST_RR 17, subw, 2, 0xaaaaaaaa00000005, 0x5555555500000003
    TEST_RR 18, subw, 0xffffffff80000000, 0x7fffffff, -1
    TEST_RR 19, subw, 0x0000000000000001, 0x8000000000000000, 0x00000000ffffffff
    TEST_RR_ALIASED 20, subw, 0xfffffffffffffffd, 0x1234567800000002, 5

    # sllw: shift amount is rs2[4:0]
    TEST_RR 21, sllw, 0xffffffff80000000, 1, 31
    TEST_RR 22, sllw, 1, 1, 32
    TEST_RR 23, sllw, 2, 1, 33
    TEST_RR 24, sllw, 0xffffffff80000000, 1, -1
    TEST_RR 25, sllw, 0xffffffff80000000, 1, 63
    TEST_RR 26, sllw, 1, 0x0000000100000001, 0
    TEST_RR 27, sllw, 0xffffffff80000000, 0x40000000, 1
    TEST_RR 28, sllw, 0x23456780, 0x12345678, 4
    TEST_RR 29, sllw, 0xffffffff80000000, 0xffffffff80000000, 0
    TEST_RR 30, sllw, 0x000000007fffffff, 0xffffffff7fffffff, 0x20
    TEST_RR 31, sllw, 0, 0x00000000ffff0000, 16
    TEST_RR_ALIASED 32, sllw, 0xfffffffff0000000, 0x123456789abcdeff, 28

    # srlw: zero-fills from bit 31, then sign-extends bit 31 of the result
    TEST_RR 33, srlw, 0xffffffff80000000, 0x80000000, 0
    TEST_RR 34, srlw, 0x40000000, 0x80000000, 1
    TEST_RR 35, srlw, -1, -1, 32
    TEST_RR 36, srlw, 0x7fffffff, -1, 33
    TEST_RR 37, srlw, 0, 0xffffffff00000000, 0
    TEST_RR 38, srlw, 1, 0xffffffff80000000, 31
    TEST_RR 39, srlw, 0x7fffffff, -1, 1
    TEST_RR 40, srlw, 1, -1, -1
    TEST_RR 41, srlw, 0x00000000000fffff, 0x00000000fffff000, 12
    TEST_RR 42, srlw, 0x0000000012345678, 0xffffffff12345678, 0x40
    TEST_RR_ALIASED 43, srlw, 0x000000000000000f, 0x00000000f0000000, 28

    # sraw: shifts bit 31 in
    TEST_RR 44, sraw, 0xffffffffc0000000, 0x80000000, 1
    TEST_RR 45, sraw, -1, 0x80000000, 31
    TEST_RR 46, sraw, 0, 0x7fffffff, 31
    TEST_RR 47, sraw, 0xffffffff80000000, 0x80000000, 32
    TEST_RR 48, sraw, 0xffffffffc0000000, 0x80000000, 33
    TEST_RR 49, sraw, 0xfffffffff8000000, 0x0000000080000000, 4
    TEST_RR 50, sraw, 0x0000000007ffffff, 0xffffffff7fffffff, 4
    TEST_RR 51, sraw, -1, -1, -1
    TEST_RR 52, sraw, 0, 0x8000000000000000, 0
    TEST_RR 53, sraw, -1, 0x7fffffffffffffff, 30
    TEST_RR 54, sraw, 0xffffffffffff2345, 0x00000000f2345678, 12
    TEST_RR_ALIASED 55, sraw, 0xffffffffffffff80, 0x0000000080000000, 24

    # addiw
    TEST_IMM 56, addiw, 0xffffffff80000000, 0x7fffffff, 1
    TEST_IMM 57, addiw, -1, 0, -1
    TEST_IMM 58, addiw, 0x7fffffff, 0x80000000, -1
    TEST_IMM 59, addiw, 0x7fffffff, 0xffffffff80000000, -1
    TEST_IMM 60, addiw, 0x7ff, 0x1234567800000000, 2047
    TEST_IMM 61, addiw, 0xfffffffffffff800, 0x1234567800000000, -2048
    TEST_IMM 62, addiw, 0, 0xffffffff, 1
    TEST_IMM 63, addiw, 0xffffffff800007fe, 0x7fffffff, 2047
    TEST_IMM 64, addiw, 0x000000007ffff7ff, 0xffffffff7fffffff, -2048
    # sext.w = addiw rd, rs, 0
    TEST_IMM 65, addiw, 0xffffffff80000000, 0x0000000080000000, 0
    TEST_IMM 66, addiw, 0x7fffffff, 0xffffffff7fffffff, 0
    TEST_IMM 67, addiw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0
    li a1, 0x00000001deadbeef
    sext.w a0, a1
    CHECK 68, a0, 0xffffffffdeadbeef
    li a0, 0x8000000012345678
    sext.w a0, a0
    CHECK 69, a0, 0x12345678

    # slliw
    TEST_IMM 70, slliw, 0xffffffff80000000, 1, 31
    TEST_IMM 71, slliw, 1, 0xffffffff00000001, 0
    TEST_IMM 72, slliw, 2, 0x0000000180000001, 1
    TEST_IMM 73, slliw, 0xffffffff80000000, 0x0000000080000000, 0
    TEST_IMM 74, slliw, 0x000000007ffffffe, 0x00000000bfffffff, 1
    TEST_IMM 75, slliw, 0xffffffffef000000, 0x12345678abcdef, 24
    TEST_IMM 76, slliw, 0, 0xfffffffffffffffe, 31

    # srliw
    TEST_IMM 77, srliw, -1, -1, 0
    TEST_IMM 78, srliw, 0x7fffffff, -1, 1
    TEST_IMM 79, srliw, 1, 0x80000000, 31
    TEST_IMM 80, srliw, 0x08000000, 0xffffffff80000000, 4
    TEST_IMM 81, srliw, 0, 0x1234567800000000, 1
    TEST_IMM 82, srliw, 0xffffffff80000000, 0x0000000080000000, 0
    TEST_IMM 83, srliw, 1, -1, 31
    TEST_IMM 84, srliw, 0x00000000000abcde, 0xfedcba98abcde123, 12

    # sraiw
    TEST_IMM 85, sraiw, -1, 0x80000000, 31
    TEST_IMM 86, sraiw, 0, 0x7fffffff, 31
    TEST_IMM 87, sraiw, 0xffffffff80000000, 0x80000000, 0
    TEST_IMM 88, sraiw, 0xffffffffc0000000, 0x0000000080000000, 1
    TEST_IMM 89, sraiw, 0x3fffffff, 0x000000017fffffff, 1
    TEST_IMM 90, sraiw, 0, 0xfffffffe00000000, 0
    TEST_IMM 91, sraiw, -1, 0x12345678deadbeef, 31
    TEST_IMM 92, sraiw, 0, 0xffffffff7fffffff, 31
    TEST_IMM 93, sraiw, 0xfffffffffffedcba, 0x00000000fedcba98, 8

    # rd = rs1
    li a0, 0x7fffffff
    addiw a0, a0, 1
    CHECK 94, a0, 0xffffffff80000000
    li a0, 0x80000001
    slliw a0, a0, 1
    CHECK 95, a0, 2
    li a0, 0xffffffff80000000
    srliw a0, a0, 1
    CHECK 96, a0, 0x40000000
    li a0, 0x80000000
    sraiw a0, a0, 3
    CHECK 97, a0, 0xfffffffff0000000
    li a0, 0xffffffff
    addw a0, a0, a0
    CHECK 98, a0, -2

    # W ops into x0 are discarded.
    li a1, 0x7fffffff
    li a2, 1
    addw zero, a1, a2
    CHECK 99, zero, 0
    subw zero, a2, a1
    CHECK 100, zero, 0
    sllw zero, a1, a2
    CHECK 101, zero, 0
    srlw zero, a1, a2
    CHECK 102, zero, 0
    sraw zero, a1, a2
    CHECK 103, zero, 0
    addiw zero, a1, 1
    CHECK 104, zero, 0
    slliw zero, a1, 1
    CHECK 105, zero, 0
    srliw zero, a1, 1
    CHECK 106, zero, 0
    sraiw zero, a1, 1
    CHECK 107, zero, 0
"#
);
