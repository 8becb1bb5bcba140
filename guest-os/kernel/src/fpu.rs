//! Each process's floating-point registers, switched lazily.
//!
//! The hart has one set of FP registers and one `fcsr`; `sstatus.FS` says
//! whether they may be used (Off) and whether they changed since the
//! kernel last set it (Dirty). The kernel uses FS as the hardware's hint
//! for switching them only when it must:
//! - A process starts with no FP state and runs with FS Off. Its first F
//!   or D instruction traps as illegal; the kernel then gives it zeroed
//!   registers and lets it retry. Programs that never compute in floating
//!   point never pay for it.
//! - The registers belong to one process at a time, the *owner*. When a
//!   process with FP state returns to user mode and is not the owner, the
//!   owner's registers are saved (only if FS said Dirty when it last
//!   trapped) and the process's own are loaded. FS is then Clean, so the
//!   next trap tells whether the process changed them.
//! - The kernel itself never uses floating point (it is built for
//!   rv64imac), so the registers hold the owner's values throughout.

use core::arch::asm;

/// `sstatus.FS`.
const FS: u64 = 3 << 13;
/// FS = Clean.
const FS_CLEAN: u64 = 2 << 13;

/// One process's FP registers and `fcsr`, while they are not the hart's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FpState {
    /// f0..f31.
    pub f: [u64; 32],
    /// `fcsr` (rounding mode and accrued flags).
    pub fcsr: u64,
}

impl FpState {
    /// The state a process starts with: every register and `fcsr` zero.
    pub const ZERO: FpState = FpState { f: [0; 32], fcsr: 0 };
}

/// Whose registers the hart holds, and whether they changed since they
/// were loaded or saved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owner {
    /// The owner's pid, if any.
    pub pid: Option<u32>,
    /// FS said Dirty at one of the owner's traps since: its saved copy is
    /// stale.
    pub dirty: bool,
}

/// Reads `sstatus.FS`.
fn fs() -> u64 {
    let sstatus: u64;
    // SAFETY: reading sstatus has no effect.
    unsafe { asm!("csrr {0}, sstatus", out(reg) sstatus, options(nomem, nostack)) };
    sstatus & FS
}

/// Whether the user code that just trapped changed its FP registers.
pub fn user_made_dirty() -> bool {
    fs() == FS
}

/// Turns the FP unit off for the user code about to run: it has no FP
/// state yet.
pub fn disable() {
    // SAFETY: FS only decides whether FP instructions may run.
    unsafe { asm!("csrc sstatus, {0}", in(reg) FS, options(nomem, nostack)) };
}

/// Sets FS to Clean: the registers may be used, and hold what the kernel
/// last loaded or saved.
pub fn mark_clean() {
    // SAFETY: as `disable`.
    unsafe {
        asm!("csrc sstatus, {0}", "csrs sstatus, {1}", in(reg) FS, in(reg) FS_CLEAN, options(nomem, nostack));
    }
}

/// Copies the hart's FP registers and `fcsr` into `state`.
pub fn save(state: &mut FpState) {
    mark_clean();
    let f = state.f.as_mut_ptr();
    let fcsr: u64;
    // SAFETY: FS is on; writes 32 doublewords to `state.f`, which holds
    // them.
    unsafe {
        asm!(
            ".option push", ".option arch, +d",
            "fsd f0, 0({f})", "fsd f1, 8({f})", "fsd f2, 16({f})", "fsd f3, 24({f})",
            "fsd f4, 32({f})", "fsd f5, 40({f})", "fsd f6, 48({f})", "fsd f7, 56({f})",
            "fsd f8, 64({f})", "fsd f9, 72({f})", "fsd f10, 80({f})", "fsd f11, 88({f})",
            "fsd f12, 96({f})", "fsd f13, 104({f})", "fsd f14, 112({f})", "fsd f15, 120({f})",
            "fsd f16, 128({f})", "fsd f17, 136({f})", "fsd f18, 144({f})", "fsd f19, 152({f})",
            "fsd f20, 160({f})", "fsd f21, 168({f})", "fsd f22, 176({f})", "fsd f23, 184({f})",
            "fsd f24, 192({f})", "fsd f25, 200({f})", "fsd f26, 208({f})", "fsd f27, 216({f})",
            "fsd f28, 224({f})", "fsd f29, 232({f})", "fsd f30, 240({f})", "fsd f31, 248({f})",
            "frcsr {fcsr}",
            ".option pop",
            f = in(reg) f, fcsr = out(reg) fcsr, options(nostack),
        );
    }
    state.fcsr = fcsr;
}

/// Loads `state` into the hart's FP registers and `fcsr`; FS is Clean
/// afterwards.
pub fn restore(state: &FpState) {
    mark_clean();
    let f = state.f.as_ptr();
    // SAFETY: FS is on; reads 32 doublewords from `state.f`.
    unsafe {
        asm!(
            ".option push", ".option arch, +d",
            "fld f0, 0({f})", "fld f1, 8({f})", "fld f2, 16({f})", "fld f3, 24({f})",
            "fld f4, 32({f})", "fld f5, 40({f})", "fld f6, 48({f})", "fld f7, 56({f})",
            "fld f8, 64({f})", "fld f9, 72({f})", "fld f10, 80({f})", "fld f11, 88({f})",
            "fld f12, 96({f})", "fld f13, 104({f})", "fld f14, 112({f})", "fld f15, 120({f})",
            "fld f16, 128({f})", "fld f17, 136({f})", "fld f18, 144({f})", "fld f19, 152({f})",
            "fld f20, 160({f})", "fld f21, 168({f})", "fld f22, 176({f})", "fld f23, 184({f})",
            "fld f24, 192({f})", "fld f25, 200({f})", "fld f26, 208({f})", "fld f27, 216({f})",
            "fld f28, 224({f})", "fld f29, 232({f})", "fld f30, 240({f})", "fld f31, 248({f})",
            "fscsr {fcsr}",
            ".option pop",
            f = in(reg) f, fcsr = in(reg) state.fcsr, options(nostack, readonly),
        );
    }
    mark_clean();
}
