//! Two processes bind the shared code object libgreet at its address and call into it, sharing its code frames; a third binds it elsewhere and is refused.
#![no_std]
#![no_main]

use core::ffi::CStr;

use rvsim_sharedlib::{GREET_ADDRESS, GreetTable};
use rvsim_user::sys::{self, errno};
use rvsim_user::{Args, entry, println};

entry!(main);

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
    println!("bindlib: pid {} binds libgreet at {GREET_ADDRESS:#x}", sys::getpid());
    let before = sys::memstat();
    let Ok(table) = bind(GREET_ADDRESS) else {
        println!("bindlib: cannot bind libgreet");
        return 1;
    };
    greet(table, "first process");
    greet(table, "first process");
    let after = sys::memstat();
    println!(
        "bindlib: its code was loaded from the image ({} misses, {} hits)",
        after.shared_misses - before.shared_misses,
        after.shared_hits - before.shared_hits
    );
    let ok = run(c"second") && run(c"elsewhere");
    if ok { 0 } else { 1 }
}

fn second() -> i32 {
    let before = sys::memstat();
    let Ok(table) = bind(GREET_ADDRESS) else {
        println!("bindlib: the second process cannot bind libgreet");
        return 1;
    };
    let calls = greet(table, "second process");
    let sum = (table.triangle)(100);
    let after = sys::memstat();
    println!(
        "bindlib: pid {} bound libgreet at {GREET_ADDRESS:#x} too: its code came from the shared pages table ({} misses, {} hits); triangle(100) = {sum}",
        sys::getpid(),
        after.shared_misses - before.shared_misses,
        after.shared_hits - before.shared_hits
    );
    sys::sharedpages();
    // Its data is private: this process has made one call, whatever the
    // first made.
    if calls == 1 && sum == 5050 && after.shared_misses == before.shared_misses { 0 } else { 1 }
}

fn elsewhere() -> i32 {
    let addr = GREET_ADDRESS + 0x1000_0000;
    match bind(addr) {
        Err(e) if e == -errno::EINVAL => {
            println!("bindlib: pid {} binding libgreet at {addr:#x}: EINVAL, refused", sys::getpid());
            0
        }
        _ => {
            println!("bindlib: binding libgreet at {addr:#x} was not refused");
            1
        }
    }
}

fn main(args: Args) -> i32 {
    match args.get(1) {
        "second" => second(),
        "elsewhere" => elsewhere(),
        _ => first(),
    }
}
