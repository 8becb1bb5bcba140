//! Relocation: moving a shared code object to the address a process binds
//! it at, as a dynamic linker does.
//!
//! A shared code object is linked at one address, but the kernel may map
//! it anywhere, as long as every process sharing its frames uses the same
//! place. Its code is PC-relative (RISC-V's medany code model: `auipc`
//! pairs, branches and calls), so it runs wherever it sits, unchanged. What
//! does depend on the address are the *words* that hold absolute
//! addresses: the function pointers in its table, jump tables, pointers in
//! its data. The object is linked with `--emit-relocs`, which keeps the
//! linker's relocations in the file (`.rela.text`, `.rela.rodata`, ...),
//! and [`parse`] picks out those words once, when the image is first
//! planned:
//! - `R_RISCV_64` (an absolute 64-bit address of a symbol of the image)
//!   and `R_RISCV_RELATIVE` (a dynamic linker's "base + addend") are the
//!   words that move: bound `delta` bytes from its link address, each
//!   holds its link-time value plus `delta`;
//! - PC-relative code relocations (`auipc` pairs, branches, jumps, calls)
//!   and the linker's hints (`RELAX`, `ALIGN`) need nothing, and neither
//!   do differences between two places in the image (an `ADD` or `SET`
//!   paired with a `SUB` at the same place);
//! - anything else, such as the absolute code relocations of the medlow
//!   model (`HI20`/`LO12`), GOT or TLS ones, refuses the image: the kernel
//!   cannot move it.
//!
//! Relocations of sections that are not loaded (debug information) are
//! ignored. The words are then applied a page at a time, as pages are
//! loaded ([`Relocations::patches`]); a word may straddle two pages, and
//! each page gets its own bytes of it.

use alloc::vec::Vec;

use elf::ElfBytes;
use elf::abi;
use elf::endian::LittleEndian;
use elf::relocation::Rela;
use elf::symbol::SymbolTable;

use crate::PAGE;
use crate::exec::LoadPlan;

/// Why an image cannot be moved from its link address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocError {
    /// It carries no relocations of its loaded sections: its code is
    /// position-dependent as far as anyone can tell.
    Missing,
    /// A relocation of a type the kernel does not apply (`kind`, at link
    /// address `at`).
    Unsupported {
        /// The relocation type (`R_RISCV_*`).
        kind: u32,
        /// Where it applies, at the link address.
        at: u64,
    },
    /// The relocation tables cannot be read, or name a word outside the
    /// image's loaded bytes.
    Malformed,
}

impl core::fmt::Display for RelocError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            RelocError::Missing => write!(f, "it carries no relocations, so its code is position-dependent"),
            RelocError::Unsupported { kind, at } => write!(
                f,
                "it has a relocation the kernel does not apply ({} at {at:#x}; build it with the medany code model)",
                kind_name(kind)
            ),
            RelocError::Malformed => write!(f, "its relocation tables are malformed"),
        }
    }
}

/// The name of a relocation type the kernel refuses, for messages.
fn kind_name(kind: u32) -> &'static str {
    match kind {
        abi::R_RISCV_32 => "R_RISCV_32",
        abi::R_RISCV_GOT_HI20 => "R_RISCV_GOT_HI20",
        abi::R_RISCV_HI20 => "R_RISCV_HI20",
        abi::R_RISCV_LO12_I => "R_RISCV_LO12_I",
        abi::R_RISCV_LO12_S => "R_RISCV_LO12_S",
        abi::R_RISCV_RVC_LUI => "R_RISCV_RVC_LUI",
        abi::R_RISCV_TPREL_HI20 | abi::R_RISCV_TPREL_LO12_I | abi::R_RISCV_TPREL_LO12_S => "a TLS relocation",
        abi::R_RISCV_SUB8 | abi::R_RISCV_SUB16 | abi::R_RISCV_SUB32 | abi::R_RISCV_SUB64 => "an unpaired SUB",
        abi::R_RISCV_ADD8 | abi::R_RISCV_ADD16 | abi::R_RISCV_ADD32 | abi::R_RISCV_ADD64 => "an unpaired ADD",
        _ => "an unknown relocation type",
    }
}

