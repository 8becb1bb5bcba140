//! Reliable, ordered delivery to each peer over a network that may delay,
//! reorder, duplicate and lose datagrams: sequence numbers, cumulative
//! acknowledgements, retransmission on a timer, a window of messages in
//! flight, and death of a peer that stops acknowledging.
//!
//! Each (this node, peer) pair has its own numbering, starting at 1.
//! Every frame carries the last number received in order from the peer;
//! when nothing goes back, a bare acknowledgement does, at the next tick.
//! Unacknowledged messages are sent again `retransmit_after` cycles after
//! they were last sent; at most [`WINDOW`] are in flight to a peer, and
//! later ones wait their turn in order. The receiver keeps arrivals that
//! are early but within the window, drops duplicates, and delivers in
//! order. A message unacknowledged `dead_after` cycles after it was first
//! sent makes its peer dead, for good. So that a peer's death is noticed
//! even when nothing is being sent to it (a node may be waiting for its
//! answer), a keepalive goes to a peer nothing went to for `dead_after / 2`
//! cycles.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use super::NodeId;
use super::message::{Body, Frame, encode};
use super::stats::DsmStats;

/// Most messages in flight (sent, not yet acknowledged) to one peer.
pub const WINDOW: usize = 32;

/// Frames ready for the wire: (destination, bytes).
pub(crate) type Outbox = VecDeque<(NodeId, Vec<u8>)>;

/// A message sent and not yet acknowledged.
#[derive(Debug)]
struct InFlight {
    seq: u64,
    body: Body,
    first_sent: u64,
    last_sent: u64,
}

/// Both directions of the link with one peer.
#[derive(Debug, Default)]
struct Peer {
    /// The number the next message sent gets.
    next_seq: u64,
    /// Sent and unacknowledged, oldest first.
    unacked: VecDeque<InFlight>,
    /// Waiting for room in the window.
    backlog: VecDeque<Body>,
    /// The last number received in order (and delivered).
    delivered: u64,
    /// Received early: waiting for the numbers before them.
    early: BTreeMap<u64, Body>,
    /// Whether the peer is owed an acknowledgement.
    ack_due: bool,
    /// Whether the peer is dead.
    dead: bool,
    /// When a message (not a bare acknowledgement) last went to the peer.
    last_sent: u64,
}

/// The links from this node to every other.
#[derive(Debug)]
pub(crate) struct Links {
    me: NodeId,
    peers: Vec<Peer>,
    retransmit_after: u64,
    dead_after: u64,
}

impl Links {
    /// Links from `me` to `nodes` nodes (the entry for `me` is never used).
    pub(crate) fn new(me: NodeId, nodes: u16, retransmit_after: u64, dead_after: u64) -> Links {
        let peers = (0..nodes).map(|_| Peer { next_seq: 1, ..Peer::default() }).collect();
        Links { me, peers, retransmit_after, dead_after }
    }

    /// Sends `body` to `to`: at once if the window has room, else after
    /// the messages before it.
    pub(crate) fn send(&mut self, to: NodeId, body: Body, now: u64, out: &mut Outbox, stats: &mut DsmStats) {
        let Some(peer) = self.peers.get_mut(usize::from(to)) else { return };
        if peer.dead {
            return;
        }
        stats.messages_sent += 1;
        peer.backlog.push_back(body);
        peer.fill_window(to, now, out, stats);
    }

    /// Takes in a decoded frame from `from`: its acknowledgement, and its
    /// message, appending to `deliver` every message now in order.
    pub(crate) fn receive(
        &mut self,
        from: NodeId,
        frame: Frame,
        now: u64,
        io: (&mut Outbox, &mut DsmStats),
        deliver: &mut Vec<Body>,
    ) {
        let (out, stats) = io;
        let Some(peer) = self.peers.get_mut(usize::from(from)) else { return };
        if peer.dead {
            return;
        }
        peer.acknowledged(frame.ack);
        peer.fill_window(from, now, out, stats);
        if let Some(body) = frame.body {
            peer.accept(frame.seq, body, stats, deliver);
        }
    }

    /// Sends again what has waited too long, and bare acknowledgements
    /// that are due; returns the peers found dead.
    pub(crate) fn tick(&mut self, now: u64, out: &mut Outbox, stats: &mut DsmStats) -> Vec<NodeId> {
        let (me, timers) = (self.me, (self.retransmit_after, self.dead_after));
        let live = (0..).zip(self.peers.iter_mut()).filter(|(id, p)| !p.dead && *id != me);
        live.filter_map(|(id, peer)| peer.tick(id, now, timers, out, stats).then_some(id)).collect()
    }

