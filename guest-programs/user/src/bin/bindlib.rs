//! Two processes bind the shared code object libgreet away from its link address and share its relocated frames; a third is refused another address; once they have gone, a new binder chooses again.
#![no_std]
#![no_main]

use core::ffi::CStr;

use rvsim_sharedlib::{GREET_LINK_ADDRESS, GreetTable};
use rvsim_user::sys::{self, errno};
use rvsim_user::{Args, entry, println};

entry!(main);

/// Where the first binder puts libgreet: not its link address.
const BIND_ADDRESS: usize = 0x3000_0000;
/// Where the third tries to, and the last (once the others are gone) does.
const ELSEWHERE: usize = 0x4000_0000;
/// libgreet is smaller than this: its functions lie within it from where
/// it is bound.
const GREET_SPAN: usize = 0x1_0000;

/// Binds libgreet at `addr`; its table, or the error.
fn bind(addr: usize) -> Result<&'static GreetTable, isize> {
    let entry = sys::bind(b"libgreet\0", addr);
    if entry < 0 {
        return Err(entry);
    }
    // SAFETY: the kernel mapped libgreet, whose entry is its table.
    Ok(unsafe { &*(entry as *const GreetTable) })
}

fn greet(table: &GreetTable, name: &str) -> u64 {
    (table.greet)(name.as_ptr(), name.len())
}

/// Whether the table's function pointers point into libgreet at `addr`.
fn relocated_for(table: &GreetTable, addr: usize) -> bool {
    [table.greet as usize, table.triangle as usize].iter().all(|&f| f.wrapping_sub(addr) < GREET_SPAN)
}

/// Shared pages table faults since `before`: (misses, hits).
fn shared_faults(before: &sys::MemStat) -> (u64, u64) {
    let after = sys::memstat();
    (after.shared_misses - before.shared_misses, after.shared_hits - before.shared_hits)
}

/// Starts this program again as `bindlib ROLE` and waits for it.
fn run(role: &CStr) -> bool {
    let pid = sys::fork();
    if pid == 0 {
        sys::exec(&[c"bindlib", role]);
    }
    let (_, status) = sys::wait4(pid, 0);
    status == 0
}

fn first() -> i32 {
    println!(
        "bindlib: pid {} binds libgreet at {BIND_ADDRESS:#x} (it is linked at {GREET_LINK_ADDRESS:#x})",
        sys::getpid()
    );
    let before = sys::memstat();
    let Ok(table) = bind(BIND_ADDRESS) else {
        println!("bindlib: cannot bind libgreet");
        return 1;
    };
    greet(table, "first process");
    greet(table, "first process");
    let (misses, hits) = shared_faults(&before);
    println!(
        "bindlib: its code was loaded from the image ({misses} misses, {hits} hits); its table points at greet {:#x} and triangle {:#x}: relocated",
        table.greet as usize, table.triangle as usize
    );
    let ok = relocated_for(table, BIND_ADDRESS) && run(c"second") && run(c"elsewhere");
    if ok { 0 } else { 1 }
}

fn second() -> i32 {
    let before = sys::memstat();
    let Ok(table) = bind(BIND_ADDRESS) else {
        println!("bindlib: the second process cannot bind libgreet");
        return 1;
    };
    let calls = greet(table, "second process");
    let sum = (table.triangle)(100);
    let (misses, hits) = shared_faults(&before);
    println!(
        "bindlib: pid {} bound libgreet at {BIND_ADDRESS:#x} too: its code came from the shared pages table ({misses} misses, {hits} hits); triangle(100) = {sum}",
        sys::getpid()
    );
    sys::sharedpages();
    // Its data is private: this process has made one call, whatever the
    // first made. (Its misses are 0 unless the pager took pages away.)
    if calls == 1 && sum == 5050 && relocated_for(table, BIND_ADDRESS) { 0 } else { 1 }
}

fn elsewhere() -> i32 {
    let pid = sys::getpid();
    match bind(ELSEWHERE) {
        Err(e) if e == -errno::EINVAL => {
            println!("bindlib: pid {pid} binding libgreet at {ELSEWHERE:#x}: EINVAL, refused")
        }
        _ => {
            println!("bindlib: binding libgreet at {ELSEWHERE:#x} was not refused");
            return 1;
        }
    }
    // Running it as a program would map it at its link address: refused too.
    let null = core::ptr::null();
    match sys::execve(b"libgreet\0", &[c"libgreet".as_ptr().cast(), null], &[null]) {
        e if e == -errno::ETXTBSY => {
            println!("bindlib: pid {pid} running libgreet as a program, at its link address: ETXTBSY, refused");
            0
        }
        e => {
            println!("bindlib: running libgreet as a program: {} instead of ETXTBSY", errno::name(-e));
            1
        }
    }
}

/// After every sharer has gone: a new first binder chooses another address.
fn again() -> i32 {
    let before = sys::memstat();
    let Ok(table) = bind(ELSEWHERE) else {
        println!("bindlib: libgreet cannot be bound at {ELSEWHERE:#x} even now");
        return 1;
    };
    let calls = greet(table, "process after them");
    let sum = (table.triangle)(10);
    let (misses, hits) = shared_faults(&before);
    println!(
        "bindlib: once they had exited, pid {} bound libgreet at {ELSEWHERE:#x}, loaded and relocated anew ({misses} misses, {hits} hits); triangle(10) = {sum}",
        sys::getpid()
    );
    if calls == 1 && sum == 55 && relocated_for(table, ELSEWHERE) { 0 } else { 1 }
}

fn main(args: Args) -> i32 {
    match args.get(1) {
        "first" => first(),
        "second" => second(),
        "elsewhere" => elsewhere(),
        "again" => again(),
        _ => {
            let ok = run(c"first") && run(c"again");
            if ok { 0 } else { 1 }
        }
    }
}
