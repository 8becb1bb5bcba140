//! The MMU's statistics are exact: a program with a known access pattern
//! (tlb_sweep: 32 loads over 16 pages, in S-mode) gives hand-computed
//! counts under different TLB shapes, through `--stats-json`.

mod common;

use common::{describe, elf, run_rvsim, scratch_dir};

/// Runs tlb_sweep with a TLB shape and returns its statistics.
fn sweep_stats(test: &str, tlb: &str) -> serde_json::Value {
    let json = scratch_dir(test).join("stats.json");
    let output =
        run_rvsim(&elf("tlb_sweep"), &["--tlb", tlb, "--stats-json", json.to_str().expect("a UTF-8 scratch path")]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    serde_json::from_str(&std::fs::read_to_string(&json).expect("statistics written")).expect("valid JSON")
}

fn count(stats: &serde_json::Value, path: &[&str]) -> u64 {
    path.iter().fold(stats, |v, key| &v[key]).as_u64().unwrap_or_else(|| panic!("no {path:?} in {stats}"))
}

#[test]
fn sixteen_pages_fit_a_64_entry_tlb() {
    // 64 entries, 4 ways: 16 sets, so the 16 consecutive pages land in 16
    // different sets. Round one misses 16 times, round two hits 16 times.
    let stats = sweep_stats("sixteen_pages_fit_a_64_entry_tlb", "entries=64,ways=4,policy=lru");
    assert_eq!(count(&stats, &["tlb", "misses", "load"]), 16);
    assert_eq!(count(&stats, &["tlb", "hits", "load"]), 16);
    // One fetch miss (the 2 MiB page holding the code), one store miss
    // (the finisher's 1 GiB device page); every miss is one walk.
    assert_eq!(count(&stats, &["tlb", "misses", "fetch"]), 1);
    assert_eq!(count(&stats, &["tlb", "misses", "store"]), 1);
    assert_eq!(count(&stats, &["mmu", "walks"]), 18);
    // Walks: code 2 levels (2 MiB leaf), data 3 levels, device 1 level.
    assert_eq!(count(&stats, &["mmu", "pte_reads"]), 2 + 16 * 3 + 1);
    assert_eq!(count(&stats, &["tlb", "evictions"]), 0);
    // Every instruction fetched in S-mode is one fetch lookup (the mret
    // that entered S retired in M).
    let s_instructions = count(&stats, &["hart", "retired_by_mode", "supervisor"]);
    assert_eq!(count(&stats, &["tlb", "lookups", "fetch"]), s_instructions);
}

#[test]
fn sixteen_pages_thrash_an_8_entry_lru_tlb() {
    // Fully associative, 8 entries, LRU: the code entry is used by every
    // fetch and stays; the 16 data pages cycle through the other 7, so
    // every load misses and evicts.
    let stats = sweep_stats("sixteen_pages_thrash_an_8_entry_lru_tlb", "entries=8,ways=full,policy=lru");
    assert_eq!(count(&stats, &["tlb", "misses", "load"]), 32);
    assert_eq!(count(&stats, &["tlb", "hits", "load"]), 0);
    assert_eq!(count(&stats, &["tlb", "misses", "fetch"]), 1);
    assert_eq!(count(&stats, &["tlb", "evictions"]), 32 - 7 + 1, "the device page's fill evicts one more");
}

#[test]
fn counters_add_up() {
    let stats = sweep_stats("counters_add_up", "entries=16,ways=2,policy=fifo");
    for kind in ["fetch", "load", "store"] {
        assert_eq!(
            count(&stats, &["tlb", "lookups", kind]),
            count(&stats, &["tlb", "hits", kind]) + count(&stats, &["tlb", "misses", kind]),
            "{kind}"
        );
    }
    let misses: u64 = ["fetch", "load", "store"].iter().map(|k| count(&stats, &["tlb", "misses", k])).sum();
    assert_eq!(count(&stats, &["mmu", "walks"]), misses);
    assert_eq!(count(&stats, &["tlb", "fills"]), misses);
    assert_eq!(stats["tlb"]["shape"], "entries=16,ways=2,policy=fifo");
}
