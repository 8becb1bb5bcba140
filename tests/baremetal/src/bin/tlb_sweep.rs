//! Loads from 16 pages, twice, in S-mode: the TLB statistics test (tests/mmu.rs) checks the exact hits and misses under different TLB shapes.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    # 16 pages at 0x40000000.. mapped onto 16 frames of the page-table pool
    # region (already zero), A and D set so no walk writes anything.
    li s0, 0
1:  li a0, 0x40000000
    slli t0, s0, 12
    add a0, a0, t0
    li a1, PT_BASE + 0x100000
    add a1, a1, t0
    li a2, PTE_R | PTE_W | PTE_A | PTE_D
    li a3, 0
    call vm_map
    addi s0, s0, 1
    li t0, 16
    blt s0, t0, 1b
    VM_ENABLE 1
    ENTER_S sweep

    # Exactly 32 loads in S-mode, and no other data access until the
    # finisher store of `pass`.
sweep:
    li s1, 2
2:  li s0, 0x40000000
    li s2, 16
3:  ld t1, 0(s0)
    li t2, 4096
    add s0, s0, t2
    addi s2, s2, -1
    bnez s2, 3b
    addi s1, s1, -1
    bnez s1, 2b
"#
);
