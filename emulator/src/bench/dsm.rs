//! `rvsim bench dsm`: one distributed shared memory workload on clusters
//! of several sizes, link latencies and protocols. Each run boots a fresh
//! cluster that starts `WORKLOAD NODES ARGS...` on every node (the DSM
//! programs take the number of processes first) and reads, from the
//! nodes' consoles, the guest cycles the workload reports (`in N
//! cycles`; the slowest node's, since the nodes work in parallel), and
//! from their network devices what went over the wire. The speedup of a
//! run is the cycles of the one-node run with the same protocol and
//! latency over its own. Runs are deterministic: the same sweep gives the
//! same figures on any host.

use serde::Serialize;

use crate::cluster::ClusterStop;
use crate::cluster::build::{ClusterSpec, build};
use crate::cluster::output::NodeOutputs;
use crate::loader::ElfImage;
use crate::machine::Disk;
use crate::mmu::MmuConfig;
use crate::net::switch::LinkConfig;
use crate::stats::RunStats;

/// How copies are kept: the kernel's `dsm=` boot option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// One copy that moves.
    Migrate,
    /// Read copies, invalidated before a write.
    Replicate,
}

impl Protocol {
    /// Both, in the order they are reported.
    pub const ALL: [Protocol; 2] = [Protocol::Migrate, Protocol::Replicate];

    /// Its name, as `dsm=` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Migrate => "migrate",
            Protocol::Replicate => "replicate",
        }
    }

    /// The protocol called `name`.
    pub fn parse(name: &str) -> Result<Protocol, String> {
        Protocol::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| format!("unknown protocol {name:?} (use migrate or replicate)"))
    }
}

/// One cluster to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DsmPoint {
    /// How copies are kept.
    pub protocol: Protocol,
    /// Link latency in cycles.
    pub latency: u64,
    /// Nodes.
    pub nodes: u16,
}

/// What every run boots.
pub struct DsmWorkload<'a> {
    /// The kernel.
    pub kernel: ElfImage,
    /// Its initrd.
    pub initrd: Vec<u8>,
    /// The kernel command line for a cluster of so many nodes, with its
    /// protocol.
    pub bootargs: &'a (dyn Fn(u16, Protocol) -> String + Sync),
    /// RAM of each node.
    pub memory: u64,
    /// Link bandwidth (bytes per 1,000 cycles).
    pub bandwidth: u64,
    /// Cycles after which a run counts as failed.
    pub max_steps: u64,
    /// Host threads each cluster runs on.
    pub threads: usize,
}

/// One run's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DsmResult {
    /// The run.
    #[serde(flatten)]
    pub point: DsmPoint,
    /// Guest cycles the workload took (its slowest node).
    pub cycles: Option<u64>,
    /// Cycles of the one-node run over these.
    pub speedup: Option<f64>,
    /// Frames sent by all nodes.
    pub frames: u64,
    /// Bytes sent by all nodes.
    pub bytes: u64,
    /// Host seconds the run took (the cluster's speed; the only figure
    /// that depends on the host).
    pub seconds: f64,
    /// Why the run failed, if it did.
    pub failure: Option<String>,
}

/// Runs every point in turn (each cluster uses the host's threads).
pub fn run(workload: &DsmWorkload, points: &[DsmPoint], progress: &dyn Fn()) -> Vec<DsmResult> {
    let mut results: Vec<DsmResult> = points
        .iter()
        .map(|&point| {
            let result = run_one(workload, point);
            progress();
            result
        })
        .collect();
    add_speedups(&mut results);
    results
}

/// Boots and runs one cluster.
fn run_one(workload: &DsmWorkload, point: DsmPoint) -> DsmResult {
    let mut result = DsmResult { point, cycles: None, speedup: None, frames: 0, bytes: 0, seconds: 0.0, failure: None };
    let console = NodeOutputs::new(point.nodes);
    let bootargs = (workload.bootargs)(point.nodes, point.protocol);
    let no_disks = || Ok(Vec::<Disk>::new());
    let spec = ClusterSpec {
        kernel: &workload.kernel,
        initrd: Some(&workload.initrd),
        bootargs: &bootargs,
        memory: workload.memory,
        mmu: MmuConfig::default(),
        plic: crate::devices::plic::Gateway::default(),
        engine: crate::engine::Engine::default(),
        jit: crate::engine::JitTuning::default(),
        nodes: point.nodes,
        link: LinkConfig { latency: point.latency, bandwidth: workload.bandwidth },
        threads: workload.threads,
        disks: &no_disks,
    };
    let mut cluster = match build(&spec, &console) {
        Ok(cluster) => cluster,
        Err(e) => return DsmResult { failure: Some(e), ..result },
    };
    let started = std::time::Instant::now();
    let stop = cluster.run(Some(workload.max_steps), |_| {});
    result.seconds = started.elapsed().as_secs_f64();
    let mut stats = Vec::new();
    cluster.for_each_machine(|_, machine| {
        machine.flush_console();
        stats.push(RunStats::collect(machine));
    });
    let network = RunStats::total(&stats).network.unwrap_or_default();
    (result.frames, result.bytes) = (network.frames_sent, network.bytes_sent);
    let mut output = Vec::new();
    let _ = console.drain(&mut output, true);
    let output = String::from_utf8_lossy(&output);
    result.cycles = slowest(&output);
    result.failure = match (stop, result.cycles) {
        (ClusterStop::AllExited, Some(_)) => None,
        (ClusterStop::AllExited, None) => Some("no node said how many cycles it took".into()),
        (other, _) => Some(format!("{other:?}")),
    };
    result
}

