//! mret and sret (executed in M) to S or U clear mstatus.MPRV (privileged spec 1.12: an xRET to a mode below M sets MPRV=0); QEMU 7.2 leaves MPRV set.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ UPAGE, 0x40000000      # a U page that holds an ecall

# Fails unless mstatus & \mask == \value.
.macro CHECK_MSTATUS num, mask, value
    csrr a0, mstatus
    li t1, \mask
    and a0, a0, t1
    CHECK \num, a0, \value
.endm

    VM_SETUP PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    li a0, UPAGE
    la a1, frame_ecall
    li a2, PTE_X | PTE_U | PTE_A | PTE_D
    li a3, 0
    call vm_map
    VM_ENABLE 0
    # An ecall from S or U comes back to M at s7.
    la t1, ecall_to_m
    csrw mtvec, t1

    # mret to S.
    li t1, MSTATUS_MPRV
    csrs mstatus, t1
    la s7, back1
    ENTER_S s_ecall
back1:
    CHECK_MSTATUS 1, MSTATUS_MPRV | MSTATUS_MPP, 1 << 11
    # mret to U.
    li t1, MSTATUS_MPRV | MSTATUS_MPP
    csrc mstatus, t1
    li t1, MSTATUS_MPRV
    csrs mstatus, t1
    li t1, UPAGE
    csrw mepc, t1
    la s7, back2
    mret
back2:
    CHECK_MSTATUS 2, MSTATUS_MPRV | MSTATUS_MPP, 0
    # sret in M to S.
    li t1, 1 << 8               # SPP = S
    csrs mstatus, t1
    la t1, s_ecall
    csrw sepc, t1
    li t1, MSTATUS_MPRV
    csrs mstatus, t1
    la s7, back3
    sret
back3:
    CHECK_MSTATUS 3, MSTATUS_MPRV | MSTATUS_MPP, 1 << 11
    # sret in M to U.
    li t1, 1 << 8               # SPP = U
    csrc mstatus, t1
    li t1, UPAGE
    csrw sepc, t1
    li t1, MSTATUS_MPRV
    csrs mstatus, t1
    la s7, back4
    sret
back4:
    CHECK_MSTATUS 4, MSTATUS_MPRV | MSTATUS_MPP, 0
    j pass

s_ecall:
    ecall

.balign 4
ecall_to_m:
    csrr t0, mcause
    li t6, 8
    beq t0, t6, 1f
    li t6, 9
    beq t0, t6, 1f
    j check_trap
1:  jr s7

.data
.balign 4096
frame_ecall:
    .4byte 0x00000073       # ecall
    .balign 4096
.text
"#
);
