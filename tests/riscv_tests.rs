//! The official riscv-tests, built unmodified (`../shared/corpus/riscv-tests`,
//! see the corpus README): every rv64 test of every suite rvsim implements
//! must pass, in both environments (`-p-`: physical memory, M-mode dropping
//! to S or U; `-v-`: under the environment's own Sv39 kernel). A test
//! reports through HTIF's `tohost`: 1 is a pass (rvsim exits 0), `n << 1 |
//! 1` a failure of case n (rvsim exits with n).

mod common;

use std::path::PathBuf;

#[test]
fn every_riscv_test_of_the_implemented_suites_passes() {
    let Some(corpus) = common::corpus("every_riscv_test_of_the_implemented_suites_passes") else { return };
    let isa = corpus.join("riscv-tests/isa");
    let mut failures = Vec::new();
    let mut ran = 0;
    for suite in common::RISCV_SUITES {
        let tests = common::riscv_tests_of(&isa, suite);
        assert!(!tests.is_empty(), "no rv64{suite} tests in {}", isa.display());
        for test in tests {
            let output = common::run_rvsim(&test, &[]);
            ran += 1;
            if output.status.code() != Some(0) {
                failures.push(format!("{}: {}", test.display(), common::describe(&output)));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {ran} riscv-tests failed:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{ran} riscv-tests passed");
}

/// The riscv-tests benchmarks (built for rv64gc; mm and spmv compute in
/// double precision): each checks its own result (a wrong one is a
/// non-zero exit through `tohost`) and prints its counters through HTIF's
/// `write`.
#[test]
fn every_riscv_benchmark_verifies_its_result() {
    let Some(corpus) = common::corpus("every_riscv_benchmark_verifies_its_result") else { return };
    let dir = corpus.join("riscv-tests/benchmarks");
    let mut benchmarks: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the corpus's benchmarks directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "riscv"))
        .collect();
    benchmarks.sort();
    assert_eq!(benchmarks.len(), 11, "the benchmarks in {}", dir.display());
    for benchmark in &benchmarks {
        let output = common::run_rvsim(benchmark, &[]);
        let name = benchmark.file_stem().and_then(|n| n.to_str()).unwrap_or("?");
        assert_eq!(output.status.code(), Some(0), "{name}: {}", common::describe(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let expected = match name {
            "mm" => "flops",
            "pmp" => "",
            "dhrystone" => "Dhrystones per Second:",
            _ => "minstret = ",
        };
        assert!(stdout.contains(expected), "{name} printed:\n{stdout}");
    }
}
