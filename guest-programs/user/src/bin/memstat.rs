//! Prints the kernel's frame and virtual-memory counters.
#![no_std]
#![no_main]

use rvsim_user::sys;
use rvsim_user::{Args, entry, println};

entry!(main);

fn main(_: Args) -> i32 {
    let m = sys::memstat();
    println!(
        "frames: {} total, {} free, {} used ({} of a budget of {} hold user pages)",
        m.frames_total, m.frames_free, m.frames_used, m.user_frames, m.frame_budget
    );
    println!(
        "committed: {} of {} pages (the user-frame budget, less a reserve for program text, plus swap)",
        m.committed, m.commit_limit
    );
    println!(
        "page faults: {} ({} major); COW faults {}, copies {}, reuses {}; zero-filled pages {}",
        m.page_faults, m.major_faults, m.cow_faults, m.cow_copies, m.cow_reuses, m.demand_zero
    );
    println!(
        "shared pages table: {} frames, {} hits, {} misses; shared memory: {} segments, {} frames",
        m.shared_frames, m.shared_hits, m.shared_misses, m.shm_segments, m.shm_frames
    );
    println!(
        "paging: {} page-ins, {} page-outs, {} pages dropped; swap: {} of {} slots used",
        m.page_ins, m.page_outs, m.drops, m.swap_used, m.swap_total
    );
    if m.dsm_messages_sent + m.dsm_messages_received > 0 {
        println!(
            "distributed shared memory: {} read and {} write faults, {} cycles waited; pages sent {}, received {}; invalidations sent {}, received {}; messages sent {}, received {}; bytes sent {}, received {}",
            m.dsm_read_faults,
            m.dsm_write_faults,
            m.dsm_wait_cycles,
            m.dsm_pages_sent,
            m.dsm_pages_received,
            m.dsm_invalidations_sent,
            m.dsm_invalidations_received,
            m.dsm_messages_sent,
            m.dsm_messages_received,
            m.dsm_bytes_sent,
            m.dsm_bytes_received
        );
    }
    0
}
