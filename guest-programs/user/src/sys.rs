//! System calls (Linux riscv64 numbers; rvsim's teaching calls from 1000).

/// Raw system call with up to six arguments; returns a0.
#[inline(always)]
pub fn syscall(number: usize, args: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: ecall only transfers control to the kernel.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") args[0] => ret,
            in("a1") args[1],
            in("a2") args[2],
            in("a3") args[3],
            in("a4") args[4],
            in("a5") args[5],
            in("a7") number,
            options(nostack)
        );
    }
    ret
}

/// System call numbers.
pub mod nr {
    #![allow(missing_docs)]
    pub const READ: usize = 63;
    pub const WRITE: usize = 64;
    pub const EXIT: usize = 93;
    pub const NANOSLEEP: usize = 101;
    pub const SCHED_YIELD: usize = 124;
    pub const KILL: usize = 129;
    pub const GETPID: usize = 172;
    pub const GETPPID: usize = 173;
    pub const BRK: usize = 214;
    pub const CLONE: usize = 220;
    pub const EXECVE: usize = 221;
    pub const WAIT4: usize = 260;
    pub const MEMSTAT: usize = 1000;
    pub const VMPRINT: usize = 1001;
}

/// Error numbers, as returned negated.
pub mod errno {
    #![allow(missing_docs)]
    pub const ENOENT: isize = 2;
    pub const ESRCH: isize = 3;
    pub const EAGAIN: isize = 11;
    pub const ENOMEM: isize = 12;
    pub const EFAULT: isize = 14;
    pub const EINVAL: isize = 22;
}

/// read(fd, buf).
pub fn read(fd: usize, buf: &mut [u8]) -> isize {
    syscall(nr::READ, [fd, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0])
}

/// write(fd, data).
pub fn write(fd: usize, data: &[u8]) -> isize {
    syscall(nr::WRITE, [fd, data.as_ptr() as usize, data.len(), 0, 0, 0])
}

/// exit(code).
pub fn exit(code: i32) -> ! {
    syscall(nr::EXIT, [code as usize, 0, 0, 0, 0, 0]);
    unreachable!("exit returned")
}

/// fork: the child's pid in the parent, 0 in the child, or -errno.
pub fn fork() -> isize {
    const SIGCHLD: usize = 17;
    syscall(nr::CLONE, [SIGCHLD, 0, 0, 0, 0, 0])
}

/// execve(path, argv, envp) with NUL-terminated strings; returns only on
/// failure.
pub fn execve(path: &[u8], argv: &[*const u8], envp: &[*const u8]) -> isize {
    syscall(nr::EXECVE, [path.as_ptr() as usize, argv.as_ptr() as usize, envp.as_ptr() as usize, 0, 0, 0])
}

/// wait4(pid, &status, options, NULL): returns the pid and the status.
pub fn wait4(pid: isize, options: usize) -> (isize, i32) {
    let mut status = 0i32;
    let r = syscall(nr::WAIT4, [pid as usize, &mut status as *mut i32 as usize, options, 0, 0, 0]);
    (r, status)
}

/// Waits for any child.
pub fn wait() -> (isize, i32) {
    wait4(-1, 0)
}

/// Decoded wait status: `Exited(code)` or `Killed(signal)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal.
    Killed(i32),
}

/// Decodes a wait status as Linux encodes it.
pub fn decode(status: i32) -> Status {
    if status & 0x7f == 0 { Status::Exited((status >> 8) & 0xff) } else { Status::Killed(status & 0x7f) }
}

/// getpid().
pub fn getpid() -> isize {
    syscall(nr::GETPID, [0; 6])
}

/// getppid().
pub fn getppid() -> isize {
    syscall(nr::GETPPID, [0; 6])
}

/// brk(addr): the new break (the old one if it could not move).
pub fn brk(addr: usize) -> usize {
    syscall(nr::BRK, [addr, 0, 0, 0, 0, 0]) as usize
}

/// Grows the heap by `bytes`; the start of the new memory, or None.
pub fn sbrk(bytes: usize) -> Option<*mut u8> {
    let old = brk(0);
    let new = brk(old + bytes);
    (new == old + bytes).then_some(old as *mut u8)
}

/// sched_yield().
pub fn sched_yield() {
    syscall(nr::SCHED_YIELD, [0; 6]);
}

/// Sleeps `ms` milliseconds.
pub fn sleep_ms(ms: u64) -> isize {
    let ts = [ms / 1000, (ms % 1000) * 1_000_000];
    syscall(nr::NANOSLEEP, [ts.as_ptr() as usize, 0, 0, 0, 0, 0])
}

/// kill(pid, sig).
pub fn kill(pid: isize, sig: usize) -> isize {
    syscall(nr::KILL, [pid as usize, sig, 0, 0, 0, 0])
}

/// Frame and VM counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MemStat {
    /// Frames the kernel manages.
    pub frames_total: u64,
    /// Frames free.
    pub frames_free: u64,
    /// Frames in use.
    pub frames_used: u64,
    /// Page faults handled.
    pub page_faults: u64,
    /// Stores to copy-on-write pages.
    pub cow_faults: u64,
    /// COW faults that copied the page.
    pub cow_copies: u64,
    /// COW faults that reused it (last sharer).
    pub cow_reuses: u64,
    /// Pages zero-filled on first touch.
    pub demand_zero: u64,
}

/// memstat (teaching call 1000).
pub fn memstat() -> MemStat {
    let mut m = MemStat::default();
    syscall(nr::MEMSTAT, [&mut m as *mut MemStat as usize, 0, 0, 0, 0, 0]);
    m
}

/// vmprint (teaching call 1001): the kernel prints this process's page
/// table.
pub fn vmprint() {
    syscall(nr::VMPRINT, [0; 6]);
}

/// The cycle counter.
pub fn cycles() -> u64 {
    let c: u64;
    // SAFETY: reading cycle (enabled for U-mode by the kernel).
    unsafe { core::arch::asm!("rdcycle {0}", out(reg) c) };
    c
}
