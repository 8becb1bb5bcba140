//! Sending and delivering signals (core's `signal.rs` keeps each
//! process's actions, mask and pending set; `signal_frame.rs` lays out the
//! handler's frame). A signal is delivered on the way back to user mode:
//! its default action ends the process, or its handler runs on a frame
//! pushed on the user stack, returning to [`SIGRETURN_ADDRESS`], a page
//! every process maps read-only and executable whose code calls
//! `rt_sigreturn` (Linux keeps the same code in its vDSO; glibc's unwinder
//! reads it there to recognise signal frames).

use rvsim_kernel_core::signal::{Delivery, SA_RESTORER, SA_SIGINFO, SI_TIMER, SigAction, SigInfo};
use rvsim_kernel_core::signal_frame::{FRAME_SIZE, Frame, Restored, UCONTEXT, frame_address};

use super::{PROCS, Proc, State, fp_switch, with_current};
use crate::errno::{ESRCH, Errno};
use crate::kprintln;
use crate::syscall::with_user;
use crate::trap::reg;

use super::signal;

/// Where a handler returns: `li a7, 139; ecall` (core's
/// `exec::SIGRETURN_PAGE`).
pub const SIGRETURN_ADDRESS: u64 = rvsim_kernel_core::exec::SIGRETURN_PAGE;

/// Sends `sig` with `info` to process `pid` (sig 0 only checks that it
/// exists): to the first of its threads that does not block it (the
/// leader first), as Linux picks a thread for a process-directed signal.
/// A sleeper with a signal to take now is woken.
pub fn send(pid: u32, sig: u32, info: SigInfo) -> Result<(), Errno> {
    PROCS.with(|t| {
        let tgid = t.procs().find(|p| p.pid == pid && p.state != State::Zombie).map(|p| p.tgid).ok_or(ESRCH)?;
        if sig == 0 {
            return Ok(());
        }
        let open =
            |p: &Proc| p.state != State::Zombie && p.signals.blocked() & rvsim_kernel_core::signal::bit(sig) == 0;
        let slot = t
            .live()
            .iter()
            .position(|p| p.as_deref().is_some_and(|p| p.tgid == tgid && p.is_leader() && open(p)))
            .or_else(|| t.live().iter().position(|p| p.as_deref().is_some_and(|p| p.tgid == tgid && open(p))))
            .or_else(|| t.live().iter().position(|p| p.as_deref().is_some_and(|p| p.pid == tgid)));
        if let Some(slot) = slot {
            send_to(t.proc(slot), sig, info);
        }
        Ok(())
    })
}

/// Sends `sig` with `info` to thread `tid` of process `tgid` (tgkill,
/// tkill with `tgid` `None`).
pub fn send_thread(tgid: Option<u32>, tid: u32, sig: u32, info: SigInfo) -> Result<(), Errno> {
    PROCS.with(|t| {
        let p = t
            .procs()
            .find(|p| p.pid == tid && tgid.is_none_or(|g| p.tgid == g) && p.state != State::Zombie)
            .ok_or(ESRCH)?;
        if sig != 0 {
            send_to(p, sig, info);
        }
        Ok(())
    })
}

/// Sends `sig` to every live process of process group `pgid` (ESRCH if
/// there is none).
pub fn send_group(pgid: u32, sig: u32, info: SigInfo) -> Result<(), Errno> {
    send_each(|p| p.pgid == pgid, sig, info)
}

/// Sends `sig` to every live process but init and the caller (kill -1).
pub fn send_all(sig: u32, info: SigInfo) -> Result<(), Errno> {
    let (me, init) = PROCS.with(|t| (t.current_mut().pid, t.init_pid));
    send_each(|p| p.pid != me && p.pid != init, sig, info)
}

/// Sends `sig` to every live process `chosen` picks; ESRCH if it picks
/// none.
fn send_each(chosen: impl Fn(&Proc) -> bool, sig: u32, info: SigInfo) -> Result<(), Errno> {
    PROCS.with(|t| {
        let mut found = false;
        for p in t.procs().filter(|p| p.state != State::Zombie && p.is_leader() && chosen(p)) {
            found = true;
            if sig != 0 {
                send_to(p, sig, info);
            }
        }
        if found { Ok(()) } else { Err(ESRCH) }
    })
}

/// Sends `sig` to `p`, waking it if it sleeps and may take it now.
pub(super) fn send_to(p: &mut Proc, sig: u32, info: SigInfo) {
    if p.signals.send(sig, info) && p.state == State::Sleeping {
        p.state = State::Runnable;
    }
}

