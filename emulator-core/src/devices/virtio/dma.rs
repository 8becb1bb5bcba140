//! A device's access to guest RAM (DMA). Writes are noted, page by page,
//! so that the hart can drop instructions it decoded from those pages: a
//! disk read into a frame that held code must be seen as new code, as a
//! store would be.

use crate::ram::Ram;

/// Guest RAM as a device reaches it, noting the pages it writes.
pub struct Dma<'a> {
    /// The RAM.
    pub ram: &'a mut Ram,
    /// Physical page numbers written (may repeat).
    pub written: &'a mut Vec<u64>,
}

impl Dma<'_> {
    /// Reads `buf.len()` bytes at `pa`; false if they are not all in RAM.
    pub fn read(&self, pa: u64, buf: &mut [u8]) -> bool {
        match self.ram.slice(pa, buf.len() as u64) {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// Writes `data` at `pa`; false (writing nothing) if it does not all
    /// lie in RAM.
    pub fn write(&mut self, pa: u64, data: &[u8]) -> bool {
        let Some(bytes) = self.ram.slice_mut(pa, data.len() as u64) else { return false };
        bytes.copy_from_slice(data);
        if !data.is_empty() {
            let last = (pa + data.len() as u64 - 1) >> 12;
            self.written.extend((pa >> 12)..=last);
        }
        true
    }

    /// Reads a little-endian value of `N` bytes (1, 2, 4 or 8).
    pub fn read_le<const N: usize>(&self, pa: u64) -> Option<u64> {
        self.ram.read::<N>(pa)
    }

    /// Writes a little-endian value of `N` bytes (1, 2, 4 or 8).
    pub fn write_le<const N: usize>(&mut self, pa: u64, value: u64) -> bool {
        self.write(pa, &value.to_le_bytes()[..N])
    }
}
