//! `rvsim bench`: measuring translation. [`mmu`] times the host's cost of
//! translating (the same code paths as the criterion benches); [`sweep`]
//! runs a guest workload under many TLB shapes and collects what each
//! shape cost it; [`report`] and [`plot`] present a sweep as a table, CSV,
//! JSON and an SVG plot.

pub mod mmu;
pub mod plot;
pub mod report;
pub mod sweep;
