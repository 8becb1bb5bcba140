//! A minimal runtime for bare-metal RV64 programs on the QEMU `virt`
//! machine (and rvsim): entry in M-mode, a stack, bss cleared, console
//! output on the 16550 UART, exit through the SiFive test finisher.
#![no_std]

pub mod fp_workload;
pub mod sv39;
pub mod workload;

use core::fmt::{self, Write};

/// What the boot protocol (QEMU `-bios none`) hands the program.
#[derive(Debug, Clone, Copy)]
pub struct Boot {
    /// a0: this hart's id.
    pub hart_id: usize,
    /// a1: address of the flattened device tree.
    pub dtb: usize,
}

core::arch::global_asm!(
    r#"
    .section .text.entry, "ax"
    .globl _start
_start:
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call baremetal_start
3:  j 3b
"#
);

unsafe extern "Rust" {
    /// Defined by [`entry!`].
    fn baremetal_main(boot: Boot) -> u32;
}

#[unsafe(no_mangle)]
extern "C" fn baremetal_start(hart_id: usize, dtb: usize) -> ! {
    // SAFETY: every program using this runtime defines it with `entry!`.
    let code = unsafe { baremetal_main(Boot { hart_id, dtb }) };
    exit(code)
}

/// Declares the program's main function: `fn main(boot: Boot) -> u32`,
/// whose result is the exit code.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn baremetal_main(boot: $crate::Boot) -> u32 {
            let main: fn($crate::Boot) -> u32 = $main;
            main(boot)
        }
    };
}

const UART: *mut u8 = 0x1000_0000 as *mut u8;
const UART_LSR: usize = 5;
const LSR_THR_EMPTY: u8 = 0x20;
const FINISHER: *mut u32 = 0x10_0000 as *mut u32;

/// Writes one byte to the UART, waiting for the transmitter as a real
/// 16550 needs.
pub fn putchar(byte: u8) {
    // SAFETY: the UART's registers live at this address on QEMU virt.
    unsafe {
        while UART.add(UART_LSR).read_volatile() & LSR_THR_EMPTY == 0 {}
        UART.write_volatile(byte);
    }
}

/// The console, for `write!`.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(putchar);
        Ok(())
    }
}

/// Prints to the console.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{ let _ = core::fmt::Write::write_fmt(&mut $crate::Console, format_args!($($arg)*)); }};
}

/// Prints a line to the console.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{ $crate::print!($($arg)*); $crate::putchar(b'\n'); }};
}

/// Ends the run through the test finisher: status 0 passes, anything else
/// fails with that code.
pub fn exit(code: u32) -> ! {
    let value = if code == 0 { 0x5555 } else { (code << 16) | 0x3333 };
    // SAFETY: the finisher lives at this address on QEMU virt.
    unsafe { FINISHER.write_volatile(value) };
    loop {
        // SAFETY: waiting for an interrupt has no other effect.
        unsafe { core::arch::asm!("wfi") };
    }
}

/// Reads a CSR by name.
#[macro_export]
macro_rules! csr_read {
    ($csr:literal) => {{
        let value: usize;
        // SAFETY: reading a CSR has no side effects in M-mode.
        unsafe { core::arch::asm!(concat!("csrr {0}, ", $csr), out(reg) value) };
        value
    }};
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("panic: {info}");
    exit(101)
}
