//! The in-process switch of a cluster: one port per node, each the
//! backend of that node's virtio-net device.
//!
//! A port only queues: what its node sends waits in the port's outbox,
//! and what arrives for it sits in its inbox, ordered by arrival. The
//! switch moves frames from outboxes to inboxes in [`Switch::route`],
//! which the cluster calls between quanta, while no node runs. Each
//! node's uplink sends one frame at a time at the link's bandwidth, so a
//! frame starts when the link is free and arrives the latency after its
//! last byte left: frames between two nodes keep their order, as on a
//! wire. Addresses are the nodes' own ([`super::node_mac`]); broadcast
//! reaches every other node, and a frame to no node is dropped.
//!
//! Because every latency is at least one quantum, a frame sent during a
//! quantum arrives after it ends: routing at the barrier loses nothing,
//! and the same run gives the same arrivals whatever the host does.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{BROADCAST, Backend, destination, node_mac};

/// How the switch's links behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkConfig {
    /// Cycles from a frame's last byte leaving to its arrival.
    pub latency: u64,
    /// Bytes a link carries per 1,000 cycles.
    pub bandwidth: u64,
}

/// A frame on its way, or arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Arrival {
    at: u64,
    /// Breaks ties between frames arriving at the same step: the sender,
    /// then the order of sending.
    order: (u16, u64),
    frame: Vec<u8>,
}

/// One port's queues, shared between the device and the switch.
#[derive(Debug, Default)]
struct Queues {
    /// Frames the node sent since the last routing, with their steps.
    outbox: Vec<(u64, Vec<u8>)>,
    /// Frames routed to the node, by arrival.
    inbox: VecDeque<Arrival>,
}

/// A node's port: the backend of its virtio-net device.
pub struct SwitchPort(Arc<Mutex<Queues>>);

/// A frame the switch routed, for the trace and the counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// The sending node.
    pub from: u16,
    /// The receiving node (None: no node has that address; dropped).
    pub to: Option<u16>,
    /// When it was sent, in the sender's clock.
    pub sent: u64,
    /// When it arrives, in the receiver's clock.
    pub arrives: u64,
    /// Its length in bytes.
    pub len: usize,
}

/// The switch: its ports, and when each node's uplink is next free.
pub struct Switch {
    ports: Vec<Arc<Mutex<Queues>>>,
    link: LinkConfig,
    uplink_free: Vec<u64>,
    sent: u64,
}

/// Locks a port's queues. A port is only ever locked for a moment by one
/// thread at a time (its node's, or the switch's between quanta), so a
/// poisoned lock means a node's thread panicked; its queues are still
/// whole.
fn lock(queues: &Mutex<Queues>) -> MutexGuard<'_, Queues> {
    queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Switch {
    /// A switch of `nodes` ports, and the ports, in node order.
    pub fn new(nodes: u16, link: LinkConfig) -> (Switch, Vec<SwitchPort>) {
        let ports: Vec<_> = (0..nodes).map(|_| Arc::new(Mutex::new(Queues::default()))).collect();
        let handles = ports.iter().map(|q| SwitchPort(Arc::clone(q))).collect();
        let switch = Switch { uplink_free: vec![0; nodes as usize], ports, link, sent: 0 };
        (switch, handles)
    }

    /// Cycles a link needs to carry `len` bytes.
    fn transmission(&self, len: usize) -> u64 {
        (len as u64 * 1000).div_ceil(self.link.bandwidth.max(1))
    }

    /// Moves every frame sent since the last call into the inbox of the
    /// node it is addressed to (every other node, for broadcast); says
    /// what it routed, in order.
    pub fn route(&mut self) -> Vec<Routed> {
        let mut routed = Vec::new();
        for from in 0..self.ports.len() {
            let sent = std::mem::take(&mut lock(&self.ports[from]).outbox);
            for (at, frame) in sent {
                self.route_one(from as u16, at, frame, &mut routed);
            }
        }
        routed
    }

    /// Sends one frame over `from`'s uplink to its destinations.
    fn route_one(&mut self, from: u16, at: u64, frame: Vec<u8>, routed: &mut Vec<Routed>) {
        let start = at.max(self.uplink_free[from as usize]);
        let done = start + self.transmission(frame.len());
        self.uplink_free[from as usize] = done;
        let arrives = done + self.link.latency;
        let targets = self.targets(from, &frame);
        if targets.is_empty() {
            routed.push(Routed { from, to: None, sent: at, arrives, len: frame.len() });
        }
        for to in targets {
            routed.push(Routed { from, to: Some(to), sent: at, arrives, len: frame.len() });
            self.sent += 1;
            let arrival = Arrival { at: arrives, order: (from, self.sent), frame: frame.clone() };
            insert_by_arrival(&mut lock(&self.ports[to as usize]).inbox, arrival);
        }
    }

    /// The nodes a frame from `from` goes to.
    fn targets(&self, from: u16, frame: &[u8]) -> Vec<u16> {
        let nodes = 0..self.ports.len() as u16;
        match destination(frame) {
            Some(BROADCAST) => nodes.filter(|&n| n != from).collect(),
            Some(mac) => nodes.filter(|&n| node_mac(n) == mac && n != from).collect(),
            None => Vec::new(),
        }
    }

    /// Delivers `frame` to `node` at step `at`, from the switch itself (a
    /// notice such as a node's death), after whatever is already queued.
    pub fn inject(&mut self, node: u16, at: u64, frame: Vec<u8>) {
        self.sent += 1;
        let arrival = Arrival { at, order: (u16::MAX, self.sent), frame };
        if let Some(port) = self.ports.get(node as usize) {
            insert_by_arrival(&mut lock(port).inbox, arrival);
        }
    }

    /// Frames on their way to, or waiting at, `node`.
    pub fn queued(&self, node: u16) -> usize {
        self.ports.get(node as usize).map_or(0, |p| lock(p).inbox.len())
    }
}

