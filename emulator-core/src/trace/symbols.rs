//! Names for addresses: the kernel's symbols for S- and M-mode code, and
//! the running user program's for U-mode code.
//!
//! Every user program is linked at the same addresses, so an address alone
//! does not say which program runs. The symbolizer finds out the way a
//! person would: it reads the code at the pc through the current page
//! table and compares it with each program's file. The answer is cached
//! by address space and physical page.

use std::collections::HashMap;

use crate::cpu::{Access, Privilege};
use crate::loader::{ElfImage, Symbols};
use crate::mmu::AdPolicy;
use crate::mmu::inspect::{context, probe};
use crate::ram::Ram;

/// Bytes compared to recognise a program.
const PROBE_BYTES: u64 = 32;

/// A user program the kernel may run: its symbols and code.
pub struct UserProgram {
    /// Its name in the initrd.
    pub name: String,
    /// Its symbols.
    pub symbols: Symbols,
    /// Its loadable segments: virtual address and file bytes.
    segments: Vec<(u64, Vec<u8>)>,
}

impl UserProgram {
    /// The program in ELF file `bytes`, if it parses.
    pub fn parse(name: &str, bytes: &[u8]) -> Option<UserProgram> {
        let image = ElfImage::parse(bytes, name).ok()?;
        let segments = image.segments.iter().map(|s| (s.vaddr, s.data.clone())).collect();
        Some(UserProgram { name: name.to_string(), symbols: image.symbols, segments })
    }

    /// The file's bytes at `[va, va + len)`, if one segment holds them.
    fn bytes_at(&self, va: u64, len: u64) -> Option<&[u8]> {
        self.segments.iter().find_map(|(start, data)| {
            let offset = va.checked_sub(*start)?;
            let end = offset.checked_add(len)?;
            (end <= data.len() as u64).then(|| &data[offset as usize..end as usize])
        })
    }
}

/// Names addresses.
#[derive(Default)]
pub struct Symbolizer {
    kernel: Symbols,
    programs: Vec<UserProgram>,
    /// (satp, physical page of the pc) to the program found there.
    cache: HashMap<(u64, u64), Option<usize>>,
}

impl Symbolizer {
    /// A symbolizer for a kernel with `kernel` symbols running `programs`;
    /// the one called `first` (the first process's) comes first when a
    /// symbol is looked up by name.
    pub fn new(kernel: Symbols, mut programs: Vec<UserProgram>, first: Option<&str>) -> Symbolizer {
        if let Some(i) = programs.iter().position(|p| Some(p.name.as_str()) == first) {
            let program = programs.remove(i);
            programs.insert(0, program);
        }
        Symbolizer { kernel, programs, cache: HashMap::new() }
    }

    /// The kernel's symbols.
    pub fn kernel(&self) -> &Symbols {
        &self.kernel
    }

    /// The user programs known.
    pub fn programs(&self) -> &[UserProgram] {
        &self.programs
    }

    /// The address of `name`: a kernel symbol, else a symbol of the first
    /// process's program, else of the first other program that has it.
    pub fn address_of(&self, name: &str) -> Option<u64> {
        self.kernel.address_of(name).or_else(|| self.programs.iter().find_map(|p| p.symbols.address_of(name)))
    }

    /// `symbol+offset` for `pc` executing in `mode` with `satp`, reading
    /// code from `ram` to tell user programs apart.
    pub fn name(&mut self, pc: u64, mode: Privilege, satp: u64, ram: &Ram) -> Option<String> {
        if mode != Privilege::User {
            return self.kernel.lookup(pc).map(|(name, offset)| format_symbol(name, offset));
        }
        let program = self.program_at(pc, satp, ram)?;
        let (name, offset) = program.symbols.lookup(pc)?;
        Some(format!("{}:{}", program.name, format_symbol(name, offset)))
    }

    /// The user program whose code is at `pc` in the address space of
    /// `satp`.
    pub fn program_at(&mut self, pc: u64, satp: u64, ram: &Ram) -> Option<&UserProgram> {
        let root = (satp >> 60 == 8).then_some(satp & ((1 << 44) - 1));
        let pa = probe(ram, root, pc, Access::Fetch, context(Privilege::User, false, false), AdPolicy::Hardware)
            .outcome
            .ok()?;
        let len = PROBE_BYTES.min(0x1000 - (pc & 0xfff));
        let code = ram.slice(pa, len)?;
        let key = (satp, pa >> 12);
        let cached = self.cache.get(&key).copied().flatten();
        let index = match cached {
            // Trust the cache only if the code still matches.
            Some(i) if self.programs[i].bytes_at(pc, len) == Some(code) => Some(i),
            _ => {
                let found = self.programs.iter().position(|p| p.bytes_at(pc, len) == Some(code));
                self.cache.insert(key, found);
                found
            }
        };
        index.map(|i| &self.programs[i])
    }
}

fn format_symbol(name: &str, offset: u64) -> String {
    if offset == 0 { name.to_string() } else { format!("{name}+{offset:#x}") }
}
