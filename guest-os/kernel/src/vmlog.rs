//! The kernel VM log (boot argument `log=vm`): one line per page fault,
//! copy-on-write break, shared page hit or miss, page-in, page-out and
//! drop (with the replacement policy's reason), shared-memory attach and
//! detach, fork and exit.

use rvsim_kernel_core::evict::{Dropped, Eviction, Written};
use rvsim_kernel_core::fault::{Access, Resolved};
use rvsim_kernel_core::replace::Reason;
use rvsim_kernel_core::space::ForkReport;
use rvsim_kernel_core::swap::Slot;

use crate::{config, kprintln};

fn on() -> bool {
    config().log_vm
}

fn kind(access: Access) -> &'static str {
    match access {
        Access::Fetch => "fetch",
        Access::Load => "load",
        Access::Store => "store",
    }
}

/// A fault resolved at `va`.
#[inline]
pub fn resolved(pid: u32, va: u64, access: Access, how: Resolved) {
    if on() {
        resolved_line(pid, va, access, how);
    }
}

/// The line of [`resolved`].
fn resolved_line(pid: u32, va: u64, access: Access, how: Resolved) {
    let what = kind(access);
    match how {
        Resolved::CowCopied { old, new } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: COW break, copied frame {old:#x} -> {new:#x}")
        }
        Resolved::CowReused { frame } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: COW break, reused frame {frame:#x} (last sharer)")
        }
        Resolved::DemandZero { frame, around: 0 } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: zero-filled frame {frame:#x}")
        }
        Resolved::DemandZero { frame, around } => kprintln!(
            "[vm] pid {pid}: {what} fault at {va:#x}: zero-filled frame {frame:#x}, and {around} heap pages around it"
        ),
        Resolved::FilePage { frame } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: file page copied into frame {frame:#x}")
        }
        Resolved::SharedPage { frame, hit: true } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: shared page hit, frame {frame:#x}")
        }
        Resolved::SharedPage { frame, hit: false } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: shared page miss, loaded into frame {frame:#x}")
        }
        Resolved::SharedSwapIn { frame, slot } => {
            kprintln!(
                "[vm] pid {pid}: {what} fault at {va:#x}: relocated shared page from slot {slot}, frame {frame:#x}"
            )
        }
        Resolved::SwapIn { frame, slot } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: swapped page from slot {slot}, frame {frame:#x}")
        }
        Resolved::ShmPage { frame } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: shared-memory page, frame {frame:#x}")
        }
        Resolved::AccessedDirty => kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: set accessed/dirty"),
    }
}

/// Why the policy chose a victim, in words.
fn reason(why: Reason) -> alloc::string::String {
    match why {
        Reason::NotReferenced => "clock: not referenced".into(),
        Reason::Oldest => "fifo: the oldest".into(),
        Reason::Age(age) => alloc::format!("lru: age {age:#04x}"),
        Reason::Drawn => "random".into(),
        Reason::SharedIdle(n) => alloc::format!("shared page unreferenced for {n} sweeps"),
        Reason::OnlySharedLeft => "a shared page in use: nothing else could go".into(),
    }
}

/// A page taken out of memory.
pub fn evicted(eviction: &Eviction) {
    if !on() {
        return;
    }
    match *eviction {
        Eviction::Write { frame, slot, what, why } => {
            let what = match what {
                Written::Page => "page",
                Written::SharedMemory => "shared-memory page",
                Written::Relocated => "relocated shared page (it differs from its image)",
            };
            kprintln!("[vm] page-out: {what} in frame {frame:#x} ({}) to slot {slot}", reason(why))
        }
        Eviction::Dropped { frame, what, why } => {
            let what = match what {
                Dropped::SharedImage => alloc::string::String::from("shared text page (reloads from its image)"),
                Dropped::ZeroPage => "zero page never written".into(),
                Dropped::SwapCopy(slot) => alloc::format!("page still good in slot {slot}"),
            };
            kprintln!("[vm] drop: {what} in frame {frame:#x} ({})", reason(why))
        }
    }
}

