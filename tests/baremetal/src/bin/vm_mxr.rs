//! mstatus.MXR: loads (and LR) from execute-only pages succeed with MXR=1 and fault with MXR=0, from S (S pages, and U pages with SUM) and from U (U pages); MXR does not make W-only, W|X or no-permission pages readable, nor X pages writable.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ VBASE, 0x40000000
.equ DATA, 0x1122334455667788
# Pages (all onto `frame`): index and leaf flags (with A and D).
.equ P_X, 0             # X
.equ P_W, 1             # W (reserved)
.equ P_NONE, 2          # no R/W/X: a pointer at the last level
.equ P_WX, 3            # W|X (reserved)
.equ P_R, 4             # R
.equ P_XU, 5            # X|U
.equ P_WU, 6            # W|U (reserved)
.equ P_U, 7             # U alone
.equ P_WXU, 8           # W|X|U (reserved)
.equ P_RU, 9            # R|U

.macro MAP idx, flags
    li a0, VBASE + \idx * 4096
    la a1, frame
    li a2, \flags | PTE_A | PTE_D
    li a3, 0
    call vm_map
.endm

.macro MAPALL
    MAP P_X, PTE_X
    MAP P_W, PTE_W
    MAP P_NONE, 0
    MAP P_WX, PTE_W | PTE_X
    MAP P_R, PTE_R
    MAP P_XU, PTE_X | PTE_U
    MAP P_WU, PTE_W | PTE_U
    MAP P_U, PTE_U
    MAP P_WXU, PTE_W | PTE_X | PTE_U
    MAP P_RU, PTE_R | PTE_U
.endm

# ld from page \idx at offset 8 must return DATA.
.macro LOAD_OK num, idx
    li a1, VBASE + \idx * 4096
    li a0, 0
    ld a0, 8(a1)
    CHECK \num, a0, DATA
.endm

# ld from page \idx at offset 8 must raise a load page fault.
.macro LOAD_FAULT num, idx
    li a2, VBASE + \idx * 4096 + 8
    VM_EXPECT_TRAP_R \num, 13, a2
    ld a0, 0(a2)
    VM_TRAP_DONE
.endm

# sd to page \idx at offset 16 must raise a store page fault.
.macro STORE_FAULT num, idx
    li a2, VBASE + \idx * 4096 + 16
    VM_EXPECT_TRAP_R \num, 15, a2
    sd a2, 0(a2)
    VM_TRAP_DONE
.endm

    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    MAPALL
    li a0, PT_BASE
    li a1, 0
    call vm_satp
    mv s1, a0
    # A second address space for U-mode: the image mapped with U.
    call vm_new_root
    VM_MAP_IDENTITY PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
    MAPALL
    la t0, vm_root
    ld a0, 0(t0)
    li a1, 0
    call vm_satp
    mv s2, a0
    # An ecall from S or U returns to M at s7; other traps go to check_trap.
    la t0, ecall_to_m
    csrw mtvec, t0

    csrw satp, s1
    sfence.vma
    li t0, MSTATUS_SUM | MSTATUS_MXR
    csrc mstatus, t0
    la s7, back_s
    ENTER_S in_s

in_s:
    # MXR=0: only R makes a page readable.
    LOAD_FAULT 1, P_X
    LOAD_FAULT 2, P_W
    LOAD_FAULT 3, P_NONE
    LOAD_FAULT 4, P_WX
    LOAD_OK 5, P_R
    li t0, MSTATUS_SUM
    csrs sstatus, t0
    LOAD_FAULT 6, P_XU
    li t0, MSTATUS_SUM
    csrc sstatus, t0
    # MXR=1 (set through sstatus): X pages become readable.
    li t0, MSTATUS_MXR
    csrs sstatus, t0
    LOAD_OK 7, P_X
    li a1, VBASE + P_X * 4096
    lbu a0, 9(a1)
    CHECK 8, a0, 0x77
    LOAD_FAULT 9, P_W
    LOAD_FAULT 10, P_NONE
    LOAD_FAULT 11, P_WX
    LOAD_OK 12, P_R
    STORE_FAULT 13, P_X
    li a1, VBASE + P_X * 4096
    li a0, 0
    jalr ra, 0(a1)
    CHECK 14, a0, 123
    # A U page from S: MXR does not replace SUM.
    LOAD_FAULT 15, P_XU
    li t0, MSTATUS_SUM
    csrs sstatus, t0
    LOAD_OK 16, P_XU
    LOAD_FAULT 17, P_WU
    LOAD_FAULT 18, P_U
    LOAD_FAULT 19, P_WXU
    STORE_FAULT 20, P_XU
    # LR is a load.
    li a1, VBASE + P_X * 4096 + 8
    lr.d a0, (a1)
    CHECK 21, a0, DATA
    # MXR back to 0: the X page (translation cached by now) faults again.
    li t0, MSTATUS_MXR
    csrc sstatus, t0
    LOAD_FAULT 22, P_X
    LOAD_FAULT 23, P_XU
    ecall

back_s:
    csrw satp, s2
    sfence.vma
    li t0, MSTATUS_SUM | MSTATUS_MXR
    csrc mstatus, t0
    la s7, back_u0
    ENTER_U in_u0

in_u0:
    # U-mode, MXR=0.
    LOAD_FAULT 31, P_XU
    LOAD_FAULT 32, P_WU
    LOAD_FAULT 33, P_U
    LOAD_FAULT 34, P_WXU
    LOAD_OK 35, P_RU
    LOAD_FAULT 36, P_X
    ecall

back_u0:
    li t0, MSTATUS_MXR
    csrs mstatus, t0
    la s7, back_u1
    ENTER_U in_u1

in_u1:
    # U-mode, MXR=1.
    LOAD_OK 41, P_XU
    li a1, VBASE + P_XU * 4096
    lw a0, 12(a1)
    CHECK 42, a0, 0x11223344
    LOAD_FAULT 43, P_WU
    LOAD_FAULT 44, P_U
    LOAD_FAULT 45, P_WXU
    LOAD_FAULT 46, P_X
    LOAD_OK 47, P_RU
    STORE_FAULT 48, P_XU
    li a1, VBASE + P_XU * 4096 + 8
    lr.d a0, (a1)
    CHECK 49, a0, DATA
    li a2, VBASE + P_XU * 4096 + 16
    VM_EXPECT_TRAP_R 50, 15, a2
    amoadd.d a0, a2, (a2)
    VM_TRAP_DONE
    li a1, VBASE + P_XU * 4096
    li a0, 0
    jalr ra, 0(a1)
    CHECK 51, a0, 123
    ecall

back_u1:
    # Nothing was written to the frame.
    la a4, frame
    ld a0, 16(a4)
    CHECK 52, a0, 0
    j pass

.balign 4
ecall_to_m:
    csrr t0, mcause
    li t6, 8
    beq t0, t6, 1f
    li t6, 9
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
