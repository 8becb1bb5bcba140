//! The interfaces of rvsim's shared code objects, for the programs that
//! bind them: where each is linked, and the function table at its entry.
#![no_std]

/// Where libgreet is linked. A process may bind it at another address:
/// libgreet carries its relocations, and the kernel relocates the words
/// that hold addresses (the function pointers in its table) for the
/// address the first process to bind it chose, which every other process
/// sharing it must then use.
pub const GREET_LINK_ADDRESS: usize = 0x2000_0000;

/// What a process finds at libgreet's entry: its version and functions.
#[repr(C)]
pub struct GreetTable {
    /// Version of this table.
    pub version: u64,
    /// Writes "libgreet: hello, NAME (call N in this process)" to stdout;
    /// returns N.
    pub greet: extern "C" fn(name: *const u8, len: usize) -> u64,
    /// 1 + 2 + ... + n.
    pub triangle: extern "C" fn(n: u64) -> u64,
}
