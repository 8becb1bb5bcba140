//! getrandom: bytes from a pseudo-random generator (xorshift64*), seeded
//! with a constant so that runs stay reproducible, as everything else in
//! rvsim does. They are not secret: the teaching kernel has no entropy
//! source to offer.

use core::sync::atomic::{AtomicU64, Ordering};

use super::{efault, with_user};
use crate::errno::{EINVAL, Errno};

/// GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE.
const FLAGS: u64 = 1 | 2 | 4;
/// The generator's state.
static STATE: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
/// Bytes copied out at a time.
const CHUNK: usize = 256;
/// Linux's largest single read.
const MAX: u64 = 33_554_431;

/// The next 8 bytes of the stream.
fn next() -> u64 {
    let mut x = STATE.load(Ordering::Relaxed);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    STATE.store(x, Ordering::Relaxed);
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// getrandom(buf, len, flags): `len` bytes (at most 32 MiB), or EINVAL
/// for unknown flags or GRND_RANDOM with GRND_INSECURE.
pub fn getrandom(buf: u64, len: u64, flags: u64) -> Result<u64, Errno> {
    if flags & !FLAGS != 0 || flags & 6 == 6 {
        return Err(EINVAL);
    }
    let len = len.min(MAX);
    let mut done = 0;
    let mut chunk = [0u8; CHUNK];
    while done < len {
        let n = ((len - done) as usize).min(CHUNK);
        for word in chunk[..n].chunks_mut(8) {
            word.copy_from_slice(&next().to_le_bytes()[..word.len()]);
        }
        efault(with_user(|u| u.copy_out(buf + done, &chunk[..n])))?;
        done += n as u64;
    }
    Ok(len)
}
