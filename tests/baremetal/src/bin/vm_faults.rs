//! Sv39 walk faults from S-mode: invalid PTEs at each level, reserved encodings (W without R, bits 63:54), RSW bits ignored, non-canonical addresses, a level-0 pointer PTE; page faults of the access kind (load, store, fetch) with mtval = the address.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
# M-mode: vm_map \va -> \pa with \flags at \level.
.macro MAP va, pa, flags, level
    li a0, \va
    li a1, \pa
    li a2, \flags
    li a3, \level
    call vm_map
.endm

# M-mode: raw PTE \value for \va at \level.
.macro SETPTE va, value, level
    li a0, \va
    li a1, \value
    li a3, \level
    call vm_set_pte
.endm

# S-mode: a load (ld), a store (sd) and a fetch (jalr) at \va must each
# raise the page fault of their kind, cases \num, \num+1, \num+2.
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

# The same, each access right after one through the canonical address
# \canon with the same low 39 bits (so that its page is in the TLB).
.macro FAULT3_CACHED num, va, canon
    li s1, \canon
    li s0, \va
    ld a0, 0(s1)
    VM_EXPECT_TRAP_R \num, 13, s0
    ld a0, 0(s0)
    VM_TRAP_DONE
    ld a0, 0(s1)
    VM_EXPECT_TRAP_R (\num + 1), 15, s0
    sd a0, 0(s0)
    VM_TRAP_DONE
    jalr s1
    VM_EXPECT_FETCH_FAULT (\num + 2), 12, s0
    jalr s0
    VM_TRAP_DONE
.endm

.equ RWXAD, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
.equ RWXADV, RWXAD | PTE_V
# Target of the raw PTEs: a free frame in the pool's 2 MiB block.
.equ FRAME, 0x81100000
.equ FRAME_PTE, (FRAME >> 12) << 10

    VM_SETUP RWXAD
    li t1, FRAME
    li t2, 0x1234567890abcdef
    sd t2, 0(t1)

    # The code page (4 KiB aligned): VA 0x40000000 and the high
    # (bit 38 set) VA 0xffffffc040000000.
    li a0, 0x40000000
    la a1, code_page
    li a2, RWXAD
    li a3, 0
    call vm_map
    li a0, 0xffffffc040000000
    la a1, code_page
    li a2, RWXAD
    li a3, 0
    call vm_map

    # Level 2: root entries 5 (zero) and 6 (everything but V).
    SETPTE 0x180000000, FRAME_PTE | RWXAD, 2
    # Level 1 (the level-1 table of VPN2 = 1 exists): entry 1 is zero,
    # entry 2 has everything but V.
    SETPTE 0x40400000, (0x81000000 >> 12 << 10) | RWXAD, 1
    # Level 0 (the level-0 table of 0x40000000 exists): 0x40001000 is
    # zero, 0x40002000 has everything but V.
    SETPTE 0x40002000, FRAME_PTE | RWXAD, 0
    # Reserved: W without R, without and with X.
    SETPTE 0x40003000, FRAME_PTE | PTE_W | PTE_A | PTE_D | PTE_V, 0
    SETPTE 0x40004000, FRAME_PTE | PTE_W | PTE_X | PTE_A | PTE_D | PTE_V, 0
    # The same at level 1.
    SETPTE 0x40600000, (0x81000000 >> 12 << 10) | PTE_W | PTE_A | PTE_D | PTE_V, 1
    # Reserved high bits on leaves: N (63), PBMT (62:61), bit 54, bit 60.
    SETPTE 0x40005000, FRAME_PTE | RWXADV | (1 << 63), 0
    SETPTE 0x40006000, FRAME_PTE | RWXADV | (1 << 61), 0
    SETPTE 0x40007000, FRAME_PTE | RWXADV | (1 << 62), 0
    SETPTE 0x40008000, FRAME_PTE | RWXADV | (1 << 54), 0
    SETPTE 0x40009000, FRAME_PTE | RWXADV | (1 << 60), 0
    SETPTE 0x4000a000, FRAME_PTE | RWXADV | (3 << 61), 0
    # RSW (bits 9:8) is for software: ignored.
    SETPTE 0x4000b000, FRAME_PTE | RWXADV | (3 << 8), 0
    # A level-0 PTE that is a pointer (V only): no leaf.
    SETPTE 0x4000c000, FRAME_PTE | PTE_V, 0
    # Reserved high bits on pointers: a level-1 table for VPN2 = 7 whose
    # root entry has bit 54 set, and one (VPN2 = 9) with bit 63 set.
    MAP 0x1c0000000, 0x81000000, RWXAD, 1
    li a0, 0x1c0000000
    li a3, 2
    call vm_pte_address
    ld t1, 0(a0)
    li t2, 1 << 54
    or t1, t1, t2
    sd t1, 0(a0)
    MAP 0x240000000, 0x81000000, RWXAD, 1
    li a0, 0x240000000
    li a3, 2
    call vm_pte_address
    ld t1, 0(a0)
    li t2, 1 << 63
    or t1, t1, t2
    sd t1, 0(a0)
    # The same control mapping, unmodified (VPN2 = 10).
    MAP 0x280000000, 0x81000000, RWXAD, 1
    VM_ENABLE 1
    ENTER_S in_s_mode

