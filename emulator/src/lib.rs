//! rvsim: an RV64 system emulator built to make shared virtual memory
//! visible and measurable.
//!
//! The library is the emulator; the `rvsim` binary is a thin command line
//! over it. A [`Machine`] is a QEMU `virt`-compatible board with one
//! RV64GC hart (with Zba, Zbb and Zbs): build one from a [`MachineConfig`], load an ELF image
//! with [`Machine::load_kernel`], and [`Machine::run`] it until the guest
//! stops it.
//!
//! ```no_run
//! use rvsim::{ElfImage, Machine, MachineConfig, StopReason};
//! let image = ElfImage::from_file("kernel.elf".as_ref())?;
//! let mut machine = Machine::new(MachineConfig::default())?;
//! machine.load_kernel(&image, None)?;
//! match machine.run(Some(1_000_000)) {
//!     StopReason::Exit(code) => println!("guest exited with {code}"),
//!     other => println!("stopped: {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod bench;
pub mod boot_layout;
pub mod bootargs;
pub mod builtin;
pub mod bus;
pub mod cli;
pub mod cluster;
pub mod cpu;
pub mod debugger;
pub mod devices;
pub mod engine;
pub mod fdt;
pub mod gdb;
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
pub mod tools;
pub mod trace;

pub use loader::{ElfImage, LoadError};
pub use machine::{Machine, MachineConfig, StopReason};
