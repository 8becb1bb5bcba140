//! Stock xv6-riscv, built unmodified (`../shared/corpus/xv6-riscv`, see the
//! corpus README), boots on rvsim from its own file system on a virtio
//! disk, as on QEMU's `virt` machine, and its shell runs programs typed at
//! the console. xv6's scheduler never waits in `wfi`, so a run ends at
//! its instruction limit (exit status 124) after the last command.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Commands typed at xv6's shell, and a line each must print.
const SESSION: &[(&str, &str)] = &[
    ("echo hello from xv6", "hello from xv6"),
    ("forktest", "fork test OK"),
    ("wc README", "49 325 2305 README"),
    ("ls nonexistent", "ls: cannot open nonexistent"),
    ("mkdir d", ""),
    ("echo made > d/f", ""),
    ("cat d/f", "made"),
];

/// xv6's kernel and a private copy of its file system (the kernel writes
/// to it), or `None` after a loud skip.
fn xv6(test: &str) -> Option<(PathBuf, PathBuf)> {
    let corpus = common::corpus(test)?.join("xv6-riscv");
    let disk = common::scratch_dir(test).join("fs.img");
    std::fs::copy(corpus.join("fs.img"), &disk).expect("copy fs.img");
    let mut permissions = std::fs::metadata(&disk).expect("fs.img copy").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&disk, permissions).expect("make the copy writable");
    Some((corpus.join("kernel"), disk))
}

/// Boots xv6 with `extra` options, types `SESSION` at its shell, and
/// returns the console output.
fn session(kernel: &Path, disk: &Path, extra: &[&str]) -> String {
    let input: String = SESSION.iter().map(|(command, _)| format!("{command}\n")).collect();
    let mut command = common::rvsim();
    command.args(["run", "--kernel"]).arg(kernel).arg("--drive").arg(disk);
    command.args(["--max-insns", "1000000000"]).args(extra);
    let output = common::run_with_input(&mut command, Some(input.as_bytes()), Duration::from_secs(120));
    assert_eq!(output.status.code(), Some(124), "the instruction limit ends the run: {}", common::describe(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts that every command of `SESSION` printed its line, in order, and
/// that xv6 reached its shell prompt after the last one.
fn assert_session(console: &str) {
    assert!(console.contains("xv6 kernel is booting"), "{console}");
    assert!(console.contains("init: starting sh"), "{console}");
    let mut rest = console.split_once("init: starting sh").map_or("", |(_, after)| after);
    for (command, expected) in SESSION.iter().filter(|(_, expected)| !expected.is_empty()) {
        let at = rest.find(expected).unwrap_or_else(|| panic!("{command:?} did not print {expected:?}:\n{console}"));
        rest = &rest[at + expected.len()..];
    }
    assert!(rest.contains("$ "), "no prompt after the last command:\n{console}");
    assert!(!console.contains("panic"), "{console}");
}

#[test]
fn stock_xv6_boots_from_its_disk_and_runs_programs() {
    let test = "stock_xv6_boots_from_its_disk_and_runs_programs";
    let Some((kernel, disk)) = xv6(test) else { return };
    assert_session(&session(&kernel, &disk, &[]));
}

#[test]
fn stock_xv6_boots_on_three_harts_and_runs_programs() {
    let test = "stock_xv6_boots_on_three_harts_and_runs_programs";
    let Some((kernel, disk)) = xv6(test) else { return };
    let console = session(&kernel, &disk, &["--smp", "3"]);
    assert!(console.contains("hart 1 starting") && console.contains("hart 2 starting"), "{console}");
    assert!(!console.contains("hart 3 starting"), "{console}");
    assert_session(&console);
}

#[test]
fn smp_outside_one_to_eight_or_with_the_teaching_kernel_is_a_one_line_error() {
    for bad in ["0", "9", "99", "two", "-1"] {
        let output = common::run_with_timeout(
            common::rvsim().args(["run", "--smp", bad, "--kernel", "cpu-mix"]),
            Duration::from_secs(20),
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "--smp {bad}: {stderr}");
        assert!(stderr.contains("is not a number of harts from 1 to 8"), "--smp {bad}: {stderr}");
    }
    let output =
        common::run_with_timeout(common::rvsim().args(["run", "--smp", "2", "forktest"]), Duration::from_secs(20));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("the teaching kernel runs on one hart"), "{stderr}");
}

#[test]
fn the_specification_gateway_livelocks_stock_xv6_as_the_corpus_readme_says() {
    // xv6 enables the UART's transmit-empty interrupt and never reads IIR:
    // under the level-triggered gateway the UART is pending again at every
    // completion, and the shell is never reached.
    let test = "the_specification_gateway_livelocks_stock_xv6_as_the_corpus_readme_says";
    let Some((kernel, disk)) = xv6(test) else { return };
    let mut command = common::rvsim();
    command.args(["run", "--plic", "level", "--kernel"]).arg(&kernel).arg("--drive").arg(&disk);
    command.args(["--max-insns", "1000000000"]);
    let output = common::run_with_input(&mut command, Some(b"echo hi\n"), Duration::from_secs(120));
    let console = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(124), "{}", common::describe(&output));
    assert!(console.contains("xv6 kernel is booting") && !console.contains("init: starting sh"), "{console}");
}

#[test]
fn bench_tlb_sweeps_tlb_shapes_under_stock_xv6() {
    let test = "bench_tlb_sweeps_tlb_shapes_under_stock_xv6";
    let Some((kernel, disk)) = xv6(test) else { return };
    let mut command = common::rvsim();
    command.args(["bench", "tlb", "--kernel"]).arg(&kernel).arg("--drive").arg(&disk);
    command.args(["--input", "forktest\\necho swept\\n", "--run-for", "700000000", "--entries", "4,64", "--ways", "4"]);
    command.arg("--json");
    let output = common::run_with_timeout(&mut command, Duration::from_secs(300));
    assert_eq!(output.status.code(), Some(0), "{}", common::describe(&output));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let rows = rows.as_array().expect("one row per shape");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let field = |row: &serde_json::Value, key: &str| row[key].as_u64().unwrap_or_else(|| panic!("{key} in {row}"));
    // Both shapes did the same work (a TLB's shape changes no instruction),
    // and the smaller TLB missed far more under xv6's own page tables.
    assert_eq!(field(&rows[0], "instructions"), field(&rows[1], "instructions"));
    assert!(field(&rows[0], "instructions") > 600_000_000, "{rows:?}");
    assert!(field(&rows[0], "misses") > 10 * field(&rows[1], "misses").max(1), "{rows:?}");
    assert!(field(&rows[1], "walks") > 0, "xv6 turned paging on: {rows:?}");
}
