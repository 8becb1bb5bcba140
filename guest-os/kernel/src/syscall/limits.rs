//! prlimit64: each process's resource limits, as Linux keeps them (soft
//! and hard, inherited by fork, kept by exec). Processes run as root, so
//! a hard limit may be raised.

use super::{efault, with_user};
use crate::errno::{EINVAL, EPERM, Errno};
use crate::proc;

/// RLIMIT_* resources (RLIMIT_CPU .. RLIMIT_RTTIME).
pub const RESOURCES: usize = 16;
/// No limit.
const INFINITY: u64 = u64::MAX;

/// One resource's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    /// The soft limit, which the kernel applies.
    pub cur: u64,
    /// The ceiling of the soft limit.
    pub max: u64,
}

/// The limits a first process starts with: Linux's defaults.
pub const DEFAULTS: [Rlimit; RESOURCES] = {
    let none = Rlimit { cur: INFINITY, max: INFINITY };
    let mut limits = [none; RESOURCES];
    limits[3] = Rlimit { cur: 8 << 20, max: INFINITY }; // RLIMIT_STACK
    limits[4] = Rlimit { cur: 0, max: INFINITY }; // RLIMIT_CORE
    limits[6] = Rlimit { cur: crate::param::NPROC as u64, max: crate::param::NPROC as u64 }; // RLIMIT_NPROC
    limits[7] = Rlimit { cur: 1024, max: 4096 }; // RLIMIT_NOFILE
    limits[8] = Rlimit { cur: 8 << 20, max: 8 << 20 }; // RLIMIT_MEMLOCK
    limits[11] = Rlimit { cur: 1024, max: 1024 }; // RLIMIT_SIGPENDING
    limits[12] = Rlimit { cur: 819_200, max: 819_200 }; // RLIMIT_MSGQUEUE
    limits[13] = Rlimit { cur: 0, max: 0 }; // RLIMIT_NICE
    limits[14] = Rlimit { cur: 0, max: 0 }; // RLIMIT_RTPRIO
    limits
};

/// prlimit64(pid, resource, new, old): reads the caller's (pid 0 or its
/// own) limits of `resource` into `old`, then sets them from `new`, each
/// if not NULL. Another process's limits are refused (EPERM).
pub fn prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> Result<u64, Errno> {
    let resource = usize::try_from(resource).ok().filter(|&r| r < RESOURCES).ok_or(EINVAL)?;
    if pid != 0 && pid != proc::current_pid() as u64 {
        return Err(EPERM);
    }
    let wanted = match new {
        0 => None,
        _ => {
            let cur = efault(with_user(|u| u.read_u64(new)))?;
            let max = efault(with_user(|u| u.read_u64(new + 8)))?;
            (cur <= max).then_some(Rlimit { cur, max }).ok_or(EINVAL).map(Some)?
        }
    };
    let current = proc::with_process(|p| p.limits[resource]);
    if old != 0 {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&current.cur.to_le_bytes());
        bytes[8..].copy_from_slice(&current.max.to_le_bytes());
        efault(with_user(|u| u.copy_out(old, &bytes)))?;
    }
    if let Some(limit) = wanted {
        proc::with_process(|p| p.limits[resource] = limit);
    }
    Ok(0)
}
