//! The modelled TLB: the translation cache students measure. Its shape
//! (entries, associativity, replacement policy) is a parameter; entries
//! are tagged by ASID, honour the global bit, and may map 4 KiB, 2 MiB or
//! 1 GiB pages. Every lookup, hit, miss, fill, eviction and flush is
//! counted.
//!
//! An entry lives in the set chosen by its virtual page number at its own
//! page size, so a lookup probes up to three sets (4 KiB, 2 MiB, 1 GiB).
//! Like hardware, the TLB keeps what it has cached until an `sfence.vma`
//! or an eviction: a page-table change in memory is not seen before that.

use std::fmt;

use crate::cpu::Access;

/// Replacement policy within a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Least recently used.
    Lru,
    /// First in, first out.
    Fifo,
    /// Random, from a fixed seed so runs are reproducible.
    Random,
}

impl Policy {
    /// Every policy, in the order the command line lists them.
    pub const ALL: [Policy; 3] = [Policy::Lru, Policy::Fifo, Policy::Random];

    /// The policy called `name` on the command line.
    pub fn parse(name: &str) -> Result<Policy, String> {
        Policy::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| format!("unknown policy '{name}' (lru, fifo or random)"))
    }

    /// The policy's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Lru => "lru",
            Policy::Fifo => "fifo",
            Policy::Random => "random",
        }
    }
}

/// Largest TLB rvsim models (slot numbers must stay below the host fast
/// path's 12-bit slot field).
pub const MAX_ENTRIES: usize = 4095;
/// Stamps kept: one per possible slot, so that a masked slot number needs
/// no bounds check on the hot path.
const STAMP_SLOTS: usize = 4096;

/// The shape of the TLB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlbShape {
    /// Total entries.
    pub entries: usize,
    /// Entries per set: 1 is direct-mapped, `entries` fully associative.
    pub ways: usize,
    /// Replacement policy.
    pub policy: Policy,
}

impl Default for TlbShape {
    fn default() -> Self {
        TlbShape { entries: 64, ways: 4, policy: Policy::Lru }
    }
}

impl fmt::Display for TlbShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entries={},ways={},policy={}", self.entries, self.ways, self.policy.name())
    }
}

impl TlbShape {
    /// Parses `entries=64,ways=4,policy=lru`; omitted keys keep their
    /// defaults, and `ways=full` means fully associative.
    pub fn parse(text: &str) -> Result<TlbShape, String> {
        let mut shape = TlbShape::default();
        let mut ways_full = false;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("'{part}' is not key=value"))?;
            let number = || value.parse::<usize>().map_err(|_| format!("{key}: '{value}' is not a number"));
            match key {
                "entries" => shape.entries = number()?,
                "ways" if value == "full" => ways_full = true,
                "ways" => shape.ways = number()?,
                "policy" => shape.policy = Policy::parse(value)?,
                _ => return Err(format!("unknown key '{key}' (use entries, ways, policy)")),
            }
        }
        if ways_full {
            shape.ways = shape.entries;
        }
        shape.validate()?;
        Ok(shape)
    }

    /// Checks that the shape can be built.
    pub fn validate(&self) -> Result<(), String> {
        if self.entries == 0 || self.entries > MAX_ENTRIES {
            return Err(format!("entries={} must be between 1 and {MAX_ENTRIES}", self.entries));
        }
        if self.ways == 0 || self.ways > self.entries || !self.entries.is_multiple_of(self.ways) {
            return Err(format!("ways={} must divide entries={}", self.ways, self.entries));
        }
        Ok(())
    }

    /// Number of sets.
    pub fn sets(&self) -> usize {
        self.entries / self.ways
    }
}

/// Page-size levels of Sv39 leaf entries: 0 is 4 KiB, 1 is 2 MiB, 2 is
/// 1 GiB.
pub const LEVELS: u8 = 3;

/// log2 of the page size at `level`.
pub fn page_shift(level: u8) -> u32 {
    12 + 9 * level as u32
}

