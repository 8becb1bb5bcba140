//! The debug trace, end to end: each category's events, the start
//! address, the ASID filter and the line limit, symbols for kernel and
//! user code, and that tracing changes nothing the machine counts.

mod common;

use std::path::PathBuf;

use common::{RUN_TIMEOUT, describe, run_with_timeout, rvsim, scratch_dir};

/// Runs `rvsim run ARGS...` with the trace written to a file; returns the
/// run's stdout and the trace.
fn traced(test: &str, args: &[&str]) -> (String, String) {
    let file = scratch_dir(test).join("trace.txt");
    let mut command = rvsim();
    command.args(["run", "--max-insns", "2000000000", "--trace-file"]).arg(&file).args(args);
    let output = run_with_timeout(&mut command, RUN_TIMEOUT);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let trace = std::fs::read_to_string(&file).expect("the trace file");
    (String::from_utf8_lossy(&output.stdout).into_owned(), trace)
}

fn lines_starting<'a>(trace: &'a str, prefix: &str) -> Vec<&'a str> {
    trace.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn every_category_shows_its_events_from_the_programs_main() {
    let test = "every_category_shows_its_events_from_the_programs_main";
    let (out, trace) =
        traced(test, &["--trace", "all", "--trace-from", "user_main", "--trace-limit", "40000", "hello"]);
    assert!(out.starts_with("hello from user space!"), "{out}");
    let known = ["core   0: ", "mem   ", "mmu   ", "trap  ", "csr   ", "dev   ", "trace: "];
    for line in trace.lines() {
        assert!(known.iter().any(|k| line.starts_with(k)), "unknown line {line:?}");
    }
    // insn: Spike's shape, then the disassembly and the symbol.
    let insns = lines_starting(&trace, "core   0: ");
    assert!(insns[0].starts_with("core   0: 0 0x"), "the trace starts in hello's main, in U-mode: {}", insns[0]);
    assert!(insns[0].ends_with("<hello:user_main>"), "{}", insns[0]);
    assert!(
        insns.iter().any(|l| l.starts_with("core   0: 1 0x") && l.ends_with("<usertrap>")),
        "kernel code, with the kernel's symbols"
    );
    assert!(insns.iter().any(|l| l.contains(" x10 0x") && l.contains("# ")), "register writes shown");
    assert!(
        insns.iter().any(|l| l.starts_with("core   0: 0 0x") && l.contains("<hello:")),
        "user code, with its program's symbols"
    );
    assert!(insns.iter().any(|l| l.contains(" mem 0x") && l.contains("# sd")), "stores shown with their value");
    assert!(insns.iter().any(|l| l.contains(" c320_sscratch 0x")), "CSR writes in the commit line");
    // trap: the system call and the return to user mode.
    let traps = lines_starting(&trace, "trap  ");
    assert!(
        traps
            .iter()
            .any(|l| l.contains("exception environment call from U-mode (cause 8)") && l.contains("U-mode -> S-mode")),
        "{traps:?}"
    );
    assert!(traps.iter().any(|l| l.starts_with("trap  sret: S-mode -> U-mode at 0x")), "{traps:?}");
    // mem, mmu, csr, dev.
    assert!(lines_starting(&trace, "mem   load  va 0x").len() > 10);
    assert!(lines_starting(&trace, "mem   store va 0x").len() > 10);
    let mmu = lines_starting(&trace, "mmu   ");
    assert!(mmu.iter().any(|l| l.starts_with("mmu   tlb hit  fetch va 0x")), "TLB hits");
    assert!(lines_starting(&trace, "csr   write s").len() > 1, "CSR writes");
    assert!(
        lines_starting(&trace, "dev   write uart+0x0 (1 bytes) 0x").len() >= 20,
        "the greeting goes out through the UART"
    );
    assert!(!trace.contains("trace: limit"), "hello ends within 40000 lines");
    assert!(
        trace.contains("dev   write finisher+0x0 (4 bytes) 0x5555\n"),
        "the kernel ends the run through the test finisher"
    );
}

