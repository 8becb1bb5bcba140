//! RV64A faults QEMU agrees with: LR where nothing answers (0x90000000, 0x0) -> load access fault (5), misaligned LR -> load address misaligned (4), mtval = address, rd unchanged; SC where nothing answers fails or faults with 7. AMO faults are in atomic_rvsim_only.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# \op a0, (a1) with a1 = \addr must raise \cause with mtval = \addr and
# leave a0 unchanged.
.macro TEST_LR_FAULT num, op, cause, addr
    li a1, \addr
    li a0, 0x5a5a
    EXPECT_TRAP \num, \cause, \addr
    \op a0, (a1)
    TRAP_DONE
    CHECK \num, a0, 0x5a5a
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

# Fail unless \reg is nonzero.
.macro CHECK_NZ num, reg
    li gp, \num
    bnez \reg, 9f
    j fail
9:
.endm

# \op a0, a2, (a1) with a1 = \addr and no reservation there: either it
# traps with store/AMO access fault, mtval = \addr, mepc = the SC, and a0
# keeps its value 0; or it does not trap and writes a nonzero a0.
.macro SC_MAY_FAULT num, op, addr
    li gp, \num
    li a1, \addr
    li a2, 0x1234
    li a0, 0
    li s7, 0
    la s9, 6f
    la t0, sc_fault_handler
    csrw mtvec, t0
6:  \op a0, a2, (a1)
    la t0, unexpected_trap
    csrw mtvec, t0
    bnez s7, 5f
    CHECK_NZ \num, a0
    j 6f
5:  CHECK \num, a0, 0
6:
.endm

    j 1f
# Trap vector for SC_MAY_FAULT: checks the trap and skips the SC.
.balign 4
sc_fault_handler:
    csrr t0, mcause
    li t6, 7
    bne t0, t6, fail
    csrr t0, mtval
    bne t0, a1, fail
    csrr t0, mepc
    bne t0, s9, fail
    addi t0, t0, 4
    csrw mepc, t0
    li s7, 1
    mret
1:

    # ---- LR where nothing answers: load access fault ----
    TEST_LR_FAULT 1, lr.w, 5, 0x90000000
    TEST_LR_FAULT 2, lr.d, 5, 0x90000000
    TEST_LR_FAULT 3, lr.w.aq, 5, 0x90000004
    TEST_LR_FAULT 4, lr.d.aqrl, 5, 0x0
    li a1, 0x90000008
    EXPECT_TRAP 5, 5, 0x90000008
    lr.d a1, (a1)
    TRAP_DONE
    CHECK 5, a1, 0x90000008

    # ---- Misaligned LR: load address misaligned, mtval = address ----
    la a1, buf + 2
    li a0, 0x5a5a
    EXPECT_TRAP_SYM 6, 4, buf + 2
    lr.w a0, (a1)
    TRAP_DONE
    CHECK 6, a0, 0x5a5a
    la a1, buf + 1
    EXPECT_TRAP_SYM 7, 4, buf + 1
    lr.w a0, (a1)
    TRAP_DONE
    la a1, buf + 4
    EXPECT_TRAP_SYM 8, 4, buf + 4
    lr.d a0, (a1)
    TRAP_DONE
    CHECK 8, a0, 0x5a5a
    la a1, buf + 7
    EXPECT_TRAP_SYM 9, 4, buf + 7
    lr.d.aq a0, (a1)
    TRAP_DONE

    # ---- SC where nothing answers, with no reservation there: it may
    # fault (store/AMO access fault, mtval = address) or just fail (rd
    # nonzero); anything else is wrong. ----
    la a1, buf
    lr.w a0, (a1)
    SC_MAY_FAULT 10, sc.w, 0x90000000
    SC_MAY_FAULT 11, sc.d, 0x90000000
    SC_MAY_FAULT 12, sc.w.rl, 0x0

.data
.balign 8
buf: .dword 0x0123456789abcdef
.text
"#
);
