//! The kernel's side of a distributed page, for core's DSM engine (its
//! `PageStore`): for a cluster-wide segment, the bytes of the page's
//! frame in the local segment, and every local mapping of it, in every
//! process that attached the segment; for a spread process's address
//! space (`threads=spread`), the page at that address in the local
//! process of the space. It lives here, beside the process table,
//! because changing a page's access walks every address space.

use rvsim_kernel_core::dsm::{Access, PAGE_SIZE, PageId, PageStore};
use rvsim_kernel_core::shm::ShmPage;
use rvsim_kernel_core::spread::{self, is_process_space};
use rvsim_kernel_core::{PAGE, PhysMemory, pte};

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

impl Store<'_> {
    /// A spread process's page: its bytes here.
    fn read_spread(&mut self, page: PageId, buf: &mut [u8; PAGE_SIZE]) {
        let va = page.index as u64 * PAGE;
        match super::spread::spread_space(self.table, page.space.0) {
            Some((space, regions, _)) => spread::read(space, &self.vmm.vm(), regions, va, buf),
            None => buf.fill(0),
        }
    }

    /// A spread process's page: received bytes installed here.
    fn write_spread(&mut self, page: PageId, data: &[u8; PAGE_SIZE]) {
        let va = page.index as u64 * PAGE;
        let Some((space, _, asid)) = super::spread::spread_space(self.table, page.space.0) else { return };
        if !spread::install(space, &mut self.vmm.vm(), va, data) {
            crate::kprintln!("[dsm] no frame for page {va:#x} of space {}: its bytes are lost here", page.space.0);
        }
        if let Some(asid) = asid {
            flush_page(va, asid);
        }
    }

    /// A spread process's page: its entry as the engine now allows.
    fn set_spread_access(&mut self, page: PageId, access: Access) {
        let va = page.index as u64 * PAGE;
        let Some((space, regions, asid)) = super::spread::spread_space(self.table, page.space.0) else { return };
        let region = regions.iter().find(|r| r.contains(va));
        let writable = region.is_some_and(|r| spread::flags_at(space, r, va) & pte::W != 0);
        if spread::set_access(space, &mut self.vmm.vm(), va, access, writable)
            && let Some(asid) = asid
        {
            flush_page(va, asid);
        }
    }
}

impl PageStore for Store<'_> {
    fn read(&mut self, page: PageId, buf: &mut [u8; PAGE_SIZE]) {
        if is_process_space(page.space.0) {
            return self.read_spread(page, buf);
        }
        match self.frame(page) {
            Some((_, frame)) => self.vmm.vm().mem.read(frame, buf),
            None => buf.fill(0),
        }
    }

    fn write(&mut self, page: PageId, data: &[u8; PAGE_SIZE]) {
        if is_process_space(page.space.0) {
            return self.write_spread(page, data);
        }
        if let Some((_, frame)) = self.frame(page) {
            self.vmm.vm().mem.write(frame, data);
        }
    }

    fn set_access(&mut self, page: PageId, access: Access) {
        if is_process_space(page.space.0) {
            return self.set_spread_access(page, access);
        }
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
