//! `rvsim debug`: the machine `rvsim run` would boot, stopped before its
//! first instruction, under the debugger. Commands come from the terminal
//! (with line editing and history) or, when standard input is not a
//! terminal, one per line from it, echoed after the prompt. The guest gets
//! no console input: standard input is the debugger's.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::boot::{Input, plan_boot};
use super::output::{CheckedWriter, OutputFailures};
use super::run::{build_machine, console_output, symbolizer};
use super::{Failure, RunArgs, exit_code};
use crate::debugger::{Debugger, Flow};
use crate::devices::ConsoleInput;

const PROMPT: &str = "(rvsim) ";

/// The failure to write standard output, which the debugger and the
/// guest's console share.
const STDOUT_FAILED: &str = "cannot write to standard output";

pub(super) fn debug(args: RunArgs) -> Result<ExitCode, Failure> {
    let boot = plan_boot(&args.boot, Input::Stdin)?;
    let failures = OutputFailures::default();
    let console = console_output(STDOUT_FAILED, &failures);
    let machine = build_machine(&args, &boot, ConsoleInput::None, console, &failures)?;
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    // Ctrl-C while the machine runs stops it; at the prompt the line
    // editor takes it.
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .map_err(|e| (exit_code::USAGE, format!("cannot catch Ctrl-C: {e}")))?;
    let mut debugger = Debugger::new(machine, symbolizer(&boot), args.max_insns, interrupt);
    let mut out = CheckedWriter::new(std::io::stdout(), STDOUT_FAILED, &failures);
    let _ = writeln!(
        out,
        "rvsim debugger: {} stopped before its first instruction ('help' lists the commands)\n{}",
        boot.kernel.name,
        debugger.location()
    );
    if rustix::termios::isatty(rustix::stdio::stdin()) {
        interactive(&mut debugger, &mut out)?;
    } else {
        scripted(&mut debugger, &mut out);
    }
    debugger.machine().flush_console();
    let _ = out.flush();
    Ok(if failures.report() { ExitCode::from(exit_code::OUTPUT) } else { ExitCode::SUCCESS })
}

/// Commands from a terminal, with rustyline's editing and history.
fn interactive(debugger: &mut Debugger, out: &mut dyn Write) -> Result<(), Failure> {
    use rustyline::error::ReadlineError;
    let mut editor =
        rustyline::DefaultEditor::new().map_err(|e| (exit_code::USAGE, format!("cannot read the terminal: {e}")))?;
    let mut last = String::new();
    loop {
        let line = match editor.readline(PROMPT) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => return Ok(()),
        };
        // An empty line repeats the last command, as in gdb.
        let line = if line.trim().is_empty() { last.clone() } else { line };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
        }
        let flow = debugger.execute(&line, out);
        let _ = out.flush();
        debugger.machine().flush_console();
        last = line;
        if flow == Flow::Quit {
            return Ok(());
        }
    }
}

/// Commands from a script on standard input, each echoed after the prompt.
fn scripted(debugger: &mut Debugger, out: &mut dyn Write) {
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        let _ = writeln!(out, "{PROMPT}{line}");
        let flow = debugger.execute(&line, out);
        debugger.machine().flush_console();
        let _ = out.flush();
        if flow == Flow::Quit {
            return;
        }
    }
}
