//! Control and status registers: their numbers, their storage, and the
//! rules for reading and writing them (privilege, read-only, WARL fields).

use super::{Cpu, Privilege};
use crate::cpu::Exception;
use crate::isa::{Decoded, ExecResult, X0_SINK};

/// Fields of `menvcfg` and `senvcfg`.
pub mod envcfg {
    /// Fence of I/O implies memory.
    pub const FIOM: u64 = 1;
    /// Sstc: `stimecmp` is on.
    pub const STCE: u64 = 1 << 63;
}

/// CSR numbers.
pub mod addr {
    #![allow(missing_docs)]
    pub const FFLAGS: u16 = 0x001;
    pub const FRM: u16 = 0x002;
    pub const FCSR: u16 = 0x003;
    pub const SSTATUS: u16 = 0x100;
    pub const SIE: u16 = 0x104;
    pub const STVEC: u16 = 0x105;
    pub const SCOUNTEREN: u16 = 0x106;
    pub const SENVCFG: u16 = 0x10a;
    pub const SSCRATCH: u16 = 0x140;
    pub const SEPC: u16 = 0x141;
    pub const SCAUSE: u16 = 0x142;
    pub const STVAL: u16 = 0x143;
    pub const SIP: u16 = 0x144;
    pub const STIMECMP: u16 = 0x14d;
    pub const SATP: u16 = 0x180;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MCOUNTEREN: u16 = 0x306;
    pub const MENVCFG: u16 = 0x30a;
    pub const MCOUNTINHIBIT: u16 = 0x320;
    pub const MHPMEVENT3: u16 = 0x323;
    pub const MHPMEVENT31: u16 = 0x33f;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const PMPCFG0: u16 = 0x3a0;
    pub const PMPCFG2: u16 = 0x3a2;
    pub const PMPADDR0: u16 = 0x3b0;
    pub const PMPADDR15: u16 = 0x3bf;
    pub const TSELECT: u16 = 0x7a0;
    pub const TDATA1: u16 = 0x7a1;
    pub const TDATA2: u16 = 0x7a2;
    pub const TDATA3: u16 = 0x7a3;
    pub const MCYCLE: u16 = 0xb00;
    pub const MINSTRET: u16 = 0xb02;
    pub const MHPMCOUNTER3: u16 = 0xb03;
    pub const MHPMCOUNTER31: u16 = 0xb1f;
    pub const CYCLE: u16 = 0xc00;
    pub const TIME: u16 = 0xc01;
    pub const INSTRET: u16 = 0xc02;
    pub const HPMCOUNTER3: u16 = 0xc03;
    pub const HPMCOUNTER31: u16 = 0xc1f;
    pub const MVENDORID: u16 = 0xf11;
    pub const MARCHID: u16 = 0xf12;
    pub const MIMPID: u16 = 0xf13;
    pub const MHARTID: u16 = 0xf14;
    pub const MCONFIGPTR: u16 = 0xf15;
}

/// `mstatus` fields.
pub mod status {
    #![allow(missing_docs)]
    pub const SIE: u64 = 1 << 1;
    pub const MIE: u64 = 1 << 3;
    pub const SPIE: u64 = 1 << 5;
    pub const MPIE: u64 = 1 << 7;
    pub const SPP: u64 = 1 << 8;
    pub const MPP_SHIFT: u32 = 11;
    pub const MPP: u64 = 3 << MPP_SHIFT;
    pub const MPRV: u64 = 1 << 17;
    pub const SUM: u64 = 1 << 18;
    pub const MXR: u64 = 1 << 19;
    pub const TVM: u64 = 1 << 20;
    pub const TW: u64 = 1 << 21;
    pub const TSR: u64 = 1 << 22;
    /// The FP unit's state: Off (0), Initial, Clean, Dirty (all ones).
    pub const FS: u64 = 3 << 13;
    /// Some state is dirty (here: FS is), read-only.
    pub const SD: u64 = 1 << 63;
    /// UXL = SXL = 2: U and S modes are 64-bit, fixed.
    pub const XLEN_FIELDS: u64 = (2 << 32) | (2 << 34);
    /// Bits M-mode can write. VS and XS stay zero: no V, no custom state.
    pub const WRITABLE: u64 = SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    /// Bits visible through `sstatus`.
    pub const SSTATUS_VISIBLE: u64 = SIE | SPIE | SPP | FS | SUM | MXR | (3 << 32) | SD;
    /// Bits S-mode can write through `sstatus`.
    pub const SSTATUS_WRITABLE: u64 = SIE | SPIE | SPP | FS | SUM | MXR;
}

