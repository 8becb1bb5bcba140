//! ELF loading (with goblin): checks that a file is a 64-bit RISC-V
//! executable, and extracts its loadable segments, entry point and symbols.

use std::fmt;
use std::io::Read;
use std::path::Path;

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::{Elf, Header, ProgramHeader, SectionHeader, Symtab, header, program_header, section_header, sym};

use crate::memmap::MAX_RAM_SIZE;

/// Why an image cannot be loaded. Displays as one line naming the file,
/// quoted (a name may hold any character, a newline too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file (or built-in image) concerned.
    pub file: String,
    /// What is wrong with it.
    pub problem: String,
}

impl LoadError {
    /// An error about `file`.
    pub fn new(file: impl Into<String>, problem: impl Into<String>) -> LoadError {
        LoadError { file: file.into(), problem: problem.into() }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.file, self.problem)
    }
}

impl std::error::Error for LoadError {}

/// A loadable segment: `data` goes at physical address `paddr`, and the
/// rest up to `mem_size` is zero-filled (bss).
#[derive(Debug, Clone)]
pub struct Segment {
    /// Physical load address (`p_paddr`, which QEMU also uses).
    pub paddr: u64,
    /// Virtual address (`p_vaddr`).
    pub vaddr: u64,
    /// File contents.
    pub data: Vec<u8>,
    /// Size in memory, at least `data.len()`.
    pub mem_size: u64,
}

/// One symbol of the image's symbol table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Name.
    pub name: String,
    /// Value (address).
    pub addr: u64,
    /// Size in bytes (0 when unknown).
    pub size: u64,
}

/// An image's symbols, sorted by address, for symbolizing addresses.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    by_addr: Vec<Symbol>,
}

impl Symbols {
    /// Builds the table from unsorted symbols.
    pub fn new(mut symbols: Vec<Symbol>) -> Symbols {
        symbols.sort_by(|a, b| a.addr.cmp(&b.addr).then_with(|| a.name.cmp(&b.name)));
        Symbols { by_addr: symbols }
    }

    /// The address of symbol `name`: one of that name, else the one
    /// whose path ends with `::name` (`user_fault` finds
    /// `rvsim_kernel::proc::user_fault`), if only one does.
    pub fn address_of(&self, name: &str) -> Option<u64> {
        if let Some(s) = self.by_addr.iter().find(|s| s.name == name) {
            return Some(s.addr);
        }
        let suffix = format!("::{name}");
        let mut matches = self.by_addr.iter().filter(|s| s.name.ends_with(&suffix));
        let first = matches.next()?;
        matches.all(|s| s.addr == first.addr).then_some(first.addr)
    }

    /// The symbol containing `addr` (or the nearest one below it, for
    /// symbols of unknown size) and the offset into it.
    pub fn lookup(&self, addr: u64) -> Option<(&str, u64)> {
        let index = self.by_addr.partition_point(|s| s.addr <= addr);
        let symbol = self.by_addr[..index].last()?;
        let offset = addr - symbol.addr;
        (symbol.size == 0 || offset < symbol.size).then_some((symbol.name.as_str(), offset))
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.by_addr.len()
    }

    /// True when there are no symbols.
    pub fn is_empty(&self) -> bool {
        self.by_addr.is_empty()
    }
}

/// A parsed RV64 executable.
#[derive(Debug, Clone)]
pub struct ElfImage {
    /// File name (or built-in name), for messages.
    pub name: String,
    /// Entry point.
    pub entry: u64,
    /// Loadable segments.
    pub segments: Vec<Segment>,
    /// Function and object symbols.
    pub symbols: Symbols,
    /// Why the image has no symbols although it loads: its section or
    /// symbol tables are corrupt (what goblin found wrong).
    pub dropped_symbols: Option<String>,
}

