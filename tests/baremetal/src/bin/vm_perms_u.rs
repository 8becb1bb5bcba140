//! Sv39 leaf permissions from U-mode: every R/W/X/U combination for load, store and fetch (U=0 pages always fault), with SUM=0 and SUM=1 (no effect on U); AMOs against read-only pages, LR against non-readable pages.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ VBASE, 0x40000000
.equ DATA, 0x1122334455667788

# Combination n = R | W << 1 | X << 2 | U << 3, mapped (with A and D) at
# VBASE + n * 4096 onto `frame`, accessed from U-mode. Cases: \c+3 fetch
# (jalr to the page, whose code sets a0 = 123 and returns), \c load (ld at
# offset 8), \c+1 store (sd at offset 16), \c+2 the store reached memory
# exactly when it did not fault.
.macro PERMU n, c
    li a1, VBASE + \n * 4096
    la a4, frame
    .if (((\n & 3) != 2) && ((\n & 4) != 0) && ((\n & 8) != 0))
    li a0, 0
    jalr ra, 0(a1)
    CHECK \c+3, a0, 123
    .else
    VM_EXPECT_FETCH_FAULT \c+3, 12, a1
    jalr ra, 0(a1)
    VM_TRAP_DONE
    .endif
    .if (((\n & 3) != 2) && ((\n & 1) != 0) && ((\n & 8) != 0))
    li a0, 0
    ld a0, 8(a1)
    CHECK \c, a0, DATA
    .else
    addi a2, a1, 8
    VM_EXPECT_TRAP_R \c, 13, a2
    ld a0, 8(a1)
    VM_TRAP_DONE
    .endif
    li a0, -1
    sd a0, 16(a4)
    li a3, \c+1
    .if (((\n & 3) == 3) && ((\n & 8) != 0))
    sd a3, 16(a1)
    ld a0, 16(a4)
    CHECK \c+2, a0, \c+1
    .else
    addi a2, a1, 16
    VM_EXPECT_TRAP_R \c+1, 15, a2
    sd a3, 16(a1)
    VM_TRAP_DONE
    ld a0, 16(a4)
    CHECK \c+2, a0, -1
    .endif
.endm

.macro ALL base
    PERMU 0, \base+0
    PERMU 1, \base+4
    PERMU 2, \base+8
    PERMU 3, \base+12
    PERMU 4, \base+16
    PERMU 5, \base+20
    PERMU 6, \base+24
    PERMU 7, \base+28
    PERMU 8, \base+32
    PERMU 9, \base+36
    PERMU 10, \base+40
    PERMU 11, \base+44
    PERMU 12, \base+48
    PERMU 13, \base+52
    PERMU 14, \base+56
    PERMU 15, \base+60
.endm

    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
    li s0, 0
1:  li a0, VBASE
    slli a1, s0, 12
    add a0, a0, a1
    la a1, frame
    slli a2, s0, 1
    ori a2, a2, PTE_A | PTE_D
    li a3, 0
    call vm_map
    addi s0, s0, 1
    li t0, 16
    bltu s0, t0, 1b
    VM_ENABLE 0
    # An ecall from U returns to M at s7; other traps go to check_trap.
    la t0, ecall_to_m
    csrw mtvec, t0
    li t0, MSTATUS_SUM | MSTATUS_MXR
    csrc mstatus, t0
    la s7, back1
    ENTER_U pass1

pass1:
    ALL 1
    ecall

back1:
    li t0, MSTATUS_SUM
    csrs mstatus, t0
    la s7, back2
    ENTER_U pass2

pass2:
    # SUM=1 changes nothing for U-mode.
    ALL 65
    la a4, frame

    # AMOs need write permission: a store/AMO page fault otherwise, and
    # memory is left alone.
    li a0, -1
    sd a0, 16(a4)
    li a1, VBASE + 9 * 4096         # R|U
    addi a2, a1, 16
    li a3, 5
    VM_EXPECT_TRAP_R 129, 15, a2
    amoadd.w a0, a3, (a2)
    VM_TRAP_DONE
    ld a0, 16(a4)
    CHECK 130, a0, -1
    # (AMOs to pages that are not readable either: vm_amo_fault_rvsim_only.)
    li a1, VBASE + 13 * 4096        # R|X|U
    addi a2, a1, 16
    VM_EXPECT_TRAP_R 134, 15, a2
    amomax.d a0, a3, (a2)
    VM_TRAP_DONE
    ld a0, 16(a4)
    CHECK 135, a0, -1
    # An AMO to a R|W|U page works.
    sd zero, 16(a4)
    li a1, VBASE + 11 * 4096
    addi a2, a1, 16
    li a0, -7
    amoadd.w a0, a3, (a2)
    CHECK 136, a0, 0
    ld a0, 16(a4)
    CHECK 137, a0, 5
    # LR is a load: a load page fault on a page without R.
    li a1, VBASE + 12 * 4096        # X|U
    addi a2, a1, 8
    VM_EXPECT_TRAP_R 138, 13, a2
    lr.d a0, (a2)
    VM_TRAP_DONE
    li a1, VBASE + 10 * 4096        # W|U (reserved)
    addi a2, a1, 8
    VM_EXPECT_TRAP_R 139, 13, a2
    lr.w a0, (a2)
    VM_TRAP_DONE
    li a1, VBASE + 1 * 4096         # R, not U
    addi a2, a1, 8
    VM_EXPECT_TRAP_R 140, 13, a2
    lr.d a0, (a2)
    VM_TRAP_DONE
    li a1, VBASE + 9 * 4096         # R|U
    addi a2, a1, 8
    lr.d a0, (a2)
    CHECK 141, a0, DATA
    ecall

back2:
    j pass

.text
.balign 4
ecall_to_m:
    csrr t0, mcause
    li t6, 8
    beq t0, t6, 1f
    j check_trap
1:  jr s7

.data
.balign 4096
frame:
    .4byte 0x07b00513       # addi a0, x0, 123
    .4byte 0x00008067       # ret
    .dword DATA
    .dword 0
    .balign 4096
.text
"#
);