/// `misa`: MXL = 2 (64-bit) and the extensions A, C, D, F, I, M, S, U.
pub const MISA_VALUE: u64 =
    (2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

/// Interrupt bits of `mip`/`mie`.
pub mod irq {
    #![allow(missing_docs)]
    pub const SSIP: u64 = 1 << 1;
    pub const MSIP: u64 = 1 << 3;
    pub const STIP: u64 = 1 << 5;
    pub const MTIP: u64 = 1 << 7;
    pub const SEIP: u64 = 1 << 9;
    pub const MEIP: u64 = 1 << 11;
    /// Every interrupt this hart implements.
    pub const ALL: u64 = SSIP | MSIP | STIP | MTIP | SEIP | MEIP;
    /// Supervisor-level interrupts: the delegable ones, and the `mip` bits
    /// M-mode software may write.
    pub const SUPERVISOR: u64 = SSIP | STIP | SEIP;
}

/// Exceptions that `medeleg` can delegate: all but ecall from M-mode and
/// the reserved codes 10 and 14.
pub const DELEGABLE_EXCEPTIONS: u64 = 0xb3ff;

/// `satp` modes.
pub mod satp {
    #![allow(missing_docs)]
    pub const MODE_SHIFT: u32 = 60;
    pub const MODE_BARE: u64 = 0;
    pub const MODE_SV39: u64 = 8;
    pub const ASID_SHIFT: u32 = 44;
    pub const ASID_MASK: u64 = 0xffff;
    pub const PPN_MASK: u64 = (1 << 44) - 1;
}

/// The CSRs that are plain storage. Counters and views (`sstatus`, `sie`,
/// `sip`, `time`) are computed from these and the hart's counters.
#[derive(Debug, Clone, Default)]
pub struct CsrFile {
    /// `mstatus`, writable fields only (UXL/SXL are added on read).
    pub mstatus: u64,
    /// `medeleg`.
    pub medeleg: u64,
    /// `mideleg`.
    pub mideleg: u64,
    /// `mie`.
    pub mie: u64,
    /// The software-writable bits of `mip` (SSIP, STIP, SEIP). Device lines
    /// (MTIP, MSIP, MEIP and the PLIC's SEIP) are in `Cpu::mip_lines`.
    pub mip: u64,
    /// `mtvec`.
    pub mtvec: u64,
    /// `mcounteren`.
    pub mcounteren: u64,
    /// `mscratch`.
    pub mscratch: u64,
    /// `mepc`.
    pub mepc: u64,
    /// `mcause`.
    pub mcause: u64,
    /// `mtval`.
    pub mtval: u64,
    /// `stvec`.
    pub stvec: u64,
    /// `scounteren`.
    pub scounteren: u64,
    /// `sscratch`.
    pub sscratch: u64,
    /// `sepc`.
    pub sepc: u64,
    /// `scause`.
    pub scause: u64,
    /// `stval`.
    pub stval: u64,
    /// `satp`.
    pub satp: u64,
    /// `menvcfg`: FIOM and STCE (Sstc's enable) are writable.
    pub menvcfg: u64,
    /// `senvcfg`: FIOM is writable.
    pub senvcfg: u64,
    /// `stimecmp` (Sstc): while `menvcfg.STCE` is set, STIP is
    /// `time >= stimecmp`.
    pub stimecmp: u64,
    /// `fcsr`: the rounding mode `frm` (bits 7:5) and the accrued
    /// exception flags `fflags` (bits 4:0).
    pub fcsr: u64,
    /// `pmpcfg0` and `pmpcfg2`, one byte per entry.
    pub pmpcfg: [u8; 16],
    /// `pmpaddr0`..`pmpaddr15`.
    pub pmpaddr: [u64; 16],
}

/// The operation of a CSR instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrOp {
    /// `csrrw`/`csrrwi`: write the source.
    Write,
    /// `csrrs`/`csrrsi`: set the source's bits.
    Set,
    /// `csrrc`/`csrrci`: clear the source's bits.
    Clear,
}

