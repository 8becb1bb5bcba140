//! rvsim's teaching kernel.
//!
//! It boots like any `-bios none` kernel on QEMU `virt` (M-mode at the
//! start of RAM, a0 = hart id, a1 = device tree), sets the machine up and
//! drops to S-mode (`start.rs`), reads RAM, boot arguments and the initrd
//! from the device tree (`boot.rs`), builds the kernel page table
//! (`kvm.rs`), and runs the first program from the initrd. Processes get
//! their own Sv39 address spaces with their own ASIDs; fork shares pages
//! copy-on-write. The virtual-memory policy itself lives in the
//! `rvsim-kernel-core` crate, which is unit-tested on the host.
#![no_std]
#![no_main]

extern crate alloc;

mod boot;
mod cluster;
mod console;
mod disk;
mod dsm;
mod errno;
mod exec;
mod fpu;
mod images;
mod initrd;
mod kvm;
mod lock;
mod memory;
mod net;
mod param;
mod pipe;
mod placement;
mod plic;
mod proc;
mod procfs;
mod spread;
mod start;
mod syscall;
mod time;
mod trap;
mod virtio_hal;
mod vmlog;
mod vmm;
mod vmwait;

use core::sync::atomic::{AtomicBool, Ordering};

use rvsim_kernel_core::boot_memory::{self, BootMemoryError};
use rvsim_kernel_core::frame::FrameTable;
use rvsim_kernel_core::pager::PagerConfig;
use rvsim_kernel_core::{PAGE, bootargs, page_ceil, page_floor};

use lock::Once;
use param::{DEVICE_BASE, EXIT_BOOT_FAILED, FINISHER, UART};

/// What the boot decided and nothing changes afterwards: the boot
/// options, the kernel page table, the initrd.
pub struct Config {
    /// The kernel's page table (its upper half is in every address space).
    pub kernel_root: u64,
    /// Fork shares pages copy-on-write (boot argument `cow=off` turns it off).
    pub cow: bool,
    /// Program text comes from the shared pages table (`share=off` gives
    /// every process its own copy).
    pub share: bool,
    /// Address spaces have their own ASIDs (`asid=off`: all use 0, and
    /// every switch flushes the TLB).
    pub asid: bool,
    /// The VM log is on (`log=vm`).
    pub log_vm: bool,
    /// The VM counters are printed at shutdown (`log=vmstat`).
    pub log_vmstat: bool,
    /// Print each unimplemented system call once (`log=syscalls`).
    pub log_syscalls: bool,
    /// Print distributed shared memory's faults and transfers (`log=dsm`).
    pub log_dsm: bool,
    /// The initrd.
    pub initrd: &'static [u8],
    /// The swap disk, if there is one.
    pub swap: Option<SwapDisk>,
}

/// The disk the pager swaps to.
#[derive(Debug, Clone, Copy)]
pub struct SwapDisk {
    /// Its index among the disks.
    pub disk: usize,
    /// Its slots (pages 1 to `slots` of the disk).
    pub slots: u32,
}

static CONFIG: Once<Config> = Once::new();
static PAGING: AtomicBool = AtomicBool::new(false);

/// The boot's decisions (set once in `kmain`).
pub fn config() -> &'static Config {
    CONFIG.get()
}

/// Tells the test finisher the run ended with exit `code`. A lone machine
/// stops there; a node of a cluster (`rvsim cluster`) runs on, serving
/// the others, until every node has said so.
pub fn report_exit(code: u32) {
    let base = if PAGING.load(Ordering::Relaxed) { DEVICE_BASE } else { 0 };
    let value = if code == 0 { 0x5555 } else { ((code & 0xffff) << 16) | 0x3333 };
    // SAFETY: the finisher's register, mapped at `base + FINISHER` (the
    // identity before paging, the kernel half after).
    unsafe { ((base + FINISHER) as *mut u32).write_volatile(value) };
}

/// Stops the machine through the test finisher with exit `code`.
pub fn shutdown(code: u32) -> ! {
    report_exit(code);
    loop {
        // SAFETY: nothing left to do.
        unsafe { core::arch::asm!("wfi") };
    }
}

/// The kernel cannot boot: says why on the console and stops the machine
/// with [`EXIT_BOOT_FAILED`].
fn boot_failed(why: core::fmt::Arguments) -> ! {
    kprintln!("[kernel] boot failed: {why}");
    shutdown(EXIT_BOOT_FAILED)
}

fn overlaps(page: u64, (start, end): (u64, u64)) -> bool {
    page < page_ceil(end) && page + PAGE > page_floor(start)
}

