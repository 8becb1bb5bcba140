//! ppoll: waits until one of a set of descriptors is ready (the console
//! has a line, a pipe has data or room), a timeout passes, or a signal
//! comes. glibc's `poll` and `pause` are this call.

use alloc::vec::Vec;

use rvsim_kernel_core::initrd_fs::{Device, Node};

use super::files::{self, File};
use super::{efault, with_user};
use crate::errno::{EINTR, EINVAL, Errno};
use crate::{console, param, proc, time};

const POLLIN: u16 = 0x1;
const POLLOUT: u16 = 0x4;
const POLLERR: u16 = 0x8;
const POLLHUP: u16 = 0x10;
const POLLNVAL: u16 = 0x20;
/// The most descriptors one call looks at (Linux's RLIMIT_NOFILE default).
const MAX_FDS: u64 = 1024;

/// What descriptor `fd` is ready for, of `events`.
fn ready(fd: i32, events: u16) -> u16 {
    if fd < 0 {
        return 0;
    }
    let Ok(open) = files::open_file(fd as u64) else { return POLLNVAL };
    let (readable, writable, hangup) = match &open.file {
        File::Pipe(end) => end.poll(),
        File::Node(Node::Device(Device::Console)) => (console::has_input(), true, false),
        _ => (true, true, false),
    };
    let mut revents = 0;
    if readable {
        revents |= POLLIN;
    }
    if writable {
        revents |= POLLOUT;
    }
    let broken = if events & POLLOUT != 0 { POLLERR } else { 0 };
    (revents & events) | if hangup { POLLHUP | broken } else { 0 }
}

/// Reads `nfds` `struct pollfd` (fd, events, revents) from `fds`.
fn read_fds(fds: u64, nfds: u64) -> Result<Vec<(i32, u16)>, Errno> {
    let mut bytes = alloc::vec![0u8; nfds as usize * 8];
    efault(with_user(|u| u.copy_in(fds, &mut bytes)))?;
    let entry = |c: &[u8]| (i32::from_le_bytes([c[0], c[1], c[2], c[3]]), u16::from_le_bytes([c[4], c[5]]));
    Ok(bytes.chunks_exact(8).map(entry).collect())
}

/// ppoll(fds, nfds, timeout, sigmask, sigsetsize): fills in each
/// `revents` and returns how many descriptors are ready; 0 at the timeout
/// (a null timeout waits for ever); EINTR when a signal comes first.
/// `sigmask`, if given, is the mask while it waits.
pub fn ppoll(fds: u64, nfds: u64, timeout: u64, sigmask: u64, size: u64) -> Result<u64, Errno> {
    if nfds > MAX_FDS {
        return Err(EINVAL);
    }
    let wanted = read_fds(fds, nfds)?;
    let deadline = match timeout {
        0 => None,
        at => Some(time::now().saturating_add(super::clock::read_timespec(at)?)),
    };
    if sigmask != 0 {
        if size != 8 {
            return Err(EINVAL);
        }
        let mask = efault(with_user(|u| u.read_u64(sigmask)))?;
        proc::with_current(|p| p.signals.suspend(mask));
    }
    let outcome = wait_ready(&wanted, deadline);
    if sigmask != 0 && outcome != Err(EINTR) {
        proc::with_current(|p| p.signals.end_suspend());
    }
    let revents = outcome?;
    let mut out = alloc::vec![0u8; wanted.len() * 8];
    for (i, ((fd, events), r)) in wanted.iter().zip(&revents).enumerate() {
        out[i * 8..i * 8 + 4].copy_from_slice(&fd.to_le_bytes());
        out[i * 8 + 4..i * 8 + 6].copy_from_slice(&events.to_le_bytes());
        out[i * 8 + 6..i * 8 + 8].copy_from_slice(&r.to_le_bytes());
    }
    efault(with_user(|u| u.copy_out(fds, &out)))?;
    Ok(revents.iter().filter(|&&r| r != 0).count() as u64)
}

/// Looks at the descriptors until one is ready or `deadline` passes, each
/// tick or when console input comes; returns their `revents`.
fn wait_ready(wanted: &[(i32, u16)], deadline: Option<u64>) -> Result<Vec<u16>, Errno> {
    loop {
        let revents: Vec<u16> = wanted.iter().map(|&(fd, events)| ready(fd, events)).collect();
        let now = time::now();
        if revents.iter().any(|&r| r != 0) || deadline.is_some_and(|d| now >= d) {
            return Ok(revents);
        }
        if proc::current_interrupted() {
            return Err(EINTR);
        }
        let next_tick = now + param::TICK_INTERVAL;
        proc::sleep_on(console::INPUT_CHANNEL, Some(deadline.map_or(next_tick, |d| d.min(next_tick))));
    }
}
