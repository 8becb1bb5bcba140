//! Delegation rules QEMU 7.2 breaks: medeleg[11] (ecall from M) is read-only zero (QEMU lets it be set), and an AMO on an unmapped page is a store/AMO page fault (cause 15, delegated by medeleg[15]; QEMU reports a load page fault, 13).
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ SS_SIE,  0x2
.equ SS_SPIE, 0x20
.equ SS_SPP,  0x100
.equ SS_BITS, 0x122
.equ VA_NONE, 0x40001000

.macro CHECK_EQ num, a, b
    li gp, \num
    beq \a, \b, 9f
    j fail
9:
.endm

# Back to M-mode: a load access fault at address 0 (never delegated here).
.macro TO_M
    li s10, -1
    ld t0, 0(zero)
.endm

# The next instruction must trap to the S-mode handler (see delegation.rs).
.macro S_EXPECT num
    li gp, \num
    li s5, 0
    la s7, 7f
    la s6, 8f
8:
.endm

.macro S_DONE
    j fail
7:
.endm

.macro S_CHECK num, cause, tval, status
    CHECK \num, s5, 1
    CHECK \num, s1, \cause
    CHECK \num, s2, \tval
    CHECK_EQ \num, s3, s6
    andi a0, s4, SS_BITS
    CHECK \num, a0, \status
.endm

    csrci mstatus, 8
    csrw mie, zero
    csrw mideleg, zero

    # medeleg[11] is read-only zero (privileged spec, "Machine Trap
    # Delegation Registers").
    li a1, -1
    csrw medeleg, a1
    csrr a0, medeleg
    srli a0, a0, 11
    andi a0, a0, 1
    CHECK 1, a0, 0
    li a1, 1 << 11
    csrw medeleg, a1
    csrr a0, medeleg
    CHECK 2, a0, 0
    csrw medeleg, zero

    # An AMO that faults on translation is a store/AMO page fault.
    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    li a0, VA_NONE + 0x1000
    la a1, data_page
    li a2, PTE_R | PTE_W | PTE_A | PTE_D
    li a3, 0
    call vm_map
    VM_ENABLE 0
    la t0, m_handler
    csrw mtvec, t0
    la t0, s_handler
    csrw stvec, t0
    li a1, (1 << 13) | (1 << 15)
    csrw medeleg, a1
    li s10, -1
    ENTER_S 1f
1:  csrci sstatus, SS_SIE
    li a1, VA_NONE
    S_EXPECT 3
    amoadd.w a0, a0, (a1)
    S_DONE
    S_CHECK 3, 15, VA_NONE, SS_SPP
    li a1, VA_NONE + 8
    S_EXPECT 4
    amoswap.d a0, a0, (a1)
    S_DONE
    S_CHECK 4, 15, VA_NONE + 8, SS_SPP
    li a1, VA_NONE + 4
    S_EXPECT 5
    lr.w a0, (a1)
    S_DONE
    S_CHECK 5, 13, VA_NONE + 4, SS_SPP
    TO_M
    # Only load page faults delegated: the AMO page fault goes to M.
    li a1, 1 << 13
    csrw medeleg, a1
    li s5, 0
    ENTER_S 1f
1:  li a1, VA_NONE
    VM_EXPECT_TRAP 7, 15, VA_NONE
    amoor.w a0, a0, (a1)
    VM_TRAP_DONE
    CHECK 8, s5, 0
    TO_M
    j pass

.balign 4
s_handler:
    csrr s1, scause
    csrr s2, stval
    csrr s3, sepc
    csrr s4, sstatus
    addi s5, s5, 1
    csrw sepc, s7
    sret

.balign 4
m_handler:
    li t0, -1
    beq s10, t0, 1f
    j check_trap
1:  csrr t0, mcause
    addi t0, t0, -5
    beqz t0, 2f
    j unexpected_trap
2:  csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    mret

.data
.balign 4096
data_page:
    .rept 512
    .dword 0
    .endr
.text
"#
);
