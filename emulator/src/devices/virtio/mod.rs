//! virtio over MMIO, the modern interface (virtio 1.2, section 4.2.2,
//! version 2), as QEMU's `virt` machine has it: eight register windows of
//! 0x1000 bytes from 0x1000_1000, each on PLIC source 1 + its slot. A
//! window with no device behind it still answers with the magic value, the
//! version and device ID 0, so that drivers that probe every slot (Linux,
//! xv6) skip it.
//!
//! The transport holds what the driver negotiates (status, features, the
//! queues' addresses) and hands the device the chains a notify makes
//! available. Devices complete requests at once, while the notify is
//! written, and raise the interrupt when the driver wants one.

pub mod blk;
pub mod dma;
pub mod queue;
pub mod storage;
#[cfg(test)]
mod tests;

use dma::Dma;
use queue::{Chain, Queue, QueueError};

use crate::ram::Ram;

/// "virt", the first register of every window.
pub const MAGIC: u32 = 0x7472_6976;
/// The interface version: modern.
pub const VERSION: u32 = 2;
/// The vendor ID QEMU's devices report ("QEMU").
pub const VENDOR_QEMU: u32 = 0x554d_4551;

/// Feature bits every device type may offer.
pub mod features {
    /// Descriptors may point at tables of descriptors.
    pub const RING_INDIRECT_DESC: u64 = 1 << 28;
    /// Notification suppression through `used_event`/`avail_event`.
    pub const RING_EVENT_IDX: u64 = 1 << 29;
    /// The device follows virtio 1.x (required of a modern driver).
    pub const VERSION_1: u64 = 1 << 32;
}

/// Device status bits.
mod status {
    pub const DRIVER_OK: u32 = 4;
    pub const FEATURES_OK: u32 = 8;
    pub const NEEDS_RESET: u32 = 0x40;
}

/// Interrupt status: used buffers, configuration change.
const INT_USED: u32 = 1;
const INT_CONFIG: u32 = 2;

/// What sits behind a transport.
pub trait VirtioDevice: Send {
    /// The device type (2: block).
    fn device_id(&self) -> u32;
    /// The features it offers.
    fn features(&self) -> u64;
    /// Its configuration space.
    fn config(&self) -> &[u8];
    /// The largest size of queue `queue` (0: no such queue).
    fn queue_max(&self, queue: usize) -> u16;
    /// Carries out the request in `chain` from queue `queue`; returns the
    /// bytes written into the chain and what was done, for the trace.
    fn process(
        &mut self,
        queue: usize,
        chain: &Chain,
        dma: &mut Dma,
    ) -> Result<(u32, Option<blk::Request>), QueueError>;
    /// Its disk counters, if it is a disk.
    fn disk_stats(&self) -> Option<blk::DiskStats>;
    /// Its capacity in sectors, if it is a disk.
    fn disk_sectors(&self) -> Option<u64>;
}

/// One virtio-mmio register window and the device behind it, if any.
#[derive(Default)]
pub struct VirtioMmio {
    device: Option<Box<dyn VirtioDevice>>,
    status: u32,
    device_features_sel: u32,
    driver_features: u64,
    driver_features_sel: u32,
    queue_sel: u32,
    queues: Vec<Queue>,
    interrupt_status: u32,
    /// Requests carried out since the hart last took them (for the trace).
    pub requests: Vec<blk::Request>,
    /// Why the device stopped (a driver error), until it is reset.
    pub broken: Option<String>,
}

impl VirtioMmio {
    /// A window with `device` behind it.
    pub fn with(device: Box<dyn VirtioDevice>) -> VirtioMmio {
        let queues = (0..).take_while(|&q| device.queue_max(q) > 0).map(|_| Queue::default()).collect();
        VirtioMmio { device: Some(device), queues, ..VirtioMmio::default() }
    }

    /// Whether a device sits behind the window.
    pub fn present(&self) -> bool {
        self.device.is_some()
    }

    /// The device's disk counters, if it is a disk.
    pub fn disk_stats(&self) -> Option<blk::DiskStats> {
        self.device.as_ref().and_then(|d| d.disk_stats())
    }

    /// The device's capacity in sectors, if it is a disk.
    pub fn disk_sectors(&self) -> Option<u64> {
        self.device.as_ref().and_then(|d| d.disk_sectors())
    }

    /// The level of the interrupt line.
    pub fn interrupt_pending(&self) -> bool {
        self.interrupt_status != 0
    }

    /// Reads `size` bytes at `offset`. Registers are 32-bit; other widths
    /// read 0, as on QEMU. The configuration space takes any width.
    pub fn read(&self, offset: u64, size: u8) -> u64 {
        if offset >= 0x100 {
            return self.read_config(offset - 0x100, size);
        }
        if size != 4 {
            return 0;
        }
        let Some(device) = &self.device else {
            return self.read_empty(offset);
        };
        let value = match offset {
            0x00 => MAGIC,
            0x04 => VERSION,
            0x08 => device.device_id(),
            0x0c => VENDOR_QEMU,
            0x10 => device.features().checked_shr(32 * self.device_features_sel).unwrap_or(0) as u32,
            0x34 => self.queue().map_or(0, |_| device.queue_max(self.queue_sel as usize) as u32),
            0x38 => self.queue().map_or(0, |q| q.size as u32),
            0x44 => self.queue().map_or(0, |q| q.ready as u32),
            0x60 => self.interrupt_status,
            0x70 => self.status,
            0x80 => self.queue().map_or(0, |q| q.desc as u32),
            0x84 => self.queue().map_or(0, |q| (q.desc >> 32) as u32),
            0x90 => self.queue().map_or(0, |q| q.avail as u32),
            0x94 => self.queue().map_or(0, |q| (q.avail >> 32) as u32),
            0xa0 => self.queue().map_or(0, |q| q.used as u32),
            0xa4 => self.queue().map_or(0, |q| (q.used >> 32) as u32),
            _ => 0,
        };
        value as u64
    }

