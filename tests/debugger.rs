//! `rvsim debug` driven by a script on standard input: every command, its
//! output checked, and nothing typed can crash it.

mod common;

use std::time::Duration;

use common::{describe, run_with_input, rvsim};

/// Runs `rvsim debug ARGS...` with `script` on stdin; returns its output.
fn session(args: &[&str], script: &str) -> String {
    let output = raw_session(args, script.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(output.stderr.is_empty(), "{}", describe(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `rvsim debug ARGS...` with `script` (any bytes) on stdin.
fn raw_session(args: &[&str], script: &[u8]) -> std::process::Output {
    let mut command = rvsim();
    command.arg("debug").args(args);
    run_with_input(&mut command, Some(script), Duration::from_secs(60))
}

/// Runs a script with bad lines: it goes on past each, and the session
/// ends with status 1 and one line on stderr naming the first bad line.
fn failing_session(args: &[&str], script: &[u8], first_bad_line: usize) -> String {
    let output = raw_session(args, script);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{}", describe(&output));
    assert!(stderr.starts_with("rvsim: error: "), "{stderr}");
    assert!(stderr.contains(&format!("the first: line {first_bad_line})")), "{stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The output of the command `command` in a session transcript (up to the
/// next prompt).
fn answer<'a>(out: &'a str, command: &str) -> &'a str {
    let prompt = format!("(rvsim) {command}\n");
    let start = out.find(&prompt).unwrap_or_else(|| panic!("no {command:?} in:\n{out}")) + prompt.len();
    let end = out[start..].find("(rvsim) ").map_or(out.len(), |e| start + e);
    &out[start..end]
}

#[test]
fn a_scripted_session_steps_breaks_watches_and_looks_at_memory() {
    let script = "\
where
step 3
b rvsim_kernel::proc::user_fault
info break
c
regs
x/3i $pc
translate $sp
x/2 $sp
next
watch $sp-8
c
pt
translate 0x10000 x u
tlb
csrs
stats
delete
c
step
q
";
    // Line 20, a step after the guest's end, fails: the status says so.
    let out = failing_session(&["cowtest"], script.as_bytes(), 20);
    assert!(out.starts_with("rvsim debugger: rvsim-kernel stopped before its first instruction"), "{out}");
    // The kernel's first instruction points sp at its boot stack (where
    // that lies depends on the kernel's size).
    assert!(answer(&out, "where").starts_with("  [M] 0x80000000 <_start>  auipc sp,0x"), "{out}");
    assert!(answer(&out, "step 3").starts_with("  [M] 0x8000000c <_start+0xc>  "), "{out}");
    let breakpoint = answer(&out, "b rvsim_kernel::proc::user_fault");
    assert!(breakpoint.starts_with("breakpoint 1 at 0x8"), "{breakpoint}");
    assert!(breakpoint.ends_with(" <rvsim_kernel::proc::user_fault>\n"), "{breakpoint}");
    assert_eq!(answer(&out, "info break"), breakpoint);
    let reached = answer(&out, "c");
    assert!(reached.starts_with("breakpoint 1 reached\n  [S] 0x8"), "{reached}");
    assert!(reached.contains("<rvsim_kernel::proc::user_fault>"), "{reached}");
    let regs = answer(&out, "regs");
    assert!(regs.starts_with("pc   0x00000000800") && regs.contains("mode S"), "{regs}");
    assert!(regs.contains("\nra   0x") && regs.contains("t6   0x"), "{regs}");
    assert_eq!(answer(&out, "x/3i $pc").lines().count(), 3);
    assert!(answer(&out, "x/3i $pc").lines().all(|l| l.contains("<rvsim_kernel::proc::user_fault")), "{out}");
    let walk = answer(&out, "translate $sp");
    assert!(walk.contains("level 2 index") && walk.contains("level 0 index") && walk.contains("-> pa 0x8"), "{walk}");
    assert!(answer(&out, "x/2 $sp").starts_with("0xffffffc0"), "{out}");
    assert!(answer(&out, "next").starts_with("  [S] 0x8"), "{out}");
    assert!(answer(&out, "watch $sp-8").starts_with("watchpoint 2: stores to 0xffffffc0"), "{out}");
    let watched = out.split("(rvsim) c\n").nth(2).expect("a second continue");
    assert!(watched.starts_with("watchpoint 2: a store to 0xffffffc0"), "{watched}");
    // The first user fault is the first fetch: text is demand-loaded, so
    // only the stack is mapped yet.
    let pt = answer(&out, "pt");
    assert!(pt.contains("va 0x7ffff000 rw-u-ad\n"), "the stack:\n{pt}");
    assert!(!pt.contains("va 0x10000 "), "no text yet:\n{pt}");
    assert!(!pt.contains("-gad"), "no kernel pages without 'pt all':\n{pt}");
    let text = answer(&out, "translate 0x10000 x u");
    assert!(text.contains("fetch in U-mode") && text.ends_with("-> page fault: PTE not valid (V = 0)\n"), "{text}");
    assert!(answer(&out, "tlb").starts_with("TLB entries=64,ways=4,policy=lru: 16 sets of 4 ways\n  slot"), "{out}");
    let csrs = answer(&out, "csrs");
    assert!(csrs.contains("mstatus") && csrs.contains("satp: Sv39, ASID "), "{csrs}");
    assert!(answer(&out, "stats").contains("TLB (entries=64,ways=4,policy=lru)"), "{out}");
    assert_eq!(answer(&out, "delete"), "deleted 2 breakpoints and watchpoints\n");
    let end = out.split("(rvsim) c\n").nth(3).expect("a third continue");
    assert!(
        end.contains("cowtest: only the pages written while shared were copied\nthe guest exited with code 0\n"),
        "{end}"
    );
    assert!(answer(&out, "step").starts_with("error: the guest has ended (the guest exited with code 0)"), "{out}");
}

#[test]
fn nothing_typed_crashes_it() {
    let script = "\
bogus
step 0
step many
x/0 0
x/4 0x40000000
x/2 p:0x1
b nosuch_symbol
b $nosuch
delete 9
watch 0x1000 0
translate 0x1000 q
pt some
x/1i 0xffffffffffffffff
c
q
";
    let out = failing_session(&["--kernel", "bare-hello"], script.as_bytes(), 1);
    for (command, says) in [
        ("bogus", "error: unknown command 'bogus'"),
        ("step 0", "error: step: the count must be at least 1"),
        ("step many", "error: 'many' is not a number"),
        ("x/0 0", "error: x/0: show between 1 and 4096 units"),
        ("x/4 0x40000000", "error: 0x40000000 is not RAM"),
        ("x/2 p:0x1", "error: 0x1 is not RAM"),
        ("b nosuch_symbol", "error: no symbol 'nosuch_symbol'"),
        ("b $nosuch", "error: no register 'nosuch'"),
        ("delete 9", "error: no breakpoint or watchpoint 9"),
        ("watch 0x1000 0", "error: watch: the length must be at least 1"),
        ("translate 0x1000 q", "error: translate: 'q' is not r, w or x"),
        ("pt some", "error: pt: 'some' is not 'all'"),
        ("x/1i 0xffffffffffffffff", "error: "),
    ] {
        assert!(answer(&out, command).starts_with(says), "{command}: {}", answer(&out, command));
    }
    assert!(answer(&out, "c").contains("Hello from bare-metal RV64!"), "{out}");
    assert!(answer(&out, "c").ends_with("the guest exited with code 0\n"), "{out}");
}

#[test]
fn a_session_ends_at_end_of_input() {
    let out = session(&["hello"], "step\n");
    let last = out.rsplit_once("(rvsim) step\n").map(|(_, last)| last);
    assert!(last.is_some_and(|l| l.starts_with("  [M] 0x80000004 <_start+0x4>  addi sp,sp,")), "{out}");
    assert!(out.ends_with('\n') && out.lines().last().is_some_and(|l| !l.contains("(rvsim)")), "{out}");
}

#[test]
fn a_line_that_is_not_utf8_is_an_error_and_the_script_goes_on() {
    let out = failing_session(&["--kernel", "bare-hello"], b"step\n\xff\xfe bogus\nwhere\n", 2);
    assert!(out.contains("(rvsim) \u{fffd}\u{fffd} bogus\nerror: line 2 is not valid UTF-8\n"), "{out}");
    assert!(answer(&out, "where").starts_with("  [M] 0x80000004 <_start+0x4>  "), "the script went on:\n{out}");
}

#[test]
fn input_that_is_not_a_script_ends_it() {
    let mut long = b"step\n".to_vec();
    long.extend(std::iter::repeat_n(b'x', 5000));
    long.extend_from_slice(b"\nwhere\n");
    let out = failing_session(&["--kernel", "bare-hello"], &long, 2);
    assert!(out.contains("error: line 2 is longer than 4096 bytes: the rest of the input is not read\n"), "{out}");
    assert!(!out.contains("(rvsim) where"), "{out}");
    // Endless input without a newline: refused, not read without end.
    let (status, stdout) = session_on_dev_zero(&["--kernel", "bare-hello"]);
    assert_eq!(status, Some(1), "{stdout}");
    assert!(stdout.contains("error: line 1 is longer than 4096 bytes"), "{stdout}");
}

/// Runs `rvsim debug ARGS...` with /dev/zero as its script, failing the
/// test if it does not end within 20 seconds; its status and stdout.
fn session_on_dev_zero(args: &[&str]) -> (Option<i32>, String) {
    use std::process::Stdio;
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero (Linux)");
    let mut child = rvsim()
        .arg("debug")
        .args(args)
        .stdin(zero)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rvsim");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("rvsim debug reads /dev/zero without end");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status.code(), reader.join().expect("stdout reader"))
}

#[test]
fn watchpoints_that_wrap_around_are_refused_as_x_refuses_them() {
    let script = "\
watch 0xffffffffffffffff 16
watch 0xfffffffffffffff0 16
x/2 0xfffffffffffffff0
watch 0xfffffffffffffff0 15
info break
";
    let out = failing_session(&["--kernel", "bare-hello"], script.as_bytes(), 1);
    for command in ["watch 0xffffffffffffffff 16", "watch 0xfffffffffffffff0 16"] {
        assert!(answer(&out, command).starts_with("error: watch: the range wraps around"), "{out}");
    }
    assert!(answer(&out, "x/2 0xfffffffffffffff0").starts_with("error: the range wraps around"), "{out}");
    let kept = "watchpoint 1: stores to 0xfffffffffffffff0..0xffffffffffffffff\n";
    assert_eq!(answer(&out, "watch 0xfffffffffffffff0 15"), kept, "{out}");
    assert_eq!(answer(&out, "info break"), kept, "only the watchpoint that fits:\n{out}");
}

/// `fregs` shows the FP registers and `fcsr`: stopped after the official
/// `rv64ud-p-fadd` test's first `fadd.d fa3,fa0,fa1`, fa3 holds 2.5 + 1.0.
#[test]
fn fregs_shows_the_floating_point_registers() {
    let Some(corpus) = common::corpus("fregs_shows_the_floating_point_registers") else { return };
    let program = corpus.join("riscv-tests/isa/rv64ud-p-fadd");
    let out = session(&["--kernel", program.to_str().expect("a UTF-8 path")], "b 0x800001bc\nc\nfregs\nq\n");
    let fregs = answer(&out, "fregs");
    assert!(fregs.contains("fa0   0x4004000000000000 2.5"), "{fregs}");
    assert!(fregs.contains("fa3   0x400c000000000000 3.5"), "{fregs}");
    assert!(fregs.contains("fcsr  0x00 (frm 0, fflags 0x00)  FS Dirty"), "{fregs}");
}

#[test]
fn on_several_harts_the_debugger_lists_them_and_looks_at_any() {
    let script = "hart\nhart 2\nregs\nstep 5\nhart\nhart 0\nregs\nhart 3\n";
    let output = raw_session(&["--kernel", "cpu-mix", "--smp", "3"], script.as_bytes());
    let out = String::from_utf8_lossy(&output.stdout);
    // The answers, in the order of the script's lines.
    let answers: Vec<&str> = out.split("(rvsim) ").skip(1).collect();
    assert_eq!(answers.len(), 8, "{out}");
    let list = answers[0];
    assert_eq!(list.lines().count(), 4, "the command, then one line a hart:\n{list}");
    assert!(list.contains("hart 0: [M] 0x80000000 <_start> (looking at it)"), "{list}");
    assert!(answers[1].contains("hart 2 [M] 0x80000000"), "{}", answers[1]);
    // Every hart starts with a0 = its hart id.
    assert!(answers[2].contains("a0   0x0000000000000002"), "hart 2's registers:\n{}", answers[2]);
    assert!(answers[4].lines().any(|l| l.starts_with("hart 2:") && l.contains("looking at it")), "{}", answers[4]);
    assert!(answers[6].contains("a0   0x0000000000000000"), "hart 0's registers:\n{}", answers[6]);
    assert!(answers[7].contains("hart 3: the machine has harts 0 to 2"), "{}", answers[7]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the first: line 8"), "hart 3 does not exist: {stderr}");
}
