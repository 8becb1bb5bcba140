//! Kernel-global state on one hart.
//!
//! The kernel runs on a single hart, is never preempted in S-mode, and
//! keeps interrupts off while running kernel code (they are only enabled
//! while idle), so at most one flow of control touches kernel state at a
//! time. `Global` encodes that: `get` hands out the state, and callers
//! must not hold what it returns across a context switch (`sched`).

use core::cell::UnsafeCell;

/// A kernel-global value, initialised once at boot.
pub struct Global<T>(UnsafeCell<Option<T>>);

// SAFETY: one hart, no preemption in the kernel, interrupts off in kernel
// code: accesses never overlap (see the module documentation).
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    /// An uninitialised global.
    pub const fn new() -> Self {
        Global(UnsafeCell::new(None))
    }

    /// Sets the value (at boot).
    pub fn init(&self, value: T) {
        // SAFETY: see the module documentation.
        unsafe { *self.0.get() = Some(value) };
    }

    /// The value; panics if used before `init`.
    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &mut T {
        // SAFETY: see the module documentation.
        unsafe { (*self.0.get()).as_mut().expect("kernel global used before initialisation") }
    }
}
