//! Prints its page table before and after fork: the child's writable pages are marked copy-on-write, and a store breaks the sharing.
#![no_std]
#![no_main]

use rvsim_user::sys;
use rvsim_user::{Args, entry, println};

entry!(main);

static mut COUNTER: u64 = 0;

fn main(_: Args) -> i32 {
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
