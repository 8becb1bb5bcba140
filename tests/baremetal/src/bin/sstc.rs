//! Sstc and the environment configuration CSRs: menvcfg keeps only FIOM and STCE, senvcfg only FIOM; with STCE clear, stimecmp is illegal outside M-mode and STIP is software's; with STCE set (and mcounteren.TM), S-mode owns stimecmp, STIP is time >= stimecmp (read-only to M), and the supervisor timer interrupts S-mode and wakes wfi.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ MIP_STIP, 0x20

# s6 = supervisor timer interrupts taken, s4 = the last scause, s3 = the
# mcause of the last illegal instruction M skipped.
.macro CHECK_CSR num, csr, expected
    csrr a0, \csr
    CHECK \num, a0, \expected
.endm

    csrci mstatus, 8
    csrw mie, zero
    csrw mideleg, zero
    csrw medeleg, zero
    csrw mcounteren, zero
    PMP_OPEN
    csrw satp, zero
    la t0, m_handler
    csrw mtvec, t0
    la t0, s_handler
    csrw stvec, t0
    li s6, 0
    li s3, 0

    # ---------------- menvcfg and senvcfg are WARL ----------------
    # FIOM and STCE stick (others depend on extensions: rvsim has no
    # Zicbo*, Svpbmt or Svadu, while QEMU has Zicbo*).
    li a1, -1
    csrw menvcfg, a1
    csrr a0, menvcfg
    li a2, 0x8000000000000001
    and a0, a0, a2
    CHECK 1, a0, 0x8000000000000001
    csrw menvcfg, zero
    CHECK_CSR 2, menvcfg, 0
    csrw senvcfg, a1
    csrr a0, senvcfg
    andi a0, a0, 1
    CHECK 3, a0, 1
    csrw senvcfg, zero

    # ---------------- STCE clear: stimecmp is M's alone ----------------
    li a1, 0x1234
    csrw stimecmp, a1
    CHECK_CSR 4, stimecmp, 0x1234
    # STIP is software's: M sets and clears it.
    li t1, MIP_STIP
    csrs mip, t1
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK 5, a0, MIP_STIP
    li t1, MIP_STIP
    csrc mip, t1
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK 6, a0, 0
    # In S-mode, even with mcounteren.TM, stimecmp is illegal.
    li a1, 2
    csrw mcounteren, a1
    ENTER_S 1f
1:  csrr a0, stimecmp
    CHECK 7, s3, 2
    li s3, 0
    li s10, -1
    li a7, 0
    ecall

    # ---------------- STCE set: S-mode owns stimecmp ----------------
    li a1, 1
    slli a1, a1, 63
    csrw menvcfg, a1
    # stimecmp far away: STIP clear, and M cannot set it.
    li a1, -1
    csrw stimecmp, a1
    li t1, MIP_STIP
    csrs mip, t1
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK 8, a0, 0
    # stimecmp in the past: STIP is set, and M cannot clear it.
    csrw stimecmp, zero
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK 9, a0, MIP_STIP
    li t1, MIP_STIP
    csrc mip, t1
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK 10, a0, MIP_STIP
    # Without mcounteren.TM, S-mode may not touch it.
    csrw mcounteren, zero
    li a1, -1
    csrw stimecmp, a1
    ENTER_S 1f
1:  csrw stimecmp, zero
    CHECK 11, s3, 2
    li s3, 0
    li s10, -1
    li a7, 0
    ecall
    li a1, 2
    csrw mcounteren, a1

    # The timer interrupts S-mode: delegate STI, enable it, wait.
    li a1, MIP_STIP
    csrw mideleg, a1
    ENTER_S 1f
1:  li t1, MIP_STIP
    csrs sie, t1
    csrsi sstatus, 2
    rdtime a1
    addi a1, a1, 200
    csrw stimecmp, a1
    li gp, 12
    li a5, 20000000
2:  bnez s6, 3f
    addi a5, a5, -1
    bnez a5, 2b
    j fail
3:  CHECK 13, s4, 0x8000000000000005
    # The handler moved stimecmp away, which cleared STIP.
    csrr a0, sip
    andi a0, a0, MIP_STIP
    CHECK 14, a0, 0
    # wfi sleeps until the timer, which wakes it with the interrupt off.
    csrci sstatus, 2
    li s6, 0
    rdtime a1
    addi a1, a1, 1000
    csrw stimecmp, a1
    wfi
    rdtime a2
    li gp, 15
    bltu a2, a1, fail
    csrr a0, sip
    andi a0, a0, MIP_STIP
    CHECK 16, a0, MIP_STIP
    CHECK 17, s6, 0
    li t1, MIP_STIP
    csrc sie, t1
    li s10, -1
    li a7, 0
    ecall
    csrw mideleg, zero
    csrw menvcfg, zero
    j pass

# M: an ecall from S with s10 = -1 returns to M-mode after it; an
# illegal instruction is noted in s3 and skipped; anything else fails.
    .balign 4
m_handler:
    csrr t0, mcause
    li t1, 2
    beq t0, t1, 2f
    li t1, 9
    bne t0, t1, 1f
    bgez s10, 1f
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    li t0, (3 << 11)
    csrs mstatus, t0
    mret
1:  j unexpected_trap
2:  mv s3, t0
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret

# S: the supervisor timer moves stimecmp away.
    .balign 4
s_handler:
    csrr t0, scause
    bgez t0, 4f
    addi s6, s6, 1
    mv s4, t0
    li t0, -1
    csrw stimecmp, t0
    sret
4:  j fail
"#
);
