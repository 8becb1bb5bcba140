//! The virtual memory manager's state: physical frames, the shared pages
//! table, shared-memory segments and the VM counters, behind one lock.
//! The policy that changes them lives in `rvsim-kernel-core`; this file
//! only owns them.

use rvsim_kernel_core::Vm;
use rvsim_kernel_core::frame::FrameTable;
use rvsim_kernel_core::shared_pages::SharedPagesTable;
use rvsim_kernel_core::shm::ShmRegistry;
use rvsim_kernel_core::stats::VmStats;

use crate::lock::Lock;
use crate::memory::KernelMemory;

/// Frames, shared pages, shared memory and counters.
pub struct Vmm {
    /// Physical frames.
    pub frames: FrameTable,
    /// The shared pages table (program text and rodata).
    pub shared: SharedPagesTable,
    /// Shared-memory segments.
    pub shm: ShmRegistry,
    /// Physical memory.
    pub mem: KernelMemory,
    /// VM counters.
    pub stats: VmStats,
}

impl Vmm {
    /// What the VM policy changes: frames, shared pages, memory, counters.
    pub fn vm(&mut self) -> Vm<'_, KernelMemory> {
        Vm { frames: &mut self.frames, shared: &mut self.shared, mem: &mut self.mem, stats: &mut self.stats }
    }
}

static VMM: Lock<Vmm> = Lock::new("the virtual memory manager");

/// Starts the manager with the boot's frames.
pub fn init(frames: FrameTable) {
    VMM.init(Vmm {
        frames,
        shared: SharedPagesTable::new(),
        shm: ShmRegistry::new(),
        mem: KernelMemory,
        stats: VmStats::default(),
    });
}

/// Lends the manager to `f`. Taken after the process table, never
/// before it (see `lock.rs`).
pub fn with<R>(f: impl FnOnce(&mut Vmm) -> R) -> R {
    VMM.with(f)
}