#[test]
fn a_copy_on_write_fault_is_visible_from_store_to_retry() {
    let test = "a_copy_on_write_fault_is_visible_from_store_to_retry";
    // vmdemo's child (pid 2, ASID 2) writes a global after fork.
    let (_, trace) = traced(test, &["--trace", "insn,mmu,trap", "--trace-asid", "2", "vmdemo"]);
    let lines: Vec<&str> = trace.lines().collect();
    let fault = lines
        .iter()
        .position(|l| l.starts_with("trap  exception store/AMO page fault (cause 15) tval 0x13000"))
        .unwrap_or_else(|| panic!("no COW fault on the data page"));
    assert!(lines[fault - 2].contains("leaf r--u-ad cow"), "the walk finds the COW mark: {}", lines[fault - 2]);
    assert!(lines[fault - 1].starts_with("mmu   page fault va 0x13000: PTE does not permit this access"));
    let rest = &lines[fault..];
    let sfence = rest
        .iter()
        .position(|l| l.starts_with("mmu   sfence.vma va 0x13000 asid 2"))
        .expect("the kernel flushes the page");
    let sret = rest[sfence..].iter().position(|l| l.starts_with("trap  sret: S-mode -> U-mode")).expect("and returns")
        + sfence;
    assert!(rest[..sfence].iter().any(|l| l.contains("rvsim_kernel_core::fault::")), "the kernel's COW break runs");
    let retry: Vec<&&str> = rest[sret..].iter().take(24).collect();
    assert!(retry.iter().any(|l| l.starts_with("mmu   tlb miss store va 0x13000 asid 2")), "{retry:?}");
    assert!(
        retry.iter().any(|l| l.starts_with("mmu   tlb fill slot")
            && l.contains("va 0x13000 (4K) asid 2")
            && l.contains("rw-u-ad")),
        "{retry:?}"
    );
    assert!(
        retry.iter().any(|l| l.starts_with("core   0: 0 ") && l.contains(" mem 0x0000000000013000 ")),
        "the store retires: {retry:?}"
    );
}

#[test]
fn the_limit_and_the_asid_filter_cut_the_trace() {
    let test = "the_limit_and_the_asid_filter_cut_the_trace";
    let (_, trace) = traced(test, &["--trace", "insn", "--trace-limit", "100", "hello"]);
    assert_eq!(trace.lines().count(), 101, "100 lines and the notice");
    let (_, none) = traced(test, &["--trace", "insn", "--trace-asid", "999", "hello"]);
    assert_eq!(none, "", "no address space has ASID 999");
    // forktest's parent is ASID 1, its 20 children other ASIDs: the
    // filter keeps the parent's system calls only.
    let ecalls = |trace: &str| trace.matches("exception environment call from U-mode").count();
    let (_, all) = traced(test, &["--trace", "trap", "forktest", "1"]);
    let (_, parent) = traced(test, &["--trace", "trap", "--trace-asid", "1", "forktest", "1"]);
    assert!(ecalls(&parent) >= 40, "20 forks and 20 waits at least: {}", ecalls(&parent));
    assert!(ecalls(&all) >= ecalls(&parent) + 20, "and each child's exit is left out");
}

/// `--stats-json` of a run of `args`, with or without a full trace,
/// without the translator's work (a traced run interprets everything).
fn stats(test: &str, args: &[&str], trace: bool) -> String {
    let dir = scratch_dir(&format!("{test}-{trace}"));
    let json: PathBuf = dir.join("stats.json");
    let mut command = rvsim();
    command.args(["run", "--stats-json"]).arg(&json);
    if trace {
        command.args(["--trace", "all", "--trace-file"]).arg(dir.join("trace.txt"));
    }
    let output = common::run_with_open_stdin(command.args(args), RUN_TIMEOUT);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let mut stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).expect("stats")).expect("JSON");
    if let Some(fields) = stats.as_object_mut() {
        fields.remove("translator");
    }
    stats.to_string()
}

#[test]
fn tracing_changes_nothing_the_machine_counts() {
    let test = "tracing_changes_nothing_the_machine_counts";
    // Observed, the hart runs an instruction at a time; plain, a block at
    // a time with its fetch hits counted at once: small LRU TLBs that
    // refill inside blocks must still count (and replace) the same.
    for args in [
        &["cowtest"][..],
        &["--tlb", "entries=8,ways=2,policy=fifo", "forktest", "1"],
        &["--tlb", "entries=8,ways=2,policy=lru", "ptrchase", "64", "2000"],
        &["--tlb", "entries=4,ways=full,policy=lru", "randwalk", "16", "2000"],
    ] {
        let plain = stats(test, args, false);
        let traced = stats(test, args, true);
        assert!(plain.contains("\"hits\""), "{plain}");
        assert_eq!(plain, traced, "{args:?}: tracing changed a counter");
    }
}

#[test]
fn bad_trace_options_are_one_line_errors() {
    for (args, says) in [
        (&["--trace", "insn,bogus", "hello"][..], "unknown trace category 'bogus'"),
        (&["--trace-limit", "5", "hello"], "need --trace LIST"),
        (
            &["--trace", "insn", "--trace-from", "no_such_symbol", "hello"],
            "--trace-from \"no_such_symbol\": not an address",
        ),
    ] {
        let output = run_with_timeout(rvsim().arg("run").args(args), RUN_TIMEOUT);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", describe(&output));
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
