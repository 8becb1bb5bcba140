//! The host terminal while a guest owns the console: input goes to the
//! guest a byte at a time, unechoed (the guest echoes), and Ctrl-C reaches
//! the guest; Ctrl-A x quits rvsim, as in QEMU. Output processing stays on,
//! as QEMU's `-nographic` leaves it.

use rustix::termios::{self, LocalModes, OptionalActions, Termios};

/// The console escape byte: Ctrl-A.
pub const ESCAPE: u8 = 0x01;

/// Puts the terminal back as it was when dropped.
pub struct RawTerminal {
    saved: Termios,
}

impl RawTerminal {
    /// Switches standard input to raw input if it is a terminal.
    pub fn enable() -> Option<RawTerminal> {
        let stdin = rustix::stdio::stdin();
        if !termios::isatty(stdin) {
            return None;
        }
        let saved = termios::tcgetattr(stdin).ok()?;
        let mut raw = saved.clone();
        raw.local_modes &= !(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG | LocalModes::IEXTEN);
        termios::tcsetattr(stdin, OptionalActions::Now, &raw).ok()?;
        Some(RawTerminal { saved })
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(rustix::stdio::stdin(), OptionalActions::Now, &self.saved);
    }
}
