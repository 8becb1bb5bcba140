//! The `rvsim` command line: argument parsing, logging setup, building
//! what to boot (kernel, initrd, boot arguments), and mapping how a run
//! ended to a message and an exit status.
//!
//! Exit status: the guest's own exit code (finisher or HTIF) when it ends
//! the run, else one of [`exit_code`]'s values.

mod bench;
mod bench_dsm;
mod bench_paging;
mod boot;
pub(crate) mod cluster;
mod debug;
mod disks;
mod options;
mod output;
mod run;
mod sweep_output;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::builtin::{self, ImageKind};
use crate::devices::plic::Gateway;
use crate::loader::LoadError;
use crate::memmap::{DEFAULT_RAM_SIZE, MAX_RAM_SIZE, MIN_RAM_SIZE};
use crate::mmu::{AdPolicy, TlbShape};
use crate::trace::Categories;
use boot::{archive, initrd_files, user_program};
use output::say;

/// Exit statuses of rvsim itself (the guest's exit code is passed through
/// otherwise).
pub mod exit_code {
    /// `rvsim debug`: a line of the script failed (a command's error, or
    /// not a command at all), or the terminal could not be read.
    pub const COMMANDS_FAILED: u8 = 1;
    /// Bad command line: unknown flag, bad value.
    pub const USAGE: u8 = 2;
    /// The guest image could not be loaded.
    pub const LOAD: u8 = 3;
    /// The guest ran, but rvsim could not write its results (console
    /// output, trace, statistics) or a listing: EX_IOERR of sysexits.h.
    pub const OUTPUT: u8 = 74;
    /// `--max-insns` instructions executed without the guest ending the run.
    pub const INSTRUCTION_LIMIT: u8 = 124;
    /// The hart can make no progress (trap loop, `wfi` that nothing wakes).
    pub const STUCK: u8 = 125;
    /// `rvsim cluster`: a node stopped other than by its first process
    /// ending (stuck, or a reset).
    pub const NODE_FAILED: u8 = 123;
}

#[derive(Parser, Debug)]
#[command(
    name = "rvsim",
    version,
    about = "An RV64 system emulator with a modelled MMU and TLB",
    long_about = "An RV64IMAC system emulator (QEMU virt compatible) built to make shared virtual memory \
                  visible and measurable, with a teaching kernel and user programs built in.",
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
    /// Run PROGRAM under the built-in kernel, or boot a bare-metal kernel with --kernel.
    #[command(after_help = RUN_EXIT_STATUS)]
    Run(Box<RunArgs>),
    /// Boot N machines joined by an emulated network, each running PROGRAM as its first process.
    #[command(after_help = CLUSTER_EXIT_STATUS)]
    Cluster(Box<cluster::ClusterArgs>),
    /// Boot as `run` would, stopped before the first instruction, under an interactive debugger.
    Debug(Box<RunArgs>),
    /// List the kernel, user programs and bare-metal images built into rvsim.
    List,
    /// Write the built-in kernel, an initrd and the bare-metal images to DIR, to boot them on QEMU.
    Image(ImageArgs),
    /// Measure translation: the host's cost of it (mmu), or a workload under many TLB shapes (tlb);
    /// or paging: a workload's page faults under many frame budgets and policies (paging).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// What to boot: shared by `run`, `debug`, `bench tlb` and `bench paging`.
