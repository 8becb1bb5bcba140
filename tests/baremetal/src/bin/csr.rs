//! Zicsr and machine-mode CSRs: the six CSR instructions, read-only and unknown CSRs, misa, mstatus, mtvec, mepc, mcause, mtval, mie, mip.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
# Fail unless registers \a and \b are equal.
.macro CHECK_EQ num, a, b
    li gp, \num
    beq \a, \b, 9f
    j fail
9:
.endm

# A raw CSR instruction (csr, rs1 or uimm, funct3, rd) that must trap as
# an illegal instruction with mtval = its encoding. funct3: 1 csrrw,
# 2 csrrs, 3 csrrc, 5 csrrwi, 6 csrrsi, 7 csrrci.
.macro CSR_TRAP num, csr, rs1, f3, rd
    EXPECT_TRAP \num, 2, ((\csr<<20)|(\rs1<<15)|(\f3<<12)|(\rd<<7)|0x73)
    .4byte ((\csr<<20)|(\rs1<<15)|(\f3<<12)|(\rd<<7)|0x73)
    TRAP_DONE
.endm

    csrw mie, zero
    csrci mstatus, 8

    # mip.MTIP is pending at boot: mtimecmp resets to 0 <= mtime.
    csrr a0, mip
    andi a0, a0, 0x80
    CHECK 1, a0, 0x80

    # --- csrrw: old value to rd, rs1 written ---
    li a1, 0x1122334455667788
    csrw mscratch, a1
    li a2, 0x8877665544332211
    csrrw a0, mscratch, a2
    CHECK 2, a0, 0x1122334455667788
    csrr a3, mscratch
    CHECK 3, a3, 0x8877665544332211
    # rd = rs1: the source is read before rd is written.
    li a0, 0x0badc0de
    csrrw a0, mscratch, a0
    CHECK 4, a0, 0x8877665544332211
    csrr a3, mscratch
    CHECK 5, a3, 0x0badc0de

    # --- csrrs: old value to rd, rs1's bits set ---
    li a1, 0x00ff00ff00ff00ff
    csrw mscratch, a1
    li a2, 0x0f0f0f0f0f0f0f0f
    csrrs a0, mscratch, a2
    CHECK 6, a0, 0x00ff00ff00ff00ff
    csrr a3, mscratch
    CHECK 7, a3, 0x0fff0fff0fff0fff

    # --- csrrc: old value to rd, rs1's bits cleared ---
    li a1, 0x00ff00ff00ff00ff
    csrw mscratch, a1
    li a2, 0x0f0f0f0f0f0f0f0f
    csrrc a0, mscratch, a2
    CHECK 8, a0, 0x00ff00ff00ff00ff
    csrr a3, mscratch
    CHECK 9, a3, 0x00f000f000f000f0

    # --- csrrwi: the 5-bit uimm is zero-extended ---
    li a1, -1
    csrw mscratch, a1
    csrrwi a0, mscratch, 31
    CHECK 10, a0, -1
    csrr a3, mscratch
    CHECK 11, a3, 31

    # --- csrrsi ---
    li a1, 0x8000000000000001
    csrw mscratch, a1
    csrrsi a0, mscratch, 0x10
    CHECK 12, a0, 0x8000000000000001
    csrr a3, mscratch
    CHECK 13, a3, 0x8000000000000011

    # --- csrrci: clears only the low 5 bits ---
    li a1, -1
    csrw mscratch, a1
    csrrci a0, mscratch, 0x1f
    CHECK 14, a0, -1
    csrr a3, mscratch
    CHECK 15, a3, 0xffffffffffffffe0

    # --- rd = x0 forms still write ---
    li a1, 0x5a5a
    csrw mscratch, a1
    csrr a3, mscratch
    CHECK 16, a3, 0x5a5a
    li a2, 0xa5a50000
    csrrs x0, mscratch, a2
    csrr a3, mscratch
    CHECK 17, a3, 0xa5a55a5a
    li a2, 0x5a5a
    csrrc x0, mscratch, a2
    csrr a3, mscratch
    CHECK 18, a3, 0xa5a50000
    csrrsi x0, mscratch, 1
    csrr a3, mscratch
    CHECK 19, a3, 0xa5a50001
    csrrci x0, mscratch, 1
    csrr a3, mscratch
    CHECK 20, a3, 0xa5a50000

    # --- source x0 / uimm 0: csrrs/csrrc do not write, csrrw does ---
    li a1, 0x123456789
    csrw mscratch, a1
    csrrs a0, mscratch, x0
    CHECK 21, a0, 0x123456789
    csrrc a0, mscratch, x0
    CHECK 22, a0, 0x123456789
    csrrsi a0, mscratch, 0
    CHECK 23, a0, 0x123456789
    csrrci a0, mscratch, 0
    CHECK 24, a0, 0x123456789
    csrr a3, mscratch
    CHECK 25, a3, 0x123456789
    csrrw a0, mscratch, x0
    CHECK 26, a0, 0x123456789
    csrr a3, mscratch
    CHECK 27, a3, 0
    li a1, 77
    csrw mscratch, a1
    csrrwi a0, mscratch, 0
    CHECK 28, a0, 77
    csrr a3, mscratch
    CHECK 29, a3, 0

    # --- reading read-only CSRs does not trap ---
    csrr a0, mhartid
    CHECK 30, a0, 0
    csrr s0, mvendorid
    csrr s1, marchid
    csrr s2, mimpid
    csrr a0, mconfigptr
    # Reads that do not write: same values as csrr.
    li a0, 0x55
    csrrc a0, mhartid, x0
    CHECK 31, a0, 0
    csrrsi a0, mvendorid, 0
    CHECK_EQ 32, a0, s0
    csrrci a0, mimpid, 0
    CHECK_EQ 33, a0, s2
    csrrs a0, marchid, x0
    CHECK_EQ 34, a0, s1
    # User-level read-only counters are readable in M-mode.
    csrr a0, cycle
    csrr a0, time
    csrr a0, instret

    # --- writes to read-only CSRs trap, mtval = the instruction ---
    li a1, 1
    # csrw mhartid, a1
    CSR_TRAP 40, 0xf14, 11, 1, 0
    # csrw mvendorid, a1
    CSR_TRAP 41, 0xf11, 11, 1, 0
    # csrrwi a0, cycle, 5
    CSR_TRAP 42, 0xc00, 5, 5, 10
    # csrrwi x0, time, 0: csrrwi writes even with uimm = 0
    CSR_TRAP 43, 0xc01, 0, 5, 0
    # csrrs a0, mimpid, a1 (a1 = 1)
    CSR_TRAP 44, 0xf13, 11, 2, 10
    # csrrc a0, marchid, a1
    CSR_TRAP 45, 0xf12, 11, 3, 10
    # csrrsi a0, mhartid, 1
    CSR_TRAP 46, 0xf14, 1, 6, 10
    # csrrci a0, instret, 1
    CSR_TRAP 47, 0xc02, 1, 7, 10
    # csrrw x0, mconfigptr, x0
    CSR_TRAP 48, 0xf15, 0, 1, 0
    # A trapping CSR instruction does not write rd: csrrs a0, mhartid, a1.
    li a0, 0x77
    CSR_TRAP 49, 0xf14, 11, 2, 10
    CHECK 50, a0, 0x77

    # --- CSRs that do not exist trap ---
    # csrr a0, 0x7ff (custom machine read/write range, unassigned)
    CSR_TRAP 60, 0x7ff, 0, 2, 10
    # csrw 0x7ff, a1
    CSR_TRAP 61, 0x7ff, 11, 1, 0
    # csrr a0, 0x0ff (unassigned user read/write)
    CSR_TRAP 62, 0x0ff, 0, 2, 10
    # csrr a0, 0xc80 (cycleh: exists on RV32 only)
    CSR_TRAP 63, 0xc80, 0, 2, 10
    # csrr a0, 0x7b0 (dcsr: accessible in debug mode only)
    CSR_TRAP 64, 0x7b0, 0, 2, 10
    # csrrsi a0, 0x3ff, 0 (unassigned machine read/write; a read only)
    CSR_TRAP 65, 0x3ff, 0, 6, 10
    # csrrw x0, 0x0ff, x0: a write-only access with rd = x0 still traps
    CSR_TRAP 66, 0x0ff, 0, 1, 0
    # csrr a0, 0xf16 (unassigned machine read-only)
    CSR_TRAP 67, 0xf16, 0, 2, 10

    # --- misa ---
    csrr s0, misa
    srli a0, s0, 62
    CHECK 70, a0, 2
    # A, C, I, M, S, U
    li a1, (1<<0)|(1<<2)|(1<<8)|(1<<12)|(1<<18)|(1<<20)
    and a0, s0, a1
    CHECK 71, a0, (1<<0)|(1<<2)|(1<<8)|(1<<12)|(1<<18)|(1<<20)
    # Writes are ignored.
    csrw misa, zero
    csrr a0, misa
    CHECK_EQ 72, a0, s0
    li a1, 1<<12
    csrc misa, a1
    csrr a0, misa
    CHECK_EQ 73, a0, s0

    # --- mstatus ---
    csrr a0, mstatus
    srli a0, a0, 32
    andi a0, a0, 0xf
    CHECK 80, a0, 0xa
    # UXL and SXL stay 2 when cleared.
    li a1, 0xf00000000
    csrc mstatus, a1
    csrr a0, mstatus
    srli a0, a0, 32
    andi a0, a0, 0xf
    CHECK 81, a0, 0xa
    # MIE, MPIE, MPP = 3 (mie = 0: nothing can be taken).
    li a1, 0x1888
    csrs mstatus, a1
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 82, a0, 0x1888
    csrc mstatus, a1
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 83, a0, 0
    # MPP = 1 (S) and MPP = 3 by csrw.
    csrr s0, mstatus
    li a2, 1<<11
    or a3, s0, a2
    csrw mstatus, a3
    csrr a0, mstatus
    srli a0, a0, 11
    andi a0, a0, 3
    CHECK 84, a0, 1
    li a2, 3<<11
    or a3, s0, a2
    csrw mstatus, a3
    csrr a0, mstatus
    srli a0, a0, 11
    andi a0, a0, 3
    CHECK 85, a0, 3
    # Only MPIE set.
    li a2, 1<<7
    or a3, s0, a2
    csrw mstatus, a3
    csrr a0, mstatus
    li a1, 0x1888
    and a0, a0, a1
    CHECK 86, a0, 0x80

    # --- mtvec ---
    la a1, unexpected_trap
    csrw mtvec, a1
    csrr a0, mtvec
    CHECK_EQ 90, a0, a1
    li a1, 0x80000101
    csrw mtvec, a1
    csrr a0, mtvec
    CHECK 91, a0, 0x80000101
    # Modes 2 and 3 are reserved: the write is ignored.
    li a1, 0x80000202
    csrw mtvec, a1
    csrr a0, mtvec
    CHECK 92, a0, 0x80000101
    li a1, 0x80000303
    csrw mtvec, a1
    csrr a0, mtvec
    CHECK 93, a0, 0x80000101
    la a1, unexpected_trap
    csrw mtvec, a1
    csrr a0, mtvec
    CHECK_EQ 94, a0, a1

    # --- mepc: bit 1 is kept (IALIGN = 16); bit 0 in csr_rvsim_only ---
    li a1, 0x80000102
    csrw mepc, a1
    csrr a0, mepc
    CHECK 102, a0, 0x80000102

    # --- mcause and mtval are writable ---
    li a1, 11
    csrw mcause, a1
    csrr a0, mcause
    CHECK 110, a0, 11
    li a1, 0x8000000000000007
    csrw mcause, a1
    csrr a0, mcause
    CHECK 111, a0, 0x8000000000000007
    li a1, 0x80001234
    csrw mtval, a1
    csrr a0, mtval
    CHECK 112, a0, 0x80001234
    li a1, 0xffffffffc0001234
    csrw mtval, a1
    csrr a0, mtval
    CHECK 113, a0, 0xffffffffc0001234
    csrw mtval, zero
    csrr a0, mtval
    CHECK 114, a0, 0

    # --- mie: MSIE, MTIE, MEIE (mstatus.MIE = 0) ---
    li a1, 0x888
    csrw mie, a1
    csrr a0, mie
    and a0, a0, a1
    CHECK 120, a0, 0x888
    csrw mie, zero
    csrr a0, mie
    CHECK 121, a0, 0
    li a1, -1
    csrw mie, a1
    csrr a0, mie
    li a1, 0x888
    and a0, a0, a1
    CHECK 122, a0, 0x888
    li a1, 0x80
    csrc mie, a1
    csrr a0, mie
    li a1, 0x888
    and a0, a0, a1
    CHECK 123, a0, 0x808
    csrw mie, zero

    # --- mip: MTIP is read-only, driven by the CLINT ---
    li a1, 0x80
    csrc mip, a1
    csrr a0, mip
    andi a0, a0, 0x80
    CHECK 130, a0, 0x80
    csrw mip, zero
    csrr a0, mip
    andi a0, a0, 0x80
    CHECK 131, a0, 0x80
    # mtimecmp = -1 clears it.
    li a2, 0x2004000
    li a1, -1
    sd a1, 0(a2)
    csrr a0, mip
    andi a0, a0, 0x80
    CHECK 132, a0, 0
    # MSIP and MEIP are read-only too (CLINT and PLIC lines).
    li a1, 0x888
    csrs mip, a1
    csrr a0, mip
    and a0, a0, a1
    CHECK 133, a0, 0
"#
);
