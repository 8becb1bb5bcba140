//! What the distributed shared memory programs print at the end: this
//! node's share of the protocol's traffic, from memstat's counters.

use crate::{println, sys};

/// Prints one line, prefixed `name`, of this node's DSM counters: remote
/// faults, cycles waited, and what went over the wire.
pub fn print_traffic(name: &str) {
    let m = sys::memstat();
    println!(
        "{name}: this node: {} read and {} write faults, {} cycles waited; {} messages and {} pages sent, {} invalidations sent",
        m.dsm_read_faults,
        m.dsm_write_faults,
        m.dsm_wait_cycles,
        m.dsm_messages_sent,
        m.dsm_pages_sent,
        m.dsm_invalidations_sent
    );
}
