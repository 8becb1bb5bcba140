//! IVY's handlers for one page at one node, after Li and Hudak's fault
//! handlers and servers (sections 3.2 and 4.3): a local fault and the
//! grant that ends it; serving a request as owner (a read copy, or
//! ownership after invalidating every other copy); dropping a copy when
//! invalidated; and the queue that stands for the paper's page lock.
//!
//! Differences from the paper (see the module root): the old owner
//! invalidates before handing over, a current read copy is upgraded
//! without resending the bytes, the owner upgrades itself without asking
//! anyone, and a page just granted is held for a while.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::ctx::Ctx;
use super::manager;
use super::message::{Body, PageData};
use super::page::{Busy, PageState, Req, Want};
use super::{Access, Event, Fault, NodeId, PAGE_SIZE, PageId, PageStore};

impl PageState {
    /// A local fault (IVY's read and write fault handlers): granted at
    /// once if the access is already allowed or the owner can upgrade with
    /// no other copy about; otherwise started now, or queued behind what
    /// the page is busy with.
    pub(crate) fn fault(&mut self, page: PageId, write: bool, ctx: &mut Ctx, store: &mut dyn PageStore) -> Fault {
        let need = if write { Access::Write } else { Access::Read };
        if self.access >= need {
            // The retry of a fault just granted: the hold runs from now,
            // so that the time the thread took to wake up does not eat it
            // (else the page can go before the thread uses it, round
            // after round: a livelock).
            if self.retry_pending {
                self.retry_pending = false;
                self.held_until = ctx.hold(page);
            }
            return Fault::Granted;
        }
        if self.lost {
            return Fault::Lost;
        }
        if self.want.is_some() {
            return Fault::Wait;
        }
        if self.owner && self.settled() && self.sole_copy(ctx.me()) {
            self.copyset.clear();
            self.set_access(page, Access::Write, store);
            return Fault::Granted;
        }
        self.want = Some(Want { write, since: ctx.now, sent: false, retry_at: None });
        self.submit(page, Req { requester: ctx.me(), write, hops: 0 }, ctx, store);
        Fault::Wait
    }

    /// Takes a request, local or remote: answered at once if the page is
    /// lost, queued if the page is busy (for a local request: only if this
    /// node is itself waiting or invalidating; a hold keeps remote ones
    /// out, not local ones), else handled.
    pub(crate) fn submit(&mut self, page: PageId, req: Req, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if !ctx.alive(req.requester) {
            return;
        }
        if self.lost {
            return self.refuse(page, req, ctx);
        }
        let free = if req.requester == ctx.me() { self.settled() } else { self.idle(ctx.now) };
        if free { self.handle(page, req, ctx, store) } else { self.queue.push_back(req) }
    }

    /// Acts on a request the page is free for: this node's own fault, a
    /// request to serve as owner, or one to pass on towards the owner.
    fn handle(&mut self, page: PageId, req: Req, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if req.requester == ctx.me() {
            self.start_local(page, ctx, store);
        } else if self.owner {
            self.serve(page, req, ctx, store);
        } else {
            manager::pass_on(self, page, req, ctx);
        }
    }

    /// Starts the local fault: done if the access came meanwhile; as
    /// owner, invalidate the other copies; else send the request to the
    /// manager or the probable owner (or, if that node is dead, look for
    /// the owner: see `locate`).
    fn start_local(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        let Some(want) = self.want.filter(|w| !w.sent) else { return };
        if self.access >= want.need() {
            return self.complete_want(page, ctx.me(), ctx);
        }
        if want.write {
            ctx.stats.write_faults += 1
        } else {
            ctx.stats.read_faults += 1
        }
        if self.owner {
            return self.begin_invalidate(page, Req { requester: ctx.me(), write: true, hops: 0 }, ctx, store);
        }
        self.want = Some(Want { sent: true, ..want });
        self.send_request(page, ctx, store);
    }

    /// Sends this node's request to the manager or the probable owner; with
    /// the central manager dead the page is lost, and with the probable
    /// owner dead (distributed) the owner is looked for.
    fn send_request(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        match manager::request_target(self, ctx) {
            Some(to) => self.resend(page, to, ctx),
            None if ctx.manager().is_some() => {
                self.lost = true;
                self.fail_want(page, ctx);
            }
            None => self.start_locate(page, ctx, store),
        }
    }

    /// Ends the local fault successfully: tells the sleepers, counts the
    /// wait, and holds the page so they get to use it.
    fn complete_want(&mut self, page: PageId, from: NodeId, ctx: &mut Ctx) {
        let Some(want) = self.want.take() else { return };
        self.locating = None;
        let waited = ctx.now.saturating_sub(want.since);
        ctx.stats.wait_cycles += waited;
        ctx.event(Event::Granted { page, write: want.write, from, waited });
        // Held until the faulting thread retries (see `fault`).
        self.retry_pending = true;
        self.held_until = ctx.hold_for(page, ctx.cfg.retry_wait.max(ctx.cfg.hold));
    }

