//! RV64C control transfer: c.j, c.jr, c.jalr, c.beqz, c.bnez (incl. extreme offsets), c.ebreak, c.nop.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    # Fall-through into padding (.2byte 0, an illegal instruction) fails the
    # current case through the unexpected-trap handler.

    # c.j forward and backward.
    li gp, 1
    c.j 1f
    j fail
1:
    li gp, 2
    c.j 2f
1:  c.j 3f
2:  c.j 1b
    j fail
3:
    # c.j at its largest forward offset, +2046.
    li gp, 3
    c.j 1f
    .rept 1022
    .2byte 0
    .endr
1:
    # c.j at its largest backward offset, -2048.
    li gp, 4
    c.j 3f
    .option push
    .option norvc
1:  jal x0, 4f
    .option pop
    .rept 1022
    .2byte 0
    .endr
3:  c.j 1b
    j fail
4:

    # c.jr: target = rs1 with bit 0 cleared; no link.
    li gp, 10
    li ra, 0x5555
    la a0, 1f
    c.jr a0
    j fail
1:  CHECK 11, ra, 0x5555
    li gp, 12
    la t1, 1f
    addi t1, t1, 1
    c.jr t1
    j fail
    j fail
1:
    li gp, 13
    la ra, 1f
    c.jr ra
    j fail
1:
    li gp, 14
    la s7, 1f
    c.jr s7
    j fail
1:

    # c.jalr: ra = address of the next instruction (pc + 2).
    li gp, 20
    la a0, 1f
    auipc a1, 0
    c.jalr a0
2:  j fail
1:  addi a1, a1, 6
    beq ra, a1, 3f
    j fail
3:  la a1, 2b
    li gp, 21
    beq ra, a1, 3f
    j fail
3:
    # c.jalr ra: the target is read before ra is written.
    li gp, 22
    la ra, 1f
    c.jalr ra
2:  j fail
1:  la a1, 2b
    beq ra, a1, 3f
    j fail
3:
    # c.jalr with an odd target address: bit 0 is cleared.
    li gp, 23
    la t2, 1f
    addi t2, t2, 1
    c.jalr t2
2:  j fail
    j fail
1:  la a1, 2b
    beq ra, a1, 3f
    j fail
3:
    # c.jalr backward, then return with c.jr ra.
    li gp, 24
    c.j 2f
1:  c.jr ra
    j fail
2:  la s6, 1b
    c.jalr s6
3:  la a1, 3b
    beq ra, a1, 4f
    j fail
4:

    # c.beqz / c.bnez: compare all 64 bits of rs1' with zero.
    li gp, 30
    li a0, 0
    c.beqz a0, 1f
    j fail
1:
    li gp, 31
    li s0, 1
    c.beqz s0, 1f
    j 2f
1:  j fail
2:
    li gp, 32
    li a5, -1
    c.beqz a5, 1f
    j 2f
1:  j fail
2:
    li gp, 33
    li s1, 0x100000000
    c.beqz s1, 1f
    j 2f
1:  j fail
2:
    li gp, 34
    li a3, 0x8000000000000000
    c.beqz a3, 1f
    j 2f
1:  j fail
2:
    li gp, 35
    li a0, -1
    c.bnez a0, 1f
    j fail
1:
    li gp, 36
    li a4, 0x100000000
    c.bnez a4, 1f
    j fail
1:
    li gp, 37
    li s0, 0x8000000000000000
    c.bnez s0, 1f
    j fail
1:
    li gp, 38
    li a1, 1
    c.bnez a1, 1f
    j fail
1:
    li gp, 39
    li a2, 0
    c.bnez a2, 1f
    j 2f
1:  j fail
2:
    # Backward branches.
    li gp, 40
    li a0, 0
    c.j 2f
1:  c.j 3f
2:  c.beqz a0, 1b
    j fail
3:
    li gp, 41
    li a0, -5
    c.j 2f
1:  c.j 3f
2:  c.bnez a0, 1b
    j fail
3:
    # Loop: c.bnez backward taken several times, then not taken.
    li gp, 42
    li a0, 5
    li a1, 0
1:  addi a1, a1, 1
    c.addi a0, -1
    c.bnez a0, 1b
    CHECK 42, a1, 5
    # Largest forward offset, +254.
    li gp, 43
    li a0, 0
    c.beqz a0, 1f
    .rept 126
    .2byte 0
    .endr
1:
    li gp, 44
    li a0, 0x80
    c.bnez a0, 1f
    .rept 126
    .2byte 0
    .endr
1:
    # Largest backward offset, -256.
    li gp, 45
    li a0, 0
    c.j 3f
    .option push
    .option norvc
1:  jal x0, 4f
    .option pop
    .rept 126
    .2byte 0
    .endr
3:  c.beqz a0, 1b
    j fail
4:
    li gp, 46
    li a0, -1
    c.j 3f
    .option push
    .option norvc
1:  jal x0, 4f
    .option pop
    .rept 126
    .2byte 0
    .endr
3:  c.bnez a0, 1b
    j fail
4:

    # c.ebreak: breakpoint, mtval 0, mepc at the c.ebreak.
    EXPECT_TRAP 50, 3, 0
    c.ebreak
    TRAP_DONE

    # c.nop: 2 bytes long, changes nothing.
    li a0, 0x123456789
    auipc a1, 0
    c.nop
    auipc a2, 0
    sub a2, a2, a1
    CHECK 51, a2, 6
    CHECK 52, a0, 0x123456789
"#
);
