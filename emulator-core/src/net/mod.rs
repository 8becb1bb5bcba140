//! The network between machines: Ethernet frames, and what a machine's
//! virtio-net device sends them through (a [`Backend`]): a port of the
//! in-process [`switch`] that joins the nodes of a cluster, or a UDP
//! socket that joins separate rvsim processes ([`socket`]).
//!
//! Time on the wire is the hart's clock (steps: instructions plus idle
//! cycles). On the switch, a frame sent at step `t` arrives at `t` plus
//! its transmission time plus the latency, in the receiver's clock; the
//! nodes of a cluster run in lockstep, so that is deterministic.

pub mod socket;
pub mod switch;

/// Largest frame payload (the MTU the device offers): jumbo frames, so
/// that a 4 KiB page and its message header travel in one frame.
pub const MTU: usize = 9000;
/// Bytes of an Ethernet header: destination, source, type.
pub const ETHERNET_HEADER: usize = 14;
/// Largest frame, header included.
pub const MAX_FRAME: usize = MTU + ETHERNET_HEADER;
pub use rvsim_kernel_core::cluster_frame::BROADCAST;

pub use rvsim_kernel_core::cluster_frame::Mac;

pub use rvsim_kernel_core::cluster_frame::{node_down, node_mac};

/// The destination address of `frame`, if it holds a header.
pub fn destination(frame: &[u8]) -> Option<Mac> {
    frame.get(..6)?.try_into().ok()
}

/// The source address of `frame`, if it holds a header.
pub fn source(frame: &[u8]) -> Option<Mac> {
    frame.get(6..12)?.try_into().ok()
}

/// What a virtio-net device is connected to.
pub trait Backend: Send {
    /// Puts `frame` on the wire at step `now` of the sending hart.
    fn send(&mut self, now: u64, frame: Vec<u8>);
    /// The step at which the next frame arrives, when one is known to be
    /// on its way (the machine runs no further than that before looking).
    fn next_arrival(&mut self) -> Option<u64>;
    /// The next frame that has arrived by step `now`.
    fn receive(&mut self, now: u64) -> Option<Vec<u8>>;
    /// Whether frames may arrive at any moment rather than at known
    /// steps (a socket): a hart idling in `wfi` must then look for them
    /// as time passes on the host.
    fn real_time(&self) -> bool {
        false
    }
}

/// A frame as the trace shows it: who sent it to whom, its type and
/// length.
pub fn describe(frame: &[u8]) -> String {
    use rvsim_kernel_core::cluster_frame::{Incoming, parse};
    let kind = frame.get(12..14).map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
    let (from, to) = (who(source(frame)), who(destination(frame)));
    let what = match parse(frame) {
        Some(Incoming::Message { payload, .. }) => rvsim_kernel_core::dsm::describe(payload).map(|d| format!(": {d}")),
        Some(Incoming::NodeDown(node)) => Some(format!(": node {node} stopped")),
        None => None,
    };
    format!("{from} -> {to}, type {kind:#06x}, {} bytes{}", frame.len(), what.unwrap_or_default())
}

/// An address as the trace names it.
fn who(mac: Option<Mac>) -> String {
    use rvsim_kernel_core::cluster_frame::{SWITCH_MAC, node_of};
    match mac {
        Some(BROADCAST) => "everyone".into(),
        Some(SWITCH_MAC) => "the switch".into(),
        Some(mac) => node_of(&mac).map_or_else(|| format!("{mac:02x?}"), |n| format!("node {n}")),
        None => "?".into(),
    }
}
