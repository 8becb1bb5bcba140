//! The newc reader against archives written here field by field (the
//! emulator's tests check it against the cpio crate's writer too).

use alloc::format;
use alloc::vec::Vec;

use super::*;

/// Appends one newc entry (`magic` 070701 or 070702) to `archive`.
fn push(archive: &mut Vec<u8>, magic: &str, name: &str, data: &[u8]) {
    let fields = [1, 0o100_644, 0, 0, 1, 0, data.len(), 0, 0, 0, 0, name.len() + 1, 0];
    archive.extend_from_slice(magic.as_bytes());
    for field in fields {
        archive.extend_from_slice(format!("{field:08X}").as_bytes());
    }
    archive.extend_from_slice(name.as_bytes());
    archive.push(0);
    archive.resize(archive.len().next_multiple_of(4), 0);
    archive.extend_from_slice(data);
    archive.resize(archive.len().next_multiple_of(4), 0);
}

fn archive(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut archive = Vec::new();
    for (name, data) in files {
        push(&mut archive, "070701", name, data);
    }
    push(&mut archive, "070701", TRAILER, b"");
    archive
}

#[test]
fn every_file_comes_back_in_order_whatever_the_padding() {
    // Names and sizes of every length modulo 4, so each padding occurs.
    let data: Vec<Vec<u8>> = (0..8u8).map(|i| (0..i * 3 + 1).map(|b| b ^ i).collect()).collect();
    let names = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg", "hhhhhhhh"];
    let stored: Vec<(&str, &[u8])> = names.iter().zip(&data).map(|(n, d)| (*n, d.as_slice())).collect();
    let bytes = archive(&stored);
    let read: Vec<Entry> = files(&bytes).collect();
    let expected: Vec<Entry> = stored.iter().map(|(name, data)| Entry { name, data }).collect();
    assert_eq!(read, expected);
}

#[test]
fn the_trailer_ends_the_archive_and_nothing_after_it_is_read() {
    let mut bytes = archive(&[("init", b"one")]);
    push(&mut bytes, "070701", "after", b"two");
    let names: Vec<&str> = files(&bytes).map(|e| e.name).collect();
    assert_eq!(names, ["init"]);
}

#[test]
fn crc_archives_read_the_same() {
    let mut bytes = Vec::new();
    push(&mut bytes, "070702", "sh", b"#!");
    push(&mut bytes, "070702", TRAILER, b"");
    assert_eq!(files(&bytes).collect::<Vec<_>>(), [Entry { name: "sh", data: b"#!" }]);
}

#[test]
fn a_malformed_or_truncated_archive_stops_at_the_damage() {
    let good = archive(&[("one", b"1111"), ("two", b"2222")]);
    // A bad magic in the second header.
    let mut bad = good.clone();
    let second = bad.windows(6).skip(1).position(|w| w == b"070701").expect("a second header") + 1;
    bad[second] = b'X';
    assert_eq!(files(&bad).map(|e| e.name).collect::<Vec<_>>(), ["one"]);
    // A size that is not hexadecimal.
    let mut bad = good.clone();
    bad[second + FILESIZE] = b'z';
    assert_eq!(files(&bad).count(), 1);
    // Cut anywhere: never a panic, and only whole files.
    for cut in 0..good.len() {
        for entry in files(&good[..cut]) {
            assert!(matches!(entry.name, "one" | "two") && entry.data.len() == 4, "cut at {cut}: {entry:?}");
        }
    }
    // A file size past the end of the archive.
    let mut bad = good;
    bad[FILESIZE..FILESIZE + 8].copy_from_slice(b"7FFFFFFF");
    assert_eq!(files(&bad).count(), 0);
}
