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

/// POSIX signals through glibc: handlers plain and SA_SIGINFO, the mask in
/// and after a handler, pending signals, SA_RESETHAND, SIG_IGN, default
/// actions, SIGSEGV and SIGILL caught, SIGCHLD, SA_RESTART, alarm and
/// setitimer, sigsuspend and pause, the calls' errors, registers kept
/// across a handler. Then, on rvsim alone, what qemu-user gets wrong or
/// cannot run here: sa_mask (qemu 7.2 reads riscv's struct sigaction as if
/// it had an sa_restorer field) and execve (a riscv program needs
/// binfmt_misc under qemu-user); those lines are Linux's, checked against
/// the same program built for x86-64 on a real kernel.
#[test]
fn signals_through_glibc_behave_as_on_linux() {
    let test = "signals_through_glibc_behave_as_on_linux";
    if !tools(test) {
        return;
    }
    let program = build("signals", &scratch_dir(test));
    let out = same_as_linux(&program, &[]);
    for line in [
        "plain handler: raise 0, ran 1 time(s), for SIGUSR1\n",
        "raise: si_signo SIGUSR1, si_code SI_TKILL, si_pid ours 1, si_uid is getuid 1, ucontext non-NULL\n",
        "kill: si_signo SIGUSR1, si_code SI_USER, si_pid ours 1, si_uid is getuid 1, ucontext non-NULL\n",
        "uc_sigmask is the interrupted mask: SIGUSR1 0, SIGUSR2 1\n",
        "a handler's edit of uc_sigmask takes effect at its return: SIGUSR2 blocked 1\n",
        "in the handler: SIGUSR1 blocked 1, SIGUSR2 0, SIGINT 0, SIGHUP (blocked before) 1\n",
        "with SA_NODEFER: SIGUSR1 blocked 0; after it 0\n",
        "raised inside its own handler: <1><1>\n",
        "the same with SA_NODEFER: <1<1>>\n",
        "blocked SIGUSR2 raised twice: pending 1, SIGUSR1 pending 0, handler ran 0\n",
        "unblocked: the handler ran 1 time(s) before sigprocmask returned, pending now 0\n",
        "SIGUSR1 and SIGUSR2 unblocked together: <2><1>\n",
        "SIGCHLD ignored: wait after 3 children: -1 ECHILD\n",
        "all blocked: SIGUSR1 1, SIGSEGV 1, SIGKILL 0, SIGSTOP 0\n",
        "SA_RESETHAND: the first raise was caught (SIGUSR1 blocked in it 1), now SIG_DFL: yes\n",
        "the second raise: WIFSIGNALED 1, WTERMSIG SIGUSR1\n",
        "default action, raised: killed by SIGUSR1 killed by SIGUSR2 killed by SIGINT killed by SIGALRM \
         killed by SIGTERM killed by SIGHUP\n",
        "a store to address 16: faulted 1, SIGSEGV SEGV_MAPERR, si_addr is the address 1, ucontext 1, \
         SIGSEGV blocked after 0\n",
        "a store to a PROT_READ page: faulted 1, SIGSEGV SEGV_ACCERR, si_addr is the address 1, ucontext 1, \
         SIGSEGV blocked after 0\n",
        "a call into a page without PROT_EXEC: faulted 1, SIGSEGV SEGV_ACCERR, si_addr is the address 1, \
         ucontext 1, SIGSEGV blocked after 0\n",
        "a handler mprotects the page and returns: the store completed 42, after 1 fault(s)\n",
        "a fault with SIGSEGV blocked and handled: killed by SIGSEGV\n",
        "a fault with SIGSEGV ignored: killed by SIGSEGV\n",
        "an illegal instruction: caught 1, SIGILL ILL_ILLOPC, si_addr is the pc 1, SIGILL blocked after 0\n",
        "stepped over by the handler: SIGILL ILL_ILLOPC, si_addr is the pc 1, the code went on: 42\n",
        "SIGCHLD: 1, si_pid is the child 1, si_status 7, si_code CLD_EXITED\n",
        "SIGCHLD for a killed child: si_pid is the child 1, si_status SIGKILL, si_code CLD_KILLED\n",
        "read interrupted without SA_RESTART: -1 EINTR, the handler ran 1\n",
        "with SA_RESTART: read 9 'late data', the handler ran 1\n",
        "sigsuspend: -1 EINTR, 5 SIGALRMs in 5 calls, the timer was still running 1\n",
        "pause: -1 EINTR, the handler ran 1\n",
        "kill(reaped child, 0): -1 ESRCH\n",
        "kill(self, 65): -1 EINVAL\n",
        "sigaction(SIGKILL): -1 EINVAL\n",
        "rt_sigaction(bad act): -1 EFAULT\n",
        "rt_sigaction(sigsetsize 4): -1 EINVAL\n",
        "rt_sigprocmask(how 7): -1 EINVAL\n",
        "rt_sigprocmask(how 7, no set): 0\n",
        "the same as before: 1 1 1 1\n",
        "integer registers intact: 1 1 1 1\n",
        "the mask at the end is empty: 1\n",
    ] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
    // Where qemu-user is not Linux, rvsim must be Linux.
    let out = on_rvsim_with(&program, &["linux-only"]);
    assert!(
        out.contains(
            "sa_mask read back: SIGUSR2 1, SIGKILL 0, SIGSTOP 0\n\
             in the handler: SIGUSR1 blocked 1, SIGUSR2 (sa_mask) 1, SIGINT 0\n\
             after it: SIGUSR1 blocked 0, SIGUSR2 0\n\
             with SA_NODEFER: SIGUSR1 blocked 0, SIGUSR2 (sa_mask) 1\n\
             after it: SIGUSR1 blocked 0, SIGUSR2 0\n\
             SIGUSR1 and SIGUSR2 unblocked together, SIGUSR2 in SIGUSR1's sa_mask: <1><2>\n\
             after exec: SIGUSR1's handler is SIG_DFL 1, SIGUSR2 still SIG_IGN 1, SIGINT still blocked 1, \
             SIGHUP still pending 1, SIGUSR1 blocked 0\n\
             the exec'd child: exited with 0\n"
        ),
        "{out}"
    );
}

