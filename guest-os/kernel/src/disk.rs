//! The virtio-blk disks, as xv6's `virtio_disk.c`, with the virtio-drivers
//! crate doing the virtqueue work: found at boot in the virtio-mmio
//! windows, then read and written a page at a time for the pager. A
//! process that asks for a page sleeps until the disk's completion
//! interrupt; the handler completes every finished request and wakes its
//! owner. Requests are uninterruptible: a killed process still waits for
//! its transfer, since the device writes into its frame.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::ptr::NonNull;

use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::swap_header::{self, SwapHeader};
use virtio_drivers::Error;
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};

use crate::lock::Lock;
use crate::param::{DEVICE_BASE, VIRTIO, VIRTIO_IRQ, VIRTIO_SIZE, VIRTIO_SLOTS};
use crate::proc;
use crate::virtio_hal::KernelHal;

type Blk = VirtIOBlk<KernelHal, MmioTransport<'static>>;

/// Sectors in a page.
const SECTORS_PER_PAGE: u64 = PAGE / SECTOR_SIZE as u64;

/// Sleep channels: a request's (by disk and request number), or room in
/// a disk's queue (number 0, which no request has).
const DISK_CHANNEL: usize = 1 << 61;
/// Bits of the request number in a channel (the disk's index is above).
const NUMBER_BITS: u32 = 40;

fn channel(disk: usize, number: u64) -> usize {
    DISK_CHANNEL | disk << NUMBER_BITS | (number & ((1 << NUMBER_BITS) - 1)) as usize
}

/// The queue-room channel of `disk`.
fn room(disk: usize) -> usize {
    channel(disk, 0)
}

/// A transfer failed (the device said so, or broke).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoError;

/// A page transfer in flight: its number, its header and status (on the
/// heap, where the device reaches them), and its frame.
struct Request {
    number: u64,
    header: Box<BlkReq>,
    status: Box<BlkResp>,
    frame: u64,
    write: bool,
}

/// One disk. A request is known by the device's token while in flight,
/// but its owner waits on its number: the device reuses a token as soon
/// as the request completes, which may be before the owner runs again to
/// collect the outcome.
struct Disk {
    slot: usize,
    blk: Blk,
    in_flight: BTreeMap<u16, Request>,
    /// Outcomes of completed requests, by number, until collected.
    done: BTreeMap<u64, Result<(), IoError>>,
    /// The number of the last request submitted.
    last: u64,
}

static DISKS: Lock<Vec<Disk>> = Lock::new("the disks");

/// What the boot found on a disk.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    /// Index among the disks.
    pub disk: usize,
    /// Its virtio-mmio window.
    pub slot: usize,
    /// Its swap header, if it is swap space.
    pub swap: Option<SwapHeader>,
}

/// Finds the block devices in the virtio-mmio windows and reads each one's
/// first page (for a swap header). Runs at boot, before any process, on
/// the boot stack (which is identity-mapped, as the blocking calls used
/// here need).
pub fn probe() -> Vec<Found> {
    let mut disks = Vec::new();
    let mut found = Vec::new();
    for slot in 0..VIRTIO_SLOTS {
        let Some(mut blk) = open(slot) else { continue };
        let sectors = blk.capacity();
        let mut first = alloc::vec![0u8; PAGE as usize];
        let swap = match blk.read_blocks(0, &mut first) {
            Ok(()) => swap_header::parse(&first, sectors * SECTOR_SIZE as u64),
            Err(_) => None,
        };
        blk.enable_interrupts();
        found.push(Found { disk: disks.len(), slot, swap });
        disks.push(Disk { slot, blk, in_flight: BTreeMap::new(), done: BTreeMap::new(), last: 0 });
    }
    DISKS.init(disks);
    found
}

/// The block device in window `slot`, set up, if there is one.
fn open(slot: usize) -> Option<Blk> {
    let address = DEVICE_BASE + VIRTIO + slot as u64 * VIRTIO_SIZE;
    let header = NonNull::new(address as *mut VirtIOHeader)?;
    // SAFETY: the window is mapped at `address` in the kernel half for the
    // whole run (kvm.rs), and nothing else uses it.
    let transport = unsafe { MmioTransport::new(header, VIRTIO_SIZE as usize) }.ok()?;
    if transport.device_type() != DeviceType::Block {
        return None;
    }
    VirtIOBlk::new(transport).ok()
}

