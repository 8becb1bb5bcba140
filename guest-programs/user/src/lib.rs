//! The user library of rvsim's teaching kernel: program entry as Linux
//! starts a process (sp at argc, argv, envp), system call wrappers with
//! Linux riscv64 numbers, and printing.
#![no_std]

pub mod dsm;
pub mod sync;
pub mod sys;
pub mod workload;

use core::fmt::{self, Write};

/// The program's arguments.
#[derive(Clone, Copy)]
pub struct Args {
    argc: usize,
    argv: *const *const u8,
}

impl Args {
    /// Number of arguments (the program name included).
    pub fn len(&self) -> usize {
        self.argc
    }

    /// True without arguments (never: argv[0] is the name).
    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// Argument `i` as text (empty if not UTF-8 or out of range).
    pub fn get(&self, i: usize) -> &'static str {
        if i >= self.argc {
            return "";
        }
        // SAFETY: the kernel put argc valid, NUL-terminated strings there.
        unsafe {
            let p = *self.argv.add(i);
            let mut n = 0;
            while *p.add(n) != 0 {
                n += 1;
            }
            core::str::from_utf8(core::slice::from_raw_parts(p, n)).unwrap_or("")
        }
    }

    /// Argument `i` as a number, or `default`.
    pub fn number(&self, i: usize, default: u64) -> u64 {
        self.get(i).parse().unwrap_or(default)
    }
}

/// `value` in decimal, NUL-terminated, in `buf`: an argument for
/// [`sys::exec`].
pub fn decimal(mut value: u64, buf: &mut [u8; 24]) -> &core::ffi::CStr {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (value % 10) as u8;
        len += 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for i in 0..len {
        buf[i] = digits[len - 1 - i];
    }
    buf[len] = 0;
    core::ffi::CStr::from_bytes_with_nul(&buf[..=len]).unwrap_or(c"")
}

core::arch::global_asm!(
    r#"
    .section .text.entry, "ax"
    .globl _start
_start:
    mv a0, sp
    call user_start
"#
);

unsafe extern "Rust" {
    /// Defined by [`entry!`].
    fn user_main(args: Args) -> i32;
}

#[unsafe(no_mangle)]
extern "C" fn user_start(sp: *const usize) -> ! {
    // SAFETY: the kernel sets sp to argc, followed by argv.
    let args = unsafe { Args { argc: *sp, argv: sp.add(1) as *const *const u8 } };
    // SAFETY: every program defines it with `entry!`.
    let code = unsafe { user_main(args) };
    sys::exit(code)
}

/// Declares the program's main function: `fn main(args: Args) -> i32`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn user_main(args: $crate::Args) -> i32 {
            let main: fn($crate::Args) -> i32 = $main;
            main(args)
        }
    };
}

/// Output to a file descriptor, buffered a line at a time so that lines
/// from different processes do not mix.
pub struct Output {
    fd: usize,
    buf: [u8; 256],
    len: usize,
}

impl Output {
    /// A writer to `fd`.
    pub const fn new(fd: usize) -> Output {
        Output { fd, buf: [0; 256], len: 0 }
    }

    /// Writes what is buffered.
    pub fn flush(&mut self) {
        if self.len > 0 {
            sys::write(self.fd, &self.buf[..self.len]);
            self.len = 0;
        }
    }
}

impl Write for Output {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.buf.len() {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
            if b == b'\n' {
                self.flush();
            }
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Prints to standard output.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{ let _ = core::fmt::Write::write_fmt(&mut $crate::Output::new(1), format_args!($($arg)*)); }};
}

/// Prints a line to standard output.
#[macro_export]
macro_rules! println {
    () => {{ $crate::print!("\n"); }};
    ($($arg:tt)*) => {{
        let mut out = $crate::Output::new(1);
        let _ = core::fmt::Write::write_fmt(&mut out, format_args!($($arg)*));
        let _ = core::fmt::Write::write_str(&mut out, "\n");
    }};
}

/// Prints a line to standard error.
#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        let mut out = $crate::Output::new(2);
        let _ = core::fmt::Write::write_fmt(&mut out, format_args!($($arg)*));
        let _ = core::fmt::Write::write_str(&mut out, "\n");
    }};
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    eprintln!("panic: {info}");
    sys::exit(101)
}
