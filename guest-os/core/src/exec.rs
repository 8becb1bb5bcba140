//! Program loading: an RV64 ELF executable becomes mapped segments, and
//! the new process's stack is laid out as Linux does (argc, argv, envp,
//! auxv), so a static riscv64 Linux program runs unchanged.

use alloc::vec::Vec;

use elf::ElfBytes;
use elf::abi;
use elf::endian::LittleEndian;
use elf::file::Class;

use crate::region::{DemandRegion, SharedImage};
use crate::space::{AddressSpace, OutOfMemory, USER_END};
use crate::uaccess::{UserError, UserMemory};
use crate::{PAGE, PhysMemory, Vm, page_ceil, page_floor, pte};

/// Top of the user stack; the stack is a demand-zero region below it.
pub const STACK_TOP: u64 = USER_END;
/// Size of the stack region.
pub const STACK_SIZE: u64 = 1 << 20;
/// Lowest address a program may load at (page 0 stays unmapped).
pub const LOWEST_LOAD: u64 = PAGE;
/// Most bytes of argument and environment strings.
pub const MAX_ARG_BYTES: usize = 64 << 10;

/// Why a program cannot be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecError {
    /// Not an ELF file, or not a 64-bit little-endian RISC-V executable.
    NotExecutable,
    /// A segment lies outside user space or is malformed.
    BadSegment,
    /// The commit account has no room for the program (ENOMEM).
    OutOfMemory,
    /// No frame is free now: reclaim, then try again.
    NoFrame,
    /// Arguments too long.
    ArgumentsTooLong,
}

impl From<OutOfMemory> for ExecError {
    fn from(_: OutOfMemory) -> Self {
        ExecError::OutOfMemory
    }
}

/// A loadable segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Virtual address.
    pub vaddr: u64,
    /// Size in memory.
    pub memsz: u64,
    /// Offset of its file bytes.
    pub offset: u64,
    /// Number of file bytes.
    pub filesz: u64,
    /// PTE permission bits (R, W, X).
    pub flags: u64,
}

/// What loading a program involves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadPlan {
    /// Entry point.
    pub entry: u64,
    /// Loadable segments.
    pub segments: Vec<Segment>,
    /// First page after the highest segment: where the heap starts.
    pub brk: u64,
    /// Where the program headers are in memory (inside a loaded segment),
    /// if they are: AT_PHDR.
    pub phdr: Option<u64>,
    /// Size of one program header (AT_PHENT) and their number (AT_PHNUM).
    pub phent: u64,
    /// See `phent`.
    pub phnum: u64,
}

/// Checks an ELF file and plans its loading.
pub fn plan(image: &[u8]) -> Result<LoadPlan, ExecError> {
    let file = ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| ExecError::NotExecutable)?;
    let h = &file.ehdr;
    if h.class != Class::ELF64 || h.e_machine != abi::EM_RISCV || h.e_type != abi::ET_EXEC {
        return Err(ExecError::NotExecutable);
    }
    let mut segments = Vec::new();
    for ph in file.segments().ok_or(ExecError::NotExecutable)?.iter().filter(|p| p.p_type == abi::PT_LOAD) {
        let end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(ExecError::BadSegment)?;
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(ExecError::BadSegment)?;
        if ph.p_memsz == 0 {
            continue;
        }
        if ph.p_vaddr < LOWEST_LOAD
            || end > STACK_TOP - STACK_SIZE
            || ph.p_filesz > ph.p_memsz
            || file_end > image.len() as u64
        {
            return Err(ExecError::BadSegment);
        }
        let mut flags = 0;
        for (pf, bit) in [(abi::PF_R, pte::R), (abi::PF_W, pte::W | pte::R), (abi::PF_X, pte::X)] {
            if ph.p_flags & pf != 0 {
                flags |= bit;
            }
        }
        segments.push(Segment {
            vaddr: ph.p_vaddr,
            memsz: ph.p_memsz,
            offset: ph.p_offset,
            filesz: ph.p_filesz,
            flags,
        });
    }
    if segments.is_empty() {
        return Err(ExecError::NotExecutable);
    }
    let brk = segments.iter().map(|s| page_ceil(s.vaddr + s.memsz)).max().unwrap_or(LOWEST_LOAD);
    let entry_mapped = segments.iter().any(|s| s.vaddr <= h.e_entry && h.e_entry < s.vaddr + s.memsz);
    if !entry_mapped {
        return Err(ExecError::BadSegment);
    }
    let phdr = segments
        .iter()
        .find(|s| s.offset <= h.e_phoff && h.e_phoff < s.offset + s.filesz)
        .map(|s| s.vaddr + (h.e_phoff - s.offset));
    Ok(LoadPlan { entry: h.e_entry, segments, brk, phdr, phent: h.e_phentsize as u64, phnum: h.e_phnum as u64 })
}

