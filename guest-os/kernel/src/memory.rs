//! Kernel memory: physical memory through the identity mapping of RAM,
//! the kernel heap, and the frame allocator behind them.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::NonNull;

use linked_list_allocator::Heap;
use rvsim_kernel_core::{PAGE, PhysMemory};

/// RAM, reached at its physical addresses (identity-mapped in every
/// address space).
pub struct KernelMemory;

fn ptr(pa: u64) -> *mut u8 {
    pa as *mut u8
}

impl PhysMemory for KernelMemory {
    fn read_u64(&self, pa: u64) -> u64 {
        // SAFETY: pa is a RAM address handed out by the frame table or a
        // page-table entry the kernel wrote.
        unsafe { (ptr(pa) as *const u64).read_volatile() }
    }
    fn write_u64(&mut self, pa: u64, value: u64) {
        // SAFETY: as above.
        unsafe { (ptr(pa) as *mut u64).write_volatile(value) }
    }
    fn zero_page(&mut self, pa: u64) {
        // SAFETY: a whole frame of RAM.
        unsafe { core::ptr::write_bytes(ptr(pa), 0, PAGE as usize) }
    }
    fn copy_page(&mut self, from: u64, to: u64) {
        // SAFETY: two distinct frames of RAM.
        unsafe { core::ptr::copy_nonoverlapping(ptr(from), ptr(to), PAGE as usize) }
    }
    fn read(&self, pa: u64, buf: &mut [u8]) {
        // SAFETY: within one frame of RAM.
        unsafe { core::ptr::copy_nonoverlapping(ptr(pa), buf.as_mut_ptr(), buf.len()) }
    }
    fn write(&mut self, pa: u64, data: &[u8]) {
        // SAFETY: within one frame of RAM.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), ptr(pa), data.len()) }
    }
}

/// The kernel heap: a first-fit allocator over a static region.
struct KernelHeap(UnsafeCell<Heap>);

// SAFETY: the kernel allocates only in kernel code, which runs on one
// hart with interrupts off (interrupt handlers never allocate), so no two
// uses of the heap overlap.
unsafe impl Sync for KernelHeap {}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap(UnsafeCell::new(Heap::empty()));

// SAFETY: `alloc` hands out blocks of the heap's region that the
// first-fit allocator keeps disjoint and aligned as `layout` asks, and
// `dealloc` gives them back; the region is RAM that nothing else uses.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: exclusive on one hart (see above).
        let heap = unsafe { &mut *self.0.get() };
        heap.allocate_first_fit(layout).map_or(core::ptr::null_mut(), |p| p.as_ptr())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(p) = NonNull::new(ptr) {
            // SAFETY: exclusive; `ptr` came from `alloc` with `layout`.
            unsafe { (*self.0.get()).deallocate(p, layout) }
        }
    }
}

/// Gives the heap the RAM `[start, start + size)`. Called once, before
/// any allocation; the frame allocator must not hand that RAM out.
pub fn init_heap(start: u64, size: u64) {
    // SAFETY: boot, before any allocation; the region is RAM that only the
    // heap uses from now on.
    unsafe { (*HEAP.0.get()).init(start as *mut u8, size as usize) };
}

/// Heap size for a machine with `frames` frames: room for the frame
/// table (six bytes a frame) and a base for everything else.
pub fn heap_size(frames: u64) -> u64 {
    rvsim_kernel_core::page_ceil((2 << 20) + frames * 8)
}

/// Frames the kernel needs at boot beyond its heap: its page tables and
/// the first process's kernel stack and tables.
const BOOT_FRAMES: u64 = 32;

/// Where the heap and the frames go in RAM.
pub struct MemoryLayout {
    /// Bytes of heap, from the end of the kernel image.
    pub heap_size: u64,
    /// The first frame after the heap.
    pub first_frame: u64,
    /// Frames from there to the end of RAM.
    pub frames: usize,
}

/// RAM too small to boot in.
pub struct TooSmall {
    /// The least RAM the kernel image, heap and boot frames fit in.
    pub least: u64,
}

/// Lays out the heap after the kernel image (which ends at `heap`) and
/// the frames after it, in RAM `[ram_start, ram_end)`.
pub fn layout(ram_start: u64, heap: u64, ram_end: u64) -> Result<MemoryLayout, TooSmall> {
    let heap_size = heap_size(ram_end.saturating_sub(heap) / PAGE);
    let first_frame = heap + heap_size;
    if first_frame + BOOT_FRAMES * PAGE > ram_end {
        return Err(TooSmall { least: least_ram(heap - ram_start) });
    }
    Ok(MemoryLayout { heap_size, first_frame, frames: ((ram_end - first_frame) / PAGE) as usize })
}

/// The least RAM that holds a kernel image of `image` bytes, its heap
/// and the boot frames (the heap grows with RAM, so a few rounds settle
/// it).
fn least_ram(image: u64) -> u64 {
    let mut least = image + heap_size(0) + BOOT_FRAMES * PAGE;
    for _ in 0..3 {
        least = image + heap_size((least - image) / PAGE) + BOOT_FRAMES * PAGE;
    }
    least
}
