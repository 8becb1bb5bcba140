//! System calls: `ecall` with the number in a7, arguments in a0..a5, the
//! result in a0 (negative errno on failure). Numbers and semantics are
//! Linux riscv64's where a call has a Linux twin; rvsim's teaching calls
//! are numbered from 1000.
//!
//! | number | call | |
//! |---|---|---|
//! | 17, 49 | getcwd(buf, size), chdir(path) | `/` or `/dev` |
//! | 48, 439 | faccessat, faccessat2 | root's view: the initrd cannot be written |
//! | 23, 24, 25 | dup, dup3, fcntl | F_DUPFD(_CLOEXEC), F_GETFD/SETFD, F_GETFL/SETFL |
//! | 29 | ioctl(fd, request, arg) | the console: TCGETS, TIOCGWINSZ; else ENOTTY |
//! | 56, 57 | openat(dirfd, path, flags, mode), close(fd) | the initrd read-only, `/dev` |
//! | 59 | pipe2(fds, flags) | 64 KiB; O_CLOEXEC |
//! | 61, 62, 67 | getdents64, lseek, pread64 | |
//! | 79, 80 | newfstatat, fstat | |
//! | 63 | read(fd, buf, count) | a file, a device, or the console (a line at a time) |
//! | 65, 66 | readv, writev(fd, iov, iovcnt) | each buffer in turn |
//! | 78 | readlinkat(dirfd, path, buf, size) | ENOENT: the initrd has no links |
//! | 96 | set_tid_address(tidptr) | returns the thread id (the pid) |
//! | 99 | set_robust_list(head, len) | |
//! | 113, 114 | clock_gettime, clock_getres(clock, tp) | from `mtime`; REALTIME starts at the epoch at boot |
//! | 160 | uname(buf) | Linux 6.12.0-rvsim, riscv64 |
//! | 226 | mprotect(addr, len, prot) | pages in memory at once, the others on first touch |
//! | 261 | prlimit64(pid, resource, new, old) | the caller's own limits |
//! | 278 | getrandom(buf, len, flags) | a reproducible pseudo-random stream |
//! | 98 | futex(uaddr, op, val, timeout) | FUTEX_WAIT, FUTEX_WAKE; keyed by physical address |
//! | 64 | write(fd, buf, count) | the console, /dev/null, /dev/zero |
//! | 93 | exit(status) | |
//! | 94 | exit_group(status) | same as exit (one thread per process) |
//! | 101 | nanosleep(req, rem) | |
//! | 124 | sched_yield() | |
//! | 129 | kill(pid, sig) | every signal terminates |
//! | 130, 131 | tkill(tid, sig), tgkill(tgid, tid, sig) | a thread is its process |
//! | 123 | sched_getaffinity(pid, size, mask) | CPU 0 |
//! | 166 | umask(mask) | inherited by fork |
//! | 179 | sysinfo(info) | uptime, memory and swap in pages, processes |
//! | 172, 178 | getpid(), gettid() | one thread per process |
//! | 174-177 | getuid, geteuid, getgid, getegid | 0: processes run as root |
//! | 173 | getppid() | |
//! | 194 | shmget(key, size, flags) | System V shared memory |
//! | 195 | shmctl(id, cmd, buf) | IPC_STAT, IPC_RMID |
//! | 196 | shmat(id, addr, flags) | addr 0: the kernel chooses; SHM_RDONLY, SHM_RND |
//! | 197 | shmdt(addr) | |
//! | 214 | brk(addr) | returns the new break, or the old one on failure |
//! | 220 | clone(flags, stack, ptid, tls, ctid) | fork: SIGCHLD, with glibc's thread-id flags |
//! | 221 | execve(path, argv, envp) | path names a program in the initrd |
//! | 260 | wait4(pid, status, options, rusage) | pid -1 or > 0; WNOHANG |
//! | 1000 | memstat(buf, len) | frame and VM counters (`rvsim_abi::MemStat`) |
//! | 1001 | vmprint() | prints the caller's page table |
//! | 1002 | bind(name, addr) | maps a shared code object at addr, relocated for it (the first binder chooses; every sharer must use its address); returns its entry |
//! | 1003 | sharedpages() | prints the shared pages table |