impl LoadPlan {
    /// The segments touching `page`.
    fn segments_on(&self, page: u64) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(move |s| s.vaddr < page + PAGE && page < s.vaddr + s.memsz)
    }

    /// The union of the permissions of the segments touching `page`
    /// (0 when none does).
    pub fn page_flags(&self, page: u64) -> u64 {
        self.segments_on(page).fold(0, |flags, s| flags | s.flags)
    }

    /// Fills the zeroed frame `frame` with `page`'s bytes from `image`: the
    /// parts of the segments' file bytes that land in it.
    pub fn fill_page(&self, image: &[u8], mem: &mut impl PhysMemory, frame: u64, page: u64) {
        for s in self.segments_on(page) {
            let from = s.vaddr.max(page);
            let to = (s.vaddr + s.filesz).min(page + PAGE);
            if from < to {
                let offset = (s.offset + (from - s.vaddr)) as usize;
                mem.write(frame + (from - page), &image[offset..offset + (to - from) as usize]);
            }
        }
    }

    /// The pages the segments span, in address order.
    fn pages(&self) -> impl Iterator<Item = u64> + '_ {
        let start = self.segments.iter().map(|s| page_floor(s.vaddr)).min().unwrap_or(0);
        (start..self.brk).step_by(PAGE as usize).filter(|&page| self.page_flags(page) != 0)
    }
}

/// Maps and fills the pages of `image` that are private to the process
/// (all of them, without `share`; with it, only those a writable segment
/// touches: the read-only ones are left to the shared pages table, loaded
/// on first touch), its first page at `base` (its link address, or where
/// it is bound: the pages are relocated for it), charging them to the
/// commit account. A page two segments touch gets the union of their
/// permissions. Returns the number of pages mapped. On failure the pages
/// mapped so far stay mapped (and charged): the caller destroys the space,
/// or unmaps the range.
pub fn load<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    image: &SharedImage<'_>,
    base: u64,
    share: bool,
) -> Result<usize, ExecError> {
    let delta = base.wrapping_sub(image.link_base());
    let mut pages = 0;
    for page in image.plan.pages() {
        if share && image.shared_flags(page).is_some() {
            continue;
        }
        vm.pager.commit.charge(1).map_err(|_| ExecError::OutOfMemory)?;
        let Some(frame) = vm.alloc_user(false) else {
            vm.pager.commit.uncharge(1);
            return Err(ExecError::NoFrame);
        };
        vm.mem.zero_page(frame);
        image.fill_page(vm.mem, frame, page, delta);
        // Written by the load: dirty, so that the pager saves it.
        let flags = image.plan.page_flags(page) | pte::U | pte::A | pte::D;
        if space.map(vm, page.wrapping_add(delta), frame, flags).is_err() {
            vm.release_user(frame);
            vm.pager.commit.uncharge(1);
            return Err(ExecError::NoFrame);
        }
        pages += 1;
    }
    Ok(pages)
}

/// Where signal handlers return: a page below the stack's guard page
/// holding [`SIGRETURN_CODE`], mapped read-only and executable into every
/// process (Linux keeps the same two instructions in its vDSO). glibc's
/// unwinder reads them there to recognise a signal frame, so it must be
/// real code at a readable address.
pub const SIGRETURN_PAGE: u64 = STACK_TOP - STACK_SIZE - 2 * PAGE;

