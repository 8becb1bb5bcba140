//! Relocations read from ELF files built byte by byte, applied to pages as
//! byte buffers.

use alloc::vec::Vec;

use super::*;
use crate::exec;

pub(crate) const LINK: u64 = 0x2000_0000;
pub(crate) const RODATA: u64 = LINK + 0x1000;
/// Where the test moves the image to: 0x3000_0000.
pub(crate) const DELTA: u64 = 0x1000_0000;

/// A relocation: (offset, type, symbol, addend).
pub(crate) type R = (u64, u32, u32, i64);

/// Symbols: 1 is a function of the image, 2 is absolute, 3 undefined.
pub(crate) const FUNC: u32 = 1;
const ABS: u32 = 2;
const UNDEF: u32 = 3;

/// Words the rodata holds at link time: (offset in rodata, value).
pub(crate) const WORDS: [(u64, u64); 4] = [(0, LINK + 4), (0x10, 0x1234), (0x18, 0), (0xffc, LINK + 8)];

fn put(f: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    if f.len() < at + bytes.len() {
        f.resize(at + bytes.len(), 0);
    }
    f[at..at + bytes.len()].copy_from_slice(bytes);
}

fn u16s(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn u64s(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A section header.
#[allow(clippy::too_many_arguments)]
fn section(kind: u32, flags: u64, addr: u64, offset: u64, size: u64, link: u32, info: u32, entsize: u64) -> Vec<u8> {
    let mut h = u32s(&[0, kind]);
    h.extend(u64s(&[flags, addr, offset, size]));
    h.extend(u32s(&[link, info]));
    h.extend(u64s(&[8, entsize]));
    h
}

fn relas(list: &[R]) -> Vec<u8> {
    list.iter()
        .flat_map(|&(offset, kind, sym, addend)| u64s(&[offset, (sym as u64) << 32 | kind as u64, addend as u64]))
        .collect()
}

/// An RV64 executable linked at 0x2000_0000: a text page (0x10 bytes of
/// file), then two pages of rodata holding [`WORDS`], a debug section;
/// relocations of each as given (a table only when the list is not
/// empty).
pub(crate) fn object(text: &[R], rodata: &[R], debug: &[R]) -> Vec<u8> {
    let mut f = Vec::new();
    put(&mut f, 0, b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    let mut program = u32s(&[1, 5]);
    program.extend(u64s(&[0x1000, LINK, LINK, 0x10, 0x10, 0x1000]));
    program.extend(u32s(&[1, 4]));
    program.extend(u64s(&[0x2000, RODATA, RODATA, 0x2000, 0x2000, 0x1000]));
    put(&mut f, 64, &program);
    put(&mut f, 0x1000, &[0x13; 0x10]);
    for (offset, value) in WORDS {
        put(&mut f, 0x2000 + offset as usize, &value.to_le_bytes());
    }
    put(&mut f, 0x4000, &[0; 0x10]);
    // Symbols: null, a function in .text, an absolute one, an undefined one.
    let symbol = |shndx: u16, value: u64| {
        let mut s = u32s(&[0]);
        s.extend([0x12, 0]);
        s.extend(u16s(&[shndx]));
        s.extend(u64s(&[value, 0]));
        s
    };
    let symtab: Vec<u8> = [symbol(0, 0), symbol(1, LINK + 4), symbol(abi::SHN_ABS, 0x1234), symbol(0, 0)].concat();
    put(&mut f, 0x4010, &symtab);
    put(&mut f, 0x4070, &[0]);
    let mut headers = [
        Vec::from([0u8; 64]),
        section(abi::SHT_PROGBITS, 6, LINK, 0x1000, 0x10, 0, 0, 0),
        section(abi::SHT_PROGBITS, 2, RODATA, 0x2000, 0x2000, 0, 0, 0),
        section(abi::SHT_PROGBITS, 0, 0, 0x4000, 0x10, 0, 0, 0),
        section(abi::SHT_SYMTAB, 0, 0, 0x4010, 0x60, 5, 1, 24),
        section(abi::SHT_STRTAB, 0, 0, 0x4070, 1, 0, 0, 0),
    ]
    .concat();
    let mut at = 0x4080;
    for (target, list) in [(1u32, text), (2, rodata), (3, debug)].into_iter().filter(|(_, l)| !l.is_empty()) {
        let table = relas(list);
        put(&mut f, at, &table);
        headers.extend(section(abi::SHT_RELA, 0, 0, at as u64, table.len() as u64, 4, target, 24));
        at += table.len();
    }
    let shoff = at.next_multiple_of(8);
    let shnum = (headers.len() / 64) as u16;
    put(&mut f, shoff, &headers);
    let mut header = u16s(&[2, 243]);
    header.extend(u32s(&[1]));
    header.extend(u64s(&[LINK, 64, shoff as u64]));
    header.extend(u32s(&[0]));
    header.extend(u16s(&[64, 56, 2, 64, shnum, 0]));
    put(&mut f, 16, &header);
    f
}

/// The relocations of `file`, as the kernel parses them.
fn parsed(file: &[u8]) -> Result<Relocations, RelocError> {
    let plan = exec::plan(file).expect("a valid executable");
    parse(file, &plan)
}

/// The page at link address `page` as the image has it.
fn page_of(file: &[u8], page: u64) -> Vec<u8> {
    let offset = 0x2000 + (page - RODATA) as usize;
    file[offset..offset + PAGE as usize].to_vec()
}

fn word_in(page: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(page[offset..offset + 8].try_into().expect("8 bytes"))
}

/// Code relocations that a medany build has: PC-relative pairs, calls,
/// branches, a relaxation hint.
pub(crate) fn code() -> Vec<R> {
    Vec::from([
        (LINK, abi::R_RISCV_PCREL_HI20, FUNC, 0),
        (LINK + 4, abi::R_RISCV_PCREL_LO12_I, FUNC, 0),
        (LINK + 4, abi::R_RISCV_RELAX, 0, 0),
        (LINK + 8, abi::R_RISCV_CALL_PLT, FUNC, 0),
        (LINK + 12, abi::R_RISCV_RVC_BRANCH, FUNC, 0),
    ])
}

#[test]
fn words_holding_addresses_move_with_the_image_and_code_does_not() {
    let rodata = [
        (RODATA, abi::R_RISCV_64, FUNC, 0),
        (RODATA + 0x10, abi::R_RISCV_64, ABS, 0x1234),
        (RODATA + 0x18, abi::R_RISCV_64, UNDEF, 0),
        (RODATA + 0x20, abi::R_RISCV_ADD32, FUNC, 0),
        (RODATA + 0x20, abi::R_RISCV_SUB32, FUNC, 0),
    ];
    let file = object(&code(), &rodata, &[]);
    let relocs = parsed(&file).expect("relocatable");
    assert_eq!(relocs.len(), 1, "only the function's address moves: {relocs:?}");
    let mut page = page_of(&file, RODATA);
    assert!(relocs.relocate(RODATA, DELTA, &mut page));
    assert_eq!(word_in(&page, 0), LINK + 4 + DELTA, "the function pointer follows the image");
    assert_eq!(word_in(&page, 0x10), 0x1234, "an absolute symbol stays");
    assert_eq!(word_in(&page, 0x18), 0, "so does an undefined weak one");
    let mut text = Vec::from([0x13u8; PAGE as usize]);
    assert!(!relocs.relocate(LINK, DELTA, &mut text), "PC-relative code needs no relocation");
    assert_eq!(relocs.patches(RODATA, 0).count(), 0, "at its link address nothing changes");
}

#[test]
fn a_word_straddling_two_pages_gives_each_page_its_bytes() {
    let rodata = [(RODATA + 0xffc, abi::R_RISCV_64, FUNC, 0), (RODATA, abi::R_RISCV_64, FUNC, 0)];
    let file = object(&[], &rodata, &[]);
    let relocs = parsed(&file).expect("relocatable");
    // A move of 4 GiB and 256 MiB changes bytes on both sides of the edge.
    let delta = 0x1_1000_0000;
    let (mut first, mut second) = (page_of(&file, RODATA), page_of(&file, RODATA + PAGE));
    assert!(relocs.relocate(RODATA, delta, &mut first));
    assert!(relocs.relocate(RODATA + PAGE, delta, &mut second));
    let joined = [&first[0xffc..], &second[..4]].concat();
    assert_eq!(word_in(&joined, 0), LINK + 8 + delta, "the halves join into the relocated word");
    assert_eq!(word_in(&first, 0), LINK + 4 + delta);
    assert_eq!(second[4..], page_of(&file, RODATA + PAGE)[4..], "nothing else in the second page");
    let patches: Vec<Patch> = relocs.patches(RODATA + PAGE, delta).collect();
    assert_eq!((patches.len(), patches[0].offset, patches[0].bytes().len()), (1, 0, 4));
}

#[test]
fn relative_relocations_take_their_addend() {
    let file = object(&[], &[(RODATA + 8, abi::R_RISCV_RELATIVE, 0, (LINK + 0x40) as i64)], &[]);
    let relocs = parsed(&file).expect("relocatable");
    let mut page = page_of(&file, RODATA);
    relocs.relocate(RODATA, DELTA, &mut page);
    assert_eq!(word_in(&page, 8), LINK + 0x40 + DELTA);
}

#[test]
fn absolute_code_relocations_refuse_the_image() {
    let mut text = code();
    text.push((LINK + 8, abi::R_RISCV_HI20, FUNC, 0));
    let file = object(&text, &[(RODATA, abi::R_RISCV_64, FUNC, 0)], &[]);
    let refused = parsed(&file);
    assert_eq!(refused, Err(RelocError::Unsupported { kind: abi::R_RISCV_HI20, at: LINK + 8 }));
    let why = alloc::format!("{}", refused.unwrap_err());
    assert!(why.contains("R_RISCV_HI20 at 0x20000008") && why.contains("medany"), "{why}");
    let unpaired = object(&[], &[(RODATA + 0x20, abi::R_RISCV_ADD64, FUNC, 0)], &[]);
    assert!(matches!(parsed(&unpaired), Err(RelocError::Unsupported { kind: abi::R_RISCV_ADD64, .. })));
    let got = object(&[(LINK, abi::R_RISCV_GOT_HI20, FUNC, 0)], &[], &[]);
    assert!(matches!(parsed(&got), Err(RelocError::Unsupported { kind: abi::R_RISCV_GOT_HI20, .. })));
}

#[test]
fn an_image_without_relocations_of_its_loaded_sections_cannot_move() {
    assert_eq!(parsed(&object(&[], &[], &[])), Err(RelocError::Missing));
    // Debug information is not loaded: its relocations do not count, even
    // ones the kernel could not apply.
    let debug_only = object(&[], &[], &[(0, abi::R_RISCV_HI20, FUNC, 0), (8, abi::R_RISCV_64, FUNC, 0)]);
    assert_eq!(parsed(&debug_only), Err(RelocError::Missing));
    let why = alloc::format!("{}", RelocError::Missing);
    assert!(why.contains("position-dependent"), "{why}");
}

#[test]
fn a_word_outside_the_loaded_bytes_is_malformed() {
    // The text segment has 0x10 bytes of file: a word at 0xc runs past it.
    let file = object(&[(LINK + 0xc, abi::R_RISCV_64, FUNC, 0)], &[], &[]);
    assert_eq!(parsed(&file), Err(RelocError::Malformed));
    let file = object(&[], &[(RODATA, abi::R_RISCV_64, 9, 0)], &[]);
    assert_eq!(parsed(&file), Err(RelocError::Malformed), "no symbol 9");
}
