//! The two execution engines agree: `--engine interp` and `--engine jit`
//! must give the same console output, the same exit status and the same
//! counters (`--stats-json`, less the top-level "translator", which only
//! the jit has and which describes its own host work, not the guest's).
//!
//! The translator is meant to change how fast a guest runs and nothing
//! else, and the counters make that checkable to the instruction: every
//! TLB lookup, hit, fill and eviction of every access kind depends on the
//! exact order of the guest's accesses, and on the TLB's shape. So every
//! program rvsim ships runs under both engines and several shapes: the
//! teaching kernel's user programs (one node and clusters), the bare-metal
//! images, the bare-metal test programs of tests/baremetal, the official
//! riscv-tests, and programs assembled here whose loops run long enough to
//! patch translated code many times: one patches its own hot code
//! (without `fence.i`, right ahead of the store in the same block or in
//! another block; and with `fence.i`), another takes exceptions and timer
//! interrupts in the middle of hot blocks. A disagreement names the
//! command line, the TLB shape, and the first differing lines or counters
//! with both engines' values.
//!
//! The jit's runs do not wait for blocks to be hot, or for the hart to
//! have run a while, as a user's run does: `--jit` makes a block hot at its
//! first run (at its 64th under the teaching kernel, whose boot alone has
//! hundreds of blocks), the translator start at once, and the hart wait
//! for each translation, so that even a short test runs translated, and
//! the same blocks from run to run.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;

use serde_json::Value;

use common::{RUN_TIMEOUT, describe, run_with_input, run_with_open_stdin, run_with_timeout, rvsim, scratch_dir};

/// The engines compared: the reference first.
const ENGINES: [&str; 2] = ["interp", "jit"];

/// TLB shapes: fully associative LRU, the default (set-associative LRU),
/// a small FIFO that refills inside blocks, and a direct-mapped one with
/// random replacement (seeded: a run is reproducible).
const SHAPES: &[&str] = &[
    "entries=16,ways=full,policy=lru",
    "entries=64,ways=4,policy=lru",
    "entries=8,ways=2,policy=fifo",
    "entries=32,ways=1,policy=random",
];

/// Host threads running command lines at once.
const THREADS: usize = 2;

/// Instruction limit of a kernel run (as tests/kernel.rs), so that a
/// runaway guest fails instead of hanging.
const KERNEL_MAX_INSNS: &str = "4000000000";

/// Instruction limit of a bare-metal run (as `common::run_rvsim`).
const BARE_MAX_INSNS: &str = "500000000";

/// One command line, run under both engines and a TLB shape.
struct Case {
    /// The subcommand: `run` or `cluster`.
    command: &'static str,
    /// Its arguments after the engine, shape and statistics options.
    args: Vec<String>,
    /// Standard input: `None` keeps it open and empty until the run ends
    /// (see `common::run_with_open_stdin`), and the counters are compared;
    /// piped input reaches the guest when the host delivers it, which
    /// moves the counters from run to run, so then only the output and
    /// exit status are.
    input: Option<&'static str>,
    /// The exit status the interpreter's run must have (a guest that
    /// stopped early would make the comparison say little).
    status: i32,
    /// Text the interpreter's output must contain.
    stdout_has: Vec<String>,
    /// The only TLB shapes it runs under, if it checks one TLB's exact
    /// behaviour.
    shapes: Option<&'static [&'static str]>,
    /// The jit's `--jit` tuning.
    jit: &'static str,
}

/// `--jit` for bare-metal programs: every block translated before it runs.
const JIT_EVERY_BLOCK: &str = "hot=1,start=0,wait";
/// `--jit` under the teaching kernel: blocks translated at their 64th run.
const JIT_KERNEL: &str = "hot=64,start=0,wait";

impl Case {
    /// `rvsim run ARGS` under the teaching kernel, or bare with --kernel.
    fn run(args: &[&str]) -> Case {
        let bare = args.contains(&"--kernel");
        let limit = if bare { BARE_MAX_INSNS } else { KERNEL_MAX_INSNS };
        let mut all = vec!["--max-insns".to_string(), limit.to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        let jit = if bare { JIT_EVERY_BLOCK } else { JIT_KERNEL };
        Case { command: "run", args: all, input: None, status: 0, stdout_has: Vec::new(), shapes: None, jit }
    }

    /// `rvsim cluster ARGS`.
    fn cluster(args: &[&str]) -> Case {
        let args = args.iter().map(|a| a.to_string()).collect();
        Case { command: "cluster", args, input: None, status: 0, stdout_has: Vec::new(), shapes: None, jit: JIT_KERNEL }
    }

    /// `rvsim run --kernel FILE`, a bare-metal ELF file, with `flags`.
    fn bare(file: &Path, flags: &[&str]) -> Case {
        let path = file.to_str().expect("a UTF-8 path");
        Case::run(&[flags, &["--kernel", path][..]].concat())
    }

    /// The same case, expected to exit with `status`.
    fn status(mut self, status: i32) -> Case {
        self.status = status;
        self
    }

    /// The same case, with `input` piped to its standard input.
    fn input(mut self, input: &'static str) -> Case {
        self.input = Some(input);
        self
    }

    /// The same case, run only under `shapes`.
    fn only_under(mut self, shapes: &'static [&'static str]) -> Case {
        self.shapes = Some(shapes);
        self
    }