/// Reads a file meant for the guest's memory: only a regular file (a
/// FIFO would block and a device such as `/dev/zero` never end), and only
/// one of at most `limit` bytes (the guest's RAM), checked before a byte
/// is read.
pub fn read_guest_file(path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
    let fail = |problem: String| LoadError::new(path.display().to_string(), problem);
    let metadata = std::fs::metadata(path).map_err(|e| fail(io_problem(&e)))?;
    if !metadata.is_file() {
        return Err(fail(format!("{}, not a regular file", file_kind(&metadata.file_type()))));
    }
    let too_large = || fail(format!("larger than the guest's RAM ({}), so it cannot be loaded", size_text(limit)));
    if metadata.len() > limit {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(|e| fail(io_problem(&e)))?;
    let mut bytes = Vec::new();
    // The file may grow between the look and the read.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| fail(io_problem(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// What a failed file operation means, in a few words.
fn io_problem(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "a directory, not a regular file".to_string(),
        _ => format!("cannot read: {error}"),
    }
}

/// What kind of file a file that is not a regular one is.
fn file_kind(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// A size in bytes, in MiB when it is whole MiB: `128 MiB`, `4096 bytes`.
fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

fn machine_name(machine: u16) -> String {
    match machine {
        header::EM_X86_64 => "x86-64".into(),
        header::EM_386 => "i386".into(),
        header::EM_AARCH64 => "AArch64".into(),
        header::EM_ARM => "ARM".into(),
        other => header::machine_to_str(other).trim_start_matches("EM_").to_string(),
    }
}

/// `bytes`, an ELF file [`ElfImage::parse`] accepted, without its
/// section header table (`e_shoff`, `e_shnum` and `e_shstrndx` zero, as
/// in a file that has none): what is left of a file whose section or
/// symbol tables are corrupt, for loaders that would refuse them.
pub fn without_section_headers(bytes: &[u8]) -> Vec<u8> {
    let mut stripped = bytes.to_vec();
    // ELF64 header fields: e_shoff at 0x28 (8 bytes), e_shnum at 0x3c and
    // e_shstrndx at 0x3e (2 bytes each).
    for (at, len) in [(0x28, 8), (0x3c, 2), (0x3e, 2)] {
        if let Some(field) = stripped.get_mut(at..at + len) {
            field.fill(0);
        }
    }
    stripped
}

/// Checks the identification bytes: an ELF file, for RISC-V, 64-bit,
/// little-endian.
fn check_identity(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
        return Err("not an ELF file".into());
    }
    if bytes.len() < 20 {
        return Err("truncated ELF header".into());
    }
    let little_endian = bytes[5] == header::ELFDATA2LSB;
    let machine = if little_endian {
        u16::from_le_bytes([bytes[18], bytes[19]])
    } else {
        u16::from_be_bytes([bytes[18], bytes[19]])
    };
    if machine != header::EM_RISCV {
        return Err(format!("an ELF file for {}, not RISC-V", machine_name(machine)));
    }
    if bytes[4] != header::ELFCLASS64 {
        return Err("a 32-bit RISC-V ELF file; rvsim runs 64-bit (RV64) programs".into());
    }
    if !little_endian {
        return Err("a big-endian ELF file; RISC-V is little-endian".into());
    }
    Ok(())
}

/// Checks that the ELF type is an executable.
fn check_type(e_type: u16) -> Result<(), String> {
    match e_type {
        header::ET_EXEC | header::ET_DYN => Ok(()),
        header::ET_REL => Err("a relocatable object file, not an executable (link it first)".into()),
        other => Err(format!("ELF type {other} is not an executable")),
    }
}

/// The program headers `header` points at: all that loading needs.
fn program_headers(bytes: &[u8], header: &Header) -> Result<Vec<ProgramHeader>, String> {
    let malformed = |e: &dyn fmt::Display| format!("malformed program headers: {e}");
    let entry_size = goblin::elf64::program_header::SIZEOF_PHDR;
    if header.e_phnum > 0 && usize::from(header.e_phentsize) != entry_size {
        return Err(malformed(&format!("entries of {} bytes, not {entry_size}", header.e_phentsize)));
    }
    let offset = usize::try_from(header.e_phoff).map_err(|e| malformed(&e))?;
    let ctx = Ctx::new(Container::Big, Endian::Little);
    ProgramHeader::parse(bytes, offset, usize::from(header.e_phnum), ctx).map_err(|e| malformed(&e))
}

/// The loadable segments the program headers describe.
fn segments(bytes: &[u8], program_headers: &[ProgramHeader]) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    for ph in program_headers.iter().filter(|ph| ph.p_type == program_header::PT_LOAD && ph.p_memsz > 0) {
        if ph.p_filesz > ph.p_memsz {
            return Err(format!("segment at {:#x} has more file bytes than memory bytes", ph.p_paddr));
        }
        let data = usize::try_from(ph.p_offset)
            .ok()
            .zip(usize::try_from(ph.p_filesz).ok())
            .and_then(|(start, len)| bytes.get(start..start.checked_add(len)?))
            .ok_or_else(|| format!("segment at {:#x} extends past the end of the file", ph.p_paddr))?;
        segments.push(Segment { paddr: ph.p_paddr, vaddr: ph.p_vaddr, data: data.to_vec(), mem_size: ph.p_memsz });
    }
    if segments.is_empty() {
        return Err("no loadable segments".into());
    }
    Ok(segments)
}

