//! RV64A: every AMO in .w and .d form (old value to rd, sign-extended for .w; new value in memory; neighbours untouched; signed/unsigned min/max; rd = x0; aliasing; aq/rl), and LR/SC success, failure and reservation rules.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
.equ GUARD, 0xc3c3c3c3c3c3c3c3
.equ GUARDW, 0xffffffffc3c3c3c3

# Fail unless \reg is nonzero.
.macro CHECK_NONZERO num, reg
    li gp, \num
    bnez \reg, 9f
    j fail
9:
.endm

# Fills abuf (24 bytes) with GUARD; a4 = abuf + \off.
.macro ABUF off
    la a4, abuf
    li t1, GUARD
    sd t1, 0(a4)
    sd t1, 8(a4)
    sd t1, 16(a4)
    addi a4, a4, \off
.endm

# The word at abuf + 8 + \off (\off = 0 or 4) holds \init; then
# \op a0, rs2 = \src, (a4). a0 must be \old, the word \new (both given
# sign-extended), the words either side unchanged, and rs1/rs2 unchanged.
.macro TEST_AMO_W num, op, off, init, src, old, new
    ABUF (8 + \off)
    li a3, \init
    sw a3, 0(a4)
    li a2, \src
    li a0, 0x5555
    \op a0, a2, (a4)
    CHECK \num, a0, \old
    lw a0, 0(a4)
    CHECK \num, a0, \new
    lw a0, -4(a4)
    CHECK \num, a0, GUARDW
    lw a0, 4(a4)
    CHECK \num, a0, GUARDW
    CHECK \num, a2, \src
    la a0, abuf + 8 + \off
    CHECK_EQ_REG \num, a4, a0
.endm

# The same for the doubleword at abuf + 8.
.macro TEST_AMO_D num, op, init, src, old, new
    ABUF 8
    li a3, \init
    sd a3, 0(a4)
    li a2, \src
    li a0, 0x5555
    \op a0, a2, (a4)
    CHECK \num, a0, \old
    ld a0, 0(a4)
    CHECK \num, a0, \new
    ld a0, -8(a4)
    CHECK \num, a0, GUARD
    ld a0, 8(a4)
    CHECK \num, a0, GUARD
    CHECK \num, a2, \src
.endm

# Fail unless registers \a and \b are equal.
.macro CHECK_EQ_REG num, a, b
    li gp, \num
    beq \a, \b, 9f
    j fail
9:
.endm

# Fills the 8 bytes either side of lrs_a with GUARD and the doubleword
# itself with \init; a4 = lrs_a.
.macro LRS_A init
    la a4, lrs_a
    li t1, GUARD
    sd t1, -8(a4)
    sd t1, 8(a4)
    li t1, \init
    sd t1, 0(a4)
