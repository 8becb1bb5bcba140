//! The policies on reference strings, against a fake memory of pages.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::*;

const BASE: u64 = 0x8010_0000;

/// Reference bits and pins, as the kernel would keep them.
#[derive(Default)]
struct Bits {
    referenced: BTreeSet<u64>,
    pinned: BTreeSet<u64>,
}

impl References for Bits {
    fn take_referenced(&mut self, frame: u64) -> bool {
        self.referenced.remove(&frame)
    }
    fn pinned(&self, frame: u64) -> bool {
        self.pinned.contains(&frame)
    }
}

fn frame(i: u64) -> u64 {
    BASE + i * PAGE
}

/// Demand paging of `string` (page numbers) in `capacity` frames under
/// `policy`; LRU is sampled after every reference. Returns the faults.
fn faults(policy: Policy, capacity: usize, string: &[u64]) -> usize {
    let mut replacer = Replacer::new(policy, 0, BASE, capacity);
    let mut bits = Bits::default();
    let mut page_in: BTreeMap<u64, u64> = BTreeMap::new();
    let mut free: Vec<u64> = (0..capacity as u64).rev().map(frame).collect();
    let mut count = 0;
    for &page in string {
        let f = match page_in.get(&page) {
            Some(&f) => f,
            None => {
                count += 1;
                let f = free.pop().unwrap_or_else(|| {
                    let (victim, _) = replacer.choose(&mut bits).expect("a victim");
                    page_in.retain(|_, f| *f != victim);
                    victim
                });
                page_in.insert(page, f);
                replacer.insert(f, false);
                f
            }
        };
        bits.referenced.insert(f);
        replacer.sample(&mut bits);
    }
    count
}

/// Exact LRU, for comparison: the least recently used page goes.
fn exact_lru_faults(capacity: usize, string: &[u64]) -> usize {
    let mut recent: Vec<u64> = Vec::new();
    let mut count = 0;
    for &page in string {
        if let Some(at) = recent.iter().position(|&p| p == page) {
            recent.remove(at);
        } else {
            count += 1;
            if recent.len() == capacity {
                recent.remove(0);
            }
        }
        recent.push(page);
    }
    count
}

/// A deterministic reference string over `pages` pages, with locality.
fn reference_string(seed: u64, len: usize, pages: u64) -> Vec<u64> {
    let mut x = seed | 1;
    let mut page = 0;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            page = if x.is_multiple_of(4) { x % pages } else { (page + x % 3) % pages };
            page
        })
        .collect()
}

