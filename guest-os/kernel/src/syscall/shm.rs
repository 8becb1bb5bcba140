//! System V shared memory: shmget, shmat, shmdt, shmctl, with Linux's
//! numbers, flags and errors. The segments live in `rvsim-kernel-core`'s
//! registry; this file places attachments in address spaces.

use rvsim_abi::ipc::{IPC_PRIVATE, IPC_RMID, IPC_STAT, SHM_RDONLY, SHM_RND};
use rvsim_kernel_core::region::{Backing, DemandRegion};
use rvsim_kernel_core::shm::{Caller, ShmError};
use rvsim_kernel_core::space::USER_END;
use rvsim_kernel_core::{PAGE, page_floor};

use super::{efault, with_user};
use crate::errno::{EACCES, EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC, Errno};
use crate::proc::{self, Attachment, Proc};
use crate::vmlog;
use crate::vmm::{self, Vmm};

/// Linux's `IPC_64` flag in `shmctl`'s command, which riscv64 libcs may
/// pass; the only layout is the 64-bit one.
const IPC_64: u64 = 0x100;

fn errno(e: ShmError) -> Errno {
    match e {
        ShmError::Invalid => EINVAL,
        ShmError::NoEntry => ENOENT,
        ShmError::Exists => EEXIST,
        ShmError::NoMemory => ENOMEM,
        ShmError::Access => EACCES,
        ShmError::NoSpace => ENOSPC,
    }
}

fn caller() -> Caller {
    Caller { pid: proc::current_pid(), now: crate::time::seconds() }
}

/// shmget(key, size, flags). On a cluster, a key names the same segment
/// on every node (`dsm.rs`).
pub fn shmget(key: u64, size: u64, flags: u64) -> Result<u64, Errno> {
    let caller = caller();
    if key as i32 != IPC_PRIVATE && crate::dsm::on() {
        return Ok(crate::dsm::shmget(key as i32, size, flags as u32, caller).map_err(errno)? as u64);
    }
    let id = vmm::with(|k| k.shm.get(key as i32, size, flags as u32, caller, &mut k.pager.commit));
    Ok(id.map_err(errno)? as u64)
}

/// Where an attachment of `pages` pages at `addr` (0: the kernel
/// chooses) goes in `p`.
fn place(p: &Proc, addr: u64, pages: u64, flags: u32) -> Result<u64, Errno> {
    if addr == 0 {
        return p.choose_free(pages * PAGE).ok_or(ENOMEM);
    }
    let addr = if flags & SHM_RND != 0 { page_floor(addr) } else { addr };
    if addr % PAGE != 0 {
        return Err(EINVAL);
    }
    let end = addr.checked_add(pages * PAGE).ok_or(EINVAL)?;
    if !p.is_free(addr, end.min(USER_END)) {
        return Err(EINVAL);
    }
    // Beyond the end of user space: as Linux's mmap, ENOMEM.
    if end > USER_END {
        return Err(ENOMEM);
    }
    Ok(addr)
}

/// shmat(id, addr, flags): attaches segment `id` at `addr` (0: the kernel
/// chooses); returns the address.
pub fn shmat(id: u64, addr: u64, flags: u64) -> Result<u64, Errno> {
    let caller = caller();
    proc::with_process(|p| vmm::with(|k| attach(p, k, id as i32, addr, flags as u32, caller)))
}

fn attach(p: &mut Proc, k: &mut Vmm, id: i32, addr: u64, flags: u32, caller: Caller) -> Result<u64, Errno> {
    let pages = k.shm.segment(id).map_err(errno)?.pages();
    let start = place(p, addr, pages, flags)?;
    let writable = flags & SHM_RDONLY == 0;
    let mut frames = k.shm.attach(id, !writable, caller).map_err(errno)?;
    if k.shm.is_distributed(id) {
        // The engine decides what may be mapped: every page faults first.
        frames.fill(None);
    }
    let space = p.space.as_mut().expect("user process");
    if space.map_shm(&mut k.vm(), start, &frames, writable).is_err() {
        k.shm.detach(id, caller, &mut k.frames, &mut k.pager);
        return Err(ENOMEM);
    }
    p.attachments.push(Attachment { start, pages, id, first: 0, mapped: false });
    // Pages not in memory come in through faults on this region.
    p.regions.push(DemandRegion::shm(start, pages, id, writable));
    vmlog::attach(p.pid, id, start, pages, writable);
    Ok(start)
}

/// shmdt(addr): detaches the attachment that starts at `addr`.
pub fn shmdt(addr: u64) -> Result<u64, Errno> {
    let caller = caller();
    proc::with_process(|p| {
        let at = p.attachments.iter().position(|a| a.start == addr && !a.mapped).ok_or(EINVAL)?;
        let a = p.attachments.remove(at);
        p.regions.retain(|r| !(matches!(r.backing, Backing::Shm { .. }) && r.start == a.start));
        let asid = p.asid();
        let space = p.space.as_mut().expect("user process");
        vmm::with(|k| {
            space.unmap_range(&mut k.vm(), a.start, a.pages);
            proc::flush_asid(asid);
            k.shm.detach(a.id, caller, &mut k.frames, &mut k.pager);
        });
        vmlog::detach(p.pid, a.id, a.start);
        Ok(0)
    })
}

/// shmctl(id, cmd, buf): IPC_STAT copies the segment's `shmid64_ds` to
/// `buf`; IPC_RMID marks it for destruction.
pub fn shmctl(id: u64, cmd: u64, buf: u64) -> Result<u64, Errno> {
    let id = id as i32;
    let caller = caller();
    match (cmd & !IPC_64) as u32 {
        IPC_STAT => {
            let ds = vmm::with(|k| k.shm.segment(id).map(|segment| segment.shmid64_ds())).map_err(errno)?;
            efault(with_user(|u| u.copy_out(buf, &ds)))?;
            Ok(0)
        }
        IPC_RMID => {
            let space = vmm::with(|k| k.shm.segment(id).map(|s| s.space)).map_err(errno)?;
            vmm::with(|k| k.shm.remove(id, caller, &mut k.frames, &mut k.pager)).map_err(errno)?;
            if let Some(space) = space {
                crate::dsm::remove(space);
            }
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}
