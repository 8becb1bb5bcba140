//! virtio over MMIO, the modern interface (virtio 1.2, section 4.2.2,
//! version 2), as QEMU's `virt` machine has it: eight register windows of
//! 0x1000 bytes from 0x1000_1000, each on PLIC source 1 + its slot. A
//! window with no device behind it still answers with the magic value, the
//! version and device ID 0, so that drivers that probe every slot (Linux,
//! xv6) skip it.
//!
//! The transport holds what the driver negotiates (status, features, the
//! queues' addresses) and hands the device the chains a notify makes
//! available. A disk completes requests at once, while the notify is
//! written; a network device keeps its receive buffers until frames
//! arrive, and completes them when the machine polls it. Either raises
//! the interrupt when the driver wants one.

pub mod blk;
pub mod dma;
pub mod net;
#[cfg(test)]
mod net_tests;
pub mod queue;
pub mod storage;
#[cfg(test)]
mod tests;

use crate::devices::{Assertion, IrqLine};
use dma::Dma;
use queue::{Chain, Queue, QueueError};

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

/// What a device did with a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// Carried out: the bytes written into the chain, and the request
    /// for the trace (disks).
    Completed {
        /// Bytes written into the chain's device-writable buffers.
        written: u32,
        /// What a disk did.
        request: Option<blk::Request>,
    },
    /// Kept by the device, to be completed later by [`VirtioDevice::poll`].
    Held,
}

/// A chain a device completed on its own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    /// The queue it came from.
    pub queue: usize,
    /// Its head descriptor.
    pub head: u16,
    /// Bytes written into it.
    pub written: u32,
}

/// What sits behind a transport.
pub trait VirtioDevice: Send {
    /// The device type (1: network, 2: block).
    fn device_id(&self) -> u32;
    /// The features it offers.
    fn features(&self) -> u64;
    /// Whether the device works for a driver that did not accept
    /// VERSION_1 (the specification lets a device refuse such a driver;
    /// QEMU's block device does not, and stock xv6 never accepts it).
    fn works_without_version_1(&self) -> bool {
        false
    }
    /// Its configuration space.
    fn config(&self) -> &[u8];
    /// The largest size of queue `queue` (0: no such queue).
    fn queue_max(&self, queue: usize) -> u16;
    /// Carries out (or keeps) the request in `chain` from queue `queue`
    /// at step `now` of the hart.
    fn process(&mut self, queue: usize, chain: Chain, dma: &mut Dma, now: u64) -> Result<Done, QueueError>;
    /// Completes what it kept and can now finish, at step `now`.
    fn poll(&mut self, _now: u64, _dma: &mut Dma) -> Vec<Completion> {
        Vec::new()
    }
    /// The step at which [`VirtioDevice::poll`] next has work, if known.
    fn next_event(&mut self) -> Option<u64> {
        None
    }
    /// Whether its work arrives in real time rather than at known steps.
    fn real_time(&self) -> bool {
        false
    }
    /// Forgets the chains it kept: the driver reset the device.
    fn reset(&mut self) {}
    /// Its disk counters, if it is a disk.
    fn disk_stats(&self) -> Option<blk::DiskStats> {
        None
    }
    /// Its capacity in sectors, if it is a disk.
    fn disk_sectors(&self) -> Option<u64> {
        None
    }
    /// Its network counters, if it is a network device.
    fn net_stats(&self) -> Option<net::NetStats> {
        None
    }
    /// The frames it sent, received and dropped since last asked.
    fn take_net_events(&mut self) -> Vec<net::NetEvent> {
        Vec::new()
    }
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
    /// Whether the device raised an interrupt since the PLIC last looked.
    assertion: Assertion,
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

    /// The device's network counters, if it is a network device.
    pub fn net_stats(&self) -> Option<net::NetStats> {
        self.device.as_ref().and_then(|d| d.net_stats())
    }

    /// The frames the device moved since last asked, for the trace.
    pub fn take_net_events(&mut self) -> Vec<net::NetEvent> {
        self.device.as_mut().map(|d| d.take_net_events()).unwrap_or_default()
    }

    /// The step at which the device next has work of its own, if known.
    pub fn next_event(&mut self) -> Option<u64> {
        self.device.as_mut().filter(|_| self.status & status::DRIVER_OK != 0).and_then(|d| d.next_event())
    }

    /// Whether the device's work arrives in real time.
    pub fn real_time(&self) -> bool {
        self.device.as_ref().is_some_and(|d| d.real_time())
    }

    /// The level of the interrupt line.
    pub fn interrupt_pending(&self) -> bool {
        self.interrupt_status != 0
    }

