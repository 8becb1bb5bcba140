# Bare-metal test runtime: entry, exits, trap checking, diagnostics.

.equ UART, 0x10000000
.equ FINISHER, 0x100000

.section .text.init, "ax"
.globl _start
_start:
    la sp, _stack_top
    la t0, unexpected_trap
    csrw mtvec, t0
    li gp, 0
    li s10, -1
    j test_main

.text
# Exit with status 0.
.globl pass
pass:
    li t0, 0x5555
    li t1, FINISHER
    sw t0, 0(t1)
1:  j 1b

# Exit with status gp (255 when gp is 0, so a failure never looks like a pass).
.globl fail
fail:
    la a0, msg_fail
    call puts
    mv a0, gp
    call puthex
    mv t0, gp
    andi t0, t0, 0xff
    bnez t0, 1f
    li t0, 255
1:  slli t0, t0, 16
    li t1, 0x3333
    or t0, t0, t1
    li t1, FINISHER
    sw t0, 0(t1)
2:  j 2b

# Trap vector while no trap is expected.
.balign 4
.globl unexpected_trap
unexpected_trap:
    la a0, msg_unexpected
    call puts
    call print_trap
    j fail

# Trap vector for EXPECT_TRAP: the trap must match s10 (mcause), s11
# (mtval) and s9 (mepc); execution resumes at s8. s10 = -1 means the
# expectation was used up, so a second trap fails.
.balign 4
.globl check_trap
check_trap:
    csrr t0, mcause
    bne t0, s10, 1f
    csrr t0, mtval
    bne t0, s11, 1f
    csrr t0, mepc
    bne t0, s9, 1f
    li s10, -1
    csrw mepc, s8
    mret
1:  la a0, msg_mismatch
    call puts
    call print_trap
    la a0, msg_expected
    call puts
    mv a0, s10
    call puthex
    mv a0, s11
    call puthex
    mv a0, s9
    call puthex
    j fail

# Prints mcause, mtval, mepc.
print_trap:
    addi sp, sp, -16
    sd ra, 8(sp)
    csrr a0, mcause
    call puthex
    csrr a0, mtval
    call puthex
    csrr a0, mepc
    call puthex
    ld ra, 8(sp)
    addi sp, sp, 16
    ret

# Prints the NUL-terminated string at a0. Clobbers a0, t1, t2.
.globl puts
puts:
    li t1, UART
1:  lbu t2, 0(a0)
    beqz t2, 2f
    sb t2, 0(t1)
    addi a0, a0, 1
    j 1b
2:  ret

# Prints a0 as 16 hex digits and a newline. Clobbers t1..t5.
.globl puthex
puthex:
    li t1, UART
    li t2, 60
1:  srl t3, a0, t2
    andi t3, t3, 15
    li t4, 10
    blt t3, t4, 2f
    addi t3, t3, 39
2:  addi t3, t3, 48
    sb t3, 0(t1)
    addi t2, t2, -4
    bgez t2, 1b
    li t3, 10
    sb t3, 0(t1)
    ret

# Prints the a2 (at least one) doublewords from address a1 on, as puthex
# does. Clobbers a0..a2, t1..t5.
.globl putdwords
putdwords:
    addi sp, sp, -16
    sd ra, 8(sp)
1:  ld a0, 0(a1)
    call puthex
    addi a1, a1, 8
    addi a2, a2, -1
    bnez a2, 1b
    ld ra, 8(sp)
    addi sp, sp, 16
    ret

.section .rodata
msg_fail:       .asciz "FAIL: test case "
msg_unexpected: .asciz "unexpected trap (mcause, mtval, mepc):\n"
msg_mismatch:   .asciz "wrong trap (mcause, mtval, mepc):\n"
msg_expected:   .asciz "expected (mcause, mtval, mepc):\n"

.bss
.balign 16
_stack: .space 4096
.globl _stack_top
_stack_top:
