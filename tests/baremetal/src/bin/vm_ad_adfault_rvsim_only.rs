//! Software-managed Sv39 A/D bits (rvsim --ad fault, as Spike; QEMU has no such mode): A = 0 makes every access a page fault of its kind, D = 0 makes stores, AMOs and SC fault, the hardware never writes the PTE, and once S-mode or an M-mode handler sets the bits (then sfence.vma) the access succeeds; 4 KiB, 2 MiB and 1 GiB leaves.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ RWXAD, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D

# M-mode: map \va -> a1 (physical, set by the caller) with \flags at
# \level, and record the leaf PTE's address and initial value in slot
# \idx of pte_tab.
.macro MAPREC idx, va, flags, level
    li a0, \va
    li a2, \flags
    li a3, \level
    call vm_map
    li a0, \va
    li a3, \level
    call vm_pte_address
    la t1, pte_tab
    sd a0, (\idx * 16)(t1)
    ld t2, 0(a0)
    sd t2, (\idx * 16 + 8)(t1)
.endm

# Any mode: fail case \num unless the PTE of slot \idx is its initial
# value with \bits set.
.macro CHECK_PTE num, idx, bits
    la t1, pte_tab
    ld t2, (\idx * 16)(t1)
    ld t3, (\idx * 16 + 8)(t1)
    li t4, \bits
    or t3, t3, t4
    ld t2, 0(t2)
    li gp, \num
    beq t2, t3, 9f
    j fail
9:
.endm

# S-mode: set \bits in the PTE of slot \idx (through the identity mapping
# of the pool).
.macro PTE_SET idx, bits
    la t1, pte_tab
    ld t2, (\idx * 16)(t1)
    ld t3, 0(t2)
    ori t3, t3, \bits
    sd t3, 0(t2)
.endm

# S-mode: arm the M-mode A/D handler for the next trap: it will set
# \bits in the PTE of slot \idx, sfence.vma, and retry the instruction.
.macro ARM_AD idx, bits
    la t1, pte_tab
    ld s2, (\idx * 16)(t1)
    li s7, \bits
    li s4, 0
    li s5, 0
    li s6, 0
.endm

# After an armed access: exactly one trap, with cause \cause and mtval
# \tval, happened (cases \num, \num+1, \num+2).
.macro CHECK_AD_TRAP num, cause, tval
    CHECK \num, s4, 1
    CHECK (\num + 1), s5, \cause
    CHECK (\num + 2), s6, \tval
.endm

    VM_SETUP RWXAD
    la t0, ad_handler
    csrw mtvec, t0
    li s7, 0
    li t1, 0x81180000
    li t2, 0x2222222222222222
    sd t2, 0(t1)

    # 4 KiB pages.
    la a1, frame1
    MAPREC 1, 0x40001000, PTE_R | PTE_W, 0
    la a1, code_page
    MAPREC 2, 0x40002000, PTE_R | PTE_W | PTE_X, 0
    la a1, frame3
    MAPREC 3, 0x40003000, PTE_R | PTE_W | PTE_A, 0
    la a1, frame4
    MAPREC 4, 0x40004000, PTE_R | PTE_W, 0
    la a1, code_page
    MAPREC 5, 0x40005000, PTE_R | PTE_X, 0
    la a1, frame6
    MAPREC 6, 0x40006000, PTE_R | PTE_W, 0
    la a1, frame7
    MAPREC 7, 0x40007000, PTE_R | PTE_W | PTE_D, 0
    # 2 MiB leaves onto the pool's block: A = 0; A = 1, D = 0.
    li a1, 0x81000000
    MAPREC 8, 0x40200000, PTE_R | PTE_W, 1
    li a1, 0x81000000
    MAPREC 9, 0x40400000, PTE_R | PTE_W | PTE_A, 1
    # 1 GiB leaf onto RAM: A = 0.
    li a1, 0x80000000
    MAPREC 10, 0x100000000, PTE_R | PTE_W | PTE_X, 2
    VM_ENABLE 1
    ENTER_S in_s_mode

