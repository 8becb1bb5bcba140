//! A shared code object (linked at 0x20000000, with its relocations: bind it anywhere): greets through write(2) and keeps a private call count.
#![no_std]
#![no_main]

use rvsim_abi::nr;

use rvsim_sharedlib::GreetTable;

/// The function table: the entry point of the object.
#[unsafe(no_mangle)]
#[unsafe(link_section = ".rodata.table")]
pub static TABLE: GreetTable = GreetTable { version: 1, greet, triangle };

/// Calls made in this process: writable data, private to each process
/// that binds the object (only its code and rodata are shared).
static mut CALLS: u64 = 0;

fn write(bytes: &[u8]) {
    let (a0, a1, a2) = (1usize, bytes.as_ptr() as usize, bytes.len());
    // SAFETY: write(2) reads the buffer only.
    unsafe {
        core::arch::asm!("ecall", inlateout("a0") a0 => _, in("a1") a1, in("a2") a2, in("a7") nr::WRITE, options(nostack));
    }
}

extern "C" fn greet(name: *const u8, len: usize) -> u64 {
    // SAFETY: one thread per process; CALLS is this process's own.
    let calls = unsafe {
        CALLS += 1;
        CALLS
    };
    let mut line = [0u8; 128];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        for &b in bytes {
            if at < line.len() {
                line[at] = b;
                at += 1;
            }
        }
    };
    put(b"libgreet: hello, ");
    // SAFETY: the caller passes its name's bytes.
    put(unsafe { core::slice::from_raw_parts(name, len) });
    put(b" (call ");
    let mut digits = [0u8; 20];
    let mut n = calls;
    let mut len = 0;
    loop {
        digits[19 - len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    put(&digits[20 - len..]);
    put(b" in this process)\n");
    write(&line[..at]);
    calls
}

extern "C" fn triangle(n: u64) -> u64 {
    (1..=n).sum()
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    write(b"libgreet: panic\n");
    loop {
        // SAFETY: exit(101) does not return.
        unsafe { core::arch::asm!("ecall", in("a0") 101, in("a7") nr::EXIT, options(nostack)) };
    }
}