mod clock;
pub mod files;
pub mod futex;
mod identity;
mod io;
pub mod limits;
mod memory;
mod mmap;
mod poll;
mod pool;
mod process;
mod random;
mod shm;
mod signal;
pub mod teaching;
mod terminal;

use rvsim_abi::nr;
use rvsim_kernel_core::uaccess::{UserError, UserMemory};

use crate::errno::{EFAULT, EINTR, ENOSYS, Errno};
use crate::memory::KernelMemory;
use crate::proc::{self, Proc};
use crate::trap::reg;
use crate::vmm::Vmm;
use crate::{vmlog, vmwait};

/// Runs the current process's system call (number in a7, arguments in
/// a0..a5), which resumes at `resume`; returns the result for a0, or
/// `None` when a0 must stay as it is: rt_sigreturn restored it, or the
/// call is to start again after a signal's handler (SA_RESTART).
// Inlined into both callers (the trap handler, and a spread thread's
// proxy): the trap handler is every system call's path, and a call there
// costs a frame of saved registers.
#[inline(always)]
pub fn dispatch(resume: u64) -> Option<u64> {
    let (number, a) = proc::with_current(|p| {
        p.frame.epc = resume;
        let regs = &p.frame.regs;
        (regs[reg::A7], [reg::A0, reg::A1, reg::A2, reg::A3, reg::A4, reg::A5].map(|r| regs[r]))
    });
    // On a cluster, a thread of another node's process (threads=spread)
    // has its call run at the process's home.
    let clustered = crate::dsm::on();
    if clustered && let Some(result) = crate::spread::before_call(number, &a, resume) {
        return result;
    }
    let result: Result<u64, Errno> = match number {
        nr::READ => files::read(a[0], a[1], a[2]),
        nr::WRITE => files::write(a[0], a[1], a[2]),
        nr::OPENAT => files::openat(a[0], a[1], a[2], a[3]),
        nr::CLOSE => files::close(a[0]),
        nr::DUP => files::dup(a[0]),
        nr::PIPE2 => files::pipe2(a[0], a[1]),
        nr::DUP3 => files::dup3(a[0], a[1], a[2]),
        nr::FCNTL => files::fcntl(a[0], a[1], a[2]),
        nr::LSEEK => files::lseek(a[0], a[1], a[2]),
        nr::PREAD64 => files::pread64(a[0], a[1], a[2], a[3]),
        nr::GETDENTS64 => files::getdents64(a[0], a[1], a[2]),
        nr::GETCWD => files::getcwd(a[0], a[1]),
        nr::CHDIR => files::chdir(a[0]),
        nr::FACCESSAT => files::faccessat(a[0], a[1], a[2], 0),
        nr::FACCESSAT2 => files::faccessat(a[0], a[1], a[2], a[3]),
        nr::READV => io::readv(a[0], a[1], a[2]),
        nr::WRITEV => io::writev(a[0], a[1], a[2]),
        nr::READLINKAT => io::readlinkat(a[0], a[1], a[2], a[3]),
        nr::SET_TID_ADDRESS => identity::set_tid_address(a[0]),
        nr::SET_ROBUST_LIST => identity::set_robust_list(a[0], a[1]),
        nr::UNAME => identity::uname(a[0]),
        nr::CLOCK_GETTIME => clock::clock_gettime(a[0], a[1]),
        nr::CLOCK_GETRES => clock::clock_getres(a[0], a[1]),
        nr::PRLIMIT64 => limits::prlimit64(a[0], a[1], a[2], a[3]),
        nr::GETRANDOM => random::getrandom(a[0], a[1], a[2]),
        nr::MPROTECT => memory::mprotect(a[0], a[1], a[2]),
        nr::MMAP => mmap::mmap(a[0], a[1], a[2], a[3], a[4], a[5]),
        nr::MUNMAP => mmap::munmap(a[0], a[1]),
        nr::MADVISE => mmap::madvise(a[0], a[1], a[2]),
        nr::EXIT => process::exit_thread(a[0]),
        nr::EXIT_GROUP => process::exit(a[0]),
        nr::FUTEX => futex::futex(a[0], a[1], a[2], a[3], a[4], a[5]),
        nr::NANOSLEEP => process::nanosleep(a[0], a[1]),
        nr::CLOCK_NANOSLEEP => clock::clock_nanosleep(a[0], a[1], a[2], a[3]),
        nr::SCHED_YIELD => process::sched_yield(),
        nr::KILL => signal::kill(a[0], a[1]),
        nr::TKILL => signal::tkill(a[0], a[1]),
        nr::TGKILL => signal::tgkill(a[0], a[1], a[2]),
        nr::RT_SIGACTION => signal::rt_sigaction(a[0], a[1], a[2], a[3]),
        nr::RT_SIGPROCMASK => signal::rt_sigprocmask(a[0], a[1], a[2], a[3]),
        nr::RT_SIGPENDING => signal::rt_sigpending(a[0], a[1]),
        nr::RT_SIGSUSPEND => signal::rt_sigsuspend(a[0], a[1]),
        nr::SETITIMER => signal::setitimer(a[0], a[1], a[2]),
        nr::GETITIMER => signal::getitimer(a[0], a[1]),
        nr::SETPGID => process::setpgid(a[0], a[1]),
        nr::GETPGID => process::getpgid(a[0]),
        nr::GETSID => process::getsid(a[0]),
        nr::SETSID => process::setsid(),
        nr::PPOLL => poll::ppoll(a[0], a[1], a[2], a[3], a[4]),
        nr::RT_SIGRETURN => {
            signal::rt_sigreturn();
            return None;
        }
        nr::UMASK => process::umask(a[0]),
        nr::SCHED_GETAFFINITY => process::sched_getaffinity(a[0], a[1], a[2]),
        nr::SYSINFO => identity::sysinfo(a[0]),
        nr::GETPID => Ok(proc::current_pid() as u64),
        nr::GETTID => Ok(proc::current_tid() as u64),
        nr::GETUID | nr::GETEUID | nr::GETGID | nr::GETEGID => Ok(0),
        nr::FSTAT => files::fstat(a[0], a[1]),
        nr::NEWFSTATAT => files::newfstatat(a[0], a[1], a[2], a[3]),
        nr::STATX => files::statx(a[0], a[1], a[2], a[3], a[4]),
        nr::IOCTL => terminal::ioctl(a[0], a[1], a[2]),
        nr::GETPPID => Ok(proc::with_process(|p| p.parent) as u64),
        nr::SHMGET => shm::shmget(a[0], a[1], a[2]),
        nr::SHMCTL => shm::shmctl(a[0], a[1], a[2]),
        nr::SHMAT => shm::shmat(a[0], a[1], a[2]),
        nr::SHMDT => shm::shmdt(a[0]),
        nr::BRK => process::brk(a[0]),
        nr::CLONE => process::clone(a[0], a[1], a[2], a[3], a[4]),
        nr::EXECVE => process::execve(a[0], a[1], a[2]),
        nr::WAIT4 => process::wait4(a[0], a[1], a[2], a[3]),
        nr::MEMSTAT => teaching::memstat(a[0], a[1]),
        nr::VMPRINT => teaching::vmprint(),
        nr::BIND => teaching::bind(a[0], a[1]),
        nr::SHAREDPAGES => teaching::sharedpages(),
        nr::FRAME_POOL => pool::frame_pool(a[0], a[1], a[2], a[3]),
        _ => unknown(number),
    };
    if clustered {
        crate::spread::after_call(number);
    }
    // execve replaced the registers; its success leaves a0 = 0 as Linux.
    match result {
        Ok(value) => Some(value),
        Err(EINTR) if restartable(number) && proc::current_restarts() => {
            // The ecall runs again when the handler returns (a0 is still
            // its first argument).
            proc::with_current(|p| p.frame.epc = resume - 4);
            None
        }
        Err(errno) => Some((-errno) as u64),
    }
}

