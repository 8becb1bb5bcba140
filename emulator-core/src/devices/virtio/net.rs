//! The virtio network device (virtio 1.2, section 5.1), as QEMU's
//! `virtio-net-device` with one queue pair: queue 0 receives, queue 1
//! transmits. Every buffer starts with the 12-byte `virtio_net_hdr`
//! (VERSION_1 makes `num_buffers` part of it); no offloads are offered,
//! so the header is all zero but for `num_buffers` = 1 on receive.
//!
//! The device offers MAC (the node's address), STATUS (link up) and MTU
//! (9000: jumbo frames, so that a page travels in one frame). It is
//! joined to a network by a [`Backend`]. Transmit chains are sent as
//! soon as the driver notifies. Receive chains wait in the device until
//! a frame arrives for them, when the machine's loop calls
//! [`VirtioDevice::poll`]: a frame with no buffer to go into waits in a
//! small queue, as on QEMU, and beyond it is dropped.

use std::collections::VecDeque;

use super::dma::Dma;
use super::queue::{Buffer, Chain, QueueError};
use super::{Completion, Done, VirtioDevice, features};
use crate::net::{Backend, ETHERNET_HEADER, MAX_FRAME, MTU, Mac};

/// Device ID of a network device.
pub const DEVICE_ID: u32 = 1;
/// Entries in each queue (QEMU's default).
pub const QUEUE_SIZE: u16 = 256;
/// The receive queue.
const RECEIVE: usize = 0;
/// The transmit queue.
const TRANSMIT: usize = 1;
/// Bytes of `virtio_net_hdr` with VERSION_1.
pub const HEADER: usize = 12;
/// Frames that may wait for a receive buffer before more are dropped.
const BACKLOG: usize = 256;

/// The MTU field is valid.
const F_MTU: u64 = 1 << 3;
/// The MAC field is valid.
const F_MAC: u64 = 1 << 5;
/// The status field is valid.
const F_STATUS: u64 = 1 << 16;
/// The link is up.
const S_LINK_UP: u16 = 1;

/// What the device counted, for `--stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct NetStats {
    /// Frames sent.
    pub frames_sent: u64,
    /// Bytes sent (frames, without the virtio header).
    pub bytes_sent: u64,
    /// Frames received into the guest's buffers.
    pub frames_received: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Frames dropped: no buffer within the backlog, too large for the
    /// buffer, or malformed on transmit.
    pub dropped: u64,
}

impl NetStats {
    /// These counters plus `other`'s.
    pub fn sum(&self, other: &NetStats) -> NetStats {
        NetStats {
            frames_sent: self.frames_sent + other.frames_sent,
            bytes_sent: self.bytes_sent + other.bytes_sent,
            frames_received: self.frames_received + other.frames_received,
            bytes_received: self.bytes_received + other.bytes_received,
            dropped: self.dropped + other.dropped,
        }
    }
}

/// What crossed the device, for the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// A frame was sent.
    Sent(Vec<u8>),
    /// A frame was received into the guest's buffer.
    Received(Vec<u8>),
    /// A frame was dropped; the text says why.
    Dropped(String),
}

/// A network device over a backend.
pub struct Net {
    backend: Box<dyn Backend>,
    config: Vec<u8>,
    /// Receive chains the driver made available, oldest first.
    buffers: VecDeque<Chain>,
    /// Frames that arrived with no buffer to go into.
    backlog: VecDeque<Vec<u8>>,
    /// Counters.
    pub stats: NetStats,
    /// Frames since the hart last took them, for the trace.
    pub events: Vec<NetEvent>,
}

impl Net {
    /// A device with address `mac`, joined to the network by `backend`.
    pub fn new(mac: Mac, backend: Box<dyn Backend>) -> Net {
        let mut config = vec![0u8; 12];
        config[..6].copy_from_slice(&mac);
        config[6..8].copy_from_slice(&S_LINK_UP.to_le_bytes());
        config[8..10].copy_from_slice(&1u16.to_le_bytes());
        config[10..12].copy_from_slice(&(MTU as u16).to_le_bytes());
        Net {
            backend,
            config,
            buffers: VecDeque::new(),
            backlog: VecDeque::new(),
            stats: NetStats::default(),
            events: Vec::new(),
        }
    }

    /// Sends the frame in a transmit chain: the readable bytes after the
    /// header.
    fn transmit(&mut self, chain: &Chain, dma: &Dma, now: u64) -> Result<(), QueueError> {
        let bytes = gather(&chain.buffers, dma)?;
        let frame = bytes.get(HEADER..).unwrap_or_default();
        if frame.len() < ETHERNET_HEADER || frame.len() > MAX_FRAME {
            self.drop_frame(format!("a {}-byte frame to send", frame.len()));
            return Ok(());
        }
        self.stats.frames_sent += 1;
        self.stats.bytes_sent += frame.len() as u64;
        self.events.push(NetEvent::Sent(frame.to_vec()));
        self.backend.send(now, frame.to_vec());
        Ok(())
    }

