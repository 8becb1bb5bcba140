//! Distributed shared memory, the kernel's half. Core's engine
//! (`rvsim_kernel_core::dsm`, IVY's protocol) decides who may read and
//! write each page of a cluster-wide segment; this file drives it: page
//! faults and frames in, frames out, and what its events mean here
//! (waking the processes that waited, the `log=dsm` lines). It also runs
//! the cluster's System V layer (`cluster_shm`): the directory of keys on
//! node 0, and futex wake-ups for words in distributed pages.
//!
//! Locks: the engine's lock is taken inside the process table's and the
//! VM manager's (`with_store`), since the engine changes mappings in
//! every address space. Frames go out, and events are handled, after
//! all three are released.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use rvsim_kernel_core::bootargs::Cluster;
use rvsim_kernel_core::cluster_shm::{DIRECTORY, Directory, Found, Message};
use rvsim_kernel_core::dsm::{Access, Config, Dsm, Event, Fault, ManagerKind, NodeId, PageId, PageStore, SpaceId};
use rvsim_kernel_core::shm::{Caller, ShmError};

use crate::lock::Lock;
use crate::param::{CLINT_MTIMECMP, DEVICE_BASE, TICK_INTERVAL};
use crate::proc::dsm_store::{Store, with_store};
use crate::{cluster, config, kprintln, proc};

/// Cycles per timer tick (the hart's clock runs at 10 times the timer).
const CYCLES_PER_TICK: u64 = 10;
/// Sleep channels of faults waiting for a page: the page's space and index
/// under this bit.
const PAGE_CHANNEL: usize = 1 << 59;
/// Sleep channels of `shmget`s waiting for the directory's answer.
const ANSWER_CHANNEL: usize = 1 << 58;

/// The node's engine and its part of the System V layer.
struct Node {
    engine: Dsm,
    directory: Directory,
    answers: BTreeMap<u32, Result<Found, ShmError>>,
    next_request: u32,
}

static NODE: Lock<Option<Node>> = Lock::new("the DSM engine");
static ON: AtomicBool = AtomicBool::new(false);

/// Starts the engine when the machine is a node of a cluster.
pub fn init(place: Cluster, clustered: bool) {
    let engine = clustered.then(|| Dsm::new(engine_config(place)).ok()).flatten();
    ON.store(engine.is_some(), Ordering::Relaxed);
    NODE.init(engine.map(|engine| Node {
        engine,
        directory: Directory::new(),
        answers: BTreeMap::new(),
        next_request: 0,
    }));
}

/// The engine's settings: retransmission after five ticks (50 ms), death
/// after ten seconds of silence, and the hold the command line gives.
fn engine_config(place: Cluster) -> Config {
    let tick = TICK_INTERVAL * CYCLES_PER_TICK;
    Config {
        node: place.node,
        nodes: place.nodes,
        protocol: place.protocol,
        manager: place.manager,
        retransmit_after: 5 * tick,
        dead_after: 1000 * tick,
        hold: place.hold,
        retry_wait: tick,
    }
}

/// Whether the machine shares memory with a cluster (set once at boot;
/// read on hot paths, such as every futex wake, without a lock).
pub fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The hart's clock in cycles.
fn now() -> u64 {
    crate::time::now() * CYCLES_PER_TICK
}

/// Runs `f` on the node with the store, then sends the frames the engine
/// queued and handles its events, with nothing locked.
fn with_node<R>(f: impl FnOnce(&mut Node, &mut Store) -> R) -> Option<R> {
    let (result, outgoing, events, deadline) = with_store(|store| {
        NODE.with(|node| {
            let node = node.as_mut()?;
            let result = f(node, store);
            let outgoing: Vec<_> = core::iter::from_fn(|| node.engine.next_outgoing()).collect();
            let events: Vec<_> = core::iter::from_fn(|| node.engine.next_event()).collect();
            Some((result, outgoing, events, node.engine.next_deadline()))
        })
    })?;
    if let Some(at) = deadline {
        arm_timer(at);
    }
    for (to, payload) in outgoing {
        cluster::send(to, &payload);
    }
    for event in events {
        handle(event);
    }
    Some(result)
}

