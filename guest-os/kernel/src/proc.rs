//! Processes: the process table and each process's life (creation, fork,
//! exit, wait, kill), sleeping and waking, and the round-robin scheduler
//! that the timer tick preempts into.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::fault::{self, Access, Unresolved};
use rvsim_kernel_core::region::DemandRegion;
use rvsim_kernel_core::shm::Caller;
use rvsim_kernel_core::space::{AddressSpace, ForkMode};

use crate::errno::{EAGAIN, ECHILD, EINTR, ENOMEM, ESRCH, Errno};
use crate::global::Global;
use crate::kvm::{KSTACK_BASE, KSTACK_STRIDE};
use crate::param::{KSTACK_PAGES, NPROC};
use crate::trap::{TrapFrame, reg, userret};
use crate::{kernel, kprintln, trap, vmlog};

/// Callee-saved registers of a kernel thread, for `swtch`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    ra: u64,
    sp: u64,
    s: [u64; 12],
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

/// Sleep channel of a parent waiting for its children.
fn wait_channel(pid: u32) -> usize {
    0x1_0000 + pid as usize
}

/// One process.
pub struct Proc {
    /// Process id.
    pub pid: u32,
    /// Parent's pid.
    pub parent: u32,
    /// Program name, for messages.
    pub name: String,
    /// Life-cycle state.
    pub state: State,
    /// User registers while in the kernel.
    pub frame: TrapFrame,
    context: Context,
    slot: usize,
    kstack: [u64; KSTACK_PAGES],
    /// The user address space.
    pub space: Option<AddressSpace>,
    /// The regions whose pages appear on first touch: the stack, then
    /// the images whose read-only pages come from the shared pages table
    /// (the program, then shared code objects it bound).
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
}

/// A shared-memory segment attached to a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attachment {
    /// First address.
    pub start: u64,
    /// Pages mapped.
    pub pages: u64,
    /// The segment.
    pub id: i32,
}

impl Proc {
    /// The ASID of this process's address space (0 is the kernel's, and
    /// everyone's with the boot argument asid=off).
    pub fn asid(&self) -> u16 {
        if kernel().asid { self.slot as u16 + 1 } else { 0 }
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

    /// Top of the kernel stack.
    fn kstack_top(&self) -> u64 {
        KSTACK_BASE + (self.slot as u64 + 1) * KSTACK_STRIDE
    }
}

struct Table {
    slots: Vec<Option<Box<Proc>>>,
    /// One past the highest slot in use: scans stop there (slots are
    /// taken lowest first, so this stays near the number of processes).
    in_use: usize,
    current: Option<usize>,
    next_pid: u32,
    sleeps: u64,
    cursor: usize,
    scheduler: Context,
    init_pid: u32,
}

static TABLE: Global<Table> = Global::new();

/// Sets up an empty process table.
pub fn init() {
    let mut slots = Vec::with_capacity(NPROC);
    slots.resize_with(NPROC, || None);
    TABLE.init(Table {
        slots,
        in_use: 0,
        current: None,
        next_pid: 1,
        sleeps: 0,
        cursor: 0,
        scheduler: Context::default(),
        init_pid: 1,
    });
}

fn table() -> &'static mut Table {
    TABLE.get()
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
}

/// The running process.
pub fn current() -> &'static mut Proc {
    let t = table();
    let slot = t.current.expect("no current process");
    t.slots[slot].as_deref_mut().expect("current slot empty")
}

/// The running process's trap frame.
pub fn current_frame() -> *mut TrapFrame {
    &mut current().frame
}

fn sfence(va: Option<u64>, asid: Option<u16>) {
    // SAFETY: TLB maintenance only.
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
    let tagged = kernel().asid;
    let satp = (8u64 << 60) | ((asid as u64) << 44) | (root >> 12);
    // SAFETY: the new address space maps the kernel half identically.
    unsafe { core::arch::asm!("csrw satp, {0}", in(reg) satp) };
    if !tagged {
        sfence(None, None);
    }
}

/// Runs on the kernel's own page table (ASID 0).
pub fn use_kernel_space() {
    set_satp(kernel().kernel_root, 0);
}

/// Runs on the current process's address space again (after exec).
pub fn activate_current() {
    use_space(current());
}

/// Switches to `p`'s address space.
fn use_space(p: &Proc) {
    if let Some(space) = &p.space {
        set_satp(space.root(), p.asid());
    }
}

/// First code a new process runs in the kernel: straight to user mode.
extern "C" fn first_entry() -> ! {
    trap::prepare_user_return();
    // SAFETY: the frame describes a user context set up by exec or fork.
    unsafe { userret(current_frame()) }
}