    fn drop_frame(&mut self, why: String) {
        self.stats.dropped += 1;
        self.events.push(NetEvent::Dropped(why));
    }

    /// Takes the frames that have arrived by `now` into the backlog.
    fn take_arrivals(&mut self, now: u64) {
        while let Some(frame) = self.backend.receive(now) {
            if self.backlog.len() >= BACKLOG {
                self.drop_frame(format!("{} bytes arrived with {BACKLOG} frames already waiting", frame.len()));
                continue;
            }
            self.backlog.push_back(frame);
        }
    }

    /// Puts `frame` into receive chain `chain`; the bytes written, or
    /// None if it does not fit (the frame is then dropped).
    fn fill(&mut self, chain: &Chain, frame: &[u8], dma: &mut Dma) -> Option<u32> {
        let writable: Vec<&Buffer> = chain.buffers.iter().filter(|b| b.writable).collect();
        let room: u64 = writable.iter().map(|b| b.len as u64).sum();
        if (HEADER + frame.len()) as u64 > room {
            self.drop_frame(format!("a {}-byte frame for a {room}-byte buffer", frame.len()));
            return None;
        }
        let mut bytes = vec![0u8; HEADER];
        bytes[10..12].copy_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(frame);
        scatter(&bytes, &writable, dma);
        self.stats.frames_received += 1;
        self.stats.bytes_received += frame.len() as u64;
        self.events.push(NetEvent::Received(frame.to_vec()));
        Some(bytes.len() as u32)
    }
}

/// The bytes of a chain's readable buffers, in order.
fn gather(buffers: &[Buffer], dma: &Dma) -> Result<Vec<u8>, QueueError> {
    let mut bytes = Vec::new();
    for b in buffers.iter().filter(|b| !b.writable) {
        let start = bytes.len();
        if start + b.len as usize > HEADER + MAX_FRAME {
            return Err(QueueError(format!("a transmit chain longer than {} bytes", HEADER + MAX_FRAME)));
        }
        bytes.resize(start + b.len as usize, 0);
        if !dma.read(b.addr, &mut bytes[start..]) {
            return Err(QueueError(format!("buffer {:#x} lies outside RAM", b.addr)));
        }
    }
    Ok(bytes)
}

/// Spreads `data` over `writable` from their start.
fn scatter(data: &[u8], writable: &[&Buffer], dma: &mut Dma) {
    let mut rest = data;
    for b in writable {
        let n = rest.len().min(b.len as usize);
        dma.write(b.addr, &rest[..n]);
        rest = &rest[n..];
    }
}

impl VirtioDevice for Net {
    fn device_id(&self) -> u32 {
        DEVICE_ID
    }

    fn features(&self) -> u64 {
        F_MTU | F_MAC | F_STATUS | features::RING_INDIRECT_DESC | features::RING_EVENT_IDX | features::VERSION_1
    }

    fn config(&self) -> &[u8] {
        &self.config
    }

    fn queue_max(&self, queue: usize) -> u16 {
        if queue <= TRANSMIT { QUEUE_SIZE } else { 0 }
    }

    fn process(&mut self, queue: usize, chain: Chain, dma: &mut Dma, now: u64) -> Result<Done, QueueError> {
        if queue == RECEIVE {
            if chain.buffers.iter().any(|b| !b.writable) {
                return Err(QueueError("a receive buffer the device may not write".into()));
            }
            self.buffers.push_back(chain);
            return Ok(Done::Held);
        }
        self.transmit(&chain, dma, now)?;
        Ok(Done::Completed { written: 0, request: None })
    }

    fn poll(&mut self, now: u64, dma: &mut Dma) -> Vec<Completion> {
        self.take_arrivals(now);
        let mut done = Vec::new();
        while let (Some(frame), Some(chain)) = (self.backlog.front(), self.buffers.front()) {
            let (frame, chain) = (frame.clone(), chain.clone());
            self.backlog.pop_front();
            // A frame too large for the buffer is dropped; the buffer
            // waits for the next one.
            if let Some(written) = self.fill(&chain, &frame, dma) {
                self.buffers.pop_front();
                done.push(Completion { queue: RECEIVE, head: chain.head, written });
            }
        }
        done
    }

    fn next_event(&mut self) -> Option<u64> {
        if !self.backlog.is_empty() && !self.buffers.is_empty() {
            return Some(0);
        }
        self.backend.next_arrival()
    }

    fn reset(&mut self) {
        self.buffers.clear();
    }

    fn net_stats(&self) -> Option<NetStats> {
        Some(self.stats)
    }

    fn take_net_events(&mut self) -> Vec<NetEvent> {
        std::mem::take(&mut self.events)
    }

    fn real_time(&self) -> bool {
        self.backend.real_time()
    }
}
