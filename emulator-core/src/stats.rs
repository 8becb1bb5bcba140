//! Run statistics: what the hart, the modelled TLB and the MMU counted,
//! as a table for people (`--stats`) and JSON for tools (`--stats-json`).

use std::fmt::Write as _;

use serde::Serialize;

use crate::cpu::Access;
use crate::devices::virtio::net::NetStats;
use crate::machine::Machine;
use crate::mmu::FlushForm;

/// A count per access kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PerAccess {
    /// Instruction fetches.
    pub fetch: u64,
    /// Loads.
    pub load: u64,
    /// Stores and AMOs.
    pub store: u64,
}

impl PerAccess {
    fn from(values: [u64; 3]) -> PerAccess {
        PerAccess { fetch: values[0], load: values[1], store: values[2] }
    }

    /// The sum over kinds.
    pub fn total(&self) -> u64 {
        self.fetch + self.load + self.store
    }

    fn add(&mut self, other: &PerAccess) {
        (self.fetch, self.load, self.store) =
            (self.fetch + other.fetch, self.load + other.load, self.store + other.store);
    }

    fn get(&self, access: Access) -> u64 {
        match access {
            Access::Fetch => self.fetch,
            Access::Load => self.load,
            Access::Store => self.store,
        }
    }
}

/// Instructions retired per privilege mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PerMode {
    /// U-mode.
    pub user: u64,
    /// S-mode.
    pub supervisor: u64,
    /// M-mode.
    pub machine: u64,
}

/// What the hart counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HartStats {
    /// Instructions retired.
    pub retired: u64,
    /// Instructions retired, by privilege mode.
    pub retired_by_mode: PerMode,
    /// Cycles: instructions attempted plus idle cycles in `wfi`.
    pub cycles: u64,
    /// Traps taken (exceptions and interrupts).
    pub traps: u64,
}

/// What the modelled TLB counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlbReport {
    /// Shape, as given to `--tlb`.
    pub shape: String,
    /// Total entries.
    pub entries: usize,
    /// Ways per set.
    pub ways: usize,
    /// Replacement policy.
    pub policy: String,
    /// Lookups (hits + misses) per access kind.
    pub lookups: PerAccess,
    /// Hits per access kind.
    pub hits: PerAccess,
    /// Misses per access kind.
    pub misses: PerAccess,
    /// Entries filled after walks.
    pub fills: u64,
    /// Valid entries replaced by fills.
    pub evictions: u64,
    /// `sfence.vma` executed, per form.
    pub flushes: Flushes,
    /// Valid entries removed by `sfence.vma`.
    pub flushed_entries: u64,
}

/// `sfence.vma` per form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Flushes {
    /// rs1 = rs2 = x0.
    pub all: u64,
    /// rs1 = x0, rs2 = ASID.
    pub asid: u64,
    /// rs1 = address, rs2 = x0.
    pub va: u64,
    /// rs1 = address, rs2 = ASID.
    pub va_asid: u64,
}

/// What the MMU counted besides the TLB.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MmuReport {
    /// `hw` or `fault`.
    pub ad_policy: String,
    /// Page-table walks.
    pub walks: u64,
    /// PTEs read by walks.
    pub pte_reads: u64,
    /// PTEs written to set A/D.
    pub ad_updates: u64,
    /// Page faults per access kind.
    pub page_faults: PerAccess,
    /// Walks that hit a PTE outside RAM (access faults).
    pub walk_access_faults: u64,
}

impl MmuReport {
    fn add(&mut self, other: &MmuReport) {
        (self.walks, self.pte_reads, self.ad_updates) =
            (self.walks + other.walks, self.pte_reads + other.pte_reads, self.ad_updates + other.ad_updates);
        self.page_faults.add(&other.page_faults);
        self.walk_access_faults += other.walk_access_faults;
    }
}

/// What one disk counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiskReport {
    /// Its virtio-mmio slot (0 is at 0x1000_1000).
    pub slot: usize,
    /// Its size in sectors.
    pub sectors: u64,
    /// Requests completed.
    pub requests: u64,
    /// Read requests.
    pub reads: u64,
    /// Write requests.
    pub writes: u64,
    /// Flush requests.
    pub flushes: u64,
    /// Requests that failed (I/O error, unsupported).
    pub errors: u64,
    /// Sectors read.
    pub sectors_read: u64,
    /// Sectors written.
    pub sectors_written: u64,
}

