//! `rvsim run`: builds the machine, runs it, reports how it ended.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use super::boot::{Boot, Input, plan_boot};
use super::{Failure, RunArgs, TraceArgs, exit_code, load_failure};
use crate::devices::ConsoleInput;
use crate::gdb::SessionEnd;
use crate::machine::{Machine, MachineConfig, StopReason};
use crate::mmu::MmuConfig;
use crate::stats::RunStats;
use crate::terminal::RawTerminal;
use crate::trace::{Symbolizer, TraceConfig, Tracer, UserProgram};

/// The machine `args` describe, booted from `boot` with console input
/// from `input`, its tracer attached.
pub(super) fn build_machine(args: &RunArgs, boot: &Boot, input: ConsoleInput) -> Result<Machine, Failure> {
    let config = MachineConfig {
        memory_size: args.boot.memory,
        console_output: Box::new(std::io::stdout()),
        console_input: input,
        bootargs: boot.bootargs.clone(),
        mmu: MmuConfig { tlb: args.tlb, ad: args.ad },
    };
    let mut machine = Machine::new(config).map_err(|e| (exit_code::USAGE, e))?;
    machine.load_kernel(&boot.kernel, boot.initrd.as_deref()).map_err(load_failure)?;
    if let Some(tracer) = tracer(&args.trace, boot)? {
        machine.cpu.set_tracer(Some(tracer));
    }
    Ok(machine)
}

pub(super) fn run(args: RunArgs) -> Result<ExitCode, Failure> {
    let boot = plan_boot(&args.boot, Input::Stdin)?;
    let raw_terminal = if boot.interactive { RawTerminal::enable() } else { None };
    let input = if raw_terminal.is_some() { ConsoleInput::StdinWithEscape } else { ConsoleInput::Stdin };
    let machine = build_machine(&args, &boot, input)?;
    log::info!(
        "booting {} at {:#x}, device tree at {:#x}, bootargs {:?}",
        boot.kernel.name,
        boot.kernel.entry,
        machine.dtb_addr,
        boot.bootargs
    );
    let started = std::time::Instant::now();
    let (mut machine, stop) = match &args.gdb {
        None => {
            let mut machine = machine;
            let stop = machine.run(args.max_insns);
            (machine, stop)
        }
        Some(addr) => run_with_gdb(machine, addr, args.gdb_wait, args.max_insns)?,
    };
    machine.flush_console();
    if let Some(t) = machine.cpu.observers().tracer.as_deref_mut() {
        t.flush();
    }
    drop(raw_terminal);
    let seconds = started.elapsed().as_secs_f64();
    log::info!(
        "{} instructions retired, {} traps, {:.3} s, {:.1} MIPS",
        machine.cpu.retired(),
        machine.cpu.traps_taken(),
        seconds,
        machine.cpu.steps() as f64 / seconds / 1e6
    );
    let stats = RunStats::collect(&machine);
    if args.stats {
        eprint!("{}", stats.table());
    }
    if let Some(path) = &args.stats_json
        && let Err(e) = std::fs::write(path, stats.to_json() + "\n")
    {
        eprintln!("rvsim: error: {path:?}: cannot write statistics: {e}");
    }
    Ok(report(&machine, &stop))
}

/// Says how the run ended (unless the guest ended it normally) and picks
/// the exit status.
fn report(machine: &Machine, stop: &StopReason) -> ExitCode {
    let cpu = &machine.cpu;
    let place = || match machine.symbols.lookup(cpu.pc) {
        Some((name, offset)) => format!("pc {:#x} <{name}+{offset:#x}>", cpu.pc),
        None => format!("pc {:#x}", cpu.pc),
    };
    match stop {
        StopReason::Exit(code) => {
            if *code > 255 {
                log::warn!("guest exit code {code} truncated to {}", code & 0xff);
            }
            ExitCode::from(*code as u8)
        }
        StopReason::ResetRequested => {
            eprintln!("rvsim: the guest asked for a reset; rvsim stops instead of rebooting");
            ExitCode::SUCCESS
        }
        StopReason::InstructionLimit(n) => {
            eprintln!("rvsim: stopped after {n} instructions (--max-insns) at {}", place());
            ExitCode::from(exit_code::INSTRUCTION_LIMIT)
        }
        StopReason::Stuck(why) => {
            eprintln!("rvsim: the hart is stuck: {why}");
            ExitCode::from(exit_code::STUCK)
        }
        StopReason::Quit => {
            eprintln!("\nrvsim: quit (Ctrl-A x)");
            ExitCode::SUCCESS
        }
        StopReason::Debug(stop) => {
            // Only a debugger sets breakpoints; `rvsim run` never does.
            eprintln!("rvsim: stopped at a breakpoint or watchpoint ({stop:?}) at {}", place());
            ExitCode::SUCCESS
        }
    }
}

