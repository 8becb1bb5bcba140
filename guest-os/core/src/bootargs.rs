//! The kernel command line (`/chosen/bootargs`): options, then `--` and
//! the first program with its arguments, as `rvsim run` writes it:
//! `cow=off log=vm -- forktest 100`. Without `--`, the first program is
//! `sh`.

use alloc::vec::Vec;

/// Parsed boot arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootArgs<'a> {
    /// `cow=on` (default) or `cow=off`: fork copies every page at once.
    pub cow: bool,
    /// `log=vm`: print one line per VM event.
    pub log_vm: bool,
    /// The first program and its arguments.
    pub init: Vec<&'a str>,
    /// Options not understood (reported at boot, otherwise ignored).
    pub unknown: Vec<&'a str>,
}

/// Parses a command line.
pub fn parse(line: &str) -> BootArgs<'_> {
    let (options, init) = match line.split_once("--") {
        Some((options, init)) => (options, init.split_whitespace().collect()),
        None => (line, alloc::vec!["sh"]),
    };
    let mut args = BootArgs { cow: true, log_vm: false, init, unknown: Vec::new() };
    for option in options.split_whitespace() {
        match option.split_once('=') {
            Some(("cow", "on")) => args.cow = true,
            Some(("cow", "off")) => args.cow = false,
            Some(("log", list)) => {
                for what in list.split(',') {
                    match what {
                        "vm" => args.log_vm = true,
                        _ => args.unknown.push(option),
                    }
                }
            }
            _ => args.unknown.push(option),
        }
    }
    if args.init.is_empty() {
        args.init.push("sh");
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_then_the_first_program() {
        let args = parse("cow=off log=vm -- forktest 100");
        assert!(!args.cow && args.log_vm);
        assert_eq!(args.init, ["forktest", "100"]);
        assert!(args.unknown.is_empty());
    }

    #[test]
    fn defaults_and_unknown_options() {
        let args = parse("");
        assert!(args.cow && !args.log_vm);
        assert_eq!(args.init, ["sh"]);
        let args = parse("quiet log=vm,sched --");
        assert_eq!(args.unknown, ["quiet", "log=vm,sched"]);
        assert_eq!(args.init, ["sh"]);
    }
}
