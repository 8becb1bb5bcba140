//! futex: FUTEX_WAIT, FUTEX_WAKE, their bitset forms and FUTEX_REQUEUE
//! and FUTEX_CMP_REQUEUE, as Linux's.
//! A futex in a shared-memory segment is keyed by the segment and the
//! word's offset in it, so that processes meet on it whatever address each
//! attached it at; any other futex by the address space and the address.
//! Neither key changes when the pager moves the page: a physical address
//! would, and a process asleep on a word whose page went to swap and came
//! back in another frame would never be woken.
//!
//! The check of the word and the fall asleep are atomic because the
//! kernel is never preempted: no store can come between them.

use rvsim_abi::futex::{
    FUTEX_CLOCK_REALTIME, FUTEX_CMP_REQUEUE, FUTEX_PRIVATE_FLAG, FUTEX_REQUEUE, FUTEX_WAIT, FUTEX_WAIT_BITSET,
    FUTEX_WAKE, FUTEX_WAKE_BITSET,
};
use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::uaccess::access_ok;

use super::{efault, with_user};
use crate::errno::{EAGAIN, EFAULT, EINTR, EINVAL, ENOSYS, ETIMEDOUT, Errno};
use crate::memory::KernelMemory;
use crate::proc::{self, Proc};
use crate::time;

/// Sleep channels of futexes: a key with this bit set (no other channel
/// has it).
const FUTEX_CHANNEL: usize = 1 << 62;
/// Marks a key in a shared-memory segment: its id from bit 32, the offset
/// below. A private key holds the page-table root's page number from bit
/// 31 and the address (user space is the low 2 GiB) below.
const SEGMENT_KEY: usize = 1 << 61;
/// The bitset of FUTEX_WAIT and FUTEX_WAKE: every waiter.
const ALL: u32 = u32::MAX;

/// When a wait ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timeout {
    /// A `struct timespec` at this address holds how long (0: no limit).
    After(u64),
    /// A `struct timespec` at this address holds the deadline on the
    /// clock (0: no limit). CLOCK_REALTIME and CLOCK_MONOTONIC both count
    /// from boot here, so the flag changes nothing.
    At(u64),
}

/// futex(uaddr, op, val, timeout or val2, uaddr2, val3).
pub fn futex(uaddr: u64, op: u64, val: u64, timeout: u64, uaddr2: u64, val3: u64) -> Result<u64, Errno> {
    if !uaddr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if op & FUTEX_CLOCK_REALTIME != 0 && cmd != FUTEX_WAIT_BITSET {
        return Err(ENOSYS);
    }
    let (val, bitset) = (val as u32, val3 as u32);
    let shared = op & FUTEX_PRIVATE_FLAG == 0;
    match cmd {
        FUTEX_WAIT => wait(uaddr, val, Timeout::After(timeout), ALL),
        FUTEX_WAKE => Ok(wake(uaddr, shared, val as i32, ALL)? as u64),
        FUTEX_WAIT_BITSET | FUTEX_WAKE_BITSET if bitset == 0 => Err(EINVAL),
        FUTEX_WAIT_BITSET => wait(uaddr, val, Timeout::At(timeout), bitset),
        FUTEX_WAKE_BITSET => Ok(wake(uaddr, shared, val as i32, bitset)? as u64),
        FUTEX_REQUEUE => requeue(uaddr, shared, (val as i32, timeout as i32), uaddr2, None),
        FUTEX_CMP_REQUEUE => requeue(uaddr, shared, (val as i32, timeout as i32), uaddr2, Some(val3 as u32)),
        _ => Err(ENOSYS),
    }
}

/// The key of a futex a wake or requeue names: a shared (not
/// FUTEX_PRIVATE_FLAG) one must be in a mapped page, as Linux finds its
/// key through the page (EFAULT); a private one only in user space.
fn wake_channel(uaddr: u64, shared: bool) -> Result<usize, Errno> {
    efault(access_ok(uaddr, 4))?;
    proc::with_process(|p| {
        let mapped = || {
            p.regions.iter().any(|r| r.contains(uaddr))
                || p.space.as_ref().is_some_and(|s| s.entry(&KernelMemory, uaddr).is_some())
        };
        // A word in a shared-memory attachment is mapped: no need to look.
        let key = key(p, uaddr);
        if shared && key & SEGMENT_KEY == 0 && !mapped() { Err(EFAULT) } else { Ok(key) }
    })
}

/// The futex's sleep channel (EFAULT if `uaddr` is not in user space). The
/// key needs no translation: a wait reads the word, which faults it in (or
/// fails with EFAULT), and a wake on a word never mapped wakes no one, as
/// Linux's private futexes.
fn channel(uaddr: u64) -> Result<usize, Errno> {
    efault(access_ok(uaddr, 4))?;
    Ok(proc::with_process(|p| key(p, uaddr)))
}

