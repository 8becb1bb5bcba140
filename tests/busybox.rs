//! Debian's riscv64 busybox-static, unmodified, on rvsim: its shell with
//! pipes, its applets over the initrd's files and `/proc`, and the same
//! shell script under qemu-user (Linux's ABI) printing the same. The
//! binary comes from scripts/fetch-debian.sh, into a cache outside the
//! repository; without it these tests say so loudly and skip (or fail,
//! with RVSIM_REQUIRE_TOOLS=1, as CI sets).
//!
//! `rvsim run PATH/busybox ARGS...` puts the binary in the initrd as
//! `/busybox` and runs it as the first process, with cwd `/`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{RUN_TIMEOUT, describe, run_with_input, run_with_timeout, rvsim, tool_available};

const QEMU_USER: &str = "qemu-riscv64";

/// The script the pipeline test runs on rvsim and on qemu-user: in both,
/// the relative name `busybox` is the binary itself.
const PIPELINE: &str = "printf 'pear\\napple\\nfig\\n' | sort | wc -l; printf 'b\\na\\n' | sort; \
                        sha256sum busybox; cat busybox | wc -c; echo $((6*7))";

/// Debian's busybox, or `None` after a loud skip (see
/// [`common::debian_file`]).
fn busybox(test: &str) -> Option<PathBuf> {
    common::debian_file(test, "busybox")
}

/// Runs `busybox ARGS...` on rvsim with standard input closed.
fn on_rvsim(busybox: &Path, args: &[&str]) -> Output {
    let mut command = rvsim();
    command.arg("run").arg(busybox).args(args);
    run_with_timeout(&mut command, RUN_TIMEOUT)
}

/// Runs `busybox ARGS...` on rvsim with `input` on standard input.
fn on_rvsim_with_input(busybox: &Path, args: &[&str], input: &str) -> Output {
    let mut command = rvsim();
    command.arg("run").arg(busybox).args(args);
    run_with_input(&mut command, Some(input.as_bytes()), RUN_TIMEOUT)
}

/// Runs `busybox ARGS...` on rvsim; it must exit 0. Returns its output.
fn succeeds(busybox: &Path, args: &[&str]) -> String {
    let output = on_rvsim(busybox, args);
    assert_eq!(output.status.code(), Some(0), "busybox {args:?}: {}", describe(&output));
    stdout(&output)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The console output `out` without the kernel's own lines, which Linux
/// keeps in its log.
fn without_kernel_lines(out: &str) -> String {
    out.lines().filter(|l| !l.starts_with("[kernel] ")).map(|l| format!("{l}\n")).collect()
}

/// The SHA-256 of `path` in hex, from the host's `sha256sum`, if it has
/// one (there is no hashing crate here).
fn host_sha256(path: &Path) -> Option<String> {
    let output = Command::new("sha256sum").arg(path).output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8(output.stdout).ok()?;
    let hash = text.split_whitespace().next()?.to_string();
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hash)
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).expect("stat busybox").len()
}

#[test]
fn busybox_sh_echoes_lists_the_initrd_and_reads_its_own_maps() {
    let test = "busybox_sh_echoes_lists_the_initrd_and_reads_its_own_maps";
    let Some(busybox) = busybox(test) else {
        return;
    };
    // `ls -1`: the console is a terminal, where plain `ls` prints columns.
    let out = succeeds(&busybox, &["sh", "-c", "echo hi; ls -1 /; cat /proc/self/maps"]);
    let lines: Vec<&str> = out.lines().collect();
    for line in ["hi", "busybox", "dev", "proc"] {
        assert!(lines.contains(&line), "no line {line:?} in:\n{out}");
    }
    assert!(
        lines.iter().any(|l| l.contains(" r-xp ") && l.contains("/busybox")),
        "no executable mapping of /busybox in:\n{out}"
    );
    assert!(lines.iter().any(|l| l.contains("[stack]")), "no [stack] mapping in:\n{out}");
}

#[test]
fn a_busybox_pipeline_prints_what_it_prints_under_linux() {
    let test = "a_busybox_pipeline_prints_what_it_prints_under_linux";
    let Some(busybox) = busybox(test) else {
        return;
    };
    let ours = on_rvsim(&busybox, &["sh", "-c", PIPELINE]);
    assert_eq!(ours.status.code(), Some(0), "{}", describe(&ours));
    let out = without_kernel_lines(&stdout(&ours));
    let lines: Vec<&str> = out.lines().collect();
    let len = file_len(&busybox).to_string();
    assert_eq!(lines.len(), 6, "{out}");
    assert_eq!(lines[0].trim(), "3", "{out}");
    assert_eq!(lines[1..3], ["a", "b"], "{out}");
    let (hash, name) = lines[3].split_once("  ").unwrap_or_else(|| panic!("no sha256sum line in:\n{out}"));
    assert_eq!(name, "busybox", "{out}");
    assert_eq!(lines[4].trim(), len, "{out}");
    assert_eq!(lines[5], "42", "{out}");
    match host_sha256(&busybox) {
        Some(expected) => assert_eq!(hash, expected, "busybox's sha256sum on rvsim against the host's:\n{out}"),
        None => eprintln!("SKIPPED (no sha256sum on the host): the hash check of {test}"),
    }

    if tool_available(QEMU_USER, test) {
        let dir = busybox.parent().expect("busybox is in a directory");
        let mut theirs = Command::new(QEMU_USER);
        theirs.arg(&busybox).args(["sh", "-c", PIPELINE]).current_dir(dir);
        let theirs = run_with_timeout(&mut theirs, RUN_TIMEOUT);
        assert_eq!(
            out,
            stdout(&theirs),
            "rvsim and Linux differ\nrvsim: {}\nLinux: {}",
            describe(&ours),
            describe(&theirs)
        );
        assert_eq!(ours.status.code(), theirs.status.code(), "{}", describe(&theirs));
    }
}

