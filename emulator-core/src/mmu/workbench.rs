//! A machine set up for measuring translation: page tables in RAM mapping
//! a run of 4 KiB pages and one 2 MiB superpage, the hart in S-mode with
//! Sv39 on. The criterion benchmarks and `rvsim bench mmu` both use it,
//! so they measure the same code paths.

use crate::cpu::{Access, Exception, Privilege, csr_addr};
use crate::machine::{Machine, MachineConfig};
use crate::memmap::RAM_BASE;
use crate::mmu::sv39::pte;
use crate::mmu::{FlushForm, MmuConfig, TlbShape};

/// First virtual address of the 4 KiB pages.
pub const PAGES_VA: u64 = 0x4000_0000;
/// Virtual address of the 2 MiB superpage.
pub const SUPERPAGE_VA: u64 = 0x8000_0000;
const TABLES_PA: u64 = RAM_BASE + (8 << 20);
const FRAMES_PA: u64 = RAM_BASE + (16 << 20);

/// The prepared machine.
pub struct TranslationBench {
    /// The machine; its hart is in S-mode with Sv39 on.
    pub machine: Machine,
    /// How many 4 KiB pages are mapped from [`PAGES_VA`].
    pub pages: u64,
    next_table: u64,
}

impl TranslationBench {
    /// Maps `pages` 4 KiB pages (at most 16384) and the superpage, with a
    /// TLB of the given shape.
    pub fn new(tlb: TlbShape, pages: u64) -> Result<TranslationBench, String> {
        let pages = pages.min(16384);
        let config = MachineConfig {
            memory_size: 128 << 20,
            console_output: Box::new(std::io::sink()),
            mmu: MmuConfig { tlb, ..MmuConfig::default() },
            ..MachineConfig::default()
        };
        let mut bench = TranslationBench { machine: Machine::new(config)?, pages, next_table: TABLES_PA + 4096 };
        let flags = pte::R | pte::W | pte::A | pte::D;
        for i in 0..pages {
            bench.map(PAGES_VA + i * 4096, FRAMES_PA + i * 4096, flags, 0);
        }
        bench.map(SUPERPAGE_VA, RAM_BASE, flags, 1);
        let cpu = bench.machine.cpu();
        // PMP open to S-mode, then Sv39 with ASID 1.
        cpu.csr_write(csr_addr::PMPADDR0, u64::MAX >> 10).ok_or("pmpaddr0")?;
        cpu.csr_write(csr_addr::PMPCFG0, 0x0f).ok_or("pmpcfg0")?;
        cpu.csr_write(csr_addr::SATP, (8 << 60) | (1 << 44) | (TABLES_PA >> 12)).ok_or("satp")?;
        cpu.set_mode(Privilege::Supervisor);
        Ok(bench)
    }

    /// Writes a leaf for `va` at `level`, building tables as needed.
    fn map(&mut self, va: u64, pa: u64, flags: u64, level: u8) {
        let ram = &mut self.machine.bus_mut().ram;
        let mut table = TABLES_PA;
        for l in (level + 1..3).rev() {
            let slot = table + ((va >> (12 + 9 * l as u32)) & 511) * 8;
            let entry = ram.read::<8>(slot).unwrap_or(0);
            table = if entry & pte::V != 0 {
                (entry >> pte::PPN_SHIFT) << 12
            } else {
                let new = self.next_table;
                self.next_table += 4096;
                ram.write::<8>(slot, ((new >> 12) << pte::PPN_SHIFT) | pte::V);
                new
            };
        }
        let slot = table + ((va >> (12 + 9 * level as u32)) & 511) * 8;
        ram.write::<8>(slot, ((pa >> 12) << pte::PPN_SHIFT) | flags | pte::V);
    }

    /// Address of 4 KiB page `i` (modulo the pages mapped).
    pub fn page(&self, i: u64) -> u64 {
        PAGES_VA + (i % self.pages.max(1)) * 4096
    }

    /// Translates a load from `va` as the hart would.
    #[inline]
    pub fn load(&mut self, va: u64) -> Result<u64, Exception> {
        self.machine.cpu().translate_access(va, Access::Load)
    }

    /// Touches the first `n` pages, filling the TLB with them.
    pub fn touch_pages(&mut self, n: u64) {
        for i in 0..n {
            let _ = self.load(self.page(i));
        }
    }

    /// `sfence.vma zero, zero`.
    pub fn flush(&mut self) {
        self.machine.cpu().flush_tlb(FlushForm::All);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_superpage_translate_and_count() {
        let mut bench = TranslationBench::new(TlbShape::default(), 100).unwrap();
        assert_eq!(bench.load(bench.page(3) + 8), Ok(FRAMES_PA + 3 * 4096 + 8));
        assert_eq!(bench.load(SUPERPAGE_VA + 0x1f_fff8), Ok(RAM_BASE + 0x1f_fff8));
        assert_eq!(bench.load(bench.page(3)), Ok(FRAMES_PA + 3 * 4096), "a hit");
        let stats = &bench.machine.cpu().mmu.tlb.stats;
        assert_eq!((stats.hits[1], stats.misses[1]), (1, 2));
        assert_eq!(bench.machine.cpu().mmu.stats.pte_reads, 3 + 2, "3-level and 2-level walks");
        assert!(bench.load(PAGES_VA + 200 * 4096).is_err(), "unmapped");
    }
}
