//! The virtio block device (virtio 1.2, section 5.2), as QEMU's
//! `virtio-blk-device`: one request queue of up to 256 entries; IN, OUT,
//! FLUSH and GET_ID requests; a status byte at the end of each request.
//!
//! A request is a descriptor chain read as a stream of bytes, whatever its
//! framing (VIRTIO_F_ANY_LAYOUT is implied by VERSION_1): the 16-byte
//! header (type, reserved, sector) starts the device-readable bytes, OUT
//! data follows it; IN data fills the device-writable bytes, the last of
//! which is the status. A request the device can carry out but that goes
//! wrong (past the end of the disk, a write to a read-only disk, a host I/O
//! error) gets IOERR, an unknown type UNSUPP.

use super::dma::Dma;
use super::queue::{Buffer, Chain, QueueError};
use super::storage::{SECTOR, Storage};
use super::{Done, VirtioDevice, features};

/// Device ID of a block device.
pub const DEVICE_ID: u32 = 2;
/// Entries in the request queue (QEMU's default).
pub const QUEUE_SIZE: u16 = 256;

/// Maximum segments in a request (QEMU offers the queue size less two).
const F_SEG_MAX: u64 = 1 << 2;
/// The disk is read-only.
const F_RO: u64 = 1 << 5;
/// The block size is in the configuration.
const F_BLK_SIZE: u64 = 1 << 6;
/// FLUSH requests.
const F_FLUSH: u64 = 1 << 9;

const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;
const T_GET_ID: u32 = 8;

const S_OK: u8 = 0;
const S_IOERR: u8 = 1;
const S_UNSUPP: u8 = 2;

/// Bytes of the request header.
const HEADER: usize = 16;
/// Bytes of a GET_ID answer.
const ID_BYTES: usize = 20;

/// What a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Read sectors.
    Read,
    /// Write sectors.
    Write,
    /// Make writes durable.
    Flush,
    /// The device's serial number.
    GetId,
    /// A type this device does not implement.
    Unsupported(u32),
}

/// One request as the device carried it out (for the trace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// What it asked.
    pub kind: RequestKind,
    /// First sector (reads and writes).
    pub sector: u64,
    /// Bytes of data moved.
    pub bytes: u64,
    /// The status byte it got (0 OK, 1 IOERR, 2 UNSUPP).
    pub status: u8,
}

/// What the disk did, for `--stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiskStats {
    /// Requests completed.
    pub requests: u64,
    /// Of which reads.
    pub reads: u64,
    /// Of which writes.
    pub writes: u64,
    /// Of which flushes.
    pub flushes: u64,
    /// Requests that got IOERR or UNSUPP.
    pub errors: u64,
    /// Sectors read.
    pub sectors_read: u64,
    /// Sectors written.
    pub sectors_written: u64,
}

/// A block device over some storage.
pub struct Block {
    storage: Storage,
    readonly: bool,
    serial: [u8; ID_BYTES],
    config: Vec<u8>,
    /// Counters.
    pub stats: DiskStats,
}

impl Block {
    /// A disk holding `storage`; `serial` is what GET_ID answers (cut to
    /// 20 bytes, zero-padded as QEMU's).
    pub fn new(storage: Storage, readonly: bool, serial: &str) -> Block {
        let mut id = [0u8; ID_BYTES];
        let n = serial.len().min(ID_BYTES);
        id[..n].copy_from_slice(&serial.as_bytes()[..n]);
        let config = Self::config_space(storage.len() / SECTOR);
        Block { storage, readonly, serial: id, config, stats: DiskStats::default() }
    }

    /// The configuration space (virtio_blk_config): capacity, size_max,
    /// seg_max, geometry, blk_size, and the rest zero.
    fn config_space(sectors: u64) -> Vec<u8> {
        let mut config = vec![0u8; 0x3c];
        config[0..8].copy_from_slice(&sectors.to_le_bytes());
        config[12..16].copy_from_slice(&(QUEUE_SIZE as u32 - 2).to_le_bytes());
        config[20..24].copy_from_slice(&(SECTOR as u32).to_le_bytes());
        config
    }

    /// Capacity in sectors.
    pub fn sectors(&self) -> u64 {
        self.storage.len() / SECTOR
    }

    /// Carries out the request in `chain`; returns it and the bytes
    /// written into the chain. A chain too short to hold a header and a
    /// status byte is the driver's error.
    fn carry_out(&mut self, chain: &Chain, dma: &mut Dma) -> Result<(Request, u32), QueueError> {
        let (readable, writable) = split(&chain.buffers);
        let out = gather(readable, dma)?;
        let in_len: u64 = writable.iter().map(|b| b.len as u64).sum();
        if out.len() < HEADER || in_len == 0 {
            return Err(QueueError("a block request without its header or status byte".into()));
        }
        let kind = u32::from_le_bytes([out[0], out[1], out[2], out[3]]);
        let sector = u64::from_le_bytes(out[8..16].try_into().unwrap_or_default());
        let data_in = in_len - 1;
        let (kind, bytes, status) = match kind {
            T_IN => (RequestKind::Read, data_in, self.read(sector, writable, data_in, dma)),
            T_OUT => (RequestKind::Write, (out.len() - HEADER) as u64, self.write(sector, &out[HEADER..])),
            T_FLUSH => (RequestKind::Flush, 0, self.flush()),
            T_GET_ID => {
                let n = (data_in as usize).min(ID_BYTES);
                (RequestKind::GetId, n as u64, scatter(&self.serial[..n], writable, dma))
            }
            other => (RequestKind::Unsupported(other), 0, S_UNSUPP),
        };
        let last = writable.last().map_or(0, |b| b.addr + b.len as u64 - 1);
        dma.write(last, &[status]);
        let request = Request { kind, sector, bytes, status };
        self.count(&request);
        Ok((request, in_len.min(u32::MAX as u64) as u32))
    }

