//! Real C programs (`tests/c/*.c`), built at test time with Debian's
//! `riscv64-linux-gnu-gcc -static` against glibc, must print what they
//! print under Linux's ABI as `qemu-riscv64` (qemu-user) gives it, and
//! exit with the same status.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{RUN_TIMEOUT, describe, run_with_timeout, rvsim, scratch_dir, tool_available};

const GCC: &str = "riscv64-linux-gnu-gcc";
const QEMU_USER: &str = "qemu-riscv64";

/// Builds `tests/c/NAME.c` statically into `dir`; returns the program.
fn build(name: &str, dir: &Path) -> PathBuf {
    let source = common::repo_root().join("tests/c").join(format!("{name}.c"));
    let program = dir.join(name);
    let output = Command::new(GCC)
        .args(["-static", "-O2", "-Wall", "-Werror", "-o"])
        .arg(&program)
        .arg(&source)
        .arg("-lm")
        .output()
        .expect("run the cross compiler");
    assert!(output.status.success(), "{GCC} {}: {}", source.display(), describe(&output));
    program
}

/// Runs `program` with `args` on rvsim and on qemu-riscv64; their output
/// and status must agree. Returns rvsim's output.
fn same_as_linux(program: &Path, args: &[&str]) -> String {
    let mut ours = rvsim();
    ours.arg("run").arg(program).args(args);
    let ours = run_with_timeout(&mut ours, RUN_TIMEOUT);
    let mut theirs = Command::new(QEMU_USER);
    theirs.arg(program).args(args);
    let theirs = run_with_timeout(&mut theirs, RUN_TIMEOUT);
    let name = program.display();
    assert_eq!(
        without_kernel_lines(&String::from_utf8_lossy(&ours.stdout)),
        String::from_utf8_lossy(&theirs.stdout),
        "{name}: rvsim and Linux differ\nrvsim: {}\nLinux: {}",
        describe(&ours),
        describe(&theirs)
    );
    assert_eq!(ours.status.code(), theirs.status.code(), "{name}: {}", describe(&ours));
    String::from_utf8_lossy(&ours.stdout).into_owned()
}

/// The console output `out` without the kernel's own lines (`[kernel]
/// pid 2 (mmap) killed by SIGSEGV: ...`), which Linux keeps in its log.
fn without_kernel_lines(out: &str) -> String {
    out.lines().filter(|l| !l.starts_with("[kernel] ")).map(|l| format!("{l}\n")).collect()
}

/// Runs `program` on rvsim alone (with `--kernel-log syscalls`, so that a
/// call the kernel lacks shows in the output); it must exit 0. Returns its
/// output.
fn on_rvsim(program: &Path) -> String {
    on_rvsim_with(program, &[])
}

