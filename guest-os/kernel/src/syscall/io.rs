//! The console's reading and writing, the vector forms of read and write
//! (over any descriptor), and readlinkat, whose one link is
//! `/proc/self/exe`.

use rvsim_kernel_core::PAGE;
use rvsim_kernel_core::uaccess::access_ok;

use super::{efault, files, with_user};
use crate::errno::{EINTR, EINVAL, Errno};
use crate::{console, proc};

const CHUNK: usize = 256;

/// Reads from the console into `buf`, a line at a time.
pub fn console_read(buf: u64, count: u64) -> Result<u64, Errno> {
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
        if proc::current_interrupted() {
            return Err(EINTR);
        }
        proc::sleep(console::INPUT_CHANNEL);
    }
}

/// Writes `buf` to the console. A buffer that runs past the end of user
/// space is EFAULT before anything is written; one that becomes
/// unreadable part-way ends the write there.
pub fn console_write(buf: u64, count: u64) -> Result<u64, Errno> {
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

/// Linux's limit on iovecs in one call.
const IOV_MAX: u64 = 1024;

/// The (base, length) of iovec `i` of the array at `iov`.
fn iovec(iov: u64, i: u64) -> Result<(u64, u64), Errno> {
    let at = iov.checked_add(i * 16).ok_or(crate::errno::EFAULT)?;
    let base = efault(with_user(|u| u.read_u64(at)))?;
    let len = efault(with_user(|u| u.read_u64(at + 8)))?;
    Ok((base, len))
}

/// Runs `op` on each of the `count` buffers of `iov` in turn, as readv and
/// writev do: the total, stopping at the first short transfer; an error
/// before anything was transferred is the result.
fn vectored(iov: u64, count: u64, mut op: impl FnMut(u64, u64) -> Result<u64, Errno>) -> Result<u64, Errno> {
    if count > IOV_MAX {
        return Err(EINVAL);
    }
    let mut total = 0u64;
    for i in 0..count {
        let (base, len) = iovec(iov, i)?;
        match op(base, len) {
            Ok(n) => {
                total += n;
                if n < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// writev(fd, iov, iovcnt).
pub fn writev(fd: u64, iov: u64, count: u64) -> Result<u64, Errno> {
    vectored(iov, count, |base, len| super::files::write(fd, base, len))
}

/// readv(fd, iov, iovcnt): the buffers filled in order.
pub fn readv(fd: u64, iov: u64, count: u64) -> Result<u64, Errno> {
    vectored(iov, count, |base, len| super::files::read(fd, base, len))
}

/// Zeros for `/dev/zero`: `count` of them written to `buf`.
pub fn zeros_out(buf: u64, count: u64) -> Result<u64, Errno> {
    efault(access_ok(buf, count))?;
    let zeros = [0u8; CHUNK];
    let mut done = 0;
    while done < count {
        let n = ((count - done) as usize).min(CHUNK);
        efault(with_user(|u| u.copy_out(buf + done, &zeros[..n])))?;
        done += n as u64;
    }
    Ok(count)
}

/// readlinkat(dirfd, path, buf, size): the only link is `/proc/self/exe`
/// (the program's path, truncated to `size`, without a NUL); any other
/// existing path is not a link (EINVAL).
pub fn readlinkat(dirfd: u64, path: u64, buf: u64, size: u64) -> Result<u64, Errno> {
    let link = files::names_exe(dirfd, path)?;
    if size as i64 <= 0 || !link {
        return Err(EINVAL);
    }
    let target = files::exe_path();
    let n = target.len().min(size as usize);
    efault(with_user(|u| u.copy_out(buf, &target.as_bytes()[..n])))?;
    Ok(n as u64)
}
