//! Sv39 superpages from S-mode: 1 GiB and 2 MiB leaves take the low address bits from the virtual address (loads at several offsets, the last doubleword, stores, fetches), misaligned superpage PPNs raise page faults of the access type, and 4 KiB pages next to 2 MiB ones.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
# Fail case \num unless registers \a and \b are equal.
.macro CHECK_EQ num, a, b
    li gp, \num
    beq \a, \b, 9f
    j fail
9:
.endm

# M-mode: store the 64-bit \value at physical address \addr.
.macro POKE addr, value
    li t1, \addr
    li t2, \value
    sd t2, 0(t1)
.endm

.macro MAP va, pa, flags, level
    li a0, \va
    li a1, \pa
    li a2, \flags
    li a3, \level
    call vm_map
.endm

.equ RWXAD, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
.equ RWAD, PTE_R | PTE_W | PTE_A | PTE_D

    VM_SETUP RWXAD
    # Markers in free RAM (the pool's 2 MiB block beyond its 64 pages,
    # and elsewhere), written physically.
    POKE 0x81123458, 0x0123456789abcdef
    POKE 0x811ffff8, 0xfedcba9876543210
    POKE 0x86543210, 0x1122334455667788
    POKE 0x87fffff8, 0x5a5a5a5aa5a5a5a5
    POKE 0x81100100, 0
    POKE 0x81100008, 0

    # 1 GiB leaf: VA 0x40000000 -> PA 0x80000000 (all of RAM and beyond).
    MAP 0x40000000, 0x80000000, RWXAD, 2
    # 2 MiB leaf onto the page-table pool: VA 0xc0200000 -> PA 0x81000000.
    MAP 0xc0200000, 0x81000000, RWAD, 1
    # 2 MiB leaf onto the image: VA 0xc0400000 -> PA 0x80000000, R and X.
    MAP 0xc0400000, 0x80000000, PTE_R | PTE_X | PTE_A | PTE_D, 1
    # 4 KiB pages right before and right after 2 MiB pages.
    la a1, frame_a
    li a0, 0xc01ff000
    li a2, RWAD
    li a3, 0
    call vm_map
    la a1, frame_b
    li a0, 0xc0600000
    li a2, RWAD
    li a3, 0
    call vm_map
    # Misaligned 2 MiB leaves (PPN[0] != 0).
    MAP 0xc0800000, 0x81001000, RWXAD, 1
    MAP 0xc0a00000, 0x80100000, RWXAD, 1
    # Misaligned 1 GiB leaves: PPN[1] != 0, and PPN[0] != 0 only.
    MAP 0x100000000, 0x80200000, RWXAD, 2
    MAP 0x140000000, 0x80001000, RWXAD, 2
    VM_ENABLE 1
    ENTER_S in_s_mode