/// `li a7, 139` (rt_sigreturn), then `ecall`.
pub const SIGRETURN_CODE: [u8; 8] = [0x93, 0x08, 0xb0, 0x08, 0x73, 0x00, 0x00, 0x00];

/// The load plan of the sigreturn page: one executable segment holding
/// [`SIGRETURN_CODE`] at [`SIGRETURN_PAGE`].
pub fn sigreturn_plan() -> LoadPlan {
    let segment = Segment {
        vaddr: SIGRETURN_PAGE,
        memsz: SIGRETURN_CODE.len() as u64,
        offset: 0,
        filesz: SIGRETURN_CODE.len() as u64,
        flags: crate::pte::R | crate::pte::X,
    };
    LoadPlan {
        entry: SIGRETURN_PAGE,
        segments: alloc::vec![segment],
        brk: SIGRETURN_PAGE + PAGE,
        phdr: None,
        phent: 0,
        phnum: 0,
    }
}

/// The process's stack: a demand-zero region below [`STACK_TOP`].
pub fn stack_region<'a>() -> DemandRegion<'a> {
    DemandRegion::zero(STACK_TOP - STACK_SIZE, STACK_TOP, pte::R | pte::W)
}

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_BASE: u64 = 7;
const AT_FLAGS: u64 = 8;
const AT_ENTRY: u64 = 9;
const AT_UID: u64 = 11;
const AT_EUID: u64 = 12;
const AT_GID: u64 = 13;
const AT_EGID: u64 = 14;
const AT_HWCAP: u64 = 16;
const AT_CLKTCK: u64 = 17;
const AT_SECURE: u64 = 23;
const AT_RANDOM: u64 = 25;
const AT_EXECFN: u64 = 31;

/// AT_HWCAP: one bit per single-letter extension, as Linux riscv64 reports
/// them: I, M, A, F, D, C.
pub const HWCAP: u64 = letter(b'i') | letter(b'm') | letter(b'a') | letter(b'f') | letter(b'd') | letter(b'c');

/// The AT_HWCAP bit of extension `c`.
const fn letter(c: u8) -> u64 {
    1 << (c - b'a')
}
/// AT_CLKTCK: clock ticks per second (`times`).
const CLOCK_TICKS: u64 = 100;

/// The environment the first process gets: no shell has set one yet.
pub const DEFAULT_ENV: [&[u8]; 3] = [b"PATH=/bin:/usr/bin:/", b"HOME=/", b"TERM=vt100"];

/// The auxiliary vector of a program planned as `plan`, whose 16 random
/// bytes are at `random` and whose file name is at `execfn`: what Linux
/// gives a static program (processes run as root, with no interpreter).
fn auxiliary_vector(plan: &LoadPlan, random: u64, execfn: u64) -> Vec<(u64, u64)> {
    let mut auxv = Vec::with_capacity(18);
    if let Some(phdr) = plan.phdr {
        auxv.push((AT_PHDR, phdr));
    }
    auxv.extend([
        (AT_PHENT, plan.phent),
        (AT_PHNUM, plan.phnum),
        (AT_PAGESZ, PAGE),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, plan.entry),
        (AT_UID, 0),
        (AT_EUID, 0),
        (AT_GID, 0),
        (AT_EGID, 0),
        (AT_HWCAP, HWCAP),
        (AT_CLKTCK, CLOCK_TICKS),
        (AT_SECURE, 0),
        (AT_RANDOM, random),
        (AT_EXECFN, execfn),
        (AT_NULL, 0),
    ]);
    auxv
}

