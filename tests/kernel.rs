//! The teaching kernel and its user programs, end to end: `rvsim run
//! PROGRAM` output and exit status, and the same kernel and initrd on
//! QEMU (`rvsim image`).

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{
    RUN_TIMEOUT, describe, qemu_available, run_with_input as run_command, run_with_timeout, rvsim, scratch_dir,
};

/// `rvsim run ARGS...` with stdin empty (not a terminal, so no echo).
fn run(args: &[&str]) -> Output {
    let mut command = rvsim();
    command.args(["run", "--max-insns", "4000000000"]).args(args);
    run_with_timeout(&mut command, RUN_TIMEOUT)
}

/// `rvsim run ARGS...` with `input` on stdin.
fn run_with_input(args: &[&str], input: &str) -> Output {
    let mut command = rvsim();
    command.args(["run", "--max-insns", "4000000000"]).args(args);
    run_command(&mut command, Some(input.as_bytes()), RUN_TIMEOUT)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn expect_success(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", describe(output));
    stdout(output)
}

/// The hexadecimal number in `text` right after `before` (which ends with
/// its "0x").
fn number_after_hex(text: &str, before: &str) -> u64 {
    let at = text.find(before).unwrap_or_else(|| panic!("no {before:?} in:\n{text}")) + before.len();
    let digits = text[at..].split(|c: char| !c.is_ascii_hexdigit()).next().unwrap_or("");
    u64::from_str_radix(digits, 16).unwrap_or_else(|_| panic!("no hexadecimal number after {before:?} in {text}"))
}

/// The number in `line` after `before`.
fn number_after(text: &str, before: &str) -> u64 {
    let at = text.find(before).unwrap_or_else(|| panic!("no {before:?} in:\n{text}")) + before.len();
    text[at..].split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).expect("a number")
}

#[test]
fn hello_prints_its_pid_and_arguments() {
    let out = expect_success(&run(&["hello", "one", "two words", ""]));
    assert_eq!(
        out,
        "hello from user space! I am pid 1, my parent is 0\nargument 1: one\nargument 2: two words\nargument 3: \n"
    );
}

#[test]
fn the_exit_status_is_the_programs() {
    assert_eq!(run(&["exitcode", "42"]).status.code(), Some(42));
    assert_eq!(run(&["exitcode", "0"]).status.code(), Some(0));
}

#[test]
fn forktest_checks_hundreds_of_statuses_and_gets_every_frame_back() {
    let out = expect_success(&run(&["forktest", "15"]));
    assert_eq!(
        out,
        "forktest: 300 children forked and reaped, every exit status right\nforktest: every frame came back: ok\n"
    );
}