#[derive(Args, Debug, Clone)]
struct BootArgs {
    /// Program to run as the first process: the name of a built-in program (see `rvsim list`) or a
    /// path to a static RV64 ELF file, which is added to the initrd.
    #[arg(value_name = "PROGRAM")]
    program: Option<String>,
    /// Arguments for PROGRAM.
    #[arg(value_name = "ARGS", trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
    /// Kernel to boot: an ELF file, a RISC-V Linux Image (gzip'd or not), or a built-in image
    /// name. Without PROGRAM it runs bare-metal (M-mode at its entry, a0 = hart id, a1 = device
    /// tree), as qemu -bios none -kernel FILE, or after the --bios firmware.
    #[arg(long, value_name = "FILE|NAME")]
    kernel: Option<String>,
    /// Firmware to boot first, as QEMU's -bios: an ELF file, or a raw binary at 0x80000000 (such
    /// as OpenSBI's fw_dynamic.bin). Every hart starts there in M-mode with a0 = hart id, a1 =
    /// device tree, a2 = OpenSBI's fw_dynamic_info naming the --kernel (loaded at the next 2 MiB
    /// boundary when raw) as the next stage in S-mode. "none" (the default) boots --kernel bare.
    #[arg(long, value_name = "FILE|none")]
    bios: Option<String>,
    /// An initial RAM disk for a --kernel booted bare, as QEMU's -initrd: loaded where QEMU loads
    /// it and named in the device tree's /chosen.
    #[arg(long, value_name = "FILE")]
    initrd: Option<PathBuf>,
    /// Extra kernel boot arguments, e.g. "cow=off" (fork copies every page at once).
    #[arg(long, value_name = "ARGS", default_value = "", allow_hyphen_values = true)]
    append: String,
    /// Kernel logs to turn on: "vm" prints page faults, copy-on-write breaks, page-ins, page-outs, forks and exits; "vmstat" prints the VM counters on one line at the end; "syscalls" names each system call the kernel does not implement, once; "dsm" prints distributed shared memory's remote faults, invalidations and ownership transfers
    #[arg(long, value_name = "LIST", value_parser = options::parse_kernel_log)]
    kernel_log: Option<String>,
    /// RAM size: a number with K, M or G (KiB, MiB, GiB); a plain number is MiB, as in QEMU.
    #[arg(long, value_name = "SIZE", default_value = "128M", value_parser = parse_memory_size, allow_hyphen_values = true)]
    memory: u64,
    /// Attach a raw disk image as a virtio-blk disk, as QEMU's -drive file=FILE,format=raw (written
    /// in place); FILE,readonly attaches it read-only. May be given more than once.
    #[arg(long, value_name = "FILE[,readonly]", value_parser = disks::parse_drive)]
    drive: Vec<disks::DriveSpec>,
    /// Attach a swap disk: a fresh one of SIZE bytes (K, M or G; it lives for this run only), or
    /// FILE, an image already formatted as swap (mkswap). The teaching kernel pages to it.
    #[arg(long, value_name = "SIZE|FILE", value_parser = disks::parse_swap)]
    swap: Option<disks::SwapSpec>,
    /// Harts (1 to 8), as QEMU's -smp: they take turns of 10,000 instructions on one host thread,
    /// so a run is reproducible. The teaching kernel runs on one.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_harts, allow_hyphen_values = true)]
    smp: usize,
}

/// `--smp N`: 1 to 8 harts.
fn parse_harts(text: &str) -> Result<usize, String> {
    let max = crate::devices::plic::MAX_HARTS;
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("{text:?} is not a number of harts from 1 to {max}")),
    }
}

impl BootArgs {
    /// The disks to attach.
    fn disk_specs(&self) -> disks::DiskSpecs {
        disks::DiskSpecs { swap: self.swap.clone(), drives: self.drive.clone() }
    }
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    boot: BootArgs,
    /// Stop after N instructions (counting ones that trap), with exit status 124.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    max_insns: Option<u64>,
    #[command(flatten)]
    machine: MachineArgs,
    #[command(flatten)]
    trace: TraceArgs,
    /// Serve gdb's remote protocol on ADDR (e.g. 127.0.0.1:1234; port 0 picks a free port, which
    /// rvsim prints): gdb-multiarch can attach with `target remote ADDR`.
    #[arg(long, value_name = "ADDR", help_heading = "Debugging")]
    gdb: Option<String>,
    /// With --gdb: wait for gdb to attach before the first instruction.
    #[arg(long, requires = "gdb", help_heading = "Debugging")]
    gdb_wait: bool,
    /// Attach a virtio-net device joined to other rvsim processes by UDP: listen=ADDR,peer=ADDR[,peer=ADDR...]
    /// [,wait=SECONDS] (every member's address; sorted, they number the nodes). rvsim waits for every peer
    /// (30 s unless wait= says) before booting; the kernel gets node=K nodes=N.
    #[arg(long, value_name = "SPEC", value_parser = crate::net::socket::NetSpec::parse)]
    net: Option<crate::net::socket::NetSpec>,
}

