//! satp writes with MODE = 9 (Sv48) or 10 (Sv57) are ignored entirely, as for any unsupported mode (rvsim implements only Sv39; QEMU 7.2 implements Sv48 and Sv57 and accepts them); sret and mret to a mode below M clear mstatus.MPRV (privileged spec 1.12; QEMU 7.2 leaves it set).
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
    li a1, SATP_SV39 | (5 << 44) | 0x80200
    csrw satp, a1
    li a1, (9 << 60) | (3 << 44) | 0x80300
    csrw satp, a1
    csrr a0, satp
    CHECK 1, a0, SATP_SV39 | (5 << 44) | 0x80200
    li a1, (10 << 60) | (3 << 44) | 0x80300
    csrw satp, a1
    csrr a0, satp
    CHECK 2, a0, SATP_SV39 | (5 << 44) | 0x80200
    csrw satp, zero
    li a1, (9 << 60) | (3 << 44) | 0x80300
    csrw satp, a1
    csrr a0, satp
    CHECK 3, a0, 0

    # sret executed in M-mode, returning to S (SPP = 1), clears MPRV. MPP =
    # M meanwhile, so MPRV = 1 changes nothing in M-mode.
    csrw satp, zero
    sfence.vma
    PMP_OPEN
    la t0, m_handler
    csrw mtvec, t0
    li a1, MSTATUS_MPRV | MSTATUS_MPP
    csrs mstatus, a1
    li a1, 0x100
    csrs sstatus, a1
    la a1, 1f
    csrw sepc, a1
    li gp, 4
    sret
    j fail
1:  li a7, 0
    ecall
    csrr a0, mstatus
    li a1, MSTATUS_MPRV
    and a0, a0, a1
    CHECK 5, a0, 0
    # mret into S-mode clears it too.
    li a1, MSTATUS_MPRV
    csrs mstatus, a1
    ENTER_S 1f
1:  li gp, 6
    li a7, 0
    ecall
    csrr a0, mstatus
    li a1, MSTATUS_MPRV
    and a0, a0, a1
    CHECK 6, a0, 0
    j pass

# An ecall from S returns to M-mode after it.
.balign 4
m_handler:
    csrr t0, mcause
    li t1, 9
    beq t0, t1, 1f
    j unexpected_trap
1:  csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    mret
"#
);
