//! UART 16550A: the console. Transmitted bytes go to an output sink
//! (stdout for the CLI); received bytes come from an input source (stdin,
//! read by a helper thread so the CPU never blocks on it).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::thread;
use std::time::Duration;

use super::{Assertion, IrqLine};

/// Where the console's input comes from.
#[derive(Debug, Clone, Default)]
pub enum ConsoleInput {
    /// No input: the receiver stays empty.
    #[default]
    None,
    /// The host's standard input, read by a thread started when the guest
    /// first looks at the receiver. When it ends, the guest receives one
    /// Ctrl-D (end of transmission), what a person at a terminal would
    /// type: a UART has no other way to say "end of input".
    Stdin,
    /// The same, watching for the escape Ctrl-A x, which stops the run
    /// (for a terminal in raw mode); Ctrl-A Ctrl-A sends one Ctrl-A.
    StdinWithEscape,
    /// Fixed bytes, all available from the start.
    Bytes(Vec<u8>),
    /// Standard input that had ended before the run began (a file, or
    /// `/dev/null`), read whole: its bytes and then the Ctrl-D that ends
    /// [`ConsoleInput::Stdin`], all available from the start, so that the
    /// run does not depend on when a reader thread would have seen them.
    Ended(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    Off,
    Watching,
    Seen,
    Quit,
}

enum Source {
    Closed,
    StdinNotStarted,
    Channel(Receiver<Vec<u8>>),
}

// Register offsets.
const RBR_THR_DLL: u64 = 0;
const IER_DLM: u64 = 1;
const IIR_FCR: u64 = 2;
const LCR: u64 = 3;
const MCR: u64 = 4;
const LSR: u64 = 5;
const MSR: u64 = 6;
const SCR: u64 = 7;

const END_OF_TRANSMISSION: u8 = 0x04;
const IER_RX_AVAILABLE: u8 = 1;
const IER_THR_EMPTY: u8 = 2;
const LCR_DLAB: u8 = 0x80;
const LSR_DATA_READY: u8 = 0x01;
const LSR_THR_EMPTY: u8 = 0x20;
const LSR_TRANSMITTER_EMPTY: u8 = 0x40;
const IIR_NONE: u8 = 0x01;
const IIR_THR_EMPTY: u8 = 0x02;
const IIR_RX_AVAILABLE: u8 = 0x04;
const IIR_FIFO_ENABLED: u8 = 0xc0;
const FCR_ENABLE: u8 = 0x01;
const FCR_CLEAR_RX: u8 = 0x02;

/// Bytes of output held before they are written to the sink.
const OUTPUT_BUFFER: usize = 4096;

/// A 16550A UART. Transmission is instantaneous, so the transmitter is
/// always empty.
pub struct Uart {
    ier: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    fifo_enabled: bool,
    divisor: u16,
    thr_empty_pending: bool,
    /// Whether an access or event since the PLIC last looked re-evaluated
    /// the interrupt and found it raised (see [`super::IrqLine`]).
    assertion: Assertion,
    rx: VecDeque<u8>,
    source: Source,
    escape: Escape,
    pending_output: Vec<u8>,
    output: Box<dyn Write + Send>,
    output_failed: bool,
}

impl Uart {
    /// A UART writing to `output` and reading from `input`.
    pub fn new(output: Box<dyn Write + Send>, input: ConsoleInput) -> Uart {
        let escape = if matches!(input, ConsoleInput::StdinWithEscape) { Escape::Watching } else { Escape::Off };
        let (rx, source) = match input {
            ConsoleInput::None => (VecDeque::new(), Source::Closed),
            ConsoleInput::Stdin | ConsoleInput::StdinWithEscape => (VecDeque::new(), Source::StdinNotStarted),
            ConsoleInput::Bytes(bytes) => (bytes.into(), Source::Closed),
            ConsoleInput::Ended(mut bytes) => {
                bytes.push(END_OF_TRANSMISSION);
                (bytes.into(), Source::Closed)
            }
        };
        Uart {
            ier: 0,
            lcr: 0,
            mcr: 0,
            scr: 0,
            fifo_enabled: false,
            divisor: 0,
            thr_empty_pending: false,
            assertion: Assertion::default(),
            rx,
            source,
            escape,
            pending_output: Vec::with_capacity(OUTPUT_BUFFER),
            output,
            output_failed: false,
        }
    }

    /// Reads register `offset`.
    pub fn read(&mut self, offset: u64) -> u8 {
        let value = self.read_register(offset);
        if matches!(offset, RBR_THR_DLL | IIR_FCR) {
            // QEMU's 16550 re-evaluates its interrupt after these reads.
            self.assertion.update(self.interrupt_pending());
        }
        value
    }

