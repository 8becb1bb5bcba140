//! Kernel memory: physical memory through the identity mapping of RAM,
//! the kernel heap, and the frame allocator behind them.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::NonNull;

use linked_list_allocator::Heap;
use rvsim_kernel_core::{PAGE, PhysMemory};

/// RAM, reached at its physical addresses (identity-mapped in every
/// address space).
///
/// Every address the policy code passes is in a frame the frame table
/// manages (a page-table page, or a frame a PTE maps) or a page-table
/// entry inside one. Frames lie after the kernel image and its heap, so no
/// Rust object lives in them, and identity-mapped RAM is always mapped:
/// accesses here alias nothing the compiler knows of.
pub struct KernelMemory;

fn ptr(pa: u64) -> *mut u8 {
    pa as *mut u8
}

impl PhysMemory for KernelMemory {
    fn read_u64(&self, pa: u64) -> u64 {
        // SAFETY: an aligned word in a managed frame (see `KernelMemory`).
        unsafe { (ptr(pa) as *const u64).read_volatile() }
    }
    fn write_u64(&mut self, pa: u64, value: u64) {
        // SAFETY: an aligned word in a managed frame (see `KernelMemory`).
        unsafe { (ptr(pa) as *mut u64).write_volatile(value) }
    }
    fn zero_page(&mut self, pa: u64) {
        // SAFETY: a whole managed frame (see `KernelMemory`).
        unsafe { core::ptr::write_bytes(ptr(pa), 0, PAGE as usize) }
    }
    fn copy_page(&mut self, from: u64, to: u64) {
        // SAFETY: two distinct managed frames (see `KernelMemory`), so
        // the ranges do not overlap.
        unsafe { core::ptr::copy_nonoverlapping(ptr(from), ptr(to), PAGE as usize) }
    }
    fn read(&self, pa: u64, buf: &mut [u8]) {
        // SAFETY: within one managed frame (see `KernelMemory`); `buf` is a
        // kernel buffer, which is never in a frame.
        unsafe { core::ptr::copy_nonoverlapping(ptr(pa), buf.as_mut_ptr(), buf.len()) }
    }
    fn write(&mut self, pa: u64, data: &[u8]) {
        // SAFETY: within one managed frame (see `KernelMemory`); `data` is
        // a kernel buffer, which is never in a frame.
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
