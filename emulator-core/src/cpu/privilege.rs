//! How control moves between privilege modes: trap entry (with
//! delegation), `mret`/`sret`, `wfi`, and which pending interrupt is taken.

use super::csr::{irq, status};
use super::{Cpu, Exception, Interrupt, Privilege, Trap};
use crate::isa::{Decoded, ExecResult};

impl Cpu {
    /// Takes a trap: chooses the handling mode by delegation, saves the
    /// interrupted state into the `x*` CSRs and jumps to the trap vector.
    /// `self.pc` must hold the address of the interrupted instruction (or,
    /// for an interrupt, of the next instruction to execute).
    pub fn take_trap(&mut self, trap: Trap) {
        let (cause, tval) = (trap.cause(), trap.tval());
        let code = cause & !(1 << 63);
        let delegated = self.mode != Privilege::Machine
            && match trap {
                Trap::Exception(_) => (self.csr.medeleg >> code) & 1 != 0,
                Trap::Interrupt(_) => (self.csr.mideleg >> code) & 1 != 0,
            };
        let from = self.mode;
        let s = &mut self.csr;
        let vector = if delegated {
            s.sepc = self.pc;
            s.scause = cause;
            s.stval = tval;
            let sie = s.mstatus & status::SIE != 0;
            s.mstatus &= !(status::SPIE | status::SPP | status::SIE);
            if sie {
                s.mstatus |= status::SPIE;
            }
            if from == Privilege::Supervisor {
                s.mstatus |= status::SPP;
            }
            s.stvec
        } else {
            s.mepc = self.pc;
            s.mcause = cause;
            s.mtval = tval;
            let mie = s.mstatus & status::MIE != 0;
            s.mstatus &= !(status::MPIE | status::MPP | status::MIE);
            if mie {
                s.mstatus |= status::MPIE;
            }
            s.mstatus |= (from as u64) << status::MPP_SHIFT;
            s.mtvec
        };
        let base = vector & !3;
        self.pc = match trap {
            Trap::Interrupt(_) if vector & 1 == 1 => base.wrapping_add(4 * code),
            _ => base,
        };
        // A reservation must not survive a trap: the handler may switch to
        // another context whose SC would otherwise succeed.
        self.reservation = None;
        self.trap_count += 1;
        let to = if delegated { Privilege::Supervisor } else { Privilege::Machine };
        let epc = if delegated { self.csr.sepc } else { self.csr.mepc };
        self.set_mode(to);
        self.request_check();
        if self.observed {
            self.observe_trap(trap, epc, from, to);
        }
    }

    /// Raises exception `e` for the instruction at `self.pc`, noticing a
    /// hart that traps again and again without retiring anything (a trap
    /// vector pointing at unmapped memory, say), which would otherwise spin
    /// forever.
    pub(crate) fn raise(&mut self, e: Exception) {
        if self.retired == self.retired_at_last_trap {
            self.traps_without_progress += 1;
            if self.traps_without_progress >= STUCK_TRAP_LIMIT {
                self.stuck = Some(format!(
                    "{} traps in a row without retiring an instruction; the last was {} at pc {:#x} in {}-mode",
                    STUCK_TRAP_LIMIT,
                    e,
                    self.pc,
                    self.mode.letter()
                ));
                self.request_check();
            }
        } else {
            self.traps_without_progress = 1;
            self.retired_at_last_trap = self.retired;
        }
        self.take_trap(Trap::Exception(e));
    }

    /// `mret`: return from an M-mode trap handler.
    pub(crate) fn mret(&mut self, d: &Decoded) -> ExecResult {
        if self.mode != Privilege::Machine {
            return Err(Exception::IllegalInstruction(d.raw as u64));
        }
        let s = &mut self.csr;
        let target = Privilege::from_bits(s.mstatus >> status::MPP_SHIFT);
        let mpie = s.mstatus & status::MPIE != 0;
        s.mstatus &= !(status::MIE | status::MPP);
        s.mstatus |= status::MPIE;
        if mpie {
            s.mstatus |= status::MIE;
        }
        if target != Privilege::Machine {
            s.mstatus &= !status::MPRV;
        }
        self.next_pc = s.mepc;
        self.switch_mode(target, true);
        self.request_check();
        if self.observed {
            self.observe_trap_return("mret", Privilege::Machine, target, self.next_pc);
        }
        Ok(())
    }

    /// `sret`: return from an S-mode trap handler. Illegal in U-mode, and in
    /// S-mode when `mstatus.TSR` is set.
    pub(crate) fn sret(&mut self, d: &Decoded) -> ExecResult {
        let trapped = match self.mode {
            Privilege::User => true,
            Privilege::Supervisor => self.csr.mstatus & status::TSR != 0,
            Privilege::Machine => false,
        };
        if trapped {
            return Err(Exception::IllegalInstruction(d.raw as u64));
        }
        let s = &mut self.csr;
        let target = if s.mstatus & status::SPP != 0 { Privilege::Supervisor } else { Privilege::User };
        let spie = s.mstatus & status::SPIE != 0;
        s.mstatus &= !(status::SIE | status::SPP);
        s.mstatus |= status::SPIE;
        if spie {
            s.mstatus |= status::SIE;
        }
        s.mstatus &= !status::MPRV;
        self.next_pc = s.sepc;
        let from = self.mode;
        self.switch_mode(target, true);
        self.request_check();
        if self.observed {
            self.observe_trap_return("sret", from, target, self.next_pc);
        }
        Ok(())
    }

    /// `wfi`: stall until an interrupt is pending. Illegal in U-mode, and in
    /// S-mode when `mstatus.TW` is set (as QEMU does).
    pub(crate) fn wfi(&mut self, d: &Decoded) -> ExecResult {
        let trapped = match self.mode {
            Privilege::User => true,
            Privilege::Supervisor => self.csr.mstatus & status::TW != 0,
            Privilege::Machine => false,
        };
        if trapped {
            return Err(Exception::IllegalInstruction(d.raw as u64));
        }
        self.waiting = true;
        self.request_check();
        Ok(())
    }

    /// The interrupt to take now, if any: pending, enabled in `mie`,
    /// globally enabled for the mode that would handle it, highest priority
    /// first. M-level interrupts beat delegated ones.
    pub fn pending_interrupt(&self) -> Option<Interrupt> {
        let pending = self.mip() & self.csr.mie;
        if pending == 0 {
            return None;
        }
        let mstatus = self.csr.mstatus;
        let m_enabled = self.mode != Privilege::Machine || mstatus & status::MIE != 0;
        let s_enabled =
            self.mode == Privilege::User || (self.mode == Privilege::Supervisor && mstatus & status::SIE != 0);
        let m_pending = if m_enabled { pending & !self.csr.mideleg } else { 0 };
        let s_pending = if s_enabled { pending & self.csr.mideleg } else { 0 };
        [m_pending, s_pending]
            .into_iter()
            .find(|&set| set != 0)
            .and_then(|set| Interrupt::BY_PRIORITY.into_iter().find(|i| set & i.mask() != 0))
    }

    /// True when some interrupt is pending and enabled in `mie`, whether or
    /// not it is globally enabled: the condition that ends a `wfi`.
    pub fn interrupt_waiting(&self) -> bool {
        self.mip() & self.csr.mie & irq::ALL != 0
    }
}

/// Consecutive traps without a retired instruction after which the hart is
/// declared stuck.
pub const STUCK_TRAP_LIMIT: u32 = 10_000;
