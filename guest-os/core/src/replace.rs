//! Page replacement: which resident page to evict when frames run out.
//!
//! The replacer keeps the frames that hold evictable user pages in the
//! order they became resident, with what each policy needs:
//! - `clock`: second chance. The oldest page is examined first; a page
//!   referenced since its last examination has its reference cleared and
//!   goes to the back; the first unreferenced page is the victim.
//! - `fifo`: the oldest page, whatever its references.
//! - `lru`: aging. At each sample (the kernel's timer tick) every page's
//!   8-bit age shifts right and takes its reference bit at the top; the
//!   victim is the page with the smallest age, ties going to the page
//!   referenced least recently, then to the oldest.
//! - `random`: any page, from a fixed-seed generator (runs stay
//!   reproducible).
//!
//! Pages of the shared pages table are judged by a criterion of their
//! own: their references are the OR of every sharer's accessed bit,
//! gathered into the table's entry, and such a page becomes a victim only
//! after `shared_sweeps` examinations in a row found it unreferenced.
//! Pinned frames (a transfer in flight) are never victims.
//!
//! Reference bits are read (and cleared) through [`References`], which
//! the kernel implements over the reverse map and the page tables, and
//! host tests over a fake.

use alloc::collections::VecDeque;

use crate::PAGE;
use crate::frame_map::FrameMap;

/// A replacement policy (boot argument `pager=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Second chance over the accessed bits.
    Clock,
    /// First in, first out.
    Fifo,
    /// Least recently used, approximated by aging.
    Lru,
    /// Uniformly random.
    Random,
}

impl Policy {
    /// Every policy, in the order the documentation lists them.
    pub const ALL: [Policy; 4] = [Policy::Clock, Policy::Fifo, Policy::Lru, Policy::Random];

    /// The policy called `name`.
    pub fn parse(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Clock => "clock",
            Policy::Fifo => "fifo",
            Policy::Lru => "lru",
            Policy::Random => "random",
        }
    }
}

/// Reference information, as the replacer asks for it.
pub trait References {
    /// Whether the page in `frame` was referenced since the last time this
    /// was asked of it; the answer clears the references.
    fn take_referenced(&mut self, frame: u64) -> bool;
    /// Whether `frame` may not be evicted now (a transfer in flight).
    fn pinned(&self, frame: u64) -> bool;
}

/// Why the replacer chose a page, for the VM log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Clock: unreferenced when the hand reached it.
    NotReferenced,
    /// FIFO: the oldest.
    Oldest,
    /// LRU: the smallest age.
    Age(u8),
    /// Random.
    Drawn,
    /// A shared page unreferenced for this many examinations.
    SharedIdle(u32),
    /// A shared page still in use, taken because nothing else could go:
    /// it will be loaded again, which is better than no frame at all.
    OnlySharedLeft,
}

/// What the replacer knows of one frame.
#[derive(Debug, Clone, Copy, Default)]
struct Meta {
    /// In the set; `seq` names its current ring entry.
    resident: bool,
    /// A shared pages table page.
    shared: bool,
    /// LRU: reference history, newest in the top bit.
    age: u8,
    /// LRU: the sample that last found it referenced.
    last_seen: u64,
    /// Examinations in a row that found a shared page unreferenced.
    idle: u32,
    /// Which ring entry is current (older ones are stale).
    seq: u32,
}

/// Counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplaceStats {
    /// Pages examined while choosing victims.
    pub examined: u64,
    /// Victims chosen.
    pub chosen: u64,
}

/// The resident set and its policy.
#[derive(Debug)]
pub struct Replacer {
    policy: Policy,
    shared_sweeps: u32,
    base: u64,
    meta: FrameMap<Meta>,
    /// Frame indices in residency (and second-chance) order; entries whose
    /// `seq` is not their frame's current one are stale.
    ring: VecDeque<(u32, u32)>,
    live: usize,
    samples: u64,
    rng: u64,
    /// Counters.
    pub stats: ReplaceStats,
}

