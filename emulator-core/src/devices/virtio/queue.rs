//! A split virtqueue, as the device sees it (virtio 1.2, section 2.7): the
//! descriptor table, the driver's available ring and the device's used
//! ring, all in guest RAM at addresses the driver gave. The device takes
//! descriptor chains from the available ring (following indirect tables)
//! and gives them back, with the bytes it wrote, on the used ring.
//!
//! Everything here is read from guest memory the driver controls, so
//! every field is checked: a chain that leaves RAM, loops, or breaks the
//! rules is a [`QueueError`], which the transport turns into
//! DEVICE_NEEDS_RESET, as QEMU's `virtio_error` does. Nothing panics.

use super::dma::Dma;
use crate::ram::Ram;

/// The descriptor continues in `next`.
const DESC_F_NEXT: u16 = 1;
/// The buffer is device-writable (else device-readable).
const DESC_F_WRITE: u16 = 2;
/// The buffer holds a table of descriptors.
const DESC_F_INDIRECT: u16 = 4;
/// The driver asks for no interrupt (without EVENT_IDX).
const AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Bytes of one descriptor.
const DESC_SIZE: u64 = 16;

/// What is wrong with the driver's use of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueError(pub String);

/// One buffer of a chain, in guest physical memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffer {
    /// Guest physical address.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
    /// The device writes it (else reads it).
    pub writable: bool,
}

/// A descriptor chain taken from the available ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The head descriptor's index, which names the chain on the used ring.
    pub head: u16,
    /// Its buffers in order: device-readable ones, then device-writable.
    pub buffers: Vec<Buffer>,
}

/// A queue's configuration (set by the driver through the transport) and
/// the device's position in its rings.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    /// Entries in each ring.
    pub size: u16,
    /// The driver set QueueReady.
    pub ready: bool,
    /// Descriptor table address.
    pub desc: u64,
    /// Available (driver) ring address.
    pub avail: u64,
    /// Used (device) ring address.
    pub used: u64,
    /// The next available entry the device will take.
    last_avail: u16,
    /// The used ring's index, as the device last wrote it.
    used_idx: u16,
    /// The used index when the driver was last interrupted (EVENT_IDX).
    signalled: Option<u16>,
}

impl Queue {
    /// Back to the reset state (the driver configures it again).
    pub fn reset(&mut self) {
        *self = Queue::default();
    }

    /// Takes the next available chain, if the driver made one available.
    pub fn pop(&mut self, ram: &Ram) -> Result<Option<Chain>, QueueError> {
        let avail_idx = read16(ram, self.avail + 2)?;
        if avail_idx == self.last_avail {
            return Ok(None);
        }
        if avail_idx.wrapping_sub(self.last_avail) > self.size {
            return Err(QueueError(format!("available index {avail_idx} runs more than the queue ahead")));
        }
        let slot = self.avail + 4 + 2 * (self.last_avail % self.size) as u64;
        let head = read16(ram, slot)?;
        self.last_avail = self.last_avail.wrapping_add(1);
        let buffers = self.walk(ram, head)?;
        Ok(Some(Chain { head, buffers }))
    }

    /// The buffers of the chain starting at descriptor `head`.
    fn walk(&self, ram: &Ram, head: u16) -> Result<Vec<Buffer>, QueueError> {
        let mut buffers = Vec::new();
        let mut table = Table { addr: self.desc, len: self.size as u32 };
        let mut index = head;
        let mut indirect = false;
        // A chain visits each descriptor of a table at most once.
        let mut left = table.len;
        loop {
            if left == 0 {
                return Err(QueueError(format!("the chain from descriptor {head} loops")));
            }
            left -= 1;
            let d = table.descriptor(ram, index)?;
            if d.flags & DESC_F_INDIRECT != 0 {
                if indirect || d.flags & DESC_F_NEXT != 0 || d.len % DESC_SIZE as u32 != 0 || d.len == 0 {
                    return Err(QueueError(format!("indirect descriptor {index} is malformed")));
                }
                table = Table { addr: d.addr, len: d.len / DESC_SIZE as u32 };
                (index, indirect, left) = (0, true, table.len);
                continue;
            }
            push_buffer(&mut buffers, ram, d)?;
            if d.flags & DESC_F_NEXT == 0 {
                return Ok(buffers);
            }
            index = d.next;
        }
    }

    /// Gives chain `head` back with `written` bytes written into its
    /// device-writable buffers.
    pub fn push(&mut self, dma: &mut Dma, head: u16, written: u32) -> Result<(), QueueError> {
        let slot = self.used + 4 + 8 * (self.used_idx % self.size) as u64;
        write32(dma, slot, head as u32)?;
        write32(dma, slot + 4, written)?;
        self.used_idx = self.used_idx.wrapping_add(1);
        write16(dma, self.used + 2, self.used_idx)
    }

    /// After taking chains: with EVENT_IDX, tells the driver (in the used
    /// ring's `avail_event`) that the device has seen everything up to
    /// here, so that it notifies again for the next chain.
    pub fn publish_seen(&mut self, dma: &mut Dma, event_idx: bool) -> Result<(), QueueError> {
        if event_idx {
            write16(dma, self.used + 4 + 8 * self.size as u64, self.last_avail)?;
        }
        Ok(())
    }

