//! HTIF as Spike's riscv-tests use it: prints "ok" with console commands to tohost, then exits with status 21 ((21 << 1) | 1). rvsim only: QEMU virt has no HTIF.
#![no_std]
#![no_main]
baremetal::asm_test!(
    r#"
    la t0, tohost
    li t1, (1 << 56) | (1 << 48) | 'o'
    sd t1, 0(t0)
    li t1, (1 << 56) | (1 << 48) | 'k'
    sd t1, 0(t0)
    li t1, (1 << 56) | (1 << 48) | '\n'
    sd t1, 0(t0)
    # rvsim answers each console command in fromhost and clears tohost.
    ld t2, 0(t0)
    li gp, 1
    bnez t2, fail
    la t3, fromhost
    ld t2, 0(t3)
    li t4, (1 << 56) | (1 << 48) | 0x100 | '\n'
    li gp, 2
    bne t2, t4, fail
    # Exit as riscv-tests do: two 32-bit halves, low half first.
    li t1, (21 << 1) | 1
    sw t1, 0(t0)
    sw zero, 4(t0)
1:  j 1b
.data
.balign 64
.globl tohost
tohost: .dword 0
.globl fromhost
fromhost: .dword 0
.text
"#
);