#[test]
fn cowtest_copies_only_the_pages_written_while_shared() {
    let out = expect_success(&run(&["cowtest"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "cowtest: parent filled 64 pages");
    let fork_frames = number_after(lines[1], "fork took ");
    assert!(fork_frames < 20, "fork of 64 pages should only take page tables, a kernel stack and stack copies:\n{out}");
    assert!(lines[1].ends_with("copying would have taken 64 more"), "{out}");
    assert_eq!(
        &lines[2..],
        [
            "cowtest: child wrote 32 pages: 32 COW faults, 32 copies",
            "cowtest: child sees the parent's data in the other 32: ok",
            "cowtest: parent wrote 32 pages after the child exited: 32 COW faults, 0 copies, 32 reuses",
            "cowtest: parent sees its own data in the first 32: ok",
            "cowtest: only the pages written while shared were copied",
        ]
    );
}

#[test]
fn cow_off_makes_fork_copy_every_page() {
    let out = expect_success(&run(&["--append", "cow=off", "cowtest"]));
    assert!(number_after(&out, "fork copied every page at once: ") >= 64, "{out}");
    assert!(out.contains("cowtest: child wrote 32 pages: 0 COW faults, 0 copies"), "{out}");
    assert!(out.ends_with("cowtest: no copy-on-write: fork had copied every page\n"), "{out}");
}

#[test]
fn cowbench_shows_what_copy_on_write_saves() {
    let cow = expect_success(&run(&["cowbench"]));
    let eager = expect_success(&run(&["--append", "cow=off", "cowbench"]));
    let (cow_cycles, cow_frames) = (number_after(&cow, "pages): "), number_after(&cow, "cycles, "));
    let (eager_cycles, eager_frames) = (number_after(&eager, "pages): "), number_after(&eager, "cycles, "));
    assert!(cow.starts_with("cowbench: fork of a 16 MiB process (4096 pages): "), "{cow}");
    assert!(cow_frames < 64, "{cow}");
    assert!(eager_frames >= 4096, "{eager}");
    assert!(eager_cycles > 5 * cow_cycles, "copying 16 MiB should cost far more than sharing it:\n{cow}{eager}");
}

#[test]
fn badptr_gets_efault_for_every_bad_pointer() {
    let out = expect_success(&run(&["badptr"]));
    let calls = number_after(out.lines().last().unwrap_or_default(), "badptr: ");
    assert!(calls >= 40, "{out}");
    assert_eq!(
        out,
        format!(
            "badptr: a write that runs into an unmapped page stops there\n\
             badptr: {calls} calls with bad pointers, {calls} returned -EFAULT\n"
        )
    );
}

#[test]
fn crashers_are_killed_with_the_right_signal_and_the_parent_goes_on() {
    let out = expect_success(&run(&["crashers"]));
    for (what, signal, kernel_says) in [
        ("writes its own code", 11, Some("killed by SIGSEGV: store page fault at")),
        ("jumps into the kernel", 11, Some("killed by SIGSEGV: instruction page fault at 0x80000000")),
        ("executes an illegal instruction", 4, Some("killed by SIGILL: illegal instruction 0xffffffff")),
        ("loads from an unmapped page", 11, Some("killed by SIGSEGV: load page fault at 0x40000000")),
        ("hits a breakpoint", 5, Some("killed by SIGTRAP: breakpoint")),
        ("recurses without end", 11, Some("killed by SIGSEGV: store page fault at 0x7fef")),
        // Killed by its parent, which the timer let run: no kernel line.
        ("spins forever", 9, None),
    ] {
        assert!(
            out.contains(&format!("crashers: the child that {what}: status {signal} (signal {signal}): ok")),
            "{out}"
        );
        if let Some(line) = kernel_says {
            assert!(out.contains(line), "no kernel line {line:?}:\n{out}");
        }
    }
    assert_eq!(out.matches("[kernel] pid ").count(), 6, "one kernel line per fault:\n{out}");
    assert!(out.ends_with("crashers: the parent is still running\n"), "{out}");
}

#[test]
fn a_fork_bomb_ends_with_fork_failing_and_everything_reclaimed() {
    let out = expect_success(&run(&["forkbomb"]));
    assert_eq!(
        out,
        "forkbomb: fork failed with EAGAIN (no process slot left)\n\
         forkbomb: every process saw fork fail cleanly: ok\n\
         forkbomb: all frames back after the bomb: ok\n"
    );
}

#[test]
fn running_out_of_memory_makes_fork_fail_not_the_kernel() {
    // 10 MiB of RAM: the bomb runs out of frames before process slots.
    let out = expect_success(&run(&["--memory", "10M", "forkbomb"]));
    assert!(out.starts_with("forkbomb: fork failed with ENOMEM"), "{out}");
    assert!(out.contains("all frames back after the bomb: ok"), "{out}");
}

#[test]
fn the_shell_runs_programs_by_name() {
    let output = run_with_input(&["sh"], "hello a\nforktest 1\nnosuch\nexitcode 3\n\nexit\n");
    assert_eq!(
        expect_success(&output),
        "$ hello from user space! I am pid 2, my parent is 1\nargument 1: a\n\
         $ forktest: 20 children forked and reaped, every exit status right\nforktest: every frame came back: ok\n\
         $ sh: nosuch: no such program\n[exit 127]\n\
         $ [exit 3]\n\
         $ $ "
    );
}

#[test]
fn the_shell_ends_at_end_of_input() {
    // rvsim turns the end of its standard input into a Ctrl-D.
    let output = run_with_input(&["sh"], "hello\n");
    let out = expect_success(&output);
    assert!(out.starts_with("$ hello from user space!"), "{out:?}");
    assert!(out.ends_with("$ \n"), "{out:?}");
}

/// About 100 KB of shell input, far more than the kernel's 512-byte
/// console buffer: `commands` runs of hello, each followed by lines of
/// blanks, which the shell skips.
fn long_shell_input(commands: usize) -> String {
    let blank = format!("{}\n", " ".repeat(250));
    (0..commands).map(|k| format!("hello {k}\n{blank}{blank}")).collect()
}

/// The shell's output for `long_shell_input`: every command ran, in
/// order, and the output ends with `end` (what shows that the last of the
/// input arrived).
fn check_long_shell_output(out: &str, commands: usize, end: &str) {
    let arguments: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("argument 1: ")).collect();
    let expected: Vec<String> = (0..commands).map(|k| k.to_string()).collect();
    assert_eq!(arguments, expected, "commands lost or out of order");
    let tail = &out[out.len().saturating_sub(200)..];
    assert!(out.ends_with(end), "the end of input did not arrive: {tail:?}");
}

#[test]
fn the_shell_takes_100_kb_of_piped_input_without_losing_a_byte() {
    // Input arrives faster than the shell reads it: the console must hold
    // the UART back (flow control) instead of dropping what does not fit,
    // the end-of-input Ctrl-D included.
    let input = long_shell_input(200);
    assert!(input.len() > 100_000);
    let output = run_with_input(&["sh"], &input);
    // rvsim turns the end of its input into a Ctrl-D, at which the shell
    // prints a newline and exits.
    check_long_shell_output(&expect_success(&output), 200, "$ \n");
}

/// Lazy FP switching: a process's first FP instruction gets it zeroed
/// registers, a child starts with its parent's, and each keeps its own
/// f0-f31 and rounding mode through 50 switches to the other.
#[test]
fn each_process_keeps_its_own_fp_registers_and_rounding_mode() {
    let out = expect_success(&run(&["fpswitch"]));
    assert_eq!(
        out,
        "fpswitch: child: inherited its parent's registers: yes\n\
         fpswitch: child: its registers held through 50 of 50 switches\n\
         fpswitch: parent: its registers held through 50 of 50 switches\n\
         fpswitch: 1/3 rounded down in the parent and up in the child differ in the last bit: yes\n"
    );
}

#[test]
fn the_vm_log_shows_forks_cow_breaks_and_exits() {
    let out = expect_success(&run(&["--kernel-log", "vm", "cowtest"]));
    for needle in [
        "[vm] pid 1: store fault at 0x13000: zero-filled frame 0x",
        " heap pages around it\n",
        "[vm] pid 1: fork -> pid 2: ",
        "pages shared copy-on-write, 0 copied",
        "[vm] pid 2: store fault at 0x13000: COW break, copied frame 0x",
        "(last sharer)",
        "[vm] pid 2: exit, ",
    ] {
        assert!(out.contains(needle), "no {needle:?} in:\n{out}");
    }
}

#[test]
fn vmprint_marks_copy_on_write_pages() {
    let out = expect_success(&run(&["vmdemo"]));
    let parts: Vec<&str> = out.split("vmdemo: ").collect();
    assert_eq!(parts.len(), 4, "{out}");
    assert!(!parts[1].contains(" cow"), "before fork nothing is COW:\n{}", parts[1]);
    assert!(parts[2].contains("va 0x13000 r--u-ad cow"), "after fork the data page is COW:\n{}", parts[2]);
    assert!(parts[3].contains("va 0x13000 rw-u-ad"), "after the write it is private and writable:\n{}", parts[3]);
    assert!(parts[1].starts_with("my page table:\n[vmprint] pid 1 (vmdemo)\npage table 0x"), "{}", parts[1]);
}

/// The numbers in a sharedtext line: (instances, text frames, hits,
/// misses, frames in use).
fn sharedtext_figures(out: &str) -> Vec<[u64; 5]> {
    out.lines()
        .filter(|line| line.contains(" of textworker: "))
        .map(|line| {
            let n = number_after(line, "sharedtext: ");
            let text = number_after(line, "textworker: ");
            let hits = number_after(line, "frames (");
            let misses = number_after(line, "hits, ");
            let used = number_after(line, "misses), ");
            [n, text, hits, misses, used]
        })
        .collect()
}

#[test]
fn sharedtext_keeps_one_copy_of_the_text_however_many_run_it() {
    let shared = expect_success(&run(&["sharedtext"]));
    let figures = sharedtext_figures(&shared);
    assert_eq!(figures.iter().map(|f| f[0]).collect::<Vec<_>>(), [1, 2, 4, 8], "{shared}");
    let text = figures[0][1];
    assert!(text >= 1, "textworker has text:\n{shared}");
    for [n, frames, hits, misses, _] in &figures {
        assert_eq!(*frames, text, "the text frames stay the same for {n} instances:\n{shared}");
        assert_eq!(*misses, text, "the first instance loads each page once:\n{shared}");
        assert_eq!(*hits, (n - 1) * text, "every other instance finds them in the table:\n{shared}");
    }
    assert!(shared.ends_with("sharedtext: the text frames stayed the same however many ran: yes\n"), "{shared}");
    // With share=off every instance loads its own copy.
    let private = expect_success(&run(&["--append", "share=off", "sharedtext"]));
    let private_figures = sharedtext_figures(&private);
    assert!(private_figures.iter().all(|f| f[1] == 0 && f[2] == 0 && f[3] == 0), "{private}");
    let (used_shared, used_private) = (figures[3][4], private_figures[3][4]);
    assert!(
        used_private >= used_shared + 7 * text,
        "8 private copies cost at least 7 copies of the text more:\n{shared}{private}"
    );
}

#[test]
fn shmring_passes_every_message_through_shared_memory() {
    let out = expect_success(&run(&["shmring"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("shmring: consumer at 0x"), "{out}");
    assert!(lines[0].ends_with("producer at 0x20000000, 64-slot ring, 100000 messages"), "{out}");
    let sent = &lines[1][lines[1].find("sent ").expect("sent") + 5..][..18];
    let received = &lines[1][lines[1].find("received ").expect("received") + 9..][..18];
    assert_eq!(sent, received, "{out}");
    assert!(lines[1].ends_with(": agree"), "{out}");
    assert_eq!(lines[2], "shmring: ring removed, every frame back: ok");
}

#[test]
fn shmcounter_counts_exactly_under_the_futex_mutex() {
    let out = expect_success(&run(&["shmcounter"]));
    assert_eq!(
        out,
        "shmcounter: 8 processes x 10000 increments under a futex mutex: counter 80000, expected 80000: exact\n\
         shmcounter: the mutex was contended (processes slept on its futex): yes\n\
         shmcounter: segment removed, every frame back: ok\n"
    );
}

#[test]
fn shmabuse_gets_linux_errors_and_memory_returns_to_its_baseline() {
    let out = expect_success(&run(&["shmabuse"]));
    for (case, result) in [
        ("shmget of 0 bytes", "EINVAL"),
        ("shmget of more than SHMMAX", "EINVAL"),
        ("shmget of more memory than there is", "ENOMEM"),
        ("shmget of a key no one created", "ENOENT"),
        ("shmget with IPC_CREAT | IPC_EXCL of a taken key", "EEXIST"),
        ("shmget of the key, bigger than it is", "EINVAL"),
        ("shmat of an id that does not exist", "EINVAL"),
        ("shmat at an address that is not page-aligned", "EINVAL"),
        ("shmat over the program's own code", "EINVAL"),
        ("shmat beyond the end of user space", "ENOMEM"),
        ("shmat over the stack", "EINVAL"),
        ("shmat at a free address", "success"),
        ("shmat over that attachment", "EINVAL"),
        ("shmdt of an address nothing is attached at", "EINVAL"),
        ("shmdt inside an attachment", "EINVAL"),
        ("shmdt of the same address again", "EINVAL"),
        ("shmat read-write of a segment with mode 0400", "EACCES"),
        ("shmctl IPC_STAT with a bad buffer", "EFAULT"),
        ("shmctl with an unknown command", "EINVAL"),
        ("shmctl IPC_RMID while attached", "success"),
        ("shmget of the removed key", "ENOENT"),
        ("shmctl IPC_STAT of it while still attached", "success"),
        ("shmat after it was destroyed", "EINVAL"),
        ("shmctl IPC_STAT after it was destroyed", "EINVAL"),
        ("shmctl IPC_RMID after it was destroyed", "EINVAL"),
        ("shmat of a removed segment its last user exited with", "EINVAL"),
    ] {
        assert!(out.contains(&format!("shmabuse: {case}: {result}\n")), "{case}: {result}?\n{out}");
    }
    assert!(!out.contains("WRONG"), "{out}");
    assert!(out.contains("killed by SIGSEGV: store page fault at"), "the kernel says why:\n{out}");
    assert!(out.contains("shmabuse: a store through an SHM_RDONLY attachment: killed by SIGSEGV\n"), "{out}");
    assert!(out.ends_with("shmabuse: memory back to its baseline: ok\n"), "{out}");
}

#[test]
fn bindlib_binds_relocated_code_away_from_its_link_address_and_shares_it() {
    let out = expect_success(&run(&["bindlib"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "bindlib: pid 2 binds libgreet at 0x30000000 (it is linked at 0x20000000)",
            "libgreet: hello, first process (call 1 in this process)",
            "libgreet: hello, first process (call 2 in this process)",
        ],
        "{out}"
    );
    // The first binder loads libgreet's two shared pages, and its table's
    // function pointers point into it where it is bound, not where it was
    // linked.
    assert!(lines[3].starts_with("bindlib: its code was loaded from the image (2 misses, 0 hits); "), "{out}");
    for function in ["greet", "triangle"] {
        let at = number_after_hex(lines[3], &format!("{function} 0x"));
        assert!((0x3000_0000..0x3001_0000).contains(&at), "{function} at {at:#x}:\n{out}");
    }
    assert_eq!(lines[4], "libgreet: hello, second process (call 1 in this process)", "{out}");
    assert_eq!(
        lines[5],
        "bindlib: pid 3 bound libgreet at 0x30000000 too: its code came from the shared pages table (0 misses, 2 hits); triangle(100) = 5050",
        "the second binder shares the first's frames: no miss"
    );
    assert!(lines[6].starts_with("[sharedpages] "), "{out}");
    let libgreet: Vec<Vec<&str>> = lines
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<&str>>())
        .filter(|row| row.first() == Some(&"libgreet") && row.get(1).is_some_and(|page| page.starts_with("0x")))
        .collect();
    assert_eq!(libgreet.len(), 2, "two pages of libgreet in the table:\n{out}");
    assert_eq!((libgreet[0][1], libgreet[1][1]), ("0x30000000", "0x30001000"), "at the bound address:\n{out}");
    assert!(libgreet.iter().all(|row| row[3] == "2"), "each with two sharers:\n{out}");
    assert_eq!(
        (libgreet[0][7], libgreet[1][7]),
        ("-", "yes"),
        "the text needs no relocation, the table's page was relocated:\n{out}"
    );
    assert!(out.contains("  libgreet is placed at 0x30000000 (linked at 0x20000000) for 2 address spaces\n"), "{out}");
    assert!(
        out.contains(
            "[kernel] pid 4 (bindlib): bind libgreet at 0x40000000 refused: libgreet is bound at 0x30000000 \
             in the shared pages table, and every sharer must use that address\n"
        ),
        "{out}"
    );
    assert!(out.contains("\nbindlib: pid 4 binding libgreet at 0x40000000: EINVAL, refused\n"), "{out}");
    // Running it as a program would put it at its link address: refused too.
    assert!(
        out.contains(
            "[kernel] exec libgreet refused: its pages are bound at 0x30000000 in the shared pages table, \
             not at its link address 0x20000000\n\
             bindlib: pid 4 running libgreet as a program, at its link address: ETXTBSY, refused\n"
        ),
        "{out}"
    );
    // Once every sharer has gone, a new first binder chooses again.
    assert!(
        out.ends_with(
            "libgreet: hello, process after them (call 1 in this process)\n\
             bindlib: once they had exited, pid 5 bound libgreet at 0x40000000, loaded and relocated anew \
             (2 misses, 0 hits); triangle(10) = 55\n"
        ),
        "{out}"
    );
}

#[test]
fn relocated_shared_pages_go_to_swap_and_come_back_under_memory_pressure() {
    // Eight frames for user pages, and shared pages evictable at once.
    let out =
        expect_success(&run(&["--swap", "64M", "--append", "frames=8 shared=0", "--kernel-log", "vm", "bindlib"]));
    for needle in [
        "[vm] page-out: relocated shared page (it differs from its image) in frame 0x",
        ": relocated shared page from slot ",
        "[vm] drop: shared text page (reloads from its image)",
        "libgreet: hello, second process (call 1 in this process)\n",
        "triangle(100) = 5050\n",
        "bindlib: pid 4 binding libgreet at 0x40000000: EINVAL, refused\n",
        "triangle(10) = 55\n",
    ] {
        assert!(out.contains(needle), "no {needle:?} in:\n{out}");
    }
    assert!(number_after(&out, " evicted (") > 0, "relocated pages went to swap:\n{out}");
    assert!(number_after(&out, " to swap, ") > 0, "and came back from it:\n{out}");
    // The relocated page was loaded from the image once, and since then
    // only written to swap and read back.
    let table_page = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<&str>>())
        .find(|row| row.first() == Some(&"libgreet") && row.get(1) == Some(&"0x30001000"))
        .unwrap_or_else(|| panic!("no row for libgreet's table page in:\n{out}"));
    assert_eq!((table_page[6], table_page[7]), ("1", "yes"), "{out}");
}

/// Which references of `refs` fault under FIFO with `frames` frames.
fn fifo_faults(refs: &[u32], frames: usize) -> String {
    let mut resident = std::collections::VecDeque::new();
    let marks: Vec<&str> = refs
        .iter()
        .map(|page| {
            if resident.contains(page) {
                return ".";
            }
            if resident.len() == frames {
                resident.pop_front();
            }
            resident.push_back(*page);
            "F"
        })
        .collect();
    marks.join(" ")
}

/// belady's line for `policy` with `frames` frames: its fault marks.
fn belady_marks(out: &str, policy: &str, frames: usize) -> String {
    let prefix = format!("belady: {policy:<5} with {frames} frames: ");
    let line = out.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {prefix:?} in:\n{out}"));
    line.split("faults").nth(1).expect("marks after the count").trim().to_owned()
}

#[test]
fn belady_counts_every_fault_exactly_in_a_frame_pool() {
    let out = expect_success(&run(&["belady"]));
    assert!(out.contains("belady: fifo  with 3 frames:  9 faults"), "{out}");
    assert!(out.contains("belady: fifo  with 4 frames: 10 faults"), "{out}");
    assert!(out.contains("belady: FIFO faults more with 4 frames than with 3: Belady's anomaly\n"), "{out}");
    assert!(out.contains("belady: optimal (offline) 7 faults with 3 frames, 6 with 4\n"), "{out}");
    // The pool makes the count exact whatever the rest of memory does: a
    // tight global budget changes nothing.
    let tight = expect_success(&run(&["--append", "frames=40", "belady"]));
    assert_eq!(tight, out);
    // Any string: the kernel's faults are FIFO's, reference by reference.
    for refs in
        [vec![0u32, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2], vec![7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1]]
    {
        let args: Vec<String> = refs.iter().map(u32::to_string).collect();
        let argv: Vec<&str> = std::iter::once("belady").chain(args.iter().map(String::as_str)).collect();
        let out = expect_success(&run(&argv));
        for frames in [3, 4] {
            assert_eq!(
                belady_marks(&out, "fifo", frames),
                fifo_faults(&refs, frames),
                "{refs:?}, {frames} frames:\n{out}"
            );
        }
    }
    let bad = run(&["belady", "64"]);
    assert_eq!(bad.status.code(), Some(2), "{}", describe(&bad));
}

/// bigmem's plain output: every pass verified, the heap given back.
fn assert_bigmem_verified(out: &str, mib: u64) {
    let expected = [
        "sequential: verified",
        "random: verified",
        "looping: verified",
        "child: the parent's data as it was at fork, then its own changes: verified",
        "parent: its own changes, unseen by the child, and none of the child's: verified",
        "fork: verified",
        "heap given back, every page committed to it released: ok",
    ];
    let lines: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("bigmem: ")).collect();
    assert!(lines.first().is_some_and(|l| l.starts_with(&format!("{mib} MiB working set"))), "{out}");
    assert_eq!(lines[1..], expected, "{out}");
}

/// Every frame and swap slot came back once init exited (`log=vmstat`).
fn assert_all_given_back(out: &str) {
    assert!(out.contains("[vmstat-end] left in use: user_frames=0 swap_used=0 committed=0 shm_frames=0\n"), "{out}");
}

#[test]
fn a_working_set_three_times_ram_is_verified_through_a_fork_and_all_of_it_comes_back() {
    // The issue's own command: 48 MiB of data in 16 MiB of RAM.
    let output = run(&["--memory", "16M", "--swap", "128M", "--kernel-log", "vmstat", "bigmem"]);
    let out = expect_success(&output);
    assert_bigmem_verified(&out, 48);
    let budget = number_after(&out, " frame_budget=");
    assert!(budget < 16 * 256 && budget > 8 * 256, "{out}");
    // Every page of the set was written at least once, and went out.
    assert!(number_after(&out, " page_outs=") > 12288 && number_after(&out, " major_faults=") > 12288, "{out}");
    assert_all_given_back(&out);
}

#[test]
fn running_out_of_ram_and_swap_is_enomem_and_loses_nothing() {
    // 256 frames and 511 slots hold two MiB once, not twice: the fork is
    // refused and the parent's data is untouched; four MiB is refused at
    // once. Either way everything comes back.
    let fork = run(&["--swap", "2M", "--append", "frames=256", "--kernel-log", "vmstat", "bigmem", "2"]);
    let out = stdout(&fork);
    assert_eq!(fork.status.code(), Some(1), "{}", describe(&fork));
    assert!(out.contains("bigmem: looping: verified\n"), "{out}");
    assert!(
        out.contains("bigmem: fork failed with ENOMEM; the parent's data after it: verified\nbigmem: fork: refused\n"),
        "{out}"
    );
    assert!(number_after(&out, " page_outs=") > 0 && !out.contains("panic"), "{out}");
    assert_all_given_back(&out);
    let heap = run(&["--swap", "1M", "--append", "frames=256", "--kernel-log", "vmstat", "bigmem", "4"]);
    let out = stdout(&heap);
    assert_eq!(heap.status.code(), Some(1), "{}", describe(&heap));
    assert!(out.contains("bigmem: cannot allocate 1024 pages\n"), "{out}");
    assert_all_given_back(&out);
}

#[test]
fn futex_sleepers_are_woken_when_their_page_went_to_swap_and_came_back() {
    // A few frames: the segment's page goes to swap while processes sleep
    // on words in it, and comes back in another frame.
    for (program, frames) in [("shmcounter", "frames=8"), ("shmring", "frames=5")] {
        let out = expect_success(&run(&["--swap", "64M", "--append", frames, "--kernel-log", "vm,vmstat", program]));
        assert!(out.contains("[vm] page-out: shared-memory page in frame "), "{program}: the segment paged:\n{out}");
        assert!(out.contains("every frame back: ok\n") && !out.contains("disagree"), "{out}");
        assert!(!out.contains("WRONG"), "{out}");
    }
}

#[test]
fn every_replacement_policy_keeps_bigmem_data_under_pressure() {
    for policy in ["clock", "fifo", "lru", "random"] {
        let append = format!("frames=160 pager={policy}");
        let out =
            expect_success(&run(&["--swap", "16M", "--append", &append, "--kernel-log", "vmstat", "bigmem", "1"]));
        assert_bigmem_verified(&out, 1);
        assert!(number_after(&out, " page_outs=") > 256, "{policy}: {out}");
        assert_all_given_back(&out);
    }
}

#[test]
fn the_vm_log_shows_shared_pages_and_attachments() {
    let out = expect_success(&run(&["--kernel-log", "vm", "shmcounter"]));
    for needle in [
        "[vm] pid 1: fetch fault at 0x10000: shared page miss, loaded into frame 0x",
        ": shared page hit, frame 0x",
        "[vm] pid 1: shmat segment 0 at 0x",
        ", 1 pages read-write",
        "[vm] pid 2: shmdt segment 0 at 0x",
    ] {
        assert!(out.contains(needle), "no {needle:?} in:\n{out}");
    }
}

#[test]
fn vmprint_marks_shared_text_and_shm_pages() {
    let out = expect_success(&run(&["vmdemo"]));
    assert!(out.contains("va 0x10000 r-xu-a- s\n"), "text is from the shared pages table:\n{out}");
    assert!(out.contains(" shm\n"), "the shared-memory page is marked:\n{out}");
}

/// A built user program, as a file (the build leaves them in target/guest).
fn user_elf(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test path");
    let target = exe.ancestors().nth(3).expect("target directory");
    let path = target.join("guest/riscv64imac-unknown-none-elf/release").join(name);
    assert!(path.exists(), "{} was not built", path.display());
    path
}

#[test]
fn a_user_elf_file_is_added_to_the_initrd_and_run() {
    let copy = scratch_dir("a_user_elf_file_is_added_to_the_initrd_and_run").join("greeter");
    std::fs::copy(user_elf("hello"), &copy).expect("copy");
    let out = expect_success(&run(&[copy.to_str().unwrap(), "x"]));
    assert_eq!(out, "hello from user space! I am pid 1, my parent is 0\nargument 1: x\n");
}

#[test]
fn unknown_or_foreign_programs_are_one_line_errors() {
    let missing = run(&["nosuch"]);
    assert_eq!(missing.status.code(), Some(3), "{}", describe(&missing));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(err.lines().count(), 1);
    assert!(err.starts_with("rvsim: error: \"nosuch\": no such file, and no built-in program of that name"), "{err}");
    let host = std::env::current_exe().unwrap();
    let foreign = run(&[host.to_str().unwrap()]);
    assert_eq!(foreign.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&foreign.stderr).contains("not RISC-V"));
}

