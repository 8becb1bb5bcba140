//! The header that marks a disk as swap space: Linux's, as `mkswap`
//! writes it (version 1). Its first page holds the version and the last
//! usable page at byte 1024, and ends with the signature "SWAPSPACE2";
//! pages 1 to `last_page` are the swap slots. The kernel uses a disk as
//! swap only if it carries this header, so a data disk attached by
//! mistake is never overwritten; rvsim writes it on the disks it makes
//! for `--swap`, and `mkswap` on the host prepares any other.

use crate::PAGE;

/// The signature at the end of the first page.
pub const MAGIC: &[u8; 10] = b"SWAPSPACE2";
/// Where the version and page counts start.
const INFO: usize = 1024;
/// Where the label (`volume_name`) starts.
const LABEL: usize = INFO + 28;

/// What a swap header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwapHeader {
    /// The last page usable as a slot (pages 1..=last_page are slots).
    pub last_page: u64,
}

impl SwapHeader {
    /// The swap slots it describes.
    pub fn slots(&self) -> u64 {
        self.last_page
    }
}

/// The first page of a swap disk of `bytes` bytes, labelled `label` (at
/// most 16 bytes). A disk smaller than two pages holds no slot: `None`.
pub fn make(bytes: u64, label: &str) -> Option<[u8; PAGE as usize]> {
    let pages = bytes / PAGE;
    if pages < 2 || pages - 1 > u32::MAX as u64 {
        return None;
    }
    let mut page = [0u8; PAGE as usize];
    page[INFO..INFO + 4].copy_from_slice(&1u32.to_le_bytes());
    page[INFO + 4..INFO + 8].copy_from_slice(&((pages - 1) as u32).to_le_bytes());
    let label = &label.as_bytes()[..label.len().min(16)];
    page[LABEL..LABEL + label.len()].copy_from_slice(label);
    page[PAGE as usize - MAGIC.len()..].copy_from_slice(MAGIC);
    Some(page)
}

/// Reads the header in `page` (a disk's first page) of a disk of
/// `bytes` bytes: `None` unless it is a version-1 swap header whose last
/// page lies on the disk.
pub fn parse(page: &[u8], bytes: u64) -> Option<SwapHeader> {
    if page.len() != PAGE as usize || &page[PAGE as usize - MAGIC.len()..] != MAGIC {
        return None;
    }
    let word = |at: usize| u32::from_le_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]]);
    let (version, last_page) = (word(INFO), word(INFO + 4) as u64);
    (version == 1 && last_page >= 1 && last_page < bytes / PAGE).then_some(SwapHeader { last_page })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_header_parses_back() {
        let page = make(64 << 20, "rvsim-swap").expect("64 MiB holds slots");
        let header = parse(&page, 64 << 20).expect("a swap header");
        assert_eq!(header.last_page, (64 << 20) / PAGE - 1);
        assert_eq!(&page[LABEL..LABEL + 10], b"rvsim-swap");
    }

    #[test]
    fn data_and_broken_headers_are_not_swap() {
        assert_eq!(parse(&[0u8; 4096], 1 << 20), None, "zeros");
        let mut page = make(1 << 20, "").expect("header");
        page[INFO] = 2;
        assert_eq!(parse(&page, 1 << 20), None, "another version");
        let page = make(1 << 20, "").expect("header");
        assert_eq!(parse(&page, 1 << 19), None, "last page past the disk");
        assert_eq!(make(4096, ""), None, "one page holds no slot");
    }
}