.endm

    # ---- SC with no reservation: nothing has executed LR yet ----
    LRS_A 0x0123456789abcdef
    li a2, 0x11111111
    li a5, 0
    sc.w a5, a2, (a4)
    CHECK_NONZERO 1, a5
    ld a0, 0(a4)
    CHECK 2, a0, 0x0123456789abcdef
    li a5, 0
    sc.d a5, a2, (a4)
    CHECK_NONZERO 3, a5
    ld a0, 0(a4)
    CHECK 4, a0, 0x0123456789abcdef

    # ---- LR.W then SC.W succeeds; a second SC.W fails ----
    LRS_A 0x2222222280000000
    lr.w a0, (a4)
    CHECK 5, a0, 0xffffffff80000000
    li a2, 0xdeadbeef13579bdf
    li a5, 0x55
    sc.w a5, a2, (a4)
    CHECK 6, a5, 0
    ld a0, 0(a4)
    CHECK 7, a0, 0x2222222213579bdf
    lw a0, -4(a4)
    CHECK 8, a0, GUARDW
    li a2, 0x2468
    li a5, 0
    sc.w a5, a2, (a4)
    CHECK_NONZERO 9, a5
    ld a0, 0(a4)
    CHECK 10, a0, 0x2222222213579bdf

    # ---- LR.D then SC.D succeeds; a second SC.D fails ----
    LRS_A 0x8000000000000001
    lr.d a0, (a4)
    CHECK 11, a0, 0x8000000000000001
    li a2, 0xfedcba9876543210
    li a5, 0x55
    sc.d a5, a2, (a4)
    CHECK 12, a5, 0
    ld a0, 0(a4)
    CHECK 13, a0, 0xfedcba9876543210
    ld a0, -8(a4)
    CHECK 14, a0, GUARD
    ld a0, 8(a4)
    CHECK 14, a0, GUARD
    li a2, 0x2468
    li a5, 0
    sc.d a5, a2, (a4)
    CHECK_NONZERO 15, a5
    ld a0, 0(a4)
    CHECK 16, a0, 0xfedcba9876543210

    # ---- SC to an address other than the LR's (another page) fails ----
    LRS_A 0x1111
    la a3, lrs_b
    li t1, 0x2222
    sd t1, 0(a3)
    li a2, 0x3333
    lr.w a0, (a4)
    li a5, 0
    sc.w a5, a2, (a3)
    CHECK_NONZERO 17, a5
    ld a0, 0(a3)
    CHECK 18, a0, 0x2222
    # The failed SC still invalidated the reservation on lrs_a.
    li a5, 0
    sc.w a5, a2, (a4)
    CHECK_NONZERO 19, a5
    ld a0, 0(a4)
    CHECK 20, a0, 0x1111
    lr.d a0, (a3)
    li a5, 0
    sc.d a5, a2, (a4)
    CHECK_NONZERO 21, a5
    ld a0, 0(a4)
    CHECK 22, a0, 0x1111
    # An SC pairs only with the most recent LR.
    lr.d a0, (a4)
    lr.d a0, (a3)
    li a5, 0
    sc.d a5, a2, (a4)
    CHECK_NONZERO 23, a5
    ld a0, 0(a4)
    CHECK 24, a0, 0x1111
    lr.w a0, (a4)
    lr.w a0, (a3)
    li a5, 0x55
    sc.w a5, a2, (a3)
    CHECK 25, a5, 0
    ld a0, 0(a3)
    CHECK 26, a0, 0x3333

    # ---- Aliasing: LR with rd = rs1, SC with rd = rs2, SC with rd = x0 ----
    LRS_A 0x80000000
    lr.w a4, (a4)
    CHECK 27, a4, 0xffffffff80000000
    la a4, lrs_a
    li a2, 0x7777
    sc.w a2, a2, (a4)
    CHECK 28, a2, 0
    ld a0, 0(a4)
    CHECK 29, a0, 0x7777
    lr.d a0, (a4)
    CHECK 30, a0, 0x7777
    li a2, 0x99
    sc.d x0, a2, (a4)
    ld a0, 0(a4)
    CHECK 31, a0, 0x99
    CHECK 32, x0, 0

    # ---- LR/SC increment loops ----
    LRS_A 0xffffffff00000000
    li a1, 10
1:  lr.w a0, (a4)
    addi a0, a0, 1
    sc.w a5, a0, (a4)
    bnez a5, 1b
    addi a1, a1, -1
    bnez a1, 1b
    ld a0, 0(a4)
    CHECK 33, a0, 0xffffffff0000000a
    li a2, 0x100000001
    li a1, 5
