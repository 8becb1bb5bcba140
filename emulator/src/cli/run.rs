//! `rvsim run`: builds the machine, runs it, reports how it ended.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use super::boot::{Boot, Input, plan_boot};
use super::disks;
use super::output::{CheckedWriter, OutputFailures, say};
use super::{Failure, MachineArgs, RunArgs, TraceArgs, exit_code, load_failure};
use crate::bootargs::node_options;
use crate::devices::ConsoleInput;
use crate::gdb::SessionEnd;
use crate::machine::{Machine, MachineConfig, Nic, StopReason};
use crate::net::node_mac;
use crate::net::socket::{Membership, SocketBackend};
use crate::stats::RunStats;
use crate::terminal::RawTerminal;
use crate::trace::{SharedOutput, Symbolizer, TraceConfig, Tracer, UserProgram};

/// The machine `args` describe, booted from `boot` with console input
/// from `input` and output to `console`, its tracer attached (whose
/// write failures go to `failures`).
pub(super) fn build_machine(
    args: &RunArgs,
    boot: &Boot,
    input: ConsoleInput,
    console: Box<dyn Write + Send>,
    failures: &OutputFailures,
    nic: Option<Nic>,
) -> Result<Machine, Failure> {
    let config = MachineConfig {
        memory_size: args.boot.memory,
        console_output: console,
        console_input: input,
        bootargs: boot.bootargs.clone(),
        mmu: args.machine.mmu(),
        disks: disks::open(&args.boot.disk_specs())?,
        nic,
        plic: args.machine.plic,
        harts: args.boot.smp,
        engine: args.machine.engine,
        jit: args.machine.jit,
    };
    let mut machine = Machine::new(config).map_err(|e| (exit_code::USAGE, e))?;
    machine.load_kernel(&boot.kernel, boot.initrd.as_deref()).map_err(load_failure)?;
    if let Some(firmware) = &boot.firmware {
        machine.load_firmware(firmware, &boot.kernel).map_err(load_failure)?;
    }
    attach_tracers(&mut machine, &args.trace, boot, failures)?;
    Ok(machine)
}

/// The network device `--net` asks for: a socket joined to the peers,
/// and the membership that says when every peer is done.
fn network(args: &RunArgs) -> Result<Option<(Nic, Membership)>, Failure> {
    let Some(spec) = &args.net else { return Ok(None) };
    let mut backend = SocketBackend::open(spec).map_err(|e| (exit_code::USAGE, e))?;
    backend.join(spec.wait).map_err(|e| (exit_code::USAGE, e))?;
    let membership = backend.membership();
    Ok(Some((Nic { mac: node_mac(spec.node()), backend: Box::new(backend) }, membership)))
}

/// Steps a node runs between looks at whether its peers are done.
const SERVE_SLICE: u64 = 1 << 20;
/// A peer silent this long, and not done, is given up on.
const PEER_SILENCE: Duration = Duration::from_secs(30);

/// After the guest of a `--net` node exited: the machine runs on, its
/// kernel serving the pages it owns, until every peer is done too (or
/// silent for long); then the run ends as the guest said.
fn serve_until_peers_finish(
    machine: &mut Machine,
    membership: &Membership,
    stop: StopReason,
    max: Option<u64>,
) -> StopReason {
    if !matches!(stop, StopReason::Exit(_)) {
        return stop;
    }
    membership.finish();
    while !membership.all_done() {
        let silent = membership.silent(PEER_SILENCE);
        if !silent.is_empty() {
            say(&format!(
                "rvsim: warning: --net: {} said nothing for {} s; ending anyway",
                silent.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                PEER_SILENCE.as_secs()
            ));
            break;
        }
        let slice = machine.cpu().steps().saturating_add(SERVE_SLICE);
        match machine.run(Some(max.map_or(slice, |m| m.min(slice)))) {
            StopReason::InstructionLimit(n) if max != Some(n) => {}
            StopReason::Exit(_) => {}
            other => return other,
        }
        membership.finish();
    }
    stop
}

/// `boot` with the kernel told its place in the `--net` cluster.
fn with_node_options(mut boot: Boot, args: &RunArgs) -> Boot {
    if let (Some(spec), Some(_)) = (&args.net, &boot.first) {
        let nodes = spec.members().len() as u16;
        boot.bootargs = crate::bootargs::with_options(&boot.bootargs, &node_options(spec.node(), nodes));
    }
    boot
}

/// Standard output for the guest's console, its failures recorded.
pub(super) fn console_output(what: &str, failures: &OutputFailures) -> Box<dyn Write + Send> {
    Box::new(CheckedWriter::new(std::io::stdout(), what, failures))
}

