//! The hart: architectural state and the interpreter loop.
//!
//! `Cpu` owns its registers, CSRs and the bus. Instructions are fetched,
//! decoded through the table in [`crate::isa`] and executed by calling the
//! decoded semantics. The loop runs until `deadline` (a count of steps):
//! anything that needs the machine's attention (a device write, an enabled
//! interrupt, a stop request) sets the deadline to zero, so the hot loop
//! tests a single counter.

mod block;
#[cfg(test)]
mod block_tests;
mod csr;
mod fpu;
pub(crate) mod icache;
pub mod jit;
mod memory;
mod observe;
mod pagerefs;
mod privilege;
pub mod threaded;
mod translate;
mod trap;

pub use csr::{CsrFile, CsrOp, MISA_VALUE, addr as csr_addr, csr_by_name, csr_name, irq, satp, status};
pub use fpu::{F32_CANONICAL_NAN, F64_CANONICAL_NAN, box_f32, fflags, unbox_f32};
pub use memory::Access;
pub use observe::{DebugStop, Observers};
pub use pagerefs::PageRecorder;
pub use privilege::STUCK_TRAP_LIMIT;
pub use trap::{Exception, Interrupt, Privilege, Trap, exception_name};

use crate::bus::Bus;
use crate::isa::{Decoded, Decoder, ExecResult};
use crate::mmu::fast::NO_SLOT;
use crate::mmu::{FlushForm, Mmu, MmuConfig};

/// Instructions (steps) per tick of `mtime`: the hart runs at a nominal
/// 100 MHz, one instruction per cycle, against the 10 MHz timebase of QEMU
/// `virt`. Time is derived from work done, so runs are reproducible.
pub const STEPS_PER_TICK: u64 = 10;

/// Frequency of `mtime`, as written to the device tree.
pub const TIMEBASE_HZ: u64 = 10_000_000;

/// One RV64IMAFDC hart with its bus.
pub struct Cpu {
    /// x0..x31, then a sink slot for writes to x0 (see [`crate::isa::X0_SINK`]);
    /// 64 entries so that a masked index never needs a bounds check.
    x: [u64; 64],
    /// f0..f31, singles NaN-boxed.
    f: Box<[u64; 32]>,
    /// Address of the instruction being executed (or next to execute).
    pub pc: u64,
    /// Where execution continues after the current instruction; control
    /// transfer instructions write it.
    pub(crate) next_pc: u64,
    /// Current privilege mode.
    pub mode: Privilege,
    /// Plain-storage CSRs.
    pub csr: CsrFile,
    /// The physical address space.
    pub bus: Bus,
    /// TLB, page-table walker, PMP and the host fast path.
    pub mmu: Mmu,
    /// Privilege of loads and stores: `mode`, or MPP under MPRV.
    data_mode: Privilege,
    data_mode_index: usize,
    /// The host fast path's load row for `data_mode` (see
    /// `FastPath::row_address`), for translated code.
    data_load_row: usize,
    /// The page instructions are being fetched from (`pc >> 12`), its host
    /// address offset and TLB slot; `u64::MAX` when none.
    fetch_page: u64,
    fetch_addend: usize,
    fetch_slot: u32,
    retired_by_mode: [u64; 3],
    mode_since: u64,
    /// Interrupt lines driven by devices (MTIP, MSIP, MEIP, SEIP), ORed
    /// into `mip`.
    pub mip_lines: u64,
    /// Physical address reserved by the last LR, if any.
    pub(crate) reservation: Option<u64>,
    /// Instructions attempted (retired or trapped) plus idle cycles spent
    /// in `wfi`: the hart's clock.
    steps: u64,
    /// Instructions retired.
    retired: u64,
    /// Traps taken (exceptions and interrupts).
    pub(crate) trap_count: u64,
    cycle_offset: u64,
    instret_offset: u64,
    /// The loop returns to the machine when `steps` reaches this.
    pub(crate) deadline: u64,
    /// Set by `wfi`: the hart is stalled until an interrupt is pending.
    pub waiting: bool,
    /// Set when the hart can make no progress (see `raise`).
    pub(crate) stuck: Option<String>,
    traps_without_progress: u32,
    retired_at_last_trap: u64,
    decoder: &'static Decoder,
    /// Tools attached: tracer, breakpoints, watchpoints.
    observers: Observers,
    /// Whether any is attached (kept in step with `observers`).
    observed: bool,
    /// Instructions decoded from RAM, which travel with the bus: every
    /// hart uses the one cache, so a store by any hart drops the code it
    /// changes. (A field of the hart's own, not of the bus: the hot loop
    /// measured faster so.)
    pub(crate) icache: icache::ICache,
    /// This hart's number (`mhartid`).
    pub hart_id: usize,
    /// The exception an instruction raised inside a block (run by its
    /// threaded handlers or translated), for the dispatcher to take.
    block_trap: Option<Exception>,
    /// Steps less retired instructions when the running block began: how
    /// far the retired count lags the step count while nothing traps.
    block_lag: u64,
    /// The step count blocks may run up to one after another (see
    /// `Cpu::chain`): within the deadline, and only interpreting.
    chain_end: u64,
    /// The count of code pages the decoded-instruction cache had marked
    /// when this hart last held the bus (see [`Cpu::lend_bus`]).
    code_pages_seen: u64,
}

