//! Clusters of machines (`rvsim cluster`, and `rvsim run --net` over UDP)
//! and the distributed shared memory their kernels run: outputs, exit
//! statuses, determinism, the DSM programs' results and speedups, node
//! failure, and bad input.

mod common;

use std::process::{Command, Output};

use common::{RUN_TIMEOUT, describe, run_with_timeout, rvsim};

/// `rvsim cluster ARGS...`.
fn cluster(args: &[&str]) -> Output {
    let mut command = rvsim();
    command.arg("cluster").args(args);
    run_with_timeout(&mut command, RUN_TIMEOUT)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn expect_success(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", describe(output));
    stdout(output)
}

/// The number in `text` after `before`.
fn number_after(text: &str, before: &str) -> u64 {
    let at = text.find(before).unwrap_or_else(|| panic!("no {before:?} in:\n{text}")) + before.len();
    text[at..].split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).expect("a number")
}

/// The lines of node `node`, without their prefix.
fn node_lines(out: &str, node: u16) -> Vec<String> {
    let prefix = format!("[node {node}] ");
    out.lines().filter_map(|l| l.strip_prefix(&prefix)).map(str::to_string).collect()
}

#[test]
fn every_node_runs_the_program_and_its_lines_carry_the_node() {
    let out = expect_success(&cluster(&["--nodes", "3", "hello", "x"]));
    for node in 0..3 {
        assert_eq!(
            node_lines(&out, node),
            ["hello from user space! I am pid 1, my parent is 0", "argument 1: x"],
            "node {node}:\n{out}"
        );
    }
    assert_eq!(out.lines().count(), 6, "nothing else:\n{out}");
}

#[test]
fn the_status_is_the_first_non_zero_in_node_order() {
    assert_eq!(cluster(&["--nodes", "2", "exitcode", "5"]).status.code(), Some(5));
    assert_eq!(cluster(&["--nodes", "2", "exitcode", "0"]).status.code(), Some(0));
}

#[test]
fn dsmcounter_is_exact_on_four_nodes_and_the_same_twice() {
    let dir = common::scratch_dir("dsmcounter_is_exact_on_four_nodes_and_the_same_twice");
    let run = |json: &str, threads: &str| {
        let path = dir.join(json);
        let out = expect_success(&cluster(&[
            "--nodes",
            "4",
            "--threads",
            threads,
            "--stats-json",
            path.to_str().expect("utf-8 path"),
            "dsmcounter",
            "4",
            "300",
        ]));
        (out, std::fs::read_to_string(&path).expect("stats written"))
    };
    let (first, first_stats) = run("a.json", "1");
    for node in 0..4 {
        let lines = node_lines(&first, node);
        assert!(lines.iter().any(|l| l.ends_with("counter 1200, expected 1200: exact")), "node {node}:\n{first}");
    }
    // Every node counted frames both ways, and the total adds them up.
    let stats: serde_json::Value = serde_json::from_str(&first_stats).expect("JSON");
    let sent: Vec<u64> = (0..4).map(|n| stats["nodes"][n]["network"]["frames_sent"].as_u64().unwrap_or(0)).collect();
    assert!(sent.iter().all(|&s| s > 0), "{sent:?}");
    assert_eq!(stats["total"]["network"]["frames_sent"].as_u64(), Some(sent.iter().sum()));
    // The same again, on another number of host threads: the same bytes.
    let (second, second_stats) = run("b.json", "4");
    assert_eq!(first, second);
    assert_eq!(first_stats, second_stats);
}

#[test]
fn dsmmatmul_on_four_nodes_is_over_three_times_faster_in_guest_time() {
    let alone = expect_success(&cluster(&["--nodes", "1", "dsmmatmul", "1", "192"]));
    let four = expect_success(&cluster(&["--nodes", "4", "--latency", "1000", "dsmmatmul", "4", "192"]));
    let checksum = |out: &str| out.lines().next().and_then(|l| l.split("checksum ").nth(1)).map(str::to_string);
    assert!(checksum(&alone).is_some(), "{alone}");
    for node in 0..4 {
        let line = node_lines(&four, node).join("\n");
        assert_eq!(checksum(&line), checksum(&alone), "node {node} computed another product:\n{four}");
    }
    let cycles = |out: &str| number_after(out, "product in ");
    let speedup = cycles(&alone) as f64 / cycles(&four) as f64;
    assert!(speedup > 3.0, "speedup {speedup:.2}:\n{alone}\n{four}");
}

