//! A barrier for the cluster's threads that spins before it yields.
//!
//! A quantum lasts a few microseconds to a few milliseconds of host time;
//! `std::sync::Barrier` puts waiters to sleep and wakes them through the
//! kernel, which at short quanta costs more than the quantum itself. The
//! cluster never runs more threads than the host has cores, so a waiter
//! can afford to spin a while; after that it yields its core, so an
//! oversubscribed host still makes progress.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Spins before a waiter starts yielding.
const SPINS: u32 = 1 << 14;

/// A reusable barrier for `parties` threads.
pub struct SpinBarrier {
    parties: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
}

impl SpinBarrier {
    /// A barrier that opens when `parties` threads wait at it.
    pub fn new(parties: usize) -> SpinBarrier {
        SpinBarrier { parties: parties.max(1), arrived: AtomicUsize::new(0), generation: AtomicUsize::new(0) }
    }

    /// Waits until every party has arrived. What each thread wrote before
    /// arriving is visible to every thread after.
    pub fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.parties {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::AcqRel);
            return;
        }
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            if spins < SPINS {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn no_thread_passes_before_all_arrive() {
        let barrier = SpinBarrier::new(3);
        let counter = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for round in 1..=200u64 {
                        counter.fetch_add(1, Ordering::SeqCst);
                        barrier.wait();
                        assert!(counter.load(Ordering::SeqCst) >= round * 3);
                        barrier.wait();
                    }
                });
            }
        });
        assert_eq!(counter.load(Ordering::SeqCst), 600);
    }
}
