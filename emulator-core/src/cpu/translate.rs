//! Address translation as the hart performs it: choose the effective
//! privilege, look the modelled TLB up, walk the Sv39 table on a miss,
//! check PMP, and cache the page in the host fast path when that is safe.
//! Also the bookkeeping that keeps the fast path honest when privilege,
//! `satp`, `mstatus` or PMP change.

use super::csr::{satp, status};
use super::{Access, Cpu, Exception, Privilege};
use crate::mmu::fast::{NO_SLOT, mode_index};
use crate::mmu::sv39::{self, Context, Fault, PteMemory};
use crate::mmu::tlb::{self, TlbEntry};
use crate::mmu::{MmuStats, Pmp};
use crate::ram::Ram;

/// PTE accesses of a walk: physical, checked by PMP as S-mode accesses,
/// counted (reads in `reads`, for the caller to add to the statistics
/// once).
struct WalkMemory<'a> {
    ram: &'a mut Ram,
    pmp: &'a Pmp,
    stats: &'a mut MmuStats,
    reads: u64,
}

impl WalkMemory<'_> {
    /// Adds the walk's PTE reads to the statistics.
    fn count_reads(self) {
        self.stats.pte_reads += self.reads;
    }
}

impl PteMemory for WalkMemory<'_> {
    fn read_pte(&mut self, addr: u64) -> Option<u64> {
        self.reads += 1;
        if !self.pmp.allows(addr, 8, Access::Load, Privilege::Supervisor) {
            return None;
        }
        self.ram.read::<8>(addr)
    }

    fn update_pte(&mut self, addr: u64, old: u64, new: u64) -> bool {
        if !self.pmp.allows(addr, 8, Access::Store, Privilege::Supervisor) {
            return false;
        }
        // One hart: nothing can change the PTE between the read and this
        // write, so compare-and-swap reduces to a checked write.
        if self.ram.read::<8>(addr) == Some(old) {
            self.stats.ad_updates += 1;
            self.ram.write::<8>(addr, new)
        } else {
            true
        }
    }
}

/// Who walks, and what the TLB lookup before the walk found.
#[derive(Clone, Copy)]
struct Walker {
    /// The access's effective privilege.
    privilege: Privilege,
    /// Its translation context.
    context: Context,
    /// The address space the leaf is cached for.
    asid: u16,
    /// The lookup found an entry that could not serve the access.
    tlb_had_entry: bool,
}

impl Cpu {
    /// The privilege an access of kind `access` is performed with: the
    /// current mode for fetches; for loads and stores, `mstatus.MPP` when
    /// M-mode sets `mstatus.MPRV`.
    pub fn access_privilege(&self, access: Access) -> Privilege {
        if access == Access::Fetch { self.mode } else { self.data_mode }
    }

    /// Whether Sv39 translation applies to accesses in `privilege`.
    pub fn translation_on(&self, privilege: Privilege) -> bool {
        privilege != Privilege::Machine && self.csr.satp >> satp::MODE_SHIFT == satp::MODE_SV39
    }

    /// The translation context for accesses in `privilege`.
    pub fn context(&self, privilege: Privilege) -> Context {
        let mstatus = self.csr.mstatus;
        Context { privilege, sum: mstatus & status::SUM != 0, mxr: mstatus & status::MXR != 0 }
    }

    /// The current address space: ASID from `satp`.
    pub fn asid(&self) -> u16 {
        ((self.csr.satp >> satp::ASID_SHIFT) & satp::ASID_MASK) as u16
    }

    /// Translates `va` for an access of `size` bytes: TLB, walk, PMP. A
    /// page that may be cached goes into the fast path.
    pub(crate) fn translate(&mut self, va: u64, access: Access, size: u64) -> Result<u64, Exception> {
        if self.observed {
            return self.translate_observed(va, access, size);
        }
        self.translate_as::<false>(va, access, size)
    }

    /// [`Cpu::translate`] shown to the tools attached.
    #[cold]
    #[inline(never)]
    fn translate_observed(&mut self, va: u64, access: Access, size: u64) -> Result<u64, Exception> {
        self.translate_as::<true>(va, access, size)
    }

    /// [`Cpu::translate`], shown to the tools attached when `OBSERVED`:
    /// two copies, so that the common one has no trace of them (the
    /// values they would need stay in registers).
    #[inline(always)]
    fn translate_as<const OBSERVED: bool>(&mut self, va: u64, access: Access, size: u64) -> Result<u64, Exception> {
        let privilege = self.access_privilege(access);
        let (pa, slot) = if self.translation_on(privilege) {
            let (pa, slot) = self.translate_sv39::<OBSERVED>(va, access, privilege)?;
            (pa, slot as u32)
        } else {
            (va, NO_SLOT)
        };
        // One PMP decision for the whole page, when it has one, both
        // allows the access and lets the page be cached.
        match self.mmu.pmp.page_decision(pa & !0xfff, access, privilege) {
            // Observed accesses must all come this way, where they are seen.
            Some(true) if !OBSERVED => self.cache_page(va, pa, access, privilege, slot),
            Some(true) => {}
            Some(false) => return Err(access.access_fault(va)),
            None if !self.mmu.pmp.allows(pa, size, access, privilege) => return Err(access.access_fault(va)),
            None => {}
        }
        Ok(pa)
    }

