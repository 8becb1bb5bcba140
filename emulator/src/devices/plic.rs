//! PLIC (platform-level interrupt controller) at QEMU `virt`'s layout, for
//! hart 0's two contexts: 0 drives MEIP, 1 drives SEIP. Sources are
//! level-triggered (UART is 10); a source is pending while its line is
//! high and it is not claimed, and claim/complete follow the SiFive PLIC.

/// Interrupt sources (QEMU virt: 1..=95; 0 means "none").
pub const SOURCES: usize = 96;
/// Contexts: hart 0 M-mode and hart 0 S-mode.
pub const CONTEXTS: usize = 2;
/// Largest priority (3 priority bits, as QEMU virt).
pub const MAX_PRIORITY: u32 = 7;

const PRIORITY_BASE: u64 = 0x0;
const PENDING_BASE: u64 = 0x1000;
const ENABLE_BASE: u64 = 0x2000;
const ENABLE_STRIDE: u64 = 0x80;
const CONTEXT_BASE: u64 = 0x20_0000;
const CONTEXT_STRIDE: u64 = 0x1000;
const WORDS: usize = SOURCES.div_ceil(32);

/// The PLIC's state.
#[derive(Debug, Clone)]
pub struct Plic {
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
    pub fn set_level(&mut self, source: usize, high: bool) {
        if source == 0 || source >= SOURCES {
            return;
        }
        self.level[source] = high;
        if high && !bit(&self.claimed, source) {
            set_bit(&mut self.pending, source, true);
        }
        if !high {
            // A level-triggered source that drops its line is no longer
            // pending (as QEMU's PLIC models it).
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
        if self.level[source] {
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

    fn context_reg(context: u64, register: u64) -> u64 {
        CONTEXT_BASE + context * CONTEXT_STRIDE + register
    }

    fn plic_with_uart_enabled(context: u64) -> Plic {
        let mut plic = Plic::default();
        assert!(plic.write(4 * UART as u64, 4, 1));
        assert!(plic.write(ENABLE_BASE + context * ENABLE_STRIDE, 4, 1 << UART));
        plic
    }

    #[test]
    fn claim_and_complete_a_level_triggered_source() {
        let mut plic = plic_with_uart_enabled(1);
        plic.set_level(UART, true);
        assert!(plic.interrupt(1) && !plic.interrupt(0), "only the enabled context");
        assert_eq!(plic.read(PENDING_BASE, 4), Some(1 << UART));
        assert_eq!(plic.read(context_reg(1, 4), 4), Some(UART as u64));
        assert!(!plic.interrupt(1), "claimed: no longer pending");
        assert_eq!(plic.read(context_reg(1, 4), 4), Some(0), "nothing else to claim");
        // Still high at completion: pending again.
        assert!(plic.write(context_reg(1, 4), 4, UART as u64));
        assert!(plic.interrupt(1));
        plic.set_level(UART, false);
        assert!(!plic.interrupt(1));
    }

    #[test]
    fn threshold_and_priority_gate_delivery() {
        let mut plic = plic_with_uart_enabled(0);
        plic.set_level(UART, true);
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
            plic.set_level(source as usize, true);
        }
        assert!(plic.write(ENABLE_BASE, 4, (1 << 3) | (1 << 5) | (1 << 7)));
        let claims: Vec<u64> = (0..4).map(|_| plic.read(context_reg(0, 4), 4).unwrap()).collect();
        assert_eq!(claims, vec![5, 7, 3, 0]);
    }
}
