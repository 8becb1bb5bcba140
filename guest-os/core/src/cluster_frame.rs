//! The frames the nodes of a cluster exchange: Ethernet frames of rvsim's
//! own type between the nodes' network devices, and the notices the
//! emulated switch sends. One definition for the kernel, which sends and
//! reads them, and the emulator, whose switch addresses and announces.
//!
//! Node K's device has the address 52:54:00:00:KK:KK (QEMU's prefix, then
//! the node number). A notice comes from 52:54:00:ff:ff:ff, broadcast,
//! with a payload of `NODEDOWN` and the node number: that node stopped.

use alloc::vec::Vec;

/// An Ethernet address.
pub type Mac = [u8; 6];

/// The Ethernet type of the cluster's frames (IEEE 802's "local
/// experimental" type).
pub const ETHERTYPE: u16 = 0x88b5;
/// The broadcast address.
pub const BROADCAST: Mac = [0xff; 6];
/// The switch's own address, the source of its notices.
pub const SWITCH_MAC: Mac = [0x52, 0x54, 0x00, 0xff, 0xff, 0xff];
/// What a node-down notice's payload starts with.
pub const NODE_DOWN: &[u8; 8] = b"NODEDOWN";
/// Bytes of the Ethernet header.
pub const HEADER: usize = 14;

/// Node `node`'s address.
pub fn node_mac(node: u16) -> Mac {
    let [high, low] = node.to_be_bytes();
    [0x52, 0x54, 0x00, 0x00, high, low]
}

/// The node whose address `mac` is, if it is one.
pub fn node_of(mac: &[u8]) -> Option<u16> {
    (mac.len() == 6 && mac[..4] == [0x52, 0x54, 0x00, 0x00]).then(|| u16::from_be_bytes([mac[4], mac[5]]))
}

/// A frame from node `from` to `to` (a node's address, or broadcast)
/// carrying `payload`.
pub fn frame(to: Mac, from: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER + payload.len());
    frame.extend_from_slice(&to);
    frame.extend_from_slice(&node_mac(from));
    frame.extend_from_slice(&ETHERTYPE.to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// The switch's notice that `node` stopped.
pub fn node_down(node: u16) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER + NODE_DOWN.len() + 2);
    frame.extend_from_slice(&BROADCAST);
    frame.extend_from_slice(&SWITCH_MAC);
    frame.extend_from_slice(&ETHERTYPE.to_be_bytes());
    frame.extend_from_slice(NODE_DOWN);
    frame.extend_from_slice(&node.to_be_bytes());
    frame
}

/// What an arriving frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// A message from node `from`.
    Message {
        /// The sender.
        from: u16,
        /// What it carries.
        payload: &'a [u8],
    },
    /// The switch says `node` stopped.
    NodeDown(u16),
}

/// Reads an arriving frame: `None` for anything that is not the
/// cluster's (another type, a stranger's address, a malformed notice).
pub fn parse(frame: &[u8]) -> Option<Incoming<'_>> {
    let (header, payload) = (frame.get(..HEADER)?, frame.get(HEADER..)?);
    if u16::from_be_bytes([header[12], header[13]]) != ETHERTYPE {
        return None;
    }
    if header[6..12] == SWITCH_MAC {
        let node = payload.strip_prefix(NODE_DOWN.as_slice())?;
        return Some(Incoming::NodeDown(u16::from_be_bytes(node.try_into().ok()?)));
    }
    Some(Incoming::Message { from: node_of(&header[6..12])?, payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_notices_read_back() {
        let f = frame(node_mac(3), 1, b"hello");
        assert_eq!(&f[..6], &node_mac(3));
        assert_eq!(parse(&f), Some(Incoming::Message { from: 1, payload: b"hello" }));
        assert_eq!(parse(&node_down(7)), Some(Incoming::NodeDown(7)));
        assert_eq!(node_of(&node_mac(300)), Some(300));
        assert_eq!(node_of(&SWITCH_MAC), None);
    }

    #[test]
    fn strangers_and_garbage_are_ignored() {
        let mut other_type = frame(node_mac(0), 1, b"x");
        other_type[12] = 0x08;
        assert_eq!(parse(&other_type), None);
        let mut stranger = frame(node_mac(0), 1, b"x");
        stranger[6] = 0x02;
        assert_eq!(parse(&stranger), None);
        let mut bad_notice = node_down(2);
        bad_notice.pop();
        assert_eq!(parse(&bad_notice), None);
        assert_eq!(parse(&[0u8; 5]), None);
    }
}
