//! The `rvsim` command line: running programs, exit statuses, and a
//! one-line error (never a panic) for every kind of bad input.

mod common;

use std::process::Output;

use common::{RUN_TIMEOUT, describe, make_elf32_header, make_elf64, run_rvsim, run_with_timeout, rvsim, scratch_dir};

fn rvsim_args(args: &[&str]) -> Output {
    run_with_timeout(rvsim().args(args), RUN_TIMEOUT)
}

/// A bad-input run: the given exit status, and exactly one line on stderr
/// that contains every `needles` entry — no backtrace, no panic.
fn assert_one_line_error(output: &Output, status: i32, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(status), "{}", describe(output));
    assert_eq!(stderr.lines().count(), 1, "expected one line on stderr:\n{stderr}");
    assert!(stderr.starts_with("rvsim: error: "), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "stderr lacks {needle:?}: {stderr}");
    }
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
}

fn write_file(test: &str, name: &str, bytes: &[u8]) -> String {
    let path = scratch_dir(test).join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path.display().to_string()
}

#[test]
fn uart_output_and_finisher_exit_code_reach_the_host() {
    let program = common::elf("uart_exit");
    let ours = run_rvsim(&program, &[]);
    assert_eq!(ours.status.code(), Some(42), "{}", describe(&ours));
    assert_eq!(String::from_utf8_lossy(&ours.stdout), "hello from the UART\n");
    assert!(ours.stderr.is_empty(), "{}", describe(&ours));
    if common::qemu_available("uart_output_and_finisher_exit_code_reach_the_host") {
        let theirs = common::run_qemu(&program);
        assert_eq!(theirs.status.code(), Some(42), "{}", describe(&theirs));
        assert_eq!(ours.stdout, theirs.stdout);
    }
}

