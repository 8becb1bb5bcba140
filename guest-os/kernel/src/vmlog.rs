//! The kernel VM log (boot argument `log=vm`): one line per page fault,
//! copy-on-write break, fork and exit.

use rvsim_kernel_core::fault::{Access, Resolved};
use rvsim_kernel_core::space::ForkReport;

use crate::{kernel, kprintln};

fn on() -> bool {
    kernel().log_vm
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