#[test]
fn false_sharing_makes_the_page_go_back_and_forth() {
    let out = expect_success(&cluster(&["--nodes", "2", "--append", "hold=5000", "falseshare", "2", "20000"]));
    let lines = node_lines(&out, 0);
    let cycles = |what: &str| {
        let line = lines.iter().find(|l| l.contains(what)).unwrap_or_else(|| panic!("{what}:\n{out}"));
        number_after(line.rsplit(": ").next().unwrap_or(""), "")
    };
    let (shared, apart) = (cycles("words on one page"), cycles("words on a page apart"));
    assert!(shared > 4 * apart, "one page {shared} cycles, apart {apart}:\n{out}");
}

#[test]
fn both_managers_and_both_protocols_count_exactly() {
    for append in ["manager=central", "dsm=migrate", "manager=central dsm=migrate"] {
        let out = expect_success(&cluster(&["--nodes", "3", "--append", append, "dsmcounter", "3", "200"]));
        let exact = out.lines().filter(|l| l.ends_with("counter 600, expected 600: exact")).count();
        assert_eq!(exact, 3, "{append}:\n{out}");
    }
}

#[test]
fn sixteen_nodes_run_dsmcounter() {
    let out = expect_success(&cluster(&["--nodes", "16", "dsmcounter", "16", "50"]));
    let exact = out.lines().filter(|l| l.ends_with("counter 800, expected 800: exact")).count();
    assert_eq!(exact, 16, "{out}");
}

#[test]
fn the_dsm_log_names_remote_faults_and_transfers() {
    let out = expect_success(&cluster(&["--nodes", "2", "--kernel-log", "dsm", "dsmcounter", "2", "50"]));
    let faults = out.lines().filter(|l| l.contains("fault on page") && l.contains("waited")).count();
    assert!(faults > 0, "{out}");
    assert!(out.lines().any(|l| l.contains("owned by node")), "{out}");
}

#[test]
fn the_net_trace_shows_frames_on_the_wire() {
    let out = cluster(&["--nodes", "2", "--trace", "net", "dsmcounter", "2", "5"]);
    let trace = stderr(&out);
    assert!(trace.lines().any(|l| l.starts_with("[node 0] net   virtio0 @") && l.contains("sent")), "{trace}");
    assert!(trace.lines().any(|l| l.contains("received") && l.contains("node 0 -> node 1")), "{trace}");
}

#[test]
fn a_dead_node_stops_the_cluster_naming_the_lost_pages() {
    // Node 1 is switched off in the middle of its half of the product,
    // owning the rows of C it has written; node 0 (the central manager)
    // knows which pages died with it.
    let args = ["--nodes", "2", "--append", "manager=central", "--kill-node", "1@40000000", "dsmmatmul", "2", "256"];
    let out = cluster(&args);
    assert_eq!(out.status.code(), Some(123), "{}", describe(&out));
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(err.contains("rvsim: node 1 stopped at cycle 40000000: switched off (--kill-node)"), "{err}");
    assert!(err.contains("rvsim: node 1 failed; the cluster stops"), "{err}");
    assert!(text.contains("[node 0] [dsm] node 0: the network says node 1 stopped"), "{text}");
    let lost = text.lines().find(|l| l.contains("node 1 died owning")).unwrap_or_else(|| panic!("{text}"));
    assert!(number_after(lost, "died owning ") > 0, "{lost}");
}

