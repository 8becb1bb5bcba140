//! The user page reference string: an optional recorder, attached to the
//! hart as an observer (so every access takes the slow path, where it is
//! seen, TLB hits included), that notes each user-mode access's page.
//! `rvsim bench paging` replays the string offline under Belady's optimal
//! policy. Off by default; attached, it changes no counter, as no
//! observer does.
//!
//! A page is keyed by (`satp`, virtual page number): `satp` holds the
//! address space's ASID and root table, so two processes' pages at the
//! same address stay apart. Consecutive references to one page are one
//! entry. Pages are numbered densely in order of first use, so the string
//! costs four bytes an entry.

use std::collections::HashMap;

/// The page reference string of user-mode accesses.
#[derive(Debug, Clone, Default)]
pub struct PageRecorder {
    /// The page last recorded, as (satp, vpn).
    last: Option<(u64, u64)>,
    /// Each page's number, in order of first use.
    numbers: HashMap<(u64, u64), u32>,
    /// The string: page numbers, no entry equal to the one before.
    refs: Vec<u32>,
}

impl PageRecorder {
    /// An empty recorder.
    pub fn new() -> PageRecorder {
        PageRecorder::default()
    }

    /// A user-mode access to virtual page `vpn` under `satp`.
    #[inline]
    pub fn record(&mut self, satp: u64, vpn: u64) {
        let key = (satp, vpn);
        if self.last == Some(key) {
            return;
        }
        self.last = Some(key);
        let next = u32::try_from(self.numbers.len()).unwrap_or(u32::MAX);
        let number = *self.numbers.entry(key).or_insert(next);
        self.refs.push(number);
    }

    /// The string so far: page numbers from 0, in order of first use.
    pub fn refs(&self) -> &[u32] {
        &self.refs
    }

    /// How many distinct pages the string names.
    pub fn pages(&self) -> usize {
        self.numbers.len()
    }

    /// The string, giving the recorder up.
    pub fn into_refs(self) -> Vec<u32> {
        self.refs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_collapse_and_pages_number_in_order_of_first_use() {
        let mut r = PageRecorder::new();
        for (satp, vpn) in [(1, 0x10), (1, 0x10), (1, 0x11), (2, 0x10), (1, 0x10), (1, 0x10), (2, 0x10)] {
            r.record(satp, vpn);
        }
        assert_eq!(r.refs(), [0, 1, 2, 0, 2]);
        assert_eq!(r.pages(), 3, "the same address in two address spaces is two pages");
    }
}