/// Virtual page number of `va` at `level` (only the 39 translated bits).
pub fn vpn(va: u64, level: u8) -> u64 {
    (va & ((1 << 39) - 1)) >> page_shift(level)
}

/// One cached translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TlbEntry {
    /// Holds a translation.
    pub valid: bool,
    /// Virtual page number at this entry's page size.
    pub vpn: u64,
    /// Page size level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB).
    pub level: u8,
    /// Address space the entry belongs to (ignored when global).
    pub asid: u16,
    /// Valid in every address space (PTE G bit).
    pub global: bool,
    /// Physical page number of the page's first 4 KiB frame.
    pub ppn: u64,
    /// The leaf PTE's low flag bits (V R W X U G A D).
    pub flags: u8,
    /// Physical address of the leaf PTE.
    pub pte_addr: u64,
}

impl TlbEntry {
    /// Whether this entry translates `va` in address space `asid`.
    #[inline]
    pub fn matches(&self, va: u64, asid: u16) -> bool {
        self.valid && self.vpn == vpn(va, self.level) && (self.global || self.asid == asid)
    }

    /// The physical address `va` translates to through this entry.
    #[inline]
    pub fn translate(&self, va: u64) -> u64 {
        let offset_mask = (1u64 << page_shift(self.level)) - 1;
        (self.ppn << 12) | (va & offset_mask)
    }

    /// Page size in bytes.
    pub fn page_size(&self) -> u64 {
        1 << page_shift(self.level)
    }
}

/// The four forms of `sfence.vma`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushForm {
    /// rs1 = x0, rs2 = x0: every entry, global ones included.
    All,
    /// rs1 = x0, rs2 = asid: every non-global entry of one address space.
    Asid(u16),
    /// rs1 = va, rs2 = x0: every entry mapping `va`, global ones included.
    Address(u64),
    /// rs1 = va, rs2 = asid: non-global entries of one address space
    /// mapping `va`.
    AddressAsid(u64, u16),
}

impl FlushForm {
    /// Index into [`TlbStats::flushes`].
    pub fn index(self) -> usize {
        match self {
            FlushForm::All => 0,
            FlushForm::Asid(_) => 1,
            FlushForm::Address(_) => 2,
            FlushForm::AddressAsid(..) => 3,
        }
    }

    /// Names of the forms, in [`FlushForm::index`] order.
    pub const NAMES: [&'static str; 4] = ["all", "asid", "va", "va+asid"];

    fn removes(self, entry: &TlbEntry) -> bool {
        match self {
            FlushForm::All => true,
            FlushForm::Asid(asid) => !entry.global && entry.asid == asid,
            FlushForm::Address(va) => entry.vpn == vpn(va, entry.level),
            FlushForm::AddressAsid(va, asid) => {
                !entry.global && entry.asid == asid && entry.vpn == vpn(va, entry.level)
            }
        }
    }
}

/// What the TLB counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlbStats {
    /// Hits, by access kind (fetch, load, store).
    pub hits: [u64; 3],
    /// Misses, by access kind.
    pub misses: [u64; 3],
    /// Entries filled after a walk.
    pub fills: u64,
    /// Valid entries replaced by a fill.
    pub evictions: u64,
    /// `sfence.vma` executions, by form ([`FlushForm::NAMES`]).
    pub flushes: [u64; 4],
    /// Valid entries removed by flushes.
    pub flushed_entries: u64,
}

impl TlbStats {
    /// Lookups of one access kind: hits plus misses.
    pub fn lookups(&self, access: Access) -> u64 {
        self.hits[access as usize] + self.misses[access as usize]
    }

    /// Hits over all kinds.
    pub fn total_hits(&self) -> u64 {
        self.hits.iter().sum()
    }

    /// Misses over all kinds.
    pub fn total_misses(&self) -> u64 {
        self.misses.iter().sum()
    }
}

