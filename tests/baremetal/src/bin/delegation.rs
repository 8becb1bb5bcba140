//! Exception delegation (medeleg) to S-mode: scause/stval/sepc and sstatus SPP/SPIE/SIE for traps from U and S (ecall, illegal, breakpoint, page faults), no delegation from M or without the medeleg bit, sret, and vectored stvec.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ SS_SIE,  0x2
.equ SS_SPIE, 0x20
.equ SS_SPP,  0x100
.equ SS_BITS, 0x122
.equ ILL_INSN, 0x00a5006b       # reserved major opcode 1101011
.equ DELEG_ALL, (1 << 2) | (1 << 3) | (1 << 8) | (1 << 9) | (1 << 12) | (1 << 13) | (1 << 15)
.equ VA_RO, 0x40000000          # phase B: a read-only page
.equ VA_NONE, 0x40001000        # phase B: not mapped
.equ VA_URO, 0x40400000         # phase C: a read-only U page
.equ VA_UNONE, 0x40401000       # phase C: not mapped
.equ ALIAS, 0x40000000          # phase C: the image again, without U
.equ MTIMECMP, 0x2004000

.macro CHECK_EQ num, a, b
    li gp, \num
    beq \a, \b, 9f
    j fail
9:
.endm

# Back to M-mode from S or U: a load access fault at address 0 (never
# delegated here), which m_handler turns into a return to M-mode.
.macro TO_M
    li s10, -1
    ld t0, 0(zero)
.endm

# The next instruction must trap to the S-mode handler, which records
# scause (s1), stval (s2), sepc (s3), sstatus (s4), counts in s5 and
# resumes at S_DONE (s7). s6 = the expected sepc.
.macro S_EXPECT num
    li gp, \num
    li s5, 0
    la s7, 7f
    la s6, 8f
8:
.endm

# As S_EXPECT, for a fetch fault at the address in \reg.
.macro S_EXPECT_FETCH num, reg
    li gp, \num
    li s5, 0
    la s7, 7f
    mv s6, \reg
.endm

.macro S_DONE
    j fail
7:
.endm

# Checks the recorded trap: one trap, scause, stval, sepc, and the
# SPP/SPIE/SIE bits of sstatus in the handler.
.macro S_CHECK num, cause, tval, status
    CHECK \num, s5, 1
    CHECK \num, s1, \cause
    CHECK \num, s2, \tval
    CHECK_EQ \num, s3, s6
    andi a0, s4, SS_BITS
    CHECK \num, a0, \status
.endm

.macro S_CHECK_R num, cause, treg, status
    CHECK \num, s5, 1
    CHECK \num, s1, \cause
    CHECK_EQ \num, s2, \treg
    CHECK_EQ \num, s3, s6
    andi a0, s4, SS_BITS
    CHECK \num, a0, \status
.endm

.macro CHECK_STATUS num, csr, expected
    csrr a0, \csr
    andi a0, a0, SS_BITS
    CHECK \num, a0, \expected
.endm

    csrci mstatus, 8
    csrw mie, zero
    csrw mideleg, zero
    csrw medeleg, zero
    li a1, -1
    li a2, MTIMECMP
    sd a1, 0(a2)
    PMP_OPEN
    csrw satp, zero
    sfence.vma
    la t0, m_handler
    csrw mtvec, t0
    la t0, s_handler
    csrw stvec, t0
    li s10, -1

    # ---------------- medeleg ----------------
    li a1, -1
    csrw medeleg, a1
    csrr a0, medeleg
    li a1, DELEG_ALL
    and a0, a0, a1
    CHECK 1, a0, DELEG_ALL
    # Traps taken in M-mode stay in M whatever medeleg says.
    li a1, -1
    csrw medeleg, a1
    EXPECT_TRAP 4, 2, ILL_INSN
    .4byte ILL_INSN
    TRAP_DONE
    EXPECT_TRAP 5, 3, 0
    ebreak
    TRAP_DONE
    EXPECT_TRAP 6, 11, 0
    ecall
    TRAP_DONE
    li a1, 0x90000000
    EXPECT_TRAP 7, 5, 0x90000000
    ld a0, 0(a1)
    TRAP_DONE
    la t0, m_handler
    csrw mtvec, t0
    li s10, -1

    # ---------------- phase A: no translation ----------------
    li a1, DELEG_ALL
    csrw medeleg, a1
    # U-mode ecall, with SIE = 1 and SPP = 1 before: SPP = 0, SPIE = 1,
    # SIE = 0 in the handler.
    li a1, SS_SPP | SS_SIE
    csrs mstatus, a1
    li a1, SS_SPIE
    csrc mstatus, a1
    ENTER_U 1f
