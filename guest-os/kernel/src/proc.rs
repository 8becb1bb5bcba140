//! Processes: the process table and each process's life (creation, fork,
//! exit, wait, kill), sleeping and waking, and the round-robin scheduler
//! that the timer tick preempts into.

use core::cell::UnsafeCell;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::evict;
use rvsim_kernel_core::fault::{self, Access, Resolved, Unresolved};
use rvsim_kernel_core::pager::Pager;
use rvsim_kernel_core::region::{Backing, DemandRegion};
use rvsim_kernel_core::replace::Policy;
use rvsim_kernel_core::shm::Caller;
use rvsim_kernel_core::signal::{
    BUS_ADRALN, CLD_EXITED, CLD_KILLED, ILL_ILLOPC, SEGV_ACCERR, SEGV_MAPERR, SigInfo, Signals, TRAP_BRKPT,
};
use rvsim_kernel_core::space::{AddressSpace, ForkError, ForkMode};
use rvsim_kernel_core::tracking;

use crate::errno::{EAGAIN, ECHILD, EINTR, ENOMEM, EPERM, ESRCH, Errno};
use crate::fpu::{self, FpState};
use crate::kvm::{KSTACK_BASE, KSTACK_STRIDE};
use crate::lock::{self, Lock};
use crate::memory::KernelMemory;
use crate::param::{KSTACK_PAGES, NPROC};
use crate::syscall::files::File;
use crate::syscall::limits::{self, Rlimit};
use crate::trap::{TrapFrame, reg, userret};
use crate::vmm::{self, Vmm};
use crate::{config, kprintln, trap, vmlog, vmwait};
use rvsim_kernel_core::fd_table::{AccessMode, FdTable};
use rvsim_kernel_core::initrd_fs::{Device, Node};

pub mod dsm_store;
mod fp_switch;
mod signals;
pub mod spread;
mod threads;
pub use fp_switch::first_fp_use;
use fp_switch::{note_fp_changes, save_owner_fp, switch_fp};
pub use signals::{
    current_interrupted, current_restarts, force_current, send, send_all, send_group, send_thread, sigreturn,
};
pub use spread::SpreadRole;
pub use threads::{ThreadStart, exec_alone, set_action};

/// Callee-saved registers of a kernel thread, for `swtch`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Context {
    ra: u64,
    sp: u64,
    s: [u64; 12],
}

impl Context {
    /// An all-zero context.
    const ZERO: Context = Context { ra: 0, sp: 0, s: [0; 12] };
}

core::arch::global_asm!(
    r#"
    .text
    # swtch(old, new): save callee-saved registers in old, load new's.
    .globl swtch
swtch:
    sd ra, 0(a0)
    sd sp, 8(a0)
    sd s0, 16(a0)
    sd s1, 24(a0)
    sd s2, 32(a0)
    sd s3, 40(a0)
    sd s4, 48(a0)
    sd s5, 56(a0)
    sd s6, 64(a0)
    sd s7, 72(a0)
    sd s8, 80(a0)
    sd s9, 88(a0)
    sd s10, 96(a0)
    sd s11, 104(a0)
    ld ra, 0(a1)
    ld sp, 8(a1)
    ld s0, 16(a1)
    ld s1, 24(a1)
    ld s2, 32(a1)
    ld s3, 40(a1)
    ld s4, 48(a1)
    ld s5, 56(a1)
    ld s6, 64(a1)
    ld s7, 72(a1)
    ld s8, 80(a1)
    ld s9, 88(a1)
    ld s10, 96(a1)
    ld s11, 104(a1)
    ret
"#
);

unsafe extern "C" {
    fn swtch(old: *mut Context, new: *const Context);
}

/// Where a process is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Ready to run.
    Runnable,
    /// On the hart.
    Running,
    /// Waiting on a channel.
    Sleeping,
    /// Exited, waiting for its parent's wait.
    Zombie,
}

pub use rvsim_abi::signal;

/// Sleep channel of processes sleeping until a time.
const TIMER_CHANNEL: usize = 2;

/// Sleep channel of processes waiting for a signal.
const PAUSE_CHANNEL: usize = 4;

/// Sleep channel of a parent waiting for its children.
fn wait_channel(pid: u32) -> usize {
    0x1_0000 + pid as usize
}

/// Lowest address the kernel chooses for a mapping.
pub const MAP_LOW: u64 = 0x1000_0000;

/// One thread of a process (a process with one thread is one `Proc`).
/// The process-wide state (memory, files, current directory, umask,
/// limits, process group) is kept in the group's leader, the thread whose
/// id is the process id; the other threads' copies of it are unused.
pub struct Proc {
    /// Thread id (the process id, for the leader).
    pub pid: u32,
    /// Thread group id: the process id (the leader's thread id).
    pub tgid: u32,
    /// The leader's slot (its own, for the leader).
    leader_slot: usize,
    /// A thread other than the leader that has exited: the scheduler frees
    /// it, no parent waits for it.
    detached: bool,
    /// The leader's: the exit status exit_group (or a fatal signal) gave
    /// the whole group.
    group_exit: Option<i32>,
    /// Parent's pid.
    pub parent: u32,
    /// Program name, for messages.
    pub name: String,
    /// Life-cycle state.
    pub state: State,
    /// User registers while in the kernel. `uservec` and `userret` reach
    /// it through `sscratch` while no Rust reference to it is live.
    pub frame: TrapFrame,
    /// Callee-saved registers while switched out; only `swtch` uses it.
    context: Context,
    slot: usize,
    kstack: [u64; KSTACK_PAGES],
    /// The user address space.
    pub space: Option<AddressSpace>,
    /// The regions whose pages appear on first touch: the stack, then
    /// the images whose read-only pages come from the shared pages table
    /// (the program, then shared code objects it bound), each a hold on
    /// its image's placement (see `placement.rs`).
    pub regions: Vec<DemandRegion<'static>>,
    /// Its shared-memory attachments.
    pub attachments: Vec<Attachment>,
    /// Start of the heap (end of the program's segments).
    pub brk_start: u64,
    /// Current program break.
    pub brk: u64,
    /// Status for wait4, once a zombie.
    pub exit_status: i32,
    /// Set by kill or a fatal fault: the process ends at its next return
    /// to user mode.
    pub killed: Option<u32>,
    chan: usize,
    /// When sleeping with a deadline: the `mtime` to wake at.
    wake_at: Option<u64>,
    /// Order of falling asleep, so that wakeups of some sleepers take the
    /// longest sleeping first.
    sleep_seq: u64,
    /// Set by `wake_some` (a futex wake), so that the sleeper can tell it
    /// from a timeout or a kill.
    pub woken: bool,
    /// Its FP registers while the hart holds another's (see `fpu.rs`);
    /// `None` until its first FP instruction.
    pub fp: Option<Box<FpState>>,
    /// Where its thread id is cleared at exit (`set_tid_address`,
    /// `CLONE_CHILD_CLEARTID`).
    pub clear_child_tid: u64,
    /// Where it writes its thread id when it first runs
    /// (`CLONE_CHILD_SETTID`).
    set_child_tid: u64,
    /// Its robust futex list (`set_robust_list`).
    pub robust_list: u64,
    /// Its resource limits (`prlimit64`).
    pub limits: [Rlimit; limits::RESOURCES],
    /// Its file descriptors.
    pub files: FdTable<File>,
    /// Its current directory.
    pub cwd: Node<'static>,
    /// Its file-creation mask (`umask`).
    pub umask: u32,
    /// Its signal actions, mask and pending signals.
    pub signals: Signals,
    /// Its `setitimer(ITIMER_REAL)` timer, if armed.
    pub alarm: Option<Alarm>,
    /// A vfork child that has not yet exec'd or exited: its parent waits.
    pub in_vfork: bool,
    /// The bitset of its futex wait (all ones for FUTEX_WAIT).
    pub futex_bitset: u32,
    /// Its process group (`setpgid`), inherited by fork.
    pub pgid: u32,
    /// Its session (`setsid`), inherited by fork.
    pub sid: u32,
    /// Under `threads=spread`: its part in a process spread over the
    /// cluster (see `proc/spread.rs`).
    pub spread: Option<Box<SpreadRole>>,
    /// The leader's: threads `threads=spread` placed so far.
    spread_placed: u32,
    /// A shadow (see `proc/spread.rs`): signals wait for it at its home,
    /// and it asks for them on its way back to user mode.
    spread_interrupted: bool,
}