/// The modelled TLB.
pub struct Tlb {
    shape: TlbShape,
    sets: usize,
    /// `sets - 1` when the number of sets is a power of two (a mask then
    /// replaces the division).
    set_mask: Option<u64>,
    entries: Vec<TlbEntry>,
    /// Each slot's lookup key ([`lookup_key`]), [`NO_KEY`] when empty: a
    /// probe compares these, one word a way.
    keys: Vec<u64>,
    /// LRU: time of last use; FIFO: time of fill.
    stamps: Box<[u64; STAMP_SLOTS]>,
    /// The set of each slot; [`NO_SET`] for the one slot number no entry
    /// has (the host fast path's "no slot"), so that touching it is
    /// touching the most recent of a set of its own: nothing.
    set_of: Box<[u16; STAMP_SLOTS]>,
    /// The most recently used (or filled) slot of each set, or `u16::MAX`
    /// when none was.
    mru: Box<[u16; STAMP_SLOTS]>,
    /// 1 for the slot that is its set's most recent, 0 for the others:
    /// under LRU, touching it again changes no order, so the hot path
    /// only reads a byte. (Always 1 for the slot no entry has.)
    is_mru: Box<[u8; STAMP_SLOTS]>,
    /// Empty ways in each set: a victim is looked for among them first.
    empty_ways: Vec<u32>,
    /// Valid entries per page-size level, so lookups skip sizes that are
    /// absent (usually both superpage sizes).
    per_level: [u32; LEVELS as usize],
    /// The policy is LRU (hits update stamps).
    lru: bool,
    clock: u64,
    rng: u64,
    /// Counters.
    pub stats: TlbStats,
}

/// Where code the translator generates finds the TLB's accounting state
/// (byte offsets into a [`Tlb`]): it does inline what [`Tlb::record_hit`],
/// [`Tlb::touch`] and [`Tlb::count_hits`] do, on the same fields, so both
/// engines keep one set of counters and one LRU order.
#[derive(Debug, Clone, Copy)]
pub struct AccountingLayout {
    /// `stats.hits`: three `u64`, fetch, load, store.
    pub hits: usize,
    /// The pointer to each slot's "most recent of its set" flag,
    /// `STAMP_SLOTS` bytes.
    pub is_mru: usize,
}

/// Stamps there are (a power of two): a slot number masked by
/// `STAMP_INDEX_MASK` needs no bounds check.
pub const STAMP_INDEX_MASK: u64 = STAMP_SLOTS as u64 - 1;

/// The set of the slots no entry has.
const NO_SET: u16 = STAMP_SLOTS as u16 - 1;
/// The slot number no entry has ([`crate::mmu::fast::NO_SLOT`]).
const NO_SLOT_U16: u16 = crate::mmu::fast::NO_SLOT as u16;

const RANDOM_SEED: u64 = 0x2545_f491_4f6c_dd1d;

/// The key of an empty slot: no page number is this large.
const NO_KEY: u64 = u64::MAX;

/// The lookup key of a translation: page number and level, then a global
/// flag, then the ASID (0 for global entries), so that a probe is at most
/// two compares a way: the exact key, or the page's global key.
#[inline(always)]
fn lookup_key(vpn: u64, level: u8, global: bool, asid: u16) -> u64 {
    let page = ((vpn << 2) | level as u64) << 1;
    if global { (page | 1) << 16 } else { (page << 16) | asid as u64 }
}

fn entry_key(entry: &TlbEntry) -> u64 {
    if entry.valid { lookup_key(entry.vpn, entry.level, entry.global, entry.asid) } else { NO_KEY }
}

impl Tlb {
    /// Where generated code finds the accounting state.
    pub const LAYOUT: AccountingLayout =
        AccountingLayout { hits: std::mem::offset_of!(Tlb, stats.hits), is_mru: std::mem::offset_of!(Tlb, is_mru) };

