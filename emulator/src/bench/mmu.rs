//! Host cost of translation, through the hart's own path
//! ([`TranslationBench`]): TLB hits on a 4 KiB page and a 2 MiB
//! superpage, a miss that walks three levels, and full flushes. Each
//! figure is the median of repeated timed batches.

use std::hint::black_box;
use std::time::Instant;

use crate::mmu::workbench::{SUPERPAGE_VA, TranslationBench};
use crate::mmu::{Policy, TlbShape};

/// One measured operation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// What was measured.
    pub name: String,
    /// Nanoseconds per operation: median, fastest and slowest batch.
    pub median_ns: f64,
    /// The fastest batch.
    pub min_ns: f64,
    /// The slowest batch.
    pub max_ns: f64,
}

/// Times `batches` batches of `per_batch` calls of `op` and summarises
/// nanoseconds per call.
fn measure(name: &str, batches: usize, per_batch: u64, mut op: impl FnMut(u64)) -> Measurement {
    // One batch to warm caches and the TLB.
    for i in 0..per_batch {
        op(i);
    }
    let samples = (0..batches.max(1))
        .map(|_| {
            let start = Instant::now();
            for i in 0..per_batch {
                op(i);
            }
            start.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    summarise(name.to_string(), samples)
}

/// Median, fastest and slowest of `samples` (ns per operation, at least
/// one).
fn summarise(name: String, mut samples: Vec<f64>) -> Measurement {
    samples.sort_by(f64::total_cmp);
    Measurement { name, median_ns: samples[samples.len() / 2], min_ns: samples[0], max_ns: samples[samples.len() - 1] }
}

/// Times a flush of a TLB of `entries` entries, all valid: each flush is
/// timed on its own, after refilling the TLB untimed.
fn measure_flush(entries: usize, batches: usize, per_batch: u64) -> Result<Measurement, String> {
    let shape = TlbShape { entries, ways: 4, policy: Policy::Lru };
    let mut bench = TranslationBench::new(shape, entries as u64)?;
    let mut samples = Vec::with_capacity(batches);
    for _ in 0..batches.max(1) {
        let mut total = 0u128;
        for _ in 0..per_batch {
            bench.touch_pages(entries as u64);
            let start = Instant::now();
            bench.flush();
            total += start.elapsed().as_nanos();
        }
        samples.push(total as f64 / per_batch as f64);
    }
    Ok(summarise(format!("sfence.vma, {entries} entries"), samples))
}

/// Runs every measurement, `batches` times each.
pub fn run(batches: usize) -> Result<Vec<Measurement>, String> {
    let mut results = Vec::new();
    let mut bench = TranslationBench::new(TlbShape::default(), 64)?;
    let va = bench.page(5) + 0x18;
    bench.load(va).map_err(|e| e.to_string())?;
    results.push(measure("TLB hit, 4 KiB page", batches, 1 << 20, |_| {
        let _ = black_box(bench.load(black_box(va)));
    }));
    let va = SUPERPAGE_VA + 0x12_3458;
    bench.load(va).map_err(|e| e.to_string())?;
    results.push(measure("TLB hit, 2 MiB superpage", batches, 1 << 20, |_| {
        let _ = black_box(bench.load(black_box(va)));
    }));
    results.push(measure("TLB hit behind a host-cache miss", batches, 1 << 18, |i| {
        let _ = black_box(bench.load(SUPERPAGE_VA + (i % 512) * 4096));
    }));
    // 4096 pages cycled through a 64-entry TLB: every access misses.
    let mut walker = TranslationBench::new(TlbShape::default(), 4096)?;
    let first = walker.page(0);
    results.push(measure("TLB miss, 3-level walk", batches, 1 << 16, |i| {
        let _ = black_box(walker.load(first + ((i & 4095) << 12)));
    }));
    for entries in [64, 256] {
        results.push(measure_flush(entries, batches, 256)?);
    }
    Ok(results)
}

/// The measurements as a table.
pub fn table(results: &[Measurement]) -> String {
    let mut out = format!("{:<36} {:>10} {:>10} {:>10}\n", "operation", "median ns", "min ns", "max ns");
    for m in results {
        out.push_str(&format!("{:<36} {:>10.2} {:>10.2} {:>10.2}\n", m.name, m.median_ns, m.min_ns, m.max_ns));
    }
    out
}

/// The measurements as a JSON array.
pub fn json(results: &[Measurement]) -> String {
    serde_json::to_string_pretty(results).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
