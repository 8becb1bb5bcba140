//! Two harts (run with --smp 2, QEMU -smp 2): each reads its own mhartid; AMOs from both add up exactly; a hart's msip write interrupts the other, waking it from wfi; a store by the other hart makes an LR's SC fail, while an LR/SC pair alone succeeds.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
.equ MSIP0, 0x2000000
.equ SPINS, 50000000

# Spins until the doubleword at \label equals \value; fails \num after a
# long time.
.macro AWAIT num, label, value
    li gp, \num
    li a5, SPINS
    li a4, \value
1:  la a3, \label
    ld a3, 0(a3)
    beq a3, a4, 2f
    addi a5, a5, -1
    bnez a5, 1b
    j fail
2:
.endm

# Stores \value to the doubleword at \label.
.macro POST label, value
    la a3, \label
    li a4, \value
    sd a4, 0(a3)
.endm

    csrr a0, mhartid
    bnez a0, secondary

    # ---------------- hart 0 ----------------
    # Hart 1 says who it is.
    AWAIT 1, hart1_id, 101
    # Both harts add 1 to the counter 1000 times.
    la a1, counter
    li a2, 1000
1:  li a3, 1
    amoadd.d zero, a3, (a1)
    addi a2, a2, -1
    bnez a2, 1b
    AWAIT 2, hart1_added, 1
    ld a0, 0(a1)
    CHECK 3, a0, 2000

    # Hart 1 raises hart 0's machine software interrupt; wfi wakes for it.
    la t0, msi_handler
    csrw mtvec, t0
    li t0, 8
    csrw mie, t0
    csrsi mstatus, 8
    POST ipi_wanted, 1
    li gp, 4
    li a5, SPINS
2:  wfi
    la a3, msi_seen
    ld a3, 0(a3)
    bnez a3, 3f
    addi a5, a5, -1
    bnez a5, 2b
    j fail
3:  csrci mstatus, 8
    csrw mie, zero

    # An LR, then a store by hart 1 to the same word: the SC fails.
    la a1, word
    lr.d a0, (a1)
    POST store_wanted, 1
    AWAIT 5, stored, 1
    li a2, 7
    sc.d a3, a2, (a1)
    li gp, 6
    beqz a3, fail
    ld a0, 0(a1)
    CHECK 7, a0, 0x5a5a
    # Alone, an LR/SC pair succeeds (a retry may be needed if the other
    # hart's turn fell between the two).
    li a5, 3
4:  lr.d a0, (a1)
    addi a0, a0, 1
    sc.d a3, a0, (a1)
    beqz a3, 5f
    addi a5, a5, -1
    bnez a5, 4b
    li gp, 8
    j fail
5:  ld a0, 0(a1)
    CHECK 9, a0, 0x5a5b
    j pass

    # ---------------- hart 1 ----------------
secondary:
    POST hart1_id, 101
    la a1, counter
    li a2, 1000
1:  li a3, 1
    amoadd.d zero, a3, (a1)
    addi a2, a2, -1
    bnez a2, 1b
    POST hart1_added, 1
    AWAIT 10, ipi_wanted, 1
    li a3, MSIP0
    li a4, 1
    sw a4, 0(a3)
    AWAIT 11, store_wanted, 1
    la a3, word
    li a4, 0x5a5a
    sd a4, 0(a3)
    POST stored, 1
2:  wfi
    j 2b

# Hart 0's machine software interrupt: clear msip and note it.
    .balign 4
msi_handler:
    csrr t0, mcause
    li t1, 0x8000000000000003
    bne t0, t1, unexpected_trap
    li t0, MSIP0
    sw zero, 0(t0)
    la t0, msi_seen
    li t1, 1
    sd t1, 0(t0)
    mret

.data
.balign 64
counter: .dword 0
.balign 64
hart1_id: .dword 0
hart1_added: .dword 0
ipi_wanted: .dword 0
msi_seen: .dword 0
store_wanted: .dword 0
stored: .dword 0
.balign 64
word: .dword 0x1234
.text
"#
);