    /// An empty TLB of the given shape (which must be valid).
    pub fn new(shape: TlbShape) -> Tlb {
        let shape = if shape.validate().is_ok() { shape } else { TlbShape::default() };
        Tlb {
            shape,
            sets: shape.sets(),
            set_mask: shape.sets().is_power_of_two().then(|| shape.sets() as u64 - 1),
            entries: vec![TlbEntry::default(); shape.entries],
            keys: vec![NO_KEY; shape.entries],
            stamps: Box::new([0; STAMP_SLOTS]),
            set_of: Box::new(std::array::from_fn(|slot| {
                if slot < shape.entries { (slot / shape.ways) as u16 } else { NO_SET }
            })),
            mru: Box::new(std::array::from_fn(|set| if set == NO_SET as usize { NO_SLOT_U16 } else { u16::MAX })),
            is_mru: Box::new(std::array::from_fn(|slot| (slot == NO_SLOT_U16 as usize) as u8)),
            empty_ways: vec![shape.ways as u32; shape.sets()],
            per_level: [0; LEVELS as usize],
            lru: shape.policy == Policy::Lru,
            clock: 0,
            rng: RANDOM_SEED,
            stats: TlbStats::default(),
        }
    }

    /// Whether hits change replacement state (the policy is LRU).
    pub fn is_lru(&self) -> bool {
        self.lru
    }

    /// The TLB's shape.
    pub fn shape(&self) -> TlbShape {
        self.shape
    }

    /// The set a page of `va` at `level` lives in.
    #[inline]
    pub fn set_of(&self, va: u64, level: u8) -> usize {
        let vpn = vpn(va, level);
        (match self.set_mask {
            Some(mask) => vpn & mask,
            None => vpn % self.sets as u64,
        }) as usize
    }

    /// The slots of `set`. Sets and ways number fewer than 4096 (at most
    /// [`MAX_ENTRIES`] entries), so as `u16`s they are whole, and the
    /// compiler sees that the range cannot overflow.
    #[inline(always)]
    fn slots(&self, set: usize) -> std::ops::Range<usize> {
        let (set, ways) = (set as u16 as usize, self.shape.ways as u16 as usize);
        set * ways..set * ways + ways
    }

    /// Looks `va` up for an access of kind `access` in address space
    /// `asid`, counting a hit or a miss. Returns the matching slot.
    pub fn lookup(&mut self, va: u64, asid: u16, access: Access) -> Option<usize> {
        match self.find(va, asid) {
            Some(slot) => {
                self.record_hit(slot, access);
                Some(slot)
            }
            None => {
                self.stats.misses[access as usize] += 1;
                None
            }
        }
    }

    /// Finds the slot translating `va` without counting anything.
    #[inline(always)]
    pub fn find(&self, va: u64, asid: u16) -> Option<usize> {
        for level in 0..LEVELS {
            if self.per_level[level as usize] == 0 {
                continue;
            }
            let vpn = vpn(va, level);
            let (exact, global) = (lookup_key(vpn, level, false, asid), lookup_key(vpn, level, true, 0));
            let slots = self.slots(self.set_of(va, level));
            let start = slots.start;
            if let Some(i) = self.keys[slots].iter().position(|&k| k == exact || k == global) {
                return Some(start + i);
            }
        }
        None
    }

    /// Counts a hit on `slot` that was found without [`Tlb::lookup`] (the
    /// host fast path), keeping LRU order exact.
    #[inline(always)]
    pub fn record_hit(&mut self, slot: usize, access: Access) {
        self.stats.hits[access as usize] += 1;
        self.touch(slot);
    }

    /// Makes `slot` the most recently used (under LRU) without counting
    /// anything: for a run of hits on one slot that are counted at once
    /// ([`Tlb::count_hits`]).
    #[inline(always)]
    pub fn touch(&mut self, slot: usize) {
        // Using the most recent slot of its set again changes no order
        // within the set, which is all replacement compares: nothing is
        // stored.
        let slot = slot & (STAMP_SLOTS - 1);
        if self.lru && self.is_mru[slot] == 0 {
            self.stamp(slot);
        }
    }

