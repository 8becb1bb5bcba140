//! The console as a terminal: the `ioctl`s a terminal answers. It is a
//! 16550 UART (Linux's ttyS0), 80 columns by 24 rows, in canonical mode
//! with echo until a program changes its settings (TCSETS: the console
//! follows ICANON, ECHO, ISIG and ICRNL), with a foreground process group
//! for its keyboard signals (TIOCGPGRP, TIOCSPGRP).

use rvsim_kernel_core::initrd_fs::{Device, Node};

use super::{efault, files, with_user};
use crate::errno::{ENOTTY, EPERM, Errno};
use crate::{console, proc};

/// TCGETS: the terminal's settings.
const TCGETS: u64 = 0x5401;
/// TCSETS: new settings, now.
const TCSETS: u64 = 0x5402;
/// TCSETSW: new settings, once output is written (it always is).
const TCSETSW: u64 = 0x5403;
/// TCSETSF: new settings, typed input thrown away.
const TCSETSF: u64 = 0x5404;
/// TIOCSCTTY: make it the controlling terminal (it is everyone's).
const TIOCSCTTY: u64 = 0x540e;
/// TIOCGPGRP: the foreground process group.
const TIOCGPGRP: u64 = 0x540f;
/// TIOCSPGRP: a new foreground process group.
const TIOCSPGRP: u64 = 0x5410;
/// TIOCGWINSZ: its size.
const TIOCGWINSZ: u64 = 0x5413;
/// TIOCGSID: the session it belongs to.
const TIOCGSID: u64 = 0x5429;

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

/// The console's settings now.
fn settings() -> [u8; 36] {
    console::termios().unwrap_or_else(console_termios)
}

/// TCSETS and its kin: keeps `termios` and makes the console follow its
/// input modes.
fn set_settings(termios: [u8; 36]) {
    let word = |i: usize| u32::from_le_bytes([termios[i], termios[i + 1], termios[i + 2], termios[i + 3]]);
    console::set_modes(word(0), word(12));
    console::keep_termios(termios);
}

/// ioctl(fd, request, arg): on the console, the terminal requests above;
/// any other request, or any other file, is not a terminal's (ENOTTY), as
/// Linux answers requests a file does not know.
pub fn ioctl(fd: u64, request: u64, arg: u64) -> Result<u64, Errno> {
    if !matches!(files::open_file(fd)?.file, files::File::Node(Node::Device(Device::Console))) {
        return Err(ENOTTY);
    }
    match request {
        TCGETS => efault(with_user(|u| u.copy_out(arg, &settings())))?,
        TCSETS | TCSETSW | TCSETSF => {
            let mut termios = [0u8; 36];
            efault(with_user(|u| u.copy_in(arg, &mut termios)))?;
            if request == TCSETSF {
                console::flush_input();
            }
            set_settings(termios);
        }
        TIOCGWINSZ => {
            let winsize = [24u16, 80, 0, 0].map(u16::to_le_bytes).concat();
            efault(with_user(|u| u.copy_out(arg, &winsize)))?
        }
        TIOCGPGRP => efault(with_user(|u| u.copy_out(arg, &console::foreground().to_le_bytes())))?,
        TIOCSPGRP => {
            let mut pgid = [0u8; 4];
            efault(with_user(|u| u.copy_in(arg, &mut pgid)))?;
            let pgid = u32::from_le_bytes(pgid);
            // The group must exist (signal 0 checks it).
            proc::send_group(pgid, 0, Default::default()).map_err(|_| EPERM)?;
            console::set_foreground(pgid);
        }
        TIOCGSID => {
            let sid = proc::with_process(|p| p.sid);
            efault(with_user(|u| u.copy_out(arg, &sid.to_le_bytes())))?
        }
        TIOCSCTTY => {}
        _ => return Err(ENOTTY),
    }
    Ok(0)
}
