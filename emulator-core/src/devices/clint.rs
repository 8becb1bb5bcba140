//! CLINT (core-local interruptor): the machine timer (`mtime`, one
//! `mtimecmp` per hart) and the machine software interrupts (one `msip`
//! per hart), at the offsets QEMU `virt` uses.

use super::plic::MAX_HARTS;

const MSIP: u64 = 0x0;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xbff8;

/// The CLINT. `mtime` is derived from the machine's clock (its raw ticks)
/// plus an offset that guest writes to `mtime` set. Registers of harts the
/// machine does not have read as zero and ignore writes.
#[derive(Debug, Clone)]
pub struct Clint {
    harts: usize,
    /// `msip` bit 0 of each hart: its machine software interrupt is
    /// pending.
    pub msip: [bool; MAX_HARTS],
    /// `mtimecmp` of each hart; zero at reset, as on QEMU, so MTIP starts
    /// pending.
    pub mtimecmp: [u64; MAX_HARTS],
    time_offset: u64,
}

impl Default for Clint {
    fn default() -> Self {
        Clint::new(1)
    }
}

/// Reads `size` bytes at byte `at` of the 64-bit register `value`
/// (aligned 4- or 8-byte halves only).
fn read_part(value: u64, at: u64, size: u8) -> Option<u64> {
    match (at, size) {
        (0, 8) => Some(value),
        (0, 4) => Some(value & 0xffff_ffff),
        (4, 4) => Some(value >> 32),
        _ => None,
    }
}

/// Writes `size` bytes at byte `at` of the 64-bit register `old`.
fn write_part(old: u64, at: u64, size: u8, value: u64) -> Option<u64> {
    match (at, size) {
        (0, 8) => Some(value),
        (0, 4) => Some((old & !0xffff_ffff) | (value & 0xffff_ffff)),
        (4, 4) => Some((old & 0xffff_ffff) | (value << 32)),
        _ => None,
    }
}

impl Clint {
    /// The CLINT of a machine with `harts` harts (1 to [`MAX_HARTS`]).
    pub fn new(harts: usize) -> Clint {
        Clint { harts: harts.clamp(1, MAX_HARTS), msip: [false; MAX_HARTS], mtimecmp: [0; MAX_HARTS], time_offset: 0 }
    }

    /// `mtime` when the machine's clock reads `ticks`.
    pub fn mtime(&self, ticks: u64) -> u64 {
        ticks.wrapping_add(self.time_offset)
    }

    /// The level of hart `hart`'s machine timer interrupt line (MTIP).
    pub fn timer_pending(&self, hart: usize, ticks: u64) -> bool {
        self.mtime(ticks) >= self.mtimecmp[hart % MAX_HARTS]
    }

    /// Ticks until hart `hart`'s MTIP rises (0 if already pending).
    pub fn ticks_until_timer(&self, hart: usize, ticks: u64) -> u64 {
        self.mtimecmp[hart % MAX_HARTS].saturating_sub(self.mtime(ticks))
    }

    /// The hart whose `msip` (`at` = offset from MSIP) or `mtimecmp`
    /// (from MTIMECMP) lies at `at`, and the byte inside the register.
    fn register(&self, at: u64, width: u64) -> Option<(usize, u64)> {
        let hart = (at / width) as usize;
        (hart < self.harts).then_some((hart, at % width))
    }

    /// Reads a register; `None` for an unmapped offset or unsupported size.
    pub fn read(&self, offset: u64, size: u8, ticks: u64) -> Option<u64> {
        match offset {
            MSIP..MTIMECMP if size == 4 && offset.is_multiple_of(4) => {
                Some(self.register(offset - MSIP, 4).map_or(0, |(hart, _)| self.msip[hart] as u64))
            }
            MTIMECMP..MTIME => match self.register(offset - MTIMECMP, 8) {
                Some((hart, at)) => read_part(self.mtimecmp[hart], at, size),
                None => read_part(0, (offset - MTIMECMP) % 8, size),
            },
            MTIME..=0xbfff => read_part(self.mtime(ticks), offset - MTIME, size),
            _ => None,
        }
    }

