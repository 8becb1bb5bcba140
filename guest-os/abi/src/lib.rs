//! The user ABI of rvsim's teaching kernel, defined once: the kernel and
//! the user library both build on this crate, so the two cannot disagree.
//! Numbers are Linux riscv64's (asm-generic) where a call has a Linux
//! twin; rvsim's own teaching calls are numbered from 1000.
#![no_std]

pub mod linux;

/// System-call numbers (in a7).
pub mod nr {
    /// readlinkat(dirfd, path, buf, size).
    pub const READLINKAT: u64 = 78;
    /// readv(fd, iov, iovcnt).
    pub const READV: u64 = 65;
    /// writev(fd, iov, iovcnt).
    pub const WRITEV: u64 = 66;
    /// set_tid_address(tidptr).
    pub const SET_TID_ADDRESS: u64 = 96;
    /// set_robust_list(head, len).
    pub const SET_ROBUST_LIST: u64 = 99;
    /// clock_gettime(clock, tp).
    pub const CLOCK_GETTIME: u64 = 113;
    /// clock_getres(clock, res).
    pub const CLOCK_GETRES: u64 = 114;
    /// mprotect(addr, len, prot).
    pub const MPROTECT: u64 = 226;
    /// rt_sigsuspend(mask, size).
    pub const RT_SIGSUSPEND: u64 = 133;
    /// rt_sigaction(sig, act, oldact, size).
    pub const RT_SIGACTION: u64 = 134;
    /// rt_sigprocmask(how, set, oldset, size).
    pub const RT_SIGPROCMASK: u64 = 135;
    /// rt_sigpending(set, size).
    pub const RT_SIGPENDING: u64 = 136;
    /// rt_sigreturn().
    pub const RT_SIGRETURN: u64 = 139;
    /// getitimer(which, value).
    pub const GETITIMER: u64 = 102;
    /// setitimer(which, new, old).
    pub const SETITIMER: u64 = 103;
    /// setpgid(pid, pgid).
    pub const SETPGID: u64 = 154;
    /// getpgid(pid).
    pub const GETPGID: u64 = 155;
    /// getsid(pid).
    pub const GETSID: u64 = 156;
    /// setsid().
    pub const SETSID: u64 = 157;
    /// statx(dirfd, path, flags, mask, buf).
    pub const STATX: u64 = 291;
    /// ppoll(fds, nfds, timeout, sigmask, size).
    pub const PPOLL: u64 = 73;
    /// mmap(addr, len, prot, flags, fd, offset).
    pub const MMAP: u64 = 222;
    /// munmap(addr, len).
    pub const MUNMAP: u64 = 215;
    /// madvise(addr, len, advice).
    pub const MADVISE: u64 = 233;
    /// getcwd(buf, size).
    pub const GETCWD: u64 = 17;
    /// pipe2(fds, flags).
    pub const PIPE2: u64 = 59;
    /// dup(fd).
    pub const DUP: u64 = 23;
    /// dup3(fd, new, flags).
    pub const DUP3: u64 = 24;
    /// fcntl(fd, cmd, arg).
    pub const FCNTL: u64 = 25;
    /// faccessat(dirfd, path, mode).
    pub const FACCESSAT: u64 = 48;
    /// faccessat2(dirfd, path, mode, flags).
    pub const FACCESSAT2: u64 = 439;
    /// chdir(path).
    pub const CHDIR: u64 = 49;
    /// openat(dirfd, path, flags, mode).
    pub const OPENAT: u64 = 56;
    /// close(fd).
    pub const CLOSE: u64 = 57;
    /// getdents64(fd, buf, count).
    pub const GETDENTS64: u64 = 61;
    /// lseek(fd, offset, whence).
    pub const LSEEK: u64 = 62;
    /// pread64(fd, buf, count, offset).
    pub const PREAD64: u64 = 67;
    /// ioctl(fd, request, arg).
    pub const IOCTL: u64 = 29;
    /// newfstatat(dirfd, path, statbuf, flags).
    pub const NEWFSTATAT: u64 = 79;
    /// fstat(fd, statbuf).
    pub const FSTAT: u64 = 80;
    /// getuid().
    pub const GETUID: u64 = 174;
    /// geteuid().
    pub const GETEUID: u64 = 175;
    /// getgid().
    pub const GETGID: u64 = 176;
    /// getegid().
    pub const GETEGID: u64 = 177;
    /// gettid().
    pub const GETTID: u64 = 178;
    /// tkill(tid, sig).
    pub const TKILL: u64 = 130;
    /// tgkill(tgid, tid, sig).
    pub const TGKILL: u64 = 131;
    /// umask(mask).
    pub const UMASK: u64 = 166;
    /// sched_getaffinity(pid, size, mask).
    pub const SCHED_GETAFFINITY: u64 = 123;
    /// sysinfo(info).
    pub const SYSINFO: u64 = 179;
    /// uname(buf).
    pub const UNAME: u64 = 160;
    /// prlimit64(pid, resource, new, old).
    pub const PRLIMIT64: u64 = 261;
    /// getrandom(buf, len, flags).
    pub const GETRANDOM: u64 = 278;
    /// read(fd, buf, count).
    pub const READ: u64 = 63;
    /// write(fd, buf, count).
    pub const WRITE: u64 = 64;
    /// exit(status).
    pub const EXIT: u64 = 93;
    /// exit_group(status).
    pub const EXIT_GROUP: u64 = 94;
    /// futex(uaddr, op, val, timeout): FUTEX_WAIT and FUTEX_WAKE.
    pub const FUTEX: u64 = 98;
    /// nanosleep(req, rem).
    pub const NANOSLEEP: u64 = 101;
    /// clock_nanosleep(clock, flags, req, rem).
    pub const CLOCK_NANOSLEEP: u64 = 115;
    /// sched_yield().
    pub const SCHED_YIELD: u64 = 124;
    /// kill(pid, sig).
    pub const KILL: u64 = 129;
    /// getpid().
    pub const GETPID: u64 = 172;
    /// getppid().
    pub const GETPPID: u64 = 173;
    /// shmget(key, size, flags).
    pub const SHMGET: u64 = 194;
    /// shmctl(id, cmd, buf).
    pub const SHMCTL: u64 = 195;
    /// shmat(id, addr, flags).
    pub const SHMAT: u64 = 196;
    /// shmdt(addr).
    pub const SHMDT: u64 = 197;
    /// brk(addr).
    pub const BRK: u64 = 214;
    /// clone(flags, stack, ...): fork when flags = SIGCHLD, stack = 0.
    pub const CLONE: u64 = 220;
    /// execve(path, argv, envp).
    pub const EXECVE: u64 = 221;
    /// wait4(pid, status, options, rusage).
    pub const WAIT4: u64 = 260;
    /// memstat(buf, len): teaching call, fills a [`MemStat`](crate::MemStat).
    pub const MEMSTAT: u64 = 1000;
    /// vmprint(): teaching call, prints the caller's page table.
    pub const VMPRINT: u64 = 1001;
    /// bind(name, addr): teaching call, maps the shared code object `name`
    /// from the initrd at `addr`; returns its entry (its function table).
    pub const BIND: u64 = 1002;
    /// sharedpages(): teaching call, prints the shared pages table after
    /// gathering every process's accessed bits into it.
    pub const SHAREDPAGES: u64 = 1003;
    /// frame_pool(addr, len, frames, policy): teaching call, gives the
    /// caller's pages in `[addr, addr + len)` a pool of `frames` frames
    /// replaced among themselves by `policy` (a [`crate::pool`] code); with
    /// `frames` 0 the pool of exactly that range goes.
    pub const FRAME_POOL: u64 = 1004;
}

