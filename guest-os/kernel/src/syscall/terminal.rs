//! The console as a terminal: the `ioctl`s a terminal answers. It is a
//! 16550 UART (Linux's ttyS0), 80 columns by 24 rows, in canonical mode
//! with echo.

use rvsim_kernel_core::initrd_fs::{Device, Node};

use super::{efault, files, with_user};
use crate::errno::{ENOTTY, Errno};

/// TCGETS: the terminal's settings.
const TCGETS: u64 = 0x5401;
/// TIOCGWINSZ: its size.
const TIOCGWINSZ: u64 = 0x5413;

/// The console's `struct termios` (the kernel's, 36 bytes): ICRNL|IXON;
/// OPOST|ONLCR; B38400|CS8|CREAD|HUPCL; ISIG|ICANON|ECHO|ECHOE|ECHOK|
/// ECHOCTL|ECHOKE|IEXTEN; line discipline 0; Linux's default control
/// characters.
fn console_termios() -> [u8; 36] {
    let mut t = [0u8; 36];
    for (i, flags) in [0o2400u32, 0o5, 0o2277, 0o105073].into_iter().enumerate() {
        t[4 * i..4 * i + 4].copy_from_slice(&flags.to_le_bytes());
    }
    let cc: [u8; 17] = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0];
    t[17..17 + cc.len()].copy_from_slice(&cc);
    t
}

/// ioctl(fd, request, arg): on the console, TCGETS and TIOCGWINSZ; any
/// other request, or any other file, is not a terminal's (ENOTTY), as
/// Linux answers requests a file does not know.
pub fn ioctl(fd: u64, request: u64, arg: u64) -> Result<u64, Errno> {
    if !matches!(files::open_file(fd)?.file, files::File::Node(Node::Device(Device::Console))) {
        return Err(ENOTTY);
    }
    match request {
        TCGETS => efault(with_user(|u| u.copy_out(arg, &console_termios())))?,
        TIOCGWINSZ => {
            let winsize = [24u16, 80, 0, 0].map(u16::to_le_bytes).concat();
            efault(with_user(|u| u.copy_out(arg, &winsize)))?
        }
        _ => return Err(ENOTTY),
    }
    Ok(0)
}
