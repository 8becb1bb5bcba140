//! Where a disk's bytes live: a raw image file on the host (`--drive
//! FILE`, read and written in place, as QEMU's `format=raw`), or host
//! memory (a `--swap SIZE` disk, which lives only for the run).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Bytes of a sector: disk sizes and requests are counted in them.
pub const SECTOR: u64 = 512;

/// A disk's contents.
pub enum Storage {
    /// A host file of `len` bytes.
    File {
        /// The open file.
        file: File,
        /// Its length (fixed for the run).
        len: u64,
    },
    /// Host memory, zero-filled at the start (the host commits pages only
    /// as they are written).
    Memory(Vec<u8>),
}

impl Storage {
    /// Opens the raw image at `path`, for writing unless `readonly`. It
    /// must be a regular file whose size is a whole number of sectors.
    pub fn open(path: &Path, readonly: bool) -> Result<Storage, String> {
        let shown = format!("{:?}", path.display().to_string());
        let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
        if !meta.is_file() {
            return Err(format!("{shown}: not a regular file (a disk image must be one)"));
        }
        let len = meta.len();
        if len == 0 || !len.is_multiple_of(SECTOR) {
            return Err(format!("{shown}: {len} bytes is not a whole number of 512-byte sectors"));
        }
        let file = OpenOptions::new().read(true).write(!readonly).open(path).map_err(|e| {
            let how = if readonly { "" } else { " for writing (add ,readonly to attach it read-only)" };
            format!("{shown}: cannot open it{how}: {e}")
        })?;
        Ok(Storage::File { file, len })
    }

    /// A zero-filled disk of `size` bytes in host memory.
    pub fn memory(size: u64) -> Result<Storage, String> {
        if size == 0 || !size.is_multiple_of(SECTOR) {
            return Err(format!("{size} bytes is not a whole number of 512-byte sectors"));
        }
        let len = usize::try_from(size).map_err(|_| format!("{size} bytes do not fit this host"))?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(len).map_err(|_| format!("cannot allocate {} MiB for the disk", size >> 20))?;
        bytes.resize(len, 0);
        Ok(Storage::Memory(bytes))
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Storage::File { len, .. } => *len,
            Storage::Memory(bytes) => bytes.len() as u64,
        }
    }

    /// Whether the disk holds no bytes (never, once made).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks that `len` bytes at `offset` lie inside the disk.
    fn inside(&self, offset: u64, len: usize) -> io::Result<()> {
        match offset.checked_add(len as u64) {
            Some(end) if end <= self.len() => Ok(()),
            _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "past the end of the disk")),
        }
    }

    /// Reads `buf.len()` bytes at `offset`.
    pub fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.inside(offset, buf.len())?;
        match self {
            Storage::File { file, .. } => file.read_exact_at(buf, offset),
            Storage::Memory(bytes) => {
                let at = offset as usize;
                buf.copy_from_slice(&bytes[at..at + buf.len()]);
                Ok(())
            }
        }
    }

    /// Writes `data` at `offset`.
    pub fn write_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.inside(offset, data.len())?;
        match self {
            Storage::File { file, .. } => file.write_all_at(data, offset),
            Storage::Memory(bytes) => {
                let at = offset as usize;
                bytes[at..at + data.len()].copy_from_slice(data);
                Ok(())
            }
        }
    }

    /// Makes what was written durable (a file's data reaches its disk).
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Storage::File { file, .. } => file.sync_data(),
            Storage::Memory(_) => Ok(()),
        }
    }
}
