//! Exact counter values, which QEMU 7.2 does not give (its cycle/instret count host ticks): minstret counts retired instructions exactly, a write to minstret is what the next instruction reads, and time advances by 1 per 10 instructions on rvsim.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# Fail unless \a - \b == \expected (clobbers a6).
.macro CHECK_DIFF num, a, b, expected
    sub a6, \a, \b
    CHECK \num, a6, \expected
.endm

.option push
.option norvc
    # A read returns the count of instructions retired before it: the first
    # csrr and the 10 nops retire between the two reads.
    csrr s0, minstret
    nop
    nop
    nop
    nop
    nop
    nop
    nop
    nop
    nop
    nop
    csrr s1, minstret
    CHECK_DIFF 1, s1, s0, 11
    # Back to back.
    csrr s0, minstret
    csrr s1, minstret
    CHECK_DIFF 2, s1, s0, 1
    # instret is the same counter.
    csrr s0, minstret
    csrr s1, instret
    CHECK_DIFF 3, s1, s0, 1
    # A write replaces the writing instruction's own increment: the next
    # instruction reads exactly the value written (privileged spec, CSR
    # access instructions and side-effect counters).
    li a1, 1000
    csrw minstret, a1
    csrr s0, minstret
    CHECK 4, s0, 1000
    csrw minstret, a1
    csrr s0, instret
    CHECK 5, s0, 1000
    csrw minstret, a1
    nop
    csrr s0, minstret
    CHECK 6, s0, 1001
    # csrrw reads the old value (the count before it) and writes the new one.
    li a1, 5000
    csrr s0, minstret
    csrrw s1, minstret, a1
    csrr s2, minstret
    CHECK_DIFF 7, s1, s0, 1
    CHECK 8, s2, 5000
    # csrrs with a nonzero source: the written value also wins over the
    # increment.
    li a1, 0x100
    csrw minstret, zero
    csrrs s1, minstret, a1
    csrr s2, minstret
    CHECK 9, s1, 0
    CHECK 10, s2, 0x100
.option pop

    # --- mcycle advances at least as fast as minstret ---
    csrr s0, mcycle
    csrr s1, minstret
    li a5, 1000
1:  addi a5, a5, -1
    bnez a5, 1b
    csrr s2, mcycle
    csrr s3, minstret
    sub s0, s2, s0
    sub s1, s3, s1
    li gp, 20
    bltu s0, s1, fail
    li gp, 21
    li a1, 2000
    bltu s1, a1, fail

    # --- time: 1 tick per 10 instructions (10000 instructions here) ---
    csrr s0, time
    li a5, 5000
1:  addi a5, a5, -1
    bnez a5, 1b
    csrr s1, time
    sub s1, s1, s0
    li gp, 30
    li a1, 500
    bltu s1, a1, fail
    li gp, 31
    li a1, 5000
    bgeu s1, a1, fail
"#
);
