//! A device's interrupt output, as the PLIC sees it.
//!
//! QEMU's devices call `qemu_set_irq` whenever they re-evaluate their
//! interrupt condition (a THR write, an IER write, a used buffer), and
//! QEMU 7.2's PLIC makes the source pending at each such call that finds
//! the line high. The specification's level-triggered gateway looks only at
//! the level. A device therefore reports both: its level, and whether it
//! has asserted the line since the PLIC last looked.

/// The state of one interrupt output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IrqLine {
    /// The line is high.
    pub level: bool,
    /// The device (re)asserted it since it was last sampled.
    pub asserted: bool,
}

/// What a device keeps to drive its line: whether it asserted it since the
/// last sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct Assertion(bool);

impl Assertion {
    /// The device re-evaluated its interrupt condition (as QEMU's
    /// `*_update_irq` does): if the line is high, that asserts it.
    pub fn update(&mut self, level: bool) {
        self.0 |= level;
    }

    /// Samples the line: its level, and whether it was asserted since the
    /// last sample (which this forgets).
    pub fn sample(&mut self, level: bool) -> IrqLine {
        let asserted = std::mem::take(&mut self.0) && level;
        IrqLine { level, asserted }
    }
}
