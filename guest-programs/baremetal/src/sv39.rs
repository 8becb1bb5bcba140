//! Turns on Sv39 and continues in S-mode: the program image, its stack and
//! the console/finisher pages are identity-mapped with 4 KiB pages (so
//! that every page of code and data needs its own TLB entry), PMP opens
//! memory to S-mode, and `mret` enters S-mode at the continuation.

use core::ptr::addr_of_mut;

const V: u64 = 1;
const R: u64 = 1 << 1;
const W: u64 = 1 << 2;
const X: u64 = 1 << 3;
const A: u64 = 1 << 6;
const D: u64 = 1 << 7;
const TABLES: usize = 8;

#[repr(C, align(4096))]
struct Table([u64; 512]);

static mut POOL: [Table; TABLES] = [const { Table([0; 512]) }; TABLES];
static mut USED: usize = 1;

unsafe extern "C" {
    static __stack_top: u8;
}

fn pool() -> *mut Table {
    addr_of_mut!(POOL).cast::<Table>()
}

/// The level-0 PTE slot for `va`, creating tables on the way.
unsafe fn leaf_slot(va: usize) -> *mut u64 {
    // SAFETY: single-threaded boot code; indices stay inside the pool.
    unsafe {
        let mut table = pool();
        for level in [2u32, 1] {
            let index = (va >> (12 + 9 * level)) & 511;
            let entry = addr_of_mut!((*table).0[index]);
            if *entry & V == 0 {
                let next = pool().add(USED);
                USED += 1;
                *entry = ((next as u64 >> 12) << 10) | V;
            }
            table = (((*entry >> 10) << 12) as usize) as *mut Table;
        }
        addr_of_mut!((*table).0[(va >> 12) & 511])
    }
}

fn map(va: usize, flags: u64) {
    // SAFETY: boot code, identity mapping.
    unsafe { *leaf_slot(va) = ((va as u64 >> 12) << 10) | flags | V };
}

/// Maps the image and devices, enables Sv39, and continues at `then` in
/// S-mode.
pub fn enter_supervisor(then: fn() -> !) -> ! {
    let start = 0x8000_0000usize;
    let end = core::ptr::addr_of!(__stack_top) as usize;
    for page in (start..end).step_by(4096) {
        map(page, R | W | X | A | D);
    }
    for device in [0x1000_0000usize, 0x10_0000] {
        map(device, R | W | A | D);
    }
    let root = pool() as u64;
    // SAFETY: privileged setup in M-mode; `then` is mapped, so execution
    // continues there in S-mode with translation on.
    unsafe {
        core::arch::asm!(
            "csrw pmpaddr0, {all}",
            "csrw pmpcfg0, {rwx}",
            "csrw satp, {satp}",
            "sfence.vma",
            "csrw mepc, {then}",
            "csrc mstatus, {mpp}",
            "csrs mstatus, {mpp_s}",
            "mret",
            all = in(reg) u64::MAX >> 10,
            rwx = in(reg) 0x0fu64,
            satp = in(reg) (8u64 << 60) | (root >> 12),
            then = in(reg) then as usize,
            mpp = in(reg) 0x1800u64,
            mpp_s = in(reg) 0x800u64,
            options(noreturn)
        );
    }
}
