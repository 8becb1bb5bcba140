//! futex(uaddr, op, val, timeout): FUTEX_WAIT and FUTEX_WAKE, as Linux's.
//! A futex in a shared-memory segment is keyed by the segment and the
//! word's offset in it, so that processes meet on it whatever address each
//! attached it at; any other futex by the address space and the address.
//! Neither key changes when the pager moves the page: a physical address
//! would, and a process asleep on a word whose page went to swap and came
//! back in another frame would never be woken.
//!
//! The check of the word and the fall asleep are atomic because the
//! kernel is never preempted: no store can come between them.

use rvsim_abi::futex::{FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE};
use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::uaccess::access_ok;

use super::{efault, with_user};
use crate::errno::{EAGAIN, EINTR, EINVAL, ENOSYS, ETIMEDOUT, Errno};
use crate::proc::{self, Proc};
use crate::time;

/// Sleep channels of futexes: a key with this bit set (no other channel
/// has it).
const FUTEX_CHANNEL: usize = 1 << 62;
/// Marks a key in a shared-memory segment: its id from bit 32, the offset
/// below. A private key holds the page-table root's page number from bit
/// 31 and the address (user space is the low 2 GiB) below.
const SEGMENT_KEY: usize = 1 << 61;

/// futex(uaddr, op, val, timeout).
pub fn futex(uaddr: u64, op: u64, val: u64, timeout: u64) -> Result<u64, Errno> {
    if !uaddr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    match op & !FUTEX_PRIVATE_FLAG {
        FUTEX_WAIT => wait(uaddr, val as u32, timeout),
        FUTEX_WAKE => Ok(wake(uaddr, val as usize)? as u64),
        _ => Err(ENOSYS),
    }
}

/// The futex's sleep channel (EFAULT if `uaddr` is not in user space). The
/// key needs no translation: a wait reads the word, which faults it in (or
/// fails with EFAULT), and a wake on a word never mapped wakes no one, as
/// Linux's private futexes.
fn channel(uaddr: u64) -> Result<usize, Errno> {
    efault(access_ok(uaddr, 4))?;
    Ok(proc::with_current(|p| key(p, uaddr)))
}

/// The sleep channel of the futex at `uaddr` of `p` (see the module's
/// comment).
fn key(p: &Proc, uaddr: u64) -> usize {
    let attachment = p.attachments.iter().find(|a| a.start <= uaddr && uaddr - a.start < a.pages * PAGE);
    match attachment {
        Some(a) => FUTEX_CHANNEL | SEGMENT_KEY | (a.id as usize) << 32 | (uaddr - a.start) as usize,
        None => {
            let root = p.space.as_ref().map_or(0, |s| s.root() >> 12);
            FUTEX_CHANNEL | (root as usize) << 31 | uaddr as usize
        }
    }
}

fn wait(uaddr: u64, expected: u32, timeout: u64) -> Result<u64, Errno> {
    let chan = channel(uaddr)?;
    let mut word = [0u8; 4];
    efault(with_user(|u| u.copy_in(uaddr, &mut word)))?;
    if u32::from_le_bytes(word) != expected {
        return Err(EAGAIN);
    }
    let deadline = if timeout == 0 {
        None
    } else {
        let seconds = efault(with_user(|u| u.read_u64(timeout)))? as i64;
        let nanoseconds = efault(with_user(|u| u.read_u64(timeout + 8)))? as i64;
        if seconds < 0 || !(0..1_000_000_000).contains(&nanoseconds) {
            return Err(EINVAL);
        }
        Some(time::now().saturating_add(time::ticks(seconds as u64, nanoseconds as u64)))
    };
    proc::with_current(|p| p.woken = false);
    proc::sleep_on(chan, deadline);
    let woken = proc::with_current(|p| p.woken);
    let killed = proc::current_interrupted();
    if woken {
        Ok(0)
    } else if killed {
        Err(EINTR)
    } else if deadline.is_some_and(|at| time::now() >= at) {
        Err(ETIMEDOUT)
    } else {
        // Woken by something else (a kill of another kind, say): as
        // Linux, a spurious wakeup returns 0 and the caller re-checks.
        Ok(0)
    }
}

fn wake(uaddr: u64, count: usize) -> Result<usize, Errno> {
    let chan = channel(uaddr)?;
    Ok(proc::wake_some(chan, count))
}
