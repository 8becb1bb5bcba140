//! `rvsim run --gdb`: gdb-multiarch attaches in batch mode, breaks at a
//! kernel symbol, reads registers and memory, steps and detaches, and the
//! guest runs on to its end; and, speaking the protocol directly, a
//! Ctrl-C stops a running guest.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{describe, rvsim, scratch_dir, tool_available};

/// Starts `rvsim run --gdb 127.0.0.1:0 --gdb-wait ARGS...` and returns it
/// with the address it listens on (read from its first line on stderr).
fn start(args: &[&str]) -> (Child, String, BufReader<std::process::ChildStderr>) {
    let mut child = rvsim()
        .args(["run", "--gdb", "127.0.0.1:0", "--gdb-wait"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rvsim");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("rvsim says where it waits");
    let addr = line
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, addr, stderr)
}

/// Waits for `child` to end (at most a minute) and returns its status and
/// stdout.
fn finish(mut child: Child, mut stderr: BufReader<std::process::ChildStderr>) -> (Option<i32>, String, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("rvsim did not end after gdb detached");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut out).expect("stdout");
    let mut err = String::new();
    stderr.read_to_string(&mut err).expect("stderr");
    (status.code(), out, err)
}

#[test]
fn gdb_multiarch_breaks_reads_steps_and_detaches() {
    let test = "gdb_multiarch_breaks_reads_steps_and_detaches";
    if !tool_available("gdb-multiarch", test) {
        return;
    }
    let dir = scratch_dir(test);
    let image = rvsim().arg("image").arg(&dir).output().expect("rvsim image");
    assert!(image.status.success(), "{}", describe(&image));
    let (child, addr, stderr) = start(&["hello", "gdb"]);
    let gdb = Command::new("gdb-multiarch")
        .args(["-batch", "-nx"])
        .arg("-ex")
        .arg(format!("file {}", dir.join("kernel.elf").display()))
        .args(["-ex", &format!("target remote {addr}")])
        .args(["-ex", "break kmain", "-ex", "continue"])
        .args(["-ex", "info registers a1", "-ex", "info registers pc"])
        .args(["-ex", "stepi", "-ex", "info registers pc"])
        .args(["-ex", "x/2xg 0x80000000", "-ex", "info registers mstatus", "-ex", "detach"])
        .stdin(Stdio::null())
        .output()
        .expect("run gdb-multiarch");
    let said = String::from_utf8_lossy(&gdb.stdout).into_owned() + &String::from_utf8_lossy(&gdb.stderr);
    assert!(gdb.status.success(), "{said}");
    assert!(said.contains("0x0000000080000000 in _start ()"), "gdb attaches before the first instruction:\n{said}");
    let kmain = said.lines().find(|l| l.starts_with("Breakpoint 1 at 0x")).expect("the breakpoint is set");
    let kmain = kmain.trim_start_matches("Breakpoint 1 at ").trim();
    assert!(
        said.contains(&format!("Breakpoint 1, {:#018x} in kmain ()", u64::from_str_radix(&kmain[2..], 16).unwrap())),
        "{said}"
    );
    assert!(said.contains("a1             0x87e00000"), "a1 holds the device tree's address in kmain:\n{said}");
    let pcs: Vec<&str> = said.lines().filter(|l| l.starts_with("pc ")).collect();
    assert_eq!(pcs.len(), 2, "{said}");
    assert!(pcs[0].contains(kmain) && !pcs[1].contains(kmain), "stepi moved the pc:\n{said}");
    // The first two words of the kernel image: `auipc sp,0x21` and what follows.
    assert!(said.contains("0x80000000 <_start>:\t0x"), "{said}");
    assert!(said.contains("mstatus        0x"), "CSRs through the target description:\n{said}");
    assert!(said.contains("detached"), "{said}");
    let (status, out, err) = finish(child, stderr);
    assert_eq!(status, Some(0), "{err}");
    assert_eq!(out, "hello from user space! I am pid 1, my parent is 0\nargument 1: gdb\n", "the guest ran to its end");
}

