//! What the debugger shows: locations, registers, CSRs, memory, page
//! tables, how a run ended.

use std::fmt::Write as _;

use crate::cpu::{Cpu, csr_addr, csr_name};
use crate::isa::{abi_name, disassemble, fp_abi_name};
use crate::machine::{Machine, StopReason};
use crate::mmu::inspect::{vmprint, vmprint_user};
use crate::tools::Space;
use crate::trace::Symbolizer;

/// ` <symbol+off>` for `pc` in the hart's current mode, or nothing.
pub fn symbol(machine: &mut Machine, symbols: &mut Symbolizer, pc: u64) -> String {
    let cpu = machine.focused();
    symbols.name(pc, cpu.mode, cpu.csr.satp, &cpu.bus.ram).map_or(String::new(), |s| format!(" <{s}>"))
}

/// The next instruction: mode, pc, symbol, disassembly.
pub fn location(machine: &mut Machine, symbols: &mut Symbolizer) -> String {
    let pc = machine.cpu().pc;
    let mode = machine.cpu().mode.letter();
    let name = symbol(machine, symbols, pc);
    let hart = if machine.hart_count() > 1 { format!("hart {} ", machine.focus()) } else { String::new() };
    match machine.cpu().decode_at(pc) {
        Ok(d) => format!("  {hart}[{mode}] {pc:#x}{name}  {}", disassemble(&d, pc).replace('\t', " ")),
        Err(e) => format!("  {hart}[{mode}] {pc:#x}{name}  (cannot fetch: {e})"),
    }
}

/// Every hart: its number, mode and pc, whether it waits in `wfi`, and
/// which one the debugger looks at.
pub fn harts(machine: &mut Machine, symbols: &mut Symbolizer) -> String {
    let focus = machine.focus();
    let mut out = String::new();
    for hart in 0..machine.hart_count() {
        let (pc, mode, waiting) = {
            let cpu = machine.hart(hart);
            (cpu.pc, cpu.mode.letter(), cpu.waiting)
        };
        machine.set_focus(hart);
        let name = symbol(machine, symbols, pc);
        let marks = [(hart == focus, " (looking at it)"), (waiting, " waiting in wfi")];
        let notes: String = marks.iter().filter(|(on, _)| *on).map(|(_, text)| *text).collect();
        let _ = writeln!(out, "hart {hart}: [{mode}] {pc:#x}{name}{notes}");
    }
    machine.set_focus(focus);
    out.trim_end().to_string()
}

/// pc, mode, and x1..x31 by ABI name, four a line.
pub fn registers(machine: &mut Machine, symbols: &mut Symbolizer) -> String {
    let pc = machine.cpu().pc;
    let name = symbol(machine, symbols, pc);
    let cpu = machine.focused();
    let mut out = format!("pc   {pc:#018x}{name}  mode {}\n", cpu.mode.letter());
    for r in 1..32 {
        let _ = write!(out, "{:<4} {:#018x}", abi_name(r as u8), cpu.reg(r));
        out.push_str(if r % 4 == 0 || r == 31 { "\n" } else { "  " });
    }
    out
}

/// f0..f31 by ABI name, raw and read as a double (or as the single a
/// NaN-boxed register holds), two a line; then `fcsr` and `mstatus.FS`.
pub fn float_registers(machine: &Machine) -> String {
    let cpu = machine.focused();
    let mut out = String::new();
    for r in 0..32 {
        let raw = cpu.freg(r);
        let value = if raw >> 32 == 0xffff_ffff {
            format!("{} (single)", f32::from_bits(raw as u32))
        } else {
            format!("{}", f64::from_bits(raw))
        };
        if r % 2 == 0 {
            let _ = write!(out, "{:<5} {raw:#018x} {value:<24}  ", fp_abi_name(r as u8));
        } else {
            let _ = writeln!(out, "{:<5} {raw:#018x} {value}", fp_abi_name(r as u8));
        }
    }
    let fcsr = cpu.csr.fcsr;
    let fs = ["Off", "Initial", "Clean", "Dirty"][((cpu.csr.mstatus >> 13) & 3) as usize];
    let _ = writeln!(out, "fcsr  {fcsr:#04x} (frm {}, fflags {:#04x})  FS {fs}", (fcsr >> 5) & 7, fcsr & 0x1f);
    out
}

