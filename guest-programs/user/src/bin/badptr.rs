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

/// A length that runs from a good buffer past the end of user space.
const PAST_USER_SPACE: usize = 0x7f_ffff_ffff;

/// Buffers that start in the process's memory but run past the end of
/// user space: as Linux's access_ok, the kernel refuses the whole range
/// before it copies a byte (the test checks that nothing of `text` is
/// printed).
fn ranges_past_user_space() -> bool {
    let mut text = *b"badptr: this must never be printed\n";
    let at = text.as_mut_ptr() as usize;
    expect_efault("write", "a length past user space", syscall(nr::WRITE, [1, at, PAST_USER_SPACE, 0, 0, 0]));
    expect_efault("read", "a length past user space", syscall(nr::READ, [0, at, PAST_USER_SPACE, 0, 0, 0]));
    expect_efault("memstat", "a length past user space", syscall(nr::MEMSTAT, [at, PAST_USER_SPACE, 0, 0, 0, 0]));
    true
}

/// A buffer inside user space that runs into an unmapped page: write
/// writes what it could read and returns that count.
fn a_write_into_an_unmapped_page_is_partial() -> bool {
    let line = b"badptr: a write that runs into an unmapped page stops there\n";
    const PAGE: usize = 4096;
    let Some(heap) = sys::sbrk(PAGE) else {
        println!("badptr: brk failed");
        return false;
    };
    // The heap's last mapped page ends at the break rounded up to a page;
    // the page after it is unmapped.
    let end = (heap as usize + PAGE).next_multiple_of(PAGE);
    let start = end - line.len();
    // SAFETY: [start, end) lies in the heap just grown.
    unsafe { core::ptr::copy_nonoverlapping(line.as_ptr(), start as *mut u8, line.len()) };
    let written = syscall(nr::WRITE, [1, start, line.len() + 100, 0, 0, 0]);
    if written != line.len() as isize {
        println!("badptr: a write into an unmapped page returned {written}, expected {}", line.len());
        return false;
    }
    true
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
    if !ranges_past_user_space() || !a_write_into_an_unmapped_page_is_partial() {
        return 1;
    }
    // SAFETY: one thread.
    let (checks, failures) = unsafe { (CHECKS, FAILURES) };
    println!("badptr: {checks} calls with bad pointers, {} returned -EFAULT", checks - failures);
    failures as i32
}