    /// Writes a register; false for an unmapped offset or unsupported size.
    pub fn write(&mut self, offset: u64, size: u8, value: u64, ticks: u64) -> bool {
        match offset {
            MSIP..MTIMECMP if size == 4 && offset.is_multiple_of(4) => {
                if let Some((hart, _)) = self.register(offset - MSIP, 4) {
                    self.msip[hart] = value & 1 != 0;
                }
            }
            MTIMECMP..MTIME => {
                let Some((hart, at)) = self.register(offset - MTIMECMP, 8) else {
                    return write_part(0, (offset - MTIMECMP) % 8, size, value).is_some();
                };
                match write_part(self.mtimecmp[hart], at, size, value) {
                    Some(v) => self.mtimecmp[hart] = v,
                    None => return false,
                }
            }
            MTIME..=0xbfff => match write_part(self.mtime(ticks), offset - MTIME, size, value) {
                Some(v) => self.time_offset = v.wrapping_sub(ticks),
                None => return false,
            },
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_fires_when_mtime_reaches_mtimecmp() {
        let mut clint = Clint::default();
        assert!(clint.timer_pending(0, 0), "mtimecmp resets to 0");
        assert!(clint.write(MTIMECMP, 8, 100, 0));
        assert!(!clint.timer_pending(0, 99));
        assert_eq!(clint.ticks_until_timer(0, 40), 60);
        assert!(clint.timer_pending(0, 100));
    }

    #[test]
    fn registers_are_readable_in_32_bit_halves() {
        let mut clint = Clint::default();
        assert!(clint.write(MTIMECMP + 4, 4, 0x1234, 0));
        assert!(clint.write(MTIMECMP, 4, 0x5678, 0));
        assert_eq!(clint.read(MTIMECMP, 8, 0), Some(0x1234_0000_5678));
        assert_eq!(clint.read(MTIMECMP + 4, 4, 0), Some(0x1234));
        assert_eq!(clint.read(MTIMECMP + 2, 4, 0), None);
    }

    #[test]
    fn writing_mtime_moves_time_without_touching_the_clock() {
        let mut clint = Clint::default();
        assert!(clint.write(MTIME, 8, 1_000, 50));
        assert_eq!(clint.read(MTIME, 8, 50), Some(1_000));
        assert_eq!(clint.read(MTIME, 8, 60), Some(1_010));
    }

    #[test]
    fn msip_is_a_single_bit_word() {
        let mut clint = Clint::default();
        assert!(clint.write(MSIP, 4, 0xffff_ffff, 0));
        assert!(clint.msip[0]);
        assert_eq!(clint.read(MSIP, 4, 0), Some(1));
        assert!(!clint.write(MSIP, 1, 0, 0));
    }

    #[test]
    fn every_hart_has_its_own_msip_and_mtimecmp() {
        let mut clint = Clint::new(3);
        assert!(clint.write(MSIP + 8, 4, 1, 0));
        assert_eq!(clint.msip, [false, false, true, false, false, false, false, false]);
        assert!(clint.write(MTIMECMP + 16, 8, 500, 0));
        assert!(clint.timer_pending(0, 10) && !clint.timer_pending(2, 10));
        assert_eq!(clint.ticks_until_timer(2, 100), 400);
        // A hart the machine does not have: reads zero, writes ignored.
        assert!(clint.write(MSIP + 12, 4, 1, 0));
        assert_eq!(clint.read(MSIP + 12, 4, 0), Some(0));
        assert!(clint.write(MTIMECMP + 24, 8, 7, 0));
        assert_eq!(clint.read(MTIMECMP + 24, 8, 0), Some(0));
    }
}