    /// Whether the driver wants an interrupt for what was pushed since the
    /// last one: without EVENT_IDX, unless it set NO_INTERRUPT; with it,
    /// when the used index passed the driver's `used_event`.
    pub fn needs_interrupt(&mut self, ram: &Ram, event_idx: bool) -> Result<bool, QueueError> {
        if !event_idx {
            return Ok(read16(ram, self.avail)? & AVAIL_F_NO_INTERRUPT == 0);
        }
        let used_event = read16(ram, self.avail + 4 + 2 * self.size as u64)?;
        let new = self.used_idx;
        let old = self.signalled.replace(new);
        Ok(old.is_none_or(|old| new.wrapping_sub(used_event).wrapping_sub(1) < new.wrapping_sub(old)))
    }
}

/// A descriptor table: the queue's own, or an indirect one.
struct Table {
    addr: u64,
    len: u32,
}

/// One descriptor as the driver wrote it.
#[derive(Debug, Clone, Copy)]
struct Descriptor {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

impl Table {
    fn descriptor(&self, ram: &Ram, index: u16) -> Result<Descriptor, QueueError> {
        if index as u32 >= self.len {
            return Err(QueueError(format!("descriptor {index} is past the table's {} entries", self.len)));
        }
        let at = self.addr + DESC_SIZE * index as u64;
        Ok(Descriptor {
            addr: read64(ram, at)?,
            len: read32(ram, at + 8)?,
            flags: read16(ram, at + 12)?,
            next: read16(ram, at + 14)?,
        })
    }
}

/// Adds `d`'s buffer to a chain: inside RAM, and no device-readable
/// buffer after a device-writable one.
fn push_buffer(buffers: &mut Vec<Buffer>, ram: &Ram, d: Descriptor) -> Result<(), QueueError> {
    if ram.offset_of(d.addr, d.len as u64).is_none() {
        return Err(QueueError(format!("buffer {:#x}+{:#x} lies outside RAM", d.addr, d.len)));
    }
    let writable = d.flags & DESC_F_WRITE != 0;
    if !writable && buffers.last().is_some_and(|b| b.writable) {
        return Err(QueueError("a device-readable buffer follows a device-writable one".into()));
    }
    buffers.push(Buffer { addr: d.addr, len: d.len, writable });
    Ok(())
}

fn outside(at: u64) -> QueueError {
    QueueError(format!("ring or table entry at {at:#x} lies outside RAM"))
}

fn read16(ram: &Ram, at: u64) -> Result<u16, QueueError> {
    ram.read::<2>(at).map(|v| v as u16).ok_or_else(|| outside(at))
}

fn read32(ram: &Ram, at: u64) -> Result<u32, QueueError> {
    ram.read::<4>(at).map(|v| v as u32).ok_or_else(|| outside(at))
}

fn read64(ram: &Ram, at: u64) -> Result<u64, QueueError> {
    ram.read::<8>(at).ok_or_else(|| outside(at))
}

fn write16(dma: &mut Dma, at: u64, value: u16) -> Result<(), QueueError> {
    dma.write_le::<2>(at, value as u64).then_some(()).ok_or_else(|| outside(at))
}

fn write32(dma: &mut Dma, at: u64, value: u32) -> Result<(), QueueError> {
    dma.write_le::<4>(at, value as u64).then_some(()).ok_or_else(|| outside(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u64 = 0x8000_0000;
    const DESC: u64 = BASE + 0x1000;
    const AVAIL: u64 = BASE + 0x2000;
    const USED: u64 = BASE + 0x3000;

    fn setup(size: u16) -> (Ram, Queue) {
        let ram = Ram::new(BASE, 1 << 20).expect("RAM");
        let queue = Queue { size, ready: true, desc: DESC, avail: AVAIL, used: USED, ..Queue::default() };
        (ram, queue)
    }

    fn descriptor(ram: &mut Ram, table: u64, i: u16, addr: u64, len: u32, flags: u16, next: u16) {
        let at = table + 16 * i as u64;
        ram.write::<8>(at, addr);
        ram.write::<4>(at + 8, len as u64);
        ram.write::<2>(at + 12, flags as u64);
        ram.write::<2>(at + 14, next as u64);
    }

    fn make_available(ram: &mut Ram, size: u16, heads: &[u16]) {
        let idx = ram.read::<2>(AVAIL + 2).unwrap() as u16;
        for (k, &head) in heads.iter().enumerate() {
            let slot = (idx as usize + k) % size as usize;
            ram.write::<2>(AVAIL + 4 + 2 * slot as u64, head as u64);
        }
        ram.write::<2>(AVAIL + 2, idx.wrapping_add(heads.len() as u16) as u64);
    }

    #[test]
    fn chains_are_taken_in_order_with_their_buffers() {
        let (mut ram, mut q) = setup(8);
        descriptor(&mut ram, DESC, 0, BASE + 0x4000, 16, DESC_F_NEXT, 3);
        descriptor(&mut ram, DESC, 3, BASE + 0x5000, 512, DESC_F_NEXT | DESC_F_WRITE, 1);
        descriptor(&mut ram, DESC, 1, BASE + 0x6000, 1, DESC_F_WRITE, 0);
        descriptor(&mut ram, DESC, 2, BASE + 0x7000, 8, 0, 0);
        make_available(&mut ram, 8, &[0, 2]);
        let first = q.pop(&ram).unwrap().expect("a chain");
        assert_eq!(first.head, 0);
        assert_eq!(
            first.buffers,
            vec![
                Buffer { addr: BASE + 0x4000, len: 16, writable: false },
                Buffer { addr: BASE + 0x5000, len: 512, writable: true },
                Buffer { addr: BASE + 0x6000, len: 1, writable: true },
            ]
        );
        assert_eq!(q.pop(&ram).unwrap().expect("a chain").head, 2);
        assert_eq!(q.pop(&ram).unwrap(), None);
    }

    #[test]
    fn indirect_tables_are_followed() {
        let (mut ram, mut q) = setup(4);
        let table = BASE + 0x8000;
        descriptor(&mut ram, table, 0, BASE + 0x4000, 16, DESC_F_NEXT, 1);
        descriptor(&mut ram, table, 1, BASE + 0x6000, 1, DESC_F_WRITE, 0);
        descriptor(&mut ram, DESC, 2, table, 32, DESC_F_INDIRECT, 0);
        make_available(&mut ram, 4, &[2]);
        let chain = q.pop(&ram).unwrap().expect("a chain");
        assert_eq!(chain.head, 2);
        assert_eq!(chain.buffers.len(), 2);
        assert!(chain.buffers[1].writable);
    }

    #[test]
    fn loops_bad_indices_and_buffers_outside_ram_are_errors() {
        let (mut ram, mut q) = setup(4);
        descriptor(&mut ram, DESC, 0, BASE, 8, DESC_F_NEXT, 1);
        descriptor(&mut ram, DESC, 1, BASE, 8, DESC_F_NEXT, 0);
        make_available(&mut ram, 4, &[0]);
        assert!(q.pop(&ram).is_err(), "a loop");
        descriptor(&mut ram, DESC, 1, BASE, 8, DESC_F_NEXT, 9);
        make_available(&mut ram, 4, &[0]);
        assert!(q.pop(&ram).is_err(), "next past the table");
        descriptor(&mut ram, DESC, 1, 0x1000, 8, 0, 0);
        make_available(&mut ram, 4, &[0]);
        assert!(q.pop(&ram).is_err(), "a buffer outside RAM");
        make_available(&mut ram, 4, &[7]);
        assert!(q.pop(&ram).is_err(), "a head past the table");
        descriptor(&mut ram, DESC, 2, BASE, 8, DESC_F_WRITE | DESC_F_NEXT, 3);
        descriptor(&mut ram, DESC, 3, BASE, 8, 0, 0);
        make_available(&mut ram, 4, &[2]);
        assert!(q.pop(&ram).is_err(), "readable after writable");
    }

    #[test]
    fn used_entries_carry_the_head_and_the_bytes_written() {
        let (mut ram, mut q) = setup(2);
        let mut written = Vec::new();
        let mut dma = Dma { ram: &mut ram, written: &mut written };
        for (k, head) in [5u16, 6, 7].into_iter().enumerate() {
            q.push(&mut dma, head, 100 + k as u32).unwrap();
        }
        assert!(written.iter().all(|&page| page == USED >> 12), "the used ring's page is noted as written");
        assert_eq!(ram.read::<2>(USED + 2), Some(3));
        // Entry 2 wrapped onto slot 0.
        assert_eq!(ram.read::<4>(USED + 4), Some(7));
        assert_eq!(ram.read::<4>(USED + 8), Some(102));
        assert_eq!(ram.read::<4>(USED + 12), Some(6));
    }

    #[test]
    fn interrupts_follow_no_interrupt_or_used_event() {
        let (mut ram, mut q) = setup(4);
        let mut written = Vec::new();
        let push = |ram: &mut Ram, q: &mut Queue, written: &mut Vec<u64>, head| {
            q.push(&mut Dma { ram, written }, head, 1).unwrap();
        };
        push(&mut ram, &mut q, &mut written, 0);
        assert!(q.needs_interrupt(&ram, false).unwrap());
        ram.write::<2>(AVAIL, AVAIL_F_NO_INTERRUPT as u64);
        assert!(!q.needs_interrupt(&ram, false).unwrap());
        // EVENT_IDX: the driver wants an interrupt once used passes 2.
        ram.write::<2>(AVAIL + 4 + 8, 2);
        assert!(q.needs_interrupt(&ram, true).unwrap(), "the first is always signalled");
        push(&mut ram, &mut q, &mut written, 1);
        assert!(!q.needs_interrupt(&ram, true).unwrap(), "used 2 has not passed 2");
        push(&mut ram, &mut q, &mut written, 2);
        assert!(q.needs_interrupt(&ram, true).unwrap(), "used 3 passed 2");
    }
}
