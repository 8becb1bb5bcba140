//! rvsim's own outputs: the guest's console, the trace, the statistics,
//! listings, messages. A write that fails does not stop the guest, which
//! runs on as it would with nobody reading; the failure is remembered,
//! said in one line at exit, and makes the exit status
//! [`exit_code::OUTPUT`](super::exit_code::OUTPUT).

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// Writes one line of rvsim's to standard error. When standard error
/// itself cannot be written there is nowhere left to say so: the line is
/// lost (where `eprintln!` would panic).
pub(super) fn say(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// The output failures of a run, one message each, shared by the writers
/// that record them.
#[derive(Debug, Clone, Default)]
pub(super) struct OutputFailures(Arc<Mutex<Vec<String>>>);

impl OutputFailures {
    /// Notes that `what` (a phrase naming the output) failed with `error`;
    /// the same output failing again adds nothing.
    pub(super) fn record(&self, what: &str, error: &io::Error) {
        let message = format!("{what}: {error}");
        let mut failures = self.lock();
        if !failures.iter().any(|seen| seen.starts_with(what)) {
            failures.push(message);
        }
    }

    /// Records `result` under `what` if it is an error.
    pub(super) fn check(&self, what: &str, result: io::Result<()>) {
        if let Err(error) = result {
            self.record(what, &error);
        }
    }

    /// Says each failure as an error line on standard error; whether
    /// there was any.
    pub(super) fn report(&self) -> bool {
        let failures = self.lock();
        for message in failures.iter() {
            say(&format!("rvsim: error: {message}"));
        }
        !failures.is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<String>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A writer that records its first failure in [`OutputFailures`] and
/// from then on drops what it is given, so that its user (the UART, the
/// tracer) goes on undisturbed.
pub(super) struct CheckedWriter<W> {
    inner: W,
    what: String,
    failures: OutputFailures,
    failed: bool,
}

impl<W: Write> CheckedWriter<W> {
    /// Writes to `inner`; a failure is recorded as `what` (a phrase
    /// naming the output: "cannot write the trace (standard error)").
    pub(super) fn new(inner: W, what: impl Into<String>, failures: &OutputFailures) -> CheckedWriter<W> {
        CheckedWriter { inner, what: what.into(), failures: failures.clone(), failed: false }
    }

    /// `result`, with a failure recorded and turned into success.
    fn absorb<T>(&mut self, result: io::Result<T>, success: T) -> io::Result<T> {
        match result {
            Err(error) if error.kind() != io::ErrorKind::Interrupted => {
                self.failures.record(&self.what, &error);
                self.failed = true;
                Ok(success)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for CheckedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.absorb(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.absorb(result, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that fails every write.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::StorageFull, "no space"))
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_first_failure_is_recorded_once_and_writing_goes_on() {
        let failures = OutputFailures::default();
        let mut writer = CheckedWriter::new(Full, "cannot write the test output", &failures);
        assert!(writer.write_all(b"one\n").is_ok());
        assert!(writer.write_all(b"two\n").is_ok());
        let mut other = CheckedWriter::new(Full, "cannot write the test output", &failures);
        assert!(other.write_all(b"three\n").is_ok());
        assert_eq!(*failures.lock(), ["cannot write the test output: no space"]);
        let mut fine = CheckedWriter::new(Vec::new(), "cannot write a vector", &failures);
        fine.write_all(b"kept").expect("a vector takes it");
        assert_eq!(fine.inner, b"kept");
        assert_eq!(failures.lock().len(), 1);
    }
}