/// A process's real-time interval timer: when it next sends SIGALRM, and
/// its period (0: once), in `mtime` ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alarm {
    /// When it expires.
    pub at: u64,
    /// Its period.
    pub interval: u64,
}

/// A shared-memory segment attached to a process (by shmat, or a shared
/// anonymous mmap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attachment {
    /// First address.
    pub start: u64,
    /// Pages mapped.
    pub pages: u64,
    /// The segment.
    pub id: i32,
    /// The segment's page at `start` (munmap may have cut the front off).
    pub first: u64,
    /// Made by mmap: munmap may cut it, shmdt does not detach it.
    pub mapped: bool,
}

impl Attachment {
    /// One past its last address.
    pub fn end(&self) -> u64 {
        self.start + self.pages * PAGE
    }

    /// What is left of it when `[start, end)` is cut out: nothing, one
    /// piece or two.
    pub fn cut(&self, start: u64, end: u64) -> impl Iterator<Item = Attachment> + '_ {
        let piece = |from: u64, to: u64| Attachment {
            start: from,
            pages: (to - from) / PAGE,
            first: self.first + (from - self.start) / PAGE,
            ..*self
        };
        let before = (self.start < start).then(|| piece(self.start, start.min(self.end())));
        let after = (end < self.end()).then(|| piece(end.max(self.start), self.end()));
        before.into_iter().chain(after)
    }
}

impl Proc {
    /// The ASID of this process's address space (0 is the kernel's, and
    /// everyone's with the boot argument asid=off).
    pub fn asid(&self) -> u16 {
        if config().asid { self.leader_slot as u16 + 1 } else { 0 }
    }

    /// Whether it leads its thread group (it is the process).
    pub fn is_leader(&self) -> bool {
        self.pid == self.tgid
    }

    /// The address ranges the process uses: stack, images, heap,
    /// attachments.
    pub fn occupied(&self) -> Vec<(u64, u64)> {
        let heap = (self.brk_start, rvsim_kernel_core::page_ceil(self.brk));
        self.regions
            .iter()
            .map(|r| (r.start, r.end))
            .chain(core::iter::once(heap))
            .chain(self.attachments.iter().map(|a| (a.start, a.start + a.pages * PAGE)))
            .collect()
    }

    /// Whether `[start, end)` overlaps nothing the process uses.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        !self.occupied().iter().any(|&(s, e)| s < end && start < e)
    }

    /// Where the kernel puts `len` bytes of new mapping (shmat, mmap):
    /// the highest free range below the stack's region, leaving a guard
    /// page (top-down, as Linux's mmap), above [`MAP_LOW`].
    pub fn choose_free(&self, len: u64) -> Option<u64> {
        let top = rvsim_kernel_core::exec::STACK_TOP - rvsim_kernel_core::exec::STACK_SIZE - PAGE;
        rvsim_kernel_core::region::highest_gap(&mut self.occupied(), len, MAP_LOW, top)
    }

    /// Top of the kernel stack.
    fn kstack_top(&self) -> u64 {
        KSTACK_BASE + (self.slot as u64 + 1) * KSTACK_STRIDE
    }

    /// Marks the process to die of `sig`, saying why on the console.
    fn kill_with(&mut self, sig: u32, why: core::fmt::Arguments) {
        kprintln!("[kernel] pid {} ({}) killed by {}: {}", self.pid, self.name, signal::name(sig), why);
        self.killed = Some(sig);
    }
}

/// The process table. Processes are named by slot inside it; nothing
/// outside holds a reference to a process.
struct Table {
    slots: Vec<Option<Box<Proc>>>,
    /// One past the highest slot in use: scans stop there (slots are
    /// taken lowest first, so this stays near the number of processes).
    in_use: usize,
    current: Option<usize>,
    next_pid: u32,
    sleeps: u64,
    cursor: usize,
    init_pid: u32,
    /// Whose FP registers the hart holds.
    fp_owner: fpu::Owner,
    /// A thread has ended since the scheduler last freed ended threads.
    detached_ended: bool,
    /// The slot of the running thread's group leader (set with `current`).
    current_leader: usize,
    /// Address spaces of other nodes' spread processes whose threads here
    /// have all ended: the pages they hold are still the DSM engine's to
    /// serve, until the process ends (see `proc/spread.rs`).
    retired: Vec<spread::Retired>,
}

static PROCS: Lock<Table> = Lock::new("the process table");

/// The scheduler's own context, saved and loaded only by `swtch`.
struct SchedulerContext(UnsafeCell<Context>);

// SAFETY: the kernel runs on one hart, and only `scheduler` and `sched`
// use this context, through the raw pointer `swtch` takes, never through
// a reference.
unsafe impl Sync for SchedulerContext {}

static SCHEDULER: SchedulerContext = SchedulerContext(UnsafeCell::new(Context::ZERO));

/// Sets up an empty process table.
pub fn init() {
    let mut slots = Vec::with_capacity(NPROC);
    slots.resize_with(NPROC, || None);
    PROCS.init(Table {
        slots,
        in_use: 0,
        current: None,
        next_pid: 1,
        sleeps: 0,
        cursor: 0,
        init_pid: 1,
        detached_ended: false,
        current_leader: 0,
        fp_owner: fpu::Owner::default(),
        retired: Vec::new(),
    });
}

impl Table {
    /// The slots that may be in use.
    fn live(&mut self) -> &mut [Option<Box<Proc>>] {
        &mut self.slots[..self.in_use]
    }

    /// Every process.
    fn procs(&mut self) -> impl Iterator<Item = &mut Proc> {
        self.live().iter_mut().flatten().map(|p| &mut **p)
    }

    /// The process in `slot` (which must be in use).
    fn proc(&mut self, slot: usize) -> &mut Proc {
        match self.slots[slot].as_deref_mut() {
            Some(p) => p,
            None => panic!("process slot {slot} is empty"),
        }
    }

    /// The running process's slot.
    fn current_slot(&self) -> usize {
        self.current.expect("no current process")
    }

    /// The running process.
    fn current_mut(&mut self) -> &mut Proc {
        self.proc(self.current_slot())
    }

