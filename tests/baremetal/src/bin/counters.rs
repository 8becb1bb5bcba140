//! Zicntr counters in M-mode: cycle, time, instret and mcycle, minstret increase, time matches the CLINT's mtime, mcycle/minstret are writable and 64 bits wide.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# Runs a short loop (clobbers a5).
.macro SPIN n
    li a5, \n
1:  addi a5, a5, -1
    bnez a5, 1b
.endm

# Fails case \num unless \a < \b (unsigned).
.macro CHECK_LTU num, a, b
    li gp, \num
    bltu \a, \b, 9f
    j fail
9:
.endm

    # --- every counter increases across a loop (reads do not trap) ---
    csrr s0, cycle
    csrr s1, instret
    csrr s2, mcycle
    csrr s3, minstret
    SPIN 1000
    csrr a0, cycle
    csrr a1, instret
    csrr a2, mcycle
    csrr a3, minstret
    CHECK_LTU 1, s0, a0
    CHECK_LTU 2, s1, a1
    CHECK_LTU 3, s2, a2
    CHECK_LTU 4, s3, a3

    # --- time advances while spinning ---
    csrr s0, time
    li a5, 10000000
1:  csrr a0, time
    bne a0, s0, 2f
    addi a5, a5, -1
    bnez a5, 1b
    li gp, 5
    j fail
2:  CHECK_LTU 6, s0, a0

    # --- time is the CLINT's mtime: mtime1 <= time <= mtime2 ---
    li a4, 0x200bff8
    ld s0, 0(a4)
    csrr a0, time
    ld s1, 0(a4)
    li gp, 7
    bltu a0, s0, fail
    li gp, 8
    bltu s1, a0, fail

    # --- mcycle and minstret are writable; cycle and instret follow ---
    li s0, 1<<40
    li s1, (1<<40)+(1<<30)
    csrw mcycle, s0
    csrr a0, mcycle
    li gp, 10
    bltu a0, s0, fail
    CHECK_LTU 11, a0, s1
    csrr a0, cycle
    li gp, 12
    bltu a0, s0, fail
    CHECK_LTU 13, a0, s1

    csrw minstret, s0
    csrr a0, minstret
    li gp, 14
    bltu a0, s0, fail
    CHECK_LTU 15, a0, s1
    csrr a0, instret
    li gp, 16
    bltu a0, s0, fail
    CHECK_LTU 17, a0, s1

    # --- carry into bit 32 ---
    li s0, 0xfffffff0
    li s1, 0x100000000
    li s2, 0x100000000+(1<<30)
    csrw mcycle, s0
    csrw minstret, s0
    SPIN 10000
    csrr a0, mcycle
    csrr a1, minstret
    li gp, 20
    bltu a0, s1, fail
    CHECK_LTU 21, a0, s2
    li gp, 22
    bltu a1, s1, fail
    CHECK_LTU 23, a1, s2

    # --- 64-bit wrap-around ---
    li s0, -16
    li s1, 1<<30
    csrw mcycle, s0
    csrw minstret, s0
    SPIN 10000
    csrr a0, mcycle
    csrr a1, minstret
    CHECK_LTU 30, a0, s1
    CHECK_LTU 31, a1, s1
"#
);
