//! `--drive FILE[,readonly]` and `--swap SIZE|FILE`: the disks a run
//! attaches, as virtio-blk devices. The swap disk, if any, comes first (at
//! 0x1000_1000, QEMU's `virtio-mmio-bus.0`), then the drives in the order
//! given.
//!
//! A fresh swap disk (`--swap 128M`) lives in host memory for the run
//! only, formatted as Linux's `mkswap` would; `--swap FILE` uses an image
//! that already carries the swap signature. The kernel uses a disk as swap
//! only if it has that signature, so a data disk is never overwritten.

use std::path::{Path, PathBuf};

use super::{Failure, exit_code};
use crate::devices::virtio::storage::{SECTOR, Storage};
use crate::machine::Disk;
use rvsim_kernel_core::swap_header;

/// A `--drive` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveSpec {
    /// The raw image.
    pub path: PathBuf,
    /// Attach it read-only.
    pub readonly: bool,
}

/// A `--swap` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwapSpec {
    /// A fresh swap disk of this many bytes, in memory.
    Fresh(u64),
    /// An image that is already swap space.
    Image(PathBuf),
}

/// All the disks of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskSpecs {
    /// The swap disk.
    pub swap: Option<SwapSpec>,
    /// Other disks.
    pub drives: Vec<DriveSpec>,
}

/// Parses `FILE[,readonly]`.
pub fn parse_drive(text: &str) -> Result<DriveSpec, String> {
    let (path, readonly) = match text.rsplit_once(',') {
        Some((path, "readonly")) => (path, true),
        Some((_, option)) if !option.contains('/') && !Path::new(text).exists() => {
            return Err(format!("unknown drive option {option:?} (the only one is readonly)"));
        }
        _ => (text, false),
    };
    if path.is_empty() {
        return Err("expected a disk image: FILE or FILE,readonly".into());
    }
    Ok(DriveSpec { path: PathBuf::from(path), readonly })
}

/// Parses `SIZE` (bytes, or with K, M or G) or `FILE`.
pub fn parse_swap(text: &str) -> Result<SwapSpec, String> {
    if text.ends_with(",readonly") {
        return Err("a swap disk must be writable: drop ,readonly".into());
    }
    match parse_disk_size(text) {
        Some(Ok(bytes)) => Ok(SwapSpec::Fresh(bytes)),
        Some(Err(e)) => Err(e),
        None if text.is_empty() => Err("expected a size (such as 128M) or a swap image".into()),
        None => Ok(SwapSpec::Image(PathBuf::from(text))),
    }
}

/// A size as `qemu-img` reads one (a plain number is bytes; K, M, G are
/// binary multiples): `None` when `text` is no size at all.
fn parse_disk_size(text: &str) -> Option<Result<u64, String>> {
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    if digits == 0 {
        return None;
    }
    let shift = match &text[digits..] {
        "" => 0,
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        _ => return None,
    };
    let bytes = text[..digits].parse::<u64>().ok().and_then(|n| n.checked_mul(1 << shift));
    Some(match bytes {
        None => Err(format!("swap size {text:?} is too large")),
        Some(bytes) if bytes == 0 || !bytes.is_multiple_of(SECTOR) => {
            Err(format!("swap size {text:?} is not a whole number of 512-byte sectors"))
        }
        Some(bytes) if bytes < 2 * rvsim_kernel_core::PAGE => {
            Err(format!("swap size {text:?} holds no page: give at least 8K"))
        }
        Some(bytes) => Ok(bytes),
    })
}

/// Opens every disk of `specs`, swap first; any problem is one line.
pub fn open(specs: &DiskSpecs) -> Result<Vec<Disk>, Failure> {
    let mut disks = Vec::new();
    if let Some(swap) = &specs.swap {
        disks.push(open_swap(swap).map_err(|e| (exit_code::USAGE, format!("--swap: {e}")))?);
    }
    for drive in &specs.drives {
        let storage =
            Storage::open(&drive.path, drive.readonly).map_err(|e| (exit_code::USAGE, format!("--drive: {e}")))?;
        disks.push(Disk { storage, readonly: drive.readonly, serial: serial_of(&drive.path) });
    }
    Ok(disks)
}

fn open_swap(spec: &SwapSpec) -> Result<Disk, String> {
    let storage = match spec {
        SwapSpec::Fresh(bytes) => fresh_swap(*bytes)?,
        SwapSpec::Image(path) => swap_image(path)?,
    };
    Ok(Disk { storage, readonly: false, serial: "rvsim-swap".into() })
}

/// A swap disk of `bytes` bytes in memory, with its header.
fn fresh_swap(bytes: u64) -> Result<Storage, String> {
    let mut storage = Storage::memory(bytes)?;
    let header = swap_header::make(bytes, "rvsim-swap").ok_or("too small to hold a page")?;
    storage.write_at(0, &header).map_err(|e| e.to_string())?;
    Ok(storage)
}

/// An existing swap image, opened for writing; it must carry the swap
/// signature.
fn swap_image(path: &Path) -> Result<Storage, String> {
    let shown = format!("{:?}", path.display().to_string());
    if !path.exists() {
        return Err(format!("{shown}: no such file (for a fresh swap disk give a size, such as 128M)"));
    }
    let mut storage = Storage::open(path, false)?;
    let mut first = vec![0u8; rvsim_kernel_core::PAGE as usize];
    let header = storage.read_at(0, &mut first).ok().and_then(|_| swap_header::parse(&first, storage.len()));
    match header {
        Some(_) => Ok(storage),
        None => Err(format!("{shown} is not swap space (no SWAPSPACE2 signature): format it with mkswap")),
    }
}

/// GET_ID's answer for a drive: its file name, as far as it fits.
fn serial_of(path: &Path) -> String {
    path.file_name().map_or_else(String::new, |name| name.to_string_lossy().chars().take(20).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drives_take_an_optional_readonly() {
        assert_eq!(parse_drive("disk.img"), Ok(DriveSpec { path: "disk.img".into(), readonly: false }));
        assert_eq!(parse_drive("disk.img,readonly"), Ok(DriveSpec { path: "disk.img".into(), readonly: true }));
        assert!(parse_drive("disk.img,snapshot").is_err());
        assert!(parse_drive("").is_err());
        assert!(parse_drive(",readonly").is_err());
    }

    #[test]
    fn swap_is_a_size_or_an_image() {
        assert_eq!(parse_swap("128M"), Ok(SwapSpec::Fresh(128 << 20)));
        assert_eq!(parse_swap("8192"), Ok(SwapSpec::Fresh(8192)));
        assert_eq!(parse_swap("swap.img"), Ok(SwapSpec::Image("swap.img".into())));
        assert!(parse_swap("1000").is_err(), "not whole sectors");
        assert!(parse_swap("512").is_err(), "no page for a slot");
        assert!(parse_swap("0").is_err());
        assert!(parse_swap("99999999999999G").is_err());
        assert!(parse_swap("swap.img,readonly").is_err());
        assert!(parse_swap("").is_err());
    }

    #[test]
    fn a_fresh_swap_disk_carries_the_signature() {
        let mut storage = fresh_swap(1 << 20).expect("a swap disk");
        let mut first = vec![0u8; 4096];
        storage.read_at(0, &mut first).expect("read");
        assert_eq!(swap_header::parse(&first, 1 << 20).map(|h| h.slots()), Some(255));
    }
}
