//! RV64A faults where QEMU 7.2 deviates from the spec: an AMO where nothing answers must raise store/AMO access fault 7 (QEMU: 5, but AMOs generate store/AMO exceptions); a misaligned AMO must raise store/AMO misaligned 6 (QEMU: 4); a misaligned SC must raise 6 whether or not a reservation is held (QEMU: no trap).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# \op a0, a2, (a1) with a1 = \addr must raise store/AMO access fault with
# mtval = \addr and leave a0 and a1 unchanged.
.macro TEST_AMO_FAULT num, op, addr
    li a1, \addr
    li a2, 0x1234
    li a0, 0x5a5a
    EXPECT_TRAP \num, 7, \addr
    \op a0, a2, (a1)
    TRAP_DONE
    CHECK \num, a0, 0x5a5a
    CHECK \num, a1, \addr
.endm

# As EXPECT_TRAP, with mtval = the address \sym (a symbol expression).
.macro EXPECT_TRAP_SYM num, cause, sym
    li gp, \num
    li s10, \cause
    la s11, \sym
    la s9, 8f
    la s8, 7f
    la t0, check_trap
    csrw mtvec, t0
8:
.endm

# Fail unless mbuf still holds its initial contents.
.macro CHECK_MBUF num
    la a1, mbuf
    ld a0, 0(a1)
    CHECK \num, a0, 0x0123456789abcdef
    ld a0, 8(a1)
    CHECK \num, a0, 0xfedcba9876543210
    ld a0, 16(a1)
    CHECK \num, a0, 0x5a5a5a5aa5a5a5a5
.endm

# \op a0, a2, (a1) with a1 = mbuf + \off (misaligned) must raise store/AMO
# address misaligned with mtval = the address, leave a0 unchanged and
# write nothing.
.macro TEST_MIS num, op, off
    la a1, mbuf + \off
    li a2, 0x1234
    li a0, 0x5a5a
    EXPECT_TRAP_SYM \num, 6, mbuf + \off
    \op a0, a2, (a1)
    TRAP_DONE
    CHECK \num, a0, 0x5a5a
    CHECK_MBUF \num
.endm

    # ---- AMOs where nothing answers: store/AMO access fault (7) ----
    TEST_AMO_FAULT 1, amoswap.w, 0x90000000
    TEST_AMO_FAULT 2, amoadd.w, 0x90000000
    TEST_AMO_FAULT 3, amoxor.w, 0x90000000
    TEST_AMO_FAULT 4, amoand.w, 0x90000000
    TEST_AMO_FAULT 5, amoor.w, 0x90000000
    TEST_AMO_FAULT 6, amomin.w, 0x90000000
    TEST_AMO_FAULT 7, amomax.w, 0x90000000
    TEST_AMO_FAULT 8, amominu.w, 0x90000000
    TEST_AMO_FAULT 9, amomaxu.w, 0x90000000
    TEST_AMO_FAULT 10, amoswap.d, 0x90000000
    TEST_AMO_FAULT 11, amoadd.d, 0x90000000
    TEST_AMO_FAULT 12, amoxor.d, 0x90000000
    TEST_AMO_FAULT 13, amoand.d, 0x90000000
    TEST_AMO_FAULT 14, amoor.d, 0x90000000
    TEST_AMO_FAULT 15, amomin.d, 0x90000000
    TEST_AMO_FAULT 16, amomax.d, 0x90000000
    TEST_AMO_FAULT 17, amominu.d, 0x90000000
    TEST_AMO_FAULT 18, amomaxu.d, 0x90000000
    TEST_AMO_FAULT 19, amoadd.w.aqrl, 0x90000004
    TEST_AMO_FAULT 20, amoswap.d.aq, 0x90000008
    TEST_AMO_FAULT 21, amoor.d.rl, 0x0
    TEST_AMO_FAULT 22, amomaxu.w.aqrl, 0x0
    # rd = x0 still faults.
    li a1, 0x90000000
    li a2, 1
    EXPECT_TRAP 23, 7, 0x90000000
    amoadd.w x0, a2, (a1)
    TRAP_DONE
    # rd = rs1: the address register keeps its value.
    li a1, 0x90000010
    EXPECT_TRAP 24, 7, 0x90000010
    amoswap.d a1, a2, (a1)
    TRAP_DONE
    CHECK 24, a1, 0x90000010

    # ---- Misaligned AMOs: store/AMO address misaligned (6), nothing written ----
    TEST_MIS 30, amoswap.w, 2
    TEST_MIS 31, amoadd.w, 2
    TEST_MIS 32, amoxor.w, 2
    TEST_MIS 33, amoand.w, 2
    TEST_MIS 34, amoor.w, 2
    TEST_MIS 35, amomin.w, 2
    TEST_MIS 36, amomax.w, 2
    TEST_MIS 37, amominu.w, 2
    TEST_MIS 38, amomaxu.w, 2
    TEST_MIS 39, amoadd.w, 1
    TEST_MIS 40, amoswap.w, 3
    TEST_MIS 41, amoor.w, 6
    TEST_MIS 42, amomaxu.w.aqrl, 10
    TEST_MIS 43, amoswap.d, 4
    TEST_MIS 44, amoadd.d, 4
    TEST_MIS 45, amoxor.d, 4
    TEST_MIS 46, amoand.d, 4
    TEST_MIS 47, amoor.d, 4
    TEST_MIS 48, amomin.d, 4
    TEST_MIS 49, amomax.d, 4
    TEST_MIS 50, amominu.d, 4
    TEST_MIS 51, amomaxu.d, 4
    TEST_MIS 52, amoadd.d, 1
    TEST_MIS 53, amoswap.d, 2
    TEST_MIS 54, amoxor.d, 6
    TEST_MIS 55, amominu.d, 12
    TEST_MIS 56, amoand.d.aq, 4
    TEST_MIS 57, amomin.d.rl, 3

    # ---- Misaligned SC with no reservation: store/AMO address misaligned ----
    TEST_MIS 60, sc.w, 2
    TEST_MIS 61, sc.w, 1
    TEST_MIS 62, sc.d, 4
    TEST_MIS 63, sc.d, 3
    TEST_MIS 64, sc.w.rl, 6
    TEST_MIS 65, sc.d.aqrl, 12

    # ---- Misaligned SC after an LR of the aligned word or doubleword ----
    la a1, mbuf
    lr.w a0, (a1)
    TEST_MIS 66, sc.w, 2
    la a1, mbuf
    lr.d a0, (a1)
    TEST_MIS 67, sc.d, 4
    la a1, mbuf + 8
    lr.d.aq a0, (a1)
    TEST_MIS 68, sc.d.rl, 9

.data
.balign 8
mbuf:
    .dword 0x0123456789abcdef
    .dword 0xfedcba9876543210
    .dword 0x5a5a5a5aa5a5a5a5
.text
"#
);
