//! The physical address space: RAM, and the devices at their QEMU `virt`
//! addresses. Addresses that nothing answers fail, and the hart turns the
//! failure into an access fault.

use crate::devices::virtio::blk::Request;
use crate::devices::virtio::dma::Dma;
use crate::devices::virtio::net::NetEvent;
use crate::devices::virtio::{VirtioDevice, VirtioMmio};
use crate::devices::{Clint, Htif, Plic, Uart, test_finisher};
use crate::machine::StopReason;
use crate::memmap::*;
use crate::ram::Ram;

/// RAM plus devices. A machine has one; its harts take turns holding it
/// (see [`crate::cpu::Cpu::lend_bus`]).
pub struct Bus {
    /// Guest RAM.
    pub ram: Ram,
    /// The console UART.
    pub uart: Uart,
    /// Timer and software interrupts.
    pub clint: Clint,
    /// External interrupts.
    pub plic: Plic,
    /// The boot ROM's contents (zero beyond them).
    pub rom: Vec<u8>,
    /// Spike's `tohost`/`fromhost`, when the program has them.
    pub htif: Htif,
    /// The virtio-mmio windows (empty unless a disk was attached).
    pub virtio: [VirtioMmio; VIRTIO_SLOTS],
    /// Set by a device that ends the run (finisher, HTIF).
    pub stop: Option<StopReason>,
    /// Pages of RAM devices wrote (DMA) since the hart last looked.
    pub dma_written: Vec<u64>,
    /// Disk requests carried out since the hart last looked: the slot and
    /// the request.
    pub disk_requests: Vec<(usize, Request)>,
    /// Frames the network devices moved since the hart last looked: the
    /// slot and the event.
    pub net_events: Vec<(usize, NetEvent)>,
    /// A network device is attached: the only kind that completes work on
    /// its own time, so the only reason for the machine's loop to poll
    /// the devices (a machine without one does nothing more than before).
    network: bool,
}

impl Bus {
    /// A bus with `ram`, `uart` and reset-state devices for `harts` harts.
    pub fn new(ram: Ram, uart: Uart, harts: usize) -> Bus {
        Bus {
            ram,
            uart,
            clint: Clint::new(harts),
            plic: Plic::default(),
            rom: Vec::new(),
            htif: Htif::default(),
            virtio: Default::default(),
            stop: None,
            dma_written: Vec::new(),
            disk_requests: Vec::new(),
            net_events: Vec::new(),
            network: false,
        }
    }

    /// What a hart holds while another holds the machine's bus: devices
    /// attached to nothing and no RAM where the machine has any, so that
    /// nothing could reach the machine through it.
    pub fn parked() -> Result<Bus, String> {
        let uart = Uart::new(Box::new(std::io::sink()), crate::devices::ConsoleInput::None);
        // Eight bytes at address 0, where the machine has no RAM.
        Ok(Bus::new(Ram::new(0, 8)?, uart, 1))
    }

    /// Stores to RAM, noticing writes to HTIF's `tohost`. False outside RAM.
    #[inline(always)]
    pub fn store_ram<const N: usize>(&mut self, pa: u64, value: u64) -> bool {
        if !self.ram.write::<N>(pa, value) {
            return false;
        }
        if pa & !7 == self.htif.tohost
            && let Some(stop) = self.htif.service(&mut self.ram, &mut self.uart, &mut self.dma_written)
        {
            self.stop.get_or_insert(stop);
        }
        true
    }

    /// Reads `size` bytes from a device register; `None` where no device
    /// answers. `ticks` is the hart's clock, for `mtime`.
    pub fn device_read(&mut self, pa: u64, size: u8, ticks: u64) -> Option<u64> {
        if let Some(offset) = within(pa, size, UART_BASE, UART_SIZE) {
            // The UART's registers are bytes; a wider access covers several,
            // as QEMU splits it.
            let value = (0..size as u64).fold(0, |v, i| v | (self.uart.read(offset + i) as u64) << (8 * i));
            return Some(value);
        }
        if let Some(offset) = within(pa, size, CLINT_BASE, CLINT_SIZE) {
            return self.clint.read(offset, size, ticks);
        }
        if let Some(offset) = within(pa, size, MROM_BASE, MROM_SIZE) {
            let byte = |i: u64| self.rom.get((offset + i) as usize).copied().unwrap_or(0) as u64;
            return Some((0..size as u64).fold(0, |v, i| v | byte(i) << (8 * i)));
        }
        if let Some(offset) = within(pa, size, PLIC_BASE, PLIC_SIZE) {
            return self.plic.read(offset, size);
        }
        if within(pa, size, TEST_FINISHER_BASE, TEST_FINISHER_SIZE).is_some() {
            return (size == 4).then_some(0);
        }
        if let Some(offset) = within(pa, size, VIRTIO_BASE, VIRTIO_SIZE * VIRTIO_SLOTS as u64) {
            let slot = &self.virtio[(offset / VIRTIO_SIZE) as usize];
            return Some(slot.read(offset % VIRTIO_SIZE, size));
        }
        None
    }

