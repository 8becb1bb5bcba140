//! A simulated cluster, for the tests: one engine per node with a fake
//! page store, a seeded network that delays, reorders, duplicates and
//! drops datagrams, and threads that read and write words of pages,
//! faulting as the kernel would (sleep on `Wait`, retry after the page's
//! `Granted` or `Failed` event). After every delivery and every access it
//! checks single-writer/multiple-reader, that the engines' access is what
//! the stores map, and that every mapped copy holds the latest writes.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use super::*;

/// Cycles per simulated step.
pub(crate) const STEP: u64 = 100;

/// The space every simulation uses.
pub(crate) const SPACE: SpaceId = SpaceId(7);

/// A page of [`SPACE`].
pub(crate) fn page(index: u32) -> PageId {
    PageId { space: SPACE, index }
}

/// A xorshift64* generator: the network's and the workloads' dice.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// Seeded (any seed; zero is moved off).
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True `per_mille` times in a thousand.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }
}

/// The kernel's side, faked: page bytes and mappings per page.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pages: BTreeMap<PageId, Box<[u8; PAGE_SIZE]>>,
    /// What is mapped, as the engine last said.
    pub access: BTreeMap<PageId, Access>,
}

impl PageStore for Store {
    fn read(&mut self, page: PageId, buf: &mut [u8; PAGE_SIZE]) {
        *buf = self.pages.get(&page).map_or([0; PAGE_SIZE], |p| **p);
    }

    fn write(&mut self, page: PageId, data: &[u8; PAGE_SIZE]) {
        self.pages.insert(page, Box::new(*data));
    }

    fn set_access(&mut self, page: PageId, access: Access) {
        self.access.insert(page, access);
    }
}

impl Store {
    /// A page's mapping.
    pub(crate) fn mapped(&self, page: PageId) -> Access {
        self.access.get(&page).copied().unwrap_or_default()
    }

    /// The 8-byte word `word` of a page.
    pub(crate) fn word(&self, page: PageId, word: usize) -> u64 {
        let Some(p) = self.pages.get(&page) else { return 0 };
        u64::from_le_bytes(p[word * 8..word * 8 + 8].try_into().unwrap())
    }

    /// Sets a word.
    fn set_word(&mut self, page: PageId, word: usize, value: u64) {
        let p = self.pages.entry(page).or_insert_with(|| Box::new([0; PAGE_SIZE]));
        p[word * 8..word * 8 + 8].copy_from_slice(&value.to_le_bytes());
    }
}

/// One access a thread makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Reads a word; it must hold the last value written.
    Read(PageId, usize),
    /// Writes a word.
    Write(PageId, usize, u64),
    /// Adds one to a word (read-modify-write under write access).
    Increment(PageId, usize),
}

impl Op {
    /// The page, and whether it needs write access.
    fn target(self) -> (PageId, bool) {
        match self {
            Op::Read(p, _) => (p, false),
            Op::Write(p, ..) | Op::Increment(p, _) => (p, true),
        }
    }
}

/// A simulated thread: its accesses still to make, and its sleep.
#[derive(Debug, Default)]
pub(crate) struct Thread {
    /// What is left to do, in order.
    pub ops: VecDeque<Op>,
    /// The page it sleeps on, and since when (step).
    pub waiting: Option<(PageId, u64)>,
    /// Pages of accesses that failed (the page was lost).
    pub failed: Vec<PageId>,
}

/// One node: its engine, its store, its threads.
#[derive(Debug)]
pub(crate) struct Node {
    /// The engine.
    pub dsm: Dsm,
    /// The fake kernel memory.
    pub store: Store,
    /// The threads.
    pub threads: Vec<Thread>,
    /// Whether it runs (a killed node stops, and its datagrams vanish).
    pub alive: bool,
    /// Every event it produced.
    pub events: Vec<Event>,
}

/// The network's misbehaviour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Net {
    /// Datagrams lost, per thousand.
    pub loss: u32,
    /// Datagrams duplicated, per thousand.
    pub dup: u32,
    /// Longest delay, in steps (each datagram takes 1 to this many).
    pub max_delay: u64,
}