/// Replacement policies a frame pool may use (frame_pool's `policy`).
pub mod pool {
    /// Second chance over the accessed bits.
    pub const CLOCK: u64 = 0;
    /// First in, first out.
    pub const FIFO: u64 = 1;
    /// Uniformly random.
    pub const RANDOM: u64 = 3;
}

/// futex operations (the `op` argument; `FUTEX_PRIVATE_FLAG` may be ORed
/// in and changes nothing: futexes are keyed by physical address).
pub mod futex {
    /// Sleep if the word still holds the expected value.
    pub const FUTEX_WAIT: u64 = 0;
    /// Wake up to `val` sleepers.
    pub const FUTEX_WAKE: u64 = 1;
    /// Wake up to `val` sleepers, move up to `val2` others to `uaddr2`.
    pub const FUTEX_REQUEUE: u64 = 3;
    /// FUTEX_REQUEUE if the word still holds `val3`.
    pub const FUTEX_CMP_REQUEUE: u64 = 4;
    /// FUTEX_WAIT with an absolute timeout and a bitset (`val3`).
    pub const FUTEX_WAIT_BITSET: u64 = 9;
    /// FUTEX_WAKE of the sleepers whose bitset meets `val3`.
    pub const FUTEX_WAKE_BITSET: u64 = 10;
    /// Linux's flag for futexes of one process.
    pub const FUTEX_PRIVATE_FLAG: u64 = 128;
    /// The timeout is on CLOCK_REALTIME (else CLOCK_MONOTONIC).
    pub const FUTEX_CLOCK_REALTIME: u64 = 256;
}

