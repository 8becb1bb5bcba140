//! Programs come from the initrd, a cpio "newc" archive (read in place by
//! guest-os/core's reader).

use crate::config;

fn plain(name: &str) -> &str {
    name.trim_start_matches("./").trim_start_matches('/')
}

/// The file called `name` (a leading `/` or `./` is ignored): its name as
/// the archive has it, and its bytes.
pub fn find(name: &str) -> Option<(&'static str, &'static [u8])> {
    let name = plain(name);
    rvsim_kernel_core::cpio::files(config().initrd)
        .find(|entry| plain(entry.name) == name)
        .map(|entry| (plain(entry.name), entry.data))
}