    /// Writes `size` bytes to a device register; false where no device
    /// answers. `ticks` is the hart's clock, for `mtime`; `steps` the
    /// same in cycles, for the network.
    pub fn device_write(&mut self, pa: u64, size: u8, value: u64, ticks: u64, steps: u64) -> bool {
        if let Some(offset) = within(pa, size, UART_BASE, UART_SIZE) {
            for i in 0..size as u64 {
                self.uart.write(offset + i, (value >> (8 * i)) as u8);
            }
            return true;
        }
        if let Some(offset) = within(pa, size, CLINT_BASE, CLINT_SIZE) {
            return self.clint.write(offset, size, value, ticks);
        }
        if let Some(offset) = within(pa, size, PLIC_BASE, PLIC_SIZE) {
            return self.plic.write(offset, size, value);
        }
        if let Some(offset) = within(pa, size, TEST_FINISHER_BASE, TEST_FINISHER_SIZE) {
            if size != 4 {
                return false;
            }
            if let Some(stop) = test_finisher::decode_write(offset, size, value) {
                self.stop.get_or_insert(stop);
            }
            return true;
        }
        if let Some(offset) = within(pa, size, VIRTIO_BASE, VIRTIO_SIZE * VIRTIO_SLOTS as u64) {
            let index = (offset / VIRTIO_SIZE) as usize;
            let slot = &mut self.virtio[index];
            slot.write(
                offset % VIRTIO_SIZE,
                size,
                value,
                &mut Dma { ram: &mut self.ram, written: &mut self.dma_written },
                steps,
            );
            self.disk_requests.extend(slot.requests.drain(..).map(|r| (index, r)));
            self.net_events.extend(slot.take_net_events().into_iter().map(|e| (index, e)));
            return true;
        }
        false
    }

    /// Lets every virtio device finish work of its own (frames that
    /// arrived by step `now`), noting what it moved.
    pub fn poll_devices(&mut self, now: u64) {
        if !self.network {
            return;
        }
        for (index, slot) in self.virtio.iter_mut().enumerate() {
            slot.poll(now, &mut Dma { ram: &mut self.ram, written: &mut self.dma_written });
            self.net_events.extend(slot.take_net_events().into_iter().map(|e| (index, e)));
        }
    }

    /// The earliest step at which a device has work of its own, if known.
    pub fn next_device_event(&mut self) -> Option<u64> {
        if !self.network {
            return None;
        }
        self.virtio.iter_mut().filter_map(VirtioMmio::next_event).min()
    }

    /// Whether a network device is attached.
    pub fn has_network(&self) -> bool {
        self.network
    }

    /// Puts `device` behind the virtio window `slot`.
    pub fn attach(&mut self, slot: usize, device: Box<dyn VirtioDevice>) {
        self.network |= device.net_stats().is_some();
        self.virtio[slot] = VirtioMmio::with(device);
    }

    /// Whether a device's work arrives in real time (a socket).
    pub fn real_time_devices(&self) -> bool {
        self.virtio.iter().any(VirtioMmio::real_time)
    }

    /// Reads bytes of physical memory for a tool (RAM only).
    pub fn read_bytes(&self, pa: u64, len: u64) -> Option<Vec<u8>> {
        self.ram.slice(pa, len).map(<[u8]>::to_vec)
    }
}

/// Offset of an access of `size` bytes at `pa` inside `[base, base+len)`.
fn within(pa: u64, size: u8, base: u64, len: u64) -> Option<u64> {
    let offset = pa.wrapping_sub(base);
    (offset < len && offset + size as u64 <= len).then_some(offset)
}
