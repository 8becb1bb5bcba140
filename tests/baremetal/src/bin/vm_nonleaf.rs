//! Non-leaf Sv39 PTEs from S-mode: a pointer with A, D or U set (reserved) is a page fault of the access kind at level 2 and level 1, while G and the RSW bits in a pointer are allowed.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.macro MAP va, pa, flags, level
    li a0, \va
    li a1, \pa
    li a2, \flags
    li a3, \level
    call vm_map
.endm

# M-mode: OR \bits into the PTE that maps \va at \level.
.macro PTE_OR va, level, bits
    li a0, \va
    li a3, \level
    call vm_pte_address
    ld t1, 0(a0)
    li t2, \bits
    or t1, t1, t2
    sd t1, 0(a0)
.endm

# S-mode: a load, a store and a fetch at \va raise the page fault of their
# kind: cases \num .. \num+2.
.macro FAULT3 num, va
    li s0, \va
    VM_EXPECT_TRAP_R \num, 13, s0
    ld a0, 0(s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP_R (\num + 1), 15, s0
    sd a0, 0(s0)
    VM_TRAP_DONE
    VM_EXPECT_FETCH_FAULT (\num + 2), 12, s0
    jalr s0
    VM_TRAP_DONE
.endm

.equ RWXAD, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
.equ FRAME, 0x81100000

    VM_SETUP RWXAD
    li t1, FRAME
    li t2, 0x0123456789abcdef
    sd t2, 0(t1)
    # Level-2 pointers (root entries) with A, D, U, A|D|U set; each maps
    # a 4 KiB page at the start of its GiB.
    MAP 0x40000000, FRAME, RWXAD, 0
    PTE_OR 0x40000000, 2, PTE_A
    MAP 0xc0000000, FRAME, RWXAD, 0
    PTE_OR 0xc0000000, 2, PTE_D
    MAP 0x100000000, FRAME, RWXAD, 0
    PTE_OR 0x100000000, 2, PTE_U
    MAP 0x140000000, FRAME, RWXAD, 0
    PTE_OR 0x140000000, 2, PTE_A | PTE_D | PTE_U
    # Level-1 pointers with A, D, U set (in the GiB at 0x180000000), and
    # an unmodified one next to them.
    MAP 0x180000000, FRAME, RWXAD, 0
    PTE_OR 0x180000000, 1, PTE_A
    MAP 0x180200000, FRAME, RWXAD, 0
    PTE_OR 0x180200000, 1, PTE_D
    MAP 0x180400000, FRAME, RWXAD, 0
    PTE_OR 0x180400000, 1, PTE_U
    MAP 0x180600000, FRAME, RWXAD, 0
    # An unmodified GiB.
    MAP 0x1c0000000, FRAME, RWXAD, 0
    # Pointers with G, and with the RSW bits: allowed. Level 2 (G | RSW)
    # and level 1 (G; RSW).
    MAP 0x200000000, FRAME, RWXAD, 0
    PTE_OR 0x200000000, 2, PTE_G | (3 << 8)
    MAP 0x240000000, FRAME, RWXAD, 0
    PTE_OR 0x240000000, 1, PTE_G
    MAP 0x240200000, FRAME, RWXAD, 0
    PTE_OR 0x240200000, 1, (3 << 8)
    VM_ENABLE 1
    ENTER_S in_s_mode

in_s_mode:
    # Controls.
    li s0, 0x1c0000000
    ld a0, 0(s0)
    CHECK 1, a0, 0x0123456789abcdef
    li s0, 0x180600000
    ld a0, 0(s0)
    CHECK 2, a0, 0x0123456789abcdef

    # Level-2 pointers with A / D / U / A|D|U: page faults.
    FAULT3 10, 0x40000000
    FAULT3 13, 0xc0000000
    FAULT3 16, 0x100000000
    FAULT3 19, 0x140000000
    # Level-1 pointers with A / D / U.
    FAULT3 22, 0x180000000
    FAULT3 25, 0x180200000
    FAULT3 28, 0x180400000
    # Another page under the faulting level-2 pointer.
    li s0, 0x40001238
    VM_EXPECT_TRAP_R 31, 13, s0
    lw a0, 0(s0)
    VM_TRAP_DONE

    # G and RSW in pointers: the accesses work.
    li s0, 0x200000000
    ld a0, 0(s0)
    CHECK 40, a0, 0x0123456789abcdef
    li s0, 0x240000000
    ld a0, 0(s0)
    CHECK 41, a0, 0x0123456789abcdef
    li s0, 0x240200000
    ld a0, 0(s0)
    CHECK 42, a0, 0x0123456789abcdef
    li a1, 0x77
    sd a1, 8(s0)
    li s1, FRAME + 8
    ld a0, 0(s1)
    CHECK 43, a0, 0x77

    # The controls still work.
    li s0, 0x1c0000008
    ld a0, 0(s0)
    CHECK 50, a0, 0x77
    # Still faulting (nothing was cached).
    li s0, 0x180000000
    VM_EXPECT_TRAP_R 51, 13, s0
    ld a0, 0(s0)
    VM_TRAP_DONE
"#
);