/// A CoreMark-style benchmark (tests/c/coremark.c: linked-list work with
/// merge sorts, int16/int32 matrix arithmetic, a state machine over a text
/// of numbers, and some double precision with fma and sqrt), built by gcc
/// for rv64gc, folds its results into the same CRC-16s as under Linux,
/// and its own invariants hold. The final CRC for 3 iterations is also
/// what a native x86-64 build of the same source prints.
#[test]
fn a_coremark_style_program_built_for_rv64gc_computes_what_linux_computes() {
    let test = "a_coremark_style_program_built_for_rv64gc_computes_what_linux_computes";
    if !tools(test) {
        return;
    }
    let program = build("coremark", &scratch_dir(test));
    let out = same_as_linux(&program, &["3"]);
    assert!(out.starts_with("coremark-style: 3 iterations\n"), "{out}");
    for kernel in ["list", "matrix", "state", "fp", "final"] {
        let prefix = format!("{kernel} crc: 0x");
        let crc = out.lines().find_map(|line| line.strip_prefix(prefix.as_str()));
        assert!(
            crc.is_some_and(|hex| hex.len() == 4 && hex.chars().all(|c| c.is_ascii_hexdigit())),
            "no {kernel} CRC in:\n{out}"
        );
    }
    assert!(out.contains("final crc: 0x4774\n"), "{out}");
    assert!(out.ends_with("checks: ok\n"), "{out}");
}

/// vfork and posix_spawn: the parent waits for the child's exec or exit.
#[test]
fn vfork_and_posix_spawn_run_children_and_wait_for_them() {
    let test = "vfork_and_posix_spawn_run_children_and_wait_for_them";
    if !tool_available(GCC, test) {
        return;
    }
    let program = build("vfork", &scratch_dir(test));
    let out = on_rvsim(&program);
    assert_eq!(
        out,
        "vfork then _exit: status 5\n\
         child says: exec'd after vfork\n\
         vfork then exec: status 9\n\
         child says: spawned\n\
         posix_spawn: 0, status 9\n"
    );
}