    /// The leader of the running thread's group: the holder of its
    /// process-wide state.
    #[inline]
    fn current_leader(&mut self) -> &mut Proc {
        self.proc(self.current_leader)
    }

    /// The threads of group `tgid` other than `except`, alive or not.
    fn others_in_group(&mut self, tgid: u32, except: u32) -> impl Iterator<Item = &mut Proc> {
        self.procs().filter(move |p| p.tgid == tgid && p.pid != except)
    }

    /// Two different processes at once (a parent and its child).
    fn pair(&mut self, a: usize, b: usize) -> (&mut Proc, &mut Proc) {
        match self.slots.get_disjoint_mut([a, b]) {
            Ok([Some(a), Some(b)]) => (a, b),
            _ => panic!("process slots {a} and {b} are not two processes"),
        }
    }

    /// Makes every process sleeping on `chan` runnable.
    fn wakeup(&mut self, chan: usize) {
        for p in self.procs() {
            if p.state == State::Sleeping && p.chan == chan {
                p.state = State::Runnable;
            }
        }
    }

    /// Takes a process slot and a kernel stack, for a process of `parent`.
    fn allocate(&mut self, vmm: &mut Vmm, name: &str, parent: u32) -> Result<usize, Errno> {
        let slot = self.slots.iter().position(Option::is_none).ok_or(EAGAIN)?;
        let kstack = map_kstack(vmm, slot)?;
        let pid = self.next_pid;
        self.next_pid += 1;
        let mut proc = Box::new(Proc {
            pid,
            tgid: pid,
            leader_slot: slot,
            detached: false,
            group_exit: None,
            parent,
            name: String::from(name),
            state: State::Sleeping,
            frame: TrapFrame::ZERO,
            context: Context::ZERO,
            slot,
            kstack,
            space: None,
            regions: Vec::new(),
            attachments: Vec::new(),
            brk_start: 0,
            brk: 0,
            exit_status: 0,
            killed: None,
            chan: 0,
            wake_at: None,
            sleep_seq: 0,
            woken: false,
            fp: None,
            clear_child_tid: 0,
            set_child_tid: 0,
            robust_list: 0,
            limits: limits::DEFAULTS,
            files: FdTable::new(),
            cwd: Node::Root,
            umask: 0o022,
            signals: Signals::default(),
            alarm: None,
            in_vfork: false,
            futex_bitset: u32::MAX,
            pgid: pid,
            sid: pid,
            spread: None,
            spread_placed: 0,
            spread_interrupted: false,
        });
        proc.context.ra = first_entry as *const () as u64;
        proc.context.sp = proc.kstack_top();
        proc.frame.kernel_sp = proc.kstack_top();
        self.slots[slot] = Some(proc);
        self.in_use = self.in_use.max(slot + 1);
        Ok(slot)
    }

    /// Frees a process's slot, kernel stack and (if any) address space.
    fn release(&mut self, vmm: &mut Vmm, slot: usize) {
        let Some(proc) = self.slots[slot].take() else { return };
        while self.in_use > 0 && self.slots[self.in_use - 1].is_none() {
            self.in_use -= 1;
        }
        let asid = proc.asid();
        if let Some(space) = proc.space {
            space.destroy(&mut vmm.vm());
        }
        crate::placement::give_back(vmm, &proc.regions);
        unmap_kstack(vmm, slot, &proc.kstack);
        flush_asid(asid);
    }
}

/// The kernel-stack page `i` of slot `slot` (the page below the first is
/// left unmapped: a guard).
fn kstack_page(slot: usize, i: usize) -> u64 {
    KSTACK_BASE + slot as u64 * KSTACK_STRIDE + (i as u64 + 1) * PAGE
}

/// Allocates and maps the kernel stack of slot `slot`.
fn map_kstack(vmm: &mut Vmm, slot: usize) -> Result<[u64; KSTACK_PAGES], Errno> {
    let mut kstack = [0u64; KSTACK_PAGES];
    let flags = rvsim_kernel_core::pte::R | rvsim_kernel_core::pte::W;
    for i in 0..KSTACK_PAGES {
        let Some(frame) = vmm.frames.alloc() else {
            unmap_kstack(vmm, slot, &kstack[..i]);
            return Err(ENOMEM);
        };
        kstack[i] = frame;
        if crate::kvm::map(&mut vmm.frames, config().kernel_root, kstack_page(slot, i), frame, flags, 0).is_err() {
            unmap_kstack(vmm, slot, &kstack[..=i]);
            return Err(ENOMEM);
        }
        sfence(Some(kstack_page(slot, i)), None);
    }
    Ok(kstack)
}

/// Unmaps and frees the kernel-stack pages `kstack` of slot `slot`.
fn unmap_kstack(vmm: &mut Vmm, slot: usize, kstack: &[u64]) {
    for (i, &frame) in kstack.iter().enumerate() {
        let va = kstack_page(slot, i);
        crate::kvm::unmap(config().kernel_root, va);
        sfence(Some(va), None);
        vmm.frames.decref(frame);
    }
}

/// Lends the running process to `f`.
#[inline(always)]
pub fn with_current<R>(f: impl FnOnce(&mut Proc) -> R) -> R {
    PROCS.with(|t| f(t.current_mut()))
}

/// Lends the process table and the VM manager to `f`, then flushes the
/// TLB entries the pager changed in any address space, each under its
/// own ASID.
fn with_table_vm<R>(f: impl FnOnce(&mut Table, &mut Vmm) -> R) -> R {
    PROCS.with(|t| {
        vmm::with(|k| {
            let r = f(t, k);
            flush_changed(t, &mut k.pager);
            r
        })
    })
}

/// Lends the VM manager to `f` (see [`with_table_vm`]).
pub fn with_vm<R>(f: impl FnOnce(&mut Vmm) -> R) -> R {
    with_table_vm(|_, k| f(k))
}

/// Lends the running thread's process (its group's leader, which holds
/// the address space) and the VM manager to `f` (see [`with_table_vm`]).
pub fn with_current_vm<R>(f: impl FnOnce(&mut Proc, &mut Vmm) -> R) -> R {
    with_table_vm(|t, k| f(t.current_leader(), k))
}

/// Lends the running thread's process (its group's leader, which holds
/// the memory, files, current directory and limits) to `f`.
pub fn with_process<R>(f: impl FnOnce(&mut Proc) -> R) -> R {
    PROCS.with(|t| f(t.current_leader()))
}

/// Flushes the TLB entry of every PTE the pager changed (in the address
/// space it belongs to, by its ASID; spaces that are gone need nothing).
fn flush_changed(t: &mut Table, pager: &mut Pager) {
    if pager.flushes.is_empty() {
        return;
    }
    for m in pager.flushes.drain(..) {
        if let Some(p) = t.procs().find(|p| p.space.as_ref().is_some_and(|s| s.root() == m.root)) {
            flush_page(m.va, p.asid());
        }
    }
}

/// The running process's pid.
pub fn current_pid() -> u32 {
    with_current(|p| p.tgid)
}

/// The running thread's id.
pub fn current_tid() -> u32 {
    with_current(|p| p.pid)
}

/// Whether the running process has been killed (it ends on its way back
/// to user mode; sleeps end early for it).
pub fn current_killed() -> bool {
    with_current(|p| p.killed.is_some())
}

