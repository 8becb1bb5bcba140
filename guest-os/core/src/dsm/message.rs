//! The wire format: each datagram is one frame, a link header followed by
//! at most one protocol message; decoding checks every byte and returns
//! an error, never panics, since frames come from the network.
//!
//! All integers are little-endian. The header (20 bytes):
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 1 | magic `0xD5` |
//! | 1 | 1 | format version, 1 |
//! | 2 | 1 | kind (below; 0 is a bare acknowledgement) |
//! | 3 | 1 | flags: bit 0 write/ownership, bit 1 page bytes follow |
//! | 4 | 8 | sequence number (0 in a bare acknowledgement, else from 1) |
//! | 12 | 8 | cumulative acknowledgement: the last sequence number received in order |
//!
//! The body, by kind (a page is the space's number then the page's index,
//! 4 bytes each):
//!
//! | kind | name | body | flags |
//! | --- | --- | --- | --- |
//! | 0 | ack | nothing | none |
//! | 1 | request | page, requester (2), hops so far (2) | write |
//! | 2 | forward | page, requester (2) | write |
//! | 3 | grant | page, then the page's 4096 bytes if flag 1 | ownership, bytes (one at least) |
//! | 4 | invalidate | page, new owner (2) | none |
//! | 5 | invalidate ack | page | none |
//! | 6 | confirm | page | ownership |
//! | 7 | lost | page | none |
//! | 8 | peer dead | node (2) | none |
//! | 9 | locate | page | none |
//! | 10 | located | page | ownership |
//! | 11 | keepalive | nothing | none |
//! | 12 | application | length (2), then the kernel's own message | none |

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use super::{NodeId, PAGE_SIZE, PageId, SpaceId};

const MAGIC: u8 = 0xD5;
const VERSION: u8 = 1;
/// Bytes in the link header.
pub(crate) const HEADER: usize = 20;
/// The largest frame: a grant carrying a page.
pub const MAX_FRAME: usize = HEADER + 8 + PAGE_SIZE;
/// The largest message of the kernel's own ([`super::Dsm::send_message`]).
pub const MAX_MESSAGE: usize = PAGE_SIZE;

const FLAG_WRITE: u8 = 1;
const FLAG_DATA: u8 = 2;

/// A page's bytes, boxed so messages stay small when they carry none.
pub(crate) type PageData = Box<[u8; PAGE_SIZE]>;

/// A protocol message: what the engine of one node says to another's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    /// A fault's request: to the central manager, or along probable
    /// owners (`hops`: how many nodes have forwarded it).
    Request { page: PageId, write: bool, requester: NodeId, hops: u16 },
    /// The central manager passing a request to the owner.
    Forward { page: PageId, write: bool, requester: NodeId },
    /// The owner answering: a read copy, or ownership (with the bytes
    /// unless the requester's read copy is current).
    Grant { page: PageId, owner: bool, data: Option<PageData> },
    /// The owner telling a copy holder to drop its copy; `new_owner` is
    /// where the page is going (the holder's new probable owner).
    Invalidate { page: PageId, new_owner: NodeId },
    /// The copy holder's answer: the copy is gone.
    InvalidateAck { page: PageId },
    /// A requester telling the central manager its request is done.
    Confirm { page: PageId, owner: bool },
    /// The page's owner is dead.
    Lost { page: PageId },
    /// A node has been found dead.
    PeerDead { node: NodeId },
    /// "Do you own this page?", to every live node (distributed manager,
    /// after a death).
    Locate { page: PageId },
    /// The answer.
    Located { page: PageId, owner: bool },
    /// Nothing: sent to a peer nothing else went to for a while, so that
    /// its death is noticed (its acknowledgement stops).
    Keepalive,
    /// A message of the kernel's own (the cluster's System V layer),
    /// carried over the reliable links.
    App { data: Vec<u8> },
}

/// One datagram: the link header and at most one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The message's sequence number (0 for a bare acknowledgement).
    pub seq: u64,
    /// The last sequence number the sender received in order from us.
    pub ack: u64,
    /// The message, if it is not a bare acknowledgement.
    pub body: Option<Body>,
}

