//! Helpers shared by the end-to-end tests: building the bare-metal test
//! programs, running them under rvsim and under QEMU, and crafting ELF
//! files for the bad-input tests.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// The riscv64 target the test programs are built for.
pub const TARGET: &str = "riscv64imac-unknown-none-elf";

/// Wall-clock limit for any one emulator run in the tests.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The repository's top directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("emulator/ has a parent").to_path_buf()
}

/// The cargo target directory this test binary was built into.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // <target>/<profile>/deps/<test binary>
    exe.ancestors().nth(3).expect("test binary inside a target directory").to_path_buf()
}

/// Builds the bare-metal test programs (once per test binary) and returns
/// the directory holding their ELF files.
pub fn baremetal_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = target_dir().join("baremetal");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
        let status = Command::new(cargo)
            .current_dir(repo_root().join("tests/baremetal"))
            .args(["build", "--release", "--quiet", "--target", TARGET, "--target-dir"])
            .arg(&target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET")
            .status()
            .expect("run cargo to build tests/baremetal");
        assert!(status.success(), "building the bare-metal test programs (tests/baremetal) failed");
        target.join(TARGET).join("release")
    })
}

/// The ELF file of bare-metal test program `name`.
pub fn elf(name: &str) -> PathBuf {
    let path = baremetal_dir().join(name);
    assert!(path.exists(), "no test program {name} in {}", baremetal_dir().display());
    path
}

/// Names of every program in tests/baremetal/src/bin.
pub fn all_programs() -> Vec<String> {
    let dir = repo_root().join("tests/baremetal/src/bin");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read tests/baremetal/src/bin")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "rs").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    names
}

/// The rvsim binary under test.
pub fn rvsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rvsim"))
}

/// Runs `command` with stdin closed, collecting its output, killing it
/// after `timeout`.
pub fn run_with_timeout(command: &mut Command, timeout: Duration) -> Output {
    run_with_input(command, None, timeout)
}

/// Runs `command` with `input` on stdin (closed if `None`), collecting its
/// output, killing it after `timeout`.
pub fn run_with_input(command: &mut Command, input: Option<&[u8]>, timeout: Duration) -> Output {
    let stdin = if input.is_some() { Stdio::piped() } else { Stdio::null() };
    let mut child = command.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    if let (Some(input), Some(mut pipe)) = (input, child.stdin.take()) {
        let input = input.to_vec();
        thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut pipe, &input);
        });
    }
    wait_for(command, child, timeout)
}

/// Runs `command` with a standard input that stays open and empty until it
/// exits. A pipe that closes reaches the guest as a Ctrl-D at whatever
/// moment the host reads the end of it, and the interrupt that brings it
/// lands at a different instruction from run to run: runs whose counts
/// are compared must not have it. (`/dev/null` and files are read whole at
/// the start, and count the same every run.)
pub fn run_with_open_stdin(command: &mut Command, timeout: Duration) -> Output {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let stdin = child.stdin.take();
    let output = wait_for(command, child, timeout);
    drop(stdin);
    output
}

