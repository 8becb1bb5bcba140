//! Stale TLB entries and the four sfence.vma forms, to rvsim's exact model (64-entry 4-way LRU TLB, ASID-tagged, global entries kept by ASID flushes, a re-walk when a cached entry does not permit the access): PTE rewrites are not seen until the matching sfence.vma; QEMU flushes its TLB on satp writes and other events, so stale translations cannot be checked on it.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ RWXAD, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
.equ RW, PTE_R | PTE_W
.equ AAAA, 0xaaaaaaaaaaaaaaaa
.equ BBBB, 0xbbbbbbbbbbbbbbbb
.equ CCCC, 0xcccccccccccccccc
.equ DDDD, 0xdddddddddddddddd
.equ EEEE, 0xeeeeeeeeeeeeeeee
# Test pages: P(k) = 0x4000k000 is in TLB set k (16 sets); sets 0 and 8
# hold the image, device and pool superpages, so P(0) and P(8) are unused.
# Q(k) = 0x4001k000 is in set k too.
.equ P1, 0x40001000
.equ P2, 0x40002000
.equ P3, 0x40003000
.equ P4, 0x40004000
.equ P5, 0x40005000
.equ P6, 0x40006000
.equ P7, 0x40007000
.equ P9, 0x40009000
.equ P10, 0x4000a000
.equ P11, 0x4000b000
.equ P12, 0x4000c000
.equ P13, 0x4000d000
.equ Q1, 0x40011000
.equ Q2, 0x40012000
.equ Q3, 0x40013000
.equ Q4, 0x40014000
.equ Q5, 0x40015000
.equ Q6, 0x40016000
# Under a root pointer with G set (set 5).
.equ GP, 0x140005000

# M-mode: map \va -> \frame with \flags | A | D, and record the address of
# its leaf PTE in slot \idx of pte_tab.
.macro MAPREC idx, va, frame, flags
    li a0, \va
    la a1, \frame
    li a2, (\flags) | PTE_A | PTE_D
    li a3, 0
    call vm_map
    li a0, \va
    li a3, 0
    call vm_pte_address
    la t1, pte_tab
    sd a0, (\idx * 8)(t1)
.endm

# S-mode: rewrite the PTE of slot \idx to map \frame with \flags | A | D
# | V (through the identity mapping of the pool), without sfence.vma.
.macro POINT idx, frame, flags
    la t1, pte_tab
    ld t1, (\idx * 8)(t1)
    la t2, \frame
    srli t2, t2, 12
    slli t2, t2, 10
    ori t2, t2, (\flags) | PTE_A | PTE_D | PTE_V
    sd t2, 0(t1)
.endm

# S-mode: case \num: the doubleword at \va is \val.
.macro LOADCHK num, va, val
    li s0, \va
    ld a0, 0(s0)
    CHECK \num, a0, \val
.endm

# S-mode: switch to ASID 1 / ASID 2 (same page tables), no sfence.vma.
.macro ASID1
    csrw satp, s1
.endm
.macro ASID2
    csrw satp, s2
.endm

    VM_SETUP RWXAD
    MAPREC 1, P1, frame_a, RW
    MAPREC 2, P2, frame_a, RW
    MAPREC 3, P3, frame_a, RW
    MAPREC 4, P4, frame_a, RW
    MAPREC 5, P5, frame_a, RW
    MAPREC 6, P6, frame_a, RW
    MAPREC 7, P7, frame_a, RW
    MAPREC 9, P9, frame_a, RW | PTE_G
    MAPREC 10, P10, frame_a, RW | PTE_G
    MAPREC 11, P11, frame_a, RW | PTE_G
    MAPREC 12, P12, frame_a, RW | PTE_G
    MAPREC 13, P13, frame_a, RW
    MAPREC 17, Q1, frame_a, RW
    MAPREC 18, Q2, frame_a, RW | PTE_G
    MAPREC 19, Q3, frame_c, RW
    MAPREC 20, Q4, frame_e, PTE_R
    MAPREC 21, Q5, frame_a, RW
    MAPREC 22, Q6, code_a, PTE_R | PTE_X
    # A non-global leaf under a root pointer with G: a global mapping.
    MAPREC 23, GP, frame_a, RW
    li a0, GP
    li a3, 2
    call vm_pte_address
    ld t1, 0(a0)
    ori t1, t1, PTE_G
    sd t1, 0(a0)
    # s1 = satp for ASID 1, s2 = for ASID 2, both with the same root.
    li a0, PT_BASE
    li a1, 1
    call vm_satp
    mv s1, a0
    li a0, PT_BASE
    li a1, 2
    call vm_satp
    mv s2, a0
    csrw satp, s1
    sfence.vma
    ENTER_S in_s_mode