/// Wakes one waiter on the futex word at `uaddr`.
pub fn futex_wake_one(uaddr: u64) {
    futex::wake_one(uaddr);
}

/// Whether call `number`, interrupted by a signal whose handler has
/// SA_RESTART, starts again (Linux's list in signal(7): reads, writes,
/// wait4, futex waits, ioctl). The sleeps, ppoll and sigsuspend always
/// fail with EINTR.
fn restartable(number: u64) -> bool {
    matches!(number, nr::READ | nr::READV | nr::WRITE | nr::WRITEV | nr::PREAD64 | nr::WAIT4 | nr::FUTEX | nr::IOCTL)
}

/// A system call the kernel does not implement: ENOSYS, as Linux answers
/// calls it lacks. Under `log=syscalls` each is named once, so that a
/// program that gives up on one does not fail in silence.
#[cold]
fn unknown(number: u64) -> Result<u64, Errno> {
    if crate::config().log_syscalls && first_time(number) {
        let name = rvsim_abi::linux::syscall_name(number).unwrap_or("no Linux call");
        let (pid, program) = proc::with_current(|p| (p.pid, p.name.clone()));
        crate::kprintln!("[kernel] pid {pid} ({program}): system call {number} ({name}) is not implemented: ENOSYS");
    }
    Err(ENOSYS)
}

