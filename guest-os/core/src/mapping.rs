//! mmap's rules, apart from the memory they change: which requests are
//! valid (with Linux's flags and errors), and where a new mapping goes.
//!
//! A private anonymous mapping is a zero-filled region whose pages are
//! committed one by one as they are first touched, as the stack's are. A
//! shared anonymous mapping is an anonymous shared-memory segment, which
//! fork hands on as shared, as it does System V attachments. A private
//! file mapping copies the file's pages on first touch.

use crate::protect::{PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::{PAGE, page_floor};

/// MAP_SHARED.
pub const MAP_SHARED: u64 = 0x01;
/// MAP_PRIVATE.
pub const MAP_PRIVATE: u64 = 0x02;
/// MAP_SHARED_VALIDATE: MAP_SHARED, refusing unknown flags.
pub const MAP_SHARED_VALIDATE: u64 = 0x03;
/// MAP_FIXED: exactly at the address, replacing what is there.
pub const MAP_FIXED: u64 = 0x10;
/// MAP_ANONYMOUS.
pub const MAP_ANONYMOUS: u64 = 0x20;
/// MAP_FIXED_NOREPLACE: exactly at the address, or EEXIST.
pub const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
/// MAP_HUGETLB, which needs huge pages this kernel does not have.
pub const MAP_HUGETLB: u64 = 0x4_0000;

/// The flags that ask for nothing this kernel must do differently:
/// MAP_GROWSDOWN, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_LOCKED,
/// MAP_NORESERVE, MAP_POPULATE, MAP_NONBLOCK, MAP_STACK, MAP_SYNC.
const HARMLESS: u64 = 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x1_0000 | 0x2_0000 | 0x8_0000;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    /// Bad length, alignment, flags or protection (EINVAL).
    Invalid,
    /// An unknown flag with MAP_SHARED_VALIDATE (EOPNOTSUPP).
    NotSupported,
    /// No room in the address space (ENOMEM).
    NoMemory,
    /// MAP_FIXED_NOREPLACE over a mapping (EEXIST).
    Exists,
}

/// Whether the mapping's pages are the caller's own or shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Copy-on-write across fork; a file's pages are copies.
    Private,
    /// One set of pages for every process that maps them.
    Shared,
}

/// How the address argument is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A hint: used if free, else the kernel chooses.
    Hint(u64),
    /// MAP_FIXED: there, replacing what is there.
    Replace(u64),
    /// MAP_FIXED_NOREPLACE: there, or EEXIST.
    NoReplace(u64),
}

/// A valid mmap request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapRequest {
    /// Where it goes.
    pub placement: Placement,
    /// Its length, in whole pages.
    pub pages: u64,
    /// PROT_* bits.
    pub prot: u64,
    /// Private or shared.
    pub sharing: Sharing,
    /// Anonymous (no file).
    pub anonymous: bool,
    /// The file offset (page-aligned).
    pub offset: u64,
}

/// Checks `mmap(addr, len, prot, flags, fd, offset)`'s arguments, as Linux
/// does, and says what is asked for. `limit` is the end of user space.
pub fn parse(addr: u64, len: u64, prot: u64, flags: u64, offset: u64, limit: u64) -> Result<MapRequest, MapError> {
    let sharing = match flags & MAP_SHARED_VALIDATE {
        MAP_PRIVATE => Sharing::Private,
        MAP_SHARED | MAP_SHARED_VALIDATE => Sharing::Shared,
        _ => return Err(MapError::Invalid),
    };
    let known = MAP_SHARED_VALIDATE | MAP_FIXED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | HARMLESS;
    if flags & MAP_SHARED_VALIDATE == MAP_SHARED_VALIDATE && flags & !known != 0 {
        return Err(MapError::NotSupported);
    }
    if len == 0 || flags & MAP_HUGETLB != 0 || prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
        return Err(MapError::Invalid);
    }
    if !offset.is_multiple_of(PAGE) {
        return Err(MapError::Invalid);
    }
    let pages = len.checked_add(PAGE - 1).ok_or(MapError::NoMemory)? / PAGE;
    if pages * PAGE > limit {
        return Err(MapError::NoMemory);
    }
    let placement = if flags & MAP_FIXED_NOREPLACE != 0 {
        Placement::NoReplace(addr)
    } else if flags & MAP_FIXED != 0 {
        Placement::Replace(addr)
    } else {
        Placement::Hint(page_floor(addr))
    };
    if let Placement::Replace(at) | Placement::NoReplace(at) = placement
        && (!at.is_multiple_of(PAGE) || at.checked_add(pages * PAGE).is_none_or(|end| end > limit))
    {
        return Err(if at.is_multiple_of(PAGE) { MapError::NoMemory } else { MapError::Invalid });
    }
    let anonymous = flags & MAP_ANONYMOUS != 0;
    Ok(MapRequest { placement, pages, prot, sharing, anonymous, offset: if anonymous { 0 } else { offset } })
}

/// Where request `req` goes, given `is_free(start, end)` and `choose(len)`
/// (the kernel's top-down choice of a free range): the address, and
/// whether what is there must be unmapped first.
pub fn place(
    req: &MapRequest,
    is_free: impl Fn(u64, u64) -> bool,
    choose: impl Fn(u64) -> Option<u64>,
) -> Result<(u64, bool), MapError> {
    let len = req.pages * PAGE;
    match req.placement {
        Placement::Replace(at) => Ok((at, !is_free(at, at + len))),
        Placement::NoReplace(at) if is_free(at, at + len) => Ok((at, false)),
        Placement::NoReplace(_) => Err(MapError::Exists),
        Placement::Hint(at) if at != 0 && at.checked_add(len).is_some() && is_free(at, at + len) => Ok((at, false)),
        Placement::Hint(_) => choose(len).map(|at| (at, false)).ok_or(MapError::NoMemory),
    }
}

/// Checks `munmap(addr, len)` or `madvise(addr, len, _)`'s range: the
/// page-rounded `(start, end)`, or EINVAL.
pub fn range(addr: u64, len: u64, limit: u64) -> Result<(u64, u64), MapError> {
    if !addr.is_multiple_of(PAGE) || len == 0 {
        return Err(MapError::Invalid);
    }
    let end = len.checked_add(PAGE - 1).map(|l| l / PAGE * PAGE).and_then(|l| addr.checked_add(l));
    end.filter(|&end| end <= limit).map(|end| (addr, end)).ok_or(MapError::Invalid)
}

#[cfg(test)]
mod tests;
