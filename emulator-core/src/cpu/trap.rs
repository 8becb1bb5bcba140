//! Traps: the architected exceptions and interrupts, their cause codes and
//! the value each writes to `mtval`/`stval`.

use std::fmt;

/// A privilege mode. The numeric values are the architected encodings (as
/// found in `mstatus.MPP`), so modes compare by privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Privilege {
    /// U-mode.
    User = 0,
    /// S-mode.
    Supervisor = 1,
    /// M-mode.
    Machine = 3,
}

impl Privilege {
    /// Decodes a two-bit privilege field. The reserved value 2 (the
    /// hypervisor encoding, absent here) legalises to U, as Spike does.
    pub fn from_bits(bits: u64) -> Privilege {
        match bits & 3 {
            3 => Privilege::Machine,
            1 => Privilege::Supervisor,
            _ => Privilege::User,
        }
    }

    /// One-letter name, as in Spike's logs.
    pub fn letter(self) -> char {
        match self {
            Privilege::User => 'U',
            Privilege::Supervisor => 'S',
            Privilege::Machine => 'M',
        }
    }
}

/// A synchronous exception. The payload is what the trap writes to
/// `xtval`: a faulting address, or the bits of an illegal instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exception {
    /// Cause 0. Cannot occur with the C extension (IALIGN is 16).
    InstructionAddressMisaligned(u64),
    /// Cause 1: fetch from a physical address that is not RAM.
    InstructionAccessFault(u64),
    /// Cause 2: the payload is the instruction's encoding (16 or 32 bits).
    IllegalInstruction(u64),
    /// Cause 3: `ebreak`. Like QEMU, `xtval` is written with zero.
    Breakpoint,
    /// Cause 4.
    LoadAddressMisaligned(u64),
    /// Cause 5.
    LoadAccessFault(u64),
    /// Cause 6 (stores and AMOs).
    StoreAddressMisaligned(u64),
    /// Cause 7 (stores and AMOs).
    StoreAccessFault(u64),
    /// Cause 8.
    EcallFromU,
    /// Cause 9.
    EcallFromS,
    /// Cause 11.
    EcallFromM,
    /// Cause 12.
    InstructionPageFault(u64),
    /// Cause 13.
    LoadPageFault(u64),
    /// Cause 15 (stores and AMOs).
    StorePageFault(u64),
}

impl Exception {
    /// The exception code written to `xcause`.
    pub fn code(self) -> u64 {
        use Exception::*;
        match self {
            InstructionAddressMisaligned(_) => 0,
            InstructionAccessFault(_) => 1,
            IllegalInstruction(_) => 2,
            Breakpoint => 3,
            LoadAddressMisaligned(_) => 4,
            LoadAccessFault(_) => 5,
            StoreAddressMisaligned(_) => 6,
            StoreAccessFault(_) => 7,
            EcallFromU => 8,
            EcallFromS => 9,
            EcallFromM => 11,
            InstructionPageFault(_) => 12,
            LoadPageFault(_) => 13,
            StorePageFault(_) => 15,
        }
    }

    /// The value written to `xtval`.
    pub fn tval(self) -> u64 {
        use Exception::*;
        match self {
            InstructionAddressMisaligned(v)
            | InstructionAccessFault(v)
            | IllegalInstruction(v)
            | LoadAddressMisaligned(v)
            | LoadAccessFault(v)
            | StoreAddressMisaligned(v)
            | StoreAccessFault(v)
            | InstructionPageFault(v)
            | LoadPageFault(v)
            | StorePageFault(v) => v,
            Breakpoint | EcallFromU | EcallFromS | EcallFromM => 0,
        }
    }

    /// The specification's name for the exception.
    pub fn name(self) -> &'static str {
        exception_name(self.code())
    }
}

/// The specification's name for an exception code, or "reserved".
pub fn exception_name(code: u64) -> &'static str {
    match code {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store/AMO address misaligned",
        7 => "store/AMO access fault",
        8 => "environment call from U-mode",
        9 => "environment call from S-mode",
        11 => "environment call from M-mode",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store/AMO page fault",
        _ => "reserved",
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (tval {:#x})", self.name(), self.tval())
    }
}

/// An interrupt source; the discriminant is the interrupt's bit in
/// `mip`/`mie` and its code in `xcause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Interrupt {
    /// SSI, code 1.
    SupervisorSoftware = 1,
    /// MSI, code 3.
    MachineSoftware = 3,
    /// STI, code 5.
    SupervisorTimer = 5,
    /// MTI, code 7.
    MachineTimer = 7,
    /// SEI, code 9.
    SupervisorExternal = 9,
    /// MEI, code 11.
    MachineExternal = 11,
}

impl Interrupt {
    /// Interrupts in the order the privileged specification gives them
    /// priority when several are pending and enabled at once.
    pub const BY_PRIORITY: [Interrupt; 6] = [
        Interrupt::MachineExternal,
        Interrupt::MachineSoftware,
        Interrupt::MachineTimer,
        Interrupt::SupervisorExternal,
        Interrupt::SupervisorSoftware,
        Interrupt::SupervisorTimer,
    ];

    /// The interrupt's bit in `mip` and `mie`.
    pub fn mask(self) -> u64 {
        1 << (self as u8)
    }

    /// The specification's name for the interrupt.
    pub fn name(self) -> &'static str {
        match self {
            Interrupt::SupervisorSoftware => "supervisor software interrupt",
            Interrupt::MachineSoftware => "machine software interrupt",
            Interrupt::SupervisorTimer => "supervisor timer interrupt",
            Interrupt::MachineTimer => "machine timer interrupt",
            Interrupt::SupervisorExternal => "supervisor external interrupt",
            Interrupt::MachineExternal => "machine external interrupt",
        }
    }
}

/// Anything that transfers control to a trap handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trap {
    /// A synchronous exception raised by an instruction.
    Exception(Exception),
    /// An asynchronous interrupt taken between instructions.
    Interrupt(Interrupt),
}

impl Trap {
    /// The value written to `xcause` (interrupt bit 63 included).
    pub fn cause(self) -> u64 {
        match self {
            Trap::Exception(e) => e.code(),
            Trap::Interrupt(i) => (1 << 63) | i as u64,
        }
    }

    /// The value written to `xtval`.
    pub fn tval(self) -> u64 {
        match self {
            Trap::Exception(e) => e.tval(),
            Trap::Interrupt(_) => 0,
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trap::Exception(e) => e.fmt(f),
            Trap::Interrupt(i) => f.write_str(i.name()),
        }
    }
}
