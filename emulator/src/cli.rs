//! The `rvsim` command line: argument parsing, logging setup, and mapping
//! of how a run ended to a message and an exit status.
//!
//! Exit status: the guest's own exit code (finisher or HTIF) when it ends
//! the run, else one of [`exit_code`]'s values.

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::builtin::{self, ImageKind};
use crate::devices::ConsoleInput;
use crate::loader::{ElfImage, LoadError};
use crate::machine::{Machine, MachineConfig, StopReason};
use crate::memmap::{MAX_RAM_SIZE, MIN_RAM_SIZE};
use crate::mmu::{AdPolicy, MmuConfig, TlbShape};
use crate::stats::RunStats;

/// Exit statuses of rvsim itself (the guest's exit code is passed through
/// otherwise).
pub mod exit_code {
    /// Bad command line: unknown flag, bad value.
    pub const USAGE: u8 = 2;
    /// The guest image could not be loaded.
    pub const LOAD: u8 = 3;
    /// `--max-insns` instructions executed without the guest ending the run.
    pub const INSTRUCTION_LIMIT: u8 = 124;
    /// The hart can make no progress (trap loop, `wfi` that nothing wakes).
    pub const STUCK: u8 = 125;
}

#[derive(Parser, Debug)]
#[command(
    name = "rvsim",
    version,
    about = "An RV64 system emulator with a modelled MMU and TLB",
    long_about = "An RV64IMAC system emulator (QEMU virt compatible) built to make shared virtual memory \
                  visible and measurable.",
    arg_required_else_help = true
)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Boot a bare-metal ELF kernel, as qemu-system-riscv64 -machine virt -bios none -kernel FILE.
    Run(RunArgs),
    /// List the guest images built into rvsim.
    List,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// ELF file to boot in M-mode at its entry point (a0 = hart id, a1 = device tree),
    /// or the name of a built-in image (see `rvsim list`).
    #[arg(long, value_name = "FILE|NAME")]
    kernel: String,
    /// RAM size: a number with K, M or G (KiB, MiB, GiB); a plain number is MiB, as in QEMU.
    #[arg(long, value_name = "SIZE", default_value = "128M", value_parser = parse_memory_size, allow_hyphen_values = true)]
    memory: u64,
    /// Stop after N instructions (counting ones that trap), with exit status 124.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    max_insns: Option<u64>,
    /// Shape of the modelled TLB: entries, ways (1 = direct-mapped, "full" = fully associative)
    /// and replacement policy (lru, fifo, random).
    #[arg(long, value_name = "SPEC", default_value = "entries=64,ways=4,policy=lru", value_parser = TlbShape::parse)]
    tlb: TlbShape,
    /// Accessed/Dirty bits: "hw" sets them in the walk (as QEMU), "fault" raises a page fault (as Spike).
    #[arg(long, value_name = "POLICY", default_value = "hw", value_parser = AdPolicy::parse)]
    ad: AdPolicy,
    /// Print hart, TLB and MMU counters on stderr at exit.
    #[arg(long)]
    stats: bool,
    /// Write the same counters as JSON to FILE at exit.
    #[arg(long, value_name = "FILE")]
    stats_json: Option<std::path::PathBuf>,
}

/// Parses a `--memory` value: `128M`, `1G`, `512K`, `64MiB`, or a plain
/// number of MiB.
pub fn parse_memory_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let number: u64 = number.parse().map_err(|_| "expected a size such as 128M, 1G or 512K".to_string())?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "m" | "mb" | "mib" => 20,
        "k" | "kb" | "kib" => 10,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("unknown unit '{unit}'; use K, M or G")),
    };
    let bytes = number.checked_shl(shift).filter(|b| b >> shift == number).ok_or("size too large")?;
    if !(MIN_RAM_SIZE..=MAX_RAM_SIZE).contains(&bytes) {
        return Err(format!("RAM must be between {}M and {}G", MIN_RAM_SIZE >> 20, MAX_RAM_SIZE >> 30));
    }
    if !bytes.is_multiple_of(4096) {
        return Err("RAM must be a whole number of 4 KiB pages".into());
    }
    Ok(bytes)
}

