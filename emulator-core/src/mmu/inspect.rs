//! Views for tools, with no side effects: translate an address showing
//! every walk step, print a page table in xv6's `vmprint` shape, list the
//! TLB's entries.

use std::fmt::{self, Write as _};

use super::sv39::{self, AdPolicy, Context, Fault, PteMemory, WalkStep, pte};
use super::tlb::{Tlb, page_shift};
use crate::cpu::{Access, Privilege};
use crate::ram::Ram;

/// Reads PTEs from RAM and never writes.
struct ReadOnly<'a>(&'a Ram);

impl PteMemory for ReadOnly<'_> {
    fn read_pte(&mut self, addr: u64) -> Option<u64> {
        self.0.read::<8>(addr)
    }
    fn update_pte(&mut self, _: u64, _: u64, _: u64) -> bool {
        true
    }
}

/// The result of probing a translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The address translated.
    pub va: u64,
    /// The kind of access checked.
    pub access: Access,
    /// The privilege checked.
    pub context: Context,
    /// `None` when translation is off (M-mode or `satp` bare).
    pub root: Option<u64>,
    /// Every PTE the walk read.
    pub steps: Vec<WalkStep>,
    /// The physical address, or why there is none.
    pub outcome: Result<u64, Fault>,
    /// Whether the walk would set A or D.
    pub would_update_ad: bool,
}

/// Translates `va` as the hart would for `access` in `context`, reading
/// the page table rooted at `root` (a physical page number; `None` for
/// bare), without touching the TLB, the counters or memory.
pub fn probe(ram: &Ram, root: Option<u64>, va: u64, access: Access, context: Context, ad: AdPolicy) -> Probe {
    let mut steps = Vec::new();
    let (outcome, would_update_ad) = match root {
        None => (Ok(va), false),
        Some(root_ppn) => match sv39::walk(
            &mut ReadOnly(ram),
            sv39::WalkRequest { root_ppn, va, access, context, ad, update: false },
            |s| steps.push(s),
        ) {
            Ok(leaf) => (Ok(leaf.translate(va)), leaf.updated),
            Err(fault) => (Err(fault), false),
        },
    };
    Probe { va, access, context, root, steps, outcome, would_update_ad }
}

/// What a PTE read at `level` is: invalid, a pointer, or a leaf.
pub fn describe_pte(value: u64, level: u8) -> String {
    let target = ((value >> pte::PPN_SHIFT) & pte::PPN_MASK) << 12;
    if value & pte::V == 0 {
        "invalid".into()
    } else if value & (pte::R | pte::X) == 0 {
        format!("pointer -> table at {target:#x}")
    } else {
        let size = ["4 KiB", "2 MiB", "1 GiB"][level as usize];
        format!("leaf {} ({size} page at {target:#x})", sv39::flag_string(value))
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = self.context.privilege.letter();
        match self.root {
            None => writeln!(f, "{:#x}: {} in {mode}-mode, translation off", self.va, self.access.name())?,
            Some(root) => writeln!(
                f,
                "{:#x}: {} in {mode}-mode (SUM={} MXR={}), Sv39 root table at {:#x}",
                self.va,
                self.access.name(),
                self.context.sum as u8,
                self.context.mxr as u8,
                root << 12
            )?,
        }
        for step in &self.steps {
            let index = (self.va >> page_shift(step.level)) & 0x1ff;
            writeln!(
                f,
                "  level {} index {index:3}: pte @ {:#x} = {:#018x}  {}",
                step.level,
                step.pte_addr,
                step.pte,
                describe_pte(step.pte, step.level)
            )?;
        }
        match self.outcome {
            Ok(pa) if self.would_update_ad => write!(f, "  -> pa {pa:#x} (the walk would set A/D)"),
            Ok(pa) => write!(f, "  -> pa {pa:#x}"),
            Err(Fault::Page(reason)) => write!(f, "  -> page fault: {reason}"),
            Err(Fault::Access) => write!(f, "  -> access fault: a PTE lies outside RAM"),
        }
    }
}

/// The page table rooted at physical page `root`, in the shape of xv6's
/// `vmprint` (one line per valid PTE, indented by depth), with each
/// leaf's virtual address and flags added.
pub fn vmprint(ram: &Ram, root: u64) -> String {
    let mut out = format!("page table {:#018x}\n", root << 12);
    print_table(ram, root << 12, 2, 0, false, &mut out);
    out
}

/// [`vmprint`] of the user part only: leaves with U set, and the tables
/// that lead to them.
pub fn vmprint_user(ram: &Ram, root: u64) -> String {
    let mut out = format!("page table {:#018x}\n", root << 12);
    print_table(ram, root << 12, 2, 0, true, &mut out);
    out
}

