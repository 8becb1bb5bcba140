//! A paging sweep: one guest workload under each of the teaching kernel's
//! page replacement policies and each user-frame budget (`pager=` and
//! `frames=` on its command line), every run on a fresh machine with a
//! fresh swap disk, read back from the kernel's `[vmstat]` line. Beside
//! them, `opt`: Belady's optimal policy, simulated offline over the
//! workload's user page reference string, which one more run records.
//! Runs are spread over threads; each is deterministic.

use std::time::Instant;

use super::belady::Optimal;
use super::parallel;
use super::sweep::Captured;
use super::vmstat::VmStat;
use crate::cpu::PageRecorder;
use crate::loader::ElfImage;
use crate::machine::{Disk, Machine, MachineConfig, StopReason};

/// A page replacement policy: one of the kernel's, or the offline optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pager {
    /// Second chance around a clock of frames (the kernel's default).
    Clock,
    /// First in, first out.
    Fifo,
    /// Least recently used, approximated by aging accessed bits.
    Lru,
    /// A victim at random, from a fixed seed.
    Random,
    /// Belady's MIN, computed on the host over the reference string.
    Opt,
}

impl Pager {
    /// Every policy, in the order the command line lists them.
    pub const ALL: [Pager; 5] = [Pager::Clock, Pager::Fifo, Pager::Lru, Pager::Random, Pager::Opt];

    /// The policy called `name` on the command line.
    pub fn parse(name: &str) -> Result<Pager, String> {
        Pager::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| format!("unknown policy '{name}' (clock, fifo, lru, random or opt)"))
    }

    /// The policy's name, as the command line and the kernel's `pager=` say it.
    pub fn name(self) -> &'static str {
        match self {
            Pager::Clock => "clock",
            Pager::Fifo => "fifo",
            Pager::Lru => "lru",
            Pager::Random => "random",
            Pager::Opt => "opt",
        }
    }
}

/// Makes the disks of one run (the swap disk first): every run gets
/// fresh ones.
pub type DiskMaker<'a> = dyn Fn() -> Result<Vec<Disk>, String> + Sync + 'a;

/// What every run of a paging sweep boots.
pub struct PagingWorkload<'a> {
    /// The kernel.
    pub kernel: ElfImage,
    /// The initrd.
    pub initrd: Option<Vec<u8>>,
    /// The kernel command line: options, `--`, the program and its
    /// arguments; it must turn `log=vmstat` on.
    pub bootargs: String,
    /// RAM size.
    pub memory: u64,
    /// The kernel's `shared=N`, if given.
    pub shared: Option<u32>,
    /// Stop a run after it retired this many instructions.
    pub max_steps: Option<u64>,
    /// The disks of a run.
    pub disks: &'a DiskMaker<'a>,
}

/// One point of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct PagingResult {
    /// The policy.
    pub pager: Pager,
    /// The user-frame budget.
    pub frames: usize,
    /// The guest's counters (none for `opt`, or when the run failed).
    pub vmstat: Option<VmStat>,
    /// Faults that had to give a page a frame (see [`VmStat::faults`]);
    /// for `opt`, the misses of MIN; none when the point failed.
    pub faults: Option<u64>,
    /// Instructions the run retired (for `opt`, the recording run).
    pub instructions: u64,
    /// Wall-clock seconds of the run (for `opt`, of the simulation).
    pub seconds: f64,
    /// Why the point failed, if it did.
    pub failure: Option<String>,
    /// What the program printed (see [`program_output`]).
    pub output: String,
}

/// A machine run of the sweep: a guest policy at a budget, or the
/// recording of the reference string.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Job {
    Guest(Pager, usize),
    Record,
}

/// How a machine run went.
struct Ran {
    stop: StopReason,
    instructions: u64,
    seconds: f64,
    output: String,
    refs: Option<Vec<u32>>,
}

