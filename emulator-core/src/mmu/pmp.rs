//! Physical memory protection: 16 entries (OFF, TOR, NA4, NAPOT, with the
//! L bit), checked in order, the first matching entry deciding. M-mode is
//! bound only by locked entries; S and U are denied where no entry
//! matches, because entries are implemented.

use crate::cpu::{Access, Privilege};

const R: u8 = 1;
const W: u8 = 2;
const X: u8 = 4;
const MODE_SHIFT: u8 = 3;
const LOCK: u8 = 0x80;

/// Address-matching mode of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmpMode {
    /// Disabled.
    Off,
    /// Top of range: from the previous entry's address to this one's.
    Tor,
    /// Naturally aligned four bytes.
    Na4,
    /// Naturally aligned power of two, at least eight bytes.
    Napot,
}

/// One decoded, enabled entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PmpRegion {
    /// Entry number (0..16).
    pub index: usize,
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// R, W, X bits.
    pub permissions: u8,
    /// L bit: also binds M-mode, and the entry can no longer be changed.
    pub locked: bool,
    /// How the range was given.
    pub mode: PmpMode,
}

/// The PMP configuration, decoded from `pmpcfg`/`pmpaddr` on each write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pmp {
    regions: Vec<PmpRegion>,
    /// The first entry grants R, W and X over the whole physical address
    /// space (the usual "open everything" setup): every access by every
    /// mode passes, with no region scan.
    all_open: bool,
}

fn required(access: Access) -> u8 {
    match access {
        Access::Fetch => X,
        Access::Load => R,
        Access::Store => W,
    }
}

impl Pmp {
    /// Decodes the 16 entries.
    pub fn new(cfg: &[u8; 16], addr: &[u64; 16]) -> Pmp {
        let mut regions = Vec::new();
        for index in 0..16 {
            let c = cfg[index];
            let mode = match (c >> MODE_SHIFT) & 3 {
                0 => PmpMode::Off,
                1 => PmpMode::Tor,
                2 => PmpMode::Na4,
                _ => PmpMode::Napot,
            };
            let a = addr[index];
            let (start, end) = match mode {
                PmpMode::Off => continue,
                PmpMode::Tor => (if index == 0 { 0 } else { addr[index - 1] << 2 }, a << 2),
                PmpMode::Na4 => (a << 2, (a << 2) + 4),
                PmpMode::Napot => {
                    let ones = a.trailing_ones().min(54);
                    let size = 1u64 << (ones + 3);
                    let base = (a & !((1u64 << ones).wrapping_sub(1))) << 2;
                    (base & !(size - 1), (base & !(size - 1)) + size)
                }
            };
            regions.push(PmpRegion { index, start, end, permissions: c & (R | W | X), locked: c & LOCK != 0, mode });
        }
        // A TOR entry ends at most at 2^56 - 4; nothing answers above
        // that anyway, so such an entry opens everything that exists.
        let all_open =
            regions.first().is_some_and(|r| r.start == 0 && r.end >= (1 << 56) - 4 && r.permissions == R | W | X);
        Pmp { regions, all_open }
    }

    /// The enabled entries, in priority order.
    pub fn regions(&self) -> &[PmpRegion] {
        &self.regions
    }

    fn decide(region: &PmpRegion, access: Access, privilege: Privilege) -> bool {
        (privilege == Privilege::Machine && !region.locked) || region.permissions & required(access) != 0
    }

    /// Whether an access of `size` bytes at `pa` is allowed.
    #[inline]
    pub fn allows(&self, pa: u64, size: u64, access: Access, privilege: Privilege) -> bool {
        if self.all_open {
            return true;
        }
        let end = pa.saturating_add(size);
        for region in &self.regions {
            if region.start >= region.end || end <= region.start || pa >= region.end {
                continue;
            }
            // The first entry touching the access decides; an access only
            // partly inside it fails.
            return pa >= region.start && end <= region.end && Pmp::decide(region, access, privilege);
        }
        privilege == Privilege::Machine
    }

