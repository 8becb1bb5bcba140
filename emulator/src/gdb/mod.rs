//! gdb's remote serial protocol (through the gdbstub crate): one thread
//! per hart (thread N+1 is hart N), its registers, memory through its
//! current translation, software breakpoints on every hart, single step,
//! continue (every hart runs, as the machine's harts run together, unless
//! gdb locks the scheduler to one thread) and Ctrl-C, for a [`Machine`]. The stub serves one
//! connection; when gdb detaches, its breakpoints go and the caller runs
//! the machine on to the end. Under gdbstub, the link (`link.rs`) frames the packets,
//! so that no packet, however bad, ends the session.

mod arch;
mod link;

use std::net::TcpStream;

use gdbstub::common::{Signal, Tid};
use gdbstub::conn::{Connection, ConnectionExt};
use gdbstub::stub::{DisconnectReason, GdbStub, MultiThreadStopReason, run_blocking};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::single_register_access::{SingleRegisterAccess, SingleRegisterAccessOps};
use gdbstub::target::ext::breakpoints::{Breakpoints, BreakpointsOps, SwBreakpoint, SwBreakpointOps};
use gdbstub::target::{Target, TargetError, TargetResult};
use gdbstub_arch::riscv::reg::RiscvCoreRegs;
use gdbstub_arch::riscv::reg::id::RiscvRegId;

pub use arch::Rv64;
use link::{Link, PACKET_SIZE};

use crate::cpu::DebugStop;
use crate::machine::{Machine, StopReason};
use crate::tools::Space;

/// Instructions run between looks at the connection (for Ctrl-C).
const SLICE: u64 = 1 << 16;

/// What gdb last asked the hart to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Continue,
    Step,
}

/// The machine, for gdbstub (it holds the machine for the session).
pub struct GdbTarget {
    machine: Machine,
    action: Action,
    /// The only hart that runs (gdb's scheduler locking), if one is.
    alone: Option<usize>,
    max_steps: Option<u64>,
    /// How the guest ended while gdb was attached, if it did.
    ended: Option<StopReason>,
}

/// How a gdb session ended.
#[derive(Debug)]
pub enum SessionEnd {
    /// gdb detached: the machine goes on.
    Detached,
    /// The guest ended (gdb was told).
    GuestEnded(StopReason),
    /// gdb asked to kill the guest.
    Killed,
}

/// Serves gdb on `stream` until it detaches or the guest ends; gives the
/// machine back with how the session ended.
pub fn serve(machine: Machine, stream: TcpStream, max_steps: Option<u64>) -> (Machine, Result<SessionEnd, String>) {
    let mut target = GdbTarget { machine, action: Action::Continue, alone: None, max_steps, ended: None };
    let result = serve_link(&mut target, &Link::new(stream));
    // gdb's breakpoints go with it.
    for cpu in target.machine.harts_mut() {
        cpu.observers().breakpoints.clear();
        cpu.observers_changed();
    }
    let end = match result {
        Ok(DisconnectReason::Kill) => Ok(SessionEnd::Killed),
        Ok(_) => Ok(target.ended.map_or(SessionEnd::Detached, SessionEnd::GuestEnded)),
        Err(e) => Err(format!("gdb connection: {e}")),
    };
    (target.machine, end)
}

/// Runs gdbstub over `link` until gdb leaves. When gdbstub fails on a
/// packet (one it cannot parse), that packet gets an error reply and
/// gdbstub starts afresh: its state is the negotiated features, which a
/// target without no-ack mode can do without (gdb selects its thread
/// again when it needs one).
fn serve_link(target: &mut GdbTarget, link: &Link) -> Result<DisconnectReason, String> {
    loop {
        let stub = GdbStub::builder(link.clone()).packet_buffer_size(PACKET_SIZE).build().map_err(|e| e.to_string())?;
        match stub.run_blocking::<EventLoop>(target) {
            Ok(reason) => return Ok(reason),
            Err(e) if e.is_connection_error() || e.is_target_error() => return Err(e.to_string()),
            Err(e) => {
                if !link.refuse_pending().map_err(|io| io.to_string())? {
                    return Err(e.to_string());
                }
                log::debug!("gdb: a packet refused with an error reply: {e}");
            }
        }
    }
}

