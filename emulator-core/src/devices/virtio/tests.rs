//! The transport and the block device driven as a driver would: probe,
//! negotiate, set up the queue, make requests available and notify.

use super::blk::{Block, DiskStats};
use super::storage::Storage;
use super::*;
use crate::ram::Ram;

const BASE: u64 = 0x8000_0000;
const DESC: u64 = BASE + 0x1000;
const AVAIL: u64 = BASE + 0x2000;
const USED: u64 = BASE + 0x3000;
const HEADER: u64 = BASE + 0x4000;
const DATA: u64 = BASE + 0x5000;
const STATUS: u64 = BASE + 0x7000;
const SIZE: u32 = 8;

/// A driver's view of one window, with RAM for its rings and buffers.
struct Driver {
    ram: Ram,
    window: VirtioMmio,
    written: Vec<u64>,
    next_avail: u16,
}

impl Driver {
    fn new(storage: Storage, readonly: bool) -> Driver {
        let window = VirtioMmio::with(Box::new(Block::new(storage, readonly, "rvsim-test")));
        Driver { ram: Ram::new(BASE, 1 << 20).expect("RAM"), window, written: Vec::new(), next_avail: 0 }
    }

    fn write(&mut self, offset: u64, value: u32) {
        self.window.write(offset, 4, value as u64, &mut dma::Dma { ram: &mut self.ram, written: &mut self.written }, 0);
    }

    fn read(&self, offset: u64) -> u32 {
        self.window.read(offset, 4) as u32
    }

    /// The initialisation of virtio 1.2, section 3.1.1, accepting `wanted`.
    fn initialise(&mut self, wanted: u64) -> bool {
        self.write(0x70, 0);
        self.write(0x70, 1 | 2);
        self.write(0x24, 0);
        self.write(0x20, wanted as u32);
        self.write(0x24, 1);
        self.write(0x20, (wanted >> 32) as u32);
        self.write(0x70, 1 | 2 | 8);
        if self.read(0x70) & 8 == 0 {
            return false;
        }
        self.write(0x30, 0);
        self.write(0x38, SIZE);
        for (offset, addr) in [(0x80, DESC), (0x90, AVAIL), (0xa0, USED)] {
            self.write(offset, addr as u32);
            self.write(offset + 4, (addr >> 32) as u32);
        }
        self.write(0x44, 1);
        self.write(0x70, 1 | 2 | 4 | 8);
        true
    }

    fn descriptor(&mut self, i: u16, addr: u64, len: u32, flags: u16, next: u16) {
        let at = DESC + 16 * i as u64;
        self.ram.write::<8>(at, addr);
        self.ram.write::<4>(at + 8, len as u64);
        self.ram.write::<2>(at + 12, flags as u64);
        self.ram.write::<2>(at + 14, next as u64);
    }

    /// Makes a request of `kind` at `sector` with `data_len` bytes of data
    /// (written by the device when `device_writes`) available, and
    /// notifies.
    fn request(&mut self, kind: u32, sector: u64, data_len: u32, device_writes: bool) {
        self.ram.write::<4>(HEADER, kind as u64);
        self.ram.write::<8>(HEADER + 8, sector);
        self.ram.write::<1>(STATUS, 0xff);
        let data_flags = if device_writes { 1 | 2 } else { 1 };
        self.descriptor(0, HEADER, 16, 1, 1);
        self.descriptor(1, DATA, data_len, data_flags, 2);
        self.descriptor(2, STATUS, 1, 2, 0);
        let slot = AVAIL + 4 + 2 * (self.next_avail % SIZE as u16) as u64;
        self.ram.write::<2>(slot, 0);
        self.next_avail = self.next_avail.wrapping_add(1);
        self.ram.write::<2>(AVAIL + 2, self.next_avail as u64);
        self.write(0x50, 0);
    }

    fn status(&self) -> u8 {
        self.ram.read::<1>(STATUS).unwrap_or(0xee) as u8
    }

    fn stats(&self) -> DiskStats {
        self.window.disk_stats().unwrap_or_default()
    }
}

const ALL: u64 = features::VERSION_1 | features::RING_EVENT_IDX | features::RING_INDIRECT_DESC | (1 << 9);

#[test]
fn an_empty_window_answers_like_qemus() {
    let window = VirtioMmio::default();
    assert_eq!(window.read(0x00, 4) as u32, MAGIC);
    assert_eq!(window.read(0x04, 4) as u32, VERSION);
    assert_eq!(window.read(0x08, 4), 0, "device ID 0: nothing here");
    assert_eq!(window.read(0x0c, 4) as u32, VENDOR_QEMU);
    assert_eq!(window.read(0x34, 4), 0);
}

