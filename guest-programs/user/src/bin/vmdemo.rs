//! Prints its page table before and after fork: the child's writable pages are marked copy-on-write (cow), and a store breaks the sharing; text from the shared pages table (s) and a shared-memory page (shm) stay shared.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, ipc};
use rvsim_user::{Args, entry, println};

entry!(main);

static mut COUNTER: u64 = 0;

fn main(_: Args) -> i32 {
    // A page of shared memory, removed at once: it goes with the last
    // process that has it attached.
    let id = sys::shmget(ipc::IPC_PRIVATE, 4096, ipc::IPC_CREAT | 0o600);
    let shm = sys::shmat(id, 0, 0);
    sys::shmctl(id, ipc::IPC_RMID, core::ptr::null_mut());
    if shm > 0 {
        // SAFETY: the attachment is one writable page.
        unsafe { (shm as *mut u64).write_volatile(7) };
    }
    println!("vmdemo: my page table:");
    sys::vmprint();
    let pid = sys::fork();
    if pid == 0 {
        println!("vmdemo: the child's page table after fork (writable pages are now COW):");
        sys::vmprint();
        // SAFETY: one thread.
        unsafe { core::ptr::addr_of_mut!(COUNTER).write_volatile(1) };
        println!("vmdemo: the child's page table after writing a global (that page is private again):");
        sys::vmprint();
        sys::exit(0);
    }
    sys::wait();
    0
}
