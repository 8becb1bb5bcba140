//! Two processes compute with the FP registers and yield the hart to each other: each keeps its own f0-f31 and rounding mode across every switch, and a child starts with its parent's.
#![no_std]
#![no_main]

use core::arch::asm;

use rvsim_user::sys;
use rvsim_user::{Args, entry, println};

entry!(main);

/// Times each side yields the hart while its registers must stay its own.
const SWITCHES: u32 = 50;

/// Loads f0..f31 with `seed`, `seed + 1`, ... (as raw bits) and sets the
/// rounding mode `frm`.
fn load(seed: u64, frm: u64) {
    let mut values = [0u64; 32];
    for (i, v) in values.iter_mut().enumerate() {
        *v = seed.wrapping_add(i as u64).rotate_left(i as u32);
    }
    let p = values.as_ptr();
    // SAFETY: reads 32 doublewords from `values`; the program is built
    // for rv64imac, so the compiler uses no FP register of its own.
    unsafe {
        asm!(
            ".option push", ".option arch, +d",
            "fld f0, 0({p})", "fld f1, 8({p})", "fld f2, 16({p})", "fld f3, 24({p})",
            "fld f4, 32({p})", "fld f5, 40({p})", "fld f6, 48({p})", "fld f7, 56({p})",
            "fld f8, 64({p})", "fld f9, 72({p})", "fld f10, 80({p})", "fld f11, 88({p})",
            "fld f12, 96({p})", "fld f13, 104({p})", "fld f14, 112({p})", "fld f15, 120({p})",
            "fld f16, 128({p})", "fld f17, 136({p})", "fld f18, 144({p})", "fld f19, 152({p})",
            "fld f20, 160({p})", "fld f21, 168({p})", "fld f22, 176({p})", "fld f23, 184({p})",
            "fld f24, 192({p})", "fld f25, 200({p})", "fld f26, 208({p})", "fld f27, 216({p})",
            "fld f28, 224({p})", "fld f29, 232({p})", "fld f30, 240({p})", "fld f31, 248({p})",
            "fsrm {frm}",
            ".option pop",
            p = in(reg) p, frm = in(reg) frm, options(nostack, readonly),
        );
    }
}

/// Whether f0..f31 and `frm` still hold what `load(seed, frm)` put there.
fn holds(seed: u64, frm: u64) -> bool {
    let mut values = [0u64; 32];
    let p = values.as_mut_ptr();
    let now: u64;
    // SAFETY: writes 32 doublewords to `values`.
    unsafe {
        asm!(
            ".option push", ".option arch, +d",
            "fsd f0, 0({p})", "fsd f1, 8({p})", "fsd f2, 16({p})", "fsd f3, 24({p})",
            "fsd f4, 32({p})", "fsd f5, 40({p})", "fsd f6, 48({p})", "fsd f7, 56({p})",
            "fsd f8, 64({p})", "fsd f9, 72({p})", "fsd f10, 80({p})", "fsd f11, 88({p})",
            "fsd f12, 96({p})", "fsd f13, 104({p})", "fsd f14, 112({p})", "fsd f15, 120({p})",
            "fsd f16, 128({p})", "fsd f17, 136({p})", "fsd f18, 144({p})", "fsd f19, 152({p})",
            "fsd f20, 160({p})", "fsd f21, 168({p})", "fsd f22, 176({p})", "fsd f23, 184({p})",
            "fsd f24, 192({p})", "fsd f25, 200({p})", "fsd f26, 208({p})", "fsd f27, 216({p})",
            "fsd f28, 224({p})", "fsd f29, 232({p})", "fsd f30, 240({p})", "fsd f31, 248({p})",
            "frrm {now}",
            ".option pop",
            p = in(reg) p, now = out(reg) now, options(nostack),
        );
    }
    let expected = |i: usize| seed.wrapping_add(i as u64).rotate_left(i as u32);
    now == frm && values.iter().enumerate().all(|(i, &v)| v == expected(i))
}

/// `1.0 / 3.0` in double precision under the current rounding mode, as
/// bits: rounding down and up give different last bits.
fn third() -> u64 {
    let bits: u64;
    // SAFETY: register-only FP instructions.
    unsafe {
        asm!(
            ".option push", ".option arch, +d",
            "li {t}, 1", "fcvt.d.l ft0, {t}", "li {t}, 3", "fcvt.d.l ft1, {t}",
            "fdiv.d ft0, ft0, ft1", "fmv.x.d {b}, ft0",
            ".option pop",
            t = out(reg) _, b = lateout(reg) bits, options(nostack, nomem),
        );
    }
    bits
}

/// Yields the hart `SWITCHES` times, checking after each that the
/// registers are still `load(seed, frm)`'s; returns how many checks held.
fn keep_through_switches(seed: u64, frm: u64) -> u32 {
    (0..SWITCHES)
        .filter(|_| {
            sys::sched_yield();
            holds(seed, frm)
        })
        .count() as u32
}

const RDN: u64 = 2;
const RUP: u64 = 3;

fn main(_args: Args) -> i32 {
    load(0x4000_0000_0000_0000, RDN);
    let pid = sys::fork();
    if pid == 0 {
        let inherited = holds(0x4000_0000_0000_0000, RDN);
        load(0x1234_5678_9abc_def0, RUP);
        let kept = keep_through_switches(0x1234_5678_9abc_def0, RUP);
        let up = third();
        println!("fpswitch: child: inherited its parent's registers: {}", if inherited { "yes" } else { "no" });
        println!("fpswitch: child: its registers held through {kept} of {SWITCHES} switches");
        sys::exit(if inherited && kept == SWITCHES { up as i32 & 0xff } else { 255 });
    }
    load(0x0fed_cba9_8765_4321, RDN);
    let kept = keep_through_switches(0x0fed_cba9_8765_4321, RDN);
    let down = third();
    let (_, status) = sys::wait();
    let up_low_byte = (status >> 8) & 0xff;
    println!("fpswitch: parent: its registers held through {kept} of {SWITCHES} switches");
    let differ = up_low_byte != 255 && (down & 0xff) as i32 != up_low_byte;
    println!(
        "fpswitch: 1/3 rounded down in the parent and up in the child differ in the last bit: {}",
        if differ { "yes" } else { "no" }
    );
    if kept == SWITCHES && differ { 0 } else { 1 }
}
