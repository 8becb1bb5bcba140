//! What every handler of one node shares: its settings and clock, its
//! links and the frames they put out, messages to itself, events,
//! counters, which peers are dead, and which pages are held.

use alloc::collections::{BTreeSet, VecDeque};
use alloc::vec::Vec;

use super::link::{Links, Outbox};
use super::message::Body;
use super::stats::DsmStats;
use super::{Config, Event, ManagerKind, NodeId, PageId, Protocol};

/// One node's shared state, apart from its pages.
#[derive(Debug)]
pub(crate) struct Ctx {
    /// The settings.
    pub cfg: Config,
    /// The latest time the kernel gave (cycles).
    pub now: u64,
    /// The reliable links to every peer.
    pub links: Links,
    /// Frames ready for the wire.
    pub out: Outbox,
    /// Messages this node sent itself, handled before any call returns.
    pub loopback: VecDeque<Body>,
    /// Events for the kernel.
    pub events: VecDeque<Event>,
    /// The counters.
    pub stats: DsmStats,
    /// Which nodes are dead.
    pub dead: Vec<bool>,
    /// Pages with something to do at a time: a hold to end, a search for
    /// the owner to take up again.
    pub timers: BTreeSet<(u64, PageId)>,
    /// The last node found dead, if any.
    pub last_dead: Option<NodeId>,
}

impl Ctx {
    /// A node's context: no time has passed, every peer is alive.
    pub(crate) fn new(cfg: Config) -> Ctx {
        Ctx {
            cfg,
            now: 0,
            links: Links::new(cfg.node, cfg.nodes, cfg.retransmit_after, cfg.dead_after),
            out: VecDeque::new(),
            loopback: VecDeque::new(),
            events: VecDeque::new(),
            stats: DsmStats::default(),
            dead: alloc::vec![false; usize::from(cfg.nodes)],
            timers: BTreeSet::new(),
            last_dead: None,
        }
    }

    /// This node.
    pub(crate) fn me(&self) -> NodeId {
        self.cfg.node
    }

    /// Whether `node` is alive (as far as this node knows).
    pub(crate) fn alive(&self, node: NodeId) -> bool {
        !self.dead.get(usize::from(node)).copied().unwrap_or(true)
    }

    /// Whether pages are replicated for readers (else they migrate).
    pub(crate) fn replicate(&self) -> bool {
        self.cfg.protocol == Protocol::Replicate
    }

    /// The central manager's node, if there is one.
    pub(crate) fn manager(&self) -> Option<NodeId> {
        match self.cfg.manager {
            ManagerKind::Central(m) => Some(m),
            ManagerKind::Distributed => None,
        }
    }

    /// Sends a message: to the link, or to this node's own loopback queue.
    /// Nothing is sent to a dead node.
    pub(crate) fn send(&mut self, to: NodeId, body: Body) {
        if to == self.me() {
            self.loopback.push_back(body);
            return;
        }
        if !self.alive(to) {
            return;
        }
        match &body {
            Body::Grant { data: Some(_), .. } => self.stats.pages_sent += 1,
            Body::Invalidate { .. } => self.stats.invalidations_sent += 1,
            _ => {}
        }
        self.links.send(to, body, self.now, &mut self.out, &mut self.stats);
    }

    /// Queues an event for the kernel.
    pub(crate) fn event(&mut self, event: Event) {
        self.events.push_back(event);
    }

    /// Holds `page` for [`Config::hold`] cycles from now; returns when the
    /// hold ends.
    pub(crate) fn hold(&mut self, page: PageId) -> u64 {
        self.hold_for(page, self.cfg.hold)
    }

    /// Holds `page` for `cycles` from now; returns when the hold ends.
    pub(crate) fn hold_for(&mut self, page: PageId, cycles: u64) -> u64 {
        let until = self.now.saturating_add(cycles);
        self.timer(until, page);
        until
    }

    /// Asks for the page's timer handler to run at `at`.
    pub(crate) fn timer(&mut self, at: u64, page: PageId) {
        if at > self.now {
            self.timers.insert((at, page));
        }
    }

    /// The live nodes other than this one.
    pub(crate) fn live_peers(&self) -> Vec<NodeId> {
        (0..self.cfg.nodes).filter(|&n| n != self.me() && self.alive(n)).collect()
    }
}
