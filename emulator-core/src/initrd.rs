//! The initrd: a cpio "newc" archive of user programs (written with the
//! cpio crate), as the kernel expects it and as QEMU's `-initrd` loads it.

use std::io;

/// An archive holding `files` (name, contents), in the order given.
pub fn build(files: &[(&str, &[u8])]) -> io::Result<Vec<u8>> {
    let mut archive = Vec::new();
    for (i, (name, data)) in files.iter().enumerate() {
        let size = u32::try_from(data.len()).map_err(|_| io::Error::other(format!("{name} is too large")))?;
        let mut writer =
            cpio::newc::Builder::new(name).ino(i as u32 + 1).mode(0o100_755).nlink(1).write(&mut archive, size);
        io::Write::write_all(&mut writer, data)?;
        writer.finish()?;
    }
    cpio::newc::trailer(&mut archive)?;
    Ok(archive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_in_newc_format() {
        let archive = build(&[("hello", b"\x7fELF..."), ("sh", b"#!")]).unwrap();
        assert_eq!(&archive[..6], b"070701", "newc magic");
        let text = String::from_utf8_lossy(&archive);
        assert!(text.contains("hello\0") && text.contains("sh\0") && text.contains("TRAILER!!!"));
        assert_eq!(archive.len() % 4, 0);
    }

    #[test]
    fn the_kernels_reader_finds_every_file_as_written() {
        let data: Vec<Vec<u8>> = (0..9u8).map(|i| (0..i as usize * 37 + 1).map(|b| b as u8 ^ i).collect()).collect();
        let names = ["init", "sh", "hello", "a", "bigmem", "libgreet", "x1", "textworker", "forktest"];
        let files: Vec<(&str, &[u8])> = names.iter().copied().zip(data.iter().map(Vec::as_slice)).collect();
        let archive = build(&files).unwrap();
        let read: Vec<(&str, &[u8])> =
            rvsim_kernel_core::cpio::files(&archive).map(|entry| (entry.name, entry.data)).collect();
        assert_eq!(read, files);
    }
}
