//! `rvsim bench paging`: a workload under the teaching kernel's page
//! replacement policies and user-frame budgets, with Belady's optimum as
//! the lower bound, as a table, CSV, JSON or plot.

use super::sweep_output::SweepOutput;
use std::process::ExitCode;

use clap::Args;

use super::bench::{List, workload_name};
use super::boot::{Input, plan_boot};
use super::disks::{self, DiskSpecs, SwapSpec};
use super::output::say;
use super::{BootArgs, Failure, exit_code, options};
use crate::bench::paging::{self, DiskMaker, Pager, PagingResult, PagingWorkload};
use crate::bench::{paging_plot, paging_report};

/// The swap disk of each run when `--swap` is not given.
const DEFAULT_SWAP: u64 = 64 << 20;

/// `rvsim bench paging`'s help, after the options.
pub(super) const PAGING_HELP: &str = "\
Faults are the faults that had to give a page a frame: major faults (a page read from swap or from a
program image) + demand-zero faults (a page zero-filled at its first touch) + copy-on-write copies, as the
kernel's [vmstat] line counts them. opt is Belady's MIN over the user page reference string of one more
run (recorded with the default budget, policy clock), counting every miss including each page's first
reference: the least any policy could fault with that many frames. It counts pages per address space, so
for workloads that fork (pages shared copy-on-write, or program text shared between processes) it may
exceed the kernel's count. Each run gets a fresh swap disk of --swap SIZE (default 64M). A run that does
not exit with 0, prints no [vmstat] line or runs out of --max-insns is a FAILED row, and the sweep then
exits with status 1.";

#[derive(Args, Debug)]
pub(super) struct PagingArgs {
    #[command(flatten)]
    boot: BootArgs,
    /// User-frame budgets (the kernel's frames=N): a comma-separated list, and A..B for the powers
    /// of two from A to B.
    #[arg(long, value_name = "LIST", default_value = "16..512", value_parser = frames_list)]
    frames: List<usize>,
    /// Replacement policies, comma-separated: clock, fifo, lru, random (the kernel's pager=), opt
    /// (Belady's MIN, offline), or all.
    #[arg(long, value_name = "LIST", default_value = "all", value_parser = pager_list)]
    policy: List<Pager>,
    /// The kernel's shared=N: a shared page may be evicted only after N sweeps found it idle.
    #[arg(long, value_name = "N")]
    shared: Option<u32>,
    /// Stop each run after N instructions retired (the run then counts as failed); time the hart
    /// spends idle while the disk works does not count.
    #[arg(long, value_name = "N", default_value_t = 2_000_000_000)]
    max_insns: u64,
    #[command(flatten)]
    output: SweepOutput,
}

/// Runs `rvsim bench paging`.
pub(super) fn bench_paging(args: &PagingArgs) -> Result<ExitCode, Failure> {
    let specs = DiskSpecs { swap: Some(swap(&args.boot)?), drives: Vec::new() };
    // A swap disk that cannot be made is refused before any run.
    disks::open(&specs)?;
    let make_disks = || disks::open(&specs).map_err(|(_, e)| e);
    let workload = workload(args, &make_disks)?;
    args.output.check_plot()?;
    let results = sweep(args, &workload);
    if let Some(path) = &args.output.plot {
        let title = format!("Page faults: {}", workload_name(&args.boot));
        paging_plot::svg(&results, &title, path).map_err(|e| (exit_code::OUTPUT, e))?;
    }
    let (table, csv) = (|| paging_report::table(&results), || paging_report::csv(&results));
    args.output.print(table, csv, || paging_report::json(&results))?;
    Ok(check(&results))
}

/// What every run boots, its disks made by `disks`.
fn workload<'a>(args: &PagingArgs, disks: &'a DiskMaker<'a>) -> Result<PagingWorkload<'a>, Failure> {
    super::boot::refuse_firmware_and_harts(&args.boot, "rvsim bench paging")?;
    let boot = plan_boot(&with_vmstat(&args.boot)?, Input::None)?;
    Ok(PagingWorkload {
        kernel: boot.kernel,
        initrd: boot.initrd,
        bootargs: boot.bootargs,
        memory: args.boot.memory,
        shared: args.shared,
        max_steps: Some(args.max_insns),
        disks,
    })
}

