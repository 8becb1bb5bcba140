//! Linux error numbers (system calls return them negated), from the ABI
//! crate.

/// An error number.
pub type Errno = i64;

pub use rvsim_abi::errno::*;