/// Brings the next timer interrupt forward to cycle `at`, when the engine
/// has something to do (a hold ends): the tick it causes calls `tick`.
/// The M-mode timer handler re-arms the usual interval from there.
fn arm_timer(at: u64) {
    let mtimecmp = (DEVICE_BASE + CLINT_MTIMECMP) as *mut u64;
    let ticks = at.div_ceil(CYCLES_PER_TICK);
    // SAFETY: the CLINT's mtimecmp, mapped in the kernel half (kvm.rs);
    // an earlier compare value only makes the timer fire sooner.
    unsafe {
        if mtimecmp.read_volatile() > ticks {
            mtimecmp.write_volatile(ticks);
        }
    }
}

/// A frame's payload from node `from`.
pub fn receive(from: NodeId, payload: &[u8]) {
    let bad = with_node(|node, store| node.engine.receive(from, payload, now(), store).is_err());
    if bad == Some(true) && config().log_dsm {
        kprintln!("[dsm] a malformed message from node {from} was dropped");
    }
}

/// The switch says `node` stopped.
pub fn peer_down(node: NodeId) {
    kprintln!("[dsm] node {}: the network says node {node} stopped", cluster::place().node);
    with_node(|n, store| n.engine.peer_down(node, now(), store));
}

/// The timer tick: retransmissions, and requests held back for a while.
pub fn tick() {
    if on() {
        with_node(|node, store| node.engine.tick(now(), store));
    }
}

/// The channel of faults waiting for `page`.
fn page_channel(page: PageId) -> usize {
    PAGE_CHANNEL | (page.space.0 as usize) << 32 | page.index as usize
}

/// A fault needs page `index` of local segment `segment` (to write, with
/// `write`): asks the engine, sleeping until it is granted. False if it
/// never can be (its owner died) or the process was killed meanwhile.
pub fn fault(segment: i32, index: u64, write: bool) -> bool {
    let Some(space) = proc::with_vm(|k| k.shm.segment(segment).ok().and_then(|s| s.space)) else { return false };
    fault_page(PageId { space: SpaceId(space), index: index as u32 }, write)
}

/// A fault needs `page` (to write, with `write`): asks the engine,
/// sleeping until it is granted (see [`fault`]).
pub fn fault_page(page: PageId, write: bool) -> bool {
    loop {
        let outcome = with_node(|node, store| {
            let fault = node.engine.fault(page, write, now(), store);
            if fault == Fault::Granted {
                // Map it in every attachment as the engine now allows.
                store.set_access(page, node.engine.access(page));
            }
            fault
        });
        match outcome {
            Some(Fault::Granted) => return true,
            Some(Fault::Wait) => proc::sleep(page_channel(page)),
            Some(Fault::Lost) | None => return false,
        }
        if proc::current_killed() {
            return false;
        }
    }
}

/// Adds a spread process's address space, whose home is `home`, to the
/// engine (once: a second time changes nothing).
pub fn add_address_space(space: u32, home: NodeId) {
    let pages = rvsim_kernel_core::spread::USER_PAGES;
    with_node(|node, _| {
        let _ = node.engine.add_address_space(SpaceId(space), pages, home);
    });
}

/// Sends a `threads=spread` message to `to` over the engine's links.
pub fn send_spread(to: NodeId, message: &rvsim_kernel_core::spread_message::SpreadMessage) {
    with_node(|node, _| node.engine.send_message(to, message.encode()));
}

