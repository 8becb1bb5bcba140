//! Records read as default until written, and memory grows only as far as
//! the frames written.

use super::*;

#[test]
fn unwritten_records_read_as_default_and_written_ones_keep_their_value() {
    let mut map: FrameMap<u32> = FrameMap::new(3 * CHUNK + 5);
    assert_eq!((map.len(), map[0], map[3 * CHUNK + 4]), (3 * CHUNK + 5, 0, 0));
    map[CHUNK + 7] = 42;
    map[3 * CHUNK + 4] = 9;
    assert_eq!((map[CHUNK + 7], map[CHUNK + 6], map[3 * CHUNK + 4]), (42, 0, 9));
    assert_eq!(map.records.len(), 3 * CHUNK + 5, "grown as far as the highest frame written");
    let mut low: FrameMap<u32> = FrameMap::new(3 * CHUNK);
    low[3] = 1;
    assert_eq!(low.records.len(), CHUNK, "one chunk for the lowest frames");
}

#[test]
#[should_panic(expected = "frame record 10 of 10")]
fn a_record_past_the_end_is_a_bug_as_in_a_slice() {
    let map: FrameMap<u8> = FrameMap::new(10);
    let _ = map[10];
}