in_s_mode:
    # --- page 1 (A = 0, D = 0): everything faults, the PTE stays ---
    li s0, 0x40001000
    VM_EXPECT_TRAP 1, 13, 0x40001000
    ld a0, 0(s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP 2, 15, 0x40001000
    sd a0, 0(s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP 3, 15, 0x40001000
    amoadd.d a0, a0, (s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP 4, 13, 0x40001000
    lr.d a0, (s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP 5, 13, 0x40001000
    lbu a0, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 6, 1, 0
    # --- page 2 (R W X, A = 0): a fetch faults ---
    li s0, 0x40002000
    VM_EXPECT_FETCH_FAULT 7, 12, s0
    jalr s0
    VM_TRAP_DONE
    CHECK_PTE 8, 2, 0
    # --- page 3 (A = 1, D = 0): loads work, stores fault ---
    li s0, 0x40003000
    ld a0, 0(s0)
    CHECK 9, a0, 0x3030303030303030
    CHECK_PTE 10, 3, 0
    VM_EXPECT_TRAP 11, 15, 0x40003000
    sd a0, 0(s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP 12, 15, 0x40003000
    amoswap.d a0, a0, (s0)
    VM_TRAP_DONE
    lr.d a0, (s0)
    CHECK 13, a0, 0x3030303030303030
    VM_EXPECT_TRAP 14, 15, 0x40003000
    sc.d a1, a0, (s0)
    VM_TRAP_DONE
    CHECK_PTE 15, 3, 0
    # page 7 (A = 0, D = 1): A = 0 still faults, even a store.
    li s0, 0x40007000
    VM_EXPECT_TRAP 16, 13, 0x40007000
    ld a0, 0(s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP 17, 15, 0x40007000
    sd a0, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 18, 7, 0

    # --- S-mode sets the bits, then sfence.vma ---
    # page 3: D, then the store works.
    PTE_SET 3, PTE_D
    sfence.vma
    li s0, 0x40003000
    li a1, 0x33
    sd a1, 8(s0)
    la t1, frame3
    ld a0, 8(t1)
    CHECK 20, a0, 0x33
    amoadd.d a0, a1, (s0)
    CHECK 21, a0, 0x3030303030303030
    CHECK_PTE 22, 3, PTE_D
    # page 1: A only: loads work, stores still fault.
    PTE_SET 1, PTE_A
    sfence.vma
    li s0, 0x40001000
    ld a0, 0(s0)
    CHECK 23, a0, 0x1010101010101010
    VM_EXPECT_TRAP 24, 15, 0x40001000
    sd a0, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 25, 1, PTE_A
    # then D (sfence.vma with this address only): stores work.
    PTE_SET 1, PTE_D
    sfence.vma s0
    li a1, 0x11
    sd a1, 0(s0)
    ld a0, 0(s0)
    CHECK 26, a0, 0x11
    CHECK_PTE 27, 1, PTE_A | PTE_D
    # page 2: A, then the fetch works.
    PTE_SET 2, PTE_A
    sfence.vma
    li s0, 0x40002000
    li a0, 0
    jalr s0
    CHECK 28, a0, 0x99
    CHECK_PTE 29, 2, PTE_A

    # --- an M-mode handler sets the bits and retries ---
    # page 4 (A = 0, D = 0): a store traps once, then succeeds.
    li s0, 0x40004008
    ARM_AD 4, PTE_A | PTE_D
    li a1, 0x44
    sd a1, 0(s0)
    CHECK_AD_TRAP 30, 15, 0x40004008
    la t1, frame4
    ld a0, 8(t1)
    CHECK 33, a0, 0x44
    CHECK_PTE 34, 4, PTE_A | PTE_D
    # page 5 (R X, A = 0): a fetch traps once, then succeeds.
    li s0, 0x40005000
    ARM_AD 5, PTE_A
    li a0, 0
    jalr s0
    CHECK 35, a0, 0x99
    CHECK_AD_TRAP 36, 12, 0x40005000
    CHECK_PTE 39, 5, PTE_A
    # page 6 (A = 0, D = 0): a load traps once and gets A only.
    li s0, 0x40006010
    ARM_AD 6, PTE_A
    ld a0, 0(s0)
    CHECK 40, a0, 0x6060606060606060
    CHECK_AD_TRAP 41, 13, 0x40006010
    CHECK_PTE 44, 6, PTE_A
    # then an AMO traps once (D) and is done once.
    ARM_AD 6, PTE_D
    li a1, 1
    amoadd.d a0, a1, (s0)
    CHECK 45, a0, 0x6060606060606060
    CHECK_AD_TRAP 46, 15, 0x40006010
    CHECK_PTE 49, 6, PTE_A | PTE_D
    ld a0, 0(s0)
    CHECK 50, a0, 0x6060606060606061

    # --- 2 MiB leaf, A = 0 ---
    li s0, 0x40380000
    VM_EXPECT_TRAP 60, 13, 0x40380000
    ld a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0x403ffff8
    VM_EXPECT_TRAP 61, 15, 0x403ffff8
    sd a0, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 62, 8, 0
    # --- 2 MiB leaf, A = 1, D = 0 ---
    li s0, 0x40580000
    ld a0, 0(s0)
    CHECK 63, a0, 0x2222222222222222
    VM_EXPECT_TRAP 64, 15, 0x40580000
    sd a0, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 65, 9, 0
    # The handler sets D: the store works.
    li s0, 0x405ffff0
    ARM_AD 9, PTE_D
    li a1, 0x99
    sd a1, 0(s0)
    CHECK_AD_TRAP 66, 15, 0x405ffff0
    li s1, 0x811ffff0
    ld a0, 0(s1)
    CHECK 69, a0, 0x99
    CHECK_PTE 70, 9, PTE_D
    # --- 1 GiB leaf, A = 0 ---
    li s0, 0x101180000
    VM_EXPECT_TRAP 71, 13, 0x101180000
    ld a0, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 72, 10, 0
    ARM_AD 10, PTE_A
    ld a0, 0(s0)
    CHECK 73, a0, 0x2222222222222222
    CHECK_AD_TRAP 74, 13, 0x101180000
    CHECK_PTE 77, 10, PTE_A
    # A store through it still faults (D = 0), a fetch works.
    VM_EXPECT_TRAP 78, 15, 0x101180000
    sd a0, 0(s0)
    VM_TRAP_DONE
    la t1, code_page
    li t2, 0x100000000 - 0x80000000
    add t1, t1, t2
    li a0, 0
    jalr t1
    CHECK 79, a0, 0x99
    CHECK_PTE 80, 10, PTE_A
    j pass

# M-mode trap vector. While s7 = 0, traps go to check_trap (the
# VM_EXPECT_TRAP checks). Otherwise: set s7 in the PTE at s2,
# sfence.vma, count the trap in s4, record mcause in s5 and mtval in s6,
# disarm (s7 = 0) and retry the instruction.
.balign 4
ad_handler:
    bnez s7, 1f
    j check_trap
1:  csrr s5, mcause
    csrr s6, mtval
    ld t1, 0(s2)
    or t1, t1, s7
    sd t1, 0(s2)
    sfence.vma
    addi s4, s4, 1
    li s7, 0
    mret

.balign 4096
code_page:
    li a0, 0x99
    ret
.balign 4096

.data
.balign 8
pte_tab:
    .rept 2 * 16
    .dword 0
    .endr
.balign 4096
.irp n, 1, 3, 4, 6, 7
frame\n:
    .rept 512
    .dword 0x0101010101010101 * (\n * 16)
    .endr
.endr
.text
"#
);
