//! Sv39 leaf permissions from S-mode: every R/W/X/U combination (W without R reserved) for load, store and fetch, with SUM=0 and SUM=1; fetches that cross into a non-executable page.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ VBASE, 0x40000000
.equ XBASE, 0x40100000
.equ DATA, 0x1122334455667788

# Combination n = R | W << 1 | X << 2 | U << 3, mapped (with A and D) at
# VBASE + n * 4096 onto `frame`, in S-mode with SUM = \sum. Cases:
# \c+3 fetch (jalr to the page, whose code sets a0 = 123 and returns),
# \c load (ld at offset 8), \c+1 store (sd at offset 16), \c+2 the store
# reached memory exactly when it did not fault.
.macro PERM n, sum, c
    li a1, VBASE + \n * 4096
    la a4, frame
    # The fetch comes first: QEMU 7.2 lets S fetch from a U page once a
    # SUM=1 load has cached its translation (see vm_sum_fetch_rvsim_only).
    .if (((\n & 3) != 2) && ((\n & 4) != 0) && ((\n & 8) == 0))
    li a0, 0
    jalr ra, 0(a1)
    CHECK \c+3, a0, 123
    .else
    VM_EXPECT_FETCH_FAULT \c+3, 12, a1
    jalr ra, 0(a1)
    VM_TRAP_DONE
    .endif
    .if (((\n & 3) != 2) && ((\n & 1) != 0) && (((\n & 8) == 0) || (\sum != 0)))
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
    .if (((\n & 3) == 3) && (((\n & 8) == 0) || (\sum != 0)))
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

.macro MAP va, frame, flags
    li a0, \va
    la a1, \frame
    li a2, \flags
    li a3, 0
    call vm_map
.endm

    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
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
    # Pages for fetches across a page boundary.
    MAP XBASE + 0x0000, frame_x1, PTE_X | PTE_A | PTE_D
    MAP XBASE + 0x1000, frame_x2, PTE_X | PTE_A | PTE_D
    MAP XBASE + 0x2000, frame_x1, PTE_X | PTE_A | PTE_D
    MAP XBASE + 0x3000, frame_x2, PTE_R | PTE_A | PTE_D
    MAP XBASE + 0x4000, frame_x1, PTE_X | PTE_A | PTE_D
    MAP XBASE + 0x6000, frame_x3, PTE_X | PTE_A | PTE_D
    MAP XBASE + 0x8000, frame_x1, PTE_X | PTE_A | PTE_D
    MAP XBASE + 0x9000, frame_x2, PTE_X | PTE_U | PTE_A | PTE_D
    VM_ENABLE 0
    li t0, MSTATUS_SUM | MSTATUS_MXR
    csrc mstatus, t0
    ENTER_S in_s

in_s:
    PERM 0, 0, 1
    PERM 1, 0, 5
    PERM 2, 0, 9
    PERM 3, 0, 13
    PERM 4, 0, 17
    PERM 5, 0, 21
    PERM 6, 0, 25
    PERM 7, 0, 29
    PERM 8, 0, 33
    PERM 9, 0, 37
    PERM 10, 0, 41
    PERM 11, 0, 45
    PERM 12, 0, 49
    PERM 13, 0, 53
    PERM 14, 0, 57
    PERM 15, 0, 61
    # SUM is writable through sstatus and takes effect at once.
    li t0, MSTATUS_SUM
    csrs sstatus, t0
    PERM 0, 1, 65
    PERM 1, 1, 69
    PERM 2, 1, 73
    PERM 3, 1, 77
    PERM 4, 1, 81
    PERM 5, 1, 85
    PERM 6, 1, 89
    PERM 7, 1, 93
    PERM 8, 1, 97
    PERM 9, 1, 101
    PERM 10, 1, 105
    PERM 11, 1, 109
    PERM 12, 1, 113
    PERM 13, 1, 117
    PERM 14, 1, 121
    PERM 15, 1, 125
    # And back to SUM = 0: a U page is again out of reach (the translation
    # is cached by now).
    li t0, MSTATUS_SUM
    csrc sstatus, t0
    li a1, VBASE + 11 * 4096
    addi a2, a1, 8
    VM_EXPECT_TRAP_R 129, 13, a2
    ld a0, 8(a1)
    VM_TRAP_DONE
    addi a2, a1, 16
    VM_EXPECT_TRAP_R 130, 15, a2
    sd a0, 16(a1)
    VM_TRAP_DONE

    # A 4-byte instruction (addi a0, x0, 99) at the last halfword of an
    # executable page, continuing into another executable page: runs.
    li a1, XBASE + 0xffe
    li a0, 0
    jalr ra, 0(a1)
    CHECK 131, a0, 99
    # The same with a readable but not executable second page: fetch page
    # fault, mepc = the instruction, mtval = the address of the part that
    # faulted (the second page).
    li gp, 132
    li s10, 12
    li s11, XBASE + 0x3000
    li s9, XBASE + 0x2ffe
    la s8, 7f
    li a1, XBASE + 0x2ffe
    jalr ra, 0(a1)
    VM_TRAP_DONE
    # Second page not mapped at all.
    li gp, 133
    li s10, 12
    li s11, XBASE + 0x5000
    li s9, XBASE + 0x4ffe
    la s8, 7f
    li a1, XBASE + 0x4ffe
    jalr ra, 0(a1)
    VM_TRAP_DONE
    # Second page is a U page (S cannot execute it).
    li gp, 134
    li s10, 12
    li s11, XBASE + 0x9000
    li s9, XBASE + 0x8ffe
    la s8, 7f
    li a1, XBASE + 0x8ffe
    jalr ra, 0(a1)
    VM_TRAP_DONE
    # A compressed ret (c.jr ra) in the last halfword of an executable
    # page, the next page unmapped: only 2 bytes are fetched, no fault.
    li a1, XBASE + 0x6ffe
    li a0, 5
    jalr ra, 0(a1)
    CHECK 135, a0, 5

.data
.balign 4096
frame:
    .4byte 0x07b00513       # addi a0, x0, 123
    .4byte 0x00008067       # ret
    .dword DATA
    .dword 0
    .balign 4096
frame_x1:
    .space 4094
    .2byte 0x0513           # low half of addi a0, x0, 99
frame_x2:
    .2byte 0x0630           # high half of addi a0, x0, 99
    .4byte 0x00008067       # ret
    .balign 4096
frame_x3:
    .space 4094
    .2byte 0x8082           # c.jr ra
.text
"#
);