/// The CSRs that matter for traps and translation, with `satp` decoded.
pub fn csrs(machine: &Machine) -> String {
    use csr_addr::*;
    let cpu = machine.focused();
    let mut out = String::new();
    let list = [
        MSTATUS, MISA, MEDELEG, MIDELEG, MIE, MIP, MTVEC, MEPC, MCAUSE, MTVAL, MSCRATCH, SSTATUS, SIE, SIP, STVEC,
        SEPC, SCAUSE, STVAL, SSCRATCH, SATP, MCYCLE, MINSTRET,
    ];
    for (i, &number) in list.iter().enumerate() {
        let value = cpu.csr_read(number).unwrap_or(0);
        let _ = write!(out, "{:<9} {value:#018x}", csr_name(number).unwrap_or("?"));
        out.push_str(if i % 3 == 2 { "\n" } else { "  " });
    }
    out.push('\n');
    out.push_str(&describe_satp(cpu));
    out
}

fn describe_satp(cpu: &Cpu) -> String {
    let satp = cpu.csr.satp;
    match satp >> 60 {
        0 => "satp: Bare (no translation)".into(),
        8 => format!("satp: Sv39, ASID {}, root table at {:#x}", (satp >> 44) & 0xffff, (satp & ((1 << 44) - 1)) << 12),
        mode => format!("satp: mode {mode}"),
    }
}

/// `count` 8-byte words at `addr`, two a line.
pub fn words(machine: &mut Machine, addr: u64, count: u64, space: Space) -> Result<String, String> {
    let bytes = machine.cpu().tool_read(addr, count * 8, space)?;
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(8).enumerate() {
        if i % 2 == 0 {
            let _ = write!(out, "{:#x}:", addr + i as u64 * 8);
        }
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let _ = write!(out, " {word:#018x}");
        if i % 2 == 1 {
            out.push('\n');
        }
    }
    Ok(out)
}

/// `count` bytes at `addr`, sixteen a line, with their characters.
pub fn bytes(machine: &mut Machine, addr: u64, count: u64, space: Space) -> Result<String, String> {
    let bytes = machine.cpu().tool_read(addr, count, space)?;
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:#x}:", addr + i as u64 * 16);
        for b in chunk {
            let _ = write!(out, " {b:02x}");
        }
        let text: String =
            chunk.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }).collect();
        let _ = writeln!(out, "  {text}");
    }
    Ok(out)
}

/// Why a range of memory cannot be shown (as the tools say it).
const WRAPS: &str = "the range wraps around";

/// `count` instructions from `addr`, disassembled.
pub fn instructions(
    machine: &mut Machine,
    symbols: &mut Symbolizer,
    addr: u64,
    count: u64,
    space: Space,
) -> Result<String, String> {
    let decoder = crate::isa::Decoder::get();
    let mut out = String::new();
    // The next instruction's address, `None` past the top of the space.
    let mut next = Some(addr);
    for _ in 0..count {
        let at = next.ok_or(WRAPS)?;
        let low = machine.cpu().tool_read(at, 2, space)?;
        let mut raw = u16::from_le_bytes([low[0], low[1]]) as u32;
        if raw & 3 == 3 {
            let high = machine.cpu().tool_read(at.checked_add(2).ok_or(WRAPS)?, 2, space)?;
            raw |= (u16::from_le_bytes([high[0], high[1]]) as u32) << 16;
        }
        let d = decoder.decode(raw);
        let name = symbol(machine, symbols, at);
        let encoding = if d.len == 2 { format!("{raw:04x}    ") } else { format!("{raw:08x}") };
        let _ = writeln!(out, "{at:#x}{name}:  {encoding}  {}", disassemble(&d, at).replace('\t', " "));
        next = at.checked_add(d.len as u64);
    }
    Ok(out)
}

/// The page table the hart uses now, in xv6's vmprint shape.
pub fn page_table(machine: &Machine, all: bool) -> String {
    let cpu = machine.focused();
    if cpu.csr.satp >> 60 != 8 {
        return "satp is Bare: no page table".into();
    }
    let root = cpu.csr.satp & ((1 << 44) - 1);
    if all {
        vmprint(&cpu.bus.ram, root)
    } else {
        let mut text = vmprint_user(&cpu.bus.ram, root);
        text.push_str("(user pages only; 'pt all' shows the kernel's too)\n");
        text
    }
}

/// How the guest's run ended.
pub fn describe_end(stop: &StopReason) -> String {
    match stop {
        StopReason::Exit(code) => format!("the guest exited with code {code}"),
        StopReason::ResetRequested => "the guest asked for a reset".into(),
        StopReason::InstructionLimit(n) => format!("the instruction limit ({n}) was reached"),
        StopReason::Stuck(why) => format!("the hart is stuck: {why}"),
        StopReason::Quit => "quit".into(),
        StopReason::Debug(stop) => format!("{stop:?}"),
    }
}