    /// The same case, whose output must contain `text`.
    fn stdout_has(mut self, text: String) -> Case {
        self.stdout_has.push(text);
        self
    }

    /// The command line, as a shell would take it (without the engine and
    /// shape options, which the messages give apart).
    fn name(&self) -> String {
        shell_line(["rvsim", self.command].into_iter().chain(self.args.iter().map(String::as_str)))
    }
}

/// `words` as one shell command line, quoted where they need it.
fn shell_line<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let quoted = |w: &str| if w.contains(' ') || w.is_empty() { format!("'{w}'") } else { w.to_string() };
    words.map(quoted).collect::<Vec<String>>().join(" ")
}

/// What one engine's run gave.
struct Outcome {
    /// The command line, for messages.
    line: String,
    status: Option<i32>,
    stdout: String,
    stderr: String,
    /// The counters, less the translator's; `None` if none were written.
    stats: Option<Value>,
    /// The blocks the statistics' "translator" says were translated, if
    /// they have one (the jit's do once the translator has started: short
    /// runs never start it).
    translator: Option<u64>,
}

/// Runs `case` under `engine` and `shape`, its statistics written to
/// `json`.
fn run_engine(case: &Case, engine: &str, shape: &str, json: &Path) -> Outcome {
    let mut command: Command = rvsim();
    command.arg(case.command).args(["--engine", engine, "--tlb", shape, "--stats-json"]).arg(json);
    if engine == "jit" {
        command.args(["--jit", case.jit]);
    }
    command.args(&case.args);
    let args: Vec<String> = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let line = shell_line(std::iter::once("rvsim").chain(args.iter().map(String::as_str)));
    let output = match case.input {
        None => run_with_open_stdin(&mut command, RUN_TIMEOUT),
        Some(input) => run_with_input(&mut command, Some(input.as_bytes()), RUN_TIMEOUT),
    };
    let mut stats: Option<Value> = std::fs::read_to_string(json)
        .ok()
        .map(|text| serde_json::from_str(&text).unwrap_or_else(|e| panic!("{line}: bad statistics JSON: {e}")));
    let translator = stats.as_mut().and_then(without_translator);
    Outcome {
        line,
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        stats,
        translator,
    }
}

/// Takes the translator's statistics out of `stats`: the top-level
/// "translator" (for a cluster, each node's and the total's). Returns the
/// blocks they say were translated, or `None` if `stats` had none.
fn without_translator(stats: &mut Value) -> Option<u64> {
    let mut found = None;
    let mut take = |object: &mut Value| {
        if let Some(translator) = object.as_object_mut().and_then(|o| o.remove("translator")) {
            *found.get_or_insert(0) += translator["blocks"].as_u64().unwrap_or(0);
        }
    };
    take(stats);
    if let Some(nodes) = stats.get_mut("nodes").and_then(Value::as_array_mut) {
        nodes.iter_mut().for_each(&mut take);
    }
    if let Some(total) = stats.get_mut("total") {
        // The total repeats the nodes' sum: taken out, not counted twice.
        total.as_object_mut().and_then(|o| o.remove("translator"));
    }
    found
}

/// Every leaf of `value` by its path ("tlb.hits.fetch", "nodes[1].hart.retired").
fn flatten(value: &Value, path: &str, leaves: &mut BTreeMap<String, String>) {
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match value {
        Value::Object(fields) => fields.iter().for_each(|(key, v)| flatten(v, &join(key), leaves)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| flatten(v, &format!("{path}[{i}]"), leaves)),
        leaf => {
            leaves.insert(path.to_string(), leaf.to_string());
        }
    }
}

/// The counters that differ between `a` (the interpreter's) and `b` (the
/// jit's), each with both values: the first few, and how many more.
fn stats_diff(a: &Value, b: &Value) -> Vec<String> {
    let (mut left, mut right) = (BTreeMap::new(), BTreeMap::new());
    flatten(a, "", &mut left);
    flatten(b, "", &mut right);
    let keys: std::collections::BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    let differing: Vec<String> = keys
        .into_iter()
        .filter(|k| left.get(*k) != right.get(*k))
        .map(|k| {
            let value = |side: &BTreeMap<String, String>| side.get(k).cloned().unwrap_or_else(|| "(absent)".into());
            format!("{k}: interp {}, jit {}", value(&left), value(&right))
        })
        .collect();
    const SHOWN: usize = 12;
    let mut lines: Vec<String> = differing.iter().take(SHOWN).cloned().collect();
    if differing.len() > SHOWN {
        lines.push(format!("... and {} more counters", differing.len() - SHOWN));
    }
    lines
}