    fn read_register(&mut self, offset: u64) -> u8 {
        let dlab = self.lcr & LCR_DLAB != 0;
        match offset {
            RBR_THR_DLL if dlab => self.divisor as u8,
            RBR_THR_DLL => {
                self.start_input();
                self.poll_input();
                self.rx.pop_front().unwrap_or(0)
            }
            IER_DLM if dlab => (self.divisor >> 8) as u8,
            IER_DLM => self.ier,
            IIR_FCR => {
                let fifo = if self.fifo_enabled { IIR_FIFO_ENABLED } else { 0 };
                let id = self.interrupt_id();
                if id == IIR_THR_EMPTY {
                    // Reading IIR acknowledges a THR-empty interrupt.
                    self.thr_empty_pending = false;
                }
                fifo | id
            }
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                self.start_input();
                self.poll_input();
                let ready = if self.rx.is_empty() { 0 } else { LSR_DATA_READY };
                ready | LSR_THR_EMPTY | LSR_TRANSMITTER_EMPTY
            }
            MSR => 0,
            SCR => self.scr,
            _ => 0,
        }
    }

    /// Writes register `offset`.
    pub fn write(&mut self, offset: u64, value: u8) {
        self.write_register(offset, value);
        if matches!(offset, RBR_THR_DLL | IER_DLM | IIR_FCR) {
            // QEMU's 16550 re-evaluates its interrupt after these writes
            // (a THR write lowers the line, and the instant transmission
            // raises it again).
            self.assertion.update(self.interrupt_pending());
        }
    }

    fn write_register(&mut self, offset: u64, value: u8) {
        let dlab = self.lcr & LCR_DLAB != 0;
        match offset {
            RBR_THR_DLL if dlab => self.divisor = (self.divisor & 0xff00) | value as u16,
            RBR_THR_DLL => {
                self.transmit(value);
                self.thr_empty_pending = true;
            }
            IER_DLM if dlab => self.divisor = (self.divisor & 0x00ff) | ((value as u16) << 8),
            IER_DLM => {
                let enabling_thre = value & IER_THR_EMPTY != 0 && self.ier & IER_THR_EMPTY == 0;
                self.ier = value & 0x0f;
                if enabling_thre {
                    // The transmitter is empty, so enabling its interrupt
                    // raises it at once, as on a real 16550.
                    self.thr_empty_pending = true;
                }
                if value & IER_RX_AVAILABLE != 0 {
                    self.start_input();
                }
            }
            IIR_FCR => {
                self.fifo_enabled = value & FCR_ENABLE != 0;
                if value & FCR_CLEAR_RX != 0 {
                    self.rx.clear();
                }
            }
            LCR => self.lcr = value,
            MCR => self.mcr = value & 0x1f,
            SCR => self.scr = value,
            _ => {}
        }
    }

    fn interrupt_id(&self) -> u8 {
        if self.ier & IER_RX_AVAILABLE != 0 && !self.rx.is_empty() {
            IIR_RX_AVAILABLE
        } else if self.ier & IER_THR_EMPTY != 0 && self.thr_empty_pending {
            IIR_THR_EMPTY
        } else {
            IIR_NONE
        }
    }

    /// The level of the UART's interrupt line.
    pub fn interrupt_pending(&self) -> bool {
        self.interrupt_id() != IIR_NONE
    }

    /// Samples the interrupt line for the PLIC.
    pub fn irq_line(&mut self) -> IrqLine {
        let level = self.interrupt_pending();
        self.assertion.sample(level)
    }

    /// Queues one byte of output.
    pub fn transmit(&mut self, byte: u8) {
        self.pending_output.push(byte);
        if byte == b'\n' || self.pending_output.len() >= OUTPUT_BUFFER {
            self.flush();
        }
    }

    /// Writes queued output to the sink. Output to a closed sink (a reader
    /// that went away) is dropped; the guest goes on.
    pub fn flush(&mut self) {
        if !self.pending_output.is_empty() && !self.output_failed {
            let ok = self.output.write_all(&self.pending_output).and_then(|_| self.output.flush());
            if let Err(e) = ok {
                log::warn!("console output stopped: {e}");
                self.output_failed = true;
            }
        }
        self.pending_output.clear();
    }

    fn start_input(&mut self) {
        if let Source::StdinNotStarted = self.source {
            self.source = match spawn_stdin_reader() {
                Ok(receiver) => Source::Channel(receiver),
                Err(e) => {
                    log::warn!("cannot read standard input: {e}");
                    Source::Closed
                }
            };
        }
    }

    /// Moves input that has arrived into the receive FIFO.
    pub fn poll_input(&mut self) {
        let Source::Channel(receiver) = &self.source else { return };
        let mut arrived = Vec::new();
        let closed = loop {
            match receiver.try_recv() {
                Ok(bytes) => arrived.push(bytes),
                Err(TryRecvError::Empty) => break false,
                Err(TryRecvError::Disconnected) => break true,
            }
        };
        for bytes in arrived {
            self.receive(&bytes);
        }
        if closed {
            self.input_ended();
        }
    }

    /// Queues received bytes, interpreting the escape sequence if on.
    fn receive(&mut self, bytes: &[u8]) {
        self.receive_bytes(bytes);
        self.assertion.update(self.interrupt_pending());
    }

