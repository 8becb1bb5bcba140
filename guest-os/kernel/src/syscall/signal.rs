//! The signal calls: rt_sigaction, rt_sigprocmask, rt_sigpending,
//! rt_sigsuspend, rt_sigreturn, kill, tkill, tgkill, setitimer and
//! getitimer, with Linux's structures (a riscv64 `struct sigaction` is
//! handler, flags, mask: no restorer) and errors. Core's `signal.rs`
//! holds the rules; `proc/signals.rs` delivers.

use rvsim_kernel_core::signal::{NSIG, SI_TKILL, SI_USER, SigAction, SigInfo, SignalError};

use super::{efault, with_user};
use crate::errno::{EINTR, EINVAL, Errno};
use crate::proc::{self, Alarm};
use crate::time;

/// The only signal-set size riscv64 Linux takes.
const SIGSET_SIZE: u64 = 8;
/// Size of the kernel's `struct sigaction`.
const SIGACTION_SIZE: usize = 24;

fn errno(_: SignalError) -> Errno {
    EINVAL
}

/// rt_sigaction(sig, act, oldact, sigsetsize).
pub fn rt_sigaction(sig: u64, act: u64, old: u64, size: u64) -> Result<u64, Errno> {
    if size != SIGSET_SIZE || sig == 0 || sig > u64::from(NSIG) {
        return Err(EINVAL);
    }
    let new = if act == 0 {
        None
    } else {
        let mut b = [0u8; SIGACTION_SIZE];
        efault(with_user(|u| u.copy_in(act, &mut b)))?;
        let word = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        Some(SigAction { handler: word(0), flags: word(1), mask: word(2), restorer: 0 })
    };
    let previous = proc::set_action(sig as u32, new).map_err(errno)?;
    if old != 0 {
        let mut b = [0u8; SIGACTION_SIZE];
        b[..8].copy_from_slice(&previous.handler.to_le_bytes());
        b[8..16].copy_from_slice(&previous.flags.to_le_bytes());
        b[16..].copy_from_slice(&previous.mask.to_le_bytes());
        efault(with_user(|u| u.copy_out(old, &b)))?;
    }
    Ok(0)
}

/// Reads a user signal set (null: none).
fn read_set(at: u64) -> Result<Option<u64>, Errno> {
    if at == 0 {
        return Ok(None);
    }
    Ok(Some(efault(with_user(|u| u.read_u64(at)))?))
}

/// rt_sigprocmask(how, set, oldset, sigsetsize).
pub fn rt_sigprocmask(how: u64, set: u64, old: u64, size: u64) -> Result<u64, Errno> {
    if size != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let set = read_set(set)?;
    let previous = proc::with_current(|p| p.signals.set_mask(how, set)).map_err(errno)?;
    if old != 0 {
        efault(with_user(|u| u.write_u64(old, previous)))?;
    }
    Ok(0)
}

/// rt_sigpending(set, sigsetsize): the signals pending.
pub fn rt_sigpending(set: u64, size: u64) -> Result<u64, Errno> {
    if size != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let pending = proc::with_current(|p| p.signals.pending());
    efault(with_user(|u| u.write_u64(set, pending)))?;
    Ok(0)
}

/// rt_sigsuspend(mask, sigsetsize): sleeps under `mask` until a signal
/// is delivered; always EINTR.
pub fn rt_sigsuspend(mask: u64, size: u64) -> Result<u64, Errno> {
    if size != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let mask = efault(with_user(|u| u.read_u64(mask)))?;
    proc::with_current(|p| p.signals.suspend(mask));
    while !proc::current_interrupted() {
        proc::pause();
    }
    Err(EINTR)
}

/// kill(pid, sig): `pid` > 0 is one process, 0 the caller's process
/// group, -1 every process but init and the caller, < -1 the group -pid.
pub fn kill(pid: u64, sig: u64) -> Result<u64, Errno> {
    let (pid, sig) = (pid as i64, sig as u32);
    if sig > NSIG || pid == i64::from(i32::MIN) {
        return Err(EINVAL);
    }
    let info = SigInfo { code: SI_USER, pid: proc::current_pid(), ..SigInfo::default() };
    match pid {
        1.. => proc::send(pid as u32, sig, info).map(|_| 0),
        0 => proc::send_group(proc::with_current(|p| p.pgid), sig, info).map(|_| 0),
        -1 => proc::send_all(sig, info).map(|_| 0),
        _ => proc::send_group(pid.unsigned_abs() as u32, sig, info).map(|_| 0),
    }
}