/// One hart's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HartReport {
    /// Its instructions, cycles and traps.
    pub hart: HartStats,
    /// Its modelled TLB.
    pub tlb: TlbReport,
    /// Its MMU.
    pub mmu: MmuReport,
}

/// Everything counted during a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// The hart (with several, the sum of theirs).
    pub hart: HartStats,
    /// The modelled TLB (with several harts, the sum of theirs).
    pub tlb: TlbReport,
    /// The MMU (with several harts, the sum of theirs).
    pub mmu: MmuReport,
    /// Each hart's own counters, when the machine has more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub harts: Vec<HartReport>,
    /// The disks (none unless attached).
    pub disks: Vec<DiskReport>,
    /// The network device, if one is attached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetStats>,
    /// What translating code to the host cost, under `--engine jit`: the
    /// engine's own work, not the guest's. Which blocks were translated
    /// depends on when the translator's thread finished each, so it varies
    /// from run to run, unless the hart waited for each (`--jit wait`):
    /// the table always shows it, the JSON (which stays the same from run
    /// to run) only then.
    #[serde(skip_serializing_if = "varies")]
    pub translator: Option<TranslatorReport>,
}

/// What the translator did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TranslatorReport {
    /// Blocks translated.
    pub blocks: u64,
    /// Instructions in them.
    pub instructions: u64,
    /// Microseconds spent translating (host time: not in the JSON).
    #[serde(skip)]
    pub micros: u64,
    /// Times the translations were all dropped to make room.
    pub flushes: u64,
    /// The hart waited for each translation: the counts are the same from
    /// run to run.
    #[serde(skip)]
    pub repeatable: bool,
}

/// Whether a translator report varies from run to run (see
/// [`RunStats::translator`]).
fn varies(report: &Option<TranslatorReport>) -> bool {
    report.as_ref().is_none_or(|t| !t.repeatable)
}

impl TranslatorReport {
    fn from(stats: crate::cpu::jit::JitStats) -> TranslatorReport {
        TranslatorReport {
            blocks: stats.blocks,
            instructions: stats.instructions,
            micros: stats.compile_time.as_micros() as u64,
            flushes: stats.flushes,
            repeatable: stats.repeatable,
        }
    }

    fn sum(&self, other: &TranslatorReport) -> TranslatorReport {
        TranslatorReport {
            blocks: self.blocks + other.blocks,
            instructions: self.instructions + other.instructions,
            micros: self.micros + other.micros,
            flushes: self.flushes + other.flushes,
            repeatable: self.repeatable && other.repeatable,
        }
    }
}

impl RunStats {
    /// Collects the counters of `machine`: its hart's, or the sum of
    /// its harts' and each one's.
    pub fn collect(machine: &Machine) -> RunStats {
        let mut reports: Vec<HartReport> = machine.harts().iter().map(hart_report).collect();
        let mut total = reports.first().cloned().unwrap_or_default();
        for report in reports.iter().skip(1) {
            total.add(report);
        }
        if reports.len() == 1 {
            reports.clear();
        }
        RunStats {
            hart: total.hart,
            tlb: total.tlb,
            mmu: total.mmu,
            harts: reports,
            disks: disks(machine),
            network: machine.bus().virtio.iter().find_map(|slot| slot.net_stats()),
            translator: machine.harts().iter().find_map(|h| h.jit_stats()).map(TranslatorReport::from),
        }
    }

    /// The guest's counters alone, without the translator's host work:
    /// what two runs of the same guest must agree on, whatever the engine.
    pub fn guest(&self) -> RunStats {
        RunStats { translator: None, ..self.clone() }
    }

    /// The sum of `runs`' counters (a cluster's total); the shapes and
    /// policies are the first run's.
    pub fn total(runs: &[RunStats]) -> RunStats {
        let mut total = runs.first().cloned().unwrap_or_default();
        for run in runs.iter().skip(1) {
            total.add(run);
        }
        total
    }

