//! Hardware-managed Sv39 A/D bits (rvsim's default policy, as QEMU): loads and fetches set A only, stores, AMOs and SC set A and D, faulting accesses change nothing, other PTE bits are kept; for 4 KiB pages, 2 MiB and 1 GiB leaves (PTEs read back through the identity mapping of the pool).
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

    VM_SETUP RWXAD
    # Initial values in frames (4 KiB frames are in .data).
    li t1, 0x81180000
    li t2, 0x2222222222222222
    sd t2, 0(t1)
    li t1, 0x81400000
    li t2, 10
    sd t2, 0(t1)
    li t1, 0x81100000
    li t2, 0x1111111111111111
    sd t2, 0(t1)

    # 4 KiB pages, all with A = 0 and D = 0 unless said.
    la a1, frame1
    MAPREC 1, 0x40001000, PTE_R | PTE_W, 0
    la a1, frame2
    MAPREC 2, 0x40002000, PTE_R | PTE_W, 0
    la a1, frame3
    MAPREC 3, 0x40003000, PTE_R | PTE_W, 0
    la a1, code_page
    MAPREC 4, 0x40004000, PTE_R | PTE_W | PTE_X, 0
    la a1, frame5
    MAPREC 5, 0x40005000, PTE_R, 0
    la a1, frame6
    MAPREC 6, 0x40006000, PTE_R | PTE_W, 0
    la a1, code_page
    MAPREC 7, 0x40007000, PTE_R | PTE_W, 0
    la a1, frame8
    MAPREC 8, 0x40008000, PTE_R | PTE_W | PTE_A, 0
    la a1, frame9
    MAPREC 9, 0x40009000, PTE_R | PTE_W | PTE_D, 0
    # RSW bits and G are kept by the update.
    la a1, frame10
    MAPREC 10, 0x4000a000, PTE_R | PTE_W | PTE_G | (3 << 8), 0
    la a1, frame11
    MAPREC 11, 0x4000b000, PTE_R | PTE_W, 0
    la a1, code_page
    MAPREC 12, 0x4000c000, PTE_X, 0
    # 2 MiB leaves: onto the pool's block (R W), onto the image (R W X),
    # onto free RAM for AMOs (R W).
    li a1, 0x81000000
    MAPREC 13, 0x40200000, PTE_R | PTE_W, 1
    li a1, 0x80000000
    MAPREC 14, 0x40400000, PTE_R | PTE_W | PTE_X, 1
    li a1, 0x81400000
    MAPREC 15, 0x40600000, PTE_R | PTE_W, 1
    # A 1 GiB leaf onto RAM (R W).
    li a1, 0x80000000
    MAPREC 16, 0x100000000, PTE_R | PTE_W, 2
    VM_ENABLE 1
    ENTER_S in_s_mode