/// Takes a process slot and a kernel stack, for a process of `parent`.
fn allocate(name: &str, parent: u32) -> Result<&'static mut Proc, Errno> {
    let t = table();
    let slot = t.slots.iter().position(Option::is_none).ok_or(EAGAIN)?;
    let k = kernel();
    let mut kstack = [0u64; KSTACK_PAGES];
    for i in 0..KSTACK_PAGES {
        match k.frames.alloc() {
            Some(frame) => kstack[i] = frame,
            None => {
                kstack[..i].iter().for_each(|&f| {
                    k.frames.decref(f);
                });
                return Err(ENOMEM);
            }
        }
    }
    let base = KSTACK_BASE + slot as u64 * KSTACK_STRIDE;
    for (i, &frame) in kstack.iter().enumerate() {
        // The page at `base` stays unmapped: a guard below the stack.
        let va = base + (i as u64 + 1) * PAGE;
        crate::kvm::map(
            &mut k.frames,
            k.kernel_root,
            va,
            frame,
            rvsim_kernel_core::pte::R | rvsim_kernel_core::pte::W,
            0,
        );
        sfence(Some(va), None);
    }
    let pid = t.next_pid;
    t.next_pid += 1;
    let mut proc = Box::new(Proc {
        pid,
        parent,
        name: String::from(name),
        state: State::Sleeping,
        frame: TrapFrame::ZERO,
        context: Context::default(),
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
    });
    proc.context.ra = first_entry as *const () as u64;
    proc.context.sp = proc.kstack_top();
    proc.frame.kernel_sp = proc.kstack_top();
    t.slots[slot] = Some(proc);
    t.in_use = t.in_use.max(slot + 1);
    Ok(t.slots[slot].as_deref_mut().expect("just filled"))
}

/// Frees a process's slot, kernel stack and (if any) address space.
fn release(slot: usize) {
    let t = table();
    let Some(proc) = t.slots[slot].take() else { return };
    while t.in_use > 0 && t.slots[t.in_use - 1].is_none() {
        t.in_use -= 1;
    }
    let k = kernel();
    let asid = proc.asid();
    if let Some(space) = proc.space {
        space.destroy(&mut k.vm());
    }
    let base = KSTACK_BASE + slot as u64 * KSTACK_STRIDE;
    for (i, &frame) in proc.kstack.iter().enumerate() {
        let va = base + (i as u64 + 1) * PAGE;
        crate::kvm::unmap(k.kernel_root, va);
        sfence(Some(va), None);
        k.frames.decref(frame);
    }
    flush_asid(asid);
}

/// Creates the first process, running `argv[0]` from the initrd.
pub fn spawn_init(argv: &[String]) -> Result<(), Errno> {
    let name = argv.first().map_or("sh", String::as_str);
    let proc = allocate(name, 0)?;
    table().init_pid = proc.pid;
    let args: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
    if let Err(e) = crate::exec::exec(proc, name, &args, &[]) {
        let slot = proc.slot;
        release(slot);
        return Err(e);
    }
    proc.state = State::Runnable;
    Ok(())
}

/// fork: a copy of the current process (copy-on-write unless the boot
/// arguments say `cow=off`). Returns the child's pid.
pub fn fork() -> Result<u32, Errno> {
    let parent = current();
    let child = allocate(&parent.name, parent.pid)?;
    let k = kernel();
    let mode = if k.cow { ForkMode::CopyOnWrite } else { ForkMode::Eager };
    let space = parent.space.as_ref().expect("a user process has an address space");
    let kernel_root = k.kernel_root;
    match space.fork(&mut k.vm(), kernel_root, mode) {
        Ok((child_space, report)) => {
            // The parent's writable pages just became read-only COW pages.
            flush_asid(parent.asid());
            child.space = Some(child_space);
            vmlog::fork(parent.pid, child.pid, report);
        }
        Err(_) => {
            let slot = child.slot;
            release(slot);
            return Err(ENOMEM);
        }
    }
    child.frame = parent.frame;
    child.frame.kernel_sp = child.kstack_top();
    child.frame.regs[reg::A0] = 0;
    child.brk_start = parent.brk_start;
    child.brk = parent.brk;
    child.regions = parent.regions.clone();
    // Attachments are inherited as they are: shared, never COW.
    child.attachments = parent.attachments.clone();
    for a in &child.attachments {
        k.shm.inherit(a.id);
    }
    child.state = State::Runnable;
    Ok(child.pid)
}