/// The running process's trap frame, for `userret`.
fn current_frame() -> *mut TrapFrame {
    with_current(|p| &raw mut p.frame)
}

fn sfence(va: Option<u64>, asid: Option<u16>) {
    // SAFETY: sfence.vma only orders and drops TLB entries; it touches no
    // memory.
    unsafe {
        match (va, asid) {
            (Some(va), Some(asid)) => core::arch::asm!("sfence.vma {0}, {1}", in(reg) va, in(reg) asid as u64),
            (Some(va), None) => core::arch::asm!("sfence.vma {0}, zero", in(reg) va),
            (None, Some(asid)) => core::arch::asm!("sfence.vma zero, {0}", in(reg) asid as u64),
            (None, None) => core::arch::asm!("sfence.vma"),
        }
    }
}

/// Flushes the TLB entry for `va` in address space `asid`.
pub fn flush_page(va: u64, asid: u16) {
    sfence(Some(va), Some(asid));
}

/// Flushes every TLB entry of address space `asid`.
pub fn flush_asid(asid: u16) {
    sfence(None, Some(asid));
}

fn set_satp(root: u64, asid: u16) {
    // Without ASIDs (boot argument asid=off) every address space is ASID 0,
    // so a switch must flush what the last one left in the TLB.
    let satp = (8u64 << 60) | ((asid as u64) << 44) | (root >> 12);
    // SAFETY: the new address space maps the kernel half identically.
    unsafe { core::arch::asm!("csrw satp, {0}", in(reg) satp) };
    if !config().asid {
        sfence(None, None);
    }
}

/// Runs on the kernel's own page table (ASID 0).
pub fn use_kernel_space() {
    set_satp(config().kernel_root, 0);
}

/// Runs on the current process's address space again (after exec).
pub fn activate_current() {
    PROCS.with(|t| use_space(t.current_leader()));
}

/// Switches to `p`'s address space.
fn use_space(p: &Proc) {
    if let Some(space) = &p.space {
        set_satp(space.root(), p.asid());
    }
}

/// First code a new process runs in the kernel: straight to user mode.
extern "C" fn first_entry() -> ! {
    let set_child_tid = with_current(|p| (core::mem::take(&mut p.set_child_tid), p.pid));
    if set_child_tid.0 != 0 {
        // As Linux, a failure here goes unreported: the child runs on.
        let _ = crate::syscall::with_user(|u| u.copy_out(set_child_tid.0, &set_child_tid.1.to_le_bytes()));
    }
    trap::prepare_user_return();
    // SAFETY: the frame describes a user context set up by exec or fork,
    // and no reference to it is live.
    unsafe { userret(current_frame()) }
}

/// Under `threads=spread`, a node other than the first runs no program
/// of its own, only threads of node 0's: none of them is init.
pub fn no_init() {
    PROCS.with(|t| t.init_pid = 0);
}

/// Creates the first process, running `argv[0]` from the initrd.
pub fn spawn_init(argv: &[String]) -> Result<(), Errno> {
    let name = argv.first().map_or("sh", String::as_str);
    let args: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
    let prepared = crate::exec::prepare(name, &args, &rvsim_kernel_core::exec::DEFAULT_ENV)?;
    PROCS.with(|t| {
        vmm::with(|vmm| {
            let slot = match t.allocate(vmm, name, 0) {
                Ok(slot) => slot,
                Err(e) => {
                    prepared.discard(vmm);
                    return Err(e);
                }
            };
            let p = t.proc(slot);
            crate::exec::commit(p, vmm, prepared);
            // Descriptors 0, 1 and 2: one open file of the console, as
            // Linux's init gets /dev/console.
            let _ = p.files.open(File::Node(Node::Device(Device::Console)), AccessMode::ReadWrite, false);
            let _ = p.files.dup(0, 1, false);
            let _ = p.files.dup(0, 2, false);
            p.state = State::Runnable;
            t.init_pid = t.proc(slot).pid;
            Ok(())
        })
    })
}

/// fork: a copy of the current process (copy-on-write unless the boot
/// arguments say `cow=off`). Returns the child's pid, or ENOMEM when the
/// commit account has no room or frames run out on the way.
///
/// The child is built from free frames, above a reserve kept for faults
/// (the low watermark, and at least four frames). Fork reclaims first, but
/// fails with ENOMEM rather than dip into that reserve, so that a fork bomb
/// ends in a clean error, not in thrashing or the OOM killer.
/// What a fork's child is told of its thread id (clone's
/// `CLONE_CHILD_SETTID` and `CLONE_CHILD_CLEARTID`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ChildTid {
    /// Where the child writes its id when it first runs (0: nowhere).
    pub set: u64,
    /// Where its id is cleared when it exits (0: nowhere).
    pub clear: u64,
}

/// How a fork's child starts, beyond a copy of its parent.
#[derive(Debug, Clone, Copy)]
pub struct ForkStart {
    /// Where it writes and clears its thread id.
    pub tid: ChildTid,
    /// Its stack pointer, if not the parent's.
    pub stack: Option<u64>,
    /// A vfork: the parent waits until the child execs or exits.
    pub vfork: bool,
}

/// Forks the current process; returns the child's pid.
pub fn fork(start: ForkStart) -> Result<u32, Errno> {
    // A spread process first brings home what other nodes took (they may
    // take some back meanwhile: a few rounds).
    for _ in 0..SPREAD_GATHER_TRIES {
        if crate::spread::gather_home() == 0 {
            break;
        }
    }
    // Others may fault while reclaim sleeps on its writes, taking frames
    // back: try again a few times, with some margin, before refusing.
    for _ in 0..FORK_RECLAIM_TRIES {
        let short = with_vm(|k| k.pager.fork_shortage(k.frames.counts().free));
        if short == 0 || vmwait::reclaim(short + FORK_RECLAIM_MARGIN) == 0 {
            break;
        }
    }
    if with_vm(|k| k.pager.fork_refused(k.frames.counts().free)) {
        return Err(ENOMEM);
    }
    match PROCS.with(|t| vmm::with(|vmm| fork_in(t, vmm, start))) {
        Err(NO_FRAME) => Err(ENOMEM),
        outcome => outcome,
    }
}

/// Rounds of gathering a spread process's pages a fork tries.
const SPREAD_GATHER_TRIES: usize = 8;

/// Rounds of reclaim a fork tries before it refuses for want of frames.
const FORK_RECLAIM_TRIES: usize = 16;
/// Frames a fork's reclaim frees beyond its reserve.
const FORK_RECLAIM_MARGIN: usize = 8;

/// What `fork_in` returns when a frame (not the commit account) ran out.
const NO_FRAME: Errno = -1;