/// The sleep channel of the futex at `uaddr` of `p` (see the module's
/// comment).
fn key(p: &Proc, uaddr: u64) -> usize {
    let attachment = p.attachments.iter().find(|a| a.start <= uaddr && uaddr - a.start < a.pages * PAGE);
    match attachment {
        Some(a) => FUTEX_CHANNEL | SEGMENT_KEY | (a.id as usize) << 32 | (a.first * PAGE + uaddr - a.start) as usize,
        None => {
            let root = p.space.as_ref().map_or(0, |s| s.root() >> 12);
            FUTEX_CHANNEL | (root as usize) << 31 | uaddr as usize
        }
    }
}

/// Reads the futex word at `uaddr`.
fn word(uaddr: u64) -> Result<u32, Errno> {
    let mut word = [0u8; 4];
    efault(with_user(|u| u.copy_in(uaddr, &mut word)))?;
    Ok(u32::from_le_bytes(word))
}

/// FUTEX_WAIT and FUTEX_WAIT_BITSET: sleeps on the futex while its word
/// holds `expected`, until a wake that meets `bitset`, the timeout, or a
/// signal.
fn wait(uaddr: u64, expected: u32, timeout: Timeout, bitset: u32) -> Result<u64, Errno> {
    let chan = channel(uaddr)?;
    if word(uaddr)? != expected {
        return Err(EAGAIN);
    }
    let deadline = match timeout {
        Timeout::After(0) | Timeout::At(0) => None,
        Timeout::After(at) => Some(time::now().saturating_add(super::clock::read_timespec(at)?)),
        Timeout::At(at) => Some(super::clock::read_timespec(at)?),
    };
    proc::with_current(|p| {
        p.woken = false;
        p.futex_bitset = bitset;
    });
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

/// FUTEX_WAKE and FUTEX_WAKE_BITSET: wakes up to `count` sleepers whose
/// bitset meets `bitset`, the longest asleep first. As Linux's, a count
/// below 1 still wakes one (it counts after each wake).
fn wake(uaddr: u64, shared: bool, count: i32, bitset: u32) -> Result<usize, Errno> {
    let chan = wake_channel(uaddr, shared)?;
    let count = count.max(1) as usize;
    let woken = proc::wake_some(chan, count, bitset);
    if woken < count && crate::dsm::on() {
        wake_others(chan, count - woken, bitset);
    }
    Ok(woken)
}

/// On a cluster, wake-ups a wake on a distributed word left unused go to
/// the other nodes. Out of line: a lone machine never comes here, and
/// every futex call should not pay for it.
#[cold]
#[inline(never)]
fn wake_others(chan: usize, left: usize, bitset: u32) {
    if let Some((space, offset)) = distributed_word(chan) {
        crate::dsm::futex_wake_others(space, offset, left as u32, bitset);
    }
}

/// The cluster-wide space and offset of a futex in a distributed segment
/// (other nodes have sleepers on it too).
fn distributed_word(chan: usize) -> Option<(u32, u64)> {
    if chan & SEGMENT_KEY == 0 {
        return None;
    }
    let id = ((chan & !(FUTEX_CHANNEL | SEGMENT_KEY)) >> 32) as i32;
    let space = proc::with_vm(|k| k.shm.segment(id).ok().and_then(|s| s.space))?;
    Some((space, (chan & 0xffff_ffff) as u64))
}

/// Another node's `FUTEX_WAKE` on a word of distributed segment `space`:
/// wakes up to `count` sleepers here.
pub fn wake_distributed(space: u32, offset: u64, count: u32, bitset: u32) {
    let Some(id) = proc::with_vm(|k| k.shm.of_space(space)) else { return };
    let chan = FUTEX_CHANNEL | SEGMENT_KEY | (id as usize) << 32 | offset as usize;
    proc::wake_some(chan, count as usize, bitset);
}

/// Wakes one waiter on the futex at `uaddr` (a thread's exit, for
/// pthread_join).
pub fn wake_one(uaddr: u64) {
    if let Ok(chan) = channel(uaddr) {
        proc::wake_some(chan, 1, ALL);
    }
}

/// FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (with `expected`): wakes up to
/// `wake` sleepers of `uaddr` and moves up to `moved` others to sleep on
/// `uaddr2`; returns how many were woken and moved (Linux's kernel counts
/// both for either call, whatever futex(2) says of FUTEX_REQUEUE).
fn requeue(
    uaddr: u64,
    shared: bool,
    (wake, moved): (i32, i32),
    uaddr2: u64,
    expected: Option<u32>,
) -> Result<u64, Errno> {
    if wake < 0 || moved < 0 || !uaddr2.is_multiple_of(4) {
        return Err(EINVAL);
    }
    let (from, to) = (wake_channel(uaddr, shared)?, wake_channel(uaddr2, shared)?);
    if let Some(value) = expected
        && word(uaddr)? != value
    {
        return Err(EAGAIN);
    }
    let woken = proc::wake_some(from, wake as usize, ALL);
    let requeued = proc::requeue(from, to, moved as usize);
    Ok((woken + requeued) as u64)
}
