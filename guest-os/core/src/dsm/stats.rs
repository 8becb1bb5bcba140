//! What one node's DSM engine counts, for the kernel to print; the names
//! are stable.

/// One node's DSM counters.
///
/// `messages_*` count protocol messages once each (what the algorithm
/// costs, comparable between managers), not retransmissions or bare
/// acknowledgements; `bytes_*` count every byte of every frame, those
/// included. Messages a node sends itself (the central manager's node
/// asking itself) are not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DsmStats {
    /// Read faults that needed the network.
    pub read_faults: u64,
    /// Write faults that needed the network (a request, or invalidations).
    pub write_faults: u64,
    /// Page bytes sent (grants carrying a page).
    pub pages_sent: u64,
    /// Page bytes received.
    pub pages_received: u64,
    /// Invalidations sent.
    pub invalidations_sent: u64,
    /// Invalidations received.
    pub invalidations_received: u64,
    /// Protocol messages sent (first transmissions).
    pub messages_sent: u64,
    /// Protocol messages received (each once, in order).
    pub messages_received: u64,
    /// Bytes of every frame sent, retransmissions and acknowledgements
    /// included.
    pub bytes_sent: u64,
    /// Bytes of every frame received, duplicates included.
    pub bytes_received: u64,
    /// Requests forwarded, along probable owners or by the manager.
    pub forwards: u64,
    /// Frames sent again for want of an acknowledgement.
    pub retransmissions: u64,
    /// Received messages dropped as already delivered.
    pub duplicates_dropped: u64,
    /// Cycles waited by faults that waited, summed.
    pub wait_cycles: u64,
    /// Bare acknowledgements sent.
    pub acks_sent: u64,
    /// Keepalives sent (to peers nothing else went to for `dead_after / 2`
    /// cycles; not counted as messages).
    pub keepalives_sent: u64,
    /// Waiting faults that failed (their page was lost).
    pub failed_faults: u64,
}
