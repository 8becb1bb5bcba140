//! `threads=spread`: a process's threads run on the other nodes of the
//! cluster, its address space shared through the DSM engine (core's
//! `spread.rs` has the policy: which pages are coherent, where threads
//! go). This file is the kernel's half: spreading a process when it
//! creates its first thread, starting each thread on its node (a proxy
//! here, a shadow there: see `proc/spread.rs`), running the shadows'
//! system calls at the home through their proxies, and telling every node
//! of the process's layout when it changes.
//!
//! A forwarded call runs at the home as the proxy thread, with the
//! shadow's registers: it reads and writes the caller's memory through
//! the home's page table, so its buffers come over as DSM pages, and its
//! futexes, files, console and process calls are the home's.

use rvsim_abi::nr;
use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::dsm::NodeId;
use rvsim_kernel_core::dsm::{MAX_MESSAGE, PageId, SpaceId};
use rvsim_kernel_core::spread::{place, space_of};
use rvsim_kernel_core::spread_message::{CallKind, Layout, SpreadMessage};

use crate::proc::spread::{self as table, Call, ShadowStart};
use crate::trap::reg;
use crate::{cluster, dsm, kprintln, proc};

/// Whether this machine spreads threads (a node of a cluster booted with
/// `threads=spread`).
pub fn on() -> bool {
    dsm::on() && cluster::place().spread
}

/// Where the running process's next thread goes: another node (the
/// process is spread first, if it was not), or `None` to stay here.
pub fn place_next_thread() -> Option<NodeId> {
    if !on() {
        return None;
    }
    let here = cluster::place();
    let node = place(here.node, here.nodes, table::next_placement());
    if node == here.node {
        return None;
    }
    if table::current_space().is_none() {
        spread_current(here.node);
    }
    Some(node)
}

/// Makes the running process's address space a DSM space whose home is
/// this node, and tells every node.
fn spread_current(home: NodeId) {
    let space = space_of(home, proc::current_pid());
    dsm::add_address_space(space, home);
    table::make_home(space);
    send_to_others(&SpreadMessage::Space { space, home });
}

/// Thread `tid`, just made as the proxy of a thread on `node`: sends
/// `node` what the thread needs to start (a long layout's rest follows
/// in parts; the thread asks for it if it faults before they come).
pub fn start_remote(tid: u32, node: NodeId) {
    let (Some(space), Some((pc, regs, name))) = (table::current_space(), table::start_of(tid)) else { return };
    // A Spawn's kind, space, tid, pc, registers and name.
    let spawn = 1 + 8 * 3 + 8 * 32 + 8 + name.len();
    let mut parts = table::current_layout().parts(MAX_MESSAGE.saturating_sub(spawn)).into_iter();
    let layout = parts.next().unwrap_or_default();
    dsm::send_spread(node, &SpreadMessage::Spawn { space, tid, name, pc, regs, layout });
    for layout in parts {
        dsm::send_spread(node, &SpreadMessage::Layout { space, more: true, layout });
    }
}

/// Sends `to` the running process's layout, in as many parts as it takes.
fn send_layout(to: NodeId, space: u32, layout: &Layout) {
    for (i, layout) in layout.parts(MAX_MESSAGE).into_iter().enumerate() {
        dsm::send_spread(to, &SpreadMessage::Layout { space, more: i > 0, layout });
    }
}

/// The running process's layout changed (mmap, munmap, mprotect, brk):
/// every node its threads run on is told.
fn layout_changed() {
    let Some(space) = table::current_space() else { return };
    let layout = table::current_layout();
    for to in table::current_nodes() {
        send_layout(to, space, &layout);
    }
}

/// Before a call that drops pages of `[start, start + len)` (munmap,
/// madvise, mmap over them with MAP_FIXED) or changes their protection
/// (mprotect): the home takes back every such page other nodes took or
/// copied, so that no copy outlives the drop (a page mapped there again
/// must read as new everywhere) and none keeps its old permissions.
fn take_back(number: u64, args: &[u64; 6]) {
    const MAP_FIXED: u64 = 0x10;
    let drops =
        matches!(number, nr::MUNMAP | nr::MADVISE | nr::MPROTECT) || (number == nr::MMAP && args[3] & MAP_FIXED != 0);
    let Some(space) = table::current_space().filter(|_| drops) else { return };
    let end = args[0].saturating_add(args[1]);
    fault_in(space, &table::not_writable_in(args[0], end), true);
}

