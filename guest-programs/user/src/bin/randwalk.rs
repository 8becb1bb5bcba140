//! TLB workload: random loads over a working set of pages (default 256 pages, 200000 loads); the hit rate follows how much of the set the TLB holds.
#![no_std]
#![no_main]

use rvsim_user::workload::{PAGE, Random, mix, pages};
use rvsim_user::{Args, entry, println};

entry!(main);

fn main(args: Args) -> i32 {
    let count = args.number(1, 256).max(1) as usize;
    let loads = args.number(2, 200_000);
    let data = pages("randwalk", count);
    let words = PAGE / 8;
    for (i, word) in data.iter_mut().enumerate() {
        *word = i as u64;
    }
    let mut random = Random::new(0x5eed);
    let mut sum = 0;
    for _ in 0..loads {
        let page = random.below(count as u64) as usize;
        let word = random.below(words as u64) as usize;
        sum = mix(sum, core::hint::black_box(data[page * words + word]));
    }
    println!("randwalk: {loads} random loads over {count} pages, checksum {sum:#018x}");
    0
}