#[test]
fn list_shows_programs_and_the_kernel() {
    let output = run_with_timeout(rvsim().arg("list"), RUN_TIMEOUT);
    let out = expect_success(&output);
    for name in [
        "hello",
        "forktest",
        "cowtest",
        "cowbench",
        "badptr",
        "crashers",
        "forkbomb",
        "sh",
        "bigmem",
        "belady",
        "bigtext",
        "thrash",
        "rvsim-kernel",
    ] {
        assert!(out.contains(&format!("  {name} ")), "{name} missing from:\n{out}");
    }
}

/// The built-in kernel and initrd, written by `rvsim image` (once).
fn qemu_image() -> &'static (PathBuf, PathBuf) {
    static IMAGE: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = scratch_dir("qemu_image");
        let output = run_with_timeout(rvsim().arg("image").arg(&dir), RUN_TIMEOUT);
        assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
        (dir.join("kernel.elf"), dir.join("initrd.cpio"))
    })
}

/// QEMU booting the same kernel and initrd with `append` as boot
/// arguments.
fn qemu_command(append: &str) -> Command {
    let (kernel, initrd) = qemu_image();
    let mut command = Command::new("qemu-system-riscv64");
    command
        .args(["-machine", "virt", "-bios", "none", "-m", "128M", "-nographic", "-kernel"])
        .arg(kernel)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", append]);
    command
}