/// The pager began keeping its records, entering `pages` resident pages
/// (`free`: frames free for user pages then; `None` for a frame pool).
pub fn tracking_started(pages: usize, free: Option<usize>) {
    if !on() {
        return;
    }
    let why = match free {
        Some(free) => alloc::format!("memory is getting short ({free} frames free for user pages)"),
        None => "a frame pool was made".into(),
    };
    kprintln!("[vm] {why}: the pager starts its reverse map and replacement order with the {pages} resident pages");
}

/// A page of a frame pool evicted to make room in it, written to swap.
pub fn pool_page_out(pid: u32, frame: u64, slot: Slot) {
    if on() {
        kprintln!("[vm] pid {pid}: page-out: page in frame {frame:#x} (its frame pool is full) to slot {slot}");
    }
}

/// A page read back from swap for a fault.
pub fn page_in(pid: u32, slot: Slot, frame: u64, ok: bool) {
    if on() {
        let how = if ok { "" } else { " FAILED" };
        kprintln!("[vm] pid {pid}: page-in from slot {slot} into frame {frame:#x} (major fault){how}");
    }
}

/// A fork.
pub fn fork(parent: u32, child: u32, report: ForkReport) {
    if on() {
        kprintln!(
            "[vm] pid {parent}: fork -> pid {child}: {} pages shared copy-on-write, {} copied",
            report.shared,
            report.copied
        );
    }
}

/// An exit.
pub fn exit(pid: u32, freed: usize) {
    if on() {
        kprintln!("[vm] pid {pid}: exit, {freed} frames freed");
    }
}

/// A shared-memory attach.
pub fn attach(pid: u32, id: i32, start: u64, pages: u64, writable: bool) {
    if on() {
        let how = if writable { "read-write" } else { "read-only" };
        kprintln!("[vm] pid {pid}: shmat segment {id} at {start:#x}, {pages} pages {how}");
    }
}

/// An mmap: where, how long, and of what.
pub fn mmap(pid: u32, start: u64, pages: u64, prot: u64, file: bool, shared: bool) {
    if on() {
        let what = match (file, shared) {
            (true, _) => "file",
            (false, true) => "shared anonymous",
            (false, false) => "private anonymous",
        };
        kprintln!("[vm] pid {pid}: mmap {what} at {start:#x}, {pages} pages, prot {prot:#x}");
    }
}

/// An munmap.
pub fn munmap(pid: u32, start: u64, pages: u64) {
    if on() {
        kprintln!("[vm] pid {pid}: munmap {start:#x}, {pages} pages");
    }
}

/// A shared-memory detach.
pub fn detach(pid: u32, id: i32, start: u64) {
    if on() {
        kprintln!("[vm] pid {pid}: shmdt segment {id} at {start:#x}");
    }
}

/// The VM counters on one line, `key=value` separated by spaces, printed
/// when the machine stops under `log=vmstat` (after the first process's
/// memory is freed): what `rvsim bench paging` reads to plot faults
/// against frames, and what shows that every frame, swap slot and
/// committed page came back.
pub fn summary(s: &rvsim_abi::MemStat) {
    kprintln!(
        "[vmstat] page_faults={} major_faults={} demand_zero={} cow_copies={} shared_misses={} page_ins={} page_outs={} drops={} frame_budget={} swap_total={}",
        s.page_faults,
        s.major_faults,
        s.demand_zero,
        s.cow_copies,
        s.shared_misses,
        s.page_ins,
        s.page_outs,
        s.drops,
        s.frame_budget,
        s.swap_total
    );
    kprintln!(
        "[vmstat-end] left in use: user_frames={} swap_used={} committed={} shm_frames={}",
        s.user_frames,
        s.swap_used,
        s.committed,
        s.shm_frames
    );
}
