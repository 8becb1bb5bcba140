//! The official riscv-tests, built unmodified (`../shared/corpus/riscv-tests`,
//! see the corpus README): every rv64 test of every suite rvsim implements
//! must pass, in both environments (`-p-`: physical memory, M-mode dropping
//! to S or U; `-v-`: under the environment's own Sv39 kernel). A test
//! reports through HTIF's `tohost`: 1 is a pass (rvsim exits 0), `n << 1 |
//! 1` a failure of case n (rvsim exits with n).

mod common;

use std::path::PathBuf;

/// The suites rvsim implements. F and D (`uf`, `ud`) join this list with
/// the F and D extensions; the README says why the others (zbc, zbkb, zbkx,
/// zfh, ziccid, zicbo, svnapot) are not run.
const SUITES: &[&str] = &["ui", "um", "ua", "uc", "si", "mi", "uzba", "uzbb", "uzbs"];

/// Every test ELF of `suite` in the corpus, sorted.
fn tests_of(isa: &std::path::Path, suite: &str) -> Vec<PathBuf> {
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

#[test]
fn every_riscv_test_of_the_implemented_suites_passes() {
    let Some(corpus) = common::corpus("every_riscv_test_of_the_implemented_suites_passes") else { return };
    let isa = corpus.join("riscv-tests/isa");
    let mut failures = Vec::new();
    let mut ran = 0;
    for suite in SUITES {
        let tests = tests_of(&isa, suite);
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
