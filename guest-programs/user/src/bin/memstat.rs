//! Prints the kernel's frame and virtual-memory counters.
#![no_std]
#![no_main]

use rvsim_user::sys;
use rvsim_user::{Args, entry, println};

entry!(main);

fn main(_: Args) -> i32 {
    let m = sys::memstat();
    println!(
        "frames: {} total, {} free ({} promised to copy-on-write), {} used",
        m.frames_total, m.frames_free, m.frames_promised, m.frames_used
    );
    println!(
        "page faults: {}; COW faults {}, copies {}, reuses {}; zero-filled pages {}",
        m.page_faults, m.cow_faults, m.cow_copies, m.cow_reuses, m.demand_zero
    );
    println!(
        "shared pages table: {} frames, {} hits, {} misses; shared memory: {} segments, {} frames",
        m.shared_frames, m.shared_hits, m.shared_misses, m.shm_segments, m.shm_frames
    );
    0
}
