//! read and write: the console is the only file.

use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::uaccess::access_ok;

use super::{efault, with_user};
use crate::errno::{EBADF, EINTR, Errno};
use crate::{console, proc};

const CHUNK: usize = 256;

/// read(fd, buf, count): from the console (fd 0), a line at a time.
pub fn read(fd: u64, buf: u64, count: u64) -> Result<u64, Errno> {
    if fd != 0 {
        return Err(EBADF);
    }
    efault(access_ok(buf, count))?;
    let count = (count as usize).min(CHUNK);
    if count == 0 {
        return Ok(0);
    }
    // Check the buffer before taking input, so that a bad buffer loses
    // nothing typed.
    efault(with_user(|u| u.copy_out(buf, &[0; CHUNK][..count])))?;
    let mut line = [0u8; CHUNK];
    loop {
        if let Some(n) = console::take_input(&mut line[..count]) {
            efault(with_user(|u| u.copy_out(buf, &line[..n])))?;
            return Ok(n as u64);
        }
        if proc::current_killed() {
            return Err(EINTR);
        }
        proc::sleep(console::INPUT_CHANNEL);
    }
}

/// write(fd, buf, count): to the console (fd 1 or 2). A buffer that
/// runs past the end of user space is EFAULT before anything is written;
/// one that becomes unreadable part-way ends the write there.
pub fn write(fd: u64, buf: u64, count: u64) -> Result<u64, Errno> {
    if fd != 1 && fd != 2 {
        return Err(EBADF);
    }
    efault(access_ok(buf, count))?;
    let mut done = 0u64;
    let mut chunk = [0u8; CHUNK];
    while done < count {
        // access_ok checked that the whole range lies in user space.
        let at = buf + done;
        // Pieces never cross a page, so a write stops exactly where the
        // readable memory ends.
        let n = ((count - done) as usize).min(CHUNK).min((PAGE - at % PAGE) as usize);
        if let Err(e) = efault(with_user(|u| u.copy_in(at, &mut chunk[..n]))) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        console::write(&chunk[..n]);
        done += n as u64;
    }
    Ok(done)
}
