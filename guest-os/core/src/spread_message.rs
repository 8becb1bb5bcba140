//! The messages that spread a process's threads over a cluster
//! (`threads=spread`, see `spread.rs`), carried as the DSM engine's
//! kernel messages: a new address space, a thread started on another
//! node, that thread's system calls (and signals, and death) forwarded to
//! the process's home and their answers, a thread ended by its process, the process's end, and
//! the address-space layout each node checks faults against.

use alloc::string::String;
use alloc::vec::Vec;

use crate::dsm::NodeId;
use crate::protect::Protected;

/// Kinds, after `cluster_shm`'s (1 to 4).
const SPACE: u8 = 16;
const SPAWN: u8 = 17;
const CALL: u8 = 18;
const ANSWER: u8 = 19;
const KILL: u8 = 20;
const LAYOUT: u8 = 21;
const ENDED: u8 = 22;
const INTERRUPT: u8 = 23;

/// A range of a process's coherent pages, with its entry flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    /// First address.
    pub start: u64,
    /// One past the last.
    pub end: u64,
    /// R, W, X.
    pub flags: u64,
}

/// What a node needs of a process's address space to check faults: its
/// coherent areas, mprotect's ranges, and the program images mapped
/// (whose shared pages every node loads from its own initrd), by name and
/// address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// Data, heap, stacks, private mappings.
    pub areas: Vec<Area>,
    /// mprotect's ranges.
    pub protections: Vec<Protected>,
    /// Images: name and first address.
    pub images: Vec<(String, u64)>,
}

/// What a thread on another node asks of its proxy at the home.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// Run the system call in its registers.
    Syscall,
    /// Deliver the signals pending for it (it was interrupted for them).
    Signals,
    /// It died of a signal (this wait status): so does its process.
    Fatal(i32),
    /// It faulted outside the layout it knows: send the layout now.
    Layout,
}

impl Layout {
    /// The layout in parts whose messages fit `max` bytes each (at least
    /// one part; the images, and as many areas and ranges as fit, in the
    /// first). A part holds at least one item, whatever `max` says.
    pub fn parts(&self, max: usize) -> Vec<Layout> {
        // A Layout message's kind, space, flag and three list lengths.
        const HEADER: usize = 1 + 8 * 5;
        let image_bytes: usize = self.images.iter().map(|(n, _)| 16 + n.len()).sum();
        let mut parts = alloc::vec![Layout { images: self.images.clone(), ..Layout::default() }];
        let mut room = max.saturating_sub(HEADER + image_bytes);
        let items =
            self.areas.iter().map(|&a| (Some(a), None)).chain(self.protections.iter().map(|&p| (None, Some(p))));
        for (area, range) in items {
            let part = parts.last_mut().expect("one part at least");
            let empty = part.areas.is_empty() && part.protections.is_empty() && part.images.is_empty();
            if room < 24 && !empty {
                parts.push(Layout::default());
                room = max.saturating_sub(HEADER);
            }
            let part = parts.last_mut().expect("one part at least");
            part.areas.extend(area);
            part.protections.extend(range);
            room = room.saturating_sub(24);
        }
        parts
    }

