# Test macros, in the manner of riscv-tests. Each case sets gp to its
# number first, so a failure exits with that number. Expected values are
# written from the ISA manual; the same binaries run on QEMU, which must
# agree.

# Fail unless register \reg holds \expected.
.macro CHECK num, reg, expected
    li gp, \num
    li t6, \expected
    beq \reg, t6, 9f
    j fail
9:
.endm

# rd = op(rs1, rs2), with distinct registers.
.macro TEST_RR num, op, expected, a, b
    li a1, \a
    li a2, \b
    \op a0, a1, a2
    CHECK \num, a0, \expected
.endm

# The same with rd = rs1 and with rd = rs2 (the sources must be read
# before the destination is written).
.macro TEST_RR_ALIASED num, op, expected, a, b
    li a0, \a
    li a2, \b
    \op a0, a0, a2
    CHECK \num, a0, \expected
    li a1, \a
    li a0, \b
    \op a0, a1, a0
    CHECK \num, a0, \expected
.endm

# rd = op(rs1, imm).
.macro TEST_IMM num, op, expected, a, imm
    li a1, \a
    \op a0, a1, \imm
    CHECK \num, a0, \expected
.endm

# rd = load(label + offset).
.macro TEST_LOAD num, op, expected, label, offset
    la a1, \label
    \op a0, \offset(a1)
    CHECK \num, a0, \expected
.endm

# store value at label + offset, read it back with load.
.macro TEST_STORE num, st, ld, expected, value, label, offset
    la a1, \label
    li a2, \value
    \st a2, \offset(a1)
    \ld a0, \offset(a1)
    CHECK \num, a0, \expected
.endm

# The branch must be taken.
.macro TEST_TAKEN num, op, a, b
    li gp, \num
    li a1, \a
    li a2, \b
    \op a1, a2, 9f
    j fail
9:
.endm

# The branch must not be taken.
.macro TEST_NOT_TAKEN num, op, a, b
    li gp, \num
    li a1, \a
    li a2, \b
    \op a1, a2, 8f
    j 9f
8:  j fail
9:
.endm

# The next instruction must trap with mcause \cause and mtval \tval, with
# mepc pointing at it; execution then resumes after TRAP_DONE. If it does
# not trap, the case fails.
.macro EXPECT_TRAP num, cause, tval
    li gp, \num
    li s10, \cause
    li s11, \tval
    la s9, 8f
    la s8, 7f
    la t0, check_trap
    csrw mtvec, t0
8:
.endm

# As EXPECT_TRAP, for a trap whose mepc is \epc rather than the next
# instruction (a fetch fault after a jump).
.macro EXPECT_TRAP_AT num, cause, tval, epc
    li gp, \num
    li s10, \cause
    li s11, \tval
    li s9, \epc
    la s8, 7f
    la t0, check_trap
    csrw mtvec, t0
.endm

.macro TRAP_DONE
    j fail
7:
    la t0, unexpected_trap
    csrw mtvec, t0
.endm