/// One address-sensitive word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Word {
    /// Its link-time address.
    at: u64,
    /// What it holds when the image sits at its link address.
    value: u64,
}

/// The words of an image that hold absolute addresses, in address order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Relocations {
    words: Vec<Word>,
}

/// The bytes of one relocated word that land in one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patch {
    /// Where in the page they go.
    pub offset: usize,
    word: [u8; 8],
    from: usize,
    to: usize,
}

impl Patch {
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.word[self.from..self.to]
    }
}

/// What a relocation type asks of the kernel.
enum Action {
    /// Nothing: PC-relative, or a hint to the linker.
    None,
    /// The first half of a difference: a `SUB` at the same place follows.
    Difference,
    /// An absolute address of a symbol: the word moves if the symbol does.
    Absolute,
    /// Base + addend.
    Relative,
    /// Refused.
    Unsupported,
}

/// What relocation type `kind` asks.
fn action(kind: u32) -> Action {
    match kind {
        abi::R_RISCV_NONE
        | abi::R_RISCV_BRANCH
        | abi::R_RISCV_JAL
        | abi::R_RISCV_CALL
        | abi::R_RISCV_CALL_PLT
        | abi::R_RISCV_PCREL_HI20
        | abi::R_RISCV_PCREL_LO12_I
        | abi::R_RISCV_PCREL_LO12_S
        | abi::R_RISCV_ALIGN
        | abi::R_RISCV_RVC_BRANCH
        | abi::R_RISCV_RVC_JUMP
        | abi::R_RISCV_RELAX
        | abi::R_RISCV_32_PCREL
        | R_RISCV_PLT32 => Action::None,
        abi::R_RISCV_ADD8
        | abi::R_RISCV_ADD16
        | abi::R_RISCV_ADD32
        | abi::R_RISCV_ADD64
        | abi::R_RISCV_SET6
        | abi::R_RISCV_SET8
        | abi::R_RISCV_SET16
        | abi::R_RISCV_SET32
        | R_RISCV_SET_ULEB128 => Action::Difference,
        abi::R_RISCV_64 => Action::Absolute,
        abi::R_RISCV_RELATIVE => Action::Relative,
        _ => Action::Unsupported,
    }
}

/// `R_RISCV_PLT32` (PC-relative; newer than the `elf` crate's table).
const R_RISCV_PLT32: u32 = 59;
/// `R_RISCV_SET_ULEB128`, paired with `R_RISCV_SUB_ULEB128`.
const R_RISCV_SET_ULEB128: u32 = 60;
/// `R_RISCV_SUB_ULEB128`.
const R_RISCV_SUB_ULEB128: u32 = 61;

/// Whether `kind` is the second half of a difference.
fn is_sub(kind: u32) -> bool {
    matches!(
        kind,
        abi::R_RISCV_SUB6
            | abi::R_RISCV_SUB8
            | abi::R_RISCV_SUB16
            | abi::R_RISCV_SUB32
            | abi::R_RISCV_SUB64
            | R_RISCV_SUB_ULEB128
    )
}

/// Finds the address-sensitive words of `image` (planned as `plan`) from
/// the relocations it carries; refuses an image that has none, or one the
/// kernel cannot move.
pub fn parse(image: &[u8], plan: &LoadPlan) -> Result<Relocations, RelocError> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| RelocError::Malformed)?;
    let sections = file.section_headers().ok_or(RelocError::Missing)?;
    let symbols = file.symbol_table().map_err(|_| RelocError::Malformed)?.map(|(symbols, _)| symbols);
    let mut words = Vec::new();
    let mut found = false;
    for table in sections.iter().filter(|s| s.sh_type == abi::SHT_RELA || s.sh_type == abi::SHT_REL) {
        // A table for a loaded section, or a dynamic one (itself loaded).
        let target = sections.get(table.sh_info as usize).map_err(|_| RelocError::Malformed)?;
        if (target.sh_flags | table.sh_flags) & abi::SHF_ALLOC as u64 == 0 {
            continue;
        }
        // RISC-V uses RELA only: a REL table is malformed here.
        let relas = file.section_data_as_relas(&table).map_err(|_| RelocError::Malformed)?;
        collect(relas, symbols.as_ref(), image, plan, &mut words)?;
        found = true;
    }
    if !found {
        return Err(RelocError::Missing);
    }
    words.sort_unstable_by_key(|w| w.at);
    Ok(Relocations { words })
}

