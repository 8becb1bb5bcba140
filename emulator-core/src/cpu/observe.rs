//! What tools attach to the hart: the tracer, breakpoints, watchpoints
//! and the page reference recorder. While any is attached the hart runs
//! its observed loop, which checks breakpoints before each instruction and reports each
//! retired one, and it leaves the host fast path aside, so that every
//! access goes through the modelled TLB (where it is counted exactly as
//! it would be anyway) and can be seen. Without observers, none of this
//! costs the interpreter anything: the plain loop is compiled without it.

use std::collections::BTreeSet;

use super::pagerefs::PageRecorder;
use super::{Access, Cpu, Privilege, Trap};
use crate::isa::{Decoded, X0_SINK, disassemble};
use crate::mmu::sv39::{Fault, WalkStep};
use crate::mmu::tlb::TlbEntry;
use crate::trace::{Category, Tracer};

/// Why an observed run stopped for a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebugStop {
    /// The hart reached a breakpoint (the instruction there has not run).
    Breakpoint(u64),
    /// An instruction at `pc` stored into a watched range at `va`.
    Watchpoint {
        /// Address written.
        va: u64,
        /// The storing instruction.
        pc: u64,
    },
}

/// Tools attached to the hart.
#[derive(Default)]
pub struct Observers {
    /// The debug trace.
    pub tracer: Option<Box<Tracer>>,
    /// Breakpoint addresses (virtual, as the pc).
    pub breakpoints: BTreeSet<u64>,
    /// Watched ranges (virtual start, length) for stores.
    pub watchpoints: Vec<(u64, u64)>,
    /// Set when a breakpoint or watchpoint stopped the hart.
    pub stop: Option<DebugStop>,
    /// A breakpoint at this pc does not stop the next instruction (the one
    /// a tool resumes from).
    pub resume_at: Option<u64>,
    /// The user page reference string being recorded.
    pub pages: Option<Box<PageRecorder>>,
}

impl Observers {
    fn any(&self) -> bool {
        self.tracer.is_some() || !self.breakpoints.is_empty() || !self.watchpoints.is_empty() || self.pages.is_some()
    }
}

impl Cpu {
    /// Whether tools are attached (the observed loop runs).
    #[inline(always)]
    pub fn observed(&self) -> bool {
        self.observed
    }

    /// Attaches (or with `None` detaches) a tracer.
    pub fn set_tracer(&mut self, tracer: Option<Tracer>) {
        self.observers.tracer = tracer.map(Box::new);
        self.observers_changed();
    }

    /// Attaches (or with `None` detaches) a page reference recorder.
    pub fn set_page_recorder(&mut self, recorder: Option<PageRecorder>) {
        self.observers.pages = recorder.map(Box::new);
        self.observers_changed();
    }

    /// Detaches the page reference recorder, with what it recorded.
    pub fn take_page_recorder(&mut self) -> Option<PageRecorder> {
        let recorder = self.observers.pages.take();
        self.observers_changed();
        recorder.map(|r| *r)
    }

    /// The tools attached, to change breakpoints and watchpoints (call
    /// [`Cpu::observers_changed`] after).
    pub fn observers(&mut self) -> &mut Observers {
        &mut self.observers
    }

    /// After tools were attached or detached: the host fast path must not
    /// hide accesses from them.
    pub fn observers_changed(&mut self) {
        let observed = self.observers.any();
        if observed && !self.observed {
            self.flush_all_cached();
        }
        self.observed = observed;
    }

    /// Takes the reason the hart stopped for a tool, if it did.
    pub fn take_debug_stop(&mut self) -> Option<DebugStop> {
        self.observers.stop.take()
    }

    /// Before an observed instruction: the trace's start address, and
    /// breakpoints. Returns true to stop before executing it.
    pub(super) fn before_instruction(&mut self) -> bool {
        let pc = self.pc;
        if let Some(t) = self.observers.tracer.as_deref_mut() {
            t.at_pc(pc);
        }
        let resuming = self.observers.resume_at.take() == Some(pc);
        if !resuming && self.observers.breakpoints.contains(&pc) {
            self.observers.stop = Some(DebugStop::Breakpoint(pc));
            self.request_check();
            return true;
        }
        false
    }

    /// The tracer, if it wants `category` now.
    #[inline]
    fn tracer_for(&mut self, category: Category) -> Option<&mut Tracer> {
        let asid = self.asid();
        self.observers.tracer.as_deref_mut().filter(|t| t.wants(category, asid))
    }

