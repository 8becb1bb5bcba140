//! S-mode CSRs: sstatus as a view of mstatus, sie/sip through mideleg, satp WARL modes and ASID, and the privilege checks (M CSRs from S/U, TVM, TSR, TW, wfi/sret/mret in U, mcounteren/scounteren).
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
.equ SS_SIE,  0x2
.equ SS_SPIE, 0x20
.equ SS_SPP,  0x100
.equ S_BITS,  0xC0122          # SIE SPIE SPP SUM MXR
.equ M_BITS,  0x721888         # MIE MPIE MPP MPRV TVM TW TSR
.equ MS_TVM,  0x100000
.equ MS_TW,   0x200000
.equ MS_TSR,  0x400000
.equ MTIMECMP, 0x2004000

# Back to M-mode from S or U: an ecall that m_handler turns into a return
# to M-mode after the ecall.
.macro TO_M
    li s10, -1
    ecall
.endm

# The instruction \insn (encoding \bits) must trap to M with an illegal
# instruction exception, mtval = its bits.
.macro ILL num, bits, insn:vararg
    VM_EXPECT_TRAP \num, 2, \bits
    \insn
    VM_TRAP_DONE
.endm

.macro CHECK_CSR num, csr, mask, expected
    csrr a0, \csr
    li a1, \mask
    and a0, a0, a1
    CHECK \num, a0, \expected
.endm

    csrci mstatus, 8
    csrw mie, zero
    csrw mideleg, zero
    csrw medeleg, zero
    li a1, -1
    li a2, MTIMECMP
    sd a1, 0(a2)
    PMP_OPEN
    csrw satp, zero
    sfence.vma
    la t0, m_handler
    csrw mtvec, t0
    li s10, -1

    # ---------------- sstatus is a view of mstatus ----------------
    li a1, S_BITS | M_BITS
    csrc mstatus, a1
    li a1, S_BITS
    csrs sstatus, a1
    CHECK_CSR 1, mstatus, S_BITS | M_BITS, S_BITS
    CHECK_CSR 2, sstatus, S_BITS | M_BITS, S_BITS
    li a1, S_BITS
    csrc sstatus, a1
    CHECK_CSR 3, mstatus, S_BITS | M_BITS, 0
    # The M fields cannot be set through sstatus.
    li a1, M_BITS
    csrs sstatus, a1
    CHECK_CSR 4, mstatus, S_BITS | M_BITS, 0
    csrr a1, sstatus
    li a2, M_BITS | SS_SIE
    or a1, a1, a2
    csrw sstatus, a1
    CHECK_CSR 5, mstatus, S_BITS | M_BITS, SS_SIE
    # Set in mstatus, the M fields do not show in sstatus, and writes to
    # sstatus (csrc, or csrw of what it reads) leave them alone.
    li a1, M_BITS
    csrs mstatus, a1
    CHECK_CSR 6, sstatus, S_BITS | M_BITS, SS_SIE
    li a1, M_BITS
    csrc sstatus, a1
    CHECK_CSR 7, mstatus, S_BITS | M_BITS, M_BITS | SS_SIE
    csrr a1, sstatus
    li a2, SS_SPP
    or a1, a1, a2
    csrw sstatus, a1
    CHECK_CSR 8, mstatus, S_BITS | M_BITS, M_BITS | SS_SIE | SS_SPP
    li a1, S_BITS | M_BITS
    csrc mstatus, a1
    CHECK_CSR 9, sstatus, S_BITS | M_BITS, 0

    # ---------------- sie shows the delegated bits of mie ----------------
    li a1, 0x222
    csrw mideleg, a1
    CHECK_CSR 10, mideleg, 0x222, 0x222
    csrw mie, zero
    li a1, -1
    csrw sie, a1
    csrr a0, mie
    CHECK 11, a0, 0x222
    csrr a0, sie
    CHECK 12, a0, 0x222
    li a1, 0xaaa
    csrw mie, a1
    csrr a0, sie
    CHECK 13, a0, 0x222
    csrw sie, zero
    csrr a0, mie
    CHECK 14, a0, 0x888
    # Only SSIP delegated: sie shows and writes only SSIE.
    li a1, 0x002
    csrw mideleg, a1
    li a1, 0x222
    csrw mie, a1
    csrr a0, sie
    CHECK 15, a0, 0x002
    csrw sie, zero
    csrr a0, mie
    CHECK 16, a0, 0x220
    csrw mie, zero
    li a1, 0x222
    csrs sie, a1
    csrr a0, mie
    CHECK 17, a0, 0x002
    # Nothing delegated: sie reads zero.
    csrw mideleg, zero
    li a1, 0x222
    csrw mie, a1
    csrr a0, sie
    CHECK 18, a0, 0
    csrw mie, zero

    # ---------------- sip shows the delegated bits of mip ----------------
    li a1, 0x222
    csrw mideleg, a1
    li a1, 0x222
    csrc mip, a1
    csrsi mip, 2
    csrr a0, sip
    CHECK 19, a0, 0x002
    csrci sip, 2
    CHECK_CSR 20, mip, 0x222, 0
    li a1, 0x20
    csrs mip, a1
    csrr a0, sip
    CHECK 21, a0, 0x020
    csrw mideleg, zero
    csrr a0, sip
    CHECK 22, a0, 0
    li a1, 0x20
    csrc mip, a1
    # Not delegated: sip.SSIP is read-only zero, even for M-mode.
    csrsi sip, 2
    CHECK_CSR 23, mip, 0x222, 0

    # From S-mode: SSIP is writable, STIP and SEIP are not.
    li a1, 0x222
    csrw mideleg, a1
    ENTER_S 1f
