//! When the pager begins keeping its records. The reverse map and the
//! replacer cost every new page some work (a record of who maps it, a
//! place in the replacement order) that buys nothing while memory is
//! plentiful, because nothing is evicted then. So the pager keeps them
//! only from the first time memory gets short: when the frames free for
//! user pages fall below a quarter of the budget (the point where LRU
//! starts sampling and fault-around stops), at the latest at the first
//! reclaim, or when a process makes a frame pool. A pass over the page
//! tables then enters every page already resident, and from then on each change is recorded
//! as it happens.
//!
//! Pages resident before that point join the replacement order in the
//! order of this pass: first pages no process maps (shared pages table
//! and shared-memory pages with no mapping left, the likeliest to be
//! unneeded), then each address space's pages in address order, spaces
//! in the order given. The passes must run when no page is between its
//! frame and its entry (the kernel runs it at the start of a reclaim or
//! after a fault, never inside one).

use crate::pager::Pager;
use crate::rmap::Mapping;
use crate::space::Entries;
use crate::{PhysMemory, Vm, pte};

/// Starts the records, entering every resident user page: every page the
/// address spaces rooted at `roots` map, and the resident pages of the
/// shared pages table and of shared-memory segments. Returns how many
/// frames joined the replacer. Nothing happens if the records are kept
/// already.
pub fn start<M: PhysMemory>(vm: &mut Vm<'_, M>, roots: &[u64]) -> usize {
    if vm.pager.tracking() {
        return 0;
    }
    vm.pager.begin_tracking();
    let before = vm.pager.replacer.len();
    for &root in roots {
        for_each_page(vm, root, |pager, frame, m, _| pager.mapped(frame, m));
    }
    enter_unmapped(vm);
    for &root in roots {
        for_each_page(vm, root, |pager, frame, _, shared| pager.resident(frame, shared));
    }
    vm.pager.replacer.len() - before
}

/// Enters the shared pages table's and the segments' resident frames that
/// no entry maps (the reverse map, complete by now, says which).
fn enter_unmapped<M: PhysMemory>(vm: &mut Vm<'_, M>) {
    let shared = vm.shared.entries().filter_map(|(_, page)| page.frame).map(|frame| (frame, true));
    let segments = vm.shm.resident_frames().map(|frame| (frame, false));
    for (frame, shared) in shared.chain(segments) {
        if vm.pager.rmap.count(frame) == 0 {
            vm.pager.resident(frame, shared);
        }
    }
}

/// Calls `f` with the pager, the frame, the mapping and whether it is a
/// shared pages table page, for each page the space rooted at `root` maps.
fn for_each_page<M: PhysMemory>(vm: &mut Vm<'_, M>, root: u64, mut f: impl FnMut(&mut Pager, u64, Mapping, bool)) {
    let mut entries = Entries::of_root(root);
    while let Some(e) = entries.next(vm.mem) {
        if pte::is_leaf(e.entry) {
            let shared = pte::kind(e.entry) == pte::PageKind::Shared;
            f(vm.pager, pte::address(e.entry), Mapping { root, va: e.va }, shared);
        }
    }
}

#[cfg(test)]
mod tests;
