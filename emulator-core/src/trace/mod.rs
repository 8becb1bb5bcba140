//! The debug trace: what the hart does, one line per event, by category.
//!
//! - `insn`: one line per retired instruction, in the shape of Spike's
//!   `--log-commits` (privilege, pc, encoding, the register written and its
//!   value, CSR writes, memory accesses), then `#`, the disassembly and the
//!   symbol: cut each line at `  #` to compare with Spike line by line;
//! - `mem`: every load and store, virtual -> physical address, size, value;
//! - `mmu`: TLB hits, misses, fills and evictions, every page-walk step with
//!   its PTE's address and value, page faults with the reason, flushes;
//! - `trap`: exceptions and interrupts by name, tval, mode from -> to, and
//!   returns from traps;
//! - `csr`: CSR writes, with the old and new value;
//! - `dev`: device register accesses;
//! - `net`: frames the network device sends, receives and drops.
//!
//! A trace can start at an address (`--trace-from`), keep to one address
//! space (`--trace-asid`) and stop after a number of lines
//! (`--trace-limit`). Tracing never changes what the machine does or
//! counts: while it is on, the hart leaves its host fast path aside (every
//! access then goes through the modelled TLB, as it would anyway, and is
//! seen here), and the TLB's statistics stay exactly those of an untraced
//! run.

mod symbols;

use std::fmt::Write as _;
use std::io::Write;

pub use symbols::{Symbolizer, UserProgram};

use crate::cpu::{Access, Privilege};

/// What can be traced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Retired instructions.
    Insn = 1,
    /// Loads and stores.
    Mem = 2,
    /// TLB and page walks.
    Mmu = 4,
    /// Traps and trap returns.
    Trap = 8,
    /// CSR writes.
    Csr = 16,
    /// Device registers.
    Dev = 32,
    /// Frames on the network.
    Net = 64,
}

impl Category {
    /// Every category, with its name on the command line.
    pub const ALL: [(Category, &'static str); 7] = [
        (Category::Insn, "insn"),
        (Category::Mem, "mem"),
        (Category::Mmu, "mmu"),
        (Category::Trap, "trap"),
        (Category::Csr, "csr"),
        (Category::Dev, "dev"),
        (Category::Net, "net"),
    ];
}

/// A set of categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Categories(u8);

impl Categories {
    /// Parses `insn,mem,...` or `all`.
    pub fn parse(text: &str) -> Result<Categories, String> {
        let mut set = 0;
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            if word == "all" {
                set |= 127;
                continue;
            }
            let (category, _) = Category::ALL.iter().find(|(_, name)| *name == word).ok_or_else(|| {
                format!("unknown trace category '{word}' (use insn, mem, mmu, trap, csr, dev, net or all)")
            })?;
            set |= *category as u8;
        }
        if set == 0 {
            return Err("no trace category given".into());
        }
        Ok(Categories(set))
    }

    /// Whether `category` is in the set.
    pub fn contains(self, category: Category) -> bool {
        self.0 & category as u8 != 0
    }
}

/// One trace output written by several tracers (a machine's harts, one
/// after another on one thread): each line goes whole.
#[derive(Clone)]
pub struct SharedOutput(std::sync::Arc<std::sync::Mutex<Box<dyn Write + Send>>>);

impl SharedOutput {
    /// Shares `out`.
    pub fn new(out: Box<dyn Write + Send>) -> SharedOutput {
        SharedOutput(std::sync::Arc::new(std::sync::Mutex::new(out)))
    }
}

impl Write for SharedOutput {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("a tracer panicked"))?.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().map_err(|_| std::io::Error::other("a tracer panicked"))?.flush()
    }
}

/// What to trace, and when.
#[derive(Debug, Clone, Default)]
pub struct TraceConfig {
    /// The categories.
    pub categories: Categories,
    /// Stop after this many lines.
    pub limit: Option<u64>,
    /// Start when the hart first reaches this address.
    pub from: Option<u64>,
    /// Only while `satp` holds this ASID.
    pub asid: Option<u16>,
}

/// A memory access of the current instruction, for its `insn` line.
#[derive(Debug, Clone, Copy)]
struct PendingAccess {
    va: u64,
    store: Option<(u64, u8)>,
}

/// The tracer: filters and writes events.
pub struct Tracer {
    config: TraceConfig,
    out: Box<dyn Write + Send>,
    lines: u64,
    started: bool,
    stopped: bool,
    accesses: Vec<PendingAccess>,
    csr_writes: Vec<(u16, u64)>,
    /// The hart traced, named in every line, when the machine has several.
    hart: Option<usize>,
    /// Names addresses.
    pub symbols: Symbolizer,
}

/// Spike's name for a privilege in its commit log: its number.
fn privilege_number(p: Privilege) -> u8 {
    p as u8
}

impl Tracer {
    /// A tracer writing to `out`.
    pub fn new(config: TraceConfig, out: Box<dyn Write + Send>, symbols: Symbolizer) -> Tracer {
        let started = config.from.is_none();
        Tracer {
            config,
            out,
            lines: 0,
            started,
            stopped: false,
            accesses: Vec::new(),
            csr_writes: Vec::new(),
            hart: None,
            symbols,
        }
    }

    /// The same tracer for hart `hart` of a machine with several: its
    /// `insn` lines say `core N`, as Spike's do, and its other lines
    /// start with `hart N`.
    pub fn for_hart(mut self, hart: usize) -> Tracer {
        self.hart = Some(hart);
        self
    }

