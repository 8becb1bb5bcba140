//! Physical memory protection: S/U accesses under TOR/NA4/NAPOT entries, R/W/X, no matching entry, first match wins, partial matches (straddling), empty TOR ranges, MPRV, locked entries (binding M, ignoring writes, locking the pmpaddr below a TOR entry), and the RV64 odd pmpcfg CSRs.
#![no_std]
#![no_main]
baremetal::vm_test!(
    r#"
# pmpcfg byte fields.
.equ P_R, 0x01
.equ P_W, 0x02
.equ P_X, 0x04
.equ P_TOR, 0x08
.equ P_NA4, 0x10
.equ P_NAPOT, 0x18
.equ P_L, 0x80

.macro CHECK_EQ num, a, b
    li gp, \num
    beq \a, \b, 9f
    j fail
9:
.endm

# \reg = pmpaddr value of the NAPOT region at \label whose low bits are
# \ones (0x1ff: 4 KiB, 0x7ff: 16 KiB).
.macro NAPOT reg, label, ones
    la \reg, \label
    srli \reg, \reg, 2
    ori \reg, \reg, \ones
.endm

# \reg = pmpaddr value of the address \label + \off (TOR, NA4).
.macro PADDR reg, label, off
    la \reg, \label + \off
    srli \reg, \reg, 2
.endm

# pmpcfg0 = \value (then sfence.vma, as the privileged spec asks after
# PMP changes).
.macro SET_CFG value
    li t1, \value
    csrw pmpcfg0, t1
    sfence.vma
.endm

# From S or U: back to M-mode after the ecall.
.macro TO_M
    li s10, -1
    ecall
.endm

# M-mode: the next instruction must trap with \cause, mtval = \treg.
.macro M_EXPECT_R num, cause, treg
    li gp, \num
    li s10, \cause
    mv s11, \treg
    la s9, 8f
    la s8, 7f
8:
.endm

.macro M_DONE
    j fail
7:
.endm

# M-mode with MPRV = 1 (loads/stores as S): the closing macro clears MPRV
# on both paths.
.macro MPRV_ON
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, (1 << 11) | MSTATUS_MPRV
    csrs mstatus, t0
.endm

.macro MPRV_DONE
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    j fail
7:
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
.endm

# In S/U: the next instruction must trap with \cause, mtval = \label+\off.
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

    # ---------------- the CSRs ----------------
    # RV64 has no pmpcfg1 or pmpcfg3.
    EXPECT_TRAP 1, 2, 0x3a102573
    .4byte 0x3a102573               # csrr a0, pmpcfg1
    TRAP_DONE
    EXPECT_TRAP 2, 2, 0x3a301073
    .4byte 0x3a301073               # csrw pmpcfg3, zero
    TRAP_DONE
    la t0, m_handler
    csrw mtvec, t0
    li gp, 3
    csrw pmpcfg2, zero
    csrr a0, pmpcfg2
    csrw pmpaddr0, zero
    csrw pmpaddr1, zero
    SET_CFG 0x190f
    csrr a0, pmpcfg0
    CHECK 4, a0, 0x190f
    SET_CFG 0
    csrr a0, pmpcfg0
    CHECK 5, a0, 0
    li t1, 0x12345678
    csrw pmpaddr3, t1
    csrr a0, pmpaddr3
    CHECK 6, a0, 0x12345678
    csrw pmpaddr3, zero

    # ---------------- no entry enabled ----------------
    # M-mode is not restricted.
    li gp, 10
    la a1, page_a
    ld a0, 0(a1)
    CHECK 10, a0, 0xaaaaaaaaaaaaaaaa
    sd a0, 8(a1)
    # S-mode (through MPRV) is denied everything: a load faults.
    MPRV_ON
    M_EXPECT_R 11, 5, a1
    ld a0, 0(a1)
    MPRV_DONE
    MPRV_ON
    M_EXPECT_R 12, 7, a1
    sd a0, 0(a1)
    MPRV_DONE

    # ---------------- TOR code + NAPOT read-only page ----------------
    # Entry 0: TOR [0, region) RWX. Entry 1: NAPOT page_a, R.
    PADDR t1, region, 0
    csrw pmpaddr0, t1
    NAPOT t1, page_a, 0x1ff
    csrw pmpaddr1, t1
    SET_CFG ((P_NAPOT | P_R) << 8) | P_TOR | P_R | P_W | P_X
    ENTER_S 1f
1:  la a1, page_a
    ld a0, 0(a1)
    CHECK 20, a0, 0xaaaaaaaaaaaaaaaa
    la a2, page_a + 0xff8
    ld a0, 0(a2)
    CHECK 21, a0, 0xaaaaaaaaaaaaaaaa
    S_EXPECT 22, 7, page_a, 8
    sd a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 23, 7, page_a, 0xfff
    sb a0, 0(a1)
    VM_TRAP_DONE
    # page_b: no entry matches.
    S_EXPECT 24, 5, page_b, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 25, 7, page_b, 16
    sw a0, 0(a1)
    VM_TRAP_DONE
    # AMOs need W (store/AMO access fault); LR needs R, SC needs W.
    la a1, page_a
    lr.d a0, (a1)
    CHECK 34, a0, 0xaaaaaaaaaaaaaaaa
    S_EXPECT 35, 7, page_a, 0
    sc.d a2, a0, (a1)
    VM_TRAP_DONE
    S_EXPECT 36, 7, page_a, 32
    amoadd.d a0, a0, (a1)
    VM_TRAP_DONE
    S_EXPECT 37, 7, page_a, 40
    amoswap.w a0, a0, (a1)
    VM_TRAP_DONE
    S_EXPECT 38, 5, page_b, 0
    lr.w a0, (a1)
    VM_TRAP_DONE
    # No X: fetching from page_a faults.
    la a1, page_a + 0x10
    VM_EXPECT_FETCH_FAULT 26, 1, a1
    jr a1
    VM_TRAP_DONE
    # The TOR entry: just below its top.
    li gp, 27
    la a1, region - 8
    ld a0, 0(a1)
    sd a0, 0(a1)
    TO_M
    # An unlocked entry does not bind M-mode.
    li gp, 28
    la a1, page_a
    li a2, 0x1234
    sd a2, 16(a1)
    ld a0, 16(a1)
    CHECK 28, a0, 0x1234
    li a2, 0xaaaaaaaaaaaaaaaa
    sd a2, 16(a1)
    # MPRV with MPP = S: S's rules.
    MPRV_ON
    ld a0, 0(a1)
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK 29, a0, 0xaaaaaaaaaaaaaaaa
    MPRV_ON
    M_EXPECT_R 30, 7, a1
    sd a0, 0(a1)
    MPRV_DONE
    # U-mode follows the same entries.
    ENTER_U 1f
1:  la a1, page_a
    ld a0, 8(a1)
    CHECK 31, a0, 0xaaaaaaaaaaaaaaaa
    S_EXPECT 32, 7, page_a, 0
    sd a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 33, 5, page_c, 0
    lw a0, 0(a1)
    VM_TRAP_DONE
    TO_M

    # ---------------- NA4, TOR boundaries, partial matches ----------------
    # 0: TOR [0, region) RWX; 1: OFF, pmpaddr1 = page_c;
    # 2: TOR [page_c, page_c + 0x104) RW; 3: TOR [page_c + 0x104,
    # page_c + 0x1000) RW; 4: NA4 page_b + 8, RW; 5: NAPOT page_b, RW.
    PADDR t1, page_c, 0
    csrw pmpaddr1, t1
    PADDR t1, page_c, 0x104
    csrw pmpaddr2, t1
    PADDR t1, page_c, 0x1000
    csrw pmpaddr3, t1
    PADDR t1, page_b, 8
    csrw pmpaddr4, t1
    NAPOT t1, page_b, 0x1ff
    csrw pmpaddr5, t1
    SET_CFG ((P_NAPOT | P_R | P_W) << 40) | ((P_NA4 | P_R | P_W) << 32) | ((P_TOR | P_R | P_W) << 24) | ((P_TOR | P_R | P_W) << 16) | P_TOR | P_R | P_W | P_X
    csrr a0, pmpcfg0
    CHECK 40, a0, 0x1b130b0b000f
    ENTER_S 1f
1:  la a1, page_b + 8
    lwu a0, 0(a1)
    CHECK 41, a0, 0xbbbbbbbb
    li a2, 0xbbbbbbbb
    sw a2, 0(a1)
    # An 8-byte access matches entry 4 in part: it fails, even though
    # entry 5 would allow all of it.
    S_EXPECT 42, 5, page_b, 8
    ld a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 43, 7, page_b, 8
    sd a0, 0(a1)
    VM_TRAP_DONE
    la a1, page_b
    lwu a0, 12(a1)
    CHECK 44, a0, 0xbbbbbbbb
    ld a0, 16(a1)
    CHECK 45, a0, 0xbbbbbbbbbbbbbbbb
    ld a0, 0(a1)
    CHECK 46, a0, 0xbbbbbbbbbbbbbbbb
    # Across the boundary of two TOR entries (both RW): fails.
    la a1, page_c + 0x100
    S_EXPECT 47, 5, page_c, 0x100
    ld a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 48, 7, page_c, 0x100
    sd a0, 0(a1)
    VM_TRAP_DONE
    lwu a0, 0(a1)
    CHECK 49, a0, 0xcccccccc
    lwu a0, 4(a1)
    CHECK 50, a0, 0xcccccccc
    ld a0, -8(a1)
    CHECK 51, a0, 0xcccccccccccccccc
    ld a0, 8(a1)
    CHECK 52, a0, 0xcccccccccccccccc
    TO_M
    # Without entry 5, only the NA4 word of page_b is accessible.
    SET_CFG ((P_NA4 | P_R | P_W) << 32) | ((P_TOR | P_R | P_W) << 24) | ((P_TOR | P_R | P_W) << 16) | P_TOR | P_R | P_W | P_X
    ENTER_S 1f
1:  la a1, page_b + 8
    lhu a0, 2(a1)
    CHECK 53, a0, 0xbbbb
    S_EXPECT 54, 5, page_b, 12
    lw a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 55, 5, page_b, 4
    lw a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 56, 5, page_b, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    TO_M

    # ---------------- first match wins ----------------
    # 1: NAPOT page_c, R; 2: NAPOT region (16 KiB), RW.
    NAPOT t1, page_c, 0x1ff
    csrw pmpaddr1, t1
    NAPOT t1, region, 0x7ff
    csrw pmpaddr2, t1
    SET_CFG ((P_NAPOT | P_R | P_W) << 16) | ((P_NAPOT | P_R) << 8) | P_TOR | P_R | P_W | P_X
    ENTER_S 1f
1:  la a1, page_c
    ld a0, 0(a1)
    CHECK 60, a0, 0xcccccccccccccccc
    S_EXPECT 61, 7, page_c, 0
    sd a0, 0(a1)
    VM_TRAP_DONE
    la a1, page_d
    ld a0, 0(a1)
    sd a0, 0(a1)
    CHECK 62, a0, 0xdddddddddddddddd
    TO_M
    # The other way round: the RW region first, and page_c is writable.
    NAPOT t1, region, 0x7ff
    csrw pmpaddr1, t1
    NAPOT t1, page_c, 0x1ff
    csrw pmpaddr2, t1
    SET_CFG ((P_NAPOT | P_R) << 16) | ((P_NAPOT | P_R | P_W) << 8) | P_TOR | P_R | P_W | P_X
    ENTER_S 1f
1:  li gp, 63
    la a1, page_c
    ld a0, 0(a1)
    sd a0, 0(a1)
    CHECK 63, a0, 0xcccccccccccccccc
    TO_M

    # ---------------- TOR ranges ----------------
    # Entry 2 TOR [pmpaddr1, pmpaddr2): [page_b, page_a) is empty
    # (pmpaddr1 > pmpaddr2), so it matches nothing.
    PADDR t1, page_b, 0
    csrw pmpaddr1, t1
    PADDR t1, page_a, 0
    csrw pmpaddr2, t1
    SET_CFG ((P_TOR | P_R | P_W) << 16) | P_TOR | P_R | P_W | P_X
    ENTER_S 1f
1:  S_EXPECT 65, 5, page_a, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 66, 5, page_b, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    TO_M
    # [page_b, page_b) is empty too.
    PADDR t1, page_b, 0
    csrw pmpaddr2, t1
    sfence.vma
    ENTER_S 1f
1:  S_EXPECT 67, 5, page_b, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    TO_M
    # [page_a, page_b): the top is exclusive. (pmpcfg0 is written again:
    # QEMU 7.2 does not update a TOR entry when only the pmpaddr below it
    # changes; pmp_rvsim_only checks that.)
    PADDR t1, page_a, 0
    csrw pmpaddr1, t1
    SET_CFG ((P_TOR | P_R | P_W) << 16) | P_TOR | P_R | P_W | P_X
    ENTER_S 1f
1:  la a1, page_a
    ld a0, 0(a1)
    CHECK 68, a0, 0xaaaaaaaaaaaaaaaa
    la a2, page_a + 0xff8
    ld a0, 0(a2)
    CHECK 69, a0, 0xaaaaaaaaaaaaaaaa
    S_EXPECT 70, 5, page_b, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    TO_M

    # ---------------- execute-only ----------------
    # 0: NAPOT xonly page, X only; 1: OFF, pmpaddr1 = 0; 2: TOR [0, region)
    # RWX.
    NAPOT t1, xonly, 0x1ff
    csrw pmpaddr0, t1
    csrw pmpaddr1, zero
    PADDR t1, region, 0
    csrw pmpaddr2, t1
    SET_CFG ((P_TOR | P_R | P_W | P_X) << 16) | P_NAPOT | P_X
    ENTER_S 1f
1:  li gp, 75
    li s5, 0
    call xonly
    CHECK 78, s5, 1
    TO_M
    # M-mode reads it.
    la a1, xonly
    lw a0, 0(a1)
    li gp, 79
    beqz a0, fail

    # ---------------- locked entries ----------------
    # 0: TOR [0, region) RWX; 1: NAPOT page_c, R, locked; 2: OFF,
    # pmpaddr2 = page_d; 3: TOR [page_d, page_d + 0x1000), R, locked.
    PADDR t1, region, 0
    csrw pmpaddr0, t1
    NAPOT t1, page_c, 0x1ff
    csrw pmpaddr1, t1
    PADDR t1, page_d, 0
    csrw pmpaddr2, t1
    PADDR t1, page_d, 0x1000
    csrw pmpaddr3, t1
    li t1, 0x5555
    csrw pmpaddr4, t1
    SET_CFG ((P_L | P_TOR | P_R) << 24) | ((P_L | P_NAPOT | P_R) << 8) | P_TOR | P_R | P_W | P_X
    csrr a0, pmpcfg0
    CHECK 80, a0, 0x8900990f
    # They bind M-mode: loads work, stores and fetches fault.
    la a1, page_c
    ld a0, 8(a1)
    CHECK 81, a0, 0xcccccccccccccccc
    la a1, page_c + 8
    M_EXPECT_R 82, 7, a1
    sd a0, 0(a1)
    M_DONE
    la a1, page_d
    ld a0, 0(a1)
    CHECK 83, a0, 0xdddddddddddddddd
    M_EXPECT_R 84, 7, a1
    sw a0, 0(a1)
    M_DONE
    la a1, page_c + 0x40
    li gp, 85
    li s10, 1
    mv s11, a1
    mv s9, a1
    la s8, 2f
    jr a1
2:  # Writes to a locked entry's pmpaddr and pmpcfg byte are ignored.
    li t1, 0x1234
    csrw pmpaddr1, t1
    csrr a0, pmpaddr1
    NAPOT a2, page_c, 0x1ff
    CHECK_EQ 86, a0, a2
    csrw pmpaddr3, t1
    csrr a0, pmpaddr3
    PADDR a2, page_d, 0x1000
    CHECK_EQ 87, a0, a2
    # A locked TOR entry also locks the pmpaddr below it.
    csrw pmpaddr2, t1
    csrr a0, pmpaddr2
    PADDR a2, page_d, 0
    CHECK_EQ 88, a0, a2
    # Other pmpaddrs stay writable (entry 1 is NAPOT: pmpaddr0 is free).
    csrw pmpaddr4, t1
    csrr a0, pmpaddr4
    CHECK 89, a0, 0x1234
    csrr a3, pmpaddr0
    csrw pmpaddr0, t1
    csrr a0, pmpaddr0
    csrw pmpaddr0, a3
    CHECK 90, a0, 0x1234
    # pmpcfg0: the unlocked bytes change, the locked ones do not.
    SET_CFG 0x001f0f1f0b
    csrr a0, pmpcfg0
    CHECK 91, a0, 0x890f990b
    li t1, P_L << 8
    csrc pmpcfg0, t1
    csrr a0, pmpcfg0
    CHECK 92, a0, 0x890f990b
    SET_CFG 0x0f
    csrr a0, pmpcfg0
    CHECK 93, a0, 0x8900990f
    # S-mode sees the same entries.
    ENTER_S 1f
1:  la a1, page_c
    ld a0, 0(a1)
    CHECK 94, a0, 0xcccccccccccccccc
    S_EXPECT 95, 7, page_c, 0
    sd a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 96, 7, page_d, 8
    sd a0, 0(a1)
    VM_TRAP_DONE
    S_EXPECT 97, 5, page_b, 0
    ld a0, 0(a1)
    VM_TRAP_DONE
    TO_M
    j pass

# M-mode handler: an expected trap (s10 != -1) goes to check_trap;
# otherwise an ecall from S or U returns to M-mode
# after it; anything else is unexpected.
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

# An execute-only page of S-mode code (cases 75-77); returns to ra.
.balign 4096
xonly:
    auipc a1, 0
    VM_EXPECT_TRAP_R 76, 5, a1
    lw a0, 0(a1)
    VM_TRAP_DONE
    VM_EXPECT_TRAP_R 77, 7, a1
    sw a0, 0(a1)
    VM_TRAP_DONE
    li s5, 1
    ret
.balign 4096

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
page_c:
    .rept 512
    .dword 0xcccccccccccccccc
    .endr
page_d:
    .rept 512
    .dword 0xdddddddddddddddd
    .endr
.text
"#
);
