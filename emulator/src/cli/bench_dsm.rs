//! `rvsim bench dsm WORKLOAD [ARGS] --nodes ... --latency ... --protocol
//! ...`: the command line of the DSM sweep (`bench/dsm.rs`).

use std::process::ExitCode;

use clap::Args;

use super::boot::{archive, initrd_files};
use super::output::say;
use super::{Failure, exit_code, options};
use crate::bench::dsm::{self, DsmPoint, DsmWorkload, Protocol};
use crate::bench::dsm_plot;
use crate::builtin::{self, ImageKind};
use crate::cli::cluster::MAX_NODES;
use crate::loader::ElfImage;

#[derive(Args, Debug)]
pub(super) struct DsmArgs {
    /// The workload: a built-in DSM program (dsmmatmul, dsmcounter, falseshare), started on every
    /// node as `WORKLOAD NODES ARGS...`.
    #[arg(value_name = "WORKLOAD")]
    workload: String,
    /// The workload's arguments after the number of processes.
    #[arg(value_name = "ARGS", trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
    /// Cluster sizes, comma-separated (1 to 64); 1 is the base of the speedups.
    #[arg(long, value_name = "LIST", default_value = "1,2,4,8", value_parser = node_list)]
    nodes: super::bench::List<u16>,
    /// Link latencies in cycles, comma-separated (100 to 1000000000).
    #[arg(long, value_name = "LIST", default_value = "1000,10000,100000", value_parser = latency_list)]
    latency: super::bench::List<u64>,
    /// Protocols, comma-separated: migrate, replicate.
    #[arg(long, value_name = "LIST", default_value = "replicate", value_parser = protocol_list)]
    protocol: super::bench::List<Protocol>,
    /// Bytes a link carries per 1000 cycles.
    #[arg(long, value_name = "BYTES", default_value = "1250", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    bandwidth: u64,
    /// Extra kernel boot arguments for every node, e.g. "manager=central".
    #[arg(long, value_name = "ARGS", default_value = "", allow_hyphen_values = true)]
    append: String,
    /// Each run fails after N cycles of each node.
    #[arg(long, value_name = "N", default_value_t = 20_000_000_000)]
    max_insns: u64,
    #[command(flatten)]
    output: super::sweep_output::SweepOutput,
}

/// `1,2,4,8`.
fn node_list(text: &str) -> Result<super::bench::List<u16>, String> {
    let items = options::list_items(text)?;
    let nodes = items.iter().map(|n| n.parse::<u16>().ok().filter(|n| (1..=MAX_NODES).contains(n)));
    nodes
        .collect::<Option<Vec<_>>>()
        .map(super::bench::List)
        .ok_or_else(|| format!("{text:?}: node counts are 1 to {MAX_NODES}"))
}

/// `1000,10000`.
fn latency_list(text: &str) -> Result<super::bench::List<u64>, String> {
    let items = options::list_items(text)?;
    let latencies = items.iter().map(|n| n.parse::<u64>().ok().filter(|n| (100..=1_000_000_000).contains(n)));
    latencies
        .collect::<Option<Vec<_>>>()
        .map(super::bench::List)
        .ok_or_else(|| format!("{text:?}: latencies are 100 to 1000000000 cycles"))
}

/// `migrate,replicate`.
fn protocol_list(text: &str) -> Result<super::bench::List<Protocol>, String> {
    options::list_items(text)?.into_iter().map(Protocol::parse).collect::<Result<Vec<_>, _>>().map(super::bench::List)
}

/// Runs the sweep and reports it.
pub(super) fn bench_dsm(args: &DsmArgs) -> Result<ExitCode, Failure> {
    if !builtin::find(&args.workload).is_some_and(|p| p.kind == ImageKind::Program) {
        return Err((
            exit_code::LOAD,
            format!("{:?}: no built-in program of that name ('rvsim list' shows them)", args.workload),
        ));
    }
    args.output.check_plot()?;
    let points: Vec<DsmPoint> =
        args.protocol
            .0
            .iter()
            .flat_map(|&protocol| {
                args.latency.0.iter().flat_map(move |&latency| {
                    args.nodes.0.iter().map(move |&nodes| DsmPoint { protocol, latency, nodes })
                })
            })
            .collect();
    let bootargs = |nodes: u16, protocol: Protocol| {
        let program = std::iter::once(args.workload.clone())
            .chain(std::iter::once(nodes.to_string()))
            .chain(args.args.iter().cloned());
        format!("{} echo=off dsm={} -- {}", args.append.trim(), protocol.name(), program.collect::<Vec<_>>().join(" "))
    };
    let workload = DsmWorkload {
        kernel: ElfImage::parse(builtin::kernel().elf, "rvsim-kernel").map_err(|e| (exit_code::LOAD, e.to_string()))?,
        initrd: archive(&initrd_files(&[]))?,
        bootargs: &bootargs,
        memory: crate::memmap::DEFAULT_RAM_SIZE,
        bandwidth: args.bandwidth,
        max_steps: args.max_insns,
        threads: args.output.threads(),
    };
    let bar = super::sweep_output::SweepOutput::progress(points.len(), "clusters");
    let results = dsm::run(&workload, &points, &|| bar.inc(1));
    bar.finish_and_clear();
    let what = std::iter::once(&args.workload).chain(&args.args).cloned().collect::<Vec<_>>().join(" ");
    if let Some(path) = &args.output.plot {
        dsm_plot::svg(&results, &format!("DSM speedup: {what}"), path).map_err(|e| (exit_code::OUTPUT, e))?;
    }
    args.output.print(|| dsm::table(&results), || dsm::csv(&results), || dsm::json(&results))?;
    let failed = results.iter().filter(|r| r.failure.is_some()).count();
    if failed > 0 {
        say(&format!("rvsim: warning: {failed} of {} runs failed", results.len()));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
