//! The console: output to the UART, and input from its receive interrupt
//! into a line buffer with echo and editing, as xv6's console.c: reads
//! return whole lines, backspace erases, ^U kills the line, ^D ends input.
//! Programs may turn the editing off (termios's ICANON: each byte is
//! read as it comes) and the echo (ECHO); with ISIG on, ^C, ^\ and ^Z send
//! SIGINT, SIGQUIT and SIGTSTP to the foreground process group.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::lock::Lock;
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
const CTRL_C: u8 = 0x03;
const CTRL_BACKSLASH: u8 = 0x1c;
const CTRL_Z: u8 = 0x1a;
const INPUT_SIZE: usize = 512;

/// Whether typed input is echoed (boot argument `echo`).
static ECHO: AtomicBool = AtomicBool::new(true);

/// termios `c_lflag`: keyboard signals.
pub const ISIG: u32 = 0o1;
/// `c_lflag`: canonical mode (line editing; reads return lines).
pub const ICANON: u32 = 0o2;
/// `c_lflag`: echo.
pub const ECHO_FLAG: u32 = 0o10;
/// `c_iflag`: carriage return read as newline.
pub const ICRNL: u32 = 0o400;

/// The input modes programs set (`c_lflag`, `c_iflag`), ISIG, ICANON,
/// ECHO and ICRNL at boot.
static LFLAG: AtomicU32 = AtomicU32::new(ISIG | ICANON | ECHO_FLAG);
static IFLAG: AtomicU32 = AtomicU32::new(ICRNL);

/// The process group that keyboard signals go to (`tcsetpgrp`); init's
/// at boot.
static FOREGROUND: AtomicU32 = AtomicU32::new(1);

/// Sets the input modes from a termios's `c_iflag` and `c_lflag`.
pub fn set_modes(iflag: u32, lflag: u32) {
    IFLAG.store(iflag, Ordering::Relaxed);
    LFLAG.store(lflag, Ordering::Relaxed);
}

/// The foreground process group.
pub fn foreground() -> u32 {
    FOREGROUND.load(Ordering::Relaxed)
}

/// Makes `pgid` the foreground process group.
pub fn set_foreground(pgid: u32) {
    FOREGROUND.store(pgid, Ordering::Relaxed);
}

fn mode(flag: u32) -> bool {
    LFLAG.load(Ordering::Relaxed) & flag != 0
}

/// Turns echo on or off.
pub fn set_echo(on: bool) {
    ECHO.store(on, Ordering::Relaxed);
}

