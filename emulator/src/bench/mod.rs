//! `rvsim bench`: measuring translation and paging. [`mmu`] times the
//! host's cost of translating (the same code paths as the criterion
//! benches); [`sweep`] runs a guest workload under many TLB shapes and
//! collects what each shape cost it; [`report`] and [`plot`] present a
//! sweep as a table, CSV, JSON and an SVG plot. [`paging`] runs a workload
//! under the kernel's page replacement policies and frame budgets, with
//! Belady's optimum ([`belady`]) over its recorded reference string as the
//! lower bound; [`paging_report`] and [`paging_plot`] present it.
//! [`engines`] runs a workload under both execution engines side by side.

pub mod belady;
pub mod dsm;
pub mod dsm_plot;
pub mod engines;
pub mod mmu;
pub mod paging;
pub mod paging_plot;
pub mod paging_report;
mod parallel;
pub mod plot;
pub mod report;
pub mod sweep;
pub mod vmstat;
