//! PLIC (platform-level interrupt controller) at QEMU `virt`'s layout: two
//! contexts per hart, 2h driving hart h's MEIP and 2h+1 its SEIP. Claim
//! and complete follow the SiFive PLIC. How a source becomes pending is
//! the [`Gateway`]'s choice: QEMU 7.2's rule or the specification's
//! level-triggered gateway.

use super::IrqLine;

/// Interrupt sources (QEMU virt: 1..=95; 0 means "none").
pub const SOURCES: usize = 96;
/// Most harts a machine has.
pub const MAX_HARTS: usize = 8;
/// Contexts: M-mode and S-mode of each hart.
pub const CONTEXTS: usize = 2 * MAX_HARTS;
/// Largest priority (3 priority bits, as QEMU virt).
pub const MAX_PRIORITY: u32 = 7;

const PRIORITY_BASE: u64 = 0x0;
const PENDING_BASE: u64 = 0x1000;
const ENABLE_BASE: u64 = 0x2000;
const ENABLE_STRIDE: u64 = 0x80;
const CONTEXT_BASE: u64 = 0x20_0000;
const CONTEXT_STRIDE: u64 = 0x1000;
const WORDS: usize = SOURCES.div_ceil(32);

/// How a source's line makes it pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gateway {
    /// As QEMU 7.2's PLIC: a source becomes pending each time its device
    /// asserts the line (re-evaluates its condition and finds it high) and
    /// stops being pending when the line drops; completing a claim does
    /// not make it pending again. Stock xv6 relies on this: it enables the
    /// UART's transmit-empty interrupt and never reads IIR.
    #[default]
    Qemu,
    /// As the PLIC specification's level-triggered gateway: a source is
    /// pending while its line is high, and after completion it is pending
    /// again at once if the line is still high.
    Level,
}

impl Gateway {
    /// `qemu` or `level`, as `--plic` takes it.
    pub fn parse(text: &str) -> Result<Gateway, String> {
        match text {
            "qemu" => Ok(Gateway::Qemu),
            "level" => Ok(Gateway::Level),
            _ => Err(format!("'{text}' is not qemu or level")),
        }
    }
}

/// The PLIC's state.
#[derive(Debug, Clone)]
pub struct Plic {
    /// How lines make sources pending.
    pub gateway: Gateway,
    priority: [u32; SOURCES],
    level: [bool; SOURCES],
    pending: [u32; WORDS],
    claimed: [u32; WORDS],
    enable: [[u32; WORDS]; CONTEXTS],
    threshold: [u32; CONTEXTS],
}

impl Default for Plic {
    fn default() -> Self {
        Plic {
            gateway: Gateway::default(),
            priority: [0; SOURCES],
            level: [false; SOURCES],
            pending: [0; WORDS],
            claimed: [0; WORDS],
            enable: [[0; WORDS]; CONTEXTS],
            threshold: [0; CONTEXTS],
        }
    }
}

fn bit(words: &[u32; WORDS], source: usize) -> bool {
    words[source / 32] & (1 << (source % 32)) != 0
}

fn set_bit(words: &mut [u32; WORDS], source: usize, on: bool) {
    if on {
        words[source / 32] |= 1 << (source % 32);
    } else {
        words[source / 32] &= !(1 << (source % 32));
    }
}

impl Plic {
    /// Drives the interrupt line of `source`.
    pub fn drive(&mut self, source: usize, line: IrqLine) {
        if source == 0 || source >= SOURCES {
            return;
        }
        self.level[source] = line.level;
        let raise = match self.gateway {
            Gateway::Qemu => line.asserted,
            Gateway::Level => line.level && !bit(&self.claimed, source),
        };
        if raise {
            set_bit(&mut self.pending, source, true);
        }
        if !line.level {
            // A source whose line drops is no longer pending (under both
            // rules: QEMU's PLIC follows the level down too).
            set_bit(&mut self.pending, source, false);
        }
    }