impl GdbTarget {
    /// Runs the hart as gdb asked, until it stops, gdb sends a byte, or a
    /// slice of instructions passes.
    fn run(&mut self, link: &Link) -> Result<Option<MultiThreadStopReason<u64>>, std::io::Error> {
        for cpu in self.machine.harts_mut() {
            cpu.observers().resume_at = Some(cpu.pc);
        }
        loop {
            let now = self.machine.cpu().steps();
            let end = if self.action == Action::Step { now + 1 } else { now.saturating_add(SLICE) };
            let limit = self.max_steps.map_or(end, |max| max.min(end));
            let stop = match self.alone.filter(|_| self.machine.hart_count() > 1) {
                Some(hart) => {
                    let end = self.machine.hart(hart).steps() + (limit - now);
                    self.machine.run_hart_alone(hart, end).unwrap_or(StopReason::InstructionLimit(limit))
                }
                None => self.machine.run(Some(limit)),
            };
            let reason = match stop {
                StopReason::InstructionLimit(n) if self.max_steps == Some(n) => {
                    self.ended = Some(stop);
                    MultiThreadStopReason::Terminated(Signal::SIGXCPU)
                }
                StopReason::InstructionLimit(_) if self.action == Action::Step => MultiThreadStopReason::DoneStep,
                StopReason::InstructionLimit(_) => {
                    if link.interrupted()? {
                        return Ok(None);
                    }
                    continue;
                }
                // The hart that stopped is the one the machine now looks at.
                StopReason::Debug(DebugStop::Breakpoint(_)) => {
                    MultiThreadStopReason::SwBreak(tid(self.machine.focus()))
                }
                StopReason::Debug(DebugStop::Watchpoint { .. }) => {
                    MultiThreadStopReason::SignalWithThread { tid: tid(self.machine.focus()), signal: Signal::SIGTRAP }
                }
                StopReason::Exit(code) => {
                    self.ended = Some(stop);
                    MultiThreadStopReason::Exited(code as u8)
                }
                other => {
                    self.ended = Some(other);
                    MultiThreadStopReason::Terminated(Signal::SIGABRT)
                }
            };
            return Ok(Some(reason));
        }
    }
}

/// gdbstub's blocking event loop over the machine.
enum EventLoop {}

impl run_blocking::BlockingEventLoop for EventLoop {
    type Target = GdbTarget;
    type Connection = Link;
    type StopReason = MultiThreadStopReason<u64>;

    #[allow(clippy::type_complexity)]
    fn wait_for_stop_reason(
        target: &mut Self::Target,
        conn: &mut Self::Connection,
    ) -> Result<
        run_blocking::Event<Self::StopReason>,
        run_blocking::WaitForStopReasonError<<Self::Target as Target>::Error, <Self::Connection as Connection>::Error>,
    > {
        match target.run(conn).map_err(run_blocking::WaitForStopReasonError::Connection)? {
            Some(reason) => Ok(run_blocking::Event::TargetStopped(reason)),
            None => {
                let byte = conn.read().map_err(run_blocking::WaitForStopReasonError::Connection)?;
                Ok(run_blocking::Event::IncomingData(byte))
            }
        }
    }

    fn on_interrupt(_target: &mut Self::Target) -> Result<Option<Self::StopReason>, <Self::Target as Target>::Error> {
        Ok(Some(MultiThreadStopReason::Signal(Signal::SIGINT)))
    }
}

impl Target for GdbTarget {
    type Arch = Rv64;
    type Error = String;

    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    /// The link acknowledges packets itself (see `link.rs`).
    fn use_no_ack_mode(&self) -> bool {
        false
    }
}

/// gdb's thread for hart `hart` (thread ids start at 1).
fn tid(hart: usize) -> Tid {
    Tid::new(hart + 1).unwrap_or(Tid::MIN)
}

/// The hart of gdb's thread `tid`.
fn hart(tid: Tid) -> usize {
    tid.get() - 1
}

impl MultiThreadBase for GdbTarget {
    fn read_registers(&mut self, regs: &mut RiscvCoreRegs<u64>, tid: Tid) -> TargetResult<(), Self> {
        let cpu = self.machine.hart(hart(tid));
        for (r, slot) in regs.x.iter_mut().enumerate() {
            *slot = cpu.reg(r);
        }
        regs.pc = cpu.pc;
        Ok(())
    }