    /// After an observed instruction retired: its `insn` line.
    pub(super) fn after_retired(&mut self, mode: Privilege, pc: u64, d: &Decoded) {
        let asid = self.asid();
        let satp = self.csr.satp;
        let Some(t) = self.observers.tracer.as_deref_mut() else { return };
        if !t.wants(Category::Insn, asid) {
            t.discard_pending();
            return;
        }
        let format = d.base.format;
        let rd = if format.writes_fd() {
            Some(('f', d.rd_encoded(), self.f[d.rd_encoded() as usize]))
        } else {
            (format.writes_rd() && d.rd != X0_SINK).then(|| ('x', d.rd, self.x[d.rd as usize]))
        };
        let symbol = t.symbols.name(pc, mode, satp, &self.bus.ram);
        t.retired(mode, pc, d.raw, d.len, rd, &disassemble(d, pc), symbol);
    }

    /// A load or store that went to memory: traced, noted for the `insn`
    /// line, and checked against watchpoints.
    pub(super) fn observe_access(&mut self, access: Access, va: u64, pa: u64, size: u8, value: u64) {
        let asid = self.asid();
        if let Some(t) = self.observers.tracer.as_deref_mut() {
            if t.wants(Category::Insn, asid) {
                t.note_access(va, (access == Access::Store).then_some((value, size)));
            }
            if t.wants(Category::Mem, asid) {
                t.access(access, va, pa, size, value);
            }
        }
        if access == Access::Store
            && self
                .observers
                .watchpoints
                .iter()
                .any(|&(start, len)| va < start.saturating_add(len) && start < va + size as u64)
        {
            self.observers.stop = Some(DebugStop::Watchpoint { va, pc: self.pc });
            self.request_check();
        }
    }

    /// A translated access in `privilege` to the page of `va`: user-mode
    /// ones go to the page recorder. Out of line, so that the translation
    /// it is called from stays as small as without it.
    #[inline(never)]
    pub(super) fn observe_page(&mut self, privilege: Privilege, va: u64) {
        let satp = self.csr.satp;
        if let Some(r) = self.observers.pages.as_deref_mut().filter(|_| privilege == Privilege::User) {
            r.record(satp, va >> 12);
        }
    }

    /// A device register access.
    pub(super) fn observe_device(&mut self, write: bool, pa: u64, size: u8, value: Option<u64>) {
        if let Some(t) = self.tracer_for(Category::Dev) {
            t.device(write, pa, size, value);
        }
    }

    /// A disk request carried out by the virtio-blk device in `slot`.
    pub(super) fn observe_disk_request(&mut self, slot: usize, request: &crate::devices::virtio::blk::Request) {
        if let Some(t) = self.tracer_for(Category::Dev) {
            t.disk_request(slot, request);
        }
    }

    /// A frame moved by the network device in `slot`.
    pub(super) fn observe_net_event(&mut self, slot: usize, event: &crate::devices::virtio::net::NetEvent) {
        let now = self.steps();
        if let Some(t) = self.tracer_for(Category::Net) {
            t.net_event(slot, now, event);
        }
    }

    /// A CSR write (`old` to `new`).
    pub(super) fn observe_csr_write(&mut self, csr: u16, old: u64, new: u64) {
        let asid = self.asid();
        if let Some(t) = self.observers.tracer.as_deref_mut() {
            if t.wants(Category::Insn, asid) {
                t.note_csr_write(csr, new);
            }
            if t.wants(Category::Csr, asid) {
                let name = super::csr_name(csr).unwrap_or("unknown");
                t.line(&format!("csr   write {name} 0x{new:x} (was 0x{old:x})"));
            }
        }
    }

    /// A trap taken from `from` at `epc` into `to` at `vector`.
    pub(super) fn observe_trap(&mut self, trap: Trap, epc: u64, from: Privilege, to: Privilege) {
        let (satp, asid, vector) = (self.csr.satp, self.asid(), self.pc);
        let Some(t) = self.observers.tracer.as_deref_mut() else { return };
        t.discard_pending();
        if !t.wants(Category::Trap, asid) {
            return;
        }
        let code = trap.cause() & !(1 << 63);
        let (what, tval) = match trap {
            Trap::Exception(e) => (format!("exception {} (cause {code})", e.name()), Some(e.tval())),
            Trap::Interrupt(i) => (format!("interrupt {} (cause {code})", i.name()), None),
        };
        let tval = tval.map_or(String::new(), |v| format!(" tval 0x{v:x}"));
        let at = t.symbols.name(epc, from, satp, &self.bus.ram).map_or(String::new(), |s| format!(" <{s}>"));
        let into = t.symbols.name(vector, to, satp, &self.bus.ram).map_or(String::new(), |s| format!(" <{s}>"));
        t.line(&format!(
            "trap  {what}{tval} at pc 0x{epc:x}{at}: {}-mode -> {}-mode, vector 0x{vector:x}{into}",
            from.letter(),
            to.letter()
        ));
    }