1:  csrsi sip, 2
    csrr a0, sip
    CHECK 24, a0, 0x002
    csrci sip, 2
    csrr a0, sip
    CHECK 25, a0, 0
    li a1, 0x220
    csrs sip, a1
    csrr a0, sip
    CHECK 26, a0, 0
    TO_M
    CHECK_CSR 27, mip, 0x222, 0
    li a1, 0x220
    csrs mip, a1
    ENTER_S 1f
1:  li a1, 0x220
    csrc sip, a1
    csrr a0, sip
    CHECK 28, a0, 0x220
    TO_M
    li a1, 0x220
    csrc mip, a1
    CHECK_CSR 29, mip, 0x222, 0
    # Not delegated: S cannot set SSIP.
    csrw mideleg, zero
    ENTER_S 1f
1:  csrsi sip, 2
    csrr a0, sip
    CHECK 30, a0, 0
    TO_M
    CHECK_CSR 31, mip, 0x222, 0
    # sie from S-mode reaches mie's delegated bits.
    li a1, 0x222
    csrw mideleg, a1
    ENTER_S 1f
1:  li a1, -1
    csrw sie, a1
    csrr a0, sie
    CHECK 32, a0, 0x222
    TO_M
    csrr a0, mie
    CHECK 33, a0, 0x222
    csrw mie, zero
    csrw mideleg, zero

    # ---------------- satp: WARL mode, ASID ----------------
    csrw satp, zero
    csrr a0, satp
    CHECK 40, a0, 0
    li a1, SATP_SV39 | (5 << 44) | 0x80200
    csrw satp, a1
    csrr a0, satp
    CHECK 41, a0, SATP_SV39 | (5 << 44) | 0x80200
    # Reserved modes: the whole write is ignored.
    li a1, (1 << 60) | (3 << 44) | 0x80300
    csrw satp, a1
    csrr a0, satp
    CHECK 42, a0, SATP_SV39 | (5 << 44) | 0x80200
    li a1, (7 << 60) | (3 << 44) | 0x80300
    csrw satp, a1
    csrr a0, satp
    CHECK 43, a0, SATP_SV39 | (5 << 44) | 0x80200
    li a1, (15 << 60) | (3 << 44) | 0x80300
    csrw satp, a1
    csrr a0, satp
    CHECK 44, a0, SATP_SV39 | (5 << 44) | 0x80200
    # All 16 ASID bits are writable.
    li a1, SATP_SV39 | (0xffff << 44) | 0x80200
    csrw satp, a1
    csrr a0, satp
    CHECK 45, a0, SATP_SV39 | (0xffff << 44) | 0x80200
    csrw satp, zero
    csrr a0, satp
    CHECK 46, a0, 0
    li a1, (1 << 60) | (3 << 44) | 0x80300
    csrw satp, a1
    csrr a0, satp
    CHECK 47, a0, 0
    # TVM = 0: S-mode may use satp and sfence.vma.
    ENTER_S 1f
