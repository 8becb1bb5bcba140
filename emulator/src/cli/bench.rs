//! `rvsim bench`: the host cost of translation (`mmu`), a guest workload
//! under many TLB shapes (`tlb`), as a table, CSV, JSON or plot; page
//! faults against frame budgets (`paging`, in `bench_paging.rs`); and a
//! workload under both execution engines (`engines`).

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::bench_dsm;
use super::bench_paging;
use super::boot::{Input, plan_boot};
use super::output::say;
use super::sweep_output::SweepOutput;
use super::{BootArgs, Failure, exit_code, listing_failure, options};
use crate::bench::sweep::{self, ShapeResult, Workload};
use crate::bench::{engines, mmu, plot, report};
use crate::loader::read_guest_file;
use crate::memmap::MAX_RAM_SIZE;
use crate::mmu::{AdPolicy, Policy};

#[derive(Subcommand, Debug)]
pub(super) enum BenchCommand {
    /// Host cost of translation through the MMU's own code: TLB hits (4 KiB page, 2 MiB
    /// superpage), a miss with a three-level walk, sfence.vma; ns per operation.
    Mmu(MmuArgs),
    /// Run a guest workload under every TLB shape given and report hit rate, misses per 1000
    /// instructions, page walks, PTE reads and run time for each.
    Tlb(Box<TlbArgs>),
    /// Run a guest workload under each page replacement policy and user-frame budget and report
    /// its page faults, page-ins and page-outs, with Belady's optimal policy as the lower bound.
    #[command(after_help = bench_paging::PAGING_HELP)]
    Paging(Box<bench_paging::PagingArgs>),
    /// Run a distributed shared memory workload on clusters of each size, link latency and
    /// protocol given, and report its guest cycles, speedup over one node, and traffic.
    Dsm(Box<bench_dsm::DsmArgs>),
    /// Run a guest workload under both execution engines (interp, jit), one run at a time, and
    /// report each one's time, MIPS and speedup, and what translating cost; fails if the engines
    /// disagree on any counter or on what the guest printed.
    Engines(Box<EnginesArgs>),
}

