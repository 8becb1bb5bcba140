//! Distributed shared memory: each process (one per node under `rvsim cluster`) adds to one counter in a segment shared by key, under a futex mutex; after a barrier the total must be exact (`dsmcounter [processes] [increments]`; try rvsim cluster --nodes 4 dsmcounter 4).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use rvsim_user::sync::{Barrier, Mutex};
use rvsim_user::sys;
use rvsim_user::{Args, entry, println};

entry!(main);

/// The segment's key: the same on every node.
const KEY: i32 = 0x4453_4d31;

/// The segment's layout.
#[repr(C)]
struct Shared {
    mutex: Mutex,
    barrier: Barrier,
    joined: AtomicU32,
    counter: u64,
}

fn main(args: Args) -> i32 {
    let processes = args.number(1, 1) as u32;
    let increments = args.number(2, 1000);
    let shared = match sys::attach_key(KEY, core::mem::size_of::<Shared>()) {
        // SAFETY: a segment of at least this size, zeroed at creation: an
        // unlocked mutex, a fresh barrier, zero counts.
        Ok(addr) => unsafe { &mut *(addr as *mut Shared) },
        Err(why) => {
            println!("dsmcounter: cannot attach the segment: {why}");
            return 1;
        }
    };
    let rank = shared.joined.fetch_add(1, Ordering::AcqRel);
    shared.barrier.wait(processes);
    let start = sys::cycles();
    for _ in 0..increments {
        shared.mutex.lock();
        // A read-modify-write that is not atomic: only the mutex keeps
        // increments from being lost.
        // SAFETY: the counter is in the segment, and the mutex is held.
        unsafe {
            let counter = &raw mut shared.counter;
            counter.write_volatile(counter.read_volatile() + 1);
        }
        shared.mutex.unlock();
    }
    shared.barrier.wait(processes);
    let cycles = sys::cycles() - start;
    // SAFETY: every process has passed the barrier: no one writes it now.
    let counter = unsafe { (&raw const shared.counter).read_volatile() };
    let expected = processes as u64 * increments;
    let verdict = if counter == expected { "exact" } else { "WRONG" };
    println!(
        "dsmcounter: process {rank} of {processes} added {increments} in {cycles} cycles; counter {counter}, expected {expected}: {verdict}"
    );
    rvsim_user::dsm::print_traffic("dsmcounter");
    if counter == expected { 0 } else { 1 }
}