/// gdb reads and writes the FP registers and `fcsr` through the FPU
/// feature: stopped after the official `rv64ud-p-fadd` test's first
/// `fadd.d fa3,fa0,fa1` (2.5 + 1.0), it sees 3.5 in fa3; a value it writes
/// into fa1 is what the guest's register holds.
#[test]
fn gdb_reads_and_writes_floating_point_registers() {
    let test = "gdb_reads_and_writes_floating_point_registers";
    let Some(corpus) = common::corpus(test) else { return };
    if !tool_available("gdb-multiarch", test) {
        return;
    }
    let program = corpus.join("riscv-tests/isa/rv64ud-p-fadd");
    let program = program.to_str().expect("a UTF-8 path");
    let (child, addr, stderr) = start(&["--kernel", program]);
    let gdb = Command::new("gdb-multiarch")
        .args(["-batch", "-nx", "-ex", &format!("file {program}"), "-ex", &format!("target remote {addr}")])
        .args(["-ex", "break *0x800001bc", "-ex", "continue"])
        .args(["-ex", "p $fa3.double", "-ex", "p/x $fa0", "-ex", "p $fcsr", "-ex", "set $fa1.double = 0.25"])
        .args(["-ex", "p/x $fa1", "-ex", "detach"])
        .stdin(Stdio::null())
        .output()
        .expect("run gdb-multiarch");
    let said = String::from_utf8_lossy(&gdb.stdout).into_owned() + &String::from_utf8_lossy(&gdb.stderr);
    assert!(gdb.status.success(), "{said}");
    assert!(said.contains("Breakpoint 1, 0x00000000800001bc in test_2 ()"), "{said}");
    assert!(said.contains("$1 = 3.5"), "fa3 holds 2.5 + 1.0:\n{said}");
    assert!(said.contains("double = 0x4004000000000000"), "fa0 holds 2.5:\n{said}");
    assert!(said.contains("$3 = 0"), "no flags raised:\n{said}");
    assert!(said.contains("double = 0x3fd0000000000000"), "the write reached fa1:\n{said}");
    let (status, _, err) = finish(child, stderr);
    assert_eq!(status, Some(0), "the test passes on after gdb detached: {err}");
}

/// A remote-protocol packet: `$data#checksum`.
fn packet(data: &str) -> Vec<u8> {
    let sum = data.bytes().fold(0u8, |s, b| s.wrapping_add(b));
    format!("${data}#{sum:02x}").into_bytes()
}

