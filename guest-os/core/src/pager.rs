//! The pager's state: what it needs to know about user pages beyond the
//! page tables. It holds
//! - the reverse map (which PTEs map each user frame),
//! - the replacer (which resident pages may be evicted, and in what order),
//! - the swap slots and the swap cache (frames paired with slots while a
//!   transfer is in flight, or while a page read back is still shared),
//! - the commit account (the pages processes may need, against RAM plus
//!   swap),
//! - the user-frame budget (boot argument `frames=`),
//! - and the TLB entries that changes to other processes' page tables
//!   left to flush.
//!
//! The reverse map and the replacer are kept only from the first time
//! memory gets short (see [`crate::tracking`]): until then nothing is
//! evicted, and a new page costs no more than a frame and an entry.
//!
//! The kernel owns one `Pager` and lends it to the policy code in [`Vm`].

use alloc::vec::Vec;

use crate::frame::FrameTable;
use crate::pool::Pools;
use crate::replace::{Policy, Replacer};
use crate::rmap::{Mapping, Rmap};
use crate::swap::{Slot, SwapSpace};
use crate::swap_cache::SwapCache;

/// The commit account: every page a process may need a frame or a slot
/// for, against the limit of user frames (less [`text_reserve`]) plus swap
/// slots. A call that would go over the limit fails with ENOMEM (fork,
/// brk, exec, shmget), so that a fault never finds memory promised to it
/// missing; where nothing can fail (a stack growing), going over it kills
/// the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Commit {
    /// Pages the limit allows.
    pub limit: u64,
    /// Pages committed.
    pub used: u64,
}

/// No room in the commit account (or no frame, or no slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverCommit;

impl Commit {
    /// Commits `pages` more, or fails changing nothing.
    pub fn charge(&mut self, pages: u64) -> Result<(), OverCommit> {
        match self.used.checked_add(pages) {
            Some(used) if used <= self.limit => {
                self.used = used;
                Ok(())
            }
            _ => Err(OverCommit),
        }
    }

    /// Gives `pages` back.
    pub fn uncharge(&mut self, pages: u64) {
        self.used = self.used.saturating_sub(pages);
    }
}

/// How the pager is set up (boot arguments and the swap disk).
#[derive(Debug, Clone, Copy)]
pub struct PagerConfig {
    /// The replacement policy (`pager=`).
    pub policy: Policy,
    /// Examinations a shared page must be found unreferenced in before it
    /// may go (`shared=`).
    pub shared_sweeps: u32,
    /// Frames that may hold user pages at once (`frames=`, or what the
    /// kernel leaves).
    pub budget: usize,
    /// Slots of the swap disk (0: no swap).
    pub swap_slots: u32,
}

/// Frames of the budget that committed pages may not fill: program text is
/// not committed (it can always be dropped and loaded again), but the
/// programs running need some of it in memory, beside every committed
/// page, even with no swap. A sixteenth of the budget, and at least 8
/// frames (at most half the budget).
pub fn text_reserve(budget: usize) -> usize {
    (budget / 16).max(8).min(budget / 2)
}

/// Frames a fork leaves free for faults at least: one instruction may need
/// four pages at once.
pub const FAULT_RESERVE: usize = 4;

/// Pages a heap fault maps at once while memory is plentiful: the aligned
/// group of this many pages (256 KiB) around the faulting one. Anonymous
/// memory is cheap to map ahead (Linux's transparent huge pages map 2 MiB
/// at a first touch); what is never used stays clean and zero, and is the
/// first thing reclaim drops, for nothing, if memory runs short.
pub const FAULT_AROUND: u64 = 64;

/// The pager's state.
#[derive(Debug)]
pub struct Pager {
    /// Which PTEs map each user frame.
    pub rmap: Rmap,
    /// The evictable resident pages and the policy.
    pub replacer: Replacer,
    /// Frame pools (their pages are in no other replacer).
    pub pools: Pools,
    /// Swap slots.
    pub swap: SwapSpace,
    /// Frames paired with slots.
    pub cache: SwapCache,
    /// The commit account.
    pub commit: Commit,
    budget: usize,
    user_frames: usize,
    /// Whether the reverse map and the replacer are kept (see
    /// [`crate::tracking`]).
    tracking: bool,
    /// TLB entries to flush: PTEs of other address spaces (or of the
    /// current one, away from the faulting address) that changed.
    pub flushes: Vec<Mapping>,
    /// Page-table roots of spread address spaces (`threads=spread`), whose
    /// pages stay in memory: other nodes' copies are kept coherent with
    /// the frame here, which the DSM engine reads and writes directly.
    pub spread_roots: Vec<u64>,
}

