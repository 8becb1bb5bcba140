//! User programs that page, end to end under a frame budget: `bigtext`
//! (eight instances of a program with over 1 MiB of text, one copy of
//! its text in memory, evicted and loaded again) and `thrash` (the fault
//! rate climbs once the working sets together pass the budget). Counts
//! that depend on scheduling are checked for their shape, not their
//! values.

mod common;

use std::process::Output;

use common::{RUN_TIMEOUT, describe, run_with_timeout, rvsim};

/// `rvsim run ARGS...` with stdin empty.
fn run(args: &[&str]) -> Output {
    let mut command = rvsim();
    command.args(["run", "--max-insns", "4000000000"]).args(args);
    run_with_timeout(&mut command, RUN_TIMEOUT)
}

fn expect_success(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", describe(output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The number in `text` right after `before`.
fn number_after(text: &str, before: &str) -> u64 {
    let at = text.find(before).unwrap_or_else(|| panic!("no {before:?} in:\n{text}")) + before.len();
    text[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {before:?} in:\n{text}"))
}

/// The decimal fraction in `text` right after `before` ("12.5").
fn fraction_after(text: &str, before: &str) -> f64 {
    let at = text.find(before).unwrap_or_else(|| panic!("no {before:?} in:\n{text}")) + before.len();
    text[at..]
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {before:?} in:\n{text}"))
}

/// The line of `out` that starts with `start`.
fn line<'a>(out: &'a str, start: &str) -> &'a str {
    out.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("no line starting {start:?} in:\n{out}"))
}

/// What the VM log says the shared pages table did, replayed.
#[derive(Debug, Default)]
struct TableReplay {
    /// Faults that loaded a page from its image.
    misses: u64,
    /// Faults that mapped a frame already in the table.
    hits: u64,
    /// Text pages dropped by the pager.
    drops: u64,
    /// The most pages in memory at once.
    most: usize,
}

/// The page and frame of a shared page fault in a VM log line ("[vm] pid
/// 3: fetch fault at 0x1a2b4: shared page miss, loaded into frame
/// 0x805c2000"), and whether it was a miss.
fn shared_fault(line: &str) -> Option<(u64, u64, bool)> {
    let (_, rest) = line.split_once(" fault at 0x")?;
    let (address, how) = rest.split_once(": shared page ")?;
    let (miss, frame) = match how.split_once("frame 0x")? {
        ("miss, loaded into ", frame) => (true, frame),
        ("hit, ", frame) => (false, frame),
        _ => return None,
    };
    let hex = |text: &str| u64::from_str_radix(text.trim(), 16).ok();
    Some((hex(address)? >> 12, hex(frame)?, miss))
}

/// Replays the shared page events of the VM log (`--kernel-log vm`) in
/// `out` up to the first exit (an exit frees pages without a log line):
/// a miss must load a page that is in no frame into a frame that holds no
/// page, a hit must map the frame that holds the page, a drop frees it.
/// Any other event means a page was in two frames at once, or in the
/// wrong one: the test fails there.
fn replay_shared_pages(out: &str) -> TableReplay {
    let mut frame_of = std::collections::HashMap::new();
    let mut page_in = std::collections::HashMap::new();
    let mut replay = TableReplay::default();
    for (number, line) in out.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        if line.starts_with("[vm] pid ") && line.contains(": exit, ") {
            break;
        }
        if let Some((page, frame, miss)) = shared_fault(line) {
            if miss {
                assert!(
                    !frame_of.contains_key(&page),
                    "line {number}: page {page:#x} loaded again while in a frame: {line}"
                );
                assert!(!page_in.contains_key(&frame), "line {number}: frame {frame:#x} holds another page: {line}");
                frame_of.insert(page, frame);
                page_in.insert(frame, page);
                replay.misses += 1;
            } else {
                assert_eq!(frame_of.get(&page), Some(&frame), "line {number}: a hit on another frame: {line}");
                replay.hits += 1;
            }
            replay.most = replay.most.max(frame_of.len());
        } else if let Some(rest) = line.strip_prefix("[vm] drop: shared text page (reloads from its image) in frame 0x")
        {
            let frame = rest.split(' ').next().and_then(|f| u64::from_str_radix(f, 16).ok());
            let page = frame.and_then(|f| page_in.remove(&f));
            let page = page.unwrap_or_else(|| panic!("line {number}: a drop of a frame holding no page: {line}"));
            frame_of.remove(&page);
            replay.drops += 1;
        }
    }
    replay
}

/// bigtext's lines for its instances: checksums and verdicts, which no
/// frame budget may change.
fn instance_lines(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.starts_with("bigtext: instance ")).collect()
}

