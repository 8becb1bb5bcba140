//! Programs come from the initrd, a cpio "newc" archive, seen as a
//! read-only file system (guest-os/core's `initrd_fs`, over its newc
//! reader).

use rvsim_kernel_core::initrd_fs::{self, Node};

use crate::config;

/// The file at `path` (from `/`): its name as the archive has it, and its
/// bytes.
pub fn find(path: &str) -> Option<(&'static str, &'static [u8])> {
    match initrd_fs::resolve(config().initrd, Node::Root, path.as_bytes()) {
        Ok(Node::File(name, data)) => Some((name, data)),
        _ => None,
    }
}