1:  S_EXPECT 10
    ecall
    S_DONE
    S_CHECK 10, 8, 0, SS_SPIE
    # The sret returned to U (SPP = 0), with SIE = SPIE = 1: S CSRs are
    # illegal.
    S_EXPECT 11
    csrr a0, sstatus
    S_DONE
    S_CHECK 11, 2, 0x10002573, SS_SPIE
    TO_M
    # sret: SIE = SPIE (1), SPIE = 1, SPP = U.
    CHECK_STATUS 13, mstatus, SS_SPIE | SS_SIE
    # Illegal instruction from U with SIE = 0 (so SPIE = 0): stval = the
    # instruction.
    csrci mstatus, SS_SIE
    ENTER_U 1f
1:  S_EXPECT 14
    .4byte ILL_INSN
    S_DONE
    S_CHECK 14, 2, ILL_INSN, 0
    S_EXPECT 15
    ebreak
    S_DONE
    S_CHECK 15, 3, 0, 0
    # A U-mode access to an S CSR is delegated as an illegal instruction.
    S_EXPECT 16
    csrr a0, sscratch
    S_DONE
    S_CHECK 16, 2, 0x14002573, 0
    TO_M
    # After the sret: SIE = SPIE (0), SPIE = 1.
    CHECK_STATUS 17, mstatus, SS_SPIE

    # S-mode: SPP = 1.
    csrci mstatus, SS_SIE
    ENTER_S 1f
1:  csrsi sstatus, SS_SIE
    S_EXPECT 20
    ecall
    S_DONE
    S_CHECK 20, 9, 0, SS_SPP | SS_SPIE
    # sret returned to S: SIE = 1, SPIE = 1, SPP = 0.
    CHECK_STATUS 21, sstatus, SS_SPIE | SS_SIE
    csrci sstatus, SS_SIE
    S_EXPECT 22
    .4byte ILL_INSN
    S_DONE
    S_CHECK 22, 2, ILL_INSN, SS_SPP
    CHECK_STATUS 23, sstatus, SS_SPIE
    S_EXPECT 24
    ebreak
    S_DONE
    S_CHECK 24, 3, 0, SS_SPP
    S_EXPECT 25
    c.ebreak
    S_DONE
    S_CHECK 25, 3, 0, SS_SPP
    S_EXPECT 26
    csrr a0, mstatus
    S_DONE
    S_CHECK 26, 2, 0x30002573, SS_SPP
    # sret from S to S by hand (SPP = 1, SPIE = 0): SIE = 0, SPIE = 1,
    # SPP = 0.
    csrsi sstatus, SS_SIE
    li a1, SS_SPP
    csrs sstatus, a1
    li a1, SS_SPIE
    csrc sstatus, a1
    la a1, 2f
    csrw sepc, a1
    sret
    j fail
2:  CHECK_STATUS 27, sstatus, SS_SPIE
    TO_M

    # Without the medeleg bit, traps from S and U go to M, and the S
    # trap CSRs are not written.
    li a1, 0x5a5a
    csrw scause, a1
    csrw stval, a1
    csrw sepc, a1
    csrw medeleg, zero
    li s5, 0
    ENTER_U 1f
1:  VM_EXPECT_TRAP 30, 8, 0
    ecall
    VM_TRAP_DONE
    VM_EXPECT_TRAP 31, 3, 0
    ebreak
    VM_TRAP_DONE
    VM_EXPECT_TRAP 32, 2, ILL_INSN
    .4byte ILL_INSN
    VM_TRAP_DONE
    TO_M
    ENTER_S 1f