/// Faults in the pages at `vas` of spread space `space` here (to write,
/// with `write`), one after another, through the engine.
fn fault_in(space: u32, vas: &[u64], write: bool) {
    for &va in vas {
        dsm::fault_page(PageId { space: SpaceId(space), index: (va / PAGE) as u32 }, write);
    }
}

/// Sends `message` to every other node of the cluster.
fn send_to_others(message: &SpreadMessage) {
    let here = cluster::place();
    for to in (0..here.nodes).filter(|&n| n != here.node) {
        dsm::send_spread(to, message);
    }
}

/// The running process is ending: if it is a spread process's home,
/// every node forgets the process (a shadow process ending is only the
/// end of that node's threads).
pub fn process_ended() {
    let Some(space) = table::current_home_space().filter(|_| on()) else { return };
    send_to_others(&SpreadMessage::Ended { space });
}

/// Before a spread process forks here, at its home: a read copy of every
/// page other nodes took, so that the child, a process of this node
/// alone, gets the whole address space. Returns how many pages came.
pub fn gather_home() -> usize {
    let Some(space) = table::current_home_space().filter(|_| on()) else { return 0 };
    let absent = table::absent();
    fault_in(space, &absent, false);
    absent.len()
}

/// Whether call `number` changes an address space's layout.
fn changes_layout(number: u64) -> bool {
    matches!(number, nr::MMAP | nr::MUNMAP | nr::MPROTECT | nr::BRK)
}

/// A spread message from node `from`.
pub fn receive(from: NodeId, message: SpreadMessage) {
    match message {
        SpreadMessage::Space { space, home } => dsm::add_address_space(space, home),
        SpreadMessage::Spawn { space, tid, name, pc, regs, layout } => {
            let start = ShadowStart { space, home: from, tid, name, pc, regs, layout };
            if table::make_shadow(start).is_err() {
                kprintln!("[kernel] node {}: no room for thread {tid} of node {from}", cluster::place().node);
            }
        }
        SpreadMessage::Call { tid, kind, pc, regs } => {
            table::queue_call(tid, Call { kind, pc, regs });
        }
        SpreadMessage::Answer { tid, pc, regs } => table::answer(from, tid, pc, regs),
        SpreadMessage::Interrupt { tid } => table::interrupt_shadow(from, tid),
        SpreadMessage::Kill { tid } => table::kill_shadow(from, tid),
        SpreadMessage::Layout { space, more, layout } => table::new_layout(space, more, &layout),
        SpreadMessage::Ended { space } => table::forget(space),
    }
}

/// Before system call `number` (arguments `args`) on a node of a
/// cluster: a shadow's call is forwarded (its result is returned, as
/// `dispatch` returns one); a spread process's home takes back pages the
/// call drops. Out of line: most calls are not a spread process's.
#[cold]
#[inline(never)]
pub fn before_call(number: u64, args: &[u64; 6], resume: u64) -> Option<Option<u64>> {
    if let Some(result) = forward(number, resume) {
        return Some(result);
    }
    if on() {
        take_back(number, args);
    }
    None
}

/// After system call `number` on a node of a cluster: a layout change
/// of a spread process goes to the nodes its threads run on.
#[cold]
#[inline(never)]
pub fn after_call(number: u64) {
    if changes_layout(number) && on() {
        layout_changed();
    }
}

/// A shadow's system call `number`: sent home, and its answer awaited;
/// `None` for a call that runs here (yielding the hart). exit and
/// exit_group end the thread here too.
fn forward(number: u64, resume: u64) -> Option<Option<u64>> {
    if number == nr::SCHED_YIELD {
        return None;
    }
    let (home, tid) = table::current_shadow()?;
    let regs = proc::with_current(|p| p.frame.regs);
    dsm::send_spread(home, &SpreadMessage::Call { tid, kind: CallKind::Syscall, pc: resume, regs });
    if matches!(number, nr::EXIT | nr::EXIT_GROUP) {
        proc::exit_thread(0);
    }
    await_answer();
    Some(None)
}