/// The number of the CSR called `name`.
pub fn csr_by_name(name: &str) -> Option<u16> {
    (0..4096u16).find(|&n| csr_name(n) == Some(name))
}

/// The name of a CSR, for disassembly and traces (`None` for CSRs rvsim
/// does not implement).
pub fn csr_name(number: u16) -> Option<&'static str> {
    use addr::*;
    Some(match number {
        FFLAGS => "fflags",
        FRM => "frm",
        FCSR => "fcsr",
        SSTATUS => "sstatus",
        SIE => "sie",
        STVEC => "stvec",
        SCOUNTEREN => "scounteren",
        SENVCFG => "senvcfg",
        SSCRATCH => "sscratch",
        SEPC => "sepc",
        SCAUSE => "scause",
        STVAL => "stval",
        SIP => "sip",
        STIMECMP => "stimecmp",
        SATP => "satp",
        MSTATUS => "mstatus",
        MISA => "misa",
        MEDELEG => "medeleg",
        MIDELEG => "mideleg",
        MIE => "mie",
        MTVEC => "mtvec",
        MCOUNTEREN => "mcounteren",
        MENVCFG => "menvcfg",
        MCOUNTINHIBIT => "mcountinhibit",
        MSCRATCH => "mscratch",
        MEPC => "mepc",
        MCAUSE => "mcause",
        MTVAL => "mtval",
        MIP => "mip",
        PMPCFG0 => "pmpcfg0",
        PMPCFG2 => "pmpcfg2",
        MCYCLE => "mcycle",
        MINSTRET => "minstret",
        CYCLE => "cycle",
        TIME => "time",
        INSTRET => "instret",
        MVENDORID => "mvendorid",
        MARCHID => "marchid",
        MIMPID => "mimpid",
        MHARTID => "mhartid",
        MCONFIGPTR => "mconfigptr",
        PMPADDR0..=PMPADDR15 => PMPADDR_NAMES[(number - PMPADDR0) as usize],
        TSELECT => "tselect",
        TDATA1 => "tdata1",
        TDATA2 => "tdata2",
        TDATA3 => "tdata3",
        _ => return None,
    })
}

const PMPADDR_NAMES: [&str; 16] = [
    "pmpaddr0",
    "pmpaddr1",
    "pmpaddr2",
    "pmpaddr3",
    "pmpaddr4",
    "pmpaddr5",
    "pmpaddr6",
    "pmpaddr7",
    "pmpaddr8",
    "pmpaddr9",
    "pmpaddr10",
    "pmpaddr11",
    "pmpaddr12",
    "pmpaddr13",
    "pmpaddr14",
    "pmpaddr15",
];

/// Legal `mtvec`/`stvec` values: modes 0 (direct) and 1 (vectored). A write
/// of a reserved mode is ignored entirely, as QEMU does.
fn legal_tvec(old: u64, new: u64) -> u64 {
    if new & 3 < 2 { new } else { old }
}

/// PMP configuration bytes: the reserved bits 6:5 read as zero, and the
/// reserved R=0/W=1 combination is legalised to no access (as Spike does).
fn legal_pmpcfg(cfg: u8) -> u8 {
    let cfg = cfg & 0x9f;
    if cfg & 3 == 2 { cfg & !3 } else { cfg }
}

const PMP_LOCK: u8 = 0x80;
const PMP_MODE_TOR: u8 = 0x08;

impl Cpu {
    /// Executes a CSR instruction: checks access, reads the old value into
    /// rd, and writes the new value. `src` is rs1's value or the 5-bit
    /// immediate. Per the specification, `csrrw` with rd = x0 does not
    /// read, and `csrrs`/`csrrc` with a zero source register number (or
    /// immediate) do not write, so they may read read-only CSRs.
    pub(crate) fn csr_instruction(&mut self, d: &Decoded, op: CsrOp, src: u64) -> ExecResult {
        let number = d.imm as u16;
        let writes = op == CsrOp::Write || d.rs1 != 0;
        let illegal = Exception::IllegalInstruction(d.raw as u64);
        if !self.csr_accessible(number, writes) {
            return Err(illegal);
        }
        let old = if op == CsrOp::Write && d.rd == X0_SINK { 0 } else { self.csr_read(number).ok_or(illegal)? };
        if writes {
            let new = match op {
                CsrOp::Write => src,
                CsrOp::Set => self.csr_rmw_base(number, old) | src,
                CsrOp::Clear => self.csr_rmw_base(number, old) & !src,
            };
            self.csr_write(number, new).ok_or(illegal)?;
        }
        self.wx(d.rd, old);
        Ok(())
    }