pub fn wait_for(command: &Command, mut child: Child, timeout: Duration) -> Output {
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            kill(&mut child);
            panic!("{command:?} did not finish within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Output { status, stdout: stdout.join().expect("stdout reader"), stderr: stderr.join().expect("stderr reader") }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs an ELF file on rvsim as a bare-metal kernel, with a generous
/// instruction limit so that a runaway program fails instead of hanging.
pub fn run_rvsim(elf: &Path, extra: &[&str]) -> Output {
    let mut command = rvsim();
    command.args(["run", "--max-insns", "500000000", "--kernel"]).arg(elf).args(extra);
    run_with_timeout(&mut command, RUN_TIMEOUT)
}

/// Whether `tool` can be run (with `--version`); when it cannot, says so
/// loudly, and fails if RVSIM_REQUIRE_TOOLS=1 (as CI sets) so that tests
/// needing QEMU, gdb or binutils can never be skipped silently there.
pub fn tool_available(tool: &str, test: &str) -> bool {
    static FOUND: OnceLock<std::sync::Mutex<std::collections::HashMap<String, bool>>> = OnceLock::new();
    let mut found = FOUND.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let present = *found.entry(tool.to_string()).or_insert_with(|| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !present {
        if std::env::var("RVSIM_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("{test}: {tool} is required (RVSIM_REQUIRE_TOOLS=1) but not installed");
        }
        eprintln!("SKIPPED ({tool} not installed): the part of {test} that needs it");
    }
    present
}

/// Whether QEMU is installed (see [`tool_available`]).
pub fn qemu_available(test: &str) -> bool {
    tool_available("qemu-system-riscv64", test)
}

/// Runs an ELF file on QEMU's virt machine exactly as the README describes.
pub fn run_qemu(elf: &Path) -> Output {
    let mut command = Command::new("qemu-system-riscv64");
    command.args(["-machine", "virt", "-bios", "none", "-m", "128M", "-nographic", "-kernel"]).arg(elf);
    run_with_timeout(&mut command, RUN_TIMEOUT)
}

/// Human-readable summary of a run, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A self-checking program must exit 0 on rvsim and on QEMU.
pub fn self_checking(name: &str) {
    let program = elf(name);
    let ours = run_rvsim(&program, &[]);
    assert_eq!(
        ours.status.code(),
        Some(0),
        "{name} failed on rvsim (exit status = failing case):\n{}",
        describe(&ours)
    );
    if qemu_available(name) {
        let theirs = run_qemu(&program);
        assert_eq!(theirs.status.code(), Some(0), "{name} failed on QEMU:\n{}", describe(&theirs));
    }
}

/// A program checked against the specification where QEMU deviates: exit 0
/// on rvsim only. Programs named `*_adfault_rvsim_only` run with
/// `--ad fault` (Spike's A/D policy, which QEMU does not offer).
pub fn rvsim_only(name: &str) {
    let flags: &[&str] = if name.ends_with("_adfault_rvsim_only") { &["--ad", "fault"] } else { &[] };
    let ours = run_rvsim(&elf(name), flags);
    assert_eq!(
        ours.status.code(),
        Some(0),
        "{name} failed on rvsim (exit status = failing case):\n{}",
        describe(&ours)
    );
}

/// A program whose output (register dumps) must be the same on rvsim and
/// QEMU, byte for byte.
pub fn differential(name: &str) {
    let program = elf(name);
    let ours = run_rvsim(&program, &[]);
    assert_eq!(ours.status.code(), Some(0), "{name} failed on rvsim:\n{}", describe(&ours));
    assert!(ours.stdout.len() > 1000, "{name} printed almost nothing:\n{}", describe(&ours));
    if qemu_available(name) {
        let theirs = run_qemu(&program);
        assert_eq!(theirs.status.code(), Some(0), "{name} failed on QEMU:\n{}", describe(&theirs));
        if ours.stdout != theirs.stdout {
            let (a, b) = (String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&theirs.stdout));
            let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
            panic!(
                "{name}: rvsim and QEMU differ first at output line {} (dump blocks are 32 lines, 65 in the fp_torture programs):\n  rvsim: {}\n  qemu:  {}",
                line + 1,
                a.lines().nth(line).unwrap_or(""),
                b.lines().nth(line).unwrap_or("")
            );
        }
    }
}

/// A minimal 64-bit RISC-V ELF executable: `segments` are (physical
/// address, contents) pairs loaded as they are.
pub fn make_elf64(entry: u64, segments: &[(u64, &[u8])]) -> Vec<u8> {
    const EHSIZE: usize = 64;
    const PHSIZE: usize = 56;
    let mut elf = Vec::new();
    elf.extend_from_slice(b"\x7fELF");
    elf.extend_from_slice(&[2, 1, 1, 0]); // 64-bit, little-endian, version 1, SysV ABI
    elf.extend_from_slice(&[0; 8]);
    elf.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    elf.extend_from_slice(&243u16.to_le_bytes()); // EM_RISCV
    elf.extend_from_slice(&1u32.to_le_bytes());
    elf.extend_from_slice(&entry.to_le_bytes());
    elf.extend_from_slice(&(EHSIZE as u64).to_le_bytes()); // e_phoff
    elf.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    elf.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for v in [EHSIZE as u16, PHSIZE as u16, segments.len() as u16, 64, 0, 0] {
        elf.extend_from_slice(&v.to_le_bytes());
    }
    let mut offset = EHSIZE + PHSIZE * segments.len();
    for (addr, data) in segments {
        elf.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        elf.extend_from_slice(&7u32.to_le_bytes()); // RWX
        for v in [offset as u64, *addr, *addr, data.len() as u64, data.len() as u64, 0x1000] {
            elf.extend_from_slice(&v.to_le_bytes());
        }
        offset += data.len();
    }
    for (_, data) in segments {
        elf.extend_from_slice(data);
    }
    elf
}

/// The header of a 32-bit RISC-V ELF file (enough to be recognised).
pub fn make_elf32_header() -> Vec<u8> {
    let mut elf = vec![0u8; 52];
    elf[..4].copy_from_slice(b"\x7fELF");
    elf[4] = 1; // ELFCLASS32
    elf[5] = 1; // little-endian
    elf[6] = 1;
    elf[16] = 2; // ET_EXEC
    elf[18] = 243; // EM_RISCV
    elf
}

/// A scratch directory for files a test writes, unique to the test.
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = target_dir().join("test-scratch").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// The outside test corpus (`../shared/corpus` beside the repository, or
/// `RVSIM_CORPUS`), or `None` after saying loudly that it is missing; with
/// RVSIM_REQUIRE_TOOLS=1 (as CI sets) a missing corpus fails the test.
pub fn corpus(test: &str) -> Option<PathBuf> {
    let dir =
        std::env::var_os("RVSIM_CORPUS").map(PathBuf::from).unwrap_or_else(|| repo_root().join("../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("RVSIM_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("{test}: the test corpus is required (RVSIM_REQUIRE_TOOLS=1) but {} is missing", dir.display());
    }
    eprintln!("SKIPPED (no test corpus at {}; set RVSIM_CORPUS): {test}", dir.display());
    None
}

/// Debian's cross compiler and qemu-user (to build C programs and get
/// Linux's answer), or a loud skip (see [`tool_available`]).
pub fn c_tools(test: &str) -> bool {
    tool_available("riscv64-linux-gnu-gcc", test) && tool_available("qemu-riscv64", test)
}

/// `tests/c/NAME.c`, built into `dir` with Debian's cross compiler
/// (static glibc, with pthreads and libm), warnings as errors.
pub fn build_c(name: &str, dir: &Path) -> PathBuf {
    let source = repo_root().join("tests/c").join(format!("{name}.c"));
    let program = dir.join(name);
    let output = Command::new("riscv64-linux-gnu-gcc")
        .args(["-static", "-O2", "-Wall", "-Werror", "-pthread", "-o"])
        .arg(&program)
        .arg(&source)
        .arg("-lm")
        .output()
        .expect("run the cross compiler");
    assert!(output.status.success(), "{}: {}", source.display(), describe(&output));
    program
}

/// Two free UDP ports on 127.0.0.1.
pub fn two_udp_ports() -> (u16, u16) {
    let a = std::net::UdpSocket::bind("127.0.0.1:0").expect("a socket");
    let b = std::net::UdpSocket::bind("127.0.0.1:0").expect("a socket");
    (a.local_addr().expect("port").port(), b.local_addr().expect("port").port())
}

/// Runs `rvsim run OPTIONS PROGRAM ARGS` as two rvsim processes joined
/// over UDP on 127.0.0.1; returns each one's output in node order (the
/// lower port is node 0), after checking that both exited 0.
pub fn over_udp(options: &[&str], program: &str, args: &[&str]) -> Vec<String> {
    let (a, b) = two_udp_ports();
    let start = |me: u16, peer: u16| {
        let mut command = rvsim();
        let spec = format!("listen=127.0.0.1:{me},peer=127.0.0.1:{peer}");
        command.args(["run", "--net", &spec]).args(options).arg(program).args(args);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command.spawn().expect("rvsim starts")
    };
    let (first, second) = (start(a, b), start(b, a));
    let mut outs: Vec<String> = [first, second]
        .into_iter()
        .map(|child| {
            let out = wait_for(&rvsim(), child, RUN_TIMEOUT + Duration::from_secs(30));
            assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    if b < a {
        outs.reverse();
    }
    outs
}

/// A file Debian's packages gave (`scripts/fetch-debian.sh` puts them in
/// `$RVSIM_DEBIAN_CACHE`, by default `~/.cache/rvsim/debian`): `name` is
/// its path in that cache. `None` after saying loudly that it is missing;
/// with RVSIM_REQUIRE_TOOLS=1 a missing file fails the test.
pub fn debian_file(test: &str, name: &str) -> Option<PathBuf> {
    let cache = std::env::var_os("RVSIM_DEBIAN_CACHE")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".cache/rvsim/debian"));
    let path = cache.join(name);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("RVSIM_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!(
            "{test}: {name} is required (RVSIM_REQUIRE_TOOLS=1) but {} is missing; run scripts/fetch-debian.sh",
            path.display()
        );
    }
    eprintln!("SKIPPED (no {name} at {}; run scripts/fetch-debian.sh): {test}", path.display());
    None
}

/// The riscv-tests suites rvsim implements (ziccid: instruction fetch sees
/// the stores before it); the README says why the others (zbc, zbkb,
/// zbkx, zfh, zicbo, svnapot) are not run.
pub const RISCV_SUITES: &[&str] = &["ui", "um", "ua", "uc", "uf", "ud", "si", "mi", "uzba", "uzbb", "uzbs", "uziccid"];

/// Every riscv-tests ELF of `suite` in the corpus's `isa` directory,
/// sorted.
pub fn riscv_tests_of(isa: &Path, suite: &str) -> Vec<PathBuf> {
    let prefix = format!("rv64{suite}-");
    let mut tests: Vec<PathBuf> = std::fs::read_dir(isa)
        .expect("the corpus's isa directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && !n.ends_with(".dump"))
        })
        .collect();
    tests.sort();
    tests
}