/// Where two texts first differ: the line number and both lines.
fn text_diff(what: &str, a: &str, b: &str) -> String {
    let (left, right): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = (0..left.len().max(right.len())).find(|&i| left.get(i) != right.get(i)).unwrap_or(0);
    let line = |side: &[&str]| {
        side.get(at).map_or("(no such line)".to_string(), |l| {
            let cut: String = l.chars().take(200).collect();
            format!("{cut:?}")
        })
    };
    format!(
        "{what} differs first at line {} ({} and {} bytes in all):\n    interp: {}\n    jit:    {}",
        at + 1,
        a.len(),
        b.len(),
        line(&left),
        line(&right)
    )
}

/// What is wrong with the two runs of `case`: the interpreter's run not
/// as expected, the engines disagreeing, or translator statistics from
/// the interpreter.
fn problems(case: &Case, interp: &Outcome, jit: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if interp.status != Some(case.status) {
        problems.push(format!(
            "the interpreter's run exited with {:?}, not {}:\n--- stdout ---\n{}\n--- stderr ---\n{}",
            interp.status, case.status, interp.stdout, interp.stderr
        ));
    }
    for text in &case.stdout_has {
        if !interp.stdout.contains(text.as_str()) {
            problems.push(format!("the interpreter's output lacks {text:?}:\n{}", interp.stdout));
        }
    }
    if interp.status != jit.status {
        problems.push(format!("exit status: interp {:?}, jit {:?}", interp.status, jit.status));
    }
    if interp.stdout != jit.stdout {
        problems.push(text_diff("stdout", &interp.stdout, &jit.stdout));
    }
    if interp.stderr != jit.stderr {
        problems.push(text_diff("stderr", &interp.stderr, &jit.stderr));
    }
    match (&interp.stats, &jit.stats) {
        (Some(a), Some(b)) => {
            if case.input.is_none() && a != b {
                problems.push(format!("counters differ:\n    {}", stats_diff(a, b).join("\n    ")));
            }
            if interp.translator.is_some() {
                problems.push("the interpreter's statistics have a \"translator\"".into());
            }
        }
        (a, b) => problems.push(format!(
            "statistics written: interp {}, jit {}",
            if a.is_some() { "yes" } else { "no" },
            if b.is_some() { "yes" } else { "no" }
        )),
    }
    problems
}