#[test]
fn a_block_device_identifies_itself_and_its_capacity() {
    let d = Driver::new(Storage::memory(64 << 10).expect("disk"), false);
    assert_eq!(d.read(0x08), 2);
    assert_eq!(d.read(0x34), 256, "queue size up to 256");
    assert_eq!(d.window.read(0x100, 8), 128, "capacity in sectors, read whole");
    assert_eq!(d.window.read(0x100, 4) | d.window.read(0x104, 4) << 32, 128, "or in halves");
}

#[test]
fn features_beyond_the_offer_are_refused() {
    let mut d = Driver::new(Storage::memory(4096).expect("disk"), false);
    assert!(d.initialise(1 << 9), "a disk works without VERSION_1, as QEMU's (stock xv6 relies on it)");
    assert!(!d.initialise(features::VERSION_1 | 1 << 5), "RO is not offered for a writable disk");
    assert!(d.initialise(ALL));
}

#[test]
fn writes_then_reads_round_trip_and_are_counted() {
    let mut d = Driver::new(Storage::memory(64 << 10).expect("disk"), false);
    assert!(d.initialise(ALL));
    let pattern: Vec<u8> = (0..1024u32).map(|i| (i * 7) as u8).collect();
    d.ram.slice_mut(DATA, 1024).expect("RAM").copy_from_slice(&pattern);
    d.request(1, 3, 1024, false);
    assert_eq!(d.status(), 0, "the write succeeded");
    assert!(d.window.interrupt_pending(), "completion interrupts");
    d.write(0x64, d.read(0x60));
    assert!(!d.window.interrupt_pending(), "InterruptACK clears it");
    d.ram.slice_mut(DATA, 1024).expect("RAM").fill(0);
    d.request(0, 3, 1024, true);
    assert_eq!(d.status(), 0);
    assert_eq!(d.ram.slice(DATA, 1024).expect("RAM"), &pattern[..]);
    assert_eq!(d.ram.read::<2>(USED + 2), Some(2), "two used entries");
    assert_eq!(d.ram.read::<4>(USED + 4 + 8 + 4), Some(1025), "the read wrote data and status");
    assert!(d.written.contains(&(DATA >> 12)), "the read's pages are noted for the hart");
    let s = d.stats();
    assert_eq!((s.requests, s.reads, s.writes, s.sectors_read, s.sectors_written), (2, 1, 1, 2, 2));
}

#[test]
fn requests_past_the_end_or_on_a_read_only_disk_get_ioerr() {
    let mut d = Driver::new(Storage::memory(4096).expect("disk"), false);
    assert!(d.initialise(ALL));
    d.request(0, 7, 1024, true);
    assert_eq!(d.status(), 1, "sectors 7 and 8 of an 8-sector disk");
    d.request(0, u64::MAX / 256, 512, true);
    assert_eq!(d.status(), 1, "a sector whose offset overflows");
    d.request(0, 0, 100, true);
    assert_eq!(d.status(), 1, "not a whole sector");
    d.request(9, 0, 512, true);
    assert_eq!(d.status(), 2, "unknown type: UNSUPP");
    let mut ro = Driver::new(Storage::memory(4096).expect("disk"), true);
    assert!(ro.initialise(ALL | 1 << 5));
    ro.request(1, 0, 512, false);
    assert_eq!(ro.status(), 1, "a write to a read-only disk");
    assert_eq!(d.stats().errors, 4);
}

#[test]
fn get_id_and_flush_answer() {
    let mut d = Driver::new(Storage::memory(4096).expect("disk"), false);
    assert!(d.initialise(ALL));
    d.request(8, 0, 20, true);
    assert_eq!(d.status(), 0);
    assert_eq!(&d.ram.slice(DATA, 20).expect("RAM")[..12], b"rvsim-test\0\0");
    d.request(4, 0, 0, true);
    assert_eq!(d.status(), 0);
    assert_eq!(d.stats().flushes, 1);
}

#[test]
fn a_broken_chain_stops_the_device_until_reset() {
    let mut d = Driver::new(Storage::memory(4096).expect("disk"), false);
    assert!(d.initialise(ALL));
    d.ram.write::<2>(AVAIL + 4, 200);
    d.ram.write::<2>(AVAIL + 2, 1);
    d.write(0x50, 0);
    assert!(d.window.broken.is_some());
    assert_ne!(d.read(0x70) & 0x40, 0, "DEVICE_NEEDS_RESET");
    assert_eq!(d.read(0x60) & 2, 2, "a configuration-change interrupt says so");
    d.write(0x70, 0);
    assert_eq!(d.read(0x70), 0);
    assert!(d.window.broken.is_none());
    d.next_avail = 0;
    d.ram.write::<2>(AVAIL + 2, 0);
    assert!(d.initialise(ALL));
    d.request(8, 0, 20, true);
    assert_eq!(d.status(), 0, "working again after the reset");
}
