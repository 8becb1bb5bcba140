//! Page replacement simulated offline over a page reference string:
//! Belady's optimal policy (MIN: evict the page whose next use is
//! farthest away), FIFO and LRU. A reference string is a slice of page
//! numbers; every miss counts, the first reference of each page included.
//!
//! MIN needs the future, so no kernel can run it; over a recorded string
//! it is the least number of faults any demand-paging policy could have
//! taken with that many frames, the lower bound `rvsim bench paging`
//! draws under the guest's own policies. Each simulation is O(n log n)
//! in the length of the string: the resident pages sit in a `BTreeSet`
//! ordered by next use (MIN) or last use (LRU).

use std::collections::{BTreeSet, VecDeque};

/// A reference string prepared for MIN at any number of frames: where
/// each reference's page is used next.
#[derive(Debug, Clone)]
pub struct Optimal<'a> {
    refs: &'a [u32],
    /// For each position, the position of the next reference to the same
    /// page, or `usize::MAX` when there is none.
    next_use: Vec<usize>,
    /// One more than the highest page number.
    pages: usize,
}

impl<'a> Optimal<'a> {
    /// Prepares `refs` (one backward pass).
    pub fn new(refs: &'a [u32]) -> Optimal<'a> {
        let pages = page_count(refs);
        let mut seen = vec![usize::MAX; pages];
        let mut next_use = vec![usize::MAX; refs.len()];
        for (i, &page) in refs.iter().enumerate().rev() {
            next_use[i] = seen[page as usize];
            seen[page as usize] = i;
        }
        Optimal { refs, next_use, pages }
    }

    /// Misses under MIN with `frames` frames (at least one is assumed).
    pub fn faults(&self, frames: usize) -> u64 {
        let frames = frames.max(1);
        // Resident pages as (next use, page); a page's key is its entry
        // in `next_of`, so that it can be found and moved.
        let mut resident: BTreeSet<(usize, u32)> = BTreeSet::new();
        let mut next_of: Vec<Option<usize>> = vec![None; self.pages];
        let mut misses = 0;
        for (i, &page) in self.refs.iter().enumerate() {
            match next_of[page as usize] {
                Some(at) => {
                    resident.remove(&(at, page));
                }
                None => {
                    misses += 1;
                    if resident.len() == frames
                        && let Some((_, victim)) = resident.pop_last()
                    {
                        next_of[victim as usize] = None;
                    }
                }
            }
            resident.insert((self.next_use[i], page));
            next_of[page as usize] = Some(self.next_use[i]);
        }
        misses
    }
}

/// Misses under MIN with `frames` frames.
pub fn optimal(refs: &[u32], frames: usize) -> u64 {
    Optimal::new(refs).faults(frames)
}

/// Misses under FIFO with `frames` frames: the page loaded longest ago
/// goes, however recently it was used.
pub fn fifo(refs: &[u32], frames: usize) -> u64 {
    let frames = frames.max(1);
    let mut resident = vec![false; page_count(refs)];
    let mut queue: VecDeque<u32> = VecDeque::with_capacity(frames);
    let mut misses = 0;
    for &page in refs {
        if resident[page as usize] {
            continue;
        }
        misses += 1;
        if queue.len() == frames
            && let Some(victim) = queue.pop_front()
        {
            resident[victim as usize] = false;
        }
        queue.push_back(page);
        resident[page as usize] = true;
    }
    misses
}

/// Misses under LRU with `frames` frames: the page used longest ago goes.
pub fn lru(refs: &[u32], frames: usize) -> u64 {
    let frames = frames.max(1);
    let mut resident: BTreeSet<(usize, u32)> = BTreeSet::new();
    let mut last_of: Vec<Option<usize>> = vec![None; page_count(refs)];
    let mut misses = 0;
    for (i, &page) in refs.iter().enumerate() {
        match last_of[page as usize] {
            Some(at) => {
                resident.remove(&(at, page));
            }
            None => {
                misses += 1;
                if resident.len() == frames
                    && let Some((_, victim)) = resident.pop_first()
                {
                    last_of[victim as usize] = None;
                }
            }
        }
        resident.insert((i, page));
        last_of[page as usize] = Some(i);
    }
    misses
}

/// The distinct pages of `refs` (assuming they are numbered densely):
/// the compulsory misses every policy takes.
pub fn distinct_pages(refs: &[u32]) -> u64 {
    let mut seen = vec![false; page_count(refs)];
    refs.iter().filter(|&&p| !std::mem::replace(&mut seen[p as usize], true)).count() as u64
}

/// One more than the highest page number in `refs`.
fn page_count(refs: &[u32]) -> usize {
    refs.iter().max().map_or(0, |&m| m as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook string (Silberschatz; Belady, Nelson and Shedler 1969).
    const CLASSIC: [u32; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

    /// A reproducible pseudo-random string over `pages` pages with some
    /// locality (xorshift).
    fn random_string(len: usize, pages: u32, seed: u64) -> Vec<u32> {
        let mut x = seed | 1;
        let mut at = 0u32;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                at = if x.is_multiple_of(4) { (x >> 8) as u32 % pages } else { (at + (x >> 40) as u32 % 3) % pages };
                at
            })
            .collect()
    }

    #[test]
    fn min_on_the_classic_string() {
        assert_eq!(optimal(&CLASSIC, 3), 7);
        assert_eq!(optimal(&CLASSIC, 4), 6);
    }

    #[test]
    fn fifo_shows_beladys_anomaly() {
        assert_eq!(fifo(&CLASSIC, 3), 9);
        assert_eq!(fifo(&CLASSIC, 4), 10, "more frames, more faults");
    }

    #[test]
    fn lru_on_the_classic_string() {
        assert_eq!(lru(&CLASSIC, 3), 10);
        assert_eq!(lru(&CLASSIC, 4), 8);
    }

    #[test]
    fn lru_and_min_are_stack_algorithms() {
        let refs = random_string(20_000, 64, 0x5eed);
        let prepared = Optimal::new(&refs);
        let (mut last_lru, mut last_min) = (u64::MAX, u64::MAX);
        for frames in 1..=70 {
            let (l, m) = (lru(&refs, frames), prepared.faults(frames));
            assert!(l <= last_lru && m <= last_min, "{frames} frames: LRU {l}, MIN {m}");
            (last_lru, last_min) = (l, m);
        }
    }

    #[test]
    fn min_never_loses_and_all_agree_when_everything_fits() {
        let refs = random_string(20_000, 48, 7);
        let distinct = distinct_pages(&refs);
        assert_eq!(distinct, 48);
        for frames in [1, 2, 3, 5, 8, 13, 21, 34, 47] {
            let m = optimal(&refs, frames);
            assert!(m <= lru(&refs, frames) && m <= fifo(&refs, frames), "{frames} frames");
            assert!(m >= distinct);
        }
        for simulate in [optimal, fifo, lru] {
            assert_eq!(simulate(&refs, 48), distinct, "only compulsory misses");
        }
    }

    #[test]
    fn one_frame_misses_at_every_change_of_page() {
        let refs = [0, 1, 0, 1, 2, 2, 0];
        for simulate in [optimal, fifo, lru] {
            assert_eq!(simulate(&refs, 1), 6);
            assert_eq!(simulate(&refs, 0), 6, "no frames counts as one");
        }
        assert_eq!(optimal(&[], 4), 0);
    }

    #[test]
    fn min_matches_a_brute_force_search_on_short_strings() {
        for seed in 1..40 {
            let refs = random_string(14, 6, seed);
            for frames in 1..=4 {
                assert_eq!(optimal(&refs, frames), brute_force(&refs, frames, &mut Vec::new()), "{refs:?}, {frames}");
            }
        }
    }

    /// The least misses over every choice of victim.
    fn brute_force(refs: &[u32], frames: usize, resident: &mut Vec<u32>) -> u64 {
        let Some((&page, rest)) = refs.split_first() else { return 0 };
        if resident.contains(&page) {
            return brute_force(rest, frames, resident);
        }
        if resident.len() < frames {
            resident.push(page);
            let misses = 1 + brute_force(rest, frames, resident);
            resident.pop();
            return misses;
        }
        (0..resident.len())
            .map(|i| {
                let victim = std::mem::replace(&mut resident[i], page);
                let misses = 1 + brute_force(rest, frames, resident);
                resident[i] = victim;
                misses
            })
            .min()
            .unwrap_or(0)
    }
}
