//! Per-frame records (the reverse map's, the replacer's), allocated as
//! far as the highest frame written, a chunk at a time. The frame table
//! hands out its lowest frames first, so boot costs nothing for them and
//! a run with no memory pressure pays for paging only as far as it uses
//! frames; an index is a plain slice index.

use alloc::vec::Vec;
use core::ops::{Index, IndexMut};

/// Frames the records grow by.
const CHUNK: usize = 512;

/// A record of type `T` for each of `len` frames, all `T::default()` until
/// written.
#[derive(Debug, Default)]
pub struct FrameMap<T> {
    records: Vec<T>,
    len: usize,
    /// What every record not yet written holds.
    unwritten: T,
}

impl<T: Default + Clone> FrameMap<T> {
    /// Records for `len` frames, none allocated yet.
    pub fn new(len: usize) -> FrameMap<T> {
        FrameMap { records: Vec::new(), len, unwritten: T::default() }
    }

    /// How many frames there are records for.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are records for no frames.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T: Default + Clone> FrameMap<T> {
    /// Grows the records to cover frame `i`, to the end of its chunk.
    #[cold]
    fn grow(&mut self, i: usize) {
        let end = ((i / CHUNK + 1) * CHUNK).min(self.len);
        self.records.resize(end, T::default());
    }
}

impl<T> Index<usize> for FrameMap<T> {
    type Output = T;

    /// The record of frame `i` (panics past the end, as a slice does).
    #[inline]
    fn index(&self, i: usize) -> &T {
        assert!(i < self.len, "frame record {i} of {}", self.len);
        self.records.get(i).unwrap_or(&self.unwritten)
    }
}

impl<T: Default + Clone> IndexMut<usize> for FrameMap<T> {
    /// The record of frame `i`, the records grown to it if need be.
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        assert!(i < self.len, "frame record {i} of {}", self.len);
        if i >= self.records.len() {
            self.grow(i);
        }
        &mut self.records[i]
    }
}

#[cfg(test)]
mod tests;
