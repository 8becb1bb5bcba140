//! Sv39 address translation, step by step as the privileged
//! specification's algorithm ("Virtual Address Translation Process"):
//! three levels, 4 KiB/2 MiB/1 GiB leaves, page faults for invalid,
//! reserved and misaligned entries, permission checks with SUM and MXR,
//! and the Accessed/Dirty policy.

use std::fmt;

use crate::cpu::{Access, Privilege};

/// PTE bits.
pub mod pte {
    #![allow(missing_docs)]
    pub const V: u64 = 1 << 0;
    pub const R: u64 = 1 << 1;
    pub const W: u64 = 1 << 2;
    pub const X: u64 = 1 << 3;
    pub const U: u64 = 1 << 4;
    pub const G: u64 = 1 << 5;
    pub const A: u64 = 1 << 6;
    pub const D: u64 = 1 << 7;
    /// The two bits reserved for supervisor software (RSW).
    pub const RSW: u64 = 3 << 8;
    pub const PPN_SHIFT: u32 = 10;
    pub const PPN_MASK: u64 = (1 << 44) - 1;
    /// Bits 63:54: N, PBMT and reserved bits; this hart implements none of
    /// Svnapot, Svpbmt, so any of them set is a page fault.
    pub const RESERVED: u64 = !((1 << 54) - 1);
}

/// Levels of an Sv39 page table.
pub const LEVELS: u8 = 3;

/// How the Accessed and Dirty bits are maintained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdPolicy {
    /// The walk sets A (and D on a store) in the PTE, as QEMU does.
    #[default]
    Hardware,
    /// A clear A (or D on a store) is a page fault, as Spike does; the
    /// kernel must set them.
    Fault,
}

impl AdPolicy {
    /// Parses `hw` or `fault`.
    pub fn parse(text: &str) -> Result<AdPolicy, String> {
        match text {
            "hw" => Ok(AdPolicy::Hardware),
            "fault" => Ok(AdPolicy::Fault),
            _ => Err(format!("'{text}' is not hw or fault")),
        }
    }

    /// The policy's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            AdPolicy::Hardware => "hw",
            AdPolicy::Fault => "fault",
        }
    }
}

/// One PTE read by the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkStep {
    /// Level of the table (2 is the root).
    pub level: u8,
    /// Physical address of the PTE.
    pub pte_addr: u64,
    /// The PTE's value (before any A/D update).
    pub pte: u64,
}

/// Why a translation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A page fault, with the specification's reason.
    Page(PageFaultReason),
    /// A PTE could not be read or written (outside RAM, or PMP).
    Access,
}

/// Why a page fault was raised, for traces and the translate tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFaultReason {
    /// Bits 63:39 of the address are not copies of bit 38.
    NonCanonical,
    /// V = 0.
    Invalid,
    /// W = 1 with R = 0, or reserved high bits set.
    Reserved,
    /// A non-leaf PTE with D, A or U set (reserved, as Spike treats them).
    ReservedNonLeaf,
    /// No leaf found after the last level.
    NoLeaf,
    /// A superpage whose low PPN bits are not zero.
    MisalignedSuperpage,
    /// The leaf does not grant this kind of access.
    Permission,
    /// U-mode access to a supervisor page.
    UserAccessToSupervisorPage,
    /// S-mode access to a user page (a fetch, or SUM = 0).
    SupervisorAccessToUserPage,
    /// A = 0, or D = 0 on a store, with `--ad fault`.
    AccessedDirtyClear,
}

impl fmt::Display for PageFaultReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PageFaultReason::NonCanonical => "address is not canonical (bits 63:39 differ from bit 38)",
            PageFaultReason::Invalid => "PTE not valid (V = 0)",
            PageFaultReason::Reserved => "reserved PTE encoding (W without R, or bits 63:54 set)",
            PageFaultReason::ReservedNonLeaf => "non-leaf PTE with D, A or U set",
            PageFaultReason::NoLeaf => "no leaf PTE at level 0",
            PageFaultReason::MisalignedSuperpage => "misaligned superpage",
            PageFaultReason::Permission => "PTE does not permit this access",
            PageFaultReason::UserAccessToSupervisorPage => "U-mode access to a page without U",
            PageFaultReason::SupervisorAccessToUserPage => "S-mode access to a U page (fetch, or SUM = 0)",
            PageFaultReason::AccessedDirtyClear => "A or D clear (--ad fault)",
        })
    }
}

