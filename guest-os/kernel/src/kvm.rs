//! The kernel's page table. RAM is identity-mapped (the kernel image page
//! by page with its permissions: text RX, rodata R, data RW; the rest with
//! 2 MiB pages, RW); devices appear at `DEVICE_BASE + pa`, and kernel
//! stacks, with guard pages, at `KSTACK_BASE`. All of it is global and
//! lives in root entries 2 and up, which every process's page table
//! copies: the kernel half is shared, so traps need no `satp` switch.

use rvsim_kernel_core::frame::FrameTable;
use rvsim_kernel_core::space::OutOfMemory;
use rvsim_kernel_core::{PAGE, PhysMemory, page_floor, pte};

use crate::memory::KernelMemory;
use crate::param::{
    CLINT_MTIMECMP, DEVICE_BASE, FINISHER, KSTACK_PAGES, NPROC, PLIC, PLIC_SIZE, UART, VIRTIO, VIRTIO_SIZE,
    VIRTIO_SLOTS,
};

/// Kernel stacks: slot `i` at `KSTACK_BASE + i * KSTACK_STRIDE`, its
/// lowest page left unmapped as a guard.
pub const KSTACK_BASE: u64 = DEVICE_BASE + (1 << 30);
/// Address space per kernel stack (stack pages plus a guard page).
pub const KSTACK_STRIDE: u64 = (KSTACK_PAGES as u64 + 1) * PAGE;

const KERNEL: u64 = pte::G | pte::A | pte::D;
const MEGA2: u64 = 1 << 21;

unsafe extern "C" {
    static _text_end: u8;
    static _rodata_end: u8;
    static _kernel_end: u8;
}

/// End of the kernel image (page-aligned).
pub fn kernel_end() -> u64 {
    // Only the symbol's address is used.
    &raw const _kernel_end as u64
}

fn zeroed_table(frames: &mut FrameTable) -> Result<u64, OutOfMemory> {
    let table = frames.alloc().ok_or(OutOfMemory)?;
    KernelMemory.zero_page(table);
    Ok(table)
}

fn index(va: u64, level: u32) -> u64 {
    (va >> (12 + 9 * level)) & 0x1ff
}

/// The table below entry `index(va, level)` of `table`, created if missing.
fn next_table(frames: &mut FrameTable, table: u64, va: u64, level: u32) -> Result<u64, OutOfMemory> {
    let slot = table + index(va, level) * 8;
    let entry = KernelMemory.read_u64(slot);
    if entry & pte::V != 0 {
        return Ok(pte::address(entry));
    }
    let new = zeroed_table(frames)?;
    KernelMemory.write_u64(slot, pte::make(new, 0));
    Ok(new)
}

/// Maps one page (`level` 0) or one 2 MiB page (`level` 1) in `root`,
/// creating the tables on the way (none for the kernel stacks' area,
/// whose tables `build` made).
pub fn map(frames: &mut FrameTable, root: u64, va: u64, pa: u64, flags: u64, level: u32) -> Result<(), OutOfMemory> {
    let mut table = root;
    for l in (level + 1..3).rev() {
        table = next_table(frames, table, va, l)?;
    }
    KernelMemory.write_u64(table + index(va, level) * 8, pte::make(pa, flags | KERNEL));
    Ok(())
}

/// Removes the 4 KiB mapping of `va` from `root`; returns its frame.
pub fn unmap(root: u64, va: u64) -> Option<u64> {
    let mut table = root;
    for l in [2, 1] {
        let entry = KernelMemory.read_u64(table + index(va, l) * 8);
        if entry & pte::V == 0 {
            return None;
        }
        table = pte::address(entry);
    }
    let slot = table + index(va, 0) * 8;
    let entry = KernelMemory.read_u64(slot);
    KernelMemory.write_u64(slot, 0);
    (entry & pte::V != 0).then(|| pte::address(entry))
}

/// Builds the kernel page table for RAM `[ram_start, ram_end)`; returns
/// the root's physical address.
pub fn build(frames: &mut FrameTable, ram_start: u64, ram_end: u64) -> Result<u64, OutOfMemory> {
    // Only the symbols' addresses are used.
    let (text_end, rodata_end) = (&raw const _text_end as u64, &raw const _rodata_end as u64);
    let image_end = kernel_end();
    let root = zeroed_table(frames)?;
    let mut region = ram_start;
    while region < ram_end {
        let whole = region + MEGA2 <= ram_end && region >= image_end;
        if whole {
            map(frames, root, region, region, pte::R | pte::W, 1)?;
        } else {
            let mut page = region;
            while page < (region + MEGA2).min(ram_end) {
                let flags = if page < text_end {
                    pte::R | pte::X
                } else if page < rodata_end {
                    pte::R
                } else {
                    pte::R | pte::W
                };
                map(frames, root, page, page, flags, 0)?;
                page += PAGE;
            }
        }
        region += MEGA2;
    }
    let virtio = (0..VIRTIO_SLOTS as u64).map(|i| VIRTIO + i * VIRTIO_SIZE);
    // The CLINT's mtimecmp page too: a node of a cluster sets an early
    // timer interrupt for the DSM engine's deadlines (dsm.rs).
    let clint = page_floor(CLINT_MTIMECMP);
    for device in [UART, FINISHER, clint].into_iter().chain(virtio) {
        map(frames, root, DEVICE_BASE + device, device, pte::R | pte::W, 0)?;
    }
    let mut plic = PLIC;
    while plic < PLIC + PLIC_SIZE {
        map(frames, root, DEVICE_BASE + plic, plic, pte::R | pte::W, 1)?;
        plic += MEGA2;
    }
    // Create the kernel-stack area's tables now, so that the root entry
    // processes copy already points at them.
    let last = KSTACK_BASE + NPROC as u64 * KSTACK_STRIDE - 1;
    let mut va = KSTACK_BASE;
    while va <= last {
        let l1 = next_table(frames, root, va, 2)?;
        next_table(frames, l1, va, 1)?;
        va += MEGA2;
    }
    Ok(root)
}

/// Turns paging on with the kernel's page table (ASID 0).
pub fn enable(root: u64) {
    let satp = (8u64 << 60) | (root >> 12);
    // SAFETY: the kernel page table maps the running code and data
    // identically, so execution continues at the same addresses.
    unsafe { core::arch::asm!("csrw satp, {0}", "sfence.vma", in(reg) satp) };
}
