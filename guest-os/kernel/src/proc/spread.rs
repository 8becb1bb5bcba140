//! Threads of a process spread over the cluster (`threads=spread`), as
//! the process table holds them. At the process's home, a thread placed
//! on another node is a *proxy*: a thread of the process like any other
//! (its id, its thread-id words, its place in the group), which never
//! runs user code but runs the system calls the real thread forwards.
//! On the other node the real thread is a *shadow*: a thread of a local
//! process whose address space starts empty and fills with the home's
//! pages through the DSM engine, and whose system calls go home.
//! `spread.rs` carries the messages between the two.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use rvsim_kernel_core::dsm::NodeId;
use rvsim_kernel_core::region::{Backing, DemandRegion, SharedImage};
use rvsim_kernel_core::space::AddressSpace;
use rvsim_kernel_core::spread::SpreadSpace;
use rvsim_kernel_core::spread_message::{Area, Layout};

use super::{PROCS, Proc, State, Table, with_current};
use crate::errno::{ENOMEM, Errno};
use crate::trap::TrapFrame;
use crate::vmm::{self, Vmm};
use crate::{config, images};

/// What a thread is in a spread process.
// A `Proc` holds it boxed, so the variants' sizes cost nothing there.
#[allow(clippy::large_enum_variant)]
pub enum SpreadRole {
    /// At the home: the stand-in of a thread running on `node`, with the
    /// calls it forwarded, oldest first.
    Proxy {
        /// Where the thread runs.
        node: NodeId,
        /// Calls to run.
        calls: VecDeque<Call>,
        /// The thread was told signals wait for it, and has not asked yet.
        interrupting: bool,
    },
    /// On another node: a thread whose process's home is `home`, where
    /// its proxy is thread `tid`.
    Shadow {
        /// The process's node.
        home: NodeId,
        /// The thread's id there.
        tid: u32,
        /// The answer to its forwarded call, once it came: where it goes
        /// on, with which registers.
        answer: Option<(u64, [u64; 32])>,
    },
}

/// A forwarded call: what it asks, the thread's registers, and where it
/// resumes.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    /// What it asks.
    pub kind: rvsim_kernel_core::spread_message::CallKind,
    /// Where it resumes.
    pub pc: u64,
    /// Its registers.
    pub regs: [u64; 32],
}

/// Sleep channel of a proxy waiting for a call, or a shadow for its
/// answer (by thread id).
pub fn channel(pid: u32) -> usize {
    0x4_0000 + pid as usize
}

/// The DSM space of `p`'s address space, if it is spread.
fn space_of(p: &Proc) -> Option<u32> {
    p.space.as_ref()?.spread.as_ref().map(|s| s.space)
}

/// The running process's DSM space, if it is spread.
pub fn current_space() -> Option<u32> {
    super::with_process(|p| space_of(p))
}

/// The running process's DSM space, if it is spread from this node.
pub fn current_home_space() -> Option<u32> {
    super::with_process(|p| p.space.as_ref()?.spread.as_ref().filter(|s| s.is_home()).map(|s| s.space))
}

/// The pages of the running process this node has no copy of.
pub fn absent() -> Vec<u64> {
    super::with_process(|p| p.space.as_ref().and_then(|s| s.spread.as_ref()).map(|s| s.absent()).unwrap_or_default())
}

/// The pages of `[start, end)` of the running process that this node
/// may not write, by address.
pub fn not_writable_in(start: u64, end: u64) -> Vec<u64> {
    super::with_process(|p| {
        let spread = p.space.as_ref().and_then(|s| s.spread.as_ref());
        spread.map(|s| s.not_writable_in(start, end).collect()).unwrap_or_default()
    })
}

/// The running thread's home and proxy, if it is a shadow.
pub fn current_shadow() -> Option<(NodeId, u32)> {
    with_current(|p| match p.spread.as_deref() {
        Some(&SpreadRole::Shadow { home, tid, .. }) => Some((home, tid)),
        _ => None,
    })
}

/// Makes the running process's address space the home of DSM space
/// `space` (its pages stay in memory from now on).
pub fn make_home(space: u32) {
    super::with_current_vm(|p, vmm| {
        if let Some(s) = p.space.as_mut().filter(|s| s.spread.is_none()) {
            s.spread = Some(SpreadSpace::home(space));
            vmm.pager.spread_roots.push(s.root());
        }
    });
}