/// The symbols of the kernel and of every program in the initrd.
pub(super) fn symbolizer(boot: &Boot) -> Symbolizer {
    let programs = boot.programs.iter().filter_map(|(name, bytes)| UserProgram::parse(name, bytes)).collect();
    Symbolizer::new(boot.kernel.symbols.clone(), programs, boot.first.as_deref())
}

/// An address given on the command line: a number (0x hex or decimal) or
/// a symbol.
pub(super) fn parse_address(text: &str, symbols: &Symbolizer) -> Option<u64> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(&hex.replace('_', ""), 16).ok();
    }
    if let Ok(n) = text.parse() {
        return Some(n);
    }
    symbols.address_of(text)
}

/// The tracer the options ask for, if any.
fn tracer(args: &TraceArgs, boot: &Boot) -> Result<Option<Tracer>, Failure> {
    let Some(categories) = args.trace else {
        if args.trace_file.is_some()
            || args.trace_from.is_some()
            || args.trace_limit.is_some()
            || args.trace_asid.is_some()
        {
            return Err((
                exit_code::USAGE,
                "--trace-file, --trace-from, --trace-limit and --trace-asid need --trace LIST".into(),
            ));
        }
        return Ok(None);
    };
    let symbols = symbolizer(boot);
    let from = match &args.trace_from {
        Some(text) => Some(parse_address(text, &symbols).ok_or_else(|| {
            (exit_code::USAGE, format!("--trace-from {text:?}: not an address, and no symbol of that name"))
        })?),
        None => None,
    };
    let out: Box<dyn Write + Send> = match &args.trace_file {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| (exit_code::USAGE, format!("{path:?}: cannot write the trace: {e}")))?,
        )),
        None => Box::new(BufWriter::new(std::io::stderr())),
    };
    let config = TraceConfig { categories, limit: args.trace_limit, from, asid: args.trace_asid };
    Ok(Some(Tracer::new(config, out, symbols)))
}

/// Instructions between looks for a gdb connection.
const GDB_POLL: u64 = 1 << 20;

/// Runs `machine` to its end, serving gdb on `addr`: from the start with
/// `wait`, else from whenever gdb connects. After gdb detaches the machine
/// runs on to the end.
fn run_with_gdb(
    mut machine: Machine,
    addr: &str,
    wait: bool,
    max_steps: Option<u64>,
) -> Result<(Machine, StopReason), Failure> {
    let listener = TcpListener::bind(addr).map_err(|e| (exit_code::USAGE, format!("--gdb {addr:?}: {e}")))?;
    let local = listener.local_addr().map_err(|e| (exit_code::USAGE, format!("--gdb {addr:?}: {e}")))?;
    let stream = if wait {
        eprintln!("rvsim: waiting for gdb on {local} (in gdb: target remote {local})");
        Some(listener.accept().map_err(|e| (exit_code::USAGE, format!("--gdb {addr:?}: {e}")))?.0)
    } else {
        eprintln!("rvsim: gdb can attach on {local} (in gdb: target remote {local})");
        listener.set_nonblocking(true).map_err(|e| (exit_code::USAGE, format!("--gdb {addr:?}: {e}")))?;
        loop {
            let now = machine.cpu.steps();
            let slice_end = now.saturating_add(GDB_POLL);
            let limit = max_steps.map_or(slice_end, |max| max.min(slice_end));
            match machine.run(Some(limit)) {
                StopReason::InstructionLimit(n) if n == slice_end && max_steps != Some(n) => {
                    if let Ok((stream, _)) = listener.accept() {
                        break Some(stream);
                    }
                }
                stop => return Ok((machine, stop)),
            }
        }
    };
    let Some(stream) = stream else { unreachable!("the loop breaks with a connection") };
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_nodelay(true);
    let (mut machine, end) = crate::gdb::serve(machine, stream, max_steps);
    let stop = match end.map_err(|e| (exit_code::USAGE, e))? {
        SessionEnd::GuestEnded(stop) => stop,
        SessionEnd::Killed => {
            eprintln!("rvsim: gdb killed the guest");
            StopReason::Quit
        }
        SessionEnd::Detached => {
            log::info!("gdb detached; the guest runs on");
            machine.run(max_steps)
        }
    };
    Ok((machine, stop))
}
