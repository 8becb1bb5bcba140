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
/// The broadcast address.
pub const BROADCAST: Mac = [0xff; 6];

/// An Ethernet address.
pub type Mac = [u8; 6];

/// The address of node `node`'s device: QEMU's prefix 52:54:00, then the
/// node number.
pub fn node_mac(node: u16) -> Mac {
    let [high, low] = node.to_be_bytes();
    [0x52, 0x54, 0x00, 0x00, high, low]
}

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

/// A frame as the trace shows it: the addresses, type and length.
pub fn describe(frame: &[u8]) -> String {
    let mac = |m: Option<Mac>| m.map_or("?".to_string(), |m| format!("{:02x}:{:02x}", m[4], m[5]));
    let kind = frame.get(12..14).map_or(0, |t| u16::from_be_bytes([t[0], t[1]]));
    format!("{} -> {} type {kind:#06x} {} bytes", mac(source(frame)), mac(destination(frame)), frame.len())
}

/// The Ethernet type of rvsim's own frames: the cluster protocol's, and
/// the switch's notices (IEEE 802's "local experimental" type).
pub const RVSIM_ETHERTYPE: u16 = 0x88b5;
/// The source address of the switch's notices.
pub const SWITCH_MAC: Mac = [0x52, 0x54, 0x00, 0xff, 0xff, 0xff];
/// What a notice's payload starts with: node `node` is down.
pub const NODE_DOWN: &[u8; 8] = b"NODEDOWN";

/// The switch's notice that node `node` stopped: broadcast from
/// [`SWITCH_MAC`], [`NODE_DOWN`] then the node number (big-endian).
pub fn node_down_notice(node: u16) -> Vec<u8> {
    let mut frame = BROADCAST.to_vec();
    frame.extend_from_slice(&SWITCH_MAC);
    frame.extend_from_slice(&RVSIM_ETHERTYPE.to_be_bytes());
    frame.extend_from_slice(NODE_DOWN);
    frame.extend_from_slice(&node.to_be_bytes());
    frame
}
