//! frame_pool(addr, len, frames, policy): fixed allocation with local
//! replacement for a range of the caller's pages (guest-os/core's
//! `pool.rs`): at most `frames` of them in memory, and a fault there that
//! finds them all taken evicts one of them, chosen by `policy`. With
//! `frames` 0 the pool of exactly that range goes, and its pages join the
//! global replacement again.

use rvsim_abi::pool as code;
use rvsim_kernel_core::pool::PoolError;
use rvsim_kernel_core::replace::Policy;
use rvsim_kernel_core::space::USER_END;

use crate::errno::{EEXIST, EINVAL, Errno};
use crate::proc;

/// The policy a pool asked for: LRU's aging needs the tick's samples,
/// which pools do not take, so it is refused.
fn policy(code: u64) -> Option<Policy> {
    match code {
        code::CLOCK => Some(Policy::Clock),
        code::FIFO => Some(Policy::Fifo),
        code::RANDOM => Some(Policy::Random),
        _ => None,
    }
}

pub fn frame_pool(addr: u64, len: u64, frames: u64, policy_code: u64) -> Result<u64, Errno> {
    let end = addr.checked_add(len).filter(|&end| end <= USER_END).ok_or(EINVAL)?;
    let policy = policy(policy_code).ok_or(EINVAL)?;
    if frames != 0 {
        proc::start_tracking(proc::TrackingCause::Pool);
    }
    proc::with_current_vm(|p, k| {
        let root = p.space.as_ref().expect("user process").root();
        if frames == 0 {
            let frames = k.pager.pools.remove(root, addr, end).ok_or(EINVAL)?;
            frames.into_iter().for_each(|frame| k.pager.resident(frame, false));
            return Ok(0);
        }
        let frames = usize::try_from(frames).ok().filter(|&n| n <= k.pager.budget()).ok_or(EINVAL)?;
        match k.pager.pools.create(root, addr, end, frames, policy) {
            Ok(()) => Ok(0),
            Err(PoolError::Invalid) => Err(EINVAL),
            Err(PoolError::Overlaps) => Err(EEXIST),
        }
    })
}