    /// Whether the current mode may access CSR `number` (and write it, if
    /// `write`). Existence is checked by the read and write themselves.
    fn csr_accessible(&self, number: u16, write: bool) -> bool {
        let required = (number >> 8) & 3;
        if required as u8 > self.mode as u8 {
            return false;
        }
        if write && (number >> 10) & 3 == 3 {
            return false;
        }
        if number == addr::SATP && self.mode == Privilege::Supervisor && self.csr.mstatus & status::TVM != 0 {
            return false;
        }
        if number == addr::STIMECMP && self.mode != Privilege::Machine && !self.stimecmp_for_supervisor() {
            return false;
        }
        if (addr::FFLAGS..=addr::FCSR).contains(&number) && self.csr.mstatus & status::FS == 0 {
            return false;
        }
        if (addr::CYCLE..=addr::HPMCOUNTER31).contains(&number) {
            let bit = 1u64 << (number - addr::CYCLE);
            let allowed = match self.mode {
                Privilege::Machine => true,
                Privilege::Supervisor => self.csr.mcounteren & bit != 0,
                Privilege::User => self.csr.mcounteren & self.csr.scounteren & bit != 0,
            };
            if !allowed {
                return false;
            }
        }
        true
    }

    /// The value a set/clear operation starts from. For `mip`/`sip` that is
    /// the software-writable SEIP bit, not the external interrupt line
    /// ORed into reads (privileged spec, "Machine Interrupt Registers").
    fn csr_rmw_base(&self, number: u16, old: u64) -> u64 {
        match number {
            addr::MIP | addr::SIP => (old & !irq::SEIP) | (self.csr.mip & irq::SEIP),
            _ => old,
        }
    }

    /// Reads CSR `number` with no access check, or `None` if it does not
    /// exist on this hart.
    pub fn csr_read(&self, number: u16) -> Option<u64> {
        use addr::*;
        let c = &self.csr;
        Some(match number {
            FFLAGS => c.fcsr & 0x1f,
            FRM => (c.fcsr >> 5) & 7,
            FCSR => c.fcsr & 0xff,
            SSTATUS => self.mstatus() & status::SSTATUS_VISIBLE,
            SIE => c.mie & c.mideleg,
            STVEC => c.stvec,
            SCOUNTEREN => c.scounteren,
            SENVCFG => c.senvcfg,
            MENVCFG => c.menvcfg,
            STIMECMP => c.stimecmp,
            SSCRATCH => c.sscratch,
            SEPC => c.sepc,
            SCAUSE => c.scause,
            STVAL => c.stval,
            SIP => self.mip() & c.mideleg,
            SATP => c.satp,
            MSTATUS => self.mstatus(),
            MISA => MISA_VALUE,
            MEDELEG => c.medeleg,
            MIDELEG => c.mideleg,
            MIE => c.mie,
            MTVEC => c.mtvec,
            MCOUNTEREN => c.mcounteren,
            MCOUNTINHIBIT | MHPMEVENT3..=MHPMEVENT31 => 0,
            MSCRATCH => c.mscratch,
            MEPC => c.mepc,
            MCAUSE => c.mcause,
            MTVAL => c.mtval,
            MIP => self.mip(),
            PMPCFG0 => u64::from_le_bytes(c.pmpcfg[..8].try_into().ok()?),
            PMPCFG2 => u64::from_le_bytes(c.pmpcfg[8..].try_into().ok()?),
            PMPADDR0..=PMPADDR15 => c.pmpaddr[(number - PMPADDR0) as usize],
            MCYCLE | CYCLE => self.mcycle(),
            MINSTRET | INSTRET => self.minstret(),
            TIME => self.mtime(),
            MHPMCOUNTER3..=MHPMCOUNTER31 | HPMCOUNTER3..=HPMCOUNTER31 => 0,
            MHARTID => self.hart_id as u64,
            MVENDORID | MARCHID | MIMPID | MCONFIGPTR => 0,
            // Sdtrig with no triggers: tselect holds only 0, and its
            // tdata1 has type 0, "no trigger here".
            TSELECT | TDATA1 | TDATA2 | TDATA3 => 0,
            _ => return None,
        })
    }