/// Runs the sweep with a progress bar on standard error.
fn sweep(args: &PagingArgs, workload: &PagingWorkload<'_>) -> Vec<PagingResult> {
    let (pagers, frames) = (&args.policy.0, &args.frames.0);
    let guests = pagers.iter().filter(|&&p| p != Pager::Opt).count();
    let runs = guests * frames.len() + usize::from(pagers.contains(&Pager::Opt));
    let bar = SweepOutput::progress(runs, "runs");
    let results = paging::run(workload, pagers, frames, args.output.threads(), &|| bar.inc(1));
    bar.finish_and_clear();
    results
}

/// `boot` with the kernel's `log=vmstat` on, which the sweep reads; a
/// PROGRAM is needed (only the teaching kernel pages).
fn with_vmstat(boot: &BootArgs) -> Result<BootArgs, Failure> {
    if boot.program.is_none() {
        return Err((exit_code::USAGE, "bench paging needs a PROGRAM to run under the teaching kernel".into()));
    }
    if !boot.drive.is_empty() {
        return Err((exit_code::USAGE, "bench paging attaches no --drive: parallel runs would share it".into()));
    }
    let mut boot = boot.clone();
    boot.kernel_log = Some(match boot.kernel_log.take() {
        Some(logs) if logs.split(',').any(|l| l == "vmstat") => logs,
        Some(logs) => format!("{logs},vmstat"),
        None => "vmstat".into(),
    });
    Ok(boot)
}

/// The swap disk each run gets fresh: `--swap SIZE`, or the default.
fn swap(boot: &BootArgs) -> Result<SwapSpec, Failure> {
    match &boot.swap {
        None => Ok(SwapSpec::Fresh(DEFAULT_SWAP)),
        Some(SwapSpec::Fresh(bytes)) => Ok(SwapSpec::Fresh(*bytes)),
        Some(SwapSpec::Image(path)) => Err((
            exit_code::USAGE,
            format!("--swap {:?}: bench paging needs a SIZE (each run gets a fresh swap disk)", path.display()),
        )),
    }
}

/// Says on standard error which points failed, which ran under another
/// budget than asked (the kernel caps it at what RAM allows), which
/// printed something else than the first (paging must not change what a
/// program computes), and where `opt` is no lower bound; the exit status
/// is 1 if any failed or differed.
fn check(results: &[PagingResult]) -> ExitCode {
    let mut failed = false;
    let first = results.iter().find(|r| r.failure.is_none()).map(|r| r.output.as_str());
    for r in results {
        let point = format!("{} at {} frames", r.pager.name(), r.frames);
        if let Some(why) = &r.failure {
            say(&format!("rvsim: warning: {point}: the run failed: {why}"));
            failed = true;
        } else if Some(r.output.as_str()) != first {
            say(&format!("rvsim: warning: {point}: the program printed something else than in the first run"));
            failed = true;
        }
        if let Some(budget) = r.vmstat.map(|s| s.frame_budget).filter(|&b| b != r.frames as u64) {
            say(&format!("rvsim: warning: {point}: the kernel could give only {budget} frames"));
        }
    }
    check_bound(results);
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Says where `opt` counts more faults than a guest policy: it counts
/// pages per address space, so pages that processes share count once per
/// sharer.
fn check_bound(results: &[PagingResult]) {
    let faults = |pager: Pager, frames: usize| {
        results.iter().find(|r| r.pager == pager && r.frames == frames && r.failure.is_none())?.faults
    };
    let above = results.iter().find(|r| {
        let opt = faults(Pager::Opt, r.frames);
        r.pager != Pager::Opt && r.faults.zip(opt).is_some_and(|(guest, opt)| opt > guest)
    });
    if let Some(r) = above {
        say(&format!(
            "rvsim: warning: opt counts more faults than {} at {} frames: it counts the pages of each address \
             space apart, and this workload's processes share pages (fork, program text)",
            r.pager.name(),
            r.frames
        ));
    }
}

fn frames_list(text: &str) -> Result<List<usize>, String> {
    options::parse_frames(text).map(List)
}

fn pager_list(text: &str) -> Result<List<Pager>, String> {
    options::parse_pagers(text).map(List)
}