/// Inserts `arrival` after every frame arriving before it or at the same
/// step in an earlier order.
fn insert_by_arrival(inbox: &mut VecDeque<Arrival>, arrival: Arrival) {
    let key = (arrival.at, arrival.order);
    let at = inbox.partition_point(|a| (a.at, a.order) <= key);
    inbox.insert(at, arrival);
}

impl Backend for SwitchPort {
    fn send(&mut self, now: u64, frame: Vec<u8>) {
        lock(&self.0).outbox.push((now, frame));
    }

    fn next_arrival(&mut self) -> Option<u64> {
        lock(&self.0).inbox.front().map(|a| a.at)
    }

    fn receive(&mut self, now: u64) -> Option<Vec<u8>> {
        let mut queues = lock(&self.0);
        if queues.inbox.front().is_some_and(|a| a.at <= now) {
            return queues.inbox.pop_front().map(|a| a.frame);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(to: u16, from: u16, len: usize) -> Vec<u8> {
        let mut f = vec![0u8; len];
        f[..6].copy_from_slice(&node_mac(to));
        f[6..12].copy_from_slice(&node_mac(from));
        f
    }

    #[test]
    fn frames_arrive_after_transmission_and_latency() {
        let (mut switch, mut ports) = Switch::new(3, LinkConfig { latency: 1000, bandwidth: 1000 });
        ports[0].send(50, frame(2, 0, 100));
        let routed = switch.route();
        // 100 bytes at 1 byte a cycle: 100 cycles on the wire, then 1000.
        assert_eq!(routed, vec![Routed { from: 0, to: Some(2), sent: 50, arrives: 1150, len: 100 }]);
        assert_eq!(ports[2].next_arrival(), Some(1150));
        assert_eq!(ports[2].receive(1149), None);
        assert_eq!(ports[2].receive(1150).map(|f| f.len()), Some(100));
        assert_eq!(ports[1].next_arrival(), None);
    }

    #[test]
    fn an_uplink_sends_one_frame_at_a_time_in_order() {
        let (mut switch, mut ports) = Switch::new(2, LinkConfig { latency: 10, bandwidth: 1000 });
        ports[0].send(0, frame(1, 0, 500));
        ports[0].send(1, frame(1, 0, 20));
        let routed = switch.route();
        assert_eq!(routed[0].arrives, 510);
        // The small frame waits for the large one to leave.
        assert_eq!(routed[1].arrives, 530);
        assert_eq!(ports[1].receive(10_000).map(|f| f.len()), Some(500));
        assert_eq!(ports[1].receive(10_000).map(|f| f.len()), Some(20));
    }

    #[test]
    fn broadcast_reaches_every_other_node_and_strangers_are_dropped() {
        let (mut switch, mut ports) = Switch::new(3, LinkConfig { latency: 10, bandwidth: 1000 });
        let mut b = frame(0, 1, 60);
        b[..6].copy_from_slice(&BROADCAST);
        ports[1].send(0, b);
        let mut stranger = frame(0, 1, 60);
        stranger[5] = 0x77;
        ports[1].send(0, stranger);
        let routed = switch.route();
        let to: Vec<_> = routed.iter().map(|r| r.to).collect();
        assert_eq!(to, vec![Some(0), Some(2), None]);
        assert!(ports[0].receive(1000).is_some() && ports[2].receive(1000).is_some());
        assert!(ports[1].receive(1000).is_none());
    }

    #[test]
    fn arrivals_from_several_nodes_are_ordered_by_time_then_sender() {
        let (mut switch, mut ports) = Switch::new(3, LinkConfig { latency: 100, bandwidth: 1000 });
        ports[1].send(0, frame(0, 1, 50));
        ports[2].send(0, frame(0, 2, 20));
        ports[2].send(30, frame(0, 2, 20));
        switch.route();
        let order: Vec<_> = std::iter::from_fn(|| ports[0].receive(u64::MAX)).map(|f| f[11]).collect();
        // Node 2's first frame (arriving at 120) beats node 1's (150); its
        // second (150) ties with node 1's and goes after it.
        assert_eq!(order, vec![2, 1, 2]);
    }
}