/// Runs every (policy, frames) point on `threads` threads, calling
/// `progress` after each machine run; results in the order of `pagers`,
/// then of `frames`.
pub fn run(
    workload: &PagingWorkload<'_>,
    pagers: &[Pager],
    frames: &[usize],
    threads: usize,
    progress: &(dyn Fn() + Sync),
) -> Vec<PagingResult> {
    let jobs = jobs(pagers, frames);
    let ran = parallel::map(&jobs, threads, progress, &|&job| run_job(workload, job));
    let recorded = jobs.iter().zip(&ran).find(|(job, _)| **job == Job::Record).map(|(_, r)| r);
    let optimal = recorded.map(|r| optimal_points(r, frames, threads));
    let points = pagers.iter().flat_map(|&p| frames.iter().enumerate().map(move |(i, &n)| (p, i, n)));
    points
        .map(|(pager, i, n)| match (pager, &optimal) {
            (Pager::Opt, Some(opt)) => opt[i].clone(),
            _ => guest_point(&jobs, &ran, pager, n),
        })
        .collect()
}

/// The machine runs: the recording first (the longest, as it runs
/// observed), then each guest point.
fn jobs(pagers: &[Pager], frames: &[usize]) -> Vec<Job> {
    let record = pagers.contains(&Pager::Opt).then_some(Job::Record);
    let guest = pagers.iter().filter(|&&p| p != Pager::Opt);
    record.into_iter().chain(guest.flat_map(|&p| frames.iter().map(move |&n| Job::Guest(p, n)))).collect()
}

/// The point of guest policy `pager` at `frames`, from its run.
fn guest_point(jobs: &[Job], ran: &[Result<Ran, String>], pager: Pager, frames: usize) -> PagingResult {
    let run = jobs.iter().position(|&j| j == Job::Guest(pager, frames)).and_then(|i| ran.get(i));
    match run {
        Some(Ok(run)) => {
            let found = VmStat::find(&run.output);
            let failure = failure(run, found.is_some());
            // A failed run's counters (a process killed for want of
            // frames still prints them) are not the workload's.
            let vmstat = found.filter(|_| failure.is_none());
            PagingResult {
                pager,
                frames,
                vmstat,
                faults: vmstat.map(|s| s.faults()),
                instructions: run.instructions,
                seconds: run.seconds,
                failure,
                output: program_output(&run.output),
            }
        }
        Some(Err(e)) => failed(pager, frames, e.clone()),
        None => failed(pager, frames, "not run".into()),
    }
}

/// The `opt` points at each of `frames`: MIN over the recorded string,
/// simulated on `threads` threads.
fn optimal_points(recorded: &Result<Ran, String>, frames: &[usize], threads: usize) -> Vec<PagingResult> {
    let all_failed = |why: String| frames.iter().map(|&n| failed(Pager::Opt, n, why.clone())).collect();
    let run = match recorded {
        Ok(run) => run,
        Err(e) => return all_failed(format!("recording the reference string: {e}")),
    };
    if let Some(why) = failure(run, true) {
        return all_failed(format!("the recording run: {why}"));
    }
    let optimal = Optimal::new(run.refs.as_deref().unwrap_or_default());
    parallel::map(frames, threads, &|| {}, &|&n| {
        let start = Instant::now();
        let faults = optimal.faults(n);
        PagingResult {
            pager: Pager::Opt,
            frames: n,
            vmstat: None,
            faults: Some(faults),
            instructions: run.instructions,
            seconds: start.elapsed().as_secs_f64(),
            failure: None,
            output: program_output(&run.output),
        }
    })
}

/// A point with nothing measured.
fn failed(pager: Pager, frames: usize, why: String) -> PagingResult {
    PagingResult {
        pager,
        frames,
        vmstat: None,
        faults: None,
        instructions: 0,
        seconds: 0.0,
        failure: Some(why),
        output: String::new(),
    }
}

/// Why `run` does not count: it did not exit with 0, or (when
/// `has_vmstat` is false) it printed no `[vmstat]` line.
fn failure(run: &Ran, has_vmstat: bool) -> Option<String> {
    match &run.stop {
        StopReason::Exit(0) if has_vmstat => None,
        StopReason::Exit(0) => Some("no [vmstat] line".into()),
        StopReason::Exit(code) => Some(format!("exit {code}")),
        StopReason::InstructionLimit(n) => Some(format!("out of instructions ({n})")),
        StopReason::Stuck(why) => Some(format!("stuck: {why}")),
        other => Some(format!("{other:?}")),
    }
}

