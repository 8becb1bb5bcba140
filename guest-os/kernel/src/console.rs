//! The console: output to the UART, and input from its receive interrupt
//! into a line buffer with echo and editing, as xv6's console.c: reads
//! return whole lines, backspace erases, ^U kills the line, ^D ends input.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::global::Global;
use crate::param::UART;

const RBR: u64 = 0;
const THR: u64 = 0;
const IER: u64 = 1;
const LSR: u64 = 5;
const LSR_DATA_READY: u8 = 0x01;
const LSR_THR_EMPTY: u8 = 0x20;

const BACKSPACE: u8 = 0x7f;
const CTRL_H: u8 = 0x08;
const CTRL_U: u8 = 0x15;
const CTRL_D: u8 = 0x04;
const INPUT_SIZE: usize = 512;

/// Whether typed input is echoed (boot argument `echo`).
static ECHO: AtomicBool = AtomicBool::new(true);

/// Turns echo on or off.
pub fn set_echo(on: bool) {
    ECHO.store(on, Ordering::Relaxed);
}

fn echo(bytes: &[u8]) {
    if ECHO.load(Ordering::Relaxed) {
        write(bytes);
    }
}

/// Address the UART is reached at: physical before paging, then its
/// mapping in the kernel half.
static UART_ADDRESS: AtomicU64 = AtomicU64::new(UART);

fn reg(offset: u64) -> *mut u8 {
    (UART_ADDRESS.load(Ordering::Relaxed) + offset) as *mut u8
}

/// From now on, reach the UART at `address`.
pub fn relocate(address: u64) {
    UART_ADDRESS.store(address, Ordering::Relaxed);
}

/// Writes one byte, waiting for the transmitter.
pub fn putc(byte: u8) {
    // SAFETY: the UART's registers, mapped at `reg`.
    unsafe {
        while reg(LSR).read_volatile() & LSR_THR_EMPTY == 0 {}
        reg(THR).write_volatile(byte);
    }
}

/// Writes bytes.
pub fn write(bytes: &[u8]) {
    bytes.iter().copied().for_each(putc);
}

/// `core::fmt` output to the console.
pub struct Writer;

impl Write for Writer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write(s.as_bytes());
        Ok(())
    }
}

/// Prints to the console.
#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => {{ let _ = core::fmt::Write::write_fmt(&mut $crate::console::Writer, format_args!($($arg)*)); }};
}

/// Prints a line to the console.
#[macro_export]
macro_rules! kprintln {
    ($($arg:tt)*) => {{ $crate::kprint!($($arg)*); $crate::console::putc(b'\n'); }};
}

/// Typed input: `read..write` is available to readers, `write..edit` is
/// the line being typed.
struct Input {
    buf: [u8; INPUT_SIZE],
    read: usize,
    write: usize,
    edit: usize,
}

static INPUT: Global<Input> = Global::new();

/// Sleep channel of processes waiting for console input.
pub const INPUT_CHANNEL: usize = 1;

/// Enables the receive interrupt, then takes what arrived before. The
/// FIFO mode is left as it is: on QEMU, switching it clears what was
/// already received, and input typed (or piped) before boot would be lost.
pub fn init() {
    INPUT.init(Input { buf: [0; INPUT_SIZE], read: 0, write: 0, edit: 0 });
    // SAFETY: UART register.
    unsafe { reg(IER).write_volatile(0x01) };
    interrupt();
}

/// The UART interrupt: takes every received byte.
pub fn interrupt() {
    // SAFETY: UART registers.
    while unsafe { reg(LSR).read_volatile() } & LSR_DATA_READY != 0 {
        let byte = unsafe { reg(RBR).read_volatile() };
        receive(byte);
    }
}

fn receive(byte: u8) {
    let input = INPUT.get();
    match byte {
        CTRL_U => {
            while input.edit != input.write && input.buf[(input.edit - 1) % INPUT_SIZE] != b'\n' {
                input.edit -= 1;
                echo(b"\x08 \x08");
            }
        }
        BACKSPACE | CTRL_H if input.edit != input.write => {
            input.edit -= 1;
            echo(b"\x08 \x08");
        }
        // Nothing typed on this line to erase.
        BACKSPACE | CTRL_H => {}
        _ if input.edit - input.read < INPUT_SIZE => {
            let byte = if byte == b'\r' { b'\n' } else { byte };
            if byte != CTRL_D {
                echo(&[byte]);
            }
            input.buf[input.edit % INPUT_SIZE] = byte;
            input.edit += 1;
            if byte == b'\n' || byte == CTRL_D || input.edit - input.read == INPUT_SIZE {
                input.write = input.edit;
                crate::proc::wakeup(INPUT_CHANNEL);
            }
        }
        _ => {}
    }
}

/// Takes up to `buf.len()` bytes of complete input lines, or `None` when
/// none is available yet. Returns 0 at end of input (^D at the start of a
/// read).
pub fn take_input(buf: &mut [u8]) -> Option<usize> {
    let input = INPUT.get();
    if input.read == input.write {
        return None;
    }
    let mut n = 0;
    while n < buf.len() && input.read < input.write {
        let byte = input.buf[input.read % INPUT_SIZE];
        if byte == CTRL_D {
            if n == 0 {
                input.read += 1;
            }
            // A ^D after some bytes ends this read; the next returns 0.
            break;
        }
        input.read += 1;
        buf[n] = byte;
        n += 1;
        if byte == b'\n' {
            break;
        }
    }
    Some(n)
}