/// System V IPC flags and commands, as Linux's.
pub mod ipc {
    /// `shmget` key for a new segment no one else can find.
    pub const IPC_PRIVATE: i32 = 0;
    /// `shmget`: create the segment if the key has none.
    pub const IPC_CREAT: u32 = 0o1000;
    /// `shmget` with `IPC_CREAT`: fail if the key has one.
    pub const IPC_EXCL: u32 = 0o2000;
    /// `shmat`: attach read-only.
    pub const SHM_RDONLY: u32 = 0o10000;
    /// `shmat`: round the address down to a page.
    pub const SHM_RND: u32 = 0o20000;
    /// `shmctl`: mark for destruction.
    pub const IPC_RMID: u32 = 0;
    /// `shmctl`: read the segment's `struct shmid64_ds` (112 bytes).
    pub const IPC_STAT: u32 = 2;
    /// Size of `struct shmid64_ds`.
    pub const SHMID_DS_SIZE: usize = 112;
}

/// Error numbers (returned negated).
pub mod errno {
    #![allow(missing_docs)]
    pub const EPERM: i64 = 1;
    pub const ENOENT: i64 = 2;
    pub const ESRCH: i64 = 3;
    pub const EINTR: i64 = 4;
    pub const E2BIG: i64 = 7;
    pub const ENOEXEC: i64 = 8;
    pub const EBADF: i64 = 9;
    pub const ECHILD: i64 = 10;
    pub const EAGAIN: i64 = 11;
    pub const ENOMEM: i64 = 12;
    pub const EACCES: i64 = 13;
    pub const EFAULT: i64 = 14;
    pub const EEXIST: i64 = 17;
    pub const EINVAL: i64 = 22;
    pub const ENODEV: i64 = 19;
    pub const ENOTDIR: i64 = 20;
    pub const EISDIR: i64 = 21;
    pub const EMFILE: i64 = 24;
    pub const ENOTTY: i64 = 25;
    pub const ETXTBSY: i64 = 26;
    pub const ENOSPC: i64 = 28;
    pub const ESPIPE: i64 = 29;
    pub const EROFS: i64 = 30;
    pub const EPIPE: i64 = 32;
    pub const ERANGE: i64 = 34;
    pub const ENAMETOOLONG: i64 = 36;
    pub const ENOSYS: i64 = 38;
    pub const EOPNOTSUPP: i64 = 95;
    pub const ETIMEDOUT: i64 = 110;

    /// The symbolic name of an error number.
    pub fn name(errno: i64) -> &'static str {
        match errno {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            ESRCH => "ESRCH",
            EINTR => "EINTR",
            E2BIG => "E2BIG",
            ENOEXEC => "ENOEXEC",
            EBADF => "EBADF",
            ECHILD => "ECHILD",
            EAGAIN => "EAGAIN",
            ENOMEM => "ENOMEM",
            EACCES => "EACCES",
            EFAULT => "EFAULT",
            EEXIST => "EEXIST",
            EINVAL => "EINVAL",
            ENODEV => "ENODEV",
            ENOTDIR => "ENOTDIR",
            EISDIR => "EISDIR",
            EMFILE => "EMFILE",
            ENOTTY => "ENOTTY",
            ETXTBSY => "ETXTBSY",
            ENOSPC => "ENOSPC",
            ESPIPE => "ESPIPE",
            EROFS => "EROFS",
            EPIPE => "EPIPE",
            ERANGE => "ERANGE",
            ENAMETOOLONG => "ENAMETOOLONG",
            ENOSYS => "ENOSYS",
            EOPNOTSUPP => "EOPNOTSUPP",
            ETIMEDOUT => "ETIMEDOUT",
            _ => "unknown error",
        }
    }
}