fn echo(bytes: &[u8]) {
    if ECHO.load(Ordering::Relaxed) && mode(ECHO_FLAG) {
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
    /// The buffer filled up: the receive interrupt is off, and the UART
    /// (and the host behind it) holds what comes next until a reader
    /// makes room.
    paused: bool,
    /// A keyboard signal typed, to send once the buffer's lock is let go.
    signal: Option<u32>,
    /// The `struct termios` a program last set, if one did.
    termios: Option<[u8; 36]>,
}

static INPUT: Lock<Input> = Lock::new("the console input");

/// Sleep channel of processes waiting for console input.
pub const INPUT_CHANNEL: usize = 1;

/// Enables the receive interrupt, then takes what arrived before. The
/// FIFO mode is left as it is: on QEMU, switching it clears what was
/// already received, and input typed (or piped) before boot would be lost.
pub fn init() {
    INPUT.init(Input { buf: [0; INPUT_SIZE], read: 0, write: 0, edit: 0, paused: false, signal: None, termios: None });
    listen(true);
    interrupt();
}

/// Turns the UART's receive interrupt on or off.
fn listen(on: bool) {
    // SAFETY: UART register.
    unsafe { reg(IER).write_volatile(u8::from(on)) };
}

/// The UART interrupt: takes received bytes while there is room for
/// them, and wakes readers when lines complete.
pub fn interrupt() {
    let (available, signal) = INPUT.with(|input| (input.drain(), input.signal.take()));
    if available {
        crate::proc::wakeup(INPUT_CHANNEL);
    }
    if let Some(sig) = signal {
        let info =
            rvsim_kernel_core::signal::SigInfo { code: rvsim_kernel_core::signal::SI_KERNEL, ..Default::default() };
        let _ = crate::proc::send_group(foreground(), sig, info);
    }
}

/// The signal a keyboard character sends under ISIG, and its echo.
fn keyboard_signal(byte: u8) -> Option<(u32, &'static [u8])> {
    use crate::proc::signal::{SIGINT, SIGQUIT, SIGTSTP};
    match byte {
        CTRL_C => Some((SIGINT, b"^C\n")),
        CTRL_BACKSLASH => Some((SIGQUIT, b"^\\\n")),
        CTRL_Z => Some((SIGTSTP, b"^Z\n")),
        _ => None,
    }
}

impl Input {
    /// Whether another byte fits.
    fn has_room(&self) -> bool {
        self.edit - self.read < INPUT_SIZE
    }

    /// Moves bytes from the UART into the buffer until the UART is empty
    /// or the buffer full. Flow control: a full buffer turns the receive
    /// interrupt off, so nothing is read (or lost) until a reader makes
    /// room; an empty UART turns it back on. Returns whether input became
    /// available to readers.
    fn drain(&mut self) -> bool {
        let mut available = false;
        // SAFETY: the UART's line status register.
        while unsafe { reg(LSR).read_volatile() } & LSR_DATA_READY != 0 {
            if !self.has_room() {
                self.paused = true;
                listen(false);
                return available;
            }
            // SAFETY: the UART's receive register.
            available |= self.receive(unsafe { reg(RBR).read_volatile() });
        }
        if self.paused {
            self.paused = false;
            listen(true);
        }
        available
    }

    /// Takes one typed byte (there is room for it); returns whether input
    /// became available to readers.
    fn receive(&mut self, byte: u8) -> bool {
        if let Some((sig, shown)) = keyboard_signal(byte).filter(|_| mode(ISIG)) {
            // The line being typed goes, as Linux's tty flushes it.
            self.edit = self.write;
            echo(shown);
            self.signal = Some(sig);
            return false;
        }
        let byte = if byte == b'\r' && IFLAG.load(Ordering::Relaxed) & ICRNL != 0 { b'\n' } else { byte };
        if !mode(ICANON) {
            echo(&[byte]);
            self.buf[self.edit % INPUT_SIZE] = byte;
            self.edit += 1;
            self.write = self.edit;
            return true;
        }
        match byte {
            CTRL_U => {
                while self.edit != self.write && self.buf[(self.edit - 1) % INPUT_SIZE] != b'\n' {
                    self.edit -= 1;
                    echo(b"\x08 \x08");
                }
                false
            }
            BACKSPACE | CTRL_H if self.edit != self.write => {
                self.edit -= 1;
                echo(b"\x08 \x08");
                false
            }
            // Nothing typed on this line to erase.
            BACKSPACE | CTRL_H => false,
            _ => {
                if byte != CTRL_D {
                    echo(&[byte]);
                }
                self.buf[self.edit % INPUT_SIZE] = byte;
                self.edit += 1;
                // A full buffer is handed over as it is: a line longer
                // than the buffer is read in pieces.
                let complete = byte == b'\n' || byte == CTRL_D || !self.has_room();
                if complete {
                    self.write = self.edit;
                }
                complete
            }
        }
    }

    /// Takes up to `buf.len()` bytes of complete input lines, or `None`
    /// when none is available yet. Returns 0 at end of input (^D at the
    /// start of a read).
    fn take(&mut self, buf: &mut [u8]) -> Option<usize> {
        if self.read == self.write {
            return None;
        }
        let mut n = 0;
        let canonical = mode(ICANON);
        while n < buf.len() && self.read < self.write {
            let byte = self.buf[self.read % INPUT_SIZE];
            if byte == CTRL_D && canonical {
                if n == 0 {
                    self.read += 1;
                }
                // A ^D after some bytes ends this read; the next returns 0.
                break;
            }
            self.read += 1;
            buf[n] = byte;
            n += 1;
            if byte == b'\n' && canonical {
                break;
            }
        }
        Some(n)
    }
}

/// The `struct termios` a program last set (TCSETS), if any.
pub fn termios() -> Option<[u8; 36]> {
    INPUT.with(|input| input.termios)
}

/// Keeps the `struct termios` a program set.
pub fn keep_termios(termios: [u8; 36]) {
    INPUT.with(|input| input.termios = Some(termios));
}

/// Throws away typed input not yet read (TCSETSF).
pub fn flush_input() {
    INPUT.with(|input| {
        input.read = input.edit;
        input.write = input.edit;
    });
}

/// Whether a read of the console would return now (a complete line, or
/// ^D).
pub fn has_input() -> bool {
    INPUT.with(|input| input.read != input.write)
}

/// Takes up to `buf.len()` bytes of complete input lines, or `None` when
/// none is available yet. Returns 0 at end of input (^D at the start of a
/// read). Room made in the buffer takes in what the UART held back.
pub fn take_input(buf: &mut [u8]) -> Option<usize> {
    let (taken, available) = INPUT.with(|input| {
        let taken = input.take(buf);
        let available = input.paused && input.drain();
        (taken, available)
    });
    if available {
        crate::proc::wakeup(INPUT_CHANNEL);
    }
    taken
}