/// Prints the valid entries of `table` (at `level`) into `out`; with
/// `user_only`, only U leaves and the pointers above them. Returns whether
/// it printed anything.
fn print_table(ram: &Ram, table: u64, level: u8, va_base: u64, user_only: bool, out: &mut String) -> bool {
    let mut printed = false;
    for index in 0..512u64 {
        let Some(value) = ram.read::<8>(table + index * 8) else {
            let _ = writeln!(out, "{} (table at {table:#x} is outside RAM)", "..".repeat((3 - level) as usize));
            return true;
        };
        if value & pte::V == 0 {
            continue;
        }
        let va = sign_extend_va(va_base | (index << page_shift(level)));
        let pa = ((value >> pte::PPN_SHIFT) & pte::PPN_MASK) << 12;
        let indent = vec![".."; (3 - level) as usize].join(" ");
        let line = format!(" {indent}{index}: pte {value:#018x} pa {pa:#018x}");
        if value & (pte::R | pte::X) != 0 {
            if !user_only || value & pte::U != 0 {
                let _ = writeln!(out, "{line} va {va:#x} {}", sv39::flag_string(value));
                printed = true;
            }
        } else if level > 0 {
            let mut below = String::new();
            if print_table(ram, pa, level - 1, va & ((1 << 39) - 1), user_only, &mut below) || !user_only {
                let _ = writeln!(out, "{line}");
                out.push_str(&below);
                printed = true;
            }
        }
    }
    printed
}

fn sign_extend_va(va: u64) -> u64 {
    (((va << 25) as i64) >> 25) as u64
}

/// The TLB's valid entries, one per line.
pub fn tlb_dump(tlb: &Tlb) -> String {
    let shape = tlb.shape();
    let mut out = format!("TLB {shape}: {} sets of {} ways\n", shape.sets(), shape.ways);
    for (slot, e) in tlb.valid_entries() {
        let va = sign_extend_va(e.vpn << page_shift(e.level));
        let space = if e.global { "global".to_string() } else { format!("asid {}", e.asid) };
        let size = ["4K", "2M", "1G"][e.level as usize];
        let _ = writeln!(
            out,
            "  slot {slot:4} set {:3}: va {va:#x} -> pa {:#x} {size} {space:9} {}",
            slot / shape.ways,
            e.ppn << 12,
            sv39::flag_string(e.flags as u64)
        );
    }
    out
}

/// The context of an access by a hart in `privilege` with `mstatus` bits.
pub fn context(privilege: Privilege, sum: bool, mxr: bool) -> Context {
    Context { privilege, sum, mxr }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(pa: u64, flags: u64) -> u64 {
        ((pa >> 12) << 10) | flags | pte::V
    }

    #[test]
    fn vmprint_follows_xv6_shape() {
        let mut ram = Ram::new(0x8000_0000, 1 << 20).unwrap();
        let (root, mid, low) = (0x8000_1000u64, 0x8000_2000u64, 0x8000_3000u64);
        ram.write::<8>(root, ((mid >> 12) << 10) | pte::V);
        ram.write::<8>(mid, ((low >> 12) << 10) | pte::V);
        ram.write::<8>(low + 8, leaf(0x8000_4000, pte::R | pte::W | pte::U | pte::A));
        let text = vmprint(&ram, root >> 12);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "page table 0x0000000080001000");
        assert!(lines[1].starts_with(" ..0: pte 0x0000000020000801 pa 0x0000000080002000"), "{text}");
        assert!(lines[2].starts_with(" .. ..0: pte"), "{text}");
        assert!(lines[3].starts_with(" .. .. ..1: pte"), "{text}");
        assert!(lines[3].ends_with("va 0x1000 rw-u-a-"), "{text}");
    }

    #[test]
    fn probe_reports_steps_without_writing() {
        let mut ram = Ram::new(0x8000_0000, 1 << 20).unwrap();
        ram.write::<8>(0x8000_1000 + 8 * 2, leaf(0x8000_0000, pte::R | pte::W)); // 1 GiB leaf at VA 2 GiB
        let ctx = context(Privilege::Supervisor, false, false);
        let p = probe(&ram, Some(0x80001), 0x8000_0010, Access::Store, ctx, AdPolicy::Hardware);
        assert_eq!(p.outcome, Ok(0x8000_0010));
        assert_eq!(p.steps.len(), 1);
        assert!(p.would_update_ad);
        assert_eq!(ram.read::<8>(0x8000_1010), Some(leaf(0x8000_0000, pte::R | pte::W)), "memory untouched");
        assert!(p.to_string().contains("leaf rw----- (1 GiB page"), "{p}");
    }
}