1:  li gp, 48
    csrr a0, satp
    CHECK 48, a0, 0
    li gp, 49
    csrw satp, zero
    sfence.vma
    sfence.vma a0, zero
    TO_M
    # TVM = 1: they trap in S-mode, not in M-mode.
    li a1, MS_TVM
    csrs mstatus, a1
    ENTER_S 1f
1:  ILL 50, 0x18002573, csrr a0, satp
    ILL 51, 0x18001073, csrw satp, zero
    ILL 52, 0x12000073, sfence.vma
    ILL 53, 0x12050073, sfence.vma a0, zero
    # sstatus and the other S CSRs stay accessible.
    li gp, 54
    csrr a0, sstatus
    csrr a0, sscratch
    TO_M
    li gp, 55
    li a1, SATP_SV39 | (1 << 44) | 0x80200
    csrw satp, a1
    csrr a0, satp
    CHECK 55, a0, SATP_SV39 | (1 << 44) | 0x80200
    csrw satp, zero
    sfence.vma
    li a1, MS_TVM
    csrc mstatus, a1

    # ---------------- M CSRs from S, S CSRs from U ----------------
    li a1, 0x1234
    csrw mscratch, a1
    ENTER_S 1f
1:  ILL 60, 0x30002573, csrr a0, mstatus
    ILL 61, 0x34002573, csrr a0, mscratch
    li a0, 0x5678
    ILL 62, 0x34051073, csrw mscratch, a0
    ILL 63, 0x30402573, csrr a0, mie
    ILL 64, 0x30102573, csrr a0, misa
    TO_M
    csrr a0, mscratch
    CHECK 65, a0, 0x1234
    ENTER_U 1f
1:  ILL 66, 0x10002573, csrr a0, sstatus
    ILL 67, 0x18002573, csrr a0, satp
    ILL 68, 0x14002573, csrr a0, sscratch
    ILL 69, 0x30002573, csrr a0, mstatus
    ILL 70, 0x12000073, sfence.vma
    TO_M

    # ---------------- sret, mret, wfi and TSR, TW ----------------
    # TSR = 0: sret in S-mode returns to SPP's mode (U) at sepc.
    ENTER_S 1f
1:  li gp, 71
    la a1, 2f
    csrw sepc, a1
    li a1, SS_SPP
    csrc sstatus, a1
    sret
    j fail
2:  VM_EXPECT_TRAP 72, 8, 0
    ecall
    VM_TRAP_DONE
    TO_M
    li a1, MS_TSR
    csrs mstatus, a1
    ENTER_S 1f
1:  la a1, fail
    csrw sepc, a1
    ILL 73, 0x10200073, sret
    TO_M
    li a1, MS_TSR
    csrc mstatus, a1
    ENTER_S 1f
1:  ILL 74, 0x30200073, mret
    TO_M
    # TW = 1: wfi in S-mode traps (nothing is pending, so it could not
    # complete).
    li a1, MS_TW
    csrs mstatus, a1
    ENTER_S 1f
1:  ILL 75, 0x10500073, wfi
    TO_M
    li a1, MS_TW
    csrc mstatus, a1
    # TW = 0: wfi in S-mode is allowed; an enabled pending S interrupt
    # (SSIP, with sstatus.SIE = 0 so it is not taken) lets it complete.
    li a1, 2
    csrw mideleg, a1
    csrw mie, a1
    csrs mip, a1
    ENTER_S 1f
1:  li gp, 76
    csrci sstatus, SS_SIE
    wfi
    csrci sip, 2
    TO_M
    csrw mie, zero
    csrw mideleg, zero
    # U-mode: wfi, sret, mret are illegal.
    ENTER_U 1f
1:  ILL 77, 0x10500073, wfi
    ILL 78, 0x10200073, sret
    ILL 79, 0x30200073, mret
    TO_M
    # sret in M-mode is legal, even with TSR = 1: it returns to SPP's mode
    # (S here) and sets SPP = U. (That it clears MPRV is checked in
    # smode_csrs_rvsim_only.)
    li a1, MS_TSR
    csrs mstatus, a1
    li a1, SS_SPP
    csrs sstatus, a1
    la a1, 2f
    csrw sepc, a1
    li gp, 113
    sret
    j fail
