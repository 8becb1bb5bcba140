//! A floating-point mix (double matrix product, Newton square roots against fsqrt, a single-precision polynomial, conversions and comparisons) in F and D instructions, for measuring FP speed; --append rounds=N sets its length.
#![no_std]
#![no_main]

use rvsim_baremetal::fp_workload::{FP_MIX_ROUNDS, enable_fp, fp_mix};
use rvsim_baremetal::workload::rounds_or;
use rvsim_baremetal::{Boot, entry, println};

entry!(main);

fn main(boot: Boot) -> u32 {
    enable_fp();
    let rounds = rounds_or(&boot, FP_MIX_ROUNDS);
    let checksum = fp_mix(rounds);
    println!("fp-mix: {rounds} rounds, checksum {checksum:#018x}");
    0
}