#[test]
fn eight_instances_of_a_megabyte_of_text_share_one_copy_under_a_budget_smaller_than_the_text() {
    // 192 frames for user pages: 8 copies of the text would need over
    // 2000, and even one copy does not fit, so its pages are dropped and
    // loaded again from the image as the instances sweep it.
    let out = expect_success(&run(&[
        "--swap",
        "64M",
        "--append",
        "frames=192",
        "--kernel-log",
        "vm,vmstat",
        "bigtext",
        "8",
        "3",
        "stats",
    ]));
    let pages = number_after(&out, "KiB image (");
    assert!(pages * 4096 >= 1 << 20, "at least 1 MiB of text and read-only data:\n{out}");
    assert!(out.contains(&format!("in 192 frames for user pages; 8 copies would need {}\n", 8 * pages)), "{out}");
    let instances = instance_lines(&out);
    assert_eq!(instances.len(), 8, "{out}");
    for (index, line) in instances.iter().enumerate() {
        assert!(
            line.starts_with(&format!("bigtext: instance {index}: 3 passes over 256 functions, checksum 0x")),
            "{out}"
        );
        assert!(line.ends_with(": verified"), "{out}");
    }
    assert!(out.contains(&format!(
        "bigtext: while all 8 ran, their text came from the shared pages table, never more than one copy of the image's {pages} pages: yes\n"
    )), "{out}");
    // At every look (after each function each instance ran) the table held
    // at most one copy, which here is at most the budget.
    let stats = line(&out, "bigtext:   the shared pages table held at most ");
    let most = number_after(stats, "held at most ");
    assert!(most <= pages && most <= 192, "{out}");
    // The text was evicted and loaded again, and shared while in memory.
    let misses = number_after(stats, "started); ");
    assert!(misses > 2 * pages, "pages loaded again after they were dropped:\n{out}");
    assert!(number_after(stats, "image), ") > 0, "hits: instances mapped frames another had loaded:\n{out}");
    // The VM log, replayed: a page of the text was never in two frames at
    // once, and pages were dropped and loaded again.
    let replay = replay_shared_pages(&out);
    assert!(replay.most as u64 <= pages, "{replay:?}");
    assert!(replay.misses > 2 * pages && replay.drops > pages && replay.hits > 0, "{replay:?}");
    let vmstat = line(&out, "[vmstat] ");
    assert!(number_after(vmstat, " shared_misses=") >= misses, "{out}");
    assert!(number_after(vmstat, " drops=") > pages, "text pages dropped:\n{out}");
    assert!(out.contains("[vmstat-end] left in use: user_frames=0 swap_used=0 committed=0 shm_frames=0"), "{out}");

    // With room for one copy (but not for 8), each instance computes the
    // same, and the table holds the image once.
    let roomy = expect_success(&run(&["--swap", "64M", "--append", "frames=400", "bigtext", "8", "3", "stats"]));
    assert_eq!(instance_lines(&roomy), instances, "{roomy}");
    assert!(roomy.contains(&format!("one copy of the image's {pages} pages: yes\n")), "{roomy}");
    let most = number_after(line(&roomy, "bigtext:   the shared pages table held at most "), "held at most ");
    assert!(most <= pages, "{roomy}");
}

#[test]
fn thrash_verifies_every_round_and_faults_on_most_touches_once_the_sets_pass_the_budget() {
    let out = expect_success(&run(&["--swap", "64M", "--append", "frames=256", "thrash", "64", "8", "stats"]));
    let plain: Vec<&str> = out.lines().filter(|l| l.starts_with("thrash: ") && !l.starts_with("thrash:   ")).collect();
    assert_eq!(
        plain,
        [
            "thrash: rounds of 1, 2, 3, 4, 6 and 8 processes, each sweeping its own 64 pages 8 times, in 256 frames for user pages",
            "thrash: 1 process, 64 pages together (25% of the budget): every page verified",
            "thrash: 2 processes, 128 pages together (50% of the budget): every page verified",
            "thrash: 3 processes, 192 pages together (75% of the budget): every page verified",
            "thrash: 4 processes, 256 pages together (100% of the budget): every page verified",
            "thrash: 6 processes, 384 pages together (150% of the budget): every page verified",
            "thrash: 8 processes, 512 pages together (200% of the budget): every page verified",
        ],
        "{out}"
    );
    let rates: Vec<(u64, f64)> = out
        .lines()
        .filter(|l| l.starts_with("thrash:   "))
        .map(|l| (number_after(l, "thrash:   "), fraction_after(l, "page faults and ")))
        .collect();
    assert_eq!(rates.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3, 4, 6, 8], "{out}");
    // Sets that fit (half the budget or less) are never read back from
    // swap; at twice the budget, most touches are.
    for &(processes, major) in &rates[..2] {
        assert!(major < 5.0, "{processes} processes fit in memory, yet {major} major faults per 1000 touches:\n{out}");
    }
    let (_, largest) = rates[5];
    assert!(largest > 500.0, "8 processes at twice the budget: {largest} major faults per 1000 touches:\n{out}");
}

#[test]
fn the_log_replay_counts_a_clean_log_and_catches_a_page_in_two_frames() {
    let clean = "[vm] pid 2: fetch fault at 0x10000: shared page miss, loaded into frame 0x80001000\n\
                 [vm] pid 3: fetch fault at 0x10002: shared page hit, frame 0x80001000\n\
                 [vm] drop: shared text page (reloads from its image) in frame 0x80001000 (clock: not referenced)\n\
                 [vm] pid 3: load fault at 0x10ff8: shared page miss, loaded into frame 0x80002000\n";
    let replay = replay_shared_pages(clean);
    assert_eq!((replay.misses, replay.hits, replay.drops, replay.most), (2, 1, 1, 1));
    let twice = "[vm] pid 2: fetch fault at 0x10000: shared page miss, loaded into frame 0x80001000\n\
                 [vm] pid 3: fetch fault at 0x10000: shared page miss, loaded into frame 0x80002000\n";
    let caught = std::panic::catch_unwind(|| replay_shared_pages(twice));
    assert!(caught.is_err(), "a page loaded into a second frame while in the first");
}

#[test]
fn fork_goes_on_under_thrashing_while_swap_has_room() {
    // 40 frames for up to 8 processes of 32 pages: each fork must reclaim
    // while the others fault the frames back, and still succeed.
    for policy in ["clock", "fifo", "lru", "random"] {
        let append = format!("frames=40 pager={policy}");
        let out = expect_success(&run(&["--swap", "64M", "--append", &append, "thrash", "32", "4"]));
        assert!(!out.contains("ENOMEM") && !out.contains("WRONG"), "{policy}:\n{out}");
        assert_eq!(out.matches(": every page verified\n").count(), 6, "{policy}:\n{out}");
    }
}
