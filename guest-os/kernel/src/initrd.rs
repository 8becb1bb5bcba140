//! Programs come from the initrd, a cpio "newc" archive (read with the
//! cpio_reader crate).

use crate::config;

fn plain(name: &str) -> &str {
    name.trim_start_matches("./").trim_start_matches('/')
}

/// The file called `name` (a leading `/` or `./` is ignored): its name as
/// the archive has it, and its bytes.
pub fn find(name: &str) -> Option<(&'static str, &'static [u8])> {
    let name = plain(name);
    cpio_reader::iter_files(config().initrd)
        .find(|entry| plain(entry.name()) == name)
        .map(|entry| (plain(entry.name()), entry.file()))
}
