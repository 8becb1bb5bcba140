//! Kernel state that many paths share, lent out one borrower at a time.
//!
//! A `Lock` holds one piece of kernel state (the process table, the
//! virtual memory manager, console input, ...). Code reaches it only
//! through `with`, which lends a `&mut` to a closure: the compiler sees
//! that the borrow cannot outlive the call, and a busy flag makes a second
//! borrow while the first is live impossible (it is a kernel bug and
//! panics, as xv6's `acquire` of a lock already held does). So no two
//! `&mut` to the same state ever exist, whatever path the kernel takes.
//!
//! On one hart with interrupts off in kernel code the flag never sees
//! contention; it is an atomic swap all the same, so the type is sound on
//! any number of harts (a busy lock panics rather than spins).
//!
//! A process gives up the hart only in `proc::sched`, which checks that it
//! holds no lock: nothing borrowed survives a context switch.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

/// Locks held right now, for `sched`'s check.
static HELD: AtomicUsize = AtomicUsize::new(0);

/// How many locks are held now (0 whenever a process may switch away).
pub fn held() -> usize {
    HELD.load(Ordering::Relaxed)
}

/// A piece of kernel state, initialised once at boot and lent out by
/// `with`.
pub struct Lock<T> {
    name: &'static str,
    busy: AtomicBool,
    value: UnsafeCell<Option<T>>,
}

// SAFETY: the value is only reached through `with` (and `init`, which
// takes the same flag), and the busy flag's atomic swap admits one
// borrower at a time, so sharing the `Lock` never shares the value.
unsafe impl<T: Send> Sync for Lock<T> {}

/// Clears a lock's busy flag when its borrow ends.
struct Release<'a>(&'a AtomicBool);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
        HELD.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> Lock<T> {
    /// An uninitialised lock called `name` (for messages).
    pub const fn new(name: &'static str) -> Self {
        Lock { name, busy: AtomicBool::new(false), value: UnsafeCell::new(None) }
    }

    /// Takes the busy flag; a second borrower is a kernel bug.
    fn acquire(&self) -> Release<'_> {
        if self.busy.swap(true, Ordering::Acquire) {
            panic!("{} used while already in use", self.name);
        }
        HELD.fetch_add(1, Ordering::Relaxed);
        Release(&self.busy)
    }

    /// Sets the value (at boot).
    pub fn init(&self, value: T) {
        let _release = self.acquire();
        // SAFETY: the busy flag is ours, so no other reference to the
        // value exists.
        unsafe { *self.value.get() = Some(value) };
    }

    /// Lends the value to `f`; panics if used before `init`. Always
    /// inlined: the trap path's locks cost a call frame each otherwise.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let _release = self.acquire();
        // SAFETY: the busy flag is ours until `_release` drops, after `f`
        // returns, and `f` cannot keep the borrow: it is the only
        // reference to the value while it lives.
        let value = unsafe { &mut *self.value.get() };
        match value.as_mut() {
            Some(value) => f(value),
            None => panic!("{} used before initialisation", self.name),
        }
    }
}

/// A value set once at boot and only read afterwards (the boot options,
/// the initrd): readers get a plain shared reference.
pub struct Once<T> {
    state: AtomicU8,
    value: UnsafeCell<Option<T>>,
}

const UNSET: u8 = 0;
const SETTING: u8 = 1;
const SET: u8 = 2;

// SAFETY: the value is written once, by the one `set` that moved the
// state from UNSET to SETTING, and published by the release store of SET;
// `get` reads it only after an acquire load sees SET, and nothing writes
// it again.
unsafe impl<T: Send + Sync> Sync for Once<T> {}

impl<T> Once<T> {
    /// An unset value.
    pub const fn new() -> Self {
        Once { state: AtomicU8::new(UNSET), value: UnsafeCell::new(None) }
    }

    /// Sets the value; a second call is a kernel bug.
    pub fn set(&self, value: T) {
        if self.state.compare_exchange(UNSET, SETTING, Ordering::Acquire, Ordering::Relaxed).is_err() {
            panic!("a boot-time value set twice");
        }
        // SAFETY: this call won the state, and nothing is published yet,
        // so no reader holds a reference.
        unsafe { *self.value.get() = Some(value) };
        self.state.store(SET, Ordering::Release);
    }

    /// The value; panics if read before `set`.
    pub fn get(&self) -> &T {
        if self.state.load(Ordering::Acquire) != SET {
            panic!("a boot-time value read before it was set");
        }
        // SAFETY: published, and never written again.
        match unsafe { &*self.value.get() } {
            Some(value) => value,
            None => unreachable!("a published value is Some"),
        }
    }
}