/// Writes the initial stack for a program planned as `plan`: strings at
/// the top, then (from `sp` up) argc, argv[], NULL, envp[], NULL, auxv
/// pairs ending with AT_NULL (AT_EXECFN is the program's name, argv[0]).
/// Returns `sp`, 16-byte aligned.
pub fn initial_stack<M: PhysMemory>(
    user: &mut UserMemory<'_, M>,
    plan: &LoadPlan,
    args: &[&[u8]],
    env: &[&[u8]],
) -> Result<u64, ExecError> {
    let bytes: usize = args.iter().chain(env).map(|s| s.len() + 1).sum();
    if bytes > MAX_ARG_BYTES {
        return Err(ExecError::ArgumentsTooLong);
    }
    let fail = |e| match e {
        UserError::Wait(_) => ExecError::NoFrame,
        UserError::Efault => ExecError::OutOfMemory,
    };
    let mut at = STACK_TOP;
    // 16 bytes for AT_RANDOM (fixed: runs are reproducible).
    at -= 16;
    let random = at;
    user.copy_out(random, b"rvsim-not-random").map_err(fail)?;
    let mut push_strings = |strings: &[&[u8]]| -> Result<Vec<u64>, ExecError> {
        let mut pointers = Vec::with_capacity(strings.len());
        for s in strings {
            at -= s.len() as u64 + 1;
            user.copy_out(at, s).map_err(fail)?;
            user.copy_out(at + s.len() as u64, &[0]).map_err(fail)?;
            pointers.push(at);
        }
        Ok(pointers)
    };
    let argv = push_strings(args)?;
    let envp = push_strings(env)?;
    let auxv = auxiliary_vector(plan, random, argv.first().copied().unwrap_or(0));
    let words = 1 + argv.len() + 1 + envp.len() + 1 + 2 * auxv.len();
    let sp = (at - 8 * words as u64) & !15;
    let mut cursor = sp;
    let mut push = |value: u64| -> Result<(), ExecError> {
        user.write_u64(cursor, value).map_err(fail)?;
        cursor += 8;
        Ok(())
    };
    push(argv.len() as u64)?;
    for p in argv {
        push(p)?;
    }
    push(0)?;
    for p in envp {
        push(p)?;
    }
    push(0)?;
    for (key, value) in auxv {
        push(key)?;
        push(value)?;
    }
    Ok(sp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testmem::World;

    /// A minimal RV64 executable: one RX segment at 0x10000 with `code`,
    /// and one RW segment at 0x11000 of 0x2000 bytes (0x10 from the file).
    fn executable(code: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        for v in [2u16, 243] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.extend_from_slice(&1u32.to_le_bytes());
        for v in [0x10000u64, 64, 0] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.extend_from_slice(&0u32.to_le_bytes());
        for v in [64u16, 56, 2, 64, 0, 0] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        let data_at = 64 + 2 * 56 + code.len() as u64;
        for (flags, offset, vaddr, filesz, memsz) in
            [(5u32, 176u64, 0x10000u64, code.len() as u64, code.len() as u64), (6, data_at, 0x11000, 0x10, 0x2000)]
        {
            f.extend_from_slice(&1u32.to_le_bytes());
            f.extend_from_slice(&flags.to_le_bytes());
            for v in [offset, vaddr, vaddr, filesz, memsz, 0x1000] {
                f.extend_from_slice(&v.to_le_bytes());
            }
        }
        f.extend_from_slice(code);
        f.extend_from_slice(&[0xaa; 0x10]);
        f
    }

    #[test]
    fn plans_and_loads_segments() {
        let image = executable(&[0x13, 0, 0, 0]);
        let plan = plan(&image).unwrap();
        assert_eq!(plan.entry, 0x10000);
        assert_eq!(plan.segments.len(), 2);
        assert_eq!(plan.segments[0].flags, pte::R | pte::X);
        assert_eq!(plan.brk, 0x13000);
        let shared = SharedImage::new(1, "prog", &image, plan);
        assert_eq!(shared.relocs, Err(crate::reloc::RelocError::Missing), "no relocations: position-dependent");
        let mut w = World::new(64);
        let mut space = w.space();
        assert_eq!(load(&mut space, &mut w.vm(), &shared, 0x10000, false), Ok(3));
        let (_, text) = space.lookup(&w.mem, 0x10000).unwrap();
        assert_eq!(w.mem.read_u64(pte::address(text)) as u32, 0x13);
        let (_, data) = space.lookup(&w.mem, 0x11008).unwrap();
        assert_eq!(w.mem.read_u64(pte::address(data) + 8), 0xaaaa_aaaa_aaaa_aaaa);
        assert_eq!(w.mem.read_u64(pte::address(data) + 0x10), 0, "bss is zero");
        assert!(data & pte::W != 0 && text & pte::W == 0);
        // Sharing text: only the writable pages are loaded at exec.
        let mut other = w.space();
        assert_eq!(load(&mut other, &mut w.vm(), &shared, 0x10000, true), Ok(2));
        assert!(other.lookup(&w.mem, 0x10000).is_none(), "text is left to the shared pages table");
        assert_eq!(shared.shared_flags(0x10000), Some(pte::R | pte::X));
        assert_eq!(shared.shared_flags(0x11000), None, "data is private");
    }

    #[test]
    fn rejects_what_it_cannot_run() {
        assert_eq!(plan(b"#!/bin/sh\n"), Err(ExecError::NotExecutable));
        let mut x86 = executable(&[0; 4]);
        x86[18] = 62;
        assert_eq!(plan(&x86), Err(ExecError::NotExecutable));
        let mut low = executable(&[0; 4]);
        low[64 + 16..64 + 24].copy_from_slice(&0u64.to_le_bytes()); // first segment at 0
        assert_eq!(plan(&low), Err(ExecError::BadSegment));
    }

    #[test]
    fn initial_stack_is_laid_out_as_linux_does() {
        let mut w = World::new(64);
        let mut space = w.space();
        let regions = [stack_region()];
        let mut ignore = |_, _, _| {};
        let mut user = UserMemory { space: &mut space, vm: w.vm(), regions: &regions, on_resolved: &mut ignore };
        let plan =
            LoadPlan { entry: 0x10000, segments: Vec::new(), brk: 0x20000, phdr: Some(0x10040), phent: 56, phnum: 3 };
        let sp = initial_stack(&mut user, &plan, &[b"prog", b"arg one"], &[b"A=1"]).unwrap();
        assert_eq!(sp % 16, 0);
        assert_eq!(user.read_u64(sp), Ok(2));
        let argv0 = user.read_u64(sp + 8).unwrap();
        assert_eq!(user.read_cstr(argv0, 100), Ok(b"prog".to_vec()));
        let argv1 = user.read_u64(sp + 16).unwrap();
        assert_eq!(user.read_cstr(argv1, 100), Ok(b"arg one".to_vec()));
        assert_eq!(user.read_u64(sp + 24), Ok(0));
        let env0 = user.read_u64(sp + 32).unwrap();
        assert_eq!(user.read_cstr(env0, 100), Ok(b"A=1".to_vec()));
        assert_eq!(user.read_u64(sp + 40), Ok(0));
        let mut auxv = alloc::collections::BTreeMap::new();
        let mut at = sp + 48;
        loop {
            let (key, value) = (user.read_u64(at).unwrap(), user.read_u64(at + 8).unwrap());
            at += 16;
            if key == AT_NULL {
                break;
            }
            auxv.insert(key, value);
        }
        assert_eq!(auxv.get(&AT_PHDR), Some(&0x10040));
        assert_eq!((auxv.get(&AT_PHENT), auxv.get(&AT_PHNUM)), (Some(&56), Some(&3)));
        assert_eq!((auxv.get(&AT_PAGESZ), auxv.get(&AT_ENTRY)), (Some(&PAGE), Some(&0x10000)));
        assert_eq!(auxv.get(&AT_HWCAP), Some(&0x112d), "I, M, A, F, D, C");
        assert_eq!(auxv.get(&AT_EXECFN), Some(&argv0), "the program's name");
        let random = *auxv.get(&AT_RANDOM).expect("AT_RANDOM");
        assert_eq!(user.read_u64(random).map(|w| w.to_le_bytes()), Ok(*b"rvsim-no"));
        let long = alloc::vec![b'x'; MAX_ARG_BYTES];
        assert_eq!(initial_stack(&mut user, &plan, &[&long], &[]), Err(ExecError::ArgumentsTooLong));
    }
}