impl Replacer {
    /// A replacer for `count` frames from `base`, choosing by `policy`;
    /// shared pages need `shared_sweeps` unreferenced examinations.
    pub fn new(policy: Policy, shared_sweeps: u32, base: u64, count: usize) -> Replacer {
        Replacer {
            policy,
            shared_sweeps,
            base,
            meta: FrameMap::new(count),
            ring: VecDeque::new(),
            live: 0,
            samples: 0,
            rng: 0x2545_f491_4f6c_dd1d,
            stats: ReplaceStats::default(),
        }
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Pages in the set.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn index(&self, frame: u64) -> Option<usize> {
        let i = frame.checked_sub(self.base)? / PAGE;
        (i < self.meta.len() as u64).then_some(i as usize)
    }

    fn frame(&self, index: u32) -> u64 {
        self.base + index as u64 * PAGE
    }

    /// `frame` now holds an evictable page (`shared`: of the shared pages
    /// table); it joins at the back.
    pub fn insert(&mut self, frame: u64, shared: bool) {
        let Some(i) = self.index(frame) else { return };
        let m = &mut self.meta[i];
        if m.resident {
            return;
        }
        let seq = m.seq.wrapping_add(1);
        // The reference that brought the page in counts, in the interval
        // the next sample closes: the page is more recent than any the last
        // sample found referenced (taken first, as a page never seen, aging
        // would turn into most-recently-used between coarse samples).
        *m = Meta { resident: true, shared, seq, last_seen: self.samples + 1, ..Meta::default() };
        self.ring.push_back((i as u32, seq));
        self.live += 1;
    }

    /// `frame` no longer holds an evictable page (freed, or pinned for
    /// good).
    pub fn remove(&mut self, frame: u64) {
        let Some(i) = self.index(frame) else { return };
        if self.meta[i].resident {
            self.meta[i].resident = false;
            self.live -= 1;
            if self.ring.len() > 2 * self.live + 64 {
                self.compact();
            }
        }
    }

    /// Empties the set; returns its frames, oldest first.
    pub fn drain(&mut self) -> alloc::vec::Vec<u64> {
        let current = self.ring.iter().filter(|e| self.is_current(**e));
        let frames: alloc::vec::Vec<u64> = current.map(|e| self.frame(e.0)).collect();
        frames.iter().for_each(|&frame| self.remove(frame));
        frames
    }

    /// Whether `frame` is in the set.
    pub fn contains(&self, frame: u64) -> bool {
        self.index(frame).is_some_and(|i| self.meta[i].resident)
    }

    /// The number of examinations in a row that found the shared page in
    /// `frame` unreferenced (for `sharedpages`).
    pub fn idle_sweeps(&self, frame: u64) -> u32 {
        self.index(frame).map_or(0, |i| self.meta[i].idle)
    }

    /// Drops stale ring entries.
    fn compact(&mut self) {
        let meta = &self.meta;
        self.ring.retain(|&(i, seq)| meta[i as usize].resident && meta[i as usize].seq == seq);
    }

    fn is_current(&self, (i, seq): (u32, u32)) -> bool {
        let m = &self.meta[i as usize];
        m.resident && m.seq == seq
    }

    /// LRU's periodic sample: every page's age takes its reference bit,
    /// and a shared page's idleness its references. Clock, FIFO and random
    /// take references when they examine a page; for them a sample does
    /// nothing.
    pub fn sample(&mut self, refs: &mut impl References) {
        if self.policy != Policy::Lru {
            return;
        }
        self.samples += 1;
        for k in 0..self.ring.len() {
            let entry = self.ring[k];
            if !self.is_current(entry) {
                continue;
            }
            let frame = self.frame(entry.0);
            let referenced = refs.take_referenced(frame);
            let m = &mut self.meta[entry.0 as usize];
            m.age = (m.age >> 1) | ((referenced as u8) << 7);
            if referenced {
                m.last_seen = self.samples;
            }
            if m.shared {
                m.idle = if referenced { 0 } else { m.idle.saturating_add(1) };
            }
        }
    }

    /// Chooses a victim and takes it out of the set; `None` when every
    /// page is pinned or protected.
    pub fn choose(&mut self, refs: &mut impl References) -> Option<(u64, Reason)> {
        let chosen = match self.policy {
            Policy::Clock | Policy::Fifo => self.choose_in_order(refs),
            Policy::Lru => self.choose_oldest_age(refs),
            Policy::Random => self.choose_random(refs),
        }?;
        self.stats.chosen += 1;
        self.remove(chosen.0);
        Some(chosen)
    }

    /// A shared page's examination: whether it is still protected.
    fn shared_protected(&mut self, i: usize, referenced: bool) -> bool {
        let m = &mut self.meta[i];
        m.idle = if referenced { 0 } else { m.idle.saturating_add(1) };
        m.idle < self.shared_sweeps
    }

    /// Clock and FIFO: examine from the front; a page given another chance
    /// (or pinned, or a protected shared page) goes to the back. Every pass
    /// clears references, and a shared page needs `shared_sweeps` passes,
    /// so the bound below always lets a victim be found if one exists.
    fn choose_in_order(&mut self, refs: &mut impl References) -> Option<(u64, Reason)> {
        let passes = self.shared_sweeps as usize + 2;
        let mut budget = passes * (self.ring.len() + 1);
        while budget > 0 {
            budget -= 1;
            let entry = self.ring.pop_front()?;
            if !self.is_current(entry) {
                continue;
            }
            self.stats.examined += 1;
            let (i, frame) = (entry.0 as usize, self.frame(entry.0));
            if refs.pinned(frame) {
                self.ring.push_back(entry);
                continue;
            }
            if self.meta[i].shared {
                let referenced = refs.take_referenced(frame);
                if self.shared_protected(i, referenced) {
                    self.ring.push_back(entry);
                    continue;
                }
                return Some((frame, Reason::SharedIdle(self.meta[i].idle)));
            }
            if self.policy == Policy::Fifo {
                return Some((frame, Reason::Oldest));
            }
            if refs.take_referenced(frame) {
                self.ring.push_back(entry);
                continue;
            }
            return Some((frame, Reason::NotReferenced));
        }
        self.first_young_shared(refs)
    }

    /// When nothing else can go: the first shared page in the ring that is
    /// not pinned, however recently used.
    fn first_young_shared(&mut self, refs: &impl References) -> Option<(u64, Reason)> {
        let entry = self.ring.iter().copied().find(|&entry| {
            self.is_current(entry) && self.meta[entry.0 as usize].shared && !refs.pinned(self.frame(entry.0))
        })?;
        Some((self.frame(entry.0), Reason::OnlySharedLeft))
    }

    /// LRU: the unpinned page with the smallest (age, last sample seen
    /// referenced, arrival); shared pages only once idle long enough.
    fn choose_oldest_age(&mut self, refs: &mut impl References) -> Option<(u64, Reason)> {
        // The best page, and the best among shared pages not yet idle for
        // `shared=` samples: those go only when nothing else can (the
        // samples that would make them idle may be far apart).
        let mut best: Option<((u64, u8, usize), u32)> = None;
        let mut best_young_shared: Option<((u64, u8, usize), u32)> = None;
        for (position, &entry) in self.ring.iter().enumerate() {
            if !self.is_current(entry) || refs.pinned(self.frame(entry.0)) {
                continue;
            }
            let m = &self.meta[entry.0 as usize];
            // The last interval with a reference first (the age's highest
            // bit, with no horizon), then the finer history the age keeps.
            let key = (m.last_seen, m.age, position);
            let slot = if m.shared && m.idle < self.shared_sweeps { &mut best_young_shared } else { &mut best };
            if slot.is_none_or(|(b, _)| key < b) {
                *slot = Some((key, entry.0));
            }
        }
        self.stats.examined += self.ring.len() as u64;
        let (key, i) = best.or(best_young_shared)?;
        let m = self.meta[i as usize];
        let reason = if m.shared { Reason::SharedIdle(m.idle) } else { Reason::Age(key.1) };
        Some((self.frame(i), reason))
    }

    /// Random: draws until an unpinned page (and, for a shared page, one
    /// idle long enough) comes up.
    fn choose_random(&mut self, refs: &mut impl References) -> Option<(u64, Reason)> {
        self.compact();
        let passes = self.shared_sweeps as usize + 2;
        for _ in 0..passes * (self.ring.len() + 1) * 2 {
            if self.ring.is_empty() {
                return None;
            }
            let drawn = self.next_random() % self.ring.len();
            let entry = self.ring[drawn];
            self.stats.examined += 1;
            let (i, frame) = (entry.0 as usize, self.frame(entry.0));
            if refs.pinned(frame) {
                continue;
            }
            if self.meta[i].shared {
                let referenced = refs.take_referenced(frame);
                if self.shared_protected(i, referenced) {
                    continue;
                }
                return Some((frame, Reason::SharedIdle(self.meta[i].idle)));
            }
            return Some((frame, Reason::Drawn));
        }
        self.first_young_shared(refs)
    }

    /// xorshift64*.
    fn next_random(&mut self) -> usize {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as usize
    }
}

#[cfg(test)]
mod tests;
