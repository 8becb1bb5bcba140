//! Threads: `clone` with CLONE_THREAD (glibc's `pthread_create`) makes a
//! `Proc` in its creator's thread group. The group's leader (the thread
//! whose id is the process id) holds what the threads share: the address
//! space and its regions, the files, the current directory, the limits,
//! the process group. So threads share one page table and one ASID. A
//! thread has its own registers, kernel stack, FP state, signal mask and
//! pending signals; signal actions are set in every thread of the group at
//! once (CLONE_SIGHAND).
//!
//! `exit` ends one thread; `exit_group` (and a fatal signal) ends them
//! all. A thread other than the leader leaves no zombie: the scheduler
//! frees it. The leader ends last, after waiting for the others, and then
//! exits as a process does.

use rvsim_kernel_core::signal::{SigAction, SignalError};

use super::{PROCS, State, Table, fp_switch, sched, signal, sleep, with_current};
use crate::errno::{EINVAL, Errno};
use crate::kprintln;
use crate::trap::reg;
use crate::vmm;

/// How a new thread starts.
#[derive(Debug, Clone, Copy)]
pub struct ThreadStart {
    /// Its stack pointer.
    pub stack: u64,
    /// Its thread pointer (CLONE_SETTLS), if set.
    pub tls: Option<u64>,
    /// Where it writes its thread id when it first runs
    /// (CLONE_CHILD_SETTID; 0: nowhere).
    pub set_tid: u64,
    /// Where its id is cleared, and a futex woken, when it exits
    /// (CLONE_CHILD_CLEARTID; 0: nowhere).
    pub clear_tid: u64,
}

/// Sleep channel of a leader waiting for its group's other threads.
fn group_channel(tgid: u32) -> usize {
    0x3_0000 + tgid as usize
}

/// Makes a thread in the running thread's group; returns its id. Under
/// `threads=spread` it may run on another node, this one holding its
/// proxy (see `spread.rs`).
pub fn spawn(start: ThreadStart) -> Result<u32, Errno> {
    let remote = crate::spread::place_next_thread();
    let tid = PROCS.with(|t| vmm::with(|vmm| spawn_in(t, vmm, start, remote)))?;
    if let Some(node) = remote {
        crate::spread::start_remote(tid, node);
    }
    Ok(tid)
}

fn spawn_in(
    t: &mut Table,
    vmm: &mut vmm::Vmm,
    start: ThreadStart,
    remote: Option<rvsim_kernel_core::dsm::NodeId>,
) -> Result<u32, Errno> {
    // The new thread starts with its creator's FP registers as they are.
    fp_switch::note_fp_changes(t);
    fp_switch::save_owner_fp(t);
    let me = t.current_slot();
    let (name, parent) = (t.proc(me).name.clone(), t.current_leader().parent);
    let slot = t.allocate(vmm, &name, parent)?;
    let (creator, thread) = t.pair(me, slot);
    thread.tgid = creator.tgid;
    thread.leader_slot = creator.leader_slot;
    thread.pgid = creator.pgid;
    thread.sid = creator.sid;
    thread.frame = creator.frame;
    thread.frame.kernel_sp = thread.kstack_top();
    thread.frame.regs[reg::A0] = 0;
    thread.frame.regs[reg::SP] = start.stack;
    if let Some(tls) = start.tls {
        thread.frame.regs[reg::TP] = tls;
    }
    thread.fp = creator.fp.clone();
    thread.signals = creator.signals.fork();
    thread.set_child_tid = start.set_tid;
    thread.clear_child_tid = start.clear_tid;
    if let Some(node) = remote {
        super::spread::make_proxy(thread, node);
    }
    thread.state = State::Runnable;
    Ok(thread.pid)
}

/// rt_sigaction's change, in every thread of the running thread's group;
/// returns the old action.
pub fn set_action(sig: u32, new: Option<SigAction>) -> Result<SigAction, SignalError> {
    PROCS.with(|t| {
        let (tgid, me) = (t.current_mut().tgid, t.current_mut().pid);
        let old = t.current_mut().signals.set_action(sig, new)?;
        if new.is_some() {
            for p in t.others_in_group(tgid, me) {
                let _ = p.signals.set_action(sig, new);
            }
        }
        Ok(old)
    })
}

