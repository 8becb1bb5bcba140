//! The cpu-mix workload in S-mode with Sv39 on, code and data in 4 KiB pages: the cost of translation.
#![no_std]
#![no_main]

use rvsim_baremetal::workload::{CPU_MIX_ROUNDS, cpu_mix};
use rvsim_baremetal::{Boot, entry, println, sv39};

entry!(main);

fn main(_: Boot) -> u32 {
    sv39::enter_supervisor(run)
}

fn run() -> ! {
    let checksum = cpu_mix(CPU_MIX_ROUNDS);
    println!("cpu-mix-sv39: {CPU_MIX_ROUNDS} rounds in S-mode, checksum {checksum:#018x}");
    rvsim_baremetal::exit(0)
}