    /// Forgets a dead peer: nothing more is sent to it or taken from it.
    pub(crate) fn kill(&mut self, peer: NodeId) {
        if let Some(p) = self.peers.get_mut(usize::from(peer)) {
            *p = Peer { dead: true, ..Peer::default() };
        }
    }

    /// Messages waiting or in flight to `peer`, for tests.
    #[cfg(test)]
    pub(crate) fn pending(&self, peer: NodeId) -> usize {
        self.peers.get(usize::from(peer)).map_or(0, |p| p.unacked.len() + p.backlog.len())
    }
}

impl Peer {
    /// The clock, for one live peer: true if it is dead (a message has
    /// gone unacknowledged for `dead_after`); else retransmissions, a
    /// keepalive if nothing went for `dead_after / 2`, and a bare
    /// acknowledgement if one is due and nothing else carried it.
    fn tick(&mut self, id: NodeId, now: u64, timers: (u64, u64), out: &mut Outbox, stats: &mut DsmStats) -> bool {
        let (retransmit_after, dead_after) = timers;
        if self.unacked.front().is_some_and(|m| now.saturating_sub(m.first_sent) >= dead_after) {
            return true;
        }
        self.retransmit(id, now, retransmit_after, out, stats);
        if self.unacked.is_empty() && now.saturating_sub(self.last_sent) >= dead_after / 2 {
            stats.keepalives_sent += 1;
            self.backlog.push_back(Body::Keepalive);
            self.fill_window(id, now, out, stats);
        }
        if self.ack_due {
            self.emit(id, None, out, stats);
            stats.acks_sent += 1;
        }
        false
    }

    /// Puts one frame on the wire, with the current acknowledgement (which
    /// makes a separate one unnecessary).
    fn emit(&mut self, to: NodeId, msg: Option<(u64, &Body)>, out: &mut Outbox, stats: &mut DsmStats) {
        put(to, msg, self.delivered, out, stats);
        self.ack_due = false;
    }

    /// Moves waiting messages into the window while it has room, sending
    /// each.
    fn fill_window(&mut self, to: NodeId, now: u64, out: &mut Outbox, stats: &mut DsmStats) {
        while self.unacked.len() < WINDOW {
            let Some(body) = self.backlog.pop_front() else { break };
            let seq = self.next_seq;
            self.next_seq += 1;
            self.emit(to, Some((seq, &body)), out, stats);
            self.last_sent = now;
            self.unacked.push_back(InFlight { seq, body, first_sent: now, last_sent: now });
        }
    }

    /// Drops the messages a cumulative acknowledgement covers (numbers
    /// never sent are ignored).
    fn acknowledged(&mut self, ack: u64) {
        while self.unacked.front().is_some_and(|m| m.seq <= ack) {
            self.unacked.pop_front();
        }
    }

    /// Takes a message: keeps it if it is new and within the window, then
    /// delivers whatever is now in order. Anything received is owed an
    /// acknowledgement, duplicates too (their acknowledgement was lost).
    fn accept(&mut self, seq: u64, body: Body, stats: &mut DsmStats, deliver: &mut Vec<Body>) {
        self.ack_due = true;
        if seq <= self.delivered || self.early.contains_key(&seq) {
            stats.duplicates_dropped += 1;
            return;
        }
        if seq > self.delivered + WINDOW as u64 {
            return;
        }
        self.early.insert(seq, body);
        while let Some(body) = self.early.remove(&(self.delivered + 1)) {
            self.delivered += 1;
            stats.messages_received += 1;
            deliver.push(body);
        }
    }

    /// Sends again every message unacknowledged for `after` cycles since
    /// it was last sent.
    fn retransmit(&mut self, to: NodeId, now: u64, after: u64, out: &mut Outbox, stats: &mut DsmStats) {
        for i in 0..self.unacked.len() {
            if now.saturating_sub(self.unacked[i].last_sent) < after {
                continue;
            }
            let m = &mut self.unacked[i];
            m.last_sent = now;
            self.last_sent = now;
            put(to, Some((m.seq, &m.body)), self.delivered, out, stats);
            stats.retransmissions += 1;
            self.ack_due = false;
        }
    }
}

/// Encodes a frame (a message, or a bare acknowledgement) into the outbox.
fn put(to: NodeId, msg: Option<(u64, &Body)>, ack: u64, out: &mut Outbox, stats: &mut DsmStats) {
    let frame = encode(msg.map_or(0, |m| m.0), ack, msg.map(|m| m.1));
    stats.bytes_sent += frame.len() as u64;
    out.push_back((to, frame));
}
