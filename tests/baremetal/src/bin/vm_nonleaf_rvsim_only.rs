//! A non-leaf Sv39 PTE pointing outside RAM, so that reading the next-level PTE fails: an access fault of the access kind (load 5, store/AMO 7, fetch 1) with mtval = the VA, as the privileged spec says; QEMU 7.2 raises a page fault instead.
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

.macro SETPTE va, value, level
    li a0, \va
    li a1, \value
    li a3, \level
    call vm_set_pte
.endm

# S-mode: load, store, fetch and AMO at \va raise access faults: cases
# \num .. \num+3.
.macro AFAULT4 num, va
    li s0, \va
    VM_EXPECT_TRAP_R \num, 5, s0
    ld a0, 0(s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP_R (\num + 1), 7, s0
    sd a0, 0(s0)
    VM_TRAP_DONE
    VM_EXPECT_FETCH_FAULT (\num + 2), 1, s0
    jalr s0
    VM_TRAP_DONE
    VM_EXPECT_TRAP_R (\num + 3), 7, s0
    amoadd.d a0, a0, (s0)
    VM_TRAP_DONE
.endm

.equ RWXAD, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
.equ FRAME, 0x81100000

    VM_SETUP RWXAD
    li t1, FRAME
    li t2, 0x0123456789abcdef
    sd t2, 0(t1)
    MAP 0x40000000, FRAME, RWXAD, 0
    # Root entries pointing to 0x90000000 and to 0x200000000 (no memory).
    SETPTE 0x200000000, (0x90000000 >> 12 << 10) | PTE_V, 2
    SETPTE 0x240000000, (0x200000000 >> 12 << 10) | PTE_V, 2
    # A level-1 entry pointing to 0x90000000 (in the GiB of 0x40000000).
    SETPTE 0x40800000, (0x90000000 >> 12 << 10) | PTE_V, 1
    VM_ENABLE 1
    ENTER_S in_s_mode

in_s_mode:
    li s0, 0x40000000
    ld a0, 0(s0)
    CHECK 1, a0, 0x0123456789abcdef
    AFAULT4 10, 0x200000000
    AFAULT4 14, 0x240123458
    AFAULT4 18, 0x40800000
    li s0, 0x40812344
    VM_EXPECT_TRAP_R 22, 5, s0
    lw a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0x40800ff8
    VM_EXPECT_TRAP_R 23, 5, s0
    lr.d a0, (s0)
    VM_TRAP_DONE
    li s0, 0x40000000
    ld a0, 0(s0)
    CHECK 30, a0, 0x0123456789abcdef
"#
);
