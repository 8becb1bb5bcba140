//! A TLB sweep: the same guest workload under many TLB shapes, each run
//! on a fresh machine, with what each shape cost it. Runs are spread over
//! threads; each is deterministic, so the figures do not depend on that.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::devices::ConsoleInput;
use crate::devices::virtio::storage::Storage;
use crate::loader::ElfImage;
use crate::machine::{Disk, Machine, MachineConfig, StopReason};
use crate::mmu::{AdPolicy, MmuConfig, Policy, TlbShape};
use crate::stats::RunStats;

/// What every run of a sweep boots.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Firmware that runs first (`--bios`).
    pub firmware: Option<ElfImage>,
    /// The kernel (or bare-metal program).
    pub kernel: ElfImage,
    /// The initrd.
    pub initrd: Option<Vec<u8>>,
    /// The kernel command line.
    pub bootargs: String,
    /// RAM size.
    pub memory: u64,
    /// A/D policy.
    pub ad: AdPolicy,
    /// Stop a run after this many instructions.
    pub max_steps: Option<u64>,
    /// Reaching `max_steps` is how a run ends, not a failure (a guest that
    /// never stops, as xv6).
    pub limit_ends_run: bool,
    /// Harts.
    pub harts: usize,
    /// Disk images: each run gets its own copy, in memory, for the guest
    /// may write them.
    pub disks: Vec<Vec<u8>>,
    /// Console input, there from the start.
    pub input: Vec<u8>,
    /// The engine that runs it.
    pub engine: crate::engine::Engine,
    /// When the translator translates.
    pub jit: crate::engine::JitTuning,
}

impl Workload {
    /// A workload of `kernel` alone (no firmware, disks or input), on one
    /// hart.
    pub fn of_kernel(kernel: ElfImage, initrd: Option<Vec<u8>>, bootargs: String, memory: u64) -> Workload {
        Workload {
            firmware: None,
            kernel,
            initrd,
            bootargs,
            memory,
            ad: AdPolicy::Hardware,
            max_steps: None,
            limit_ends_run: false,
            harts: 1,
            disks: Vec::new(),
            input: Vec::new(),
            engine: crate::engine::Engine::default(),
            jit: crate::engine::JitTuning::default(),
        }
    }

    /// Each run's private copies of the disks.
    fn disk_copies(&self) -> Result<Vec<Disk>, String> {
        self.disks
            .iter()
            .map(|image| {
                let mut storage = Storage::memory(image.len() as u64)?;
                storage.write_at(0, image).map_err(|e| e.to_string())?;
                Ok(Disk { storage, readonly: false, serial: String::new() })
            })
            .collect()
    }
}

/// One shape's run.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeResult {
    /// The TLB's shape.
    pub shape: TlbShape,
    /// Everything counted.
    pub stats: RunStats,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// How the run ended.
    pub stop: StopReason,
    /// What the guest printed on its console. A TLB's shape changes what
    /// translation costs, never what a program computes, so every shape of
    /// a sweep must print the same.
    pub output: String,
    /// What the translator did, under `--engine jit` (host work, apart
    /// from the guest's counters).
    pub translator: Option<crate::stats::TranslatorReport>,
}

/// A console that keeps what the guest prints.
#[derive(Clone, Default)]
pub(super) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// What the guest printed, as text.
    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ShapeResult {
    /// The guest's exit code, when it ended the run itself.
    pub fn exit(&self) -> Option<u64> {
        match self.stop {
            StopReason::Exit(code) => Some(code),
            _ => None,
        }
    }

    /// Whether the run ended as `workload`'s runs should: exit code 0, or
    /// the instruction limit where that is the end.
    pub fn succeeded(&self, workload: &Workload) -> bool {
        self.exit() == Some(0) || workload.limit_ends_run && matches!(self.stop, StopReason::InstructionLimit(_))
    }

    /// Hits over lookups, in percent.
    pub fn hit_rate(&self) -> f64 {
        let t = &self.stats.tlb;
        if t.lookups.total() == 0 { 100.0 } else { 100.0 * t.hits.total() as f64 / t.lookups.total() as f64 }
    }

    /// Misses per thousand instructions retired.
    pub fn mpki(&self) -> f64 {
        1000.0 * self.stats.tlb.misses.total() as f64 / self.stats.hart.retired.max(1) as f64
    }
}