/// Processes that meet, through glibc and raw calls: System V shared
/// memory across fork (a counter both sides add to, IPC_STAT, IPC_RMID
/// while attached, IPC_EXCL), futexes on a MAP_SHARED page between
/// processes (wait and wake, timeouts relative and absolute on either
/// clock, bitsets, CMP_REQUEUE and REQUEUE, and their errors), the clocks,
/// and pointers the kernel must refuse with EFAULT; then the arguments.
/// Then, on rvsim alone, what qemu-user gets wrong: qemu 7.2's
/// clock_getres ignores a failed copy of the result, where Linux (checked
/// against the same program built for x86-64 on a real kernel) says
/// EFAULT.
#[test]
fn ipc_futexes_clocks_and_bad_pointers_behave_as_on_linux() {
    let test = "ipc_futexes_clocks_and_bad_pointers_behave_as_on_linux";
    if !tools(test) {
        return;
    }
    let program = build("ipc", &scratch_dir(test));
    let out = same_as_linux(&program, &["alpha", "beta gamma"]);
    for line in [
        "IPC_STAT: shm_segsz 12288, shm_nattch 1\n",
        "the child that counted and detached: exited 0\ncounter after both: 2000\n",
        "IPC_STAT after IPC_RMID: ok, key 0, SHM_DEST 1, shm_nattch 1\n",
        "shmat of the removed id: EINVAL\n",
        "shmget(key, IPC_CREAT|IPC_EXCL) again: EEXIST\n",
        "FUTEX_WAIT(word 0, expected 1): EAGAIN\n",
        "FUTEX_WAIT(50 ms): ETIMEDOUT, waited at least 50 ms 1\n",
        "FUTEX_WAIT_BITSET(CLOCK_MONOTONIC deadline): ETIMEDOUT, the deadline passed 1\n",
        "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME(CLOCK_REALTIME deadline): ETIMEDOUT, the deadline passed 1\n",
        "FUTEX_WAIT|FUTEX_CLOCK_REALTIME(50 ms): ENOSYS\n",
        "FUTEX_WAIT_BITSET(bitset 0): EINVAL\n",
        "unknown op 99: ENOSYS\n",
        "FUTEX_WAIT(misaligned): EINVAL\n",
        "FUTEX_WAIT(bad address): EFAULT\n",
        "FUTEX_WAKE(bad address): EFAULT\n",
        "FUTEX_WAKE_PRIVATE(bad address): 0\n",
        "FUTEX_CMP_REQUEUE(to a bad address): EFAULT\n",
        "FUTEX_WAKE of a child asleep in FUTEX_WAIT: 1\nthe child: exited 0\n",
        "FUTEX_WAKE_BITSET(bitset 2): 1\nthe child with bitset 2: exited 0\nthe child that woke: bitset 2\n",
        "FUTEX_WAKE_BITSET(bitset 1): 1\nthe child with bitset 1: exited 0\n",
        "FUTEX_CMP_REQUEUE(wrong val3): EAGAIN\n",
        "FUTEX_CMP_REQUEUE(A, wake 1, requeue 2, B, val3 = A): 3\nwoken so far: 1\nFUTEX_WAKE(A): 0\nFUTEX_WAKE(B): 2\n",
        // Linux counts the requeued waiters too (futex(2) says only the woken).
        "FUTEX_REQUEUE(A, wake 1, requeue 1, B): 2\nFUTEX_WAKE(B): 1\nFUTEX_WAKE(A): 1\n",
        "CLOCK_MONOTONIC over 1000 reads: went back 0 time(s)\n",
        "nanosleep(20 ms): ok, CLOCK_MONOTONIC advanced at least 20 ms 1\n",
        "clock_gettime(clock 99): EINVAL\n",
        "clock_gettime(bad pointer): EFAULT\n",
        "write(1, bad): EFAULT\n",
        "read(pipe with data, bad): EFAULT\nthe data is still there: 5 \"hello\"\n",
        "open(bad path): EFAULT\n",
        "stat(\"/\", bad buffer): EFAULT\n",
        "uname(bad): EFAULT\n",
        "getrandom(bad): EFAULT\n",
        "argc 3\nargv[1] = alpha\nargv[2] = beta gamma\n",
    ] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
    // Where qemu-user is not Linux, rvsim must be Linux.
    let out = on_rvsim_with(&program, &["linux-only"]);
    assert!(out.contains("clock_getres(bad pointer): EFAULT\n"), "{out}");
}

