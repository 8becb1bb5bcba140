//! A CoreMark-like CPU-bound mix (hashing, sorting, matrix multiply, copies, a state machine, linked lists) for measuring interpreter speed; --append rounds=N sets its length.
#![no_std]
#![no_main]

use rvsim_baremetal::workload::{cpu_mix, rounds};
use rvsim_baremetal::{Boot, entry, println};

entry!(main);

fn main(boot: Boot) -> u32 {
    let rounds = rounds(&boot);
    let checksum = cpu_mix(rounds);
    println!("cpu-mix: {rounds} rounds, checksum {checksum:#018x}");
    0
}