/// Reads one reply packet's data, acknowledging it.
fn reply(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    // Skip acknowledgements up to the packet's start.
    loop {
        stream.read_exact(&mut byte).expect("a reply");
        if byte[0] == b'$' {
            break;
        }
    }
    loop {
        stream.read_exact(&mut byte).expect("a reply");
        if byte[0] == b'#' {
            break;
        }
        data.push(byte[0]);
    }
    let mut checksum = [0u8; 2];
    stream.read_exact(&mut checksum).expect("checksum");
    stream.write_all(b"+").expect("ack");
    // Run-length encoding: `X*n` is X repeated n - 29 more times.
    let mut text = Vec::new();
    let mut bytes = data.into_iter();
    while let Some(b) = bytes.next() {
        if b == b'*' {
            let count = bytes.next().expect("a count") - 29;
            let last = *text.last().expect("something to repeat");
            text.extend(std::iter::repeat_n(last, count as usize));
        } else {
            text.push(b);
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

#[test]
fn ctrl_c_stops_a_running_guest() {
    let (child, addr, stderr) = start(&["--kernel", "cpu-mix"]);
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    stream.write_all(&packet("?")).expect("send");
    let first = reply(&mut stream);
    assert!(first.starts_with('S') || first.starts_with('T'), "a stop reply: {first}");
    stream.write_all(&packet("c")).expect("continue");
    std::thread::sleep(Duration::from_millis(100));
    // Ctrl-C is a bare 0x03 byte.
    stream.write_all(&[3]).expect("interrupt");
    let stop = reply(&mut stream);
    assert!(stop.starts_with("T02") || stop == "S02", "stopped by SIGINT: {stop}");
    stream.write_all(&packet("g")).expect("read registers");
    let registers = reply(&mut stream);
    assert_eq!(registers.len(), 33 * 16, "x0..x31 and pc, 8 bytes each in hex: {registers}");
    assert!(registers.starts_with("0000000000000000"), "x0 is zero");
    stream.write_all(&packet("D")).expect("detach");
    assert_eq!(reply(&mut stream), "OK");
    drop(stream);
    let (status, out, err) = finish(child, stderr);
    assert_eq!(status, Some(0), "{err}");
    assert!(out.starts_with("cpu-mix: 300 rounds"), "the guest ran to its end: {out}");
}

/// A raw session: rvsim waiting for gdb, connected, with a read timeout so
/// that a stub that stops answering fails the test instead of hanging it.
fn raw_session(args: &[&str]) -> (Child, TcpStream, BufReader<std::process::ChildStderr>) {
    let (child, addr, stderr) = start(args);
    let stream = TcpStream::connect(&addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    (child, stream, stderr)
}

/// Sends `data` as a packet and returns the reply's data.
fn ask(stream: &mut TcpStream, data: &str) -> String {
    stream.write_all(&packet(data)).expect("send");
    reply(stream)
}

/// The next byte from the stub.
fn next_byte(stream: &mut TcpStream) -> u8 {
    let mut byte = [0u8; 1];
    stream.read_exact(&mut byte).expect("a byte from the stub");
    byte[0]
}

/// Detaches, and checks that the guest then runs to its end and that
/// rvsim said nothing of the session on stderr.
fn detach_and_finish(mut stream: TcpStream, child: Child, stderr: BufReader<std::process::ChildStderr>) -> String {
    assert_eq!(ask(&mut stream, "D"), "OK");
    drop(stream);
    let (status, out, err) = finish(child, stderr);
    assert_eq!(status, Some(0), "{err}");
    assert!(err.is_empty(), "nothing more on stderr: {err}");
    out
}

#[test]
fn malformed_packets_bad_checksums_and_naks_do_not_end_the_session() {
    let (child, mut stream, stderr) = raw_session(&["--kernel", "bare-hello"]);
    let before = ask(&mut stream, "m80000000,8");
    assert_eq!(before.len(), 16, "8 bytes in hex: {before}");
    // A malformed command (m without a length) gets an error reply.
    let malformed = ask(&mut stream, "m80000000");
    assert!(malformed.starts_with('E'), "an error reply: {malformed:?}");
    for bad in ["m,4", "Z0,zz,4", "p", "Hx1", "vCont;q", "M80000000:00"] {
        assert!(ask(&mut stream, bad).starts_with('E'), "{bad}");
    }
    // A bad checksum is answered with a NAK, and the resent packet served.
    stream.write_all(b"$m80000000,8#00").expect("send");
    assert_eq!(next_byte(&mut stream), b'-', "a NAK for a bad checksum");
    assert_eq!(ask(&mut stream, "m80000000,8"), before);
    // A NAK from the client makes the stub send its last reply again.
    stream.write_all(b"-").expect("NAK");
    assert_eq!(reply(&mut stream), before, "the last reply, resent");
    assert_eq!(ask(&mut stream, "m80000000,8"), before, "the session goes on");
    let out = detach_and_finish(stream, child, stderr);
    assert!(out.starts_with("Hello from bare-metal RV64!"), "{out}");
}

#[test]
fn a_memory_write_longer_than_its_declared_length_writes_nothing() {
    let (child, mut stream, stderr) = raw_session(&["--kernel", "bare-hello"]);
    // 1250 bytes, 2500 hex digits, declared as 4.
    let before = ask(&mut stream, "m80001000,4e2");
    assert_eq!(before.len(), 2500, "{before}");
    let payload: String = (0..1250).map(|i| format!("{:02x}", (i * 7 + 1) as u8)).collect();
    let refused = ask(&mut stream, &format!("M80001000,4:{payload}"));
    assert!(refused.starts_with('E'), "an error reply: {refused:?}");
    assert_eq!(ask(&mut stream, "m80001000,4e2"), before, "nothing written");
    let short = ask(&mut stream, "M80001000,8:0102");
    assert!(short.starts_with('E'), "a payload shorter than declared: {short:?}");
    assert_eq!(ask(&mut stream, "m80001000,4e2"), before, "nothing written");
    // A write of exactly the declared length is done, and only it.
    assert_eq!(ask(&mut stream, "M80001000,4:deadbeef"), "OK");
    let after = ask(&mut stream, "m80001000,4e2");
    assert_eq!(&after[..8], "deadbeef");
    assert_eq!(&after[8..], &before[8..], "memory past the declared length unchanged");
    // The binary form (X) is held to its length too.
    assert!(ask(&mut stream, "X80001000,2:abc").starts_with('E'));
    assert_eq!(ask(&mut stream, "m80001000,4e2"), after, "nothing written");
    // The guest's code as it was, so that it runs to its end.
    assert_eq!(ask(&mut stream, &format!("M80001000,4:{}", &before[..8])), "OK");
    let out = detach_and_finish(stream, child, stderr);
    assert!(out.starts_with("Hello from bare-metal RV64!"), "{out}");
}

#[test]
fn gdb_kill_is_one_line() {
    let (mut child, mut stream, mut stderr) = raw_session(&["--kernel", "cpu-mix"]);
    assert!(ask(&mut stream, "?").starts_with(['S', 'T']));
    stream.write_all(&packet("k")).expect("kill");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "rvsim did not end after gdb's kill");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    stderr.read_to_string(&mut err).expect("stderr");
    assert_eq!(err, "rvsim: gdb killed the guest\n", "one line, nothing else");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn packets_while_the_guest_runs_are_refused_and_ctrl_c_still_stops_it() {
    let (mut child, mut stream, mut stderr) = raw_session(&["--kernel", "cpu-mix", "--append", "rounds=1000000000"]);
    assert!(ask(&mut stream, "?").starts_with(['S', 'T']));
    stream.write_all(&packet("c")).expect("continue");
    // In all-stop mode only Ctrl-C may come while the target runs.
    assert!(ask(&mut stream, "g").starts_with('E'), "a packet while running");
    assert!(ask(&mut stream, "m80000000").starts_with('E'), "a malformed one");
    stream.write_all(b"$g#00").expect("send");
    assert_eq!(next_byte(&mut stream), b'-', "a NAK for a bad checksum");
    stream.write_all(&[3]).expect("interrupt");
    let stop = reply(&mut stream);
    assert!(stop.starts_with("T02") || stop == "S02", "stopped by SIGINT: {stop}");
    assert_eq!(ask(&mut stream, "g").len(), 33 * 16, "registers once stopped");
    stream.write_all(&packet("k")).expect("kill");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "rvsim did not end after gdb's kill");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut err = String::new();
    stderr.read_to_string(&mut err).expect("stderr");
    assert_eq!(err, "rvsim: gdb killed the guest\n");
}

/// On a machine of two harts gdb sees two threads, one per hart:
/// each with its own registers (a0 = its hart id at the first
/// instruction); with the scheduler locked, a stepi of one thread (which
/// gdb does on RISC-V with a breakpoint and a continue of that thread)
/// moves that hart alone.
#[test]
fn gdb_sees_one_thread_per_hart() {
    let test = "gdb_sees_one_thread_per_hart";
    if !tool_available("gdb-multiarch", test) {
        return;
    }
    // The bare-metal `smp` program, written for two harts.
    let program = common::elf("smp");
    let (child, addr, stderr) = start(&["--kernel", program.to_str().expect("a UTF-8 path"), "--smp", "2"]);
    let gdb = Command::new("gdb-multiarch")
        .args(["-batch", "-nx", "-ex", "set architecture riscv:rv64", "-ex", &format!("target remote {addr}")])
        .args(["-ex", "info threads", "-ex", "set scheduler-locking on", "-ex", "thread 2", "-ex", "p/x $a0"])
        .args(["-ex", "stepi", "-ex", "p/x $pc"])
        .args(["-ex", "thread 1", "-ex", "p/x $a0", "-ex", "p/x $pc", "-ex", "detach"])
        .stdin(Stdio::null())
        .output()
        .expect("run gdb-multiarch");
    let said = String::from_utf8_lossy(&gdb.stdout).into_owned() + &String::from_utf8_lossy(&gdb.stderr);
    assert!(gdb.status.success(), "{said}");
    for thread in ["Thread 1.1 ", "Thread 1.2 "] {
        assert!(said.contains(thread), "info threads lists {thread}:\n{said}");
    }
    assert!(!said.contains("Thread 1.3 "), "{said}");
    assert!(said.contains("$1 = 0x1"), "thread 2 is hart 1:\n{said}");
    assert!(said.contains("$2 = 0x80000004"), "stepi moved hart 1:\n{said}");
    assert!(said.contains("$3 = 0x0"), "thread 1 is hart 0:\n{said}");
    assert!(said.contains("$4 = 0x80000000"), "hart 0 did not move:\n{said}");
    let (status, _, err) = finish(child, stderr);
    assert_eq!(status, Some(0), "smp runs on to its end after gdb detached: {err}");
}
