//! Rounds of 1, 2, 3, 4, 6 and 8 processes, each sweeping its own working set (default 64 pages, 8 sweeps) and verifying it: once the sets together pass the frame budget, the fault rate climbs until nearly every touch faults (`thrash [pages] [sweeps] [stats]`; `stats` adds each round's fault rates).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use rvsim_user::sys::{self, MemStat, Status, ipc};
use rvsim_user::workload::{PAGE, pages};
use rvsim_user::{Args, entry, println};

entry!(main);

/// The processes in each round.
const ROUNDS: [usize; 6] = [1, 2, 3, 4, 6, 8];

/// Words in a page.
const WORDS: usize = PAGE / 8;

/// Every word holds a seal of its process and index in the high 48 bits
/// and a version in the low 16: a word that moved, was lost, came back
/// stale or belongs to another process no longer matches, and the sum of
/// the versions counts every update.
fn seal(process: usize, index: usize, version: u64) -> u64 {
    let mut x = ((process as u64) << 40 | index as u64) ^ 0x9e37_79b9_7f4a_7c15;
    x = (x ^ (x >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = x ^ (x >> 29);
    (x << 16) | version
}

/// One process's working set.
struct Set {
    process: usize,
    words: &'static mut [u64],
}

impl Set {
    /// The version of word `index`, or None (said on the console) when its
    /// seal is wrong.
    fn version(&self, index: usize) -> Option<u64> {
        let word = self.words[index];
        if word >> 16 == seal(self.process, index, 0) >> 16 {
            return Some(word & 0xffff);
        }
        println!(
            "thrash: process {}: word {index} (page {}) holds {word:#x}, not its seal",
            self.process,
            index / WORDS
        );
        None
    }

    /// Writes every word: the first touch of every page.
    fn fill(&mut self) {
        for index in 0..self.words.len() {
            self.words[index] = seal(self.process, index, 0);
        }
    }

    /// Touches every page once, in order: checks word `offset` of the page
    /// and adds one to its version.
    fn sweep(&mut self, offset: usize) -> bool {
        for page in 0..self.words.len() / WORDS {
            let index = page * WORDS + offset;
            let Some(version) = self.version(index) else { return false };
            self.words[index] = seal(self.process, index, version + 1);
        }
        true
    }

    /// Checks every word: each seal right and the versions summing to
    /// `sweeps` per page (one update a sweep).
    fn verify(&self, sweeps: usize) -> bool {
        let mut sum = 0;
        for index in 0..self.words.len() {
            let Some(version) = self.version(index) else { return false };
            sum += version;
        }
        let expected = (self.words.len() / WORDS * sweeps) as u64;
        if sum != expected {
            println!("thrash: process {}: the versions sum to {sum}, not {expected}: updates were lost", self.process);
        }
        sum == expected
    }
}

/// Offset of the word that sweep `sweep` updates in every page (never 0,
/// so that the first word of a page is updated only by the fill).
fn offset(sweep: usize) -> usize {
    1 + sweep % (WORDS - 1)
}

/// The round's barrier, in shared memory.
#[repr(C)]
struct Barrier {
    /// How many times the round's processes have arrived at it.
    arrived: AtomicU32,
    /// Set when a process will not arrive again (it failed, or was never
    /// forked): no one waits any more.
    broken: AtomicU32,
}

impl Barrier {
    /// Arrives for the `pass`-th time (from 1), and waits until all
    /// `processes` have. The waiting yields the hart instead of sleeping:
    /// the waiters stay runnable and the round's processes take turns.
    fn pass(&self, pass: u32, processes: u32) {
        self.arrived.fetch_add(1, Ordering::AcqRel);
        while self.arrived.load(Ordering::Acquire) < pass * processes && self.broken.load(Ordering::Acquire) == 0 {
            sys::sched_yield();
        }
    }

    /// Lets every waiter go on.
    fn shatter(&self) {
        self.broken.store(1, Ordering::Release);
    }
}

/// One process of a round: fills its set, then sweeps it, each pass
/// begun only once every process of the round has finished the one
/// before, so the round's sets are in use together; then checks it. Its
/// exit status says whether every word was right.
fn process(barrier: &Barrier, processes: usize, number: usize, count: usize, sweeps: usize) -> i32 {
    let mut set = Set { process: number, words: pages("thrash", count) };
    set.fill();
    for sweep in 0..sweeps {
        barrier.pass(sweep as u32 + 1, processes as u32);
        if !set.sweep(offset(sweep)) {
            barrier.shatter();
            return 1;
        }
    }
    if set.verify(sweeps) { 0 } else { 1 }
}

/// Page touches in a round: each process touches each of its pages once
/// to fill it, once a sweep and once more to check it.
fn touches(processes: usize, count: usize, sweeps: usize) -> u64 {
    (processes * count * (sweeps + 2)) as u64
}

/// Runs a round of `processes` processes; whether all verified.
fn round(processes: usize, count: usize, sweeps: usize) -> bool {
    let id = sys::shmget(ipc::IPC_PRIVATE, core::mem::size_of::<Barrier>(), ipc::IPC_CREAT | 0o600);
    let addr = sys::shmat(id, 0, 0);
    if id < 0 || addr < 0 {
        println!("thrash: no shared memory: {id}, {addr}");
        return false;
    }
    // SAFETY: a fresh, zeroed segment laid out as a Barrier; the children
    // inherit the attachment at the same address.
    let barrier = unsafe { &*(addr as *const Barrier) };
    let mut started = 0;
    for number in 0..processes {
        let pid = sys::fork();
        if pid == 0 {
            sys::exit(process(barrier, processes, number, count, sweeps));
        }
        if pid < 0 {
            println!("thrash: fork failed with {}", sys::errno::name(-pid));
            break;
        }
        started += 1;
    }
    let mut ok = started == processes;
    if !ok {
        barrier.shatter();
    }
    for _ in 0..started {
        let (_, status) = sys::wait();
        ok &= sys::decode(status) == Status::Exited(0);
    }
    sys::shmdt(addr as usize);
    sys::shmctl(id, ipc::IPC_RMID, core::ptr::null_mut());
    ok
}

/// Faults per 1000 page touches, to one decimal.
fn per_mille(faults: u64, touches: u64) -> (u64, u64) {
    let tenths = faults * 10_000 / touches.max(1);
    (tenths / 10, tenths % 10)
}

/// What a round cost, when asked for (`stats`): the counts depend on
/// scheduling, so the plain output leaves them out.
fn report(processes: usize, touched: u64, before: &MemStat, after: &MemStat) {
    let faults = after.page_faults - before.page_faults;
    let majors = after.major_faults - before.major_faults;
    let (f, f10) = per_mille(faults, touched);
    let (m, m10) = per_mille(majors, touched);
    println!(
        "thrash:   {processes} {}: {f}.{f10} page faults and {m}.{m10} major per 1000 page touches ({faults} faults, {majors} major, {} page-ins, {} page-outs, {touched} touches)",
        processes_word(processes),
        after.page_ins - before.page_ins,
        after.page_outs - before.page_outs,
    );
}

/// "process" or "processes".
fn processes_word(processes: usize) -> &'static str {
    if processes == 1 { "process" } else { "processes" }
}

fn main(args: Args) -> i32 {
    let count = args.number(1, 64).max(1) as usize;
    let sweeps = args.number(2, 8).clamp(1, 0xfff0) as usize;
    let show = args.get(3) == "stats";
    let budget = sys::memstat().frame_budget;
    println!(
        "thrash: rounds of 1, 2, 3, 4, 6 and 8 processes, each sweeping its own {count} pages {sweeps} times, in {budget} frames for user pages"
    );
    let mut ok = true;
    for processes in ROUNDS {
        let before = sys::memstat();
        let verified = round(processes, count, sweeps);
        let after = sys::memstat();
        let together = processes * count;
        println!(
            "thrash: {processes} {}, {together} pages together ({}% of the budget): {}",
            processes_word(processes),
            together as u64 * 100 / budget.max(1),
            if verified { "every page verified" } else { "WRONG" }
        );
        if show {
            report(processes, touches(processes, count, sweeps), &before, &after);
        }
        ok &= verified;
    }
    if ok { 0 } else { 1 }
}
