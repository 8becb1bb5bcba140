//! rvsim's teaching calls, numbered from 1000.

use alloc::format;
use alloc::string::String;

use rvsim_abi::MemStat;
use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::exec::{self, LOWEST_LOAD};
use rvsim_kernel_core::region::{DemandRegion, SharedImage};
use rvsim_kernel_core::shared_pages::{SharedPage, SharedPagesTable};
use rvsim_kernel_core::space::USER_END;
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
pub fn record(k: &Vmm) -> MemStat {
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
        ..crate::dsm::counters()
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
/// the initrd) with its first page at `addr` and returns its entry point
/// (by convention, its table of functions), relocated for `addr`. Its
/// read-only pages come from the shared pages table, so every process that
/// binds it shares them; its writable pages are the caller's own. The
/// first process to bind an object chooses its address: any page-aligned
/// range of user space free in that process. The kernel relocates the
/// object's address-sensitive words for that address as each page is
/// loaded, and records the address in the shared pages table: while some
/// process maps the object, every other binder must use the same address.
/// When the last has gone, the next binder chooses again. An object that
/// carries no relocations can sit only at its link address. A refusal is
/// EINVAL, with the reason in the kernel log. (Under `share=off` each
/// binder gets its own relocated copy, at any address.)
pub fn bind(name: u64, addr: u64) -> Result<u64, Errno> {
    let name = efault(with_user(|u| u.read_cstr(name, MAX_NAME)))?;
    let name = core::str::from_utf8(&name).map_err(|_| crate::errno::ENOENT)?;
    let image = images::find(name).map_err(image_errno)?;
    proc::with_process(|p| vmm::with(|k| bind_in(p, k, image, addr)))
}

/// Binds `image` at `addr` in `p`.
fn bind_in(p: &mut Proc, k: &mut Vmm, image: &'static SharedImage<'static>, addr: u64) -> Result<u64, Errno> {
    let share = config().share;
    if let Err(why) = bindable(p, image, addr).and_then(|()| place(k, image, addr, share)) {
        kprintln!("[kernel] pid {} ({}): bind {} at {addr:#x} refused: {why}", p.pid, p.name, image.name);
        return Err(EINVAL);
    }
    let space = p.space.as_mut().expect("user process");
    if let Err(e) = exec::load(space, &mut k.vm(), image, addr, share) {
        // Undo what was mapped of its private pages, and the hold.
        space.unmap_range(&mut k.vm(), addr, image.size() / PAGE);
        if share {
            k.shared.leave(image.id, &mut k.frames, &mut k.pager);
        }
        return Err(crate::exec::errno(e));
    }
    // Under share=off every page is mapped already: the region only marks
    // the range as used.
    p.regions.push(DemandRegion::image_at(image, addr));
    // The plan checked that the entry lies in a segment.
    Ok(image.plan.entry.wrapping_add(addr.wrapping_sub(image.link_base())))
}

/// Whether `image` may sit at `addr` in `p`: a page-aligned range of user
/// space that `p` does not use, and an image that can move there.
fn bindable(p: &Proc, image: &SharedImage<'_>, addr: u64) -> Result<(), String> {
    let end = addr.checked_add(image.size()).filter(|&end| addr >= LOWEST_LOAD && end <= USER_END);
    let Some(end) = end else {
        return Err(format!("{} pages from there do not fit in user space", image.size() / PAGE));
    };
    if !addr.is_multiple_of(PAGE) {
        return Err(String::from("the address is not page-aligned"));
    }
    if !p.is_free(addr, end) {
        return Err(String::from("the range is in use"));
    }
    let link = image.link_base();
    image.movable(addr.wrapping_sub(link)).map_err(|e| format!("{e}; it can sit only at its link address {link:#x}"))
}

/// Takes a hold on `image`'s placement at `addr` (nothing to hold under
/// `share=off`), or says where every sharer must bind it.
fn place(k: &mut Vmm, image: &SharedImage<'_>, addr: u64, share: bool) -> Result<(), String> {
    if !share {
        return Ok(());
    }
    k.shared.place(image.id, addr).map_err(|elsewhere| {
        format!(
            "{} is bound at {:#x} in the shared pages table, and every sharer must use that address",
            image.name, elsewhere.0
        )
    })
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
/// pager dropped it, "slot:N" when it wrote it to swap), sharers,
/// references gathered, the pager's last examinations (newest last: 1
/// where some sharer had referenced it), the times it was loaded from the
/// image and whether it was relocated; then where each image is placed.
fn print_shared_pages(table: &SharedPagesTable) {
    let s = table.stats;
    kprintln!(
        "[sharedpages] {} frames; {} hits, {} misses, {} evicted ({} to swap, {} back from swap)",
        table.frames(),
        s.hits,
        s.misses,
        s.evictions,
        s.to_swap,
        s.from_swap
    );
    kprintln!(
        "  {:<12} {:>10} {:>12} {:>8} {:>11} {:>9} {:>6} {:>10}",
        "image",
        "page",
        "frame",
        "sharers",
        "references",
        "history",
        "loads",
        "relocated"
    );
    for (&(image, page), entry) in table.entries() {
        print_entry(images::name(image), page << 12, entry);
    }
    for (&image, placed) in table.placements() {
        print_placement(image, placed.base, placed.users);
    }
}

/// One row of the shared pages table: page `page` of image `name`.
fn print_entry(name: &str, page: u64, entry: &SharedPage) {
    let frame = match (entry.frame, entry.slot) {
        (Some(frame), _) => format!("{frame:#x}"),
        (None, 0) => String::from("-"),
        (None, slot) => format!("slot:{slot}"),
    };
    kprintln!(
        "  {:<12} {:>10} {:>12} {:>8} {:>11} {:>9} {:>6} {:>10}",
        name,
        format!("{page:#x}"),
        frame,
        entry.sharers,
        entry.references,
        format!("{:08b}", entry.history),
        entry.loads,
        if entry.relocated { "yes" } else { "-" }
    );
}

/// Where image `id` sits for the `users` address spaces that map it.
fn print_placement(id: u64, base: u64, users: u32) {
    let (name, link) = images::get(id).map_or(("?", base), |image| (image.name, image.link_base()));
    let linked = if link == base { String::from("its link address") } else { format!("linked at {link:#x}") };
    kprintln!("  {name} is placed at {base:#x} ({linked}) for {users} address spaces");
}
