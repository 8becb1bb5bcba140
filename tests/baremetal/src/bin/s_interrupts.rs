//! Supervisor interrupts: SSI through sip, STI forwarded by M from the CLINT timer, SEI and MEI through the PLIC (UART source 10), enables (SIE, sie, mideleg), U-mode always interruptible, M never taking delegated ones, and priorities.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ SS_SIE,  0x2
.equ MSIP, 0x2000000
.equ MTIMECMP, 0x2004000
.equ MTIME, 0x200bff8
.equ PLIC, 0x0c000000
.equ PLIC_PRIO10, PLIC + 4 * 10
.equ PLIC_PENDING, PLIC + 0x1000
.equ PLIC_ENABLE0, PLIC + 0x2000
.equ PLIC_ENABLE1, PLIC + 0x2080
.equ PLIC_THRESH0, PLIC + 0x200000
.equ PLIC_CLAIM0, PLIC + 0x200004
.equ PLIC_THRESH1, PLIC + 0x201000
.equ PLIC_CLAIM1, PLIC + 0x201004
.equ UART_IER, 0x10000001

# Handler state: s0 = log of the interrupts taken (one byte each, oldest
# first: the S code, or 0x10 + the M code), s1/s2 = mcause/mepc of the last
# M interrupt, s3 = M interrupts taken, s4/s5 = scause/sepc of the last S
# interrupt, s6 = S interrupts taken, s7 = the last PLIC claim.

.macro CHECK_EQ num, a, b
    li gp, \num
    beq \a, \b, 9f
    j fail
9:
.endm

.macro CLEAR_LOG
    li s0, 0
    li s3, 0
    li s6, 0
    li s7, -1
.endm

# From S or U: back to M-mode after the ecall.
.macro TO_M
    li s10, -1
    li a7, 0
    ecall
.endm

.macro CHECK_CSR num, csr, mask, expected
    csrr a0, \csr
    li a1, \mask
    and a0, a0, a1
    CHECK \num, a0, \expected
.endm

# Spins until register \reg is nonzero; fails \num after a long time.
.macro WAIT_FOR num, reg
    li gp, \num
    li a5, 20000000
1:  bnez \reg, 2f
    addi a5, a5, -1
    bnez a5, 1b
    j fail
2:
.endm

# A short delay, for interrupts that must not come.
.macro DELAY
    li a5, 2000
1:  addi a5, a5, -1
    bnez a5, 1b
.endm

    csrci mstatus, 8
    csrw mie, zero
    csrw mideleg, zero
    csrw medeleg, zero
    li a1, -1
    li a2, MTIMECMP
    sd a1, 0(a2)
    li a2, MSIP
    sw zero, 0(a2)
    li a2, UART_IER
    sb zero, 0(a2)
    li a1, 0x222
    csrc mip, a1
    PMP_OPEN
    csrw satp, zero
    sfence.vma
    la t0, m_handler
    csrw mtvec, t0
    la t0, s_handler
    csrw stvec, t0
    li s10, -1
    CLEAR_LOG

    # ---------------- supervisor software interrupt ----------------
    li a1, 2
    csrw mideleg, a1
    ENTER_S 1f
1:  csrsi sie, 2
    csrci sstatus, SS_SIE
    csrsi sip, 2
    nop
    nop
    # Not taken while sstatus.SIE = 0 in S-mode.
    CHECK 1, s6, 0
    csrr a0, sip
    CHECK 2, a0, 2
    # Taken right after the csrsi that sets SIE.
    csrsi sstatus, SS_SIE
10: nop
    CHECK 3, s6, 1
    CHECK 4, s4, 0x8000000000000001
    la a1, 10b
    CHECK_EQ 5, s5, a1
    # The handler cleared SSIP; sret set SIE again.
    csrr a0, sip
    CHECK 6, a0, 0
    CHECK_CSR 7, sstatus, SS_SIE, SS_SIE
    # With SIE = 1, setting SSIP traps at once.
    CLEAR_LOG
    csrsi sip, 2
11: nop
    CHECK 8, s6, 1
    la a1, 11b
    CHECK_EQ 9, s5, a1
    CHECK 10, s3, 0
    # U-mode: taken whatever sstatus.SIE says. SSIP is set in S with
    # SIE = 0, then sret enters U.
    CLEAR_LOG
    csrci sstatus, SS_SIE
    csrsi sip, 2
    li a1, 0x100
    csrc sstatus, a1
    la a1, 12f
    csrw sepc, a1
    nop
    CHECK 11, s6, 0
    sret
12: nop
    CHECK 12, s6, 1
    CHECK 13, s4, 0x8000000000000001
    la a1, 12b
    CHECK_EQ 14, s5, a1
    TO_M

    # Delegated, it is never taken in M-mode, even with SIE = MIE = 1; it
    # is taken as soon as S-mode is entered.
    CLEAR_LOG
    li a1, 2
    csrw mie, a1
    csrs mip, a1
    csrsi mstatus, SS_SIE | 8
    nop
    nop
    csrci mstatus, 8
    CHECK 15, s6, 0
    CHECK 16, s3, 0
    ENTER_S 13f