    /// Ends the local fault in failure: the page is lost.
    pub(crate) fn fail_want(&mut self, page: PageId, ctx: &mut Ctx) {
        self.locating = None;
        if self.want.take().is_some() {
            ctx.stats.failed_faults += 1;
            ctx.event(Event::Failed { page });
        }
    }

    /// Answers a request for a lost page: the requester's fault fails.
    pub(crate) fn refuse(&mut self, page: PageId, req: Req, ctx: &mut Ctx) {
        if req.requester == ctx.me() {
            self.fail_want(page, ctx);
        } else {
            ctx.send(req.requester, Body::Lost { page });
        }
    }

    /// Serves a request as owner (IVY's read and write servers): a read
    /// copy under replication, else ownership.
    fn serve(&mut self, page: PageId, req: Req, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if ctx.replicate() && !req.write {
            self.give_copy(page, req.requester, ctx, store);
        } else {
            self.begin_invalidate(page, req, ctx, store);
        }
    }

    /// Sends a read copy, adding the reader to the copyset; a writing
    /// owner keeps only read access from now on.
    fn give_copy(&mut self, page: PageId, to: NodeId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if self.access == Access::Write {
            self.set_access(page, Access::Read, store);
            ctx.event(Event::Downgraded { page, for_node: to });
        }
        if !self.copyset.contains(&to) {
            self.copyset.push(to);
        }
        ctx.send(to, Body::Grant { page, owner: false, data: Some(read_page(page, store)) });
    }

    /// Invalidates every copy but the requester's (and this node's own),
    /// then finishes at once if there were none; otherwise the page is
    /// busy until every holder has acknowledged.
    fn begin_invalidate(&mut self, page: PageId, req: Req, ctx: &mut Ctx, store: &mut dyn PageStore) {
        let me = ctx.me();
        let acks: Vec<NodeId> =
            self.copyset.iter().copied().filter(|&n| n != req.requester && n != me && ctx.alive(n)).collect();
        for &holder in &acks {
            ctx.send(holder, Body::Invalidate { page, new_owner: req.requester });
        }
        if acks.is_empty() {
            self.finish_invalidate(page, req, ctx, store);
        } else {
            self.busy = Some(Busy { req, acks });
        }
    }

    /// With every other copy gone: upgrade this node's own access, or
    /// hand the page to the requester (if it is still alive; else keep
    /// it).
    fn finish_invalidate(&mut self, page: PageId, req: Req, ctx: &mut Ctx, store: &mut dyn PageStore) {
        self.busy = None;
        self.copyset.retain(|&n| n == req.requester);
        if req.requester == ctx.me() {
            self.copyset.clear();
            self.set_access(page, Access::Write, store);
            self.complete_want(page, ctx.me(), ctx);
        } else if ctx.alive(req.requester) {
            self.transfer(page, req.requester, ctx, store);
        } else {
            self.copyset.clear();
        }
    }

    /// Gives ownership away: the bytes go too unless the new owner's read
    /// copy is current (it is in the copyset); this node keeps nothing and
    /// points at the new owner.
    fn transfer(&mut self, page: PageId, to: NodeId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        let data = if self.copyset.contains(&to) { None } else { Some(read_page(page, store)) };
        self.copyset.clear();
        self.owner = false;
        self.prob = to;
        self.set_access(page, Access::None, store);
        ctx.send(to, Body::Grant { page, owner: true, data });
        ctx.event(Event::OwnershipGiven { page, to });
    }

    /// An invalidation from the owner (IVY's invalidate server): dropped
    /// at once, or when the hold ends.
    fn on_invalidate(
        &mut self,
        page: PageId,
        from: NodeId,
        new_owner: NodeId,
        ctx: &mut Ctx,
        store: &mut dyn PageStore,
    ) {
        if ctx.now < self.held_until {
            self.deferred.push((from, new_owner));
        } else {
            self.drop_copy(page, from, new_owner, ctx, store);
        }
    }

    /// Drops the read copy, points at the new owner, and acknowledges. An
    /// owner is never in anyone's copyset; it acknowledges without
    /// dropping anything.
    fn drop_copy(&mut self, page: PageId, from: NodeId, new_owner: NodeId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if !self.owner {
            self.set_access(page, Access::None, store);
            // Should the new owner have died meanwhile, the old one keeps
            // the page.
            self.prob = if ctx.alive(new_owner) { new_owner } else { from };
        }
        ctx.stats.invalidations_received += 1;
        ctx.event(Event::Invalidated { page, by: from });
        ctx.send(from, Body::InvalidateAck { page });
    }

    /// An acknowledged invalidation: the last one finishes the owner's
    /// upgrade or hand-over.
    pub(crate) fn on_ack(&mut self, page: PageId, from: NodeId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        let Some(busy) = &mut self.busy else { return };
        busy.acks.retain(|&n| n != from);
        if busy.acks.is_empty() {
            let req = busy.req;
            self.finish_invalidate(page, req, ctx, store);
            self.drain(page, ctx, store);
        }
    }

