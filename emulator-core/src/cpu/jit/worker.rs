//! The translator's worker: a host thread that compiles hot blocks while
//! the hart goes on interpreting them, so that compiling (about 0.6 ms a
//! block with Cranelift) never stalls the guest.
//!
//! Requests and results carry a generation: after a reset, results still
//! in flight belong to a freed module and are dropped.

use super::StableOp;
use super::compiler::{Compiler, Target};
use crate::isa::Decoded;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A block to compile.
pub struct Request {
    /// The translations' generation it belongs to.
    pub generation: u64,
    /// Host address of its first byte.
    pub host: usize,
    /// Its instructions.
    pub ops: Vec<Decoded>,
    /// Where the slow path finds them while the code lives.
    pub stable: *const StableOp,
}

// SAFETY: `stable` is only baked into the code as a number; the worker
// never reads through it.
unsafe impl Send for Request {}

// SAFETY: as for `Request`: `stable` only says which request this answers.
unsafe impl Send for Done {}

/// A compiled block, or why it could not be.
pub struct Done {
    /// The generation of its request.
    pub generation: u64,
    /// Host address of its first byte.
    pub host: usize,
    /// Its request's `stable`: which request this answers.
    pub stable: *const StableOp,
    /// Its code's entry (as an address).
    pub code: Result<usize, String>,
    /// Time spent compiling it.
    pub took: Duration,
    /// Instructions in it.
    pub instructions: usize,
}

enum Message {
    Compile(Request),
    /// Free every compiled block: none can run again.
    Reset,
}

/// What the worker sends back.
pub enum Report {
    /// It is ready: the `enter` trampoline's address (in a module of its
    /// own, kept as long as the worker).
    Ready(usize),
    /// It cannot compile for this host, and has stopped.
    Unable(String),
    /// A block.
    Compiled(Done),
}

/// The worker thread and its two channels.
pub struct Worker {
    to: Option<Sender<Message>>,
    from: Receiver<Report>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts a worker compiling for `target`. It reports first whether
    /// it is ready ([`Report::Ready`]); setting Cranelift up takes the
    /// hart no time.
    pub fn spawn(target: Target) -> Result<Worker, String> {
        let (to, inbox) = channel::<Message>();
        let (outbox, from) = channel::<Report>();
        let thread = std::thread::Builder::new()
            .name("rvsim-jit".into())
            .spawn(move || {
                let ready = Compiler::new().and_then(|mut t| t.trampoline().map(|enter| (t, enter)));
                match ready {
                    Ok((trampoline, enter)) => {
                        let _ = outbox.send(Report::Ready(enter as usize));
                        serve(target, &inbox, &outbox);
                        // The trampoline's code goes last: nothing enters
                        // blocks once the translator (and so the channel)
                        // is gone.
                        drop(trampoline);
                    }
                    Err(e) => {
                        let _ = outbox.send(Report::Unable(e));
                    }
                }
            })
            .map_err(|e| format!("cannot start the translator's thread: {e}"))?;
        Ok(Worker { to: Some(to), from, thread: Some(thread) })
    }

    /// Asks for `request` to be compiled; false if the worker is gone.
    pub fn compile(&self, request: Request) -> bool {
        self.to.as_ref().is_some_and(|to| to.send(Message::Compile(request)).is_ok())
    }

    /// Asks the worker to free every block compiled so far.
    ///
    /// # Safety
    /// None of them may be entered again (the caller forgot them all), and
    /// none may be running.
    pub unsafe fn reset(&self) {
        if let Some(to) = &self.to {
            let _ = to.send(Message::Reset);
        }
    }

    /// The worker's next report, waiting for it; `None` once the worker
    /// is gone.
    pub fn next_report(&self) -> Option<Report> {
        self.from.recv().ok()
    }

    /// What the worker reported since the last look.
    pub fn reports(&self) -> impl Iterator<Item = Report> + '_ {
        self.from.try_iter()
    }
}

impl Drop for Worker {
    /// Closing the channel ends the thread's loop once it has finished the
    /// block in hand; nothing waits for that (a run ending must not wait
    /// for a compilation no one will use), and nothing runs the thread's
    /// code any more.
    fn drop(&mut self) {
        self.to = None;
        drop(self.thread.take());
    }
}

/// The worker's loop: compiles what it is sent until the channel closes.
fn serve(target: Target, inbox: &Receiver<Message>, outbox: &Sender<Report>) {
    let mut compiler = match Compiler::new() {
        Ok(compiler) => compiler,
        Err(e) => {
            let _ = outbox.send(Report::Unable(e));
            return;
        }
    };
    for message in inbox.iter() {
        match message {
            Message::Compile(request) => {
                let started = Instant::now();
                let code = compiler.block(&request.ops, request.stable, request.host, target).map(|c| c as usize);
                let took = started.elapsed();
                let done = Done {
                    generation: request.generation,
                    host: request.host,
                    stable: request.stable,
                    code,
                    took,
                    instructions: request.ops.len(),
                };
                if outbox.send(Report::Compiled(done)).is_err() {
                    return;
                }
            }
            // SAFETY: the translator sends a reset only once it has
            // forgotten every block, between two runs of translated code.
            Message::Reset => unsafe { compiler.reset() },
        }
    }
}