/// The function and object symbols, from the section headers, the symbol
/// table and its strings; what is wrong with them if they are corrupt
/// (section headers outside the file, section or symbol names that are
/// not UTF-8). Only the sections named here are read: the teaching
/// kernel's 15,000 symbols were a tenth of `rvsim run hello` when the
/// whole file was parsed and every string of the table split out first.
fn symbol_table(bytes: &[u8], header: &Header) -> Result<Symbols, String> {
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let offset = usize::try_from(header.e_shoff).map_err(|e| e.to_string())?;
    let sections = SectionHeader::parse(bytes, offset, usize::from(header.e_shnum), ctx)
        .map_err(|e| format!("malformed section headers: {e}"))?;
    let contents = |index: usize, what: &str| {
        let section = sections.get(index).ok_or_else(|| format!("no section {index} for the {what}"))?;
        let start = usize::try_from(section.sh_offset).map_err(|e| e.to_string())?;
        let len = usize::try_from(section.sh_size).map_err(|e| e.to_string())?;
        let text = start.checked_add(len).and_then(|end| bytes.get(start..end));
        let text = text.ok_or_else(|| format!("the {what} extend past the end of the file"))?;
        std::str::from_utf8(text).map_err(|e| format!("the {what} are not UTF-8: {e}"))
    };
    if header.e_shstrndx != 0 {
        contents(usize::from(header.e_shstrndx), "section names")?;
    }
    let Some(symtab) = sections.iter().find(|s| s.sh_type == section_header::SHT_SYMTAB) else {
        return Ok(Symbols::default());
    };
    let names = contents(symtab.sh_link as usize, "symbol names")?;
    let offset = usize::try_from(symtab.sh_offset).map_err(|e| e.to_string())?;
    let count = usize::try_from(symtab.sh_size / goblin::elf64::sym::SIZEOF_SYM as u64).map_err(|e| e.to_string())?;
    let table = Symtab::parse(bytes, offset, count, ctx).map_err(|e| format!("malformed symbol table: {e}"))?;
    let symbols = table
        .iter()
        .filter(|s| {
            matches!(s.st_type(), sym::STT_FUNC | sym::STT_OBJECT | sym::STT_NOTYPE)
                && s.st_shndx != 0
                && s.st_name != 0
        })
        .filter_map(|s| {
            let name = names.get(s.st_name..)?.split('\0').next()?;
            // Assembler-local labels ("$x", ".L...") only add noise.
            // Rust names are shown demangled, without their hash.
            (!name.starts_with('$') && !name.starts_with(".L")).then(|| Symbol {
                name: format!("{:#}", rustc_demangle::demangle(name)),
                addr: s.st_value,
                size: s.st_size,
            })
        })
        .collect();
    Ok(Symbols::new(symbols))
}

