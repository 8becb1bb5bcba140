//! Frame pools: fixed allocation with local replacement, the textbook's
//! alternative to the global replacement the pager does by default. A
//! process gives a range of its private pages a pool of `frames` frames
//! and a policy of its own: its pages there never hold more frames than
//! that, and when a fault in the range finds the pool full, one of the
//! range's own pages is evicted, chosen by the pool's policy. The rest of
//! memory is neither taken from nor given to: global reclaim does not
//! choose pool pages, and a pool's faults do not evict anyone else's.
//!
//! With a pool the number of page faults a reference string causes is
//! exact, whatever else runs: the `belady` program shows FIFO's anomaly
//! (more faults with 4 frames than with 3) with it.
//!
//! Shared pages (text, shared memory) in the range stay global: a pool
//! holds only the pages its process faults in privately (zero-filled,
//! copied on write, or back from swap). A pool ends with its address
//! space (exit, exec), or when its process removes it.

use alloc::vec::Vec;

use crate::replace::{Policy, Replacer};

/// One pool.
#[derive(Debug)]
pub struct Pool {
    /// The root of the page table whose range it is.
    pub root: u64,
    /// The range's first address (page-aligned).
    pub start: u64,
    /// The address past its end.
    pub end: u64,
    /// The most frames its pages may hold.
    pub frames: usize,
    /// Its pages in memory, and its policy.
    pub replacer: Replacer,
}

impl Pool {
    /// Whether the pool's pages hold all its frames.
    pub fn full(&self) -> bool {
        self.replacer.len() >= self.frames
    }
}

/// Why a pool cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolError {
    /// An empty or unaligned range, or no frames.
    Invalid,
    /// The range overlaps another pool of the same process.
    Overlaps,
}

/// Every pool, of every process.
#[derive(Debug)]
pub struct Pools {
    pools: Vec<Pool>,
    /// The frames the replacers cover (as the pager's).
    base: u64,
    count: usize,
}

impl Pools {
    /// No pools, for the `count` frames from `base`.
    pub fn new(base: u64, count: usize) -> Pools {
        Pools { pools: Vec::new(), base, count }
    }

    /// Makes a pool of `frames` frames with `policy` for `[start, end)` of
    /// the space rooted at `root`.
    pub fn create(&mut self, root: u64, start: u64, end: u64, frames: usize, policy: Policy) -> Result<(), PoolError> {
        if start >= end || !start.is_multiple_of(crate::PAGE) || !end.is_multiple_of(crate::PAGE) || frames == 0 {
            return Err(PoolError::Invalid);
        }
        if self.pools.iter().any(|p| p.root == root && p.start < end && start < p.end) {
            return Err(PoolError::Overlaps);
        }
        let replacer = Replacer::new(policy, 0, self.base, self.count);
        self.pools.push(Pool { root, start, end, frames, replacer });
        Ok(())
    }

    /// Removes the pool of exactly `[start, end)` of `root`'s space; its
    /// pages stay in memory, and are returned (their frames) for the
    /// global replacer to take back.
    pub fn remove(&mut self, root: u64, start: u64, end: u64) -> Option<Vec<u64>> {
        let i = self.pools.iter().position(|p| p.root == root && p.start == start && p.end == end)?;
        let mut pool = self.pools.swap_remove(i);
        Some(pool.replacer.drain())
    }

    /// Forgets the pools of `root`'s space (it is being destroyed: its
    /// pages are freed one by one as it goes).
    pub fn remove_space(&mut self, root: u64) {
        self.pools.retain(|p| p.root != root);
    }

    /// The pool holding `va` of `root`'s space, if any.
    pub fn find(&self, root: u64, va: u64) -> Option<usize> {
        if self.pools.is_empty() {
            return None;
        }
        self.pools.iter().position(|p| p.root == root && p.start <= va && va < p.end)
    }

    /// The pool at `index`.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut Pool> {
        self.pools.get_mut(index)
    }

    /// `frame` was freed: it leaves whichever pool held it.
    pub fn forget(&mut self, frame: u64) {
        for pool in &mut self.pools {
            pool.replacer.remove(frame);
        }
    }

    /// Whether `frame` is in a pool.
    pub fn holds(&self, frame: u64) -> bool {
        self.pools.iter().any(|p| p.replacer.contains(frame))
    }
}

#[cfg(test)]
mod tests;