/// The translation context: who accesses, and the bits that shape
/// permission checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// Effective privilege of the access (MPRV applied for loads/stores).
    pub privilege: Privilege,
    /// `mstatus.SUM`.
    pub sum: bool,
    /// `mstatus.MXR`.
    pub mxr: bool,
}

/// A successful walk: the leaf and where it sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leaf {
    /// Level of the leaf (0: 4 KiB, 1: 2 MiB, 2: 1 GiB).
    pub level: u8,
    /// The leaf PTE, after any A/D update.
    pub pte: u64,
    /// Its physical address.
    pub pte_addr: u64,
    /// Whether the walk wrote A or D back.
    pub updated: bool,
    /// G was set at some level: a global pointer makes everything below
    /// it global.
    pub global: bool,
}

impl Leaf {
    /// The physical address `va` maps to.
    pub fn translate(&self, va: u64) -> u64 {
        let shift = 12 + 9 * self.level as u32;
        let base = ((self.pte >> pte::PPN_SHIFT) & pte::PPN_MASK) << 12;
        (base & !((1 << shift) - 1)) | (va & ((1 << shift) - 1))
    }
}

/// Memory as the walker sees it: PTE reads and A/D write-backs, both
/// physical and subject to PMP. `None`/`false` means an access fault.
pub trait PteMemory {
    /// Reads the 8-byte PTE at `addr`.
    fn read_pte(&mut self, addr: u64) -> Option<u64>;
    /// Writes `new` to the PTE at `addr` if it still holds `old` (the
    /// atomic A/D update); false if it could not be written.
    fn update_pte(&mut self, addr: u64, old: u64, new: u64) -> bool;
}

/// True if `va` is a canonical Sv39 address (bits 63:39 equal bit 38).
pub fn is_canonical(va: u64) -> bool {
    let top = (va as i64) >> 38;
    top == 0 || top == -1
}

/// Whether a leaf with `flags` permits `access` in context `ctx`; the
/// reason if not. The same check serves a walk and a TLB hit.
pub fn check_permission(flags: u64, access: Access, ctx: Context) -> Result<(), PageFaultReason> {
    let user_page = flags & pte::U != 0;
    match ctx.privilege {
        Privilege::User if !user_page => return Err(PageFaultReason::UserAccessToSupervisorPage),
        Privilege::Supervisor if user_page && (access == Access::Fetch || !ctx.sum) => {
            return Err(PageFaultReason::SupervisorAccessToUserPage);
        }
        _ => {}
    }
    let allowed = match access {
        Access::Fetch => flags & pte::X != 0,
        Access::Load => flags & pte::R != 0 || (ctx.mxr && flags & pte::X != 0),
        Access::Store => flags & pte::W != 0,
    };
    if allowed { Ok(()) } else { Err(PageFaultReason::Permission) }
}

/// The A/D bits an access needs in its leaf.
pub fn needed_ad(access: Access) -> u64 {
    if access == Access::Store { pte::A | pte::D } else { pte::A }
}

/// What to translate, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkRequest {
    /// Physical page number of the root table (`satp.PPN`).
    pub root_ppn: u64,
    /// The virtual address.
    pub va: u64,
    /// The kind of access.
    pub access: Access,
    /// Who accesses.
    pub context: Context,
    /// A/D policy.
    pub ad: AdPolicy,
    /// Write A/D updates back; false for tools, which only look.
    pub update: bool,
}

/// The bits a pointer to the next level has only V of: the permissions,
/// U, A, D and the reserved high bits.
const POINTER_BITS: u64 = pte::RESERVED | pte::D | pte::A | pte::U | pte::X | pte::W | pte::R | pte::V;

