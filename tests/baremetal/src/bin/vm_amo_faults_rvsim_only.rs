//! AMOs whose Sv39 translation fails (invalid, reserved or misaligned-superpage PTEs, non-leaf A/D/U, non-canonical addresses) raise a store/AMO page fault (15) with mtval = the address, as the privileged spec says, and an AMO to a read-only page with A = 0 faults without setting A; QEMU 7.2 reports a load page fault (13) for the former and sets A in the latter (it translates an AMO as a load first).
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

.macro PTE_OR va, level, bits
    li a0, \va
    li a3, \level
    call vm_pte_address
    ld t1, 0(a0)
    li t2, \bits
    or t1, t1, t2
    sd t1, 0(a0)
.endm

# S-mode: amoadd.d and amoswap.w at \va: store/AMO page faults, cases
# \num and \num+1.
.macro AMO2 num, va
    li s0, \va
    VM_EXPECT_TRAP_R \num, 15, s0
    amoadd.d a0, a1, (s0)
    VM_TRAP_DONE
    VM_EXPECT_TRAP_R (\num + 1), 15, s0
    amoswap.w a0, a1, (s0)
    VM_TRAP_DONE
.endm

.equ RWXAD, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
.equ RWXADV, RWXAD | PTE_V
.equ FRAME, 0x81100000
.equ FRAME_PTE, (FRAME >> 12) << 10

    VM_SETUP RWXAD
    li t1, FRAME
    li t2, 5
    sd t2, 0(t1)
    # A valid page (the control) and, in the same tables, bad ones.
    MAP 0x40000000, FRAME, RWXAD, 0
    SETPTE 0x40002000, FRAME_PTE | RWXAD, 0
    SETPTE 0x40003000, FRAME_PTE | PTE_W | PTE_A | PTE_D | PTE_V, 0
    SETPTE 0x40004000, FRAME_PTE | PTE_W | PTE_X | PTE_A | PTE_D | PTE_V, 0
    SETPTE 0x40005000, FRAME_PTE | RWXADV | (1 << 63), 0
    SETPTE 0x40006000, FRAME_PTE | RWXADV | (1 << 61), 0
    SETPTE 0x40007000, FRAME_PTE | RWXADV | (1 << 54), 0
    SETPTE 0x40008000, FRAME_PTE | PTE_V, 0
    # Misaligned superpages: 2 MiB (PPN[0] != 0), 1 GiB (PPN[1] != 0).
    MAP 0x40800000, 0x81001000, RWXAD, 1
    MAP 0x100000000, 0x80200000, RWXAD, 2
    # A level-2 pointer with A set, a level-1 pointer with U set.
    MAP 0x140000000, FRAME, RWXAD, 0
    PTE_OR 0x140000000, 2, PTE_A
    MAP 0x180000000, FRAME, RWXAD, 0
    PTE_OR 0x180000000, 1, PTE_U
    # A read-only page with A = 0: s2 = its PTE's address, s3 = the PTE.
    li a0, 0x40009000
    li a1, FRAME
    li a2, PTE_R
    li a3, 0
    call vm_map
    li a0, 0x40009000
    li a3, 0
    call vm_pte_address
    mv s2, a0
    ld s3, 0(a0)
    VM_ENABLE 1
    ENTER_S in_s_mode

in_s_mode:
    # Non-canonical addresses (their low 39 bits are mapped, not yet in
    # the TLB, or not mapped).
    AMO2 38, 0x8040000000
    AMO2 40, 0x0000004040000000
    li s0, 0x40000000
    li a1, 2
    amoadd.d a0, a1, (s0)
    CHECK 1, a0, 5
    ld a0, 0(s0)
    CHECK 2, a0, 7
    # V = 0 at level 2, level 1, level 0 (zero and everything but V).
    AMO2 10, 0xc0000000
    AMO2 12, 0x40200000
    AMO2 14, 0x40001000
    AMO2 16, 0x40002000
    # W without R (without and with X).
    AMO2 18, 0x40003000
    AMO2 20, 0x40004000
    # Bits 63, 61, 54.
    AMO2 22, 0x40005000
    AMO2 24, 0x40006000
    AMO2 26, 0x40007000
    # Level-0 pointer.
    AMO2 28, 0x40008000
    # Misaligned superpages.
    AMO2 30, 0x40800000
    AMO2 32, 0x100000000
    # Non-leaf A, U.
    AMO2 34, 0x140000000
    AMO2 36, 0x180000000
    # Non-canonical addresses, after a hit on the canonical address with
    # the same low 39 bits.
    li s1, 0x40000000
    ld a0, 0(s1)
    AMO2 42, 0x8000000040000000
    ld a0, 0(s1)
    CHECK 44, a0, 7
    # An AMO to a read-only page with A = 0: a store/AMO page fault, and
    # the PTE is unchanged (the AMO is one store/AMO access, not permitted).
    AMO2 50, 0x40009000
    ld a0, 0(s2)
    li gp, 52
    bne a0, s3, fail
    # A load sets A.
    li s0, 0x40009000
    ld a0, 0(s0)
    CHECK 53, a0, 7
    ld a0, 0(s2)
    ori s3, s3, PTE_A
    li gp, 54
    bne a0, s3, fail
"#
);