    /// Stamps `slot` as its set's most recent: the part of a touch that
    /// changes the order, out of line so that the instructions whose
    /// accesses touch stay small enough for their handlers to inline.
    #[inline(never)]
    fn stamp(&mut self, slot: usize) {
        let slot = slot & (STAMP_SLOTS - 1);
        self.clock += 1;
        self.stamps[slot] = self.clock;
        self.make_most_recent(slot);
    }

    /// Records `slot` as its set's most recent.
    fn make_most_recent(&mut self, slot: usize) {
        let slot = slot & (STAMP_SLOTS - 1);
        let set = self.set_of[slot] as usize & (STAMP_SLOTS - 1);
        let old = std::mem::replace(&mut self.mru[set], slot as u16);
        if old != u16::MAX {
            self.is_mru[old as usize & (STAMP_SLOTS - 1)] = 0;
        }
        self.is_mru[slot] = 1;
    }

    /// Counts `n` hits of kind `access` whose slot was touched already.
    #[inline(always)]
    pub fn count_hits(&mut self, access: Access, n: u64) {
        self.stats.hits[access as usize] += n;
    }

    /// Counts a miss that [`Tlb::lookup`] did not see: a store that found
    /// an entry whose D bit is clear must walk again to set it.
    pub fn record_miss(&mut self, access: Access) {
        self.stats.misses[access as usize] += 1;
    }

    /// Caches `entry` (for the page containing `va`), replacing an entry of
    /// its set per the policy. An existing entry for the same page and
    /// address space is replaced in place (not counted as an eviction).
    /// Returns the slot used and, if it held a valid entry before, that
    /// entry's page as (virtual address, level).
    #[inline(always)]
    pub fn fill(&mut self, va: u64, entry: TlbEntry) -> (usize, Option<(u64, u8)>) {
        let set = self.set_of(va, entry.level);
        let exact = lookup_key(entry.vpn, entry.level, false, entry.asid);
        let global = lookup_key(entry.vpn, entry.level, true, 0);
        let same_page = self.keys[self.slots(set)].iter().position(|&k| k == exact || k == global);
        self.fill_way(set, same_page, entry)
    }

    /// [`Tlb::fill`] after [`Tlb::find`] found no entry translating `va`:
    /// then no entry for its page is in the set, and none is looked for.
    /// `small_set` is `set_of(va, 0)`, the set of `va`'s 4 KiB page, where
    /// a 4 KiB entry goes: a miss works it out before its walk, so that
    /// nothing else of the lookup need be kept across the walk.
    #[inline(always)]
    pub fn fill_absent(&mut self, small_set: usize, va: u64, entry: TlbEntry) -> (usize, Option<(u64, u8)>) {
        debug_assert!(self.find(va, entry.asid).is_none(), "fill_absent with {va:#x} cached");
        let set = if entry.level == 0 { small_set } else { self.set_of(va, entry.level) };
        self.fill_way(set, None, entry)
    }

    /// Fills `set`: into way `same_page`, which holds the same page, or
    /// else into the victim.
    #[inline(always)]
    fn fill_way(&mut self, set: usize, same_page: Option<usize>, entry: TlbEntry) -> (usize, Option<(u64, u8)>) {
        let slot = self.slots(set).start + same_page.unwrap_or_else(|| self.victim(set));
        let old = &self.entries[slot];
        let replaced = old.valid.then(|| (old.vpn << page_shift(old.level), old.level));
        match replaced {
            Some((_, level)) => {
                self.per_level[level as usize] -= 1;
                self.stats.evictions += same_page.is_none() as u64;
            }
            None => self.empty_ways[set] -= 1,
        }
        self.entries[slot] = TlbEntry { valid: true, ..entry };
        self.keys[slot] = entry_key(&self.entries[slot]);
        self.per_level[entry.level as usize] += 1;
        self.clock += 1;
        self.stamps[slot & (STAMP_SLOTS - 1)] = self.clock;
        self.make_most_recent(slot);
        self.stats.fills += 1;
        (slot, replaced)
    }

