//! `rvsim debug`: drive the machine by hand. Commands (see
//! [`command::HELP`]) step, set breakpoints and watchpoints, and look at
//! registers, memory through the current translation, page tables and the
//! TLB. The debugger is a library type over a [`Machine`]; the command
//! line feeds it lines, from a terminal (with line editing) or a script.
//! Nothing typed can crash it: a bad command is a message.

pub mod command;
mod view;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use command::{AddressSpace, Command, HELP, Shape};

use crate::cpu::DebugStop;
use crate::machine::{Machine, StopReason};
use crate::stats::RunStats;
use crate::tools::Space;
use crate::trace::Symbolizer;

/// Instructions run between looks at Ctrl-C while continuing.
const SLICE: u64 = 1 << 20;

/// A breakpoint or a watchpoint, by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Point {
    Break(u64),
    Watch(u64, u64),
}

/// What the command loop should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read another command.
    Go,
    /// The command failed (its error is written); read another.
    Error,
    /// Leave.
    Quit,
}

/// The debugger.
pub struct Debugger {
    machine: Machine,
    symbols: Symbolizer,
    points: Vec<(u32, Point)>,
    next_point: u32,
    /// `--max-insns`: the run stops there.
    max_steps: Option<u64>,
    /// How the guest ended, once it has.
    ended: Option<StopReason>,
    interrupt: Arc<AtomicBool>,
}

impl Debugger {
    /// A debugger over `machine`, stopped before its first instruction;
    /// `interrupt` is set (by a Ctrl-C handler) to stop a `continue`.
    pub fn new(machine: Machine, symbols: Symbolizer, max_steps: Option<u64>, interrupt: Arc<AtomicBool>) -> Debugger {
        Debugger { machine, symbols, points: Vec::new(), next_point: 1, max_steps, ended: None, interrupt }
    }

    /// The machine.
    pub fn machine(&mut self) -> &mut Machine {
        &mut self.machine
    }

    /// How the guest ended, if it has.
    pub fn ended(&self) -> Option<&StopReason> {
        self.ended.as_ref()
    }

    /// Runs one command line, writing what it shows to `out`.
    pub fn execute(&mut self, line: &str, out: &mut dyn Write) -> Flow {
        let result = command::parse(line).and_then(|command| self.run_command(command, out));
        match result {
            Ok(flow) => flow,
            Err(message) => {
                let _ = writeln!(out, "error: {message}");
                Flow::Error
            }
        }
    }

    fn run_command(&mut self, command: Command, out: &mut dyn Write) -> Result<Flow, String> {
        let text = match command {
            Command::Nothing => return Ok(Flow::Go),
            Command::Quit => return Ok(Flow::Quit),
            Command::Help => HELP.to_string(),
            Command::Step(n) => self.step(n)?,
            Command::Next => self.next()?,
            Command::Continue => self.resume(None)?,
            Command::Break(at) => {
                let addr = self.address(&at)?;
                self.add_point(Point::Break(addr))
            }
            Command::Watch(at, len) => {
                let addr = self.address(&at)?;
                // As `x`: the range must end inside the address space.
                addr.checked_add(len).ok_or_else(|| {
                    format!(
                        "watch: the range wraps around ({addr:#x} + {len} bytes passes the end of the address space)"
                    )
                })?;
                self.add_point(Point::Watch(addr, len))
            }
            Command::Delete(which) => self.delete(which)?,
            Command::Points => self.list_points(),
            Command::Regs => view::registers(&mut self.machine, &mut self.symbols),
            Command::FloatRegs => view::float_registers(&self.machine),
            Command::Csrs => view::csrs(&self.machine),
            Command::Examine { count, shape, space, at } => self.examine(count, shape, space, &at)?,
            Command::Translate { at, access, privilege } => {
                let va = self.address(&at)?;
                self.machine.cpu().hart_probe(va, access, privilege).to_string()
            }
            Command::PageTable { all } => view::page_table(&self.machine, all),
            Command::Tlb => crate::mmu::inspect::tlb_dump(&self.machine.focused().mmu.tlb),
            Command::Hart(None) => view::harts(&mut self.machine, &mut self.symbols),
            Command::Hart(Some(n)) => {
                if !self.machine.set_focus(n) {
                    return Err(format!("hart {n}: the machine has harts 0 to {}", self.machine.hart_count() - 1));
                }
                self.location()
            }
            Command::Stats => RunStats::collect(&self.machine).table(),
            Command::Where => self.location(),
        };
        let _ = writeln!(out, "{}", text.trim_end());
        Ok(Flow::Go)
    }

