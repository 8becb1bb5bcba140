//! `rvsim cluster`: boots N machines joined by the in-process switch,
//! each running PROGRAM as its first process, and reports how the
//! cluster ended.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::boot::{Boot, Input, plan_boot};
use super::output::{CheckedWriter, OutputFailures, say};
use super::run::{stats_json_file, symbolizer, trace_config, trace_output};
use super::{BootArgs, Failure, MachineArgs, TraceArgs, exit_code};
use crate::cluster::build::{ClusterSpec, build};
use crate::cluster::output::NodeOutputs;
use crate::cluster::{self, Cluster, ClusterStop, NodeState, QuantumReport};
use crate::machine::StopReason;
use crate::net::switch::LinkConfig;
use crate::stats::RunStats;
use crate::trace::Tracer;

/// Most nodes a cluster may have.
pub const MAX_NODES: u16 = 64;

#[derive(Args, Debug)]
pub(super) struct ClusterArgs {
    /// Machines in the cluster (1 to 64), each with its own hart, RAM, devices and kernel.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_NODES as i64))]
    nodes: u16,
    /// Cycles from a frame's last byte leaving a node to its arrival (100 to 1000000000; 100 cycles
    /// are 1 us at the hart's 100 MHz). The nodes run in lockstep quanta no longer than this.
    #[arg(long, value_name = "CYCLES", default_value = "10000", value_parser = clap::value_parser!(u64).range(100..=1_000_000_000))]
    latency: u64,
    /// Bytes a link carries per 1000 cycles (1 to 1000000000; the default, 1250, is 1 Gbit/s).
    #[arg(long, value_name = "BYTES", default_value = "1250", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    bandwidth: u64,
    /// Host threads to run the nodes on (default: the host's cores). Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// Switch node K off once it has run CYCLES cycles, as if it lost its power (to see what the others
    /// do when a node dies).
    #[arg(long, value_name = "K@CYCLES", value_parser = parse_kill)]
    kill_node: Option<(u16, u64)>,
    #[command(flatten)]
    boot: BootArgs,
    /// Stop after N cycles of each node, with exit status 124.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    max_insns: Option<u64>,
    #[command(flatten)]
    machine: MachineArgs,
    #[command(flatten)]
    trace: TraceArgs,
}

/// The cluster's outputs: the consoles to standard output, the traces to
/// theirs, whole lines in node order between quanta.
struct Outputs {
    console: NodeOutputs,
    trace: NodeOutputs,
    trace_sink: Option<Box<dyn Write + Send>>,
    failures: OutputFailures,
}

impl Outputs {
    /// Writes what the nodes wrote since the last call (everything, with
    /// `all`).
    fn drain(&mut self, all: bool) {
        let mut stdout = CheckedWriter::new(std::io::stdout(), "cannot write the console output", &self.failures);
        let written = self.console.drain(&mut stdout, all);
        self.failures.check("cannot write the console output (standard output)", written);
        if let Some(sink) = self.trace_sink.as_mut() {
            let written = self.trace.drain(sink.as_mut(), all);
            self.failures.check("cannot write the trace", written);
        }
    }
}

pub(super) fn cluster(args: ClusterArgs) -> Result<ExitCode, Failure> {
    refuse_shared_disks(&args)?;
    let boot = plan_boot(&args.boot, Input::None)?;
    if boot.first.is_none() {
        return Err((exit_code::USAGE, "a cluster runs the teaching kernel: give a PROGRAM".into()));
    }
    let failures = OutputFailures::default();
    let trace_sink = match trace_config(&args.trace, &boot)? {
        Some(_) => Some(trace_output(&args.trace, &failures)?),
        None => None,
    };
    let mut outputs =
        Outputs { console: NodeOutputs::new(args.nodes), trace: NodeOutputs::new(args.nodes), trace_sink, failures };
    let stats_json = stats_json_file(&args.machine)?;
    let link = LinkConfig { latency: args.latency, bandwidth: args.bandwidth };
    let disks = || super::disks::open(&args.boot.disk_specs()).map_err(|(_, e)| e);
    let spec = ClusterSpec {
        kernel: &boot.kernel,
        initrd: boot.initrd.as_deref(),
        bootargs: &boot.bootargs,
        memory: args.boot.memory,
        mmu: args.machine.mmu(),
        plic: args.machine.plic,
        engine: args.machine.engine,
        jit: args.machine.jit,
        nodes: args.nodes,
        link,
        threads: args.threads.map_or_else(host_cores, usize::from),
        disks: &disks,
    };
    let mut cluster = build(&spec, &outputs.console).map_err(|e| (exit_code::USAGE, e))?;
    attach_tracers(&args, &boot, &mut cluster, &outputs)?;
    if let Some((node, at)) = args.kill_node {
        if node >= args.nodes {
            return Err((exit_code::USAGE, format!("--kill-node {node}@{at}: there are {} nodes", args.nodes)));
        }
        cluster.kill_at(node, at);
    }
    log::info!("{} nodes, quantum {} cycles, {} host threads", args.nodes, cluster.quantum(), cluster.threads());
    let started = std::time::Instant::now();
    let stop = cluster.run(args.max_insns, |report| watch(report, &mut outputs));
    outputs.drain(true);
    log::info!("the cluster ran {:.3} s", started.elapsed().as_secs_f64());
    write_stats(&args, &mut cluster, stats_json, &outputs.failures);
    let code = report(&cluster, &stop);
    Ok(if outputs.failures.report() { ExitCode::from(exit_code::OUTPUT) } else { code })
}