    /// The way of `set` a fill replaces: an empty one if any (the first),
    /// else the least recently used (LRU), the oldest (FIFO) or one at
    /// random.
    #[inline(always)]
    fn victim(&mut self, set: usize) -> usize {
        let (slots, ways) = (self.slots(set), self.shape.ways);
        if self.empty_ways[set] > 0 {
            return self.keys[slots].iter().position(|&k| k == NO_KEY).unwrap_or(0);
        }
        if self.shape.policy == Policy::Random {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            return (self.rng % ways as u64) as usize;
        }
        // LRU stamps are last uses, FIFO stamps fill times: the smallest
        // goes (the first of equals).
        let mut oldest = (0, u64::MAX);
        for (way, &stamp) in self.stamps[slots].iter().enumerate() {
            if stamp < oldest.1 {
                oldest = (way, stamp);
            }
        }
        oldest.0
    }

    /// The entry in `slot`.
    #[inline(always)]
    pub fn entry(&self, slot: usize) -> &TlbEntry {
        &self.entries[slot]
    }

    /// Updates the cached flags of `slot` (after the walk set D).
    pub fn set_flags(&mut self, slot: usize, flags: u8) {
        self.entries[slot].flags = flags;
    }

    /// Executes an `sfence.vma` of the given form; returns how many valid
    /// entries it removed.
    pub fn flush(&mut self, form: FlushForm) -> u64 {
        self.stats.flushes[form.index()] += 1;
        let mut removed = 0;
        for (slot, (entry, key)) in self.entries.iter_mut().zip(&mut self.keys).enumerate() {
            if entry.valid && form.removes(entry) {
                entry.valid = false;
                *key = NO_KEY;
                self.per_level[entry.level as usize] -= 1;
                self.empty_ways[self.set_of[slot & (STAMP_SLOTS - 1)] as usize] += 1;
                removed += 1;
            }
        }
        self.stats.flushed_entries += removed;
        removed
    }