/// The console's input when standard input is not a terminal: a file or
/// `/dev/null` is read whole now ([`ConsoleInput::Ended`]), so that a run
/// reads it, and counts, the same every time (read as it arrives, when the
/// reader thread saw its end decided whether the guest's idle waits slept
/// in real time); a pipe is read as it arrives.
fn stdin_input() -> ConsoleInput {
    use std::io::Read;
    use std::os::fd::AsFd;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else { return ConsoleInput::Stdin };
    let mut file = std::fs::File::from(fd);
    let Ok(meta) = file.metadata() else { return ConsoleInput::Stdin };
    let null = meta.file_type().is_char_device()
        && std::fs::metadata("/dev/null").is_ok_and(|null| null.rdev() == meta.rdev());
    if !meta.is_file() && !null {
        return ConsoleInput::Stdin;
    }
    let mut bytes = Vec::new();
    match file.read_to_end(&mut bytes) {
        Ok(_) => ConsoleInput::Ended(bytes),
        Err(_) => ConsoleInput::Stdin,
    }
}

pub(super) fn run(args: RunArgs) -> Result<ExitCode, Failure> {
    let boot = with_node_options(plan_boot(&args.boot, Input::Stdin)?, &args);
    let failures = OutputFailures::default();
    let raw_terminal = if boot.interactive { RawTerminal::enable() } else { None };
    let input = if raw_terminal.is_some() { ConsoleInput::StdinWithEscape } else { stdin_input() };
    let console = console_output("cannot write the console output (standard output)", &failures);
    let (nic, membership) = network(&args)?.unzip();
    let machine = build_machine(&args, &boot, input, console, &failures, nic)?;
    let stats_json = stats_json_file(&args.machine)?;
    log::info!(
        "booting {} at {:#x}, device tree at {:#x}, bootargs {:?}",
        boot.kernel.name,
        boot.kernel.entry,
        machine.dtb_addr,
        boot.bootargs
    );
    let started = std::time::Instant::now();
    let (mut machine, ending) = match &args.gdb {
        None => {
            let mut machine = machine;
            let mut stop = machine.run(args.max_insns);
            if let Some(membership) = &membership {
                stop = serve_until_peers_finish(&mut machine, membership, stop, args.max_insns);
            }
            (machine, Ending::Stopped(stop))
        }
        Some(addr) => run_with_gdb(machine, addr, args.gdb_wait, args.max_insns)?,
    };
    flush_outputs(&mut machine);
    drop(raw_terminal);
    log_speed(&machine, started.elapsed().as_secs_f64());
    write_stats(&args, &machine, stats_json, &failures);
    let code = report(&machine, &ending);
    Ok(if failures.report() { ExitCode::from(exit_code::OUTPUT) } else { code })
}

/// The `--stats-json` file, created before the run so that a path that
/// cannot be written is refused before the guest runs.
pub(super) fn stats_json_file(args: &MachineArgs) -> Result<Option<(&Path, File)>, Failure> {
    let Some(path) = &args.stats_json else { return Ok(None) };
    let file = File::create(path).map_err(|e| (exit_code::USAGE, format!("{path:?}: cannot write statistics: {e}")))?;
    Ok(Some((path, file)))
}

/// Writes out what the console and the tracer still hold.
fn flush_outputs(machine: &mut Machine) {
    machine.flush_console();
    for hart in 0..machine.hart_count() {
        if let Some(tracer) = machine.hart_mut(hart).observers().tracer.as_deref_mut() {
            tracer.flush();
        }
    }
}

fn log_speed(machine: &Machine, seconds: f64) {
    log::info!(
        "{} instructions retired, {} traps, {:.3} s, {:.1} MIPS",
        machine.hart(0).retired(),
        machine.hart(0).traps_taken(),
        seconds,
        machine.hart(0).steps() as f64 / seconds / 1e6
    );
}

/// `--stats` (on standard error) and `--stats-json`, failures recorded.
fn write_stats(args: &RunArgs, machine: &Machine, json: Option<(&Path, File)>, failures: &OutputFailures) {
    let stats = RunStats::collect(machine);
    if args.machine.stats {
        let written = std::io::stderr().lock().write_all(stats.table().as_bytes());
        failures.check("cannot write the statistics (standard error)", written);
    }
    if let Some((path, mut file)) = json {
        let written = file.write_all((stats.to_json() + "\n").as_bytes());
        failures.check(&format!("{path:?}: cannot write statistics"), written);
    }
}

/// How a run ended.
enum Ending {
    /// The machine stopped.
    Stopped(StopReason),
    /// gdb killed the guest.
    KilledByGdb,
}