/// Whether other threads of the running thread's group still run.
fn others_alive() -> bool {
    PROCS.with(|t| {
        let (tgid, me) = (t.current_mut().tgid, t.current_mut().pid);
        t.others_in_group(tgid, me).any(|p| p.state != State::Zombie)
    })
}

/// What an exiting thread needs to know of its group.
#[derive(Debug, Clone, Copy)]
pub struct GroupState {
    /// It leads the group.
    pub leader: bool,
    /// Other threads still run.
    pub others: bool,
    /// The status exit_group gave the group, if it did.
    pub group_exit: Option<i32>,
}

/// Ends every other thread of the running thread's group (exit_group, a
/// fatal signal, exec): each dies at its next return to user mode; with
/// `status`, that becomes the group's exit status, if none is set yet.
pub fn end_others(status: Option<i32>) -> GroupState {
    PROCS.with(|t| {
        let (tgid, me, leader) = (t.current_mut().tgid, t.current_mut().pid, t.current_mut().is_leader());
        let mut others = false;
        for p in t.others_in_group(tgid, me).filter(|p| p.state != State::Zombie) {
            others = true;
            if status.is_some() {
                p.killed.get_or_insert(signal::SIGKILL);
                if p.state == State::Sleeping {
                    p.state = State::Runnable;
                }
            }
        }
        let record = t.current_leader();
        if others && let Some(status) = status {
            record.group_exit.get_or_insert(status);
        }
        GroupState { leader, others, group_exit: record.group_exit }
    })
}

/// The leader waits until the group's other threads have ended.
pub fn wait_for_others() {
    let tgid = with_current(|p| p.tgid);
    while others_alive() {
        sleep(group_channel(tgid));
    }
}

/// exec in a thread group: the other threads end first. Only the leader
/// may exec while others run (EINVAL otherwise, named on the console):
/// Linux would make the caller the leader.
pub fn exec_alone() -> Result<(), Errno> {
    if !others_alive() {
        return Ok(());
    }
    if !with_current(|p| p.is_leader()) {
        kprintln!(
            "[kernel] pid {}: exec from a thread other than the first is not supported: EINVAL",
            super::current_pid()
        );
        return Err(EINVAL);
    }
    end_others(Some(0));
    wait_for_others();
    Ok(())
}

/// The thread's `CLONE_CHILD_CLEARTID` word: cleared, and one waiter on
/// it woken (pthread_join), as Linux does when a thread exits.
pub fn clear_child_tid() {
    let at = with_current(|p| core::mem::take(&mut p.clear_child_tid));
    if at != 0 && crate::syscall::with_user(|u| u.copy_out(at, &0u32.to_le_bytes())).is_ok() {
        crate::syscall::futex_wake_one(at);
    }
}

/// A thread other than the leader ends: it leaves no zombie for a parent
/// (the scheduler frees it), and its leader may be waiting for it.
pub fn exit_detached() -> ! {
    let context = PROCS.with(|t| {
        let pid = t.current_mut().pid;
        if t.fp_owner.pid == Some(pid) {
            t.fp_owner = crate::fpu::Owner::default();
            crate::fpu::disable();
        }
        let p = t.current_mut();
        let tgid = p.tgid;
        p.state = State::Zombie;
        p.detached = true;
        t.detached_ended = true;
        t.wakeup(group_channel(tgid));
        &raw mut t.current_mut().context
    });
    sched(context);
    unreachable!("an ended thread was scheduled");
}

/// Frees the threads that have ended (on the scheduler's stack, never
/// their own).
pub fn reap_detached(t: &mut Table) {
    t.detached_ended = false;
    vmm::with(|vmm| {
        for slot in 0..t.in_use {
            if t.slots[slot].as_ref().is_some_and(|p| p.detached && p.state == State::Zombie) {
                t.release(vmm, slot);
            }
        }
    });
}