/// Runs every case of `cases` under both engines and every shape of
/// `shapes` (or of its own), `THREADS` command lines at a time, and fails
/// naming every disagreement. Returns the blocks the jit translated in
/// all.
fn check_all(test: &str, cases: &[Case], shapes: &[&str]) -> u64 {
    let dir = scratch_dir(test);
    let jobs: Vec<(&Case, &str)> =
        cases.iter().flat_map(|c| c.shapes.unwrap_or(shapes).iter().map(move |s| (c, *s))).collect();
    let next = AtomicUsize::new(0);
    let translated = AtomicU64::new(0);
    let failures = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                loop {
                    let job = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(case, shape)) = jobs.get(job) else { break };
                    let [interp, jit] =
                        ENGINES.map(|e| run_engine(case, e, shape, &dir.join(format!("{job}-{e}.json"))));
                    translated.fetch_add(jit.translator.unwrap_or(0), Ordering::Relaxed);
                    let problems = problems(case, &interp, &jit);
                    if !problems.is_empty() {
                        let report = format!(
                            "{} under --tlb {shape}:\n  {}\n  {}\n  {}",
                            case.name(),
                            interp.line,
                            jit.line,
                            problems.join("\n  ")
                        );
                        failures.lock().unwrap_or_else(|e| e.into_inner()).push((job, report));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort();
    let reports: Vec<String> = failures.into_iter().map(|(_, report)| report).collect();
    assert!(
        reports.is_empty(),
        "{test}: {} of {} command lines differ between the engines (or failed):\n\n{}",
        reports.len(),
        jobs.len(),
        reports.join("\n\n")
    );
    let translated = translated.into_inner();
    eprintln!("{test}: {} command lines agree under both engines; the jit translated {translated} blocks", jobs.len());
    translated
}

/// The user programs and the arguments they run with: every program of
/// `rvsim list` that ends on its own, most with their defaults, the long
/// ones made short, and a few kernel options that change what the MMU
/// sees (no copy-on-write, no ASIDs, A/D faults, swapping, a small RAM).
fn user_program_cases() -> Vec<Case> {
    let lines: &[(&[&str], i32)] = &[
        (&["hello", "one", "two"], 0),
        (&["exitcode", "42"], 42),
        (&["badptr"], 0),
        (&["belady"], 0),
        (&["belady", "7", "0", "1", "2", "0", "3", "0", "4"], 0),
        (&["bigmem", "1"], 0),
        (&["bigtext", "4", "1"], 0),
        (&["--swap", "64M", "--append", "frames=192", "bigtext", "2", "1"], 0),
        (&["bindlib"], 0),
        (&["cowbench"], 0),
        (&["cowtest"], 0),
        (&["--append", "cow=off", "cowtest"], 0),
        (&["--kernel-log", "vm", "cowtest"], 0),
        (&["crashers"], 0),
        (&["ctxswitch"], 0),
        (&["--append", "asid=off", "ctxswitch", "4", "8", "500"], 0),
        (&["dsmcounter", "1", "100"], 0),
        (&["dsmmatmul", "1", "16"], 0),
        (&["falseshare", "1", "100"], 0),
        (&["--memory", "10M", "forkbomb"], 0),
        (&["forkstorm"], 0),
        (&["forktest", "2"], 0),
        (&["--ad", "fault", "forktest", "1"], 0),
        (&["fpswitch"], 0),
        (&["matmul", "row"], 0),
        (&["matmul", "col"], 0),
        (&["memstat"], 0),
        (&["ptrchase"], 0),
        (&["randwalk"], 0),
        (&["scan"], 0),
        (&["sharedtext"], 0),
        (&["shmabuse"], 0),
        (&["shmcounter"], 0),
        (&["shmring"], 0),
        (&["thrash", "16", "2"], 0),
        (&["--swap", "16M", "--append", "frames=64", "thrash", "16", "2"], 0),
        (&["vmdemo"], 0),
    ];
    let mut cases: Vec<Case> = lines.iter().map(|(args, status)| Case::run(args).status(*status)).collect();
    // The shell only ends on `exit` (or at the end of its input), so its
    // input is piped, and its counters cannot be compared.
    let shell = Case::run(&["sh"]).input("hello x\nforktest 1\nexitcode 3\nexit\n");
    cases.push(shell.stdout_has("argument 1: x\n".into()).stdout_has("$ [exit 3]\n".into()));
    cases
}

/// User programs `rvsim list` shows that the cases above do not run:
/// textworker waits until sharedtext (which runs it) tells it to exit.
const NOT_RUN: &[&str] = &["textworker"];

#[test]
fn user_programs_agree_under_every_tlb_shape() {
    let translated = check_all("user_programs_agree_under_every_tlb_shape", &user_program_cases(), SHAPES);
    assert!(translated > 0, "the jit translated nothing");
}

#[test]
fn clusters_agree() {
    // Nodes in lockstep quanta: the distributed shared memory programs,
    // whose pages move between the nodes; short runs, and two long enough
    // for the translator to start.
    let cases = [
        Case::cluster(&["--nodes", "2", "dsmcounter", "2", "200"]),
        Case::cluster(&["--nodes", "2", "dsmcounter", "2", "30000"]),
        Case::cluster(&["--nodes", "2", "falseshare", "2", "100"]),
        Case::cluster(&["--nodes", "2", "dsmmatmul", "2", "16"]),
        Case::cluster(&["--nodes", "3", "dsmmatmul", "3", "48"]),
    ];
    let translated = check_all("clusters_agree", &cases, &SHAPES[1..3]);
    assert!(translated > 0, "the jit translated nothing");
}

/// The bare-metal images and their arguments: every one of `rvsim list`,
/// long enough for the loops to be translated, short enough to take a
/// fraction of a second.
fn image_cases() -> Vec<Case> {
    vec![
        Case::run(&["--kernel", "bare-hello"]),
        Case::run(&["--kernel", "cpu-mix", "--append", "rounds=100"]),
        Case::run(&["--kernel", "cpu-mix-sv39", "--append", "rounds=100"]),
        Case::run(&["--kernel", "fp-mix"]),
    ]
}

#[test]
fn bare_metal_images_agree() {
    let translated = check_all("bare_metal_images_agree", &image_cases(), SHAPES);
    assert!(translated > 0, "the jit translated nothing");
}

/// The names `rvsim list` gives in its section whose heading starts with
/// `heading`.
fn listed(list: &str, heading: &str) -> Vec<String> {
    list.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn every_listed_program_and_image_is_compared() {
    let output = run_with_timeout(rvsim().arg("list"), RUN_TIMEOUT);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let list = String::from_utf8_lossy(&output.stdout);
    let (programs, images) = (listed(&list, "User programs"), listed(&list, "Bare-metal images"));
    assert!(programs.len() > 20 && images.len() >= 4, "rvsim list changed its shape:\n{list}");
    let covered = |cases: &[Case], name: &str| cases.iter().any(|c| c.args.iter().any(|a| a == name));
    let user = user_program_cases();
    let missing: Vec<&String> =
        programs.iter().filter(|p| !NOT_RUN.contains(&p.as_str()) && !covered(&user, p)).collect();
    assert!(missing.is_empty(), "user programs no case runs (add them to user_program_cases): {missing:?}");
    let images_run = image_cases();
    let missing: Vec<&String> = images.iter().filter(|i| !covered(&images_run, i)).collect();
    assert!(missing.is_empty(), "bare-metal images no case runs (add them to image_cases): {missing:?}");
}

#[test]
fn bare_metal_test_programs_agree() {
    // Every program of tests/baremetal, with the options and exit status
    // its own test gives it (tests/isa.rs, tests/cli.rs). Among them:
    // code_cache, code_cache_ahead_rvsim_only and fence_i patch their own
    // code; traps, interrupts, delegation, the vm_* programs and
    // stuck_trap_loop (10,000 traps in a row) trap over and over.
    let cases: Vec<Case> = common::all_programs()
        .iter()
        .map(|name| {
            let flags: &[&str] = match name.as_str() {
                n if n.ends_with("_adfault_rvsim_only") => &["--ad", "fault"],
                "smp" => &["--smp", "2"],
                _ => &[],
            };
            let status = match name.as_str() {
                "selftest_fail" => 7,
                "uart_exit" => 42,
                "tohost_exit" => 21,
                "stuck_trap_loop" | "stuck_wfi" => 125,
                _ => 0,
            };
            let case = Case::bare(&common::elf(name), flags).status(status);
            // It checks stale entries against the default TLB, exactly.
            if name == "vm_sfence_rvsim_only" { case.only_under(&SHAPES[1..2]) } else { case }
        })
        .collect();
    let translated = check_all("bare_metal_test_programs_agree", &cases, SHAPES);
    assert!(translated > 0, "the jit translated nothing");
}

#[test]
fn riscv_tests_agree() {
    let test = "riscv_tests_agree";
    let Some(corpus) = common::corpus(test) else { return };
    let isa = corpus.join("riscv-tests/isa");
    let mut cases = Vec::new();
    for suite in common::RISCV_SUITES {
        let tests = common::riscv_tests_of(&isa, suite);
        assert!(!tests.is_empty(), "no rv64{suite} tests in {}", isa.display());
        cases.extend(tests.iter().map(|t| Case::bare(t, &[])));
    }
    let translated = check_all(test, &cases, SHAPES);
    assert!(translated > 0, "the jit translated nothing");
}

/// Integer registers by their ABI names.
mod reg {
    pub const ZERO: u32 = 0;
    pub const RA: u32 = 1;
    pub const T0: u32 = 5;
    pub const T1: u32 = 6;
    pub const T2: u32 = 7;
    pub const S0: u32 = 8;
    pub const S1: u32 = 9;
    pub const A0: u32 = 10;
    pub const S2: u32 = 18;
    pub const S3: u32 = 19;
    pub const S5: u32 = 21;
    pub const S6: u32 = 22;
    pub const S7: u32 = 23;
    pub const S8: u32 = 24;
    pub const S9: u32 = 25;
    pub const S10: u32 = 26;
    pub const T3: u32 = 28;
    pub const T5: u32 = 30;
    pub const T6: u32 = 31;
}
use reg::*;

/// Where bare-metal code starts, and the devices and CSRs the programs
/// use (QEMU's virt machine, as rvsim's).
const RAM_BASE: u64 = 0x8000_0000;
const UART: i32 = 0x1000_0000;
const FINISHER: i32 = 0x10_0000;
const MTIMECMP: i32 = 0x200_4000;
const MTIME: i32 = 0x200_bff8;
const MSTATUS: i32 = 0x300;
const MIE: i32 = 0x304;
const MTVEC: i32 = 0x305;
const MEPC: i32 = 0x341;
const MCAUSE: i32 = 0x342;

/// An R-type instruction.
fn r_type(opcode: u32, funct3: u32, funct7: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
    funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode
}

/// An I-type instruction (a 12-bit immediate).
fn i_type(opcode: u32, funct3: u32, rd: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32) & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode
}

/// An S-type instruction (a store).
fn s_type(funct3: u32, rs1: u32, rs2: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (imm >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (imm & 0x1f) << 7 | 0x23
}

/// `addi rd, rs1, imm`.
fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 0, rd, rs1, imm)
}