/// The frames of RAM left after the kernel image and its heap, minus the
/// device tree and the initrd; the heap is set up on the way.
fn take_memory(boot: &boot::BootInfo) -> FrameTable {
    let ram = (boot.ram_end - boot.ram_start) / 1024;
    let initrd = (boot.initrd.as_ptr() as u64, boot.initrd.as_ptr() as u64 + boot.initrd.len() as u64);
    let placed = [initrd, boot.dtb];
    let layout = match boot_memory::layout(boot.ram_start, kvm::kernel_end(), boot.ram_end, &placed) {
        Ok(layout) => layout,
        Err(BootMemoryError::TooSmall { least }) => boot_failed(format_args!(
            "{ram} KiB of RAM is too little: the kernel image, its heap and its first page tables need at least {} KiB",
            least / 1024
        )),
        Err(BootMemoryError::Covers { which, at }) => boot_failed(format_args!(
            "the kernel heap would cover the {} at {at:#x}; give the machine more RAM",
            ["initrd", "device tree"][which]
        )),
    };
    memory::init_heap(layout.heap, layout.heap_size);
    let reserved = |page: u64| placed.iter().any(|&range| overlaps(page, range));
    FrameTable::new(layout.first_frame, layout.frames, reserved)
}

/// The swap disk: the first disk with a swap header (as many of its slots
/// as the heap can count).
fn find_swap() -> Option<SwapDisk> {
    let found = disk::probe().into_iter().find(|d| d.swap.is_some())?;
    let header = found.swap?;
    let slots = header.last_page.min(boot_memory::MAX_SWAP_SLOTS as u64) as u32;
    kprintln!("[kernel] swap on virtio{}: {} slots ({} KiB)", found.slot, slots, slots as u64 * PAGE / 1024);
    if (slots as u64) < header.last_page {
        kprintln!("[kernel] swap: the kernel counts at most {} slots; the rest of the disk is unused", slots);
    }
    Some(SwapDisk { disk: found.disk, slots })
}

/// The fewest frames user pages may have: an instruction that straddles
/// two pages may load or store across two others, and cannot complete
/// unless all four are in memory at once.
const MIN_BUDGET: usize = 4;

/// The frames user pages may hold at once: `frames=` if given (as far as
/// there are, and at least [`MIN_BUDGET`]), else every free frame but a
/// reserve for page tables and kernel stacks (a sixteenth, and at least
/// 64).
fn frame_budget(frames: &FrameTable, asked: Option<usize>) -> usize {
    let free = frames.counts().free;
    let reserve = (free / 16).max(64).min(free / 2);
    match asked {
        Some(n) if n < MIN_BUDGET => {
            kprintln!("[kernel] frames={n}: one instruction may need {MIN_BUDGET} pages at once; using {MIN_BUDGET}");
            MIN_BUDGET
        }
        Some(n) if n <= free - reserve => n,
        Some(n) => {
            kprintln!("[kernel] frames={n}: only {} frames can hold user pages; using that", free - reserve);
            free - reserve
        }
        None => free - reserve,
    }
}

/// S-mode entry, from `start.rs`.
#[unsafe(no_mangle)]
extern "C" fn kmain(_hart: usize, dtb: usize) -> ! {
    // The heap comes first after the kernel image, sized by the RAM it must
    // describe; the frames follow. The device tree is read before any
    // allocation.
    let boot = match boot::read(dtb) {
        Ok(boot) => boot,
        Err(why) => boot_failed(format_args!("{why}")),
    };
    let mut frames = take_memory(&boot);
    let args = bootargs::parse(boot.bootargs);
    let kernel_root = match kvm::build(&mut frames, boot.ram_start, boot.ram_end) {
        Ok(root) => root,
        Err(_) => boot_failed(format_args!(
            "no free frames for the kernel page table ({} frames of RAM after the kernel, its heap, the initrd and \
             the device tree)",
            frames.counts().total
        )),
    };
    kvm::enable(kernel_root);
    PAGING.store(true, Ordering::Relaxed);
    console::relocate(DEVICE_BASE + UART);
    let swap = find_swap();
    CONFIG.set(Config {
        kernel_root,
        cow: args.cow,
        share: args.share,
        asid: args.asid,
        log_vm: args.log_vm,
        log_vmstat: args.log_vmstat,
        log_syscalls: args.log_syscalls,
        log_dsm: args.log_dsm,
        initrd: boot.initrd,
        swap,
    });
    let budget = frame_budget(&frames, args.frames);
    let pager = PagerConfig {
        policy: args.pager,
        shared_sweeps: args.shared_sweeps,
        budget,
        swap_slots: swap.map_or(0, |s| s.slots),
    };
    vmm::init(frames, pager);
    for option in &args.unknown {
        kprintln!("[kernel] unknown boot option '{option}' ignored");
    }
    trap::init();
    plic::init();
    let mac = net::probe();
    dsm::init(args.cluster, cluster::init(args.cluster, mac));
    // The process table before the console: input that arrived before
    // boot completes lines, which wakes readers.
    proc::init();
    images::init();
    console::set_echo(args.echo);
    console::init();
    if args.cluster.spread && args.cluster.node != 0 && dsm::on() {
        // threads=spread: the program runs on node 0, and spreads here.
        proc::no_init();
        report_exit(0);
    } else if let Err(errno) = proc::spawn_init(&args.init) {
        let name = args.init.first().map_or("", |s| s.as_str());
        kprintln!("[kernel] cannot run '{name}': {}", errno::name(errno));
        shutdown(127);
    }
    proc::scheduler()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    kprintln!("[kernel] panic: {info}");
    shutdown(98)
}
