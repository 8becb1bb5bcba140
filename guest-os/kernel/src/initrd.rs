//! Programs come from the initrd, a cpio "newc" archive (read with the
//! cpio_reader crate).

use crate::kernel;

/// The file called `name` (a leading `/` or `./` is ignored).
pub fn find(name: &str) -> Option<&'static [u8]> {
    let name = name.trim_start_matches("./").trim_start_matches('/');
    cpio_reader::iter_files(kernel().initrd)
        .find(|entry| entry.name().trim_start_matches("./").trim_start_matches('/') == name)
        .map(|entry| entry.file())
}
