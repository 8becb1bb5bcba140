//! TLB workload: pointer chasing through one node per page in a random cycle (default 512 pages, 200000 steps): every load depends on the last and lands on another page.
#![no_std]
#![no_main]

use rvsim_user::workload::{PAGE, Random, pages};
use rvsim_user::{Args, entry, println};

entry!(main);

fn main(args: Args) -> i32 {
    let count = args.number(1, 512).max(2) as usize;
    let steps = args.number(2, 200_000);
    let data = pages("ptrchase", count);
    let words = PAGE / 8;
    // A random cyclic order of the pages (Sattolo's shuffle), each node at
    // a different offset in its page.
    let mut order: [u16; 4096] = [0; 4096];
    let count = count.min(order.len());
    for (i, slot) in order.iter_mut().enumerate().take(count) {
        *slot = i as u16;
    }
    let mut random = Random::new(0xc4a5e);
    for i in (1..count).rev() {
        let j = random.below(i as u64) as usize;
        order.swap(i, j);
    }
    let node = |page: usize| page * words + (page * 7) % words;
    for i in 0..count {
        let (from, to) = (order[i] as usize, order[(i + 1) % count] as usize);
        data[node(from)] = node(to) as u64;
    }
    let mut at = node(order[0] as usize);
    for _ in 0..steps {
        at = core::hint::black_box(data[at]) as usize;
    }
    println!("ptrchase: {steps} steps through {count} pages, ended at node {at}");
    0
}
