//! Memory accesses as the hart sees them. Each access first tries the host
//! fast path (a cached page: one compare, then host memory); otherwise it
//! is translated (see `translate.rs`) and goes to RAM or to a device.
//! Misaligned loads and stores are performed, as on QEMU, possibly across
//! two pages; misaligned AMOs, LR and SC trap, as the specification says.

use super::{Cpu, Exception};
use crate::isa::Decoded;
use crate::mmu::fast::{NO_SLOT, mode_index};
use crate::ram::{read_host, write_host};

/// The kind of a memory access; it selects the permission checked and the
/// exception raised on failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Instruction fetch.
    Fetch = 0,
    /// Load (and LR).
    Load = 1,
    /// Store, SC and AMO.
    Store = 2,
}

impl Access {
    /// The access-fault exception for this kind of access.
    pub fn access_fault(self, addr: u64) -> Exception {
        match self {
            Access::Fetch => Exception::InstructionAccessFault(addr),
            Access::Load => Exception::LoadAccessFault(addr),
            Access::Store => Exception::StoreAccessFault(addr),
        }
    }

    /// The page-fault exception for this kind of access.
    pub fn page_fault(self, addr: u64) -> Exception {
        match self {
            Access::Fetch => Exception::InstructionPageFault(addr),
            Access::Load => Exception::LoadPageFault(addr),
            Access::Store => Exception::StorePageFault(addr),
        }
    }

    /// Short name used in traces and statistics.
    pub fn name(self) -> &'static str {
        match self {
            Access::Fetch => "fetch",
            Access::Load => "load",
            Access::Store => "store",
        }
    }
}

impl Cpu {
    /// The host address of `va` if its page is in the fast path for
    /// `access`, counting the TLB hit it stands for.
    #[inline(always)]
    fn fast_host(&mut self, va: u64, access: Access) -> Option<usize> {
        let mode = if access == Access::Fetch { mode_index(self.mode) } else { self.data_mode_index };
        let entry = *self.mmu.fast.entry(mode, access, va);
        if entry.tag != va >> 12 {
            return None;
        }
        if entry.slot() != NO_SLOT {
            self.mmu.tlb.record_hit(entry.slot() as usize, access);
        }
        Some((va as usize).wrapping_add(entry.addend()))
    }

    /// The physical address an access of kind `access` to `va` uses,
    /// found exactly as the access itself would find it (host fast path,
    /// then TLB, walk and PMP), with every counter updated. For tools and
    /// benchmarks; `Machine::probe` looks without side effects.
    #[inline]
    pub fn translate_access(&mut self, va: u64, access: Access) -> Result<u64, Exception> {
        match self.fast_host(va, access) {
            Some(host) => Ok(self.bus.ram.guest_address(host)),
            None => self.translate(va, access, 1),
        }
    }