/// [`on_rvsim`] with arguments for the program.
fn on_rvsim_with(program: &Path, args: &[&str]) -> String {
    let mut command = rvsim();
    command.args(["run", "--kernel-log", "syscalls"]).arg(program).args(args);
    let output = run_with_timeout(&mut command, RUN_TIMEOUT);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The tools these tests need, or a loud skip.
fn tools(test: &str) -> bool {
    tool_available(GCC, test) && tool_available(QEMU_USER, test)
}

#[test]
fn hello_runs_through_glibcs_startup_with_its_arguments_and_status() {
    let test = "hello_runs_through_glibcs_startup_with_its_arguments_and_status";
    if !tools(test) {
        return;
    }
    let program = build("hello", &scratch_dir(test));
    let out = same_as_linux(&program, &["one", "two words"]);
    assert!(out.contains("argv[2] = two words"), "{out}");
}

#[test]
fn floating_point_through_glibc_matches_linux_bit_for_bit() {
    let test = "floating_point_through_glibc_matches_linux_bit_for_bit";
    if !tools(test) {
        return;
    }
    let program = build("float", &scratch_dir(test));
    let out = same_as_linux(&program, &[]);
    assert!(out.contains("harmonic(1000) = 7.4854708605503433"), "{out}");
}

#[test]
fn the_calls_of_glibcs_startup_answer_as_linux_does_good_arguments_and_bad() {
    let test = "the_calls_of_glibcs_startup_answer_as_linux_does_good_arguments_and_bad";
    if !tools(test) {
        return;
    }
    let program = build("startup_calls", &scratch_dir(test));
    let out = same_as_linux(&program, &[]);
    for line in ["uname: Linux riscv64", "getrandom(bad buffer): EFAULT", "mprotect(misaligned): EINVAL", "page: 3 2"] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
}

#[test]
fn the_auxiliary_vector_is_linuxs() {
    let test = "the_auxiliary_vector_is_linuxs";
    if !tools(test) {
        return;
    }
    let program = build("auxv", &scratch_dir(test));
    let out = same_as_linux(&program, &[]);
    assert!(out.contains("hwcap 0x112d"), "{out}");
}

#[test]
fn fork_through_glibc_copies_memory_and_reports_the_childs_status() {
    let test = "fork_through_glibc_copies_memory_and_reports_the_childs_status";
    if !tools(test) {
        return;
    }
    let program = build("fork", &scratch_dir(test));
    let out = same_as_linux(&program, &[]);
    assert!(out.contains("it exited with 3, shared = 5"), "{out}");
}

#[test]
fn a_pipe_carries_a_megabyte_then_the_end_of_file_and_sigpipe() {
    let test = "a_pipe_carries_a_megabyte_then_the_end_of_file_and_sigpipe";
    if !tools(test) {
        return;
    }
    let program = build("pipe", &scratch_dir(test));
    let out = same_as_linux(&program, &[]);
    assert!(out.contains("then 1048576 bytes, and the end: 0"), "{out}");
}

#[test]
fn mmap_maps_private_and_shared_memory_as_linux_does() {
    let test = "mmap_maps_private_and_shared_memory_as_linux_does";
    if !tools(test) {
        return;
    }
    let program = build("mmap", &scratch_dir(test));
    let out = same_as_linux(&program, &[]);
    for line in [
        "after fork: shared counter 2001, private word 1",
        "a read of the hole: killed by SIGSEGV",
        "MAP_FIXED: at the address 1, replaced pages are zero 1, the rest kept 'x' 'x'",
        "the page works: 5, its neighbour: killed by SIGSEGV",
        "private pages come back zero: 1, shared ones keep their bytes: 4",
        "a 4 MiB malloc: sum 1044480",
    ] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
    assert!(out.contains("killed by SIGSEGV: load page fault at"), "the kernel names the fault:\n{out}");
    // Where qemu-user is not Linux, rvsim must be Linux.
    let out = on_rvsim_with(&program, &["linux-only"]);
    for line in [
        "MAP_FIXED_NOREPLACE over a mapping: EEXIST",
        "unknown advice: EINVAL",
        "madvise(unmapped): ENOMEM",
        "unknown flag, validated: EOPNOTSUPP",
    ] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
}

/// A call the kernel lacks is ENOSYS, and `--kernel-log syscalls` names
/// each such call once, so that a program never fails in silence.
#[test]
fn unknown_calls_are_enosys_and_named_once() {
    let test = "unknown_calls_are_enosys_and_named_once";
    if !tool_available(GCC, test) {
        return;
    }
    let program = build("unknown_calls", &scratch_dir(test));
    let out = on_rvsim(&program);
    assert_eq!(out.matches("syscall 1023: -1 ENOSYS\n").count(), 2, "{out}");
    let named = "[kernel] pid 1 (unknown_calls): system call 1023 (no Linux call) is not implemented: ENOSYS\n";
    assert_eq!(out.matches(named).count(), 1, "named once:\n{out}");
    assert!(out.contains("set_robust_list(bad size): -1 EINVAL\n"), "{out}");
}

/// The console is a terminal: fstat, isatty, the window size, termios;
/// processes run as root with one thread, the first with a default
/// environment (rvsim only: under qemu-user in a
/// test, standard output is a pipe and the ids are the host's).
#[test]
fn the_console_is_a_terminal_and_processes_run_as_root() {
    let test = "the_console_is_a_terminal_and_processes_run_as_root";
    if !tool_available(GCC, test) {
        return;
    }
    let program = build("console", &scratch_dir(test));
    let out = on_rvsim(&program);
    assert_eq!(
        out,
        "fstat: 0 0, character device: yes, same: yes\n\
         isatty: 1 1 1\n\
         winsize: 0, 80 columns, 24 rows\n\
         canonical: yes, echo: yes\n\
         unknown ioctl: -1 ENOTTY\n\
         fstat(7): -1 EBADF\n\
         ids: 0 0 0 0, tid is pid: yes\n\
         PATH=/bin:/usr/bin:/ HOME=/ TERM=vt100\n"
    );
}

/// The initrd as a read-only file system with `/dev`, through glibc's
/// calls (rvsim only: under qemu-user the program would see the host's
/// files).
#[test]
fn the_initrd_is_a_read_only_file_system_with_dev() {
    let test = "the_initrd_is_a_read_only_file_system_with_dev";
    if !tool_available(GCC, test) {
        return;
    }
    let program = build("files", &scratch_dir(test));
    let out = on_rvsim(&program);
    assert_eq!(
        out,
        "open: ok, read: 4, ELF magic: yes\n\
         regular: yes, size matches lseek end: yes\n\
         pread at 1: 1 'E', fd flags: 1\n\
         dup shares the offset: yes\n\
         write to it: -1 EBADF\n\
         open for writing: -1 EROFS\n\
         create: -1 EROFS\n\
         missing: -1 ENOENT\n\
         /dev/zero: 8 0, /dev/null: read 0 write 3\n\
         /dev: . .. console null tty zero\n\
         mmap: the file's bytes: yes, past its end in the last page: zero\n\
         from offset 4096: yes, a private write stays private: yes\n\
         shared and writable: refused EACCES\n\
         a pipe: refused ENODEV\n\
         cwd: /dev, null from here: yes\n\
         chdir to a file: -1 ENOTDIR\n"
    );
}

/// umask, tkill and tgkill, the affinity of one hart, sysinfo (rvsim
/// only: under qemu-user these are the host's).
#[test]
fn a_process_learns_its_umask_its_hart_and_the_machine() {
    let test = "a_process_learns_its_umask_its_hart_and_the_machine";
    if !tool_available(GCC, test) {
        return;
    }
    let program = build("process_info", &scratch_dir(test));
    let out = on_rvsim(&program);
    assert_eq!(
        out,
        "umask: was 022, now 027\n\
         the child's umask was the parent's: yes\n\
         tgkill of another group's thread: -1 ESRCH\n\
         tgkill of itself with signal 0: 0\n\
         tkill(-1): -1 EINVAL\n\
         CPUs: 1, CPU 0: yes, nprocs: 1\n\
         sysinfo: unit 4096, memory at least 100 MiB, free below total: yes, processes 1\n"
    );
}
