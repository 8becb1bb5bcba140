//! The console as a file: what `fstat` and the terminal `ioctl`s say of
//! descriptors 0, 1 and 2, the only files a process has until the file
//! system arrives. It is a terminal (a 16550 UART, Linux's ttyS0), 80
//! columns by 24 rows, in canonical mode with echo.

use super::{efault, with_user};
use crate::errno::{EBADF, EINVAL, ENOSYS, ENOTTY, Errno};

/// Whether `fd` is one of the console's descriptors.
fn is_console(fd: u64) -> bool {
    fd <= 2
}

/// `S_IFCHR | 0620`: a character device, read-write for its owner and
/// writable by the group (a terminal).
const CONSOLE_MODE: u32 = 0o020_620;
/// ttyS0: major 4, minor 64 (`makedev`'s encoding for small numbers).
const CONSOLE_RDEV: u64 = (4 << 8) | 64;
/// Size of `struct stat` (asm-generic, as riscv64 has it).
const STAT_SIZE: usize = 128;

/// The console's `struct stat`.
fn console_stat() -> [u8; STAT_SIZE] {
    let mut st = [0u8; STAT_SIZE];
    st[8..16].copy_from_slice(&1u64.to_le_bytes()); // st_ino
    st[16..20].copy_from_slice(&CONSOLE_MODE.to_le_bytes()); // st_mode
    st[20..24].copy_from_slice(&1u32.to_le_bytes()); // st_nlink
    st[32..40].copy_from_slice(&CONSOLE_RDEV.to_le_bytes()); // st_rdev
    st[56..60].copy_from_slice(&1024u32.to_le_bytes()); // st_blksize
    st
}

/// fstat(fd, statbuf).
pub fn fstat(fd: u64, statbuf: u64) -> Result<u64, Errno> {
    if !is_console(fd) {
        return Err(EBADF);
    }
    efault(with_user(|u| u.copy_out(statbuf, &console_stat())))?;
    Ok(0)
}

/// `AT_EMPTY_PATH`: newfstatat of `dirfd` itself.
const AT_EMPTY_PATH: u64 = 0x1000;
/// The flags newfstatat knows: AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT,
/// AT_EMPTY_PATH.
const STAT_FLAGS: u64 = 0x100 | 0x800 | AT_EMPTY_PATH;

/// newfstatat(dirfd, path, statbuf, flags): with AT_EMPTY_PATH and an
/// empty path, fstat of `dirfd`. Paths need the file system, which is not
/// there yet: ENOSYS.
pub fn newfstatat(dirfd: u64, path: u64, statbuf: u64, flags: u64) -> Result<u64, Errno> {
    if flags & !STAT_FLAGS != 0 {
        return Err(EINVAL);
    }
    let path = efault(with_user(|u| u.read_cstr(path, 4096)))?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        return fstat(dirfd, statbuf);
    }
    Err(ENOSYS)
}

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

/// ioctl(fd, request, arg) on the console: TCGETS and TIOCGWINSZ; any
/// other request is not a terminal's (ENOTTY), as Linux answers requests
/// a tty does not know.
pub fn ioctl(fd: u64, request: u64, arg: u64) -> Result<u64, Errno> {
    if !is_console(fd) {
        return Err(EBADF);
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