/// Every valid shape of `entries` x `ways` x `policies` (`ways` 0 stands
/// for fully associative), in that order.
pub fn shapes(entries: &[usize], ways: &[usize], policies: &[Policy]) -> Vec<TlbShape> {
    let mut out = Vec::new();
    for &policy in policies {
        for &w in ways {
            for &e in entries {
                let shape = TlbShape { entries: e, ways: if w == 0 { e } else { w }, policy };
                if shape.validate().is_ok() && !out.contains(&shape) {
                    out.push(shape);
                }
            }
        }
    }
    out
}

/// Runs `workload` once with `shape`.
pub fn run_one(workload: &Workload, shape: TlbShape) -> Result<ShapeResult, String> {
    let console = Captured::default();
    let input =
        if workload.input.is_empty() { ConsoleInput::None } else { ConsoleInput::Bytes(workload.input.clone()) };
    let config = MachineConfig {
        memory_size: workload.memory,
        console_output: Box::new(console.clone()),
        console_input: input,
        bootargs: workload.bootargs.clone(),
        mmu: MmuConfig { tlb: shape, ad: workload.ad },
        disks: workload.disk_copies()?,
        harts: workload.harts,
        engine: workload.engine,
        jit: workload.jit,
        ..MachineConfig::default()
    };
    let mut machine = Machine::new(config)?;
    // Nobody watches a sweep: idle time passes at once.
    machine.set_virtual_idle(true);
    machine.load_kernel(&workload.kernel, workload.initrd.as_deref()).map_err(|e| e.to_string())?;
    if let Some(firmware) = &workload.firmware {
        machine.load_firmware(firmware, &workload.kernel).map_err(|e| e.to_string())?;
    }
    let start = Instant::now();
    let stop = machine.run(workload.max_steps);
    let seconds = start.elapsed().as_secs_f64();
    // The guest's counters apart: a sweep compares shapes, not host work.
    let all = RunStats::collect(&machine);
    let (stats, translator) = (all.guest(), all.translator);
    drop(machine);
    let output = console.text();
    Ok(ShapeResult { shape, stats, seconds, stop, output, translator })
}

/// Runs `workload` under every shape on `threads` threads, calling
/// `progress` after each run; results come back in the order of `shapes`.
pub fn run(
    workload: &Workload,
    shapes: &[TlbShape],
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<ShapeResult>, String> {
    super::parallel::map(shapes, threads, progress, &|&shape| run_one(workload, shape)).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;

    fn randwalk() -> Workload {
        let program = builtin::find("randwalk").expect("built in");
        let initrd = crate::initrd::build(&[("randwalk", program.elf)]).expect("initrd");
        let kernel = ElfImage::parse(builtin::kernel().elf, "kernel").expect("kernel");
        let workload = Workload::of_kernel(kernel, Some(initrd), "-- randwalk 64 3000".into(), 32 << 20);
        Workload { max_steps: Some(100_000_000), ..workload }
    }

    #[test]
    fn runs_are_exact_whatever_the_threads() {
        let workload = randwalk();
        let shapes = shapes(&[8, 16, 32, 64], &[2, 0], &[Policy::Lru, Policy::Random]);
        assert_eq!(shapes.len(), 16);
        let parallel = run(&workload, &shapes, 3, &|| {}).expect("sweep");
        let serial = run(&workload, &shapes[..5], 1, &|| {}).expect("sweep");
        for (a, b) in parallel.iter().zip(&serial) {
            assert_eq!(a.shape, b.shape, "results in the order of the shapes");
            assert_eq!((&a.stats, &a.output, &a.stop), (&b.stats, &b.output, &b.stop));
        }
        assert!(parallel.iter().all(|r| r.exit() == Some(0) && r.output.contains("randwalk: 3000 random loads")));
        // Fully associative LRU at 64 entries holds the 64-page set plus
        // code and stack nearly: far fewer misses than 8 entries.
        let full =
            |e: usize| parallel.iter().find(|r| r.shape == TlbShape { entries: e, ways: e, policy: Policy::Lru });
        let (small, large) = (full(8).expect("8"), full(64).expect("64"));
        assert!(large.stats.tlb.misses.total() * 2 < small.stats.tlb.misses.total());
    }

    #[test]
    fn shapes_skip_invalid_and_repeated_ones() {
        // 12 entries do not split into 8-way sets; "full" at 8 entries is
        // the same shape as 8-way.
        let s = shapes(&[8, 12], &[8, 0], &[Policy::Fifo]);
        assert_eq!(
            s,
            vec![
                TlbShape { entries: 8, ways: 8, policy: Policy::Fifo },
                TlbShape { entries: 12, ways: 12, policy: Policy::Fifo }
            ]
        );
    }
}