/// Signal numbers, Linux's.
pub mod signal {
    #![allow(missing_docs)]
    pub const SIGHUP: u32 = 1;
    pub const SIGINT: u32 = 2;
    pub const SIGQUIT: u32 = 3;
    pub const SIGILL: u32 = 4;
    pub const SIGTRAP: u32 = 5;
    pub const SIGABRT: u32 = 6;
    pub const SIGBUS: u32 = 7;
    pub const SIGFPE: u32 = 8;
    pub const SIGKILL: u32 = 9;
    pub const SIGUSR1: u32 = 10;
    pub const SIGSEGV: u32 = 11;
    pub const SIGUSR2: u32 = 12;
    pub const SIGPIPE: u32 = 13;
    pub const SIGALRM: u32 = 14;
    pub const SIGTERM: u32 = 15;
    pub const SIGSTKFLT: u32 = 16;
    pub const SIGCHLD: u32 = 17;
    pub const SIGCONT: u32 = 18;
    pub const SIGSTOP: u32 = 19;
    pub const SIGTSTP: u32 = 20;
    pub const SIGTTIN: u32 = 21;
    pub const SIGTTOU: u32 = 22;
    pub const SIGURG: u32 = 23;
    pub const SIGXCPU: u32 = 24;
    pub const SIGXFSZ: u32 = 25;
    pub const SIGVTALRM: u32 = 26;
    pub const SIGPROF: u32 = 27;
    pub const SIGWINCH: u32 = 28;
    pub const SIGIO: u32 = 29;
    pub const SIGPWR: u32 = 30;
    pub const SIGSYS: u32 = 31;

    /// The signal's name ("signal" for the real-time ones).
    pub fn name(sig: u32) -> &'static str {
        match sig {
            SIGHUP => "SIGHUP",
            SIGINT => "SIGINT",
            SIGQUIT => "SIGQUIT",
            SIGILL => "SIGILL",
            SIGTRAP => "SIGTRAP",
            SIGABRT => "SIGABRT",
            SIGBUS => "SIGBUS",
            SIGFPE => "SIGFPE",
            SIGKILL => "SIGKILL",
            SIGUSR1 => "SIGUSR1",
            SIGSEGV => "SIGSEGV",
            SIGUSR2 => "SIGUSR2",
            SIGPIPE => "SIGPIPE",
            SIGALRM => "SIGALRM",
            SIGTERM => "SIGTERM",
            SIGSTKFLT => "SIGSTKFLT",
            SIGCHLD => "SIGCHLD",
            SIGCONT => "SIGCONT",
            SIGSTOP => "SIGSTOP",
            SIGTSTP => "SIGTSTP",
            SIGTTIN => "SIGTTIN",
            SIGTTOU => "SIGTTOU",
            SIGURG => "SIGURG",
            SIGXCPU => "SIGXCPU",
            SIGXFSZ => "SIGXFSZ",
            SIGVTALRM => "SIGVTALRM",
            SIGPROF => "SIGPROF",
            SIGWINCH => "SIGWINCH",
            SIGIO => "SIGIO",
            SIGPWR => "SIGPWR",
            SIGSYS => "SIGSYS",
            _ => "signal",
        }
    }
}

/// What `memstat` reports: the kernel's frame accounting and VM event
/// counters. The kernel writes the first `len` bytes of it (fields are
/// only ever added at the end) and returns its full size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MemStat {
    /// Frames the kernel manages (RAM minus the kernel image, its heap,
    /// the device tree and the initrd).
    pub frames_total: u64,
    /// Frames on the free list.
    pub frames_free: u64,
    /// Frames in use: `frames_total - frames_free`.
    pub frames_used: u64,
    /// Pages committed: every page a process may need memory for (its
    /// heap, its other private pages in memory or on swap, one copy for
    /// every extra sharer of a copy-on-write page, shared-memory segments).
    /// Calls that would go over `commit_limit` fail with ENOMEM.
    pub committed: u64,
    /// Page faults handled (from user mode, and kernel accesses to user
    /// memory).
    pub page_faults: u64,
    /// Stores to copy-on-write pages.
    pub cow_faults: u64,
    /// COW faults that copied the page (it was still shared).
    pub cow_copies: u64,
    /// COW faults that made the page writable again (last sharer).
    pub cow_reuses: u64,
    /// Pages zero-filled on first touch (the stack).
    pub demand_zero: u64,
    /// Frames in the shared pages table: one per page of program text or
    /// rodata in use, however many processes run it.
    pub shared_frames: u64,
    /// Faults on shared pages that found the page in the table.
    pub shared_hits: u64,
    /// Faults on shared pages that loaded it from the program image.
    pub shared_misses: u64,
    /// Frames held by shared-memory segments.
    pub shm_frames: u64,
    /// Shared-memory segments in existence.
    pub shm_segments: u64,
    /// The commit limit: the user-frame budget, less a reserve for program
    /// text (a sixteenth, at least 8 frames), plus the swap slots.
    pub commit_limit: u64,
    /// Frames holding user pages now.
    pub user_frames: u64,
    /// Frames that may hold user pages at once (boot argument `frames=`,
    /// or what the kernel leaves).
    pub frame_budget: u64,
    /// Faults that needed a read: from swap, or from a program image.
    pub major_faults: u64,
    /// Pages read from the swap disk.
    pub page_ins: u64,
    /// Pages written to the swap disk.
    pub page_outs: u64,
    /// Pages dropped without a write (clean text, zero pages, pages whose
    /// swap copy was good).
    pub drops: u64,
    /// Slots on the swap disk.
    pub swap_total: u64,
    /// Slots holding a page.
    pub swap_used: u64,
    /// Read faults that needed another node (distributed shared memory).
    pub dsm_read_faults: u64,
    /// Write faults that needed another node or invalidations.
    pub dsm_write_faults: u64,
    /// Pages this node sent to others.
    pub dsm_pages_sent: u64,
    /// Pages this node received.
    pub dsm_pages_received: u64,
    /// Invalidations this node sent.
    pub dsm_invalidations_sent: u64,
    /// Invalidations this node received.
    pub dsm_invalidations_received: u64,
    /// Protocol messages sent (retransmissions and bare acknowledgements aside).
    pub dsm_messages_sent: u64,
    /// Protocol messages received.
    pub dsm_messages_received: u64,
    /// Bytes sent on the cluster's links, everything included.
    pub dsm_bytes_sent: u64,
    /// Bytes received on the cluster's links.
    pub dsm_bytes_received: u64,
    /// Cycles faults spent waiting for other nodes, summed.
    pub dsm_wait_cycles: u64,
}