    /// The owner's answer: install the bytes and access, end the local
    /// fault if this satisfies it, confirm to the central manager, and
    /// serve whoever waited. A grant to a node that owns the page can only
    /// be a stale duplicate, and is dropped.
    fn on_grant(
        &mut self,
        page: PageId,
        from: NodeId,
        owner: bool,
        data: Option<PageData>,
        ctx: &mut Ctx,
        store: &mut dyn PageStore,
    ) {
        if self.owner {
            return;
        }
        self.install(page, from, owner, data, ctx, store);
        if self.want.is_some_and(|w| self.access >= w.need()) {
            self.complete_want(page, from, ctx);
        }
        if let Some(m) = ctx.manager() {
            ctx.send(m, Body::Confirm { page, owner });
        }
        self.drain(page, ctx, store);
    }

    /// Takes in a grant: the bytes if any, ownership and access, and the
    /// probable owner (this node, or the owner that sent a read copy).
    fn install(
        &mut self,
        page: PageId,
        from: NodeId,
        owner: bool,
        data: Option<PageData>,
        ctx: &mut Ctx,
        store: &mut dyn PageStore,
    ) {
        if let Some(data) = data {
            store.write(page, &data);
            ctx.stats.pages_received += 1;
        }
        self.owner = owner;
        self.lost &= !owner;
        self.prob = if owner { ctx.me() } else { from };
        self.set_access(page, if owner { Access::Write } else { Access::Read }, store);
    }

    /// Word that the page is lost, in answer to this node's request: the
    /// fault fails, and so does everything queued here; the central
    /// manager is told the request is over. Stale word (this node owns
    /// the page, or waits for nothing) is ignored.
    fn on_lost(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if self.owner || !self.waiting() {
            return;
        }
        self.lost = true;
        self.fail_want(page, ctx);
        if let Some(m) = ctx.manager() {
            ctx.send(m, Body::Confirm { page, owner: false });
        }
        self.drain(page, ctx, store);
    }

    /// Handles a message about this page from `from` (the engine routes
    /// manager messages elsewhere).
    pub(crate) fn on_message(
        &mut self,
        page: PageId,
        from: NodeId,
        body: Body,
        ctx: &mut Ctx,
        store: &mut dyn PageStore,
    ) {
        match body {
            Body::Request { requester, .. } if requester == ctx.me() => self.came_back(page, ctx, store),
            Body::Request { write, requester, hops, .. } => {
                self.submit(page, Req { requester, write, hops }, ctx, store)
            }
            Body::Forward { write, requester, .. } => self.submit(page, Req { requester, write, hops: 0 }, ctx, store),
            Body::Grant { owner, data, .. } => self.on_grant(page, from, owner, data, ctx, store),
            Body::Invalidate { new_owner, .. } => self.on_invalidate(page, from, new_owner, ctx, store),
            Body::InvalidateAck { .. } => self.on_ack(page, from, ctx, store),
            Body::Lost { .. } => self.on_lost(page, ctx, store),
            Body::Locate { .. } => self.on_locate(page, from, ctx),
            Body::Located { owner, .. } => self.on_located(page, from, owner, ctx, store),
            Body::Confirm { .. } | Body::PeerDead { .. } | Body::Keepalive | Body::App { .. } => {}
        }
    }

    /// This node's own request, come back: after a death, hints can lead
    /// round in a circle, or to a dead node (whose neighbour sends the
    /// request back). If this node still waits, it looks for the owner;
    /// if not, the request was an old duplicate.
    fn came_back(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if self.waiting() && !self.owner {
            self.start_locate(page, ctx, store);
        }
    }

    /// Serves queued requests while the page is free for them (a local one
    /// needs only that this node is settled); a lost page refuses them
    /// all.
    pub(crate) fn drain(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        while let Some(&req) = self.queue.front() {
            if self.lost {
                self.queue.pop_front();
                self.refuse(page, req, ctx);
                continue;
            }
            let free = if req.requester == ctx.me() { self.settled() } else { self.idle(ctx.now) };
            if !free {
                return;
            }
            self.queue.pop_front();
            self.handle(page, req, ctx, store);
        }
    }

    /// The hold is over: drop the copy if invalidations came meanwhile,
    /// and serve whoever waited.
    pub(crate) fn release(&mut self, page: PageId, ctx: &mut Ctx, store: &mut dyn PageStore) {
        if ctx.now < self.held_until {
            return;
        }
        for (from, new_owner) in core::mem::take(&mut self.deferred) {
            self.drop_copy(page, from, new_owner, ctx, store);
        }
        self.drain(page, ctx, store);
    }

    /// Changes the local access, telling the kernel only of changes.
    pub(crate) fn set_access(&mut self, page: PageId, access: Access, store: &mut dyn PageStore) {
        if self.access != access {
            self.access = access;
            store.set_access(page, access);
        }
    }
}

/// The local copy's bytes, to send.
fn read_page(page: PageId, store: &mut dyn PageStore) -> PageData {
    let mut data = Box::new([0; PAGE_SIZE]);
    store.read(page, &mut data);
    data
}
