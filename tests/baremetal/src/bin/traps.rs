//! Machine-mode exceptions (illegal instruction, breakpoint, ecall, access faults, misaligned loads/stores) and the trap/mret side effects on mstatus and mepc.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# Fail unless registers \a and \b are equal.
.macro CHECK_EQ num, a, b
    li gp, \num
    beq \a, \b, 9f
    j fail
9:
.endm

    csrw mie, zero
    csrci mstatus, 8

    # --- illegal instruction: mtval = the instruction bits ---
    EXPECT_TRAP 1, 2, 0xffffffff
    .4byte 0xffffffff
    TRAP_DONE
    # All zeros: the defined-illegal 16-bit instruction.
    EXPECT_TRAP 2, 2, 0
    .4byte 0x00000000
    TRAP_DONE
    # Major opcode 1101011 is reserved.
    EXPECT_TRAP 3, 2, 0x00a5006b
    .4byte 0x00a5006b
    TRAP_DONE
    # LOAD with funct3 = 7 (ldu, RV128 only).
    EXPECT_TRAP 4, 2, 0x00007003
    .4byte 0x00007003
    TRAP_DONE
    # STORE with funct3 = 4 (sq, RV128 only).
    EXPECT_TRAP 5, 2, 0x00004023
    .4byte 0x00004023
    TRAP_DONE
    # uret (the removed N extension).
    EXPECT_TRAP 6, 2, 0x00200073
    .4byte 0x00200073
    TRAP_DONE
    # c.addi4spn with nzuimm = 0 is reserved: mtval holds the 16 bits only.
    EXPECT_TRAP 7, 2, 0x0004
    .2byte 0x0004
    .2byte 0x0001
    TRAP_DONE

    # --- breakpoint and ecall: mtval = 0 (set it nonzero first) ---
    li a1, 0x1234
    csrw mtval, a1
    EXPECT_TRAP 10, 3, 0
    ebreak
    TRAP_DONE
    csrw mtval, a1
    EXPECT_TRAP 11, 3, 0
    c.ebreak
    TRAP_DONE
    csrw mtval, a1
    EXPECT_TRAP 12, 11, 0
    ecall
    TRAP_DONE

    # --- load access fault: cause 5, mtval = the address ---
    li a1, 0x90000000
    EXPECT_TRAP 20, 5, 0x90000000
    lw a0, 0(a1)
    TRAP_DONE
    EXPECT_TRAP 21, 5, 0x90000010
    ld a0, 16(a1)
    TRAP_DONE
    li a2, 0x90000001
    EXPECT_TRAP 22, 5, 0x90000001
    lbu a0, 0(a2)
    TRAP_DONE
    EXPECT_TRAP 23, 5, 0x90000000
    lr.d a0, (a1)
    TRAP_DONE
    li a2, 0
    EXPECT_TRAP 24, 5, 0
    lw a0, 0(a2)
    TRAP_DONE
    # The destination is not written: lw a1, 0(a1).
    EXPECT_TRAP 25, 5, 0x90000000
    lw a1, 0(a1)
    TRAP_DONE
    CHECK 26, a1, 0x90000000

    # --- store/AMO access fault: cause 7 ---
    EXPECT_TRAP 30, 7, 0x90000000
    sw a1, 0(a1)
    TRAP_DONE
    li a2, 0x90000008
    EXPECT_TRAP 31, 7, 0x90000000
    sd a1, -8(a2)
    TRAP_DONE
    li a2, 0
    EXPECT_TRAP 32, 7, 0
    sb a1, 0(a2)
    TRAP_DONE
    # AMOs (cause 7 by the specification) are in traps_rvsim_only.

    # --- instruction access fault: mepc = mtval = the target ---
    li a1, 0x90000000
    li ra, 0
    EXPECT_TRAP_AT 40, 1, 0x90000000, 0x90000000
    jalr ra, 0(a1)
10: TRAP_DONE
    # The jump itself completed: ra holds the return address.
    la a2, 10b
    CHECK_EQ 41, ra, a2
    li a1, 0
    EXPECT_TRAP_AT 42, 1, 0, 0
    jr a1
    TRAP_DONE
    # A fetch that faults halfway through an instruction: traps_rvsim_only.

    # Misaligned loads and stores are in traps_rvsim_only.

    # --- trap and mret side effects ---
    la a1, side_handler
    csrw mtvec, a1
    # MIE = 1, MPIE = 0, MPP = 0 before the trap (mie = 0: no interrupt).
    li a1, 0x1888
    csrc mstatus, a1
    csrsi mstatus, 8
11: ecall
    # In the handler: MPP = 3 (from M), MPIE = old MIE = 1, MIE = 0.
    li a1, 0x1888
    and a0, a5, a1
    CHECK 70, a0, 0x1880
    CHECK 71, a6, 11
    la a2, 11b
    CHECK_EQ 72, a7, a2
    # After mret: MIE = MPIE = 1, MPIE = 1, MPP = U (least privileged).
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 73, a0, 0x0088
    # MIE = 0, MPIE = 1 before the trap: MPIE becomes 0.
    csrc mstatus, a1
    li a2, 0x80
    csrs mstatus, a2
    ecall
    and a0, a5, a1
    CHECK 74, a0, 0x1800
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 75, a0, 0x0080

    la a1, unexpected_trap
    csrw mtvec, a1

    # --- mret jumps to mepc ---
    li a1, 0x1800
    csrs mstatus, a1
    la a2, 12f
    csrw mepc, a2
    li gp, 80
    mret
    j fail
12:
    # A target that is 2 mod 4 (IALIGN = 16).
    li a1, 0x1800
    csrs mstatus, a1
    la a2, 13f
    csrw mepc, a2
    li gp, 81
    mret
    j fail
.option push
.option rvc
.balign 4
    c.nop
13: c.nop
.option pop
    la a2, 13b
    andi a0, a2, 3
    CHECK 82, a0, 2
    # mret to M-mode keeps MPRV (it is cleared only when MPP != M). With
    # MPP = U afterwards, MPRV = 1 would make loads/stores use U-mode, so
    # nothing touches memory before it is cleared.
    li a1, (1<<17)|0x1800
    csrs mstatus, a1
    la a2, 14f
    csrw mepc, a2
    mret
14: csrr a0, mstatus
    li a1, 1<<17
    csrc mstatus, a1
    and a0, a0, a1
    CHECK 83, a0, 1<<17
    # Direct mret with MIE = 0, MPIE = 1: MIE = 1 afterwards.
    li a1, 0x1888
    csrc mstatus, a1
    li a1, 0x1880
    csrs mstatus, a1
    la a2, 15f
    csrw mepc, a2
    mret
15: csrr a0, mstatus
    li a1, 0x1888
    and a0, a0, a1
    CHECK 84, a0, 0x0088
    csrci mstatus, 8
    j pass

# Records mstatus (a5), mcause (a6) and mepc (a7) at the trap, and returns
# past the 4-byte ecall.
.balign 4
side_handler:
    csrr a5, mstatus
    csrr a6, mcause
    csrr a7, mepc
    addi a4, a7, 4
    csrw mepc, a4
    mret

"#
);