/// `K@CYCLES`.
fn parse_kill(text: &str) -> Result<(u16, u64), String> {
    let (node, at) = text.split_once('@').ok_or("expected NODE@CYCLES, such as 1@5000000")?;
    let node = node.trim().parse().map_err(|_| format!("{node:?} is not a node number"))?;
    let at = at.trim().parse().map_err(|_| format!("{at:?} is not a number of cycles"))?;
    Ok((node, at))
}

/// The host's cores.
fn host_cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A disk file would be written by every node at once: refused. A fresh
/// swap disk per node is fine.
fn refuse_shared_disks(args: &ClusterArgs) -> Result<(), Failure> {
    let specs = args.boot.disk_specs();
    if !specs.drives.is_empty() {
        return Err((exit_code::USAGE, "--drive: a cluster's nodes cannot share a disk file".into()));
    }
    if matches!(specs.swap, Some(super::disks::SwapSpec::Image(_))) {
        return Err((exit_code::USAGE, "--swap FILE: a cluster's nodes cannot share a swap file; give a size".into()));
    }
    Ok(())
}

/// Each node's tracer, when `--trace` asks, writing into the node's
/// trace buffer.
fn attach_tracers(args: &ClusterArgs, boot: &Boot, cluster: &mut Cluster, outputs: &Outputs) -> Result<(), Failure> {
    let Some(config) = trace_config(&args.trace, boot)? else { return Ok(()) };
    cluster.for_each_machine(|node, machine| {
        let tracer = Tracer::new(config.clone(), outputs.trace.writer(node), symbolizer(boot));
        machine.cpu().set_tracer(Some(tracer));
    });
    Ok(())
}

/// Between quanta: the outputs, and a line for each node that failed.
fn watch(report: &QuantumReport, outputs: &mut Outputs) {
    for (node, state) in &report.changed {
        if let NodeState::Failed(reason, at) = state {
            outputs.drain(true);
            say(&format!("rvsim: node {node} stopped at cycle {at}: {}; the other nodes are told", describe(reason)));
        }
    }
    outputs.drain(false);
}

/// A node's failure, in words.
fn describe(failure: &cluster::Failure) -> String {
    match failure {
        cluster::Failure::Killed => "switched off (--kill-node)".into(),
        cluster::Failure::Stopped(StopReason::Stuck(why)) => format!("its hart is stuck ({why})"),
        cluster::Failure::Stopped(StopReason::ResetRequested) => "its guest asked for a reset".into(),
        cluster::Failure::Stopped(StopReason::Quit) => "quit".into(),
        cluster::Failure::Stopped(other) => format!("{other:?}"),
    }
}

/// `--stats` and `--stats-json`: each node's counters, and their total.
fn write_stats(args: &ClusterArgs, cluster: &mut Cluster, json: Option<(&Path, File)>, failures: &OutputFailures) {
    let mut nodes = Vec::new();
    cluster.for_each_machine(|_, machine| {
        machine.flush_console();
        nodes.push(RunStats::collect(machine));
    });
    let total = RunStats::total(&nodes);
    if args.machine.stats {
        let mut text = String::new();
        for (i, stats) in nodes.iter().enumerate() {
            text.push_str(&format!("== node {i}\n{}", stats.table()));
        }
        text.push_str(&format!("== total of {} nodes\n{}", nodes.len(), total.table()));
        let written = std::io::stderr().lock().write_all(text.as_bytes());
        failures.check("cannot write the statistics (standard error)", written);
    }
    if let Some((path, mut file)) = json {
        let value = serde_json::json!({ "nodes": nodes, "total": total });
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        let written = file.write_all((text + "\n").as_bytes());
        failures.check(&format!("{path:?}: cannot write statistics"), written);
    }
}

/// Says how the cluster ended (unless every node exited) and picks the
/// exit status: the first non-zero node status, in node order.
fn report(cluster: &Cluster, stop: &ClusterStop) -> ExitCode {
    match stop {
        ClusterStop::AllExited => {
            let codes = cluster.states().into_iter().map(|s| if let NodeState::Exited(code) = s { code } else { 0 });
            let first = codes.into_iter().find(|&c| c != 0).unwrap_or(0);
            ExitCode::from(first as u8)
        }
        ClusterStop::NodeFailed(node) => {
            say(&format!("rvsim: node {node} failed; the cluster stops"));
            ExitCode::from(exit_code::NODE_FAILED)
        }
        ClusterStop::InstructionLimit(n) => {
            let running: Vec<String> = cluster
                .states()
                .iter()
                .enumerate()
                .filter(|(_, s)| **s == NodeState::Running)
                .map(|(i, _)| i.to_string())
                .collect();
            say(&format!("rvsim: stopped after {n} cycles (--max-insns); nodes still running: {}", running.join(", ")));
            ExitCode::from(exit_code::INSTRUCTION_LIMIT)
        }
    }
}
