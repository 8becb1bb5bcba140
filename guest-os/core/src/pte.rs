//! Sv39 page-table entries, with the kernel's use of the two RSW bits.

/// Valid.
pub const V: u64 = 1 << 0;
/// Readable.
pub const R: u64 = 1 << 1;
/// Writable.
pub const W: u64 = 1 << 2;
/// Executable.
pub const X: u64 = 1 << 3;
/// Accessible to U-mode.
pub const U: u64 = 1 << 4;
/// Global.
pub const G: u64 = 1 << 5;
/// Accessed.
pub const A: u64 = 1 << 6;
/// Dirty.
pub const D: u64 = 1 << 7;
/// The two RSW bits (8 and 9), which the kernel uses as a 2-bit field
/// saying what kind of page a leaf maps (see [`PageKind`]).
pub const RSW: u64 = 3 << 8;
/// RSW = 1: copy-on-write. The page is shared after fork and mapped
/// read-only; the first store copies it (or, when no one else maps it any
/// more, simply makes it writable again).
pub const COW: u64 = 1 << 8;
/// RSW = 2: a page of the shared pages table (program text and rodata,
/// one frame for every process running the program).
pub const SHARED: u64 = 2 << 8;
/// RSW = 3: a page of a System V shared-memory segment, shared on purpose:
/// never copied, and inherited by fork as it is.
pub const SHM: u64 = 3 << 8;

/// Marks an invalid PTE (V = 0) whose page is out of memory: on the swap
/// disk, in the slot held where the PPN goes, or (slot 0, which is the swap
/// disk's header and never a page's) a zero page that was never written
/// and simply went. The entry keeps the page's permissions (R, W, X, U)
/// and kind (RSW), to be restored when the page comes back; the hardware
/// ignores all of it while V is clear. This bit is D's place in a valid
/// entry.
pub const SWAPPED: u64 = 1 << 7;

/// The swapped-out entry for a page in `slot` with `flags` (its
/// permissions and kind are kept).
pub fn swapped(slot: u32, flags: u64) -> u64 {
    ((slot as u64) << PPN_SHIFT) | (flags & (R | W | X | U | RSW)) | SWAPPED
}

/// True for a swapped-out (or dropped zero) page's entry.
pub fn is_swapped(pte: u64) -> bool {
    pte & V == 0 && pte & SWAPPED != 0
}

/// The slot a swapped-out entry names (0: a zero page).
pub fn slot(pte: u64) -> u32 {
    ((pte >> PPN_SHIFT) & PPN_MASK) as u32
}

/// What a leaf maps, by its RSW field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// The process's own page.
    Private,
    /// Shared copy-on-write after fork.
    Cow,
    /// A page of the shared pages table.
    Shared,
    /// A shared-memory segment's page.
    Shm,
}

/// The kind of page `pte` maps.
pub fn kind(pte: u64) -> PageKind {
    match pte & RSW {
        0 => PageKind::Private,
        COW => PageKind::Cow,
        SHARED => PageKind::Shared,
        _ => PageKind::Shm,
    }
}

/// True for a copy-on-write leaf.
pub fn is_cow(pte: u64) -> bool {
    kind(pte) == PageKind::Cow
}

const PPN_SHIFT: u32 = 10;
const PPN_MASK: u64 = (1 << 44) - 1;

/// The physical address a PTE points to.
pub fn address(pte: u64) -> u64 {
    ((pte >> PPN_SHIFT) & PPN_MASK) << 12
}

/// A PTE pointing at physical address `pa` with `flags` (V added).
pub fn make(pa: u64, flags: u64) -> u64 {
    ((pa >> 12) << PPN_SHIFT) | flags | V
}

/// The low flag bits (V..D and RSW).
pub fn flags(pte: u64) -> u64 {
    pte & 0x3ff
}

/// True for a valid leaf (R, W or X set).
pub fn is_leaf(pte: u64) -> bool {
    pte & V != 0 && pte & (R | W | X) != 0
}

/// Flags as `rwxugad`, then the page's kind: ` cow`, ` s` (shared pages
/// table) or ` shm`; for vmprint and logs.
pub fn describe(pte: u64) -> alloc::string::String {
    let mut s = alloc::string::String::new();
    for (bit, c) in [(R, 'r'), (W, 'w'), (X, 'x'), (U, 'u'), (G, 'g'), (A, 'a'), (D, 'd')] {
        s.push(if pte & bit != 0 { c } else { '-' });
    }
    if is_swapped(pte) {
        s.replace_range(5..7, "--");
    }
    s.push_str(match kind(pte) {
        PageKind::Private => "",
        PageKind::Cow => " cow",
        PageKind::Shared => " s",
        PageKind::Shm => " shm",
    });
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let e = make(0x8765_4000, R | W | U | COW);
        assert_eq!(address(e), 0x8765_4000);
        assert!(is_leaf(e));
        assert_eq!(flags(e), R | W | U | COW | V);
        assert_eq!(describe(e), "rw-u--- cow");
        assert!(!is_leaf(make(0x8000_0000, 0)), "a pointer");
        assert_eq!(describe(make(0x8000_0000, R | X | U | SHARED)), "r-xu--- s");
        assert_eq!(describe(make(0x8000_0000, R | W | U | SHM)), "rw-u--- shm");
        let out = swapped(42, R | W | U | A | D | COW | V);
        assert!(is_swapped(out) && !is_leaf(out));
        assert_eq!((slot(out), kind(out)), (42, PageKind::Cow));
        assert_eq!(out & (V | A), 0, "invalid, and no accessed bit");
        assert_eq!(describe(out), "rw-u--- cow");
        assert!(!is_swapped(0) && !is_swapped(make(0x8000_0000, R | D)));
        assert_eq!(
            [COW, SHARED, SHM, 0].map(kind),
            [PageKind::Cow, PageKind::Shared, PageKind::Shm, PageKind::Private]
        );
    }
}
