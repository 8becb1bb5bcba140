//! Children that write their own code, jump into the kernel, execute an illegal instruction, touch an unmapped page, hit a breakpoint, overflow the stack or spin forever: each is killed with the right signal while the parent goes on.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, Status};
use rvsim_user::{Args, entry, println};

entry!(main);

fn write_own_code() {
    let code = write_own_code as *const () as *mut u32;
    // SAFETY: deliberately invalid: the text page is read-only.
    unsafe { code.write_volatile(0) };
}

fn jump_into_kernel() {
    // SAFETY: deliberately invalid: kernel pages are not user pages.
    let f: extern "C" fn() = unsafe { core::mem::transmute(0x8000_0000usize) };
    f();
}

fn illegal_instruction() {
    // SAFETY: deliberately invalid.
    unsafe { core::arch::asm!(".4byte 0xffffffff") };
}

fn unmapped_load() {
    // SAFETY: deliberately invalid: nothing is mapped there.
    let v = unsafe { (0x4000_0000 as *const u64).read_volatile() };
    core::hint::black_box(v);
}

// Runaway on purpose: the stack grows until it leaves its region.
#[allow(unconditional_recursion)]
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let mut frame = [depth; 16];
    core::hint::black_box(&mut frame);
    recurse(depth + 1) + frame[3]
}

fn runaway_recursion() {
    core::hint::black_box(recurse(0));
}

fn breakpoint() {
    // SAFETY: deliberately traps.
    unsafe { core::arch::asm!("ebreak") };
}

const SIGILL: i32 = 4;
const SIGTRAP: i32 = 5;
const SIGKILL: i32 = 9;
const SIGSEGV: i32 = 11;

/// A runaway that never traps: only the timer takes the hart from it.
fn spin() {
    loop {
        core::hint::spin_loop();
    }
}

fn main(_: Args) -> i32 {
    let cases: [(&str, fn(), i32); 7] = [
        ("writes its own code", write_own_code, SIGSEGV),
        ("jumps into the kernel", jump_into_kernel, SIGSEGV),
        ("executes an illegal instruction", illegal_instruction, SIGILL),
        ("loads from an unmapped page", unmapped_load, SIGSEGV),
        ("hits a breakpoint", breakpoint, SIGTRAP),
        ("recurses without end", runaway_recursion, SIGSEGV),
        ("spins forever", spin, SIGKILL),
    ];
    let mut failures = 0;
    for (what, crash, signal) in cases {
        let pid = sys::fork();
        if pid == 0 {
            crash();
            println!("crashers: the child that {what} was not killed");
            sys::exit(100);
        }
        if signal == SIGKILL {
            // The spinner is preempted by the timer, so the parent runs:
            // it sleeps a while, then kills it.
            sys::sleep_ms(20);
            sys::kill(pid, SIGKILL as usize);
        }
        let (_, status) = sys::wait4(pid, 0);
        let verdict = if sys::decode(status) == Status::Killed(signal) { "ok" } else { "WRONG" };
        if verdict != "ok" {
            failures += 1;
        }
        println!("crashers: the child that {what}: status {status} (signal {signal}): {verdict}");
    }
    println!("crashers: the parent is still running");
    failures
}
