//! `rvsim debug`: the machine `rvsim run` would boot, stopped before its
//! first instruction, under the debugger. Commands come from the terminal
//! (with line editing and history) or, when standard input is not a
//! terminal, one per line from it, echoed after the prompt. The guest gets
//! no console input: standard input is the debugger's. A script's bad
//! lines are errors in the transcript, and make the exit status
//! [`exit_code::COMMANDS_FAILED`].

use std::io::{BufRead, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::boot::{Input, plan_boot};
use super::output::{CheckedWriter, OutputFailures, say};
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
    let machine = build_machine(&args, &boot, ConsoleInput::None, console, &failures, None)?;
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
    let status = if rustix::termios::isatty(rustix::stdio::stdin()) {
        interactive(&mut debugger, &mut out)?;
        ExitCode::SUCCESS
    } else {
        let failed = scripted(&mut debugger, &mut out);
        script_status(&failed)
    };
    debugger.machine().flush_console();
    let _ = out.flush();
    Ok(if failures.report() { ExitCode::from(exit_code::OUTPUT) } else { status })
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
            Err(ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err((exit_code::COMMANDS_FAILED, format!("cannot read the terminal: {e}"))),
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

/// Longest script line: no command comes near it, and input that is no
/// script (`/dev/zero`) must not fill memory.
const MAX_LINE: usize = 4096;

/// One line of a script, or why it is not one.
enum ScriptLine {
    Text(String),
    NotUtf8(String),
    TooLong,
}

/// Commands from a script on standard input, each echoed after the
/// prompt. A bad line (a command that fails, text that is not UTF-8) is
/// an error line, and the script goes on; a line too long to be a command
/// ends it. Returns the numbers of the bad lines.
fn scripted(debugger: &mut Debugger, out: &mut dyn Write) -> Vec<usize> {
    let mut input = std::io::stdin().lock();
    let mut failed = Vec::new();
    for number in 1.. {
        let flow = match read_script_line(&mut input) {
            Ok(None) => break,
            Ok(Some(ScriptLine::Text(line))) => echo_and_execute(debugger, out, &line),
            Ok(Some(ScriptLine::NotUtf8(shown))) => {
                let _ = writeln!(out, "{PROMPT}{shown}\nerror: line {number} is not valid UTF-8");
                Flow::Error
            }
            Ok(Some(ScriptLine::TooLong)) => {
                let _ = writeln!(
                    out,
                    "error: line {number} is longer than {MAX_LINE} bytes: the rest of the input is not read"
                );
                failed.push(number);
                break;
            }
            Err(e) => {
                let _ = writeln!(out, "error: line {number} cannot be read: {e}");
                failed.push(number);
                break;
            }
        };
        let _ = out.flush();
        match flow {
            Flow::Go => {}
            Flow::Error => failed.push(number),
            Flow::Quit => break,
        }
    }
    failed
}

/// Echoes `line` after the prompt and runs it.
fn echo_and_execute(debugger: &mut Debugger, out: &mut dyn Write, line: &str) -> Flow {
    let _ = writeln!(out, "{PROMPT}{line}");
    let flow = debugger.execute(line, out);
    debugger.machine().flush_console();
    flow
}

/// The next line of `input`, without its line end, read no further than
/// [`MAX_LINE`] bytes; `None` at the end of the input.
fn read_script_line(input: &mut impl BufRead) -> std::io::Result<Option<ScriptLine>> {
    let mut bytes = Vec::new();
    input.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut bytes)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    } else if bytes.len() > MAX_LINE {
        return Ok(Some(ScriptLine::TooLong));
    }
    Ok(Some(match String::from_utf8(bytes) {
        Ok(text) => ScriptLine::Text(text),
        Err(e) => ScriptLine::NotUtf8(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }))
}

/// The exit status of a script whose lines `failed`, said in one line
/// on standard error if any did.
fn script_status(failed: &[usize]) -> ExitCode {
    let Some(first) = failed.first() else { return ExitCode::SUCCESS };
    let lines = if failed.len() == 1 { "line" } else { "lines" };
    say(&format!("rvsim: error: {} {lines} of the script failed (the first: line {first})", failed.len()));
    ExitCode::from(exit_code::COMMANDS_FAILED)
}