/// A signal for what the current process just did (a fault, an illegal
/// instruction). Caught, it is delivered with `info`; else the process
/// dies of it, and the console says `why`.
pub fn force_current(sig: u32, info: SigInfo, why: core::fmt::Arguments) {
    with_current(|p| {
        if !p.signals.force(sig, info) {
            p.kill_with(sig, why);
        }
    });
}

/// Whether the current process should stop sleeping: it was killed, or a
/// signal waits for it.
pub fn current_interrupted() -> bool {
    with_current(|p| p.killed.is_some() || p.signals.deliverable())
}

/// Whether a call the current process was making when a signal came
/// should start again after the handler (SA_RESTART), rather than fail
/// with EINTR.
pub fn current_restarts() -> bool {
    with_current(|p| p.killed.is_none() && p.signals.interrupting() == Some(true))
}

/// Sends SIGALRM to every process whose `setitimer` timer has expired by
/// `now`, re-arming the periodic ones.
pub(super) fn fire_timers(p: &mut Proc, now: u64) {
    let Some(alarm) = p.alarm.filter(|a| now >= a.at) else { return };
    p.alarm = (alarm.interval > 0).then(|| super::Alarm { at: alarm.at + alarm.interval, ..alarm });
    send_to(p, signal::SIGALRM, SigInfo { code: SI_TIMER, ..SigInfo::default() });
}

/// On the way back to user mode: delivers every signal the current
/// process can take now. Each handled one gets a frame on top of the last,
/// so the last one's handler runs first and returns into the one before,
/// as on Linux. Returns the signal the process must die of, if any.
pub fn deliver_all() -> Option<u32> {
    loop {
        match with_current(|p| p.signals.take())? {
            Delivery::Terminate { sig, .. } => return Some(sig),
            Delivery::Handle { sig, action, info, old_mask } => {
                if let Err(sig) = push_frame(sig, action, info, old_mask) {
                    return Some(sig);
                }
            }
        }
    }
}

/// Sets up the current process to run `action`'s handler for `sig` on a
/// frame pushed below its stack pointer; `Err(SIGSEGV)` if the stack
/// cannot take it.
fn push_frame(sig: u32, action: SigAction, info: SigInfo, old_mask: u64) -> Result<(), u32> {
    let fp = fp_switch::current_fp();
    let (regs, sp) = with_current(|p| {
        let mut regs = p.frame.regs;
        regs[0] = p.frame.epc;
        (regs, p.frame.regs[reg::SP])
    });
    let at = frame_address(sp);
    let frame = Frame { sig, info, regs, fp: fp.map(|s| (s.f, s.fcsr as u32)), mask: old_mask };
    if with_user(|u| u.copy_out(at, &frame.to_bytes())).is_err() {
        kprintln!("[kernel] pid {}: no room for a signal frame at {at:#x}", super::current_pid());
        return Err(signal::SIGSEGV);
    }
    let ret = if action.flags & SA_RESTORER != 0 { action.restorer } else { SIGRETURN_ADDRESS };
    let siginfo = action.flags & SA_SIGINFO != 0;
    with_current(|p| {
        p.frame.epc = action.handler;
        p.frame.regs[reg::SP] = at;
        p.frame.regs[reg::RA] = ret;
        p.frame.regs[reg::A0] = u64::from(sig);
        p.frame.regs[reg::A1] = if siginfo { at } else { 0 };
        p.frame.regs[reg::A2] = if siginfo { at + UCONTEXT as u64 } else { 0 };
    });
    Ok(())
}

/// rt_sigreturn: the handler has returned; the registers, FP state and
/// mask come back from its frame at the stack pointer. A frame that cannot
/// be read kills the process (SIGSEGV).
pub fn sigreturn() {
    let at = with_current(|p| p.frame.regs[reg::SP]);
    let mut bytes = [0u8; FRAME_SIZE];
    if with_user(|u| u.copy_in(at, &mut bytes)).is_err() {
        super::kill_current(signal::SIGSEGV, format_args!("bad signal frame at {at:#x}"));
        return;
    }
    let uses_fp = with_current(|p| p.fp.is_some());
    let Restored { regs, fp, mask } = Frame::restore(&bytes, uses_fp);
    with_current(|p| {
        p.frame.epc = regs[0];
        p.frame.regs[1..].copy_from_slice(&regs[1..]);
        let _ = p.signals.set_mask(rvsim_kernel_core::signal::SIG_SETMASK, Some(mask));
    });
    if let Some((f, fcsr)) = fp {
        fp_switch::set_current_fp(crate::fpu::FpState { f, fcsr: u64::from(fcsr) });
    }
}