    fn write_registers(&mut self, regs: &RiscvCoreRegs<u64>, tid: Tid) -> TargetResult<(), Self> {
        let cpu = self.machine.hart_mut(hart(tid));
        for (r, &value) in regs.x.iter().enumerate() {
            cpu.set_reg(r, value);
        }
        cpu.pc = regs.pc;
        Ok(())
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], tid: Tid) -> TargetResult<usize, Self> {
        // Page by page: what can be read is, up to the first hole.
        let mut done = 0;
        while done < data.len() {
            let at = start.wrapping_add(done as u64);
            let piece = ((0x1000 - (at & 0xfff)) as usize).min(data.len() - done);
            match self.machine.hart_mut(hart(tid)).tool_read(at, piece as u64, Space::Virtual) {
                Ok(bytes) => data[done..done + piece].copy_from_slice(&bytes),
                Err(_) if done > 0 => break,
                Err(_) => return Err(TargetError::NonFatal),
            }
            done += piece;
        }
        Ok(done)
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], tid: Tid) -> TargetResult<(), Self> {
        self.machine.hart_mut(hart(tid)).tool_write(start, data, Space::Virtual).map_err(|_| TargetError::NonFatal)
    }

    fn list_active_threads(&mut self, thread_is_active: &mut dyn FnMut(Tid)) -> Result<(), Self::Error> {
        (0..self.machine.hart_count()).for_each(|h| thread_is_active(tid(h)));
        Ok(())
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for GdbTarget {
    fn read_register(&mut self, tid: Tid, id: RiscvRegId<u64>, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let cpu = self.machine.hart_mut(hart(tid));
        let value = match id {
            RiscvRegId::Gpr(r) => cpu.reg(r as usize),
            RiscvRegId::Pc => cpu.pc,
            RiscvRegId::Csr(number) => match cpu.csr_read(number) {
                Some(value) => value,
                None => return Ok(0),
            },
            RiscvRegId::Fpr(r) => cpu.freg(r as usize),
            RiscvRegId::Priv => {
                buf[0] = cpu.mode as u8;
                return Ok(1);
            }
            _ => return Ok(0),
        };
        let bytes = value.to_le_bytes();
        let n = buf.len().min(8);
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }

    fn write_register(&mut self, tid: Tid, id: RiscvRegId<u64>, val: &[u8]) -> TargetResult<(), Self> {
        let mut bytes = [0u8; 8];
        let n = val.len().min(8);
        bytes[..n].copy_from_slice(&val[..n]);
        let value = u64::from_le_bytes(bytes);
        let cpu = self.machine.hart_mut(hart(tid));
        match id {
            RiscvRegId::Gpr(r) => cpu.set_reg(r as usize, value),
            RiscvRegId::Pc => cpu.pc = value,
            RiscvRegId::Fpr(r) => cpu.set_freg(r as usize, value),
            RiscvRegId::Csr(number) => cpu.csr_write(number, value).ok_or(TargetError::NonFatal)?,
            _ => return Err(TargetError::NonFatal),
        }
        Ok(())
    }
}

/// The harts run together (a step of a thread steps the machine: every
/// hart executes one instruction), unless gdb locks the scheduler.
impl MultiThreadResume for GdbTarget {
    fn resume(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), Self::Error> {
        (self.action, self.alone) = (Action::Continue, None);
        Ok(())
    }

    fn set_resume_action_continue(&mut self, tid: Tid, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.machine.set_focus(hart(tid));
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

/// gdb's scheduler locking: only the thread resumed runs (the last one
/// named), the other harts held.
impl MultiThreadSchedulerLocking for GdbTarget {
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), Self::Error> {
        self.alone = Some(self.machine.focus());
        Ok(())
    }
}

impl MultiThreadSingleStep for GdbTarget {
    fn set_resume_action_step(&mut self, tid: Tid, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.action = Action::Step;
        self.machine.set_focus(hart(tid));
        Ok(())
    }
}

impl Breakpoints for GdbTarget {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for GdbTarget {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        for cpu in self.machine.harts_mut() {
            cpu.observers().breakpoints.insert(addr);
            cpu.observers_changed();
        }
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        let mut removed = false;
        for cpu in self.machine.harts_mut() {
            removed |= cpu.observers().breakpoints.remove(&addr);
            cpu.observers_changed();
        }
        Ok(removed)
    }
}
