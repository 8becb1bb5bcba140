//! The network device driven as a driver would, over two ports of the
//! in-process switch: set up both queues, post receive buffers, send a
//! frame from one device and see it arrive at the other on time.

use super::dma::Dma;
use super::net::{HEADER, Net};
use super::*;
use crate::net::node_mac;
use crate::net::switch::{LinkConfig, Switch};
use crate::ram::Ram;

const BASE: u64 = 0x8000_0000;
const SIZE: u16 = 8;
/// Where queue `q`'s rings are: descriptors, available, used.
const fn rings(q: u64) -> [u64; 3] {
    [BASE + 0x1000 + q * 0x3000, BASE + 0x2000 + q * 0x3000, BASE + 0x3000 + q * 0x3000]
}
const BUFFERS: u64 = BASE + 0x10000;
const ALL: u64 = features::VERSION_1 | features::RING_EVENT_IDX | (1 << 5) | (1 << 16);

/// One node: RAM and a window with a network device behind it.
struct Node {
    ram: Ram,
    written: Vec<u64>,
    window: VirtioMmio,
    next_avail: [u16; 2],
}

impl Node {
    fn new(window: VirtioMmio) -> Node {
        Node { ram: Ram::new(BASE, 1 << 20).expect("RAM"), written: Vec::new(), window, next_avail: [0; 2] }
    }

    fn write(&mut self, offset: u64, value: u32) {
        let mut dma = Dma { ram: &mut self.ram, written: &mut self.written };
        self.window.write(offset, 4, value as u64, &mut dma, 100);
    }

    fn initialise(&mut self) {
        for status in [0, 1, 3] {
            self.write(0x70, status);
        }
        self.write(0x24, 0);
        self.write(0x20, ALL as u32);
        self.write(0x24, 1);
        self.write(0x20, (ALL >> 32) as u32);
        self.write(0x70, 11);
        for q in 0..2 {
            self.write(0x30, q as u32);
            self.write(0x38, SIZE as u32);
            for (offset, addr) in [0x80, 0x90, 0xa0].into_iter().zip(rings(q)) {
                self.write(offset, addr as u32);
                self.write(offset + 4, (addr >> 32) as u32);
            }
            self.write(0x44, 1);
        }
        self.write(0x70, 15);
    }

    /// Makes descriptor `i` of queue `q` (one buffer) available.
    fn offer(&mut self, q: usize, i: u16, addr: u64, len: u32, writable: bool) {
        let [desc, avail, _] = rings(q as u64);
        let at = desc + 16 * i as u64;
        self.ram.write::<8>(at, addr);
        self.ram.write::<4>(at + 8, len as u64);
        self.ram.write::<2>(at + 12, if writable { 2 } else { 0 });
        self.ram.write::<2>(avail + 4 + 2 * (self.next_avail[q] % SIZE) as u64, i as u64);
        self.next_avail[q] = self.next_avail[q].wrapping_add(1);
        self.ram.write::<2>(avail + 2, self.next_avail[q] as u64);
        self.write(0x50, q as u32);
    }

    fn used(&self, q: u64) -> u16 {
        self.ram.read::<2>(rings(q)[2] + 2).unwrap_or(0) as u16
    }

    fn poll(&mut self, now: u64) {
        self.window.poll(now, &mut Dma { ram: &mut self.ram, written: &mut self.written });
    }
}

fn pair() -> (Switch, Node, Node) {
    let (switch, mut ports) = Switch::new(2, LinkConfig { latency: 1000, bandwidth: 1000 });
    let b = ports.pop().expect("two ports");
    let a = ports.pop().expect("two ports");
    let a = Node::new(VirtioMmio::with(Box::new(Net::new(node_mac(0), Box::new(a)))));
    let b = Node::new(VirtioMmio::with(Box::new(Net::new(node_mac(1), Box::new(b)))));
    (switch, a, b)
}

