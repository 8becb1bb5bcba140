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
/// `slot` of an entry with no TLB behind it (bare translation).
pub const NO_SLOT: u32 = u32::MAX;
const INVALID: u64 = u64::MAX;

/// One cached page.
#[derive(Debug, Clone, Copy)]
pub struct FastEntry {
    /// Virtual page number (`va >> 12`), or `u64::MAX` when empty.
    pub tag: u64,
    /// Host address of the page minus its virtual address.
    pub addend: usize,
    /// TLB slot the translation came from, or [`NO_SLOT`].
    pub slot: u32,
}

const EMPTY: FastEntry = FastEntry { tag: INVALID, addend: 0, slot: NO_SLOT };

/// Index of a privilege mode's caches (U, S, M).
#[inline(always)]
pub fn mode_index(mode: Privilege) -> usize {
    match mode {
        Privilege::User => 0,
        Privilege::Supervisor => 1,
        Privilege::Machine => 2,
    }
}

/// The caches: `[mode][access][page index]`.
pub struct FastPath {
    entries: Box<[[[FastEntry; ENTRIES]; 3]; 3]>,
}

impl Default for FastPath {
    fn default() -> Self {
        FastPath { entries: Box::new([[[EMPTY; ENTRIES]; 3]; 3]) }
    }
}

impl FastPath {
    /// The entry `va` would use.
    #[inline(always)]
    pub fn entry(&self, mode: usize, access: Access, va: u64) -> &FastEntry {
        &self.entries[mode][access as usize][(va >> 12) as usize % ENTRIES]
    }

    /// Caches the page of `va`, whose RAM starts at host address `host_page`.
    pub fn insert(&mut self, mode: Privilege, access: Access, va: u64, host_page: usize, slot: u32) {
        let page = va & !0xfff;
        self.entries[mode_index(mode)][access as usize][(va >> 12) as usize % ENTRIES] =
            FastEntry { tag: va >> 12, addend: host_page.wrapping_sub(page as usize), slot };
    }

    /// Empties the U- and S-mode caches (after `satp`, `sfence.vma`,
    /// SUM or MXR change).
    pub fn flush_translated(&mut self) {
        for mode in [Privilege::User, Privilege::Supervisor] {
            for cache in self.entries[mode_index(mode)].iter_mut() {
                cache.fill(EMPTY);
            }
        }
    }

    /// Empties every cache (after a PMP change).
    pub fn flush_all(&mut self) {
        for mode in self.entries.iter_mut() {
            for cache in mode.iter_mut() {
                cache.fill(EMPTY);
            }
        }
    }

    /// Drops entries that came from TLB slot `slot`, which is being
    /// replaced. `va` is the replaced entry's address and `level` its page
    /// size: a 4 KiB entry can only sit at one index; a superpage may have
    /// been cached at any.
    pub fn invalidate_slot(&mut self, slot: u32, va: u64, level: u8) {
        for mode in [Privilege::User, Privilege::Supervisor] {
            for cache in self.entries[mode_index(mode)].iter_mut() {
                if level == 0 {
                    let e = &mut cache[(va >> 12) as usize % ENTRIES];
                    if e.slot == slot {
                        *e = EMPTY;
                    }
                } else {
                    cache.iter_mut().filter(|e| e.slot == slot).for_each(|e| *e = EMPTY);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_only_the_cached_page_in_the_cached_mode() {
        let mut fast = FastPath::default();
        fast.insert(Privilege::Supervisor, Access::Load, 0x4000_1234, 0x7000_0000, 5);
        let e = fast.entry(mode_index(Privilege::Supervisor), Access::Load, 0x4000_1ff8);
        assert_eq!(e.tag, 0x4000_1000 >> 12);
        assert_eq!(0x4000_1ff8usize.wrapping_add(e.addend), 0x7000_0ff8);
        assert_ne!(fast.entry(mode_index(Privilege::User), Access::Load, 0x4000_1000).tag, 0x4000_1000 >> 12);
        assert_ne!(fast.entry(mode_index(Privilege::Supervisor), Access::Store, 0x4000_1000).tag, 0x4000_1000 >> 12);
    }

    #[test]
    fn invalidating_a_slot_drops_its_entries_only() {
        let mut fast = FastPath::default();
        fast.insert(Privilege::User, Access::Load, 0x1000, 0x9000, 1);
        fast.insert(Privilege::User, Access::Load, 0x2000, 0xa000, 2);
        fast.insert(Privilege::User, Access::Fetch, 0x1000, 0x9000, 1);
        fast.invalidate_slot(1, 0x1000, 0);
        let u = mode_index(Privilege::User);
        assert_ne!(fast.entry(u, Access::Load, 0x1000).tag, 1);
        assert_ne!(fast.entry(u, Access::Fetch, 0x1000).tag, 1);
        assert_eq!(fast.entry(u, Access::Load, 0x2000).tag, 2);
    }

    #[test]
    fn flushing_translations_keeps_machine_mode() {
        let mut fast = FastPath::default();
        fast.insert(Privilege::Machine, Access::Load, 0x8000_0000, 0x1000, NO_SLOT);
        fast.insert(Privilege::Supervisor, Access::Load, 0x8000_0000, 0x1000, 3);
        fast.flush_translated();
        assert_eq!(fast.entry(mode_index(Privilege::Machine), Access::Load, 0x8000_0000).tag, 0x8000_0000 >> 12);
        assert_ne!(fast.entry(mode_index(Privilege::Supervisor), Access::Load, 0x8000_0000).tag, 0x8000_0000 >> 12);
        fast.flush_all();
        assert_ne!(fast.entry(mode_index(Privilege::Machine), Access::Load, 0x8000_0000).tag, 0x8000_0000 >> 12);
    }
}