in_s_mode:
    # --- non-canonical addresses (their low 39 bits are mapped, not yet
    # in the TLB) ---
    # bit 38 = 0, bit 39 set
    FAULT3 70, 0x0000008040000000
    # bit 38 = 0, bit 63 set
    FAULT3 73, 0x8000000040000000
    # bit 38 = 0, bits 63:39 all ones
    FAULT3 76, 0xffffff8040000000
    # bit 38 = 0, bits 62:39 set, 63 clear
    FAULT3 79, 0x7fffff8040000000
    # bit 38 = 1, bits 63:39 zero
    FAULT3 82, 0x0000004040000000
    # bit 38 = 1, bit 63 clear
    FAULT3 85, 0x7fffffc040000000
    # bit 38 = 1, bit 40 clear
    FAULT3 88, 0xfffffec040000000
    # bit 38 = 1, only bit 39 clear
    FAULT3 91, 0xffffff4040000000
    # Other access sizes: a byte load and a word store.
    li s0, 0x0000004040000010
    VM_EXPECT_TRAP_R 94, 13, s0
    lbu a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0x8000000040000004
    VM_EXPECT_TRAP_R 95, 15, s0
    sw a0, 0(s0)
    VM_TRAP_DONE
    # Controls: the valid mappings work.
    li s0, 0x40000000
    la s1, code_page
    ld a0, 0(s0)
    ld a1, 0(s1)
    li gp, 1
    bne a0, a1, fail
    li a0, 0
    jalr s0
    CHECK 2, a0, 0x99
    li s0, 0xffffffc040000000
    ld a0, 0(s0)
    li gp, 3
    bne a0, a1, fail
    li a0, 0
    jalr s0
    CHECK 4, a0, 0x99
    li s0, 0x280100000
    ld a0, 0(s0)
    CHECK 5, a0, 0x1234567890abcdef

    # --- V = 0 ---
    FAULT3 10, 0x140000000
    FAULT3 13, 0x180000000
    FAULT3 16, 0x40200000
    FAULT3 19, 0x40400000
    FAULT3 22, 0x40001000
    FAULT3 25, 0x40002000
    # --- W without R ---
    FAULT3 28, 0x40003000
    FAULT3 31, 0x40004000
    FAULT3 34, 0x40600000
    # --- bits 63:54 ---
    FAULT3 37, 0x40005000
    FAULT3 40, 0x40006000
    FAULT3 43, 0x40007000
    FAULT3 46, 0x40008000
    FAULT3 49, 0x40009000
    FAULT3 52, 0x4000a000
    # --- pointers with reserved high bits ---
    FAULT3 55, 0x1c0100000
    FAULT3 58, 0x240100000
    # --- a pointer at level 0 ---
    FAULT3 61, 0x4000c000
    # RSW set: a normal leaf.
    li s0, 0x4000b000
    ld a0, 0(s0)
    CHECK 64, a0, 0x1234567890abcdef
    li a1, 0x55
    sd a1, 8(s0)
    li s1, FRAME + 8
    ld a0, 0(s1)
    CHECK 65, a0, 0x55

    # --- the same, now that the canonical pages are in the TLB ---
    # bit 38 = 0, bit 39 set
    FAULT3_CACHED 170, 0x0000008040000000, 0x40000000
    # bit 38 = 0, bit 63 set
    FAULT3_CACHED 173, 0x8000000040000000, 0x40000000
    # bit 38 = 0, bits 63:39 all ones
    FAULT3_CACHED 176, 0xffffff8040000000, 0x40000000
    # bit 38 = 0, bits 62:39 set, 63 clear
    FAULT3_CACHED 179, 0x7fffff8040000000, 0x40000000
    # bit 38 = 1, bits 63:39 zero
    FAULT3_CACHED 182, 0x0000004040000000, 0xffffffc040000000
    # bit 38 = 1, bit 63 clear
    FAULT3_CACHED 185, 0x7fffffc040000000, 0xffffffc040000000
    # bit 38 = 1, bit 40 clear
    FAULT3_CACHED 188, 0xfffffec040000000, 0xffffffc040000000
    # bit 38 = 1, only bit 39 clear
    FAULT3_CACHED 191, 0xffffff4040000000, 0xffffffc040000000
    # Other access sizes: a byte load and a word store.
    li s1, 0xffffffc040000000
    ld a0, 0(s1)
    li s0, 0x0000004040000010
    VM_EXPECT_TRAP_R 194, 13, s0
    lbu a0, 0(s0)
    VM_TRAP_DONE
    li s1, 0x40000000
    ld a0, 0(s1)
    li s0, 0x8000000040000004
    VM_EXPECT_TRAP_R 195, 15, s0
    sw a0, 0(s0)
    VM_TRAP_DONE
    # The top canonical page (0xfffffffffffff000) is unmapped: a page
    # fault, not confused with a non-canonical one.
    li s0, 0xfffffffffffff000
    VM_EXPECT_TRAP_R 96, 13, s0
    ld a0, 0(s0)
    VM_TRAP_DONE
    # The canonical mappings still work.
    li s0, 0xffffffc040000000
    li a0, 0
    jalr s0
    CHECK 97, a0, 0x99
    j pass

# A code page: returns 0x99 in a0.
.balign 4096
code_page:
    li a0, 0x99
    ret
.balign 4096
"#
);
