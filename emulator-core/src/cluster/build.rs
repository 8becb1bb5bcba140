//! Building a cluster: N machines booting the same kernel and initrd,
//! each told its place (`node=K nodes=N`), its console into the node's
//! buffer, its network device on the switch's port. The command line and
//! `rvsim bench dsm` build clusters the same way.

use super::Cluster;
use super::output::NodeOutputs;
use crate::bootargs::{node_options, with_options};
use crate::devices::ConsoleInput;
use crate::devices::plic::Gateway;
use crate::loader::ElfImage;
use crate::machine::{Disk, Machine, MachineConfig, Nic};
use crate::mmu::MmuConfig;
use crate::net::node_mac;
use crate::net::switch::{LinkConfig, Switch};

/// What every node of a cluster boots, and how they are joined.
pub struct ClusterSpec<'a> {
    /// The kernel.
    pub kernel: &'a ElfImage,
    /// Its initrd.
    pub initrd: Option<&'a [u8]>,
    /// The kernel command line (the node's place is added to it).
    pub bootargs: &'a str,
    /// RAM of each node.
    pub memory: u64,
    /// Each node's TLB shape and A/D policy.
    pub mmu: MmuConfig,
    /// Each node's PLIC gateways.
    pub plic: Gateway,
    /// The engine each node runs.
    pub engine: crate::engine::Engine,
    /// When its translator translates.
    pub jit: crate::engine::JitTuning,
    /// How many nodes.
    pub nodes: u16,
    /// The switch's links.
    pub link: LinkConfig,
    /// Host threads to run them on.
    pub threads: usize,
    /// Each node's disks, made afresh for it.
    pub disks: &'a dyn Fn() -> Result<Vec<Disk>, String>,
}

/// The cluster `spec` describes, each node's console writing into
/// `console`.
pub fn build(spec: &ClusterSpec, console: &NodeOutputs) -> Result<Cluster, String> {
    let (switch, ports) = Switch::new(spec.nodes, spec.link);
    let mut machines = Vec::new();
    for (node, port) in (0..spec.nodes).zip(ports) {
        let config = MachineConfig {
            memory_size: spec.memory,
            console_output: console.writer(node),
            console_input: ConsoleInput::None,
            bootargs: with_options(spec.bootargs, &node_options(node, spec.nodes)),
            mmu: spec.mmu,
            disks: (spec.disks)()?,
            nic: Some(Nic { mac: node_mac(node), backend: Box::new(port) }),
            plic: spec.plic,
            harts: 1,
            engine: spec.engine,
            jit: spec.jit,
        };
        let mut machine = Machine::new(config)?;
        machine.load_kernel(spec.kernel, spec.initrd).map_err(|e| e.to_string())?;
        machines.push(machine);
    }
    Ok(Cluster::new(machines, switch, spec.link, spec.threads))
}