/// Boots the same kernel and initrd on QEMU with `append` as boot
/// arguments and `input` on stdin.
fn qemu(append: &str, input: &str) -> Output {
    run_command(&mut qemu_command(append), Some(input.as_bytes()), RUN_TIMEOUT)
}

#[test]
fn the_same_kernel_and_initrd_give_the_same_output_on_qemu() {
    if !qemu_available("the_same_kernel_and_initrd_give_the_same_output_on_qemu") {
        return;
    }
    for (program, args) in [
        ("hello", vec!["a", "b"]),
        ("forktest", vec!["5"]),
        ("badptr", vec![]),
        ("crashers", vec![]),
        ("forkbomb", vec![]),
        ("exitcode", vec!["7"]),
        ("sharedtext", vec![]),
        ("shmring", vec![]),
        ("shmcounter", vec![]),
        ("shmabuse", vec![]),
        ("bindlib", vec![]),
        ("belady", vec![]),
        ("fpswitch", vec![]),
    ] {
        let ours = run(&std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>());
        let append = format!("echo=off -- {program} {}", args.join(" "));
        let theirs = qemu(&append, "");
        assert_eq!(theirs.status.code(), ours.status.code(), "{program} on QEMU:\n{}", describe(&theirs));
        assert_eq!(
            without_frames(&stdout(&theirs)),
            without_frames(&stdout(&ours)),
            "{program}: QEMU and rvsim differ"
        );
    }
    let input = "hello x\nforktest 1\nexit\n";
    let theirs = qemu("echo=off -- sh", input);
    assert_eq!(stdout(&theirs), stdout(&run_with_input(&["sh"], input)), "sh: QEMU and rvsim differ");
}

