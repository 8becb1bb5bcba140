//! PMP rules QEMU 7.2 breaks: pmpcfg bits 6:5 and pmpaddr bits 63:54 read as zero (QEMU keeps them), mret into S with no PMP entry faults on the fetch (cause 1; QEMU makes the mret itself illegal), and writing pmpaddr(i-1) alone moves TOR entry i's base (QEMU keeps the old range until pmpcfg is written).
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ P_R, 0x01
.equ P_W, 0x02
.equ P_X, 0x04
.equ P_TOR, 0x08
.equ P_NAPOT, 0x18

.macro PADDR reg, label, off
    la \reg, \label + \off
    srli \reg, \reg, 2
.endm

.macro SET_CFG value
    li t1, \value
    csrw pmpcfg0, t1
    sfence.vma
.endm

.macro TO_M
    li s10, -1
    ecall
.endm

.macro S_EXPECT num, cause, label, off
    la a1, \label + \off
    VM_EXPECT_TRAP_R \num, \cause, a1
.endm

    csrci mstatus, 8
    csrw mie, zero
    csrw medeleg, zero
    csrw mideleg, zero
    csrw satp, zero
    la t0, m_handler
    csrw mtvec, t0
    li s10, -1
    li s6, 0

    # Bits 6:5 of each pmpcfg byte are reserved, read as zero (privileged
    # spec, "Physical Memory Protection CSRs").
    csrw pmpaddr0, zero
    csrw pmpaddr1, zero
    SET_CFG 0x796f
    csrr a0, pmpcfg0
    CHECK 1, a0, 0x190f
    SET_CFG 0
    # pmpaddr holds bits 55:2 of an address: bits 63:54 read as zero.
    li t1, -1
    csrw pmpaddr5, t1
    csrr a0, pmpaddr5
    CHECK 2, a0, 0x003fffffffffffff
    csrw pmpaddr5, zero

    # No PMP entry: mret into S-mode is allowed, and the fetch of the
    # first S instruction is an instruction access fault (resumed in M).
    csrw pmpcfg0, zero
    csrw pmpcfg2, zero
    sfence.vma
    li gp, 3
    li s10, 1
    la s11, entry_target
    la s9, entry_target
    la s8, 1f
    li s6, 1
    ENTER_S entry_target
1:
    # TOR entry 2 = [pmpaddr1, pmpaddr2). Writing only pmpaddr1 moves its
    # base: [page_b, page_b) is empty, then [page_a, page_b) is not.
    PADDR t1, region, 0
    csrw pmpaddr0, t1
    PADDR t1, page_b, 0
    csrw pmpaddr1, t1
    csrw pmpaddr2, t1
    SET_CFG ((P_TOR | P_R | P_W) << 16) | P_TOR | P_R | P_W | P_X
    ENTER_S 1f
1:  S_EXPECT 4, 5, page_a, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    TO_M
    PADDR t1, page_a, 0
    csrw pmpaddr1, t1
    sfence.vma
    ENTER_S 1f
1:  la a1, page_a
    ld a0, 0(a1)
    CHECK 5, a0, 0xaaaaaaaaaaaaaaaa
    S_EXPECT 6, 5, page_b, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    TO_M
    # And back: pmpaddr1 = page_b empties it again.
    PADDR t1, page_b, 0
    csrw pmpaddr1, t1
    sfence.vma
    ENTER_S 1f
1:  S_EXPECT 7, 5, page_a, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    TO_M
    j pass

entry_target:
    j fail

# As in pmp.rs: expected traps go to check_trap (in M-mode when s6 is set),
# an ecall from S/U returns to M-mode after it.
.balign 4
m_handler:
    li t0, -1
    beq s10, t0, 1f
    beqz s6, 3f
    li s6, 0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
3:  j check_trap
1:  csrr t0, mcause
    addi t0, t0, -8
    sltiu t0, t0, 2
    bnez t0, 2f
    j unexpected_trap
2:  csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    mret

.data
.balign 16384
region:
page_a:
    .rept 512
    .dword 0xaaaaaaaaaaaaaaaa
    .endr
page_b:
    .rept 512
    .dword 0xbbbbbbbbbbbbbbbb
    .endr
.text
"#
);
