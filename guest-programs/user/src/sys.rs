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

/// The memstat record and the signals: the kernel's own definitions.
pub use rvsim_abi::{MemStat, ipc, signal};

/// System-call numbers, as `usize` for [`syscall`].
pub mod nr {
    #![allow(missing_docs)]
    use rvsim_abi::nr;
    pub const READ: usize = nr::READ as usize;
    pub const WRITE: usize = nr::WRITE as usize;
    pub const EXIT: usize = nr::EXIT as usize;
    pub const FUTEX: usize = nr::FUTEX as usize;
    pub const NANOSLEEP: usize = nr::NANOSLEEP as usize;
    pub const SCHED_YIELD: usize = nr::SCHED_YIELD as usize;
    pub const KILL: usize = nr::KILL as usize;
    pub const GETPID: usize = nr::GETPID as usize;
    pub const GETPPID: usize = nr::GETPPID as usize;
    pub const SHMGET: usize = nr::SHMGET as usize;
    pub const SHMCTL: usize = nr::SHMCTL as usize;
    pub const SHMAT: usize = nr::SHMAT as usize;
    pub const SHMDT: usize = nr::SHMDT as usize;
    pub const BRK: usize = nr::BRK as usize;
    pub const CLONE: usize = nr::CLONE as usize;
    pub const EXECVE: usize = nr::EXECVE as usize;
    pub const WAIT4: usize = nr::WAIT4 as usize;
    pub const MEMSTAT: usize = nr::MEMSTAT as usize;
    pub const VMPRINT: usize = nr::VMPRINT as usize;
    pub const BIND: usize = nr::BIND as usize;
    pub const SHAREDPAGES: usize = nr::SHAREDPAGES as usize;
    pub const FRAME_POOL: usize = nr::FRAME_POOL as usize;
}

/// Error numbers, as `isize` (system calls return them negated).
pub mod errno {
    #![allow(missing_docs)]
    use rvsim_abi::errno as e;
    pub const ENOENT: isize = e::ENOENT as isize;
    pub const ESRCH: isize = e::ESRCH as isize;
    pub const EAGAIN: isize = e::EAGAIN as isize;
    pub const ENOMEM: isize = e::ENOMEM as isize;
    pub const EACCES: isize = e::EACCES as isize;
    pub const EFAULT: isize = e::EFAULT as isize;
    pub const EEXIST: isize = e::EEXIST as isize;
    pub const EINVAL: isize = e::EINVAL as isize;
    pub const ETXTBSY: isize = e::ETXTBSY as isize;
    pub const ETIMEDOUT: isize = e::ETIMEDOUT as isize;

    /// The symbolic name of an error number.
    pub fn name(errno: isize) -> &'static str {
        e::name(errno as i64)
    }
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
    syscall(nr::CLONE, [signal::SIGCHLD as usize, 0, 0, 0, 0, 0])
}

/// execve(path, argv, envp) with NUL-terminated strings; returns only on
/// failure.
pub fn execve(path: &[u8], argv: &[*const u8], envp: &[*const u8]) -> isize {
    syscall(nr::EXECVE, [path.as_ptr() as usize, argv.as_ptr() as usize, envp.as_ptr() as usize, 0, 0, 0])
}