/// `andi rd, rs1, imm`.
fn andi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x13, 7, rd, rs1, imm)
}

/// `slli rd, rs1, shamt`.
fn slli(rd: u32, rs1: u32, shamt: i32) -> u32 {
    i_type(0x13, 1, rd, rs1, shamt)
}

/// `add rd, rs1, rs2`.
fn add(rd: u32, rs1: u32, rs2: u32) -> u32 {
    r_type(0x33, 0, 0, rd, rs1, rs2)
}

/// `xor rd, rs1, rs2`.
fn xor(rd: u32, rs1: u32, rs2: u32) -> u32 {
    r_type(0x33, 4, 0, rd, rs1, rs2)
}

/// `srl rd, rs1, rs2`.
fn srl(rd: u32, rs1: u32, rs2: u32) -> u32 {
    r_type(0x33, 5, 0, rd, rs1, rs2)
}

/// `lw rd, imm(rs1)`.
fn lw(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 2, rd, rs1, imm)
}

/// `ld rd, imm(rs1)`.
fn ld(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(0x03, 3, rd, rs1, imm)
}

/// `sb rs2, imm(rs1)`.
fn sb(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s_type(0, rs1, rs2, imm)
}

/// `sw rs2, imm(rs1)`.
fn sw(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s_type(2, rs1, rs2, imm)
}

/// `sd rs2, imm(rs1)`.
fn sd(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s_type(3, rs1, rs2, imm)
}

