//! Gives every system call that takes a pointer NULL, kernel, unmapped and overflowing pointers: each must fail with -EFAULT.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, errno::EFAULT, nr, syscall};
use rvsim_user::{Args, entry, println};

entry!(main);

const BAD: [(&str, usize); 5] = [
    ("NULL", 0),
    ("kernel", 0x8000_0000),
    ("kernel high", 0xffff_ffc0_0000_0000),
    ("unmapped", 0x4000_0000),
    ("overflowing", usize::MAX - 7),
];

static mut FAILURES: u32 = 0;
static mut CHECKS: u32 = 0;

fn expect_efault(what: &str, pointer: &str, result: isize) {
    // SAFETY: one thread.
    unsafe {
        CHECKS += 1;
        if result != -EFAULT {
            FAILURES += 1;
            println!("badptr: {what}({pointer}) returned {result}, expected -EFAULT");
        }
    }
}

fn main(_: Args) -> i32 {
    let path = b"hello\0";
    for (name, p) in BAD {
        expect_efault("read", name, syscall(nr::READ, [0, p, 16, 0, 0, 0]));
        expect_efault("write", name, syscall(nr::WRITE, [1, p, 16, 0, 0, 0]));
        expect_efault("execve path", name, syscall(nr::EXECVE, [p, 0, 0, 0, 0, 0]));
        // A NULL argv or envp is an empty list, as on Linux.
        if p != 0 {
            expect_efault("execve argv", name, syscall(nr::EXECVE, [path.as_ptr() as usize, p, 0, 0, 0, 0]));
            expect_efault("execve envp", name, syscall(nr::EXECVE, [path.as_ptr() as usize, 0, p, 0, 0, 0]));
        }
        expect_efault("nanosleep", name, syscall(nr::NANOSLEEP, [p, 0, 0, 0, 0, 0]));
        expect_efault("memstat", name, syscall(nr::MEMSTAT, [p, sys::MemStat::SIZE, 0, 0, 0, 0]));
        // wait4 with a bad status pointer: the child stays a zombie until a
        // good wait4 reaps it. (NULL status and rusage mean "not wanted".)
        if p == 0 {
            continue;
        }
        let child = sys::fork();
        if child == 0 {
            sys::exit(7);
        }
        expect_efault("wait4 status", name, syscall(nr::WAIT4, [child as usize, p, 0, 0, 0, 0]));
        expect_efault("wait4 rusage", name, syscall(nr::WAIT4, [child as usize, 0, 0, p, 0, 0]));
        let (reaped, status) = sys::wait4(child, 0);
        if reaped != child || status != 7 << 8 {
            println!("badptr: the child was lost after the failed wait4s");
            return 1;
        }
    }
    // SAFETY: one thread.
    let (checks, failures) = unsafe { (CHECKS, FAILURES) };
    println!("badptr: {checks} calls with bad pointers, {} returned -EFAULT", checks - failures);
    failures as i32
}