13: nop
    CHECK 17, s6, 1
    la a1, 13b
    CHECK_EQ 18, s5, a1
    TO_M
    # Not delegated: an M-level interrupt, taken in M from S-mode although
    # mstatus.MIE = 0.
    CLEAR_LOG
    csrw mideleg, zero
    csrci mstatus, 8
    li a1, 2
    csrs mip, a1
    nop
    CHECK 19, s3, 0
    ENTER_S 14f
14: nop
    CHECK 20, s3, 1
    CHECK 21, s1, 0x8000000000000001
    la a1, 14b
    CHECK_EQ 22, s2, a1
    CHECK 23, s6, 0
    TO_M
    CHECK_CSR 24, mip, 0x222, 0

    # ---------------- supervisor timer interrupt ----------------
    # M-mode can set and clear mip.STIP.
    li a1, 0x20
    csrs mip, a1
    CHECK_CSR 30, mip, 0x222, 0x20
    csrc mip, a1
    CHECK_CSR 31, mip, 0x222, 0
    # The CLINT timer interrupts M (MTIE, not delegated), whose handler
    # disarms it and sets STIP; S (STIE, delegated) takes it and asks M,
    # by ecall, to clear STIP.
    CLEAR_LOG
    li a1, 0x20
    csrw mideleg, a1
    li a1, 0xa0
    csrw mie, a1
    li a1, MTIME
    ld a2, 0(a1)
    addi a2, a2, 1000
    li a1, MTIMECMP
    sd a2, 0(a1)
    ENTER_S 1f
1:  csrsi sstatus, SS_SIE
    WAIT_FOR 32, s6
    CHECK 33, s0, 0x1705
    CHECK 34, s4, 0x8000000000000005
    CHECK 35, s1, 0x8000000000000007
    csrr a0, sip
    CHECK 36, a0, 0
    DELAY
    CHECK 37, s6, 1
    CHECK 38, s3, 1
    # STIP pending while SIE = 0 in S: not taken until SIE is set.
    TO_M
    CLEAR_LOG
    li a1, 0x20
    csrs mip, a1
    csrci mstatus, SS_SIE
    ENTER_S 1f
1:  nop
    csrr a0, sip
    CHECK 39, a0, 0x20
    CHECK 40, s6, 0
    csrsi sstatus, SS_SIE
15: nop
    CHECK 41, s6, 1
    CHECK 42, s4, 0x8000000000000005
    la a1, 15b
    CHECK_EQ 43, s5, a1
    csrr a0, sip
    CHECK 44, a0, 0
    TO_M
    # S-level priority: SSI before STI.
    CLEAR_LOG
    li a1, 0x22
    csrw mideleg, a1
    csrw mie, a1
    csrs mip, a1
    csrsi mstatus, SS_SIE
    ENTER_S 1f
1:  nop
    CHECK 45, s6, 2
    CHECK 46, s0, 0x0105
    TO_M
    csrw mie, zero

    # ---------------- supervisor external interrupt (PLIC) ----------------
    # UART (source 10): priority 1, enabled for context 1 (S), not 0 (M).
    li a1, PLIC_PRIO10
    li a2, 1
    sw a2, 0(a1)
    li a1, PLIC_ENABLE0
    sw zero, 0(a1)
    li a1, PLIC_ENABLE1
    li a2, 1 << 10
    sw a2, 0(a1)
    li a1, PLIC_THRESH0
    sw zero, 0(a1)
    # Threshold 1: a priority-1 interrupt is not delivered.
    li a1, PLIC_THRESH1
    li a2, 1
    sw a2, 0(a1)
    li a1, 0x200
    csrw mideleg, a1
    csrw mie, a1
    # The transmitter-empty interrupt raises the line at once.
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    li a1, PLIC_PENDING
    lw a0, 0(a1)
    li a1, 1 << 10
    and a0, a0, a1
    CHECK 50, a0, 1 << 10
    CHECK_CSR 51, mip, 0xa00, 0
    li a1, PLIC_THRESH1
    sw zero, 0(a1)
    CHECK_CSR 52, mip, 0xa00, 0x200
    # mip.SEIP reads as the PLIC's line ORed with the software-writable
    # bit; csrc clears only the latter.
    li a1, 0x200
    csrc mip, a1
    CHECK_CSR 65, mip, 0xa00, 0x200
    # Delegated: not taken in M.
    CLEAR_LOG
    csrsi mstatus, 8
    nop
    csrci mstatus, 8
    CHECK 53, s3, 0
    # Taken on entry to S with SIE = 1: claim gives 10; the handler turns
    # the UART interrupt off and completes.
    csrsi mstatus, SS_SIE
    ENTER_S 16f
