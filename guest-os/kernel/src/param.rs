//! Constants: the memory map of QEMU virt, and the kernel's limits.

/// UART 16550A.
pub const UART: u64 = 0x1000_0000;
/// PLIC.
pub const PLIC: u64 = 0x0c00_0000;
/// Bytes of the PLIC the kernel maps (priorities .. context 1).
pub const PLIC_SIZE: u64 = 0x40_0000;
/// SiFive test finisher.
pub const FINISHER: u64 = 0x10_0000;
/// CLINT `mtimecmp` of hart 0 (M-mode only).
pub const CLINT_MTIMECMP: u64 = 0x0200_4000;
/// CLINT `mtime` (M-mode only).
pub const CLINT_MTIME: u64 = 0x0200_bff8;
/// PLIC source of the UART.
pub const UART_IRQ: u32 = 10;
/// The first virtio-mmio window; window `i` is at `VIRTIO + i * VIRTIO_SIZE`,
/// on PLIC source `VIRTIO_IRQ + i` (QEMU virt's `virtio-mmio-bus.i`).
pub const VIRTIO: u64 = 0x1000_1000;
/// Size of one virtio-mmio window.
pub const VIRTIO_SIZE: u64 = 0x1000;
/// virtio-mmio windows.
pub const VIRTIO_SLOTS: usize = 8;
/// PLIC source of the first virtio-mmio window.
pub const VIRTIO_IRQ: u32 = 1;

/// Where devices appear in every address space once paging is on: the
/// kernel half, above the user range, so user space keeps the low GiB.
pub const DEVICE_BASE: u64 = 0xffff_ffc0_0000_0000;

/// Timer ticks (10 MHz) between scheduler ticks: 10 ms.
pub const TICK_INTERVAL: u64 = 100_000;
/// Timer frequency.
pub const TIMEBASE_HZ: u64 = 10_000_000;

/// Most processes at once.
pub const NPROC: usize = 256;
/// Kernel stack of each process.
pub const KSTACK_PAGES: usize = 4;

/// Exit code of a boot that cannot go on (too little memory, no device
/// tree): the kernel says why on the console first.
pub const EXIT_BOOT_FAILED: u32 = 97;
