//! The physical memory map, compatible with QEMU's `virt` machine.

/// The boot ROM (QEMU's `mrom`): read-only; it holds OpenSBI's
/// `fw_dynamic_info` when a `--bios` boots.
pub const MROM_BASE: u64 = 0x0000_1000;
/// Size of the boot ROM.
pub const MROM_SIZE: u64 = 0xf000;

/// SiFive test finisher ("sifive,test0"): ends the run.
pub const TEST_FINISHER_BASE: u64 = 0x0010_0000;
/// Size of the test finisher's register window.
pub const TEST_FINISHER_SIZE: u64 = 0x1000;
/// CLINT: `msip`, `mtimecmp`, `mtime`.
pub const CLINT_BASE: u64 = 0x0200_0000;
/// Size of the CLINT window.
pub const CLINT_SIZE: u64 = 0x1_0000;
/// PLIC.
pub const PLIC_BASE: u64 = 0x0c00_0000;
/// Size of the PLIC window (contexts for up to 1024 harts' modes, as QEMU).
pub const PLIC_SIZE: u64 = 0x60_0000;
/// UART 16550A.
pub const UART_BASE: u64 = 0x1000_0000;
/// Size of the UART window.
pub const UART_SIZE: u64 = 0x100;
/// The first virtio-mmio window; slot `i` is at `VIRTIO_BASE + i *
/// VIRTIO_SIZE`, on PLIC source `VIRTIO_IRQ + i`.
pub const VIRTIO_BASE: u64 = 0x1000_1000;
/// Size of one virtio-mmio window.
pub const VIRTIO_SIZE: u64 = 0x1000;
/// virtio-mmio windows, as QEMU's `virt` has.
pub const VIRTIO_SLOTS: usize = 8;
/// PLIC source of the first virtio-mmio window.
pub const VIRTIO_IRQ: u32 = 1;
/// Base of RAM.
pub const RAM_BASE: u64 = 0x8000_0000;
/// Default RAM size: 128 MiB.
pub const DEFAULT_RAM_SIZE: u64 = 128 << 20;
/// Smallest RAM rvsim accepts.
pub const MIN_RAM_SIZE: u64 = 1 << 20;
/// Largest RAM rvsim accepts.
pub const MAX_RAM_SIZE: u64 = 16 << 30;

/// The devices, by name, base and size.
pub const DEVICES: [(&str, u64, u64); 6] = [
    ("mrom", MROM_BASE, MROM_SIZE),
    ("finisher", TEST_FINISHER_BASE, TEST_FINISHER_SIZE),
    ("clint", CLINT_BASE, CLINT_SIZE),
    ("plic", PLIC_BASE, PLIC_SIZE),
    ("uart", UART_BASE, UART_SIZE),
    ("virtio", VIRTIO_BASE, VIRTIO_SIZE * VIRTIO_SLOTS as u64),
];

/// The device whose window holds `pa`, and the offset into it.
pub fn device_at(pa: u64) -> Option<(&'static str, u64)> {
    DEVICES.iter().find(|&&(_, base, size)| pa >= base && pa - base < size).map(|&(name, base, _)| (name, pa - base))
}
