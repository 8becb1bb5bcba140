//! What the caller runs on and who it is to the kernel: uname, and the
//! addresses glibc registers for its thread at startup (set_tid_address,
//! set_robust_list).

use super::{efault, with_user};
use crate::errno::{EINVAL, Errno};
use crate::proc;

/// Bytes of each `struct utsname` field.
const FIELD: usize = 65;

/// uname(buf): Linux's `struct utsname`, six NUL-padded fields.
pub fn uname(buf: u64) -> Result<u64, Errno> {
    let fields = ["Linux", "rvsim", "6.12.0-rvsim", "#1 rvsim teaching kernel", "riscv64", "(none)"];
    let mut utsname = [0u8; 6 * FIELD];
    for (i, field) in fields.iter().enumerate() {
        utsname[i * FIELD..i * FIELD + field.len()].copy_from_slice(field.as_bytes());
    }
    efault(with_user(|u| u.copy_out(buf, &utsname)))?;
    Ok(0)
}

/// set_tid_address(tidptr): where the thread's id is cleared (and a futex
/// waiter woken) when it exits; returns its id. A process is one thread,
/// whose id is its pid.
pub fn set_tid_address(tidptr: u64) -> Result<u64, Errno> {
    Ok(proc::with_current(|p| {
        p.clear_child_tid = tidptr;
        p.pid
    }) as u64)
}

/// Size of glibc's `struct robust_list_head`.
const ROBUST_LIST_HEAD: u64 = 24;

/// set_robust_list(head, len): the thread's list of robust futexes, which
/// the kernel walks when it dies holding them.
pub fn set_robust_list(head: u64, len: u64) -> Result<u64, Errno> {
    if len != ROBUST_LIST_HEAD {
        return Err(EINVAL);
    }
    proc::with_current(|p| p.robust_list = head);
    Ok(0)
}

/// Size of `struct sysinfo` on a 64-bit Linux.
const SYSINFO_SIZE: usize = 112;

/// sysinfo(info): the time since boot, memory and swap from the frame
/// table and the swap space (in pages: `mem_unit` is the page size), and
/// the number of processes. There is no load average (zeros).
pub fn sysinfo(info: u64) -> Result<u64, Errno> {
    let (total, free, swap_total, swap_free) = crate::vmm::with(|k| {
        let frames = k.frames.counts();
        let swap = k.pager.swap.counts();
        (frames.total as u64, frames.free as u64, swap.total as u64, (swap.total - swap.used) as u64)
    });
    let procs = proc::count() as u16;
    let mut bytes = [0u8; SYSINFO_SIZE];
    bytes[0..8].copy_from_slice(&crate::time::seconds().to_le_bytes()); // uptime
    bytes[32..40].copy_from_slice(&total.to_le_bytes()); // totalram
    bytes[40..48].copy_from_slice(&free.to_le_bytes()); // freeram
    bytes[64..72].copy_from_slice(&swap_total.to_le_bytes()); // totalswap
    bytes[72..80].copy_from_slice(&swap_free.to_le_bytes()); // freeswap
    bytes[80..82].copy_from_slice(&procs.to_le_bytes()); // procs
    bytes[104..108].copy_from_slice(&(rvsim_kernel_core::PAGE as u32).to_le_bytes()); // mem_unit
    efault(with_user(|u| u.copy_out(info, &bytes)))?;
    Ok(0)
}
