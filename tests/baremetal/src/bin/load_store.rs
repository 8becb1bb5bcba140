//! RV64I loads and stores: sign/zero extension of lb/lh/lw/lbu/lhu/lwu/ld, sb/sh/sw/sd touching only their bytes, little-endian order, offsets, x0.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # Fill the 32-byte st_area with bytes 0x00..0x1f (byte i = i).
    .macro FILL_ST
        la a1, st_area
        li a2, 0x0706050403020100
        sd a2, 0(a1)
        li a2, 0x0f0e0d0c0b0a0908
        sd a2, 8(a1)
        li a2, 0x1716151413121110
        sd a2, 16(a1)
        li a2, 0x1f1e1d1c1b1a1918
        sd a2, 24(a1)
    .endm

    # Check the three doublewords of st_area the stores below may touch.
    .macro CHECK_ST num, d0, d1, d2
        la a1, st_area
        ld a0, 0(a1)
        CHECK \num, a0, \d0
        la a1, st_area
        ld a0, 8(a1)
        CHECK \num, a0, \d1
        la a1, st_area
        ld a0, 16(a1)
        CHECK \num, a0, \d2
    .endm

    # lb / lbu: sign vs zero extension
    TEST_LOAD 1, lb, 0xffffffffffffff80, ld_data, 0
    TEST_LOAD 2, lbu, 0x80, ld_data, 0
    TEST_LOAD 3, lb, 0x7f, ld_data, 1
    TEST_LOAD 4, lbu, 0x7f, ld_data, 1
    TEST_LOAD 5, lb, -1, ld_data, 2
    TEST_LOAD 6, lbu, 0xff, ld_data, 2
    TEST_LOAD 7, lb, 1, ld_data, 3
    TEST_LOAD 8, lb, 0, ld_data, 4

    # lh / lhu
    TEST_LOAD 9, lh, 0x7f80, ld_data, 0
    TEST_LOAD 10, lh, 0x01ff, ld_data, 2
    TEST_LOAD 11, lh, 0xffffffffffff8000, ld_data, 4
    TEST_LOAD 12, lhu, 0x8000, ld_data, 4
    TEST_LOAD 13, lh, 0x7fff, ld_data, 6
    TEST_LOAD 14, lhu, 0x7fff, ld_data, 6
    TEST_LOAD 15, lh, -1, ld_data, 40
    TEST_LOAD 16, lhu, 0xffff, ld_data, 40

    # lw / lwu
    TEST_LOAD 17, lw, 0xffffffff80000000, ld_data, 8
    TEST_LOAD 18, lwu, 0x80000000, ld_data, 8
    TEST_LOAD 19, lw, 0x7fffffff, ld_data, 12
    TEST_LOAD 20, lwu, 0x7fffffff, ld_data, 12
    TEST_LOAD 21, lw, 0x7fff8000, ld_data, 4
    TEST_LOAD 22, lw, 0x01ff7f80, ld_data, 0
    TEST_LOAD 23, lw, -1, ld_data, 40
    TEST_LOAD 24, lwu, 0xffffffff, ld_data, 40

    # ld
    TEST_LOAD 25, ld, 0x7fff800001ff7f80, ld_data, 0
    TEST_LOAD 26, ld, 0x7fffffff80000000, ld_data, 8
    TEST_LOAD 27, ld, 0x8000000000000000, ld_data, 16
    TEST_LOAD 28, ld, 0x0123456789abcdef, ld_data, 24
    TEST_LOAD 29, ld, -1, ld_data, 40

    # Little-endian: parts of 0x0123456789abcdef (at 24) and
    # 0xfedcba9876543210 (at 32).
    TEST_LOAD 30, lbu, 0xef, ld_data, 24
    TEST_LOAD 31, lbu, 0x01, ld_data, 31
    TEST_LOAD 32, lhu, 0xcdef, ld_data, 24
    TEST_LOAD 33, lwu, 0x01234567, ld_data, 28
    TEST_LOAD 34, lhu, 0x0123, ld_data, 30
    TEST_LOAD 35, lb, 0x67, ld_data, 28
    TEST_LOAD 36, lw, 0x76543210, ld_data, 32
    TEST_LOAD 37, lw, 0xfffffffffedcba98, ld_data, 36
    TEST_LOAD 38, lwu, 0xfedcba98, ld_data, 36
    TEST_LOAD 39, lh, 0x7654, ld_data, 34
    TEST_LOAD 40, lh, 0xfffffffffffffedc, ld_data, 38
    TEST_LOAD 41, lhu, 0xfedc, ld_data, 38
    TEST_LOAD 42, lb, 0xfffffffffffffffe, ld_data, 39
    TEST_LOAD 43, lbu, 0x76, ld_data, 35
    TEST_LOAD 44, lh, 0xffffffffffff89ab, ld_data, 26
    TEST_LOAD 45, lw, 0x01234567, ld_data, 28

    # Negative and extreme offsets.
    TEST_LOAD 46, lb, 0xffffffffffffff80, ld_data+16, -16
    TEST_LOAD 47, lhu, 0x8000, ld_data+8, -4
    TEST_LOAD 48, lw, 0xffffffff80000000, ld_data+2048, -2040
    TEST_LOAD 49, ld, 0x0123456789abcdef, ld_data-2023, 2047
    TEST_LOAD 50, lbu, 0x80, ld_data+2048, -2048
    TEST_LOAD 51, ld, 0x8000000000000000, ld_data+17, -1

    # rd = rs1: the base is read before being overwritten.
    la a0, ld_data
    ld a0, 24(a0)
    CHECK 52, a0, 0x0123456789abcdef

    # sb: only the addressed byte changes.
    FILL_ST
    la a1, st_area
    li a2, 0x12345678abcdefaa
    sb a2, 11(a1)
    CHECK_ST 53, 0x0706050403020100, 0x0f0e0d0caa0a0908, 0x1716151413121110
    FILL_ST
    la a1, st_area
    li a2, 0x99
    sb a2, 15(a1)
    CHECK_ST 54, 0x0706050403020100, 0x990e0d0c0b0a0908, 0x1716151413121110
    FILL_ST
    la a1, st_area
    li a2, -1
    sb a2, 8(a1)
    CHECK_ST 55, 0x0706050403020100, 0x0f0e0d0c0b0a09ff, 0x1716151413121110

    # sh
    FILL_ST
    la a1, st_area
    li a2, 0xffffffffffffbbcc
    sh a2, 10(a1)
    CHECK_ST 56, 0x0706050403020100, 0x0f0e0d0cbbcc0908, 0x1716151413121110
    FILL_ST
    la a1, st_area
    li a2, 0x5566
    sh a2, 14(a1)
    CHECK_ST 57, 0x0706050403020100, 0x55660d0c0b0a0908, 0x1716151413121110

    # sw
    FILL_ST
    la a1, st_area
    li a2, 0x11223344deadbeef
    sw a2, 12(a1)
    CHECK_ST 58, 0x0706050403020100, 0xdeadbeef0b0a0908, 0x1716151413121110
    FILL_ST
    la a1, st_area
    li a2, 0x80000001
    sw a2, 8(a1)
    CHECK_ST 59, 0x0706050403020100, 0x0f0e0d0c80000001, 0x1716151413121110

    # sd
    FILL_ST
    la a1, st_area
    li a2, 0x1122334455667788
    sd a2, 8(a1)
    CHECK_ST 60, 0x0706050403020100, 0x1122334455667788, 0x1716151413121110

    # Negative offsets on stores.
    FILL_ST
    la a1, st_area+16
    li a2, 0xa5
    sb a2, -3(a1)
    CHECK_ST 61, 0x0706050403020100, 0x0f0ea50c0b0a0908, 0x1716151413121110
    FILL_ST
    la a1, st_area+2048
    li a2, 0xcafe
    sh a2, -2036(a1)
    CHECK_ST 62, 0x0706050403020100, 0x0f0ecafe0b0a0908, 0x1716151413121110
    FILL_ST
    la a1, st_area+2056
    li a2, 0x0badf00d
    sw a2, -2048(a1)
    CHECK_ST 63, 0x0706050403020100, 0x0f0e0d0c0badf00d, 0x1716151413121110
    FILL_ST
    la a1, st_area-2039
    li a2, -2
    sd a2, 2047(a1)
    CHECK_ST 64, 0x0706050403020100, 0xfffffffffffffffe, 0x1716151413121110

    # Store a doubleword, read its bytes back: little-endian.
    la a1, st_area
    li a2, 0x0123456789abcdef
    sd a2, 0(a1)
    TEST_LOAD 65, lbu, 0xef, st_area, 0
    TEST_LOAD 66, lbu, 0xcd, st_area, 1
    TEST_LOAD 67, lbu, 0xab, st_area, 2
    TEST_LOAD 68, lbu, 0x89, st_area, 3
    TEST_LOAD 69, lbu, 0x67, st_area, 4
    TEST_LOAD 70, lbu, 0x45, st_area, 5
    TEST_LOAD 71, lbu, 0x23, st_area, 6
    TEST_LOAD 72, lbu, 0x01, st_area, 7
    # Bytes stored one by one read back as a doubleword.
    la a1, st_area
    li a2, 0x11
    sb a2, 16(a1)
    li a2, 0x22
    sb a2, 17(a1)
    li a2, 0x4433
    sh a2, 18(a1)
    li a2, 0x88776655
    sw a2, 20(a1)
    TEST_LOAD 73, ld, 0x8877665544332211, st_area, 16

    # Store and reload through TEST_STORE.
    TEST_STORE 74, sb, lb, 0xffffffffffffffab, 0x12ab, st_area, 3
    TEST_STORE 75, sb, lbu, 0xab, 0x12ab, st_area, 3
    TEST_STORE 76, sh, lh, 0xffffffffffff8001, 0x7fff8001, st_area, 6
    TEST_STORE 77, sh, lhu, 0x8001, 0x7fff8001, st_area, 6
    TEST_STORE 78, sw, lw, 0xffffffff9abcdef0, 0x123456789abcdef0, st_area, 12
    TEST_STORE 79, sw, lwu, 0x9abcdef0, 0x123456789abcdef0, st_area, 12
    TEST_STORE 80, sd, ld, 0x8000000000000001, 0x8000000000000001, st_area, 24

    # Storing x0 stores zero; storing the base register stores the address.
    FILL_ST
    la a1, st_area
    sd zero, 8(a1)
    CHECK_ST 81, 0x0706050403020100, 0, 0x1716151413121110
    FILL_ST
    la a1, st_area
    sw zero, 16(a1)
    CHECK_ST 82, 0x0706050403020100, 0x0f0e0d0c0b0a0908, 0x1716151400000000
    la a1, st_area
    sd a1, 0(a1)
    ld a0, 0(a1)
    li gp, 83
    beq a0, a1, 1f
    j fail
