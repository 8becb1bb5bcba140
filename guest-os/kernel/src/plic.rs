//! The PLIC: the UART's and the virtio disks' interrupts go to this
//! hart's S-mode context.

use crate::param::{DEVICE_BASE, PLIC, UART_IRQ, VIRTIO_IRQ, VIRTIO_SLOTS};

const S_CONTEXT_ENABLE: u64 = 0x2080;
const S_CONTEXT_THRESHOLD: u64 = 0x20_1000;
const S_CONTEXT_CLAIM: u64 = 0x20_1004;

fn reg(offset: u64) -> *mut u32 {
    (DEVICE_BASE + PLIC + offset) as *mut u32
}

/// Gives the UART and the virtio windows priority 1 and enables them for
/// S-mode.
pub fn init() {
    let virtio = (0..VIRTIO_SLOTS as u32).map(|i| VIRTIO_IRQ + i);
    let sources: u32 = core::iter::once(UART_IRQ).chain(virtio).fold(0, |mask, irq| mask | 1 << irq);
    // SAFETY: PLIC registers, mapped in the kernel half; writes only
    // change which interrupts reach S-mode.
    unsafe {
        for irq in 0..32 {
            if sources & (1 << irq) != 0 {
                reg(4 * irq as u64).write_volatile(1);
            }
        }
        reg(S_CONTEXT_ENABLE).write_volatile(sources);
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
