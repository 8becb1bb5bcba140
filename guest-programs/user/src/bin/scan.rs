//! TLB workload: sequential scans of a large array (default 4 MiB, 3 passes); each page is touched in order, so a TLB misses once per page per pass however large it is, until it holds the whole array.
#![no_std]
#![no_main]

use rvsim_user::workload::{PAGE, mix, pages};
use rvsim_user::{Args, entry, println};

entry!(main);

fn main(args: Args) -> i32 {
    let mib = args.number(1, 4) as usize;
    let passes = args.number(2, 3);
    let data = pages("scan", mib * 256);
    for (i, word) in data.iter_mut().enumerate() {
        *word = i as u64;
    }
    let mut sum = 0;
    for _ in 0..passes {
        // One word in every 64 bytes: eight loads per cache line would only
        // add hits.
        for i in (0..data.len()).step_by(8) {
            sum = mix(sum, core::hint::black_box(data[i]));
        }
    }
    println!("scan: {passes} passes over {} pages, checksum {sum:#018x}", data.len() * 8 / PAGE);
    0
}