/// Walks the Sv39 table for a request. `on_step` sees every PTE read.
/// Without `update` nothing is written: a needed A/D update is reported
/// as if it had happened.
pub fn walk(
    memory: &mut impl PteMemory,
    request: WalkRequest,
    mut on_step: impl FnMut(WalkStep),
) -> Result<Leaf, Fault> {
    let WalkRequest { root_ppn, va, access, context: ctx, ad, update } = request;
    if !is_canonical(va) {
        return Err(Fault::Page(PageFaultReason::NonCanonical));
    }
    let mut table = root_ppn << 12;
    let mut level = LEVELS - 1;
    let mut global = false;
    // Down the pointers: a valid pointer to the next level has only V
    // among the bits below (G and RSW aside). The first other value, or
    // the last level's, is classified after the loop.
    let (pte_value, pte_addr) = loop {
        let index = (va >> (12 + 9 * level as u32)) & 0x1ff;
        let pte_addr = table + index * 8;
        let value = memory.read_pte(pte_addr).ok_or(Fault::Access)?;
        on_step(WalkStep { level, pte_addr, pte: value });
        global |= value & pte::G != 0;
        if value & POINTER_BITS != pte::V || level == 0 {
            break (value, pte_addr);
        }
        level -= 1;
        table = ((value >> pte::PPN_SHIFT) & pte::PPN_MASK) << 12;
    };
    // The specification's checks, in its order.
    if pte_value & pte::V == 0 {
        return Err(Fault::Page(PageFaultReason::Invalid));
    }
    if (pte_value & pte::R == 0 && pte_value & pte::W != 0) || pte_value & pte::RESERVED != 0 {
        return Err(Fault::Page(PageFaultReason::Reserved));
    }
    if pte_value & (pte::R | pte::X) == 0 {
        // A pointer: with D, A or U set it is reserved; a clean one here
        // is at the last level, and there is no leaf.
        let reason = if pte_value & (pte::D | pte::A | pte::U) != 0 {
            PageFaultReason::ReservedNonLeaf
        } else {
            PageFaultReason::NoLeaf
        };
        return Err(Fault::Page(reason));
    }
    check_permission(pte_value, access, ctx).map_err(Fault::Page)?;
    let ppn = (pte_value >> pte::PPN_SHIFT) & pte::PPN_MASK;
    if level > 0 && ppn & ((1 << (9 * level as u32)) - 1) != 0 {
        return Err(Fault::Page(PageFaultReason::MisalignedSuperpage));
    }
    let needed = needed_ad(access);
    let mut leaf = Leaf { level, pte: pte_value, pte_addr, updated: false, global };
    if pte_value & needed != needed {
        match ad {
            AdPolicy::Fault => return Err(Fault::Page(PageFaultReason::AccessedDirtyClear)),
            AdPolicy::Hardware => {
                let new = pte_value | needed;
                if update && !memory.update_pte(pte_addr, pte_value, new) {
                    return Err(Fault::Access);
                }
                leaf.pte = new;
                leaf.updated = true;
            }
        }
    }
    Ok(leaf)
}

