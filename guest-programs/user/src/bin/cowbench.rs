//! Forks a 16 MiB process and reports the cost of fork in guest cycles and frames (run with --append cow=off to compare).
#![no_std]
#![no_main]

use rvsim_user::sys;
use rvsim_user::{Args, entry, println};

entry!(main);

const PAGE: usize = 4096;

fn main(args: Args) -> i32 {
    let mib = args.number(1, 16) as usize;
    let pages = mib * 256;
    let Some(memory) = sys::sbrk(pages * PAGE) else {
        println!("cowbench: cannot allocate {mib} MiB");
        return 1;
    };
    for page in 0..pages {
        // SAFETY: memory from sbrk.
        unsafe { memory.add(page * PAGE).write_volatile(page as u8) };
    }
    let before = sys::memstat();
    let start = sys::cycles();
    let pid = sys::fork();
    if pid == 0 {
        // Stay alive (holding what fork gave) until the parent has
        // measured and kills us.
        loop {
            sys::sleep_ms(1000);
        }
    }
    let cycles = sys::cycles() - start;
    let after = sys::memstat();
    sys::kill(pid, 9);
    sys::wait();
    if pid < 0 {
        println!("cowbench: fork failed with {pid}");
        return 1;
    }
    println!(
        "cowbench: fork of a {mib} MiB process ({pages} pages): {cycles} cycles, {} frames allocated",
        after.frames_used - before.frames_used
    );
    0
}
