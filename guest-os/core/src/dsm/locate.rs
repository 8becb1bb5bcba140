//! Finding a page's owner by asking every live node: the distributed
//! manager's way out when probable-owner hints fail after a death (a hint
//! names a dead node, a request comes back to its requester, or a waiting
//! request may have died in the dead node's hands). IVY has no failures;
//! asking everyone is its broadcast distributed manager's way (section
//! 4.2), used here only then.
//!
//! Every live node answers at once whether it owns the page; a found owner
//! gets the request. If none does, ownership may be on its way between
//! two live nodes (a grant not yet delivered), so a second round follows
//! `dead_after` cycles later, by when such a grant has arrived or its
//! receiver has been found dead. If none does then either, the page is
//! lost. A search serves only this node's waiting fault: it ends with the
//! fault, whichever way that ends.

use alloc::vec::Vec;

use super::ctx::Ctx;
use super::message::Body;
use super::page::{Locating, PageState};
use super::{Event, NodeId, PageId, PageStore};

impl PageState {
    /// Starts a search, unless one is under way.
    pub(crate) fn start_locate(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if self.locating.is_none() {
            self.locating = Some(Locating { round: 1, asked: Vec::new(), found: None, again_at: None });
            self.ask_all(page, ctx, store);
        }
    }

    /// Starts a round: asks every live node.
    fn ask_all(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        let peers = ctx.live_peers();
        for &peer in &peers {
            ctx.send(peer, Body::Locate { page });
        }
        if let Some(l) = &mut self.locating {
            l.asked = peers;
            l.again_at = None;
        }
        self.round_done(page, ctx, store);
    }

    /// Answers a search: whether this node owns the page.
    pub(crate) fn on_locate(&self, page: PageId, from: NodeId, ctx: &mut Ctx) {
        ctx.send(from, Body::Located { page, owner: self.owner });
    }

    /// An answer (or a death, which answers "no" for the dead node).
    pub(crate) fn on_located(
        &mut self,
        page: PageId,
        from: NodeId,
        owner: bool,
        ctx: &mut Ctx,
        store: &mut dyn PageStore,
    ) {
        let Some(l) = self.locating.as_mut().filter(|l| l.asked.contains(&from)) else { return };
        l.asked.retain(|&n| n != from);
        if owner {
            l.found = Some(from);
        }
        self.round_done(page, ctx, store);
    }

    /// Once every node has answered: send the request to the owner found;
    /// else wait for a second round; else give the page up.
    fn round_done(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        let Some(l) = self.locating.as_mut().filter(|l| l.asked.is_empty() && l.again_at.is_none()) else { return };
        if let Some(owner) = l.found {
            self.locating = None;
            self.prob = owner;
            return self.resend(page, owner, ctx);
        }
        if l.round == 1 {
            let at = ctx.now.saturating_add(ctx.cfg.dead_after);
            (l.round, l.again_at) = (2, Some(at));
            return ctx.timer(at, page);
        }
        self.locating = None;
        self.give_up(page, ctx, store);
    }

    /// The timer: a second round is due, or a request has been out too
    /// long (hints may lead in a circle of waiting nodes after a death).
    pub(crate) fn locate_timer(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if self.locating.as_ref().and_then(|l| l.again_at).is_some_and(|at| at <= ctx.now) {
            self.ask_all(page, ctx, store);
        }
        if let Some(want) = self.want.as_mut().filter(|w| w.sent && w.retry_at.is_some_and(|at| at <= ctx.now)) {
            want.retry_at = None;
            self.start_locate(page, ctx, store);
        }
    }

    /// Sends this node's waiting request (again) to `to`. Once a node has
    /// died, under the distributed manager, the request may go round
    /// waiting nodes for ever: if it is still out `dead_after` cycles from
    /// now, the owner is looked for.
    pub(crate) fn resend(&mut self, page: PageId, to: NodeId, ctx: &mut Ctx) {
        let Some(want) = self.want.as_mut().filter(|w| w.sent) else { return };
        ctx.send(to, Body::Request { page, write: want.write, requester: ctx.me(), hops: 0 });
        if ctx.manager().is_none() && ctx.last_dead.is_some() {
            let at = ctx.now.saturating_add(ctx.cfg.dead_after);
            want.retry_at = Some(at);
            ctx.timer(at, page);
        }
    }

    /// Nobody owns the page: it died with the last node to die. The
    /// waiting fault fails, and so does everything queued here.
    fn give_up(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        self.lost = true;
        if let Some(dead) = ctx.last_dead {
            ctx.event(Event::PagesLost { node: dead, pages: alloc::vec![page] });
        }
        self.fail_want(page, ctx);
        self.drain(page, ctx, store);
    }
}
