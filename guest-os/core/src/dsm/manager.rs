//! Where a request for a page goes: to the central manager, which knows
//! every owner and forwards (IVY's improved centralized manager, section
//! 3.2, with section 3.1's confirmation), or along probable-owner hints
//! (IVY's dynamic distributed manager, section 4.3).
//!
//! The central manager locks a page's entry when it forwards a request
//! and unlocks it on the requester's confirmation, queueing the page's
//! other requests meanwhile: one transfer per page at a time. Its table is
//! therefore exact whenever the entry is unlocked. The distributed manager
//! has no table: a node that does not own the page forwards the request
//! to its probable owner and then takes the requester as its probable
//! owner (the requester will own the page, or will know who does), as the
//! paper's servers do.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use super::ctx::Ctx;
use super::message::Body;
use super::page::{PageState, Req};
use super::sparse::Sparse;
use super::{NodeId, PageId, SpaceId};

/// The central manager's entry for one page.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// The owner (exact while unlocked).
    owner: NodeId,
    /// The request being carried out, until its requester confirms.
    lock: Option<Req>,
    /// Requests waiting for the lock, oldest first.
    queue: VecDeque<Req>,
    /// Whether the page is lost (its owner died, or it was on its way to
    /// a node that died).
    lost: bool,
}

/// The central manager's table; empty on every other node.
#[derive(Debug, Default)]
pub(crate) struct Manager {
    spaces: BTreeMap<SpaceId, Sparse<Entry>>,
}

impl Manager {
    /// Adds a space whose pages `home` owns (every entry made now, or
    /// on first use: see [`Sparse`]).
    pub(crate) fn add_space(&mut self, space: SpaceId, pages: u32, home: NodeId, dense: bool) {
        let entry = Entry { owner: home, lock: None, queue: VecDeque::new(), lost: false };
        self.spaces.insert(space, Sparse::new(pages, entry, dense));
    }

    /// The owner the table gives, for `vmprint`.
    pub(crate) fn owner(&self, page: PageId) -> Option<NodeId> {
        self.entry(page).map(|e| e.owner)
    }

    /// An entry, for test failure messages.
    #[cfg(test)]
    pub(crate) fn debug(&self, page: PageId) -> alloc::string::String {
        alloc::format!("{:?}", self.entry(page))
    }

    // The entry of a page, if this node manages it.
    fn entry(&self, page: PageId) -> Option<&Entry> {
        self.spaces.get(&page.space)?.get(page.index)
    }

    // The entry of a page, to change.
    fn entry_mut(&mut self, page: PageId) -> Option<&mut Entry> {
        self.spaces.get_mut(&page.space)?.get_mut(page.index)
    }

    /// A fault's request (IVY's manager: lock, forward to the owner).
    pub(crate) fn on_request(&mut self, page: PageId, req: Req, ctx: &mut Ctx) {
        if let Some(entry) = self.entry_mut(page) {
            entry.admit(page, req, ctx);
        }
    }

    /// A requester's confirmation: record the new owner if ownership
    /// moved, unlock, and start the next queued request.
    pub(crate) fn on_confirm(&mut self, page: PageId, from: NodeId, owner: bool, ctx: &mut Ctx) {
        let Some(entry) = self.entry_mut(page) else { return };
        if entry.lock.is_some_and(|r| r.requester == from) {
            if owner {
                entry.owner = from;
            }
            entry.lock = None;
            entry.next(page, ctx);
        }
    }

    /// A node died: the pages it owned, or that were on their way to it,
    /// are lost (their waiting requesters are told); its own requests are
    /// dropped. Returns the lost pages.
    pub(crate) fn on_peer_dead(&mut self, dead: NodeId, ctx: &mut Ctx) -> Vec<PageId> {
        let mut lost = Vec::new();
        for (&space, entries) in self.spaces.iter_mut() {
            for (index, entry) in entries.iter_mut() {
                let page = PageId { space, index };
                if entry.peer_dead(page, dead, ctx) {
                    lost.push(page);
                }
            }
        }
        lost
    }
}

impl Entry {
    /// Takes a request: refused if the page is lost, queued if the entry
    /// is locked, else locked and forwarded to the owner.
    fn admit(&mut self, page: PageId, req: Req, ctx: &mut Ctx) {
        if !ctx.alive(req.requester) {
            return;
        }
        if self.lost || !ctx.alive(self.owner) {
            self.lost = true;
            return ctx.send(req.requester, Body::Lost { page });
        }
        if self.lock.is_some() {
            return self.queue.push_back(req);
        }
        self.lock = Some(req);
        ctx.stats.forwards += 1;
        ctx.send(self.owner, Body::Forward { page, write: req.write, requester: req.requester });
    }

    /// Starts queued requests while the entry is unlocked.
    fn next(&mut self, page: PageId, ctx: &mut Ctx) {
        while self.lock.is_none() {
            let Some(req) = self.queue.pop_front() else { return };
            self.admit(page, req, ctx);
        }
    }

    /// Forgets a dead node's requests, and decides whether the page died
    /// with it: its owner, or the one ownership was going to (the owner
    /// may or may not have sent it yet; it counts as lost either way). A
    /// read copy on its way to the dead node loses nothing.
    fn peer_dead(&mut self, page: PageId, dead: NodeId, ctx: &mut Ctx) -> bool {
        self.queue.retain(|r| r.requester != dead);
        let locked_for_dead = self.lock.is_some_and(|r| r.requester == dead);
        let moving_to_dead = locked_for_dead && self.lock.is_some_and(|r| r.write || !ctx.replicate());
        if locked_for_dead {
            self.lock = None;
        }
        let lost = !self.lost && (self.owner == dead || moving_to_dead);
        if lost {
            self.lost = true;
            if let Some(req) = self.lock.take() {
                ctx.send(req.requester, Body::Lost { page });
            }
        }
        self.next(page, ctx);
        lost
    }
}

/// Where this node sends its own request for a page: the central manager,
/// or the probable owner; none if that node is dead (or, for a hint, this
/// node).
pub(crate) fn request_target(st: &PageState, ctx: &Ctx) -> Option<NodeId> {
    let to = ctx.manager().unwrap_or(st.prob);
    let usable = ctx.alive(to) && (ctx.manager().is_some() || to != ctx.me());
    usable.then_some(to)
}

/// What a node that does not own the page does with someone else's
/// request. Distributed: forward it to the probable owner, then take the
/// requester as the probable owner (IVY's servers). If the hint is of no
/// use (a dead node), or the request has gone twice round the cluster
/// (hints in a circle, after a death), it goes back to the requester,
/// which then looks for the owner itself. Central: the manager thought
/// this node the owner, which cannot happen while its entry is locked;
/// refuse, and the requester's confirmation unlocks the entry.
pub(crate) fn pass_on(st: &mut PageState, page: PageId, req: Req, ctx: &mut Ctx) {
    if ctx.manager().is_some() {
        return st.refuse(page, req, ctx);
    }
    let usable = request_target(st, ctx).is_some() && req.hops < ctx.cfg.nodes.saturating_mul(2);
    let to = if usable { st.prob } else { req.requester };
    ctx.stats.forwards += 1;
    ctx.send(to, Body::Request { page, write: req.write, requester: req.requester, hops: req.hops.saturating_add(1) });
    st.prob = req.requester;
}