/// The running process's next spread thread's number (from 1).
pub fn next_placement() -> u32 {
    PROCS.with(|t| {
        let leader = t.current_leader();
        leader.spread_placed += 1;
        leader.spread_placed
    })
}

/// The running proxy's `CLONE_CHILD_SETTID` word, taken, and its id.
pub fn take_set_tid() -> (u64, u32) {
    with_current(|p| (core::mem::take(&mut p.set_child_tid), p.pid))
}

/// Makes new thread `thread` the proxy of a thread on `node`.
pub fn make_proxy(thread: &mut Proc, node: NodeId) {
    thread.spread = Some(Box::new(SpreadRole::Proxy { node, calls: VecDeque::new(), interrupting: false }));
    thread.context.ra = crate::spread::proxy_entry as *const () as u64;
}

/// How thread `tid` of the running process starts: where, its registers,
/// the program's name.
pub fn start_of(tid: u32) -> Option<(u64, [u64; 32], String)> {
    PROCS.with(|t| t.procs().find(|p| p.pid == tid).map(|p| (p.frame.epc, p.frame.regs, p.name.clone())))
}

/// The layout of the running process's address space.
pub fn current_layout() -> Layout {
    super::with_process(layout_of)
}

/// The layout of `p`'s address space.
fn layout_of(p: &mut Proc) -> Layout {
    let mut layout = Layout::default();
    for r in &p.regions {
        match r.backing {
            Backing::Image(image) => layout.images.push((String::from(image.name), r.start)),
            Backing::Zero | Backing::File { .. } => {
                layout.areas.push(Area { start: r.start, end: r.end, flags: r.flags })
            }
            Backing::Shm { .. } => {}
        }
    }
    if let Some(space) = &p.space {
        layout.protections = space.protected_ranges().to_vec();
    }
    layout
}

/// The nodes the running process's threads run on, other than this one.
pub fn current_nodes() -> Vec<NodeId> {
    PROCS.with(|t| {
        let tgid = t.current_mut().tgid;
        let mut nodes: Vec<NodeId> = t
            .procs()
            .filter(|p| p.tgid == tgid && p.state != State::Zombie)
            .filter_map(|p| match p.spread.as_deref() {
                Some(&SpreadRole::Proxy { node, .. }) => Some(node),
                _ => None,
            })
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    })
}

/// Queues `call` for proxy `tid`; false if there is no such proxy.
pub fn queue_call(tid: u32, call: Call) -> bool {
    PROCS.with(|t| {
        let Some(p) = t.procs().find(|p| p.pid == tid) else { return false };
        let Some(SpreadRole::Proxy { calls, interrupting, .. }) = p.spread.as_deref_mut() else { return false };
        calls.push_back(call);
        *interrupting = false;
        t.wakeup(channel(tid));
        true
    })
}

/// The running proxy's next call, if one is queued.
pub fn next_call() -> Option<Call> {
    with_current(|p| match p.spread.as_deref_mut() {
        Some(SpreadRole::Proxy { calls, .. }) => calls.pop_front(),
        _ => None,
    })
}

/// The running proxy's node.
pub fn proxy_node() -> Option<NodeId> {
    with_current(|p| match p.spread.as_deref() {
        Some(&SpreadRole::Proxy { node, .. }) => Some(node),
        _ => None,
    })
}

/// The shadow of proxy `tid` at `home`, to change.
fn shadow(t: &mut Table, home: NodeId, tid: u32) -> Option<&mut Proc> {
    t.procs().find(
        |p| matches!(p.spread.as_deref(), Some(&SpreadRole::Shadow { home: h, tid: i, .. }) if h == home && i == tid),
    )
}

/// The answer to the call of the shadow of `home`'s thread `tid`: where
/// it goes on, with which registers.
pub fn answer(home: NodeId, tid: u32, pc: u64, regs: [u64; 32]) {
    PROCS.with(|t| {
        let Some(p) = shadow(t, home, tid) else { return };
        if let Some(SpreadRole::Shadow { answer, .. }) = p.spread.as_deref_mut() {
            *answer = Some((pc, regs));
        }
        let pid = p.pid;
        t.wakeup(channel(pid));
    });
}

