//! RV64C loads and stores (c.lw/c.ld/c.sw/c.sd and the sp-based forms) at every offset bit.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    # Source data: the word at byte offset k holds 0xc0de0000 + k (sign bit set).
    .data
    .balign 8
cm_pad:
    .space 64
cm_src:
    .set cm_off, 0
    .rept 128
    .4byte 0xc0de0000 + cm_off
    .set cm_off, cm_off + 4
    .endr
cm_pos:
    .4byte 0x7fffabcd
    .4byte 0x89abcdef
    .balign 8
cm_dsw:
    .fill 32, 4, 0x5a5a5a5a
cm_dsd:
    .fill 66, 4, 0x5a5a5a5a
cm_dswsp:
    .fill 66, 4, 0x5a5a5a5a
cm_dsdsp:
    .fill 130, 4, 0x5a5a5a5a
    .text

    # c.lw rd', off(rs1'): expected value of the word at offset \off.
    .macro CLW num, rd, rs, off
    c.lw \rd, \off(\rs)
    CHECK \num, \rd, (0xffffffffc0de0000 + \off)
    .endm
    # c.ld rd', off(rs1')
    .macro CLD num, rd, rs, off
    c.ld \rd, \off(\rs)
    CHECK \num, \rd, (((0xc0de0000 + \off + 4) << 32) | (0xc0de0000 + \off))
    .endm
    # c.lwsp rd, off(sp), sp = cm_src
    .macro CLWSP num, rd, off
    la sp, cm_src
    c.lwsp \rd, \off(sp)
    mv sp, s2
    CHECK \num, \rd, (0xffffffffc0de0000 + \off)
    .endm
    # c.ldsp rd, off(sp), sp = cm_src
    .macro CLDSP num, rd, off
    la sp, cm_src
    c.ldsp \rd, \off(sp)
    mv sp, s2
    CHECK \num, \rd, (((0xc0de0000 + \off + 4) << 32) | (0xc0de0000 + \off))
    .endm
    # Expected doubleword containing a 32-bit store of 0x55667788 at \off
    # into a 0x5a5a5a5a background.
    .macro CHECK_SW num, reg, base, off
    ld \reg, (\off & ~7)(\base)
    .if (\off & 4)
    CHECK \num, \reg, 0x556677885a5a5a5a
    .else
    CHECK \num, \reg, 0x5a5a5a5a55667788
    .endif
    .endm

    mv s2, sp

    # c.lw: each offset bit (offset = uimm[6:2]), sign extension.
    la a1, cm_src
    CLW 1, a0, a1, 0
    CLW 2, a0, a1, 4
    CLW 3, s1, a1, 8
    CLW 4, a4, a1, 16
    la s0, cm_src
    CLW 5, a5, s0, 32
    CLW 6, a2, s0, 64
    CLW 7, a3, s0, 124
    la a5, cm_src
    CLW 8, a5, a5, 124
    la a1, cm_pos
    c.lw a0, 0(a1)
    CHECK 9, a0, 0x7fffabcd
    c.lw a0, 4(a1)
    CHECK 10, a0, 0xffffffff89abcdef

    # c.ld: offset = uimm[7:3].
    la a1, cm_src
    CLD 20, a0, a1, 0
    CLD 21, a0, a1, 8
    CLD 22, s1, a1, 16
    la s1, cm_src
    CLD 23, a4, s1, 32
    CLD 24, a5, s1, 64
    CLD 25, s0, s1, 128
    CLD 26, a0, s1, 248
    la a2, cm_src
    CLD 27, a2, a2, 248

    # c.lwsp: offset = uimm[7:2], any rd.
    CLWSP 30, a0, 0
    CLWSP 31, a0, 4
    CLWSP 32, t1, 8
    CLWSP 33, s3, 16
    CLWSP 34, ra, 32
    CLWSP 35, a5, 64
    CLWSP 36, t2, 128
    CLWSP 37, a0, 252
    la sp, cm_pos
    c.lwsp a0, 0(sp)
    mv sp, s2
    CHECK 38, a0, 0x7fffabcd

    # c.ldsp: offset = uimm[8:3], any rd (including sp itself).
    CLDSP 40, a0, 0
    CLDSP 41, a0, 8
    CLDSP 42, t1, 16
    CLDSP 43, s3, 32
    CLDSP 44, ra, 64
    CLDSP 45, a5, 128
    CLDSP 46, s4, 256
    CLDSP 47, a0, 504
    la sp, cm_src
    c.ldsp sp, 504(sp)
    mv a0, sp
    mv sp, s2
    CHECK 48, a0, 0xc0de01fcc0de01f8

    # c.sw: stores only the low word of rs2'; offset = uimm[6:2].
    li a2, 0x1122334455667788
    la a1, cm_dsw
    c.sw a2, 4(a1)
    CHECK_SW 50, a0, a1, 4
    c.sw a2, 8(a1)
    CHECK_SW 51, a0, a1, 8
    la s0, cm_dsw
    li s1, 0x1122334455667788
    c.sw s1, 16(s0)
    CHECK_SW 52, a0, s0, 16
    c.sw s1, 32(s0)
    CHECK_SW 53, a0, s0, 32
    c.sw a2, 64(a1)
    CHECK_SW 54, a0, a1, 64
    c.sw a2, 124(a1)
    CHECK_SW 55, a0, a1, 124
    ld a0, 0(a1)
    CHECK 56, a0, 0x556677885a5a5a5a
    lw a0, 124(a1)
    CHECK 57, a0, 0x55667788

    # c.sd: offset = uimm[7:3].
    li a2, 0x8877665544332211
    la a1, cm_dsd
    c.sd a2, 0(a1)
    ld a0, 0(a1)
    CHECK 60, a0, 0x8877665544332211
    ld a0, 8(a1)
    CHECK 61, a0, 0x5a5a5a5a5a5a5a5a
    la a5, cm_dsd
    li a4, 0x0123456789abcdef
    c.sd a4, 8(a5)
    ld a0, 8(a5)
    CHECK 62, a0, 0x0123456789abcdef
    c.sd a4, 16(a5)
    ld a0, 16(a5)
    CHECK 63, a0, 0x0123456789abcdef
    c.sd a2, 32(a1)
    ld a0, 32(a1)
    CHECK 64, a0, 0x8877665544332211
    c.sd a2, 64(a1)
    ld a0, 64(a1)
    CHECK 65, a0, 0x8877665544332211
    c.sd a4, 128(a1)
    ld a0, 128(a1)
    CHECK 66, a0, 0x0123456789abcdef
    c.sd a2, 248(a1)
    ld a0, 248(a1)
    CHECK 67, a0, 0x8877665544332211
    ld a0, 256(a1)
    CHECK 68, a0, 0x5a5a5a5a5a5a5a5a
    ld a0, 24(a1)
    CHECK 69, a0, 0x5a5a5a5a5a5a5a5a

    # c.swsp: offset = uimm[7:2], any rs2.
    li t1, 0x1122334455667788
    la a1, cm_dswsp
    la sp, cm_dswsp
    c.swsp t1, 4(sp)
    c.swsp t1, 8(sp)
    c.swsp t1, 16(sp)
    c.swsp t1, 32(sp)
    c.swsp t1, 64(sp)
    c.swsp t1, 128(sp)
    c.swsp t1, 252(sp)
    mv sp, s2
    CHECK_SW 70, a0, a1, 4
    CHECK_SW 71, a0, a1, 8
    CHECK_SW 72, a0, a1, 16
    CHECK_SW 73, a0, a1, 32
    CHECK_SW 74, a0, a1, 64
    CHECK_SW 75, a0, a1, 128
    CHECK_SW 76, a0, a1, 252
    ld a0, 256(a1)
    CHECK 77, a0, 0x5a5a5a5a5a5a5a5a
    ld a0, 24(a1)
    CHECK 78, a0, 0x5a5a5a5a5a5a5a5a
    lw a0, 252(a1)
    CHECK 79, a0, 0x55667788

    # c.sdsp: offset = uimm[8:3], any rs2.
    li s3, 0x8877665544332211
    li ra, 0x0123456789abcdef
    la a1, cm_dsdsp
    la sp, cm_dsdsp
    c.sdsp s3, 0(sp)
    c.sdsp ra, 8(sp)
    c.sdsp s3, 16(sp)
    c.sdsp ra, 32(sp)
    c.sdsp s3, 64(sp)
    c.sdsp ra, 128(sp)
    c.sdsp s3, 256(sp)
    c.sdsp ra, 504(sp)
    mv sp, s2
    ld a0, 0(a1)
    CHECK 80, a0, 0x8877665544332211
    ld a0, 8(a1)
    CHECK 81, a0, 0x0123456789abcdef
    ld a0, 16(a1)
    CHECK 82, a0, 0x8877665544332211
    ld a0, 32(a1)
    CHECK 83, a0, 0x0123456789abcdef
    ld a0, 64(a1)
    CHECK 84, a0, 0x8877665544332211
    ld a0, 128(a1)
    CHECK 85, a0, 0x0123456789abcdef
    ld a0, 256(a1)
    CHECK 86, a0, 0x8877665544332211
    ld a0, 504(a1)
    CHECK 87, a0, 0x0123456789abcdef
    ld a0, 512(a1)
    CHECK 88, a0, 0x5a5a5a5a5a5a5a5a
    ld a0, 24(a1)
    CHECK 89, a0, 0x5a5a5a5a5a5a5a5a

    # c.sdsp of sp itself stores the address.
    la sp, cm_dsdsp
    c.sdsp sp, 496(sp)
    mv sp, s2
    ld a0, 496(a1)
    li gp, 90
    beq a0, a1, 1f
    j fail
1:
"#
);