#[test]
fn busybox_applets_read_the_initrd() {
    let test = "busybox_applets_read_the_initrd";
    let Some(busybox) = busybox(test) else {
        return;
    };
    let len = file_len(&busybox);

    let out = succeeds(&busybox, &["ls", "/"]);
    let names: Vec<&str> = out.split_whitespace().collect();
    for name in ["busybox", "dev", "proc"] {
        assert!(names.contains(&name), "ls / has no {name}:\n{out}");
    }
    let out = succeeds(&busybox, &["ls", "/dev"]);
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["console", "null", "tty", "zero"], "{out}");

    assert_eq!(succeeds(&busybox, &["wc", "-c", "/busybox"]), format!("{len} /busybox\n"));

    let output = on_rvsim(&busybox, &["cat", "/busybox"]);
    assert_eq!(output.status.code(), Some(0), "cat /busybox: exit status {:?}", output.status.code());
    let bytes = std::fs::read(&busybox).expect("read busybox");
    assert_eq!(output.stdout.len(), bytes.len(), "cat /busybox printed another length");
    assert!(output.stdout == bytes, "cat /busybox printed other bytes than the file's");

    let out = succeeds(&busybox, &["sha256sum", "/busybox"]);
    let (hash, name) = out.trim_end().split_once("  ").unwrap_or_else(|| panic!("{out}"));
    assert_eq!(name, "/busybox", "{out}");
    assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{out}");
    match host_sha256(&busybox) {
        Some(expected) => assert_eq!(hash, expected, "{out}"),
        None => eprintln!("SKIPPED (no sha256sum on the host): the hash check of {test}"),
    }

    let output = on_rvsim_with_input(&busybox, &["sort"], "pear\napple\nfig\n");
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(stdout(&output).ends_with("apple\nfig\npear\n"), "{}", describe(&output));
}

#[test]
fn busybox_sh_runs_pipelines_typed_at_it_and_exits_with_the_status_asked() {
    let test = "busybox_sh_runs_pipelines_typed_at_it_and_exits_with_the_status_asked";
    let Some(busybox) = busybox(test) else {
        return;
    };
    let input = "echo hello | tr a-z A-Z\nls / | sort -r | head -n 2\nls /dev | sort -r | head -n 2\nexit 3\n";
    let output = on_rvsim_with_input(&busybox, &["sh"], input);
    assert_eq!(output.status.code(), Some(3), "{}", describe(&output));
    let out = stdout(&output);
    assert!(out.contains("HELLO\n"), "{}", describe(&output));
    assert!(out.contains("zero\ntty\n"), "{}", describe(&output));
}

#[test]
fn busybox_cat_reads_proc_meminfo() {
    let test = "busybox_cat_reads_proc_meminfo";
    let Some(busybox) = busybox(test) else {
        return;
    };
    let out = succeeds(&busybox, &["cat", "/proc/meminfo"]);
    for field in ["MemTotal:", "Committed_AS:"] {
        assert!(
            out.lines().any(|l| l.starts_with(field) && l.ends_with(" kB")),
            "no {field} line in /proc/meminfo:\n{out}"
        );
    }
}

/// Runs `busybox ARGS...` on rvsim, typing `pieces` one after another with
/// `pause` between them, as someone at the console would.
fn typed(busybox: &Path, args: &[&str], pieces: &[&str], pause: std::time::Duration) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut command = rvsim();
    command.arg("run").arg(busybox).args(args);
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let pieces: Vec<String> = pieces.iter().map(|p| p.to_string()).collect();
    std::thread::spawn(move || {
        for piece in pieces {
            std::thread::sleep(pause);
            let _ = stdin.write_all(piece.as_bytes());
            let _ = stdin.flush();
        }
        // Keep the console open until the shell has exited.
        std::thread::sleep(RUN_TIMEOUT);
    });
    common::wait_for(&command, child, RUN_TIMEOUT)
}

/// Ctrl-C at the console sends SIGINT to the foreground process group:
/// with job control on (ash sets it up with TIOCSPGRP), a busy loop the
/// shell runs stops, the shell prints its prompt again and goes on; a
/// foreground child program dies of it.
#[test]
fn ctrl_c_interrupts_what_runs_in_the_foreground() {
    let test = "ctrl_c_interrupts_what_runs_in_the_foreground";
    let Some(busybox) = busybox(test) else { return };
    let pause = std::time::Duration::from_millis(700);
    let pieces = [
        "while :; do :; done\n",
        "\x03",
        "busybox sh -c 'while :; do :; done'\n",
        "\x03",
        "echo after $?\n",
        "exit 7\n",
    ];
    let output = typed(&busybox, &["sh"], &pieces, pause);
    let text = String::from_utf8_lossy(&output.stdout);
    // Each loop runs until its ^C: the shell reaches `exit 7` only if both
    // were interrupted. (ash edits lines with echo off, so, as on Linux,
    // the ^C itself is not echoed.)
    assert_eq!(output.status.code(), Some(7), "{}", describe(&output));
    assert!(text.contains("after 130"), "the child died of SIGINT (128 + 2): {text}");
}
