//! Every process forks until fork fails, then reaps its children and exits: fork must fail cleanly (-EAGAIN or -ENOMEM) and every frame must come back.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, errno};
use rvsim_user::{Args, entry, println};

entry!(main);

fn main(_: Args) -> i32 {
    let baseline = sys::memstat();
    // Parent and children alike fork until fork fails. A child carries on
    // in the same loop, on the same stack frame, so the bomb's only memory
    // is what fork itself takes.
    let mut is_child = false;
    let failure = loop {
        match sys::fork() {
            0 => is_child = true,
            pid if pid < 0 => break pid,
            _ => {}
        }
    };
    let clean = failure == -errno::EAGAIN || failure == -errno::ENOMEM;
    // Reap: a child whose subtree all failed cleanly exits 0.
    let mut bad_children = 0;
    loop {
        let (pid, status) = sys::wait();
        if pid < 0 {
            break;
        }
        if status != 0 {
            bad_children += 1;
        }
    }
    if is_child {
        sys::exit(if clean && bad_children == 0 { 0 } else { 1 });
    }
    let after = sys::memstat();
    let how = match -failure {
        errno::EAGAIN => "EAGAIN (no process slot left)",
        errno::ENOMEM => "ENOMEM (no memory left)",
        _ => "an unexpected error",
    };
    println!("forkbomb: fork failed with {how}");
    println!("forkbomb: every process saw fork fail cleanly: {}", if bad_children == 0 { "ok" } else { "WRONG" });
    let same = after.frames_used_but_text() == baseline.frames_used_but_text() && after.committed == baseline.committed;
    println!("forkbomb: all frames back after the bomb: {}", if same { "ok" } else { "WRONG" });
    if bad_children == 0 && same && clean { 0 } else { 1 }
}