    /// A return from a trap (`mret`, `sret`) from `from` to `to` at `target`.
    pub(super) fn observe_trap_return(&mut self, name: &str, from: Privilege, to: Privilege, target: u64) {
        let (satp, asid) = (self.csr.satp, self.asid());
        let Some(t) = self.observers.tracer.as_deref_mut().filter(|t| t.wants(Category::Trap, asid)) else { return };
        let at = t.symbols.name(target, to, satp, &self.bus.ram).map_or(String::new(), |s| format!(" <{s}>"));
        t.line(&format!("trap  {name}: {}-mode -> {}-mode at 0x{target:x}{at}", from.letter(), to.letter()));
    }

    /// A TLB lookup that hit `slot`.
    pub(super) fn observe_tlb_hit(&mut self, access: Access, va: u64, slot: usize, entry: &TlbEntry) {
        if let Some(t) = self.tracer_for(Category::Mmu) {
            t.line(&format!(
                "mmu   tlb hit  {:<5} va 0x{va:x} slot {slot} asid {}{} -> pa 0x{:x}",
                access.name(),
                entry.asid,
                if entry.global { " global" } else { "" },
                entry.translate(va)
            ));
        }
    }

    /// A TLB lookup that missed (or found an entry that cannot serve).
    pub(super) fn observe_tlb_miss(&mut self, access: Access, va: u64, stale: bool) {
        let asid = self.asid();
        if let Some(t) = self.tracer_for(Category::Mmu) {
            let why = if stale { " (entry cannot serve it: walk again)" } else { "" };
            t.line(&format!("mmu   tlb miss {:<5} va 0x{va:x} asid {asid}{why}", access.name()));
        }
    }

    /// A page walk's steps and outcome.
    pub(super) fn observe_walk(&mut self, va: u64, steps: &[WalkStep], outcome: Result<u64, Fault>) {
        if let Some(t) = self.tracer_for(Category::Mmu) {
            for s in steps {
                t.line(&format!(
                    "mmu   walk L{} pte @ 0x{:x} = 0x{:016x} {}",
                    s.level,
                    s.pte_addr,
                    s.pte,
                    crate::mmu::inspect::describe_pte(s.pte, s.level)
                ));
            }
            match outcome {
                Ok(pa) => t.line(&format!("mmu   walk va 0x{va:x} -> pa 0x{pa:x}")),
                Err(Fault::Page(reason)) => t.line(&format!("mmu   page fault va 0x{va:x}: {reason}")),
                Err(Fault::Access) => t.line(&format!("mmu   access fault va 0x{va:x}: a PTE lies outside RAM")),
            }
        }
    }

    /// A TLB fill of `slot`, replacing `evicted` (its page address).
    pub(super) fn observe_tlb_fill(&mut self, slot: usize, entry: &TlbEntry, evicted: Option<(u64, u8)>) {
        if let Some(t) = self.tracer_for(Category::Mmu) {
            let size = ["4K", "2M", "1G"][entry.level as usize];
            let evicted = evicted.map_or(String::new(), |(va, _)| format!(", evicting va 0x{va:x}"));
            t.line(&format!(
                "mmu   tlb fill slot {slot} va 0x{:x} ({size}) asid {}{} -> ppn 0x{:x} {}{evicted}",
                entry.vpn << crate::mmu::tlb::page_shift(entry.level),
                entry.asid,
                if entry.global { " global" } else { "" },
                entry.ppn,
                crate::mmu::sv39::flag_string(entry.flags as u64),
            ));
        }
    }

    /// An `sfence.vma` that removed `removed` entries.
    pub(super) fn observe_flush(&mut self, form: crate::mmu::FlushForm, removed: u64) {
        if let Some(t) = self.tracer_for(Category::Mmu) {
            let what = match form {
                crate::mmu::FlushForm::All => "all".to_string(),
                crate::mmu::FlushForm::Asid(a) => format!("asid {a}"),
                crate::mmu::FlushForm::Address(va) => format!("va 0x{va:x}"),
                crate::mmu::FlushForm::AddressAsid(va, a) => format!("va 0x{va:x} asid {a}"),
            };
            t.line(&format!("mmu   sfence.vma {what}: {removed} entries removed"));
        }
    }
}