    /// Adds a later part's areas, ranges and images.
    pub fn extend(&mut self, more: Layout) {
        self.areas.extend(more.areas);
        self.protections.extend(more.protections);
        self.images.extend(more.images);
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpreadMessage {
    /// Process space `space`, whose home is `home`, is distributed now.
    Space {
        /// The DSM space.
        space: u32,
        /// Its home.
        home: NodeId,
    },
    /// Run thread `tid` of the process of `space` here.
    Spawn {
        /// The DSM space.
        space: u32,
        /// Its thread id (at the home, where it has a proxy).
        tid: u32,
        /// The program's name.
        name: String,
        /// Where it starts.
        pc: u64,
        /// Its registers (x0 to x31).
        regs: [u64; 32],
        /// The address space's layout.
        layout: Layout,
    },
    /// Thread `tid`, at `pc` with registers `regs`, asks its proxy.
    Call {
        /// The thread.
        tid: u32,
        /// What it asks.
        kind: CallKind,
        /// Where it resumes.
        pc: u64,
        /// Its registers (for a system call, the number in a7 and the
        /// arguments in a0 to a5).
        regs: [u64; 32],
    },
    /// Thread `tid` goes on at `pc` with registers `regs` (the call's
    /// result in a0, or a signal handler's frame set up).
    Answer {
        /// The thread.
        tid: u32,
        /// Where it resumes.
        pc: u64,
        /// Its registers.
        regs: [u64; 32],
    },
    /// Signals wait for thread `tid` at its home: it should ask for them.
    Interrupt {
        /// The thread.
        tid: u32,
    },
    /// Thread `tid` ended at its home (exit_group, a fatal signal).
    Kill {
        /// The thread.
        tid: u32,
    },
    /// The process of `space` ended: the pages its threads left here go.
    Ended {
        /// The DSM space.
        space: u32,
    },
    /// The layout of the process of `space` changed: this is it, or
    /// (`more`) the next part of it. A layout too long for one message
    /// goes in parts ([`Layout::parts`]), in order on one link.
    Layout {
        /// The DSM space.
        space: u32,
        /// A part after the first: added to the layout, not replacing it.
        more: bool,
        /// The layout now, or its next part.
        layout: Layout,
    },
}

/// A message that is not one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadMessage;

/// Whether `bytes` is a spread message (by its kind).
pub fn is_spread(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(|k| (SPACE..=INTERRUPT).contains(k))
}

impl SpreadMessage {
    /// The bytes: a kind, then little-endian fields; strings and lists
    /// after their length.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Vec::new();
        match self {
            SpreadMessage::Space { space, home } => put(&mut w, SPACE, &[u64::from(*space), u64::from(*home)]),
            SpreadMessage::Spawn { space, tid, name, pc, regs, layout } => {
                put(&mut w, SPAWN, &[u64::from(*space), u64::from(*tid), *pc]);
                words(&mut w, regs);
                text(&mut w, name);
                put_layout(&mut w, layout);
            }
            SpreadMessage::Call { tid, kind, pc, regs } => {
                let (k, status) = match kind {
                    CallKind::Syscall => (0, 0),
                    CallKind::Signals => (1, 0),
                    CallKind::Fatal(status) => (2, *status as u32 as u64),
                    CallKind::Layout => (3, 0),
                };
                put(&mut w, CALL, &[u64::from(*tid), k, status, *pc]);
                words(&mut w, regs);
            }
            SpreadMessage::Answer { tid, pc, regs } => {
                put(&mut w, ANSWER, &[u64::from(*tid), *pc]);
                words(&mut w, regs);
            }
            SpreadMessage::Interrupt { tid } => put(&mut w, INTERRUPT, &[u64::from(*tid)]),
            SpreadMessage::Kill { tid } => put(&mut w, KILL, &[u64::from(*tid)]),
            SpreadMessage::Ended { space } => put(&mut w, ENDED, &[u64::from(*space)]),
            SpreadMessage::Layout { space, more, layout } => {
                put(&mut w, LAYOUT, &[u64::from(*space), u64::from(*more)]);
                put_layout(&mut w, layout);
            }
        }
        w
    }

    /// The message in `bytes` (from the network: anything malformed is
    /// [`BadMessage`]).
    pub fn decode(bytes: &[u8]) -> Result<SpreadMessage, BadMessage> {
        let (&kind, rest) = bytes.split_first().ok_or(BadMessage)?;
        let mut r = Reader(rest);
        let message = match kind {
            SPACE => SpreadMessage::Space { space: r.u32()?, home: r.u16()? },
            SPAWN => {
                let (space, tid, pc) = (r.u32()?, r.u32()?, r.u64()?);
                let (regs, name, layout) = (r.regs()?, r.text()?, r.layout()?);
                SpreadMessage::Spawn { space, tid, name, pc, regs, layout }
            }
            CALL => {
                let tid = r.u32()?;
                let kind = match (r.u64()?, r.u32()?) {
                    (0, 0) => CallKind::Syscall,
                    (1, 0) => CallKind::Signals,
                    (2, status) => CallKind::Fatal(status as i32),
                    (3, 0) => CallKind::Layout,
                    _ => return Err(BadMessage),
                };
                SpreadMessage::Call { tid, kind, pc: r.u64()?, regs: r.regs()? }
            }
            ANSWER => SpreadMessage::Answer { tid: r.u32()?, pc: r.u64()?, regs: r.regs()? },
            INTERRUPT => SpreadMessage::Interrupt { tid: r.u32()? },
            KILL => SpreadMessage::Kill { tid: r.u32()? },
            ENDED => SpreadMessage::Ended { space: r.u32()? },
            LAYOUT => {
                let space = r.u32()?;
                let more = match r.u64()? {
                    0 => false,
                    1 => true,
                    _ => return Err(BadMessage),
                };
                SpreadMessage::Layout { space, more, layout: r.layout()? }
            }
            _ => return Err(BadMessage),
        };
        if r.0.is_empty() { Ok(message) } else { Err(BadMessage) }
    }
}

impl SpreadMessage {
    /// One line for a network trace.
    pub fn summary(&self) -> String {
        match self {
            SpreadMessage::Space { space, home } => {
                alloc::format!("spread: space {space:#x} is distributed, home node {home}")
            }
            SpreadMessage::Spawn { space, tid, name, pc, .. } => {
                alloc::format!("spread: run thread {tid} of {name} (space {space:#x}) here from pc {pc:#x}")
            }
            SpreadMessage::Call { tid, kind: CallKind::Syscall, regs, .. } => {
                alloc::format!("spread: thread {tid} calls {} ({})", regs[17], call_name(regs[17]))
            }
            SpreadMessage::Call { tid, kind: CallKind::Signals, .. } => {
                alloc::format!("spread: thread {tid} asks for its signals")
            }
            SpreadMessage::Call { tid, kind: CallKind::Fatal(status), .. } => {
                alloc::format!("spread: thread {tid} died of signal {}", status & 0x7f)
            }
            SpreadMessage::Call { tid, kind: CallKind::Layout, .. } => {
                alloc::format!("spread: thread {tid} asks for the layout")
            }
            SpreadMessage::Answer { tid, pc, regs } => {
                alloc::format!("spread: thread {tid} goes on at pc {pc:#x}, a0 {:#x}", regs[10])
            }
            SpreadMessage::Interrupt { tid } => alloc::format!("spread: signals wait for thread {tid}"),
            SpreadMessage::Kill { tid } => alloc::format!("spread: thread {tid} ended at home"),
            SpreadMessage::Ended { space } => alloc::format!("spread: the process of space {space:#x} ended"),
            SpreadMessage::Layout { space, more, layout } => alloc::format!(
                "spread: layout{} of space {space:#x}: {} areas, {} protected ranges, {} images",
                if *more { " (more)" } else { "" },
                layout.areas.len(),
                layout.protections.len(),
                layout.images.len()
            ),
        }
    }
}

/// A Linux system call's name, for traces.
fn call_name(number: u64) -> &'static str {
    rvsim_abi::linux::syscall_name(number).unwrap_or("no Linux call")
}

