//! Helpers shared by the TLB workloads (`rvsim bench tlb`): memory from
//! the heap, a reproducible random number generator, a checksum.

use crate::sys;

/// Bytes in a page.
pub const PAGE: usize = 4096;

/// `pages` pages of zeroed heap memory, or exits with a message.
pub fn pages(name: &str, pages: usize) -> &'static mut [u64] {
    match sys::sbrk(pages * PAGE) {
        // SAFETY: fresh heap memory of that size, zeroed by the kernel, used
        // only through this slice.
        Some(p) => unsafe { core::slice::from_raw_parts_mut(p as *mut u64, pages * PAGE / 8) },
        None => {
            crate::println!("{name}: cannot allocate {pages} pages");
            sys::exit(1)
        }
    }
}

/// xorshift64: the same sequence on every run.
pub struct Random(u64);

impl Random {
    /// A generator from `seed` (not 0).
    pub fn new(seed: u64) -> Random {
        Random(seed | 1)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `bound` (not 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// An order-sensitive checksum step.
pub fn mix(sum: u64, value: u64) -> u64 {
    sum.rotate_left(7) ^ value.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}