/// A network without faults, one step per hop.
pub(crate) const PERFECT: Net = Net { loss: 0, dup: 0, max_delay: 1 };

/// A datagram on its way.
#[derive(Debug)]
struct Datagram {
    at: u64,
    from: NodeId,
    to: NodeId,
    payload: Vec<u8>,
}

/// The cluster.
#[derive(Debug)]
pub(crate) struct Sim {
    /// The nodes.
    pub nodes: Vec<Node>,
    net: Net,
    rng: Rng,
    flight: Vec<Datagram>,
    /// Steps taken.
    pub step: u64,
    /// The last value written to each word: what every copy must show.
    pub truth: BTreeMap<(PageId, usize), u64>,
    /// Pages of the space.
    pub pages: u32,
    /// The longest any fault has waited, in steps.
    pub max_wait: u64,
    /// Past this many steps of waiting a fault counts as hung.
    pub wait_bound: u64,
    /// What the run is, for failure messages.
    pub label: alloc::string::String,
}

/// The engine settings the simulations use.
pub(crate) fn config(node: NodeId, nodes: u16, protocol: Protocol, manager: ManagerKind) -> Config {
    Config {
        node,
        nodes,
        protocol,
        manager,
        retransmit_after: 30 * STEP,
        dead_after: 1 << 40,
        hold: 3 * STEP,
        retry_wait: 0,
    }
}

impl Sim {
    /// A cluster of `nodes` nodes sharing one space of `pages` pages whose
    /// home is node 0, with no threads yet.
    pub(crate) fn new(nodes: u16, protocol: Protocol, manager: ManagerKind, net: Net, seed: u64, pages: u32) -> Sim {
        let nodes = (0..nodes).map(|n| Sim::node(config(n, nodes, protocol, manager), pages)).collect();
        let rng = Rng::new(seed);
        Sim {
            nodes,
            net,
            rng,
            flight: Vec::new(),
            step: 0,
            truth: BTreeMap::new(),
            pages,
            max_wait: 0,
            wait_bound: 20_000,
            label: alloc::string::String::new(),
        }
    }

    /// One node, with the space added and its home's mappings noted.
    fn node(cfg: Config, pages: u32) -> Node {
        let mut dsm = Dsm::new(cfg).unwrap();
        dsm.add_space(SPACE, pages, 0).unwrap();
        let mut store = Store::default();
        for i in 0..pages {
            store.access.insert(page(i), dsm.access(page(i)));
        }
        Node { dsm, store, threads: Vec::new(), alive: true, events: Vec::new() }
    }

    /// Changes a node's engine settings (before anything ran).
    pub(crate) fn reconfigure(&mut self, f: impl Fn(&mut Config)) {
        for node in &mut self.nodes {
            let mut cfg = *node.dsm.config();
            f(&mut cfg);
            *node = Sim::node(cfg, self.pages);
        }
    }

    /// The time now, in cycles.
    pub(crate) fn now(&self) -> u64 {
        self.step * STEP
    }

    /// Gives node `n` a thread that makes `ops`.
    pub(crate) fn spawn(&mut self, n: usize, ops: Vec<Op>) {
        self.nodes[n].threads.push(Thread { ops: ops.into(), ..Thread::default() });
    }

    /// Whether every live node's threads are done.
    pub(crate) fn done(&self) -> bool {
        self.nodes.iter().filter(|n| n.alive).all(|n| n.threads.iter().all(|t| t.ops.is_empty()))
    }

    /// Steps until every thread is done; false if `max_steps` pass first.
    pub(crate) fn run(&mut self, max_steps: u64) -> bool {
        for _ in 0..max_steps {
            if self.done() {
                return true;
            }
            self.tick();
        }
        self.done()
    }

    /// One step: deliveries, one access per thread, every engine's clock.
    pub(crate) fn tick(&mut self) {
        self.step += 1;
        self.deliver();
        for n in 0..self.nodes.len() {
            for t in 0..self.nodes[n].threads.len() {
                self.run_thread(n, t);
            }
        }
        for n in 0..self.nodes.len() {
            let now = self.now();
            let node = &mut self.nodes[n];
            if node.alive {
                node.dsm.tick(now, &mut node.store);
                self.collect(n);
            }
        }
        self.check_liveness();
    }