/// One machine run.
fn run_job(workload: &PagingWorkload<'_>, job: Job) -> Result<Ran, String> {
    let console = Captured::default();
    let mut machine = machine(workload, job, &console)?;
    let start = Instant::now();
    let stop = run_retired(&mut machine, workload.max_steps);
    let seconds = start.elapsed().as_secs_f64();
    let refs = machine.cpu().take_page_recorder().map(PageRecorder::into_refs);
    let instructions = machine.cpu().retired();
    drop(machine);
    Ok(Ran { stop, instructions, seconds, output: console.text(), refs })
}

/// The machine of `job`, booted, printing to `console`; recording the
/// reference string if that is the job.
fn machine(workload: &PagingWorkload<'_>, job: Job, console: &Captured) -> Result<Machine, String> {
    let config = MachineConfig {
        memory_size: workload.memory,
        console_output: Box::new(console.clone()),
        bootargs: crate::bootargs::with_options(&workload.bootargs, &kernel_options(workload, job)),
        disks: (workload.disks)()?,
        ..MachineConfig::default()
    };
    let mut machine = Machine::new(config)?;
    machine.load_kernel(&workload.kernel, workload.initrd.as_deref()).map_err(|e| e.to_string())?;
    // The kernel idles while the disk works, until the next tick: in
    // real time that would be most of a run's wall-clock time.
    machine.set_virtual_idle(true);
    if job == Job::Record {
        machine.cpu().set_page_recorder(Some(PageRecorder::new()));
    }
    Ok(machine)
}

/// The kernel options of `job`: its policy and budget (the recording
/// keeps the kernel's defaults: clock, every frame RAM allows), and
/// `shared=`.
fn kernel_options(workload: &PagingWorkload<'_>, job: Job) -> Vec<String> {
    let mut options = Vec::new();
    if let Job::Guest(pager, frames) = job {
        options.push(format!("frames={frames}"));
        options.push(format!("pager={}", pager.name()));
    }
    if let Some(n) = workload.shared {
        options.push(format!("shared={n}"));
    }
    options
}

/// Runs `machine` until it stops, or has retired `max` instructions.
/// The hart's clock, which `Machine::run` limits, also counts time spent
/// idle, and a paging run spends most of its time idle while the disk
/// works: limited by the clock, a thrashing run would stop after a number
/// of transfers rather than of instructions.
fn run_retired(machine: &mut Machine, max: Option<u64>) -> StopReason {
    let Some(max) = max else { return machine.run(None) };
    loop {
        let left = max.saturating_sub(machine.cpu().retired());
        if left == 0 {
            return StopReason::InstructionLimit(max);
        }
        // At most `left` instructions retire before the clock gets there.
        let until = machine.cpu().steps().saturating_add(left);
        match machine.run(Some(until)) {
            StopReason::InstructionLimit(_) => continue,
            stop => return stop,
        }
    }
}

