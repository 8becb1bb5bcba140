//! Eight processes each add 1 to a counter in shared memory 10000 times, under a futex mutex: the final count must be exact.
#![no_std]
#![no_main]

use rvsim_user::sync::Mutex;
use rvsim_user::sys::{self, Status, ipc};
use rvsim_user::{Args, entry, println};

entry!(main);

const PROCESSES: usize = 8;
const INCREMENTS: u64 = 10_000;

/// The segment's layout: the mutex, then the counter, then how often a
/// process found the mutex taken and slept.
#[repr(C)]
struct Shared {
    mutex: Mutex,
    counter: u64,
    sleeps: u64,
}

fn work(shared: &mut Shared) {
    for i in 0..INCREMENTS {
        let sleeps = shared.mutex.lock();
        // A read-modify-write that is not atomic: only the mutex keeps
        // increments from being lost. Now and then the holder gives up the
        // hart inside it, so that the others find it taken.
        // SAFETY: the counter is in the segment, and the mutex is held.
        unsafe {
            let counter = &raw mut shared.counter;
            let value = counter.read_volatile();
            if i % 500 == 0 {
                sys::sched_yield();
            }
            counter.write_volatile(value + 1);
            shared.sleeps += sleeps as u64;
        }
        shared.mutex.unlock();
    }
}

fn main(_: Args) -> i32 {
    let baseline = sys::memstat();
    let id = sys::shmget(ipc::IPC_PRIVATE, core::mem::size_of::<Shared>(), ipc::IPC_CREAT | 0o600);
    let addr = sys::shmat(id, 0, 0);
    if id < 0 || addr < 0 {
        println!("shmcounter: cannot get shared memory: {id}, {addr}");
        return 1;
    }
    // SAFETY: a fresh, zeroed segment: an unlocked mutex and zero counts.
    let shared = unsafe { &mut *(addr as *mut Shared) };
    for _ in 0..PROCESSES {
        if sys::fork() == 0 {
            // The child inherited the attachment, at the same address.
            work(shared);
            sys::exit(0);
        }
    }
    let mut ok = true;
    for _ in 0..PROCESSES {
        let (_, status) = sys::wait();
        ok &= sys::decode(status) == Status::Exited(0);
    }
    // SAFETY: every child has exited: no one else touches it.
    let counter = unsafe { (&raw const shared.counter).read_volatile() };
    let expected = PROCESSES as u64 * INCREMENTS;
    let contended = shared.sleeps > 0;
    println!(
        "shmcounter: {PROCESSES} processes x {INCREMENTS} increments under a futex mutex: counter {counter}, expected {expected}: {}",
        if counter == expected { "exact" } else { "WRONG" }
    );
    println!(
        "shmcounter: the mutex was contended (processes slept on its futex): {}",
        if contended { "yes" } else { "no" }
    );
    sys::shmdt(addr as usize);
    sys::shmctl(id, ipc::IPC_RMID, core::ptr::null_mut());
    let after = sys::memstat();
    let back =
        after.frames_used_but_text() == baseline.frames_used_but_text() && after.shm_segments == baseline.shm_segments;
    println!("shmcounter: segment removed, every frame back: {}", if back { "ok" } else { "WRONG" });
    if ok && counter == expected && contended && back { 0 } else { 1 }
}
