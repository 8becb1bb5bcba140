//! rvsim's teaching calls, numbered from 1000.

use rvsim_abi::MemStat;
use rvsim_kernel_core::exec;
use rvsim_kernel_core::region::{DemandRegion, SharedImage};
use rvsim_kernel_core::shared_pages::SharedPagesTable;
use rvsim_kernel_core::uaccess::access_ok;

use super::{efault, with_user};
use crate::errno::{EINVAL, Errno};
use crate::exec::image_errno;
use crate::proc::{self, Proc};
use crate::vmm::{self, Vmm};
use crate::{config, images, kprintln};

/// memstat(buf, len): copies the first `len` bytes (at most the whole
/// record) of the kernel's [`MemStat`] to `buf`; returns the record's size.
pub fn memstat(buf: u64, len: u64) -> Result<u64, Errno> {
    efault(access_ok(buf, len))?;
    let bytes = vmm::with(|k| record(k).to_bytes());
    let len = (len as usize).min(bytes.len());
    efault(with_user(|u| u.copy_out(buf, &bytes[..len])))?;
    Ok(MemStat::SIZE as u64)
}

/// The kernel's memory counters as a [`MemStat`].
fn record(k: &Vmm) -> MemStat {
    let counts = k.frames.counts();
    let s = k.stats;
    let swap = k.pager.swap.counts();
    MemStat {
        frames_total: counts.total as u64,
        frames_free: counts.free as u64,
        frames_used: counts.used() as u64,
        committed: k.pager.commit.used,
        page_faults: s.page_faults,
        cow_faults: s.cow_faults,
        cow_copies: s.cow_copies,
        cow_reuses: s.cow_reuses,
        demand_zero: s.demand_zero,
        shared_frames: k.shared.frames() as u64,
        shared_hits: k.shared.stats.hits,
        shared_misses: k.shared.stats.misses,
        shm_frames: k.shm.frames() as u64,
        shm_segments: k.shm.len() as u64,
        commit_limit: k.pager.commit.limit,
        user_frames: k.pager.user_frames() as u64,
        frame_budget: k.pager.budget() as u64,
        major_faults: s.major_faults,
        page_ins: s.page_ins,
        page_outs: s.page_outs,
        drops: s.drops,
        swap_total: swap.total as u64,
        swap_used: swap.used as u64,
    }
}

/// vmprint(): prints the caller's page table.
pub fn vmprint() -> Result<u64, Errno> {
    proc::vmprint();
    Ok(0)
}

/// Longest object name.
const MAX_NAME: usize = 255;

/// bind(name, addr): maps the shared code object `name` (an ELF file in
/// the initrd) at `addr` and returns its entry point (by convention, its
/// table of functions). Its read-only pages come from the shared pages
/// table, so every process that binds it shares them; its writable pages
/// are the caller's own. The code is position-dependent: `addr` must be
/// the address it was linked at, the same in every sharer; any other is
/// EINVAL, with the reason in the kernel log.
pub fn bind(name: u64, addr: u64) -> Result<u64, Errno> {
    let name = efault(with_user(|u| u.read_cstr(name, MAX_NAME)))?;
    let name = core::str::from_utf8(&name).map_err(|_| crate::errno::ENOENT)?;
    let image = images::find(name).map_err(image_errno)?;
    proc::with_current(|p| vmm::with(|k| bind_in(p, k, image, addr)))
}

/// Binds `image` at `addr` in `p`.
fn bind_in(p: &mut Proc, k: &mut Vmm, image: &'static SharedImage<'static>, addr: u64) -> Result<u64, Errno> {
    let (start, end) = image.span();
    if addr != start {
        kprintln!(
            "[kernel] pid {} ({}): bind {} at {addr:#x} refused: its code is position-dependent, linked at {start:#x}, \
             and must sit at that address in every process that shares it",
            p.pid,
            p.name,
            image.name
        );
        return Err(EINVAL);
    }
    if !p.is_free(start, end) {
        kprintln!("[kernel] pid {} ({}): bind {} at {addr:#x} refused: the range is in use", p.pid, p.name, image.name);
        return Err(EINVAL);
    }
    let share = config().share;
    let space = p.space.as_mut().expect("user process");
    if let Err(e) = exec::load(space, &mut k.vm(), image, share) {
        // Undo what was mapped of its private pages.
        space.unmap_range(&mut k.vm(), start, (end - start) / rvsim_kernel_core::PAGE);
        return Err(crate::exec::errno(e));
    }
    if share {
        p.regions.push(DemandRegion::image(image));
    }
    // The plan checked that the entry lies in a segment.
    Ok(image.plan.entry)
}

/// sharedpages(): gathers every process's accessed bits into the shared
/// pages table, then prints it.
pub fn sharedpages() -> Result<u64, Errno> {
    proc::for_each_space(|space, asid| {
        if vmm::with(|k| space.harvest_accessed(&mut k.vm())) > 0 {
            proc::flush_asid(asid);
        }
    });
    vmm::with(|k| print_shared_pages(&k.shared));
    Ok(0)
}

/// Prints the shared pages table: each entry's frame (or "-" when the
/// pager took it out of memory), sharers, references gathered, the
/// pager's last examinations (newest last: 1 where some sharer had
/// referenced it) and the times it was loaded.
fn print_shared_pages(table: &SharedPagesTable) {
    let s = table.stats;
    kprintln!("[sharedpages] {} frames; {} hits, {} misses, {} evicted", table.frames(), s.hits, s.misses, s.evictions);
    kprintln!(
        "  {:<12} {:>10} {:>12} {:>8} {:>11} {:>9} {:>6}",
        "image",
        "page",
        "frame",
        "sharers",
        "references",
        "history",
        "loads"
    );
    for (&(image, page), entry) in table.entries() {
        let frame = entry.frame.map_or_else(|| alloc::string::String::from("-"), |f| alloc::format!("{f:#x}"));
        kprintln!(
            "  {:<12} {:>10} {:>12} {:>8} {:>11} {:>9} {:>6}",
            images::name(image),
            alloc::format!("{:#x}", page << 12),
            frame,
            entry.sharers,
            entry.references,
            alloc::format!("{:08b}", entry.history),
            entry.loads
        );
    }
}
