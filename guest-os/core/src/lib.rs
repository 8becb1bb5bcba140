//! The policy half of rvsim's teaching kernel: everything about virtual
//! memory that can be decided without touching hardware. It is plain
//! `no_std` Rust over a [`PhysMemory`] trait, so the kernel runs it on
//! riscv64 and `cargo test` runs it on the host against a fake memory,
//! as the original rCore did for its COW and swap policies.
//!
//! - [`frame`]: physical frames with reference counts; [`frame_map`]:
//!   per-frame records allocated a chunk at a time, as frames are used.
//! - [`pte`]: Sv39 page-table entry bits, including the kernel's RSW marks.
//! - [`space`]: address spaces: mapping, fork (COW or eager copy), freeing.
//! - [`shared_pages`]: the shared pages table: one frame per page of
//!   program text, whoever runs it.
//! - [`replace`]: page replacement: clock, FIFO, LRU (aging), random.
//! - [`rmap`]: the reverse map from frames to the PTEs that map them.
//! - [`swap`]: swap slots with reference counts; [`swap_cache`]: frames
//!   paired with slots.
//! - [`evict`]: taking a chosen page out of memory, and back.
//! - [`pager`]: the pager's state: reverse map, replacer, swap, commit.
//! - [`pool`]: frame pools, fixed allocation with local replacement.
//! - [`region`]: regions whose pages appear on first touch (stack, images).
//! - [`reloc`]: the relocations that move a shared code object to the
//!   address it is bound at.
//! - [`shm`]: System V shared-memory segments.
//! - [`fault`]: what a page fault means: COW break, demand-zero, a shared
//!   page, or a kill.
//! - [`uaccess`]: checked copies between the kernel and user memory.
//! - [`exec`]: turning an ELF file into mapped segments and a Linux-style
//!   initial stack.
//! - [`boot_memory`]: where the kernel's heap and frames go in RAM.
//! - [`bootargs`]: the kernel command line.
//! - [`cluster_frame`]: the frames between the nodes of a cluster.
//! - [`cluster_shm`]: System V keys shared by the nodes of a cluster.
//! - [`cpio`]: the initrd's archive format, read in place.
//! - [`swap_header`]: the header that marks a disk as swap (Linux's).
//! - [`tracking`]: the pager's records kept only once memory gets short.
//! - [`fp_insn`]: which instructions use the FP unit (lazy FP switching).
//! - [`fd_table`]: file descriptors and the open files they share.
//! - [`initrd_fs`]: the initrd as a read-only file system, with `/dev`.
//! - [`protect`]: mprotect, at once for pages in memory, on first touch
//!   for the others.
//! - [`dsm`]: distributed shared memory across machines: IVY's coherence
//!   protocol, its central and distributed managers, reliable links.
#![no_std]

extern crate alloc;

pub mod boot_memory;
pub mod bootargs;
pub mod cluster_frame;
pub mod cluster_shm;
pub mod cpio;
pub mod dsm;
pub mod evict;
pub mod exec;
pub mod fault;
pub mod fd_table;
pub mod fp_insn;
pub mod frame;
pub mod frame_map;
pub mod initrd_fs;
pub mod mapping;
pub mod pager;
pub mod pool;
pub mod procfs;
pub mod protect;
pub mod pte;
pub mod region;
pub mod reloc;
pub mod replace;
pub mod rmap;
pub mod shared_pages;
pub mod shm;
pub mod signal;
pub mod signal_frame;
pub mod space;
pub mod spread;
pub mod spread_message;
pub mod stats;
pub mod swap;
pub mod swap_cache;
pub mod swap_header;
pub mod tracking;
pub mod uaccess;
mod vm;

pub use vm::Vm;

#[cfg(test)]
pub mod testmem;

/// Page size.
pub const PAGE: u64 = 4096;

/// Physical memory as the policy code needs it. The kernel implements it
/// with its identity mapping of RAM; tests with a map of pages.
pub trait PhysMemory {
    /// Reads the 8-byte word at physical address `pa`.
    fn read_u64(&self, pa: u64) -> u64;
    /// Writes the 8-byte word at physical address `pa`.
    fn write_u64(&mut self, pa: u64, value: u64);
    /// Fills the page at `pa` with zeros.
    fn zero_page(&mut self, pa: u64);
    /// Copies the page at `from` to the page at `to`.
    fn copy_page(&mut self, from: u64, to: u64);
    /// Reads `buf.len()` bytes at `pa` (within one page).
    fn read(&self, pa: u64, buf: &mut [u8]);
    /// Writes `data` at `pa` (within one page).
    fn write(&mut self, pa: u64, data: &[u8]);
}

/// Rounds down to a page boundary.
pub fn page_floor(addr: u64) -> u64 {
    addr & !(PAGE - 1)
}

/// Rounds up to a page boundary (saturating).
pub fn page_ceil(addr: u64) -> u64 {
    addr.saturating_add(PAGE - 1) & !(PAGE - 1)
}