    /// Writes CSR `number` with no access check, applying each field's WARL
    /// rule. Returns `None` if the CSR does not exist.
    pub fn csr_write(&mut self, number: u16, value: u64) -> Option<()> {
        if !self.observed() {
            return self.write_csr_fields(number, value);
        }
        let old = self.csr_read(number).unwrap_or(0);
        self.write_csr_fields(number, value)?;
        let new = self.csr_read(number).unwrap_or(value);
        self.observe_csr_write(number, old, new);
        Some(())
    }

    /// [`Cpu::csr_write`]'s work: the WARL rules of each field.
    fn write_csr_fields(&mut self, number: u16, value: u64) -> Option<()> {
        use addr::*;
        let old_mstatus = self.csr.mstatus;
        let c = &mut self.csr;
        match number {
            FFLAGS => c.fcsr = (c.fcsr & !0x1f) | (value & 0x1f),
            FRM => c.fcsr = (c.fcsr & 0x1f) | ((value & 7) << 5),
            FCSR => c.fcsr = value & 0xff,
            SSTATUS => {
                c.mstatus = (c.mstatus & !status::SSTATUS_WRITABLE) | (value & status::SSTATUS_WRITABLE);
            }
            SIE => {
                let mask = c.mideleg & irq::ALL;
                c.mie = (c.mie & !mask) | (value & mask);
            }
            STVEC => c.stvec = legal_tvec(c.stvec, value),
            SCOUNTEREN => c.scounteren = value & 0xffff_ffff,
            SENVCFG => c.senvcfg = value & envcfg::FIOM,
            MENVCFG => c.menvcfg = value & (envcfg::FIOM | envcfg::STCE),
            STIMECMP => c.stimecmp = value,
            SSCRATCH => c.sscratch = value,
            SEPC => c.sepc = value & !1,
            SCAUSE => c.scause = value,
            STVAL => c.stval = value,
            SIP => {
                let mask = c.mideleg & irq::SSIP;
                c.mip = (c.mip & !mask) | (value & mask);
            }
            SATP => {
                let mode = value >> satp::MODE_SHIFT;
                if mode == satp::MODE_BARE || mode == satp::MODE_SV39 {
                    let asid = (value >> satp::ASID_SHIFT) & satp::ASID_MASK;
                    c.satp = (mode << satp::MODE_SHIFT) | (asid << satp::ASID_SHIFT) | (value & satp::PPN_MASK);
                }
            }
            MSTATUS => {
                let mut v = value & status::WRITABLE;
                let mpp = Privilege::from_bits(v >> status::MPP_SHIFT);
                v = (v & !status::MPP) | ((mpp as u64) << status::MPP_SHIFT);
                c.mstatus = v;
            }
            MISA => {}
            MEDELEG => c.medeleg = value & DELEGABLE_EXCEPTIONS,
            MIDELEG => c.mideleg = value & irq::SUPERVISOR,
            MIE => c.mie = value & irq::ALL,
            MTVEC => c.mtvec = legal_tvec(c.mtvec, value),
            MCOUNTEREN => c.mcounteren = value & 0xffff_ffff,
            MCOUNTINHIBIT | MHPMEVENT3..=MHPMEVENT31 => {}
            MSCRATCH => c.mscratch = value,
            MEPC => c.mepc = value & !1,
            MCAUSE => c.mcause = value,
            MTVAL => c.mtval = value,
            MIP => {
                // Under Sstc, STIP is the comparison's, not software's.
                let writable = if c.menvcfg & envcfg::STCE != 0 { irq::SSIP | irq::SEIP } else { irq::SUPERVISOR };
                c.mip = (c.mip & !writable) | (value & writable);
            }
            PMPCFG0 | PMPCFG2 => {
                let first = if number == PMPCFG0 { 0 } else { 8 };
                for (i, byte) in value.to_le_bytes().into_iter().enumerate() {
                    let entry = first + i;
                    if c.pmpcfg[entry] & PMP_LOCK == 0 {
                        c.pmpcfg[entry] = legal_pmpcfg(byte);
                    }
                }
            }
            PMPADDR0..=PMPADDR15 => {
                let entry = (number - PMPADDR0) as usize;
                let locked = c.pmpcfg[entry] & PMP_LOCK != 0;
                // A locked TOR entry also locks the address below it.
                let next_locks =
                    c.pmpcfg.get(entry + 1).is_some_and(|&next| next & PMP_LOCK != 0 && next & 0x18 == PMP_MODE_TOR);
                if !locked && !next_locks {
                    c.pmpaddr[entry] = value & ((1 << 54) - 1);
                }
            }
            MCYCLE => self.set_mcycle(value),
            MINSTRET => self.set_minstret(value),
            MHPMCOUNTER3..=MHPMCOUNTER31 => {}
            TSELECT | TDATA1 | TDATA2 | TDATA3 => {}
            _ => return None,
        }
        self.after_csr_write(number, old_mstatus);
        Some(())
    }