impl Pager {
    /// A pager for the `count` frames from `base`.
    pub fn new(config: PagerConfig, base: u64, count: usize) -> Pager {
        Pager {
            rmap: Rmap::new(base, count),
            replacer: Replacer::new(config.policy, config.shared_sweeps, base, count),
            pools: Pools::new(base, count),
            swap: SwapSpace::new(config.swap_slots),
            cache: SwapCache::default(),
            commit: Commit {
                limit: (config.budget - text_reserve(config.budget)) as u64 + config.swap_slots as u64,
                used: 0,
            },
            budget: config.budget,
            user_frames: 0,
            tracking: false,
            flushes: Vec::new(),
            spread_roots: Vec::new(),
        }
    }

    /// Frames holding user pages now.
    pub fn user_frames(&self) -> usize {
        self.user_frames
    }

    /// Frames that may hold user pages at once.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// How many pages reclaim should free now: none while the frames a
    /// user page could take (within the budget, and free in the frame
    /// table, `free_frames`) are at the low watermark or above; else
    /// enough to reach the high one. The low watermark is a sixty-fourth
    /// of the budget (at least 1 frame: a fault takes one); the high one
    /// twice that. (A larger floor would empty a small budget at every
    /// reclaim, whatever the policy chose.)
    pub fn shortage(&self, free_frames: usize) -> usize {
        let (low, available) = (self.low_watermark().max(1), self.available(free_frames));
        if available >= low { 0 } else { 2 * low - available }
    }

    /// A sixty-fourth of the budget: the reserve below which reclaim runs.
    fn low_watermark(&self) -> usize {
        self.budget / 64
    }

    /// Frames a user page could take now: within the budget, and free in
    /// the frame table (`free_frames`).
    pub fn available(&self, free_frames: usize) -> usize {
        (self.budget - self.user_frames.min(self.budget)).min(free_frames)
    }

    /// Whether a fork must be refused: it would leave fewer frames than
    /// the low watermark, or than [`FAULT_RESERVE`], for the faults of the
    /// processes already running (a fork bomb then ends in ENOMEM, not in
    /// the out-of-memory killer).
    pub fn fork_refused(&self, free_frames: usize) -> bool {
        self.fork_shortage(free_frames) > 0
    }

    /// How many frames reclaim must free before a fork may go on (see
    /// [`Pager::fork_refused`]).
    pub fn fork_shortage(&self, free_frames: usize) -> usize {
        let reserve = self.low_watermark().max(FAULT_RESERVE);
        reserve.saturating_sub(self.available(free_frames))
    }

    /// Whether the commit account promises more pages than user frames and
    /// swap can hold now. Its limit assumes the whole budget can hold user
    /// pages, but page tables and kernel stacks come from the same free
    /// frames (`free_frames`): a fork that leaves the promises uncovered
    /// must fail instead, or a later fault would find no frame and end in
    /// the out-of-memory killer.
    pub fn overcommitted(&self, free_frames: usize) -> bool {
        let frames = self.budget.min(self.user_frames + free_frames).saturating_sub(text_reserve(self.budget));
        self.commit.used > (frames + self.swap.counts().total) as u64
    }

    /// The fewest frames free for user pages (within the budget, and in
    /// the frame table) at which memory is plentiful: a quarter of the
    /// budget, and more than a fault-around group.
    fn plenty(&self) -> usize {
        (self.budget / 4).max(FAULT_AROUND as usize + 1)
    }

    /// Whether memory is plentiful (see [`Pager::plenty`]; `free_frames`
    /// free in the frame table). Then nothing needs evicting soon.
    pub fn plentiful(&self, free_frames: usize) -> bool {
        self.available(free_frames) >= self.plenty()
    }

    /// How many pages a heap fault may map around the faulting one: those
    /// it can take while memory stays plentiful before each.
    pub fn fault_around_room(&self, free_frames: usize) -> usize {
        (self.available(free_frames) + 1).saturating_sub(self.plenty())
    }

    /// Whether the reverse map and the replacer are kept.
    pub fn tracking(&self) -> bool {
        self.tracking
    }

    /// Whether they should be from now on: memory is no longer plentiful
    /// (`free_frames` free in the frame table).
    pub fn wants_tracking(&self, free_frames: usize) -> bool {
        !self.tracking && !self.plentiful(free_frames)
    }

    /// Keeps the reverse map and the replacer from now on; the caller
    /// enters the pages already resident ([`crate::tracking::start`]).
    pub(crate) fn begin_tracking(&mut self) {
        self.tracking = true;
    }

