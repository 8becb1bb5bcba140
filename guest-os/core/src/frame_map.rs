//! Per-frame records (the reverse map's, the replacer's) kept a chunk of
//! frames at a time, each chunk allocated the first time one of its
//! frames is written. Boot costs nothing for them, and RAM that never
//! holds a user page never gets a record: a run with no memory pressure
//! pays for paging only as far as it uses frames.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ops::{Index, IndexMut};

/// Frames per chunk.
const CHUNK: usize = 512;

/// A record of type `T` for each of `len` frames, all `T::default()` until
/// written.
#[derive(Debug, Default)]
pub struct FrameMap<T> {
    chunks: Vec<Option<Box<[T]>>>,
    len: usize,
    /// What every record not yet written holds.
    unwritten: T,
}

impl<T: Default + Clone> FrameMap<T> {
    /// Records for `len` frames, none allocated yet.
    pub fn new(len: usize) -> FrameMap<T> {
        FrameMap { chunks: alloc::vec![None; len.div_ceil(CHUNK)], len, unwritten: T::default() }
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

impl<T> Index<usize> for FrameMap<T> {
    type Output = T;

    /// The record of frame `i` (panics past the end, as a slice does).
    #[inline]
    fn index(&self, i: usize) -> &T {
        assert!(i < self.len, "frame record {i} of {}", self.len);
        match &self.chunks[i / CHUNK] {
            Some(chunk) => &chunk[i % CHUNK],
            None => &self.unwritten,
        }
    }
}

impl<T: Default + Clone> IndexMut<usize> for FrameMap<T> {
    /// The record of frame `i`, its chunk allocated if need be.
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut T {
        assert!(i < self.len, "frame record {i} of {}", self.len);
        let chunk = self.chunks[i / CHUNK].get_or_insert_with(|| alloc::vec![T::default(); CHUNK].into_boxed_slice());
        &mut chunk[i % CHUNK]
    }
}

#[cfg(test)]
mod tests;