/// A shadow on its way back to user mode, told that signals wait for it
/// at the home: asks for them, and goes on as the answer says (in a
/// handler, perhaps).
pub fn deliver_to_shadow() {
    let Some((home, tid)) = table::current_shadow().filter(|_| table::take_interrupt()) else { return };
    let (pc, regs) = proc::with_current(|p| (p.frame.epc, p.frame.regs));
    dsm::send_spread(home, &SpreadMessage::Call { tid, kind: CallKind::Signals, pc, regs });
    await_answer();
}

/// The running thread faulted outside the layout it knows: if it is a
/// shadow, it asks the home for the layout now (a mapping another thread
/// made may not have reached this node yet, if word of it came sooner
/// through a third node) and says whether to try the fault again.
pub fn refresh_layout() -> bool {
    let Some((home, tid)) = table::current_shadow() else { return false };
    let (pc, regs) = proc::with_current(|p| (p.frame.epc, p.frame.regs));
    dsm::send_spread(home, &SpreadMessage::Call { tid, kind: CallKind::Layout, pc, regs });
    await_answer();
    !proc::current_killed()
}

/// Sleeps until the answer comes, and takes its registers; a killed
/// thread stops waiting (it is ending).
fn await_answer() {
    loop {
        if let Some((pc, regs)) = table::take_answer() {
            proc::with_current(|p| {
                p.frame.regs = regs;
                p.frame.epc = pc;
            });
            return;
        }
        if proc::current_killed() {
            return;
        }
        proc::sleep(table::channel(proc::current_tid()));
    }
}

/// The running thread dies of a signal here (`status`: its wait status):
/// if it is a shadow, its whole process dies of it at the home. (A
/// shadow killed because its process ended tells a proxy that is gone:
/// nobody hears.)
pub fn shadow_dies(status: i32) {
    let Some((home, tid)) = table::current_shadow() else { return };
    dsm::send_spread(home, &SpreadMessage::Call { tid, kind: CallKind::Fatal(status), pc: 0, regs: [0; 32] });
}

/// First code a proxy runs: its thread-id word, then the calls its
/// thread forwards, until the thread or its process ends. Signals for
/// the thread make it ask for them.
pub extern "C" fn proxy_entry() -> ! {
    let (set_tid, tid) = table::take_set_tid();
    if set_tid != 0 {
        let _ = crate::syscall::with_user(|u| u.copy_out(set_tid, &tid.to_le_bytes()));
    }
    loop {
        match table::next_call() {
            Some(call) => run_call(tid, call),
            // Its process is ending: it ends (and its thread is told).
            None if proc::current_killed() => proc::exit_thread(0),
            None => {
                if table::proxy_must_interrupt()
                    && let Some(node) = table::proxy_node()
                {
                    dsm::send_spread(node, &SpreadMessage::Interrupt { tid });
                }
                proc::sleep(table::channel(tid));
            }
        }
    }
}

/// Runs a forwarded call as the proxy, with the thread's registers, then
/// delivers the signals pending for it (as any thread's way back to user
/// mode does), and sends the registers it goes on with.
fn run_call(tid: u32, call: Call) {
    proc::with_current(|p| {
        p.frame.regs = call.regs;
        p.frame.epc = call.pc;
    });
    match call.kind {
        CallKind::Fatal(status) => proc::exit(status),
        CallKind::Layout => {
            // Before the answer, on the same ordered link.
            if let (Some(space), Some(node)) = (table::current_space(), table::proxy_node()) {
                send_layout(node, space, &table::current_layout());
            }
        }
        CallKind::Syscall => {
            if let Some(value) = crate::syscall::dispatch(call.pc) {
                proc::with_current(|p| p.frame.regs[reg::A0] = value);
            }
        }
        CallKind::Signals => {}
    }
    // Ends the group if a signal (or a kill) is fatal.
    proc::return_to_user(None);
    let (pc, regs) = proc::with_current(|p| (p.frame.epc, p.frame.regs));
    if let Some(node) = table::proxy_node() {
        dsm::send_spread(node, &SpreadMessage::Answer { tid, pc, regs });
    }
}

/// The running thread ends: if it is a proxy, its thread on the other
/// node ends too (it may have ended first, and then nobody hears).
pub fn proxy_ends() {
    if let (Some(node), tid) = (table::proxy_node(), proc::current_tid()) {
        dsm::send_spread(node, &SpreadMessage::Kill { tid });
    }
}
