//! The cpu-mix workload in S-mode with Sv39 on, code and data in 4 KiB pages: the cost of translation (--append rounds=N).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use rvsim_baremetal::workload::{cpu_mix, rounds};

use rvsim_baremetal::{Boot, entry, println, sv39};

entry!(main);

/// Rounds to run, read from the device tree before translation is on (the
/// tree is not mapped in S-mode).
static ROUNDS: AtomicU32 = AtomicU32::new(0);

fn main(boot: Boot) -> u32 {
    ROUNDS.store(rounds(&boot), Ordering::Relaxed);
    sv39::enter_supervisor(run)
}

fn run() -> ! {
    let rounds = ROUNDS.load(Ordering::Relaxed);
    let checksum = cpu_mix(rounds);
    println!("cpu-mix-sv39: {rounds} rounds in S-mode, checksum {checksum:#018x}");
    rvsim_baremetal::exit(0)
}