const BELADY: [u64; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

#[test]
fn fifo_shows_beladys_anomaly() {
    assert_eq!(faults(Policy::Fifo, 3, &BELADY), 9);
    assert_eq!(faults(Policy::Fifo, 4, &BELADY), 10, "more frames, more faults");
}

#[test]
fn lru_sampled_at_every_reference_is_exact_lru_and_a_stack_algorithm() {
    assert_eq!(faults(Policy::Lru, 3, &BELADY), 10);
    assert_eq!(faults(Policy::Lru, 4, &BELADY), 8);
    for seed in 1..20 {
        let string = reference_string(seed, 400, 12);
        let mut previous = usize::MAX;
        for capacity in 1..=12 {
            let lru = faults(Policy::Lru, capacity, &string);
            assert_eq!(lru, exact_lru_faults(capacity, &string), "seed {seed}, {capacity} frames");
            assert!(lru <= previous, "seed {seed}: {capacity} frames fault more than {}", capacity - 1);
            previous = lru;
        }
    }
}

#[test]
fn clock_gives_referenced_pages_a_second_chance_in_order() {
    let mut r = Replacer::new(Policy::Clock, 0, BASE, 8);
    let mut bits = Bits::default();
    for i in 0..3 {
        r.insert(frame(i), false);
    }
    bits.referenced.extend([frame(0), frame(2)]);
    assert_eq!(r.choose(&mut bits), Some((frame(1), Reason::NotReferenced)), "0 gets a second chance, 1 goes");
    assert!(bits.referenced.contains(&frame(2)), "the hand stopped before 2");
    assert_eq!(r.choose(&mut bits), Some((frame(0), Reason::NotReferenced)), "2's chance, then 0 has none left");
    assert_eq!(r.choose(&mut bits), Some((frame(2), Reason::NotReferenced)));
    assert_eq!(r.choose(&mut bits), None);
}

#[test]
fn clock_on_the_classic_string() {
    // Worked by hand: with every page referenced when loaded, clock
    // degenerates to FIFO on this string.
    assert_eq!(faults(Policy::Clock, 3, &BELADY), 9);
    assert_eq!(faults(Policy::Clock, 4, &BELADY), 10);
}

#[test]
fn pinned_pages_are_never_chosen() {
    for policy in Policy::ALL {
        let mut r = Replacer::new(policy, 0, BASE, 4);
        let mut bits = Bits::default();
        r.insert(frame(0), false);
        r.insert(frame(1), false);
        bits.pinned.insert(frame(0));
        assert_eq!(r.choose(&mut bits).map(|(f, _)| f), Some(frame(1)), "{policy:?}");
        assert_eq!(r.choose(&mut bits), None, "{policy:?}: only a pinned page is left");
        assert_eq!(r.len(), 1);
    }
}

#[test]
fn shared_pages_go_only_after_enough_idle_sweeps() {
    for policy in Policy::ALL {
        let mut r = Replacer::new(policy, 2, BASE, 4);
        let mut bits = Bits::default();
        r.insert(frame(0), true);
        r.insert(frame(1), false);
        let first = r.choose(&mut bits).map(|(f, _)| f);
        assert_eq!(first, Some(frame(1)), "{policy:?}: the private page goes first");
        r.insert(frame(1), false);
        // Referenced at every sweep: the shared page stays.
        for _ in 0..3 {
            bits.referenced.insert(frame(0));
            r.sample(&mut bits);
            bits.referenced.insert(frame(0));
            assert_eq!(r.choose(&mut bits).map(|(f, _)| f), Some(frame(1)), "{policy:?}");
            r.insert(frame(1), false);
        }
        r.remove(frame(1));
        bits.referenced.clear();
        // Unreferenced: it goes after two idle sweeps.
        r.sample(&mut bits);
        r.sample(&mut bits);
        let (victim, reason) = r.choose(&mut bits).unwrap_or_else(|| panic!("{policy:?}: the idle shared page"));
        assert_eq!(victim, frame(0), "{policy:?}");
        assert!(matches!(reason, Reason::SharedIdle(n) if n >= 2), "{policy:?}: {reason:?}");
    }
}

#[test]
fn random_is_reproducible() {
    let run = || {
        let mut r = Replacer::new(Policy::Random, 0, BASE, 64);
        let mut bits = Bits::default();
        (0..64).for_each(|i| r.insert(frame(i), false));
        (0..10).map(|_| r.choose(&mut bits).map(|(f, _)| f)).collect::<Vec<_>>()
    };
    let victims = run();
    assert_eq!(victims, run());
    assert!(victims.windows(2).any(|w| w[0] != w[1]));
}

#[test]
fn the_ring_stays_small_under_churn() {
    let mut r = Replacer::new(Policy::Clock, 0, BASE, 8);
    for _ in 0..10_000 {
        r.insert(frame(3), false);
        r.remove(frame(3));
    }
    assert!(r.ring.len() <= 64 + 2, "{} ring entries for no page", r.ring.len());
    assert!(r.is_empty());
}

#[test]
fn lru_between_samples_takes_the_page_loaded_longest_ago_not_the_newest() {
    // Four frames, a loop over five pages, one sample after the first
    // four: from then on every page is new since the last sample. Each
    // must count as just referenced, or aging takes the newest first and
    // the loop (which exact LRU faults on at every step) would hit.
    let mut replacer = Replacer::new(Policy::Lru, 0, BASE, 8);
    let mut bits = Bits::default();
    for i in 0..4 {
        replacer.insert(frame(i), false);
        bits.referenced.insert(frame(i));
    }
    replacer.sample(&mut bits);
    replacer.insert(frame(4), false);
    let (victim, _) = replacer.choose(&mut bits).expect("a victim");
    assert_eq!(victim, frame(0), "the page loaded first, not the one just loaded");
    replacer.insert(frame(5), false);
    let (victim, _) = replacer.choose(&mut bits).expect("a victim");
    assert_eq!(victim, frame(1));
}

/// A page referenced again before every look, and one pinned.
struct Busy {
    pinned: u64,
}

impl References for Busy {
    fn take_referenced(&mut self, _frame: u64) -> bool {
        true
    }
    fn pinned(&self, frame: u64) -> bool {
        frame == self.pinned
    }
}

#[test]
fn a_shared_page_in_use_goes_when_nothing_else_can() {
    for policy in Policy::ALL {
        let mut replacer = Replacer::new(policy, 2, BASE, 8);
        let mut refs = Busy { pinned: frame(0) };
        replacer.insert(frame(0), true);
        replacer.insert(frame(1), true);
        replacer.sample(&mut refs);
        let chosen = replacer.choose(&mut refs);
        assert_eq!(chosen.map(|(f, _)| f), Some(frame(1)), "{policy:?}: never idle, but the only candidate");
        assert_eq!(replacer.choose(&mut refs), None, "{policy:?}: the pinned page never goes");
    }
}
