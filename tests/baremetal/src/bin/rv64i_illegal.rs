//! Reserved RV64I encodings (shift immediates out of range, bad funct3/funct7 in OP/OP-32/OP-IMM-32/LOAD/STORE/BRANCH/JALR, reserved opcodes) raise illegal instruction with mtval = the bits.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc

    # The 32-bit word \bits must raise an illegal-instruction exception
    # (mcause 2) with mtval = \bits and mepc at it.
    .macro ILLEGAL num, bits
        EXPECT_TRAP \num, 2, \bits
        .4byte \bits
        TRAP_DONE
    .endm

    # Registers the encodings below name; they must be left alone.
    li a0, 0x0a0a
    li a1, 0x1b1b
    li a2, 0x2c2c

    # All-zero halfword (c.unimp): a 16-bit illegal instruction.
    EXPECT_TRAP 1, 2, 0
    .2byte 0x0000
    TRAP_DONE
    .balign 4

    # slli/srli/srai with imm[11:6] other than the RV64 patterns
    # (shamt >= 64): slli a0, a1, 1 etc. with bit 26 set.
    ILLEGAL 2, 0x04159513
    ILLEGAL 3, 0x0415d513
    ILLEGAL 4, 0x4415d513
    # slliw/srliw/sraiw with imm[5] = 1 (bit 25).
    ILLEGAL 5, 0x0215951b
    ILLEGAL 6, 0x0215d51b
    ILLEGAL 7, 0x4215d51b
    # OP-IMM-32 with funct3 = 010.
    ILLEGAL 8, 0x0005a51b
    # OP-32: funct3 = 010 with funct7 = 0; addw with funct7 = 0000010;
    # sllw with funct7 = 0100000.
    ILLEGAL 9, 0x00c5a53b
    ILLEGAL 10, 0x04c5853b
    ILLEGAL 11, 0x40c5953b
    # OP: add with funct7 = 0000010; sll and slt with funct7 = 0100000.
    ILLEGAL 12, 0x04c58533
    ILLEGAL 13, 0x40c59533
    ILLEGAL 14, 0x40c5a533
    # LOAD funct3 = 111 (ldu is RV128 only).
    ILLEGAL 15, 0x0005f503
    # STORE funct3 = 100 (sq is RV128 only).
    ILLEGAL 16, 0x00c5c023
    # BRANCH funct3 = 010 and 011.
    ILLEGAL 17, 0x00c5a463
    ILLEGAL 18, 0x00c5b463
    # JALR funct3 = 001.
    ILLEGAL 19, 0x00059567
    # Reserved major opcode 1101011.
    ILLEGAL 20, 0x0000006b
    # OP-32 subw-like funct7 on srlw's neighbour: funct3 = 011.
    ILLEGAL 21, 0x40c5b53b

    # Nothing was written by the trapping instructions.
    CHECK 22, a0, 0x0a0a
    CHECK 23, a1, 0x1b1b
    CHECK 24, a2, 0x2c2c

    # The legal neighbours of the encodings above do execute.
    .4byte 0x00159513       # slli a0, a1, 1
    CHECK 25, a0, 0x3636
    .4byte 0x01f5951b       # slliw a0, a1, 31
    CHECK 26, a0, 0xffffffff80000000
    .4byte 0x03f59513       # slli a0, a1, 63
    CHECK 27, a0, 0x8000000000000000
"#
);