/// Says how the run ended (unless the guest ended it normally) and picks
/// the exit status.
fn report(machine: &Machine, ending: &Ending) -> ExitCode {
    let stop = match ending {
        Ending::Stopped(stop) => stop,
        Ending::KilledByGdb => {
            say("rvsim: gdb killed the guest");
            return ExitCode::SUCCESS;
        }
    };
    let cpu = machine.hart(0);
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
            say("rvsim: the guest asked for a reset; rvsim stops instead of rebooting");
            ExitCode::SUCCESS
        }
        StopReason::InstructionLimit(n) => {
            say(&format!("rvsim: stopped after {n} instructions (--max-insns) at {}", place()));
            ExitCode::from(exit_code::INSTRUCTION_LIMIT)
        }
        StopReason::Stuck(why) => {
            say(&format!("rvsim: the hart is stuck: {why}"));
            ExitCode::from(exit_code::STUCK)
        }
        StopReason::Quit => {
            say("\nrvsim: quit (Ctrl-A x)");
            ExitCode::SUCCESS
        }
        StopReason::Debug(stop) => {
            // Only a debugger sets breakpoints; `rvsim run` never does.
            say(&format!("rvsim: stopped at a breakpoint or watchpoint ({stop:?}) at {}", place()));
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

/// Attaches the tracer the options ask for, if any, to every hart: with
/// several, each names its hart and they share the output.
fn attach_tracers(
    machine: &mut Machine,
    args: &TraceArgs,
    boot: &Boot,
    failures: &OutputFailures,
) -> Result<(), Failure> {
    let Some(config) = trace_config(args, boot)? else { return Ok(()) };
    let out = trace_output(args, failures)?;
    if machine.hart_count() == 1 {
        machine.cpu().set_tracer(Some(Tracer::new(config, out, symbolizer(boot))));
        return Ok(());
    }
    let shared = SharedOutput::new(out);
    for hart in 0..machine.hart_count() {
        let tracer = Tracer::new(config.clone(), Box::new(shared.clone()), symbolizer(boot)).for_hart(hart);
        machine.hart_mut(hart).set_tracer(Some(tracer));
    }
    Ok(())
}

/// What the trace options ask for, if anything: refuses the options that
/// shape a trace without `--trace`, and a `--trace-from` that names no
/// address.
pub(super) fn trace_config(args: &TraceArgs, boot: &Boot) -> Result<Option<TraceConfig>, Failure> {
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
    let from = match &args.trace_from {
        Some(text) => Some(parse_address(text, &symbolizer(boot)).ok_or_else(|| {
            (exit_code::USAGE, format!("--trace-from {text:?}: not an address, and no symbol of that name"))
        })?),
        None => None,
    };
    Ok(Some(TraceConfig { categories, limit: args.trace_limit, from, asid: args.trace_asid }))
}

/// Where the trace goes: `--trace-file`, created now, or standard error.
pub(super) fn trace_output(args: &TraceArgs, failures: &OutputFailures) -> Result<Box<dyn Write + Send>, Failure> {
    let Some(path) = &args.trace_file else {
        let stderr = CheckedWriter::new(std::io::stderr(), "cannot write the trace (standard error)", failures);
        return Ok(Box::new(BufWriter::new(stderr)));
    };
    let file = File::create(path).map_err(|e| (exit_code::USAGE, format!("{path:?}: cannot write the trace: {e}")))?;
    Ok(Box::new(BufWriter::new(CheckedWriter::new(file, format!("{path:?}: cannot write the trace"), failures))))
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
) -> Result<(Machine, Ending), Failure> {
    let failure = |e: std::io::Error| (exit_code::USAGE, format!("--gdb {addr:?}: {e}"));
    let listener = TcpListener::bind(addr).map_err(failure)?;
    let local = listener.local_addr().map_err(failure)?;
    let stream = if wait {
        say(&format!("rvsim: waiting for gdb on {local} (in gdb: target remote {local})"));
        listener.accept().map_err(failure)?.0
    } else {
        say(&format!("rvsim: gdb can attach on {local} (in gdb: target remote {local})"));
        match run_until_gdb_attaches(&mut machine, &listener, max_steps).map_err(failure)? {
            Ok(stream) => stream,
            Err(stop) => return Ok((machine, Ending::Stopped(stop))),
        }
    };
    stream.set_nonblocking(false).map_err(failure)?;
    let (mut machine, end) = crate::gdb::serve(machine, stream, max_steps);
    let ending = match end.map_err(|e| (exit_code::USAGE, e))? {
        SessionEnd::GuestEnded(stop) => Ending::Stopped(stop),
        SessionEnd::Killed => Ending::KilledByGdb,
        SessionEnd::Detached => {
            log::info!("gdb detached; the guest runs on");
            Ending::Stopped(machine.run(max_steps))
        }
    };
    Ok((machine, ending))
}

/// Runs `machine`, looking for a gdb connection on `listener` every
/// [`GDB_POLL`] instructions: the connection, or how the run ended
/// before one came.
fn run_until_gdb_attaches(
    machine: &mut Machine,
    listener: &TcpListener,
    max_steps: Option<u64>,
) -> std::io::Result<Result<TcpStream, StopReason>> {
    listener.set_nonblocking(true)?;
    loop {
        let slice_end = machine.cpu().steps().saturating_add(GDB_POLL);
        let limit = max_steps.map_or(slice_end, |max| max.min(slice_end));
        match machine.run(Some(limit)) {
            StopReason::InstructionLimit(n) if n == slice_end && max_steps != Some(n) => {
                if let Ok((stream, _)) = listener.accept() {
                    return Ok(Ok(stream));
                }
            }
            stop => return Ok(Err(stop)),
        }
    }
}
