//! Synchronisation for processes that share memory, built on futexes: a
//! mutex (Drepper's, from "Futexes Are Tricky") and a counting semaphore.
//! Both are plain words, so they can live in a shared-memory segment: all
//! zero is an unlocked mutex and a semaphore at 0. The kernel keys futexes
//! by physical address, so processes may attach the segment at different
//! addresses.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::sys;

/// A mutex: 0 unlocked, 1 locked, 2 locked with (possible) waiters.
#[repr(C)]
pub struct Mutex {
    state: AtomicU32,
}

impl Mutex {
    /// An unlocked mutex.
    pub const fn new() -> Mutex {
        Mutex { state: AtomicU32::new(0) }
    }

    /// The mutex at `addr` (4-byte aligned, in memory that lives as long
    /// as it is used, such as a shared-memory attachment).
    ///
    /// # Safety
    /// `addr` must be valid, aligned, and used only as a `Mutex`.
    pub unsafe fn at<'a>(addr: *mut u8) -> &'a Mutex {
        // SAFETY: the caller's promise; Mutex is one AtomicU32.
        unsafe { &*(addr as *const Mutex) }
    }

    /// Takes the mutex, sleeping in the kernel while another holds it.
    /// Returns how many times it had to sleep.
    pub fn lock(&self) -> u32 {
        let mut sleeps = 0;
        let Err(mut seen) = self.state.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed) else {
            return 0;
        };
        if seen != 2 {
            seen = self.state.swap(2, Ordering::Acquire);
        }
        while seen != 0 {
            sys::futex_wait(&self.state, 2);
            sleeps += 1;
            seen = self.state.swap(2, Ordering::Acquire);
        }
        sleeps
    }

    /// Releases the mutex, waking one sleeper if there may be one.
    pub fn unlock(&self) {
        if self.state.fetch_sub(1, Ordering::Release) != 1 {
            self.state.store(0, Ordering::Release);
            sys::futex_wake(&self.state, 1);
        }
    }
}

impl Default for Mutex {
    fn default() -> Self {
        Mutex::new()
    }
}

/// A counting semaphore: `count` units, and how many processes may be
/// sleeping for one.
#[repr(C)]
pub struct Semaphore {
    count: AtomicU32,
    waiters: AtomicU32,
}

impl Semaphore {
    /// A semaphore holding `count` units.
    pub const fn new(count: u32) -> Semaphore {
        Semaphore { count: AtomicU32::new(count), waiters: AtomicU32::new(0) }
    }

    /// The semaphore at `addr` (see [`Mutex::at`]).
    ///
    /// # Safety
    /// `addr` must be valid, aligned, and used only as a `Semaphore`.
    pub unsafe fn at<'a>(addr: *mut u8) -> &'a Semaphore {
        // SAFETY: the caller's promise.
        unsafe { &*(addr as *const Semaphore) }
    }

    /// Sets the count (before anyone uses the semaphore).
    pub fn init(&self, count: u32) {
        self.count.store(count, Ordering::Release);
    }

    /// Takes a unit, sleeping while there is none (P, or wait).
    pub fn wait(&self) {
        loop {
            let count = self.count.load(Ordering::Acquire);
            if count > 0 {
                if self.count.compare_exchange(count, count - 1, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                    return;
                }
                continue;
            }
            self.waiters.fetch_add(1, Ordering::AcqRel);
            // Sleeps only if the count is still 0: a post in between makes
            // this return at once (no wakeup is lost).
            sys::futex_wait(&self.count, 0);
            self.waiters.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Gives a unit back, waking a sleeper if there is one (V, or post).
    pub fn post(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
        if self.waiters.load(Ordering::Acquire) > 0 {
            sys::futex_wake(&self.count, 1);
        }
    }
}

/// A barrier for a fixed number of processes, reusable round after
/// round: how many have arrived, and a generation word that the last to
/// arrive moves on and the others sleep on. All zero is a fresh barrier,
/// so it can live in a shared-memory segment.
#[repr(C)]
pub struct Barrier {
    arrived: AtomicU32,
    generation: AtomicU32,
}

impl Barrier {
    /// Waits until `parties` processes (this one included) have called
    /// `wait` in this round.
    pub fn wait(&self, parties: u32) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == parties {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
            sys::futex_wake(&self.generation, i32::MAX as u32);
            return;
        }
        while self.generation.load(Ordering::Acquire) == generation {
            sys::futex_wait(&self.generation, generation);
        }
    }
}
