//! Machine software and timer interrupts through the CLINT: enables (mstatus.MIE, mie), mcause/mepc, vectored mtvec, priority, and wfi.
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

.equ MSIP, 0x2000000
.equ MTIMECMP, 0x2004000
.equ MTIME, 0x200bff8

# Handler registers: s1 = mcause and s2 = mepc of the first interrupt since
# s3 was zeroed, s3 = interrupts taken, s6 = mtime when the timer
# interrupt was taken, s7 = vector slot (vectored mode), s4/s5 scratch.

    csrw mie, zero
    csrci mstatus, 8
    li s0, MSIP
    li a1, -1
    li a2, MTIMECMP
    sd a1, 0(a2)
    la t0, irq_handler
    csrw mtvec, t0
    li s3, 0

    # --- software interrupt ---
    li a1, 1
    sw a1, 0(s0)
    # Pending in mip, but not taken while mstatus.MIE = 0.
    csrr a0, mip
    andi a0, a0, 8
    CHECK 1, a0, 8
    li a1, 8
    csrs mie, a1
    nop
    nop
    CHECK 2, s3, 0
    # Not taken while mie.MSIE = 0.
    csrw mie, zero
    csrsi mstatus, 8
    nop
    nop
    CHECK 3, s3, 0
    # Enabling MSIE takes it right after the csrs: mepc = the next one.
    li a1, 8
    csrs mie, a1
10: nop
    CHECK 4, s3, 1
    CHECK 5, s1, 0x8000000000000003
    la a2, 10b
    CHECK_EQ 6, s2, a2
    # The handler cleared msip, and mret set MIE again.
    csrr a0, mip
    andi a0, a0, 8
    CHECK 7, a0, 0
    csrr a0, mstatus
    andi a0, a0, 8
    CHECK 8, a0, 8
    csrci mstatus, 8

    # Enabling mstatus.MIE takes it right after the csrsi.
    li s3, 0
    li a1, 1
    sw a1, 0(s0)
    csrsi mstatus, 8
11: nop
    csrci mstatus, 8
    CHECK 10, s3, 1
    CHECK 11, s1, 0x8000000000000003
    la a2, 11b
    CHECK_EQ 12, s2, a2

    # mret setting MIE from MPIE takes it at mepc, before the instruction
    # there runs.
    li s3, 0
    li a1, 1
    sw a1, 0(s0)
    li a1, 0x1880
    csrs mstatus, a1
    la a2, 12f
    csrw mepc, a2
    mret
12: nop
    csrci mstatus, 8
    CHECK 15, s3, 1
    la a2, 12b
    CHECK_EQ 16, s2, a2
    csrw mie, zero

    # --- timer interrupt ---
    li s3, 0
    li a1, MTIME
    ld a2, 0(a1)
    li a3, 10000
    add a7, a2, a3
    li a4, MTIMECMP
    sd a7, 0(a4)
    li a1, 0x80
    csrw mie, a1
    csrsi mstatus, 8
    li a5, 200000000
1:  bnez s3, 2f
    addi a5, a5, -1
    bnez a5, 1b
    li gp, 20
    j fail
