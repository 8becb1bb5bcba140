//! The kernel's side of a distributed page, for core's DSM engine (its
//! `PageStore`): the bytes of the page's frame in the local segment, and
//! every local mapping of it, in every process that attached the segment.
//! It lives here, beside the process table, because changing a page's
//! access walks every address space.

use rvsim_kernel_core::dsm::{Access, PAGE_SIZE, PageId, PageStore};
use rvsim_kernel_core::shm::ShmPage;
use rvsim_kernel_core::{PAGE, PhysMemory};

use super::{Table, flush_page, with_table_vm};
use crate::vmm::Vmm;

/// The process table and the VM manager, lent to the engine.
pub struct Store<'a> {
    table: &'a mut Table,
    vmm: &'a mut Vmm,
}

/// Lends the store to `f` (the process table, then the VM manager, are
/// locked while it runs: the engine's lock is taken inside).
pub fn with_store<R>(f: impl FnOnce(&mut Store) -> R) -> R {
    with_table_vm(|table, vmm| f(&mut Store { table, vmm }))
}

impl Store<'_> {
    /// The local segment and frame of `page`.
    fn frame(&self, page: PageId) -> Option<(i32, u64)> {
        let id = self.vmm.shm.of_space(page.space.0)?;
        match self.vmm.shm.page(id, page.index as usize)? {
            ShmPage::Resident(frame) => Some((id, frame)),
            ShmPage::Zero | ShmPage::Swapped(_) => None,
        }
    }
}

impl PageStore for Store<'_> {
    fn read(&mut self, page: PageId, buf: &mut [u8; PAGE_SIZE]) {
        match self.frame(page) {
            Some((_, frame)) => self.vmm.vm().mem.read(frame, buf),
            None => buf.fill(0),
        }
    }

    fn write(&mut self, page: PageId, data: &[u8; PAGE_SIZE]) {
        if let Some((_, frame)) = self.frame(page) {
            self.vmm.vm().mem.write(frame, data);
        }
    }

    fn set_access(&mut self, page: PageId, access: Access) {
        let Some((id, frame)) = self.frame(page) else { return };
        let index = page.index as u64;
        for p in self.table.procs().filter(|p| p.is_leader()) {
            let asid = p.asid();
            let places: alloc::vec::Vec<(u64, bool)> = p
                .attachments
                .iter()
                .filter(|a| a.id == id && a.first <= index && index < a.first + a.pages)
                .map(|a| (a.start + (index - a.first) * PAGE, writable_at(p, a.start)))
                .collect();
            let Some(space) = p.space.as_mut() else { continue };
            for (va, writable) in places {
                let wanted = match access {
                    Access::None => None,
                    Access::Read => Some(false),
                    Access::Write => Some(writable),
                };
                // Out of memory for a page table: the next fault maps it.
                if space.set_shm_access(&mut self.vmm.vm(), va, frame, wanted).unwrap_or(true) {
                    flush_page(va, asid);
                }
            }
        }
    }
}

/// Whether `p` attached the segment at `start` for writing.
fn writable_at(p: &super::Proc, start: u64) -> bool {
    use rvsim_kernel_core::region::Backing;
    p.regions.iter().any(|r| r.start == start && matches!(r.backing, Backing::Shm { writable: true, .. }))
}
