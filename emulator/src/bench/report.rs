//! A sweep's results as a table, CSV and JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::sweep::ShapeResult;

/// One row, as CSV and JSON have it.
#[derive(Debug, Serialize)]
struct Row<'a> {
    entries: usize,
    ways: usize,
    policy: &'a str,
    instructions: u64,
    lookups: u64,
    hits: u64,
    misses: u64,
    hit_rate: f64,
    misses_per_kilo_instruction: f64,
    walks: u64,
    pte_reads: u64,
    seconds: f64,
    exit: Option<u64>,
}

fn row(r: &ShapeResult) -> Row<'_> {
    Row {
        entries: r.shape.entries,
        ways: r.shape.ways,
        policy: r.shape.policy.name(),
        instructions: r.stats.hart.retired,
        lookups: r.stats.tlb.lookups.total(),
        hits: r.stats.tlb.hits.total(),
        misses: r.stats.tlb.misses.total(),
        hit_rate: r.hit_rate(),
        misses_per_kilo_instruction: r.mpki(),
        walks: r.stats.mmu.walks,
        pte_reads: r.stats.mmu.pte_reads,
        seconds: r.seconds,
        exit: r.exit(),
    }
}

fn ways(r: &ShapeResult) -> String {
    if r.shape.ways == r.shape.entries { "full".into() } else { r.shape.ways.to_string() }
}

/// The results as a table for the terminal.
pub fn table(results: &[ShapeResult]) -> String {
    let mut out = format!(
        "{:>7} {:>5} {:<7} {:>12} {:>9} {:>10} {:>10} {:>11} {:>8}\n",
        "entries", "ways", "policy", "instructions", "hit rate", "miss/1k", "walks", "PTE reads", "time"
    );
    for r in results {
        let _ = writeln!(
            out,
            "{:>7} {:>5} {:<7} {:>12} {:>8.3}% {:>10.3} {:>10} {:>11} {:>7.2}s",
            r.shape.entries,
            ways(r),
            r.shape.policy.name(),
            r.stats.hart.retired,
            r.hit_rate(),
            r.mpki(),
            r.stats.mmu.walks,
            r.stats.mmu.pte_reads,
            r.seconds
        );
    }
    out
}

/// The results as CSV, with a header line.
pub fn csv(results: &[ShapeResult]) -> String {
    let mut out = String::from(
        "entries,ways,policy,instructions,lookups,hits,misses,hit_rate,misses_per_kilo_instruction,walks,pte_reads,seconds,exit\n",
    );
    for r in results.iter().map(row) {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{:.4},{:.4},{},{},{:.4},{}",
            r.entries,
            r.ways,
            r.policy,
            r.instructions,
            r.lookups,
            r.hits,
            r.misses,
            r.hit_rate,
            r.misses_per_kilo_instruction,
            r.walks,
            r.pte_reads,
            r.seconds,
            r.exit.map_or(String::new(), |c| c.to_string())
        );
    }
    out
}

/// The results as a JSON array.
pub fn json(results: &[ShapeResult]) -> String {
    let rows: Vec<Row<'_>> = results.iter().map(row).collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