#[test]
fn htif_tohost_prints_and_exits_as_on_spike() {
    let output = run_rvsim(&common::elf("tohost_exit"), &[]);
    assert_eq!(output.status.code(), Some(21), "{}", describe(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
}

#[test]
fn built_in_hello_reads_the_device_tree() {
    let output = rvsim_args(&["run", "--kernel", "bare-hello", "--memory", "64M"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Hello from bare-metal RV64!"), "{stdout}");
    assert!(stdout.contains("memory: 0x4000000 bytes (64 MiB) at 0x80000000"), "{stdout}");
    assert!(stdout.contains("misa says rv64acdfimsu"), "{stdout}");
}

/// The FP workload's checksum folds the bits of every result: QEMU must
/// compute the same.
#[test]
fn fp_mix_computes_what_qemu_computes() {
    let output = rvsim_args(&["run", "--kernel", "fp-mix", "--append", "rounds=50"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let ours = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(ours.starts_with("fp-mix: 50 rounds, checksum 0x"), "{ours}");
    if !common::qemu_available("fp_mix_computes_what_qemu_computes") {
        return;
    }
    let dir = scratch_dir("fp_mix_computes_what_qemu_computes");
    let image = rvsim_args(&["image", dir.to_str().expect("a UTF-8 path")]);
    assert!(image.status.success(), "{}", describe(&image));
    let mut qemu = std::process::Command::new("qemu-system-riscv64");
    qemu.args(["-machine", "virt", "-bios", "none", "-m", "128M", "-nographic", "-append", "rounds=50", "-kernel"])
        .arg(dir.join("fp-mix.elf"));
    let theirs = run_with_timeout(&mut qemu, RUN_TIMEOUT);
    assert_eq!(String::from_utf8_lossy(&theirs.stdout), ours, "{}", describe(&theirs));
}

#[test]
fn list_names_the_built_in_images() {
    let output = rvsim_args(&["list"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("bare-hello") && stdout.contains("cpu-mix"), "{stdout}");
}

#[test]
fn instruction_limit_stops_with_its_own_status() {
    let output = rvsim_args(&["run", "--kernel", "cpu-mix", "--max-insns", "1000"]);
    assert_eq!(output.status.code(), Some(124), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("stopped after 1000 instructions"), "{stderr}");
}

#[test]
fn a_trap_loop_is_reported_as_stuck() {
    let output = run_rvsim(&common::elf("stuck_trap_loop"), &[]);
    assert_eq!(output.status.code(), Some(125), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("stuck") && stderr.contains("instruction access fault"), "{stderr}");
}

#[test]
fn wfi_that_nothing_can_wake_is_reported_as_stuck() {
    let output = run_rvsim(&common::elf("stuck_wfi"), &[]);
    assert_eq!(output.status.code(), Some(125), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no enabled interrupt can wake it"));
}

#[test]
fn missing_file() {
    let output = rvsim_args(&["run", "--kernel", "/nonexistent/kernel.elf"]);
    assert_one_line_error(&output, 3, &["/nonexistent/kernel.elf", "no such file"]);
}

#[test]
fn unknown_name_is_neither_file_nor_built_in() {
    let output = rvsim_args(&["run", "--kernel", "no-such-image"]);
    assert_one_line_error(&output, 3, &["no-such-image", "no such file", "rvsim list"]);
}

#[test]
fn not_an_elf_file() {
    let path = write_file("not_an_elf_file", "notes.txt", b"these are not instructions\n");
    assert_one_line_error(
        &rvsim_args(&["run", "--kernel", &path]),
        3,
        &[&path, "neither an ELF file nor a RISC-V Linux Image"],
    );
}

#[test]
fn bad_firmware_and_boot_files_are_one_line_errors() {
    let test = "bad_firmware_and_boot_files_are_one_line_errors";
    // (Each write_file starts its directory afresh: one directory each.)
    let empty = write_file(&format!("{test}_empty"), "empty.bin", b"");
    let raw = write_file(test, "jump.bin", &0x0000_0067u32.to_le_bytes());
    let cases: [(&[&str], i32, &[&str]); 6] = [
        (&["--bios", "/nonexistent/fw.bin", "--kernel", "cpu-mix"], 3, &["/nonexistent/fw.bin", "no such file"]),
        (&["--bios", &empty, "--kernel", "cpu-mix"], 3, &[&empty, "an empty file is no firmware"]),
        // cpu-mix links at 0x80000000, where raw firmware goes too.
        (&["--bios", &raw, "--kernel", "cpu-mix"], 3, &[&raw, "overlaps the kernel"]),
        (&["--kernel", "cpu-mix", "--initrd", "/nonexistent/initrd"], 3, &["/nonexistent/initrd", "no such file"]),
        (&["--bios", &raw, "forktest"], 2, &["--bios is for a --kernel booted bare"]),
        (&["--initrd", &raw, "forktest"], 2, &["--initrd is for a --kernel booted bare"]),
    ];
    for (args, status, needles) in cases {
        let output = rvsim_args(&[&["run"], args].concat());
        assert_one_line_error(&output, status, needles);
    }
}

#[test]
fn firmware_that_jumps_to_nothing_ends_as_a_stuck_hart() {
    // `jr x0`: every hart jumps to address 0, where nothing answers; the
    // fetch faults to mtvec (0 at reset), again and again.
    let path =
        write_file("firmware_that_jumps_to_nothing_ends_as_a_stuck_hart", "jump.bin", &0x0000_0067u32.to_le_bytes());
    for harts in ["1", "3"] {
        let output = rvsim_args(&["run", "--bios", &path, "--smp", harts]);
        assert_eq!(output.status.code(), Some(125), "{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("stuck") && stderr.contains("instruction access fault"), "{stderr}");
    }
}

#[test]
fn elf_for_another_architecture() {
    // This test binary itself is an ELF file for the host (x86-64 here).
    let exe = std::env::current_exe().unwrap().display().to_string();
    let output = rvsim_args(&["run", "--kernel", &exe]);
    assert_one_line_error(&output, 3, &[&exe, "not RISC-V"]);
}

#[test]
fn thirty_two_bit_elf() {
    let path = write_file("thirty_two_bit_elf", "rv32.elf", &make_elf32_header());
    assert_one_line_error(&rvsim_args(&["run", "--kernel", &path]), 3, &[&path, "32-bit"]);
}

#[test]
fn truncated_elf() {
    let elf = make_elf64(0x8000_0000, &[(0x8000_0000, &[0x13, 0, 0, 0])]);
    let path = write_file("truncated_elf", "cut.elf", &elf[..80]);
    assert_one_line_error(&rvsim_args(&["run", "--kernel", &path]), 3, &[&path]);
}

#[test]
fn segment_outside_ram() {
    let elf = make_elf64(0x8000_0000, &[(0x8000_0000, &[0x13, 0, 0, 0]), (0x1000, &[0; 16])]);
    let path = write_file("segment_outside_ram", "low.elf", &elf);
    let output = rvsim_args(&["run", "--kernel", &path]);
    assert_one_line_error(&output, 3, &[&path, "segment at 0x1000", "outside RAM"]);
}

#[test]
fn segment_past_the_end_of_a_smaller_ram() {
    let elf = make_elf64(0x8000_0000, &[(0x8000_0000, &[0x13, 0, 0, 0]), (0x8100_0000, &[0; 16])]);
    let path = write_file("segment_past_the_end_of_a_smaller_ram", "high.elf", &elf);
    let output = rvsim_args(&["run", "--memory", "16M", "--kernel", &path]);
    assert_one_line_error(&output, 3, &[&path, "outside RAM", "0x81000000"]);
}

#[test]
fn entry_point_outside_memory() {
    let elf = make_elf64(0x1000, &[(0x8000_0000, &[0x13, 0, 0, 0])]);
    let path = write_file("entry_point_outside_memory", "entry.elf", &elf);
    assert_one_line_error(&rvsim_args(&["run", "--kernel", &path]), 3, &[&path, "entry point 0x1000"]);
}

#[test]
fn bad_memory_values() {
    for value in ["12XB", "0", "17G", "-5", "1025K", "99999999999999999999"] {
        let output = rvsim_args(&["run", "--kernel", "bare-hello", "--memory", value]);
        assert_one_line_error(&output, 2, &["--memory", value]);
    }
}

#[test]
fn too_little_memory_for_the_kernel_is_refused_naming_the_least_that_works() {
    // 2M used to panic the kernel ("no memory for the kernel page table").
    let output = rvsim_args(&["run", "--memory", "2M", "hello"]);
    assert_one_line_error(&output, 2, &["--memory 2M", "too small", "at least"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let least: u64 = stderr
        .split("at least ")
        .nth(1)
        .and_then(|rest| rest.trim().strip_suffix('M'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no size in {stderr}"));
    let enough = rvsim_args(&["run", "--memory", &format!("{least}M"), "hello"]);
    assert_eq!(enough.status.code(), Some(0), "the size named must boot: {}", describe(&enough));
    let less = rvsim_args(&["run", "--memory", &format!("{}M", least - 1), "hello"]);
    assert_one_line_error(&less, 2, &["too small"]);
}

#[test]
fn bad_drives_and_swap_disks_are_one_line_errors() {
    let dir = scratch_dir("bad_drives_and_swap_disks_are_one_line_errors");
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", fifo.display());
    let fifo = fifo.display().to_string();
    let odd = dir.join("odd.img");
    std::fs::write(&odd, vec![0u8; 1000]).expect("write odd.img");
    let data = dir.join("data.img");
    std::fs::write(&data, vec![0u8; 64 << 10]).expect("write data.img");
    let (dir, odd, data) = (dir.display().to_string(), odd.display().to_string(), data.display().to_string());
    let nosuch = format!("{dir}/nosuch.img");
    for (flag, value, needle) in [
        ("--drive", nosuch.as_str(), "nosuch.img"),
        ("--drive", dir.as_str(), "not a regular file"),
        ("--drive", fifo.as_str(), "not a regular file"),
        ("--drive", odd.as_str(), "512-byte sectors"),
        ("--drive", &format!("{data},snapshot"), "unknown drive option"),
        ("--swap", "1000", "512-byte sectors"),
        ("--swap", "0", "512-byte sectors"),
        ("--swap", nosuch.as_str(), "no such file"),
        ("--swap", fifo.as_str(), "not a regular file"),
        ("--swap", dir.as_str(), "not a regular file"),
        ("--swap", data.as_str(), "not swap space"),
        ("--swap", &format!("{data},readonly"), "must be writable"),
    ] {
        let output = rvsim_quick(&["run", flag, value, "hello"]);
        assert_one_line_error(&output, 2, &[flag, needle]);
    }
}

#[test]
fn attached_disks_are_counted_in_the_statistics() {
    let output = rvsim_args(&["run", "--swap", "1M", "--stats", "hello"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("disk virtio0 (1 MiB)\n  requests "), "{stderr}");
    let json = scratch_dir("attached_disks_are_counted_in_the_statistics").join("stats.json");
    let json_path = json.to_str().expect("a UTF-8 scratch path");
    let output = rvsim_args(&["run", "--swap", "2M", "--stats-json", json_path, "hello"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("statistics written")).expect("valid JSON");
    assert_eq!(stats["disks"][0]["slot"], 0);
    assert_eq!(stats["disks"][0]["sectors"], 4096);
}

#[test]
fn bad_flags() {
    assert_one_line_error(&rvsim_args(&["run", "--kernel", "bare-hello", "--frobnicate"]), 2, &["--frobnicate"]);
    assert_one_line_error(&rvsim_args(&["run"]), 2, &["--kernel"]);
    assert_one_line_error(&rvsim_args(&["run", "--kernel", "bare-hello", "--max-insns", "many"]), 2, &["--max-insns"]);
    assert_one_line_error(&rvsim_args(&["jump"]), 2, &["jump"]);
}

/// A limit for runs that must fail at once: a regression that blocks
/// (a FIFO) or reads without end (a device) fails the test instead of
/// hanging it.
const QUICK: std::time::Duration = std::time::Duration::from_secs(20);

fn rvsim_quick(args: &[&str]) -> Output {
    run_with_timeout(rvsim().args(args), QUICK)
}

/// A FIFO in a scratch directory (made with mkfifo(1)).
fn make_fifo(test: &str) -> String {
    let path = scratch_dir(test).join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&path).status().expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
    path.display().to_string()
}

#[test]
fn a_fifo_as_kernel_or_program_is_refused_at_once() {
    let fifo = make_fifo("a_fifo_as_kernel_or_program_is_refused_at_once");
    let output = rvsim_quick(&["run", "--kernel", &fifo]);
    assert_one_line_error(&output, 3, &[&fifo, "a FIFO, not a regular file"]);
    let output = rvsim_quick(&["run", &fifo]);
    assert_one_line_error(&output, 3, &[&fifo, "a FIFO, not a regular file"]);
    let output = rvsim_quick(&["run", "--kernel", &fifo, "hello"]);
    assert_one_line_error(&output, 3, &[&fifo, "a FIFO, not a regular file"]);
}

#[test]
fn devices_are_refused_not_read() {
    for device in ["/dev/zero", "/dev/urandom"] {
        let output = rvsim_quick(&["run", "--kernel", device]);
        assert_one_line_error(&output, 3, &[device, "a character device, not a regular file"]);
        let output = rvsim_quick(&["run", device]);
        assert_one_line_error(&output, 3, &[device, "a character device, not a regular file"]);
    }
    let output =
        rvsim_quick(&["image", &scratch_dir("devices_are_refused_not_read").display().to_string(), "/dev/zero"]);
    assert_one_line_error(&output, 3, &["/dev/zero", "not a regular file"]);
}

#[test]
fn a_file_larger_than_ram_is_refused() {
    // A sound ELF file that would load, made longer than the 16 MiB of
    // RAM (sparse, so nothing is written).
    let elf = make_elf64(0x8000_0000, &[(0x8000_0000, &[0x13, 0, 0, 0])]);
    let path = write_file("a_file_larger_than_ram_is_refused", "long.elf", &elf);
    std::fs::File::options().write(true).open(&path).and_then(|f| f.set_len(17 << 20)).expect("extend the file");
    let output = rvsim_quick(&["run", "--memory", "16M", "--kernel", &path]);
    assert_one_line_error(&output, 3, &[&path, "larger than the guest's RAM (16 MiB)"]);
    let output = rvsim_quick(&["run", "--memory", "16M", &path]);
    assert_one_line_error(&output, 3, &[&path, "larger than the guest's RAM (16 MiB)"]);
}

#[test]
fn a_directory_is_not_a_program() {
    let dir = scratch_dir("a_directory_is_not_a_program").display().to_string();
    assert_one_line_error(&rvsim_quick(&["run", "--kernel", &dir]), 3, &[&dir, "a directory, not a regular file"]);
    assert_one_line_error(&rvsim_quick(&["run", &dir]), 3, &[&dir, "a directory, not a regular file"]);
}

#[test]
fn names_with_newlines_are_quoted_on_one_line() {
    let name = "no\nsuch";
    let quoted = r#""no\nsuch""#;
    assert_one_line_error(&rvsim_args(&["run", name]), 3, &[quoted, "no such file"]);
    assert_one_line_error(&rvsim_args(&["run", "--kernel", name]), 3, &[quoted, "no such file"]);
    assert_one_line_error(&rvsim_args(&["run", "--kernel", name, "hello"]), 3, &[quoted, "no such file"]);
    let dir = scratch_dir("names_with_newlines_are_quoted_on_one_line");
    let text = dir.join("not\nelf.txt");
    std::fs::write(&text, "text\n").expect("write test file");
    let shown = format!("{:?}", text.display().to_string());
    assert_one_line_error(&rvsim_args(&["run", &text.display().to_string()]), 3, &[&shown, "not an ELF file"]);
    let hidden = dir.join("no\ndir/trace.txt").display().to_string();
    let output = rvsim_args(&["run", "--kernel", "bare-hello", "--trace", "insn", "--trace-file", &hidden]);
    assert_one_line_error(&output, 2, &[&format!("{hidden:?}"), "cannot write the trace"]);
    let output = rvsim_args(&["run", "--kernel", "bare-hello", "--trace", "insn", "--trace-from", name]);
    assert_one_line_error(&output, 2, &["--trace-from", quoted]);
    assert_one_line_error(&rvsim_args(&["run", "--kernel", "bare-hello", "--gdb", name]), 2, &["--gdb", quoted]);
    let output = rvsim_args(&["image", &dir.join("out").display().to_string(), name]);
    assert_one_line_error(&output, 3, &[quoted, "no such file"]);
}

#[test]
fn list_and_key_value_options_refuse_empty_repeated_and_unknown_items() {
    let run = |option: &str, value: &str| rvsim_args(&["run", "--kernel", "bare-hello", option, value]);
    for (option, value, says) in [
        ("--tlb", "", "the list is empty"),
        ("--tlb", "entries=64,entries=32", "the key \"entries\" is given twice"),
        ("--tlb", "entries=64,,ways=4", "an empty item"),
        ("--tlb", "entries=", "\"entries\" has no value"),
        ("--tlb", "size=8", "unknown key 'size'"),
        ("--trace", "", "the list is empty"),
        ("--trace", "insn,insn", "\"insn\" is given twice"),
        ("--trace", "insn,", "an empty item"),
        ("--trace", "all,insn", "'all' already names everything"),
        ("--trace", "bogus", "unknown trace category 'bogus'"),
        ("--trace-limit", "0", "--trace-limit"),
    ] {
        assert_one_line_error(&run(option, value), 2, &[option, says]);
    }
    let program = |option: &str, value: &str| rvsim_args(&["run", option, value, "hello"]);
    for (value, says) in [
        ("bogus", "unknown kernel log \"bogus\" (known: vm, vmstat, syscalls, dsm)"),
        ("", "the list is empty"),
        ("vm,vm", "\"vm\" is given twice"),
        ("vm,", "an empty item"),
    ] {
        assert_one_line_error(&program("--kernel-log", value), 2, &["--kernel-log", says]);
    }
    let bare = rvsim_args(&["run", "--kernel", "bare-hello", "--kernel-log", "vm"]);
    assert_one_line_error(&bare, 2, &["--kernel-log needs a PROGRAM"]);
    let sweep = |option: &str, value: &str| rvsim_args(&["bench", "tlb", option, value, "hello"]);
    for (option, value, says) in [
        ("--entries", "", "the list is empty"),
        ("--entries", "8,8", "\"8\" is given twice"),
        ("--entries", "8..32,16", "\"16\" is given twice"),
        ("--entries", "8,,16", "an empty item"),
        ("--ways", "4,04", "\"4\" is given twice"),
        ("--ways", "full,full", "\"full\" is given twice"),
        ("--ways", "", "the list is empty"),
        ("--policy", "lru,lru", "\"lru\" is given twice"),
        ("--policy", "all,lru", "'all' already names everything"),
        ("--policy", "", "the list is empty"),
    ] {
        assert_one_line_error(&sweep(option, value), 2, &[option, says]);
    }
}

#[test]
fn sound_lists_are_still_accepted() {
    let output = rvsim_args(&["run", "--kernel", "bare-hello", "--tlb", " entries=8 , ways=full ", "--stats"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("entries=8,ways=8,policy=lru"), "{}", describe(&output));
    let output = rvsim_args(&["run", "--kernel-log", "vm", "hello"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("[vm] pid 1"), "{}", describe(&output));
}

/// Runs `rvsim ARGS...` with its standard output (`to_stdout`) or its
/// standard error going to /dev/full, where every write fails; returns
/// the exit status and what reached the other stream.
fn run_into_full_device(args: &[&str], to_stdout: bool) -> (Option<i32>, String) {
    use std::process::Stdio;
    let full = || std::fs::File::options().write(true).open("/dev/full").expect("/dev/full (Linux)");
    let mut command = rvsim();
    command.args(args).stdin(Stdio::null());
    if to_stdout {
        command.stdout(full()).stderr(Stdio::piped());
    } else {
        command.stdout(Stdio::piped()).stderr(full());
    }
    let mut child = command.spawn().expect("spawn rvsim");
    let mut other = String::new();
    let pipe: Box<dyn std::io::Read + Send> = match (child.stdout.take(), child.stderr.take()) {
        (Some(out), _) => Box::new(out),
        (_, Some(err)) => Box::new(err),
        _ => unreachable!("one stream is piped"),
    };
    let reader = std::thread::spawn(move || {
        let mut pipe = pipe;
        let _ = pipe.read_to_string(&mut other);
        other
    });
    let deadline = std::time::Instant::now() + QUICK;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("rvsim {args:?} did not finish within {QUICK:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    (status.code(), reader.join().expect("reader"))
}

/// The exit status when the guest ran but rvsim could not write its
/// results (EX_IOERR of sysexits.h).
const OUTPUT_FAILED: i32 = 74;

#[test]
fn statistics_that_cannot_be_written_are_an_error() {
    let dir = scratch_dir("statistics_that_cannot_be_written_are_an_error").display().to_string();
    for path in ["/nonexistent/dir/x.json", dir.as_str()] {
        let output = rvsim_args(&["run", "--kernel", "bare-hello", "--stats-json", path]);
        assert_one_line_error(&output, 2, &[&format!("{path:?}"), "cannot write statistics"]);
        assert!(output.stdout.is_empty(), "refused before the run: {}", describe(&output));
    }
    let output = rvsim_args(&["run", "--kernel", "bare-hello", "--stats-json", "/dev/full"]);
    assert_one_line_error(&output, OUTPUT_FAILED, &["\"/dev/full\"", "cannot write statistics", "No space left"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("Hello from bare-metal RV64!"), "the guest ran");
}

#[test]
fn a_trace_that_cannot_be_written_is_an_error() {
    let output = rvsim_args(&["run", "--kernel", "bare-hello", "--trace", "insn", "--trace-file", "/dev/full"]);
    assert_one_line_error(&output, OUTPUT_FAILED, &["\"/dev/full\"", "cannot write the trace", "No space left"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("Hello from bare-metal RV64!"), "the guest ran");
    let (status, stdout) = run_into_full_device(&["run", "--kernel", "bare-hello", "--trace", "insn"], false);
    assert_eq!(status, Some(OUTPUT_FAILED), "{stdout}");
    assert!(stdout.contains("Hello from bare-metal RV64!"), "the guest ran: {stdout}");
}

#[test]
fn console_output_that_cannot_be_written_is_an_error() {
    let (status, stderr) = run_into_full_device(&["run", "hello"], true);
    assert_eq!(status, Some(OUTPUT_FAILED), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("rvsim: error: cannot write the console output"), "{stderr}");
    assert!(stderr.contains("No space left"), "{stderr}");
    let (status, stderr) = run_into_full_device(&["run", "--kernel", "bare-hello"], true);
    assert_eq!(status, Some(OUTPUT_FAILED), "{stderr}");
    let (status, stdout) = run_into_full_device(&["run", "--stats", "hello"], false);
    assert_eq!(status, Some(OUTPUT_FAILED), "{stdout}");
    assert!(stdout.contains("hello from user space!"), "{stdout}");
}

#[test]
fn listings_that_cannot_be_written_are_an_error_not_a_panic() {
    let dir = scratch_dir("listings_that_cannot_be_written_are_an_error_not_a_panic").display().to_string();
    for args in [&["list"][..], &["image", &dir], &["run", "--help"], &["bench", "mmu", "--runs", "1"]] {
        let (status, stderr) = run_into_full_device(args, true);
        assert_eq!(status, Some(OUTPUT_FAILED), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("rvsim: error: cannot write"), "{args:?}: {stderr}");
    }
}

#[test]
fn the_guest_status_is_kept_when_the_results_are_written() {
    let path = scratch_dir("the_guest_status_is_kept_when_the_results_are_written").join("stats.json");
    let output = rvsim_args(&["run", "--stats-json", &path.display().to_string(), "exitcode", "3"]);
    assert_eq!(output.status.code(), Some(3), "{}", describe(&output));
    assert!(output.stderr.is_empty(), "{}", describe(&output));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("stats written")).expect("JSON");
    assert!(json["hart"]["retired"].as_u64().is_some_and(|n| n > 0), "{json}");
}

/// Little-endian fields of an ELF file.
fn field(elf: &[u8], at: usize, size: usize) -> usize {
    elf[at..at + size].iter().rev().fold(0, |value, &byte| value << 8 | byte as usize)
}

fn set_field(elf: &mut [u8], at: usize, size: usize, value: u64) {
    elf[at..at + size].copy_from_slice(&value.to_le_bytes()[..size]);
}

/// Section `index`'s type, link, file offset and size.
fn section(elf: &[u8], index: usize) -> (usize, usize, usize, usize) {
    let header = field(elf, 0x28, 8) + index * 64;
    (field(elf, header + 4, 4), field(elf, header + 40, 4), field(elf, header + 24, 8), field(elf, header + 32, 8))
}

/// Makes the names in the string table of section `index` invalid UTF-8.
fn garble_strings(elf: &mut [u8], index: usize) {
    let (_, _, offset, size) = section(elf, index);
    elf[offset..offset + size].iter_mut().filter(|b| **b != 0).for_each(|b| *b = 0xff);
}

/// `elf` with one part corrupted: e_shoff past the end of the file,
/// e_shnum far too large, the section names or the symbol names not
/// UTF-8; or, for what must still be refused, the program headers' offset,
/// count or entry size.
fn corrupt(elf: &[u8], part: &str) -> Vec<u8> {
    let mut elf = elf.to_vec();
    let beyond = elf.len() as u64 + 0x1000;
    match part {
        "e_shoff" => set_field(&mut elf, 0x28, 8, beyond),
        "e_shnum" => set_field(&mut elf, 0x3c, 2, 0xffff),
        "section names" => {
            let names = field(&elf, 0x3e, 2);
            garble_strings(&mut elf, names);
        }
        "symbol names" => {
            let symtab = (0..field(&elf, 0x3c, 2)).find(|&i| section(&elf, i).0 == 2).expect("a symbol table");
            let strings = section(&elf, symtab).1;
            garble_strings(&mut elf, strings);
        }
        "e_phoff" => set_field(&mut elf, 0x20, 8, beyond),
        "e_phnum" => set_field(&mut elf, 0x38, 2, 0xffff),
        "e_phentsize" => set_field(&mut elf, 0x36, 2, 32),
        _ => unreachable!("no part {part}"),
    }
    elf
}

/// File `name` of a cpio "newc" archive.
fn from_cpio(archive: &[u8], name: &str) -> Vec<u8> {
    let pad = |n: usize| n.next_multiple_of(4);
    let mut at = 0;
    while archive[at..].starts_with(b"070701") {
        let hex = |i: usize| {
            let field = std::str::from_utf8(&archive[at + 6 + 8 * i..][..8]).expect("a cpio header field is text");
            usize::from_str_radix(field, 16).expect("a cpio header field is hex")
        };
        let (size, name_size) = (hex(6), hex(11));
        let data = pad(at + 110 + name_size);
        if &archive[at + 110..at + 110 + name_size - 1] == name.as_bytes() {
            return archive[data..data + size].to_vec();
        }
        at = pad(data + size);
    }
    panic!("no {name} in the archive");
}

const SECTION_CORRUPTIONS: [&str; 4] = ["e_shoff", "e_shnum", "section names", "symbol names"];

/// A run that must succeed with a one-line warning that `path` lost its
/// symbols, and print `expected`.
fn assert_runs_without_symbols(output: &Output, path: &str, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{}", describe(output));
    assert!(String::from_utf8_lossy(&output.stdout).contains(expected), "{}", describe(output));
    assert_eq!(stderr.lines().count(), 1, "one warning line:\n{stderr}");
    assert!(stderr.starts_with(&format!("rvsim: warning: {path:?}: its section or symbol tables are corrupt")));
    assert!(stderr.trim_end().ends_with("loading it without symbols"), "{stderr}");
}

#[test]
fn elf_files_with_corrupt_sections_load_without_symbols() {
    let dir = scratch_dir("elf_files_with_corrupt_sections_load_without_symbols");
    let image = rvsim_args(&["image", &dir.display().to_string()]);
    assert_eq!(image.status.code(), Some(0), "{}", describe(&image));
    let read = |name: &str| std::fs::read(dir.join(name)).expect("rvsim image wrote it");
    let (bare, kernel) = (read("bare-hello.elf"), read("kernel.elf"));
    let hello = from_cpio(&read("initrd.cpio"), "hello");
    for (i, part) in SECTION_CORRUPTIONS.into_iter().enumerate() {
        let path = |name: &str| dir.join(format!("{i}-{name}")).display().to_string();
        let (bare_path, kernel_path, hello_path) = (path("bare.elf"), path("kernel.elf"), path("hello"));
        std::fs::write(&bare_path, corrupt(&bare, part)).expect("write");
        std::fs::write(&kernel_path, corrupt(&kernel, part)).expect("write");
        std::fs::write(&hello_path, corrupt(&hello, part)).expect("write");
        let output = rvsim_args(&["run", "--kernel", &bare_path]);
        assert_runs_without_symbols(&output, &bare_path, "Hello from bare-metal RV64!");
        let output = rvsim_args(&["run", "--kernel", &kernel_path, "hello", part]);
        assert_runs_without_symbols(&output, &kernel_path, "hello from user space! I am pid 1");
        let output = rvsim_args(&["run", &hello_path, "x"]);
        assert_runs_without_symbols(&output, &hello_path, "hello from user space! I am pid 1");
        assert!(String::from_utf8_lossy(&output.stdout).contains("argument 1: x"), "{}", describe(&output));
    }
}

#[test]
fn elf_files_with_bad_program_headers_are_refused() {
    let dir = scratch_dir("elf_files_with_bad_program_headers_are_refused");
    let image = rvsim_args(&["image", &dir.display().to_string()]);
    assert_eq!(image.status.code(), Some(0), "{}", describe(&image));
    let bare = std::fs::read(dir.join("bare-hello.elf")).expect("rvsim image wrote it");
    for part in ["e_phoff", "e_phnum", "e_phentsize"] {
        let path = dir.join(part).display().to_string();
        std::fs::write(&path, corrupt(&bare, part)).expect("write");
        let output = rvsim_args(&["run", "--kernel", &path]);
        assert_one_line_error(&output, 3, &[&format!("{path:?}"), "malformed program headers"]);
    }
}

#[test]
fn a_plot_that_cannot_be_written_is_refused_before_the_sweep() {
    let output = rvsim_args(&["bench", "tlb", "--entries", "8", "--plot", "/nonexistent/dir/hit.svg", "hello"]);
    assert_one_line_error(&output, 2, &["\"/nonexistent/dir/hit.svg\"", "cannot write the plot"]);
}

/// Standard input that has ended before the run (`/dev/null`, a file) is
/// read whole at the start, its Ctrl-D included, so that a guest idling
/// in `wfi` counts the same every time: read as it arrived, when the
/// reader thread saw its end decided whether idle waits slept in real
/// time (shmcounter's counts differed in about half its runs).
#[test]
fn ended_standard_input_gives_the_same_counts_every_run() {
    let test = "ended_standard_input_gives_the_same_counts_every_run";
    let counts: Vec<String> = (0..4)
        .map(|run| {
            let json = scratch_dir(test).join(format!("stats-{run}.json"));
            let output = rvsim_args(&["run", "--stats-json", &json.display().to_string(), "shmcounter"]);
            assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
            let mut stats: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&json).expect("statistics")).expect("JSON");
            if let Some(fields) = stats.as_object_mut() {
                fields.remove("translator");
            }
            stats.to_string()
        })
        .collect();
    assert!(counts[0].contains("\"retired\""), "{}", counts[0]);
    assert!(counts.iter().all(|c| *c == counts[0]), "counts differ between runs: {counts:#?}");
}

/// A file on standard input reaches the guest whole, then its end.
#[test]
fn a_file_on_standard_input_is_typed_at_the_console() {
    let test = "a_file_on_standard_input_is_typed_at_the_console";
    let path = write_file(test, "typed.txt", b"hello from-a-file\n");
    let file = std::fs::File::open(&path).expect("open");
    let output = common::wait_for(
        &rvsim(),
        rvsim()
            .args(["run", "sh"])
            .stdin(file)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn"),
        RUN_TIMEOUT,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(stdout.contains("from-a-file"), "the typed line ran hello with its argument: {stdout}");
}
