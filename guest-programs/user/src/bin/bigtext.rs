//! Runs 8 instances of itself at once, a program with over 1 MiB of text, each executing all of it pass after pass and verifying its checksum, and shows that their text comes from the shared pages table, one copy of it, even under a frame budget smaller than the text (`bigtext [instances] [passes] [stats]`; try --swap 64M --append frames=192).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rvsim_user::sys::{self, MemStat, Status, ipc};
use rvsim_user::{Args, decimal, entry, println};

entry!(main);

/// Generated functions: together they are the bulk of the text.
const FUNCTIONS: usize = 256;

/// Steps of straight-line code in each generated function.
const STEPS: u64 = 256;

/// Most instances at once.
const MOST: usize = 16;

/// Bytes in a page.
const PAGE: u64 = 4096;

/// Where the image starts (link.ld).
const IMAGE_START: u64 = 0x10000;

/// A word of initialised data. link.ld puts text, rodata and data each on
/// pages of their own, in that order, and this program's data is this
/// word alone: its page is the first after the image's read-only pages,
/// which are the pages the shared pages table may hold for it.
static DATA: AtomicU64 = AtomicU64::new(1);

/// The constant of step `step` of function `function`: a 64-bit mix of
/// the two, whose bits give each instruction of the step its immediate.
const fn key(function: u64, step: u64) -> u64 {
    let mut z = ((function << 16) | step).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One step of the checksum, with `k` from [`key`]: an exclusive or with
/// an immediate, a multiplication by 2^s + 1 (a shift and an add) and an
/// xorshift, five instructions (16 bytes) in all. Each is a bijection, and
/// none folds into the next, so the compiler keeps every step.
#[inline(always)]
const fn step(x: u64, k: u64) -> u64 {
    let x = x ^ (k & 0x7ff);
    let x = x.wrapping_add(x << (1 + (k >> 11) % 31));
    x ^ (x >> (1 + (k >> 16) % 31))
}

/// Expands `$m!((args) N)` for N from 0 to 255, each N a constant
/// expression, without recursion.
macro_rules! for_256 {
    ($m:ident! $args:tt) => {
        for_256!(@high $m $args 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    };
    (@high $m:ident $args:tt $($high:literal)*) => {
        $( for_256!(@low $m $args $high 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15); )*
    };
    (@low $m:ident $args:tt $high:literal $($low:literal)*) => {
        $( $m!($args { $high * 16 + $low }); )*
    };
}

/// One step of generated function `$f`, its constant computed at compile
/// time.
macro_rules! generated_step {
    (($x:ident, $f:ident) $step:tt) => {
        $x = step($x, const { key($f as u64, $step) });
    };
}

/// Generated function number `F`: [`STEPS`] steps of straight-line code,
/// each with its own constants.
#[inline(never)]
fn generated<const F: usize>(mut x: u64) -> u64 {
    for_256!(generated_step!(x, F));
    x
}

/// Puts generated function `$n` in table `$t`.
macro_rules! table_entry {
    (($t:ident) $n:tt) => {
        $t[$n] = generated::<$n>;
    };
}

/// Every generated function, in order.
static TABLE: [fn(u64) -> u64; FUNCTIONS] = {
    let mut table: [fn(u64) -> u64; FUNCTIONS] = [generated::<0>; FUNCTIONS];
    for_256!(table_entry!(table));
    table
};

/// The checksum of a pass starts from this, different for every instance
/// and pass.
fn seed(instance: u64, pass: u64) -> u64 {
    key(0xffff, (instance << 8) | pass)
}

/// What the generated code must compute, worked out without it: the same
/// steps in a loop, the constants computed at run time.
fn model(instance: u64, passes: u64) -> u64 {
    let mut sum = 0u64;
    for pass in 0..passes {
        let mut x = seed(instance, pass);
        for function in 0..FUNCTIONS as u64 {
            for s in 0..STEPS {
                x = step(x, key(function, s));
            }
        }
        sum = sum.rotate_left(13) ^ x;
    }
    sum
}

/// The segment the starter shares with its instances.
#[repr(C)]
struct Board {
    /// Instances attached and waiting to start.
    ready: AtomicU32,
    /// Set when all are ready.
    go: AtomicU32,
    /// Instances that have finished their passes.
    done: AtomicU32,
    /// Set when the instances may exit.
    release: AtomicU32,
    /// The most frames the shared pages table held at any instance's look
    /// (after each generated function).
    most_frames: AtomicU64,
    /// Each instance's checksum.
    checksum: [AtomicU64; MOST],
    /// Each instance's verdict: 1 right, 2 wrong.
    verdict: [AtomicU32; MOST],
}

/// Adds one to `word` and wakes whoever waits on it.
fn arrive(word: &AtomicU32) {
    word.fetch_add(1, Ordering::AcqRel);
    sys::futex_wake(word, i32::MAX as u32);
}

/// Sleeps until `word` is at least `value`.
fn wait_for(word: &AtomicU32, value: u32) {
    loop {
        let now = word.load(Ordering::Acquire);
        if now >= value {
            return;
        }
        sys::futex_wait(word, now);
    }
}

/// One instance: waits for all, runs every generated function `passes`
/// times, records its checksum and verdict on the board.
fn instance(board: &Board, index: usize, passes: u64) -> bool {
    arrive(&board.ready);
    wait_for(&board.go, 1);
    let mut sum = 0u64;
    for pass in 0..passes {
        let mut x = seed(index as u64, pass);
        for function in &TABLE {
            x = function(x);
            board.most_frames.fetch_max(sys::memstat().shared_frames, Ordering::AcqRel);
        }
        sum = sum.rotate_left(13) ^ x;
    }
    let right = sum == model(index as u64, passes);
    board.checksum[index].store(sum, Ordering::Release);
    board.verdict[index].store(if right { 1 } else { 2 }, Ordering::Release);
    arrive(&board.done);
    wait_for(&board.release, 1);
    right
}

/// The image's pages of text and read-only data: the pages the shared
/// pages table may hold for it.
fn image_pages() -> u64 {
    let data = &DATA as *const AtomicU64 as u64;
    (data / PAGE * PAGE - IMAGE_START) / PAGE
}

/// Prints, when asked for, what the run cost: timing decides these
/// counts, so the plain output leaves them out.
fn report(before: &MemStat, after: &MemStat, most: u64) {
    println!(
        "bigtext:   the shared pages table held at most {most} frames ({} before the instances started); {} misses (pages loaded from the image), {} hits, {} pages dropped; {} page faults, {} major",
        before.shared_frames,
        after.shared_misses - before.shared_misses,
        after.shared_hits - before.shared_hits,
        after.drops - before.drops,
        after.page_faults - before.page_faults,
        after.major_faults - before.major_faults,
    );
}

/// Lets every instance started go on to the end.
fn release(board: &Board) {
    for word in [&board.go, &board.release] {
        word.store(1, Ordering::Release);
        sys::futex_wake(word, i32::MAX as u32);
    }
}

/// Starts `count` instances; how many it could.
fn spawn(board_id: isize, count: usize, passes: u64) -> usize {
    let (mut id_buf, mut passes_buf) = ([0u8; 24], [0u8; 24]);
    let id_arg = decimal(board_id as u64, &mut id_buf);
    let passes_arg = decimal(passes, &mut passes_buf);
    for index in 0..count {
        let pid = sys::fork();
        if pid == 0 {
            let mut index_buf = [0u8; 24];
            let index_arg = decimal(index as u64, &mut index_buf);
            sys::exec(&[c"bigtext", c"instance", id_arg, index_arg, passes_arg]);
        }
        if pid < 0 {
            println!("bigtext: fork failed with {}", sys::errno::name(-pid));
            return index;
        }
    }
    count
}

/// The starter: runs `count` instances at once and reports.
fn start(count: usize, passes: u64, show: bool) -> i32 {
    let pages = image_pages();
    let budget = sys::memstat().frame_budget;
    println!(
        "bigtext: {count} instances of a {} KiB image ({pages} pages of text and read-only data), {passes} passes each, in {budget} frames for user pages; {count} copies would need {}",
        pages * PAGE / 1024,
        pages * count as u64,
    );
    let id = sys::shmget(ipc::IPC_PRIVATE, core::mem::size_of::<Board>(), ipc::IPC_CREAT | 0o600);
    let addr = sys::shmat(id, 0, 0);
    if id < 0 || addr < 0 {
        println!("bigtext: no shared memory: {id}, {addr}");
        return 1;
    }
    // SAFETY: a fresh, zeroed segment laid out as a Board.
    let board = unsafe { &*(addr as *const Board) };
    let started = spawn(id, count, passes);
    let mut ok = started == count;
    let (before, after) = if ok {
        wait_for(&board.ready, count as u32);
        let before = sys::memstat();
        board.go.store(1, Ordering::Release);
        sys::futex_wake(&board.go, i32::MAX as u32);
        wait_for(&board.done, count as u32);
        (before, sys::memstat())
    } else {
        (MemStat::default(), MemStat::default())
    };
    let most = board.most_frames.load(Ordering::Acquire).max(after.shared_frames);
    release(board);
    for _ in 0..started {
        let (_, status) = sys::wait();
        ok &= sys::decode(status) == Status::Exited(0);
    }
    for index in 0..started {
        let right = board.verdict[index].load(Ordering::Acquire) == 1;
        println!(
            "bigtext: instance {index}: {passes} passes over {FUNCTIONS} functions, checksum {:#018x}: {}",
            board.checksum[index].load(Ordering::Acquire),
            if right { "verified" } else { "WRONG" }
        );
        ok &= right;
    }
    // Frames of other programs' images (a shell's, say) may be in the
    // table too, but no more of them than before the instances started.
    let shared = after.shared_hits > before.shared_hits;
    let one_copy = shared && most - before.shared_frames.min(most) <= pages;
    println!(
        "bigtext: while all {count} ran, their text came from the shared pages table, never more than one copy of the image's {pages} pages: {}",
        if one_copy { "yes" } else { "no" }
    );
    if show {
        report(&before, &after, most);
    }
    sys::shmdt(addr as usize);
    sys::shmctl(id, ipc::IPC_RMID, core::ptr::null_mut());
    if ok && one_copy { 0 } else { 1 }
}

fn main(args: Args) -> i32 {
    if args.get(1) == "instance" {
        let id = args.number(2, u64::MAX) as isize;
        let index = args.number(3, 0) as usize;
        let passes = args.number(4, 0);
        let addr = sys::shmat(id, 0, 0);
        if addr < 0 || index >= MOST {
            return 1;
        }
        // SAFETY: the starter's segment, laid out as a Board.
        let board = unsafe { &*(addr as *const Board) };
        return if instance(board, index, passes) { 0 } else { 1 };
    }
    let count = (args.number(1, 8) as usize).clamp(1, MOST);
    let passes = args.number(2, 3).max(1);
    start(count, passes, args.get(3) == "stats")
}