    /// Whether `bytes` from `sector` lie on the disk in whole sectors.
    fn in_range(&self, sector: u64, bytes: u64) -> bool {
        let end = sector.checked_mul(SECTOR).and_then(|at| at.checked_add(bytes));
        bytes.is_multiple_of(SECTOR) && end.is_some_and(|end| end <= self.storage.len())
    }

    /// IN: reads `bytes` from `sector` into the writable buffers.
    fn read(&mut self, sector: u64, writable: &[Buffer], bytes: u64, dma: &mut Dma) -> u8 {
        if !self.in_range(sector, bytes) {
            return S_IOERR;
        }
        let mut data = vec![0u8; bytes as usize];
        if let Err(e) = self.storage.read_at(sector * SECTOR, &mut data) {
            log::warn!("virtio-blk: reading sector {sector}: {e}");
            return S_IOERR;
        }
        scatter(&data, writable, dma)
    }

    /// OUT: writes `data` at `sector`.
    fn write(&mut self, sector: u64, data: &[u8]) -> u8 {
        if self.readonly || !self.in_range(sector, data.len() as u64) {
            return S_IOERR;
        }
        match self.storage.write_at(sector * SECTOR, data) {
            Ok(()) => S_OK,
            Err(e) => {
                log::warn!("virtio-blk: writing sector {sector}: {e}");
                S_IOERR
            }
        }
    }

    /// FLUSH: makes what was written durable.
    fn flush(&mut self) -> u8 {
        match self.storage.flush() {
            Ok(()) => S_OK,
            Err(e) => {
                log::warn!("virtio-blk: flush: {e}");
                S_IOERR
            }
        }
    }

    fn count(&mut self, r: &Request) {
        let s = &mut self.stats;
        s.requests += 1;
        if r.status != S_OK {
            s.errors += 1;
            return;
        }
        match r.kind {
            RequestKind::Read => (s.reads, s.sectors_read) = (s.reads + 1, s.sectors_read + r.bytes / SECTOR),
            RequestKind::Write => (s.writes, s.sectors_written) = (s.writes + 1, s.sectors_written + r.bytes / SECTOR),
            RequestKind::Flush => s.flushes += 1,
            RequestKind::GetId | RequestKind::Unsupported(_) => {}
        }
    }
}

/// The device-readable buffers, then the device-writable ones.
fn split(buffers: &[Buffer]) -> (&[Buffer], &[Buffer]) {
    let first_writable = buffers.iter().position(|b| b.writable).unwrap_or(buffers.len());
    buffers.split_at(first_writable)
}

/// The bytes of the readable buffers, in order.
fn gather(readable: &[Buffer], dma: &Dma) -> Result<Vec<u8>, QueueError> {
    let mut bytes = Vec::new();
    for b in readable {
        let start = bytes.len();
        bytes.resize(start + b.len as usize, 0);
        if !dma.read(b.addr, &mut bytes[start..]) {
            return Err(QueueError(format!("buffer {:#x} lies outside RAM", b.addr)));
        }
    }
    Ok(bytes)
}

/// Spreads `data` over the writable buffers from their start; OK.
fn scatter(data: &[u8], writable: &[Buffer], dma: &mut Dma) -> u8 {
    let mut rest = data;
    for b in writable {
        let n = rest.len().min(b.len as usize);
        if n == 0 {
            break;
        }
        dma.write(b.addr, &rest[..n]);
        rest = &rest[n..];
    }
    S_OK
}

impl VirtioDevice for Block {
    fn device_id(&self) -> u32 {
        DEVICE_ID
    }

    fn features(&self) -> u64 {
        let ro = if self.readonly { F_RO } else { 0 };
        F_SEG_MAX
            | F_BLK_SIZE
            | F_FLUSH
            | ro
            | features::RING_INDIRECT_DESC
            | features::RING_EVENT_IDX
            | features::VERSION_1
    }

    fn works_without_version_1(&self) -> bool {
        // A legacy driver frames requests as a modern one does (header,
        // data, status), which this device reads in any layout.
        true
    }

    fn config(&self) -> &[u8] {
        &self.config
    }

    fn queue_max(&self, queue: usize) -> u16 {
        if queue == 0 { QUEUE_SIZE } else { 0 }
    }

    fn process(&mut self, _queue: usize, chain: Chain, dma: &mut Dma, _now: u64) -> Result<Done, QueueError> {
        self.carry_out(&chain, dma).map(|(request, written)| Done::Completed { written, request: Some(request) })
    }

    fn disk_stats(&self) -> Option<DiskStats> {
        Some(self.stats)
    }

    fn disk_sectors(&self) -> Option<u64> {
        Some(self.sectors())
    }
}