/// The running shadow's answer, once it came.
pub fn take_answer() -> Option<(u64, [u64; 32])> {
    with_current(|p| match p.spread.as_deref_mut() {
        Some(SpreadRole::Shadow { answer, .. }) => answer.take(),
        _ => None,
    })
}

/// Signals wait at `home` for its thread `tid`: its shadow asks for them
/// on its way back to user mode (woken, if it sleeps here).
pub fn interrupt_shadow(home: NodeId, tid: u32) {
    PROCS.with(|t| {
        if let Some(p) = shadow(t, home, tid) {
            p.spread_interrupted = true;
        }
    });
}

/// Whether the running shadow was interrupted (the mark is taken).
pub fn take_interrupt() -> bool {
    with_current(|p| core::mem::take(&mut p.spread_interrupted))
}

/// Whether the running proxy has signals to deliver that its thread has
/// not been told of (it is marked told).
pub fn proxy_must_interrupt() -> bool {
    with_current(|p| {
        let deliverable = p.signals.deliverable();
        match p.spread.as_deref_mut() {
            Some(SpreadRole::Proxy { interrupting, .. }) if deliverable && !*interrupting => {
                *interrupting = true;
                true
            }
            _ => false,
        }
    })
}

/// The thread of `home`'s thread `tid` ends (its process is ending).
pub fn kill_shadow(home: NodeId, tid: u32) {
    PROCS.with(|t| {
        if let Some(p) = shadow(t, home, tid) {
            p.killed.get_or_insert(super::signal::SIGKILL);
            if p.state == State::Sleeping {
                p.state = State::Runnable;
            }
        }
    });
}

/// A thread to start here for another node's process.
pub struct ShadowStart {
    /// The process's DSM space.
    pub space: u32,
    /// Its home.
    pub home: NodeId,
    /// The thread's id there.
    pub tid: u32,
    /// The program's name.
    pub name: String,
    /// Where it starts.
    pub pc: u64,
    /// Its registers.
    pub regs: [u64; 32],
    /// The address space's layout.
    pub layout: Layout,
}

/// Starts a shadow thread: in the local process of its space if there
/// is one, else in a new one with an empty address space.
pub fn make_shadow(start: ShadowStart) -> Result<(), Errno> {
    PROCS.with(|t| vmm::with(|vmm| make_shadow_in(t, vmm, start)))
}

fn make_shadow_in(t: &mut Table, vmm: &mut Vmm, start: ShadowStart) -> Result<(), Errno> {
    let leader = t.procs().find(|p| p.is_leader() && space_of(p) == Some(start.space)).map(|p| p.slot);
    let slot = t.allocate(vmm, &start.name, 0)?;
    let retired = t.retired.iter().position(|r| r.space.spread.as_ref().is_some_and(|s| s.space == start.space));
    match (leader, retired) {
        (Some(leader), _) => {
            let (leader, thread) = t.pair(leader, slot);
            thread.tgid = leader.tgid;
            thread.leader_slot = leader.slot;
        }
        (None, Some(at)) => {
            // The pages earlier threads left here come back into use.
            let Retired { space, regions } = t.retired.swap_remove(at);
            let p = t.proc(slot);
            p.space = Some(space);
            p.regions = regions;
            apply_layout(p, &start.layout);
        }
        (None, None) => {
            let Ok(mut space) = AddressSpace::new(&mut vmm.frames, &mut vmm.mem, config().kernel_root) else {
                t.release(vmm, slot);
                return Err(ENOMEM);
            };
            space.spread = Some(SpreadSpace::remote(start.space));
            vmm.pager.spread_roots.push(space.root());
            let p = t.proc(slot);
            p.space = Some(space);
            p.regions = image_regions(vmm, &start.layout);
            apply_layout(p, &start.layout);
        }
    }
    let p = t.proc(slot);
    p.frame = TrapFrame { regs: start.regs, epc: start.pc, kernel_sp: p.kstack_top() };
    p.spread = Some(Box::new(SpreadRole::Shadow { home: start.home, tid: start.tid, answer: None }));
    p.state = State::Runnable;
    Ok(())
}

