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

/// The child's exit status when fork had copied every page (cow=off).
const EAGER: i32 = 3;

/// The child's side: says what fork took, writes the first half of the
/// pages and checks the second still holds the parent's data. It measures
/// fork, not the parent: the parent frees nothing until the child has
/// gone, whereas a measurement of the parent's could come after the child
/// exited (the scheduler may run the child first). Returns its status:
/// 0 (copy-on-write) or [`EAGER`] when all is well, 1 when not.
fn child(pages: *mut u8, n: usize, before_fork: &MemStat) -> i32 {
    let half = n / 2;
    let took = sys::memstat().frames_used - before_fork.frames_used;
    let eager = took >= n as u64;
    if eager {
        println!("cowtest: fork copied every page at once: {took} frames");
    } else {
        println!(
            "cowtest: fork took {took} frames (page tables, kernel stack, the stack pages written since); copying would \
             have taken {n} more"
        );
    }
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
    match (intact && copies == expected, eager) {
        (false, _) => 1,
        (true, false) => 0,
        (true, true) => EAGER,
    }
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
    if pid == 0 {
        sys::exit(child(pages, n, &before_fork));
    }
    // The child said what fork did: with the boot argument cow=off it
    // copied every page at once.
    let (_, status) = sys::wait();
    let eager = match sys::decode(status) {
        Status::Exited(0) => false,
        Status::Exited(EAGER) => true,
        _ => {
            println!("cowtest: child failed");
            return 1;
        }
    };
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