    /// Records that `m` maps `frame` (while tracking).
    #[inline]
    pub fn mapped(&mut self, frame: u64, m: Mapping) {
        if self.tracking {
            self.rmap.add(frame, m);
        }
    }

    /// Records that `m` no longer maps `frame` (while tracking).
    #[inline]
    pub fn unmapped(&mut self, frame: u64, m: Mapping) {
        if self.tracking {
            self.rmap.remove(frame, m);
        }
    }

    /// `frame` holds an evictable page (`shared`: of the shared pages
    /// table): it joins the replacer (while tracking).
    #[inline]
    pub fn resident(&mut self, frame: u64, shared: bool) {
        if self.tracking {
            self.replacer.insert(frame, shared);
        }
    }

    /// Whether another user page fits the budget.
    pub fn room(&self) -> bool {
        self.user_frames < self.budget
    }

    /// A frame for a user page (`shared`: of the shared pages table), with
    /// one reference, its contents whatever they were; it joins the
    /// replacer (while tracking). `None` when the budget is spent or no
    /// frame is free: the caller must reclaim first.
    pub fn alloc_user(&mut self, frames: &mut FrameTable, shared: bool) -> Option<u64> {
        if !self.room() {
            return None;
        }
        let frame = frames.alloc()?;
        self.user_frames += 1;
        self.resident(frame, shared);
        Some(frame)
    }

    /// Drops one reference to a user page's frame; at the last it is free
    /// (and out of the replacer). Returns whether it was freed.
    pub fn release_user(&mut self, frames: &mut FrameTable, frame: u64) -> bool {
        let freed = frames.decref(frame);
        if freed {
            self.user_frames = self.user_frames.saturating_sub(1);
            if self.tracking {
                self.replacer.remove(frame);
                self.pools.forget(frame);
            }
        }
        freed
    }

    /// Drops one reference to `slot` (slot 0, a zero page, holds nothing);
    /// at the last, a frame the swap cache pairs with it goes too. For
    /// slots whose cached frame no entry maps (a segment's, the shared
    /// pages table's); a process's entries use [`crate::Vm::release_slot`].
    pub fn release_slot(&mut self, frames: &mut FrameTable, slot: Slot) {
        if slot != 0
            && self.swap.decref(slot)
            && let Some(frame) = self.cache.remove(slot)
        {
            self.release_user(frames, frame);
        }
    }

    /// Notes that the PTE for `va` in the space rooted at `root` changed
    /// under a running process: its TLB entry must go.
    pub fn flush(&mut self, root: u64, va: u64) {
        self.flushes.push(Mapping { root, va });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pager(budget: usize, swap_slots: u32) -> Pager {
        let config = PagerConfig { policy: Policy::Clock, shared_sweeps: 2, budget, swap_slots };
        Pager::new(config, 0x8000_0000, budget)
    }

    #[test]
    fn page_tables_taking_free_frames_leave_promises_uncovered() {
        let mut p = pager(100, 0);
        assert_eq!(p.commit.limit, 92, "the budget less the text reserve");
        p.commit.charge(82).unwrap();
        assert!(!p.overcommitted(100), "82 promised, 100 frames free");
        assert!(!p.overcommitted(90), "exactly covered, beside the 8 frames kept for text");
        assert!(p.overcommitted(89), "one frame went to a page table");
    }

    #[test]
    fn a_small_budget_is_not_emptied_by_reclaim() {
        // Eight frames, seven in use: one is free, which is enough for the
        // next fault; with none free, reclaim makes two.
        let mut p = pager(8, 64);
        let mut frames = FrameTable::new(0x8000_0000, 64, |_| false);
        for _ in 0..7 {
            p.alloc_user(&mut frames, false).unwrap();
        }
        assert_eq!(p.shortage(frames.counts().free), 0);
        p.alloc_user(&mut frames, false).unwrap();
        assert_eq!(p.shortage(frames.counts().free), 2);
        // A fork keeps four frames for faults.
        assert_eq!(p.fork_shortage(frames.counts().free), 4);
    }

    #[test]
    fn swap_and_resident_pages_cover_promises_too() {
        let mut p = pager(100, 50);
        let mut frames = FrameTable::new(0x8000_0000, 100, |_| false);
        p.commit.charge(140).unwrap();
        for _ in 0..60 {
            p.alloc_user(&mut frames, false).unwrap();
        }
        assert!(!p.overcommitted(40), "60 resident, 40 free, 50 slots");
        assert!(p.overcommitted(0) == (140 > 60 + 50), "free frames gone to the kernel");
        assert!(!p.overcommitted(1000), "never more than the budget counts");
    }
}
