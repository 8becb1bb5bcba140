//! Runtime for rvsim's bare-metal instruction tests.
//!
//! Each test binary is assembly, written with the macros of
//! `asm/macros.S` through [`asm_test!`]. The runtime enters in M-mode at
//! the start of RAM (where QEMU `-bios none` jumps), sets a stack and a
//! trap vector that reports unexpected traps, and runs `test_main`.
//!
//! Conventions: `gp` holds the number of the test case being run; a
//! failing case exits through the SiFive test finisher with that number as
//! the exit code (so rvsim and QEMU report the same status), printing a
//! diagnostic line on the UART first. `pass` exits with status 0.
//! Registers t0 and t6 belong to the macros; s8..s11 hold expected-trap
//! state.
#![no_std]

/// Defines `test_main` from assembly source using the test macros, and
/// ends it with a jump to `pass`.
#[macro_export]
macro_rules! asm_test {
    ($body:expr) => {
        use $crate as _;
        core::arch::global_asm!(
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/asm/macros.S")),
            ".text\n.globl test_main\ntest_main:\n",
            $body,
            "\n.text\n    j pass\n",
            options(raw)
        );
    };
}

/// As [`asm_test!`], with the virtual-memory support of `asm/vm.S`
/// (page-table building, PMP, S/U entry, trap expectations in S/U).
#[macro_export]
macro_rules! vm_test {
    ($body:expr) => {
        use $crate as _;
        core::arch::global_asm!(
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/asm/macros.S")),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/asm/vm.S")),
            ".text\n.globl test_main\ntest_main:\n",
            $body,
            "\n.text\n    j pass\n",
            options(raw)
        );
    };
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

core::arch::global_asm!(include_str!("../asm/runtime.S"), options(raw));
