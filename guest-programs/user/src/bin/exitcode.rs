//! Exits with the status given as its argument (for testing exit statuses).
#![no_std]
#![no_main]

use rvsim_user::{Args, entry};

entry!(main);

fn main(args: Args) -> i32 {
    args.number(1, 0) as i32
}