/// Ends the current process with wait status `status`. The first process
/// ending ends the machine.
pub fn exit(status: i32) -> ! {
    let p = current();
    if p.pid == table().init_pid {
        let code = if status & 0x7f != 0 { 128 + (status & 0x7f) } else { (status >> 8) & 0xff };
        crate::shutdown(code as u32);
    }
    use_kernel_space();
    detach_all(p);
    if let Some(space) = p.space.take() {
        let freed = space.destroy(&mut kernel().vm());
        vmlog::exit(p.pid, freed);
    }
    flush_asid(p.asid());
    let init = table().init_pid;
    let mut orphaned_zombie = false;
    for child in table().procs().filter(|c| c.parent == p.pid) {
        child.parent = init;
        orphaned_zombie |= child.state == State::Zombie;
    }
    if orphaned_zombie {
        wakeup(wait_channel(init));
    }
    p.exit_status = status;
    p.state = State::Zombie;
    wakeup(wait_channel(p.parent));
    sched();
    unreachable!("a zombie was scheduled");
}

/// wait4: waits for a child (`pid` -1: any). `deliver` receives the
/// child's status before the child is released, and may refuse (a bad
/// status pointer), leaving it a zombie. With `nohang`, returns `None`
/// instead of waiting.
pub fn wait(pid: i64, nohang: bool, mut deliver: impl FnMut(i32) -> Result<(), Errno>) -> Result<Option<u32>, Errno> {
    loop {
        let me = current();
        let mut has_children = false;
        let mut zombie = None;
        for (slot, child) in table().live().iter().enumerate() {
            if let Some(c) = child
                && c.parent == me.pid
                && (pid == -1 || c.pid as i64 == pid)
            {
                has_children = true;
                if c.state == State::Zombie {
                    zombie = Some((slot, c.pid, c.exit_status));
                    break;
                }
            }
        }
        if let Some((slot, child_pid, status)) = zombie {
            deliver(status)?;
            release(slot);
            return Ok(Some(child_pid));
        }
        if !has_children {
            return Err(ECHILD);
        }
        if nohang {
            return Ok(None);
        }
        if me.killed.is_some() {
            return Err(EINTR);
        }
        sleep(wait_channel(me.pid));
    }
}

/// kill: marks process `pid` to end with signal `sig` (0 only checks it
/// exists).
pub fn kill(pid: u32, sig: u32) -> Result<(), Errno> {
    let p = table().procs().find(|p| p.pid == pid && p.state != State::Zombie).ok_or(ESRCH)?;
    if sig != 0 {
        p.killed = Some(sig);
        if p.state == State::Sleeping {
            p.state = State::Runnable;
        }
    }
    Ok(())
}

/// Kills the current process with `sig`, saying why on the console.
pub fn kill_current(sig: u32, why: core::fmt::Arguments) {
    let p = current();
    kprintln!("[kernel] pid {} ({}) killed by {}: {}", p.pid, p.name, signal::name(sig), why);
    p.killed = Some(sig);
}

/// A page fault from user mode.
pub fn user_fault(va: u64, access: Access, pc: u64) {
    let p = current();
    let k = kernel();
    let space = p.space.as_mut().expect("user process");
    match fault::resolve(space, &mut k.vm(), &p.regions, va, access) {
        Ok(resolved) => {
            flush_page(va, p.asid());
            vmlog::resolved(p.pid, va, access, resolved);
        }
        Err(Unresolved::OutOfMemory) => kill_current(signal::SIGKILL, format_args!("out of memory at {va:#x}")),
        Err(why) => {
            let kind = match access {
                Access::Fetch => "instruction",
                Access::Load => "load",
                Access::Store => "store",
            };
            let detail = if why == Unresolved::Protection { " (not permitted)" } else { "" };
            kill_current(signal::SIGSEGV, format_args!("{kind} page fault at {va:#x}{detail}, pc {pc:#x}"));
        }
    }
}

/// Any other exception from user mode: the process dies of it.
pub fn user_exception(cause: u64, tval: u64, pc: u64) {
    match cause {
        2 => kill_current(signal::SIGILL, format_args!("illegal instruction {tval:#x} at pc {pc:#x}")),
        3 => kill_current(signal::SIGTRAP, format_args!("breakpoint at pc {pc:#x}")),
        1 | 5 | 7 => kill_current(signal::SIGSEGV, format_args!("access fault at {tval:#x}, pc {pc:#x}")),
        0 | 4 | 6 => kill_current(signal::SIGBUS, format_args!("misaligned access at {tval:#x}, pc {pc:#x}")),
        _ => kill_current(signal::SIGILL, format_args!("exception {cause} at pc {pc:#x}")),
    }
}