    /// An empty window: only the identification answers.
    fn read_empty(&self, offset: u64) -> u64 {
        match offset {
            0x00 => MAGIC as u64,
            0x04 => VERSION as u64,
            0x0c => VENDOR_QEMU as u64,
            _ => 0,
        }
    }

    fn read_config(&self, offset: u64, size: u8) -> u64 {
        let config = self.device.as_ref().map_or(&[][..], |d| d.config());
        (0..size as u64).fold(0, |value, i| {
            let byte = config.get((offset + i) as usize).copied().unwrap_or(0);
            value | (byte as u64) << (8 * i)
        })
    }

    fn queue(&self) -> Option<&Queue> {
        self.queues.get(self.queue_sel as usize)
    }

    /// Writes `size` bytes at `offset`; `ram` is what the device reaches
    /// when a notify makes requests available, noting pages it writes in
    /// `written`.
    pub fn write(&mut self, offset: u64, size: u8, value: u64, ram: &mut Ram, written: &mut Vec<u64>) {
        if size != 4 || self.device.is_none() || offset >= 0x100 {
            // The configuration space of a block device is read-only.
            return;
        }
        let value = value as u32;
        match offset {
            0x14 => self.device_features_sel = value,
            0x20 => self.set_driver_features(value),
            0x24 => self.driver_features_sel = value,
            0x30 => self.queue_sel = value,
            0x38 => self.with_queue(|q, max| q.size = if value as u16 <= max { value as u16 } else { q.size }),
            0x44 => self.with_queue(|q, _| q.ready = value & 1 != 0 && q.size > 0),
            0x50 => self.notify(value as usize, &mut Dma { ram, written }),
            0x64 => self.interrupt_status &= !value,
            0x70 => self.set_status(value),
            0x80 => self.with_queue(|q, _| q.desc = low(q.desc, value)),
            0x84 => self.with_queue(|q, _| q.desc = high(q.desc, value)),
            0x90 => self.with_queue(|q, _| q.avail = low(q.avail, value)),
            0x94 => self.with_queue(|q, _| q.avail = high(q.avail, value)),
            0xa0 => self.with_queue(|q, _| q.used = low(q.used, value)),
            0xa4 => self.with_queue(|q, _| q.used = high(q.used, value)),
            _ => {}
        }
    }

    fn set_driver_features(&mut self, value: u32) {
        match self.driver_features_sel {
            0 => self.driver_features = low(self.driver_features, value),
            1 => self.driver_features = high(self.driver_features, value),
            // No feature bits there.
            _ => {}
        }
    }

    /// Changes the selected queue; `f` gets it and its largest size.
    fn with_queue(&mut self, f: impl FnOnce(&mut Queue, u16)) {
        let sel = self.queue_sel as usize;
        let max = self.device.as_ref().map_or(0, |d| d.queue_max(sel));
        if let Some(q) = self.queues.get_mut(sel) {
            f(q, max);
        }
    }

    /// A status write: 0 resets the device; FEATURES_OK sticks only if the
    /// driver's features are a subset of the device's that include
    /// VERSION_1.
    fn set_status(&mut self, value: u32) {
        if value == 0 {
            self.reset();
            return;
        }
        let offered = self.device.as_ref().map_or(0, |d| d.features());
        let acceptable = self.driver_features & !offered == 0 && self.driver_features & features::VERSION_1 != 0;
        let mut value = value;
        if value & status::FEATURES_OK != 0 && !acceptable {
            value &= !status::FEATURES_OK;
        }
        self.status = value | (self.status & status::NEEDS_RESET);
    }

    fn reset(&mut self) {
        self.queues.iter_mut().for_each(Queue::reset);
        (self.status, self.driver_features, self.interrupt_status, self.broken) = (0, 0, 0, None);
        (self.device_features_sel, self.driver_features_sel, self.queue_sel) = (0, 0, 0);
    }

    /// The driver made chains available on queue `index`: the device
    /// carries them all out, and interrupts if the driver wants it.
    fn notify(&mut self, index: usize, dma: &mut Dma) {
        let live = self.status & status::DRIVER_OK != 0 && self.broken.is_none();
        if !live || !self.queues.get(index).is_some_and(|q| q.ready) {
            return;
        }
        if let Err(QueueError(why)) = self.serve(index, dma) {
            log::warn!("virtio: the driver broke queue {index}: {why}; the device needs a reset");
            self.broken = Some(why);
            self.status |= status::NEEDS_RESET;
            self.interrupt_status |= INT_CONFIG;
        }
    }

    fn serve(&mut self, index: usize, dma: &mut Dma) -> Result<(), QueueError> {
        let event_idx = self.driver_features & features::RING_EVENT_IDX != 0;
        let (Some(device), Some(queue)) = (self.device.as_mut(), self.queues.get_mut(index)) else { return Ok(()) };
        let mut pushed = false;
        while let Some(chain) = queue.pop(dma.ram)? {
            let (written, request) = device.process(index, &chain, dma)?;
            self.requests.extend(request);
            queue.push(dma, chain.head, written)?;
            pushed = true;
        }
        queue.publish_seen(dma, event_idx)?;
        if pushed && queue.needs_interrupt(dma.ram, event_idx)? {
            self.interrupt_status |= INT_USED;
        }
        Ok(())
    }
}

fn low(old: u64, value: u32) -> u64 {
    (old & !0xffff_ffff) | value as u64
}

fn high(old: u64, value: u32) -> u64 {
    (old & 0xffff_ffff) | (value as u64) << 32
}