/// `csrrw rd, csr, rs1`.
fn csrrw(rd: u32, csr: i32, rs1: u32) -> u32 {
    i_type(0x73, 1, rd, rs1, csr)
}

/// `csrrs rd, csr, rs1` (`csrr rd, csr` with rs1 = zero).
fn csrrs(rd: u32, csr: i32, rs1: u32) -> u32 {
    i_type(0x73, 2, rd, rs1, csr)
}

/// `csrrsi zero, csr, bits`.
fn csrsi(csr: i32, bits: u32) -> u32 {
    i_type(0x73, 6, 0, bits, csr)
}

/// `csrrci zero, csr, bits`.
fn csrci(csr: i32, bits: u32) -> u32 {
    i_type(0x73, 7, 0, bits, csr)
}

/// `ret` (`jalr zero, 0(ra)`).
fn ret() -> u32 {
    i_type(0x67, 0, ZERO, RA, 0)
}

/// `ecall`, `ebreak` and `mret`.
const ECALL: u32 = 0x0000_0073;
const EBREAK: u32 = 0x0010_0073;
const MRET: u32 = 0x3020_0073;

/// An instruction whose offset waits for its label.
enum Fixup {
    /// A conditional branch: funct3, rs1, rs2.
    Branch(u32, u32, u32),
    /// `jal rd, label`.
    Jal(u32),
    /// `auipc rd` and `addi rd, rd`: the label's address.
    La(u32),
}

/// A small RV64 assembler, enough for the programs below: 32-bit
/// instructions, labels, and branches, jumps and addresses of labels.
#[derive(Default)]
struct Asm {
    code: Vec<u32>,
    labels: HashMap<&'static str, usize>,
    fixups: Vec<(usize, &'static str, Fixup)>,
}

impl Asm {
    /// Appends `insn`.
    fn emit(&mut self, insn: u32) {
        self.code.push(insn);
    }

    /// Names the address of the next instruction.
    fn label(&mut self, name: &'static str) {
        assert!(self.labels.insert(name, self.code.len()).is_none(), "label {name} defined twice");
    }

    /// Leaves room for an instruction that needs `label`'s address.
    fn fixup(&mut self, label: &'static str, fixup: Fixup) {
        let words = if matches!(fixup, Fixup::La(_)) { 2 } else { 1 };
        self.fixups.push((self.code.len(), label, fixup));
        self.code.extend(std::iter::repeat_n(0, words));
    }

    /// `beq rs1, rs2, label`.
    fn beq(&mut self, rs1: u32, rs2: u32, label: &'static str) {
        self.fixup(label, Fixup::Branch(0, rs1, rs2));
    }

    /// `bne rs1, rs2, label`.
    fn bne(&mut self, rs1: u32, rs2: u32, label: &'static str) {
        self.fixup(label, Fixup::Branch(1, rs1, rs2));
    }

    /// `blt rs1, rs2, label`.
    fn blt(&mut self, rs1: u32, rs2: u32, label: &'static str) {
        self.fixup(label, Fixup::Branch(4, rs1, rs2));
    }

    /// `bge rs1, rs2, label`.
    fn bge(&mut self, rs1: u32, rs2: u32, label: &'static str) {
        self.fixup(label, Fixup::Branch(5, rs1, rs2));
    }

    /// `jal rd, label`.
    fn jal(&mut self, rd: u32, label: &'static str) {
        self.fixup(label, Fixup::Jal(rd));
    }

    /// `la rd, label`, pc-relative.
    fn la(&mut self, rd: u32, label: &'static str) {
        self.fixup(label, Fixup::La(rd));
    }

    /// `li rd, value` as `lui` and `addi`.
    fn li(&mut self, rd: u32, value: i32) {
        let hi = (i64::from(value) + 0x800) >> 12;
        let lo = (i64::from(value) - (hi << 12)) as i32;
        if hi == 0 {
            self.emit(addi(rd, ZERO, lo));
        } else {
            self.emit(((hi as u32) & 0xf_ffff) << 12 | rd << 7 | 0x37);
            self.emit(addi(rd, rd, lo));
        }
    }

    /// Prints register a0 as 16 hexadecimal digits and a newline on the
    /// UART (clobbers t0-t3), then returns to ra.
    fn print_hex_routine(&mut self) {
        self.label("print_hex");
        self.li(T0, UART);
        self.emit(addi(T1, ZERO, 60));
        self.label("print_hex_digit");
        self.emit(srl(T2, A0, T1));
        self.emit(andi(T2, T2, 15));
        self.emit(addi(T3, ZERO, 10));
        self.blt(T2, T3, "print_hex_decimal");
        self.emit(addi(T2, T2, i32::from(b'a' - b'0' - 10)));
        self.label("print_hex_decimal");
        self.emit(addi(T2, T2, i32::from(b'0')));
        self.emit(sb(T2, T0, 0));
        self.emit(addi(T1, T1, -4));
        self.bge(T1, ZERO, "print_hex_digit");
        self.emit(addi(T2, ZERO, 10));
        self.emit(sb(T2, T0, 0));
        self.emit(ret());
    }