/// What an event means here.
fn handle(event: Event) {
    let log = config().log_dsm;
    let me = cluster::place().node;
    match event {
        Event::Granted { page, write, from, waited } => {
            if log {
                let kind = if write { "write" } else { "read" };
                kprintln!(
                    "[dsm] node {me}: {kind} fault on page {}:{} served by node {from}, waited {waited} cycles",
                    page.space.0,
                    page.index
                );
            }
            proc::wakeup(page_channel(page));
        }
        Event::Failed { page } => proc::wakeup(page_channel(page)),
        Event::Invalidated { page, by } if log => {
            kprintln!("[dsm] node {me}: page {}:{} invalidated by node {by}", page.space.0, page.index)
        }
        Event::OwnershipGiven { page, to } if log => {
            kprintln!("[dsm] node {me}: page {}:{} owned by node {to} now", page.space.0, page.index)
        }
        Event::Downgraded { page, for_node } if log => {
            kprintln!("[dsm] node {me}: page {}:{} read-only here, for node {for_node}", page.space.0, page.index)
        }
        Event::PeerDead { node } => kprintln!("[dsm] node {me}: node {node} is dead"),
        Event::PagesLost { node, pages } => report_lost(me, node, &pages),
        Event::Message { from, data } => message(from, &data),
        _ => {}
    }
}

/// Says which pages died with `node`.
fn report_lost(me: NodeId, node: NodeId, pages: &[PageId]) {
    let shown: Vec<_> = pages.iter().take(16).map(|p| alloc::format!("{}:{}", p.space.0, p.index)).collect();
    let more = if pages.len() > shown.len() { " ..." } else { "" };
    kprintln!("[dsm] node {me}: node {node} died owning {} pages: {}{more}", pages.len(), shown.join(" "));
}

/// A kernel message from node `from`: the System V layer's, or
/// `threads=spread`'s.
fn message(from: NodeId, data: &[u8]) {
    use rvsim_kernel_core::spread_message::{SpreadMessage, is_spread};
    if is_spread(data) {
        if let Ok(message) = SpreadMessage::decode(data) {
            crate::spread::receive(from, message);
        }
        return;
    }
    match Message::decode(data) {
        Ok(Message::Lookup { request, key, size, flags }) => {
            let result = lookup(from, key, size, flags);
            send(from, &Message::Answer { request, result });
        }
        Ok(Message::Answer { request, result }) => {
            NODE.with(|n| n.as_mut().map(|n| n.answers.insert(request, result)));
            proc::wakeup(ANSWER_CHANNEL | request as usize);
        }
        Ok(Message::Remove { space }) => {
            NODE.with(|n| n.as_mut().map(|n| n.directory.remove(space)));
        }
        Ok(Message::FutexWake { space, offset, count, bitset }) => {
            crate::syscall::futex::wake_distributed(space, offset, count, bitset);
        }
        Err(_) => {}
    }
}

/// Sends a System V layer message to `to` over the engine's links.
fn send(to: NodeId, message: &Message) {
    with_node(|node, _| node.engine.send_message(to, message.encode()));
}

/// The directory's answer to `shmget(key, size, flags)` from `from`; a
/// new segment's space is added to the engine here, on the directory's
/// node, which is also the central manager's.
fn lookup(from: NodeId, key: i32, size: u64, flags: u32) -> Result<Found, ShmError> {
    with_node(|node, _| {
        let found = node.directory.lookup(from, key, size, flags)?;
        let _ = node.engine.add_space(SpaceId(found.space), found.pages, found.home);
        Ok(found)
    })
    .unwrap_or(Err(ShmError::Invalid))
}

/// `shmget(key, size, flags)` of a key on a cluster: the directory's
/// segment, made local (every page's frame taken now), its space known
/// to the engine. Returns the local segment's id.
pub fn shmget(key: i32, size: u64, flags: u32, caller: Caller) -> Result<i32, ShmError> {
    let found = ask_directory(key, size, flags)?;
    with_node(|node, _| {
        let _ = node.engine.add_space(SpaceId(found.space), found.pages, found.home);
    });
    proc::with_vm(|k| local_segment(k, &found, caller))
}

