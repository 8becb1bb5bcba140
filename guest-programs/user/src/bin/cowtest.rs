//! Fills pages, forks, and has each side write half: only the written pages are copied, and each side keeps seeing its own data.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, MemStat, Status};
use rvsim_user::{Args, entry, println};

entry!(main);

const PAGE: usize = 4096;

fn fill(pages: *mut u8, range: core::ops::Range<usize>, value: u8) {
    for page in range {
        // SAFETY: the pages were obtained from sbrk.
        unsafe { core::ptr::write_bytes(pages.add(page * PAGE), value, PAGE) };
    }
}

fn all(pages: *mut u8, range: core::ops::Range<usize>, value: u8) -> bool {
    range.into_iter().all(|page| {
        // SAFETY: as above.
        let bytes = unsafe { core::slice::from_raw_parts(pages.add(page * PAGE), PAGE) };
        bytes.iter().all(|&b| b == value)
    })
}

fn delta(after: MemStat, before: MemStat) -> (u64, u64, u64) {
    (after.cow_faults - before.cow_faults, after.cow_copies - before.cow_copies, after.cow_reuses - before.cow_reuses)
}

fn main(args: Args) -> i32 {
    // At least 32 pages, so that copying them all (cow=off) is told apart
    // from fork's own page tables and kernel stack.
    let n = (args.number(1, 64) as usize).max(32);
    let half = n / 2;
    let Some(pages) = sys::sbrk(n * PAGE) else {
        println!("cowtest: cannot allocate {n} pages");
        return 1;
    };
    fill(pages, 0..n, 0xaa);
    println!("cowtest: parent filled {n} pages");
    let before_fork = sys::memstat();
    let pid = sys::fork();
    // With the boot argument cow=off, fork copied every page at once.
    let eager = sys::memstat().frames_used - before_fork.frames_used >= n as u64;
    if pid == 0 {
        let before = sys::memstat();
        fill(pages, 0..half, 0xcc);
        let after = sys::memstat();
        let intact = all(pages, half..n, 0xaa);
        let (faults, copies, _) = delta(after, before);
        println!("cowtest: child wrote {half} pages: {faults} COW faults, {copies} copies");
        println!(
            "cowtest: child sees the parent's data in the other {}: {}",
            n - half,
            if intact { "ok" } else { "WRONG" }
        );
        let expected = if eager { 0 } else { half as u64 };
        sys::exit(if intact && copies == expected { 0 } else { 1 });
    }
    let after_fork = sys::memstat();
    if eager {
        println!(
            "cowtest: fork copied every page at once: {} frames",
            after_fork.frames_used - before_fork.frames_used
        );
    } else {
        println!(
            "cowtest: fork took {} frames (page tables and kernel stack); copying would have taken {} more",
            after_fork.frames_used - before_fork.frames_used,
            n
        );
    }
    let (_, status) = sys::wait();
    if sys::decode(status) != Status::Exited(0) {
        println!("cowtest: child failed");
        return 1;
    }
    let before = sys::memstat();
    fill(pages, half..n, 0xdd);
    let after = sys::memstat();
    let (faults, copies, reuses) = delta(after, before);
    let intact = all(pages, 0..half, 0xaa);
    println!(
        "cowtest: parent wrote {} pages after the child exited: {faults} COW faults, {copies} copies, {reuses} reuses",
        n - half
    );
    println!("cowtest: parent sees its own data in the first {half}: {}", if intact { "ok" } else { "WRONG" });
    let expected_reuses = if eager { 0 } else { (n - half) as u64 };
    let ok = intact && copies == 0 && reuses == expected_reuses;
    let verdict = match (ok, eager) {
        (false, _) => "FAILED",
        (true, false) => "only the pages written while shared were copied",
        (true, true) => "no copy-on-write: fork had copied every page",
    };
    println!("cowtest: {verdict}");
    if ok { 0 } else { 1 }
}
