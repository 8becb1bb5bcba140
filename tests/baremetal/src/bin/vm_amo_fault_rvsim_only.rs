//! An AMO from U-mode to a page it may neither read nor write must raise a store/AMO page fault (15); QEMU 7.2 raises a load page fault (13) there, from its read probe.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ VBASE, 0x40000000

.macro MAP va, flags
    li a0, \va
    la a1, frame
    li a2, \flags
    li a3, 0
    call vm_map
.endm

    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
    MAP VBASE + 0x0000, PTE_R | PTE_W | PTE_A | PTE_D
    MAP VBASE + 0x1000, PTE_X | PTE_U | PTE_A | PTE_D
    MAP VBASE + 0x2000, PTE_W | PTE_U | PTE_A | PTE_D
    MAP VBASE + 0x3000, PTE_U | PTE_A | PTE_D
    VM_ENABLE 0
    ENTER_U in_u

in_u:
    la a4, frame
    li a0, -1
    sd a0, 16(a4)
    li a3, 5
    # R|W but not U.
    li a2, VBASE + 0x0010
    VM_EXPECT_TRAP_R 1, 15, a2
    amoadd.w a0, a3, (a2)
    VM_TRAP_DONE
    # X|U: not readable, not writable.
    li a2, VBASE + 0x1010
    VM_EXPECT_TRAP_R 2, 15, a2
    amoswap.w a0, a3, (a2)
    VM_TRAP_DONE
    # W|U: a reserved encoding.
    li a2, VBASE + 0x2010
    VM_EXPECT_TRAP_R 3, 15, a2
    amoor.d a0, a3, (a2)
    VM_TRAP_DONE
    # U alone at the last level: a pointer where a leaf must be.
    li a2, VBASE + 0x3010
    VM_EXPECT_TRAP_R 4, 15, a2
    amoand.d a0, a3, (a2)
    VM_TRAP_DONE
    ld a0, 16(a4)
    CHECK 5, a0, -1

.data
.balign 4096
frame:
    .rept 512
    .dword 0
    .endr
.text
"#
);
