//! TLB workload: fork after fork (default 20), each child writing every page of its parent's data (default 32 pages): copy-on-write faults and the sfence.vma that follow each.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, Status};
use rvsim_user::workload::{PAGE, pages};
use rvsim_user::{Args, entry, println};

entry!(main);

fn main(args: Args) -> i32 {
    let forks = args.number(1, 20);
    let count = args.number(2, 32).max(1) as usize;
    let data = pages("forkstorm", count);
    let words = PAGE / 8;
    for page in 0..count {
        data[page * words] = page as u64;
    }
    let before = sys::memstat();
    for round in 0..forks {
        match sys::fork() {
            0 => {
                for page in 0..count {
                    data[page * words] += round;
                }
                sys::exit(0);
            }
            pid if pid < 0 => {
                println!("forkstorm: fork failed: {pid}");
                return 1;
            }
            _ => {
                let (_, status) = sys::wait();
                if sys::decode(status) != Status::Exited(0) {
                    return 1;
                }
            }
        }
    }
    let after = sys::memstat();
    println!(
        "forkstorm: {forks} forks, each child writing {count} pages: {} COW faults, {} copies",
        after.cow_faults - before.cow_faults,
        after.cow_copies - before.cow_copies
    );
    0
}