    /// Puts the page of `va` into the fast path if it is RAM and no device
    /// must see its stores. PMP has already allowed the whole page.
    fn cache_page(&mut self, va: u64, pa: u64, access: Access, privilege: Privilege, slot: u32) {
        let page = pa & !0xfff;
        if access == Access::Store && page == self.bus.htif.tohost & !0xfff {
            return;
        }
        let Some(offset) = self.bus.ram.offset_of(page, 4096) else { return };
        // Stores to code must reach the decoded-instruction cache.
        if access == Access::Store && self.icache.is_code(offset as u64) {
            return;
        }
        let host = self.bus.ram.host_address(offset);
        self.mmu.fast.insert(privilege, access, va, host, slot);
    }

    /// Sv39 translation through the modelled TLB. A hit that cannot serve
    /// the access (permission denied, or D clear for a store) counts as a
    /// miss and walks again, as QEMU re-walks: the PTE may have changed.
    #[inline(always)]
    fn translate_sv39<const OBSERVED: bool>(
        &mut self,
        va: u64,
        access: Access,
        privilege: Privilege,
    ) -> Result<(u64, usize), Exception> {
        // The TLB matches on the 39 translated bits only: an address whose
        // bits 63:39 are not copies of bit 38 must fault before any lookup.
        if !sv39::is_canonical(va) {
            self.mmu.count_page_fault(access);
            return Err(access.page_fault(va));
        }
        let context = self.context(privilege);
        let asid = self.asid();
        let found = self.mmu.tlb.find(va, asid);
        if let Some(slot) = found {
            let entry = *self.mmu.tlb.entry(slot);
            let flags = entry.flags as u64;
            let needed = sv39::needed_ad(access);
            if sv39::check_permission(flags, access, context).is_ok() && flags & needed == needed {
                self.mmu.tlb.record_hit(slot, access);
                if OBSERVED {
                    self.observe_tlb_hit(access, va, slot, &entry);
                    self.observe_page(privilege, va);
                }
                return Ok((entry.translate(va), slot));
            }
        }
        self.refill::<OBSERVED>(va, access, Walker { privilege, context, asid, tlb_had_entry: found.is_some() })
    }

    /// A TLB miss: walks the table for `va` and caches the leaf it finds,
    /// replacing an entry of its set.
    #[inline(always)]
    fn refill<const OBSERVED: bool>(
        &mut self,
        va: u64,
        access: Access,
        walker: Walker,
    ) -> Result<(u64, usize), Exception> {
        let small_set = self.mmu.tlb.set_of(va, 0);
        self.mmu.tlb.record_miss(access);
        self.mmu.stats.walks += 1;
        let walked = if OBSERVED { self.walk_observed(va, access, walker) } else { self.walk(va, access, walker) };
        let leaf = match walked {
            Ok(leaf) => leaf,
            Err(fault) => return Err(self.walk_fault(va, access, fault)),
        };
        if leaf.updated {
            // The walk wrote A/D into a PTE.
            self.ram_written(leaf.pte_addr);
        }
        let entry = TlbEntry {
            valid: true,
            vpn: tlb::vpn(va, leaf.level),
            level: leaf.level,
            asid: walker.asid,
            global: leaf.global,
            ppn: (leaf.pte >> sv39::pte::PPN_SHIFT) & sv39::pte::PPN_MASK,
            flags: leaf.pte as u8,
            pte_addr: leaf.pte_addr,
        };
        let (slot, replaced) = if walker.tlb_had_entry {
            self.mmu.tlb.fill(va, entry)
        } else {
            self.mmu.tlb.fill_absent(small_set, va, entry)
        };
        if let Some((old_va, old_level)) = replaced {
            self.forget_slot(slot, old_va, old_level);
        }
        if OBSERVED {
            self.observe_fill(va, slot, replaced, walker.privilege);
        }
        Ok((leaf.translate(va), slot))
    }

    /// Counts a walk that faulted and gives the exception it raises.
    #[cold]
    fn walk_fault(&mut self, va: u64, access: Access, fault: Fault) -> Exception {
        match fault {
            Fault::Page(_) => {
                self.mmu.count_page_fault(access);
                access.page_fault(va)
            }
            Fault::Access => {
                self.mmu.stats.walk_access_faults += 1;
                access.access_fault(va)
            }
        }
    }

