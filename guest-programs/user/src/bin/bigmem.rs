//! A working set larger than RAM (default 48 MiB): sequential, random and looping passes, each verified; then a fork whose two sides change and verify their own copies (`bigmem [MiB] [stats]`).
#![no_std]
#![no_main]

use rvsim_user::sys::{self, Status};
use rvsim_user::workload::{PAGE, Random, pages};
use rvsim_user::{Args, entry, println};

entry!(main);

/// Words in a page.
const WORDS: usize = PAGE / 8;

/// Random updates in the random pass.
const RANDOM_UPDATES: usize = 50_000;

/// Passes of the looping pattern.
const LOOPS: usize = 3;

/// Every word holds a seal of its index in the high 48 bits and a version
/// in the low 16: a word that moved, was lost or came back stale no longer
/// matches its index, and the sum of the versions counts every update.
fn seal(index: usize, version: u64) -> u64 {
    let mut x = index as u64 ^ 0x9e37_79b9_7f4a_7c15;
    x = (x ^ (x >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (x << 16) | version
}

/// The working set, and the sum of the versions its words should hold.
struct Set {
    words: &'static mut [u64],
    versions: u64,
}

impl Set {
    /// The version of word `index`, or None when its seal is wrong.
    fn version(&self, index: usize) -> Option<u64> {
        let word = self.words[index];
        (word >> 16 == seal(index, 0) >> 16).then_some(word & 0xffff)
    }

    /// Says that word `index` does not hold its seal.
    fn corrupt(&self, index: usize) {
        let word = self.words[index];
        println!("bigmem: word {index} (page {}) holds {word:#x}, not its seal", index / WORDS);
    }

    /// Adds one to the version of word `index`; false if it was corrupt.
    fn bump(&mut self, index: usize) -> bool {
        let Some(version) = self.version(index) else {
            self.corrupt(index);
            return false;
        };
        self.words[index] = seal(index, version + 1);
        self.versions += 1;
        true
    }

    /// Checks every word, in order: each seal right and the versions
    /// summing to what this process wrote. Says where the first wrong
    /// word is.
    fn verify(&self) -> bool {
        let mut sum = 0;
        for index in 0..self.words.len() {
            match self.version(index) {
                Some(v) => sum += v,
                None => {
                    self.corrupt(index);
                    return false;
                }
            }
        }
        if sum != self.versions {
            println!("bigmem: the versions sum to {sum}, not {}: updates were lost", self.versions);
        }
        sum == self.versions
    }

    /// Adds one to word `offset` of every page.
    fn bump_pages(&mut self, offset: usize) -> bool {
        (0..self.words.len() / WORDS).all(|page| self.bump(page * WORDS + offset))
    }
}

/// Writes every word in order.
fn sequential(set: &mut Set) -> bool {
    for (index, word) in set.words.iter_mut().enumerate() {
        *word = seal(index, 0);
    }
    set.verify()
}

/// Updates random words all over the set.
fn random(set: &mut Set) -> bool {
    let mut random = Random::new(0xb16_3e3);
    let len = set.words.len() as u64;
    (0..RANDOM_UPDATES).all(|_| set.bump(random.below(len) as usize)) && set.verify()
}

/// Sweeps the set from start to end again and again: the pattern that
/// defeats LRU when the set is larger than memory.
fn looping(set: &mut Set) -> bool {
    (0..LOOPS).all(|pass| set.bump_pages(1 + pass)) && set.verify()
}

/// Prints what a pass cost, when asked for (`stats`): the counts depend
/// on timing, so they are left out of the plain output.
fn report(show: bool, what: &str, before: &sys::MemStat, start: u64) {
    if !show {
        return;
    }
    let (after, cycles) = (sys::memstat(), sys::cycles() - start);
    let majors = after.major_faults - before.major_faults;
    println!(
        "bigmem:   {what}: {} page faults, {majors} major, {} page-ins, {} page-outs, {} dropped; {cycles} cycles ({} per major fault)",
        after.page_faults - before.page_faults,
        after.page_ins - before.page_ins,
        after.page_outs - before.page_outs,
        after.drops - before.drops,
        cycles / majors.max(1)
    );
}

/// Runs one pass and says whether it verified.
fn pass(set: &mut Set, show: bool, what: &str, run: fn(&mut Set) -> bool) -> bool {
    let (before, start) = (sys::memstat(), sys::cycles());
    let ok = run(set);
    println!("bigmem: {what}: {}", if ok { "verified" } else { "WRONG" });
    report(show, what, &before, start);
    ok
}

/// The child's side of the fork: its copy is the parent's as it was;
/// it changes word 4 of every page and checks its own copy.
fn child(set: &mut Set) -> i32 {
    let ok = set.verify() && set.bump_pages(4) && set.verify();
    println!("bigmem: child: the parent's data as it was at fork, then its own changes: {}", verdict(ok));
    if ok { 0 } else { 1 }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "verified" } else { "WRONG" }
}

/// The fork pass: as [`pass`], but a fork refused for want of memory
/// is said to be so (it is not wrong: memory and swap cannot hold a
/// second copy), and the run fails.
fn fork_pass(set: &mut Set, show: bool) -> bool {
    let (before, start) = (sys::memstat(), sys::cycles());
    let outcome = fork_and_verify(set);
    let said = match outcome {
        Some(true) => "verified",
        Some(false) => "WRONG",
        None => "refused",
    };
    println!("bigmem: fork: {said}");
    report(show, "fork", &before, start);
    outcome == Some(true)
}

/// Forks: both sides change their own copy and verify it; the parent
/// checks its copy again after the child has gone. None if fork was
/// refused.
fn fork_and_verify(set: &mut Set) -> Option<bool> {
    let pid = sys::fork();
    if pid < 0 {
        // Memory and swap cannot hold two copies: the parent's data must
        // be untouched by the attempt.
        println!(
            "bigmem: fork failed with {}; the parent's data after it: {}",
            sys::errno::name(-pid),
            verdict(set.verify())
        );
        return None;
    }
    if pid == 0 {
        sys::exit(child(set));
    }
    let mine = set.bump_pages(5) && set.verify();
    let (_, status) = sys::wait4(pid, 0);
    let child_ok = sys::decode(status) == Status::Exited(0);
    let still = set.verify();
    println!(
        "bigmem: parent: its own changes, unseen by the child, and none of the child's: {}",
        verdict(mine && still)
    );
    Some(mine && child_ok && still)
}

fn main(args: Args) -> i32 {
    let mib = args.number(1, 48).max(1) as usize;
    let show = args.get(2) == "stats";
    let before = sys::memstat();
    let count = mib * (1 << 20) / PAGE;
    println!(
        "bigmem: {mib} MiB working set ({count} pages) in {} frames for user pages, {} swap slots",
        before.frame_budget, before.swap_total
    );
    let heap = sys::brk(0);
    let mut set = Set { words: pages("bigmem", count), versions: 0 };
    let ok = pass(&mut set, show, "sequential", sequential)
        && pass(&mut set, show, "random", random)
        && pass(&mut set, show, "looping", looping)
        && fork_pass(&mut set, show);
    sys::brk(heap);
    let back = sys::memstat().committed == before.committed;
    println!("bigmem: heap given back, every page committed to it released: {}", if back { "ok" } else { "WRONG" });
    if ok && back { 0 } else { 1 }
}
