//! Traps. From U-mode they arrive at `uservec`, which saves the user
//! registers in the process's trap frame (found through `sscratch`),
//! switches to its kernel stack and calls `usertrap`; `userret` goes back.
//! The kernel half is mapped in every address space, so no `satp` switch
//! is needed on the way. In S-mode, traps arrive at `kernelvec`: only
//! interrupts while idle are expected there.

use crate::param::{UART_IRQ, VIRTIO_IRQ, VIRTIO_SLOTS};
use crate::{console, disk, kprintln, plic, proc, syscall};

/// The user registers saved by `uservec`, and what `userret` needs.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TrapFrame {
    /// x0..x31 (x0 unused).
    pub regs: [u64; 32],
    /// Where to resume in user mode.
    pub epc: u64,
    /// Top of the process's kernel stack.
    pub kernel_sp: u64,
}

impl TrapFrame {
    /// An all-zero frame.
    pub const ZERO: TrapFrame = TrapFrame { regs: [0; 32], epc: 0, kernel_sp: 0 };
}

/// Register numbers.
pub mod reg {
    pub const RA: usize = 1;
    pub const SP: usize = 2;
    pub const TP: usize = 4;
    pub const A0: usize = 10;
    pub const A1: usize = 11;
    pub const A2: usize = 12;
    pub const A3: usize = 13;
    pub const A4: usize = 14;
    pub const A5: usize = 15;
    pub const A7: usize = 17;
}

core::arch::global_asm!(
    r#"
    .text
    .balign 4
    .globl uservec
uservec:
    csrrw a0, sscratch, a0
    sd x1, 8(a0)
    sd x2, 16(a0)
    sd x3, 24(a0)
    sd x4, 32(a0)
    sd x5, 40(a0)
    sd x6, 48(a0)
    sd x7, 56(a0)
    sd x8, 64(a0)
    sd x9, 72(a0)
    sd x11, 88(a0)
    sd x12, 96(a0)
    sd x13, 104(a0)
    sd x14, 112(a0)
    sd x15, 120(a0)
    sd x16, 128(a0)
    sd x17, 136(a0)
    sd x18, 144(a0)
    sd x19, 152(a0)
    sd x20, 160(a0)
    sd x21, 168(a0)
    sd x22, 176(a0)
    sd x23, 184(a0)
    sd x24, 192(a0)
    sd x25, 200(a0)
    sd x26, 208(a0)
    sd x27, 216(a0)
    sd x28, 224(a0)
    sd x29, 232(a0)
    sd x30, 240(a0)
    sd x31, 248(a0)
    csrr t0, sscratch
    sd t0, 80(a0)
    ld sp, 264(a0)
    la t0, kernelvec
    csrw stvec, t0
    call usertrap
    # usertrap returns the trap frame to resume: fall into userret.

    # userret(frame): back to U-mode with the registers in frame.
    .globl userret
userret:
    la t0, uservec
    csrw stvec, t0
    csrw sscratch, a0
    ld t0, 256(a0)
    csrw sepc, t0
    ld x1, 8(a0)
    ld x2, 16(a0)
    ld x3, 24(a0)
    ld x4, 32(a0)
    ld x5, 40(a0)
    ld x6, 48(a0)
    ld x7, 56(a0)
    ld x8, 64(a0)
    ld x9, 72(a0)
    ld x11, 88(a0)
    ld x12, 96(a0)
    ld x13, 104(a0)
    ld x14, 112(a0)
    ld x15, 120(a0)
    ld x16, 128(a0)
    ld x17, 136(a0)
    ld x18, 144(a0)
    ld x19, 152(a0)
    ld x20, 160(a0)
    ld x21, 168(a0)
    ld x22, 176(a0)
    ld x23, 184(a0)
    ld x24, 192(a0)
    ld x25, 200(a0)
    ld x26, 208(a0)
    ld x27, 216(a0)
    ld x28, 224(a0)
    ld x29, 232(a0)
    ld x30, 240(a0)
    ld x31, 248(a0)
    ld a0, 80(a0)
    sret

    # Traps taken in S-mode.
    .balign 4
    .globl kernelvec
kernelvec:
    addi sp, sp, -144
    sd ra, 0(sp)
    sd t0, 8(sp)
    sd t1, 16(sp)
    sd t2, 24(sp)
    sd a0, 32(sp)
    sd a1, 40(sp)
    sd a2, 48(sp)
    sd a3, 56(sp)
    sd a4, 64(sp)
    sd a5, 72(sp)
    sd a6, 80(sp)
    sd a7, 88(sp)
    sd t3, 96(sp)
    sd t4, 104(sp)
    sd t5, 112(sp)
    sd t6, 120(sp)
    call kerneltrap
    ld ra, 0(sp)
    ld t0, 8(sp)
    ld t1, 16(sp)
    ld t2, 24(sp)
    ld a0, 32(sp)
    ld a1, 40(sp)
    ld a2, 48(sp)
    ld a3, 56(sp)
    ld a4, 64(sp)
    ld a5, 72(sp)
    ld a6, 80(sp)
    ld a7, 88(sp)
    ld t3, 96(sp)
    ld t4, 104(sp)
    ld t5, 112(sp)
    ld t6, 120(sp)
    addi sp, sp, 144
    sret
"#
);

unsafe extern "C" {
    fn kernelvec();
    /// Returns to U-mode with the registers in `frame`.
    pub fn userret(frame: *mut TrapFrame) -> !;
}

const SSTATUS_SPP: u64 = 1 << 8;
const SSTATUS_SPIE: u64 = 1 << 5;
const SIE_SSIE: u64 = 1 << 1;
const SIE_SEIE: u64 = 1 << 9;
const INTERRUPT: u64 = 1 << 63;

