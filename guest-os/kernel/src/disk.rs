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

/// Sleep channels: a request's (by disk and token), or room in a disk's
/// queue (token `u16::MAX + 1`).
const DISK_CHANNEL: usize = 1 << 61;

fn channel(disk: usize, token: u32) -> usize {
    DISK_CHANNEL | disk << 20 | token as usize
}

/// The queue-room channel of `disk`.
fn room(disk: usize) -> usize {
    channel(disk, u16::MAX as u32 + 1)
}

/// A transfer failed (the device said so, or broke).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoError;

/// A page transfer in flight: its header and status, on the heap where
/// the device reaches them, its frame, and how it ended.
struct Request {
    header: Box<BlkReq>,
    status: Box<BlkResp>,
    frame: u64,
    write: bool,
    outcome: Option<Result<(), IoError>>,
}

/// One disk.
struct Disk {
    slot: usize,
    blk: Blk,
    requests: BTreeMap<u16, Request>,
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
        disks.push(Disk { slot, blk, requests: BTreeMap::new() });
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
    let token = loop {
        match DISKS.with(|disks| submit(disks.get_mut(disk).ok_or(Error::InvalidParam)?, page, frame, write)) {
            Ok(token) => break token,
            Err(Error::QueueFull) => proc::sleep(room(disk)),
            Err(_) => return Err(IoError),
        }
    };
    loop {
        let outcome = DISKS.with(|disks| {
            let requests = &mut disks[disk].requests;
            let outcome = requests.get(&token).and_then(|r| r.outcome);
            if outcome.is_some() {
                requests.remove(&token);
            }
            outcome
        });
        match outcome {
            Some(outcome) => return outcome,
            None => proc::sleep(channel(disk, token as u32)),
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

/// Puts one page transfer on `disk`'s queue; returns its token.
fn submit(disk: &mut Disk, page: u64, frame: u64, write: bool) -> Result<u16, Error> {
    let sector = page.checked_mul(SECTORS_PER_PAGE).ok_or(Error::InvalidParam)? as usize;
    let mut request = Request {
        header: Box::new(BlkReq::default()),
        status: Box::new(BlkResp::default()),
        frame,
        write,
        outcome: None,
    };
    // SAFETY: the caller of `transfer` owns the frame until it returns, and
    // the header and status stay in their boxes (which never move) in
    // `requests` until the handler completes the request with them.
    let token = unsafe {
        let buffer = page_buffer(frame);
        if write {
            disk.blk.write_blocks_nb(sector, &mut request.header, buffer, &mut request.status)
        } else {
            disk.blk.read_blocks_nb(sector, &mut request.header, buffer, &mut request.status)
        }
    }?;
    disk.requests.insert(token, request);
    Ok(token)
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
    let Some((index, tokens)) = completed else { return };
    for token in tokens {
        proc::wakeup(channel(index, token as u32));
    }
    proc::wakeup(room(index));
}

/// Completes the finished requests of `disk`; returns their tokens.
fn complete(disk: &mut Disk) -> Vec<u16> {
    let mut done = Vec::new();
    while let Some(token) = disk.blk.peek_used() {
        // A token the driver never issued: the device is broken; leave it.
        let Some(r) = disk.requests.get_mut(&token) else { break };
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
        r.outcome = Some(result.map_err(|_| IoError));
        done.push(token);
    }
    done
}