    /// The best source context `context` would receive: pending, enabled,
    /// priority above the threshold; highest priority, then lowest number.
    fn best(&self, context: usize) -> Option<usize> {
        let mut best: Option<(u32, usize)> = None;
        for source in 1..SOURCES {
            let priority = self.priority[source];
            if bit(&self.pending, source)
                && !bit(&self.claimed, source)
                && bit(&self.enable[context], source)
                && priority > self.threshold[context]
                && best.is_none_or(|(p, _)| priority > p)
            {
                best = Some((priority, source));
            }
        }
        best.map(|(_, source)| source)
    }

    /// Whether context `context`'s interrupt output is raised.
    pub fn interrupt(&self, context: usize) -> bool {
        self.best(context).is_some()
    }

    fn claim(&mut self, context: usize) -> u32 {
        match self.best(context) {
            Some(source) => {
                set_bit(&mut self.pending, source, false);
                set_bit(&mut self.claimed, source, true);
                source as u32
            }
            None => 0,
        }
    }

    fn complete(&mut self, context: usize, source: u32) {
        let source = source as usize;
        if source == 0 || source >= SOURCES || !bit(&self.enable[context], source) {
            return;
        }
        set_bit(&mut self.claimed, source, false);
        if self.gateway == Gateway::Level && self.level[source] {
            set_bit(&mut self.pending, source, true);
        }
    }

    /// Reads a 32-bit register; `None` where nothing is mapped.
    pub fn read(&mut self, offset: u64, size: u8) -> Option<u64> {
        if size != 4 || !offset.is_multiple_of(4) {
            return None;
        }
        let value = match offset {
            PRIORITY_BASE..PENDING_BASE => *self.priority.get((offset / 4) as usize).unwrap_or(&0),
            PENDING_BASE..ENABLE_BASE => *self.pending.get(((offset - PENDING_BASE) / 4) as usize).unwrap_or(&0),
            ENABLE_BASE..CONTEXT_BASE => {
                let (context, word) =
                    ((offset - ENABLE_BASE) / ENABLE_STRIDE, (offset - ENABLE_BASE) % ENABLE_STRIDE / 4);
                self.enable.get(context as usize).and_then(|e| e.get(word as usize)).copied().unwrap_or(0)
            }
            _ => {
                let (context, register) =
                    ((offset - CONTEXT_BASE) / CONTEXT_STRIDE, (offset - CONTEXT_BASE) % CONTEXT_STRIDE);
                let context = context as usize;
                if context >= CONTEXTS {
                    return Some(0);
                }
                match register {
                    0 => self.threshold[context],
                    4 => self.claim(context),
                    _ => 0,
                }
            }
        };
        Some(value as u64)
    }