#[test]
fn bad_input_is_one_line_and_a_failure() {
    for args in [
        &["--nodes", "0", "hello"][..],
        &["--nodes", "10000", "hello"],
        &["--nodes", "2", "--latency", "5", "hello"],
        &["--nodes", "2", "--latency", "soon", "hello"],
        &["--nodes", "2", "--bandwidth", "0", "hello"],
        &["--nodes", "2", "--kill-node", "7@100", "hello"],
        &["--nodes", "2", "--kill-node", "one", "hello"],
        &["--nodes", "2"],
    ] {
        let out = cluster(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{args:?}: {}", describe(&out));
    }
    for net in ["listen=127.0.0.1:7001", "listen=127.0.0.1:7001,peer=nowhere.invalid:7002", "peer=127.0.0.1:1", "bogus"]
    {
        let mut command = rvsim();
        command.args(["run", "--net", net, "hello"]);
        let out = run_with_timeout(&mut command, RUN_TIMEOUT);
        assert_eq!(out.status.code(), Some(2), "{net}: {}", describe(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{net}: {}", describe(&out));
    }
}

#[test]
fn a_peer_that_never_answers_is_one_line_and_a_failure() {
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").expect("a socket");
    let peer = silent.local_addr().expect("its address");
    let (me, _) = common::two_udp_ports();
    let mut command = rvsim();
    command.args(["run", "--net", &format!("listen=127.0.0.1:{me},peer={peer},wait=1"), "hello"]);
    let out = run_with_timeout(&mut command, RUN_TIMEOUT);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = stderr(&out);
    assert!(err.starts_with("rvsim: error: ") && err.contains(&peer.to_string()), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn two_rvsim_processes_share_memory_over_udp() {
    for text in common::over_udp(&[], "dsmcounter", &["2", "300"]) {
        assert!(text.contains("counter 600, expected 600: exact"), "{text}");
    }
}

#[test]
fn the_c_program_runs_over_udp_too() {
    let test = "the_c_program_runs_over_udp_too";
    if !common::c_tools(test) {
        return;
    }
    let program = build_shmkey(test);
    for text in common::over_udp(&[], program.to_str().expect("utf-8 path"), &["2", "0x5e11", "2000"]) {
        assert!(text.contains("expected 4000: exact"), "{text}");
    }
}

#[test]
fn bench_dsm_reports_speedup_and_traffic_and_draws_them() {
    let dir = common::scratch_dir("bench_dsm_reports_speedup_and_traffic_and_draws_them");
    let plot = dir.join("dsm.svg");
    let mut command = rvsim();
    command.args(["bench", "dsm", "--nodes", "1,2", "--latency", "1000", "--csv", "--plot"]);
    command.arg(&plot).args(["dsmmatmul", "64"]);
    let out = expect_success(&run_with_timeout(&mut command, RUN_TIMEOUT));
    let rows: Vec<Vec<&str>> = out.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(&rows[0][..3], ["replicate", "1000", "1"], "{out}");
    assert_eq!(rows[0][4], "1.0000", "one node is the base:\n{out}");
    let cycles = |r: &[&str]| r[3].parse::<u64>().expect("cycles");
    assert!(cycles(&rows[1]) < cycles(&rows[0]), "two nodes are faster:\n{out}");
    assert_eq!(rows[0][5], "0", "one node sends nothing:\n{out}");
    assert!(rows[1][5].parse::<u64>().expect("frames") > 0, "{out}");
    let svg = std::fs::read_to_string(&plot).expect("the plot");
    assert!(svg.contains("<svg") && svg.contains("replicate, latency 1000"), "{svg}");
    for bad in [&["--nodes", "0"][..], &["--latency", "5"], &["--protocol", "ivy"], &["--nodes", "1,,2"]] {
        let mut command = rvsim();
        command.args(["bench", "dsm", "dsmmatmul"]).args(bad);
        let out = run_with_timeout(&mut command, RUN_TIMEOUT);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", describe(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{bad:?}: {}", describe(&out));
    }
}

/// `tests/c/shmkey.c`, built with Debian's cross compiler for test `test`.
fn build_shmkey(test: &str) -> std::path::PathBuf {
    common::build_c("shmkey", &common::scratch_dir(test))
}

#[test]
fn a_c_program_for_one_linux_machine_runs_unchanged_one_process_per_node() {
    let test = "a_c_program_for_one_linux_machine_runs_unchanged_one_process_per_node";
    if !common::c_tools(test) {
        return;
    }
    let program = build_shmkey(test);
    // Linux: four processes at once, on a key of this run's own.
    let key = format!("{}", 0x5000_0000 + std::process::id() % 0x1000_0000);
    let args = ["4", key.as_str(), "3000"];
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut c = Command::new("qemu-riscv64");
            c.arg(&program).args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
            c.spawn().expect("qemu-riscv64 starts")
        })
        .collect();
    let mut linux: Vec<String> = Vec::new();
    for child in children {
        let out = common::wait_for(&Command::new("qemu-riscv64"), child, RUN_TIMEOUT);
        linux.extend(expect_success(&out).lines().map(str::to_string));
    }
    // rvsim: one process per node, the same program and arguments.
    let out =
        expect_success(&cluster(&["--nodes", "4", program.to_str().expect("utf-8 path"), args[0], args[1], args[2]]));
    let mut ours: Vec<String> =
        out.lines().filter_map(|l| l.split_once("] ").map(|(_, rest)| rest.to_string())).collect();
    linux.sort();
    ours.sort();
    assert_eq!(ours, linux, "rvsim:\n{out}");
    assert!(ours.iter().all(|l| l.ends_with("expected 12000: exact")), "{out}");
}
