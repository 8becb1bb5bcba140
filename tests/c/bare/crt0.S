/* Start-up code of the bare-metal runtime, for one hart in M-mode at
 * 0x80000000 (rvsim run --kernel, spike, qemu-system-riscv64 -machine spike
 * -bios none): sets gp and sp, zeroes .bss, calls main, and reports main's
 * return value through HTIF the way riscv-tests do: (code << 1) | 1 into
 * the 64-bit tohost, then spin until the host stops the machine. A trap
 * (none is expected) exits with 128 + mcause. */
    .option arch, +zicsr /* csrw/csrr: binutils 2.38+ leave Zicsr out of rv64imac */
    .section .text.init, "ax", @progbits
    .global _start
_start:
    .option push
    .option norelax
    lla gp, __global_pointer$
    .option pop
    lla sp, __stack_top
    lla t0, trap
    csrw mtvec, t0

    /* Zero .bss (the script aligns both ends to 16 bytes). */
    lla t0, __bss_start
    lla t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    sd zero, 8(t0)
    addi t0, t0, 16
    j 1b
2:
    call main
    /* fall into htif_exit with main's return value in a0 */

/* htif_exit(code): never returns. */
    .global htif_exit
htif_exit:
    slli a0, a0, 1
    ori a0, a0, 1
    lla t0, tohost
3:  sd a0, 0(t0)
    j 3b

    .align 2
trap:
    csrr a0, mcause
    andi a0, a0, 0x7f
    addi a0, a0, 128
    j htif_exit

/* HTIF's mailbox, 64-byte aligned as in riscv-tests (the host finds it by
 * these symbol names). */
    .section .tohost, "aw", @progbits
    .align 6
    .global tohost
tohost:
    .dword 0
    .size tohost, 8
    .align 6
    .global fromhost
fromhost:
    .dword 0
    .size fromhost, 8
