//! Switching the hart's FP registers between processes, lazily (see
//! `fpu.rs` for the scheme): a process's first FP instruction, the
//! scheduler's switch to a process, fork's copy of the registers.

use alloc::boxed::Box;

use super::{PROCS, Table};
use crate::fpu::{self, FpState};

/// An illegal-instruction trap on `instruction`: if it is an FP
/// instruction and the process has no FP registers yet, it gets zeroed
/// ones and retries it. Returns whether it does.
#[cold]
#[inline(never)]
pub fn first_fp_use(instruction: u32) -> bool {
    if !rvsim_kernel_core::fp_insn::uses_fpu(instruction) {
        return false;
    }
    PROCS.with(|t| {
        let p = t.current_mut();
        if p.fp.is_some() {
            return false;
        }
        p.fp = Some(Box::new(FpState::ZERO));
        // The hart may still hold what an earlier program of this process
        // left (exec drops the state, not the ownership): nothing to keep.
        let pid = p.pid;
        if t.fp_owner.pid == Some(pid) {
            t.fp_owner = fpu::Owner::default();
        }
        load_fp(t);
        true
    })
}

/// Notes whether the user code that ran last changed the FP registers: FS
/// says so (only their owner runs with FP on, and the kernel never uses
/// them).
pub(super) fn note_fp_changes(t: &mut Table) {
    if fpu::user_made_dirty() {
        t.fp_owner.dirty = true;
    }
}

/// When the scheduler switches to the process in `slot`: notes the last
/// owner's changes, then gives the hart the process's FP state (FP off if
/// it has none).
#[inline(always)]
pub(super) fn switch_fp(t: &mut Table, slot: usize) {
    // No one's registers on the hart, and FS Off (exit and the first use
    // keep it so): nothing to note or turn off.
    if t.fp_owner.pid.is_some() || t.proc(slot).fp.is_some() {
        switch_fp_state(t, slot);
    }
}

/// [`switch_fp`]'s work when some process uses the FP unit.
#[cold]
#[inline(never)]
fn switch_fp_state(t: &mut Table, slot: usize) {
    let uses_fp = t.proc(slot).fp.is_some();
    if t.fp_owner.pid.is_none() {
        load_fp(t);
        return;
    }
    note_fp_changes(t);
    if uses_fp {
        load_fp(t);
    } else {
        fpu::disable();
    }
}

/// Saves the owner's FP registers if they changed since it got them.
pub(super) fn save_owner_fp(t: &mut Table) {
    let fpu::Owner { pid: Some(owner), dirty: true } = t.fp_owner else { return };
    if let Some(state) = t.procs().find(|p| p.pid == owner).and_then(|p| p.fp.as_deref_mut()) {
        fpu::save(state);
    }
    t.fp_owner.dirty = false;
}

/// The current process's FP registers as they are now (saved from the
/// hart if it changed them), if it uses FP: what a signal frame keeps.
pub fn current_fp() -> Option<FpState> {
    PROCS.with(|t| {
        let pid = t.current_mut().pid;
        if t.fp_owner.pid == Some(pid) {
            note_fp_changes(t);
            save_owner_fp(t);
        }
        t.current_mut().fp.as_deref().cloned()
    })
}

/// Gives the current process the FP registers `state` (a signal frame's,
/// at `rt_sigreturn`), on the hart too.
pub fn set_current_fp(state: FpState) {
    PROCS.with(|t| {
        let p = t.current_mut();
        let pid = p.pid;
        p.fp = Some(Box::new(state));
        if t.fp_owner.pid == Some(pid) {
            t.fp_owner = fpu::Owner::default();
        }
        load_fp(t);
    })
}

/// For the current process, which has FP registers: its registers on the
/// hart (saving the previous owner's if they changed), FS Clean.
fn load_fp(t: &mut Table) {
    let pid = t.current_mut().pid;
    if t.fp_owner.pid == Some(pid) {
        fpu::mark_clean();
        return;
    }
    save_owner_fp(t);
    if let Some(state) = t.current_mut().fp.as_deref() {
        fpu::restore(state);
    }
    t.fp_owner = fpu::Owner { pid: Some(pid), dirty: false };
}
