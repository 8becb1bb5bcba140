//! rvsim: an RV64 system emulator built to make shared virtual memory
//! visible and measurable.
//!
//! The emulator itself is the `rvsim-core` crate, whose modules this one
//! re-exports under the same names; this crate adds the tools over it:
//! the command line (the `rvsim` binary), the debugger, the gdb stub and
//! the benchmarks. A [`Machine`] is a QEMU `virt`-compatible board with one
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
pub mod builtin;
pub mod cli;
pub mod debugger;
pub mod gdb;

pub use rvsim_core::{ElfImage, LoadError, Machine, MachineConfig, StopReason};
pub use rvsim_core::{
    boot_layout, bootargs, bus, cluster, cpu, devices, engine, fdt, images, initrd, isa, loader, machine, memmap, mmu,
    net, ram, stats, terminal, tools, trace,
};
