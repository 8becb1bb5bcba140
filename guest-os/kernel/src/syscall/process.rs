//! Process calls: exit, fork (clone), execve, wait4, kill, brk, yielding
//! and sleeping.

use alloc::vec::Vec;

use rvsim_kernel_core::exec::{STACK_SIZE, STACK_TOP};
use rvsim_kernel_core::initrd_fs::{self, Node, ProcFile};
use rvsim_kernel_core::{PAGE, page_ceil};

use super::{efault, with_user};
use crate::errno::{E2BIG, EINTR, EINVAL, ENAMETOOLONG, Errno};
use crate::proc::{self, Proc};
use crate::vmm::Vmm;
use crate::{exec, time};

const WNOHANG: u64 = 1;
/// WUNTRACED, WCONTINUED, __WNOTHREAD, __WALL, __WCLONE: stopped and
/// continued children, and threads, are not modelled, so these change
/// nothing.
const WAIT_ACCEPTED: u64 = 2 | 8 | 0x2000_0000 | 0x4000_0000 | 0x8000_0000;
const MAX_PATH: usize = 255;
const MAX_ARGS: usize = 64;
const MAX_ARG: usize = 4096;

/// exit(status).
pub fn exit(status: u64) -> Result<u64, Errno> {
    proc::exit(((status & 0xff) << 8) as i32)
}

/// exit(status): ends the calling thread (the process, with its last).
pub fn exit_thread(status: u64) -> Result<u64, Errno> {
    proc::exit_thread(((status & 0xff) << 8) as i32)
}

/// clone's flags that a fork may carry: the child's and the parent's
/// copies of the child's thread id (`CLONE_PARENT_SETTID`,
/// `CLONE_CHILD_CLEARTID`, `CLONE_CHILD_SETTID`), as glibc's fork uses.
const FORK_TID_FLAGS: u64 = 0x0010_0000 | 0x0020_0000 | 0x0100_0000;

/// CLONE_VM: the child shares the parent's memory.
const CLONE_VM: u64 = 0x100;
/// CLONE_VFORK: the parent waits until the child execs or exits.
const CLONE_VFORK: u64 = 0x4000;
/// CLONE_THREAD: the child is a thread of the caller's process.
const CLONE_THREAD: u64 = 0x1_0000;
/// CLONE_SETTLS: the child's thread pointer is `tls`.
const CLONE_SETTLS: u64 = 0x8_0000;
/// What a thread must share (CLONE_VM, CLONE_FS, CLONE_FILES,
/// CLONE_SIGHAND, CLONE_THREAD), and may ask besides (CLONE_SYSVSEM,
/// CLONE_SETTLS, the thread-id flags, the old CLONE_DETACHED), as glibc's
/// pthread_create does.
const THREAD_SHARES: u64 = CLONE_VM | 0x200 | 0x400 | 0x800 | CLONE_THREAD;
const THREAD_MAY: u64 = 0x4_0000 | CLONE_SETTLS | FORK_TID_FLAGS | 0x40_0000;

/// clone(flags, stack, parent_tid, tls, child_tid): a fork (exit signal
/// SIGCHLD), with the thread-id flags glibc's fork uses; or a vfork
/// (CLONE_VM|CLONE_VFORK, glibc's vfork and posix_spawn), perhaps on a
/// stack of its own. A vfork child is a copy-on-write fork here, not a
/// sharer of its parent's memory; its parent waits, as vfork says, so a
/// child that only execs or exits, as vfork allows, cannot tell. Other
/// flags (threads) are EINVAL, named on the console.
pub fn clone(flags: u64, stack: u64, parent_tid: u64, tls: u64, child_tid: u64) -> Result<u64, Errno> {
    if flags & CLONE_THREAD != 0 {
        return clone_thread(flags, stack, parent_tid, tls, child_tid);
    }
    let signal = flags & 0xff;
    let vfork = flags & (CLONE_VM | CLONE_VFORK) == CLONE_VM | CLONE_VFORK;
    let allowed = FORK_TID_FLAGS | if vfork { CLONE_VM | CLONE_VFORK } else { 0 };
    let bad =
        signal != u64::from(rvsim_abi::signal::SIGCHLD) || flags & !0xff & !allowed != 0 || (stack != 0 && !vfork);
    if bad {
        let pid = proc::current_pid();
        crate::kprintln!("[kernel] pid {pid}: clone flags {flags:#x} are not supported (threads are not yet): EINVAL");
        return Err(EINVAL);
    }
    let on = |flag: u64, at: u64| if flags & flag != 0 { at } else { 0 };
    let tid = proc::ChildTid { set: on(0x0100_0000, child_tid), clear: on(0x0020_0000, child_tid) };
    let pid = proc::fork(proc::ForkStart { tid, stack: (stack != 0).then_some(stack), vfork })?;
    if flags & 0x0010_0000 != 0 {
        // As Linux, a bad pointer goes unreported.
        let _ = with_user(|u| u.copy_out(parent_tid, &pid.to_le_bytes()));
    }
    if vfork {
        proc::wait_for_vfork_child(pid);
    }
    Ok(u64::from(pid))
}