    /// Writes a 32-bit register; false where nothing is mapped.
    pub fn write(&mut self, offset: u64, size: u8, value: u64) -> bool {
        if size != 4 || !offset.is_multiple_of(4) {
            return false;
        }
        let value = value as u32;
        match offset {
            PRIORITY_BASE..PENDING_BASE => {
                if let Some(p) = self.priority.get_mut((offset / 4) as usize) {
                    *p = value.min(MAX_PRIORITY);
                }
            }
            PENDING_BASE..ENABLE_BASE => {}
            ENABLE_BASE..CONTEXT_BASE => {
                let (context, word) =
                    ((offset - ENABLE_BASE) / ENABLE_STRIDE, (offset - ENABLE_BASE) % ENABLE_STRIDE / 4);
                if let Some(e) = self.enable.get_mut(context as usize).and_then(|e| e.get_mut(word as usize)) {
                    // Source 0 does not exist.
                    *e = if word == 0 { value & !1 } else { value };
                }
            }
            _ => {
                let (context, register) =
                    ((offset - CONTEXT_BASE) / CONTEXT_STRIDE, (offset - CONTEXT_BASE) % CONTEXT_STRIDE);
                let context = context as usize;
                if context < CONTEXTS {
                    match register {
                        0 => self.threshold[context] = value.min(MAX_PRIORITY),
                        4 => self.complete(context, value),
                        _ => {}
                    }
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UART: usize = 10;
    const HIGH: IrqLine = IrqLine { level: true, asserted: true };
    const STILL_HIGH: IrqLine = IrqLine { level: true, asserted: false };
    const LOW: IrqLine = IrqLine { level: false, asserted: false };

    fn context_reg(context: u64, register: u64) -> u64 {
        CONTEXT_BASE + context * CONTEXT_STRIDE + register
    }

    fn plic_with_uart_enabled(context: u64) -> Plic {
        plic_with(Gateway::Qemu, context)
    }

    fn plic_with(gateway: Gateway, context: u64) -> Plic {
        let mut plic = Plic { gateway, ..Plic::default() };
        assert!(plic.write(4 * UART as u64, 4, 1));
        assert!(plic.write(ENABLE_BASE + context * ENABLE_STRIDE, 4, 1 << UART));
        plic
    }

    #[test]
    fn claim_and_complete_a_level_triggered_source() {
        let mut plic = plic_with(Gateway::Level, 1);
        plic.drive(UART, HIGH);
        assert!(plic.interrupt(1) && !plic.interrupt(0), "only the enabled context");
        assert_eq!(plic.read(PENDING_BASE, 4), Some(1 << UART));
        assert_eq!(plic.read(context_reg(1, 4), 4), Some(UART as u64));
        assert!(!plic.interrupt(1), "claimed: no longer pending");
        assert_eq!(plic.read(context_reg(1, 4), 4), Some(0), "nothing else to claim");
        // Still high at completion: pending again.
        assert!(plic.write(context_reg(1, 4), 4, UART as u64));
        assert!(plic.interrupt(1));
        plic.drive(UART, LOW);
        assert!(!plic.interrupt(1));
    }

    #[test]
    fn qemu_gateway_pends_only_when_the_device_asserts() {
        let mut plic = plic_with_uart_enabled(1);
        plic.drive(UART, STILL_HIGH);
        assert!(!plic.interrupt(1), "a level alone does not make it pending");
        plic.drive(UART, HIGH);
        assert_eq!(plic.read(context_reg(1, 4), 4), Some(UART as u64));
        assert!(plic.write(context_reg(1, 4), 4, UART as u64));
        plic.drive(UART, STILL_HIGH);
        assert!(!plic.interrupt(1), "completion with the line still high: not pending again");
        // Asserted while claimed: delivered once the claim completes.
        plic.drive(UART, HIGH);
        assert_eq!(plic.read(context_reg(1, 4), 4), Some(UART as u64));
        plic.drive(UART, HIGH);
        assert!(!plic.interrupt(1), "a claimed source is not offered again");
        assert!(plic.write(context_reg(1, 4), 4, UART as u64));
        assert!(plic.interrupt(1));
        plic.drive(UART, LOW);
        assert!(!plic.interrupt(1), "the line dropped");
    }

    #[test]
    fn every_hart_has_an_m_and_an_s_context() {
        let mut plic = plic_with_uart_enabled(2 * 5 + 1);
        plic.drive(UART, HIGH);
        assert!(plic.interrupt(11) && !plic.interrupt(10) && !plic.interrupt(1));
        assert_eq!(plic.read(context_reg(11, 4), 4), Some(UART as u64));
    }

    #[test]
    fn threshold_and_priority_gate_delivery() {
        let mut plic = plic_with_uart_enabled(0);
        plic.drive(UART, HIGH);
        assert!(plic.interrupt(0));
        assert!(plic.write(context_reg(0, 0), 4, 1));
        assert!(!plic.interrupt(0), "priority 1 is not above threshold 1");
        assert!(plic.write(4 * UART as u64, 4, 0));
        assert!(plic.write(context_reg(0, 0), 4, 0));
        assert!(!plic.interrupt(0), "priority 0 never interrupts");
    }

    #[test]
    fn highest_priority_then_lowest_number_is_claimed_first() {
        let mut plic = Plic::default();
        for (source, priority) in [(3, 2), (5, 6), (7, 6)] {
            assert!(plic.write(4 * source, 4, priority));
            plic.drive(source as usize, HIGH);
        }
        assert!(plic.write(ENABLE_BASE, 4, (1 << 3) | (1 << 5) | (1 << 7)));
        let claims: Vec<u64> = (0..4).map(|_| plic.read(context_reg(0, 4), 4).unwrap()).collect();
        assert_eq!(claims, vec![5, 7, 3, 0]);
    }
}