    /// An address expression, with the machine's registers and symbols.
    fn address(&self, text: &str) -> Result<u64, String> {
        let cpu = self.machine.focused();
        command::address(text, |r| cpu.named_value(r), |s| self.symbols.address_of(s))
    }

    /// `  [M] 0x80000004 <_start+0x4>  addi sp,sp,448`: the next
    /// instruction.
    pub fn location(&mut self) -> String {
        view::location(&mut self.machine, &mut self.symbols)
    }

    fn ensure_running(&self) -> Result<(), String> {
        match &self.ended {
            Some(stop) => Err(format!("the guest has ended ({}); nothing more to run", view::describe_end(stop))),
            None => Ok(()),
        }
    }

    /// Runs until `stop_at` steps (or the end), resuming past a breakpoint
    /// at the current pc. Returns what stopped it, `None` at `stop_at`.
    fn run_to(&mut self, stop_at: Option<u64>) -> Option<StopReason> {
        let pc = self.machine.cpu().pc;
        self.machine.cpu().observers().resume_at = Some(pc);
        loop {
            let now = self.machine.cpu().steps();
            let slice_end = now.saturating_add(SLICE);
            let limit = [stop_at, self.max_steps, Some(slice_end)].into_iter().flatten().min();
            let stop = self.machine.run(limit);
            match stop {
                StopReason::InstructionLimit(n) if Some(n) == stop_at && self.max_steps != Some(n) => return None,
                StopReason::InstructionLimit(n) if n == slice_end && self.max_steps != Some(n) => {
                    if self.interrupt.swap(false, Ordering::Relaxed) {
                        return Some(StopReason::InstructionLimit(n));
                    }
                }
                other => return Some(other),
            }
        }
    }

    /// Says why a run stopped, and remembers the end of the guest.
    fn stopped(&mut self, stop: StopReason) -> String {
        let text = match &stop {
            StopReason::Debug(DebugStop::Breakpoint(pc)) => {
                let n = self.point_number(Point::Break(*pc));
                format!("breakpoint {n} reached")
            }
            StopReason::Debug(DebugStop::Watchpoint { va, pc }) => {
                let n = self.points.iter().find(|(_, p)| matches!(p, Point::Watch(a, l) if *va < a + l && *a <= *va));
                let n = n.map_or(0, |(n, _)| *n);
                let by = view::symbol(&mut self.machine, &mut self.symbols, *pc);
                format!("watchpoint {n}: a store to {va:#x} by the instruction at {pc:#x}{by}")
            }
            StopReason::InstructionLimit(n) if self.max_steps == Some(*n) => {
                self.ended = Some(stop.clone());
                format!("stopped after {n} instructions (--max-insns)")
            }
            StopReason::InstructionLimit(_) => "interrupted".to_string(),
            other => {
                self.ended = Some(other.clone());
                view::describe_end(other)
            }
        };
        if self.ended.is_some() { text } else { format!("{text}\n{}", self.location()) }
    }

    fn step(&mut self, n: u64) -> Result<String, String> {
        self.ensure_running()?;
        let target = self.machine.cpu().steps().saturating_add(n);
        match self.run_to(Some(target)) {
            None => Ok(self.location()),
            Some(stop) => Ok(self.stopped(stop)),
        }
    }