fn fork_in(t: &mut Table, vmm: &mut Vmm, start: ForkStart) -> Result<u32, Errno> {
    let tid = start.tid;
    // The child starts with the parent's FP registers as they are now.
    note_fp_changes(t);
    save_owner_fp(t);
    // The child copies the process (the leader holds its memory and files)
    // and the registers of the thread that forked.
    let thread_slot = t.current_slot();
    let parent_slot = t.proc(thread_slot).leader_slot;
    let (name, ppid) = {
        let parent = t.proc(parent_slot);
        (parent.name.clone(), parent.pid)
    };
    let child_slot = t.allocate(vmm, &name, ppid).map_err(|e| if e == ENOMEM { NO_FRAME } else { e })?;
    let (parent, child) = t.pair(parent_slot, child_slot);
    let mode = if config().cow { ForkMode::CopyOnWrite } else { ForkMode::Eager };
    if let Some(space) = parent.space.as_mut().filter(|s| s.spread.is_some()) {
        // Other nodes took pages back since they were gathered.
        if space.spread.as_ref().is_some_and(|s| !s.absent().is_empty()) {
            t.release(vmm, child_slot);
            return Err(EAGAIN);
        }
        rvsim_kernel_core::spread::prepare_fork(space, &mut vmm.vm(), &parent.regions);
    }
    let space = parent.space.as_ref().expect("a user process has an address space");
    let (child_space, report) = match space.fork(&mut vmm.vm(), config().kernel_root, mode) {
        Ok(forked) => forked,
        Err(why) => {
            t.release(vmm, child_slot);
            return Err(if why == ForkError::OverCommit { ENOMEM } else { NO_FRAME });
        }
    };
    // The parent's writable pages just became read-only COW pages.
    flush_asid(parent.asid());
    // The child's page tables and kernel stack came out of the free frames
    // the commit account counted on for user pages.
    if vmm.pager.overcommitted(vmm.frames.counts().free) {
        child_space.destroy(&mut vmm.vm());
        t.release(vmm, child_slot);
        return Err(ENOMEM);
    }
    vmlog::fork(parent.pid, child.pid, report);
    child.fp = parent.fp.clone();
    child.limits = parent.limits;
    child.set_child_tid = tid.set;
    child.files = parent.files.clone();
    child.cwd = parent.cwd;
    child.umask = parent.umask;
    child.signals = parent.signals.fork();
    child.pgid = parent.pgid;
    child.sid = parent.sid;
    child.clear_child_tid = tid.clear;
    child.space = Some(child_space);
    child.frame = parent.frame;
    child.frame.kernel_sp = child.kstack_top();
    child.frame.regs[reg::A0] = 0;
    if let Some(sp) = start.stack {
        child.frame.regs[reg::SP] = sp;
    }
    child.in_vfork = start.vfork;
    child.brk_start = parent.brk_start;
    child.brk = parent.brk;
    child.regions = parent.regions.clone();
    crate::placement::inherit(vmm, &child.regions);
    // Attachments are inherited as they are: shared, never COW.
    child.attachments = parent.attachments.clone();
    for a in &child.attachments {
        vmm.shm.inherit(a.id);
    }
    if thread_slot != parent_slot {
        let (thread, child) = t.pair(thread_slot, child_slot);
        child.frame = TrapFrame { kernel_sp: child.kstack_top(), ..thread.frame };
        child.frame.regs[reg::A0] = 0;
        if let Some(sp) = start.stack {
            child.frame.regs[reg::SP] = sp;
        }
        child.fp = thread.fp.clone();
        child.signals = thread.signals.fork();
    }
    let child = t.proc(child_slot);
    child.state = State::Runnable;
    Ok(child.pid)
}

/// Spawns a thread in the running thread's group; returns its id.
pub fn spawn_thread(start: ThreadStart) -> Result<u32, Errno> {
    threads::spawn(start)
}

/// exit(2): ends the running thread. The leader waits for the group's
/// other threads, then the process ends.
pub fn exit_thread(status: i32) -> ! {
    let group = threads::end_others(None);
    end_thread(group, status)
}

/// exit_group(2), or a fatal signal: ends every thread of the running
/// thread's group, the process with wait status `status`. The first
/// process ending ends the machine.
pub fn exit(status: i32) -> ! {
    crate::spread::shadow_dies(status);
    let group = threads::end_others(Some(status));
    end_thread(group, status)
}

/// Ends the running thread of a group in state `group`: a thread other
/// than the leader just goes; the leader waits for the others, then ends
/// the process.
fn end_thread(group: threads::GroupState, status: i32) -> ! {
    crate::spread::proxy_ends();
    threads::clear_child_tid();
    if !group.leader {
        threads::exit_detached();
    }
    if group.others {
        threads::wait_for_others();
    }
    let group_status = if group.others { with_process(|p| p.group_exit) } else { group.group_exit };
    exit_process(group_status.unwrap_or(status))
}

/// Ends the process (its last thread, the leader) with wait status
/// `status`. The first process ending ends the machine.
fn exit_process(status: i32) -> ! {
    crate::spread::process_ended();
    let (pid, init_pid) = PROCS.with(|t| (t.current_mut().pid, t.init_pid));
    if pid == init_pid {
        let code = if status & 0x7f != 0 { 128 + (status & 0x7f) } else { (status >> 8) & 0xff };
        end_of_run_summary();
        if !crate::dsm::on() {
            crate::shutdown(code as u32);
        }
        // A node of a cluster reports its status and serves on: other
        // nodes may still need the pages it owns.
        crate::report_exit(code as u32);
    }
    use_kernel_space();
    let context = PROCS.with(|t| vmm::with(|vmm| exit_in(t, vmm, status)));
    vmwait::frames_freed();
    sched(context);
    unreachable!("a zombie was scheduled");
}

/// Frees what the current process holds, hands its children to init and
/// leaves it a zombie for its parent; returns its context, to switch away
/// from.
fn exit_in(t: &mut Table, vmm: &mut Vmm, status: i32) -> *mut Context {
    let pid = t.current_mut().pid;
    if t.fp_owner.pid == Some(pid) {
        // Its registers are nothing now; no one owns them, so FS is Off.
        t.fp_owner = fpu::Owner::default();
        fpu::disable();
    }
    spread::retire_current(t);
    let p = t.current_mut();
    let (pid, parent) = (p.pid, p.parent);
    // Its files close now, as Linux's do at exit: a pipe's other end sees
    // the end of file without waiting for the zombie to be reaped.
    p.files = FdTable::new();
    release_memory(p, vmm);
    flush_asid(p.asid());
    p.exit_status = status;
    p.state = State::Zombie;
    let init = t.init_pid;
    let mut orphaned_zombie = false;
    for child in t.procs().filter(|c| c.parent == pid) {
        child.parent = init;
        orphaned_zombie |= child.state == State::Zombie;
    }
    if orphaned_zombie {
        t.wakeup(wait_channel(init));
    }
    t.wakeup(wait_channel(parent));
    t.wakeup(vfork_channel(pid));
    // A parent that ignores SIGCHLD (or set SA_NOCLDWAIT) is not told: as
    // on Linux, the child leaves no zombie, and the scheduler frees it.
    let mut unwatched = false;
    if let Some(parent) = t.procs().find(|p| p.pid == parent) {
        unwatched = parent.signals.ignores_children();
        if !unwatched {
            signals::send_to(parent, signal::SIGCHLD, child_info(pid, status));
        }
    }
    // A thread spread from another node's process has no parent here.
    let orphan = !t.procs().any(|p| p.pid == parent);
    if unwatched || orphan {
        t.current_mut().detached = true;
        t.detached_ended = true;
    }
    &raw mut t.current_mut().context
}