/// `output` with every physical frame address (a word from 0x8000_0000
/// up, in RAM) replaced by `<frame>`. Which free frame a page gets follows
/// the order processes ran in, and that follows the timer, which QEMU
/// drives from the host's clock: `sharedpages` tables on two machines
/// name the same pages, not always the same frames.
fn without_frames(output: &str) -> String {
    let is_frame = |word: &str| {
        word.strip_prefix("0x")
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            .is_some_and(|a| (0x8000_0000..1 << 32).contains(&a))
    };
    let line = |l: &str| l.split(' ').map(|w| if is_frame(w) { "<frame>" } else { w }).collect::<Vec<_>>().join(" ");
    output.lines().map(|l| line(l) + "\n").collect()
}

#[test]
fn frame_addresses_are_masked_and_nothing_else() {
    let table = "  bindlib         0x12000   0x8054a000        2\ngreet 0x30000022 at 0x7ffff000\n";
    assert_eq!(without_frames(table), "  bindlib         0x12000   <frame>        2\ngreet 0x30000022 at 0x7ffff000\n");
}

/// A fresh swap image of `bytes` bytes in `dir`, formatted as mkswap
/// does, for QEMU's `-drive` and rvsim's `--swap FILE` alike.
fn swap_image(dir: &std::path::Path, name: &str, bytes: u64) -> PathBuf {
    let header = rvsim_kernel_core::swap_header::make(bytes, "test").expect("room for a header");
    let path = dir.join(name);
    let file = std::fs::File::create(&path).expect("a swap image");
    file.set_len(bytes).expect("its size");
    std::os::unix::fs::FileExt::write_all_at(&file, &header, 0).expect("its header");
    path
}