#[derive(Args, Debug)]
pub(super) struct EnginesArgs {
    #[command(flatten)]
    boot: BootArgs,
    /// Shape of the modelled TLB.
    #[arg(long, value_name = "SPEC", default_value = "entries=64,ways=4,policy=lru", value_parser = options::parse_tlb)]
    tlb: crate::mmu::TlbShape,
    /// When the translator translates (as `rvsim run --jit`).
    #[arg(long, value_name = "SPEC", default_value = "hot=2048,start=4194304", value_parser = crate::engine::JitTuning::parse)]
    jit: crate::engine::JitTuning,
    /// Runs of each engine; the fastest is reported.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeats: u32,
    /// Stop each run after N instructions (the run then counts as failed).
    #[arg(long, value_name = "N", default_value_t = 20_000_000_000)]
    max_insns: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub(super) struct MmuArgs {
    /// Timed batches per operation; the median is reported.
    #[arg(long, value_name = "N", default_value_t = 21, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    runs: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub(super) struct TlbArgs {
    #[command(flatten)]
    boot: BootArgs,
    /// TLB sizes: a comma-separated list, and A..B for the powers of two from A to B.
    #[arg(long, value_name = "LIST", default_value = "8..1024", value_parser = entries_list)]
    entries: List<usize>,
    /// Associativities: entries per set, comma-separated (1 = direct-mapped, "full" = fully
    /// associative). Shapes that do not divide evenly are skipped.
    #[arg(long, value_name = "LIST", default_value = "4", value_parser = ways_list)]
    ways: List<usize>,
    /// Replacement policies, comma-separated: lru, fifo, random, or all.
    #[arg(long, value_name = "LIST", default_value = "lru", value_parser = policy_list)]
    policy: List<Policy>,
    /// Accessed/Dirty bits: "hw" sets them in the walk, "fault" raises a page fault.
    #[arg(long, value_name = "POLICY", default_value = "hw", value_parser = AdPolicy::parse)]
    ad: AdPolicy,
    /// Stop each run after N instructions (the run then counts as failed).
    #[arg(long, value_name = "N", default_value_t = 20_000_000_000)]
    max_insns: u64,
    /// Run each shape for exactly N instructions, which ends it as it should: for a guest that
    /// never stops by itself, as xv6 (whose scheduler spins).
    #[arg(long, value_name = "N", conflicts_with = "max_insns", value_parser = clap::value_parser!(u64).range(1..))]
    run_for: Option<u64>,
    /// Console input, there from the start of each run ("\n" types Enter): commands for a
    /// guest's shell, as xv6's.
    #[arg(long, value_name = "TEXT")]
    input: Option<String>,
    /// The engine each run uses ("interp" or "jit"); it changes the run times, never a counter.
    #[arg(long, value_name = "ENGINE", default_value = "jit", value_parser = crate::engine::Engine::parse)]
    engine: crate::engine::Engine,
    #[command(flatten)]
    output: SweepOutput,
}

/// Runs `rvsim bench ...`.
pub(super) fn bench(command: BenchCommand) -> Result<ExitCode, Failure> {
    match command {
        BenchCommand::Mmu(args) => bench_mmu(&args),
        BenchCommand::Tlb(args) => bench_tlb(&args),
        BenchCommand::Paging(args) => bench_paging::bench_paging(&args),
        BenchCommand::Dsm(args) => bench_dsm::bench_dsm(&args),
        BenchCommand::Engines(args) => bench_engines(&args),
    }
}

fn bench_engines(args: &EnginesArgs) -> Result<ExitCode, Failure> {
    let boot = plan_boot(&args.boot, Input::None)?;
    if args.boot.swap.is_some() || !args.boot.drive.is_empty() {
        return Err((exit_code::USAGE, "rvsim bench engines runs without disks (--swap, --drive)".into()));
    }
    let workload = Workload {
        firmware: boot.firmware,
        max_steps: Some(args.max_insns),
        harts: args.boot.smp,
        jit: args.jit,
        ..Workload::of_kernel(boot.kernel, boot.initrd, boot.bootargs, args.boot.memory)
    };
    let runs = engines::compare(&workload, args.tlb, args.repeats as usize).map_err(|e| (1, e))?;
    let text = if args.json { engines::json(&runs) + "\n" } else { engines::table(&runs) };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(listing_failure)?;
    Ok(ExitCode::SUCCESS)
}

fn bench_mmu(args: &MmuArgs) -> Result<ExitCode, Failure> {
    let results = mmu::run(args.runs as usize).map_err(|e| (1, e))?;
    let text = if args.json { mmu::json(&results) + "\n" } else { mmu::table(&results) };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(listing_failure)?;
    Ok(ExitCode::SUCCESS)
}

fn bench_tlb(args: &TlbArgs) -> Result<ExitCode, Failure> {
    let shapes = sweep::shapes(&args.entries.0, &args.ways.0, &args.policy.0);
    if shapes.is_empty() {
        return Err((exit_code::USAGE, "no valid TLB shape in --entries x --ways (ways must divide entries)".into()));
    }
    let boot = plan_boot(&args.boot, Input::None)?;
    args.output.check_plot()?;
    let mut disks = Vec::new();
    for drive in &args.boot.drive {
        disks.push(read_guest_file(&drive.path, MAX_RAM_SIZE).map_err(super::load_failure)?);
    }
    if args.boot.swap.is_some() {
        return Err((
            exit_code::USAGE,
            "--swap: rvsim bench tlb runs without swap ('rvsim bench paging' pages)".into(),
        ));
    }
    let workload = Workload {
        firmware: boot.firmware,
        ad: args.ad,
        max_steps: Some(args.run_for.unwrap_or(args.max_insns)),
        limit_ends_run: args.run_for.is_some(),
        harts: args.boot.smp,
        disks,
        input: args.input.as_deref().map(typed).unwrap_or_default(),
        engine: args.engine,
        ..Workload::of_kernel(boot.kernel, boot.initrd, boot.bootargs, args.boot.memory)
    };
    let bar = SweepOutput::progress(shapes.len(), "shapes");
    let results = sweep::run(&workload, &shapes, args.output.threads(), &|| bar.inc(1));
    bar.finish_and_clear();
    let results = results.map_err(|e| (exit_code::LOAD, e))?;

    let what = workload_name(&args.boot);
    if let Some(path) = &args.output.plot {
        plot::svg(&results, &format!("TLB hit rate: {what}"), path).map_err(|e| (exit_code::OUTPUT, e))?;
    }
    args.output.print(|| report::table(&results), || report::csv(&results), || report::json(&results))?;
    Ok(check(&workload, &results))
}

/// `--input`'s text as bytes typed at the console: `\n` is Enter, `\\` a
/// backslash.
fn typed(text: &str) -> Vec<u8> {
    text.replace("\\n", "\n").replace("\\\\", "\\").into_bytes()
}

/// The workload as a title: the program and its arguments, or the kernel.
pub(super) fn workload_name(boot: &BootArgs) -> String {
    match &boot.program {
        Some(program) => std::iter::once(program).chain(&boot.args).cloned().collect::<Vec<_>>().join(" "),
        None => boot.kernel.clone().unwrap_or_default(),
    }
}

/// Says on stderr which runs did not end with exit code 0, or printed
/// something other than the first shape did (a TLB's shape must not change
/// what a program computes); the exit status is 1 if any did.
fn check(workload: &Workload, results: &[ShapeResult]) -> ExitCode {
    let mut failed = false;
    let Some(first) = results.first() else { return ExitCode::SUCCESS };
    for r in results {
        let shape = r.shape;
        if !r.succeeded(workload) {
            say(&format!("rvsim: warning: {shape}: the run ended with {:?}", r.stop));
            failed = true;
        } else if r.output != first.output {
            say(&format!("rvsim: warning: {shape}: the guest printed something else than under the first shape"));
            failed = true;
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// A comma-separated list from the command line (clap would take a
/// `Vec` field as repeated values).
#[derive(Debug, Clone)]
pub(super) struct List<T>(pub(super) Vec<T>);

fn entries_list(text: &str) -> Result<List<usize>, String> {
    options::parse_entries(text).map(List)
}

fn ways_list(text: &str) -> Result<List<usize>, String> {
    options::parse_ways(text).map(List)
}

fn policy_list(text: &str) -> Result<List<Policy>, String> {
    options::parse_policies(text).map(List)
}