/// Adds the words `relas` name to `words`.
fn collect(
    relas: impl Iterator<Item = Rela>,
    symbols: Option<&SymbolTable<'_, LittleEndian>>,
    image: &[u8],
    plan: &LoadPlan,
    words: &mut Vec<Word>,
) -> Result<(), RelocError> {
    let mut relas = relas.peekable();
    while let Some(r) = relas.next() {
        let refused = RelocError::Unsupported { kind: r.r_type, at: r.r_offset };
        match action(r.r_type) {
            Action::None => {}
            Action::Difference => {
                relas.next_if(|s| is_sub(s.r_type) && s.r_offset == r.r_offset).ok_or(refused)?;
            }
            Action::Absolute if moves(symbols, r.r_sym)? => words.push(word(r.r_offset, None, image, plan)?),
            Action::Absolute => {}
            Action::Relative => words.push(word(r.r_offset, Some(r.r_addend as u64), image, plan)?),
            Action::Unsupported => return Err(refused),
        }
    }
    Ok(())
}

/// Whether symbol `index` moves with the image: it is defined in one of
/// its sections (not absolute, not undefined).
fn moves(symbols: Option<&SymbolTable<'_, LittleEndian>>, index: u32) -> Result<bool, RelocError> {
    if index == 0 {
        return Ok(false);
    }
    let symbol = symbols.and_then(|s| s.get(index as usize).ok()).ok_or(RelocError::Malformed)?;
    Ok(!matches!(symbol.st_shndx, abi::SHN_UNDEF | abi::SHN_ABS | abi::SHN_COMMON))
}

/// The word at link address `at`, which must lie in a segment's file
/// bytes: its value is `value`, or else what the image holds there.
fn word(at: u64, value: Option<u64>, image: &[u8], plan: &LoadPlan) -> Result<Word, RelocError> {
    let segment = plan
        .segments
        .iter()
        .find(|s| s.vaddr <= at && at.checked_add(8).is_some_and(|end| end <= s.vaddr + s.filesz))
        .ok_or(RelocError::Malformed)?;
    let offset = (segment.offset + (at - segment.vaddr)) as usize;
    let bytes = image.get(offset..offset + 8).ok_or(RelocError::Malformed)?;
    let held = u64::from_le_bytes(bytes.try_into().map_err(|_| RelocError::Malformed)?);
    Ok(Word { at, value: value.unwrap_or(held) })
}

impl Relocations {
    /// The number of words that move.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no word moves.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The pieces of relocated words that land in the page at link
    /// address `page`, for the image moved `delta` bytes (modulo 2^64)
    /// from its link address. None when `delta` is 0.
    pub fn patches(&self, page: u64, delta: u64) -> impl Iterator<Item = Patch> + '_ {
        let first = self.words.partition_point(|w| w.at.saturating_add(8) <= page);
        let words = if delta == 0 { &[][..] } else { &self.words[first..] };
        words.iter().take_while(move |w| w.at < page + PAGE).map(move |w| {
            let from = page.max(w.at);
            let to = (page + PAGE).min(w.at + 8);
            let word = w.value.wrapping_add(delta).to_le_bytes();
            Patch { offset: (from - page) as usize, word, from: (from - w.at) as usize, to: (to - w.at) as usize }
        })
    }

    /// Relocates `page_bytes`, the contents of the page at link address
    /// `page` as the image has it, for the image moved `delta` bytes;
    /// returns whether a relocated word touched the page (it is then
    /// taken to differ from the image).
    pub fn relocate(&self, page: u64, delta: u64, page_bytes: &mut [u8]) -> bool {
        let mut changed = false;
        for patch in self.patches(page, delta) {
            page_bytes[patch.offset..patch.offset + patch.bytes().len()].copy_from_slice(patch.bytes());
            changed = true;
        }
        changed
    }
}

#[cfg(test)]
pub(crate) mod tests;
