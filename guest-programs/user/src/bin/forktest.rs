//! Forks hundreds of children, which exit with different codes; the parent checks every status.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, Status};
use rvsim_user::{Args, entry, println};

entry!(main);

fn main(args: Args) -> i32 {
    let rounds = args.number(1, 10) as usize;
    let batch = 20;
    let baseline = sys::memstat();
    let mut checked = 0;
    for round in 0..rounds {
        let mut pids = [0isize; 20];
        for (i, slot) in pids.iter_mut().enumerate() {
            let pid = sys::fork();
            if pid == 0 {
                sys::exit(((round * batch + i) % 200) as i32);
            }
            if pid < 0 {
                println!("forktest: fork failed with {pid}");
                return 1;
            }
            *slot = pid;
        }
        // Reap in reverse order of creation, by pid, to check wait4's pid
        // argument; each status must be the code that child exited with.
        for (i, &pid) in pids.iter().enumerate().rev() {
            let (got, status) = sys::wait4(pid, 0);
            let expected = ((round * batch + i) % 200) as i32;
            if got != pid || sys::decode(status) != Status::Exited(expected) {
                println!("forktest: child {pid}: wait4 gave {got}, status {status:#x}, expected exit {expected}");
                return 1;
            }
            checked += 1;
        }
    }
    let (none, _) = sys::wait();
    if none != -10 {
        println!("forktest: wait with no children gave {none}, expected -ECHILD");
        return 1;
    }
    println!("forktest: {checked} children forked and reaped, every exit status right");
    let back = sys::memstat().frames_used_but_text() == baseline.frames_used_but_text();
    println!("forktest: every frame came back: {}", if back { "ok" } else { "WRONG" });
    if back { 0 } else { 1 }
}