/// What the program printed: the console's lines but the kernel's own
/// (`[kernel]`, `[vm]`, `[vmstat]`, ...), which say how paging went, and
/// so differ from one policy and budget to the next when the program's
/// output must not.
pub fn program_output(output: &str) -> String {
    output.lines().filter(|l| !l.starts_with('[')).map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;
    use crate::stats::RunStats;

    /// A machine booting `randwalk 48 1500` with the VM counters on.
    fn randwalk() -> Machine {
        let program = builtin::find("randwalk").expect("built in");
        let initrd = crate::initrd::build(&[("randwalk", program.elf)]).expect("initrd");
        let config = MachineConfig {
            memory_size: 32 << 20,
            console_output: Box::new(std::io::sink()),
            bootargs: "log=vmstat -- randwalk 48 1500".into(),
            ..MachineConfig::default()
        };
        let mut machine = Machine::new(config).expect("machine");
        let kernel = ElfImage::parse(builtin::kernel().elf, "kernel").expect("kernel");
        machine.load_kernel(&kernel, Some(&initrd)).expect("boots");
        machine
    }

    #[test]
    fn recording_changes_no_counter() {
        let mut plain = randwalk();
        assert_eq!(plain.run(Some(100_000_000)), StopReason::Exit(0));
        let mut recorded = randwalk();
        recorded.cpu().set_page_recorder(Some(PageRecorder::new()));
        assert_eq!(recorded.run(Some(100_000_000)), StopReason::Exit(0));
        let recorder = recorded.cpu().take_page_recorder().expect("attached");
        assert_eq!(RunStats::collect(&plain).guest(), RunStats::collect(&recorded).guest());
        // The heap's 48 pages, the stack and some text, each touched many
        // times, each fetch and load on another page than the last.
        assert!((48..60).contains(&recorder.pages()), "{} pages", recorder.pages());
        assert!(recorder.refs().len() > 3000, "{} references", recorder.refs().len());
        assert!(recorder.refs().windows(2).all(|w| w[0] != w[1]), "repeats collapse");
    }

    /// A fresh 4 MiB swap disk.
    fn swap() -> Result<Vec<Disk>, String> {
        let bytes = 4 << 20;
        let mut storage = crate::devices::virtio::storage::Storage::memory(bytes)?;
        let header = rvsim_kernel_core::swap_header::make(bytes, "test").ok_or("no header")?;
        storage.write_at(0, &header).map_err(|e| e.to_string())?;
        Ok(vec![Disk { storage, readonly: false, serial: "swap".into() }])
    }

    #[test]
    fn a_thrashing_run_pages_in_virtual_time() {
        let program = builtin::find("randwalk").expect("built in");
        let workload = PagingWorkload {
            kernel: ElfImage::parse(builtin::kernel().elf, "kernel").expect("kernel"),
            initrd: Some(crate::initrd::build(&[("randwalk", program.elf)]).expect("initrd")),
            bootargs: "log=vmstat -- randwalk 48 1500".into(),
            memory: 32 << 20,
            shared: None,
            max_steps: Some(500_000_000),
            disks: &swap,
        };
        let ran = run_job(&workload, Job::Guest(Pager::Lru, 16)).expect("runs");
        assert_eq!(ran.stop, StopReason::Exit(0), "{}", ran.output);
        let vmstat = VmStat::find(&ran.output).expect("a vmstat line");
        assert_eq!(vmstat.frame_budget, 16);
        // Hundreds of transfers, each waited for until a timer tick: ten
        // seconds and more if the host slept through them.
        assert!(vmstat.page_ins > 300 && vmstat.page_outs > 300, "{vmstat:?}");
        assert!(ran.seconds < 5.0, "{} s", ran.seconds);
    }

    #[test]
    fn options_go_before_the_program() {
        let options = ["frames=8".to_string(), "pager=lru".to_string()];
        assert_eq!(
            crate::bootargs::with_options("log=vmstat -- scan 1 1", &options),
            "log=vmstat frames=8 pager=lru -- scan 1 1"
        );
        assert_eq!(crate::bootargs::with_options("-- scan", &options), "frames=8 pager=lru -- scan");
        assert_eq!(
            crate::bootargs::with_options("frames=99 -- a -- b", &options),
            "frames=99 frames=8 pager=lru -- a -- b"
        );
    }

    #[test]
    fn the_kernels_lines_are_not_the_programs() {
        let output = "[kernel] frames=9: only 4 frames\nscan: done\n[vmstat] page_faults=1\n";
        assert_eq!(program_output(output), "scan: done\n");
    }

    #[test]
    fn policies_parse_by_name() {
        assert_eq!(Pager::parse("opt"), Ok(Pager::Opt));
        assert!(Pager::parse("bogus").is_err_and(|e| e.contains("unknown policy 'bogus'")));
        assert!(Pager::ALL.iter().all(|&p| Pager::parse(p.name()) == Ok(p)));
    }

    #[test]
    fn the_recording_runs_first_and_opt_runs_no_guest() {
        let jobs = jobs(&[Pager::Lru, Pager::Opt], &[4, 8]);
        assert_eq!(jobs, [Job::Record, Job::Guest(Pager::Lru, 4), Job::Guest(Pager::Lru, 8)]);
        assert_eq!(super::jobs(&[Pager::Fifo], &[4]), [Job::Guest(Pager::Fifo, 4)]);
    }
}
