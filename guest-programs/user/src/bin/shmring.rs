//! A producer and a consumer process pass 100000 messages through a ring buffer in shared memory, synchronised by futex semaphores; the checksums must agree.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};

use rvsim_user::sync::Semaphore;
use rvsim_user::sys::{self, Status, errno, ipc};
use rvsim_user::{Args, entry, println};

entry!(main);

const KEY: i32 = 0x5248; // "RH": ring
const SLOTS: usize = 64;
const MESSAGES: u64 = 100_000;
/// Where the producer attaches the ring: on purpose not where the consumer
/// has it, to show that the futexes meet by physical address.
const PRODUCER_ADDR: usize = 0x2000_0000;

/// The segment's layout.
#[repr(C)]
struct Ring {
    /// Free slots (starts at SLOTS).
    empty: Semaphore,
    /// Filled slots (starts at 0).
    full: Semaphore,
    /// The producer's checksum of what it sent, when done.
    sent: AtomicU64,
    slots: [AtomicU64; SLOTS],
}

/// Message `i`: a value that differs from message to message.
fn message(i: u64) -> u64 {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i >> 7)
}

/// An order-sensitive checksum step.
fn mix(sum: u64, value: u64) -> u64 {
    sum.rotate_left(5) ^ value
}

fn produce() -> i32 {
    let id = sys::shmget(KEY, 0, 0o600);
    let addr = sys::shmat(id, PRODUCER_ADDR, 0);
    if id < 0 || addr < 0 {
        println!("shmring: producer cannot attach the ring: {id}, {addr}");
        return 1;
    }
    // SAFETY: the consumer initialised the ring before starting us.
    let ring = unsafe { &*(addr as *const Ring) };
    let mut sum = 0;
    for i in 0..MESSAGES {
        let value = message(i);
        ring.empty.wait();
        ring.slots[i as usize % SLOTS].store(value, Ordering::Release);
        ring.full.post();
        sum = mix(sum, value);
    }
    ring.sent.store(sum, Ordering::Release);
    sys::shmdt(addr as usize);
    0
}

fn main(args: Args) -> i32 {
    if args.get(1) == "producer" {
        return produce();
    }
    let baseline = sys::memstat();
    let id = sys::shmget(KEY, core::mem::size_of::<Ring>(), ipc::IPC_CREAT | ipc::IPC_EXCL | 0o600);
    let addr = sys::shmat(id, 0, 0);
    if id < 0 || addr < 0 {
        println!("shmring: cannot create the ring: {id}, {addr}");
        return 1;
    }
    // SAFETY: a fresh, zeroed segment laid out as a Ring.
    let ring = unsafe { &*(addr as *const Ring) };
    ring.empty.init(SLOTS as u32);
    let producer = sys::fork();
    if producer == 0 {
        // A new program: the attachment does not survive exec; the
        // producer finds the ring again by its key.
        sys::exec(&[c"shmring", c"producer"]);
    }
    let mut sum = 0;
    for i in 0..MESSAGES {
        ring.full.wait();
        let value = ring.slots[i as usize % SLOTS].load(Ordering::Acquire);
        ring.empty.post();
        sum = mix(sum, value);
    }
    let (_, status) = sys::wait4(producer, 0);
    let sent = ring.sent.load(Ordering::Acquire);
    println!("shmring: consumer at {addr:#x}, producer at {PRODUCER_ADDR:#x}, {SLOTS}-slot ring, {MESSAGES} messages");
    println!(
        "shmring: checksum sent {sent:#018x}, received {sum:#018x}: {}",
        if sent == sum && sys::decode(status) == Status::Exited(0) { "agree" } else { "DIFFER" }
    );
    sys::shmdt(addr as usize);
    sys::shmctl(id, ipc::IPC_RMID, core::ptr::null_mut());
    let gone = sys::shmget(KEY, 0, 0) == -errno::ENOENT;
    let after = sys::memstat();
    let back = after.frames_used_but_text() == baseline.frames_used_but_text() && gone;
    println!("shmring: ring removed, every frame back: {}", if back { "ok" } else { "WRONG" });
    if sent == sum && back { 0 } else { 1 }
}
