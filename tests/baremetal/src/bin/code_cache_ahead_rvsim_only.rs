//! Stores to the straight-line code just ahead of them, and past a branch not taken, are seen without fence.i, although rvsim has already decoded that code into the block it is running. The specification does not promise this without fence.i, and QEMU 7.2 runs the stale code; rvsim promises it (its blocks stop after a store to code).
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    j .Lstart
.Ltpl_li9:    li a0, 9
.Ltpl_add100: addi a3, a3, 100
.Lstart:

    # 1. The instruction right after the store.
    la a1, .Ltpl_li9
    lw a2, 0(a1)
    la a1, 1f
    li a0, 0
    sw a2, 0(a1)
1:  li a0, 1
    CHECK 1, a0, 9

    # 2. Three instructions on, past a branch that is not taken.
    la a1, .Ltpl_add100
    lw a2, 0(a1)
    la a1, 2f
    li a3, 5
    sw a2, 0(a1)
    beqz a3, .Lfail2
    nop
2:  addi a3, a3, 1
    CHECK 2, a3, 105

    # 3. A halfword store patching the upper half of the instruction ahead:
    #    the immediate of addi a3, a3, 1 (bits 31:20) becomes 0x7ff.
    la a1, 3f
    li a3, 0
    lhu a2, 2(a1)
    li a4, 0x7ff0
    or a2, a2, a4
    sh a2, 2(a1)
3:  addi a3, a3, 1
    CHECK 3, a3, 2047
    j .Lend
.Lfail2:
    li gp, 2
    j fail
.Lend:
"#
);