/// What SIGCHLD tells a parent of child `pid`, which ended with wait
/// status `status`.
fn child_info(pid: u32, status: i32) -> SigInfo {
    let (code, value) =
        if status & 0x7f != 0 { (CLD_KILLED, status & 0x7f) } else { (CLD_EXITED, (status >> 8) & 0xff) };
    SigInfo { code, pid, status: value, addr: 0 }
}

/// Gives back everything an exiting process holds of memory: its
/// shared-memory attachments, its address space (frames and swap slots)
/// and its holds on the placements of the images it ran and bound.
fn release_memory(p: &mut Proc, vmm: &mut Vmm) {
    detach_all(p, vmm);
    if let Some(space) = p.space.take() {
        let freed = space.destroy(&mut vmm.vm());
        vmlog::exit(p.pid, freed);
    }
    crate::placement::give_back(vmm, &core::mem::take(&mut p.regions));
}

/// Under `log=vmstat`: frees the first process's memory as any exit
/// does, then prints the VM counters. What the line shows still in use is
/// what other processes hold: nothing, when every process is gone and
/// every frame and swap slot came back.
fn end_of_run_summary() {
    if !config().log_vmstat {
        return;
    }
    use_kernel_space();
    PROCS.with(|t| vmm::with(|vmm| release_memory(t.current_mut(), vmm)));
    vmlog::summary(&vmm::with(|k| crate::syscall::teaching::record(k)));
}

/// What a parent's look at its children found.
enum Children {
    /// A zombie to reap: its slot, pid and status.
    Zombie(usize, u32, i32),
    /// Children, none of them a zombie yet.
    Running,
    /// No child matches.
    None,
}

/// Looks at the children of `parent` that `pid` selects (-1: any).
fn children(t: &mut Table, parent: u32, pid: i64) -> Children {
    let mut found = Children::None;
    let my_group = t.current_mut().pgid;
    let wanted = |c: &Proc| match pid {
        -1 => true,
        0 => c.pgid == my_group,
        ..-1 => i64::from(c.pgid) == -pid,
        _ => i64::from(c.pid) == pid,
    };
    for (slot, child) in t.live().iter().enumerate() {
        if let Some(c) = child
            && c.parent == parent
            && c.is_leader()
            && !c.detached
            && wanted(c)
        {
            if c.state == State::Zombie {
                return Children::Zombie(slot, c.pid, c.exit_status);
            }
            found = Children::Running;
        }
    }
    found
}

/// wait4: waits for a child (`pid` -1: any; 0: any in the caller's
/// process group; below -1: any in group -pid). `deliver` receives the
/// child's status before the child is released, and may refuse (a bad
/// status pointer), leaving it a zombie. With `nohang`, returns `None`
/// instead of waiting.
pub fn wait(pid: i64, nohang: bool, mut deliver: impl FnMut(i32) -> Result<(), Errno>) -> Result<Option<u32>, Errno> {
    let me = current_pid();
    loop {
        match PROCS.with(|t| children(t, me, pid)) {
            Children::Zombie(slot, child_pid, status) => {
                deliver(status)?;
                PROCS.with(|t| vmm::with(|vmm| t.release(vmm, slot)));
                return Ok(Some(child_pid));
            }
            Children::None => return Err(ECHILD),
            Children::Running if nohang => return Ok(None),
            Children::Running if current_interrupted() => return Err(EINTR),
            Children::Running => sleep(wait_channel(me)),
        }
    }
}

/// Kills the current process with `sig`, saying why on the console.
pub fn kill_current(sig: u32, why: core::fmt::Arguments) {
    with_current(|p| p.kill_with(sig, why));
}

/// How many processes exist (zombies included, as Linux's sysinfo counts
/// tasks).
pub fn count() -> usize {
    PROCS.with(|t| t.procs().count())
}

/// Sends the current process `sig` from the kernel, for what it did
/// (SIGPIPE): its action decides, and its default ends the process with
/// no console line, as Linux ends it silently.
pub fn signal_current(sig: u32) {
    with_current(|p| {
        signals::send_to(p, sig, SigInfo { code: rvsim_kernel_core::signal::SI_KERNEL, ..SigInfo::default() })
    });
}

/// A page fault from user mode. A fault that must wait (a page to read
/// from swap, frames to reclaim) is served with nothing borrowed, and
/// resolved again.
pub fn user_fault(va: u64, access: Access, pc: u64) {
    // Reclaim before the fault takes its frame, never after: the page just
    // brought in must not be the one taken away before the process uses it.
    vmwait::keep_frames_free();
    let mut asked_layout = false;
    loop {
        match with_current_vm(|p, vmm| resolve_fault(p, vmm, va, access)) {
            Ok(_) => return,
            Err(Unresolved::Wait(wait)) => {
                if !vmwait::serve(wait) {
                    kill_current(
                        signal::SIGBUS,
                        format_args!("the page at {va:#x} cannot be had (a swap disk error, or its node died)"),
                    );
                    return;
                }
                if current_killed() {
                    return;
                }
            }
            Err(Unresolved::OutOfMemory) => {
                kill_current(signal::SIGKILL, format_args!("out of memory at {va:#x}"));
                return;
            }
            // A thread of another node's process may not know the newest
            // layout yet: once, it asks.
            Err(_) if !asked_layout && crate::dsm::on() && crate::spread::refresh_layout() => asked_layout = true,
            Err(why) => {
                let kind = match access {
                    Access::Fetch => "instruction",
                    Access::Load => "load",
                    Access::Store => "store",
                };
                let (detail, code) = match why {
                    Unresolved::Protection => (" (not permitted)", SEGV_ACCERR),
                    _ => ("", SEGV_MAPERR),
                };
                let info = SigInfo { code, addr: va, ..SigInfo::default() };
                let why = format_args!("{kind} page fault at {va:#x}{detail}, pc {pc:#x}");
                force_current(signal::SIGSEGV, info, why);
                return;
            }
        }
    }
}

/// One attempt at resolving `p`'s fault at `va`; a resolution is flushed
/// from the TLB and logged.
fn resolve_fault(p: &mut Proc, vmm: &mut Vmm, va: u64, access: Access) -> Result<Resolved, Unresolved> {
    let space = p.space.as_mut().expect("a user process has an address space");
    let outcome = fault::resolve(space, &mut vmm.vm(), &p.regions, va, access);
    if let Ok(resolved) = outcome {
        flush_page(va, p.asid());
        vmlog::resolved(p.pid, va, access, resolved);
    }
    outcome
}

/// The out-of-memory killer's choice: the process (other than init, while
/// there is another) holding the most user pages, in memory or on swap,
/// that is not dying already. It is killed with SIGKILL; returns its pid,
/// name and pages.
pub fn kill_largest() -> Option<(u32, String, u64)> {
    PROCS.with(|t| {
        let init = t.init_pid;
        let mut best: Option<(u64, bool, usize)> = None;
        for (slot, p) in t.live().iter().enumerate() {
            let Some(p) = p.as_deref() else { continue };
            let Some(space) = p.space.as_ref().filter(|_| p.killed.is_none()) else { continue };
            let pages = space.entry_count(&KernelMemory);
            let key = (pages, p.pid != init, slot);
            if best.is_none_or(|b| (key.1, key.0) > (b.1, b.0)) {
                best = Some(key);
            }
        }
        let (pages, _, slot) = best?;
        let p = t.proc(slot);
        p.killed = Some(signal::SIGKILL);
        if p.state == State::Sleeping {
            p.state = State::Runnable;
        }
        Some((p.pid, p.name.clone(), pages))
    })
}