/// tkill(tid, sig): to thread `tid`.
pub fn tkill(tid: u64, sig: u64) -> Result<u64, Errno> {
    thread_kill(None, tid, sig)
}

/// tgkill(tgid, tid, sig): to thread `tid` of process `tgid` (ESRCH if it
/// is not one of its threads).
pub fn tgkill(tgid: u64, tid: u64, sig: u64) -> Result<u64, Errno> {
    if (tgid as i64) <= 0 {
        return Err(EINVAL);
    }
    thread_kill(Some(tgid as u32), tid, sig)
}

fn thread_kill(tgid: Option<u32>, tid: u64, sig: u64) -> Result<u64, Errno> {
    if (tid as i64) <= 0 || sig > u64::from(NSIG) {
        return Err(EINVAL);
    }
    let info = SigInfo { code: SI_TKILL, pid: proc::current_pid(), ..SigInfo::default() };
    proc::send_thread(tgid, tid as u32, sig as u32, info).map(|_| 0)
}

/// rt_sigreturn(): back from a handler. The registers come from the
/// frame, so the caller must not write a result into a0.
pub fn rt_sigreturn() {
    proc::sigreturn();
}

/// `ITIMER_REAL`, the only timer (SIGALRM in real time).
const ITIMER_REAL: u64 = 0;

/// Reads a `struct timeval` as `mtime` ticks.
fn read_timeval(at: u64) -> Result<u64, Errno> {
    let seconds = efault(with_user(|u| u.read_u64(at)))? as i64;
    let micros = efault(with_user(|u| u.read_u64(at + 8)))? as i64;
    if seconds < 0 || !(0..1_000_000).contains(&micros) {
        return Err(EINVAL);
    }
    Ok(time::ticks(seconds as u64, micros as u64 * 1000))
}

/// Writes `ticks` as a `struct timeval` at `at`.
fn write_timeval(at: u64, ticks: u64) -> Result<(), Errno> {
    let micros = time::micros(ticks);
    efault(with_user(|u| u.write_u64(at, micros / 1_000_000)))?;
    efault(with_user(|u| u.write_u64(at + 8, micros % 1_000_000)))?;
    Ok(())
}

/// Writes the timer `alarm` as a `struct itimerval` (interval, then
/// value) at `at`.
fn write_itimerval(at: u64, alarm: Option<Alarm>) -> Result<(), Errno> {
    let (interval, left) = alarm.map_or((0, 0), |a| (a.interval, a.at.saturating_sub(time::now()).max(1)));
    write_timeval(at, interval)?;
    write_timeval(at + 16, left)
}

/// setitimer(which, new, old): arms (or with a zero value, disarms) the
/// real-time timer; glibc's `alarm` is this. The CPU-time timers
/// (ITIMER_VIRTUAL, ITIMER_PROF) are not kept: EINVAL.
pub fn setitimer(which: u64, new: u64, old: u64) -> Result<u64, Errno> {
    if which != ITIMER_REAL {
        return Err(EINVAL);
    }
    let interval = read_timeval(new)?;
    let value = read_timeval(new + 16)?;
    let alarm = (value > 0).then(|| Alarm { at: time::now().saturating_add(value), interval });
    let previous = proc::with_current(|p| core::mem::replace(&mut p.alarm, alarm));
    if old != 0 {
        write_itimerval(old, previous)?;
    }
    Ok(0)
}

/// getitimer(which, value).
pub fn getitimer(which: u64, value: u64) -> Result<u64, Errno> {
    if which != ITIMER_REAL {
        return Err(EINVAL);
    }
    write_itimerval(value, proc::with_current(|p| p.alarm))?;
    Ok(0)
}