/// A machine's MMU, and the counters reported at exit: shared by `run`,
/// `debug` and `cluster` (where each node has them).
#[derive(Args, Debug, Clone)]
struct MachineArgs {
    /// Shape of the modelled TLB: entries, ways (1 = direct-mapped, "full" = fully associative)
    /// and replacement policy (lru, fifo, random).
    #[arg(long, value_name = "SPEC", default_value = "entries=64,ways=4,policy=lru", value_parser = options::parse_tlb)]
    tlb: TlbShape,
    /// Accessed/Dirty bits: "hw" sets them in the walk (as QEMU), "fault" raises a page fault (as Spike).
    #[arg(long, value_name = "POLICY", default_value = "hw", value_parser = AdPolicy::parse)]
    ad: AdPolicy,
    /// How the PLIC makes a source pending: "qemu" each time its device asserts the line, as QEMU
    /// 7.2 (stock xv6 needs it); "level" while the line is high and again at completion, as the
    /// PLIC specification's level-triggered gateway.
    #[arg(long, value_name = "GATEWAY", default_value = "qemu", value_parser = Gateway::parse)]
    plic: Gateway,
    /// How unobserved instructions run: "jit" translates hot blocks to host code (Cranelift), "interp"
    /// interprets everything. Both give the same results and the same counters; tracing, breakpoints,
    /// watchpoints and gdb always interpret.
    #[arg(long, value_name = "ENGINE", default_value = "jit", value_parser = crate::engine::Engine::parse)]
    engine: crate::engine::Engine,
    /// When the translator translates: hot=N (runs of a block before it is translated), start=N
    /// (steps before the translator starts), wait (the hart waits for each translation instead of
    /// interpreting meanwhile, so that the same blocks run translated from run to run).
    #[arg(long, value_name = "SPEC", default_value = "hot=2048,start=4194304", value_parser = crate::engine::JitTuning::parse)]
    jit: crate::engine::JitTuning,
    /// Print hart, TLB and MMU counters on stderr at exit (a cluster: each node's, then the total).
    #[arg(long)]
    stats: bool,
    /// Write the same counters as JSON to FILE at exit (a cluster: {"nodes": [...], "total": {...}}).
    #[arg(long, value_name = "FILE")]
    stats_json: Option<PathBuf>,
}

impl MachineArgs {
    /// The MMU these options describe.
    fn mmu(&self) -> crate::mmu::MmuConfig {
        crate::mmu::MmuConfig { tlb: self.tlb, ad: self.ad }
    }
}

/// The debug trace's options.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Tracing")]
struct TraceArgs {
    /// Trace categories, comma-separated: insn (retired instructions, in the shape of Spike's
    /// --log-commits), mem (loads and stores, VA -> PA), mmu (TLB and page walks), trap, csr, dev,
    /// net (frames on the network); or all.
    #[arg(long, value_name = "LIST", value_parser = options::parse_trace)]
    trace: Option<Categories>,
    /// Write the trace to FILE instead of standard error.
    #[arg(long, value_name = "FILE")]
    trace_file: Option<PathBuf>,
    /// Stop tracing after N lines.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    trace_limit: Option<u64>,
    /// Start tracing when the hart first reaches ADDR (hex with 0x, or decimal) or SYMBOL (of the
    /// kernel, or of a user program).
    #[arg(long, value_name = "ADDR|SYMBOL")]
    trace_from: Option<String>,
    /// Trace only while satp holds this ASID (the teaching kernel gives each process its own).
    #[arg(long, value_name = "ASID")]
    trace_asid: Option<u16>,
}

#[derive(Args, Debug)]
struct ImageArgs {
    /// Directory to write kernel.elf and initrd.cpio into (created if missing).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Extra programs (RV64 ELF files) to add to the initrd.
    #[arg(value_name = "PROGRAM")]
    programs: Vec<PathBuf>,
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
    let result = match cli.command {
        Command::Run(args) => run::run(*args),
        Command::Debug(args) => debug::debug(*args),
        Command::Cluster(args) => cluster::cluster(*args),
        Command::List => list(),
        Command::Image(args) => image(args),
        Command::Bench(command) => bench::bench(command),
    };
    result.unwrap_or_else(|(code, message)| {
        say(&format!("rvsim: error: {message}"));
        ExitCode::from(code)
    })
}

/// A failure: exit status and one line of explanation.
type Failure = (u8, String);

fn load_failure(e: LoadError) -> Failure {
    (exit_code::LOAD, e.to_string())
}

/// Prints clap's help and version output as clap would, and errors as one
/// line.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => print_clap(&e, ExitCode::SUCCESS),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => print_clap(&e, ExitCode::from(exit_code::USAGE)),
        _ => {
            // clap's message is a paragraph, then usage and tips after a
            // blank line: keep the paragraph, on one line.
            let text = e.render().to_string();
            let paragraph: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
            let message = paragraph.join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            say(&format!("rvsim: error: {message} (see 'rvsim --help')"));
            ExitCode::from(exit_code::USAGE)
        }
    }
}

/// Prints clap's help or version text, then exits with `status`, or with
/// [`exit_code::OUTPUT`] if it could not be written.
fn print_clap(e: &clap::Error, status: ExitCode) -> ExitCode {
    match e.print().and_then(|()| std::io::stdout().flush()) {
        Ok(()) => status,
        Err(error) => stdout_failure(&error),
    }
}

