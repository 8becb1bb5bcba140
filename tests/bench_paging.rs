//! `rvsim bench paging` through the command line. The figures are exact
//! counts from deterministic runs, so the tests check relations paging
//! must obey: Belady's optimum never faults more than a real policy on a
//! single-process workload, MIN is a stack algorithm, and once the
//! working set fits every policy takes exactly the compulsory faults.

mod common;

use std::process::Output;

use common::{RUN_TIMEOUT, describe, run_with_timeout, rvsim, scratch_dir};
use serde_json::Value;

/// 64 pages of random loads, plus text and stack: about 68 pages.
const WORKLOAD: [&str; 3] = ["randwalk", "64", "3000"];
const GUEST_POLICIES: [&str; 4] = ["clock", "fifo", "lru", "random"];

fn paging(args: &[&str]) -> Output {
    run_with_timeout(rvsim().args(["bench", "paging"]).args(args), RUN_TIMEOUT)
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", describe(output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A sweep's rows as JSON objects.
fn sweep_json(args: &[&str]) -> Vec<Value> {
    let out = stdout(&paging(&[&["--json"], args].concat()));
    match serde_json::from_str(&out) {
        Ok(Value::Array(rows)) => rows,
        other => panic!("not a JSON array: {other:?}\n{out}"),
    }
}

/// The faults of `policy` at `frames`.
fn faults(rows: &[Value], policy: &str, frames: u64) -> u64 {
    let row = rows.iter().find(|r| r["policy"] == policy && r["frames"] == frames);
    row.and_then(|r| r["faults"].as_u64()).unwrap_or_else(|| panic!("no faults for {policy} at {frames}: {rows:?}"))
}

#[test]
fn opt_bounds_every_policy_and_a_fitting_working_set_takes_only_compulsory_faults() {
    let frames = [16, 32, 64, 128];
    let rows = sweep_json(&[&["--frames", "16..128"], &WORKLOAD[..]].concat());
    assert_eq!(rows.len(), 5 * frames.len(), "one row per (policy, frames)");
    assert!(rows.iter().all(|r| r["ok"] == true && r["error"].is_null()), "{rows:?}");
    for n in frames {
        let opt = faults(&rows, "opt", n);
        for policy in GUEST_POLICIES {
            assert!(opt <= faults(&rows, policy, n), "{policy} beat MIN at {n} frames: {rows:?}");
        }
    }
    // MIN is a stack algorithm: more frames never fault more.
    let opt: Vec<u64> = frames.iter().map(|&n| faults(&rows, "opt", n)).collect();
    assert!(opt.windows(2).all(|w| w[1] <= w[0]), "opt by frames: {opt:?}");
    // At 128 frames the ~68 pages fit: every policy faults once per page
    // (MIN's count at that size is the number of distinct pages), and
    // nothing goes to swap.
    let compulsory = faults(&rows, "opt", 128);
    assert!((64..80).contains(&compulsory), "{compulsory} distinct pages");
    for r in rows.iter().filter(|r| r["frames"] == 128 && r["policy"] != "opt") {
        assert_eq!(r["faults"], compulsory, "{r}");
        assert_eq!((r["page_ins"].as_u64(), r["page_outs"].as_u64()), (Some(0), Some(0)), "{r}");
    }
    // With a quarter of the pages in frames, every policy pages.
    for policy in GUEST_POLICIES {
        assert!(faults(&rows, policy, 16) > 10 * compulsory, "{policy}: {rows:?}");
    }
}

#[test]
fn runs_are_exact_whatever_the_jobs() {
    let args = ["--frames", "24,48", "--policy", "lru,opt,random", "randwalk", "48", "2000"];
    let one = sweep_json(&[&["--jobs", "1"], &args[..]].concat());
    let two = sweep_json(&[&["--jobs", "2"], &args[..]].concat());
    let policies: Vec<&Value> = one.iter().map(|r| &r["policy"]).collect();
    assert_eq!(policies, ["lru", "lru", "opt", "opt", "random", "random"], "rows in the order asked");
    for (a, b) in one.iter().zip(&two) {
        for field in ["policy", "frames", "faults", "page_ins", "page_outs", "instructions"] {
            assert_eq!(a[field], b[field], "{field}: {a} / {b}");
        }
    }
}

#[test]
fn table_and_csv_have_a_row_per_point() {
    let out = stdout(&paging(&["--frames", "32,96", "--policy", "fifo,opt", "scan", "1", "1"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("policy") && lines[0].contains("faults") && lines[0].contains("page-outs"), "{out}");
    assert_eq!(lines.len(), 1 + 4, "{out}");
    assert!(lines[1].starts_with("fifo") && lines[1].trim_end().ends_with("ok"), "{out}");
    assert!(lines[3].starts_with("opt") && lines[3].contains(" - "), "opt has no page-ins: {out}");

    let csv = stdout(&paging(&["--csv", "--frames", "32,96", "--policy", "clock,opt", "scan", "1", "1"]));
    let lines: Vec<&str> = csv.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(&header[..3], ["policy", "frames", "faults"], "{csv}");
    assert_eq!(lines.len(), 1 + 4, "{csv}");
    for line in &lines[1..] {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), header.len(), "{line}");
        let field = |name: &str| fields[header.iter().position(|h| *h == name).expect(name)];
        assert!(field("faults").parse::<u64>().is_ok() && field("ok") == "true", "{line}");
        assert_eq!(field("page_ins").is_empty(), field("policy") == "opt", "{line}");
    }
}

#[test]
fn failed_runs_are_rows_that_say_so() {
    let output = paging(&["--frames", "16,64", "--policy", "clock,opt", "exitcode", "3"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let out = String::from_utf8_lossy(&output.stdout);
    let failed: Vec<&str> = out.lines().filter(|l| l.contains("FAILED")).collect();
    assert_eq!(failed.len(), 4, "{out}");
    assert!(failed.iter().all(|l| l.contains("exit 3")), "{out}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("the run failed").count(), 4, "{stderr}");

    let rows = &sweep_json_failing(&["--frames", "64", "--policy", "lru", "--max-insns", "1000", "scan"]);
    assert_eq!(rows[0]["ok"], false);
    assert!(rows[0]["faults"].is_null(), "{rows:?}");
    assert!(rows[0]["error"].as_str().is_some_and(|e| e.contains("out of instructions")), "{rows:?}");
}

/// The JSON rows of a sweep that fails.
fn sweep_json_failing(args: &[&str]) -> Vec<Value> {
    let output = paging(&[&["--json"], args].concat());
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[test]
fn plot_is_an_svg_with_a_line_per_policy() {
    let path = scratch_dir("bench_paging_plot").join("paging.svg");
    let plot = path.display().to_string();
    let args = ["--frames", "16..64", "--policy", "lru,opt", "--plot", &plot, "randwalk", "48", "1000"];
    stdout(&paging(&args));
    let svg = std::fs::read_to_string(&path).expect("the plot was written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg:.200}");
    for text in ["lru", "opt", "user frames", "faults", "randwalk 48 1000"] {
        assert!(svg.contains(text), "the plot lacks {text:?}");
    }
}

#[test]
fn bad_sweeps_are_one_line_errors() {
    for (args, needle) in [
        (&["--frames", "0", "scan"][..], "at least 1"),
        (&["--frames", "", "scan"][..], "empty"),
        (&["--frames", "64..8", "scan"][..], "'64..8'"),
        (&["--frames", "8,8", "scan"][..], "twice"),
        (&["--policy", "bogus", "scan"][..], "unknown policy 'bogus'"),
        (&["--policy", "all,opt", "scan"][..], "'all'"),
        (&["--swap", "no-such.img", "scan"][..], "needs a SIZE"),
        (&["--frames", "8"][..], "needs a PROGRAM"),
        (&["nosuchprogram"][..], "nosuchprogram"),
        (&["--csv", "--json", "scan"][..], "cannot be used with"),
    ] {
        let output = paging(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {}", describe(&output));
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("rvsim: error: ") && stderr.contains(needle), "{args:?}: {stderr}");
    }
}