fn csr_scause() -> u64 {
    let v: u64;
    // SAFETY: reading a CSR touches no memory.
    unsafe { core::arch::asm!("csrr {0}, scause", out(reg) v) };
    v
}

fn csr_stval() -> u64 {
    let v: u64;
    // SAFETY: reading a CSR touches no memory.
    unsafe { core::arch::asm!("csrr {0}, stval", out(reg) v) };
    v
}

fn csr_sepc() -> u64 {
    let v: u64;
    // SAFETY: reading a CSR touches no memory.
    unsafe { core::arch::asm!("csrr {0}, sepc", out(reg) v) };
    v
}

/// Traps in S-mode go to `kernelvec`; S-level interrupts are enabled in
/// `sie` (they are only taken while idle, when `sstatus.SIE` is set).
pub fn init() {
    // SAFETY: installing the kernel's own trap vector.
    unsafe {
        core::arch::asm!("csrw stvec, {0}", in(reg) kernelvec as *const () as usize);
        core::arch::asm!("csrs sie, {0}", in(reg) SIE_SSIE | SIE_SEIE);
        // User programs may read cycle, time and instret.
        core::arch::asm!("csrw scounteren, {0}", in(reg) 7u64);
    }
}

/// Prepares `sstatus` so that `sret` enters U-mode with interrupts on.
pub fn prepare_user_return() {
    // SAFETY: sstatus bits for the next sret.
    unsafe {
        core::arch::asm!("csrc sstatus, {0}", in(reg) SSTATUS_SPP);
        core::arch::asm!("csrs sstatus, {0}", in(reg) SSTATUS_SPIE);
    }
}

/// Enables interrupts in S-mode (while idle).
pub fn interrupts_on() {
    // SAFETY: SIE only decides whether interrupts are taken; kernel code
    // turns it on only while idle, holding no lock.
    unsafe { core::arch::asm!("csrsi sstatus, 2") };
}

/// Disables interrupts in S-mode.
pub fn interrupts_off() {
    // SAFETY: SIE only decides whether interrupts are taken; kernel code
    // turns it on only while idle, holding no lock.
    unsafe { core::arch::asm!("csrci sstatus, 2") };
}

/// What an interrupt was.
fn interrupt(code: u64) {
    match code {
        1 => {
            // The machine timer, forwarded by M-mode as a software
            // interrupt: a scheduler tick.
            // SAFETY: clearing our own pending bit.
            unsafe { core::arch::asm!("csrc sip, {0}", in(reg) SIE_SSIE) };
            proc::tick();
        }
        9 => {
            let irq = plic::claim();
            if irq == UART_IRQ {
                console::interrupt();
            } else if crate::net::owns(irq) {
                crate::cluster::deliver(crate::net::interrupt());
            } else if (VIRTIO_IRQ..VIRTIO_IRQ + VIRTIO_SLOTS as u32).contains(&irq) {
                disk::interrupt(irq);
            }
            if irq != 0 {
                plic::complete(irq);
            }
        }
        _ => kprintln!("[kernel] unexpected interrupt {code}"),
    }
}

/// A trap from U-mode. `uservec` passes the trap frame it filled, but it
/// is reached through the process table instead, so that no second
/// reference to it exists. Returns the trap frame to resume with.
#[unsafe(no_mangle)]
extern "C" fn usertrap(_frame: *mut TrapFrame) -> *mut TrapFrame {
    let cause = csr_scause();
    let epc = csr_sepc();
    // A system call resumes after its ecall.
    let resume = if cause == 8 { epc + 4 } else { epc };
    let mut a0 = None;
    if cause & INTERRUPT != 0 {
        proc::with_current(|p| p.frame.epc = resume);
        let code = cause & !INTERRUPT;
        interrupt(code);
        if code == 1 {
            proc::yield_now();
        }
    } else if cause == 8 {
        a0 = syscall::dispatch(resume);
    } else {
        proc::with_current(|p| p.frame.epc = resume);
        let tval = csr_stval();
        match cause {
            12 => proc::user_fault(tval, rvsim_kernel_core::fault::Access::Fetch, epc),
            13 => proc::user_fault(tval, rvsim_kernel_core::fault::Access::Load, epc),
            15 => proc::user_fault(tval, rvsim_kernel_core::fault::Access::Store, epc),
            2 if proc::first_fp_use(illegal_instruction(tval, epc)) => {}
            _ => proc::user_exception(cause, tval, epc),
        }
    }
    let frame = proc::return_to_user(a0);
    prepare_user_return();
    frame
}

/// The instruction an illegal-instruction trap at `epc` was about: `stval`
/// holds it where the hart reports it (rvsim, Spike); else (0) it is read
/// from user memory. An unreadable one reads as 0, no instruction.
#[cold]
#[inline(never)]
fn illegal_instruction(tval: u64, epc: u64) -> u32 {
    if tval != 0 {
        return tval as u32;
    }
    let mut bytes = [0u8; 4];
    let read = crate::syscall::with_user(|user| user.copy_in(epc, &mut bytes[..2]));
    if read.is_err() {
        return 0;
    }
    if bytes[0] & 3 == 3 && crate::syscall::with_user(|user| user.copy_in(epc + 2, &mut bytes[2..])).is_err() {
        return 0;
    }
    u32::from_le_bytes(bytes)
}

/// A trap in S-mode.
#[unsafe(no_mangle)]
extern "C" fn kerneltrap() {
    let cause = csr_scause();
    if cause & INTERRUPT != 0 {
        interrupt(cause & !INTERRUPT);
        return;
    }
    panic!("kernel trap: scause {:#x} stval {:#x} sepc {:#x}", cause, csr_stval(), csr_sepc());
}