2:  ILL 114, 0x30002573, csrr a0, mstatus
    TO_M
    CHECK_CSR 115, mstatus, MS_TSR | SS_SPP, MS_TSR
    li a1, MS_TSR
    csrc mstatus, a1

    # ---------------- counters: mcounteren, scounteren ----------------
    csrw mcounteren, zero
    csrw scounteren, zero
    ENTER_S 1f
1:  ILL 80, 0xc0002573, rdcycle a0
    ILL 81, 0xc0102573, rdtime a0
    ILL 82, 0xc0202573, rdinstret a0
    TO_M
    # M-mode is not affected.
    li gp, 83
    rdcycle a0
    rdtime a0
    rdinstret a0
    csrwi mcounteren, 7
    ENTER_S 1f
1:  li gp, 84
    rdcycle a0
    rdtime a0
    rdinstret a0
    TO_M
    csrwi mcounteren, 1
    ENTER_S 1f
1:  li gp, 85
    rdcycle a0
    ILL 86, 0xc0102573, rdtime a0
    ILL 87, 0xc0202573, rdinstret a0
    TO_M
    csrwi mcounteren, 2
    ENTER_S 1f
1:  li gp, 88
    rdtime a0
    ILL 89, 0xc0002573, rdcycle a0
    ILL 90, 0xc0202573, rdinstret a0
    TO_M
    csrwi mcounteren, 4
    ENTER_S 1f
1:  li gp, 91
    rdinstret a0
    ILL 92, 0xc0002573, rdcycle a0
    ILL 93, 0xc0102573, rdtime a0
    TO_M
    # U-mode needs both mcounteren and scounteren.
    csrwi mcounteren, 7
    csrwi scounteren, 0
    ENTER_U 1f
1:  ILL 94, 0xc0002573, rdcycle a0
    ILL 95, 0xc0102573, rdtime a0
    ILL 96, 0xc0202573, rdinstret a0
    TO_M
    csrwi mcounteren, 0
    csrwi scounteren, 7
    ENTER_U 1f
1:  ILL 97, 0xc0002573, rdcycle a0
    ILL 98, 0xc0102573, rdtime a0
    ILL 99, 0xc0202573, rdinstret a0
    TO_M
    # scounteren is written from S-mode here.
    csrwi mcounteren, 7
    ENTER_S 1f
1:  li gp, 100
    csrwi scounteren, 7
    csrr a0, scounteren
    CHECK 100, a0, 7
    TO_M
    ENTER_U 1f
1:  li gp, 101
    rdcycle a0
    rdtime a0
    rdinstret a0
    TO_M
    # One bit at a time.
    csrwi mcounteren, 7
    csrwi scounteren, 2
    ENTER_U 1f
1:  li gp, 102
    rdtime a0
    ILL 103, 0xc0002573, rdcycle a0
    ILL 104, 0xc0202573, rdinstret a0
    TO_M
    csrwi mcounteren, 2
    csrwi scounteren, 7
    ENTER_U 1f
1:  li gp, 105
    rdtime a0
    ILL 106, 0xc0002573, rdcycle a0
    ILL 107, 0xc0202573, rdinstret a0
    TO_M
    csrwi mcounteren, 5
    csrwi scounteren, 5
    ENTER_U 1f
1:  li gp, 108
    rdcycle a0
    rdinstret a0
    ILL 109, 0xc0102573, rdtime a0
    TO_M
    csrwi mcounteren, 1
    csrwi scounteren, 4
    ENTER_U 1f
1:  ILL 110, 0xc0002573, rdcycle a0
    ILL 111, 0xc0202573, rdinstret a0
    ILL 112, 0xc0102573, rdtime a0
    TO_M
    j pass

# M-mode trap handler: an expected trap (s10 != -1) goes to check_trap;
# otherwise an ecall from S or U returns to M-mode after the ecall (TO_M);
# anything else is unexpected.
.balign 4
m_handler:
    li t0, -1
    beq s10, t0, 1f
    j check_trap
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
"#
);