#[test]
fn bigmem_pages_to_the_same_swap_disk_on_qemu_with_the_same_output() {
    if !qemu_available("bigmem_pages_to_the_same_swap_disk_on_qemu_with_the_same_output") {
        return;
    }
    let dir = scratch_dir("bigmem_on_qemu");
    let (ours_disk, theirs_disk) = (swap_image(&dir, "ours.img", 16 << 20), swap_image(&dir, "theirs.img", 16 << 20));
    // Two MiB of data in 256 frames: the pages go to swap and come back.
    let ours = run(&[
        "--swap",
        ours_disk.to_str().expect("a UTF-8 path"),
        "--append",
        "frames=256",
        "--kernel-log",
        "vmstat",
        "bigmem",
        "2",
    ]);
    let out = expect_success(&ours);
    assert!(number_after(&out, " page_outs=") > 0 && number_after(&out, " major_faults=") > 0, "{out}");
    let mut command = qemu_command("echo=off frames=256 log=vmstat -- bigmem 2");
    command
        .arg("-drive")
        .arg(format!("file={},if=none,format=raw,id=x0", theirs_disk.display()))
        .args(["-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"]);
    let theirs = run_command(&mut command, None, RUN_TIMEOUT);
    assert_eq!(theirs.status.code(), Some(0), "bigmem on QEMU:\n{}", describe(&theirs));
    let theirs = stdout(&theirs);
    assert!(number_after(&theirs, " page_outs=") > 0, "QEMU's run paged too:\n{theirs}");
    // The counts depend on timing; the program's own lines do not.
    let lines = |text: &str| text.lines().filter(|l| !l.starts_with("[vmstat]")).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(lines(&theirs), lines(&out), "QEMU and rvsim differ");
    assert!(
        out.contains("bigmem: fork: verified\n") && out.contains("[vmstat-end] left in use: user_frames=0 swap_used=0")
    );
}

