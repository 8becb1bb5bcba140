//! One page's state at one node, and the table of them: IVY's page-table
//! entry (access, owner, probable owner, copyset) plus what the paper's
//! per-page lock stands for here: the local fault in progress, the
//! owner's invalidation in progress, the hold, and the requests that wait
//! for these to end.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use super::sparse::Sparse;
use super::{Access, NodeId, PageId, PageInfo, SpaceId};

/// A request for a page: who wants it, and for what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Req {
    /// The faulting node (this node, for a local fault queued here).
    pub requester: NodeId,
    /// Whether it wants to write (ownership).
    pub write: bool,
    /// How many nodes have forwarded it (distributed manager).
    pub hops: u16,
}

/// The local fault in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Want {
    /// Whether it is a write fault.
    pub write: bool,
    /// When it began.
    pub since: u64,
    /// Whether its request is out on the network.
    pub sent: bool,
    /// When to look for the owner if the request is still out then
    /// (distributed manager, once a node has died).
    pub retry_at: Option<u64>,
}

impl Want {
    /// The access that satisfies it.
    pub(crate) fn need(&self) -> Access {
        if self.write { Access::Write } else { Access::Read }
    }
}

/// The owner's invalidation in progress, before it upgrades or hands the
/// page over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Busy {
    /// The request it serves.
    pub req: Req,
    /// Copy holders yet to acknowledge.
    pub acks: Vec<NodeId>,
}

/// One page at one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageState {
    /// What local code may do.
    pub access: Access,
    /// Whether this node owns the page.
    pub owner: bool,
    /// The probable owner (distributed), or the last owner heard of.
    pub prob: NodeId,
    /// At the owner: the nodes holding read copies.
    pub copyset: Vec<NodeId>,
    /// The local fault in progress.
    pub want: Option<Want>,
    /// The owner's invalidation in progress.
    pub busy: Option<Busy>,
    /// Requests waiting for the page to be free, oldest first.
    pub queue: VecDeque<Req>,
    /// Invalidations that arrived while the page was held: (from, new owner).
    pub deferred: Vec<(NodeId, NodeId)>,
    /// Until when the page is held for the local fault it just satisfied.
    pub held_until: u64,
    /// A local fault was granted and no thread has retried since: the
    /// page is held until one does (the hold then runs from the retry),
    /// or [`super::Config::retry_wait`] cycles have passed.
    pub retry_pending: bool,
    /// Whether the page is lost (its owner died).
    pub lost: bool,
    /// The search for the owner in progress (distributed, after a death).
    pub locating: Option<Locating>,
}

/// A search for a page's owner by asking every live node, when hints
/// fail after a death (see `locate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Locating {
    /// 1 or 2: a second round follows a first that found no owner.
    pub round: u8,
    /// Nodes yet to answer.
    pub asked: Vec<NodeId>,
    /// The owner, once one answered so.
    pub found: Option<NodeId>,
    /// When the second round starts, while waiting for it.
    pub again_at: Option<u64>,
}

impl PageState {
    /// A page of a new space: `home` owns it (zero-filled, writable) and
    /// every other node knows `home` as its owner.
    pub(crate) fn new(me: NodeId, home: NodeId) -> PageState {
        PageState {
            access: if me == home { Access::Write } else { Access::None },
            owner: me == home,
            prob: home,
            locating: None,
            copyset: Vec::new(),
            want: None,
            busy: None,
            queue: VecDeque::new(),
            deferred: Vec::new(),
            held_until: 0,
            retry_pending: false,
            lost: false,
        }
    }

    /// Whether this node's request for the page is out.
    pub(crate) fn waiting(&self) -> bool {
        self.want.is_some_and(|w| w.sent)
    }

    /// Whether this node can act on the page for itself now: no request of
    /// its own out, no invalidation of its own in progress.
    pub(crate) fn settled(&self) -> bool {
        !self.waiting() && self.busy.is_none()
    }

    /// Whether requests from others can be served now: settled, and not
    /// held for a local fault.
    pub(crate) fn idle(&self, now: u64) -> bool {
        self.settled() && now >= self.held_until
    }

    /// Whether this node holds the page's only copy among the others:
    /// nobody but it in the copyset.
    pub(crate) fn sole_copy(&self, me: NodeId) -> bool {
        self.copyset.iter().all(|&n| n == me)
    }

    /// The page as `vmprint` shows it.
    pub(crate) fn info(&self, me: NodeId) -> PageInfo {
        PageInfo {
            access: self.access,
            owner: self.owner,
            prob_owner: if self.owner { me } else { self.prob },
            copyset: self.copyset.len(),
            waiting: self.waiting(),
            queued: self.queue.len(),
            lost: self.lost,
        }
    }
}

/// Every page of every space this node has.
#[derive(Debug, Default)]
pub(crate) struct PageTable {
    spaces: BTreeMap<SpaceId, Sparse<PageState>>,
}

impl PageTable {
    /// Adds a space of `pages` pages owned by `home`, every record made
    /// now (`dense`) or on first use; false if it exists.
    pub(crate) fn add(&mut self, space: SpaceId, pages: u32, me: NodeId, home: NodeId, dense: bool) -> bool {
        if self.spaces.contains_key(&space) {
            return false;
        }
        self.spaces.insert(space, Sparse::new(pages, PageState::new(me, home), dense));
        true
    }

    /// How many pages a space has, if this node has it.
    pub(crate) fn pages_in(&self, space: SpaceId) -> Option<u32> {
        self.spaces.get(&space).map(Sparse::len)
    }

    /// A page's state.
    pub(crate) fn get(&self, page: PageId) -> Option<&PageState> {
        self.spaces.get(&page.space)?.get(page.index)
    }

    /// A page's state, to change.
    pub(crate) fn get_mut(&mut self, page: PageId) -> Option<&mut PageState> {
        self.spaces.get_mut(&page.space)?.get_mut(page.index)
    }

    /// Every page that has left its first state, to change.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (PageId, &mut PageState)> {
        self.spaces
            .iter_mut()
            .flat_map(|(&space, pages)| pages.iter_mut().map(move |(index, st)| (PageId { space, index }, st)))
    }
}