/// Why a received frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    /// Shorter than its header and kind say.
    Truncated,
    /// Longer than its kind says.
    TrailingBytes,
    /// Not a DSM frame.
    BadMagic(u8),
    /// A format version this engine does not speak.
    BadVersion(u8),
    /// No such message kind.
    BadKind(u8),
    /// Flags the kind does not have.
    BadFlags(u8),
    /// A message numbered 0, or a bare acknowledgement numbered.
    BadSequence,
    /// A node number outside the cluster.
    BadNode(NodeId),
    /// From a node outside the cluster, or from this node.
    UnknownPeer(NodeId),
    /// A space this node does not have (yet: the sender will try again).
    UnknownSpace(SpaceId),
    /// A page past its space's end.
    BadPage(PageId),
}

impl fmt::Display for MessageError {
    // One line for the kernel's log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::Truncated => write!(f, "truncated frame"),
            MessageError::TrailingBytes => write!(f, "trailing bytes"),
            MessageError::BadMagic(m) => write!(f, "bad magic {m:#x}"),
            MessageError::BadVersion(v) => write!(f, "unknown version {v}"),
            MessageError::BadKind(k) => write!(f, "unknown kind {k}"),
            MessageError::BadFlags(x) => write!(f, "bad flags {x:#x}"),
            MessageError::BadSequence => write!(f, "bad sequence number"),
            MessageError::BadNode(n) => write!(f, "bad node {n}"),
            MessageError::UnknownPeer(n) => write!(f, "unknown peer {n}"),
            MessageError::UnknownSpace(s) => write!(f, "unknown space {}", s.0),
            MessageError::BadPage(p) => write!(f, "bad page {}:{}", p.space.0, p.index),
        }
    }
}

impl Body {
    /// The kind byte, and the flags, on the wire.
    fn kind_flags(&self) -> (u8, u8) {
        let w = |b: bool| if b { FLAG_WRITE } else { 0 };
        match self {
            Body::Request { write, .. } => (1, w(*write)),
            Body::Forward { write, .. } => (2, w(*write)),
            Body::Grant { owner, data, .. } => (3, w(*owner) | if data.is_some() { FLAG_DATA } else { 0 }),
            Body::Invalidate { .. } => (4, 0),
            Body::InvalidateAck { .. } => (5, 0),
            Body::Confirm { owner, .. } => (6, w(*owner)),
            Body::Lost { .. } => (7, 0),
            Body::PeerDead { .. } => (8, 0),
            Body::Locate { .. } => (9, 0),
            Body::Located { owner, .. } => (10, w(*owner)),
            Body::Keepalive => (11, 0),
            Body::App { .. } => (12, 0),
        }
    }

    /// The page the message is about (none for `PeerDead`).
    pub(crate) fn page(&self) -> Option<PageId> {
        match self {
            Body::Request { page, .. }
            | Body::Forward { page, .. }
            | Body::Grant { page, .. }
            | Body::Invalidate { page, .. }
            | Body::InvalidateAck { page }
            | Body::Confirm { page, .. }
            | Body::Lost { page }
            | Body::Locate { page }
            | Body::Located { page, .. } => Some(*page),
            Body::PeerDead { .. } | Body::Keepalive | Body::App { .. } => None,
        }
    }

    /// The node the message names, if any (to check it is in the cluster).
    pub(crate) fn node(&self) -> Option<NodeId> {
        match self {
            Body::Request { requester, .. } | Body::Forward { requester, .. } => Some(*requester),
            Body::Invalidate { new_owner, .. } => Some(*new_owner),
            Body::PeerDead { node } => Some(*node),
            _ => None,
        }
    }

