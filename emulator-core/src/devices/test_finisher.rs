//! The SiFive test device ("sifive,test0") QEMU `virt` uses to end a run:
//! a 32-bit write of 0x5555 passes, `(code << 16) | 0x3333` fails with
//! `code`, 0x7777 asks for a reset.

use crate::machine::StopReason;

const PASS: u64 = 0x5555;
const FAIL: u64 = 0x3333;
const RESET: u64 = 0x7777;

/// What a write to the finisher asks for; other values are ignored, as on
/// QEMU.
pub fn decode_write(offset: u64, size: u8, value: u64) -> Option<StopReason> {
    if offset != 0 || size < 4 {
        return None;
    }
    match value & 0xffff {
        PASS => Some(StopReason::Exit(0)),
        FAIL => Some(StopReason::Exit((value >> 16) & 0xffff)),
        RESET => Some(StopReason::ResetRequested),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_fail_and_reset_as_qemu() {
        assert_eq!(decode_write(0, 4, 0x5555), Some(StopReason::Exit(0)));
        assert_eq!(decode_write(0, 4, (42 << 16) | 0x3333), Some(StopReason::Exit(42)));
        assert_eq!(decode_write(0, 4, 0x7777), Some(StopReason::ResetRequested));
        assert_eq!(decode_write(0, 4, 0x1234), None);
        assert_eq!(decode_write(4, 4, 0x5555), None);
    }
}