/// Reads page `page` of disk `disk` into `frame`, sleeping until it is
/// done.
pub fn read_page(disk: usize, page: u64, frame: u64) -> Result<(), IoError> {
    transfer(disk, page, frame, false)
}

/// Writes `frame` to page `page` of disk `disk`, sleeping until it is
/// done.
pub fn write_page(disk: usize, page: u64, frame: u64) -> Result<(), IoError> {
    transfer(disk, page, frame, true)
}

/// Submits a transfer (waiting for room in the queue), then sleeps until
/// the interrupt handler has completed it. `frame` must stay the caller's,
/// untouched, until this returns.
fn transfer(disk: usize, page: u64, frame: u64, write: bool) -> Result<(), IoError> {
    let number = loop {
        match DISKS.with(|disks| submit(disks.get_mut(disk).ok_or(Error::InvalidParam)?, page, frame, write)) {
            Ok(number) => break number,
            Err(Error::QueueFull) => proc::sleep(room(disk)),
            Err(_) => return Err(IoError),
        }
    };
    loop {
        match DISKS.with(|disks| disks[disk].done.remove(&number)) {
            Some(outcome) => return outcome,
            None => proc::sleep(channel(disk, number)),
        }
    }
}

/// The page `frame` as a buffer for the device.
///
/// # Safety
///
/// `frame` is a frame the caller owns for the transfer: nothing else reads
/// or writes it until the transfer completes.
unsafe fn page_buffer<'a>(frame: u64) -> &'a mut [u8] {
    // SAFETY: a whole frame of identity-mapped RAM, the caller's alone.
    unsafe { core::slice::from_raw_parts_mut(frame as *mut u8, PAGE as usize) }
}

/// Puts one page transfer on `disk`'s queue; returns its number.
fn submit(disk: &mut Disk, page: u64, frame: u64, write: bool) -> Result<u64, Error> {
    let sector = page.checked_mul(SECTORS_PER_PAGE).ok_or(Error::InvalidParam)? as usize;
    let mut request = Request {
        number: disk.last + 1,
        header: Box::new(BlkReq::default()),
        status: Box::new(BlkResp::default()),
        frame,
        write,
    };
    // SAFETY: the caller of `transfer` owns the frame until it returns, and
    // the header and status stay in their boxes (which never move) in
    // `in_flight` until the handler completes the request with them.
    let token = unsafe {
        let buffer = page_buffer(frame);
        if write {
            disk.blk.write_blocks_nb(sector, &mut request.header, buffer, &mut request.status)
        } else {
            disk.blk.read_blocks_nb(sector, &mut request.header, buffer, &mut request.status)
        }
    }?;
    disk.last = request.number;
    disk.in_flight.insert(token, request);
    Ok(disk.last)
}

/// A disk's interrupt (PLIC source `irq`): completes every request the
/// device has finished and wakes their owners.
pub fn interrupt(irq: u32) {
    let slot = (irq - VIRTIO_IRQ) as usize;
    let completed = DISKS.with(|disks| {
        let (index, disk) = disks.iter_mut().enumerate().find(|(_, d)| d.slot == slot)?;
        disk.blk.ack_interrupt();
        Some((index, complete(disk)))
    });
    let Some((index, numbers)) = completed else { return };
    for number in numbers {
        proc::wakeup(channel(index, number));
    }
    proc::wakeup(room(index));
}

/// Completes the finished requests of `disk`, keeping their outcomes for
/// their owners; returns their numbers.
fn complete(disk: &mut Disk) -> Vec<u64> {
    let mut done = Vec::new();
    while let Some(token) = disk.blk.peek_used() {
        // A token the driver never issued: the device is broken; leave it.
        let Some(mut r) = disk.in_flight.remove(&token) else { break };
        // SAFETY: the same header, buffer and status the request was
        // submitted with; the frame is still its owner's.
        let result = unsafe {
            let buffer = page_buffer(r.frame);
            if r.write {
                disk.blk.complete_write_blocks(token, &r.header, buffer, &mut r.status)
            } else {
                disk.blk.complete_read_blocks(token, &r.header, buffer, &mut r.status)
            }
        };
        disk.done.insert(r.number, result.map_err(|_| IoError));
        done.push(r.number);
    }
    done
}
