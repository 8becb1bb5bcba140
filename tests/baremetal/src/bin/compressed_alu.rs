//! RV64C integer computational encodings: immediates, shifts, register ops, W forms.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    # c.addi: 6-bit signed nonzero immediate, full 64-bit add, any rd.
    li a0, 5
    c.addi a0, -32
    CHECK 1, a0, -27
    li a0, 5
    c.addi a0, 31
    CHECK 2, a0, 36
    li a0, -1
    c.addi a0, 1
    CHECK 3, a0, 0
    li a0, 0x7fffffffffffffff
    c.addi a0, 1
    CHECK 4, a0, 0x8000000000000000
    li a0, 0xffffffff
    c.addi a0, 1
    CHECK 5, a0, 0x100000000
    li t1, 100
    c.addi t1, -1
    CHECK 6, t1, 99
    li s2, 0
    c.addi s2, -16
    CHECK 7, s2, -16

    # c.addiw: 32-bit add, result sign-extended, upper source bits ignored.
    li a0, 0x7fffffff
    c.addiw a0, 1
    CHECK 10, a0, 0xffffffff80000000
    li a0, 0xffffffff00000005
    c.addiw a0, -6
    CHECK 11, a0, -1
    li a0, 0x123456789abcdef0
    c.addiw a0, 0
    CHECK 12, a0, 0xffffffff9abcdef0
    li a0, 0x17ffffff0
    c.addiw a0, 31
    CHECK 13, a0, 0xffffffff8000000f
    li a0, 0xffffffff80000000
    c.addiw a0, -1
    CHECK 14, a0, 0x7fffffff
    li t2, 0x100000001
    c.addiw t2, -32
    CHECK 15, t2, -31

    # c.li: sign-extended 6-bit immediate.
    li a0, 0x5555
    c.li a0, -32
    CHECK 20, a0, -32
    c.li a0, 31
    CHECK 21, a0, 31
    li a0, -1
    c.li a0, 0
    CHECK 22, a0, 0
    c.li t1, -1
    CHECK 23, t1, -1
    c.li s3, 17
    CHECK 24, s3, 17

    # c.lui: nzimm[17:12], sign-extended from bit 17.
    li a0, 0x5555
    c.lui a0, 0xfffe0
    CHECK 30, a0, 0xfffffffffffe0000
    c.lui a0, 0x1f
    CHECK 31, a0, 0x1f000
    c.lui a0, 1
    CHECK 32, a0, 0x1000
    c.lui a0, 0xfffff
    CHECK 33, a0, 0xfffffffffffff000
    c.lui t1, 0x10
    CHECK 34, t1, 0x10000
    c.lui s4, 0xffff0
    CHECK 35, s4, 0xffffffffffff0000

    # c.addi16sp: sp += nzimm (multiple of 16, -512..496), 64-bit.
    mv s5, sp
    li sp, 0x100000000
    c.addi16sp sp, -512
    mv a0, sp
    mv sp, s5
    CHECK 40, a0, 0xfffffe00
    li sp, 0x7ffffff0
    c.addi16sp sp, 496
    mv a0, sp
    mv sp, s5
    CHECK 41, a0, 0x800001e0
    li sp, 0x1000
    c.addi16sp sp, 16
    mv a0, sp
    mv sp, s5
    CHECK 42, a0, 0x1010
    li sp, 0x1000
    c.addi16sp sp, 32
    c.addi16sp sp, 64
    c.addi16sp sp, 128
    c.addi16sp sp, 256
    c.addi16sp sp, -16
    mv a0, sp
    mv sp, s5
    CHECK 43, a0, 0x11d0

    # c.addi4spn: rd' = sp + nzuimm (multiple of 4, 4..1020), 64-bit.
    li sp, 0x123456789abcdef0
    c.addi4spn a0, sp, 1020
    mv sp, s5
    CHECK 50, a0, 0x123456789abce2ec
    li sp, 0xfffffffffffffffc
    c.addi4spn a1, sp, 4
    mv sp, s5
    CHECK 51, a1, 0
    li sp, 0x7ffffffc
    c.addi4spn s0, sp, 8
    mv sp, s5
    CHECK 52, s0, 0x80000004
    li sp, 0x1000
    c.addi4spn a5, sp, 16
    c.addi4spn a4, sp, 32
    c.addi4spn a3, sp, 64
    c.addi4spn a2, sp, 128
    c.addi4spn s1, sp, 256
    c.addi4spn a0, sp, 512
    mv sp, s5
    CHECK 53, a5, 0x1010
    CHECK 54, a4, 0x1020
    CHECK 55, a3, 0x1040
    CHECK 56, a2, 0x1080
    CHECK 57, s1, 0x1100
    CHECK 58, a0, 0x1200

    # c.slli: shamt 1..63, any rd.
    li a0, 1
    c.slli a0, 63
    CHECK 60, a0, 0x8000000000000000
    li a0, 0x123456789abcdef0
    c.slli a0, 32
    CHECK 61, a0, 0x9abcdef000000000
    li a0, 0xc000000000000001
    c.slli a0, 1
    CHECK 62, a0, 0x8000000000000002
    li t1, 0x3
    c.slli t1, 31
    CHECK 63, t1, 0x180000000
    li s6, 0xff
    c.slli s6, 16
    CHECK 64, s6, 0xff0000

    # c.srli: logical, shamt 1..63.
    li a0, 0x8000000000000000
    c.srli a0, 63
    CHECK 70, a0, 1
    li a0, -1
    c.srli a0, 32
    CHECK 71, a0, 0xffffffff
    li a0, -1
    c.srli a0, 1
    CHECK 72, a0, 0x7fffffffffffffff
    li s1, 0xf0f0f0f0f0f0f0f0
    c.srli s1, 4
    CHECK 73, s1, 0x0f0f0f0f0f0f0f0f
    li a5, 0x80000000
    c.srli a5, 31
    CHECK 74, a5, 1

    # c.srai: arithmetic, shamt 1..63.
    li a0, 0x8000000000000000
    c.srai a0, 63
    CHECK 80, a0, -1
    li a0, -2
    c.srai a0, 1
    CHECK 81, a0, -1
    li a0, 0x8000000000000000
    c.srai a0, 32
    CHECK 82, a0, 0xffffffff80000000
    li a0, 0x7000000000000000
    c.srai a0, 60
    CHECK 83, a0, 7
    li s0, 0x80000000
    c.srai s0, 31
    CHECK 84, s0, 1
    li a4, 0xf000000000000000
    c.srai a4, 4
    CHECK 85, a4, 0xff00000000000000

    # c.andi: sign-extended 6-bit immediate.
    li a0, -1
    c.andi a0, -32
    CHECK 90, a0, 0xffffffffffffffe0
    li a0, 0x1234567890abcdef
    c.andi a0, -32
    CHECK 91, a0, 0x1234567890abcde0
    li a0, 0x1234567890abcdef
    c.andi a0, 31
    CHECK 92, a0, 0xf
    li a0, -1
    c.andi a0, 0
    CHECK 93, a0, 0
    li s1, 0x8000000000000007
    c.andi s1, -1
    CHECK 94, s1, 0x8000000000000007

    # c.mv: rd = rs2, any registers.
    li a1, 0x8765432187654321
    li a0, 0
    c.mv a0, a1
    CHECK 100, a0, 0x8765432187654321
    CHECK 101, a1, 0x8765432187654321
    li s2, -2
    c.mv t1, s2
    CHECK 102, t1, -2

    # c.add: rd = rd + rs2, 64-bit.
    li a0, 0x7fffffff
    li a1, 1
    c.add a0, a1
    CHECK 110, a0, 0x80000000
    li a0, 0xffffffffffffffff
    li a1, 2
    c.add a0, a1
    CHECK 111, a0, 1
    li a0, 0x4000000000000000
    c.add a0, a0
    CHECK 112, a0, 0x8000000000000000
    li t1, 0x100000000
    li s2, 0xffffffff
    c.add t1, s2
    CHECK 113, t1, 0x1ffffffff

    # c.sub/c.xor/c.or/c.and: rd' = rd' op rs2'.
    li a0, 0
    li a1, 1
    c.sub a0, a1
    CHECK 120, a0, -1
    li a0, 0x100000000
    li a1, 1
    c.sub a0, a1
    CHECK 121, a0, 0xffffffff
    li s0, 0x123456789
    c.sub s0, s0
    CHECK 122, s0, 0
    li a5, 0x8000000000000000
    li s1, 1
    c.sub a5, s1
    CHECK 123, a5, 0x7fffffffffffffff

    li a0, 0xff00ff00ff00ff00
    li a1, 0x0ff00ff00ff00ff0
    c.xor a0, a1
    CHECK 130, a0, 0xf0f0f0f0f0f0f0f0
    li a2, 0x8000000000000001
    c.xor a2, a2
    CHECK 131, a2, 0
    li a0, 0xff00ff00ff00ff00
    li a1, 0x0ff00ff00ff00ff0
    c.or a0, a1
    CHECK 132, a0, 0xfff0fff0fff0fff0
    li a0, 0xff00ff00ff00ff00
    li a1, 0x0ff00ff00ff00ff0
    c.and a0, a1
    CHECK 133, a0, 0x0f000f000f000f00
    li s1, 0x8000000000000000
    li a3, 0x1
    c.or a3, s1
    CHECK 134, a3, 0x8000000000000001
    li a4, -1
    li s0, 0xfedcba9876543210
    c.and a4, s0
    CHECK 135, a4, 0xfedcba9876543210

    # c.addw/c.subw: 32-bit, result sign-extended, upper source bits ignored.
    li a0, 0x7fffffff
    li a1, 1
    c.addw a0, a1
    CHECK 140, a0, 0xffffffff80000000
    li a0, 0xffffffff
    li a1, 0x1
    c.addw a0, a1
    CHECK 141, a0, 0
    li a0, 0x1234567800000003
    li a1, 0x8765432100000004
    c.addw a0, a1
    CHECK 142, a0, 7
    li s0, 0x40000000
    c.addw s0, s0
    CHECK 143, s0, 0xffffffff80000000
    li a0, 0
    li a1, 1
    c.subw a0, a1
    CHECK 144, a0, -1
    li a0, 0x100000000
    li a1, 1
    c.subw a0, a1
    CHECK 145, a0, -1
    li a0, 0xffffffff80000000
    li a1, 1
    c.subw a0, a1
    CHECK 146, a0, 0x7fffffff
    li a5, 0x0000000500000001
    li s1, 0x0000000300000002
    c.subw a5, s1
    CHECK 147, a5, -1
    li a2, 0x123456789
    c.subw a2, a2
    CHECK 148, a2, 0
"#
);
