//! The virtual memory manager's state: physical frames, the shared pages
//! table, shared-memory segments, the VM counters and the pager (reverse
//! map, replacer, swap, commit account), behind one lock. The policy that
//! changes them lives in `rvsim-kernel-core`; this file only owns them.

use rvsim_kernel_core::Vm;
use rvsim_kernel_core::frame::FrameTable;
use rvsim_kernel_core::pager::{Pager, PagerConfig};
use rvsim_kernel_core::shared_pages::SharedPagesTable;
use rvsim_kernel_core::shm::ShmRegistry;
use rvsim_kernel_core::stats::VmStats;

use crate::lock::Lock;
use crate::memory::KernelMemory;

/// Frames, shared pages, shared memory, counters and the pager.
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
    /// Reverse map, replacer, swap, commit account.
    pub pager: Pager,
}

impl Vmm {
    /// What the VM policy changes, lent as one value.
    pub fn vm(&mut self) -> Vm<'_, KernelMemory> {
        Vm {
            frames: &mut self.frames,
            shared: &mut self.shared,
            shm: &mut self.shm,
            mem: &mut self.mem,
            stats: &mut self.stats,
            pager: &mut self.pager,
        }
    }
}

static VMM: Lock<Vmm> = Lock::new("the virtual memory manager");

/// Starts the manager with the boot's frames and the pager's settings.
pub fn init(frames: FrameTable, config: PagerConfig) {
    let (base, count) = frames.range();
    VMM.init(Vmm {
        frames,
        shared: SharedPagesTable::new(),
        shm: ShmRegistry::new(),
        mem: KernelMemory,
        stats: VmStats::default(),
        pager: Pager::new(config, base, count),
    });
}

/// Lends the manager to `f`. It nests inside the process table's lock,
/// never the other way round; `proc::with_vm` takes both and flushes the
/// TLB entries the pager changed.
pub fn with<R>(f: impl FnOnce(&mut Vmm) -> R) -> R {
    VMM.with(f)
}