1:

    # Loads into x0 leave x0 zero.
    la a1, ld_data
    lb zero, 2(a1)
    CHECK 84, zero, 0
    lh zero, 40(a1)
    CHECK 85, zero, 0
    lw zero, 40(a1)
    CHECK 86, zero, 0
    ld zero, 40(a1)
    CHECK 87, zero, 0
    lbu zero, 40(a1)
    CHECK 88, zero, 0
    lhu zero, 40(a1)
    CHECK 89, zero, 0
    lwu zero, 40(a1)
    CHECK 90, zero, 0
    mv a0, zero
    CHECK 91, a0, 0

    # Stack-pointer-relative store and load.
    addi sp, sp, -16
    li a2, 0x5a5a5a5a12345678
    sd a2, 8(sp)
    sw zero, 12(sp)
    ld a0, 8(sp)
    addi sp, sp, 16
    CHECK 92, a0, 0x0000000012345678

    .data
    .balign 8
ld_data:
    .byte 0x80, 0x7f, 0xff, 0x01, 0x00, 0x80, 0xff, 0x7f
    .4byte 0x80000000, 0x7fffffff
    .8byte 0x8000000000000000, 0x0123456789abcdef
    .8byte 0xfedcba9876543210, -1
    .balign 8
st_area:
    .space 32
    .text
"#
);