    /// The walk of the table under `satp` for an access to `va`.
    #[inline(always)]
    fn walk_request(&self, va: u64, access: Access, walker: Walker) -> sv39::WalkRequest {
        let root_ppn = self.csr.satp & satp::PPN_MASK;
        sv39::WalkRequest { root_ppn, va, access, context: walker.context, ad: self.mmu.ad, update: true }
    }

    /// Memory as a walk reads it: RAM, under PMP, counted.
    #[inline(always)]
    fn walk_memory(&mut self) -> WalkMemory<'_> {
        WalkMemory { ram: &mut self.bus.ram, pmp: &self.mmu.pmp, stats: &mut self.mmu.stats, reads: 0 }
    }

    /// Walks the page table for an access to `va`, counting its PTE reads.
    #[inline(always)]
    fn walk(&mut self, va: u64, access: Access, walker: Walker) -> Result<sv39::Leaf, Fault> {
        let request = self.walk_request(va, access, walker);
        let mut memory = self.walk_memory();
        let walked = sv39::walk(&mut memory, request, |_| {});
        memory.count_reads();
        walked
    }

    /// The same walk, shown to the tools attached step by step, after the
    /// miss that caused it.
    #[cold]
    fn walk_observed(&mut self, va: u64, access: Access, walker: Walker) -> Result<sv39::Leaf, Fault> {
        let request = self.walk_request(va, access, walker);
        let mut memory = self.walk_memory();
        let mut steps = Vec::new();
        let walked = sv39::walk(&mut memory, request, |step| steps.push(step));
        memory.count_reads();
        self.observe_tlb_miss(access, va, walker.tlb_had_entry);
        self.observe_walk(va, &steps, walked.map(|leaf| leaf.translate(va)));
        walked
    }

    /// Shows the tools attached the fill of `slot` for `va`.
    #[cold]
    fn observe_fill(&mut self, va: u64, slot: usize, replaced: Option<(u64, u8)>, privilege: Privilege) {
        let entry = *self.mmu.tlb.entry(slot);
        self.observe_tlb_fill(slot, &entry, replaced);
        self.observe_page(privilege, va);
    }

    /// Drops every fast-path translation derived from TLB slot `slot`.
    fn forget_slot(&mut self, slot: usize, va: u64, level: u8) {
        self.mmu.fast.invalidate_slot(slot as u32, va, level);
        if self.fetch_slot == slot as u32 {
            self.fetch_page = u64::MAX;
        }
    }

    /// After `satp`, `sfence.vma`, SUM or MXR change: translations cached
    /// for S and U are no longer known to be right.
    pub(crate) fn flush_translations(&mut self) {
        self.mmu.fast.flush_translated();
        self.fetch_page = u64::MAX;
    }

    /// After a PMP change: nothing cached is known to be allowed.
    pub(crate) fn flush_all_cached(&mut self) {
        self.mmu.pmp = Pmp::new(&self.csr.pmpcfg, &self.csr.pmpaddr);
        self.mmu.fast.flush_all();
        self.fetch_page = u64::MAX;
    }

    /// Recomputes the privilege of loads and stores (MPRV, MPP).
    pub(crate) fn update_data_mode(&mut self) {
        let mstatus = self.csr.mstatus;
        self.data_mode = if self.mode == Privilege::Machine && mstatus & status::MPRV != 0 {
            Privilege::from_bits(mstatus >> status::MPP_SHIFT)
        } else {
            self.mode
        };
        self.data_mode_index = mode_index(self.data_mode);
        self.data_load_row = self.mmu.fast.row_address(self.data_mode_index, Access::Load);
    }

    /// Switches privilege mode, keeping per-mode instruction counts and the
    /// fetch page (cached for the old mode) right.
    pub fn set_mode(&mut self, mode: Privilege) {
        self.switch_mode(mode, false);
    }

    /// Switches mode from inside an instruction: with `retiring`, that
    /// instruction (an `mret` or `sret`) still counts for the old mode.
    pub(crate) fn switch_mode(&mut self, mode: Privilege, retiring: bool) {
        let boundary = self.retired + retiring as u64;
        self.retired_by_mode[mode_index(self.mode)] += boundary - self.mode_since;
        self.mode_since = boundary;
        self.mode = mode;
        self.fetch_page = u64::MAX;
        self.update_data_mode();
    }

    /// Instructions retired in U-, S- and M-mode so far.
    pub fn retired_by_mode(&self) -> [u64; 3] {
        let mut counts = self.retired_by_mode;
        counts[mode_index(self.mode)] += self.retired - self.mode_since;
        counts
    }
}