in_s_mode:
    # --- a rewritten PTE is not seen: the cached entry is used ---
    LOADCHK 1, P1, AAAA
    POINT 1, frame_b, RW
    LOADCHK 2, P1, AAAA

    # --- sfence.vma zero, zero: everything, global entries too ---
    LOADCHK 3, P9, AAAA
    POINT 9, frame_b, RW | PTE_G
    LOADCHK 4, P9, AAAA
    sfence.vma zero, zero
    LOADCHK 5, P1, BBBB
    LOADCHK 6, P9, BBBB

    # --- sfence.vma rs1, zero: that page, in every address space ---
    LOADCHK 10, P2, AAAA
    LOADCHK 11, P3, AAAA
    LOADCHK 12, P10, AAAA
    ASID2
    LOADCHK 13, P4, AAAA
    ASID1
    LOADCHK 14, P4, AAAA
    POINT 2, frame_b, RW
    POINT 3, frame_b, RW
    POINT 4, frame_b, RW
    POINT 10, frame_b, RW | PTE_G
    LOADCHK 15, P2, AAAA
    LOADCHK 16, P3, AAAA
    # Any address in the page selects it.
    li a0, P2 + 0x123
    sfence.vma a0
    LOADCHK 17, P2, BBBB
    LOADCHK 18, P3, AAAA
    # rs1 = a register holding 0: the page at address 0 only.
    li a0, 0
    sfence.vma a0
    LOADCHK 19, P3, AAAA
    # ASID 2's entry for P4 goes too.
    li a0, P4 + 0xff8
    sfence.vma a0
    LOADCHK 20, P4, BBBB
    ASID2
    LOADCHK 21, P4, BBBB
    ASID1
    # A global entry goes too.
    li a0, P10
    sfence.vma a0, zero
    LOADCHK 22, P10, BBBB

    # --- sfence.vma zero, rs2: non-global entries of one ASID ---
    LOADCHK 30, P5, AAAA
    LOADCHK 31, P11, AAAA
    ASID2
    LOADCHK 32, P6, AAAA
    ASID1
    POINT 5, frame_b, RW
    POINT 11, frame_b, RW | PTE_G
    POINT 6, frame_b, RW
    # rs2 = a register holding 0: ASID 0 only.
    li a1, 0
    sfence.vma zero, a1
    LOADCHK 33, P5, AAAA
    LOADCHK 34, P3, AAAA
    li a1, 1
    sfence.vma zero, a1
    LOADCHK 35, P5, BBBB
    LOADCHK 36, P11, AAAA
    LOADCHK 37, P3, BBBB
    # ASID 2's entries were kept, and the global entry serves ASID 2.
    ASID2
    LOADCHK 38, P6, AAAA
    LOADCHK 39, P11, AAAA
    li a1, 2
    sfence.vma zero, a1
    LOADCHK 40, P6, BBBB
    LOADCHK 41, P11, AAAA
    ASID1

    # --- sfence.vma rs1, rs2: one page of one ASID, not global ---
    LOADCHK 50, P7, AAAA
    LOADCHK 51, P13, AAAA
    LOADCHK 52, P12, AAAA
    ASID2
    LOADCHK 53, P7, AAAA
    ASID1
    POINT 7, frame_b, RW
    POINT 13, frame_b, RW
    POINT 12, frame_b, RW | PTE_G
    li a0, P7
    li a1, 1
    sfence.vma a0, a1
    LOADCHK 54, P7, BBBB
    LOADCHK 55, P13, AAAA
    ASID2
    LOADCHK 56, P7, AAAA
    ASID1
    li a0, P12
    li a1, 1
    sfence.vma a0, a1
    LOADCHK 57, P12, AAAA
    li a0, P13
    li a1, 3
    sfence.vma a0, a1
    LOADCHK 58, P13, AAAA
    li a0, P13 + 0xff8
    li a1, 1
    sfence.vma a0, a1
    LOADCHK 59, P13, BBBB
    # The address-only form flushes the global entry.
    li a0, P12
    sfence.vma a0
    LOADCHK 60, P12, BBBB
    # Everything.
    sfence.vma
    LOADCHK 61, P11, BBBB
    ASID2
    LOADCHK 62, P7, BBBB
    ASID1

    # --- satp switches do not flush ---
    LOADCHK 70, Q1, AAAA
    POINT 17, frame_b, RW
    # ASID 2 has no entry: it walks and sees the new PTE.
    ASID2
    LOADCHK 71, Q1, BBBB
    # Back in ASID 1, its stale entry is still used.
    ASID1
    LOADCHK 72, Q1, AAAA
    csrw satp, s1
    LOADCHK 73, Q1, AAAA
    # A global entry filled in ASID 1 serves ASID 2.
    LOADCHK 74, Q2, AAAA
    POINT 18, frame_b, RW | PTE_G
    ASID2
    LOADCHK 75, Q2, AAAA
    ASID1
    sfence.vma
    LOADCHK 76, Q1, BBBB
    LOADCHK 77, Q2, BBBB

    # --- stores through a stale entry go to the old frame ---
    LOADCHK 80, Q3, CCCC
    POINT 19, frame_d, RW
    li s0, Q3
    li a1, 0x1234
    sd a1, 8(s0)
    la t1, frame_c
    ld a0, 8(t1)
    CHECK 81, a0, 0x1234
    la t1, frame_d
    ld a0, 8(t1)
    CHECK 82, a0, DDDD
    li a0, Q3
    sfence.vma a0
    li a1, 0x5678
    sd a1, 16(s0)
    la t1, frame_d
    ld a0, 16(t1)
    CHECK 83, a0, 0x5678
    la t1, frame_c
    ld a0, 16(t1)
    CHECK 84, a0, CCCC

    # --- a permission upgrade without sfence.vma: the cached entry does
    # not permit the store, so the hart walks again and sees W ---
    LOADCHK 85, Q4, EEEE
    POINT 20, frame_e, RW
    li s0, Q4
    li a1, 0x4444
    sd a1, 0(s0)
    ld a0, 0(s0)
    CHECK 86, a0, 0x4444
    la t1, frame_e
    ld a0, 0(t1)
    CHECK 87, a0, 0x4444

    # --- a PTE made invalid: the cached entry is used until sfence.vma ---
    LOADCHK 88, Q5, AAAA
    la t1, pte_tab
    ld t1, (21 * 8)(t1)
    sd zero, 0(t1)
    LOADCHK 89, Q5, AAAA
    li s0, Q5
    sd zero, 8(s0)
    ld a0, 8(s0)
    CHECK 90, a0, 0
    li a0, Q5
    sfence.vma a0
    VM_EXPECT_TRAP 91, 13, Q5
    ld a0, 0(s0)
    VM_TRAP_DONE

    # --- fetches use cached entries too ---
    li s0, Q6
    jalr s0
    CHECK 92, a0, 1
    POINT 22, code_b, PTE_R | PTE_X
    jalr s0
    CHECK 93, a0, 1
    sfence.vma s0
    jalr s0
    CHECK 94, a0, 2

    # --- G in a root pointer makes the leaf global ---
    LOADCHK 95, GP, AAAA
    POINT 23, frame_b, RW
    li a1, 1
    sfence.vma zero, a1
    LOADCHK 96, GP, AAAA
    ASID2
    LOADCHK 97, GP, AAAA
    ASID1
    li a0, GP
    li a1, 1
    sfence.vma a0, a1
    LOADCHK 98, GP, AAAA
    li a0, GP
    sfence.vma a0
    LOADCHK 99, GP, BBBB
    j pass

.balign 4096
code_a:
    li a0, 1
    ret
.balign 4096
code_b:
    li a0, 2
    ret
.balign 4096

.data
.balign 8
pte_tab:
    .rept 32
    .dword 0
    .endr
.balign 4096
frame_a:
    .rept 512
    .dword AAAA
    .endr
frame_b:
    .rept 512
    .dword BBBB
    .endr
frame_c:
    .rept 512
    .dword CCCC
    .endr
frame_d:
    .rept 512
    .dword DDDD
    .endr
frame_e:
    .rept 512
    .dword EEEE
    .endr
.text
"#
);
