//! Per-page records of one distributed space, kept sparsely: a space may
//! be a whole user address space (2^26 pages), of which a program touches
//! a few hundred. A page nobody has spoken of yet is in its space's
//! first state (`fresh`), which every node can work out for itself; a
//! record is made the first time a page must change.

use alloc::collections::BTreeMap;

/// The records of one space's pages.
#[derive(Debug, Clone)]
pub(crate) struct Sparse<T: Clone> {
    pages: u32,
    fresh: T,
    records: BTreeMap<u32, T>,
}

impl<T: Clone> Sparse<T> {
    /// `pages` pages in state `fresh`; with `dense`, every record is made
    /// now (a segment's, whose pages a node's failure must all account
    /// for).
    pub(crate) fn new(pages: u32, fresh: T, dense: bool) -> Sparse<T> {
        let records = if dense { (0..pages).map(|i| (i, fresh.clone())).collect() } else { BTreeMap::new() };
        Sparse { pages, fresh, records }
    }

    /// How many pages the space has.
    pub(crate) fn len(&self) -> u32 {
        self.pages
    }

    /// Page `index`'s record (its first state if it has none yet).
    pub(crate) fn get(&self, index: u32) -> Option<&T> {
        (index < self.pages).then(|| self.records.get(&index).unwrap_or(&self.fresh))
    }

    /// Page `index`'s record, to change (made now if it had none).
    pub(crate) fn get_mut(&mut self, index: u32) -> Option<&mut T> {
        (index < self.pages).then(|| self.records.entry(index).or_insert_with(|| self.fresh.clone()))
    }

    /// The pages that have records, to change.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> {
        self.records.iter_mut().map(|(&i, r)| (i, r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparse_space_reads_fresh_pages_without_making_records() {
        let mut s = Sparse::new(1 << 26, 7u8, false);
        assert_eq!(s.get(12345), Some(&7));
        assert_eq!(s.iter_mut().count(), 0);
        *s.get_mut(12345).expect("in range") = 9;
        assert_eq!(s.get(12345), Some(&9));
        assert_eq!(s.get(12346), Some(&7));
        assert_eq!(s.iter_mut().count(), 1);
        assert_eq!(s.get(1 << 26), None);
        assert!(s.get_mut(1 << 26).is_none());
    }

    #[test]
    fn a_dense_space_has_every_record_from_the_start() {
        let mut s = Sparse::new(5, 0u8, true);
        assert_eq!(s.iter_mut().count(), 5);
        assert_eq!(s.len(), 5);
    }
}