in_s_mode:
    # Nothing was touched yet.
    CHECK_PTE 1, 1, 0
    CHECK_PTE 2, 13, 0
    # --- page 1: a load sets A only; then a store sets D ---
    li s0, 0x40001000
    ld a0, 0(s0)
    CHECK 3, a0, 0x1010101010101010
    CHECK_PTE 4, 1, PTE_A
    ld a0, 8(s0)
    CHECK_PTE 5, 1, PTE_A
    li a1, 0x77
    sd a1, 8(s0)
    CHECK_PTE 6, 1, PTE_A | PTE_D
    la t1, frame1
    ld a0, 8(t1)
    CHECK 7, a0, 0x77
    # --- page 2: a store first sets A and D ---
    li s0, 0x40002000
    li a1, 0x88
    sb a1, 3(s0)
    CHECK_PTE 10, 2, PTE_A | PTE_D
    ld a0, 0(s0)
    CHECK 11, a0, 0x2020202088202020
    # --- page 3: an AMO sets A and D ---
    li s0, 0x40003000
    li a1, 1
    amoadd.d a0, a1, (s0)
    CHECK 12, a0, 0x3030303030303030
    CHECK_PTE 13, 3, PTE_A | PTE_D
    # --- page 4 (R W X): a fetch sets A only ---
    li s0, 0x40004000
    li a0, 0
    jalr s0
    CHECK 14, a0, 0x99
    CHECK_PTE 15, 4, PTE_A
    # A load from it does not set D either.
    ld a0, 0(s0)
    CHECK_PTE 16, 4, PTE_A
    # --- page 5 (R only): a store faults and sets nothing ---
    li s0, 0x40005000
    VM_EXPECT_TRAP 17, 15, 0x40005000
    sd a1, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 18, 5, 0
    # then a load sets A
    ld a0, 0(s0)
    CHECK 21, a0, 0x5050505050505050
    CHECK_PTE 22, 5, PTE_A
    # and a store still faults, without setting D.
    VM_EXPECT_TRAP 23, 15, 0x40005000
    sd a1, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 24, 5, PTE_A
    # --- page 6: LR sets A only, SC sets D ---
    li s0, 0x40006000
    lr.d a0, (s0)
    CHECK 25, a0, 0x6060606060606060
    CHECK_PTE 26, 6, PTE_A
    li a1, 0x66
    sc.d a2, a1, (s0)
    CHECK 27, a2, 0
    CHECK_PTE 28, 6, PTE_A | PTE_D
    ld a0, 0(s0)
    CHECK 29, a0, 0x66
    # --- page 7 (R W, no X): a fetch faults and sets nothing ---
    li s0, 0x40007000
    VM_EXPECT_FETCH_FAULT 30, 12, s0
    jalr s0
    VM_TRAP_DONE
    CHECK_PTE 31, 7, 0
    # --- page 12 (X only): a load faults and sets nothing ---
    li s0, 0x4000c000
    VM_EXPECT_TRAP 32, 13, 0x4000c000
    ld a0, 0(s0)
    VM_TRAP_DONE
    CHECK_PTE 33, 12, 0
    li a0, 0
    jalr s0
    CHECK 34, a0, 0x99
    CHECK_PTE 35, 12, PTE_A
    # --- page 8 (A = 1, D = 0): a load changes nothing, a store sets D ---
    li s0, 0x40008000
    ld a0, 0(s0)
    CHECK 36, a0, 0x8080808080808080
    CHECK_PTE 37, 8, 0
    sw a1, 4(s0)
    CHECK_PTE 38, 8, PTE_D
    # --- page 9 (A = 0, D = 1): a load sets A ---
    li s0, 0x40009000
    lhu a0, 0(s0)
    CHECK 39, a0, 0x9090
    CHECK_PTE 40, 9, PTE_A
    # --- page 10 (G, RSW = 3): kept when A and D are set ---
    li s0, 0x4000a000
    ld a0, 0(s0)
    CHECK_PTE 41, 10, PTE_A
    sd a1, 0(s0)
    CHECK_PTE 42, 10, PTE_A | PTE_D
    # --- page 11: a store that crosses nothing, after the page is in
    # the TLB from a load, with another page touched in between ---
    li s0, 0x4000b000
    lbu a0, 0(s0)
    CHECK_PTE 43, 11, PTE_A
    li s1, 0x40001000
    ld a0, 0(s1)
    amoswap.w a0, a1, (s0)
    CHECK_PTE 44, 11, PTE_A | PTE_D

    # --- 2 MiB leaf (R W): a load sets A, a store sets D ---
    li s0, 0x40380000
    ld a0, 0(s0)
    CHECK 50, a0, 0x2222222222222222
    CHECK_PTE 51, 13, PTE_A
    li s1, 0x403ffff8
    ld a0, 0(s1)
    CHECK_PTE 52, 13, PTE_A
    li a1, 0x1234
    sd a1, 0(s1)
    CHECK_PTE 53, 13, PTE_A | PTE_D
    li s1, 0x811ffff8
    ld a0, 0(s1)
    CHECK 54, a0, 0x1234
    # --- 2 MiB leaf onto the image (R W X): a fetch sets A only ---
    la t1, sp_fn
    li t2, 0x40400000 - 0x80000000
    add t1, t1, t2
    li a0, 0
    jalr t1
    CHECK 55, a0, 0x55
    CHECK_PTE 56, 14, PTE_A
    # --- 2 MiB leaf (R W): an AMO sets A and D ---
    li s0, 0x40600000
    li a1, 3
    amoadd.d a0, a1, (s0)
    CHECK 57, a0, 10
    CHECK_PTE 58, 15, PTE_A | PTE_D
    ld a0, 0(s0)
    CHECK 59, a0, 13
    # --- 1 GiB leaf (R W): a load sets A, a store sets D ---
    li s0, 0x101100000
    ld a0, 0(s0)
    CHECK 60, a0, 0x1111111111111111
    CHECK_PTE 61, 16, PTE_A
    sd a1, 8(s0)
    CHECK_PTE 62, 16, PTE_A | PTE_D
    li s1, 0x81100008
    ld a0, 0(s1)
    CHECK 63, a0, 3

    # The bits stay set (nothing clears them): all PTEs once more.
    CHECK_PTE 70, 1, PTE_A | PTE_D
    CHECK_PTE 71, 4, PTE_A
    CHECK_PTE 72, 7, 0
    CHECK_PTE 73, 13, PTE_A | PTE_D
    CHECK_PTE 74, 14, PTE_A
    j pass

.balign 4
sp_fn:
    li a0, 0x55
    ret

.balign 4096
code_page:
    li a0, 0x99
    ret
.balign 4096

.data
.balign 8
pte_tab:
    .rept 2 * 20
    .dword 0
    .endr
.balign 4096
.irp n, 1, 2, 3, 5, 6, 8, 9, 10, 11
frame\n:
    .rept 512
    .dword 0x0101010101010101 * (\n * 16)
    .endr
.endr
.text
"#
);
