//! `rvsim bench`: the MMU microbenchmarks and TLB sweeps, through the
//! command line. The sweeps' figures are exact counts, so the tests check
//! relations a TLB must obey (a bigger fully associative LRU TLB never
//! misses more on the same run; flushing at every switch costs walks),
//! not timings.

mod common;

use std::process::Output;

use common::{RUN_TIMEOUT, describe, run_with_timeout, rvsim, scratch_dir};

fn bench(args: &[&str]) -> Output {
    run_with_timeout(rvsim().arg("bench").args(args), RUN_TIMEOUT)
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", describe(output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A sweep's rows as JSON objects.
fn sweep_json(args: &[&str]) -> Vec<serde_json::Value> {
    let out = stdout(&bench(&[&["tlb", "--json"], args].concat()));
    match serde_json::from_str(&out) {
        Ok(serde_json::Value::Array(rows)) => rows,
        other => panic!("not a JSON array: {other:?}\n{out}"),
    }
}

fn field(row: &serde_json::Value, name: &str) -> u64 {
    row[name].as_u64().unwrap_or_else(|| panic!("no {name} in {row}"))
}

#[test]
fn tlb_sweep_table_has_a_row_per_shape() {
    let out =
        stdout(&bench(&["tlb", "--entries", "8..32", "--ways", "2,full", "--policy", "lru,fifo", "scan", "1", "1"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("hit rate") && lines[0].contains("PTE reads"), "{out}");
    // 3 sizes x 2 associativities x 2 policies.
    assert_eq!(lines.len(), 1 + 12, "{out}");
    assert!(lines.iter().any(|l| l.contains(" full ") && l.contains("fifo")), "{out}");
}

#[test]
fn a_larger_fully_associative_lru_tlb_never_misses_more() {
    // LRU is a stack algorithm: the same reference string never misses
    // more in a bigger fully associative TLB.
    let rows = sweep_json(&["--entries", "8..256", "--ways", "full", "randwalk", "128", "20000"]);
    assert_eq!(rows.len(), 6);
    let misses: Vec<u64> = rows.iter().map(|r| field(r, "misses")).collect();
    assert!(misses.windows(2).all(|w| w[1] <= w[0]), "misses by size: {misses:?}");
    // Once the TLB holds the 128-page working set, misses collapse.
    assert!(misses[5] * 10 < misses[0], "misses by size: {misses:?}");
    // The same program ran each time, counted exactly the same.
    let retired: Vec<u64> = rows.iter().map(|r| field(r, "instructions")).collect();
    assert!(retired.windows(2).all(|w| w[0] == w[1]), "instructions by size: {retired:?}");
    for r in &rows {
        assert_eq!(field(r, "lookups"), field(r, "hits") + field(r, "misses"), "{r}");
        assert!(field(r, "pte_reads") >= field(r, "walks"), "{r}");
    }
}

#[test]
fn csv_has_a_header_and_one_line_per_shape() {
    let out = stdout(&bench(&["tlb", "--csv", "--entries", "16,64", "--policy", "random", "ptrchase", "64", "5000"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("entries,ways,policy,instructions,lookups,hits,misses,"), "{out}");
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].starts_with("16,4,random,") && lines[2].starts_with("64,4,random,"), "{out}");
    let columns = lines[0].split(',').count();
    assert!(lines[1..].iter().all(|l| l.split(',').count() == columns), "{out}");
}

#[test]
fn context_switches_without_asids_cost_walks() {
    let args = ["--entries", "128", "--ways", "full", "ctxswitch", "4", "8", "200"];
    let tagged = sweep_json(&args);
    let flushed = sweep_json(&[&["--append", "asid=off"], &args[..]].concat());
    let (tagged, flushed) = (field(&tagged[0], "walks"), field(&flushed[0], "walks"));
    // 4 processes x 200 rounds of switches, each refilling the TLB.
    assert!(flushed > tagged + 800, "walks with ASIDs {tagged}, without {flushed}");
}

#[test]
fn plot_is_an_svg_with_a_line_per_policy() {
    let path = scratch_dir("plot_is_an_svg_with_a_line_per_policy").join("sweep.svg");
    let plot = path.display().to_string();
    stdout(&bench(&["tlb", "--entries", "8..64", "--policy", "lru,random", "--plot", &plot, "matmul", "row"]));
    let svg = std::fs::read_to_string(&path).expect("the plot was written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg:.200}");
    for text in ["lru 4-way", "random 4-way", "TLB entries", "hit rate", "matmul row"] {
        assert!(svg.contains(text), "the plot lacks {text:?}");
    }
    // Each series is a polyline of its 4 points (8..64), drawn in its own
    // colour, with a 2-point stroke of that colour in the legend.
    let series: Vec<(&str, usize)> = svg
        .split("<polyline")
        .skip(1)
        .filter(|p| p.contains("stroke-width=\"2\""))
        .filter_map(|p| {
            let colour = p.split("stroke=\"").nth(1)?.split('"').next()?;
            let points = p.split("points=\"").nth(1)?.split('"').next()?.split_whitespace().count();
            Some((colour, points))
        })
        .collect();
    let lines: Vec<&(&str, usize)> = series.iter().filter(|(_, n)| *n == 4).collect();
    assert_eq!(lines.len(), 2, "one 4-point line per series: {series:?}");
    assert_ne!(lines[0].0, lines[1].0, "series in different colours: {series:?}");
}

#[test]
fn a_run_that_fails_under_some_shape_fails_the_sweep() {
    let output = bench(&["tlb", "--entries", "8,16", "exitcode", "3"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("Exit(3)").count(), 2, "{stderr}");
    // The table still shows what was measured.
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 3);
}

#[test]
fn bad_sweeps_are_one_line_errors() {
    for (args, needle) in [
        (&["tlb", "--entries", "8", "--ways", "3", "scan"][..], "no valid TLB shape"),
        (&["tlb", "--policy", "clock", "scan"][..], "unknown policy 'clock'"),
        (&["tlb", "--entries", "64..8", "scan"][..], "'64..8'"),
        (&["tlb", "nosuchprogram"][..], "nosuchprogram"),
        (&["tlb", "--csv", "--json", "scan"][..], "cannot be used with"),
    ] {
        let output = bench(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {}", describe(&output));
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("rvsim: error: ") && stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn mmu_bench_reports_every_operation() {
    let out = stdout(&bench(&["mmu", "--runs", "3", "--json"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("JSON");
    let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
    for name in ["TLB hit, 4 KiB page", "TLB hit, 2 MiB superpage", "TLB miss, 3-level walk", "sfence.vma, 64 entries"]
    {
        assert!(names.contains(&name), "{names:?}");
    }
    for r in &rows {
        let (min, median, max) = (r["min_ns"].as_f64(), r["median_ns"].as_f64(), r["max_ns"].as_f64());
        let (Some(min), Some(median), Some(max)) = (min, median, max) else { panic!("{r}") };
        assert!(0.0 < min && min <= median && median <= max, "{r}");
    }
}

#[test]
fn comparison_script_runs_the_same_workload_on_rvsim_and_qemu() {
    if !common::qemu_available("comparison_script_runs_the_same_workload_on_rvsim_and_qemu") {
        return;
    }
    let script = common::repo_root().join("scripts/interpreter-vs-qemu.sh");
    let output = run_with_timeout(
        std::process::Command::new("bash")
            .arg(script)
            .args(["10", "400", "3"])
            .env("RVSIM", env!("CARGO_BIN_EXE_rvsim")),
        RUN_TIMEOUT,
    );
    let out = stdout(&output);
    assert!(out.contains("checksums agree"), "{out}");
    for emulator in ["rvsim interp", "rvsim jit", "qemu"] {
        let line = out.lines().find(|l| l.starts_with(emulator)).unwrap_or_else(|| panic!("no {emulator} line: {out}"));
        let mips: f64 = line.split_whitespace().last().and_then(|m| m.parse().ok()).unwrap_or(0.0);
        assert!(mips > 0.0, "{emulator}: no MIPS figure in {line:?}");
    }
    let between = out.split("rounds: ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse::<u64>().ok());
    // 390 rounds of about 295 thousand instructions (enough that QEMU's
    // difference is tens of milliseconds, well above its start-up jitter).
    assert!(between.is_some_and(|n| (100_000_000..130_000_000).contains(&n)), "{out}");
    for ratio in ["jit / interp: ", "qemu / jit: ", "qemu / interp: "] {
        assert!(out.contains(ratio), "{ratio}: {out}");
    }
}
