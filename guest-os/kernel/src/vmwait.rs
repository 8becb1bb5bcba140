//! What a fault waits for, served with nothing borrowed: a page to read
//! from the swap disk, another process's transfer of the same page, or
//! frames, which reclaim makes free (evicting pages chosen by the
//! replacement policy, writing the dirty ones to swap). When nothing can
//! be evicted, the out-of-memory killer picks a process to end.

use rvsim_kernel_core::evict::{self, Eviction};
use rvsim_kernel_core::fault::Wait;
use rvsim_kernel_core::swap::Slot;

use crate::{config, disk, kprintln, proc, vmlog};

/// Sleep channel of processes waiting for free frames.
const FRAMES_CHANNEL: usize = 3;
/// Sleep channels of transfers: the slot with this bit set.
const SLOT_CHANNEL: usize = 1 << 60;
/// Pages reclaimed at once when a fault finds no frame.
const BATCH: usize = 8;
/// Timer ticks a process waits for frames before it looks again.
const FRAMES_WAIT: u64 = crate::param::TICK_INTERVAL;

fn slot_channel(slot: Slot) -> usize {
    SLOT_CHANNEL | slot as usize
}

/// Serves `wait`; false if the page could not be read (a disk error), in
/// which case the process cannot go on.
pub fn serve(wait: Wait) -> bool {
    match wait {
        Wait::PageIn { slot, frame } => page_in(slot, frame),
        Wait::Transfer { slot } => {
            let busy = proc::with_vm(|k| k.pager.cache.in_flight_slot(slot));
            if busy {
                proc::sleep(slot_channel(slot));
            }
            true
        }
        Wait::Frames => {
            if reclaim(BATCH) == 0 {
                out_of_memory();
            }
            true
        }
        Wait::PageOut { frame, slot } => {
            vmlog::pool_page_out(proc::current_pid(), frame, slot);
            write_out(frame, slot);
            true
        }
        Wait::Remote { segment, index, write } => crate::dsm::fault(segment, index, write),
        Wait::Spread { space, index, write } => {
            use rvsim_kernel_core::dsm::{PageId, SpaceId};
            crate::dsm::fault_page(PageId { space: SpaceId(space), index: index as u32 }, write)
        }
    }
}

/// Reads `slot` into `frame` for a fault, then tells the pager.
fn page_in(slot: Slot, frame: u64) -> bool {
    let ok = match config().swap {
        Some(swap) => disk::read_page(swap.disk, slot as u64, frame).is_ok(),
        None => false,
    };
    proc::with_vm(|k| evict::page_in_done(&mut k.vm(), slot, frame, ok));
    vmlog::page_in(proc::current_pid(), slot, frame, ok);
    proc::wakeup(slot_channel(slot));
    ok
}

/// Evicts up to `want` pages (writing the dirty ones to swap); returns how
/// many frames it freed. Processes waiting for frames are woken.
pub fn reclaim(want: usize) -> usize {
    proc::start_tracking(proc::TrackingCause::Reclaim);
    let mut freed = 0;
    while freed < want {
        let Some(eviction) = proc::with_vm(|k| evict::evict_one(&mut k.vm()).ok()) else { break };
        vmlog::evicted(&eviction);
        if let Eviction::Write { frame, slot, .. } = eviction {
            write_out(frame, slot);
        }
        freed += 1;
    }
    if freed > 0 {
        proc::wakeup(FRAMES_CHANNEL);
    }
    freed
}

/// Writes an evicted page's `frame` to `slot`, then tells the pager and
/// wakes whoever waits for the slot.
fn write_out(frame: u64, slot: Slot) {
    let ok = config().swap.is_some_and(|swap| disk::write_page(swap.disk, slot as u64, frame).is_ok());
    if !ok {
        kprintln!("[kernel] swap: writing slot {slot} failed; the page stays in memory");
    }
    proc::with_vm(|k| evict::page_out_done(&mut k.vm(), slot, frame, ok));
    proc::wakeup(slot_channel(slot));
}

/// After a fault took a frame: once memory is getting short, the pager
/// keeps its records; when free frames fall below the low watermark,
/// reclaims up to the high one, before the process goes on.
pub fn keep_frames_free() {
    // Only a look: nothing changes, so no TLB flush can be due.
    let (start, shortage) = crate::vmm::with(|k| {
        let free = k.frames.counts().free;
        (k.pager.wants_tracking(free), k.pager.shortage(free))
    });
    if start {
        proc::start_tracking(proc::TrackingCause::Fault);
    }
    if shortage > 0 {
        reclaim(shortage);
    }
}

/// Nothing could be evicted: the out-of-memory killer ends the process
/// with the most pages, and the caller waits for frames to come back.
fn out_of_memory() {
    if let Some((pid, name, pages)) = proc::kill_largest() {
        kprintln!("[kernel] out of memory: killed pid {pid} ({name}), which held {pages} pages");
    }
    if !proc::current_killed() {
        proc::sleep_on(FRAMES_CHANNEL, Some(crate::time::now() + FRAMES_WAIT));
    }
}

/// Frames came back (a process exited): waiters look again.
pub fn frames_freed() {
    proc::wakeup(FRAMES_CHANNEL);
}
