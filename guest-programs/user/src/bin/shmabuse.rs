//! Misuses shared memory in every way the interface allows (bad ids and sizes, double and bogus detaches, use after IPC_RMID, attaching beyond the address space, writing through SHM_RDONLY): each gets Linux's error or signal, and memory returns to its baseline.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, Status, errno, ipc};
use rvsim_user::{Args, entry, println};

entry!(main);

const PAGE: usize = 4096;

static mut FAILURES: u32 = 0;

/// Checks that `got` is -`errno` (or, with `errno` 0, not an error).
fn expect(what: &str, got: isize, errno: isize) {
    let ok = if errno == 0 { got >= 0 } else { got == -errno };
    let wanted = if errno == 0 { "success" } else { errno::name(errno) };
    let seen = if got >= 0 { "success" } else { errno::name(-got) };
    println!("shmabuse: {what}: {seen}{}", if ok { "" } else { " (WRONG: expected it to be that)" });
    if !ok {
        println!("shmabuse:   expected {wanted}, got {got}");
        // SAFETY: one thread.
        unsafe { FAILURES += 1 };
    }
}

fn main(_: Args) -> i32 {
    let baseline = sys::memstat();
    let rw = ipc::IPC_CREAT | 0o600;

    expect("shmget of 0 bytes", sys::shmget(ipc::IPC_PRIVATE, 0, rw), errno::EINVAL);
    expect("shmget of more than SHMMAX", sys::shmget(ipc::IPC_PRIVATE, (1 << 30) + 1, rw), errno::EINVAL);
    expect("shmget of more memory than there is", sys::shmget(ipc::IPC_PRIVATE, 1 << 30, rw), errno::ENOMEM);
    expect("shmget of a key no one created", sys::shmget(0x600d, PAGE, 0o600), errno::ENOENT);
    let id = sys::shmget(0x600d, 2 * PAGE, rw);
    expect("shmget with IPC_CREAT", id, 0);
    expect("shmget of the same key again", sys::shmget(0x600d, PAGE, 0o600), 0);
    expect(
        "shmget with IPC_CREAT | IPC_EXCL of a taken key",
        sys::shmget(0x600d, PAGE, rw | ipc::IPC_EXCL),
        errno::EEXIST,
    );
    expect("shmget of the key, bigger than it is", sys::shmget(0x600d, 3 * PAGE, 0o600), errno::EINVAL);

    expect("shmat of an id that does not exist", sys::shmat(9999, 0, 0), errno::EINVAL);
    expect("shmat at an address that is not page-aligned", sys::shmat(id, 0x2000_0123, 0), errno::EINVAL);
    expect("shmat over the program's own code", sys::shmat(id, 0x10000, 0), errno::EINVAL);
    expect("shmat beyond the end of user space", sys::shmat(id, 0x8000_0000, 0), errno::ENOMEM);
    expect("shmat over the stack", sys::shmat(id, 0x7fff_f000 - 0x10_0000, 0), errno::EINVAL);
    let addr = sys::shmat(id, 0x2000_0000, 0);
    expect("shmat at a free address", addr, 0);
    expect("shmat over that attachment", sys::shmat(id, 0x2000_1000, 0), errno::EINVAL);
    expect("shmdt of an address nothing is attached at", sys::shmdt(0x3000_0000), errno::EINVAL);
    expect("shmdt inside an attachment", sys::shmdt(0x2000_1000), errno::EINVAL);
    expect("shmdt", sys::shmdt(0x2000_0000), 0);
    expect("shmdt of the same address again", sys::shmdt(0x2000_0000), errno::EINVAL);

    // A segment its mode does not let us write.
    let read_only = sys::shmget(ipc::IPC_PRIVATE, PAGE, ipc::IPC_CREAT | 0o400);
    expect("shmat read-write of a segment with mode 0400", sys::shmat(read_only, 0, 0), errno::EACCES);
    expect("shmctl IPC_RMID of it", sys::shmctl(read_only, ipc::IPC_RMID, core::ptr::null_mut()), 0);

    // Writing through a read-only attachment is a segmentation fault.
    let child = sys::fork();
    if child == 0 {
        let at = sys::shmat(id, 0, ipc::SHM_RDONLY);
        if at < 0 {
            sys::exit(100);
        }
        // SAFETY: deliberately faults: the attachment is read-only.
        unsafe { (at as *mut u64).write_volatile(1) };
        sys::exit(101);
    }
    let (_, status) = sys::wait4(child, 0);
    let killed = sys::decode(status) == Status::Killed(sys::signal::SIGSEGV as i32);
    println!(
        "shmabuse: a store through an SHM_RDONLY attachment: {}",
        if killed { "killed by SIGSEGV" } else { "NOT KILLED" }
    );
    if !killed {
        // SAFETY: one thread.
        unsafe { FAILURES += 1 };
    }

    // IPC_RMID while attached: the key goes at once, the segment at the
    // last detach.
    let addr = sys::shmat(id, 0, 0);
    expect("shmctl IPC_STAT with a bad buffer", sys::shmctl(id, ipc::IPC_STAT, 16 as *mut u8), errno::EFAULT);
    expect("shmctl with an unknown command", sys::shmctl(id, 99, core::ptr::null_mut()), errno::EINVAL);
    expect("shmctl IPC_RMID while attached", sys::shmctl(id, ipc::IPC_RMID, core::ptr::null_mut()), 0);
    expect("shmget of the removed key", sys::shmget(0x600d, PAGE, 0o600), errno::ENOENT);
    expect("shmctl IPC_STAT of it while still attached", sys::shm_nattch(id), 0);
    expect("shmdt of its last attachment", sys::shmdt(addr as usize), 0);
    expect("shmat after it was destroyed", sys::shmat(id, 0, 0), errno::EINVAL);
    expect("shmctl IPC_STAT after it was destroyed", sys::shm_nattch(id), errno::EINVAL);
    expect(
        "shmctl IPC_RMID after it was destroyed",
        sys::shmctl(id, ipc::IPC_RMID, core::ptr::null_mut()),
        errno::EINVAL,
    );

    // Attachments are detached at exit, even when the process forgets.
    let leaked = sys::shmget(ipc::IPC_PRIVATE, PAGE, rw);
    sys::shmctl(leaked, ipc::IPC_RMID, core::ptr::null_mut());
    let child = sys::fork();
    if child == 0 {
        sys::shmat(leaked, 0, 0);
        sys::exit(0);
    }
    sys::wait4(child, 0);
    expect("shmat of a removed segment its last user exited with", sys::shmat(leaked, 0, 0), errno::EINVAL);

    let after = sys::memstat();
    let back = after.frames_used_but_text() == baseline.frames_used_but_text()
        && after.shm_frames == baseline.shm_frames
        && after.shm_segments == baseline.shm_segments;
    println!("shmabuse: memory back to its baseline: {}", if back { "ok" } else { "WRONG" });
    // SAFETY: one thread.
    let failures = unsafe { FAILURES };
    if failures == 0 && back { 0 } else { 1 }
}
