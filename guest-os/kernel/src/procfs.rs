//! The text of `/proc`'s files for the calling process, made when a file
//! is opened (core's `procfs.rs` formats it): `/proc/self/maps` from the
//! process's regions and page table, `/proc/meminfo` from memstat's
//! counters.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use rvsim_kernel_core::initrd_fs::ProcFile;
use rvsim_kernel_core::procfs::{self, MapsLine};
use rvsim_kernel_core::protect::entry_bits;
use rvsim_kernel_core::region::{Backing, DemandRegion};
use rvsim_kernel_core::{PAGE, page_ceil, page_floor, pte};

use crate::exec::HEAP_REGION;
use crate::proc::{self, Proc};
use crate::syscall::teaching;
use crate::vmm::{self, Vmm};

/// The text of `file` as the calling process sees it.
pub fn text(file: ProcFile) -> Vec<u8> {
    match file {
        ProcFile::Meminfo => vmm::with(|k| procfs::meminfo(&teaching::record(k))).into_bytes(),
        ProcFile::Maps => proc::with_current_vm(maps).into_bytes(),
        ProcFile::Exe => Vec::new(),
    }
}

/// A mapping before its pages are counted: range, permissions, shared,
/// offset and name.
type Mapping = (u64, u64, u64, bool, u64, String);

/// `/proc/self/maps` for `p`: one line per mapping in address order, split
/// where mprotect changed part of one.
fn maps(p: &mut Proc, k: &mut Vmm) -> String {
    let mut mappings: Vec<Mapping> = Vec::new();
    for (i, r) in p.regions.iter().enumerate() {
        mappings.extend(region_mappings(p, i, r));
    }
    mappings.sort_by_key(|m| m.0);
    let mut out = String::new();
    let Some(space) = p.space.as_ref() else { return out };
    let vm = k.vm();
    for (start, end, perms, shared, offset, name) in mappings {
        for (from, to) in protection_pieces(p, start, end) {
            let perms = space.protection(from).map_or(perms, prot_perms);
            let pages = space.page_counts(vm.mem, from, to);
            let line =
                MapsLine { start: from, end: to, perms, shared, offset: offset + (from - start), name: &name, pages };
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// The entry permissions (R, W, X) PROT_* bits `prot` give, as maps shows
/// them (none for PROT_NONE).
fn prot_perms(prot: u64) -> u64 {
    if prot == 0 { 0 } else { entry_bits(prot) & (pte::R | pte::W | pte::X) }
}

/// `[start, end)` cut where an mprotect range begins or ends inside it.
fn protection_pieces(p: &Proc, start: u64, end: u64) -> Vec<(u64, u64)> {
    let space = p.space.as_ref().expect("a user process has an address space");
    let mut cuts: Vec<u64> =
        space.protected_ranges().iter().flat_map(|r| [r.start, r.end]).filter(|&a| start < a && a < end).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut pieces = Vec::new();
    let mut from = start;
    for cut in cuts.into_iter().chain(core::iter::once(end)) {
        pieces.push((from, cut));
        from = cut;
    }
    pieces
}

/// The mappings region `i` of `p` shows as: an image's segments, the
/// stack, the heap, a file's pages, a segment's.
fn region_mappings(p: &Proc, i: usize, r: &DemandRegion<'static>) -> Vec<Mapping> {
    let perms = r.flags & (pte::R | pte::W | pte::X);
    let plain = |name: &str| alloc::vec![(r.start, r.end, perms, false, 0, String::from(name))];
    match r.backing {
        _ if r.start == r.end => Vec::new(),
        Backing::Image(image) => {
            let delta = r.start.wrapping_sub(image.link_base());
            // The sigreturn page is named as Linux names its vDSO.
            let name =
                if image.name.starts_with('[') { String::from(image.name) } else { alloc::format!("/{}", image.name) };
            let segment = |s: &rvsim_kernel_core::exec::Segment| {
                let start = page_floor(s.vaddr).wrapping_add(delta);
                let end = page_ceil(s.vaddr + s.memsz).wrapping_add(delta);
                (start, end, s.flags & (pte::R | pte::W | pte::X), false, page_floor(s.offset), name.clone())
            };
            image.plan.segments.iter().map(segment).collect()
        }
        Backing::Zero if i == 0 => plain("[stack]"),
        Backing::Zero if i == HEAP_REGION => plain("[heap]"),
        Backing::Zero => plain(""),
        Backing::File { name, offset, .. } => {
            alloc::vec![(r.start, r.end, perms, false, offset, alloc::format!("/{name}"))]
        }
        Backing::Shm { id, writable, first } => {
            let perms = if writable { pte::R | pte::W } else { pte::R };
            let mapped = p.attachments.iter().any(|a| a.id == id && a.mapped);
            let name = if mapped { String::from("/dev/zero (deleted)") } else { alloc::format!("/SYSV{id:08x}") };
            alloc::vec![(r.start, r.end, perms, true, first * PAGE, name)]
        }
    }
}
