//! The kernel VM log (boot argument `log=vm`): one line per page fault,
//! copy-on-write break, shared page hit or miss, shared-memory attach and
//! detach, fork and exit.

use rvsim_kernel_core::fault::{Access, Resolved};
use rvsim_kernel_core::space::ForkReport;

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
pub fn resolved(pid: u32, va: u64, access: Access, how: Resolved) {
    if !on() {
        return;
    }
    let what = kind(access);
    match how {
        Resolved::CowCopied { old, new } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: COW break, copied frame {old:#x} -> {new:#x}")
        }
        Resolved::CowReused { frame } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: COW break, reused frame {frame:#x} (last sharer)")
        }
        Resolved::DemandZero { frame } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: zero-filled frame {frame:#x}")
        }
        Resolved::SharedPage { frame, hit: true } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: shared page hit, frame {frame:#x}")
        }
        Resolved::SharedPage { frame, hit: false } => {
            kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: shared page miss, loaded into frame {frame:#x}")
        }
        Resolved::AccessedDirty => kprintln!("[vm] pid {pid}: {what} fault at {va:#x}: set accessed/dirty"),
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

/// A shared-memory detach.
pub fn detach(pid: u32, id: i32, start: u64) {
    if on() {
        kprintln!("[vm] pid {pid}: shmdt segment {id} at {start:#x}");
    }
}