    /// The full `mstatus` value, with its read-only fields (SD set while
    /// the FP state is dirty).
    pub fn mstatus(&self) -> u64 {
        let dirty = if self.csr.mstatus & status::FS == status::FS { status::SD } else { 0 };
        self.csr.mstatus | status::XLEN_FIELDS | dirty
    }

    /// The full `mip` value: software-written bits ORed with device lines.
    pub fn mip(&self) -> u64 {
        if self.csr.menvcfg & envcfg::STCE != 0 {
            let stip = if self.mtime() >= self.csr.stimecmp { irq::STIP } else { 0 };
            return (self.csr.mip & !irq::STIP) | self.mip_lines | stip;
        }
        self.csr.mip | self.mip_lines
    }

    /// Whether S-mode may use `stimecmp`: Sstc is enabled (`menvcfg.STCE`)
    /// and M-mode lets it read `time` (`mcounteren.TM`).
    fn stimecmp_for_supervisor(&self) -> bool {
        let time_counter = 1 << (addr::TIME - addr::CYCLE);
        self.csr.menvcfg & envcfg::STCE != 0 && self.csr.mcounteren & time_counter != 0
    }

    /// The `mtime` at which Sstc's supervisor timer fires, if it is on
    /// and has not fired yet.
    pub fn supervisor_timer(&self) -> Option<u64> {
        (self.csr.menvcfg & envcfg::STCE != 0 && self.mtime() < self.csr.stimecmp).then_some(self.csr.stimecmp)
    }

    /// After a write to an interrupt enable, a pending bit or delegation:
    /// the machine looks at interrupts before the next instruction when
    /// one can now be taken, and not otherwise. Device lines change only
    /// where the machine looks anyway (after a device access, at a timer's
    /// or a device event's deadline), so between those `mip` is what the
    /// machine would see: looking then would take nothing. (Linux turns
    /// interrupts off and on around every lock: looking each time was
    /// 334,000 returns to the machine in a boot to its prompt.)
    fn check_if_interruptible(&mut self) {
        if self.pending_interrupt().is_some() {
            self.request_check();
        }
    }

    /// Reacts to a CSR write: changes to interrupt enables or pending bits
    /// are looked at before the next instruction; changes to what
    /// translations were checked against drop cached translations.
    fn after_csr_write(&mut self, number: u16, old_mstatus: u64) {
        use addr::*;
        match number {
            MSTATUS | SSTATUS => {
                let changed = old_mstatus ^ self.csr.mstatus;
                if changed & (status::SUM | status::MXR) != 0 {
                    self.flush_translations();
                }
                self.update_data_mode();
                self.check_if_interruptible();
            }
            MIE | SIE | MIP | SIP | MIDELEG => self.check_if_interruptible(),
            // The timers' deadlines move.
            STIMECMP | MENVCFG => self.request_check(),
            FFLAGS | FRM | FCSR => self.csr.mstatus |= status::FS,
            SATP => self.flush_translations(),
            PMPCFG0 | PMPCFG2 | PMPADDR0..=PMPADDR15 => self.flush_all_cached(),
            _ => {}
        }
    }
}
