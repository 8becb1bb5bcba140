//! This machine's place in a cluster (`node=K nodes=N` on the command
//! line) and its frames: what it sends to another node goes out as one
//! Ethernet frame of the cluster's type through the network device; what
//! arrives is read here and handed to the distributed shared memory
//! layer, as is the switch's news of a node that stopped.

use alloc::vec::Vec;

use rvsim_kernel_core::bootargs::Cluster;
use rvsim_kernel_core::cluster_frame::{self, Incoming};

use crate::lock::Once;
use crate::{dsm, kprintln, net};

static PLACE: Once<Cluster> = Once::new();

/// Notes the machine's place and checks the network device: a cluster
/// needs one, with the address of its node. Returns whether the machine
/// is part of a cluster.
pub fn init(place: Cluster, mac: Option<net::Mac>) -> bool {
    PLACE.set(place);
    if !place.is_cluster() {
        return false;
    }
    match mac {
        Some(mac) if mac == cluster_frame::node_mac(place.node) => true,
        Some(mac) => {
            kprintln!("[cluster] node {}: the network device's address {mac:02x?} is not this node's", place.node);
            true
        }
        None => {
            kprintln!("[cluster] node {} of {}: no network device; running alone", place.node, place.nodes);
            false
        }
    }
}

/// This machine's place.
pub fn place() -> Cluster {
    *PLACE.get()
}

/// Sends `payload` to node `to`; false if the device refused it (the
/// engine's links send it again).
pub fn send(to: u16, payload: &[u8]) -> bool {
    net::send(&cluster_frame::frame(cluster_frame::node_mac(to), place().node, payload))
}

/// Frames that arrived: each goes to the engine.
pub fn deliver(frames: Vec<Vec<u8>>) {
    for frame in frames {
        match cluster_frame::parse(&frame) {
            Some(Incoming::Message { from, payload }) => dsm::receive(from, payload),
            Some(Incoming::NodeDown(node)) => dsm::peer_down(node),
            None => {}
        }
    }
}