/// On the way back to user mode: a killed process exits here.
pub fn before_user_return() {
    if let Some(sig) = current().killed {
        exit(sig as i32);
    }
}

/// Gives up the hart until woken on `chan`.
pub fn sleep(chan: usize) {
    sleep_on(chan, None);
}

/// Gives up the hart until woken on `chan`, or until `mtime` reaches
/// `deadline`, or a kill.
pub fn sleep_on(chan: usize, deadline: Option<u64>) {
    let t = table();
    t.sleeps += 1;
    let p = current();
    p.chan = chan;
    p.wake_at = deadline;
    p.sleep_seq = t.sleeps;
    p.state = State::Sleeping;
    sched();
    let p = current();
    p.chan = 0;
    p.wake_at = None;
}

/// Sleeps until `mtime` reaches `deadline` (or the process is killed).
pub fn sleep_until(deadline: u64) {
    while crate::time::now() < deadline && current().killed.is_none() {
        sleep_on(TIMER_CHANNEL, Some(deadline));
    }
}

/// Makes every process sleeping on `chan` runnable.
pub fn wakeup(chan: usize) {
    for p in table().procs() {
        if p.state == State::Sleeping && p.chan == chan {
            p.state = State::Runnable;
        }
    }
}

/// Wakes at most `n` processes sleeping on `chan`, those asleep longest
/// first, marking them `woken`; returns how many.
pub fn wake_some(chan: usize, n: usize) -> usize {
    let mut woken = 0;
    while woken < n {
        let next = table().procs().filter(|p| p.state == State::Sleeping && p.chan == chan).min_by_key(|p| p.sleep_seq);
        let Some(p) = next else { break };
        p.state = State::Runnable;
        p.woken = true;
        woken += 1;
    }
    woken
}

/// The scheduler tick: wakes sleepers whose deadline has come.
pub fn tick() {
    let now = crate::time::now();
    for p in table().procs() {
        if p.state == State::Sleeping && p.wake_at.is_some_and(|at| now >= at) {
            p.state = State::Runnable;
        }
    }
}

/// Gives up the hart, staying runnable.
pub fn yield_now() {
    current().state = State::Runnable;
    sched();
}

/// Switches to the scheduler. The caller has set the state.
fn sched() {
    let p = current();
    let scheduler = &raw const table().scheduler;
    // SAFETY: both contexts stay valid: the process's Box never moves, and
    // the scheduler's context is static.
    unsafe { swtch(&mut p.context, scheduler) };
}

/// The scheduler: runs runnable processes round robin, and idles with
/// interrupts on when there are none.
pub fn scheduler() -> ! {
    loop {
        trap::interrupts_off();
        let t = table();
        let n = t.in_use.max(1);
        let next = (1..=n)
            .map(|i| (t.cursor + i) % n)
            .find(|&s| t.slots[s].as_ref().is_some_and(|p| p.state == State::Runnable));
        match next {
            Some(slot) => {
                t.cursor = slot;
                t.current = Some(slot);
                let p = t.slots[slot].as_deref_mut().expect("runnable slot");
                p.state = State::Running;
                use_space(p);
                let context = &raw const p.context;
                // SAFETY: see `sched`.
                unsafe { swtch(&raw mut table().scheduler, context) };
                table().current = None;
                use_kernel_space();
            }
            None => {
                trap::interrupts_on();
                // SAFETY: waiting for an interrupt.
                unsafe { core::arch::asm!("wfi") };
            }
        }
    }
}

/// Detaches every shared-memory segment of `p` (exit, exec); its pages
/// must be unmapped by the caller or with the address space.
pub fn detach_all(p: &mut Proc) {
    let k = kernel();
    let caller = Caller { pid: p.pid, now: crate::time::seconds() };
    for a in core::mem::take(&mut p.attachments) {
        if let Some(space) = p.space.as_mut() {
            space.unmap_range(&mut k.vm(), a.start, a.pages);
        }
        k.shm.detach(a.id, caller, &mut k.frames);
        vmlog::detach(p.pid, a.id, a.start);
    }
}

/// Every process's address space and ASID, for the shared pages table's
/// harvest of accessed bits.
pub fn for_each_space(mut f: impl FnMut(&mut AddressSpace, u16)) {
    for p in table().procs() {
        let asid = p.asid();
        if let Some(space) = p.space.as_mut() {
            f(space, asid);
        }
    }
}

/// Prints the current process's page table.
pub fn vmprint() {
    let p = current();
    if let Some(space) = &p.space {
        kprintln!("[vmprint] pid {} ({})", p.pid, p.name);
        let _ = space.vmprint(&kernel().mem, &mut crate::console::Writer);
    }
}