    /// Samples the interrupt line for the PLIC.
    pub fn irq_line(&mut self) -> IrqLine {
        let level = self.interrupt_pending();
        self.assertion.sample(level)
    }

    /// Sets bits of InterruptStatus, asserting the line (QEMU's
    /// `virtio_update_irq`).
    fn raise(&mut self, bits: u32) {
        self.interrupt_status |= bits;
        self.assertion.update(true);
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

    /// Writes `size` bytes at `offset` at step `now` of the hart; `dma` is
    /// what the device reaches when a notify makes requests available.
    pub fn write(&mut self, offset: u64, size: u8, value: u64, dma: &mut Dma, now: u64) {
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
            0x50 => self.notify(value as usize, dma, now),
            0x64 => {
                self.interrupt_status &= !value;
                self.assertion.update(self.interrupt_status != 0);
            }
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
    /// VERSION_1 (unless the device works without it).
    fn set_status(&mut self, value: u32) {
        if value == 0 {
            self.reset();
            return;
        }
        let offered = self.device.as_ref().map_or(0, |d| d.features());
        let modern = self.driver_features & features::VERSION_1 != 0
            || self.device.as_ref().is_some_and(|d| d.works_without_version_1());
        let acceptable = self.driver_features & !offered == 0 && modern;
        let mut value = value;
        if value & status::FEATURES_OK != 0 && !acceptable {
            value &= !status::FEATURES_OK;
        }
        self.status = value | (self.status & status::NEEDS_RESET);
    }

    fn reset(&mut self) {
        self.queues.iter_mut().for_each(Queue::reset);
        if let Some(device) = self.device.as_mut() {
            device.reset();
        }
        (self.status, self.driver_features, self.interrupt_status, self.broken) = (0, 0, 0, None);
        (self.device_features_sel, self.driver_features_sel, self.queue_sel) = (0, 0, 0);
    }

    /// The driver made chains available on queue `index`: the device
    /// carries them all out (or keeps them), and interrupts if the driver
    /// wants it.
    fn notify(&mut self, index: usize, dma: &mut Dma, now: u64) {
        if !self.live() || !self.queues.get(index).is_some_and(|q| q.ready) {
            return;
        }
        let served = self.serve(index, dma, now);
        self.check(served);
    }

    /// Whether the driver finished setting the device up and has not
    /// broken it.
    fn live(&self) -> bool {
        self.status & status::DRIVER_OK != 0 && self.broken.is_none()
    }

    /// Marks the device as needing a reset when the driver broke a queue.
    fn check(&mut self, result: Result<(), QueueError>) {
        if let Err(QueueError(why)) = result {
            log::warn!("virtio: the driver broke a queue: {why}; the device needs a reset");
            self.broken = Some(why);
            self.status |= status::NEEDS_RESET;
            self.raise(INT_CONFIG);
        }
    }

    fn serve(&mut self, index: usize, dma: &mut Dma, now: u64) -> Result<(), QueueError> {
        let event_idx = self.driver_features & features::RING_EVENT_IDX != 0;
        let (Some(device), Some(queue)) = (self.device.as_mut(), self.queues.get_mut(index)) else { return Ok(()) };
        let mut pushed = false;
        while let Some(chain) = queue.pop(dma.ram)? {
            let head = chain.head;
            if let Done::Completed { written, request } = device.process(index, chain, dma, now)? {
                self.requests.extend(request);
                queue.push(dma, head, written)?;
                pushed = true;
            }
        }
        queue.publish_seen(dma, event_idx)?;
        if pushed && queue.needs_interrupt(dma.ram, event_idx)? {
            self.raise(INT_USED);
        }
        Ok(())
    }

    /// Lets the device complete what it kept, at step `now`: the chains go
    /// onto their used rings, with an interrupt if the driver wants one.
    pub fn poll(&mut self, now: u64, dma: &mut Dma) {
        if !self.live() {
            return;
        }
        let Some(device) = self.device.as_mut() else { return };
        let completions = device.poll(now, dma);
        let result = self.complete(&completions, dma);
        self.check(result);
    }

    fn complete(&mut self, completions: &[Completion], dma: &mut Dma) -> Result<(), QueueError> {
        let event_idx = self.driver_features & features::RING_EVENT_IDX != 0;
        let mut touched = Vec::new();
        for c in completions {
            let Some(queue) = self.queues.get_mut(c.queue) else { continue };
            queue.push(dma, c.head, c.written)?;
            if !touched.contains(&c.queue) {
                touched.push(c.queue);
            }
        }
        let mut interrupt = false;
        for index in touched {
            interrupt |= self.queues[index].needs_interrupt(dma.ram, event_idx)?;
        }
        if interrupt {
            self.raise(INT_USED);
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