/// The directory's answer, from this node or over the network.
fn ask_directory(key: i32, size: u64, flags: u32) -> Result<Found, ShmError> {
    let me = cluster::place().node;
    if me == DIRECTORY {
        return lookup(me, key, size, flags);
    }
    let request = NODE.with(|n| {
        n.as_mut().map(|n| {
            n.next_request += 1;
            n.next_request
        })
    });
    let request = request.ok_or(ShmError::Invalid)?;
    send(DIRECTORY, &Message::Lookup { request, key, size, flags });
    loop {
        if let Some(answer) = NODE.with(|n| n.as_mut().and_then(|n| n.answers.remove(&request))) {
            return answer;
        }
        proc::sleep(ANSWER_CHANNEL | request as usize);
    }
}

/// The local segment of `found`, made if it is not yet, with every page's
/// frame taken and zeroed (committed as any segment's pages).
fn local_segment(k: &mut crate::vmm::Vmm, found: &Found, caller: Caller) -> Result<i32, ShmError> {
    if let Some(id) = k.shm.of_space(found.space) {
        return Ok(id);
    }
    let pages = found.pages as u64;
    k.pager.commit.charge(pages).map_err(|_| ShmError::NoMemory)?;
    let mut frames = Vec::new();
    for _ in 0..pages {
        let mut vm = k.vm();
        let Some(frame) = vm.alloc_user(false) else { break };
        rvsim_kernel_core::PhysMemory::zero_page(vm.mem, frame);
        frames.push(frame);
    }
    if frames.len() as u64 != pages {
        for frame in frames {
            k.vm().release_user(frame);
        }
        k.pager.commit.uncharge(pages);
        return Err(ShmError::NoMemory);
    }
    k.shm.distributed(found, caller, frames)
}

/// `IPC_RMID` of a distributed segment: its key is forgotten cluster-wide.
pub fn remove(space: u32) {
    if cluster::place().node == DIRECTORY {
        NODE.with(|n| n.as_mut().map(|n| n.directory.remove(space)));
    } else {
        send(DIRECTORY, &Message::Remove { space });
    }
}

/// A `FUTEX_WAKE` on a distributed word left `count` wake-ups unused
/// here: every other node wakes up to that many of its own sleepers.
pub fn futex_wake_others(space: u32, offset: u64, count: u32, bitset: u32) {
    let place = cluster::place();
    for to in (0..place.nodes).filter(|&n| n != place.node) {
        send(to, &Message::FutexWake { space, offset, count, bitset });
    }
}

/// The engine's counters, in memstat's record (zero off a cluster).
pub fn counters() -> rvsim_abi::MemStat {
    let Some(s) = NODE.with(|n| n.as_ref().map(|n| *n.engine.stats())) else { return rvsim_abi::MemStat::default() };
    rvsim_abi::MemStat {
        dsm_read_faults: s.read_faults,
        dsm_write_faults: s.write_faults,
        dsm_pages_sent: s.pages_sent,
        dsm_pages_received: s.pages_received,
        dsm_invalidations_sent: s.invalidations_sent,
        dsm_invalidations_received: s.invalidations_received,
        dsm_messages_sent: s.messages_sent,
        dsm_messages_received: s.messages_received,
        dsm_bytes_sent: s.bytes_sent,
        dsm_bytes_received: s.bytes_received,
        dsm_wait_cycles: s.wait_cycles,
        ..rvsim_abi::MemStat::default()
    }
}

/// What this node knows of a distributed page, for `vmprint`.
pub fn describe(space: u32, index: u64) -> Option<alloc::string::String> {
    let page = PageId { space: SpaceId(space), index: index as u32 };
    let info = NODE.with(|n| n.as_ref().and_then(|n| n.engine.page_info(page)))?;
    let state = match (info.owner, info.access) {
        (_, _) if info.lost => "lost",
        (true, _) => "owned",
        (false, Access::Read) => "read copy",
        (false, _) => "invalid",
    };
    let manager = NODE.with(|n| n.as_ref().map(|n| n.engine.config().manager));
    let hint = match manager {
        Some(ManagerKind::Central(_)) => "last owner",
        _ => "probable owner",
    };
    Some(alloc::format!("{state}, {hint} node {}", info.prob_owner))
}
