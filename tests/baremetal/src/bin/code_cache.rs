//! Code changed by stores is seen by the next fetch even before any fence.i (the decoded-instruction cache drops what stores change): sw, sh, sb and AMOs over code that has run, and a loop that patches itself.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # Encodings are taken from templates assembled here (never executed).
    j .Lstart
.Ltpl_li1:   li a0, 1
.Ltpl_li2:   li a0, 2
.Ltpl_li9:   li a0, 9
.Ltpl_add100: addi a3, a3, 100
.Lstart:

    # 1. Run a function a few times, then overwrite it with sw.
    li a4, 3
1:  call .Lfn
    addi a4, a4, -1
    bnez a4, 1b
    CHECK 1, a0, 1
    la a1, .Ltpl_li2
    lw a2, 0(a1)
    la a1, .Lfn
    sw a2, 0(a1)
    call .Lfn
    CHECK 2, a0, 2

    # 2. The upper half with sh, one byte with sb.
    la a1, .Lfn
    li a2, 0x0030
    sh a2, 2(a1)
    call .Lfn
    CHECK 3, a0, 3
    li a2, 0x70
    sb a2, 2(a1)
    call .Lfn
    CHECK 4, a0, 7

    # 3. An AMO swaps the instruction in.
    la a1, .Ltpl_li9
    lw a2, 0(a1)
    la a1, .Lfn
    amoswap.w a3, a2, (a1)
    call .Lfn
    CHECK 5, a0, 9

    # 4. A loop body patched between iterations: 1 once, then 100 twice.
    li a3, 0
    li a4, 3
1:
2:  addi a3, a3, 1
    la a1, .Ltpl_add100
    lw a2, 0(a1)
    la a1, 2b
    sw a2, 0(a1)
    addi a4, a4, -1
    bnez a4, 1b
    CHECK 6, a3, 201

    # 5. Back to the original, once more.
    la a1, .Ltpl_li1
    lw a2, 0(a1)
    la a1, .Lfn
    sw a2, 0(a1)
    call .Lfn
    CHECK 7, a0, 1

    j .Lend
.Lfn:
    li a0, 1
    ret
.Lend:
"#
);
