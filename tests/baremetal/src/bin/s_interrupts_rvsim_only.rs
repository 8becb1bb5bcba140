//! Interrupt priorities among simultaneous interrupts for one mode, as the privileged spec orders them (MEI, MSI, MTI, then SEI, SSI, STI): QEMU 7.2 without AIA takes the lowest-numbered pending interrupt first (SSI before SEI, MSI/MTI before MEI).
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

    # PLIC: UART (source 10) priority 1, thresholds 0.
    li a1, PLIC_PRIO10
    li a2, 1
    sw a2, 0(a1)
    li a1, PLIC_THRESH0
    sw zero, 0(a1)
    li a1, PLIC_THRESH1
    sw zero, 0(a1)

    # ---------------- S-level: SEI before SSI and STI ----------------
    li a1, PLIC_ENABLE0
    sw zero, 0(a1)
    li a1, PLIC_ENABLE1
    li a2, 1 << 10
    sw a2, 0(a1)
    CLEAR_LOG
    li a1, 0x222
    csrw mideleg, a1
    csrw mie, a1
    li a1, 0x22
    csrs mip, a1
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    CHECK_CSR 1, mip, 0x222, 0x222
    csrsi mstatus, SS_SIE
    ENTER_S 1f
1:  nop
    CHECK 2, s6, 3
    CHECK 3, s0, 0x090105
    CHECK 4, s7, 10
    TO_M
    # SEI before STI.
    CLEAR_LOG
    li a1, 0x20
    csrs mip, a1
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    csrsi mstatus, SS_SIE
    ENTER_S 1f
1:  nop
    CHECK 5, s0, 0x0905
    TO_M
    csrw mie, zero
    csrw mideleg, zero
    li a1, PLIC_ENABLE1
    sw zero, 0(a1)

    # ---------------- M-level: MEI before MSI and MTI ----------------
    li a1, PLIC_ENABLE0
    li a2, 1 << 10
    sw a2, 0(a1)
    CLEAR_LOG
    li a1, 0x880
    csrw mie, a1
    li a1, MTIMECMP
    sd zero, 0(a1)
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    CHECK_CSR 10, mip, 0x880, 0x880
    csrsi mstatus, 8
    nop
    csrci mstatus, 8
    CHECK 11, s3, 2
    CHECK 12, s0, 0x1b17
    li a1, 0x20
    csrc mip, a1
    # MEI before MSI.
    CLEAR_LOG
    li a1, 0x808
    csrw mie, a1
    li a1, MSIP
    li a2, 1
    sw a2, 0(a1)
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    CHECK_CSR 13, mip, 0x808, 0x808
    csrsi mstatus, 8
    nop
    csrci mstatus, 8
    CHECK 14, s0, 0x1b13
    # All three: MEI, MSI, MTI.
    CLEAR_LOG
    li a1, 0x888
    csrw mie, a1
    li a1, MTIMECMP
    sd zero, 0(a1)
    li a1, MSIP
    li a2, 1
    sw a2, 0(a1)
    li a1, UART_IER
    li a2, 2
    sb a2, 0(a1)
    csrsi mstatus, 8
    nop
    csrci mstatus, 8
    CHECK 15, s0, 0x1b1317
    csrw mie, zero
    li a1, 0x20
    csrc mip, a1
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