    fn receive_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.escape = match (self.escape, b) {
                (Escape::Off, _) => {
                    self.rx.push_back(b);
                    Escape::Off
                }
                (Escape::Watching, crate::terminal::ESCAPE) => Escape::Seen,
                (Escape::Watching, _) => {
                    self.rx.push_back(b);
                    Escape::Watching
                }
                (Escape::Seen, b'x') => Escape::Quit,
                (Escape::Seen, _) => {
                    self.rx.push_back(b);
                    Escape::Watching
                }
                (Escape::Quit, _) => Escape::Quit,
            };
        }
    }

    /// Standard input reached its end: one Ctrl-D for the guest.
    fn input_ended(&mut self) {
        self.source = Source::Closed;
        self.rx.push_back(END_OF_TRANSMISSION);
        self.assertion.update(self.interrupt_pending());
    }

    /// True once the user typed Ctrl-A x.
    pub fn quit_requested(&self) -> bool {
        self.escape == Escape::Quit
    }

    /// True if more input may still arrive.
    pub fn input_open(&self) -> bool {
        matches!(self.source, Source::Channel(_) | Source::StdinNotStarted)
    }

    /// Blocks up to `timeout` for input; true if some arrived.
    pub fn wait_for_input(&mut self, timeout: Duration) -> bool {
        self.start_input();
        let Source::Channel(receiver) = &self.source else {
            thread::sleep(timeout);
            return false;
        };
        let received = receiver.recv_timeout(timeout);
        match received {
            Ok(bytes) => {
                self.receive(&bytes);
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                self.input_ended();
                true
            }
        }
    }
}

fn spawn_stdin_reader() -> io::Result<Receiver<Vec<u8>>> {
    let (sender, receiver) = mpsc::channel();
    thread::Builder::new().name("rvsim-stdin".into()).spawn(move || {
        let mut buf = [0u8; 1024];
        let mut stdin = io::stdin();
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if sender.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    })?;
    Ok(receiver)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn transmits_and_reports_an_empty_transmitter() {
        let out = Capture::default();
        let mut uart = Uart::new(Box::new(out.clone()), ConsoleInput::None);
        for b in b"hi\n" {
            uart.write(RBR_THR_DLL, *b);
        }
        assert_eq!(&*out.0.lock().unwrap(), b"hi\n");
        assert_eq!(uart.read(LSR) & (LSR_THR_EMPTY | LSR_DATA_READY), LSR_THR_EMPTY);
    }

    #[test]
    fn receives_bytes_and_raises_its_interrupt_only_when_enabled() {
        let mut uart = Uart::new(Box::new(io::sink()), ConsoleInput::Bytes(b"ab".to_vec()));
        assert!(!uart.interrupt_pending());
        uart.write(IER_DLM, IER_RX_AVAILABLE);
        assert!(uart.interrupt_pending());
        assert_eq!(uart.read(IIR_FCR) & 0x0f, IIR_RX_AVAILABLE);
        assert_eq!(uart.read(LSR) & LSR_DATA_READY, LSR_DATA_READY);
        assert_eq!(uart.read(RBR_THR_DLL), b'a');
        assert_eq!(uart.read(RBR_THR_DLL), b'b');
        assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0);
        assert!(!uart.interrupt_pending());
    }

    #[test]
    fn divisor_latch_hides_the_data_registers() {
        let out = Capture::default();
        let mut uart = Uart::new(Box::new(out.clone()), ConsoleInput::None);
        uart.write(LCR, LCR_DLAB);
        uart.write(RBR_THR_DLL, 0x34);
        uart.write(IER_DLM, 0x12);
        assert_eq!(uart.read(RBR_THR_DLL), 0x34);
        assert_eq!(uart.read(IER_DLM), 0x12);
        uart.write(LCR, 3);
        assert_eq!(uart.read(IER_DLM), 0);
        uart.flush();
        assert!(out.0.lock().unwrap().is_empty());
    }

    #[test]
    fn ctrl_a_x_requests_a_quit_and_ctrl_a_ctrl_a_sends_ctrl_a() {
        let mut uart = Uart::new(Box::new(io::sink()), ConsoleInput::StdinWithEscape);
        uart.receive(b"ab\x01\x01c");
        assert_eq!(uart.rx.iter().copied().collect::<Vec<u8>>(), b"ab\x01c");
        assert!(!uart.quit_requested());
        uart.receive(b"\x01x");
        assert!(uart.quit_requested());
    }

    #[test]
    fn thr_empty_interrupt_is_acknowledged_by_reading_iir() {
        let mut uart = Uart::new(Box::new(io::sink()), ConsoleInput::None);
        uart.write(IER_DLM, IER_THR_EMPTY);
        assert!(uart.interrupt_pending());
        assert_eq!(uart.read(IIR_FCR) & 0x0f, IIR_THR_EMPTY);
        assert!(!uart.interrupt_pending());
        uart.write(RBR_THR_DLL, b'x');
        assert!(uart.interrupt_pending());
    }
}
