//! A tiny shell: runs programs by name with arguments, as xv6's sh does; `exit` or Ctrl-D leaves.
#![no_std]
#![no_main]

use rvsim_user::sys::{self, Status};
use rvsim_user::{Args, entry, print, println};

entry!(main);

const LINE: usize = 256;
const WORDS: usize = 16;

/// Reads a line; None at end of input.
fn read_line(buf: &mut [u8; LINE]) -> Option<usize> {
    let mut len = 0;
    loop {
        let n = sys::read(0, &mut buf[len..]);
        if n <= 0 {
            return if len > 0 { Some(len) } else { None };
        }
        len += n as usize;
        if buf[len - 1] == b'\n' || len == LINE {
            return Some(len);
        }
    }
}

fn main(_: Args) -> i32 {
    let mut line = [0u8; LINE];
    loop {
        print!("$ ");
        let Some(len) = read_line(&mut line) else {
            println!();
            return 0;
        };
        // Split into NUL-terminated words in place.
        let mut words: [*const u8; WORDS + 1] = [core::ptr::null(); WORDS + 1];
        let mut count = 0;
        let mut i = 0;
        while i < len && count < WORDS {
            while i < len && line[i].is_ascii_whitespace() {
                line[i] = 0;
                i += 1;
            }
            if i == len {
                break;
            }
            words[count] = line[i..].as_ptr();
            count += 1;
            while i < len && !line[i].is_ascii_whitespace() {
                i += 1;
            }
        }
        if i < len {
            line[i] = 0;
        }
        if count == 0 {
            continue;
        }
        let name_end = line.iter().skip(words[0] as usize - line.as_ptr() as usize).position(|&b| b == 0);
        let start = words[0] as usize - line.as_ptr() as usize;
        let name = &line[start..start + name_end.unwrap_or(0) + 1];
        if &name[..name.len() - 1] == b"exit" {
            return 0;
        }
        let pid = sys::fork();
        if pid == 0 {
            let env = [core::ptr::null()];
            let error = sys::execve(name, &words[..=count], &env);
            let shown = core::str::from_utf8(&name[..name.len() - 1]).unwrap_or("?");
            println!("sh: {shown}: {}", if error == -2 { "no such program" } else { "cannot run it" });
            sys::exit(127);
        }
        if pid < 0 {
            println!("sh: fork failed ({pid})");
            continue;
        }
        let (_, status) = sys::wait4(pid, 0);
        match sys::decode(status) {
            Status::Exited(0) => {}
            Status::Exited(code) => println!("[exit {code}]"),
            Status::Killed(signal) => println!("[killed by signal {signal}]"),
        }
    }
}
