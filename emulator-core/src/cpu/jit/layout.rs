//! Where generated code finds the hart's state: byte offsets into a
//! [`Cpu`], computed by the compiler from the struct itself, so that they
//! cannot drift from it.

use crate::cpu::Cpu;
use crate::mmu::tlb::Tlb;
use std::mem::offset_of;

/// `x[0]`: the integer registers, 8 bytes each (x0 reads as zero).
pub const X: i32 = offset_of!(Cpu, x) as i32;
/// `pc`, a `u64`.
pub const PC: i32 = offset_of!(Cpu, pc) as i32;
/// `next_pc`, a `u64`.
pub const NEXT_PC: i32 = offset_of!(Cpu, next_pc) as i32;
/// `steps`, a `u64`: the hart's clock.
pub const STEPS: i32 = offset_of!(Cpu, steps) as i32;
/// `retired`, a `u64`.
pub const RETIRED: i32 = offset_of!(Cpu, retired) as i32;
/// `deadline`, a `u64`.
pub const DEADLINE: i32 = offset_of!(Cpu, deadline) as i32;
/// `fetch_page`, a `u64`: `pc >> 12` of the page fetch is on.
pub const FETCH_PAGE: i32 = offset_of!(Cpu, fetch_page) as i32;
/// `fetch_addend`, a `usize`: host address minus virtual address there.
pub const FETCH_ADDEND: i32 = offset_of!(Cpu, fetch_addend) as i32;
/// `fetch_slot`, a `u32`: the fetch page's TLB slot, or `NO_SLOT`.
pub const FETCH_SLOT: i32 = offset_of!(Cpu, fetch_slot) as i32;
/// The modelled TLB's hit counters, `[u64; 3]`.
pub const TLB_HITS: i32 = (offset_of!(Cpu, mmu.tlb) + Tlb::LAYOUT.hits) as i32;
/// The pointer to each TLB slot's "most recent of its set" flag, bytes.
pub const TLB_IS_MRU: i32 = (offset_of!(Cpu, mmu.tlb) + Tlb::LAYOUT.is_mru) as i32;
/// `data_load_row`, a `usize`: the host fast path's row of loads in the
/// data mode (its row of stores follows).
pub const DATA_LOAD_ROW: i32 = offset_of!(Cpu, data_load_row) as i32;

/// Asserts what the offsets above take for granted about field types.
const _: () = {
    assert!(size_of::<usize>() == 8, "generated code assumes a 64-bit host");
    assert!(size_of::<crate::mmu::fast::FastEntry>() == 16);
};