    /// Steps over a call: runs to the instruction after it.
    fn next(&mut self) -> Result<String, String> {
        self.ensure_running()?;
        let pc = self.machine.cpu().pc;
        let d =
            self.machine.cpu().decode_at(pc).map_err(|e| format!("cannot fetch the instruction at {pc:#x}: {e}"))?;
        let is_call = matches!(d.base.name, "jal" | "jalr") && d.rd_encoded() == 1;
        if !is_call {
            return self.step(1);
        }
        let after = pc.wrapping_add(d.len as u64);
        self.resume(Some(after))
    }

    /// Continues until a stop, or `until` (a temporary breakpoint).
    fn resume(&mut self, until: Option<u64>) -> Result<String, String> {
        self.ensure_running()?;
        let temporary = until.filter(|addr| !self.machine.cpu().observers().breakpoints.contains(addr));
        if let Some(addr) = temporary {
            for cpu in self.machine.harts_mut() {
                cpu.observers().breakpoints.insert(addr);
                cpu.observers_changed();
            }
        }
        let stop = self.run_to(None);
        if let Some(addr) = temporary {
            for cpu in self.machine.harts_mut() {
                cpu.observers().breakpoints.remove(&addr);
                cpu.observers_changed();
            }
        }
        Ok(match stop {
            Some(StopReason::Debug(DebugStop::Breakpoint(pc))) if Some(pc) == temporary => self.location(),
            Some(stop) => self.stopped(stop),
            None => self.location(),
        })
    }

    fn add_point(&mut self, point: Point) -> String {
        let n = self.next_point;
        self.next_point += 1;
        self.points.push((n, point));
        self.apply_points();
        self.describe_point(n, point)
    }

    fn describe_point(&mut self, n: u32, point: Point) -> String {
        match point {
            Point::Break(addr) => {
                let name = view::symbol(&mut self.machine, &mut self.symbols, addr);
                format!("breakpoint {n} at {addr:#x}{name}")
            }
            Point::Watch(addr, len) => format!("watchpoint {n}: stores to {addr:#x}..{:#x}", addr.wrapping_add(len)),
        }
    }

    fn point_number(&self, point: Point) -> u32 {
        self.points.iter().find(|(_, p)| *p == point).map_or(0, |(n, _)| *n)
    }

    /// Makes every hart's breakpoints and watchpoints the list's.
    fn apply_points(&mut self) {
        for cpu in self.machine.harts_mut() {
            let observers = cpu.observers();
            observers.breakpoints.clear();
            observers.watchpoints.clear();
            for (_, point) in &self.points {
                match *point {
                    Point::Break(addr) => {
                        observers.breakpoints.insert(addr);
                    }
                    Point::Watch(addr, len) => observers.watchpoints.push((addr, len)),
                }
            }
            cpu.observers_changed();
        }
    }

    fn delete(&mut self, which: Option<u32>) -> Result<String, String> {
        let text = match which {
            None => {
                let n = self.points.len();
                self.points.clear();
                format!("deleted {n} breakpoints and watchpoints")
            }
            Some(n) => {
                let at = self
                    .points
                    .iter()
                    .position(|(m, _)| *m == n)
                    .ok_or_else(|| format!("no breakpoint or watchpoint {n}"))?;
                self.points.remove(at);
                format!("deleted {n}")
            }
        };
        self.apply_points();
        Ok(text)
    }

    fn list_points(&mut self) -> String {
        if self.points.is_empty() {
            return "no breakpoints or watchpoints".into();
        }
        let points = self.points.clone();
        points.into_iter().map(|(n, p)| self.describe_point(n, p)).collect::<Vec<_>>().join("\n")
    }

    fn examine(&mut self, count: u64, shape: Shape, space: AddressSpace, at: &str) -> Result<String, String> {
        let addr = self.address(at)?;
        let space = match space {
            AddressSpace::Virtual => Space::Virtual,
            AddressSpace::Physical => Space::Physical,
        };
        match shape {
            Shape::Words => view::words(&mut self.machine, addr, count, space),
            Shape::Bytes => view::bytes(&mut self.machine, addr, count, space),
            Shape::Instructions => view::instructions(&mut self.machine, &mut self.symbols, addr, count, space),
        }
    }
}
