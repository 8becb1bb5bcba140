//! A stopped machine as tools see it (the debugger, the gdb stub): memory
//! read and written through the hart's current translation or
//! physically, without touching the TLB or any counter, and registers by
//! name.

use crate::cpu::{Access, Cpu, Privilege, csr_by_name, satp};
use crate::isa::abi_name;
use crate::mmu::inspect::{Probe, context, probe};

/// How a tool names memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// Virtual, through the hart's current `satp` (physical when
    /// translation is off for the hart's mode).
    Virtual,
    /// Physical.
    Physical,
}

impl Cpu {
    /// The page-table root the hart's loads and stores use now (`None`
    /// when they are not translated).
    pub fn tool_root(&self) -> Option<u64> {
        let mode = self.access_privilege(Access::Load);
        self.translation_on(mode).then_some(self.csr.satp & satp::PPN_MASK)
    }

    /// Translates `va` as a tool sees memory: with the hart's current
    /// page table, allowed to read any mapped page (as S-mode with SUM
    /// and MXR), without side effects.
    pub fn tool_probe(&self, va: u64, access: Access) -> Probe {
        let privilege = match self.access_privilege(access) {
            Privilege::User => Privilege::Supervisor,
            other => other,
        };
        probe(&self.bus.ram, self.tool_root(), va, access, context(privilege, true, true), self.mmu.ad)
    }

    /// Translates `va` exactly as the hart would for `access` in
    /// `privilege` (its current one for the access when `None`), with its
    /// `mstatus` SUM and MXR, without side effects: every walk step and
    /// the final permission check.
    pub fn hart_probe(&self, va: u64, access: Access, privilege: Option<Privilege>) -> Probe {
        let privilege = privilege.unwrap_or_else(|| self.access_privilege(access));
        let root = self.translation_on(privilege).then_some(self.csr.satp & satp::PPN_MASK);
        probe(&self.bus.ram, root, va, access, self.context(privilege), self.mmu.ad)
    }

    /// The physical address of `addr` in `space`, for `access`.
    fn tool_address(&self, addr: u64, space: Space, access: Access) -> Result<u64, String> {
        match space {
            Space::Physical => Ok(addr),
            Space::Virtual => self.tool_probe(addr, access).outcome.map_err(|fault| match fault {
                crate::mmu::sv39::Fault::Page(reason) => format!("{addr:#x} is not mapped: {reason}"),
                crate::mmu::sv39::Fault::Access => format!("{addr:#x}: a page-table entry lies outside RAM"),
            }),
        }
    }

    /// Reads `len` bytes at `addr` (RAM only; a read may cross pages).
    pub fn tool_read(&self, addr: u64, len: u64, space: Space) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(len as usize);
        let mut at = addr;
        let end = addr.checked_add(len).ok_or("the range wraps around")?;
        while at < end {
            let piece = (0x1000 - (at & 0xfff)).min(end - at);
            let pa = self.tool_address(at, space, Access::Load)?;
            let bytes = self.bus.ram.slice(pa, piece).ok_or_else(|| format!("{pa:#x} is not RAM"))?;
            out.extend_from_slice(bytes);
            at += piece;
        }
        Ok(out)
    }

    /// Writes `data` at `addr` (RAM only). Code written this way is seen
    /// by the next fetch: the host fast path is flushed.
    pub fn tool_write(&mut self, addr: u64, data: &[u8], space: Space) -> Result<(), String> {
        let mut done = 0usize;
        while done < data.len() {
            let at = addr.wrapping_add(done as u64);
            let piece = ((0x1000 - (at & 0xfff)) as usize).min(data.len() - done);
            let pa = self.tool_address(at, space, Access::Store)?;
            let target = self.bus.ram.slice_mut(pa, piece as u64).ok_or_else(|| format!("{pa:#x} is not RAM"))?;
            target.copy_from_slice(&data[done..done + piece]);
            done += piece;
        }
        self.flush_all_cached();
        self.icache.clear();
        Ok(())
    }

    /// The number of integer register `name` (`x5`, `t0`, `fp`), or `None`.
    pub fn register_number(name: &str) -> Option<usize> {
        if let Some(n) = name.strip_prefix('x').and_then(|n| n.parse::<usize>().ok()) {
            return (n < 32).then_some(n);
        }
        if name == "fp" {
            return Some(8);
        }
        (0..32).find(|&r| abi_name(r as u8) == name)
    }

    /// A register or CSR by name (`a0`, `x10`, `pc`, `satp`), for tools.
    pub fn named_value(&self, name: &str) -> Option<u64> {
        if name == "pc" {
            return Some(self.pc);
        }
        if let Some(r) = Cpu::register_number(name) {
            return Some(self.reg(r));
        }
        csr_by_name(name).and_then(|number| self.csr_read(number))
    }
}
