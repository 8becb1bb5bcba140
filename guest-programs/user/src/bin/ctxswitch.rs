//! TLB workload: several processes (default 4) each touching its own pages (default 8) and yielding the hart, round after round (default 2000): with ASIDs, their TLB entries survive the switches; boot with --append asid=off to flush at every switch.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, Status};
use rvsim_user::workload::{PAGE, mix, pages};
use rvsim_user::{Args, entry, println};

entry!(main);

fn work(count: usize, rounds: u64) -> u64 {
    let data = pages("ctxswitch", count);
    let words = PAGE / 8;
    let mut sum = 0;
    for round in 0..rounds {
        for page in 0..count {
            data[page * words] += round;
            sum = mix(sum, data[page * words]);
        }
        sys::sched_yield();
    }
    sum
}

fn main(args: Args) -> i32 {
    let procs = args.number(1, 4).max(1);
    let count = args.number(2, 8).max(1) as usize;
    let rounds = args.number(3, 2000);
    for _ in 1..procs {
        if sys::fork() == 0 {
            work(count, rounds);
            sys::exit(0);
        }
    }
    let sum = work(count, rounds);
    let mut ok = true;
    for _ in 1..procs {
        let (_, status) = sys::wait();
        ok &= sys::decode(status) == Status::Exited(0);
    }
    println!("ctxswitch: {procs} processes x {rounds} rounds over {count} pages each, checksum {sum:#018x}");
    if ok { 0 } else { 1 }
}