1:  lr.d.aq a0, (a4)
    add a0, a0, a2
    sc.d.rl a5, a0, (a4)
    bnez a5, 1b
    addi a1, a1, -1
    bnez a1, 1b
    ld a0, 0(a4)
    CHECK 34, a0, 0x000000040000000f

    # ---- aq/rl variants of LR/SC ----
    LRS_A 0xaaaaaaaa87654321
    lr.w.aqrl a0, (a4)
    CHECK 35, a0, 0xffffffff87654321
    li a2, 0x12345678
    li a5, 0x55
    sc.w.aqrl a5, a2, (a4)
    CHECK 36, a5, 0
    ld a0, 0(a4)
    CHECK 37, a0, 0xaaaaaaaa12345678
    li a5, 0
    sc.w.rl a5, a2, (a4)
    CHECK_NONZERO 38, a5
    lr.d.aq a0, (a4)
    CHECK 39, a0, 0xaaaaaaaa12345678
    li a5, 0x55
    sc.d.rl a5, a2, (a4)
    CHECK 40, a5, 0
    ld a0, 0(a4)
    CHECK 41, a0, 0x12345678
    li a5, 0
    sc.d.aqrl a5, x0, (a4)
    CHECK_NONZERO 42, a5
    ld a0, 0(a4)
    CHECK 43, a0, 0x12345678

    # AMO .w: rd = sign-extended old word, memory = op(old, low word of rs2)
    TEST_AMO_W 50, amoswap.w, 0, 0x80000000, 0x1234567812345678, 0xffffffff80000000, 0x12345678
    TEST_AMO_W 51, amoswap.w, 4, 0x7fffffff, 0xffffffff, 0x7fffffff, 0xffffffffffffffff
    TEST_AMO_W 52, amoadd.w, 0, 0xffffffff, 0x1, 0xffffffffffffffff, 0x0
    TEST_AMO_W 53, amoadd.w, 4, 0x7fffffff, 0x1, 0x7fffffff, 0xffffffff80000000
    TEST_AMO_W 54, amoadd.w, 0, 0xa, 0x1234567800000005, 0xa, 0xf
    TEST_AMO_W 55, amoadd.w, 4, 0x80000000, 0x80000000, 0xffffffff80000000, 0x0
    TEST_AMO_W 56, amoxor.w, 0, 0xf0f0f0f0, 0xffffffff0ff00ff0, 0xfffffffff0f0f0f0, 0xffffffffff00ff00
    TEST_AMO_W 57, amoxor.w, 4, 0x12345678, 0x12345678, 0x12345678, 0x0
    TEST_AMO_W 58, amoand.w, 0, 0xffffffff, 0x123456788000ffff, 0xffffffffffffffff, 0xffffffff8000ffff
    TEST_AMO_W 59, amoand.w, 4, 0x8765abcd, 0xffffffff0000ffff, 0xffffffff8765abcd, 0xabcd
    TEST_AMO_W 60, amoor.w, 0, 0x80000000, 0xdeadbeef00000001, 0xffffffff80000000, 0xffffffff80000001
    TEST_AMO_W 61, amoor.w, 4, 0xff00ff, 0xff00ff00, 0xff00ff, 0xffffffffffffffff
    TEST_AMO_W 62, amomin.w, 0, 0x5, 0x80000000, 0x5, 0xffffffff80000000
    TEST_AMO_W 63, amomin.w, 4, 0x80000000, 0x1, 0xffffffff80000000, 0xffffffff80000000
    TEST_AMO_W 64, amomin.w, 0, 0xffffffff, 0xffffffff00000000, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_AMO_W 65, amomin.w, 4, 0x7fffffff, 0xdeadbeeffffffffe, 0x7fffffff, 0xfffffffffffffffe
    TEST_AMO_W 66, amomax.w, 0, 0xffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x1
    TEST_AMO_W 67, amomax.w, 4, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff
    TEST_AMO_W 68, amomax.w, 0, 0x5, 0x100000003, 0x5, 0x5
    TEST_AMO_W 69, amomax.w, 4, 0x7, 0x80000000, 0x7, 0x7
    TEST_AMO_W 70, amominu.w, 0, 0x2, 0xffffffff00000001, 0x2, 0x1
    TEST_AMO_W 71, amominu.w, 4, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff
    TEST_AMO_W 72, amominu.w, 0, 0x1, 0x80000000, 0x1, 0x1
    TEST_AMO_W 73, amominu.w, 4, 0xffffffff, 0xdeadbeeffffffffe, 0xffffffffffffffff, 0xfffffffffffffffe
    TEST_AMO_W 74, amomaxu.w, 0, 0x7fffffff, 0x80000000, 0x7fffffff, 0xffffffff80000000
    TEST_AMO_W 75, amomaxu.w, 4, 0xffffffff, 0x100000001, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_AMO_W 76, amomaxu.w, 0, 0x1, 0xffffffff00000000, 0x1, 0x1
    TEST_AMO_W 77, amomaxu.w, 4, 0x5, 0xdeadbeeffffffff0, 0x5, 0xfffffffffffffff0

    # AMO .d: rd = old doubleword, memory = op(old, rs2)
    TEST_AMO_D 78, amoswap.d, 0x8000000000000001, 0x123456789abcdef, 0x8000000000000001, 0x123456789abcdef
    TEST_AMO_D 79, amoswap.d, 0xffffffffffffffff, 0x0, 0xffffffffffffffff, 0x0
    TEST_AMO_D 80, amoadd.d, 0xffffffffffffffff, 0x1, 0xffffffffffffffff, 0x0
    TEST_AMO_D 81, amoadd.d, 0xffffffff, 0x1, 0xffffffff, 0x100000000
    TEST_AMO_D 82, amoadd.d, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff, 0x8000000000000000
    TEST_AMO_D 83, amoadd.d, 0x123456789abcdef0, 0xfedcba987654321, 0x123456789abcdef0, 0x2222222222222211
    TEST_AMO_D 84, amoxor.d, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff0
    TEST_AMO_D 85, amoand.d, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0, 0xf000f000f000f000
    TEST_AMO_D 86, amoor.d, 0xf0f0f0f0f0f0f0f0, 0xf000f000f000f00, 0xf0f0f0f0f0f0f0f0, 0xfff0fff0fff0fff0
    TEST_AMO_D 87, amoor.d, 0x0, 0x8000000000000000, 0x0, 0x8000000000000000
    TEST_AMO_D 88, amomin.d, 0x8000000000000000, 0x1, 0x8000000000000000, 0x8000000000000000
    TEST_AMO_D 89, amomin.d, 0x1, 0x8000000000000000, 0x1, 0x8000000000000000
    TEST_AMO_D 90, amomin.d, 0xffffffffffffffff, 0x0, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_AMO_D 91, amomin.d, 0x100000000, 0x200000000, 0x100000000, 0x100000000
    TEST_AMO_D 92, amomin.d, 0x100000000, 0xffffffff, 0x100000000, 0xffffffff
    TEST_AMO_D 93, amomax.d, 0xffffffffffffffff, 0x0, 0xffffffffffffffff, 0x0
    TEST_AMO_D 94, amomax.d, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff
    TEST_AMO_D 95, amomax.d, 0x200000000, 0x1ffffffff, 0x200000000, 0x200000000
    TEST_AMO_D 96, amomax.d, 0xfffffffffffffffe, 0xffffffffffffffff, 0xfffffffffffffffe, 0xffffffffffffffff
    TEST_AMO_D 97, amominu.d, 0xffffffffffffffff, 0x0, 0xffffffffffffffff, 0x0
    TEST_AMO_D 98, amominu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff
    TEST_AMO_D 99, amominu.d, 0x100000000, 0xffffffff, 0x100000000, 0xffffffff
    TEST_AMO_D 100, amomaxu.d, 0xffffffffffffffff, 0x0, 0xffffffffffffffff, 0xffffffffffffffff
    TEST_AMO_D 101, amomaxu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000
    TEST_AMO_D 102, amomaxu.d, 0xffffffff, 0x100000000, 0xffffffff, 0x100000000

    # aq/rl variants behave the same
    TEST_AMO_W 103, amoadd.w.aqrl, 0, 0x7fffffff, 0x1, 0x7fffffff, 0xffffffff80000000
    TEST_AMO_W 104, amoswap.w.aq, 4, 0x80000000, 0x1, 0xffffffff80000000, 0x1
    TEST_AMO_W 105, amoor.w.rl, 0, 0x80000000, 0x1, 0xffffffff80000000, 0xffffffff80000001
    TEST_AMO_W 106, amominu.w.aqrl, 4, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff
    TEST_AMO_W 107, amomax.w.aq, 0, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff
    TEST_AMO_D 108, amoadd.d.aqrl, 0xffffffff, 0x1, 0xffffffff, 0x100000000
    TEST_AMO_D 109, amoswap.d.aq, 0xffffffffffffffff, 0x1234, 0xffffffffffffffff, 0x1234
    TEST_AMO_D 110, amoxor.d.rl, 0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0x7fffffffffffffff
    TEST_AMO_D 111, amomaxu.d.aqrl, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000
    TEST_AMO_D 112, amomin.d.rl, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000
    TEST_AMO_D 113, amoand.d.aq, 0xffffffffffffffff, 0xff, 0xffffffffffffffff, 0xff

    # ---- rd = x0: memory is still updated ----
    ABUF 8
    li t1, 5
    sw t1, 0(a4)
    li a2, 0xffffffff00000003
    amoadd.w x0, a2, (a4)
    CHECK 120, x0, 0
    ld a0, 0(a4)
    CHECK 121, a0, 0xc3c3c3c300000008
    li a2, 0x0123456789abcdef
    amoswap.d x0, a2, (a4)
    CHECK 122, x0, 0
    ld a0, 0(a4)
    CHECK 123, a0, 0x0123456789abcdef
    li a2, 0xff
    amominu.d x0, a2, (a4)
    ld a0, 0(a4)
    CHECK 124, a0, 0xff
    li a2, 0xffffffff80000000
    amomaxu.w x0, a2, (a4)
    ld a0, 0(a4)
    CHECK 125, a0, 0x80000000

    # ---- rd = rs2: rs2 is read before rd is written ----
    ABUF 8
    li t1, 0x80000000
    sw t1, 0(a4)
    li a2, 0x1234
    amoswap.w a2, a2, (a4)
    CHECK 126, a2, 0xffffffff80000000
    ld a0, 0(a4)
    CHECK 127, a0, 0xc3c3c3c300001234
    li t1, 100
    sd t1, 0(a4)
    li a2, 5
    amoadd.d a2, a2, (a4)
    CHECK 128, a2, 100
    ld a0, 0(a4)
    CHECK 129, a0, 105
    li a2, -1
    amomin.w a2, a2, (a4)
    CHECK 130, a2, 105
    ld a0, 0(a4)
    CHECK 131, a0, 0x00000000ffffffff

    # ---- rd = rs1: the address is read before rd is written ----
    ABUF 8
    li t1, 1000
    sd t1, 0(a4)
    li a2, 24
    amoadd.d a4, a2, (a4)
    CHECK 132, a4, 1000
    la a4, abuf + 8
    ld a0, 0(a4)
    CHECK 133, a0, 1024
    li t1, 0xfffffff0
    sw t1, 0(a4)
    li a2, 0xf
    amoor.w a4, a2, (a4)
    CHECK 134, a4, 0xfffffffffffffff0
    la a4, abuf + 8
    lw a0, 0(a4)
    CHECK 135, a0, 0xffffffffffffffff
    lw a0, 4(a4)
    CHECK 136, a0, 0
    ld a0, 8(a4)
    CHECK 137, a0, GUARD

.data
.balign 8
abuf: .space 24
.balign 8
    .dword 0
lrs_a: .dword 0
    .dword 0
.balign 4096
    .space 64
lrs_b: .dword 0
.text
"#
);
