//! M-mode boot, as xv6's start.c: clear bss, open memory to S-mode with
//! PMP, delegate traps and interrupts to S-mode, arrange for the machine
//! timer to reach S-mode as a software interrupt, and `mret` into S-mode
//! at `kmain` with a0 = hart id, a1 = device tree.

use crate::param::{CLINT_MTIME, CLINT_MTIMECMP, TICK_INTERVAL};

core::arch::global_asm!(
    r#"
    .section .text.entry, "ax"
    .globl _start
_start:
    la sp, boot_stack_top
    # bss is zero in an ELF loader's hands, but do not rely on it.
    la t0, _bss_start
    la t1, _bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call mstart
3:  wfi
    j 3b

    # M-mode trap vector: only the machine timer interrupt arrives here
    # (everything else is delegated). It re-arms the timer and raises a
    # supervisor software interrupt, which the kernel treats as a tick.
    # mscratch points at: [0..24) saved a1-a3, [24] &mtimecmp,
    # [32] interval, [40] &mtime.
    .text
    .balign 4
    .globl timervec
timervec:
    csrrw a0, mscratch, a0
    sd a1, 0(a0)
    sd a2, 8(a0)
    sd a3, 16(a0)
    csrr a1, mcause
    bgez a1, 4f
    ld a1, 40(a0)
    ld a3, 0(a1)
    ld a2, 32(a0)
    add a3, a3, a2
    ld a1, 24(a0)
    sd a3, 0(a1)
    li a1, 2
    csrs mip, a1
    ld a3, 16(a0)
    ld a2, 8(a0)
    ld a1, 0(a0)
    csrrw a0, mscratch, a0
    mret
    # A synchronous exception in M-mode is a kernel bug: stop the machine
    # with status 99 through the test finisher.
4:  li a1, 0x100000
    li a2, (99 << 16) | 0x3333
    sw a2, 0(a1)
5:  j 5b

    .bss
    .balign 16
    .globl boot_stack_top
boot_stack:
    .space 16384
boot_stack_top:
"#
);

/// Where `timervec` keeps its registers and parameters.
#[repr(C)]
struct TimerScratch {
    saved: [u64; 3],
    mtimecmp: u64,
    interval: u64,
    mtime: u64,
}

static mut TIMER_SCRATCH: TimerScratch = TimerScratch { saved: [0; 3], mtimecmp: 0, interval: 0, mtime: 0 };

unsafe extern "C" {
    fn timervec();
    fn kmain(hart: usize, dtb: usize) -> !;
}

/// Machine-mode setup, then S-mode.
#[unsafe(no_mangle)]
extern "C" fn mstart(hart: usize, dtb: usize) -> ! {
    // SAFETY: M-mode boot code on the only hart; the timer scratch is
    // written before the timer interrupt is enabled.
    unsafe {
        let scratch = &raw mut TIMER_SCRATCH;
        (*scratch).mtimecmp = CLINT_MTIMECMP;
        (*scratch).interval = TICK_INTERVAL;
        (*scratch).mtime = CLINT_MTIME;
        let now = (CLINT_MTIME as *const u64).read_volatile();
        (CLINT_MTIMECMP as *mut u64).write_volatile(now + TICK_INTERVAL);
        core::arch::asm!(
            // All physical memory for S and U (TOR over everything, RWX).
            "csrw pmpaddr0, {all}",
            "csrw pmpcfg0, {rwx}",
            // Exceptions from U and S go to S: misaligned, access faults,
            // illegal, breakpoint, ecall from U, page faults.
            "csrw medeleg, {medeleg}",
            // S-level interrupts are S-mode's.
            "csrw mideleg, {mideleg}",
            // S and U may read cycle, time, instret.
            "csrw mcounteren, {counters}",
            "csrw mscratch, {scratch}",
            "csrw mtvec, {timervec}",
            "csrs mie, {mtie}",
            "csrs mstatus, {mie}",
            "csrw satp, zero",
            // mret to S-mode at kmain(hart, dtb).
            "csrc mstatus, {mpp_mask}",
            "csrs mstatus, {mpp_s}",
            "csrw mepc, {kmain}",
            "mret",
            all = in(reg) u64::MAX >> 10,
            rwx = in(reg) 0x0fu64,
            medeleg = in(reg) 0xb1ffu64,
            mideleg = in(reg) 0x222u64,
            counters = in(reg) 7u64,
            scratch = in(reg) scratch as u64,
            timervec = in(reg) timervec as *const () as usize,
            mtie = in(reg) 1u64 << 7,
            mie = in(reg) 1u64 << 3,
            mpp_mask = in(reg) 3u64 << 11,
            mpp_s = in(reg) 1u64 << 11,
            kmain = in(reg) kmain as *const () as usize,
            in("a0") hart,
            in("a1") dtb,
            options(noreturn)
        );
    }
}