1:  VM_EXPECT_TRAP 33, 9, 0
    ecall
    VM_TRAP_DONE
    VM_EXPECT_TRAP 34, 2, ILL_INSN
    .4byte ILL_INSN
    VM_TRAP_DONE
    CHECK 35, s5, 0
    csrr a0, scause
    CHECK 35, a0, 0x5a5a
    csrr a0, stval
    CHECK 35, a0, 0x5a5a
    csrr a0, sepc
    CHECK 35, a0, 0x5a5a
    TO_M
    # Only U ecalls delegated: a U ecall goes to S, an S ecall to M.
    li a1, 1 << 8
    csrw medeleg, a1
    ENTER_U 1f
1:  S_EXPECT 36
    ecall
    S_DONE
    S_CHECK 36, 8, 0, 0
    VM_EXPECT_TRAP 37, 3, 0
    ebreak
    VM_TRAP_DONE
    TO_M
    ENTER_S 1f
1:  VM_EXPECT_TRAP 38, 9, 0
    ecall
    VM_TRAP_DONE
    TO_M
    # Only S ecalls delegated.
    li a1, 1 << 9
    csrw medeleg, a1
    ENTER_S 1f
1:  S_EXPECT 39
    ecall
    S_DONE
    S_CHECK 39, 9, 0, SS_SPP
    TO_M
    ENTER_U 1f
1:  VM_EXPECT_TRAP 40, 8, 0
    ecall
    VM_TRAP_DONE
    TO_M
    # Access faults are delegable too: a store access fault from S.
    li a1, 1 << 7
    csrw medeleg, a1
    ENTER_S 1f
1:  csrsi sstatus, SS_SIE
    li a1, 0x90000000
    S_EXPECT 41
    sw a0, 4(a1)
    S_DONE
    S_CHECK 41, 7, 0x90000004, SS_SPP | SS_SPIE
    TO_M

    # ---------------- vectored stvec ----------------
    # Interrupts go to base + 4 * cause, exceptions to base.
    li a1, DELEG_ALL
    csrw medeleg, a1
    li a1, 2
    csrw mideleg, a1
    la a1, s_vec
    ori a1, a1, 1
    csrw stvec, a1
    ENTER_S 1f
1:  csrsi sie, 2
    csrsi sstatus, SS_SIE
    li s0, -1
    li s5, 0
    li gp, 45
    la s7, 2f
    la s6, 3f
    csrsi sip, 2
3:  j fail
2:  CHECK 45, s0, 1
    S_CHECK 45, 0x8000000000000001, 0, SS_SPP | SS_SPIE
    csrr a0, sip
    CHECK 46, a0, 0
    li s0, -1
    S_EXPECT 47
    ecall
    S_DONE
    CHECK 47, s0, 0
    S_CHECK 47, 9, 0, SS_SPP | SS_SPIE
    li s0, -1
    S_EXPECT 48
    .4byte ILL_INSN
    S_DONE
    CHECK 48, s0, 0
    S_CHECK 48, 2, ILL_INSN, SS_SPP | SS_SPIE
    csrci sstatus, SS_SIE
    csrci sie, 2
    TO_M
    csrw mideleg, zero
    la t0, s_handler
    csrw stvec, t0

    # ---------------- phase B: S-mode page faults ----------------
    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    la t0, m_handler
    csrw mtvec, t0
    li a0, VA_RO
    la a1, ro_page
    li a2, PTE_R | PTE_A
    li a3, 0
    call vm_map
    VM_ENABLE 0
    li s10, -1
    ENTER_S 1f
1:  csrsi sstatus, SS_SIE
    li a1, VA_RO
    ld a0, 16(a1)
    CHECK 50, a0, 0x1122334455667788
    li a1, VA_NONE
    S_EXPECT 51
    ld a0, 8(a1)
    S_DONE
    S_CHECK 51, 13, VA_NONE + 8, SS_SPP | SS_SPIE
    li a1, VA_RO
    S_EXPECT 52
    sd a0, 24(a1)
    S_DONE
    S_CHECK 52, 15, VA_RO + 24, SS_SPP | SS_SPIE
    # Access faults are not delegated (medeleg bit 7 clear).
    VM_EXPECT_TRAP 53, 7, 0
    sw a0, 0(zero)
    VM_TRAP_DONE
    # Fetch page faults: not mapped, and mapped without X.
    li a1, VA_NONE + 0x40
    S_EXPECT_FETCH 55, a1
    jalr a1
    S_DONE
    S_CHECK_R 55, 12, a1, SS_SPP | SS_SPIE
    li a1, VA_RO + 0x80
    S_EXPECT_FETCH 56, a1
    jr a1
    S_DONE
    S_CHECK_R 56, 12, a1, SS_SPP | SS_SPIE
    TO_M
    # Without the medeleg bits the page faults go to M.
    li a1, (1 << 12) | (1 << 13) | (1 << 15)
    csrc medeleg, a1
    li s5, 0
    ENTER_S 1f