#[test]
fn the_device_names_its_address_link_and_mtu() {
    let (_, a, _) = pair();
    assert_eq!(a.window.read(0x08, 4), 1, "device ID 1: network");
    let config: Vec<u8> = (0..12).map(|i| a.window.read(0x100 + i, 1) as u8).collect();
    assert_eq!(&config[..6], &node_mac(0));
    assert_eq!(u16::from_le_bytes([config[6], config[7]]), 1, "link up");
    assert_eq!(u16::from_le_bytes([config[10], config[11]]), 9000, "jumbo MTU");
}

#[test]
fn a_network_device_refuses_a_driver_without_version_1() {
    let (_switch, mut a, _b) = pair();
    for status in [0, 1, 3] {
        a.write(0x70, status);
    }
    a.write(0x20, (1 << 5) as u32);
    a.write(0x70, 11);
    assert_eq!(a.window.read(0x70, 4) & 8, 0, "FEATURES_OK refused: its header would be 10 bytes");
}

#[test]
fn a_frame_crosses_the_switch_and_arrives_on_time() {
    let (mut switch, mut a, mut b) = pair();
    a.initialise();
    b.initialise();
    b.offer(0, 0, BUFFERS, 2048, true);
    let mut frame = node_mac(1).to_vec();
    frame.extend_from_slice(&node_mac(0));
    frame.extend_from_slice(&[0x88, 0xb5]);
    frame.extend(0..86u8);
    let mut bytes = vec![0u8; HEADER];
    bytes.extend_from_slice(&frame);
    a.ram.slice_mut(BUFFERS, bytes.len() as u64).expect("RAM").copy_from_slice(&bytes);
    a.offer(1, 0, BUFFERS, bytes.len() as u32, false);
    assert_eq!(a.used(1), 1, "transmit completes at once");
    switch.route();
    // Sent at step 100: 100 bytes at 1 a cycle, then 1000 cycles.
    assert_eq!(b.window.next_event(), Some(1200));
    b.poll(1199);
    assert_eq!(b.used(0), 0, "not yet");
    b.poll(1200);
    assert_eq!(b.used(0), 1);
    assert!(b.window.interrupt_pending());
    let got = b.ram.slice(BUFFERS + HEADER as u64, frame.len() as u64).expect("RAM");
    assert_eq!(got, &frame[..]);
    assert_eq!(b.ram.read::<4>(rings(0)[2] + 8), Some((HEADER + frame.len()) as u64), "bytes written");
    let (sa, sb) = (a.window.net_stats().unwrap_or_default(), b.window.net_stats().unwrap_or_default());
    assert_eq!((sa.frames_sent, sa.bytes_sent, sb.frames_received, sb.bytes_received), (1, 100, 1, 100));
}

/// Node 0 sends a `len`-byte frame to node 1 from its transmit
/// descriptor `i`.
fn send(a: &mut Node, i: u16, len: usize) {
    let mut frame = node_mac(1).to_vec();
    frame.extend_from_slice(&node_mac(0));
    frame.extend_from_slice(&[0x88, 0xb5]);
    frame.resize(len, 7);
    let mut bytes = vec![0u8; HEADER];
    bytes.extend_from_slice(&frame);
    let at = BUFFERS + 0x4000 * i as u64;
    a.ram.slice_mut(at, bytes.len() as u64).expect("RAM").copy_from_slice(&bytes);
    a.offer(1, i, at, bytes.len() as u32, false);
}

#[test]
fn frames_wait_for_buffers_and_oversized_ones_are_dropped() {
    let (mut switch, mut a, mut b) = pair();
    a.initialise();
    b.initialise();
    send(&mut a, 0, 400);
    switch.route();
    b.poll(1_000_000);
    assert_eq!(b.used(0), 0, "no buffer yet: the frame waits");
    assert_eq!(b.window.net_stats().unwrap_or_default().dropped, 0);
    b.offer(0, 0, BUFFERS, 100, true);
    b.poll(1_000_000);
    assert_eq!(b.used(0), 0, "too large for the buffer: dropped");
    send(&mut a, 1, 60);
    switch.route();
    b.poll(2_000_000);
    assert_eq!(b.used(0), 1, "the buffer took the next frame");
    let stats = b.window.net_stats().unwrap_or_default();
    assert_eq!((stats.frames_received, stats.bytes_received, stats.dropped), (1, 60, 1));
}