/// Appends a kind and its fields.
fn put(w: &mut Vec<u8>, kind: u8, fields: &[u64]) {
    w.push(kind);
    words(w, fields);
}

/// Appends words.
fn words(w: &mut Vec<u8>, fields: &[u64]) {
    fields.iter().for_each(|f| w.extend_from_slice(&f.to_le_bytes()));
}

/// Appends a string after its length.
fn text(w: &mut Vec<u8>, s: &str) {
    words(w, &[s.len() as u64]);
    w.extend_from_slice(s.as_bytes());
}

/// Appends a layout: its three lists, each after its length.
fn put_layout(w: &mut Vec<u8>, layout: &Layout) {
    words(w, &[layout.areas.len() as u64]);
    layout.areas.iter().for_each(|a| words(w, &[a.start, a.end, a.flags]));
    words(w, &[layout.protections.len() as u64]);
    layout.protections.iter().for_each(|p| words(w, &[p.start, p.end, p.prot]));
    words(w, &[layout.images.len() as u64]);
    layout.images.iter().for_each(|(name, base)| {
        text(w, name);
        words(w, &[*base]);
    });
}

/// The bytes not read yet.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u64(&mut self) -> Result<u64, BadMessage> {
        let (head, rest) = self.0.split_first_chunk::<8>().ok_or(BadMessage)?;
        self.0 = rest;
        Ok(u64::from_le_bytes(*head))
    }

    fn u32(&mut self) -> Result<u32, BadMessage> {
        u32::try_from(self.u64()?).map_err(|_| BadMessage)
    }

    fn u16(&mut self) -> Result<u16, BadMessage> {
        u16::try_from(self.u64()?).map_err(|_| BadMessage)
    }

    /// A length that the bytes left could hold, `each` bytes an item.
    fn count(&mut self, each: usize) -> Result<usize, BadMessage> {
        let n = usize::try_from(self.u64()?).map_err(|_| BadMessage)?;
        if n.checked_mul(each).is_none_or(|b| b > self.0.len()) {
            return Err(BadMessage);
        }
        Ok(n)
    }

    fn regs(&mut self) -> Result<[u64; 32], BadMessage> {
        let mut regs = [0; 32];
        for r in &mut regs {
            *r = self.u64()?;
        }
        Ok(regs)
    }

    fn text(&mut self) -> Result<String, BadMessage> {
        let n = self.count(1)?;
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8(head.to_vec()).map_err(|_| BadMessage)
    }

    fn layout(&mut self) -> Result<Layout, BadMessage> {
        let mut layout = Layout::default();
        for _ in 0..self.count(24)? {
            layout.areas.push(Area { start: self.u64()?, end: self.u64()?, flags: self.u64()? });
        }
        for _ in 0..self.count(24)? {
            layout.protections.push(Protected { start: self.u64()?, end: self.u64()?, prot: self.u64()? });
        }
        for _ in 0..self.count(16)? {
            layout.images.push((self.text()?, self.u64()?));
        }
        Ok(layout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every() -> Vec<SpreadMessage> {
        let mut regs = [0u64; 32];
        regs.iter_mut().enumerate().for_each(|(i, r)| *r = (i as u64) << 40 | 7);
        let layout = Layout {
            areas: alloc::vec![Area { start: 0x1000, end: 0x3000, flags: 6 }],
            protections: alloc::vec![Protected { start: 0x2000, end: 0x3000, prot: 0 }],
            images: alloc::vec![(String::from("spreadsum"), 0x1_0000), (String::from("sigreturn"), 0x7000_0000)],
        };
        alloc::vec![
            SpreadMessage::Space { space: 0x8001_0002, home: 1 },
            SpreadMessage::Spawn {
                space: 5,
                tid: 9,
                name: String::from("p"),
                pc: 0x10074,
                regs,
                layout: layout.clone()
            },
            SpreadMessage::Call { tid: 9, kind: CallKind::Syscall, pc: u64::MAX, regs },
            SpreadMessage::Call { tid: 9, kind: CallKind::Signals, pc: 4, regs },
            SpreadMessage::Call { tid: 9, kind: CallKind::Fatal(11), pc: 0, regs },
            SpreadMessage::Call { tid: 9, kind: CallKind::Layout, pc: 0, regs },
            SpreadMessage::Answer { tid: 9, pc: 0x10074, regs },
            SpreadMessage::Interrupt { tid: 3 },
            SpreadMessage::Kill { tid: 65535 },
            SpreadMessage::Ended { space: 0x8000_0001 },
            SpreadMessage::Layout { space: 5, more: false, layout },
            SpreadMessage::Layout { space: 5, more: true, layout: Layout::default() },
        ]
    }

    #[test]
    fn every_kind_round_trips_and_is_told_from_the_segment_layers() {
        for m in every() {
            let bytes = m.encode();
            assert!(is_spread(&bytes));
            assert_eq!(SpreadMessage::decode(&bytes), Ok(m));
        }
        assert!(!is_spread(&crate::cluster_shm::Message::Remove { space: 3 }.encode()));
        assert!(!is_spread(&[]));
    }

    #[test]
    fn messages_sum_themselves_up_for_a_trace() {
        let lines: Vec<String> = every().iter().map(SpreadMessage::summary).collect();
        assert_eq!(lines[0], "spread: space 0x80010002 is distributed, home node 1");
        assert!(lines[2].starts_with("spread: thread 9 calls "), "{}", lines[2]);
        assert_eq!(lines[4], "spread: thread 9 died of signal 11");
        assert!(lines.iter().all(|l| l.starts_with("spread: ") && l.len() < 120), "{lines:?}");
        let mut unknown = every()[2].encode();
        unknown[9] = 4;
        assert_eq!(SpreadMessage::decode(&unknown), Err(BadMessage), "a call of no kind");
    }

    #[test]
    fn a_long_layout_goes_in_parts_that_each_fit_and_add_up_to_it() {
        let areas = (0..500).map(|i| Area { start: i * 0x2000, end: i * 0x2000 + 0x1000, flags: 6 }).collect();
        let protections =
            (0..300).map(|i| Protected { start: i * 0x2000, end: i * 0x2000 + 0x1000, prot: 0 }).collect();
        let images = alloc::vec![(String::from("spreadsum"), 0x1_0000)];
        let layout = Layout { areas, protections, images };
        let parts = layout.parts(crate::dsm::MAX_MESSAGE);
        assert!(parts.len() >= 5, "{} parts", parts.len());
        let mut whole = Layout::default();
        for (i, part) in parts.into_iter().enumerate() {
            let message = SpreadMessage::Layout { space: 5, more: i > 0, layout: part.clone() };
            assert!(message.encode().len() <= crate::dsm::MAX_MESSAGE, "part {i}");
            whole.extend(part);
        }
        assert_eq!(whole, layout);
        assert_eq!(Layout::default().parts(64), [Layout::default()], "an empty layout is one part");
    }

    #[test]
    fn truncated_padded_or_lying_messages_are_refused() {
        for m in every() {
            let bytes = m.encode();
            for cut in 0..bytes.len() {
                assert_eq!(SpreadMessage::decode(&bytes[..cut]), Err(BadMessage), "{m:?} cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(SpreadMessage::decode(&longer), Err(BadMessage));
        }
        // A list claiming more items than the bytes hold.
        let mut lying = SpreadMessage::Layout { space: 5, more: false, layout: Layout::default() }.encode();
        lying[17..25].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(SpreadMessage::decode(&lying), Err(BadMessage));
        assert_eq!(SpreadMessage::decode(&[SPACE, 1, 2]), Err(BadMessage));
    }
}
