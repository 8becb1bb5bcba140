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
mod console;
mod errno;
mod exec;
mod global;
mod images;
mod initrd;
mod kvm;
mod memory;
mod param;
mod plic;
mod proc;
mod start;
mod syscall;
mod time;
mod trap;
mod vmlog;

use core::sync::atomic::{AtomicBool, Ordering};

use rvsim_kernel_core::frame::FrameTable;
use rvsim_kernel_core::shared_pages::SharedPagesTable;
use rvsim_kernel_core::shm::ShmRegistry;
use rvsim_kernel_core::stats::VmStats;
use rvsim_kernel_core::{PAGE, Vm, bootargs, page_ceil, page_floor};

use global::Global;
use param::{DEVICE_BASE, FINISHER, UART};

/// Kernel-wide state.
pub struct Kernel {
    /// Physical frames.
    pub frames: FrameTable,
    /// The shared pages table (program text and rodata).
    pub shared: SharedPagesTable,
    /// Shared-memory segments.
    pub shm: ShmRegistry,
    /// Physical memory.
    pub mem: memory::KernelMemory,
    /// VM counters.
    pub stats: VmStats,
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
    /// The initrd.
    pub initrd: &'static [u8],
}

static KERNEL: Global<Kernel> = Global::new();
static PAGING: AtomicBool = AtomicBool::new(false);

/// The kernel state (see `global.rs` for the rules).
pub fn kernel() -> &'static mut Kernel {
    KERNEL.get()
}

impl Kernel {
    /// What the VM policy changes: frames, shared pages, memory, counters.
    pub fn vm(&mut self) -> Vm<'_, memory::KernelMemory> {
        Vm { frames: &mut self.frames, shared: &mut self.shared, mem: &mut self.mem, stats: &mut self.stats }
    }
}

/// Stops the machine through the test finisher with exit `code`.
pub fn shutdown(code: u32) -> ! {
    let base = if PAGING.load(Ordering::Relaxed) { DEVICE_BASE } else { 0 };
    let value = if code == 0 { 0x5555 } else { ((code & 0xffff) << 16) | 0x3333 };
    // SAFETY: the finisher's register.
    unsafe { ((base + FINISHER) as *mut u32).write_volatile(value) };
    loop {
        // SAFETY: nothing left to do.
        unsafe { core::arch::asm!("wfi") };
    }
}

fn overlaps(page: u64, (start, end): (u64, u64)) -> bool {
    page < page_ceil(end) && page + PAGE > page_floor(start)
}

/// S-mode entry, from `start.rs`.
#[unsafe(no_mangle)]
extern "C" fn kmain(_hart: usize, dtb: usize) -> ! {
    // The heap comes first after the kernel image, sized by the RAM it must
    // describe; the frames follow. The device tree is read before any
    // allocation.
    let boot = match boot::read(dtb) {
        Ok(boot) => boot,
        Err(why) => panic!("{why}"),
    };
    let heap = kvm::kernel_end();
    let heap_size = memory::heap_size((boot.ram_end - heap) / PAGE);
    memory::init_heap(heap, heap_size);
    let args = bootargs::parse(boot.bootargs);
    let first = heap + heap_size;
    let count = ((boot.ram_end.saturating_sub(first)) / PAGE) as usize;
    let initrd = (boot.initrd.as_ptr() as u64, boot.initrd.as_ptr() as u64 + boot.initrd.len() as u64);
    let reserved = |page: u64| overlaps(page, initrd) || overlaps(page, boot.dtb);
    let mut frames = FrameTable::new(first, count, reserved);
    let kernel_root = kvm::build(&mut frames, boot.ram_start, boot.ram_end);
    kvm::enable(kernel_root);
    PAGING.store(true, Ordering::Relaxed);
    console::relocate(DEVICE_BASE + UART);
    KERNEL.init(Kernel {
        frames,
        shared: SharedPagesTable::new(),
        shm: ShmRegistry::new(),
        mem: memory::KernelMemory,
        stats: VmStats::default(),
        kernel_root,
        cow: args.cow,
        share: args.share,
        asid: args.asid,
        log_vm: args.log_vm,
        initrd: boot.initrd,
    });
    for option in &args.unknown {
        kprintln!("[kernel] unknown boot option '{option}' ignored");
    }
    trap::init();
    plic::init();
    // The process table before the console: input that arrived before
    // boot completes lines, which wakes readers.
    proc::init();
    images::init();
    console::set_echo(args.echo);
    console::init();
    if let Err(errno) = proc::spawn_init(&args.init) {
        let name = args.init.first().map_or("", |s| s.as_str());
        kprintln!("[kernel] cannot run '{name}': error {errno}");
        shutdown(127);
    }
    proc::scheduler()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    kprintln!("[kernel] panic: {info}");
    shutdown(98)
}