2:  csrci mstatus, 8
    CHECK 21, s1, 0x8000000000000007
    CHECK 22, s3, 1
    # Not taken before mtime reached mtimecmp.
    li gp, 23
    bltu s6, a7, fail
    # The handler's mtimecmp = -1 cleared MTIP.
    csrr a0, mip
    andi a0, a0, 0x80
    CHECK 24, a0, 0
    csrw mie, zero

    # --- priority: MSI (3) before MTI (7) when both are pending ---
    li s3, 0
    li a1, 1
    sw a1, 0(s0)
    sd zero, 0(a4)
    li a1, 0x88
    csrw mie, a1
    csrsi mstatus, 8
    nop
    nop
    csrci mstatus, 8
    CHECK 30, s1, 0x8000000000000003
    CHECK 31, s3, 2
    csrw mie, zero

    # --- vectored mode: interrupt code n at base + 4n, exceptions at base ---
    la a1, vec_table
    ori a1, a1, 1
    csrw mtvec, a1
    li s3, 0
    li s7, -1
    sd zero, 0(a4)
    li a1, 0x80
    csrw mie, a1
    csrsi mstatus, 8
    nop
    nop
    csrci mstatus, 8
    CHECK 40, s7, 7
    CHECK 41, s1, 0x8000000000000007
    CHECK 42, s3, 1
    li s3, 0
    li s7, -1
    li a1, 1
    sw a1, 0(s0)
    li a1, 8
    csrw mie, a1
    csrsi mstatus, 8
    nop
    nop
    csrci mstatus, 8
    CHECK 43, s7, 3
    CHECK 44, s1, 0x8000000000000003
    CHECK 45, s3, 1
    li s7, -1
    li s1, 0
    ecall
    CHECK 46, s7, 0
    CHECK 47, s1, 11
    csrw mie, zero
    la t0, irq_handler
    csrw mtvec, t0

    # --- wfi ---
    # mstatus.MIE = 0: wfi returns once the timer is pending, and no trap
    # is taken (mtvec = unexpected_trap).
    la t0, unexpected_trap
    csrw mtvec, t0
    li a1, MTIME
    ld a2, 0(a1)
    li a3, 10000
    add a7, a2, a3
    sd a7, 0(a4)
    li a1, 0x80
    csrw mie, a1
    wfi
    csrr a0, mip
    andi a0, a0, 0x80
    CHECK 50, a0, 0x80
    li a1, -1
    sd a1, 0(a4)
    csrw mie, zero
    # An interrupt already pending and enabled: wfi returns at once.
    li a1, 1
    sw a1, 0(s0)
    li a1, 8
    csrw mie, a1
    wfi
    csrr a0, mip
    andi a0, a0, 8
    CHECK 51, a0, 8
    sw zero, 0(s0)
    csrw mie, zero
    # mstatus.MIE = 1: the interrupt is taken with mepc = the instruction
    # after the wfi.
    la t0, irq_handler
    csrw mtvec, t0
    li s3, 0
    li a1, MTIME
    ld a2, 0(a1)
    li a3, 10000
    add a7, a2, a3
    sd a7, 0(a4)
    li a1, 0x80
    csrw mie, a1
    csrsi mstatus, 8
    wfi
13: csrci mstatus, 8
    CHECK 52, s3, 1
    CHECK 53, s1, 0x8000000000000007
    la a2, 13b
    CHECK_EQ 54, s2, a2
    csrw mie, zero
    la t0, unexpected_trap
    csrw mtvec, t0
    j pass

.balign 4
irq_handler:
    csrr s4, mcause
    bnez s3, 1f
    mv s1, s4
    csrr s2, mepc
1:  addi s3, s3, 1
    li s5, 0x8000000000000003
    beq s4, s5, 2f
    li s5, 0x8000000000000007
    beq s4, s5, 3f
    j unexpected_trap
    # Software interrupt: clear msip.
2:  li s5, MSIP
    sw zero, 0(s5)
    mret
    # Timer interrupt: record mtime, then mtimecmp = -1.
3:  li s5, MTIME
    ld s6, 0(s5)
    li s5, MTIMECMP
    li s4, -1
    sd s4, 0(s5)
    mret

# Exceptions in vectored mode: record the slot and mcause, skip the ecall.
vec_exc:
    li s7, 0
    csrr s1, mcause
    csrr s4, mepc
    addi s4, s4, 4
    csrw mepc, s4
    mret

# One 4-byte jump per cause: exceptions at 0, interrupt n at 4n.
.balign 256
vec_table:
.option push
.option norvc
    j vec_exc
    j unexpected_trap
    j unexpected_trap
    j 20f
    j unexpected_trap
    j unexpected_trap
    j unexpected_trap
    j 21f
    j unexpected_trap
    j unexpected_trap
    j unexpected_trap
    j unexpected_trap
.option pop
20: li s7, 3
    j irq_handler
21: li s7, 7
    j irq_handler
"#
);
