//! The host fast path: small direct-mapped caches, one per privilege mode
//! and access kind, from a virtual page to the host address of its RAM.
//!
//! This is not the modelled TLB but a shortcut in front of it, with one
//! rule: it only holds translations the model holds (each entry names the
//! TLB slot it came from, so that a hit is still counted there and LRU
//! order stays exact), and it is emptied whenever anything its entries
//! were checked against changes: `satp`, `sfence.vma`, SUM/MXR, PMP, or
//! the eviction of their TLB slot. Separate caches per mode mean a trap or
//! `sret` needs no flush. Write entries exist only for pages whose D bit is
//! set, and never for pages a device must see (HTIF's `tohost`).

use crate::cpu::{Access, Privilege};

/// Entries per cache.
pub const ENTRIES: usize = 256;
/// `slot` of an entry with no TLB behind it (bare translation). Slots fit
/// in the 12 low bits of the page-aligned addend, so TLBs have fewer than
/// 4096 entries.
pub const NO_SLOT: u32 = 0xfff;
const INVALID: u64 = u64::MAX;
/// Caches are rows of a table indexed by `mode * 4 + access` (rows 3, 7
/// and 11 unused), so a masked index never needs a bounds check.
const ROWS: usize = 16;
/// Remembered installs per flushable set of rows; past this, a flush
/// clears the rows whole.
const TRACKED: usize = 512;

/// One cached page, in 16 bytes: the tag, then the addend and slot
/// (generated code reads them at offsets 0 and 8).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct FastEntry {
    /// Virtual page number (`va >> 12`), or `u64::MAX` when empty.
    pub tag: u64,
    /// Host address of the page minus its virtual address (a multiple of
    /// 4096), plus in the low 12 bits the TLB slot the translation came
    /// from, or [`NO_SLOT`].
    addend_slot: usize,
}

impl FastEntry {
    /// Host address of the page minus its virtual address.
    #[inline(always)]
    pub fn addend(&self) -> usize {
        self.addend_slot & !0xfff
    }

    /// TLB slot the translation came from, or [`NO_SLOT`].
    #[inline(always)]
    pub fn slot(&self) -> u32 {
        (self.addend_slot & 0xfff) as u32
    }
}

const EMPTY: FastEntry = FastEntry { tag: INVALID, addend_slot: NO_SLOT as usize };

/// Index of a privilege mode's caches (U, S, M).
#[inline(always)]
pub fn mode_index(mode: Privilege) -> usize {
    match mode {
        Privilege::User => 0,
        Privilege::Supervisor => 1,
        Privilege::Machine => 2,
    }
}

#[inline(always)]
fn row(mode: usize, access: Access) -> usize {
    (mode * 4 + access as usize) & (ROWS - 1)
}

/// The bit of a translated row in [`FastPath::slot_rows`]: rows 0..=2 (U)
/// and 4..=6 (S) become bits 0..=2 and 3..=5.
#[inline(always)]
fn row_bit(row: usize) -> u8 {
    ROW_BITS[row & (ROWS - 1)]
}

/// [`row_bit`] of each row, worked out once: the row of an insert is known
/// only when it runs, and a load is cheaper than the shifts. M rows and
/// unused rows have none.
const ROW_BITS: [u8; ROWS] = {
    let mut bits = [0; ROWS];
    let mut mode = 0;
    while mode < 2 {
        let mut access = 0;
        while access < 3 {
            bits[mode * 4 + access] = 1 << (mode * 3 + access);
            access += 1;
        }
        mode += 1;
    }
    bits
};

const ACCESSES: [Access; 3] = [Access::Fetch, Access::Load, Access::Store];

/// The caches, with a record of where entries were installed so that a
/// flush touches only those.
pub struct FastPath {
    rows: Box<[[FastEntry; ENTRIES]; ROWS]>,
    /// For each TLB slot, a bit per translated row (U and S, fetch, load,
    /// store) that may hold an entry from it, so that replacing the slot
    /// visits only those rows. Bits may be stale (the entry was
    /// overwritten); never missing.
    slot_rows: Box<[u8; NO_SLOT as usize]>,
    /// Installed (row, index) pairs of the translated (U, S) rows, and of
    /// the M rows; `None` once more than [`TRACKED`] were installed.
    installed: [Option<Vec<(u8, u8)>>; 2],
}

