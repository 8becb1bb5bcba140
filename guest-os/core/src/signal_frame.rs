//! The frame a signal handler runs on: Linux's riscv64 `struct
//! rt_sigframe`, a `siginfo_t` then a `ucontext_t`, which glibc's
//! `ucontext.h` describes. The kernel pushes it on the user stack before
//! the handler runs and reads it back at `rt_sigreturn`, so a handler may
//! look at, and change, the registers it interrupted.
//!
//! Layout (byte offsets in the frame):
//! - 0: `siginfo_t` (128 bytes): signo, errno, code, then the fields of
//!   the signal (pid and uid for kill; pid, uid and status for SIGCHLD;
//!   the address for faults);
//! - 128: `ucontext_t`: flags, link, `stack_t` (24), the signal mask (8,
//!   then 120 unused), then at 128 + 176 = 304 the machine context: pc
//!   and x1..x31, then at 560 the FP state (f0..f31, fcsr), whose union
//!   with the Q extension's makes it 528 bytes;
//! - 1088: the end, a multiple of 16.

use crate::signal::SigInfo;

/// Size of the frame.
pub const FRAME_SIZE: usize = 1088;
/// Offset of the `ucontext_t`.
pub const UCONTEXT: usize = 128;
/// Offset of the signal mask (`uc_sigmask`).
const SIGMASK: usize = UCONTEXT + 40;
/// Offset of the registers (`uc_mcontext.__gregs`: pc, x1..x31).
const GREGS: usize = UCONTEXT + 176;
/// Offset of the FP registers (`uc_mcontext.__fpregs.__d`).
const FPREGS: usize = GREGS + 32 * 8;
/// Offset of `fcsr` after them.
const FCSR: usize = FPREGS + 32 * 8;

/// FP registers f0..f31 and `fcsr`.
pub type FpRegs = ([u64; 32], u32);

/// What `rt_sigreturn` takes back from a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// `regs[0]` is the pc, `regs[i]` is `xi`.
    pub regs: [u64; 32],
    /// The FP registers, if the process uses FP.
    pub fp: Option<FpRegs>,
    /// The signal mask.
    pub mask: u64,
}

/// What a handler's frame holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The signal.
    pub sig: u32,
    /// What its sender said.
    pub info: SigInfo,
    /// The interrupted registers: `regs[0]` is the pc, `regs[i]` is `xi`.
    pub regs: [u64; 32],
    /// The interrupted FP registers and `fcsr`, if the process uses FP.
    pub fp: Option<FpRegs>,
    /// The mask to restore at the handler's return.
    pub mask: u64,
}

fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    bytes[at..at + value.len()].copy_from_slice(value);
}

fn get_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

impl Frame {
    /// The frame's bytes, as the handler finds them at its stack pointer.
    pub fn to_bytes(&self) -> [u8; FRAME_SIZE] {
        let mut b = [0u8; FRAME_SIZE];
        put(&mut b, 0, &(self.sig as i32).to_le_bytes());
        put(&mut b, 8, &self.info.code.to_le_bytes());
        // The union after the header: si_pid and si_uid (0, root), then
        // si_status for SIGCHLD; si_addr for faults.
        if self.info.addr != 0 {
            put(&mut b, 16, &self.info.addr.to_le_bytes());
        } else {
            put(&mut b, 16, &self.info.pid.to_le_bytes());
            put(&mut b, 24, &self.info.status.to_le_bytes());
        }
        put(&mut b, SIGMASK, &self.mask.to_le_bytes());
        for (i, r) in self.regs.iter().enumerate() {
            put(&mut b, GREGS + i * 8, &r.to_le_bytes());
        }
        if let Some((f, fcsr)) = &self.fp {
            for (i, r) in f.iter().enumerate() {
                put(&mut b, FPREGS + i * 8, &r.to_le_bytes());
            }
            put(&mut b, FCSR, &fcsr.to_le_bytes());
        }
        b
    }

    /// What `rt_sigreturn` takes back from a frame (perhaps changed by the
    /// handler): registers, FP state (if the process uses FP) and mask.
    pub fn restore(bytes: &[u8; FRAME_SIZE], uses_fp: bool) -> Restored {
        let regs = core::array::from_fn(|i| get_u64(bytes, GREGS + i * 8));
        let fp = uses_fp.then(|| {
            let f = core::array::from_fn(|i| get_u64(bytes, FPREGS + i * 8));
            (f, get_u64(bytes, FCSR) as u32)
        });
        Restored { regs, fp, mask: get_u64(bytes, SIGMASK) }
    }
}

/// Where a frame goes below the interrupted stack pointer `sp`: 16-byte
/// aligned, as the ABI wants at a call.
pub fn frame_address(sp: u64) -> u64 {
    (sp - FRAME_SIZE as u64) & !15
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_sits_where_glibc_looks() {
        let frame = Frame {
            sig: 11,
            info: SigInfo { code: 2, addr: 0x1234, ..SigInfo::default() },
            regs: core::array::from_fn(|i| i as u64 * 3 + 1),
            fp: Some((core::array::from_fn(|i| i as u64 + 100), 0x41)),
            mask: 0x8001,
        };
        let b = frame.to_bytes();
        assert_eq!(&b[0..4], &11i32.to_le_bytes(), "si_signo");
        assert_eq!(&b[8..12], &2i32.to_le_bytes(), "si_code");
        assert_eq!(get_u64(&b, 16), 0x1234, "si_addr");
        assert_eq!(get_u64(&b, 128 + 40), 0x8001, "uc_sigmask");
        assert_eq!(get_u64(&b, 128 + 176), 1, "REG_PC, glibc's uc_mcontext.__gregs[0]");
        assert_eq!(get_u64(&b, 128 + 176 + 10 * 8), 31, "a0 is __gregs[10]");
        assert_eq!(get_u64(&b, 128 + 176 + 256), 100, "__fpregs.__d.__f[0]");
        assert_eq!(Frame::restore(&b, true), Restored { regs: frame.regs, fp: frame.fp, mask: 0x8001 });
        assert_eq!(Frame::restore(&b, false).fp, None);
        assert_eq!(frame_address(0x1000_0008) % 16, 0);
        assert!(frame_address(0x1000_0008) + FRAME_SIZE as u64 <= 0x1000_0008);
    }

    #[test]
    fn a_childs_status_goes_after_its_pid() {
        let info = SigInfo { code: 1, pid: 7, status: 3, addr: 0 };
        let b = Frame { sig: 17, info, regs: [0; 32], fp: None, mask: 0 }.to_bytes();
        assert_eq!((&b[16..20], &b[24..28]), (&7u32.to_le_bytes()[..], &3i32.to_le_bytes()[..]));
    }
}
