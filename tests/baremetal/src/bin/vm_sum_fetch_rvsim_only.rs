//! S-mode with SUM=1 loads from a U page with X, then fetches from it: the fetch must still page-fault (QEMU 7.2 executes it, as the TLB entry its load filled grants execute).
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

    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    MAP VBASE + 0x0000, PTE_R | PTE_X | PTE_U | PTE_A | PTE_D
    MAP VBASE + 0x1000, PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D
    MAP VBASE + 0x2000, PTE_X | PTE_U | PTE_A | PTE_D
    VM_ENABLE 0
    li t0, MSTATUS_MXR
    csrc mstatus, t0
    li t0, MSTATUS_SUM
    csrs mstatus, t0
    ENTER_S in_s

in_s:
    # R|X|U: the load succeeds (SUM=1), the fetch faults.
    li a1, VBASE
    ld a0, 8(a1)
    CHECK 1, a0, 0x1122334455667788
    VM_EXPECT_FETCH_FAULT 2, 12, a1
    jalr ra, 0(a1)
    VM_TRAP_DONE
    # R|W|X|U: load and store succeed, the fetch faults.
    li a1, VBASE + 0x1000
    ld a0, 8(a1)
    CHECK 3, a0, 0x1122334455667788
    sd a0, 16(a1)
    VM_EXPECT_FETCH_FAULT 4, 12, a1
    jalr ra, 0(a1)
    VM_TRAP_DONE
    # X|U with MXR=1: the load succeeds, the fetch faults.
    li t0, MSTATUS_MXR
    csrs sstatus, t0
    li a1, VBASE + 0x2000
    ld a0, 8(a1)
    CHECK 5, a0, 0x1122334455667788
    VM_EXPECT_FETCH_FAULT 6, 12, a1
    jalr ra, 0(a1)
    VM_TRAP_DONE

.data
.balign 4096
frame:
    .4byte 0x07b00513       # addi a0, x0, 123
    .4byte 0x00008067       # ret
    .dword 0x1122334455667788
    .dword 0
    .balign 4096
.text
"#
);
