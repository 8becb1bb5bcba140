//! What the virtio-drivers crate needs of the kernel (its `Hal`): memory
//! the device can reach, and the device's address for a buffer. RAM is
//! identity-mapped in the kernel half, so a buffer in RAM (the heap, or a
//! frame) has its physical address as its address. Kernel stacks are not
//! identity-mapped: nothing on a stack is ever handed to a device.

use core::alloc::Layout;
use core::ptr::NonNull;

use rvsim_kernel_core::PAGE;
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

use crate::param::DEVICE_BASE;

/// The kernel's side of virtio-drivers.
pub struct KernelHal;

fn pages_layout(pages: usize) -> Layout {
    match Layout::from_size_align(pages.max(1) * PAGE as usize, PAGE as usize) {
        Ok(layout) => layout,
        Err(_) => panic!("a virtqueue of {pages} pages"),
    }
}

// SAFETY: `dma_alloc` returns zeroed, page-aligned heap memory that only
// the queue that asked for it uses, at an address that is also its
// physical address (RAM is identity-mapped); `share` gives a buffer's own
// address, which is its physical address for every buffer the kernel
// shares (heap blocks and frames, never a kernel stack); MMIO windows are
// mapped at `DEVICE_BASE + pa`.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        // SAFETY: the layout's size is not zero.
        let memory = unsafe { alloc::alloc::alloc_zeroed(pages_layout(pages)) };
        match NonNull::new(memory) {
            Some(memory) => (memory.as_ptr() as PhysAddr, memory),
            None => panic!("no kernel memory for a virtqueue of {pages} pages"),
        }
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, vaddr: NonNull<u8>, pages: usize) -> i32 {
        // SAFETY: `vaddr` came from `dma_alloc` with the same page count.
        unsafe { alloc::alloc::dealloc(vaddr.as_ptr(), pages_layout(pages)) };
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        match NonNull::new((DEVICE_BASE + paddr) as *mut u8) {
            Some(address) => address,
            None => panic!("MMIO at {paddr:#x} maps to null"),
        }
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        buffer.as_ptr() as *mut u8 as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}