    /// Adds `other`'s counters to these.
    fn add(&mut self, other: &RunStats) {
        let mut mine = HartReport { hart: self.hart.clone(), tlb: self.tlb.clone(), mmu: self.mmu.clone() };
        mine.add(&HartReport { hart: other.hart.clone(), tlb: other.tlb.clone(), mmu: other.mmu.clone() });
        (self.hart, self.tlb, self.mmu) = (mine.hart, mine.tlb, mine.mmu);
        self.disks.extend(other.disks.iter().cloned());
        self.network = match (self.network, other.network) {
            (Some(a), Some(b)) => Some(a.sum(&b)),
            (a, b) => a.or(b),
        };
        self.translator = match (&self.translator, &other.translator) {
            (Some(a), Some(b)) => Some(a.sum(b)),
            (a, b) => a.clone().or(b.clone()),
        };
    }
}

impl HartReport {
    /// Adds `other`'s counters to these.
    fn add(&mut self, other: &HartReport) {
        let (h, o) = (&mut self.hart, &other.hart);
        (h.retired, h.cycles, h.traps) = (h.retired + o.retired, h.cycles + o.cycles, h.traps + o.traps);
        let (m, om) = (&mut h.retired_by_mode, &o.retired_by_mode);
        (m.user, m.supervisor, m.machine) = (m.user + om.user, m.supervisor + om.supervisor, m.machine + om.machine);
        let (t, ot) = (&mut self.tlb, &other.tlb);
        for (mine, theirs) in [(&mut t.lookups, &ot.lookups), (&mut t.hits, &ot.hits), (&mut t.misses, &ot.misses)] {
            mine.add(theirs);
        }
        (t.fills, t.evictions, t.flushed_entries) =
            (t.fills + ot.fills, t.evictions + ot.evictions, t.flushed_entries + ot.flushed_entries);
        let (f, of) = (&mut t.flushes, &ot.flushes);
        (f.all, f.asid, f.va, f.va_asid) = (f.all + of.all, f.asid + of.asid, f.va + of.va, f.va_asid + of.va_asid);
        self.mmu.add(&other.mmu);
    }

    /// This hart's counters as a table, under `title`.
    fn table(&self, title: &str, out: &mut String) {
        let h = &self.hart;
        let t = &self.tlb;
        let m = &self.mmu;
        let _ = writeln!(out, "{title}");
        let _ = writeln!(
            out,
            "  instructions retired {:>14}   (U {}, S {}, M {})",
            h.retired, h.retired_by_mode.user, h.retired_by_mode.supervisor, h.retired_by_mode.machine
        );
        let _ = writeln!(out, "  cycles               {:>14}", h.cycles);
        let _ = writeln!(out, "  traps taken          {:>14}", h.traps);
        let _ = writeln!(out, "TLB ({})", t.shape);
        let _ = writeln!(out, "  {:<8}{:>14}{:>14}{:>14}{:>10}", "", "lookups", "hits", "misses", "hit rate");
        let row = |out: &mut String, name: &str, lookups: u64, hits: u64, misses: u64| {
            let rate =
                if lookups == 0 { "-".to_string() } else { format!("{:.2}%", 100.0 * hits as f64 / lookups as f64) };
            let _ = writeln!(out, "  {name:<8}{lookups:>14}{hits:>14}{misses:>14}{rate:>10}");
        };
        for access in [Access::Fetch, Access::Load, Access::Store] {
            row(out, access.name(), t.lookups.get(access), t.hits.get(access), t.misses.get(access));
        }
        row(out, "total", t.lookups.total(), t.hits.total(), t.misses.total());
        let _ = writeln!(out, "  fills {}, evictions {}", t.fills, t.evictions);
        let _ = writeln!(
            out,
            "  sfence.vma: all {}, asid {}, va {}, va+asid {} ({} entries removed)",
            t.flushes.all, t.flushes.asid, t.flushes.va, t.flushes.va_asid, t.flushed_entries
        );
        let _ = writeln!(out, "MMU (A/D {})", m.ad_policy);
        let _ = writeln!(out, "  page walks {}, PTE reads {}, A/D updates {}", m.walks, m.pte_reads, m.ad_updates);
        let _ = writeln!(
            out,
            "  page faults: fetch {}, load {}, store {}; PTE access faults {}",
            m.page_faults.fetch, m.page_faults.load, m.page_faults.store, m.walk_access_faults
        );
    }
}