/// The kernel stopped cleanly because it could not boot: one line saying
/// why, exit status 97, no panic.
fn assert_boot_failed(output: &Output, why: &str) {
    let out = stdout(output);
    assert_eq!(output.status.code(), Some(97), "{}", describe(output));
    assert!(out.starts_with("[kernel] boot failed: ") && out.contains(why), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!out.contains("panic"), "{out}");
}

#[test]
fn a_kernel_without_room_to_boot_says_so_and_stops() {
    // rvsim refuses such sizes for its built-in kernel; given as a file,
    // the kernel is on its own and must check for itself.
    let (kernel, _) = qemu_image();
    let kernel = kernel.to_str().expect("a UTF-8 scratch path");
    // Too little RAM for the heap (a bare-metal boot: no initrd).
    let output = run(&["--kernel", kernel, "--memory", "2M"]);
    assert_boot_failed(&output, "2048 KiB of RAM is too little");
    // Room enough, but the heap would run over the initrd, half way up.
    let output = run(&["--kernel", kernel, "--memory", "6400K", "hello"]);
    assert_boot_failed(&output, "would cover the initrd");
}

#[test]
fn the_kernel_refuses_to_boot_over_the_device_tree_on_qemu() {
    if !qemu_available("the_kernel_refuses_to_boot_over_the_device_tree_on_qemu") {
        return;
    }
    // QEMU puts the device tree at 2 MiB in a 4 MiB machine (the top of
    // RAM rounded down to 2 MiB), where the heap would go.
    let (kernel, _) = qemu_image();
    let mut command = Command::new("qemu-system-riscv64");
    command.args(["-machine", "virt", "-bios", "none", "-m", "4M", "-nographic", "-kernel"]).arg(kernel);
    let output = run_command(command.args(["-append", "-- hello"]), Some(b""), RUN_TIMEOUT);
    assert_boot_failed(&output, "would cover the device tree");
}