1:  li a1, VA_NONE
    VM_EXPECT_TRAP 57, 13, VA_NONE
    ld a0, 0(a1)
    VM_TRAP_DONE
    li a1, VA_RO
    VM_EXPECT_TRAP 58, 15, VA_RO
    sd a0, 0(a1)
    VM_TRAP_DONE
    li a1, VA_NONE
    VM_EXPECT_FETCH_FAULT 59, 12, a1
    jalr a1
    VM_TRAP_DONE
    CHECK 60, s5, 0
    TO_M

    # ---------------- phase C: U-mode page faults ----------------
    # The image is identity-mapped with U for the U code; the S handler
    # runs from an alias of the image without U.
    call vm_reset
    VM_MAP_IDENTITY PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
    li a0, ALIAS
    li a1, 0x80000000
    li a2, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    li a3, 1
    call vm_map
    li a0, VA_URO
    la a1, ro_page
    li a2, PTE_R | PTE_U | PTE_A
    li a3, 0
    call vm_map
    VM_ENABLE 0
    la t0, m_handler
    csrw mtvec, t0
    la t0, s_handler
    li t1, 0x80000000 - ALIAS
    sub t0, t0, t1
    csrw stvec, t0
    li a1, DELEG_ALL
    csrw medeleg, a1
    li a1, SS_SPP
    csrs mstatus, a1
    csrci mstatus, SS_SIE
    li s10, -1
    ENTER_U 1f
1:  li a1, VA_URO
    ld a0, 16(a1)
    CHECK 61, a0, 0x1122334455667788
    li a1, VA_UNONE
    S_EXPECT 62
    lw a0, 4(a1)
    S_DONE
    S_CHECK 62, 13, VA_UNONE + 4, 0
    li a1, VA_URO
    S_EXPECT 63
    sh a0, 6(a1)
    S_DONE
    S_CHECK 63, 15, VA_URO + 6, 0
    # U cannot touch pages without U.
    li a1, ALIAS
    S_EXPECT 64
    ld a0, 0(a1)
    S_DONE
    S_CHECK 64, 13, ALIAS, 0
    li a1, VA_UNONE
    S_EXPECT_FETCH 65, a1
    jalr a1
    S_DONE
    S_CHECK_R 65, 12, a1, 0
    la a1, 2f
    li a2, 0x80000000 - ALIAS
    sub a1, a1, a2
    S_EXPECT_FETCH 66, a1
    jr a1
    S_DONE
    S_CHECK_R 66, 12, a1, 0
    S_EXPECT 67
    ecall
    S_DONE
    S_CHECK 67, 8, 0, 0
    TO_M
    j pass
2:  j fail

# S-mode handler: records the trap and resumes at s7.
.balign 4
s_handler:
    csrr s1, scause
    csrr s2, stval
    csrr s3, sepc
    csrr s4, sstatus
    addi s5, s5, 1
    csrw sepc, s7
    sret

# Vectored stvec: s0 = the slot taken.
.balign 256
s_vec:
.option push
.option norvc
    j 20f
    j 21f
    j 22f
    j 22f
    j 22f
    j 22f
    j 22f
    j 22f
    j 22f
    j 22f
.option pop
20: li s0, 0
    j s_handler
21: li s0, 1
    csrci sip, 2
    j s_handler
22: li s0, 2
    j s_handler

# M-mode handler: an expected trap (s10 != -1) goes to check_trap;
# otherwise a load access fault from S or U (TO_M) returns to M-mode
# after it; anything else is unexpected.
.balign 4
m_handler:
    li t0, -1
    beq s10, t0, 1f
    j check_trap
1:  csrr t0, mcause
    addi t0, t0, -5
    beqz t0, 2f
    j unexpected_trap
2:  csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    mret

.data
.balign 4096
ro_page:
    .rept 512
    .dword 0x1122334455667788
    .endr
.text
"#
);
