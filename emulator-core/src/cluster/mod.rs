//! A cluster: several complete machines, each with its own hart, RAM,
//! devices and kernel, joined by the in-process [`Switch`] and run in
//! lockstep quanta of guest cycles.
//!
//! Every node runs the same quantum of cycles, `[t, t + quantum)`, on
//! host threads of its own (a node always on the same thread); then all
//! wait at a barrier while the switch routes the frames sent during the
//! quantum. The quantum is never longer than the link latency, so a
//! frame sent in one quantum arrives in a later one, at a step fixed by
//! when it was sent: what each node sees, and so the whole run, is the
//! same every time, however the host schedules the threads.
//!
//! A node whose machine stops through the test finisher has *exited*
//! (its kernel reported its first process's status); it keeps running,
//! since other nodes may still need what it holds. The cluster ends when
//! every node has exited. A node that stops any other way (stuck, or a
//! reset) has *failed*: the switch tells the others, they run on for a
//! grace period so that their kernels can say what was lost, and the
//! cluster stops.

mod barrier;
pub mod build;
pub mod output;

use std::sync::{Mutex, MutexGuard};

use barrier::SpinBarrier;

use crate::machine::{Machine, StopReason};
use crate::net::node_down;
use crate::net::switch::{LinkConfig, Routed, Switch};

/// Longest quantum: a bound on how long the nodes run unsynchronised
/// when the latency is large.
pub const MAX_QUANTUM: u64 = 1_000_000;
/// Cycles the other nodes run on after a node fails.
pub const FAILURE_GRACE: u64 = 2_000_000;

/// Where a node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeState {
    /// Running its first process.
    Running,
    /// Its first process ended with this status; the node runs on.
    Exited(u64),
    /// The machine stopped for this reason, at this step.
    Failed(Failure, u64),
}

/// Why a node failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Its machine stopped other than through the finisher.
    Stopped(StopReason),
    /// The user asked for it (`--kill-node`): the machine was switched
    /// off.
    Killed,
}

/// Why a cluster stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterStop {
    /// Every node's first process ended.
    AllExited,
    /// A node failed (the first to fail).
    NodeFailed(u16),
    /// The step limit was reached.
    InstructionLimit(u64),
}

/// What happened in a quantum, for whoever watches (the command line
/// prints outputs and the trace between quanta).
pub struct QuantumReport<'a> {
    /// The step the quantum ended at.
    pub end: u64,
    /// The frames the switch routed after it.
    pub routed: &'a [Routed],
    /// Nodes that exited or failed in it.
    pub changed: Vec<(u16, NodeState)>,
}

/// One node: its machine, how its last quantum ended, where it is.
struct Node {
    machine: Machine,
    last: Option<StopReason>,
    state: NodeState,
}

/// The machines, the switch, and how they run.
pub struct Cluster {
    nodes: Vec<Mutex<Node>>,
    threads: usize,
    control: Control,
}

/// What the coordinator keeps between quanta: the switch, the clock, and
/// the nodes to switch off at a given step.
struct Control {
    switch: Switch,
    link: LinkConfig,
    quantum: u64,
    now: u64,
    kills: Vec<(u16, u64)>,
}

/// Locks a node. Only one thread at a time ever touches a node (its
/// worker during a quantum, the coordinator between), so the lock never
/// waits; a poisoned one means its worker panicked.
fn lock(node: &Mutex<Node>) -> MutexGuard<'_, Node> {
    node.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Cluster {
    /// A cluster of `machines` (node `i` is `machines[i]`, whose network
    /// device is on `switch`'s port `i`), run on up to `threads` host
    /// threads.
    pub fn new(machines: Vec<Machine>, switch: Switch, link: LinkConfig, threads: usize) -> Cluster {
        let nodes = machines
            .into_iter()
            .map(|mut machine| {
                machine.set_virtual_idle(true);
                Mutex::new(Node { machine, last: None, state: NodeState::Running })
            })
            .collect::<Vec<_>>();
        let threads = threads.clamp(1, nodes.len().max(1));
        let quantum = link.latency.clamp(1, MAX_QUANTUM);
        Cluster { nodes, threads, control: Control { switch, link, quantum, now: 0, kills: Vec::new() } }
    }

    /// The quantum, in cycles.
    pub fn quantum(&self) -> u64 {
        self.control.quantum
    }

    /// Switches node `node` off at the end of the quantum that reaches
    /// step `at`, as if it had lost its power: the other nodes are told.
    pub fn kill_at(&mut self, node: u16, at: u64) {
        self.control.kills.push((node, at));
    }

    /// Host threads the nodes run on.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Where each node is.
    pub fn states(&self) -> Vec<NodeState> {
        states(&self.nodes)
    }

    /// Lends each node's machine to `f`, in node order.
    pub fn for_each_machine(&mut self, mut f: impl FnMut(u16, &mut Machine)) {
        for (i, node) in self.nodes.iter_mut().enumerate() {
            let node = node.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(i as u16, &mut node.machine);
        }
    }

    /// Runs quantum after quantum until every node has exited, a node's
    /// failure has had its grace period, or the nodes reach `max_steps`;
    /// `watch` sees each quantum's report.
    pub fn run(&mut self, max_steps: Option<u64>, mut watch: impl FnMut(&QuantumReport)) -> ClusterStop {
        let start = SpinBarrier::new(self.threads);
        let done = SpinBarrier::new(self.threads);
        let quit = std::sync::atomic::AtomicBool::new(false);
        let end = std::sync::atomic::AtomicU64::new(0);
        let Cluster { nodes, threads, control } = self;
        let (nodes, threads) = (&*nodes, *threads);
        std::thread::scope(|scope| {
            for worker in 1..threads {
                let (start, done, quit, end) = (&start, &done, &quit, &end);
                scope.spawn(move || {
                    loop {
                        start.wait();
                        if quit.load(std::sync::atomic::Ordering::Acquire) {
                            break;
                        }
                        run_share(nodes, worker, threads, end.load(std::sync::atomic::Ordering::Acquire));
                        done.wait();
                    }
                });
            }
            let stop = loop {
                let quantum_end = control.next_end(max_steps);
                end.store(quantum_end, std::sync::atomic::Ordering::Release);
                start.wait();
                run_share(nodes, 0, threads, quantum_end);
                done.wait();
                if let Some(stop) = control.settle(nodes, quantum_end, max_steps, &mut watch) {
                    break stop;
                }
            };
            quit.store(true, std::sync::atomic::Ordering::Release);
            start.wait();
            stop
        })
    }
}