/// The largest `in N cycles` any node printed.
pub fn slowest(output: &str) -> Option<u64> {
    output
        .lines()
        .filter_map(|l| {
            let (before, _) = l.split_once(" cycles")?;
            before.rsplit_once("in ")?.1.trim().parse::<u64>().ok()
        })
        .max()
}

/// Each run's speedup against the one-node run of its protocol and
/// latency.
fn add_speedups(results: &mut [DsmResult]) {
    let base = |r: &DsmResult, all: &[DsmResult]| {
        all.iter()
            .find(|b| b.point.nodes == 1 && b.point.protocol == r.point.protocol && b.point.latency == r.point.latency)
            .and_then(|b| b.cycles)
    };
    let speedups: Vec<Option<f64>> =
        results.iter().map(|r| Some(base(r, results)? as f64 / r.cycles.filter(|&c| c > 0)? as f64)).collect();
    for (r, s) in results.iter_mut().zip(speedups) {
        r.speedup = s;
    }
}

/// The results as a table.
pub fn table(results: &[DsmResult]) -> String {
    let mut out = format!(
        "{:<10}{:>10}{:>7}{:>16}{:>9}{:>10}{:>11}{:>9}\n",
        "protocol", "latency", "nodes", "cycles", "speedup", "frames", "KiB sent", "host s"
    );
    for r in results {
        let cycles = r.cycles.map_or("-".into(), |c| c.to_string());
        let speedup = r.speedup.map_or("-".into(), |s| format!("{s:.2}"));
        out.push_str(&format!(
            "{:<10}{:>10}{:>7}{cycles:>16}{speedup:>9}{:>10}{:>11}{:>9.2}",
            r.point.protocol.name(),
            r.point.latency,
            r.point.nodes,
            r.frames,
            r.bytes / 1024,
            r.seconds
        ));
        if let Some(why) = &r.failure {
            out.push_str(&format!("  failed: {why}"));
        }
        out.push('\n');
    }
    out
}

/// The results as CSV.
pub fn csv(results: &[DsmResult]) -> String {
    let mut out = String::from("protocol,latency,nodes,cycles,speedup,frames,bytes,seconds,failure\n");
    for r in results {
        let cycles = r.cycles.map_or(String::new(), |c| c.to_string());
        let speedup = r.speedup.map_or(String::new(), |s| format!("{s:.4}"));
        let failure = r.failure.as_deref().unwrap_or("").replace(',', ";");
        out.push_str(&format!(
            "{},{},{},{cycles},{speedup},{},{},{:.3},{failure}\n",
            r.point.protocol.name(),
            r.point.latency,
            r.point.nodes,
            r.frames,
            r.bytes,
            r.seconds
        ));
    }
    out
}

/// The results as JSON.
pub fn json(results: &[DsmResult]) -> String {
    serde_json::to_string_pretty(results).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slowest_node_counts() {
        let out = "[node 0] dsmmatmul: process 0 of 2: 8x8 product in 1200 cycles, checksum 0x1\n\
                   [node 1] dsmmatmul: process 1 of 2: 8x8 product in 1500 cycles, checksum 0x1\n";
        assert_eq!(slowest(out), Some(1500));
        assert_eq!(slowest("nothing here\n"), None);
    }

    #[test]
    fn speedups_are_against_one_node_of_the_same_protocol_and_latency() {
        let r = |protocol, latency, nodes, cycles| DsmResult {
            point: DsmPoint { protocol, latency, nodes },
            cycles: Some(cycles),
            speedup: None,
            frames: 0,
            bytes: 0,
            seconds: 0.0,
            failure: None,
        };
        let mut results = vec![
            r(Protocol::Migrate, 10, 1, 1000),
            r(Protocol::Migrate, 10, 4, 250),
            r(Protocol::Replicate, 10, 1, 800),
            r(Protocol::Replicate, 10, 2, 500),
            r(Protocol::Replicate, 99, 2, 500),
        ];
        add_speedups(&mut results);
        let speedups: Vec<_> = results.iter().map(|r| r.speedup).collect();
        assert_eq!(speedups, [Some(1.0), Some(4.0), Some(1.0), Some(1.6), None]);
        assert!(
            table(&results).contains("replicate         10      2             500     1.60"),
            "{}",
            table(&results)
        );
        assert_eq!(csv(&results).lines().count(), 6);
        assert_eq!(Protocol::parse("migrate"), Ok(Protocol::Migrate));
        assert!(Protocol::parse("ivy").is_err());
    }
}