/// Runs program `args[0]` with arguments `args` (at most 15) in place of
/// this one; exits with 127 if it cannot.
pub fn exec(args: &[&core::ffi::CStr]) -> ! {
    let mut argv = [core::ptr::null::<u8>(); 16];
    for (slot, arg) in argv.iter_mut().zip(args.iter().take(15)) {
        *slot = arg.as_ptr().cast();
    }
    if let Some(path) = args.first() {
        execve(path.to_bytes_with_nul(), &argv, &[core::ptr::null()]);
    }
    exit(127)
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

/// memstat (teaching call 1000).
pub fn memstat() -> MemStat {
    let mut m = MemStat::default();
    syscall(nr::MEMSTAT, [&mut m as *mut MemStat as usize, MemStat::SIZE, 0, 0, 0, 0]);
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

/// shmget(key, size, flags): a segment id, or -errno.
pub fn shmget(key: i32, size: usize, flags: u32) -> isize {
    syscall(nr::SHMGET, [key as usize, size, flags as usize, 0, 0, 0])
}

/// The segment of `key` (made if it does not exist, `size` bytes), attached
/// read-write where the kernel chooses; its address, or why not. On a
/// cluster a key names the same segment on every node.
pub fn attach_key(key: i32, size: usize) -> Result<*mut u8, &'static str> {
    let id = shmget(key, size, ipc::IPC_CREAT | 0o600);
    if id < 0 {
        return Err(errno::name(id));
    }
    let addr = shmat(id, 0, 0);
    if addr < 0 {
        return Err(errno::name(addr));
    }
    Ok(addr as *mut u8)
}

/// shmat(id, addr, flags): the attachment's address, or -errno.
pub fn shmat(id: isize, addr: usize, flags: u32) -> isize {
    syscall(nr::SHMAT, [id as usize, addr, flags as usize, 0, 0, 0])
}

/// shmdt(addr).
pub fn shmdt(addr: usize) -> isize {
    syscall(nr::SHMDT, [addr, 0, 0, 0, 0, 0])
}

/// shmctl(id, cmd, buf).
pub fn shmctl(id: isize, cmd: u32, buf: *mut u8) -> isize {
    syscall(nr::SHMCTL, [id as usize, cmd as usize, buf as usize, 0, 0, 0])
}

/// Number of attachments of segment `id` (shmctl IPC_STAT's shm_nattch),
/// or -errno.
pub fn shm_nattch(id: isize) -> isize {
    let mut ds = [0u8; ipc::SHMID_DS_SIZE];
    let r = shmctl(id, ipc::IPC_STAT, ds.as_mut_ptr());
    if r < 0 {
        return r;
    }
    u64::from_le_bytes([ds[88], ds[89], ds[90], ds[91], ds[92], ds[93], ds[94], ds[95]]) as isize
}

/// futex(word, FUTEX_WAIT, expected): sleeps while `*word == expected`,
/// until a FUTEX_WAKE on the same word (0), or -EAGAIN if it differed.
pub fn futex_wait(word: &core::sync::atomic::AtomicU32, expected: u32) -> isize {
    let op = rvsim_abi::futex::FUTEX_WAIT as usize;
    syscall(nr::FUTEX, [word.as_ptr() as usize, op, expected as usize, 0, 0, 0])
}

/// futex(word, FUTEX_WAIT, expected, timeout of `ms` milliseconds).
pub fn futex_wait_ms(word: &core::sync::atomic::AtomicU32, expected: u32, ms: u64) -> isize {
    let op = rvsim_abi::futex::FUTEX_WAIT as usize;
    let ts = [ms / 1000, (ms % 1000) * 1_000_000];
    syscall(nr::FUTEX, [word.as_ptr() as usize, op, expected as usize, ts.as_ptr() as usize, 0, 0])
}

/// futex(word, FUTEX_WAKE, count): the number of processes woken.
pub fn futex_wake(word: &core::sync::atomic::AtomicU32, count: u32) -> isize {
    let op = rvsim_abi::futex::FUTEX_WAKE as usize;
    syscall(nr::FUTEX, [word.as_ptr() as usize, op, count as usize, 0, 0, 0])
}

/// bind(name, addr) (teaching call 1002): maps the shared code object
/// `name` (NUL-terminated) at `addr`; returns its entry, or -errno.
pub fn bind(name: &[u8], addr: usize) -> isize {
    syscall(nr::BIND, [name.as_ptr() as usize, addr, 0, 0, 0, 0])
}

/// sharedpages (teaching call 1003): the kernel prints the shared pages
/// table.
pub fn sharedpages() {
    syscall(nr::SHAREDPAGES, [0; 6]);
}

/// frame_pool (teaching call 1004): gives this process's pages in
/// `[addr, addr + len)` a pool of `frames` frames, replaced among
/// themselves by `policy` (an [`rvsim_abi::pool`] code); `frames` 0 takes
/// the pool of exactly that range away. Returns 0 or -errno.
pub fn frame_pool(addr: usize, len: usize, frames: usize, policy: u64) -> isize {
    syscall(nr::FRAME_POOL, [addr, len, frames, policy as usize, 0, 0])
}
