//! Images' placements: every address space that maps an image's shared
//! pages (a process that ran the program or bound the object) holds the
//! image's placement in the shared pages table, so that all of them see
//! its pages at one address. Exec and bind take a hold
//! (`SharedPagesTable::place`, refused when the image sits elsewhere),
//! fork takes one for the child, and exit and exec give the process's
//! back once its pages are unmapped: after the last, the next process to
//! map the image chooses its address again.

use rvsim_kernel_core::region::{Backing, DemandRegion, SharedImage};

use crate::vmm::Vmm;

/// The images of `regions` that come from the shared pages table.
fn images<'a>(regions: &'a [DemandRegion<'static>]) -> impl Iterator<Item = &'static SharedImage<'static>> + 'a {
    regions.iter().filter_map(|r| match r.backing {
        Backing::Image(image) => Some(image),
        _ => None,
    })
}

/// A fork: the child's copies of `regions` hold their images too.
pub fn inherit(k: &mut Vmm, regions: &[DemandRegion<'static>]) {
    for image in images(regions) {
        k.shared.join(image.id);
    }
}

/// An address space that mapped `regions` is gone, its pages unmapped:
/// their images' holds are given back.
pub fn give_back(k: &mut Vmm, regions: &[DemandRegion<'static>]) {
    for image in images(regions) {
        k.shared.leave(image.id, &mut k.frames, &mut k.pager);
    }
}