    /// Appends the message's fields after the header.
    fn encode_fields(&self, out: &mut Vec<u8>) {
        if let Some(page) = self.page() {
            out.extend_from_slice(&page.space.0.to_le_bytes());
            out.extend_from_slice(&page.index.to_le_bytes());
        }
        if let Some(node) = self.node() {
            out.extend_from_slice(&node.to_le_bytes());
        }
        if let Body::Request { hops, .. } = self {
            out.extend_from_slice(&hops.to_le_bytes());
        }
        if let Body::Grant { data: Some(data), .. } = self {
            out.extend_from_slice(&data[..]);
        }
        if let Body::App { data } = self {
            out.extend_from_slice(&(data.len() as u16).to_le_bytes());
            out.extend_from_slice(data);
        }
    }
}

/// Encodes a frame: the header, then the message if there is one.
pub(crate) fn encode(seq: u64, ack: u64, body: Option<&Body>) -> Vec<u8> {
    let (kind, flags) = body.map_or((0, 0), Body::kind_flags);
    let mut out = Vec::with_capacity(if matches!(body, Some(Body::Grant { .. })) { MAX_FRAME } else { 32 });
    out.extend_from_slice(&[MAGIC, VERSION, kind, flags]);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&ack.to_le_bytes());
    if let Some(body) = body {
        body.encode_fields(&mut out);
    }
    out
}

/// Reads fields off a received frame, failing rather than reading past
/// its end.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    // Takes the next `n` bytes.
    fn take(&mut self, n: usize) -> Result<&'a [u8], MessageError> {
        if self.bytes.len() < n {
            return Err(MessageError::Truncated);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    // Takes `N` bytes as an array, for the integer readers.
    fn array<const N: usize>(&mut self) -> Result<[u8; N], MessageError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    // A node number (or a hop count: both are 16 bits).
    fn node(&mut self) -> Result<NodeId, MessageError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    // A sequence number.
    fn u64(&mut self) -> Result<u64, MessageError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    // A page: space, then index.
    fn page(&mut self) -> Result<PageId, MessageError> {
        let space = SpaceId(u32::from_le_bytes(self.array()?));
        Ok(PageId { space, index: u32::from_le_bytes(self.array()?) })
    }

    // A page's bytes.
    fn data(&mut self) -> Result<PageData, MessageError> {
        let mut data = Box::new([0; PAGE_SIZE]);
        data.copy_from_slice(self.take(PAGE_SIZE)?);
        Ok(data)
    }
}

/// The flags each kind may carry.
fn allowed_flags(kind: u8) -> u8 {
    match kind {
        1 | 2 | 6 | 10 => FLAG_WRITE,
        3 => FLAG_WRITE | FLAG_DATA,
        _ => 0,
    }
}

/// Reads a message's fields, given its kind and flags.
fn decode_body(kind: u8, flags: u8, r: &mut Reader<'_>) -> Result<Body, MessageError> {
    let write = flags & FLAG_WRITE != 0;
    Ok(match kind {
        1 => Body::Request { page: r.page()?, write, requester: r.node()?, hops: r.node()? },
        2 => Body::Forward { page: r.page()?, write, requester: r.node()? },
        3 => {
            let page = r.page()?;
            Body::Grant { page, owner: write, data: if flags & FLAG_DATA != 0 { Some(r.data()?) } else { None } }
        }
        4 => Body::Invalidate { page: r.page()?, new_owner: r.node()? },
        5 => Body::InvalidateAck { page: r.page()? },
        6 => Body::Confirm { page: r.page()?, owner: write },
        7 => Body::Lost { page: r.page()? },
        8 => Body::PeerDead { node: r.node()? },
        9 => Body::Locate { page: r.page()? },
        10 => Body::Located { page: r.page()?, owner: write },
        11 => Body::Keepalive,
        12 => {
            let len = r.node()?;
            Body::App { data: r.take(usize::from(len))?.to_vec() }
        }
        other => return Err(MessageError::BadKind(other)),
    })
}