    /// Delivers the datagrams due, in random order.
    fn deliver(&mut self) {
        let (mut due, rest): (Vec<_>, Vec<_>) = self.flight.drain(..).partition(|d| d.at <= self.step);
        self.flight = rest;
        for i in (1..due.len()).rev() {
            due.swap(i, self.rng.below(i as u64 + 1) as usize);
        }
        for d in due {
            let now = self.now();
            let node = &mut self.nodes[usize::from(d.to)];
            if node.alive {
                node.dsm.receive(d.from, &d.payload, now, &mut node.store).unwrap();
                self.collect(usize::from(d.to));
                self.check();
            }
        }
    }

    /// Takes a node's frames onto the network (losing, duplicating and
    /// delaying them) and its events into its log, waking sleepers.
    fn collect(&mut self, n: usize) {
        while let Some((to, payload)) = self.nodes[n].dsm.next_outgoing() {
            for _ in 0..if self.rng.chance(self.net.dup) { 2 } else { 1 } {
                if !self.rng.chance(self.net.loss) {
                    let at = self.step + 1 + self.rng.below(self.net.max_delay);
                    self.flight.push(Datagram { at, from: n as NodeId, to, payload: payload.clone() });
                }
            }
        }
        while let Some(event) = self.nodes[n].dsm.next_event() {
            if let Event::Granted { page, .. } | Event::Failed { page } = event {
                self.wake(n, page);
            }
            self.nodes[n].events.push(event);
        }
    }

    /// Wakes node `n`'s threads sleeping on `page`.
    fn wake(&mut self, n: usize, page: PageId) {
        for t in &mut self.nodes[n].threads {
            if t.waiting.is_some_and(|w| w.0 == page) {
                self.max_wait = self.max_wait.max(self.step - t.waiting.map_or(0, |w| w.1));
                t.waiting = None;
            }
        }
    }

    /// Lets a thread make its next access, faulting first if it must.
    fn run_thread(&mut self, n: usize, t: usize) {
        let node = &self.nodes[n];
        let thread = &node.threads[t];
        let Some(&op) = thread.ops.front().filter(|_| node.alive && thread.waiting.is_none()) else { return };
        let (page, _) = op.target();
        let fault = self.try_access(n, op);
        let thread = &mut self.nodes[n].threads[t];
        match fault {
            Fault::Granted => {
                thread.ops.pop_front();
                self.perform(n, op);
            }
            Fault::Wait => thread.waiting = Some((page, self.step)),
            Fault::Lost => {
                thread.ops.pop_front();
                thread.failed.push(page);
            }
        }
        self.collect(n);
        self.check();
    }

    /// Whether node `n` may make the access now; if not, the engine's
    /// answer to the fault.
    fn try_access(&mut self, n: usize, op: Op) -> Fault {
        let (page, write) = op.target();
        let now = self.now();
        let node = &mut self.nodes[n];
        if node.dsm.access(page) >= if write { Access::Write } else { Access::Read } {
            return Fault::Granted;
        }
        node.dsm.fault(page, write, now, &mut node.store)
    }

    /// Makes an access, which the engine allows: the read must see the
    /// last write.
    fn perform(&mut self, n: usize, op: Op) {
        let (page, write) = op.target();
        let truth = |p, w| self.truth.get(&(p, w)).copied().unwrap_or(0);
        let expected = match op {
            Op::Read(p, w) | Op::Increment(p, w) => truth(p, w),
            Op::Write(..) => 0,
        };
        let store = &mut self.nodes[n].store;
        assert!(store.mapped(page) >= if write { Access::Write } else { Access::Read }, "node {n} {op:?} unmapped");
        match op {
            Op::Read(p, w) => assert_eq!(store.word(p, w), expected, "node {n} read a stale {p:?}:{w}"),
            Op::Write(p, w, v) => {
                store.set_word(p, w, v);
                self.truth.insert((p, w), v);
            }
            Op::Increment(p, w) => {
                let v = store.word(p, w);
                assert_eq!(v, expected, "node {n} incremented a stale {p:?}:{w}");
                store.set_word(p, w, v + 1);
                self.truth.insert((p, w), v + 1);
            }
        }
    }