    /// Whether events of `category` are written now, in address space
    /// `asid`.
    #[inline]
    pub fn wants(&self, category: Category, asid: u16) -> bool {
        self.started
            && !self.stopped
            && self.config.categories.contains(category)
            && self.config.asid.is_none_or(|a| a == asid)
    }

    /// Called before each instruction: starts the trace at `--trace-from`.
    #[inline]
    pub fn at_pc(&mut self, pc: u64) {
        if !self.started && self.config.from == Some(pc) {
            self.started = true;
        }
    }

    /// Writes one line (and stops at the limit), naming the hart if the
    /// machine has several.
    pub fn line(&mut self, text: &str) {
        match self.hart {
            Some(hart) => self.write_line(&format!("hart {hart} {text}")),
            None => self.write_line(text),
        }
    }

    fn write_line(&mut self, text: &str) {
        if self.stopped {
            return;
        }
        let _ = writeln!(self.out, "{text}");
        self.lines += 1;
        if self.config.limit.is_some_and(|limit| self.lines >= limit) {
            let _ = writeln!(self.out, "trace: limit of {} lines reached", self.lines);
            self.stopped = true;
        }
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Flushes the output.
    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// Notes a memory access of the current instruction, for its `insn`
    /// line.
    pub fn note_access(&mut self, va: u64, store: Option<(u64, u8)>) {
        self.accesses.push(PendingAccess { va, store });
    }

    /// Notes a CSR write of the current instruction.
    pub fn note_csr_write(&mut self, csr: u16, value: u64) {
        self.csr_writes.push((csr, value));
    }

    /// Forgets what the current instruction noted (it trapped).
    pub fn discard_pending(&mut self) {
        self.accesses.clear();
        self.csr_writes.clear();
    }

    /// The `insn` line of a retired instruction: `mode`, `pc`, `raw`
    /// (`len` bytes), the register written (`rd`: its file, `x` or `f`, its
    /// number and its value, if any),
    /// then what was noted, then `disasm` and the symbol.
    #[allow(clippy::too_many_arguments)]
    pub fn retired(
        &mut self,
        mode: Privilege,
        pc: u64,
        raw: u32,
        len: u8,
        rd: Option<(char, u8, u64)>,
        disasm: &str,
        symbol: Option<String>,
    ) {
        let mut text = String::with_capacity(120);
        let encoding = if len == 2 { format!("0x{raw:04x}") } else { format!("0x{raw:08x}") };
        let core = self.hart.unwrap_or(0);
        let _ = write!(text, "core {core:>3}: {} 0x{pc:016x} ({encoding})", privilege_number(mode));
        if let Some((file, r, value)) = rd {
            let _ = write!(text, " {file}{r:<2} 0x{value:016x}");
        }
        for (csr, value) in self.csr_writes.drain(..) {
            let name = crate::cpu::csr_name(csr).unwrap_or("unknown");
            let _ = write!(text, " c{csr}_{name} 0x{value:016x}");
        }
        for access in self.accesses.drain(..) {
            let _ = write!(text, " mem 0x{:016x}", access.va);
            if let Some((value, size)) = access.store {
                let digits = 2 * size as usize;
                let _ = write!(text, " 0x{value:0digits$x}");
            }
        }
        let _ = write!(text, "  # {}", disasm.replace('\t', " "));
        if let Some(symbol) = symbol {
            let _ = write!(text, "  <{symbol}>");
        }
        self.write_line(&text);
    }

    /// A `mem` line.
    pub fn access(&mut self, access: Access, va: u64, pa: u64, size: u8, value: u64) {
        let verb = if access == Access::Store { "store" } else { "load " };
        let digits = 2 * size as usize;
        self.line(&format!("mem   {verb} va 0x{va:x} -> pa 0x{pa:x} ({size} bytes) 0x{value:0digits$x}"));
    }

    /// A `dev` line: a device register access at `pa`.
    pub fn device(&mut self, write: bool, pa: u64, size: u8, value: Option<u64>) {
        let (device, offset) = crate::memmap::device_at(pa).unwrap_or(("nothing", pa));
        let verb = if write { "write" } else { "read " };
        let shown = value.map_or_else(|| "access fault".to_string(), |v| format!("0x{v:x}"));
        self.line(&format!("dev   {verb} {device}+0x{offset:x} ({size} bytes) {shown}"));
    }

    /// A request the virtio-blk disk in `slot` carried out.
    pub fn disk_request(&mut self, slot: usize, r: &crate::devices::virtio::blk::Request) {
        use crate::devices::virtio::blk::RequestKind;
        let what = match r.kind {
            RequestKind::Read => format!("read  sector {} ({} bytes)", r.sector, r.bytes),
            RequestKind::Write => format!("write sector {} ({} bytes)", r.sector, r.bytes),
            RequestKind::Flush => "flush".to_string(),
            RequestKind::GetId => "get id".to_string(),
            RequestKind::Unsupported(kind) => format!("type {kind} (unsupported)"),
        };
        let status = ["ok", "I/O error", "unsupported"].get(r.status as usize).copied().unwrap_or("?");
        self.line(&format!("dev   virtio{slot} disk {what}: {status}"));
    }

    /// A frame the network device in `slot` moved, at step `now`.
    pub fn net_event(&mut self, slot: usize, now: u64, event: &crate::devices::virtio::net::NetEvent) {
        use crate::devices::virtio::net::NetEvent;
        let text = match event {
            NetEvent::Sent(frame) => format!("sent     {}", crate::net::describe(frame)),
            NetEvent::Received(frame) => format!("received {}", crate::net::describe(frame)),
            NetEvent::Dropped(why) => format!("dropped  {why}"),
        };
        self.line(&format!("net   virtio{slot} @{now} {text}"));
    }
}