/// Any other exception from user mode: the process dies of it.
pub fn user_exception(cause: u64, tval: u64, pc: u64) {
    let info = |code, addr| SigInfo { code, addr, ..SigInfo::default() };
    match cause {
        2 => force_current(
            signal::SIGILL,
            info(ILL_ILLOPC, pc),
            format_args!("illegal instruction {tval:#x} at pc {pc:#x}"),
        ),
        3 => force_current(signal::SIGTRAP, info(TRAP_BRKPT, pc), format_args!("breakpoint at pc {pc:#x}")),
        1 | 5 | 7 => force_current(
            signal::SIGSEGV,
            info(SEGV_ACCERR, tval),
            format_args!("access fault at {tval:#x}, pc {pc:#x}"),
        ),
        0 | 4 | 6 => force_current(
            signal::SIGBUS,
            info(BUS_ADRALN, tval),
            format_args!("misaligned access at {tval:#x}, pc {pc:#x}"),
        ),
        _ => force_current(signal::SIGILL, info(ILL_ILLOPC, pc), format_args!("exception {cause} at pc {pc:#x}")),
    }
}

/// setpgid(pid, pgid): moves process `pid` (0: the caller; else the
/// caller or one of its children) into group `pgid` (0: its own pid),
/// which must be its own or an existing group of the caller's session.
pub fn set_pgid(pid: u32, pgid: u32) -> Result<(), Errno> {
    PROCS.with(|t| {
        let me = t.current_mut();
        let (my_pid, my_sid) = (me.pid, me.sid);
        let pid = if pid == 0 { my_pid } else { pid };
        let pgid = if pgid == 0 { pid } else { pgid };
        let target = t.procs().find(|p| p.pid == pid && (p.pid == my_pid || p.parent == my_pid)).ok_or(ESRCH)?;
        if target.sid != my_sid || target.sid == target.pid {
            return Err(EPERM);
        }
        let exists = pgid == pid || t.procs().any(|p| p.pgid == pgid && p.sid == my_sid);
        if !exists {
            return Err(EPERM);
        }
        if let Some(target) = t.procs().find(|p| p.pid == pid) {
            target.pgid = pgid;
        }
        Ok(())
    })
}

/// The process group and session of process `pid` (0: the caller).
pub fn group_of(pid: u32) -> Result<(u32, u32), Errno> {
    PROCS.with(|t| {
        let pid = if pid == 0 { t.current_mut().pid } else { pid };
        t.procs().find(|p| p.pid == pid && p.state != State::Zombie).map(|p| (p.pgid, p.sid)).ok_or(ESRCH)
    })
}

/// setsid(): the caller leads a new session and group, unless it leads a
/// group already (EPERM).
pub fn new_session() -> Result<u32, Errno> {
    with_current(|p| {
        if p.pgid == p.pid {
            return Err(EPERM);
        }
        p.pgid = p.pid;
        p.sid = p.pid;
        Ok(p.pid)
    })
}

/// On the way back to user mode: stores a system call's result (`a0`),
/// ends a killed process, and returns the trap frame to resume.
// Inlined into both callers, as `syscall::dispatch` is.
#[inline(always)]
pub fn return_to_user(a0: Option<u64>) -> *mut TrapFrame {
    let (killed, signalled, frame) = with_current(|p| {
        if let Some(a0) = a0 {
            p.frame.regs[reg::A0] = a0;
        }
        (p.killed, p.signals.deliverable() || p.spread_interrupted, &raw mut p.frame)
    });
    // The common case, nothing to deliver, costs one look.
    if killed.is_some() || signalled {
        // A thread of another node's process gets its signals from there.
        crate::spread::deliver_to_shadow();
        if let Some(sig) = killed.or_else(signals::deliver_all) {
            exit(sig as i32);
        }
    }
    frame
}

/// Gives up the hart until woken on `chan`.
pub fn sleep(chan: usize) {
    sleep_on(chan, None);
}

/// Gives up the hart until woken on `chan`, or until `mtime` reaches
/// `deadline`, or a kill.
pub fn sleep_on(chan: usize, deadline: Option<u64>) {
    let context = PROCS.with(|t| {
        t.sleeps += 1;
        let seq = t.sleeps;
        let p = t.current_mut();
        p.chan = chan;
        p.wake_at = deadline;
        p.sleep_seq = seq;
        p.state = State::Sleeping;
        &raw mut p.context
    });
    sched(context);
    with_current(|p| {
        p.chan = 0;
        p.wake_at = None;
    });
}

/// Sleep channel of a vfork parent waiting for child `pid`.
fn vfork_channel(pid: u32) -> usize {
    0x2_0000 + pid as usize
}

/// vfork's parent: waits until child `pid` has exec'd or exited.
pub fn wait_for_vfork_child(pid: u32) {
    while PROCS.with(|t| t.procs().any(|p| p.pid == pid && p.in_vfork && p.state != State::Zombie)) {
        sleep(vfork_channel(pid));
    }
}

/// The current process has exec'd: if it is a vfork child, its parent
/// goes on.
pub fn end_vfork() {
    PROCS.with(|t| {
        let p = t.current_mut();
        if core::mem::take(&mut p.in_vfork) {
            let pid = p.pid;
            t.wakeup(vfork_channel(pid));
        }
    });
}

/// Sleeps until a signal comes (sigsuspend, pause): sending one wakes it.
pub fn pause() {
    sleep(PAUSE_CHANNEL);
}

/// Sleeps until `mtime` reaches `deadline` (or the process is killed).
pub fn sleep_until(deadline: u64) {
    while crate::time::now() < deadline && !current_interrupted() {
        sleep_on(TIMER_CHANNEL, Some(deadline));
    }
}

/// Makes every process sleeping on `chan` runnable.
pub fn wakeup(chan: usize) {
    PROCS.with(|t| t.wakeup(chan));
}

/// Wakes at most `n` processes sleeping on `chan`, those asleep longest
/// first, marking them `woken`; returns how many.
pub fn wake_some(chan: usize, n: usize, bitset: u32) -> usize {
    PROCS.with(|t| {
        let mut woken = 0;
        while woken < n {
            let next = t
                .procs()
                .filter(|p| p.state == State::Sleeping && p.chan == chan && p.futex_bitset & bitset != 0)
                .min_by_key(|p| p.sleep_seq);
            let Some(p) = next else { break };
            p.state = State::Runnable;
            p.woken = true;
            woken += 1;
        }
        woken
    })
}

/// Moves up to `n` processes sleeping on `from` to sleep on `to` (the
/// longest asleep first, keeping their order); returns how many.
pub fn requeue(from: usize, to: usize, n: usize) -> usize {
    PROCS.with(|t| {
        let mut sleepers: Vec<&mut Proc> = t.procs().filter(|p| p.state == State::Sleeping && p.chan == from).collect();
        sleepers.sort_by_key(|p| p.sleep_seq);
        let moved = sleepers.len().min(n);
        for p in sleepers.into_iter().take(n) {
            p.chan = to;
        }
        moved
    })
}