    /// Prints `rs` (through print_hex).
    fn print(&mut self, rs: u32) {
        self.emit(addi(A0, rs, 0));
        self.jal(RA, "print_hex");
    }

    /// Ends the run through the test finisher with `code` (0 passes).
    fn exit(&mut self, code: i32) {
        self.li(T0, FINISHER);
        self.li(T1, if code == 0 { 0x5555 } else { code << 16 | 0x3333 });
        self.emit(sw(T1, T0, 0));
        self.emit(0x0000_006f); // j . (the finisher stops the machine first)
    }

    /// The code as an ELF file to load at `RAM_BASE`.
    fn elf(mut self) -> Vec<u8> {
        for (at, label, fixup) in std::mem::take(&mut self.fixups) {
            let target = *self.labels.get(label).unwrap_or_else(|| panic!("no label {label}"));
            let offset = ((target as i64 - at as i64) * 4) as i32;
            let o = offset as u32;
            match fixup {
                Fixup::Branch(funct3, rs1, rs2) => {
                    assert!((-4096..4096).contains(&offset), "branch to {label} out of range");
                    self.code[at] = (o >> 12 & 1) << 31
                        | (o >> 5 & 0x3f) << 25
                        | rs2 << 20
                        | rs1 << 15
                        | funct3 << 12
                        | (o >> 1 & 0xf) << 8
                        | (o >> 11 & 1) << 7
                        | 0x63;
                }
                Fixup::Jal(rd) => {
                    let imm =
                        (o >> 20 & 1) << 31 | (o >> 1 & 0x3ff) << 21 | (o >> 11 & 1) << 20 | (o >> 12 & 0xff) << 12;
                    self.code[at] = imm | rd << 7 | 0x6f;
                }
                Fixup::La(rd) => {
                    let hi = (offset + 0x800) >> 12;
                    self.code[at] = ((hi as u32) & 0xf_ffff) << 12 | rd << 7 | 0x17;
                    self.code[at + 1] = addi(rd, rd, offset - (hi << 12));
                }
            }
        }
        let bytes: Vec<u8> = self.code.iter().flat_map(|w| w.to_le_bytes()).collect();
        common::make_elf64(RAM_BASE, &[(RAM_BASE, &bytes)])
    }
}

/// Rounds of the self-modifying loop, and how often (a power of two) it
/// patches itself: often enough to patch translated code many times,
/// seldom enough for the loop to become hot again in between.
const SMC_ROUNDS: i32 = 1 << 21;
const SMC_PERIOD_LOG2: u32 = 14;

/// How the self-modifying program goes on after its store to its code.
#[derive(Clone, Copy, Debug)]
enum AfterPatch {
    /// Straight on, without `fence.i`: the patched instruction is the
    /// next one, in the same block as the store.
    Ahead,
    /// Through a jump, without `fence.i`: the patched instruction starts
    /// another block, translated by then.
    Jump,
    /// Through `fence.i` (which also ends the block).
    FenceI,
}

/// The self-modifying program: a loop adds 1 (or 3) to s0 and folds s0
/// into s6; every 2^14 rounds it first rewrites that add, which follows
/// its store, to add the other amount, and goes on as `after` says. It
/// prints s0 and s6 and exits 0.
fn self_modifying_program(after: AfterPatch) -> Vec<u8> {
    let add_one = addi(S0, S0, 1);
    let add_three = addi(S0, S0, 3);
    let mut asm = Asm::default();
    asm.emit(addi(S0, ZERO, 0));
    asm.li(S1, SMC_ROUNDS);
    asm.la(S2, "patch");
    asm.emit(lw(S3, S2, 0));
    asm.li(S5, (add_one ^ add_three) as i32);
    asm.emit(addi(S6, ZERO, 0));
    asm.label("loop");
    // t0 = 0 once every 2^14 rounds: then patch.
    asm.emit(slli(T0, S1, 64 - SMC_PERIOD_LOG2 as i32));
    asm.bne(T0, ZERO, "patch");
    asm.emit(xor(S3, S3, S5));
    asm.emit(sw(S3, S2, 0));
    match after {
        AfterPatch::Ahead => {}
        AfterPatch::Jump => asm.jal(ZERO, "patch"),
        AfterPatch::FenceI => asm.emit(0x0000_100f),
    }
    asm.label("patch");
    asm.emit(add_one);
    asm.emit(slli(T1, S6, 5));
    asm.emit(add(S6, S6, T1));
    asm.emit(add(S6, S6, S0));
    asm.emit(addi(S1, S1, -1));
    asm.bne(S1, ZERO, "loop");
    asm.print(S0);
    asm.print(S6);
    asm.exit(0);
    asm.print_hex_routine();
    asm.elf()
}

/// What the self-modifying program prints when every patch is seen at
/// once, as rvsim (and QEMU) run it: s0 and s6.
fn self_modifying_output() -> String {
    let (mut s0, mut s6, mut step) = (0u64, 0u64, 1u64);
    for s1 in (1..=SMC_ROUNDS as u64).rev() {
        if s1 % (1 << SMC_PERIOD_LOG2) == 0 {
            step ^= 1 ^ 3;
        }
        s0 = s0.wrapping_add(step);
        s6 = s6.wrapping_mul(33).wrapping_add(s0);
    }
    format!("{s0:016x}\n{s6:016x}\n")
}

/// Rounds of the trapping loop, and the timer's period in CLINT ticks.
const TRAP_ROUNDS: i32 = 400_000;
const TIMER_PERIOD: i32 = 37;

/// The trapping program: a loop that takes an `ecall` every round, an
/// `ebreak` every 4th and a load access fault every 8th (its handler
/// adds mcause to s7 and skips the instruction), while machine timer
/// interrupts every few hundred instructions count into s8; every round
/// folds s7 and s8 into s6, so where each interrupt lands shows. It
/// prints s6, s7 and s8, and exits 0 (3 if no interrupt came).
fn trapping_program() -> Vec<u8> {
    let mut asm = Asm::default();
    asm.la(T0, "handler");
    asm.emit(csrrw(ZERO, MTVEC, T0));
    asm.li(S1, TRAP_ROUNDS);
    asm.emit(addi(S6, ZERO, 0));
    asm.emit(addi(S7, ZERO, 0));
    asm.emit(addi(S8, ZERO, 0));
    asm.li(S9, MTIMECMP);
    asm.li(S10, MTIME);
    asm.emit(ld(T0, S10, 0));
    asm.emit(addi(T0, T0, TIMER_PERIOD));
    asm.emit(sd(T0, S9, 0));
    asm.emit(addi(T0, ZERO, 0x80)); // mie.MTIE
    asm.emit(csrrw(ZERO, MIE, T0));
    asm.emit(csrsi(MSTATUS, 8)); // mstatus.MIE
    asm.label("loop");
    asm.emit(ECALL);
    asm.emit(andi(T0, S1, 3));
    asm.bne(T0, ZERO, "no_ebreak");
    asm.emit(EBREAK);
    asm.label("no_ebreak");
    asm.emit(andi(T0, S1, 7));
    asm.bne(T0, ZERO, "no_fault");
    asm.emit(ld(T1, ZERO, 0)); // nothing at physical address 0
    asm.label("no_fault");
    asm.emit(slli(T1, S6, 5));
    asm.emit(add(S6, S6, T1));
    asm.emit(add(S6, S6, S8));
    asm.emit(add(S6, S6, S7));
    asm.emit(addi(S1, S1, -1));
    asm.bne(S1, ZERO, "loop");
    asm.emit(csrci(MSTATUS, 8));
    asm.print(S6);
    asm.print(S7);
    asm.print(S8);
    asm.beq(S8, ZERO, "no_interrupt");
    asm.exit(0);
    asm.label("no_interrupt");
    asm.exit(3);
    asm.print_hex_routine();
    // The handler uses t5 and t6 only: the loop's registers stay.
    asm.label("handler");
    asm.emit(csrrs(T5, MCAUSE, ZERO));
    asm.blt(T5, ZERO, "interrupt");
    asm.emit(add(S7, S7, T5));
    asm.emit(csrrs(T6, MEPC, ZERO));
    asm.emit(addi(T6, T6, 4));
    asm.emit(csrrw(ZERO, MEPC, T6));
    asm.emit(MRET);
    asm.label("interrupt");
    asm.emit(addi(S8, S8, 1));
    asm.emit(ld(T6, S10, 0));
    asm.emit(addi(T6, T6, TIMER_PERIOD));
    asm.emit(sd(T6, S9, 0));
    asm.emit(MRET);
    asm.elf()
}

/// s7 at the end of the trapping program: the causes of its exceptions
/// (environment call 11, breakpoint 3, load access fault 5).
fn trapping_causes() -> String {
    let rounds = i64::from(TRAP_ROUNDS);
    format!("\n{:016x}\n", 11 * rounds + 3 * (rounds / 4) + 5 * (rounds / 8))
}

#[test]
fn hot_self_modifying_code_and_hot_traps_agree() {
    let test = "hot_self_modifying_code_and_hot_traps_agree";
    let dir = scratch_dir(&format!("{test}-programs"));
    let mut cases = Vec::new();
    for after in [AfterPatch::Ahead, AfterPatch::Jump, AfterPatch::FenceI] {
        let file = dir.join(format!("self_modifying_{after:?}.elf").to_lowercase());
        std::fs::write(&file, self_modifying_program(after)).expect("write a self-modifying program");
        cases.push(Case::bare(&file, &[]).stdout_has(self_modifying_output()));
    }
    let traps = dir.join("trapping.elf");
    std::fs::write(&traps, trapping_program()).expect("write the trapping program");
    cases.push(Case::bare(&traps, &[]).stdout_has(trapping_causes()));
    let translated = check_all(test, &cases, SHAPES);
    assert!(translated > 0, "the jit translated nothing: the loops must run longer to test it");
}