in_s_mode:
    # --- 1 GiB leaf: PA = 0x80000000 | VA[29:0] ---
    li s0, 0x41123458
    ld a0, 0(s0)
    CHECK 1, a0, 0x0123456789abcdef
    li s0, 0x47fffff8
    ld a0, 0(s0)
    CHECK 2, a0, 0x5a5a5a5aa5a5a5a5
    li s0, 0x46543210
    ld a0, 0(s0)
    CHECK 3, a0, 0x1122334455667788
    # The first doubleword of the image, through the superpage and the
    # identity mapping.
    li s0, 0x40000000
    ld a0, 0(s0)
    li s1, 0x80000000
    ld a1, 0(s1)
    CHECK_EQ 4, a0, a1
    li s0, 0x411ffff8
    ld a0, 0(s0)
    CHECK 5, a0, 0xfedcba9876543210
    # A store through the superpage lands at the physical address.
    li s0, 0x41100100
    li a1, 0x0badcafe12345678
    sd a1, 0(s0)
    li s1, 0x81100100
    ld a0, 0(s1)
    CHECK 6, a0, 0x0badcafe12345678
    # The last doubleword of the 1 GiB page is PA 0xbffffff8, past RAM:
    # an access fault, with mtval = the virtual address.
    li s0, 0x7ffffff8
    VM_EXPECT_TRAP 7, 5, 0x7ffffff8
    ld a0, 0(s0)
    VM_TRAP_DONE
    # A fetch through the 1 GiB page: the alias of sp_fn.
    la t1, sp_fn
    li t2, 0x40000000 - 0x80000000
    add t1, t1, t2
    li a0, 0
    jalr t1
    CHECK 8, a0, 0x77
    # A halfword at an odd-ish offset (bits in both VPN[1] and VPN[0]).
    li s0, 0x4112345c
    lhu a0, 2(s0)
    CHECK 9, a0, 0x0123

    # --- 2 MiB leaf onto the pool: PA = 0x81000000 | VA[20:0] ---
    # Root entry 0: the 1 GiB device leaf (PPN 0, R W A D V).
    li s0, 0xc0200000
    ld a0, 0(s0)
    CHECK 10, a0, 0xc7
    # Root entry 2: pointer to the second pool page.
    ld a0, 16(s0)
    CHECK 11, a0, ((PT_BASE + 0x1000) >> 12 << 10) | PTE_V
    li s0, 0xc0323458
    ld a0, 0(s0)
    CHECK 12, a0, 0x0123456789abcdef
    # The last doubleword of the 2 MiB page, and its last byte.
    li s0, 0xc03ffff8
    ld a0, 0(s0)
    CHECK 13, a0, 0xfedcba9876543210
    li s0, 0xc03fffff
    lbu a0, 0(s0)
    CHECK 14, a0, 0xfe
    # A store through the 2 MiB page.
    li s0, 0xc0300008
    li a1, 0x600dbeef600dbeef
    sd a1, 0(s0)
    li s1, 0x81100008
    ld a0, 0(s1)
    CHECK 15, a0, 0x600dbeef600dbeef
    # The same store seen through the 1 GiB page.
    li s1, 0x41100008
    ld a0, 0(s1)
    CHECK 16, a0, 0x600dbeef600dbeef

    # --- 2 MiB leaf onto the image (R X) ---
    la t1, sp_fn
    li t2, 0xc0400000 - 0x80000000
    add t1, t1, t2
    li a0, 0
    jalr t1
    CHECK 17, a0, 0x77
    # Its last doubleword is PA 0x801ffff8.
    li s0, 0xc05ffff8
    ld a0, 0(s0)
    li s1, 0x801ffff8
    ld a1, 0(s1)
    CHECK_EQ 18, a0, a1
    # Not writable.
    li s0, 0xc0400100
    VM_EXPECT_TRAP 19, 15, 0xc0400100
    sd zero, 0(s0)
    VM_TRAP_DONE

    # --- 4 KiB pages next to 2 MiB pages ---
    li s0, 0xc01ffff8
    ld a0, 0(s0)
    CHECK 20, a0, 0xaaaaaaaa000001ff
    li s0, 0xc0200000
    ld a0, 0(s0)
    CHECK 21, a0, 0xc7
    li s0, 0xc0600000
    ld a0, 0(s0)
    CHECK 22, a0, 0xbbbbbbbb00000000
    ld a0, 8(s0)
    CHECK 23, a0, 0xbbbbbbbb00000001
    li s0, 0xc05ffff8
    ld a0, 0(s0)
    li s1, 0x801ffff8
    ld a1, 0(s1)
    CHECK_EQ 24, a0, a1
    # The 4 KiB page after frame_b's is not mapped (level-0 entry 1 is 0).
    li s0, 0xc0601000
    VM_EXPECT_TRAP 25, 13, 0xc0601000
    ld a0, 0(s0)
    VM_TRAP_DONE
    # A store to the 4 KiB page before the 2 MiB page.
    li s0, 0xc01ff000
    li a1, 0x4242
    sd a1, 0(s0)
    la s1, frame_a
    ld a0, 0(s1)
    CHECK 26, a0, 0x4242

    # --- misaligned 2 MiB leaves ---
    li s0, 0xc0800000
    VM_EXPECT_TRAP 30, 13, 0xc0800000
    ld a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0xc0800008
    VM_EXPECT_TRAP 31, 15, 0xc0800008
    sd a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0xc0800000
    VM_EXPECT_FETCH_FAULT 32, 12, s0
    jalr s0
    VM_TRAP_DONE
    li s0, 0xc0a00004
    VM_EXPECT_TRAP 33, 13, 0xc0a00004
    lw a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0xc0bffff8
    VM_EXPECT_FETCH_FAULT 35, 12, s0
    jalr s0
    VM_TRAP_DONE
    # Still faulting (nothing was cached).
    li s0, 0xc0800000
    VM_EXPECT_TRAP 36, 13, 0xc0800000
    ld a0, 0(s0)
    VM_TRAP_DONE

    # --- misaligned 1 GiB leaves ---
    li s0, 0x100123458
    VM_EXPECT_TRAP 40, 13, 0x100123458
    ld a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0x100000000
    VM_EXPECT_TRAP 41, 15, 0x100000000
    sd a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0x100000000
    VM_EXPECT_FETCH_FAULT 42, 12, s0
    jalr s0
    VM_TRAP_DONE
    li s0, 0x140000000
    VM_EXPECT_TRAP 43, 13, 0x140000000
    lbu a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0x17ffffff8
    VM_EXPECT_TRAP 44, 15, 0x17ffffff8
    sd a0, 0(s0)
    VM_TRAP_DONE
    li s0, 0x140001000
    VM_EXPECT_FETCH_FAULT 45, 12, s0
    jalr s0
    VM_TRAP_DONE

    # The aligned mappings still work afterwards.
    li s0, 0x41123458
    ld a0, 0(s0)
    CHECK 50, a0, 0x0123456789abcdef
    li s0, 0xc0323458
    ld a0, 0(s0)
    CHECK 51, a0, 0x0123456789abcdef
    j pass

# Returns 0x77 in a0 (called through its aliases).
.balign 4
sp_fn:
    li a0, 0x77
    ret

.data
.balign 4096
frame_a:
    .set i, 0
    .rept 512
    .dword 0xaaaaaaaa00000000 + i
    .set i, i + 1
    .endr
frame_b:
    .set i, 0
    .rept 512
    .dword 0xbbbbbbbb00000000 + i
    .set i, i + 1
    .endr
.text
"#
);
