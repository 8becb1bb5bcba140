//! FIFO versus clock on the classic reference string 1 2 3 4 1 2 5 1 2 3 4 5 (or one given as arguments) with an exact frame budget: the string's pages get a frame pool of 3, then 4 frames, and every page fault is counted as it happens; Belady's optimal and exact LRU, computed offline, for comparison (`belady [PAGE...]`).
#![no_std]
#![no_main]

use core::ptr::read_volatile;

use rvsim_abi::pool;
use rvsim_user::workload::PAGE;
use rvsim_user::{Args, entry, print, println, sys};

entry!(main);

/// The classic string, from Belady, Nelson and Shedler (1969).
const CLASSIC: [usize; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];
/// Longest string and highest page number taken from the arguments.
const MAX_REFERENCES: usize = 64;
const MAX_PAGE: usize = 63;
/// The frame budgets compared.
const FRAMES: [usize; 2] = [3, 4];

/// A reference string.
struct Refs {
    pages: [usize; MAX_REFERENCES],
    len: usize,
}

impl Refs {
    fn as_slice(&self) -> &[usize] {
        &self.pages[..self.len]
    }
}

/// The string from the arguments, or the classic one.
fn reference_string(args: &Args) -> Option<Refs> {
    let mut refs = Refs { pages: [0; MAX_REFERENCES], len: 0 };
    if args.len() <= 1 {
        refs.pages[..CLASSIC.len()].copy_from_slice(&CLASSIC);
        refs.len = CLASSIC.len();
        return Some(refs);
    }
    for i in 1..args.len() {
        let page: usize = args.get(i).parse().ok().filter(|&p| p <= MAX_PAGE)?;
        *refs.pages.get_mut(refs.len)? = page;
        refs.len += 1;
    }
    Some(refs)
}

/// Runs the string over fresh heap pages in a pool of `frames` frames
/// replaced by `policy`: which references faulted (the kernel's own
/// count, read before and after each one), or None if the pool could
/// not be had.
fn run(refs: &[usize], frames: usize, policy: u64) -> Option<[bool; MAX_REFERENCES]> {
    let pages = refs.iter().max().copied().unwrap_or(0) + 1;
    let heap = sys::brk(0);
    let base = sys::sbrk((pages + 1) * PAGE)? as usize;
    let start = base.next_multiple_of(PAGE);
    let len = pages * PAGE;
    let made = sys::frame_pool(start, len, frames, policy);
    let mut faulted = [false; MAX_REFERENCES];
    if made == 0 {
        for (i, &page) in refs.iter().enumerate() {
            let before = sys::memstat().page_faults;
            // SAFETY: a heap page of this process, read as a plain word.
            unsafe { read_volatile((start + page * PAGE) as *const u64) };
            faulted[i] = sys::memstat().page_faults > before;
        }
        sys::frame_pool(start, len, 0, policy);
    }
    sys::brk(heap);
    (made == 0).then_some(faulted)
}

/// Belady's MIN: on a fault with memory full, evict the page used
/// furthest in the future (or never again).
fn optimal(refs: &[usize], frames: usize) -> usize {
    let mut resident = [usize::MAX; MAX_REFERENCES];
    let mut faults = 0;
    for (i, page) in refs.iter().enumerate() {
        if resident[..frames].contains(page) {
            continue;
        }
        faults += 1;
        let next_use = |p: usize| refs[i + 1..].iter().position(|&r| r == p).unwrap_or(usize::MAX);
        let victim =
            (0..frames).max_by_key(|&k| if resident[k] == usize::MAX { usize::MAX } else { next_use(resident[k]) });
        resident[victim.unwrap_or(0)] = *page;
    }
    faults
}

/// Exact LRU: on a fault with memory full, evict the page used longest
/// ago.
fn lru(refs: &[usize], frames: usize) -> usize {
    let mut last_use = [0usize; MAX_PAGE + 1];
    let mut resident = [usize::MAX; MAX_REFERENCES];
    let mut faults = 0;
    for (i, &page) in refs.iter().enumerate() {
        if !resident[..frames].contains(&page) {
            faults += 1;
            let free = resident[..frames].iter().position(|&p| p == usize::MAX);
            let victim = free.or_else(|| (0..frames).min_by_key(|&k| last_use[resident[k]]));
            resident[victim.unwrap_or(0)] = page;
        }
        last_use[page] = i + 1;
    }
    faults
}

/// Prints one run: its faults and where they were.
fn show(name: &str, frames: usize, refs: &[usize], faulted: &[bool]) -> usize {
    let faults = faulted[..refs.len()].iter().filter(|&&f| f).count();
    print!("belady: {name:<5} with {frames} frames: {faults:>2} faults  ");
    for &f in &faulted[..refs.len()] {
        print!(" {}", if f { "F" } else { "." });
    }
    println!();
    faults
}

fn main(args: Args) -> i32 {
    let Some(refs) = reference_string(&args) else {
        println!("belady: usage: belady [PAGE...] (at most {MAX_REFERENCES} pages, each 0 to {MAX_PAGE})");
        return 2;
    };
    let refs = refs.as_slice();
    print!("belady: reference string ");
    refs.iter().for_each(|p| print!(" {p}"));
    println!("  (F: the reference faulted)");
    let mut counts = [[0usize; FRAMES.len()]; 2];
    for (row, (name, policy)) in [("fifo", pool::FIFO), ("clock", pool::CLOCK)].into_iter().enumerate() {
        for (column, &frames) in FRAMES.iter().enumerate() {
            let Some(faulted) = run(refs, frames, policy) else {
                println!("belady: no frame pool of {frames} frames for {name}");
                return 1;
            };
            counts[row][column] = show(name, frames, refs, &faulted);
        }
    }
    for (name, count) in [("optimal", optimal as fn(&[usize], usize) -> usize), ("lru", lru)] {
        let [three, four] = FRAMES.map(|frames| count(refs, frames));
        println!("belady: {name:<7} (offline) {three} faults with 3 frames, {four} with 4");
    }
    let [fifo, clock] = counts;
    if fifo[1] > fifo[0] {
        println!("belady: FIFO faults more with 4 frames than with 3: Belady's anomaly");
    }
    if clock == fifo {
        println!("belady: clock chose as FIFO did on this string: the second chances it gave changed no choice");
    }
    0
}
