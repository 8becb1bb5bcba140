//! Distributed shared memory (DSM): the policy half. Pages of a
//! distributed space (a cluster-wide System V segment, or a process's
//! address space) live on several machines at once; the kernel of each
//! machine runs one [`Dsm`] engine, which decides who may read and write
//! each page, moves page bytes between machines, and keeps every copy
//! coherent. The kernel's side is the [`PageStore`] trait (a page's local
//! bytes and its mappings) and the datagrams it carries; tests run the
//! engine against fakes and a simulated lossy network.
//!
//! The model is IVY's (Kai Li and Paul Hudak, "Memory Coherence in Shared
//! Virtual Memory Systems", ACM TOCS 7(4), 1989): write-invalidate, one
//! writer or many readers per page, sequential consistency. Two ways of
//! finding a page's owner are offered, as the paper's two best:
//!
//! - [`ManagerKind::Central`]: the paper's *improved centralized manager*
//!   (section 3.2): one node knows every page's owner and forwards each
//!   request there; the owner keeps the page's copyset. It also keeps the
//!   first algorithm's (3.1) confirmation message: the requester tells
//!   the manager when it has the page, and until then the manager holds
//!   further requests for that page, so it serialises transfers per page.
//! - [`ManagerKind::Distributed`]: the *dynamic distributed manager*
//!   (section 4.3): every node keeps a probable owner per page, and a
//!   request follows those hints to the owner; a node forwarding a
//!   request, giving the page away, receiving it, or being invalidated
//!   updates its hint as the paper does.
//!
//! Where this differs from the paper, and why:
//!
//! - The *old* owner invalidates the copyset, and hands the page over only
//!   once every copy has acknowledged; in IVY the new owner does. A copy
//!   holder got its copy from that same owner over the same ordered link,
//!   so the invalidation can never overtake the copy it invalidates (the
//!   network here only keeps order per pair of nodes). The copyset thus
//!   never travels.
//! - A node that holds a valid read copy and write-faults is given
//!   ownership without the page bytes again (the owner knows from its
//!   copyset that the copy is current).
//! - The owner of a page upgrades its own read access to write by
//!   invalidating its copyset itself, without asking the manager.
//! - A page granted for a local fault stays put for [`Config::hold`]
//!   cycles (Mirage's time window Δ): requests and invalidations for it
//!   wait, so the faulting thread gets to use it before it is taken away.
//!   In IVY a request queued behind the grant is served at once, and the
//!   page can leave before the thread that faulted has run; two writers
//!   can then pass a page back and forth with neither getting on.
//! - [`Protocol::Migrate`] is offered as well: one copy, which moves with
//!   ownership on every fault.
//! - Failure: IVY has none. Here a node found dead (link timeout, or the
//!   network says so) is gone for good; the pages it owned are lost, and
//!   faults waiting for them fail (see `failure`, and `locate` for how the
//!   distributed manager finds an owner when hints fail after a death).
//!
//! Races, and how each is handled:
//!
//! - Requests for a page a node is busy with (its own request is out, or
//!   as owner it waits for invalidation acknowledgements, or the page is
//!   held) wait in a per-page queue, in order, and are served once it is
//!   free: never lost, never answered twice. This is the paper's page
//!   lock. A node asked for a page it is itself waiting to receive queues
//!   the request and serves it after its own fault (IVY does the same).
//! - Two nodes faulting on a page at once: their requests meet at the
//!   central manager, which serialises them, or (distributed) the first to
//!   reach the owner gets the page and the other's request follows the
//!   hints to it, which now point at the first requester. As in IVY, a
//!   waiting node queues rather than forwards, so the requests form a
//!   chain of future owners and nobody waits for itself.
//! - An invalidation and the read copy it invalidates cannot cross: both
//!   come from the owner over one ordered link (see above).
//! - A write fault at a node whose read copy is being invalidated: the
//!   copy is dropped and acknowledged as usual; the node's own request,
//!   wherever it is, is served later with the bytes (it is no longer in
//!   the copyset).
//! - The central manager's table may lag behind a transfer only while the
//!   page's entry is locked, and then requests wait at the manager.
//!
//! Under the protocol is a reliable link per pair of nodes (sequence
//! numbers, cumulative acknowledgements, retransmission, a window of
//! [`WINDOW`] messages in flight), so the engine sees each peer's messages
//! once and in order; messages of different peers interleave in any order.
//!
//! The parts: `message` (the wire format), `link` (reliable delivery),
//! `ctx` (what every handler shares: clock, links, outgoing frames,
//! events, counters), `page` (one page's state at one node), `protocol`
//! (the IVY handlers: fault, serve, invalidate, grant), `manager` (where a
//! request goes: the central manager's table, or probable-owner hints),
//! `sparse` (a space's per-page records, made on first use),
//! `failure` (what a node does when a peer dies), `locate` (asking every
//! node who owns a page, when hints fail after a death), `engine` (the
//! public [`Dsm`]), `stats` (the counters).
//!
//! Costs, in protocol messages (see [`DsmStats`]): a fault under the
//! central manager is a request, a forward, a grant and a confirmation (3
//! when the manager's node is the requester or the owner); under the
//! distributed manager it is a request, one forward per stale hint, and a
//! grant. A write adds an invalidation and its acknowledgement per read
//! copy, in both.

mod ctx;
mod engine;
mod failure;
mod link;
mod locate;
mod manager;
mod message;
mod page;
mod protocol;
mod sparse;
mod stats;

#[cfg(test)]
mod sim;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;

pub use engine::{ConfigError, Dsm};
pub use link::WINDOW;
pub use message::{MAX_FRAME, MAX_MESSAGE, MessageError, describe};
pub use stats::DsmStats;

