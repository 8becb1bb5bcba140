//! What the files a boot loads can be, and where each goes, as QEMU's
//! `-bios` and `-kernel` take them: an ELF file loads at its physical
//! addresses; firmware that is not ELF is a raw binary at the start of
//! RAM; a kernel that is not ELF must be a RISC-V Linux `Image` (its
//! header says so), loaded raw where QEMU puts one: the first 2 MiB
//! boundary after the firmware, or the start of RAM when there is none. A
//! gzip'd file is decompressed first.

use std::io::Read;

use crate::loader::{ElfImage, LoadError, Segment, Symbols};
use crate::memmap::RAM_BASE;

/// Where a raw kernel goes: after firmware ending at `firmware_end`, on
/// the next 2 MiB boundary (QEMU's `riscv_calc_kernel_start_addr` for
/// RV64), or at the start of RAM without firmware.
pub fn kernel_start(firmware_end: Option<u64>) -> u64 {
    const ALIGN: u64 = 2 << 20;
    firmware_end.map_or(RAM_BASE, |end| end.div_ceil(ALIGN) * ALIGN)
}

/// The kernel in `bytes`: an ELF file, or a RISC-V Linux `Image` loaded at
/// `raw_at`; either may be gzip'd. `limit` bounds the decompressed size
/// (the guest's RAM).
pub fn kernel(bytes: &[u8], name: &str, raw_at: u64, limit: u64) -> Result<ElfImage, LoadError> {
    let bytes = gunzipped(bytes, name, limit)?;
    if is_elf(&bytes) {
        return ElfImage::parse(&bytes, name);
    }
    let Some(image_size) = linux_image_size(&bytes) else {
        return Err(LoadError::new(name, "neither an ELF file nor a RISC-V Linux Image (no \"RSC\\x05\" magic)"));
    };
    Ok(raw(name, bytes.into_owned(), raw_at, image_size))
}

/// Firmware in `bytes`: an ELF file, or a raw binary at the start of RAM;
/// either may be gzip'd.
pub fn firmware(bytes: &[u8], name: &str, limit: u64) -> Result<ElfImage, LoadError> {
    let bytes = gunzipped(bytes, name, limit)?;
    if is_elf(&bytes) {
        return ElfImage::parse(&bytes, name);
    }
    if bytes.is_empty() {
        return Err(LoadError::new(name, "an empty file is no firmware"));
    }
    Ok(raw(name, bytes.into_owned(), RAM_BASE, 0))
}

/// A raw image: `bytes` at `at`, entered at `at`, taking at least
/// `mem_size` bytes of memory (an `Image`'s header counts its bss).
fn raw(name: &str, bytes: Vec<u8>, at: u64, mem_size: u64) -> ElfImage {
    let mem_size = mem_size.max(bytes.len() as u64);
    let segment = Segment { paddr: at, vaddr: at, data: bytes, mem_size };
    ElfImage {
        name: name.to_string(),
        entry: at,
        segments: vec![segment],
        symbols: Symbols::default(),
        dropped_symbols: None,
    }
}

fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// The memory a RISC-V Linux `Image` occupies (its header's
/// `image_size`), if `bytes` is one: the header's second magic,
/// "RSC\x05", is at offset 56 (Documentation/arch/riscv/boot-image-header.rst).
fn linux_image_size(bytes: &[u8]) -> Option<u64> {
    if bytes.get(56..60)? != b"RSC\x05" {
        return None;
    }
    Some(u64::from_le_bytes(bytes.get(16..24)?.try_into().ok()?))
}

/// `bytes`, decompressed if they are gzip'd, refusing more than `limit`
/// bytes of output (a gzip bomb, or an image no RAM could hold).
fn gunzipped<'a>(bytes: &'a [u8], name: &str, limit: u64) -> Result<std::borrow::Cow<'a, [u8]>, LoadError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(bytes).take(limit.saturating_add(1));
    decoder.read_to_end(&mut out).map_err(|e| LoadError::new(name, format!("corrupt gzip data: {e}")))?;
    if out.len() as u64 > limit {
        return Err(LoadError::new(name, format!("decompresses to more than the guest's RAM ({limit} bytes)")));
    }
    Ok(std::borrow::Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal RISC-V Linux `Image`: the 64-byte header, then code.
    fn linux_image(image_size: u64) -> Vec<u8> {
        let mut bytes = vec![0u8; 64];
        bytes[16..24].copy_from_slice(&image_size.to_le_bytes());
        bytes[48..56].copy_from_slice(b"RISCV\0\0\0");
        bytes[56..60].copy_from_slice(b"RSC\x05");
        bytes.extend_from_slice(&[0x13, 0, 0, 0]);
        bytes
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_raw_kernel_goes_after_the_firmware_on_a_2_mib_boundary() {
        assert_eq!(kernel_start(None), 0x8000_0000);
        assert_eq!(kernel_start(Some(0x8004_2c40)), 0x8020_0000);
        assert_eq!(kernel_start(Some(0x8020_0000)), 0x8020_0000);
    }

    #[test]
    fn a_linux_image_loads_raw_with_its_bss_counted() {
        let image = kernel(&linux_image(0x10000), "Image", 0x8020_0000, 1 << 30).unwrap();
        assert_eq!(image.entry, 0x8020_0000);
        assert_eq!(image.extent(), (0x8020_0000, 0x8021_0000));
        let gzipped = kernel(&gzip(&linux_image(0x10000)), "Image.gz", 0x8020_0000, 1 << 30).unwrap();
        assert_eq!(gzipped.segments[0].data, image.segments[0].data);
    }

    #[test]
    fn a_kernel_that_is_neither_elf_nor_image_is_refused() {
        let error =
            kernel(b"just some bytes, no header here at all.........................", "junk", 0, 1 << 20).unwrap_err();
        assert!(error.problem.contains("neither an ELF file nor a RISC-V Linux Image"), "{}", error.problem);
        let error = kernel(&[0x1f, 0x8b, 8, 0, 1, 2, 3], "bad.gz", 0, 1 << 20).unwrap_err();
        assert!(error.problem.contains("corrupt gzip data"), "{}", error.problem);
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        let error = kernel(&gzip(&vec![0u8; 1 << 20]), "bomb.gz", 0, 4096).unwrap_err();
        assert!(error.problem.contains("more than the guest's RAM"), "{}", error.problem);
    }

    #[test]
    fn firmware_that_is_not_elf_is_raw_at_the_start_of_ram() {
        let firmware = firmware(&[0x6f, 0, 0, 0], "fw.bin", 1 << 20).unwrap();
        assert_eq!((firmware.entry, firmware.extent()), (0x8000_0000, (0x8000_0000, 0x8000_0004)));
        assert!(super::firmware(&[], "empty", 1 << 20).is_err());
    }
}