    /// Loads `N` bytes (1, 2, 4 or 8) from virtual address `va`,
    /// zero-extended. The fast path is inlined into each load's semantics;
    /// everything else is out of line, so that those semantics stay leaf
    /// functions that save no registers.
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&mut self, va: u64) -> Result<u64, Exception> {
        if va & (N as u64 - 1) == 0
            && let Some(host) = self.fast_host(va, Access::Load)
        {
            // SAFETY: fast-path pages lie inside RAM, and an aligned
            // access does not leave its page.
            return Ok(unsafe { read_host::<N>(host) });
        }
        self.load_slow::<N>(va)
    }

    /// A load the fast path does not serve: translated, misaligned, or
    /// from a device.
    #[cold]
    #[inline(never)]
    fn load_slow<const N: usize>(&mut self, va: u64) -> Result<u64, Exception> {
        if va & (N as u64 - 1) == 0 {
            let pa = self.translate(va, Access::Load, N as u64)?;
            let value = match self.bus.ram.read::<N>(pa) {
                Some(v) => v,
                None => self.device_load(pa, N as u8).ok_or(Exception::LoadAccessFault(va))?,
            };
            if self.observed {
                self.observe_access(Access::Load, va, pa, N as u8, value);
            }
            return Ok(value);
        }
        let mut bytes = [0u8; 8];
        let mut first_pa = 0;
        self.misaligned_pieces(va, N as u64, crate::cpu::Access::Load, |ram, pa, at| {
            let piece = ram.slice(pa, at.len() as u64)?;
            if at.start == 0 {
                first_pa = pa;
            }
            bytes[at].copy_from_slice(piece);
            Some(())
        })?;
        let value = u64::from_le_bytes(bytes) & (u64::MAX >> (64 - 8 * N));
        if self.observed {
            self.observe_access(Access::Load, va, first_pa, N as u8, value);
        }
        Ok(value)
    }

    /// Stores the low `N` bytes of `value` at virtual address `va` (fast
    /// path inlined, as for loads).
    #[inline(always)]
    pub(crate) fn store<const N: usize>(&mut self, va: u64, value: u64) -> Result<(), Exception> {
        if va & (N as u64 - 1) == 0
            && let Some(host) = self.fast_host(va, Access::Store)
        {
            // SAFETY: as in `load`.
            unsafe { write_host::<N>(host, value) };
            return Ok(());
        }
        self.store_slow::<N>(va, value)
    }

    /// A store the fast path does not serve.
    #[cold]
    #[inline(never)]
    fn store_slow<const N: usize>(&mut self, va: u64, value: u64) -> Result<(), Exception> {
        if va & (N as u64 - 1) == 0 {
            let pa = self.translate(va, Access::Store, N as u64)?;
            if !self.write_ram::<N>(pa, value) {
                self.device_store(pa, N as u8, value).ok_or(Exception::StoreAccessFault(va))?;
            }
            if self.observed {
                self.observe_access(Access::Store, va, pa, N as u8, value);
            }
            return Ok(());
        }
        // Both pages are translated and checked before any byte is written,
        // so a fault leaves memory untouched.
        let mut pieces = Vec::with_capacity(2);
        self.misaligned_pieces(va, N as u64, Access::Store, |ram, pa, at| {
            ram.offset_of(pa, at.len() as u64)?;
            pieces.push((pa, at));
            Some(())
        })?;
        let bytes = value.to_le_bytes();
        let first_pa = pieces.first().map_or(0, |(pa, _)| *pa);
        for (pa, at) in pieces {
            for (i, &byte) in bytes[at.clone()].iter().enumerate() {
                self.write_ram::<1>(pa + i as u64, byte as u64);
            }
        }
        if self.observed {
            self.observe_access(Access::Store, va, first_pa, N as u8, value);
        }
        Ok(())
    }

    /// Splits a misaligned access into its pieces on each page, translates
    /// each, and hands `visit` the RAM, the piece's physical address and
    /// its byte range within the access. Devices do not take misaligned
    /// accesses: those are access faults.
    fn misaligned_pieces(
        &mut self,
        va: u64,
        size: u64,
        access: Access,
        mut visit: impl FnMut(&crate::ram::Ram, u64, std::ops::Range<usize>) -> Option<()>,
    ) -> Result<(), Exception> {
        let page_end = (va | 0xfff).wrapping_add(1);
        let first = size.min(page_end.wrapping_sub(va));
        let mut translated = [(0u64, 0..0usize), (0, 0..0)];
        let mut count = 0;
        for (start, len) in [(0, first), (first, size - first)] {
            if len == 0 {
                continue;
            }
            let piece_va = va.wrapping_add(start);
            let pa = self.translate(piece_va, access, len)?;
            translated[count] = (pa, start as usize..(start + len) as usize);
            count += 1;
        }
        for (pa, at) in translated.into_iter().take(count) {
            visit(&self.bus.ram, pa, at).ok_or(access.access_fault(va))?;
        }
        Ok(())
    }

    /// An atomic read-modify-write of `N` bytes at `va`: memory becomes
    /// `op(old)`, and `old` is returned. AMOs need RAM: devices do not
    /// support them and answer with an access fault.
    #[inline]
    pub(crate) fn amo<const N: usize>(&mut self, va: u64, op: impl FnOnce(u64) -> u64) -> Result<u64, Exception> {
        if va & (N as u64 - 1) != 0 {
            return Err(Exception::StoreAddressMisaligned(va));
        }
        let pa = self.translate(va, Access::Store, N as u64)?;
        let old = self.bus.ram.read::<N>(pa).ok_or(Exception::StoreAccessFault(va))?;
        let new = op(old);
        self.write_ram::<N>(pa, new);
        if self.observed {
            self.observe_access(Access::Load, va, pa, N as u8, old);
            self.observe_access(Access::Store, va, pa, N as u8, new);
        }
        Ok(old)
    }

    /// LR: a load that registers a reservation on the physical address.
    pub(crate) fn load_reserved<const N: usize>(&mut self, va: u64) -> Result<u64, Exception> {
        if va & (N as u64 - 1) != 0 {
            return Err(Exception::LoadAddressMisaligned(va));
        }
        let pa = self.translate(va, Access::Load, N as u64)?;
        let value = self.bus.ram.read::<N>(pa).ok_or(Exception::LoadAccessFault(va))?;
        self.reservation = Some(pa);
        if self.observed {
            self.observe_access(Access::Load, va, pa, N as u8, value);
        }
        Ok(value)
    }

    /// SC: stores only if this hart holds a reservation on the address, and
    /// reports whether it did. Any SC ends the reservation, so a second SC
    /// fails. Without a reservation nothing is translated or accessed (as
    /// QEMU), but alignment is checked first, as the specification asks.
    pub(crate) fn store_conditional<const N: usize>(&mut self, va: u64, value: u64) -> Result<bool, Exception> {
        if va & (N as u64 - 1) != 0 {
            return Err(Exception::StoreAddressMisaligned(va));
        }
        let Some(reserved) = self.reservation.take() else {
            return Ok(false);
        };
        let pa = self.translate(va, Access::Store, N as u64)?;
        if pa != reserved {
            return Ok(false);
        }
        if !self.write_ram::<N>(pa, value) {
            return Err(Exception::StoreAccessFault(va));
        }
        if self.observed {
            self.observe_access(Access::Store, va, pa, N as u8, value);
        }
        Ok(true)
    }

    /// Stores to RAM (false outside it), telling the decoded-instruction
    /// cache, which drops code the store changes (and code HTIF wrote over
    /// when the store reached `tohost`).
    #[inline(always)]
    fn write_ram<const N: usize>(&mut self, pa: u64, value: u64) -> bool {
        if !self.bus.store_ram::<N>(pa, value) {
            return false;
        }
        self.ram_written(pa);
        if !self.bus.dma_written.is_empty() {
            self.after_dma();
        }
        if self.bus.stop.is_some() {
            // HTIF's exit: the run ends after this instruction, not at the
            // next check.
            self.request_check();
        }
        true
    }

    /// RAM at `pa` was written, at most 8 aligned bytes (by a store or by
    /// the walker): decoded code there goes, and if there was any, fetch
    /// must look again (and a running block stop).
    #[inline(always)]
    pub(super) fn ram_written(&mut self, pa: u64) {
        if self.icache.stored(pa.wrapping_sub(self.bus.ram.base())) {
            self.fetch_page = u64::MAX;
        }
    }

    /// The page of RAM at `pa` was written anywhere (by a device): as
    /// [`Cpu::ram_written`], for the whole page.
    fn ram_page_written(&mut self, pa: u64) {
        if self.icache.page_written(pa.wrapping_sub(self.bus.ram.base())) {
            self.fetch_page = u64::MAX;
        }
    }

    /// The instruction at `pc`, decoded: from the decoded-instruction
    /// cache when it has it, else fetched, decoded and cached.
    #[inline(always)]
    pub(crate) fn fetch_decoded(&mut self, pc: u64) -> Result<Decoded, Exception> {
        if pc >> 12 == self.fetch_page && pc & 0xfff <= 0xffc {
            if self.fetch_slot != NO_SLOT {
                self.mmu.tlb.record_hit(self.fetch_slot as usize, Access::Fetch);
            }
            // The same as `decoded_on_fetch_page`, written out: calling it
            // here changes how the plain loop is compiled, and measured 15%
            // slower on cpu-mix-sv39 (side by side, several runs).
            let host = (pc as usize).wrapping_add(self.fetch_addend);
            if let Some(d) = self.icache.get(host) {
                return Ok(d);
            }
            // SAFETY: the fetch page lies inside RAM and pc + 4 stays in it.
            let word = unsafe { read_host::<4>(host) } as u32;
            return Ok(self.decode_and_cache(host, if word & 3 == 3 { word } else { word & 0xffff }));
        }
        let (raw, host) = self.fetch_slow(pc)?;
        match host {
            Some(host) => match self.icache.get(host) {
                Some(d) if d.raw == raw => Ok(d),
                _ => Ok(self.decode_and_cache(host, raw)),
            },
            None => Ok(self.decoder.decode(raw)),
        }
    }

    /// The instruction at `pc`, on the fetch page at most 0xffc into it:
    /// from the decoded-instruction cache, else read, decoded and cached.
    /// Counts nothing.
    #[inline(always)]
    pub(super) fn decoded_on_fetch_page(&mut self, pc: u64) -> Decoded {
        let host = (pc as usize).wrapping_add(self.fetch_addend);
        if let Some(d) = self.icache.get(host) {
            return d;
        }
        // SAFETY: the fetch page lies inside RAM and pc + 4 stays in it.
        let word = unsafe { read_host::<4>(host) } as u32;
        self.decode_and_cache(host, if word & 3 == 3 { word } else { word & 0xffff })
    }

    /// Decodes `raw`, found at `host`, and caches it. Stores to a page that
    /// has just become a code page must no longer bypass the slow path.
    fn decode_and_cache(&mut self, host: usize, raw: u32) -> Decoded {
        let d = self.decoder.decode(raw);
        if self.icache.insert(host, d) {
            self.mmu.fast.flush_stores();
        }
        d
    }

    /// Fetches the instruction at `pc` the slow way: one lookup for the
    /// instruction, a second only when its upper half lies on the next
    /// page. Returns the bits and, when they lie in one page of RAM, their
    /// host address.
    fn fetch_slow(&mut self, pc: u64) -> Result<(u32, Option<usize>), Exception> {
        let host = self.fetch_host(pc)?;
        // SAFETY: `fetch_host` checked that two bytes at `host` are RAM.
        let low = unsafe { read_host::<2>(host) } as u32;
        if low & 3 != 3 {
            return Ok((low, Some(host)));
        }
        let same_page = pc & 0xfff <= 0xffc;
        let high_host = if same_page {
            // Same page, so the same translation; only PMP, whose regions
            // may end inside a page, is asked again.
            let pa = self.bus.ram.guest_address(host) + 2;
            if !self.mmu.pmp.allows(pa, 2, Access::Fetch, self.mode) {
                return Err(Exception::InstructionAccessFault(pc.wrapping_add(2)));
            }
            host + 2
        } else {
            self.fetch_host(pc.wrapping_add(2))?
        };
        // SAFETY: as above, for the upper half.
        let raw = low | (unsafe { read_host::<2>(high_host) } as u32) << 16;
        Ok((raw, same_page.then_some(host)))
    }

    /// The host address of the instruction bytes at `va`, looked up the
    /// slow way; makes its page the fetch page when it can be cached.
    fn fetch_host(&mut self, va: u64) -> Result<usize, Exception> {
        let host = match self.fast_host(va, Access::Fetch) {
            Some(host) => host,
            None => {
                let pa = self.translate(va, Access::Fetch, 2)?;
                let offset = self.bus.ram.offset_of(pa, 2).ok_or(Exception::InstructionAccessFault(va))?;
                self.bus.ram.host_address(offset)
            }
        };
        self.enter_fetch_page(va);
        Ok(host)
    }

    /// Makes the page of `pc` the fetch page (its addend and TLB slot)
    /// when the host fast path has it; false, changing nothing, otherwise.
    /// Nothing is counted. The fetch does it after its lookup; the block
    /// loop does it on its own after a jump to another page, and runs the
    /// block there at once: the fast path having the page means its TLB
    /// entry holds it, so the block's first fetch is a hit like the
    /// others, counted with them, and the entry made most recent before the
    /// block runs is what that fetch would have done.
    #[inline(always)]
    pub(super) fn enter_fetch_page(&mut self, pc: u64) -> bool {
        let entry = *self.mmu.fast.entry(mode_index(self.mode), Access::Fetch, pc);
        if entry.tag != pc >> 12 {
            return false;
        }
        self.fetch_page = entry.tag;
        self.fetch_addend = entry.addend();
        self.fetch_slot = entry.slot();
        true
    }

    fn device_load(&mut self, pa: u64, size: u8) -> Option<u64> {
        let ticks = self.ticks();
        let value = self.bus.device_read(pa, size, ticks);
        // Reading a device can change its interrupt state (a UART read
        // drains the receive FIFO).
        self.request_check();
        if self.observed {
            self.observe_device(false, pa, size, value);
        }
        value
    }

    fn device_store(&mut self, pa: u64, size: u8, value: u64) -> Option<()> {
        let (ticks, steps) = (self.ticks(), self.steps());
        let done = self.bus.device_write(pa, size, value, ticks, steps);
        self.request_check();
        if self.observed {
            self.observe_device(true, pa, size, done.then_some(value));
        }
        self.after_dma();
        done.then_some(())
    }

    /// After a device wrote RAM (a disk read): decoded code in those pages
    /// goes, as for a store; and the disk requests and frames reach the
    /// trace.
    pub(crate) fn after_dma(&mut self) {
        if !self.bus.dma_written.is_empty() {
            let mut pages = std::mem::take(&mut self.bus.dma_written);
            pages.dedup();
            for page in pages.drain(..) {
                self.ram_page_written(page << 12);
            }
            self.bus.dma_written = pages;
        }
        if !self.bus.disk_requests.is_empty() {
            let requests = std::mem::take(&mut self.bus.disk_requests);
            if self.observed {
                for (slot, request) in &requests {
                    self.observe_disk_request(*slot, request);
                }
            }
        }
        if !self.bus.net_events.is_empty() {
            let events = std::mem::take(&mut self.bus.net_events);
            if self.observed {
                for (slot, event) in &events {
                    self.observe_net_event(*slot, event);
                }
            }
        }
    }
}
