//! The per-node engine the kernel drives: faults from local threads,
//! frames from the network, the clock, and news of dead peers go in;
//! frames for the wire, events, and changes to local mappings come out.

use alloc::vec::Vec;

use super::ctx::Ctx;
use super::failure::peer_dead;
use super::manager::Manager;
use super::message::{self, Body, Frame, MAX_MESSAGE, MessageError};
use super::page::{PageTable, Req};
use super::stats::DsmStats;
use super::{Access, Config, Event, Fault, ManagerKind, NodeId, PageId, PageInfo, PageStore, SpaceId};

/// Why a configuration or a space is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// A cluster of no nodes.
    NoNodes,
    /// This node, a central manager, or a home outside the cluster.
    BadNode(NodeId),
    /// A zero retransmission time, or death sooner than retransmission.
    BadTimers,
    /// The space was added already.
    SpaceExists(SpaceId),
}

/// One node's DSM engine (see the module documentation).
#[derive(Debug)]
pub struct Dsm {
    ctx: Ctx,
    pages: PageTable,
    manager: Manager,
}

impl Dsm {
    /// An engine for `config.node`, with no spaces yet.
    pub fn new(config: Config) -> Result<Dsm, ConfigError> {
        if config.nodes == 0 {
            return Err(ConfigError::NoNodes);
        }
        let manager = match config.manager {
            ManagerKind::Central(m) => m,
            ManagerKind::Distributed => 0,
        };
        if let Some(bad) = [config.node, manager].into_iter().find(|&n| n >= config.nodes) {
            return Err(ConfigError::BadNode(bad));
        }
        if config.retransmit_after == 0 || config.dead_after < config.retransmit_after {
            return Err(ConfigError::BadTimers);
        }
        Ok(Dsm { ctx: Ctx::new(config), pages: PageTable::default(), manager: Manager::default() })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.ctx.cfg
    }

    /// Adds a distributed space of `pages` pages. Every node calls it with
    /// the same arguments; `home` owns every page at first (the kernel
    /// gives them zero-filled), the others know `home` as their owner.
    /// Nothing is mapped: the kernel maps a page on its first fault, with
    /// the access [`Dsm::access`] gives.
    pub fn add_space(&mut self, space: SpaceId, pages: u32, home: NodeId) -> Result<(), ConfigError> {
        self.add(space, pages, home, true)
    }

    /// Adds a process's address space as a distributed space of `pages`
    /// pages (its page numbers), as [`Dsm::add_space`] does, but keeping a
    /// record only of pages that have left `home`'s ownership: such a
    /// space is mostly unused. A node that dies is then known to have
    /// owned only the pages it took (`home`'s death loses the process
    /// anyway).
    pub fn add_address_space(&mut self, space: SpaceId, pages: u32, home: NodeId) -> Result<(), ConfigError> {
        self.add(space, pages, home, false)
    }

    fn add(&mut self, space: SpaceId, pages: u32, home: NodeId, dense: bool) -> Result<(), ConfigError> {
        if home >= self.ctx.cfg.nodes {
            return Err(ConfigError::BadNode(home));
        }
        if !self.pages.add(space, pages, self.ctx.me(), home, dense) {
            return Err(ConfigError::SpaceExists(space));
        }
        if self.ctx.manager() == Some(self.ctx.me()) {
            self.manager.add_space(space, pages, home, dense);
        }
        Ok(())
    }

    /// What local code may do with a page now (none for an unknown page).
    pub fn access(&self, page: PageId) -> Access {
        self.pages.get(page).map_or(Access::None, |st| st.access)
    }

    /// A local thread faulted on `page` (`write`: a store). `Granted`: the
    /// access is allowed now; `Wait`: sleep until the page's `Granted` or
    /// `Failed` event, then retry; `Lost`: never (also for a page of no
    /// space this node has).
    pub fn fault(&mut self, page: PageId, write: bool, now: u64, store: &mut impl PageStore) -> Fault {
        let store: &mut dyn PageStore = store;
        self.advance(now, store);
        let Some(st) = self.pages.get_mut(page) else { return Fault::Lost };
        let fault = st.fault(page, write, &mut self.ctx, store);
        self.run_loopback(store);
        fault
    }

    /// A frame from `from` (the payload, without the Ethernet header).
    /// A refused frame changes nothing and is not acknowledged; one naming
    /// a space this node has not added yet is refused, and its sender will
    /// send it again.
    pub fn receive(
        &mut self,
        from: NodeId,
        payload: &[u8],
        now: u64,
        store: &mut impl PageStore,
    ) -> Result<(), MessageError> {
        let store: &mut dyn PageStore = store;
        self.advance(now, store);
        self.ctx.stats.bytes_received += payload.len() as u64;
        let frame = self.check(from, payload)?;
        let mut bodies = Vec::new();
        let ctx = &mut self.ctx;
        ctx.links.receive(from, frame, ctx.now, (&mut ctx.out, &mut ctx.stats), &mut bodies);
        for body in bodies {
            self.dispatch(from, body, store);
            self.run_loopback(store);
        }
        Ok(())
    }

    /// Decodes a frame and checks it against the cluster and this node's
    /// spaces.
    fn check(&self, from: NodeId, payload: &[u8]) -> Result<Frame, MessageError> {
        if from >= self.ctx.cfg.nodes || from == self.ctx.me() {
            return Err(MessageError::UnknownPeer(from));
        }
        let frame = message::decode(payload)?;
        if let Some(body) = &frame.body {
            message::validate(body, self.ctx.cfg.nodes, |s| self.pages.pages_in(s))?;
        }
        Ok(frame)
    }

