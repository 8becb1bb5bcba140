//! What a node does when a peer dies (IVY has no failures; this is ours).
//! Death is final and fail-stop: the dead node's messages are ignored
//! from then on, and every other node is told (a node that finds a death
//! by timeout tells the rest, so a death one link sees reaches all).
//!
//! The pages a dead node owned are lost: nobody has their current bytes.
//! Central manager: the manager knows which from its table (a page whose
//! ownership was on its way to the dead node counts as lost too, whether
//! or not it had left the old owner), answers requests for them with
//! `Lost`, and fails the one it was carrying out; a fault waiting on any
//! other page is still in the manager's hands and goes on. With the
//! manager itself dead, every page a node does not own is lost to it.
//!
//! Distributed manager: nobody knows for sure. Each node reports the pages
//! whose probable owner was the dead node (a belief: the hint may be
//! stale), and every fault still waiting looks for the owner by asking
//! everyone (`locate`), since its request may have died in the dead
//! node's hands or may now go round in circles; a fault that finds no
//! owner, twice, fails, and its page is reported lost then. Requests sent
//! again this way may be served twice; that is harmless (a second grant of
//! a read copy changes nothing, and a request reaching its own requester
//! as owner is dropped).
//!
//! Either way, a copy the dead node held is gone from copysets, an
//! invalidation no longer waits for its acknowledgement, and requests from
//! it are dropped.

use alloc::collections::BTreeSet;

use super::ctx::Ctx;
use super::manager::Manager;
use super::message::Body;
use super::page::{PageState, PageTable};
use super::{Event, NodeId, PageId, PageStore};

/// Handles the death of `dead`, once: forget it, tell the others, give up
/// its pages, and settle everything that waited on it.
pub(crate) fn peer_dead(
    pages: &mut PageTable,
    manager: &mut Manager,
    ctx: &mut Ctx,
    dead: NodeId,
    store: &mut dyn PageStore,
) {
    if dead == ctx.me() || !ctx.alive(dead) {
        return;
    }
    forget(ctx, dead);
    let mut lost: BTreeSet<PageId> = manager.on_peer_dead(dead, ctx).into_iter().collect();
    for (page, st) in pages.iter_mut() {
        if st.peer_dead(page, dead, ctx, store) {
            lost.insert(page);
        }
    }
    if !lost.is_empty() {
        ctx.event(Event::PagesLost { node: dead, pages: lost.into_iter().collect() });
    }
}

/// Marks `dead` dead, drops its link, and tells the kernel and every
/// other live node.
fn forget(ctx: &mut Ctx, dead: NodeId) {
    ctx.dead[usize::from(dead)] = true;
    ctx.last_dead = Some(dead);
    ctx.links.kill(dead);
    ctx.event(Event::PeerDead { node: dead });
    for peer in ctx.live_peers() {
        ctx.send(peer, Body::PeerDead { node: dead });
    }
}

impl PageState {
    /// Settles one page after `dead` died; returns whether this node
    /// believed the dead node owned it.
    fn peer_dead(&mut self, page: PageId, dead: NodeId, ctx: &mut Ctx, store: &mut dyn PageStore) -> bool {
        self.queue.retain(|r| r.requester != dead);
        self.copyset.retain(|&n| n != dead);
        self.deferred.retain(|d| d.0 != dead);
        let believed = !self.owner && self.prob == dead;
        let central = ctx.manager();
        if central == Some(dead) && !self.owner {
            self.lost = true;
        }
        // An invalidation in progress no longer waits for the dead node's
        // acknowledgement (its copy died with it), nor a search for the
        // owner for its answer.
        self.on_ack(page, dead, ctx, store);
        self.on_located(page, dead, false, ctx, store);
        if self.lost {
            self.fail_want(page, ctx);
        } else if central.is_none() && self.waiting() {
            self.start_locate(page, ctx, store);
        }
        self.drain(page, ctx, store);
        believed
    }
}