/// All nodes' states.
fn states(nodes: &[Mutex<Node>]) -> Vec<NodeState> {
    nodes.iter().map(|n| lock(n).state.clone()).collect()
}

impl Control {
    /// The end of the next quantum.
    fn next_end(&mut self, max_steps: Option<u64>) -> u64 {
        let end = self.now + self.quantum;
        max_steps.map_or(end, |max| end.min(max))
    }

    /// Between quanta: routes the frames, notes nodes that exited or
    /// failed, and says whether the cluster stops.
    fn settle(
        &mut self,
        nodes: &[Mutex<Node>],
        end: u64,
        max_steps: Option<u64>,
        watch: &mut impl FnMut(&QuantumReport),
    ) -> Option<ClusterStop> {
        self.now = end;
        let routed = self.switch.route();
        let changed = self.note_stops(nodes, end);
        watch(&QuantumReport { end, routed: &routed, changed });
        let states = states(nodes);
        if let Some((node, at)) = first_failure(&states) {
            return (end >= at + FAILURE_GRACE).then_some(ClusterStop::NodeFailed(node));
        }
        if states.iter().all(|s| matches!(s, NodeState::Exited(_))) {
            return Some(ClusterStop::AllExited);
        }
        max_steps.filter(|&max| end >= max).map(ClusterStop::InstructionLimit)
    }

    /// Moves each node's last stop into its state; a failure is told to
    /// the other nodes by the switch. Returns the nodes that changed.
    fn note_stops(&mut self, nodes: &[Mutex<Node>], end: u64) -> Vec<(u16, NodeState)> {
        let mut changed = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let mut node = lock(node);
            let killed = self.kills.iter().any(|&(n, at)| n as usize == i && end >= at);
            let new = match (node.last.take(), &node.state) {
                (_, NodeState::Failed(..)) => continue,
                _ if killed => NodeState::Failed(Failure::Killed, end),
                (Some(StopReason::Exit(code)), NodeState::Running) => NodeState::Exited(code),
                (None | Some(StopReason::InstructionLimit(_) | StopReason::Exit(_)), _) => continue,
                (Some(reason), _) => NodeState::Failed(Failure::Stopped(reason), end),
            };
            node.state = new.clone();
            drop(node);
            if matches!(new, NodeState::Failed(..)) {
                self.tell_failure(i as u16, nodes.len() as u16, end);
            }
            changed.push((i as u16, new));
        }
        changed
    }

    /// The switch tells every other node that `failed` stopped.
    fn tell_failure(&mut self, failed: u16, nodes: u16, end: u64) {
        for other in (0..nodes).filter(|&n| n != failed) {
            self.switch.inject(other, end + self.link.latency, node_down(failed));
        }
    }
}

/// The first failed node and when it failed.
fn first_failure(states: &[NodeState]) -> Option<(u16, u64)> {
    states.iter().enumerate().find_map(|(i, s)| match s {
        NodeState::Failed(_, at) => Some((i as u16, *at)),
        _ => None,
    })
}

/// Runs worker `worker`'s nodes (every `threads`-th from `worker`) to
/// step `end`. Failed nodes stay stopped.
fn run_share(nodes: &[Mutex<Node>], worker: usize, threads: usize, end: u64) {
    for node in nodes.iter().skip(worker).step_by(threads) {
        let mut node = lock(node);
        if matches!(node.state, NodeState::Failed(..)) {
            continue;
        }
        let stop = node.machine.run(Some(end));
        node.last = Some(stop);
    }
}
