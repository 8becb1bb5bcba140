//! Two address spaces (ASIDs 1 and 2, separate page tables) map the same virtual page to different frames; S-mode switches satp without sfence.vma and each space sees its own data.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    # Space 1 (the first root): VA 0x40000000 -> frame_a.
    li a0, 0x40000000
    la a1, frame_a
    li a2, PTE_R | PTE_W | PTE_A | PTE_D
    li a3, 0
    call vm_map
    li a0, PT_BASE
    li a1, 1
    call vm_satp
    mv s1, a0
    # Space 2: a new root, the same identity mappings, VA 0x40000000 -> frame_b.
    call vm_new_root
    VM_MAP_IDENTITY PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    li a0, 0x40000000
    la a1, frame_b
    li a2, PTE_R | PTE_W | PTE_A | PTE_D
    li a3, 0
    call vm_map
    la t0, vm_root
    ld a0, 0(t0)
    li a1, 2
    call vm_satp
    mv s2, a0
    csrw satp, s1
    sfence.vma
    ENTER_S in_s_mode

in_s_mode:
    li s0, 0x40000000
    ld a0, 0(s0)
    CHECK 1, a0, 0xaaaaaaaaaaaaaaaa
    csrw satp, s2
    ld a0, 0(s0)
    CHECK 2, a0, 0xbbbbbbbbbbbbbbbb
    csrw satp, s1
    ld a0, 0(s0)
    CHECK 3, a0, 0xaaaaaaaaaaaaaaaa
    # Stores go to the space's own frame.
    li a1, 0x1111
    sd a1, 8(s0)
    csrw satp, s2
    ld a0, 8(s0)
    CHECK 4, a0, 0xbbbbbbbbbbbbbbbb
    # Root 2 is the pool's fifth page: root 1, then the tables for the
    # image (level 1), for 0x40000000 (levels 1 and 0).
    csrr a0, satp
    CHECK 5, a0, (8 << 60) | (2 << 44) | ((PT_BASE + 0x4000) >> 12)
    csrw satp, s1
    ld a0, 8(s0)
    CHECK 6, a0, 0x1111

.data
.balign 4096
frame_a:
    .rept 512
    .dword 0xaaaaaaaaaaaaaaaa
    .endr
frame_b:
    .rept 512
    .dword 0xbbbbbbbbbbbbbbbb
    .endr
.text
"#
);
