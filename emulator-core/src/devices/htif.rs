//! HTIF, the host-target interface of Spike and riscv-tests: the guest
//! writes commands to its `tohost` symbol; rvsim answers in `fromhost`.
//!
//! A command is `device << 56 | cmd << 48 | payload`. Supported: device 0
//! with an odd payload (exit with `payload >> 1`), device 0 with an even
//! payload (a pointer to a syscall block: `write` and `exit`, as the
//! riscv-tests benchmarks use), and device 1 command 1 (console putchar).

use crate::devices::Uart;
use crate::machine::StopReason;
use crate::ram::Ram;

const SYS_WRITE: u64 = 64;
const SYS_EXIT: u64 = 93;
const ENOSYS: i64 = 38;

/// The `tohost`/`fromhost` pair of a loaded program.
#[derive(Debug, Clone, Copy)]
pub struct Htif {
    /// Address of `tohost`; `u64::MAX` when the program has none.
    pub tohost: u64,
    /// Address of `fromhost`, if the program has one.
    pub fromhost: Option<u64>,
}

impl Default for Htif {
    fn default() -> Self {
        Htif { tohost: u64::MAX, fromhost: None }
    }
}

impl Htif {
    /// Handles a write to `tohost` that left it non-zero. The pages of RAM
    /// it writes (`tohost`, `fromhost`, a syscall's result) go into
    /// `written`, as a device's DMA does, for the decoded-instruction
    /// cache to see.
    pub fn service(&self, ram: &mut Ram, console: &mut Uart, written: &mut Vec<u64>) -> Option<StopReason> {
        let command = ram.read::<8>(self.tohost)?;
        if command == 0 {
            return None;
        }
        let (device, cmd, payload) = (command >> 56, (command >> 48) & 0xff, command & 0xffff_ffff_ffff);
        let mut response = None;
        match (device, cmd) {
            (0, _) if payload & 1 == 1 => return Some(StopReason::Exit(payload >> 1)),
            (0, _) => {
                if let Some(stop) = self.syscall(ram, console, payload) {
                    return Some(stop);
                }
                written.push(payload >> 12);
                response = Some(1);
            }
            (1, 1) => {
                console.transmit(payload as u8);
                response = Some((1 << 56) | (1 << 48) | 0x100 | (payload & 0xff));
            }
            _ => log::warn!("HTIF: unsupported command {command:#x}"),
        }
        ram.write::<8>(self.tohost, 0);
        written.push(self.tohost >> 12);
        if let (Some(fromhost), Some(value)) = (self.fromhost, response) {
            ram.write::<8>(fromhost, value);
            written.push(fromhost >> 12);
        }
        None
    }

    /// A syscall block: `[number, arg0, arg1, arg2, ...]`; the result goes
    /// back into word 0.
    fn syscall(&self, ram: &mut Ram, console: &mut Uart, block: u64) -> Option<StopReason> {
        let word = |ram: &Ram, i: u64| ram.read::<8>(block.wrapping_add(8 * i)).unwrap_or(0);
        let (number, a0, a1, a2) = (word(ram, 0), word(ram, 1), word(ram, 2), word(ram, 3));
        let result = match number {
            SYS_EXIT => return Some(StopReason::Exit(a0)),
            SYS_WRITE if a0 == 1 || a0 == 2 => match ram.slice(a1, a2) {
                Some(bytes) => {
                    for &b in bytes {
                        console.transmit(b);
                    }
                    a2 as i64
                }
                None => -14,
            },
            _ => -ENOSYS,
        };
        ram.write::<8>(block, result as u64);
        None
    }
}