/// Says that standard output could not be written; the exit status.
fn stdout_failure(error: &std::io::Error) -> ExitCode {
    say(&format!("rvsim: error: cannot write to standard output: {error}"));
    ExitCode::from(exit_code::OUTPUT)
}

/// A failure to write a listing to standard output.
fn listing_failure(error: std::io::Error) -> Failure {
    (exit_code::OUTPUT, format!("cannot write to standard output: {error}"))
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

fn image(args: ImageArgs) -> Result<ExitCode, Failure> {
    // The initrd is for the QEMU command printed below, with its 128 MiB.
    let extra = args.programs.iter().map(|p| user_program(p, DEFAULT_RAM_SIZE)).collect::<Result<Vec<_>, _>>()?;
    let initrd = archive(&initrd_files(&extra))?;
    let io = |what: &Path, e: std::io::Error| (exit_code::LOAD, format!("{what:?}: {e}"));
    std::fs::create_dir_all(&args.dir).map_err(|e| io(&args.dir, e))?;
    let kernel_path = args.dir.join("kernel.elf");
    let initrd_path = args.dir.join("initrd.cpio");
    std::fs::write(&kernel_path, builtin::kernel().elf).map_err(|e| io(&kernel_path, e))?;
    std::fs::write(&initrd_path, initrd).map_err(|e| io(&initrd_path, e))?;
    let mut bare = Vec::new();
    for image in builtin::of_kind(ImageKind::BareMetal) {
        let path = args.dir.join(format!("{}.elf", image.name));
        std::fs::write(&path, image.elf).map_err(|e| io(&path, e))?;
        bare.push(path.display().to_string());
    }
    image_summary(&kernel_path, &initrd_path, &bare).map_err(listing_failure)?;
    Ok(ExitCode::SUCCESS)
}

/// What `rvsim image` wrote, and how to boot it on QEMU.
fn image_summary(kernel: &Path, initrd: &Path, bare: &[String]) -> std::io::Result<()> {
    let (kernel, initrd) = (kernel.display(), initrd.display());
    let mut out = std::io::stdout().lock();
    writeln!(out, "wrote {kernel} and {initrd}; boot them on QEMU with:")?;
    writeln!(
        out,
        "  qemu-system-riscv64 -machine virt -bios none -m 128M -nographic -kernel {kernel} -initrd {initrd} -append \"-- hello\""
    )?;
    writeln!(out, "and the bare-metal images {}; boot one with:", bare.join(", "))?;
    writeln!(out, "  qemu-system-riscv64 -machine virt -bios none -m 128M -nographic -kernel FILE")?;
    out.flush()
}

fn list() -> Result<ExitCode, Failure> {
    write_list().map_err(listing_failure)?;
    Ok(ExitCode::SUCCESS)
}

fn write_list() -> std::io::Result<()> {
    let sections = [
        (ImageKind::Program, "User programs (rvsim run NAME [ARGS...]):"),
        (ImageKind::Library, "Shared code objects (in the initrd, for the bind teaching call):"),
        (ImageKind::BareMetal, "Bare-metal images (rvsim run --kernel NAME):"),
        (ImageKind::Kernel, "Kernel (booted by rvsim run, or --kernel NAME with a PROGRAM):"),
    ];
    let mut out = std::io::stdout().lock();
    for (i, (kind, title)) in sections.into_iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{title}")?;
        for image in builtin::of_kind(kind) {
            writeln!(out, "  {:<14} {}", image.name, image.summary)?;
        }
    }
    out.flush()
}

/// `rvsim run --help` ends with the exit statuses.
const RUN_EXIT_STATUS: &str = "\
Exit status:
  0-255  the guest's own: the first program's (128 + the signal if it was killed), or a bare-metal guest's
  2      bad command line
  3      the guest image cannot be loaded
  74     the guest ran, but rvsim could not write its results (console output, trace, --stats, --stats-json)
  124    --max-insns reached
  125    the hart is stuck";

/// `rvsim cluster --help` ends with the exit statuses.
const CLUSTER_EXIT_STATUS: &str = "\
Exit status:
  0      every node's first program exited 0
  1-255  else the first non-zero status, in node order
  2      bad command line
  3      the guest image cannot be loaded
  74     rvsim could not write its results
  123    a node failed (its hart stuck, or a reset); the others were told, then the cluster stopped
  124    --max-insns reached";

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