/// clone with CLONE_THREAD: a thread of the caller's process on `stack`,
/// with the thread pointer `tls` (CLONE_SETTLS) and the thread-id flags.
fn clone_thread(flags: u64, stack: u64, parent_tid: u64, tls: u64, child_tid: u64) -> Result<u64, Errno> {
    let bad = flags & THREAD_SHARES != THREAD_SHARES || flags & !(THREAD_SHARES | THREAD_MAY) != 0 || stack == 0;
    if bad {
        let pid = proc::current_pid();
        crate::kprintln!("[kernel] pid {pid}: clone flags {flags:#x} for a thread are not supported: EINVAL");
        return Err(EINVAL);
    }
    let on = |flag: u64, at: u64| if flags & flag != 0 { at } else { 0 };
    let start = proc::ThreadStart {
        stack,
        tls: (flags & CLONE_SETTLS != 0).then_some(tls),
        set_tid: on(0x0100_0000, child_tid),
        clear_tid: on(0x0020_0000, child_tid),
    };
    let tid = proc::spawn_thread(start)?;
    if flags & 0x0010_0000 != 0 {
        let _ = with_user(|u| u.copy_out(parent_tid, &tid.to_le_bytes()));
    }
    Ok(u64::from(tid))
}

/// Reads a NULL-terminated array of string pointers.
fn read_strings(array: u64) -> Result<Vec<Vec<u8>>, Errno> {
    let mut strings = Vec::new();
    if array == 0 {
        return Ok(strings);
    }
    loop {
        let at = array.checked_add(8 * strings.len() as u64).ok_or(crate::errno::EFAULT)?;
        let pointer = efault(with_user(|u| u.read_u64(at)))?;
        if pointer == 0 {
            return Ok(strings);
        }
        if strings.len() == MAX_ARGS {
            return Err(E2BIG);
        }
        strings.push(efault(with_user(|u| u.read_cstr(pointer, MAX_ARG)))?);
    }
}

/// execve(path, argv, envp).
pub fn execve(path: u64, argv: u64, envp: u64) -> Result<u64, Errno> {
    let path = with_user(|u| u.read_cstr(path, MAX_PATH + 1)).map_err(|_| crate::errno::EFAULT)?;
    if path.len() > MAX_PATH {
        return Err(ENAMETOOLONG);
    }
    let name = core::str::from_utf8(&path).map_err(|_| crate::errno::ENOENT)?;
    // `/proc/self/exe` (busybox runs its applets so) is the caller's program.
    // (Only a path ending in `exe` can name it: others skip the lookup.)
    let own = path.ends_with(b"exe")
        && initrd_fs::resolve(crate::config().initrd, Node::Root, &path) == Ok(Node::Proc(ProcFile::Exe));
    let own_path = own.then(super::files::exe_path);
    let name = own_path.as_deref().unwrap_or(name);
    let args = read_strings(argv)?;
    let env = read_strings(envp)?;
    let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    let env: Vec<&[u8]> = env.iter().map(Vec::as_slice).collect();
    proc::exec_alone()?;
    let prepared = exec::prepare(name, &args, &env)?;
    proc::with_current_vm(|p, k| exec::commit(p, k, prepared));
    proc::end_vfork();
    proc::activate_current();
    Ok(0)
}