/// A node of the cluster: nodes are numbered `0..nodes`.
pub type NodeId = u16;

/// Bytes in a page.
pub const PAGE_SIZE: usize = 4096;

/// A distributed space: a cluster-wide System V segment, or a process's
/// address space. Every node names it with the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpaceId(pub u32);

/// One page of a distributed space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageId {
    /// The space.
    pub space: SpaceId,
    /// The page's number within it.
    pub index: u32,
}

/// What local code may do with a page. Ordered: `None < Read < Write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Access {
    /// Nothing: the page is not mapped here.
    #[default]
    None,
    /// Read-only.
    Read,
    /// Read and write.
    Write,
}

/// How copies are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// One copy, which moves with ownership on every fault, read or
    /// write; the old owner's access becomes none. The copy is always
    /// writable where it is.
    Migrate,
    /// Read copies for readers, all invalidated before anyone writes.
    #[default]
    Replicate,
}

/// How a node finds a page's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerKind {
    /// Every request goes to this node, which forwards it to the owner.
    Central(NodeId),
    /// Requests follow each node's probable-owner hints.
    Distributed,
}

/// One node's engine settings. Every node of a cluster must agree on
/// everything but `node`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// This node.
    pub node: NodeId,
    /// How many nodes the cluster has.
    pub nodes: u16,
    /// How copies are kept.
    pub protocol: Protocol,
    /// How owners are found.
    pub manager: ManagerKind,
    /// Cycles after which an unacknowledged message is sent again.
    pub retransmit_after: u64,
    /// Cycles after which a message still unacknowledged makes its peer
    /// dead. A peer nothing went to for half of it gets a keepalive, so a
    /// death is noticed within about one and a half times this.
    pub dead_after: u64,
    /// Cycles a page granted for a local fault stays put before requests
    /// and invalidations for it are served (0: IVY's behaviour), counted
    /// from the faulting thread's retry when `retry_wait` is set.
    pub hold: u64,
    /// Longest a granted page waits for the faulting thread's retry (a
    /// [`Dsm::fault`] that finds the access allowed) before the hold
    /// starts anyway (0: the hold starts at the grant). Waking a thread
    /// takes a kernel a while; if the page could go meanwhile, two nodes
    /// could take it from each other forever without either using it. A
    /// thread killed before its retry holds the page this long.
    pub retry_wait: u64,
}

/// What [`Dsm::fault`] says to the faulting thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The access is allowed now: the kernel maps the page with
    /// [`Dsm::access`] and retries the instruction.
    Granted,
    /// A request is out (or already was, for another thread): sleep until
    /// an [`Event::Granted`] or [`Event::Failed`] names the page, then
    /// retry.
    Wait,
    /// The page's owner is dead: the access can never be allowed.
    Lost,
}

/// Something the kernel may log, or wake sleepers on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A fault that had to wait completed.
    Granted {
        /// The page.
        page: PageId,
        /// Whether write access was asked for.
        write: bool,
        /// The node that supplied the page (this node, for an upgrade
        /// that only needed invalidations).
        from: NodeId,
        /// Cycles between the fault and now.
        waited: u64,
    },
    /// This node's copy was invalidated.
    Invalidated {
        /// The page.
        page: PageId,
        /// The owner that invalidated it.
        by: NodeId,
    },
    /// This node gave ownership of a page away.
    OwnershipGiven {
        /// The page.
        page: PageId,
        /// The new owner.
        to: NodeId,
    },
    /// This node, the owner, went from write access to read so that
    /// another node could have a read copy.
    Downgraded {
        /// The page.
        page: PageId,
        /// The reader.
        for_node: NodeId,
    },
    /// A peer was found dead; its messages are ignored from now on.
    PeerDead {
        /// The dead node.
        node: NodeId,
    },
    /// The pages this node knows a dead node owned: every page whose
    /// owner it was (or to which ownership was on its way), for the
    /// central manager's node; otherwise those whose owner or probable
    /// owner it was here (under the distributed manager a belief: the
    /// page may live on elsewhere). Under the distributed manager a page
    /// that a search then finds nobody owns is reported later, alone,
    /// against the last node to die.
    PagesLost {
        /// The dead node.
        node: NodeId,
        /// Its pages.
        pages: Vec<PageId>,
    },
    /// A waiting fault can never complete: wake its sleepers with an
    /// error.
    Failed {
        /// The page.
        page: PageId,
    },
    /// A message of the kernel's own from node `from` (see
    /// [`Dsm::send_message`]).
    Message {
        /// The sender.
        from: NodeId,
        /// What it sent.
        data: Vec<u8>,
    },
}

/// One page as this node sees it, for `vmprint` and procfs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageInfo {
    /// What local code may do.
    pub access: Access,
    /// Whether this node owns the page.
    pub owner: bool,
    /// The probable owner (distributed manager), or the last owner this
    /// node heard of (central); this node if it owns the page.
    pub prob_owner: NodeId,
    /// Nodes holding read copies, if this node owns the page.
    pub copyset: usize,
    /// Whether a local fault is waiting for the page.
    pub waiting: bool,
    /// Requests waiting here for the page to be free.
    pub queued: usize,
    /// Whether the page is lost (its owner died).
    pub lost: bool,
}

/// The kernel's side of a page: its local bytes and its mappings.
pub trait PageStore {
    /// Copies the local copy's bytes into `buf`.
    fn read(&mut self, page: PageId, buf: &mut [u8; PAGE_SIZE]);
    /// Installs received bytes as the local copy.
    fn write(&mut self, page: PageId, data: &[u8; PAGE_SIZE]);
    /// Changes every local mapping of the page (`None`: unmap, `Read`:
    /// read-only, `Write`: read-write), flushing TLBs.
    fn set_access(&mut self, page: PageId, access: Access);
}
