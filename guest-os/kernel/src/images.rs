//! Program images: every initrd file the kernel has run or bound, checked
//! and planned once (with its relocations, if it carries any), and kept
//! for the rest of the run (the initrd never changes), so that all its
//! processes refer to the same image: its address in the initrd is its
//! identity in the shared pages table.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;

use rvsim_kernel_core::exec::{self, ExecError};
use rvsim_kernel_core::region::SharedImage;

use crate::initrd;
use crate::lock::Lock;

static IMAGES: Lock<BTreeMap<u64, &'static SharedImage<'static>>> = Lock::new("the image table");

/// Starts with no image known.
pub fn init() {
    IMAGES.init(BTreeMap::new());
}

/// Why an image cannot be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// No initrd file of that name.
    NotFound,
    /// The file cannot be run.
    Exec(ExecError),
}

/// The image of initrd file `name`.
pub fn find(name: &str) -> Result<&'static SharedImage<'static>, ImageError> {
    let (file_name, bytes) = initrd::find(name).ok_or(ImageError::NotFound)?;
    let id = bytes.as_ptr() as u64;
    IMAGES.with(|images| {
        if let Some(image) = images.get(&id) {
            return Ok(*image);
        }
        let plan = exec::plan(bytes).map_err(ImageError::Exec)?;
        // Kept for the whole run: one per initrd file at most.
        let image: &'static SharedImage<'static> = Box::leak(Box::new(SharedImage::new(id, file_name, bytes, plan)));
        images.insert(id, image);
        Ok(image)
    })
}

/// The image of the sigreturn page (core's `exec::SIGRETURN_CODE`), which
/// every process maps: its identity is the code's address in the kernel.
pub fn sigreturn() -> &'static SharedImage<'static> {
    static CODE: [u8; 8] = exec::SIGRETURN_CODE;
    let id = CODE.as_ptr() as u64;
    IMAGES.with(|images| {
        *images
            .entry(id)
            .or_insert_with(|| Box::leak(Box::new(SharedImage::new(id, "[sigreturn]", &CODE, exec::sigreturn_plan()))))
    })
}

/// The name of the image with identity `id`, if known.
pub fn name(id: u64) -> &'static str {
    get(id).map_or("?", |image| image.name)
}

/// The image with identity `id`, if known.
pub fn get(id: u64) -> Option<&'static SharedImage<'static>> {
    IMAGES.with(|images| images.get(&id).copied())
}