/// Whether unknown system call `number` is seen for the first time
/// (numbers from 512 up are remembered as one).
fn first_time(number: u64) -> bool {
    use core::sync::atomic::{AtomicU64, Ordering};
    static SEEN: [AtomicU64; 9] = [const { AtomicU64::new(0) }; 9];
    let index = number.min(512) as usize;
    let bit = 1 << (index % 64);
    SEEN[index / 64].fetch_or(bit, Ordering::Relaxed) & bit == 0
}

/// Runs `f` on the current process's memory; faults resolved on the way
/// are flushed from the TLB and logged. When a page must be waited for
/// (read from swap, or a frame reclaimed), the wait is served with nothing
/// borrowed and `f` runs again from the start: `f` must only copy.
pub fn with_user<T>(
    mut f: impl FnMut(&mut UserMemory<'_, KernelMemory>) -> Result<T, UserError>,
) -> Result<T, UserError> {
    loop {
        let (outcome, allocated) = proc::with_current_vm(|p, vmm| user_memory(p, vmm, &mut f));
        match outcome {
            Err(UserError::Wait(wait)) => {
                if !vmwait::serve(wait) || proc::current_killed() {
                    return Err(UserError::Efault);
                }
            }
            outcome => {
                if allocated {
                    vmwait::keep_frames_free();
                }
                return outcome;
            }
        }
    }
}

/// Runs `f` on the memory of `p`; also says whether a fault took a frame
/// on the way.
pub fn user_memory<T>(
    p: &mut Proc,
    vmm: &mut Vmm,
    f: impl FnOnce(&mut UserMemory<'_, KernelMemory>) -> T,
) -> (T, bool) {
    let (pid, asid) = (p.pid, p.asid());
    let mut allocated = false;
    let mut on_resolved = |va, access, how| {
        proc::flush_page(va, asid);
        vmlog::resolved(pid, va, access, how);
        allocated = true;
    };
    let mut user = UserMemory {
        space: p.space.as_mut().expect("user process"),
        vm: vmm.vm(),
        regions: &p.regions,
        on_resolved: &mut on_resolved,
    };
    let outcome = f(&mut user);
    (outcome, allocated)
}

/// Maps a user-memory failure to EFAULT.
pub fn efault<T>(r: Result<T, UserError>) -> Result<T, Errno> {
    r.map_err(|_| EFAULT)
}
