//! The initrd's archive format, cpio "newc" (and "crc", its twin with a
//! checksum), read in place: each file's name and bytes are slices of the
//! archive. Finding a file reads only the 110-byte headers before it and
//! skips the data, so that the cost of an exec does not grow with the
//! size of the programs stored ahead of it. (The cpio_reader crate, used
//! before, summed every byte of every file it passed to compute a
//! checksum that newc archives do not carry: a megabyte of initrd cost a
//! million and a half instructions per lookup.) The crc checksum is not
//! checked: the kernel trusts its initrd as it trusts its own image.

/// A header's length: the magic and thirteen 8-digit hexadecimal fields.
const HEADER: usize = 110;
/// The name of the entry that ends the archive.
const TRAILER: &str = "TRAILER!!!";
/// Where each field we need starts in a header.
const FILESIZE: usize = 54;
const NAMESIZE: usize = 94;

/// One file of the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Its name as the archive has it (without the terminating NUL).
    pub name: &'a str,
    /// Its contents.
    pub data: &'a [u8],
}

/// The files of `archive`, in order, up to the trailer or the first
/// malformed header (after which nothing is trusted).
pub fn files(archive: &[u8]) -> Files<'_> {
    Files { rest: archive }
}

/// An iterator over an archive's files (see [`files`]).
#[derive(Debug, Clone)]
pub struct Files<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Files<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        let (entry, rest) = parse(self.rest).filter(|(e, _)| e.name != TRAILER).unzip();
        self.rest = rest.unwrap_or_default();
        entry
    }
}

/// The entry at the start of `bytes`, and what follows it.
fn parse(bytes: &[u8]) -> Option<(Entry<'_>, &[u8])> {
    let header = bytes.get(..HEADER)?;
    if !matches!(&header[..6], b"070701" | b"070702") {
        return None;
    }
    let file_size = hex_field(header, FILESIZE)?;
    let name_size = hex_field(header, NAMESIZE)?;
    // The name ends with a NUL; header and name together are padded to 4.
    let name_end = HEADER.checked_add(name_size)?;
    let name = bytes.get(HEADER..name_end.checked_sub(1)?)?;
    let data_start = align4(name_end)?;
    let data_end = data_start.checked_add(file_size)?;
    let data = bytes.get(data_start..data_end)?;
    let next = align4(data_end)?.min(bytes.len());
    let entry = Entry { name: core::str::from_utf8(name).ok()?, data };
    Some((entry, &bytes[next..]))
}

/// The 8-digit hexadecimal field at `at` of a header.
fn hex_field(header: &[u8], at: usize) -> Option<usize> {
    let digits = core::str::from_utf8(header.get(at..at + 8)?).ok()?;
    usize::from_str_radix(digits, 16).ok()
}

/// `n` rounded up to a multiple of 4.
fn align4(n: usize) -> Option<usize> {
    Some(n.checked_add(3)? & !3)
}

#[cfg(test)]
mod tests;