impl Cpu {
    /// A hart in its reset state (M-mode, registers zero) on `bus`.
    pub fn new(bus: Bus, mmu: MmuConfig) -> Cpu {
        let icache = icache::ICache::new(bus.ram.host_address(0), bus.ram.size());
        let mmu = Mmu::new(mmu);
        let data_load_row = mmu.fast.row_address(crate::mmu::fast::mode_index(Privilege::Machine), Access::Load);
        Cpu {
            x: [0; 64],
            f: Box::new([0; 32]),
            pc: 0,
            next_pc: 0,
            mode: Privilege::Machine,
            csr: CsrFile::default(),
            bus,
            mmu,
            data_mode: Privilege::Machine,
            data_mode_index: crate::mmu::fast::mode_index(Privilege::Machine),
            data_load_row,
            fetch_page: u64::MAX,
            fetch_addend: 0,
            fetch_slot: NO_SLOT,
            retired_by_mode: [0; 3],
            mode_since: 0,
            mip_lines: 0,
            reservation: None,
            steps: 0,
            retired: 0,
            trap_count: 0,
            cycle_offset: 0,
            instret_offset: 0,
            deadline: 0,
            waiting: false,
            stuck: None,
            traps_without_progress: 0,
            retired_at_last_trap: u64::MAX,
            decoder: Decoder::get(),
            observers: Observers::default(),
            observed: false,
            icache,
            hart_id: 0,
            block_trap: None,
            block_lag: 0,
            chain_end: 0,
            code_pages_seen: 0,
        }
    }

    /// Takes the machine's bus, and the decoded-instruction cache that
    /// goes with it, from hart `holder`, which gets this hart's parked ones
    /// (the machine's harts take turns, and the one running holds the
    /// bus). A store through this hart's host fast path must not bypass
    /// code another hart decoded meanwhile, so if pages became code pages
    /// since this hart last held the bus, its store entries go.
    pub fn lend_bus(&mut self, holder: &mut Cpu) {
        std::mem::swap(&mut self.bus, &mut holder.bus);
        std::mem::swap(&mut self.icache, &mut holder.icache);
        let marked = self.icache.code_pages_marked();
        if marked != self.code_pages_seen {
            self.code_pages_seen = marked;
            self.mmu.fast.flush_stores();
        }
    }

    /// Reads integer register `r` (0..=31).
    #[inline(always)]
    pub fn rx(&self, r: u8) -> u64 {
        self.x[(r & 63) as usize]
    }

    /// Writes register `r` as decoded: x0 has already been replaced by the
    /// sink slot, so no test is needed.
    #[inline(always)]
    pub(crate) fn wx(&mut self, r: u8, value: u64) {
        self.x[(r & 63) as usize] = value;
    }

    /// Integer register `r` (0..=31), for tools.
    pub fn reg(&self, r: usize) -> u64 {
        self.x[r & 31]
    }

    /// Sets integer register `r` (0..=31) for tools; x0 stays zero.
    pub fn set_reg(&mut self, r: usize, value: u64) {
        if r & 31 != 0 {
            self.x[r & 31] = value;
        }
    }

    /// Instructions attempted plus idle cycles: the hart's clock.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Instructions retired.
    pub fn retired(&self) -> u64 {
        self.retired
    }

    /// Traps taken so far.
    pub fn traps_taken(&self) -> u64 {
        self.trap_count
    }

    /// Raw timer ticks since reset (10 MHz), before the CLINT's offset.
    pub fn ticks(&self) -> u64 {
        self.steps / STEPS_PER_TICK
    }

    /// `mtime` as the CLINT and the `time` CSR report it.
    pub fn mtime(&self) -> u64 {
        self.bus.clint.mtime(self.ticks())
    }

    /// `mcycle`.
    pub fn mcycle(&self) -> u64 {
        self.steps.wrapping_add(self.cycle_offset)
    }

    /// `minstret`: instructions retired before the current one.
    pub fn minstret(&self) -> u64 {
        self.retired.wrapping_add(self.instret_offset)
    }

    fn set_mcycle(&mut self, value: u64) {
        self.cycle_offset = value.wrapping_sub(self.steps);
    }

