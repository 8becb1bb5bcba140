//! Starts 1, 2, 4 and 8 instances of one program (textworker) and shows with memstat that its text exists once in memory, however many run it: the shared pages table's frames stay constant while its hits grow.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use rvsim_user::sys::{self, MemStat, Status, ipc};
use rvsim_user::{Args, entry, println};

entry!(main);

/// The rendezvous with the instances (textworker has the same layout).
#[repr(C)]
struct Rendezvous {
    ready: AtomicU32,
    go: AtomicU32,
}

/// Runs `n` instances, and returns memstat while all of them run, and
/// whether all exited well.
fn round(n: u32) -> Option<MemStat> {
    let id = sys::shmget(ipc::IPC_PRIVATE, core::mem::size_of::<Rendezvous>(), ipc::IPC_CREAT | 0o600);
    let addr = sys::shmat(id, 0, 0);
    if id < 0 || addr < 0 {
        println!("sharedtext: no shared memory: {id}, {addr}");
        return None;
    }
    // SAFETY: a fresh, zeroed segment laid out as a Rendezvous.
    let rendezvous = unsafe { &*(addr as *const Rendezvous) };
    let mut number = [0u8; 24];
    let id_arg = rvsim_user::decimal(id as u64, &mut number);
    for _ in 0..n {
        if sys::fork() == 0 {
            sys::exec(&[c"textworker", id_arg]);
        }
    }
    // Wait until every instance runs, then look.
    loop {
        let ready = rendezvous.ready.load(Ordering::Acquire);
        if ready == n {
            break;
        }
        sys::futex_wait(&rendezvous.ready, ready);
    }
    let during = sys::memstat();
    rendezvous.go.store(1, Ordering::Release);
    sys::futex_wake(&rendezvous.go, n);
    let mut ok = true;
    for _ in 0..n {
        let (_, status) = sys::wait();
        ok &= sys::decode(status) == Status::Exited(0);
    }
    sys::shmdt(addr as usize);
    sys::shmctl(id, ipc::IPC_RMID, core::ptr::null_mut());
    ok.then_some(during)
}

fn main(_: Args) -> i32 {
    println!("sharedtext: runs 1, 2, 4 and 8 instances of textworker at once");
    // A first round unreported: this program's own code and data (fork,
    // exec, the futex calls, the strings) are then all loaded, so the
    // figures below are the instances' alone.
    if round(1).is_none() {
        return 1;
    }
    let mut frames = None;
    let mut constant = true;
    for n in [1u32, 2, 4, 8] {
        let before = sys::memstat();
        let Some(during) = round(n) else { return 1 };
        let text = during.shared_frames - before.shared_frames;
        let hits = during.shared_hits - before.shared_hits;
        let misses = during.shared_misses - before.shared_misses;
        let used = during.frames_used - before.frames_used;
        println!(
            "sharedtext: {n} instance{} of textworker: {text} shared text frames ({hits} hits, {misses} misses), {used} frames in use by the instances",
            if n == 1 { "" } else { "s" },
        );
        constant &= *frames.get_or_insert(text) == text;
    }
    println!("sharedtext: the text frames stayed the same however many ran: {}", if constant { "yes" } else { "no" });
    if constant { 0 } else { 1 }
}
