//! A CPU-bound mix (hashing, sorting, matrix multiply, copies, a state machine) for measuring interpreter speed.
#![no_std]
#![no_main]

use rvsim_baremetal::workload::{CPU_MIX_ROUNDS, cpu_mix};
use rvsim_baremetal::{Boot, entry, println};

entry!(main);

fn main(_: Boot) -> u32 {
    let checksum = cpu_mix(CPU_MIX_ROUNDS);
    println!("cpu-mix: {CPU_MIX_ROUNDS} rounds, checksum {checksum:#018x}");
    0
}