    /// The last value written to a word (0 if none).
    pub(crate) fn value(&self, page: PageId, word: usize) -> u64 {
        self.truth.get(&(page, word)).copied().unwrap_or(0)
    }

    /// The invariants, over the live nodes: at most one writer and then no
    /// reader (under migration, at most one copy); every engine's access
    /// is what its store maps; every mapped copy holds the last writes.
    pub(crate) fn check(&self) {
        for i in 0..self.pages {
            let p = page(i);
            let live = || self.nodes.iter().enumerate().filter(|(_, n)| n.alive);
            let writers = live().filter(|(_, n)| n.store.mapped(p) == Access::Write).count();
            let readers = live().filter(|(_, n)| n.store.mapped(p) == Access::Read).count();
            assert!(
                writers <= 1 && (writers == 0 || readers == 0),
                "step {}: {p:?} {writers} writers, {readers} readers",
                self.step
            );
            if self.nodes[0].dsm.config().protocol == Protocol::Migrate {
                assert!(writers + readers <= 1, "step {}: {p:?} has {} copies", self.step, writers + readers);
            }
            for (n, node) in live() {
                assert_eq!(node.dsm.access(p), node.store.mapped(p), "step {}: node {n} {p:?}", self.step);
                if node.store.mapped(p) != Access::None {
                    for (&(q, w), &v) in self.truth.range((p, 0)..=(p, usize::MAX)) {
                        assert_eq!(node.store.word(q, w), v, "step {}: node {n} holds stale {q:?}:{w}", self.step);
                    }
                }
            }
        }
    }

    /// No live thread has slept longer than the bound.
    fn check_liveness(&self) {
        for (n, node) in self.nodes.iter().enumerate().filter(|(_, n)| n.alive) {
            for t in &node.threads {
                if let Some((p, since)) = t.waiting {
                    assert!(
                        self.step - since <= self.wait_bound,
                        "{}: node {n} hung on {p:?} since step {since}: {}",
                        self.label,
                        self.dump(p)
                    );
                }
            }
        }
    }

    /// Every node's state of a page, for failure messages.
    pub(crate) fn dump(&self, p: PageId) -> alloc::string::String {
        let mut s = alloc::string::String::new();
        for (n, node) in self.nodes.iter().enumerate() {
            s += &alloc::format!("\n node {n} alive {}: {}", node.alive, node.dsm.debug_page(p));
        }
        s
    }

    /// Stops node `n`: it runs no more, and datagrams to or from it vanish.
    /// With `tell`, every other node hears of it from the network at once;
    /// otherwise they find out by timeout.
    pub(crate) fn kill(&mut self, n: usize, tell: bool) {
        self.nodes[n].alive = false;
        self.flight.retain(|d| usize::from(d.from) != n && usize::from(d.to) != n);
        for m in (0..self.nodes.len()).filter(|&m| m != n && tell) {
            let now = self.now();
            let node = &mut self.nodes[m];
            if node.alive {
                node.dsm.peer_down(n as NodeId, now, &mut node.store);
                self.collect(m);
            }
        }
    }

    /// A counter summed over every node.
    pub(crate) fn total(&self, f: impl Fn(&DsmStats) -> u64) -> u64 {
        self.nodes.iter().map(|n| f(n.dsm.stats())).sum()
    }

    /// The pages some live node reported lost with node `dead`.
    pub(crate) fn reported_lost(&self, dead: NodeId) -> BTreeSet<PageId> {
        let events = self.nodes.iter().filter(|n| n.alive).flat_map(|n| n.events.iter());
        let lists = events.filter_map(|e| match e {
            Event::PagesLost { node, pages } if *node == dead => Some(pages.iter().copied()),
            _ => None,
        });
        lists.flatten().collect()
    }
}