impl Default for FastPath {
    fn default() -> Self {
        FastPath {
            rows: Box::new([[EMPTY; ENTRIES]; ROWS]),
            slot_rows: Box::new([0; NO_SLOT as usize]),
            installed: [Some(Vec::with_capacity(TRACKED)), Some(Vec::with_capacity(TRACKED))],
        }
    }
}

impl FastPath {
    /// The host address of the cache of `mode`'s (U, S, M: 0, 1, 2)
    /// accesses of kind `access`: [`ENTRIES`] entries of 16 bytes, the
    /// load row followed by the store row. It never moves.
    pub fn row_address(&self, mode: usize, access: Access) -> usize {
        self.rows[row(mode, access)].as_ptr() as usize
    }

    /// The entry `va` would use.
    #[inline(always)]
    pub fn entry(&self, mode: usize, access: Access, va: u64) -> &FastEntry {
        &self.rows[row(mode, access)][(va >> 12) as usize & (ENTRIES - 1)]
    }

    /// Caches the page of `va`, whose RAM starts at host address `host_page`.
    #[inline]
    pub fn insert(&mut self, mode: Privilege, access: Access, va: u64, host_page: usize, slot: u32) {
        let (r, i) = (row(mode_index(mode), access), (va >> 12) as usize & (ENTRIES - 1));
        let addend = host_page.wrapping_sub((va & !0xfff) as usize);
        self.rows[r][i] = FastEntry { tag: va >> 12, addend_slot: addend | (slot & NO_SLOT) as usize };
        if let Some(bits) = self.slot_rows.get_mut(slot as usize) {
            *bits |= row_bit(r);
        }
        let list = &mut self.installed[(mode == Privilege::Machine) as usize];
        if let Some(v) = list {
            if v.len() < TRACKED {
                v.push((r as u8, i as u8));
            } else {
                *list = None;
            }
        }
    }

    fn clear(&mut self, machine: bool) {
        let modes: &[usize] = if machine { &[2] } else { &[0, 1] };
        match &mut self.installed[machine as usize] {
            Some(list) => {
                for &(r, i) in list.iter() {
                    let entry = &mut self.rows[r as usize][i as usize];
                    if let Some(bits) = self.slot_rows.get_mut(entry.slot() as usize) {
                        *bits = 0;
                    }
                    *entry = EMPTY;
                }
                list.clear();
            }
            none => {
                for &mode in modes {
                    for access in ACCESSES {
                        self.rows[row(mode, access)].fill(EMPTY);
                    }
                }
                if !machine {
                    self.slot_rows.fill(0);
                }
                *none = Some(Vec::with_capacity(TRACKED));
            }
        }
    }

    /// Empties the U- and S-mode caches (after `satp`, `sfence.vma`,
    /// SUM or MXR change).
    pub fn flush_translated(&mut self) {
        self.clear(false);
    }

    /// Drops every store entry, in every mode (a page became a code page:
    /// its stores must reach the decoded-instruction cache).
    pub fn flush_stores(&mut self) {
        for mode in [0, 1, 2] {
            self.rows[row(mode, Access::Store)].fill(EMPTY);
        }
    }

    /// Empties every cache (after a PMP change).
    pub fn flush_all(&mut self) {
        self.clear(false);
        self.clear(true);
    }