/// Checks a frame's first four bytes: magic, version, a known kind, and
/// flags that kind has (a read copy always carries the bytes).
fn check_start(magic: u8, version: u8, kind: u8, flags: u8) -> Result<(), MessageError> {
    if magic != MAGIC {
        return Err(MessageError::BadMagic(magic));
    }
    if version != VERSION {
        return Err(MessageError::BadVersion(version));
    }
    if kind > 12 {
        return Err(MessageError::BadKind(kind));
    }
    if flags & !allowed_flags(kind) != 0 || kind == 3 && flags == 0 {
        return Err(MessageError::BadFlags(flags));
    }
    Ok(())
}

/// Decodes a received frame, checking its header, its kind's flags, its
/// sequence number and its exact length.
pub(crate) fn decode(bytes: &[u8]) -> Result<Frame, MessageError> {
    let mut r = Reader { bytes };
    let [magic, version, kind, flags] = r.array::<4>()?;
    check_start(magic, version, kind, flags)?;
    let (seq, ack) = (r.u64()?, r.u64()?);
    let body = if kind == 0 { None } else { Some(decode_body(kind, flags, &mut r)?) };
    if (seq == 0) != body.is_none() {
        return Err(MessageError::BadSequence);
    }
    if !r.bytes.is_empty() {
        return Err(MessageError::TrailingBytes);
    }
    Ok(Frame { seq, ack, body })
}

/// What a frame says, in a few words, for a trace of the wire (the
/// emulator's `--trace net`): its sequence number and acknowledgement,
/// and the message. `None` if it does not decode.
pub fn describe(bytes: &[u8]) -> Option<alloc::string::String> {
    use alloc::format;
    let frame = decode(bytes).ok()?;
    let p = |page: &PageId| format!("page {}:{}", page.space.0, page.index);
    let rw = |write: bool| if write { "write" } else { "read" };
    let what = match &frame.body {
        None => "ack".into(),
        Some(Body::Request { page, write, requester, hops }) => {
            format!("{} request, {}, from node {requester}, {hops} hops", rw(*write), p(page))
        }
        Some(Body::Forward { page, write, requester }) => {
            format!("forward {} request, {}, from node {requester}", rw(*write), p(page))
        }
        Some(Body::Grant { page, owner, data }) => {
            let bytes = if data.is_some() { " with its bytes" } else { "" };
            format!("grant {}, {}{bytes}", if *owner { "ownership" } else { "a read copy" }, p(page))
        }
        Some(Body::Invalidate { page, new_owner }) => format!("invalidate {}, new owner node {new_owner}", p(page)),
        Some(Body::InvalidateAck { page }) => format!("invalidated {}", p(page)),
        Some(Body::Confirm { page, .. }) => format!("confirm {}", p(page)),
        Some(Body::Lost { page }) => format!("lost {}", p(page)),
        Some(Body::PeerDead { node }) => format!("node {node} is dead"),
        Some(Body::Locate { page }) => format!("who owns {}?", p(page)),
        Some(Body::Located { page, owner }) => format!("{} {}", if *owner { "I own" } else { "I do not own" }, p(page)),
        Some(Body::Keepalive) => "keepalive".into(),
        Some(Body::App { data }) => match crate::cluster_shm::Message::decode(data) {
            Ok(message) => format!("{message:?}"),
            Err(_) => match crate::spread_message::SpreadMessage::decode(data) {
                Ok(message) => message.summary(),
                Err(_) => format!("kernel message, {} bytes", data.len()),
            },
        },
    };
    Some(format!("dsm seq {} ack {}: {what}", frame.seq, frame.ack))
}

/// Checks a decoded frame's numbers against the cluster and its spaces:
/// `pages` tells how many pages a space has, if this node has it.
pub(crate) fn validate(body: &Body, nodes: u16, pages: impl Fn(SpaceId) -> Option<u32>) -> Result<(), MessageError> {
    if let Some(node) = body.node().filter(|&n| n >= nodes) {
        return Err(MessageError::BadNode(node));
    }
    let Some(page) = body.page() else { return Ok(()) };
    match pages(page.space) {
        None => Err(MessageError::UnknownSpace(page.space)),
        Some(n) if page.index >= n => Err(MessageError::BadPage(page)),
        Some(_) => Ok(()),
    }
}