/// What may start the pager's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingCause {
    /// A fault is over: they start if memory is getting short.
    Fault,
    /// Reclaim is about to choose victims: it needs them.
    Reclaim,
    /// A frame pool is being made: its replacement needs them.
    Pool,
}

/// Starts the pager's records (core's `tracking`) if they are not kept
/// yet and `cause` calls for them, entering the pages of every live
/// address space. Called between faults, never inside one: no page is
/// then between its frame and its entry.
pub fn start_tracking(cause: TrackingCause) {
    let started = with_table_vm(|t, k| {
        let free = k.frames.counts().free;
        if k.pager.tracking() || (cause == TrackingCause::Fault && !k.pager.wants_tracking(free)) {
            return None;
        }
        let roots: Vec<u64> = t.procs().filter_map(|p| p.space.as_ref().map(|s| s.root())).collect();
        Some((tracking::start(&mut k.vm(), &roots), k.pager.available(free)))
    });
    if let Some((pages, available)) = started {
        vmlog::tracking_started(pages, Some(available).filter(|_| cause != TrackingCause::Pool));
    }
}

/// The scheduler tick: wakes sleepers whose deadline has come, and lets
/// the replacer sample reference bits (LRU's aging, while memory is
/// getting short).
pub fn tick() {
    with_vm(|k| {
        let lru = k.pager.replacer.policy() == Policy::Lru && k.pager.tracking();
        if lru && k.pager.user_frames() * 4 >= k.pager.budget() * 3 {
            evict::sample(&mut k.vm());
        }
    });
    crate::dsm::tick();
    let now = crate::time::now();
    PROCS.with(|t| {
        for p in t.procs() {
            if p.state == State::Sleeping && p.wake_at.is_some_and(|at| now >= at) {
                p.state = State::Runnable;
            }
            signals::fire_timers(p, now);
        }
    });
}

/// Gives up the hart, staying runnable.
pub fn yield_now() {
    let context = with_current(|p| {
        p.state = State::Runnable;
        &raw mut p.context
    });
    sched(context);
}

/// Switches from the current process, whose `context` this is, to the
/// scheduler. The caller has set the state. Nothing may be borrowed
/// across the switch: no lock may be held.
fn sched(context: *mut Context) {
    assert!(lock::held() == 0, "sched with a lock held");
    // SAFETY: `swtch` saves into and loads from the two contexts through
    // these raw pointers while no reference to either is live (no lock is
    // held). The process's Box neither moves nor is freed while it can
    // still run (only zombies are released, after their last switch), and
    // the scheduler's context is a static.
    unsafe { swtch(context, SCHEDULER.0.get()) };
}

/// The scheduler: runs runnable processes round robin, and idles with
/// interrupts on when there are none.
pub fn scheduler() -> ! {
    loop {
        trap::interrupts_off();
        match PROCS.with(pick_next) {
            Some(context) => {
                // SAFETY: as in `sched`; no lock is held here.
                unsafe { swtch(SCHEDULER.0.get(), context) };
                use_kernel_space();
            }
            None => {
                // Wait with interrupts still off: wfi ends when one is
                // pending whatever sstatus.SIE says, and an interrupt that
                // arrived since the look for a runnable process (a disk
                // completion waking a faulting process) ends it at once
                // instead of being taken first and leaving wfi to wait for
                // the next tick. Then take it.
                // SAFETY: wfi only waits.
                unsafe { core::arch::asm!("wfi") };
                trap::interrupts_on();
            }
        }
    }
}

/// The next runnable process after the last one run: it becomes the
/// current one, on its address space; returns its context. With none,
/// there is no current process.
fn pick_next(t: &mut Table) -> Option<*const Context> {
    t.current = None;
    if t.detached_ended {
        threads::reap_detached(t);
    }
    let n = t.in_use.max(1);
    let slot = (1..=n)
        .map(|i| (t.cursor + i) % n)
        .find(|&s| t.slots[s].as_ref().is_some_and(|p| p.state == State::Runnable))?;
    t.cursor = slot;
    t.current = Some(slot);
    switch_fp(t, slot);
    let p = t.proc(slot);
    p.state = State::Running;
    let (leader, context) = (p.leader_slot, &raw const p.context);
    t.current_leader = leader;
    use_space(t.proc(leader));
    Some(context)
}

/// Detaches every shared-memory segment of `p` (exit, exec); its pages
/// must be unmapped by the caller or with the address space.
pub fn detach_all(p: &mut Proc, vmm: &mut Vmm) {
    let caller = Caller { pid: p.pid, now: crate::time::seconds() };
    for a in core::mem::take(&mut p.attachments) {
        if let Some(space) = p.space.as_mut() {
            space.unmap_range(&mut vmm.vm(), a.start, a.pages);
        }
        vmm.shm.detach(a.id, caller, &mut vmm.frames, &mut vmm.pager);
        vmlog::detach(p.pid, a.id, a.start);
    }
    p.regions.retain(|r| !matches!(r.backing, Backing::Shm { .. }));
}

/// Every process's address space and ASID, for the shared pages table's
/// harvest of accessed bits.
pub fn for_each_space(mut f: impl FnMut(&mut AddressSpace, u16)) {
    PROCS.with(|t| {
        for p in t.procs() {
            let asid = p.asid();
            if let Some(space) = p.space.as_mut() {
                f(space, asid);
            }
        }
    });
}

/// Prints the current process's page table.
pub fn vmprint() {
    with_process(|p| {
        if let Some(space) = &p.space {
            kprintln!("[vmprint] pid {} ({})", p.pid, p.name);
            let _ = space.vmprint(&KernelMemory, &mut crate::console::Writer);
        }
    });
    vmprint_distributed();
    vmprint_spread();
}

/// vmprint's part for a spread process (`threads=spread`): each page
/// whose DSM state here is not this node's first one (at the home: the
/// pages other nodes took or copied), with its state and probable owner.
fn vmprint_spread() {
    let Some((space, pages)) = with_process(|p| {
        let spread = p.space.as_ref()?.spread.as_ref()?;
        Some((spread.space, spread.changed_pages()))
    }) else {
        return;
    };
    kprintln!("[vmprint] address space spread over the cluster (space {space:#x}): {} pages moved", pages.len());
    for va in pages {
        if let Some(state) = crate::dsm::describe(space, va / PAGE) {
            kprintln!("  {va:#x}: {state}");
        }
    }
}

/// vmprint's part for cluster-wide segments: each attached page's state
/// here (owned, read copy, invalid) and its probable owner, mapped or
/// not (an invalid page has no entry to print above).
fn vmprint_distributed() {
    let attached: Vec<(u64, u64, u64, u32)> = with_current_vm(|p, k| {
        let space = |id: i32| k.shm.segment(id).ok().and_then(|s| s.space);
        p.attachments.iter().filter_map(|a| Some((a.start, a.pages, a.first, space(a.id)?))).collect()
    });
    for (start, pages, first, space) in attached {
        kprintln!("[vmprint] cluster-wide segment (space {space}) at {start:#x}, {pages} pages:");
        for i in 0..pages {
            if let Some(state) = crate::dsm::describe(space, first + i) {
                kprintln!("  {:#x}: page {space}:{}: {state}", start + i * PAGE, first + i);
            }
        }
    }
}
