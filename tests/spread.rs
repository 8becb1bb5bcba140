//! One process's threads spread over a cluster (`--append threads=spread`):
//! unchanged pthreads programs, built with Debian's cross compiler, give
//! Linux's answer (qemu-riscv64's) while their threads run on other nodes;
//! under every protocol and manager, over UDP, and the same run after run.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{RUN_TIMEOUT, describe, run_with_timeout, rvsim};

/// `program ARGS` under qemu-riscv64: its output (which must be a success).
fn linux(program: &PathBuf, args: &[&str]) -> String {
    let mut command = Command::new("qemu-riscv64");
    command.arg(program).args(args);
    expect_success(&run_with_timeout(&mut command, RUN_TIMEOUT))
}

/// `rvsim cluster --nodes NODES [options] --append "threads=spread EXTRA" PROGRAM ARGS`.
fn spread(nodes: &str, options: &[&str], extra: &str, program: &PathBuf, args: &[&str]) -> Output {
    let mut command = rvsim();
    command.args(["cluster", "--nodes", nodes]).args(options);
    command.args(["--append", &format!("threads=spread {extra}")]).arg(program).args(args);
    run_with_timeout(&mut command, RUN_TIMEOUT * 2)
}

fn expect_success(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", describe(output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Node 0's lines without their prefix, and without the kernel's own
/// (a kernel may report from any node; the program runs on node 0 alone:
/// any other line of another node fails the test).
fn program_lines(out: &str) -> String {
    let mut lines = String::new();
    for line in out.lines() {
        let (node, rest) = line.split_once("] ").unwrap_or_else(|| panic!("a line of no node: {line}\n{out}"));
        if rest.starts_with("[kernel] ") {
            continue;
        }
        assert_eq!(node, "[node 0", "a program line not from node 0:\n{out}");
        {
            lines.push_str(rest);
            lines.push('\n');
        }
    }
    lines
}

/// A number in the `--stats-json` file at `path`: `node`'s `keys` path.
fn stat(path: &PathBuf, node: usize, keys: &[&str]) -> u64 {
    let text = std::fs::read_to_string(path).expect("the stats file");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let value = keys.iter().fold(&json["nodes"][node], |v, k| &v[*k]);
    value.as_u64().unwrap_or_else(|| panic!("no {keys:?} for node {node} in {text}"))
}

#[test]
fn a_pthreads_program_spreads_over_four_nodes_and_answers_as_linux() {
    let test = "a_pthreads_program_spreads_over_four_nodes_and_answers_as_linux";
    if !common::c_tools(test) {
        return;
    }
    let dir = common::scratch_dir(test);
    let program = common::build_c("spreadsum", &dir);
    let args = ["6", "100000"];
    let stats = dir.join("stats.json");
    let stats_arg = stats.to_str().expect("utf-8 path");
    let out = expect_success(&spread("4", &["--stats-json", stats_arg], "", &program, &args));
    assert_eq!(program_lines(&out), linux(&program, &args));
    assert!(out.contains("total 50005298436, expected 50005298436: exact"), "{out}");
    // Its threads ran on the other nodes, which fetched pages from node 0.
    for node in 1..4 {
        let user = stat(&stats, node, &["hart", "retired_by_mode", "user"]);
        assert!(user > 50_000, "node {node} ran {user} user instructions");
        assert!(stat(&stats, node, &["network", "frames_received"]) > 10, "node {node} received nothing");
    }
}

#[test]
fn every_protocol_and_manager_gives_linuxs_answer() {
    let test = "every_protocol_and_manager_gives_linuxs_answer";
    if !common::c_tools(test) {
        return;
    }
    let program = common::build_c("spreadsum", &common::scratch_dir(test));
    let args = ["12", "40000"];
    let expected = linux(&program, &args);
    for extra in ["dsm=migrate", "manager=central", "dsm=migrate manager=central", "hold=0"] {
        let out = expect_success(&spread("3", &[], extra, &program, &args));
        assert_eq!(program_lines(&out), expected, "{extra}");
    }
}

#[test]
fn a_hundred_threads_spread_though_their_layout_takes_several_messages() {
    let test = "a_hundred_threads_spread_though_their_layout_takes_several_messages";
    if !common::c_tools(test) {
        return;
    }
    // A hundred stacks, their guard pages and the malloc arenas make a
    // layout far longer than one message: it goes in parts.
    let dir = common::scratch_dir(test);
    let program = common::build_c("spreadsum", &dir);
    let args = ["100", "20000"];
    let mut command = rvsim();
    command.args(["cluster", "--nodes", "4", "--trace", "net", "--trace-file"]).arg(dir.join("net.txt"));
    command.args(["--append", "threads=spread"]).arg(&program).args(args);
    let out = expect_success(&run_with_timeout(&mut command, RUN_TIMEOUT * 2));
    assert_eq!(program_lines(&out), linux(&program, &args));
    let trace = std::fs::read_to_string(dir.join("net.txt")).expect("the trace");
    assert!(trace.contains("spread: layout (more) of space"), "no layout went in parts");
}

#[test]
fn the_threads_suite_runs_unchanged_with_its_threads_spread() {
    let test = "the_threads_suite_runs_unchanged_with_its_threads_spread";
    if !common::c_tools(test) {
        return;
    }
    // Create and join, mutexes, condition variables, barriers, TLS,
    // memory one thread maps and another uses, malloc arenas, signals
    // between threads, fork from a thread, semaphores and cancellation:
    // each with some threads on other nodes.
    let program = common::build_c("threads", &common::scratch_dir(test));
    let out = expect_success(&spread("4", &[], "", &program, &[]));
    assert_eq!(program_lines(&out), linux(&program, &[]));
    // A thread's fatal fault on another node kills the process at home.
    assert!(out.contains("killed by SIGSEGV: store page fault at 0x0"), "{out}");
}

#[test]
fn a_spread_run_gives_the_same_counters_twice() {
    let test = "a_spread_run_gives_the_same_counters_twice";
    if !common::c_tools(test) {
        return;
    }
    let dir = common::scratch_dir(test);
    let program = common::build_c("spreadsum", &dir);
    let runs: Vec<String> = ["1", "2"]
        .iter()
        .map(|run| {
            let path = dir.join(format!("stats{run}.json"));
            let options = ["--threads", run, "--stats-json", path.to_str().expect("utf-8 path")];
            expect_success(&spread("4", &options, "", &program, &["8", "20000"]));
            std::fs::read_to_string(&path).expect("the stats file")
        })
        .collect();
    assert_eq!(runs[0], runs[1], "one host thread, then two");
}

#[test]
fn two_rvsim_processes_spread_threads_over_udp() {
    let test = "two_rvsim_processes_spread_threads_over_udp";
    if !common::c_tools(test) {
        return;
    }
    let program = common::build_c("spreadsum", &common::scratch_dir(test));
    let args = ["4", "50000"];
    let outs = common::over_udp(&["--append", "threads=spread"], program.to_str().expect("utf-8 path"), &args);
    // Node 0 alone runs the program; the other runs threads.
    let (home, other) = (&outs[0], &outs[1]);
    assert_eq!(home, &linux(&program, &args));
    assert_eq!(other, "", "the other node runs threads, not the program");
}