/// Renders PTE flags as `rwxugad` with dashes for clear bits, then the
/// RSW field as rvsim's teaching kernel uses it: `cow` (1), `s` (2, a page
/// of the shared pages table), `shm` (3, shared memory).
pub fn flag_string(value: u64) -> String {
    let mut s: String =
        [(pte::R, 'r'), (pte::W, 'w'), (pte::X, 'x'), (pte::U, 'u'), (pte::G, 'g'), (pte::A, 'a'), (pte::D, 'd')]
            .iter()
            .map(|&(bit, c)| if value & bit != 0 { c } else { '-' })
            .collect();
    match (value & pte::RSW) >> 8 {
        1 => s.push_str(" cow"),
        2 => s.push_str(" s"),
        3 => s.push_str(" shm"),
        _ => {}
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Page tables in a map of physical address to PTE.
    #[derive(Default)]
    struct FakeMemory {
        ptes: HashMap<u64, u64>,
        writes: Vec<(u64, u64)>,
    }

    impl PteMemory for FakeMemory {
        fn read_pte(&mut self, addr: u64) -> Option<u64> {
            (addr >= 0x8000_0000).then(|| self.ptes.get(&addr).copied().unwrap_or(0))
        }
        fn update_pte(&mut self, addr: u64, old: u64, new: u64) -> bool {
            if self.ptes.get(&addr) == Some(&old) {
                self.ptes.insert(addr, new);
                self.writes.push((addr, new));
            }
            true
        }
    }

    const ROOT: u64 = 0x8010_0000;
    const MID: u64 = 0x8010_1000;
    const LOW: u64 = 0x8010_2000;

    fn pointer(table: u64) -> u64 {
        ((table >> 12) << 10) | pte::V
    }

    fn leaf(pa: u64, flags: u64) -> u64 {
        ((pa >> 12) << 10) | flags | pte::V
    }

    fn index(va: u64, level: u32) -> u64 {
        (va >> (12 + 9 * level)) & 0x1ff
    }

    /// Maps 4 KiB page `va` to `pa` with `flags` through three levels.
    fn map4k(mem: &mut FakeMemory, va: u64, pa: u64, flags: u64) {
        mem.ptes.insert(ROOT + 8 * index(va, 2), pointer(MID));
        mem.ptes.insert(MID + 8 * index(va, 1), pointer(LOW));
        mem.ptes.insert(LOW + 8 * index(va, 0), leaf(pa, flags));
    }

    const S: Context = Context { privilege: Privilege::Supervisor, sum: false, mxr: false };
    const U: Context = Context { privilege: Privilege::User, sum: false, mxr: false };

    fn request(va: u64, access: Access, context: Context, ad: AdPolicy) -> WalkRequest {
        WalkRequest { root_ppn: ROOT >> 12, va, access, context, ad, update: true }
    }

    fn go(mem: &mut FakeMemory, va: u64, access: Access, ctx: Context, ad: AdPolicy) -> Result<Leaf, Fault> {
        walk(mem, request(va, access, ctx, ad), |_| {})
    }

    const RWXAD: u64 = pte::R | pte::W | pte::X | pte::A | pte::D;

    #[test]
    fn three_level_walk_translates_and_records_steps() {
        let mut mem = FakeMemory::default();
        map4k(&mut mem, 0x1234_5000, 0x8765_4000, RWXAD);
        let mut steps = Vec::new();
        let leaf =
            walk(&mut mem, request(0x1234_5678, Access::Load, S, AdPolicy::Hardware), |s| steps.push(s)).unwrap();
        assert_eq!(leaf.level, 0);
        assert_eq!(leaf.translate(0x1234_5678), 0x8765_4678);
        assert_eq!(steps.iter().map(|s| s.level).collect::<Vec<_>>(), vec![2, 1, 0]);
        assert_eq!(steps[0].pte_addr, ROOT + 8 * index(0x1234_5678, 2));
        assert!(!leaf.global);
        mem.ptes.insert(ROOT + 8 * index(0x1234_5678, 2), pointer(MID) | pte::G);
        let leaf = go(&mut mem, 0x1234_5678, Access::Load, S, AdPolicy::Hardware).unwrap();
        assert!(leaf.global, "a global pointer makes the leaf global");
    }

    #[test]
    fn superpages_translate_low_bits_from_the_address() {
        let mut mem = FakeMemory::default();
        // 1 GiB page at VA 0x4000_0000 → PA 0x8000_0000.
        mem.ptes.insert(ROOT + 8, leaf(0x8000_0000, RWXAD));
        let leaf1g = go(&mut mem, 0x4123_4567, Access::Fetch, S, AdPolicy::Hardware).unwrap();
        assert_eq!((leaf1g.level, leaf1g.translate(0x4123_4567)), (2, 0x8123_4567));
        // 2 MiB page at VA 0x20_0000 → PA 0x8040_0000.
        mem.ptes.insert(ROOT, pointer(MID));
        mem.ptes.insert(MID + 8, leaf(0x8040_0000, RWXAD));
        let leaf2m = go(&mut mem, 0x2f_ffff, Access::Load, S, AdPolicy::Hardware).unwrap();
        assert_eq!((leaf2m.level, leaf2m.translate(0x2f_ffff)), (1, 0x804f_ffff));
    }

    #[test]
    fn misaligned_superpage_is_a_page_fault() {
        let mut mem = FakeMemory::default();
        mem.ptes.insert(ROOT + 8, leaf(0x8020_0000, RWXAD)); // 1 GiB leaf, PPN not 1 GiB aligned
        assert_eq!(
            go(&mut mem, 0x4000_0000, Access::Load, S, AdPolicy::Hardware),
            Err(Fault::Page(PageFaultReason::MisalignedSuperpage))
        );
    }

    #[test]
    fn invalid_and_reserved_encodings_fault() {
        let mut mem = FakeMemory::default();
        map4k(&mut mem, 0x1000, 0x8000_0000, pte::W | pte::A | pte::D); // W without R
        assert_eq!(
            go(&mut mem, 0x1000, Access::Store, S, AdPolicy::Hardware),
            Err(Fault::Page(PageFaultReason::Reserved))
        );
        map4k(&mut mem, 0x2000, 0x8000_0000, RWXAD | (1 << 61)); // PBMT bits
        assert_eq!(
            go(&mut mem, 0x2000, Access::Load, S, AdPolicy::Hardware),
            Err(Fault::Page(PageFaultReason::Reserved))
        );
        assert_eq!(
            go(&mut mem, 0x7000_0000, Access::Load, S, AdPolicy::Hardware),
            Err(Fault::Page(PageFaultReason::Invalid))
        );
        assert_eq!(
            go(&mut mem, 0x40_0000_0000, Access::Load, S, AdPolicy::Hardware),
            Err(Fault::Page(PageFaultReason::NonCanonical))
        );
        assert!(go(&mut mem, 0xffff_ffc0_0000_0000, Access::Load, S, AdPolicy::Hardware).is_err());
        // A pointer PTE with A set is reserved (as Spike treats it).
        mem.ptes.insert(ROOT + 8 * 5, pointer(MID) | pte::A);
        assert_eq!(
            go(&mut mem, 5 << 30, Access::Load, S, AdPolicy::Hardware),
            Err(Fault::Page(PageFaultReason::ReservedNonLeaf))
        );
        // Pointers all the way down: no leaf.
        mem.ptes.insert(ROOT + 8 * 6, pointer(MID));
        mem.ptes.insert(MID, pointer(LOW));
        mem.ptes.insert(LOW, pointer(LOW));
        assert_eq!(
            go(&mut mem, 6 << 30, Access::Load, S, AdPolicy::Hardware),
            Err(Fault::Page(PageFaultReason::NoLeaf))
        );
    }

    #[test]
    fn pte_read_outside_memory_is_an_access_fault() {
        let mut mem = FakeMemory::default();
        let req = WalkRequest { root_ppn: 0x1000 >> 12, ..request(0x1000, Access::Load, S, AdPolicy::Hardware) };
        let result = walk(&mut mem, req, |_| {});
        assert_eq!(result, Err(Fault::Access));
    }

    #[test]
    fn user_and_supervisor_permissions_with_sum_and_mxr() {
        let ctx = |privilege, sum, mxr| Context { privilege, sum, mxr };
        let ux = pte::X | pte::U;
        let urw = pte::R | pte::W | pte::U;
        assert_eq!(check_permission(pte::R, Access::Load, U), Err(PageFaultReason::UserAccessToSupervisorPage));
        assert_eq!(check_permission(urw, Access::Load, U), Ok(()));
        assert_eq!(check_permission(urw, Access::Load, S), Err(PageFaultReason::SupervisorAccessToUserPage));
        assert_eq!(check_permission(urw, Access::Store, ctx(Privilege::Supervisor, true, false)), Ok(()));
        assert_eq!(
            check_permission(ux, Access::Fetch, ctx(Privilege::Supervisor, true, false)),
            Err(PageFaultReason::SupervisorAccessToUserPage),
            "SUM never allows S-mode to execute user code"
        );
        assert_eq!(check_permission(ux, Access::Load, U), Err(PageFaultReason::Permission));
        assert_eq!(check_permission(ux, Access::Load, ctx(Privilege::User, false, true)), Ok(()), "MXR");
        assert_eq!(check_permission(pte::R, Access::Store, S), Err(PageFaultReason::Permission));
        assert_eq!(check_permission(pte::R | pte::W, Access::Fetch, S), Err(PageFaultReason::Permission));
    }

    #[test]
    fn accessed_and_dirty_bits_by_policy() {
        let mut mem = FakeMemory::default();
        map4k(&mut mem, 0x1000, 0x8000_0000, pte::R | pte::W);
        assert_eq!(
            go(&mut mem, 0x1000, Access::Load, S, AdPolicy::Fault),
            Err(Fault::Page(PageFaultReason::AccessedDirtyClear))
        );
        let load = go(&mut mem, 0x1000, Access::Load, S, AdPolicy::Hardware).unwrap();
        assert!(load.updated && load.pte & pte::A != 0 && load.pte & pte::D == 0, "a load sets A only");
        let store = go(&mut mem, 0x1000, Access::Store, S, AdPolicy::Hardware).unwrap();
        assert!(store.updated && store.pte & pte::D != 0);
        assert_eq!(mem.writes.len(), 2);
        // With both set, nothing is written, and `--ad fault` is satisfied.
        assert!(!go(&mut mem, 0x1000, Access::Store, S, AdPolicy::Fault).unwrap().updated);
        assert_eq!(mem.writes.len(), 2);
    }

    #[test]
    fn probing_walks_write_nothing() {
        let mut mem = FakeMemory::default();
        map4k(&mut mem, 0x1000, 0x8000_0000, pte::R | pte::W);
        let req = WalkRequest { update: false, ..request(0x1000, Access::Store, S, AdPolicy::Hardware) };
        let leaf = walk(&mut mem, req, |_| {}).unwrap();
        assert!(leaf.updated);
        assert!(mem.writes.is_empty());
    }
}