    /// Valid entries with their slots, for tools.
    pub fn valid_entries(&self) -> impl Iterator<Item = (usize, &TlbEntry)> {
        self.entries.iter().enumerate().filter(|(_, e)| e.valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: u64 = 4096;

    fn entry(va: u64, asid: u16, global: bool) -> TlbEntry {
        TlbEntry {
            valid: true,
            vpn: vpn(va, 0),
            level: 0,
            asid,
            global,
            ppn: 0x80000 + vpn(va, 0),
            flags: 0xcf,
            pte_addr: 0,
        }
    }

    /// Runs a sequence of page accesses in ASID 1, filling on each miss,
    /// and returns "h"/"m" per access.
    fn trace(tlb: &mut Tlb, pages: &[u64]) -> String {
        pages
            .iter()
            .map(|&p| {
                let va = p * PAGE;
                if tlb.lookup(va, 1, Access::Load).is_some() {
                    'h'
                } else {
                    tlb.fill(va, entry(va, 1, false));
                    'm'
                }
            })
            .collect()
    }

    #[test]
    fn shapes_parse_and_validate() {
        assert_eq!(TlbShape::parse("entries=64,ways=4,policy=lru"), Ok(TlbShape::default()));
        assert_eq!(TlbShape::parse("entries=8,ways=full").map(|s| s.ways), Ok(8));
        assert_eq!(TlbShape::parse("policy=fifo").map(|s| (s.entries, s.policy)), Ok((64, Policy::Fifo)));
        assert!(TlbShape::parse("entries=6,ways=4").is_err());
        assert!(TlbShape::parse("entries=0").is_err());
        assert!(TlbShape::parse("policy=plru").is_err());
        assert!(TlbShape::parse("size=3").is_err());
        assert!(TlbShape::parse("entries=lots").is_err());
    }

    #[test]
    fn fully_associative_lru_keeps_the_recently_used() {
        // 2 entries, LRU. A B A C: C evicts B (least recent), so A hits.
        let mut tlb = Tlb::new(TlbShape { entries: 2, ways: 2, policy: Policy::Lru });
        assert_eq!(trace(&mut tlb, &[1, 2, 1, 3, 1, 2]), "mmhmhm");
        assert_eq!(tlb.stats.hits[Access::Load as usize], 2);
        assert_eq!(tlb.stats.misses[Access::Load as usize], 4);
        assert_eq!(tlb.stats.evictions, 2);
    }

    #[test]
    fn fully_associative_fifo_evicts_the_oldest_fill() {
        // Same sequence under FIFO: C evicts A (oldest fill) despite the hit.
        let mut tlb = Tlb::new(TlbShape { entries: 2, ways: 2, policy: Policy::Fifo });
        assert_eq!(trace(&mut tlb, &[1, 2, 1, 3, 1, 2]), "mmhmmm");
    }

    #[test]
    fn direct_mapped_conflicts_on_the_same_index() {
        // 4 sets of 1: pages 1 and 5 share set 1 and evict each other;
        // page 2 sits in set 2 undisturbed.
        let mut tlb = Tlb::new(TlbShape { entries: 4, ways: 1, policy: Policy::Lru });
        assert_eq!(trace(&mut tlb, &[1, 5, 1, 2, 5, 2]), "mmmmmh");
    }

    #[test]
    fn set_associative_lru_per_set() {
        // 2 sets of 2 ways. Even pages go to set 0, odd to set 1.
        // 0 2 4 evicts 0 from set 0; 1 3 stay in set 1.
        let mut tlb = Tlb::new(TlbShape { entries: 4, ways: 2, policy: Policy::Lru });
        assert_eq!(trace(&mut tlb, &[0, 2, 1, 3, 4, 1, 3, 2, 0]), "mmmmmhhhm");
    }

    #[test]
    fn random_policy_is_reproducible() {
        let pages: Vec<u64> = (0..200).map(|i| (i * 7919) % 23).collect();
        let shape = TlbShape { entries: 8, ways: 8, policy: Policy::Random };
        let (mut a, mut b) = (Tlb::new(shape), Tlb::new(shape));
        assert_eq!(trace(&mut a, &pages), trace(&mut b, &pages));
    }

    #[test]
    fn asids_separate_address_spaces_and_global_entries_are_shared() {
        let mut tlb = Tlb::new(TlbShape::default());
        tlb.fill(0x1000, entry(0x1000, 1, false));
        tlb.fill(0x2000, entry(0x2000, 1, true));
        assert!(tlb.lookup(0x1000, 1, Access::Load).is_some());
        assert!(tlb.lookup(0x1000, 2, Access::Load).is_none(), "other ASID misses");
        assert!(tlb.lookup(0x2000, 2, Access::Load).is_some(), "global entry hits in any ASID");
    }

    #[test]
    fn flush_forms_follow_the_specification() {
        let fill = |tlb: &mut Tlb| {
            tlb.fill(0x1000, entry(0x1000, 1, false));
            tlb.fill(0x1000, entry(0x1000, 2, false));
            tlb.fill(0x3000, entry(0x3000, 1, false));
            tlb.fill(0x5000, entry(0x5000, 3, true));
        };
        let present = |tlb: &Tlb| -> Vec<(u64, u16)> {
            let mut v: Vec<_> = tlb.valid_entries().map(|(_, e)| (e.vpn, e.asid)).collect();
            v.sort();
            v
        };
        let mut tlb = Tlb::new(TlbShape::default());
        fill(&mut tlb);
        assert_eq!(tlb.flush(FlushForm::Asid(1)), 2);
        assert_eq!(present(&tlb), vec![(1, 2), (5, 3)], "global entry of ASID 3 survives; ASID 2 survives");

        let mut tlb = Tlb::new(TlbShape::default());
        fill(&mut tlb);
        assert_eq!(tlb.flush(FlushForm::Asid(3)), 0, "global entries survive an ASID flush");

        let mut tlb = Tlb::new(TlbShape::default());
        fill(&mut tlb);
        assert_eq!(tlb.flush(FlushForm::Address(0x1abc)), 2, "both ASIDs' entries for the page");
        assert_eq!(tlb.flush(FlushForm::Address(0x5000)), 1, "global entries included");

        let mut tlb = Tlb::new(TlbShape::default());
        fill(&mut tlb);
        assert_eq!(tlb.flush(FlushForm::AddressAsid(0x1000, 2)), 1);
        assert_eq!(tlb.flush(FlushForm::AddressAsid(0x5000, 3)), 0, "global entries are kept");
        assert_eq!(tlb.flush(FlushForm::All), 3);
        assert_eq!(tlb.stats.flushes, [1, 0, 0, 2]);
        assert_eq!(tlb.stats.flushed_entries, 4);
    }

    #[test]
    fn superpages_are_found_from_any_address_inside() {
        let mut tlb = Tlb::new(TlbShape { entries: 16, ways: 2, policy: Policy::Lru });
        let base = 0x4020_0000u64;
        let big = TlbEntry {
            valid: true,
            vpn: vpn(base, 1),
            level: 1,
            asid: 0,
            global: false,
            ppn: 0x80200,
            flags: 0xcf,
            pte_addr: 0,
        };
        tlb.fill(base, big);
        let slot = tlb.lookup(base + 0x1f_f123, 0, Access::Fetch).expect("hit inside the 2 MiB page");
        assert_eq!(tlb.entry(slot).translate(base + 0x1f_f123), 0x8020_0000 + 0x1f_f123);
        assert!(tlb.lookup(base + 0x20_0000, 0, Access::Fetch).is_none());
        assert_eq!(tlb.flush(FlushForm::Address(base + 0x12_3000)), 1, "flush by an address inside the page");
    }

    #[test]
    fn a_flushed_way_is_filled_before_anything_is_evicted() {
        for policy in Policy::ALL {
            // One set of 4 ways, full; flushing page 2 empties its way.
            let mut tlb = Tlb::new(TlbShape { entries: 4, ways: 4, policy });
            assert_eq!(trace(&mut tlb, &[1, 2, 3, 4]), "mmmm");
            let flushed = tlb.find(2 * PAGE, 1).expect("page 2 cached");
            assert_eq!(tlb.flush(FlushForm::Address(2 * PAGE)), 1);
            let (slot, replaced) = tlb.fill_absent(tlb.set_of(5 * PAGE, 0), 5 * PAGE, entry(5 * PAGE, 1, false));
            assert_eq!((slot, replaced, tlb.stats.evictions), (flushed, None, 0), "{policy:?}");
            // Full again: the next fill evicts.
            assert_eq!(trace(&mut tlb, &[6]), "m");
            assert_eq!(tlb.stats.evictions, 1, "{policy:?}");
        }
    }

    #[test]
    fn a_superpage_filled_after_a_miss_goes_to_its_own_set() {
        // 4 sets of 1 way: the 4 KiB page at 0x40_1000 is in set 1, its
        // 2 MiB page (VPN 2) in set 2.
        let mut tlb = Tlb::new(TlbShape { entries: 4, ways: 1, policy: Policy::Lru });
        let va = 0x40_1000;
        let small_set = tlb.set_of(va, 0);
        let superpage = TlbEntry { vpn: vpn(va, 1), level: 1, ..entry(va, 1, false) };
        let (slot, _) = tlb.fill_absent(small_set, va, superpage);
        assert_eq!((small_set, slot), (1, 2));
        assert_eq!(tlb.find(va + 0x1234, 1), Some(2));
    }

    #[test]
    fn refilling_the_same_page_replaces_in_place() {
        let mut tlb = Tlb::new(TlbShape { entries: 2, ways: 2, policy: Policy::Lru });
        tlb.fill(0x1000, entry(0x1000, 1, false));
        let (_, previous) = tlb.fill(0x1000, TlbEntry { flags: 0xff, ..entry(0x1000, 1, false) });
        assert_eq!(previous, Some((0x1000, 0)), "the replaced entry's page is reported");
        assert_eq!(tlb.valid_entries().count(), 1);
        assert_eq!(tlb.stats.evictions, 0);
    }
}