impl RunStats {
    /// The statistics as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The statistics as a table: with several harts, each hart's, then
    /// their sum.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for (i, hart) in self.harts.iter().enumerate() {
            hart.table(&format!("hart {i}"), &mut out);
        }
        let title = if self.harts.is_empty() { "hart".to_string() } else { format!("all {} harts", self.harts.len()) };
        HartReport { hart: self.hart.clone(), tlb: self.tlb.clone(), mmu: self.mmu.clone() }.table(&title, &mut out);
        if let Some(n) = &self.network {
            let _ = writeln!(out, "network");
            let _ = writeln!(
                out,
                "  frames sent {} ({} bytes), received {} ({} bytes), dropped {}",
                n.frames_sent, n.bytes_sent, n.frames_received, n.bytes_received, n.dropped
            );
        }
        if let Some(t) = &self.translator {
            let _ = writeln!(out, "translator (--engine jit; host work, not the guest's)");
            let _ = writeln!(
                out,
                "  blocks {} ({} instructions), {:.1} ms translating, flushes {}",
                t.blocks,
                t.instructions,
                t.micros as f64 / 1e3,
                t.flushes
            );
        }
        for d in &self.disks {
            let _ = writeln!(out, "disk virtio{} ({} MiB)", d.slot, (d.sectors * 512) >> 20);
            let _ = writeln!(
                out,
                "  requests {} (reads {}, writes {}, flushes {}, errors {}); sectors read {}, written {}",
                d.requests, d.reads, d.writes, d.flushes, d.errors, d.sectors_read, d.sectors_written
            );
        }
        out
    }
}

/// The counters of one hart.
fn hart_report(cpu: &crate::cpu::Cpu) -> HartReport {
    let [user, supervisor, machine_mode] = cpu.retired_by_mode();
    let tlb = &cpu.mmu.tlb;
    let shape = tlb.shape();
    let s = &tlb.stats;
    let f = s.flushes;
    HartReport {
        hart: HartStats {
            retired: cpu.retired(),
            retired_by_mode: PerMode { user, supervisor, machine: machine_mode },
            cycles: cpu.mcycle(),
            traps: cpu.traps_taken(),
        },
        tlb: TlbReport {
            shape: shape.to_string(),
            entries: shape.entries,
            ways: shape.ways,
            policy: shape.policy.name().to_string(),
            lookups: PerAccess::from([0, 1, 2].map(|i| s.hits[i] + s.misses[i])),
            hits: PerAccess::from(s.hits),
            misses: PerAccess::from(s.misses),
            fills: s.fills,
            evictions: s.evictions,
            flushes: Flushes {
                all: f[FlushForm::All.index()],
                asid: f[FlushForm::Asid(0).index()],
                va: f[FlushForm::Address(0).index()],
                va_asid: f[FlushForm::AddressAsid(0, 0).index()],
            },
            flushed_entries: s.flushed_entries,
        },
        mmu: MmuReport {
            ad_policy: cpu.mmu.ad.name().to_string(),
            walks: cpu.mmu.stats.walks,
            pte_reads: cpu.mmu.stats.pte_reads,
            ad_updates: cpu.mmu.stats.ad_updates,
            page_faults: PerAccess::from(cpu.mmu.stats.page_faults),
            walk_access_faults: cpu.mmu.stats.walk_access_faults,
        },
    }
}

/// The counters of every attached disk.
fn disks(machine: &Machine) -> Vec<DiskReport> {
    let slots = machine.bus().virtio.iter().enumerate();
    slots
        .filter_map(|(slot, window)| {
            let (s, sectors) = (window.disk_stats()?, window.disk_sectors()?);
            Some(DiskReport {
                slot,
                sectors,
                requests: s.requests,
                reads: s.reads,
                writes: s.writes,
                flushes: s.flushes,
                errors: s.errors,
                sectors_read: s.sectors_read,
                sectors_written: s.sectors_written,
            })
        })
        .collect()
}
