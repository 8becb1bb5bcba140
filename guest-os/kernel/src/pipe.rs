//! Pipes: a bounded buffer between a write end and a read end, each an
//! open file that descriptors (and processes, through fork) share. A read
//! of an empty pipe waits while a writer is left, and then returns the
//! end of file; a write waits for room, and fails with EPIPE (the writer
//! killed by SIGPIPE, its default action) once no reader is left. Writes
//! of at most `PIPE_BUF` bytes are never interleaved with others.
//!
//! An end goes when its last descriptor closes (its `Drop`), which may be
//! inside the process table's lock, where no one can be woken; so waiters
//! also look again at every tick.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec;

use rvsim_kernel_core::uaccess::access_ok;

use crate::errno::{EINTR, EPIPE, Errno};
use crate::lock::Lock;
use crate::syscall::{efault, with_user};
use crate::{param, proc, time};

/// The buffer's size (Linux's default).
const PIPE_SIZE: usize = 65_536;
/// Writes up to this size are atomic.
const PIPE_BUF: usize = 4096;

/// What a pipe holds, and how many ends of each kind are open.
struct State {
    data: VecDeque<u8>,
    readers: usize,
    writers: usize,
}

/// A pipe.
pub struct Pipe {
    state: Lock<State>,
}

/// One end of a pipe, as an open file holds it.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    writes: bool,
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let writes = self.writes;
        self.pipe.state.with(|s| if writes { s.writers -= 1 } else { s.readers -= 1 });
    }
}

/// A new pipe: its read end and its write end.
pub fn new() -> (PipeEnd, PipeEnd) {
    let state = Lock::new("a pipe");
    state.init(State { data: VecDeque::new(), readers: 1, writers: 1 });
    let pipe = Arc::new(Pipe { state });
    (PipeEnd { pipe: pipe.clone(), writes: false }, PipeEnd { pipe, writes: true })
}

impl PipeEnd {
    /// The channel its waiters sleep on.
    fn channel(&self) -> usize {
        Arc::as_ptr(&self.pipe) as usize
    }

    /// Sleeps until woken or the next tick; EINTR if killed meanwhile.
    fn wait(&self) -> Result<(), Errno> {
        proc::sleep_on(self.channel(), Some(time::now() + param::TICK_INTERVAL));
        if proc::current_interrupted() { Err(EINTR) } else { Ok(()) }
    }

    /// What `poll` sees of this end: (readable, writable, hung up). A read
    /// end is readable with data or with no writer left (then also hung
    /// up); a write end is writable with room, or with no reader left (a
    /// write then fails at once).
    pub fn poll(&self) -> (bool, bool, bool) {
        self.pipe.state.with(|s| {
            if self.writes {
                (false, s.readers == 0 || s.data.len() < PIPE_SIZE, s.readers == 0)
            } else {
                (!s.data.is_empty() || s.writers == 0, false, s.writers == 0)
            }
        })
    }

    /// Reads up to `count` bytes into `buf`: what the pipe holds, waiting
    /// while it is empty and a writer is left; 0 at the end.
    pub fn read(&self, buf: u64, count: u64) -> Result<u64, Errno> {
        efault(access_ok(buf, count))?;
        if count == 0 {
            return Ok(0);
        }
        let want = (count as usize).min(PIPE_SIZE);
        loop {
            let taken = self.pipe.state.with(|s| {
                let n = want.min(s.data.len());
                (n > 0 || s.writers == 0).then(|| s.data.drain(..n).collect::<alloc::vec::Vec<u8>>())
            });
            match taken {
                Some(bytes) => {
                    if let Err(e) = efault(with_user(|u| u.copy_out(buf, &bytes))) {
                        // A bad buffer loses nothing: the bytes go back in
                        // front, as Linux leaves them in the pipe.
                        self.pipe.state.with(|s| bytes.iter().rev().for_each(|&b| s.data.push_front(b)));
                        return Err(e);
                    }
                    proc::wakeup(self.channel());
                    return Ok(bytes.len() as u64);
                }
                None => self.wait()?,
            }
        }
    }

    /// Writes `count` bytes from `buf`, waiting for room; EPIPE (and the
    /// writer killed by SIGPIPE) when no reader is left.
    pub fn write(&self, buf: u64, count: u64) -> Result<u64, Errno> {
        efault(access_ok(buf, count))?;
        let mut done = 0u64;
        while done < count {
            let n = ((count - done) as usize).min(PIPE_BUF);
            let mut bytes = vec![0u8; n];
            if let Err(e) = efault(with_user(|u| u.copy_in(buf + done, &mut bytes))) {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            // A piece of at most PIPE_BUF bytes goes in whole.
            loop {
                let outcome = self.pipe.state.with(|s| {
                    if s.readers == 0 {
                        Some(false)
                    } else if PIPE_SIZE - s.data.len() >= n {
                        s.data.extend(&bytes);
                        Some(true)
                    } else {
                        None
                    }
                });
                match outcome {
                    Some(true) => break,
                    Some(false) => {
                        proc::signal_current(rvsim_abi::signal::SIGPIPE);
                        return if done > 0 { Ok(done) } else { Err(EPIPE) };
                    }
                    None => {
                        proc::wakeup(self.channel());
                        self.wait()?;
                    }
                }
            }
            done += n as u64;
            proc::wakeup(self.channel());
        }
        Ok(done)
    }
}
