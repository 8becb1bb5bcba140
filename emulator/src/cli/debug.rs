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
use super::run::{build_machine, symbolizer};
use super::{Failure, RunArgs, exit_code};
use crate::debugger::{Debugger, Flow};
use crate::devices::ConsoleInput;

const PROMPT: &str = "(rvsim) ";

pub(super) fn debug(args: RunArgs) -> Result<ExitCode, Failure> {
    let boot = plan_boot(&args.boot, Input::Stdin)?;
    let machine = build_machine(&args, &boot, ConsoleInput::None)?;
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    // Ctrl-C while the machine runs stops it; at the prompt the line
    // editor takes it.
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .map_err(|e| (exit_code::USAGE, format!("cannot catch Ctrl-C: {e}")))?;
    let mut debugger = Debugger::new(machine, symbolizer(&boot), args.max_insns, interrupt);
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "rvsim debugger: {} stopped before its first instruction ('help' lists the commands)\n{}",
        boot.kernel.name,
        debugger.location()
    );
    if rustix::termios::isatty(rustix::stdio::stdin()) {
        interactive(&mut debugger)?;
    } else {
        scripted(&mut debugger);
    }
    debugger.machine().flush_console();
    Ok(ExitCode::SUCCESS)
}

/// Commands from a terminal, with rustyline's editing and history.
fn interactive(debugger: &mut Debugger) -> Result<(), Failure> {
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
        let mut out = std::io::stdout();
        let flow = debugger.execute(&line, &mut out);
        debugger.machine().flush_console();
        last = line;
        if flow == Flow::Quit {
            return Ok(());
        }
    }
}

/// Commands from a script on standard input, each echoed after the prompt.
fn scripted(debugger: &mut Debugger) {
    let mut out = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        let _ = writeln!(out, "{PROMPT}{line}");
        let flow = debugger.execute(&line, &mut out);
        debugger.machine().flush_console();
        let _ = out.flush();
        if flow == Flow::Quit {
            return;
        }
    }
}