impl ElfImage {
    /// Reads and parses the file at `path`, which must be a regular file
    /// no larger than the largest RAM rvsim emulates (see
    /// [`read_guest_file`]).
    pub fn from_file(path: &Path) -> Result<ElfImage, LoadError> {
        ElfImage::from_file_within(path, MAX_RAM_SIZE)
    }

    /// Reads and parses the file at `path` for a guest with `ram_size`
    /// bytes of RAM: a larger file cannot be loaded, so it is not read.
    pub fn from_file_within(path: &Path, ram_size: u64) -> Result<ElfImage, LoadError> {
        let bytes = read_guest_file(path, ram_size)?;
        ElfImage::parse(&bytes, &path.display().to_string())
    }

    /// Parses an image already in memory; `name` is used in messages.
    /// Loading needs only the ELF header and the program headers: when
    /// the section or symbol tables are corrupt, the image has no symbols
    /// and [`ElfImage::dropped_symbols`] says why.
    pub fn parse(bytes: &[u8], name: &str) -> Result<ElfImage, LoadError> {
        let fail = |problem: String| LoadError::new(name, problem);
        check_identity(bytes).map_err(fail)?;
        let header = Elf::parse_header(bytes).map_err(|e| fail(format!("malformed ELF header: {e}")))?;
        check_type(header.e_type).map_err(fail)?;
        let program_headers = program_headers(bytes, &header).map_err(fail)?;
        let segments = segments(bytes, &program_headers).map_err(fail)?;
        let (symbols, dropped_symbols) = match symbol_table(bytes, &header) {
            Ok(symbols) => (symbols, None),
            Err(why) => (Symbols::default(), Some(why)),
        };
        Ok(ElfImage { name: name.to_string(), entry: header.e_entry, segments, symbols, dropped_symbols })
    }

    /// The lowest and one-past-highest physical addresses the segments use.
    pub fn extent(&self) -> (u64, u64) {
        let low = self.segments.iter().map(|s| s.paddr).min().unwrap_or(0);
        let high = self.segments.iter().map(|s| s.paddr.saturating_add(s.mem_size)).max().unwrap_or(0);
        (low, high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_resolve_addresses_inside_them() {
        let symbols = Symbols::new(vec![
            Symbol { name: "b".into(), addr: 0x200, size: 0x10 },
            Symbol { name: "a".into(), addr: 0x100, size: 0 },
        ]);
        assert_eq!(symbols.lookup(0x100), Some(("a", 0)));
        assert_eq!(symbols.lookup(0x1f0), Some(("a", 0xf0)));
        assert_eq!(symbols.lookup(0x20f), Some(("b", 0xf)));
        assert_eq!(symbols.lookup(0x210), None);
        assert_eq!(symbols.lookup(0xff), None);
        assert_eq!(symbols.address_of("b"), Some(0x200));
    }

    #[test]
    fn rejects_what_is_not_an_rv64_elf() {
        assert_eq!(ElfImage::parse(b"hello world", "f").unwrap_err().problem, "not an ELF file");
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(b"\x7fELF");
        header[4] = header::ELFCLASS64;
        header[5] = header::ELFDATA2LSB;
        header[18] = header::EM_X86_64 as u8;
        assert!(ElfImage::parse(&header, "f").unwrap_err().problem.contains("x86-64, not RISC-V"));
        header[18] = header::EM_RISCV as u8;
        header[4] = header::ELFCLASS32;
        assert!(ElfImage::parse(&header, "f").unwrap_err().problem.contains("32-bit"));
    }
}
