//! The text of the kernel's small `/proc`: the lines of
//! `/proc/self/maps`, each mapping with the kernel's marks for its pages
//! (shared text, COW, shared memory, private, swapped), and
//! `/proc/meminfo`, Linux's fields and then memstat's counters. So the VM
//! is visible from any program, `cat` included.

use alloc::string::String;
use core::fmt::{self, Write};

use rvsim_abi::MemStat;

use crate::pte::{self, PageKind};
use crate::space::AddressSpace;
use crate::{PAGE, PhysMemory};

/// How many pages of a range are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCounts {
    /// Pages of the shared pages table (shared text).
    pub shared: u64,
    /// Copy-on-write pages.
    pub cow: u64,
    /// Shared-memory pages.
    pub shm: u64,
    /// The process's own pages.
    pub private: u64,
    /// Pages on the swap disk.
    pub swapped: u64,
}

impl AddressSpace {
    /// Counts the pages of `[start, end)` by state.
    pub fn page_counts(&self, mem: &impl PhysMemory, start: u64, end: u64) -> PageCounts {
        let mut counts = PageCounts::default();
        let mut entries = self.entries_from(start);
        while let Some(e) = entries.next(mem).filter(|e| e.va < end) {
            let count = match pte::kind(e.entry) {
                _ if pte::is_swapped(e.entry) => &mut counts.swapped,
                _ if !pte::is_leaf(e.entry) => continue,
                PageKind::Shared => &mut counts.shared,
                PageKind::Cow => &mut counts.cow,
                PageKind::Shm => &mut counts.shm,
                PageKind::Private => &mut counts.private,
            };
            *count += 1;
        }
        counts
    }
}

impl fmt::Display for PageCounts {
    /// `3 shared, 1 cow, 2 private`: the states that have pages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            (self.shared, "shared"),
            (self.cow, "cow"),
            (self.shm, "shm"),
            (self.private, "private"),
            (self.swapped, "swapped"),
        ];
        let mut first = true;
        for (n, what) in parts.into_iter().filter(|&(n, _)| n > 0) {
            write!(f, "{}{n} {what}", if first { "" } else { ", " })?;
            first = false;
        }
        Ok(())
    }
}

/// One line of `/proc/self/maps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapsLine<'a> {
    /// First address.
    pub start: u64,
    /// One past the last.
    pub end: u64,
    /// Its entry permission bits (R, W, X; none for PROT_NONE).
    pub perms: u64,
    /// Shared (`s`) rather than private (`p`).
    pub shared: bool,
    /// The file offset of `start`.
    pub offset: u64,
    /// Its name: a path, `[heap]`, `[stack]`, or empty.
    pub name: &'a str,
    /// Its pages, by state.
    pub pages: PageCounts,
}

/// The column at which Linux starts a mapping's name.
const NAME_COLUMN: usize = 73;

impl fmt::Display for MapsLine<'_> {
    /// Linux's format, then the kernel's marks in brackets:
    /// `00010000-00012000 r-xp 00000000 00:00 0   /hello  [2 shared]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bit = |b: u64, c: char| if self.perms & b != 0 { c } else { '-' };
        let mut head = String::new();
        write!(
            head,
            "{:08x}-{:08x} {}{}{}{} {:08x} 00:00 0 ",
            self.start,
            self.end,
            bit(pte::R, 'r'),
            bit(pte::W, 'w'),
            bit(pte::X, 'x'),
            if self.shared { 's' } else { 'p' },
            self.offset
        )?;
        f.write_str(&head)?;
        if !self.name.is_empty() {
            write!(f, "{:pad$}{}", "", self.name, pad = NAME_COLUMN.saturating_sub(head.len()))?;
        }
        if self.pages != PageCounts::default() {
            write!(f, "  [{}]", self.pages)?;
        }
        Ok(())
    }
}

/// The text of `/proc/meminfo` for the counters `s`: Linux's fields (in
/// kB), then every memstat counter (in pages, or events).
pub fn meminfo(s: &MemStat) -> String {
    let kb = |pages: u64| pages * (PAGE / 1024);
    let mut out = String::new();
    let linux = [
        ("MemTotal", kb(s.frames_total)),
        ("MemFree", kb(s.frames_free)),
        ("MemAvailable", kb(s.frames_free)),
        ("Shmem", kb(s.shm_frames)),
        ("SwapTotal", kb(s.swap_total)),
        ("SwapFree", kb(s.swap_total.saturating_sub(s.swap_used))),
        ("CommitLimit", kb(s.commit_limit)),
        ("Committed_AS", kb(s.committed)),
    ];
    for (name, value) in linux {
        let _ = writeln!(out, "{:<16}{value:>8} kB", alloc::format!("{name}:"));
    }
    for (name, value) in s.fields() {
        let _ = writeln!(out, "{:<16}{value:>8}", alloc::format!("{name}:"));
    }
    out
}

#[cfg(test)]
mod tests;
