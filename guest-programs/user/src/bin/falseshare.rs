//! Distributed shared memory: two processes (on two nodes under `rvsim cluster`) each write their own word, first with both words on one page, so that the page goes back and forth between the nodes (false sharing), then with the words a page apart (`falseshare [processes] [writes]`; try rvsim cluster --nodes 2 falseshare 2).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use rvsim_user::sync::Barrier;
use rvsim_user::{Args, entry, println, sys};

entry!(main);

/// The segment's key: the same on every node.
const KEY: i32 = 0x4453_4d33;
/// Words in a page.
const WORDS: usize = 512;

/// The segment: the barrier and the count of processes alone on the first
/// page, then two pages of words.
#[repr(C)]
struct Shared {
    barrier: Barrier,
    joined: AtomicU32,
    _pad: [u64; WORDS - 2],
    words: [u64; 2 * WORDS],
}

fn main(args: Args) -> i32 {
    let processes = args.number(1, 2).max(1) as u32;
    let writes = args.number(2, 2000);
    let shared = match sys::attach_key(KEY, core::mem::size_of::<Shared>()) {
        // SAFETY: a segment of this size, zeroed at creation.
        Ok(addr) => unsafe { &mut *(addr as *mut Shared) },
        Err(why) => {
            println!("falseshare: cannot attach the segment: {why}");
            return 1;
        }
    };
    let rank = shared.joined.fetch_add(1, Ordering::AcqRel) as usize;
    let mut ok = true;
    for (what, stride) in [("one page", 1), ("a page apart", WORDS)] {
        shared.barrier.wait(processes);
        let start = sys::cycles();
        let word = &raw mut shared.words[(rank * stride) % (2 * WORDS)];
        for i in 1..=writes {
            // SAFETY: this process's own word of the segment.
            unsafe { word.write_volatile(i) };
        }
        shared.barrier.wait(processes);
        let cycles = sys::cycles() - start;
        // SAFETY: as above; everyone has finished writing.
        let last = unsafe { word.read_volatile() };
        ok &= last == writes;
        println!("falseshare: process {rank}: {writes} writes to its word, words on {what}: {cycles} cycles");
    }
    if ok { 0 } else { 1 }
}
