//! The virtio-net device, driven through the virtio-drivers crate: found
//! at boot in the virtio-mmio windows, it sends Ethernet frames to the
//! other nodes of a cluster and hands the frames that arrive to the
//! cluster layer (`cluster.rs`) from its interrupt.
//!
//! Receive buffers are heap blocks posted to the device at boot and
//! posted again as soon as their frame is copied out, so the device
//! always has somewhere to put the next frame. Sending waits for the
//! device to take the frame (rvsim's device does at once, as QEMU's).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::ptr::NonNull;

use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};

use crate::lock::Lock;
use crate::param::{DEVICE_BASE, VIRTIO, VIRTIO_IRQ, VIRTIO_SIZE, VIRTIO_SLOTS};
use crate::virtio_hal::KernelHal;

/// Entries in each of the device's queues.
const QUEUE: usize = 32;
/// Receive buffers kept posted.
const RX_BUFFERS: usize = 16;
/// Bytes of a receive buffer: the virtio header and a jumbo frame (MTU
/// 9000 plus the Ethernet header), rounded up.
const RX_LEN: usize = 9216;
/// virtio's device ID of a network device.
const NETWORK_DEVICE: u32 = 1;
/// Largest frame this driver sends or takes.
pub const MAX_FRAME: usize = 9014;
/// Bytes of the virtio header before a frame (`virtio_net_hdr` with
/// VERSION_1).
const VIRTIO_HEADER: usize = 12;

type NetDevice = VirtIONetRaw<KernelHal, MmioTransport<'static>, QUEUE>;

/// An Ethernet address.
pub type Mac = [u8; 6];

/// The device, its window, and the receive buffers it holds by token.
struct Nic {
    slot: usize,
    device: Box<NetDevice>,
    posted: BTreeMap<u16, Box<[u8]>>,
    /// Frames handed to the device to send, by token, until it is done.
    sending: BTreeMap<u16, Vec<u8>>,
}

static NIC: Lock<Option<Nic>> = Lock::new("the network device");

/// Finds the first network device in the virtio-mmio windows, sets it up
/// and posts its receive buffers; returns its address. Runs at boot, on
/// the boot stack, which the scheduler keeps using afterwards: never
/// inlined into `kmain`, so that the driver's large structures leave the
/// stack when it returns.
#[inline(never)]
pub fn probe() -> Option<Mac> {
    let Some((slot, mut device)) = (0..VIRTIO_SLOTS).find_map(|slot| open(slot).map(|d| (slot, d))) else {
        NIC.init(None);
        return None;
    };
    let mac = device.mac_address();
    let mut posted = BTreeMap::new();
    for _ in 0..RX_BUFFERS {
        post(&mut device, &mut posted, alloc::vec![0u8; RX_LEN].into_boxed_slice());
    }
    device.enable_interrupts();
    NIC.init(Some(Nic { slot, device, posted, sending: BTreeMap::new() }));
    Some(mac)
}

/// The network device in window `slot`, set up, if there is one.
fn open(slot: usize) -> Option<Box<NetDevice>> {
    let address = DEVICE_BASE + VIRTIO + slot as u64 * VIRTIO_SIZE;
    // Making a transport resets the device: look at the device ID first,
    // so that a disk the pager already uses is left alone.
    // SAFETY: the window's DeviceID register, mapped at `address + 8` in
    // the kernel half; reading it changes nothing.
    let id = unsafe { ((address + 8) as *const u32).read_volatile() };
    if id != NETWORK_DEVICE {
        return None;
    }
    let header = NonNull::new(address as *mut VirtIOHeader)?;
    // SAFETY: the window is mapped at `address` in the kernel half for the
    // whole run (kvm.rs), and nothing else uses it.
    let transport = unsafe { MmioTransport::new(header, VIRTIO_SIZE as usize) }.ok()?;
    if transport.device_type() != DeviceType::Network {
        return None;
    }
    NetDevice::new(transport).ok().map(Box::new)
}

/// Gives `buffer` to the device to receive into, keeping it by token.
fn post(device: &mut NetDevice, posted: &mut BTreeMap<u16, Box<[u8]>>, mut buffer: Box<[u8]>) {
    // SAFETY: the buffer is a heap block kept in `posted`, untouched,
    // until the device gives its token back (`interrupt`).
    if let Ok(token) = unsafe { device.receive_begin(&mut buffer) } {
        posted.insert(token, buffer);
    }
}

/// Whether PLIC source `irq` is the network device's.
pub fn owns(irq: u32) -> bool {
    NIC.with(|nic| nic.as_ref().is_some_and(|n| VIRTIO_IRQ + n.slot as u32 == irq))
}

/// Sends `frame` (an Ethernet frame, header included); false if the
/// device is missing or refused it (its queue full even after taking
/// back what it has sent: the cluster's links send it again later).
pub fn send(frame: &[u8]) -> bool {
    NIC.with(|nic| {
        let Some(nic) = nic.as_mut() else { return false };
        reap(nic);
        frame.len() <= MAX_FRAME && transmit(nic, frame)
    })
}

/// Hands `frame` to the device in a heap buffer behind its virtio header
/// (a buffer on a kernel stack would not be where the device looks: only
/// RAM is identity-mapped).
fn transmit(nic: &mut Nic, frame: &[u8]) -> bool {
    let mut buffer = alloc::vec![0u8; VIRTIO_HEADER + frame.len()];
    let Ok(header) = nic.device.fill_buffer_header(&mut buffer) else { return false };
    buffer.truncate(header + frame.len());
    buffer[header..].copy_from_slice(frame);
    // SAFETY: the buffer stays in `sending`, untouched, until the device
    // gives its token back (`reap`).
    match unsafe { nic.device.transmit_begin(&buffer) } {
        Ok(token) => {
            nic.sending.insert(token, buffer);
            true
        }
        Err(_) => false,
    }
}

/// Takes back the buffers of frames the device has sent.
fn reap(nic: &mut Nic) {
    while let Some(token) = nic.device.poll_transmit() {
        let Some(buffer) = nic.sending.remove(&token) else { break };
        // SAFETY: the buffer sent with this token.
        let _ = unsafe { nic.device.transmit_complete(token, &buffer) };
    }
}

/// The device's interrupt: takes every frame that arrived, posting each
/// buffer again, and returns the frames.
pub fn interrupt() -> Vec<Vec<u8>> {
    NIC.with(|nic| {
        let Some(nic) = nic.as_mut() else { return Vec::new() };
        nic.device.ack_interrupt();
        reap(nic);
        let mut frames = Vec::new();
        while let Some(token) = nic.device.poll_receive() {
            // A token the driver never gave: the device is broken.
            let Some(mut buffer) = nic.posted.remove(&token) else { break };
            // SAFETY: the buffer posted with this token.
            if let Ok((header, len)) = unsafe { nic.device.receive_complete(token, &mut buffer) } {
                frames.extend(buffer.get(header..header + len).map(<[u8]>::to_vec));
            }
            post(&mut nic.device, &mut nic.posted, buffer);
        }
        frames
    })
}
