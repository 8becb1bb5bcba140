//! rvsim-core: the emulator of rvsim, an RV64 system emulator built to
//! make shared virtual memory visible and measurable: the ISA, the hart
//! and its two engines, the MMU with its modelled TLB, the bus and
//! devices, machines and clusters of them, and the loader. The tools (the
//! command line, the debugger, the gdb stub, the benchmarks) live in the
//! `rvsim` crate above it, so that this one needs none of their crates.
//! A [`Machine`] is a QEMU `virt`-compatible board with one
//! RV64GC hart (with Zba, Zbb and Zbs): build one from a [`MachineConfig`], load an ELF image
//! with [`Machine::load_kernel`], and [`Machine::run`] it until the guest
//! stops it.
//!
//! ```no_run
//! use rvsim_core::{ElfImage, Machine, MachineConfig, StopReason};
//! let image = ElfImage::from_file("kernel.elf".as_ref())?;
//! let mut machine = Machine::new(MachineConfig::default())?;
//! machine.load_kernel(&image, None)?;
//! match machine.run(Some(1_000_000)) {
//!     StopReason::Exit(code) => println!("guest exited with {code}"),
//!     other => println!("stopped: {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod boot_layout;
pub mod bootargs;
pub mod bus;
pub mod cluster;
pub mod cpu;
pub mod devices;
pub mod engine;
pub mod fdt;
pub mod images;
pub mod initrd;
pub mod isa;
pub mod loader;
pub mod machine;
pub mod memmap;
pub mod mmu;
pub mod net;
pub mod ram;
pub mod stats;
pub mod terminal;
#[cfg(test)]
mod test_rng;
pub mod tools;
pub mod trace;

pub use loader::{ElfImage, LoadError};
pub use machine::{Machine, MachineConfig, StopReason};