    /// The clock: retransmissions, bare acknowledgements and keepalives,
    /// peers dead by timeout, holds that have ended, searches for owners
    /// due again. Call it well within `retransmit_after` cycles of the
    /// last call (and within `hold`, for holds to end on time).
    pub fn tick(&mut self, now: u64, store: &mut impl PageStore) {
        let store: &mut dyn PageStore = store;
        self.advance(now, store);
        let ctx = &mut self.ctx;
        for dead in ctx.links.tick(ctx.now, &mut ctx.out, &mut ctx.stats) {
            peer_dead(&mut self.pages, &mut self.manager, &mut self.ctx, dead, store);
        }
        self.run_loopback(store);
    }

    /// The network says `node` is gone.
    pub fn peer_down(&mut self, node: NodeId, now: u64, store: &mut impl PageStore) {
        let store: &mut dyn PageStore = store;
        self.advance(now, store);
        peer_dead(&mut self.pages, &mut self.manager, &mut self.ctx, node, store);
        self.run_loopback(store);
    }

    /// The next frame to put on the wire: (destination, payload).
    pub fn next_outgoing(&mut self) -> Option<(NodeId, Vec<u8>)> {
        self.ctx.out.pop_front()
    }

    /// Sends `data`, a message of the kernel's own, to node `to` over the
    /// reliable link (in order with everything else sent there); it comes
    /// out of the other node's engine as [`Event::Message`]. At most
    /// [`MAX_MESSAGE`] bytes.
    pub fn send_message(&mut self, to: NodeId, data: Vec<u8>) {
        if to < self.ctx.cfg.nodes && data.len() <= MAX_MESSAGE {
            self.ctx.send(to, Body::App { data });
            self.run_loopback_messages();
        }
    }

    /// Messages a node sent itself come back at once, as events.
    fn run_loopback_messages(&mut self) {
        let me = self.ctx.me();
        let (apps, others): (Vec<Body>, Vec<Body>) =
            self.ctx.loopback.drain(..).partition(|b| matches!(b, Body::App { .. }));
        self.ctx.loopback.extend(others);
        for body in apps {
            if let Body::App { data } = body {
                self.ctx.events.push_back(Event::Message { from: me, data });
            }
        }
    }

    /// The next event, for the kernel's log and for waking sleepers.
    pub fn next_event(&mut self) -> Option<Event> {
        self.ctx.events.pop_front()
    }

    /// When the engine next has something to do by itself (a hold that
    /// ends, a search taken up again): the kernel calls [`Dsm::tick`] then,
    /// or soon after.
    pub fn next_deadline(&self) -> Option<u64> {
        self.ctx.timers.first().map(|&(at, _)| at)
    }

    /// The counters.
    pub fn stats(&self) -> &DsmStats {
        &self.ctx.stats
    }

    /// Whether this node takes `node` for dead.
    pub fn is_dead(&self, node: NodeId) -> bool {
        !self.ctx.alive(node)
    }

    /// A page as this node sees it (on the central manager's node, the
    /// owner its table gives), for `vmprint` and procfs.
    pub fn page_info(&self, page: PageId) -> Option<PageInfo> {
        let mut info = self.pages.get(page)?.info(self.ctx.me());
        if let Some(owner) = self.manager.owner(page).filter(|_| !info.owner) {
            info.prob_owner = owner;
        }
        Some(info)
    }

    /// A page's whole state, for test failure messages.
    #[cfg(test)]
    pub(crate) fn debug_page(&self, page: PageId) -> alloc::string::String {
        alloc::format!("{:?} manager {:?} dead {:?}", self.pages.get(page), self.manager.debug(page), self.ctx.dead)
    }

    /// Moves the clock on (never back), and runs the page timers due:
    /// holds that end, searches for owners taken up again.
    fn advance(&mut self, now: u64, store: &mut dyn PageStore) {
        self.ctx.now = self.ctx.now.max(now);
        while let Some(&(at, page)) = self.ctx.timers.first() {
            if at > self.ctx.now {
                break;
            }
            self.ctx.timers.pop_first();
            if let Some(st) = self.pages.get_mut(page) {
                st.release(page, &mut self.ctx, store);
                st.locate_timer(page, &mut self.ctx, store);
            }
        }
        self.run_loopback(store);
    }

    /// Handles the messages this node sent itself, until there are none.
    fn run_loopback(&mut self, store: &mut dyn PageStore) {
        while let Some(body) = self.ctx.loopback.pop_front() {
            self.dispatch(self.ctx.me(), body, store);
        }
    }

    /// Hands a message to the part it is for: the central manager (a
    /// request or a confirmation, on its node), failure handling, or the
    /// page's handlers.
    fn dispatch(&mut self, from: NodeId, body: Body, store: &mut dyn PageStore) {
        let central = self.ctx.manager();
        match body {
            Body::App { data } => self.ctx.events.push_back(Event::Message { from, data }),
            Body::PeerDead { node } => peer_dead(&mut self.pages, &mut self.manager, &mut self.ctx, node, store),
            Body::Confirm { page, owner } => self.manager.on_confirm(page, from, owner, &mut self.ctx),
            Body::Request { page, write, requester, .. } if central.is_some() => {
                self.manager.on_request(page, Req { requester, write, hops: 0 }, &mut self.ctx)
            }
            body => {
                let Some(page) = body.page() else { return };
                if let Some(st) = self.pages.get_mut(page) {
                    st.on_message(page, from, body, &mut self.ctx, store);
                }
            }
        }
    }
}
