//! CLINT (core-local interruptor): the machine timer (`mtime`,
//! `mtimecmp`) and the machine software interrupt (`msip`) of hart 0, at
//! the offsets QEMU `virt` uses.

const MSIP: u64 = 0x0;
const MTIMECMP: u64 = 0x4000;
const MTIME: u64 = 0xbff8;

/// The CLINT of a one-hart machine. `mtime` is derived from the hart's
/// clock (its raw ticks) plus an offset that guest writes to `mtime` set.
#[derive(Debug, Clone, Default)]
pub struct Clint {
    /// `msip` bit 0: the machine software interrupt is pending.
    pub msip: bool,
    /// `mtimecmp`; zero at reset, as on QEMU, so MTIP starts pending.
    pub mtimecmp: u64,
    time_offset: u64,
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
    /// `mtime` when the hart's clock reads `ticks`.
    pub fn mtime(&self, ticks: u64) -> u64 {
        ticks.wrapping_add(self.time_offset)
    }

    /// The level of the machine timer interrupt line (MTIP).
    pub fn timer_pending(&self, ticks: u64) -> bool {
        self.mtime(ticks) >= self.mtimecmp
    }

    /// Ticks until MTIP rises (0 if already pending).
    pub fn ticks_until_timer(&self, ticks: u64) -> u64 {
        self.mtimecmp.saturating_sub(self.mtime(ticks))
    }

    /// Reads a register; `None` for an unmapped offset or unsupported size.
    pub fn read(&self, offset: u64, size: u8, ticks: u64) -> Option<u64> {
        match offset {
            MSIP if size == 4 => Some(self.msip as u64),
            MTIMECMP..=0x4007 => read_part(self.mtimecmp, offset - MTIMECMP, size),
            MTIME..=0xbfff => read_part(self.mtime(ticks), offset - MTIME, size),
            _ => None,
        }
    }

    /// Writes a register; false for an unmapped offset or unsupported size.
    pub fn write(&mut self, offset: u64, size: u8, value: u64, ticks: u64) -> bool {
        match offset {
            MSIP if size == 4 => self.msip = value & 1 != 0,
            MTIMECMP..=0x4007 => match write_part(self.mtimecmp, offset - MTIMECMP, size, value) {
                Some(v) => self.mtimecmp = v,
                None => return false,
            },
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
        assert!(clint.timer_pending(0), "mtimecmp resets to 0");
        assert!(clint.write(MTIMECMP, 8, 100, 0));
        assert!(!clint.timer_pending(99));
        assert_eq!(clint.ticks_until_timer(40), 60);
        assert!(clint.timer_pending(100));
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
        assert!(clint.msip);
        assert_eq!(clint.read(MSIP, 4, 0), Some(1));
        assert!(!clint.write(MSIP, 1, 0, 0));
    }
}