/// POSIX threads through glibc (clone with CLONE_THREAD and CLONE_SETTLS,
/// the thread-id words and futexes, tgkill), as Linux runs them: create
/// and join, a mutex-protected counter, condition variables, barriers,
/// `__thread` and pthread keys with destructors, getpid and gettid,
/// detached threads, 320 threads in turn (more than the kernel's 256
/// process slots, so ended threads must free theirs), pthread_exit (from
/// a thread, and from main while a thread goes on: the process lasts
/// until its last thread), exit and a fault in one thread ending the whole
/// process, memory one thread maps or protects seen by another, malloc in
/// eight threads at once (glibc's per-thread arenas), signals and threads
/// (raise, pthread_kill, a mask per thread, a process-wide signal taken by
/// the thread that does not block it), fork from a thread, semaphores,
/// pthread_once, and pthread_cancel. The output is also what the same
/// program built for x86-64 prints on a real kernel.
///
/// pthread_cancel of a thread blocked in a call (pthread_cond_wait, sleep,
/// read) or spinning with asynchronous cancellation is glibc's SIGCANCEL
/// (32, by tgkill), whose handler unwinds the thread's stack from inside
/// itself: libgcc's unwinder recognises the signal frame by reading the
/// handler's return address, which on Linux is the vDSO's
/// `li a7, 139; ecall` (`__vdso_rt_sigreturn`).
#[test]
fn pthreads_through_glibc_behave_as_on_linux() {
    let test = "pthreads_through_glibc_behave_as_on_linux";
    if !tools(test) {
        return;
    }
    let program = build("threads", &scratch_dir(test));
    let out = same_as_linux(&program, &[]);
    for line in [
        "create/join: results 0 1 4 9 16 25 36 49\n",
        "tryjoin of a running thread: EBUSY; join after it went on: 77\n",
        "mutex: 8 threads x 20000 increments = 160000\n",
        "trylock of a mutex main holds: EBUSY; error-checking mutex: relock EDEADLK, unlock by another thread EPERM\n",
        "condition variable ping-pong: 400 turns\n",
        "broadcast: 8 of 8 waiters woke\n",
        "pthread_cond_timedwait(20 ms): ETIMEDOUT, waited at least 20 ms 1\n",
        "barrier: 5 rounds of 8 threads, one serial thread a round 1, none left before all arrived 1\n",
        "__thread: each thread began with 7 and zeroes and kept its own 1, addresses distinct 1, main's still 7\n",
        "pthread keys: values per thread 1, destructor calls 7 (sum 32), main's value 1000\n",
        "ids: getpid the same in 8 threads 1, getppid too 1, gettid distinct 1 and not the pid 1, \
         pthread_self is what pthread_create gave 1, main's gettid is its pid 1\n",
        "detached: 8 of 8 ran to the end while main went on (work 299995), 6 saw themselves detached\n",
        "320 threads in batches of 8, each joined: sum of results 51040\n16 detached threads: 16 ran\n",
        "pthread_exit(42) from a nested call: join got 42, cleanup handler ran 1\n",
        "  the thread goes on after main's pthread_exit: getpid unchanged 1\n\
         main's pthread_exit, then the other thread's exit(5): exited with 5\n",
        "  the thread goes on after main's pthread_exit: getpid unchanged 1\n\
         main's pthread_exit, then the other thread returns: exited with 0\n",
        "exit(7) in a thread while main waits in pause: exited with 7\n",
        "a thread's store to NULL: killed by SIGSEGV\n",
        "main's exit(3) while two threads wait in read: exited with 3\n",
        "malloc'd in one thread, summed in another: 8355840\n",
        "mmap'd in one thread: the other read 16 pages and wrote, the owner read back 48\n",
        // rvsim's own "[kernel] pid N (threads) killed by SIGSEGV" line comes between these two.
        "  the other thread read 1 before the mprotect\n  main made the page PROT_READ: 0\n",
        "a store by another thread after mprotect(PROT_READ): killed by SIGSEGV\n",
        "malloc/free in 8 threads at once: checksum 1799809375, bad bytes 0, failed 0\n",
        "raise in a thread: 0, the handler ran on that thread 1, on main 0\n",
        "pthread_kill(SIGUSR1) of a thread in sigsuspend: 0, it returned EINTR 1, the handler ran on that thread 1, \
         on main 0\n",
        "SIGUSR2 blocked in one thread, pthread_kill: 0; pending there 1, not in main 1; handler before unblocking 0, \
         after 1\n",
        "kill(getpid(), SIGUSR1) with main blocking it: taken by the thread in sigsuspend 1 (EINTR 1), on main 0, \
         left pending 0\n",
        "SIGUSR2 woke the thread's sigsuspend 1; kill(SIGUSR1) with every thread blocking it: pending 1, \
         then main's handler ran 1 on unblocking\n",
        "fork in a thread, waited for by that thread: exited 1 with 55 (40 + 1 memory + 2 one thread + \
         4 a thread of its own + 8 malloc)\n",
        "a child forked by a thread that has ended, waited for by main: exited with 9\n",
        "semaphores: 2000 items through a queue of 4, sum 2001000, free slots after 4, trywait EAGAIN, \
         timedwait ETIMEDOUT\n",
        "pthread_once from 8 threads: the routine ran 1 time(s), every caller saw it done 1\n",
        "pthread_cancel in pthread_cond_wait: 0, join: PTHREAD_CANCELED, cleanup ran 1, the mutex free again 1\n",
        "pthread_cancel in sleep(100): 0, join: PTHREAD_CANCELED, cleanup ran 1\n",
        "pthread_cancel in read of an empty pipe: 0, join: PTHREAD_CANCELED, cleanup ran 1\n",
        "pthread_cancel with cancellation disabled: 0, it finished its sleep 1, then join: PTHREAD_CANCELED\n",
        "pthread_cancel of an asynchronously cancellable busy loop: 0, join: PTHREAD_CANCELED\n",
    ] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
    assert!(out.ends_with("done\n"), "{out}");
    assert!(out.contains("killed by SIGSEGV: store page fault at 0x0"), "the kernel names the thread's fault:\n{out}");
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
         statx: 0, size matches: yes, regular: yes\n\
         stat by name: 0, same inode: yes\n\
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
