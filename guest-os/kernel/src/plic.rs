//! The PLIC, for the console: the UART's interrupt goes to this hart's
//! S-mode context.

use crate::param::{DEVICE_BASE, PLIC, UART_IRQ};

const S_CONTEXT_ENABLE: u64 = 0x2080;
const S_CONTEXT_THRESHOLD: u64 = 0x20_1000;
const S_CONTEXT_CLAIM: u64 = 0x20_1004;

fn reg(offset: u64) -> *mut u32 {
    (DEVICE_BASE + PLIC + offset) as *mut u32
}

/// Gives the UART priority 1 and enables it for S-mode.
pub fn init() {
    // SAFETY: PLIC registers, mapped in the kernel half.
    unsafe {
        reg(4 * UART_IRQ as u64).write_volatile(1);
        reg(S_CONTEXT_ENABLE).write_volatile(1 << UART_IRQ);
        reg(S_CONTEXT_THRESHOLD).write_volatile(0);
    }
}

/// The interrupt to serve (0 when none).
pub fn claim() -> u32 {
    // SAFETY: PLIC register.
    unsafe { reg(S_CONTEXT_CLAIM).read_volatile() }
}

/// Done with interrupt `irq`.
pub fn complete(irq: u32) {
    // SAFETY: PLIC register.
    unsafe { reg(S_CONTEXT_CLAIM).write_volatile(irq) }
}