    /// The decision for every access inside the 4 KiB page at `page`, if
    /// the same for all of them (no entry boundary inside the page); used
    /// to decide whether a translation may be cached.
    #[inline]
    pub fn page_decision(&self, page: u64, access: Access, privilege: Privilege) -> Option<bool> {
        if self.all_open {
            return Some(true);
        }
        let end = page.saturating_add(4096);
        for region in &self.regions {
            if region.start >= region.end || end <= region.start || page >= region.end {
                continue;
            }
            let covers = region.start <= page && end <= region.end;
            return covers.then(|| Pmp::decide(region, access, privilege));
        }
        Some(privilege == Privilege::Machine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pmp(entries: &[(usize, u8, u64)]) -> Pmp {
        let (mut cfg, mut addr) = ([0u8; 16], [0u64; 16]);
        for &(i, c, a) in entries {
            cfg[i] = c;
            addr[i] = a;
        }
        Pmp::new(&cfg, &addr)
    }

    const TOR: u8 = 1 << MODE_SHIFT;
    const NA4: u8 = 2 << MODE_SHIFT;
    const NAPOT: u8 = 3 << MODE_SHIFT;

    #[test]
    fn without_entries_only_machine_mode_has_access() {
        let p = pmp(&[]);
        assert!(p.allows(0x8000_0000, 8, Access::Load, Privilege::Machine));
        assert!(!p.allows(0x8000_0000, 8, Access::Load, Privilege::Supervisor));
        assert!(!p.allows(0x8000_0000, 4, Access::Fetch, Privilege::User));
    }

    #[test]
    fn the_xv6_setup_opens_all_memory() {
        // pmpaddr0 = 0x3fffffffffffff, pmpcfg0 = 0xf: TOR over everything, RWX.
        let p = pmp(&[(0, TOR | R | W | X, 0x3f_ffff_ffff_ffff)]);
        assert!(p.allows(0x8000_0000, 8, Access::Store, Privilege::Supervisor));
        assert!(p.allows(0x1000_0000, 1, Access::Load, Privilege::User));
        assert_eq!(p.page_decision(0x8765_4000, Access::Fetch, Privilege::User), Some(true));
        assert!(p.all_open);
        let napot_all = pmp(&[(0, NAPOT | R | W | X, u64::MAX >> 10)]);
        assert!(napot_all.all_open);
        let read_only = pmp(&[(0, TOR | R, 0x3f_ffff_ffff_ffff)]);
        assert!(!read_only.all_open && !read_only.allows(0x8000_0000, 8, Access::Store, Privilege::Supervisor));
    }

    #[test]
    fn napot_and_na4_ranges() {
        // NAPOT 64 KiB at 0x8000_0000: pmpaddr = (base >> 2) | (size/8 - 1).
        let napot = (0x8000_0000u64 >> 2) | (0x1_0000 / 8 - 1);
        let p = pmp(&[(0, NAPOT | R, napot), (1, NA4 | W, 0x9000_0000 >> 2)]);
        assert!(p.allows(0x8000_fff8, 8, Access::Load, Privilege::Supervisor));
        assert!(!p.allows(0x8001_0000, 8, Access::Load, Privilege::Supervisor));
        assert!(!p.allows(0x8000_0000, 8, Access::Store, Privilege::Supervisor));
        assert!(p.allows(0x9000_0000, 4, Access::Store, Privilege::User));
        assert!(!p.allows(0x9000_0000, 8, Access::Store, Privilege::User), "partly inside fails");
    }

    #[test]
    fn first_match_wins_and_lock_binds_machine_mode() {
        let p = pmp(&[(0, TOR | LOCK | R, 0x8000_1000 >> 2), (1, TOR | R | W | X, 0x9000_0000 >> 2)]);
        assert!(!p.allows(0x8000_0000, 4, Access::Store, Privilege::Machine), "locked read-only");
        assert!(p.allows(0x8000_1000, 4, Access::Store, Privilege::Machine));
        assert!(p.allows(0x8000_1000, 4, Access::Store, Privilege::Supervisor));
        let unlocked = pmp(&[(0, TOR | R, 0x8000_1000 >> 2)]);
        assert!(unlocked.allows(0x8000_0000, 4, Access::Store, Privilege::Machine), "unlocked entries do not bind M");
    }

    #[test]
    fn tor_with_a_top_below_its_bottom_matches_nothing() {
        let p = pmp(&[(0, 0, 0x9000_0000 >> 2), (1, TOR | R, 0x8000_0000 >> 2)]);
        assert!(!p.allows(0x8800_0000, 4, Access::Load, Privilege::Supervisor));
    }

    #[test]
    fn a_page_split_by_an_entry_has_no_single_decision() {
        let p = pmp(&[(0, TOR | R, 0x8000_0800 >> 2), (1, TOR | R | W, 0x9000_0000 >> 2)]);
        assert_eq!(p.page_decision(0x8000_0000, Access::Load, Privilege::Supervisor), None);
        assert_eq!(p.page_decision(0x8000_1000, Access::Store, Privilege::Supervisor), Some(true));
    }
}