impl MemStat {
    /// Frames in use, except those of the shared pages table: program text
    /// comes and goes with the processes running it (demand-loaded, freed
    /// with its last sharer), so comparisons of memory before and after
    /// leave it out.
    pub fn frames_used_but_text(&self) -> u64 {
        self.frames_used - self.shared_frames
    }

    /// Size of the record in bytes.
    pub const SIZE: usize = core::mem::size_of::<MemStat>();

    /// Every field with its name, in the record's order. As many fields as
    /// the record has: adding one without listing it here does not compile.
    pub fn fields(&self) -> [(&'static str, u64); Self::SIZE / 8] {
        [
            ("frames_total", self.frames_total),
            ("frames_free", self.frames_free),
            ("frames_used", self.frames_used),
            ("committed", self.committed),
            ("page_faults", self.page_faults),
            ("cow_faults", self.cow_faults),
            ("cow_copies", self.cow_copies),
            ("cow_reuses", self.cow_reuses),
            ("demand_zero", self.demand_zero),
            ("shared_frames", self.shared_frames),
            ("shared_hits", self.shared_hits),
            ("shared_misses", self.shared_misses),
            ("shm_frames", self.shm_frames),
            ("shm_segments", self.shm_segments),
            ("commit_limit", self.commit_limit),
            ("user_frames", self.user_frames),
            ("frame_budget", self.frame_budget),
            ("major_faults", self.major_faults),
            ("page_ins", self.page_ins),
            ("page_outs", self.page_outs),
            ("drops", self.drops),
            ("swap_total", self.swap_total),
            ("swap_used", self.swap_used),
            ("dsm_read_faults", self.dsm_read_faults),
            ("dsm_write_faults", self.dsm_write_faults),
            ("dsm_pages_sent", self.dsm_pages_sent),
            ("dsm_pages_received", self.dsm_pages_received),
            ("dsm_invalidations_sent", self.dsm_invalidations_sent),
            ("dsm_invalidations_received", self.dsm_invalidations_received),
            ("dsm_messages_sent", self.dsm_messages_sent),
            ("dsm_messages_received", self.dsm_messages_received),
            ("dsm_bytes_sent", self.dsm_bytes_sent),
            ("dsm_bytes_received", self.dsm_bytes_received),
            ("dsm_wait_cycles", self.dsm_wait_cycles),
        ]
    }

    /// The record as the little-endian bytes the kernel copies out.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut bytes = [0u8; Self::SIZE];
        for (chunk, (_, field)) in bytes.chunks_exact_mut(8).zip(self.fields()) {
            chunk.copy_from_slice(&field.to_le_bytes());
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memstat_bytes_are_the_fields_in_order() {
        let m = MemStat { frames_total: 1, committed: 4, demand_zero: 9, swap_used: 2, ..MemStat::default() };
        let bytes = m.to_bytes();
        assert_eq!(bytes.len(), 34 * 8);
        assert_eq!(bytes[22 * 8], 2);
        assert_eq!(bytes[0], 1);
        assert_eq!(bytes[3 * 8], 4);
        assert_eq!(bytes[8 * 8], 9);
    }
}
