//! One instance for sharedtext: runs its code, reports ready through shared memory, and waits there until told to exit.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use rvsim_user::sys;
use rvsim_user::{Args, entry};

entry!(main);

/// The rendezvous sharedtext sets up: how many instances are ready, and
/// whether they may go.
#[repr(C)]
pub struct Rendezvous {
    ready: AtomicU32,
    go: AtomicU32,
}

fn main(args: Args) -> i32 {
    let id = args.number(1, u64::MAX) as isize;
    let addr = sys::shmat(id, 0, 0);
    if addr < 0 {
        return 1;
    }
    // SAFETY: sharedtext's segment, laid out as a Rendezvous.
    let rendezvous = unsafe { &*(addr as *const Rendezvous) };
    rendezvous.ready.fetch_add(1, Ordering::AcqRel);
    sys::futex_wake(&rendezvous.ready, 1);
    while rendezvous.go.load(Ordering::Acquire) == 0 {
        sys::futex_wait(&rendezvous.go, 0);
    }
    0
}
