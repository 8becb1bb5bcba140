//! Zifencei and FENCE: self-modifying code (sw/sh/sb over executed code, code written to RAM, an instruction across a page boundary) run after fence.i; fence variants execute as no-ops.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # Encodings are taken from templates assembled here (never executed).
    j .Lstart
.Ltpl_li1:   li a0, 1
.Ltpl_li2:   li a0, 2
.Ltpl_li42:  li a0, 42
.Ltpl_li43:  li a0, 43
.Ltpl_li77:  li a0, 77
.Ltpl_li78:  li a0, 78
.Ltpl_ret:   ret
.Ltpl_add100: addi a3, a3, 100
.Lstart:

    # 1. Overwrite the instruction right after fence.i.
    la a1, .Ltpl_li2
    lw a2, 0(a1)
    la a1, 1f
    sw a2, 0(a1)
    fence.i
1:  li a0, 1
    CHECK 1, a0, 2

    # 2. A function run several times, then patched: each fence.i makes
    # the new code visible.
    li a4, 5
    li a5, 0
1:  call .Lpatch_fn
    add a5, a5, a0
    addi a4, a4, -1
    bnez a4, 1b
    CHECK 2, a5, 5
    la a1, .Ltpl_li2
    lw a2, 0(a1)
    la a1, .Lpatch_fn
    sw a2, 0(a1)
    fence.i
    call .Lpatch_fn
    CHECK 3, a0, 2
    call .Lpatch_fn
    CHECK 4, a0, 2
    # Upper half only: imm field 2 -> 3 (li a0, 3 = 0x00300513).
    la a1, .Lpatch_fn
    li a2, 0x0030
    sh a2, 2(a1)
    fence.i
    call .Lpatch_fn
    CHECK 5, a0, 3
    # One byte: 0x00300513 -> 0x00700513 (li a0, 7).
    la a1, .Lpatch_fn
    li a2, 0x70
    sb a2, 2(a1)
    fence.i
    call .Lpatch_fn
    CHECK 6, a0, 7
    # A compressed pair: c.li a0, 5 (0x4515) then c.nop (0x0001).
    la a1, .Lpatch_fn
    li a2, 0x00014515
    sw a2, 0(a1)
    fence.i
    call .Lpatch_fn
    CHECK 7, a0, 5
    # And back to the original.
    la a1, .Ltpl_li1
    lw a2, 0(a1)
    la a1, .Lpatch_fn
    sw a2, 0(a1)
    fence.i
    call .Lpatch_fn
    CHECK 8, a0, 1
    # The patched code reads back as data.
    la a1, .Lpatch_fn
    lw a0, 0(a1)
    la a1, .Ltpl_li1
    lw a2, 0(a1)
    li gp, 9
    beq a0, a2, 1f
    j fail
1:

    # 3. Patch a loop body between iterations: the first iteration adds 1,
    # the next two add 100.
    li a3, 0
    li a4, 3
1:
2:  addi a3, a3, 1
    la a1, .Ltpl_add100
    lw a2, 0(a1)
    la a1, 2b
    sw a2, 0(a1)
    fence.i
    addi a4, a4, -1
    bnez a4, 1b
    CHECK 10, a3, 201

    # 4. Code written to a RAM buffer (.data), run, rewritten, run again.
    la a1, .Ltpl_li42
    lw a2, 0(a1)
    la a1, code_buf
    sw a2, 0(a1)
    la a3, .Ltpl_ret
    lw a2, 0(a3)
    sw a2, 4(a1)
    fence.i
    li a0, 0
    jalr ra, 0(a1)
    CHECK 11, a0, 42
    la a3, .Ltpl_li43
    lw a2, 0(a3)
    la a1, code_buf
    sw a2, 0(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK 12, a0, 43
    # Run it again without changes: still 43.
    la a1, code_buf
    jalr ra, 0(a1)
    CHECK 13, a0, 43
    # Write with sd (both instructions at once): li a0, 42; ret.
    la a1, .Ltpl_li42
    lwu a2, 0(a1)
    la a1, .Ltpl_ret
    lwu a3, 0(a1)
    slli a3, a3, 32
    or a2, a2, a3
    la a1, code_buf
    sd a2, 0(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK 14, a0, 42

    # 5. A 32-bit instruction across a page boundary (legal with C: it
    # is 2-byte aligned), then its second half rewritten alone.
    la a1, .Ltpl_li77
    lhu a2, 0(a1)
    lhu a3, 2(a1)
    la a1, page_buf + 4094
    sh a2, 0(a1)
    sh a3, 2(a1)
    la a4, .Ltpl_ret
    lhu a2, 0(a4)
    lhu a3, 2(a4)
    sh a2, 4(a1)
    sh a3, 6(a1)
    fence.i
    li a0, 0
    jalr ra, 0(a1)
    CHECK 15, a0, 77
    # li a0, 77 -> li a0, 78: only the upper half (in the second page).
    la a1, .Ltpl_li78
    lhu a2, 2(a1)
    la a1, page_buf + 4096
    sh a2, 0(a1)
    fence.i
    la a1, page_buf + 4094
    jalr ra, 0(a1)
    CHECK 16, a0, 78

    # 6. FENCE forms execute as no-ops (registers unchanged).
    li a0, 0x1234
    li a1, 0x5678
    fence
    fence rw, rw
    fence iorw, iorw
    fence r, r
    fence w, w
    fence i, o
    fence rw, w
    fence.tso
    # pause (fence w, 0)
    .4byte 0x0100000f
    # fence 0, 0 (a hint)
    .4byte 0x0000000f
    # fence with reserved fm = 0001
    .4byte 0x1ff0000f
    # fence iorw, iorw with rd = a0 and rs1 = a1 (reserved fields, ignored)
    .4byte 0x0ff5850f
    CHECK 17, a0, 0x1234
    CHECK 18, a1, 0x5678
    # fence.i with rd = a0, rs1 = a1, imm = 0x123 (ignored fields)
    .4byte 0x1235950f
    CHECK 19, a0, 0x1234
    CHECK 20, a1, 0x5678
    # Memory is unaffected by fences.
    la a1, code_buf
    li a2, 0x1122334455667788
    sd a2, 8(a1)
    fence rw, rw
    ld a0, 8(a1)
    fence.i
    CHECK 21, a0, 0x1122334455667788

    # 7. fence.i with reserved fields still synchronizes.
    la a1, .Ltpl_li2
    lw a2, 0(a1)
    la a1, 1f
    sw a2, 0(a1)
    .4byte 0xfff0108f
1:  li a0, 1
    CHECK 22, a0, 2

    j .Lend
.Lpatch_fn:
    li a0, 1
    ret
.Lend:

    .data
    .balign 8
code_buf:
    .space 16
    .balign 4096
page_buf:
    .space 8192
    .text
"#
);
