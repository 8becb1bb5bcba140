//! `rvsim bench engines`: one workload under both execution engines, side
//! by side: how fast each runs it, what translating cost, and whether
//! they agree on every counter and every byte the guest printed (they
//! must: the engines differ in speed only).

use std::fmt::Write as _;

use serde::Serialize;

use super::sweep::{self, ShapeResult, Workload};
use crate::engine::Engine;
use crate::mmu::TlbShape;

/// One engine's fastest run.
#[derive(Debug, Clone)]
pub struct EngineRun {
    /// The engine.
    pub engine: Engine,
    /// Its fastest run of the repeats.
    pub run: ShapeResult,
}

impl EngineRun {
    /// Millions of instructions retired per second of the run.
    pub fn mips(&self) -> f64 {
        self.run.stats.hart.retired as f64 / self.run.seconds.max(1e-9) / 1e6
    }
}

/// Runs `workload` under `shape` `repeats` times with each engine, one
/// run at a time (they are timed), and keeps each engine's fastest run.
/// Fails if a run fails, or if the engines disagree on a counter or on
/// what the guest printed.
pub fn compare(workload: &Workload, shape: TlbShape, repeats: usize) -> Result<Vec<EngineRun>, String> {
    let mut runs = Vec::new();
    for engine in Engine::ALL {
        let workload = Workload { engine, ..workload.clone() };
        let mut fastest: Option<ShapeResult> = None;
        for _ in 0..repeats.max(1) {
            let run = sweep::run_one(&workload, shape)?;
            if !run.succeeded(&workload) {
                return Err(format!("under --engine {}: the run ended with {:?}", engine.name(), run.stop));
            }
            if fastest.as_ref().is_none_or(|f| run.seconds < f.seconds) {
                fastest = Some(run);
            }
        }
        if let Some(run) = fastest {
            runs.push(EngineRun { engine, run });
        }
    }
    agree(&runs)?;
    Ok(runs)
}

/// Checks that every run counted and printed what the first did.
fn agree(runs: &[EngineRun]) -> Result<(), String> {
    let Some(first) = runs.first() else { return Ok(()) };
    for other in &runs[1..] {
        let (a, b) = (&first.run, &other.run);
        if a.stats != b.stats {
            return Err(format!(
                "--engine {} and --engine {} counted differently:\n{}\nagainst\n{}",
                first.engine.name(),
                other.engine.name(),
                a.stats.table(),
                b.stats.table()
            ));
        }
        if a.output != b.output || a.stop != b.stop {
            return Err(format!(
                "--engine {} and --engine {} ran differently",
                first.engine.name(),
                other.engine.name()
            ));
        }
    }
    Ok(())
}

/// One row, as the table and JSON have it.
#[derive(Debug, Serialize)]
struct Row {
    engine: &'static str,
    instructions: u64,
    seconds: f64,
    mips: f64,
    speedup: f64,
    blocks_translated: u64,
    compile_ms: f64,
    compile_us_per_block: f64,
    compile_share: f64,
}

fn rows(runs: &[EngineRun]) -> Vec<Row> {
    let base = runs.first().map_or(1.0, |r| r.run.seconds);
    runs.iter()
        .map(|r| {
            let t = r.run.translator.clone().unwrap_or_default();
            let compile = t.micros as f64 / 1e6;
            Row {
                engine: r.engine.name(),
                instructions: r.run.stats.hart.retired,
                seconds: r.run.seconds,
                mips: r.mips(),
                speedup: base / r.run.seconds.max(1e-9),
                blocks_translated: t.blocks,
                compile_ms: compile * 1e3,
                compile_us_per_block: if t.blocks == 0 { 0.0 } else { t.micros as f64 / t.blocks as f64 },
                compile_share: compile / r.run.seconds.max(1e-9),
            }
        })
        .collect()
}

/// The comparison as a table; the speedup is over the first engine (the
/// interpreter), and the compile share is compile time over run time
/// (compiling happens on a thread of its own, beside the hart's).
pub fn table(runs: &[EngineRun]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<8}{:>14}{:>10}{:>9}{:>9}{:>9}{:>12}{:>11}{:>9}",
        "engine", "instructions", "seconds", "MIPS", "speedup", "blocks", "compile ms", "us/block", "share"
    );
    for r in rows(runs) {
        let _ = writeln!(
            out,
            "{:<8}{:>14}{:>10.3}{:>9.0}{:>8.2}x{:>9}{:>12.1}{:>11.0}{:>8.1}%",
            r.engine,
            r.instructions,
            r.seconds,
            r.mips,
            r.speedup,
            r.blocks_translated,
            r.compile_ms,
            r.compile_us_per_block,
            100.0 * r.compile_share
        );
    }
    out
}

/// The comparison as JSON.
pub fn json(runs: &[EngineRun]) -> String {
    serde_json::to_string_pretty(&rows(runs)).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