/// The address space of another node's spread process whose threads
/// here have all ended, kept for the pages it holds.
pub struct Retired {
    /// The address space.
    pub space: AddressSpace,
    /// Its regions (their images keep their placements).
    pub regions: Vec<DemandRegion<'static>>,
}

/// The running thread, a shadow process's last, is ending: its address
/// space is kept (the DSM engine may still be asked for its pages).
pub(super) fn retire_current(t: &mut Table) {
    let p = t.current_mut();
    if !matches!(p.spread.as_deref(), Some(SpreadRole::Shadow { .. })) {
        return;
    }
    if let Some(space) = p.space.take() {
        let regions = core::mem::take(&mut p.regions);
        t.retired.push(Retired { space, regions });
    }
}

/// The process of DSM space `space` ended at its home: the address space
/// its threads left here goes.
pub fn forget(space: u32) {
    PROCS.with(|t| {
        vmm::with(|vmm| {
            let at = t.retired.iter().position(|r| r.space.spread.as_ref().is_some_and(|s| s.space == space));
            if let Some(Retired { space, regions }) = at.map(|at| t.retired.swap_remove(at)) {
                space.destroy(&mut vmm.vm());
                crate::placement::give_back(vmm, &regions);
            }
        })
    });
}

/// A spread address space here (a live process's, or a retired one),
/// with its regions and, if live, its ASID: for the DSM engine.
pub(super) fn spread_space(
    t: &mut Table,
    space: u32,
) -> Option<(&mut AddressSpace, &[DemandRegion<'static>], Option<u16>)> {
    let is = |s: &AddressSpace| s.spread.as_ref().is_some_and(|x| x.space == space);
    let live = t.procs().find(|p| p.is_leader() && p.space.as_ref().is_some_and(is)).map(|p| p.slot);
    match live {
        Some(slot) => {
            let p = t.proc(slot);
            let asid = p.asid();
            Some((p.space.as_mut()?, &p.regions, Some(asid)))
        }
        None => {
            let r = t.retired.iter_mut().find(|r| is(&r.space))?;
            Some((&mut r.space, &r.regions, None))
        }
    }
}

/// The regions of the images `layout` names, each holding its image's
/// placement (an image placed elsewhere here is left out: its pages then
/// fault as unmapped).
fn image_regions(vmm: &mut Vmm, layout: &Layout) -> Vec<DemandRegion<'static>> {
    let sigreturn = images::sigreturn();
    let find = |name: &str| if name == sigreturn.name { Some(sigreturn) } else { images::find(name).ok() };
    let mut regions = Vec::new();
    for (name, base) in &layout.images {
        let image: Option<&'static SharedImage<'static>> = find(name);
        if let Some(image) = image.filter(|image| vmm.shared.place(image.id, *base).is_ok()) {
            regions.push(DemandRegion::image_at(image, *base));
        }
    }
    regions
}

/// Takes `layout`'s areas and protections as `p`'s (its images stay).
fn apply_layout(p: &mut Proc, layout: &Layout) {
    p.regions.retain(|r| matches!(r.backing, Backing::Image(_)));
    p.regions.extend(layout.areas.iter().map(|a| DemandRegion::zero(a.start, a.end, a.flags)));
    if let Some(space) = p.space.as_mut() {
        space.set_protected_ranges(layout.protections.clone());
    }
}

/// The home of DSM space `space` says its layout changed: this is it,
/// or (`more`) its next part.
pub fn new_layout(space: u32, more: bool, layout: &Layout) {
    PROCS.with(|t| {
        let Some(p) = t.procs().find(|p| p.is_leader() && space_of(p) == Some(space)) else { return };
        if more {
            add_to_layout(p, layout);
        } else {
            apply_layout(p, layout);
        }
    });
}

/// Adds a later part of a layout to `p`'s areas and protections.
fn add_to_layout(p: &mut Proc, part: &Layout) {
    p.regions.extend(part.areas.iter().map(|a| DemandRegion::zero(a.start, a.end, a.flags)));
    if let Some(space) = p.space.as_mut() {
        let mut ranges = space.protected_ranges().to_vec();
        ranges.extend_from_slice(&part.protections);
        space.set_protected_ranges(ranges);
    }
}