/// wait4(pid, status, options, rusage): `pid` -1 is any child, 0 any in
/// the caller's process group, below -1 any in group -pid.
pub fn wait4(pid: u64, status: u64, options: u64, rusage: u64) -> Result<u64, Errno> {
    let pid = pid as i64;
    if pid == i64::from(i32::MIN) || options & !(WNOHANG | WAIT_ACCEPTED) != 0 {
        return Err(EINVAL);
    }
    if rusage != 0 {
        efault(with_user(|u| u.copy_out(rusage, &[0; 144])))?;
    }
    let deliver = |value: i32| {
        if status != 0 {
            efault(with_user(|u| u.copy_out(status, &value.to_le_bytes())))?;
        }
        Ok(())
    };
    Ok(proc::wait(pid, options & WNOHANG != 0, deliver)?.map_or(0, u64::from))
}

/// setpgid(pid, pgid).
pub fn setpgid(pid: u64, pgid: u64) -> Result<u64, Errno> {
    if (pgid as i64) < 0 || (pid as i64) < 0 {
        return Err(EINVAL);
    }
    proc::set_pgid(pid as u32, pgid as u32).map(|_| 0)
}

/// getpgid(pid): the process group of `pid` (0: the caller).
pub fn getpgid(pid: u64) -> Result<u64, Errno> {
    Ok(u64::from(proc::group_of(pid as u32)?.0))
}

/// getsid(pid): the session of `pid` (0: the caller).
pub fn getsid(pid: u64) -> Result<u64, Errno> {
    Ok(u64::from(proc::group_of(pid as u32)?.1))
}

/// setsid(): a new session led by the caller.
pub fn setsid() -> Result<u64, Errno> {
    proc::new_session().map(u64::from)
}

/// umask(mask): the new mask for files the process creates; the old one.
pub fn umask(mask: u64) -> Result<u64, Errno> {
    Ok(proc::with_process(|p| core::mem::replace(&mut p.umask, mask as u32 & 0o777)) as u64)
}

/// sched_getaffinity(pid, size, mask): the one hart, CPU 0, as an 8-byte
/// mask (EINVAL unless `size` is a positive multiple of 8); returns 8.
pub fn sched_getaffinity(pid: u64, size: u64, mask: u64) -> Result<u64, Errno> {
    if size == 0 || !size.is_multiple_of(8) {
        return Err(EINVAL);
    }
    if pid != 0 {
        proc::send(pid as u32, 0, Default::default())?;
    }
    efault(with_user(|u| u.copy_out(mask, &1u64.to_le_bytes())))?;
    Ok(8)
}

/// sched_yield().
pub fn sched_yield() -> Result<u64, Errno> {
    proc::yield_now();
    Ok(0)
}

/// nanosleep(req, rem).
pub fn nanosleep(req: u64, rem: u64) -> Result<u64, Errno> {
    let length = super::clock::read_timespec(req)?;
    if rem != 0 {
        efault(with_user(|u| u.copy_out(rem, &[0; 16])))?;
    }
    proc::sleep_until(time::now().saturating_add(length));
    if proc::current_interrupted() { Err(EINTR) } else { Ok(0) }
}

/// brk(addr): moves the program break to `addr` and returns the new
/// break. The heap's pages are committed here, all of them (ENOMEM is
/// possible only here), and appear zero-filled on first touch; shrinking
/// unmaps and gives back the pages past the new break. Linux semantics: on
/// failure (no room in the commit account, into the stack, a bound code
/// object or a shared-memory attachment), and for `brk(0)`, the current
/// break is returned.
pub fn brk(addr: u64) -> Result<u64, Errno> {
    proc::with_current_vm(|p, vmm| brk_in(p, vmm, addr))
}

fn brk_in(p: &mut Proc, k: &mut Vmm, addr: u64) -> Result<u64, Errno> {
    let old = p.brk;
    if addr < p.brk_start || addr > STACK_TOP - STACK_SIZE - PAGE {
        return Ok(old);
    }
    let (from, to) = (page_ceil(old), page_ceil(addr));
    let collides = p.regions.iter().enumerate().any(|(i, r)| i != exec::HEAP_REGION && r.overlaps(from, to));
    if to > from && collides {
        return Ok(old);
    }
    let asid = p.asid();
    let space = p.space.as_mut().expect("user process");
    if to > from {
        if k.pager.commit.charge((to - from) / PAGE).is_err() {
            return Ok(old);
        }
    } else if to < from {
        space.unmap_range(&mut k.vm(), to, (from - to) / PAGE);
        k.pager.commit.uncharge((from - to) / PAGE);
        proc::flush_asid(asid);
    }
    space.set_heap(page_ceil(p.brk_start), to);
    p.regions[exec::HEAP_REGION].end = to;
    p.brk = addr;
    Ok(addr)
}