16: nop
    CHECK 54, s6, 1
    CHECK 55, s4, 0x8000000000000009
    CHECK 56, s7, 10
    la a1, 16b
    CHECK_EQ 57, s5, a1
    DELAY
    CHECK 58, s6, 1
    csrr a0, sip
    CHECK 59, a0, 0
    li a1, PLIC_PENDING
    lw a0, 0(a1)
    li a1, 1 << 10
    and a0, a0, a1
    CHECK 60, a0, 0
    # A second claim with nothing pending returns 0.
    li a1, PLIC_CLAIM1
    lw a0, 0(a1)
    CHECK 61, a0, 0
    TO_M
    # The software SEIP bit alone.
    li a1, 0x200
    csrs mip, a1
    CHECK_CSR 66, mip, 0xa00, 0x200
    csrc mip, a1
    CHECK_CSR 67, mip, 0xa00, 0
    csrw mie, zero
    csrw mideleg, zero

    # ---------------- machine external interrupt (PLIC context 0) ----------------
    li a1, PLIC_ENABLE1
    sw zero, 0(a1)
    li a1, PLIC_ENABLE0
    li a2, 1 << 10
    sw a2, 0(a1)
    CLEAR_LOG
    li a1, 0x800
    csrw mie, a1
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    CHECK_CSR 70, mip, 0xa00, 0x800
    nop
    CHECK 71, s3, 0
    csrsi mstatus, 8
17: nop
    csrci mstatus, 8
    CHECK 72, s3, 1
    CHECK 73, s1, 0x800000000000000b
    CHECK 74, s7, 10
    la a1, 17b
    CHECK_EQ 75, s2, a1
    CHECK_CSR 76, mip, 0xa00, 0
    csrsi mstatus, 8
    DELAY
    csrci mstatus, 8
    CHECK 77, s3, 1
    # From S-mode, taken although mstatus.MIE = 0.
    CLEAR_LOG
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    li a1, 0x80
    csrc mstatus, a1
    ENTER_S 18f
18: nop
    CHECK 78, s3, 1
    CHECK 79, s1, 0x800000000000000b
    la a1, 18b
    CHECK_EQ 80, s2, a1
    TO_M
    # In S-mode, an M-level interrupt (MEI) comes before an S-level one
    # (SSI, delegated).
    CLEAR_LOG
    li a1, 2
    csrw mideleg, a1
    li a1, 0x802
    csrw mie, a1
    li a1, 2
    csrs mip, a1
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    csrsi mstatus, SS_SIE
    ENTER_S 1f
1:  nop
    CHECK 81, s0, 0x1b01
    TO_M
    csrw mideleg, zero
    li a1, PLIC_ENABLE0
    sw zero, 0(a1)
    j pass

# M-mode handler. Interrupts: MTI disarms the timer and sets STIP, MSI
# clears msip, MEI claims/disables the UART/completes, SSI (not delegated)
# clears SSIP. Exceptions: expected traps go to check_trap; an ecall from
# S/U is a service call: a7 = 0 returns to M-mode after it (with
# mstatus.MIE = 0), a7 = 1 clears STIP.
.balign 4
m_handler:
    csrr t0, mcause
    bgez t0, 5f
    addi s3, s3, 1
    mv s1, t0
    csrr s2, mepc
    slli t0, t0, 1
    srli t0, t0, 1
    slli s0, s0, 8
    or s0, s0, t0
    ori s0, s0, 0x10
    li t1, 7
    beq t0, t1, 1f
    li t1, 3
    beq t0, t1, 2f
    li t1, 11
    beq t0, t1, 3f
    li t1, 1
    beq t0, t1, 4f
    j unexpected_trap
1:  li t0, MTIMECMP
    li t1, -1
    sd t1, 0(t0)
    li t0, 0x20
    csrs mip, t0
    mret
2:  li t0, MSIP
    sw zero, 0(t0)
    mret
3:  li t0, PLIC_CLAIM0
    lw s7, 0(t0)
    li t1, UART_IER
    sb zero, 0(t1)
    sw s7, 0(t0)
    mret
4:  csrci mip, 2
    mret
5:  li t1, -1
    beq s10, t1, 6f
    j check_trap
6:  addi t0, t0, -8
    sltiu t0, t0, 2
    bnez t0, 20f
    j unexpected_trap
20: csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    bnez a7, 21f
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    li t0, 0x80
    csrc mstatus, t0
    mret
21: li t0, 0x20
    csrc mip, t0
    mret

# S-mode handler: SSI clears SSIP, STI asks M to clear STIP, SEI claims/
# disables the UART/completes.
.balign 4
s_handler:
    csrr t0, scause
    bgez t0, 4f
    addi s6, s6, 1
    mv s4, t0
    csrr s5, sepc
    slli t0, t0, 1
    srli t0, t0, 1
    slli s0, s0, 8
    or s0, s0, t0
    li t1, 1
    beq t0, t1, 1f
    li t1, 5
    beq t0, t1, 2f
    li t1, 9
    beq t0, t1, 3f
4:  j fail
1:  csrci sip, 2
    sret
2:  li a7, 1
    ecall
    sret
3:  li t0, PLIC_CLAIM1
    lw s7, 0(t0)
    li t1, UART_IER
    sb zero, 0(t1)
    sw s7, 0(t0)
    sret
"#
);