    /// A write to `minstret` suppresses the increment of the writing
    /// instruction itself, so the next read sees exactly `value` plus the
    /// instructions retired after the write.
    fn set_minstret(&mut self, value: u64) {
        self.instret_offset = value.wrapping_sub(self.retired).wrapping_sub(1);
    }

    /// Adds `cycles` of idle time (a `wfi` sleeping until a timer).
    pub fn idle(&mut self, cycles: u64) {
        self.steps = self.steps.saturating_add(cycles);
    }

    /// Makes the interpreter return to the machine after the current
    /// instruction.
    #[inline]
    pub(crate) fn request_check(&mut self) {
        self.deadline = 0;
    }

    /// `fence.i`: makes earlier stores visible to instruction fetch. They
    /// already are: every write to RAM reaches the decoded-instruction
    /// cache, which drops the code it changes (a store, the walker's A/D
    /// updates, a device's DMA, HTIF's replies; tools empty the cache), so
    /// there is nothing left to do. (Emptying it all here made Linux, which
    /// runs `fence.i` at each exec and module load, rebuild and decode its
    /// code over and over: 14% of its boot.)
    pub(crate) fn fence_i(&mut self) {}

    /// `sfence.vma`: flushes the modelled TLB in one of its four forms
    /// (chosen by whether rs1 and rs2 name x0, as the specification says).
    /// Illegal in U-mode, and in S-mode when `mstatus.TVM` is set.
    pub(crate) fn sfence_vma(&mut self, d: &Decoded) -> ExecResult {
        let trapped = match self.mode {
            Privilege::User => true,
            Privilege::Supervisor => self.csr.mstatus & status::TVM != 0,
            Privilege::Machine => false,
        };
        if trapped {
            return Err(Exception::IllegalInstruction(d.raw as u64));
        }
        let (va, asid) = (self.rx(d.rs1), self.rx(d.rs2) as u16);
        let form = match (d.rs1 != 0, d.rs2 != 0) {
            (false, false) => FlushForm::All,
            (false, true) => FlushForm::Asid(asid),
            (true, false) => FlushForm::Address(va),
            (true, true) => FlushForm::AddressAsid(va, asid),
        };
        self.flush_tlb(form);
        Ok(())
    }

    /// Flushes the modelled TLB as `sfence.vma` of the given form does.
    pub fn flush_tlb(&mut self, form: FlushForm) {
        let removed = self.mmu.tlb.flush(form);
        self.flush_translations();
        if self.observed {
            self.observe_flush(form, removed);
        }
    }

    /// Decodes the instruction at `pc` without executing it (for tools),
    /// fetching it as the hart would.
    pub fn decode_at(&mut self, pc: u64) -> Result<Decoded, Exception> {
        self.fetch_decoded(pc)
    }

    /// Executes one instruction (or takes its exception). The observed
    /// version (`OBSERVED`) also serves the tools attached; the plain one
    /// is compiled without any of it.
    #[inline(always)]
    fn step<const OBSERVED: bool>(&mut self) {
        if OBSERVED && self.before_instruction() {
            return;
        }
        self.steps += 1;
        let pc = self.pc;
        let mode = self.mode;
        match self.fetch_decoded(pc) {
            Ok(d) => {
                self.next_pc = pc.wrapping_add(d.len as u64);
                match (d.exec)(self, &d) {
                    Ok(()) => {
                        self.pc = self.next_pc;
                        self.retired += 1;
                        if OBSERVED {
                            self.after_retired(mode, pc, &d);
                        }
                    }
                    Err(e) => self.raise(e),
                }
            }
            Err(e) => self.raise(e),
        }
    }

    /// Runs until `steps` reaches `deadline`, or something asks for the
    /// machine's attention.
    pub fn run_until_deadline(&mut self) {
        if self.steps >= icache::GROW_AFTER && !self.icache.grown() {
            self.icache.grow();
        }
        if self.observed {
            while self.steps < self.deadline {
                self.step::<true>();
            }
        } else {
            if self.icache.jit_wanted {
                self.start_translator_when_due();
            }
            self.run_unobserved();
        }
    }

    /// The unobserved loop: blocks, translated when the translator is on.
    fn run_unobserved(&mut self) {
        if self.icache.jit.is_some() {
            while self.steps < self.deadline {
                if !self.run_block::<true>() {
                    self.step::<false>();
                }
            }
        } else {
            while self.steps < self.deadline {
                if !self.run_block::<false>() {
                    self.step::<false>();
                }
            }
        }
    }

    /// Executes exactly one instruction, whatever the deadline.
    pub fn single_step(&mut self) {
        if self.observed { self.step::<true>() } else { self.step::<false>() }
    }
}
