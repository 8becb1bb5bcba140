//! How the kernel lays out RAM at boot: its image at the start of RAM,
//! then its heap (sized by the RAM it must describe), then the frames it
//! hands out. The initrd and the device tree, which the boot loader placed,
//! must lie clear of the heap (the frame table skips them).
//!
//! The kernel follows this layout, and `rvsim run` checks it before it
//! boots the kernel, so that a machine too small is a one-line error on the
//! host that names the least memory that works.

use crate::{PAGE, page_ceil};

/// Heap size for a machine with `frames` frames: 64 bytes a frame for the
/// frame table, the reverse map and the replacer, and a base for
/// everything else (the process table, the swap slots' counts, the
/// shared pages table, the disks' queues).
pub fn heap_size(frames: u64) -> u64 {
    page_ceil((3 << 20) + frames * 64)
}

/// Most swap slots the kernel keeps counts for (512 MiB of swap): their
/// six bytes each come out of the heap's base.
pub const MAX_SWAP_SLOTS: u32 = 128 << 10;

/// Frames the kernel needs at boot beyond its heap: its page tables and
/// the first process's kernel stack and tables.
pub const BOOT_FRAMES: u64 = 32;

/// Where the heap and the frames go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootLayout {
    /// The heap's first byte: the end of the kernel image.
    pub heap: u64,
    /// Bytes of heap.
    pub heap_size: u64,
    /// The first frame after the heap.
    pub first_frame: u64,
    /// Frames from there to the end of RAM.
    pub frames: usize,
}

/// Why RAM cannot hold the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootMemoryError {
    /// The image, heap and boot frames need `least` bytes of RAM.
    TooSmall {
        /// The least RAM that holds them.
        least: u64,
    },
    /// The heap would cover a range the boot loader placed (the initrd or
    /// the device tree), starting at `at`.
    Covers {
        /// Which range (index into the ranges given).
        which: usize,
        /// Where it starts.
        at: u64,
    },
}

/// Lays out RAM `[ram_start, ram_end)` for a kernel image ending at
/// `image_end`; `placed` are the ranges (initrd, device tree) that the
/// heap must not cover.
pub fn layout(
    ram_start: u64,
    image_end: u64,
    ram_end: u64,
    placed: &[(u64, u64)],
) -> Result<BootLayout, BootMemoryError> {
    let heap = page_ceil(image_end);
    let heap_size = heap_size(ram_end.saturating_sub(heap) / PAGE);
    let first_frame = heap + heap_size;
    if first_frame + BOOT_FRAMES * PAGE > ram_end {
        return Err(BootMemoryError::TooSmall { least: least_ram(heap - ram_start) });
    }
    let covered = placed.iter().position(|&(start, end)| start < end && start < first_frame && end > heap);
    if let Some(which) = covered {
        return Err(BootMemoryError::Covers { which, at: placed[which].0 });
    }
    Ok(BootLayout { heap, heap_size, first_frame, frames: ((ram_end - first_frame) / PAGE) as usize })
}

/// The least RAM that holds a kernel image of `image` bytes, its heap
/// and the boot frames (the heap grows with RAM, so a few rounds settle
/// it).
fn least_ram(image: u64) -> u64 {
    let mut least = image + heap_size(0) + BOOT_FRAMES * PAGE;
    for _ in 0..3 {
        least = image + heap_size((least - image) / PAGE) + BOOT_FRAMES * PAGE;
    }
    least
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAM: u64 = 0x8000_0000;

    #[test]
    fn the_heap_follows_the_image_and_the_frames_follow_the_heap() {
        let layout = layout(RAM, RAM + 0x2_1234, RAM + (16 << 20), &[]).expect("16 MiB is enough");
        assert_eq!(layout.heap, RAM + 0x2_2000);
        assert_eq!(layout.heap_size, heap_size((16 << 20) / PAGE - 0x22));
        assert_eq!(layout.first_frame, layout.heap + layout.heap_size);
        assert_eq!(layout.frames as u64, (RAM + (16 << 20) - layout.first_frame) / PAGE);
    }

    #[test]
    fn too_little_ram_names_the_least_that_works() {
        let image_end = RAM + 0x2_2000;
        let Err(BootMemoryError::TooSmall { least }) = layout(RAM, image_end, RAM + (2 << 20), &[]) else {
            panic!("2 MiB cannot hold a 2 MiB heap");
        };
        assert!(layout(RAM, image_end, RAM + least, &[]).is_ok(), "the least RAM named must work");
        assert!(layout(RAM, image_end, RAM + least - PAGE, &[]).is_err(), "a page less must not");
    }

    #[test]
    fn a_heap_over_the_initrd_is_refused() {
        let initrd = (RAM + (2 << 20), RAM + (3 << 20));
        let dtb = (RAM + (7 << 20), RAM + (7 << 20) + 0x1000);
        assert_eq!(
            layout(RAM, RAM + 0x2_2000, RAM + (8 << 20), &[dtb, initrd]),
            Err(BootMemoryError::Covers { which: 1, at: initrd.0 })
        );
        let later = (RAM + (4 << 20), RAM + (5 << 20));
        assert!(layout(RAM, RAM + 0x2_2000, RAM + (8 << 20), &[dtb, later]).is_ok());
        assert!(layout(RAM, RAM + 0x2_2000, RAM + (8 << 20), &[(0, 0)]).is_ok(), "an empty range covers nothing");
    }
}
