//! The console (and trace) output of a cluster's nodes, kept per node and
//! written out whole lines at a time, in node order, between quanta.
//!
//! The nodes run on several host threads at once; writing straight to
//! standard output would interleave their lines as the host schedules
//! the threads. Buffered here and written at the quantum barrier, the
//! output of a run is the same every time: within a quantum, node 0's
//! lines, then node 1's, and so on, each prefixed `[node K] `.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

/// One node's buffer: what it wrote since the last drain.
type Buffer = Arc<Mutex<Vec<u8>>>;

/// The buffers of every node, for one stream (console or trace).
pub struct NodeOutputs {
    buffers: Vec<Buffer>,
}

/// A writer into one node's buffer: the node's console or tracer writes
/// here.
struct NodeWriter(Buffer);

/// Locks a buffer; a poisoned one (a node's thread panicked) still holds
/// whole bytes.
fn lock(buffer: &Buffer) -> MutexGuard<'_, Vec<u8>> {
    buffer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Write for NodeWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl NodeOutputs {
    /// Buffers for `nodes` nodes.
    pub fn new(nodes: u16) -> NodeOutputs {
        NodeOutputs { buffers: (0..nodes).map(|_| Buffer::default()).collect() }
    }

    /// The writer node `node` writes into.
    pub fn writer(&self, node: u16) -> Box<dyn Write + Send> {
        Box::new(NodeWriter(Arc::clone(&self.buffers[node as usize])))
    }

    /// Writes every node's complete lines to `out`, prefixed with the
    /// node, in node order; with `all`, the incomplete last lines too
    /// (at the end of the run).
    pub fn drain(&self, out: &mut dyn Write, all: bool) -> std::io::Result<()> {
        for (node, buffer) in self.buffers.iter().enumerate() {
            let text = take_lines(&mut lock(buffer), all);
            for line in text.split_inclusive(|&b| b == b'\n') {
                out.write_all(format!("[node {node}] ").as_bytes())?;
                out.write_all(line)?;
                if !line.ends_with(b"\n") {
                    out.write_all(b"\n")?;
                }
            }
        }
        out.flush()
    }
}

/// Takes the bytes of `buffer` up to its last newline (all of them with
/// `all`), leaving the rest.
fn take_lines(buffer: &mut Vec<u8>, all: bool) -> Vec<u8> {
    let end = if all { buffer.len() } else { buffer.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) };
    buffer.drain(..end).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_out_whole_prefixed_and_in_node_order() {
        let outputs = NodeOutputs::new(2);
        let (mut a, mut b) = (outputs.writer(0), outputs.writer(1));
        b.write_all(b"one\ntw").unwrap();
        a.write_all(b"zero\n").unwrap();
        let mut out = Vec::new();
        outputs.drain(&mut out, false).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[node 0] zero\n[node 1] one\n");
        b.write_all(b"o").unwrap();
        let mut out = Vec::new();
        outputs.drain(&mut out, true).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[node 1] two\n");
    }
}