#[test]
fn the_shell_takes_100_kb_of_piped_input_on_qemu_too() {
    if !qemu_available("the_shell_takes_100_kb_of_piped_input_on_qemu_too") {
        return;
    }
    // QEMU's UART holds one byte and its host side the rest: flow control
    // in the kernel is what keeps input from being lost there too. QEMU
    // sends nothing at the end of its input, so the input ends with exit.
    let input = long_shell_input(200) + "exit\n";
    let theirs = qemu("echo=off -- sh", &input);
    assert_eq!(theirs.status.code(), Some(0), "{}", describe(&theirs));
    check_long_shell_output(&stdout(&theirs), 200, "$ $ ");
}

/// A static riscv64 Linux program, as GNU binutils build one with
/// `-nostdlib`: it reads argc, argv, envp and auxv from its stack as the
/// Linux ABI lays them out, prints its arguments with write, grows its
/// heap with brk, and exits with exit_group.
const LINUX_PROGRAM: &str = r#"
    .globl _start
_start:
    ld s1, 0(sp)            # argc
    addi s0, sp, 8          # argv
    mv s2, s1
print_args:
    beqz s2, args_done
    ld a1, 0(s0)
    mv a2, zero
strlen:
    add t0, a1, a2
    lbu t1, 0(t0)
    beqz t1, write_arg
    addi a2, a2, 1
    j strlen
write_arg:
    li a0, 1
    li a7, 64               # write
    ecall
    li a0, 1
    la a1, newline
    li a2, 1
    li a7, 64
    ecall
    addi s0, s0, 8
    addi s2, s2, -1
    j print_args
args_done:
    ld t0, 0(s0)            # argv[argc] is NULL
    bnez t0, bad
    addi s0, s0, 8
skip_env:
    ld t0, 0(s0)
    addi s0, s0, 8
    bnez t0, skip_env
    li s3, 0                # auxv: find AT_PAGESZ (6) before AT_NULL
auxv:
    ld t0, 0(s0)
    ld t1, 8(s0)
    addi s0, s0, 16
    beqz t0, auxv_done
    li t2, 6
    bne t0, t2, auxv
    mv s3, t1
    j auxv
auxv_done:
    li t2, 4096
    bne s3, t2, bad
    li a0, 0
    li a7, 214              # brk(0)
    ecall
    mv s4, a0
    li t0, 8192
    add a0, s4, t0
    li a7, 214              # brk(+8 KiB)
    ecall
    li t0, 8192
    add t0, s4, t0
    bne a0, t0, bad
    li t1, 0x5a
    li t3, 4097
    add t3, s4, t3
    sb t1, 0(t3)            # the new heap is writable
    lbu t2, 0(t3)
    bne t1, t2, bad
    addi a0, s1, 40         # exit_group(argc + 40)
    li a7, 94
    ecall
bad:
    li a0, 99
    li a7, 93
    ecall
    .section .rodata
newline:
    .byte 10
"#;

#[test]
fn a_static_linux_program_built_with_binutils_runs_unchanged() {
    let test = "a_static_linux_program_built_with_binutils_runs_unchanged";
    if !common::tool_available("riscv64-unknown-elf-as", test)
        || !common::tool_available("riscv64-unknown-elf-ld", test)
    {
        return;
    }
    let dir = scratch_dir(test);
    let (source, object, program) = (dir.join("linux.S"), dir.join("linux.o"), dir.join("linuxprog"));
    std::fs::write(&source, LINUX_PROGRAM).expect("write the source");
    let assembled = Command::new("riscv64-unknown-elf-as")
        .args(["-march=rv64imac", "-mabi=lp64", "-o"])
        .arg(&object)
        .arg(&source)
        .output()
        .expect("run as");
    assert!(assembled.status.success(), "{}", describe(&assembled));
    let linked = Command::new("riscv64-unknown-elf-ld")
        .args(["-static", "-nostdlib", "-o"])
        .arg(&program)
        .arg(&object)
        .output()
        .expect("run ld");
    assert!(linked.status.success(), "{}", describe(&linked));
    let output = run(&[program.to_str().unwrap(), "alpha", "beta gamma"]);
    assert_eq!(output.status.code(), Some(43), "{}", describe(&output));
    assert_eq!(stdout(&output), "linuxprog\nalpha\nbeta gamma\n");
}
