//! Misaligned loads and stores are performed, as on QEMU (the specification allows this or a trap): every width, both signs, across a page boundary, and a store running off the end of RAM faults.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    .option norvc
    la s0, buf
    # Loads at every misaligned offset of the pattern 00 11 22 ... ff.
    lh a0, 1(s0)
    CHECK 1, a0, 0x2211
    lh a0, 7(s0)
    CHECK 2, a0, 0xffffffffffff8877
    lhu a0, 7(s0)
    CHECK 3, a0, 0x8877
    lw a0, 1(s0)
    CHECK 4, a0, 0x44332211
    lw a0, 6(s0)
    CHECK 5, a0, 0xffffffff99887766
    lwu a0, 6(s0)
    CHECK 6, a0, 0x99887766
    lw a0, 5(s0)
    CHECK 7, a0, 0xffffffff88776655
    ld a0, 3(s0)
    CHECK 8, a0, 0xaa99887766554433
    ld a0, 7(s0)
    CHECK 9, a0, 0xeeddccbbaa998877

    # Stores write exactly their bytes.
    la s1, scratch
    sd zero, 0(s1)
    sd zero, 8(s1)
    li a1, 0x1122334455667788
    sd a1, 3(s1)
    ld a0, 0(s1)
    CHECK 20, a0, 0x4455667788000000
    ld a0, 8(s1)
    CHECK 21, a0, 0x0000000000112233
    li a1, 0xabcd
    sh a1, 9(s1)
    ld a0, 8(s1)
    CHECK 22, a0, 0xabcd33
    li a1, 0xcafef00d
    sw a1, 13(s1)
    lwu a0, 13(s1)
    CHECK 23, a0, 0xcafef00d

    # Across a 4 KiB page boundary.
    la s2, page_end
    li a1, 0x0102030405060708
    sd a1, -3(s2)
    ld a0, -3(s2)
    CHECK 30, a0, 0x0102030405060708
    lbu a0, -1(s2)
    CHECK 31, a0, 0x06
    lbu a0, 0(s2)
    CHECK 32, a0, 0x05
    lw a0, -2(s2)
    CHECK 33, a0, 0x04050607
    lhu a0, -1(s2)
    CHECK 34, a0, 0x0506

    # A misaligned store whose second part is past the end of RAM is a
    # store access fault. (Whether the first part is written differs, both
    # allowed: QEMU writes it, rvsim does not; traps_rvsim_only checks.)
    li s3, 0x87fffff8
    li a1, 0x1111111111111111
    sd a1, 0(s3)
    li a2, 0x2222222222222222
    li gp, 40
    la t0, ram_end_fault
    csrw mtvec, t0
    sd a2, 4(s3)
    j fail
.balign 4
ram_end_fault:
    csrr a0, mcause
    CHECK 41, a0, 7
    la t0, unexpected_trap
    csrw mtvec, t0

.data
.balign 16
buf:
    .byte 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77
    .byte 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
scratch:
    .space 16
.balign 4096
    .space 4096
page_end:
    .space 16
.text
"#
);