/// Entry point of the `rvsim` binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    init_logging(cli.verbose);
    match cli.command {
        Command::Run(args) => run(args),
        Command::List => {
            list();
            ExitCode::SUCCESS
        }
    }
}

/// Prints clap's help and version output as clap would, and errors as one
/// line.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(exit_code::USAGE)
        }
        _ => {
            // clap's message is a paragraph, then usage and tips after a
            // blank line: keep the paragraph, on one line.
            let text = e.render().to_string();
            let paragraph: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
            let message = paragraph.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            eprintln!("rvsim: error: {message} (see 'rvsim --help')");
            ExitCode::from(exit_code::USAGE)
        }
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        2 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    };
    env_logger::Builder::new().filter_level(level).parse_default_env().format_timestamp(None).init();
}

/// Loads `spec`: a path to an ELF file, or the name of a built-in image
/// when no such file exists.
fn load_image(spec: &str) -> Result<ElfImage, LoadError> {
    let path = Path::new(spec);
    if !path.exists()
        && !spec.contains(std::path::MAIN_SEPARATOR)
        && let Some(image) = builtin::find(spec)
    {
        return ElfImage::parse(image.elf, image.name);
    }
    ElfImage::from_file(path).map_err(|mut e| {
        if e.problem == "no such file" && !spec.contains(std::path::MAIN_SEPARATOR) {
            e.problem = "no such file, and no built-in image of that name ('rvsim list' shows them)".into();
        }
        e
    })
}

fn run(args: RunArgs) -> ExitCode {
    let image = match load_image(&args.kernel) {
        Ok(image) => image,
        Err(e) => {
            eprintln!("rvsim: error: {e}");
            return ExitCode::from(exit_code::LOAD);
        }
    };
    let config = MachineConfig {
        memory_size: args.memory,
        console_output: Box::new(std::io::stdout()),
        console_input: ConsoleInput::Stdin,
        mmu: MmuConfig { tlb: args.tlb, ad: args.ad },
        ..MachineConfig::default()
    };
    let mut machine = match Machine::new(config) {
        Ok(machine) => machine,
        Err(e) => {
            eprintln!("rvsim: error: {e}");
            return ExitCode::from(exit_code::USAGE);
        }
    };
    if let Err(e) = machine.load_kernel(&image) {
        eprintln!("rvsim: error: {e}");
        return ExitCode::from(exit_code::LOAD);
    }
    log::info!("booting {} at {:#x}, device tree at {:#x}", image.name, image.entry, machine.dtb_addr);
    let started = std::time::Instant::now();
    let stop = machine.run(args.max_insns);
    machine.flush_console();
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
        eprintln!("rvsim: error: {}: cannot write statistics: {e}", path.display());
    }
    report(&machine, &stop)
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
    }
}

fn list() {
    println!("Built-in bare-metal images (rvsim run --kernel NAME):");
    for image in builtin::all().iter().filter(|i| i.kind == ImageKind::BareMetal) {
        println!("  {:<14} {}", image.name, image.summary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_parse_like_qemu() {
        assert_eq!(parse_memory_size("128M"), Ok(128 << 20));
        assert_eq!(parse_memory_size("128"), Ok(128 << 20));
        assert_eq!(parse_memory_size("1G"), Ok(1 << 30));
        assert_eq!(parse_memory_size("2048K"), Ok(2 << 20));
        assert_eq!(parse_memory_size("64MiB"), Ok(64 << 20));
        // A plain number is MiB, so a byte count is far too large.
        assert!(parse_memory_size("134217728").is_err());
        assert!(parse_memory_size("12XB").is_err());
        assert!(parse_memory_size("").is_err());
        assert!(parse_memory_size("0").is_err());
        assert!(parse_memory_size("17G").is_err());
        assert!(parse_memory_size("99999999999999999999G").is_err());
        assert!(parse_memory_size("1025K").is_err());
    }
}