    /// Drops entries that came from TLB slot `slot`, which is being
    /// replaced. `va` is the replaced entry's address and `level` its page
    /// size: a 4 KiB entry can only sit at one index; a superpage may have
    /// been cached at any.
    #[inline]
    pub fn invalidate_slot(&mut self, slot: u32, va: u64, level: u8) {
        let Some(bits) = self.slot_rows.get_mut(slot as usize) else { return };
        let rows = std::mem::take(bits);
        for mode in [0, 1] {
            for access in ACCESSES {
                let r = row(mode, access);
                if rows & row_bit(r) == 0 {
                    continue;
                }
                let cache = &mut self.rows[r];
                if level == 0 {
                    let e = &mut cache[(va >> 12) as usize & (ENTRIES - 1)];
                    if e.slot() == slot {
                        *e = EMPTY;
                    }
                } else {
                    cache.iter_mut().filter(|e| e.slot() == slot).for_each(|e| *e = EMPTY);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(fast: &FastPath, mode: Privilege, access: Access, va: u64) -> u64 {
        fast.entry(mode_index(mode), access, va).tag
    }

    #[test]
    fn hits_only_the_cached_page_in_the_cached_mode() {
        let mut fast = FastPath::default();
        fast.insert(Privilege::Supervisor, Access::Load, 0x4000_1234, 0x7000_0000, 5);
        let e = fast.entry(mode_index(Privilege::Supervisor), Access::Load, 0x4000_1ff8);
        assert_eq!(e.tag, 0x4000_1000 >> 12);
        assert_eq!(0x4000_1ff8usize.wrapping_add(e.addend()), 0x7000_0ff8);
        assert_eq!(e.slot(), 5);
        assert_ne!(tag(&fast, Privilege::User, Access::Load, 0x4000_1000), 0x4000_1000 >> 12);
        assert_ne!(tag(&fast, Privilege::Supervisor, Access::Store, 0x4000_1000), 0x4000_1000 >> 12);
    }

    #[test]
    fn each_translated_row_has_its_own_bit_and_machine_rows_none() {
        let translated: Vec<usize> = (0..2).flat_map(|mode| ACCESSES.map(|a| row(mode, a))).collect();
        let bits: Vec<u8> = translated.iter().map(|&r| row_bit(r)).collect();
        assert_eq!(bits.iter().fold(0, |all, b| all | b), 0b11_1111, "six distinct bits: {bits:?}");
        assert!(bits.iter().all(|b| b.count_ones() == 1));
        assert!(ACCESSES.iter().all(|&a| row_bit(row(2, a)) == 0), "M rows have no TLB slot");
    }

    #[test]
    fn invalidating_a_slot_drops_its_entries_only() {
        let mut fast = FastPath::default();
        fast.insert(Privilege::User, Access::Load, 0x1000, 0x9000, 1);
        fast.insert(Privilege::User, Access::Load, 0x2000, 0xa000, 2);
        fast.insert(Privilege::User, Access::Fetch, 0x1000, 0x9000, 1);
        fast.invalidate_slot(1, 0x1000, 0);
        assert_eq!(tag(&fast, Privilege::User, Access::Load, 0x1000), INVALID);
        assert_eq!(tag(&fast, Privilege::User, Access::Fetch, 0x1000), INVALID);
        assert_eq!(tag(&fast, Privilege::User, Access::Load, 0x2000), 2);
    }

    #[test]
    fn flushing_translations_keeps_machine_mode() {
        let mut fast = FastPath::default();
        fast.insert(Privilege::Machine, Access::Load, 0x8000_0000, 0x1000, NO_SLOT);
        fast.insert(Privilege::Supervisor, Access::Load, 0x8000_0000, 0x1000, 3);
        fast.flush_translated();
        assert_eq!(tag(&fast, Privilege::Machine, Access::Load, 0x8000_0000), 0x8000_0000 >> 12);
        assert_eq!(tag(&fast, Privilege::Supervisor, Access::Load, 0x8000_0000), INVALID);
        fast.flush_all();
        assert_eq!(tag(&fast, Privilege::Machine, Access::Load, 0x8000_0000), INVALID);
    }

    #[test]
    fn flush_after_many_installs_still_clears_everything() {
        let mut fast = FastPath::default();
        for i in 0..(TRACKED as u64 + 10) {
            fast.insert(Privilege::User, Access::Store, i << 12, 0x1000, 1);
        }
        fast.flush_translated();
        for i in 0..ENTRIES as u64 {
            assert_eq!(tag(&fast, Privilege::User, Access::Store, i << 12), INVALID);
        }
        // Tracking resumes after a full clear.
        fast.insert(Privilege::User, Access::Load, 0x5000, 0x1000, 1);
        fast.flush_translated();
        assert_eq!(tag(&fast, Privilege::User, Access::Load, 0x5000), INVALID);
    }
}
