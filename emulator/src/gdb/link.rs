//! The connection under gdbstub. gdbstub 0.7 ends a session at the first
//! packet it cannot take (a bad checksum, a `-` from the client, a
//! malformed command, a packet larger than its buffer), and it writes a
//! memory write's data whatever length the packet declares. The link
//! frames gdb's packets itself, so that a session survives all of these:
//!
//! - it acknowledges each packet itself (`+`; gdbstub's own acknowledgements
//!   are dropped, and no-ack mode is not offered), and answers a packet
//!   with a bad checksum with `-`, so that the client sends it again:
//!   gdbstub never sees it;
//! - a `-` from the client (our reply arrived garbled) makes it send its
//!   last reply again;
//! - it answers with an error, itself, a packet longer than gdbstub's
//!   buffer and a memory write (`M`, `X`) whose data is not the length it
//!   declares (so nothing is written);
//! - when gdbstub fails on a packet (one it cannot parse), the session
//!   loop ([`super::serve`]) answers that packet with an error through
//!   [`Link::refuse_pending`] and starts gdbstub afresh on the same link;
//! - while the target runs, only Ctrl-C reaches gdbstub: a packet then
//!   (which gdb in all-stop mode never sends) gets an error reply.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::rc::Rc;

use gdbstub::conn::{Connection, ConnectionExt};

/// gdbstub's packet buffer: `$`, the data, `#` and two checksum digits.
pub const PACKET_SIZE: usize = 4096;

/// The most data a packet may hold.
const MAX_DATA: usize = PACKET_SIZE - 4;

/// The reply to a packet the link or gdbstub refuses: `EINVAL`, as gdb's
/// error replies give an errno in hex.
const REFUSED: &[u8] = b"E16";

/// What the client sent, framed.
#[derive(Debug, PartialEq, Eq)]
enum FromClient {
    /// A packet's data, or `None` when its checksum is wrong.
    Packet(Option<Vec<u8>>),
    /// A packet with a right checksum, too long for gdbstub.
    TooLong,
    /// `-`: our last reply arrived garbled.
    Nak,
    /// Ctrl-C.
    Interrupt,
}

/// Where the framer is in the client's byte stream.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum FrameState {
    /// Between packets: acknowledgements, Ctrl-C, noise.
    #[default]
    Between,
    /// In a packet's data, after its `$`.
    Data,
    /// After the `#`, with the first checksum digit once it came.
    Checksum(Option<u8>),
}

/// Cuts the client's bytes into packets and checks their checksums.
#[derive(Debug, Default)]
struct Framer {
    state: FrameState,
    data: Vec<u8>,
    sum: u8,
    too_long: bool,
}

impl Framer {
    /// Takes the next byte from the client; what it completes, if anything.
    fn push(&mut self, byte: u8) -> Option<FromClient> {
        match (self.state, byte) {
            (FrameState::Between, b'-') => Some(FromClient::Nak),
            (FrameState::Between, 0x03) => Some(FromClient::Interrupt),
            // A `$` inside a packet starts another: the first was cut off.
            (FrameState::Between | FrameState::Data, b'$') => {
                *self = Framer { state: FrameState::Data, ..Framer::default() };
                None
            }
            // Acknowledgements of our replies, and noise.
            (FrameState::Between, _) => None,
            (FrameState::Data, b'#') => {
                self.state = FrameState::Checksum(None);
                None
            }
            (FrameState::Data, _) => {
                self.add(byte);
                None
            }
            (FrameState::Checksum(None), _) => {
                self.state = FrameState::Checksum(Some(byte));
                None
            }
            (FrameState::Checksum(Some(first)), _) => Some(self.finish(first, byte)),
        }
    }

    /// Adds a data byte (counted in the checksum even past the limit).
    fn add(&mut self, byte: u8) {
        self.sum = self.sum.wrapping_add(byte);
        if self.data.len() < MAX_DATA {
            self.data.push(byte);
        } else {
            self.too_long = true;
        }
    }

    /// The packet whose checksum digits are `first` and `second`.
    fn finish(&mut self, first: u8, second: u8) -> FromClient {
        let framed = std::mem::take(self);
        let sent = std::str::from_utf8(&[first, second]).ok().and_then(|digits| u8::from_str_radix(digits, 16).ok());
        if sent != Some(framed.sum) {
            FromClient::Packet(None)
        } else if framed.too_long {
            FromClient::TooLong
        } else {
            FromClient::Packet(Some(framed.data))
        }
    }
}

/// `data` as a packet: `$data#checksum`.
fn packet(data: &[u8]) -> Vec<u8> {
    let sum = data.iter().fold(0u8, |sum, &b| sum.wrapping_add(b));
    let mut packet = Vec::with_capacity(data.len() + 4);
    packet.push(b'$');
    packet.extend_from_slice(data);
    packet.extend_from_slice(format!("#{sum:02x}").as_bytes());
    packet
}

/// Why a memory write is refused before gdbstub sees it: its data (hex
/// for `M`, escaped binary for `X`) is not the length it declares. Other
/// packets, and writes too malformed to tell, are gdbstub's to judge.
fn length_mismatch(data: &[u8]) -> Option<String> {
    let (&kind, rest) = data.split_first()?;
    if kind != b'M' && kind != b'X' {
        return None;
    }
    let colon = rest.iter().position(|&b| b == b':')?;
    let (header, payload) = (&rest[..colon], &rest[colon + 1..]);
    let comma = header.iter().position(|&b| b == b',')?;
    let declared = std::str::from_utf8(&header[comma + 1..]).ok().and_then(|t| usize::from_str_radix(t, 16).ok())?;
    let given = match kind {
        b'M' if payload.len() % 2 == 1 => return Some("an odd number of hex digits".into()),
        b'M' => payload.len() / 2,
        _ => unescaped_len(payload)?,
    };
    (given != declared).then(|| format!("{given} bytes of data, declared {declared}"))
}

/// How many bytes escaped binary data (`}` and the byte XOR 0x20) holds,
/// counted as gdbstub decodes it; `None` when it ends inside an escape.
fn unescaped_len(data: &[u8]) -> Option<usize> {
    let (mut at, mut count) = (0, 0);
    while at < data.len() {
        at += if data[at] == b'}' { 2 } else { 1 };
        count += 1;
    }
    (at == data.len()).then_some(count)
}

/// The link's state, shared by the handles gdbstub holds.
struct LinkState {
    stream: TcpStream,
    framer: Framer,
    /// What gdbstub is to read: whole packets (with a right checksum)
    /// and Ctrl-C bytes, and how far it has read the first.
    for_stub: VecDeque<Vec<u8>>,
    read_in_first: usize,
    /// The reply gdbstub is writing, from its `$`, and how many checksum
    /// digits are still to come once its `#` came.
    reply: Vec<u8>,
    checksum_digits_left: Option<u8>,
    /// The last reply sent, for a `-`.
    last_reply: Vec<u8>,
    /// gdbstub has read a whole packet and not yet replied to it.
    reply_pending: bool,
}

impl LinkState {
    /// Reads what the client sent, waiting for it if `wait`, until
    /// something is there for gdbstub, or (without `wait`) nothing more
    /// has come.
    fn receive(&mut self, wait: bool) -> io::Result<()> {
        let mut buf = [0u8; 4096];
        while self.for_stub.is_empty() {
            let Some(count) = self.read_from_client(&mut buf, wait)? else { return Ok(()) };
            for &byte in &buf[..count] {
                if let Some(event) = self.framer.push(byte) {
                    self.handle(event)?;
                }
            }
        }
        Ok(())
    }

    /// Reads what the client sent into `buf`, waiting for it if `wait`:
    /// how many bytes came, `None` if (without `wait`) none had. The
    /// stream stays blocking for the writes.
    fn read_from_client(&mut self, buf: &mut [u8], wait: bool) -> io::Result<Option<usize>> {
        let read = loop {
            if !wait {
                self.stream.set_nonblocking(true)?;
            }
            let read = Read::read(&mut self.stream, buf);
            if !wait {
                self.stream.set_nonblocking(false)?;
            }
            match read {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                read => break read,
            }
        };
        match read {
            Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "gdb closed the connection")),
            Ok(count) => Ok(Some(count)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && !wait => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Acts on what the client sent.
    fn handle(&mut self, event: FromClient) -> io::Result<()> {
        match event {
            FromClient::Packet(None) => self.send(b"-"),
            FromClient::TooLong => {
                log::debug!("gdb: a packet longer than {PACKET_SIZE} bytes refused");
                self.send(b"+")?;
                self.send_reply(REFUSED)
            }
            FromClient::Packet(Some(data)) => {
                self.send(b"+")?;
                match length_mismatch(&data) {
                    Some(why) => {
                        log::debug!("gdb: a memory write refused: {why}");
                        self.send_reply(REFUSED)
                    }
                    None => {
                        self.for_stub.push_back(packet(&data));
                        Ok(())
                    }
                }
            }
            FromClient::Nak => Write::write_all(&mut self.stream, &self.last_reply),
            FromClient::Interrupt => {
                self.for_stub.push_back(vec![0x03]);
                Ok(())
            }
        }
    }

    /// Sends `bytes` to the client as they are.
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        Write::write_all(&mut self.stream, bytes)
    }

    /// Sends `data` as a reply, and keeps it for a `-`.
    fn send_reply(&mut self, data: &[u8]) -> io::Result<()> {
        self.last_reply = packet(data);
        Write::write_all(&mut self.stream, &self.last_reply)
    }

    /// While the target runs, packets get an error reply: in all-stop
    /// mode only Ctrl-C may come then, and gdbstub must not fail on
    /// anything while it waits for the target (it would start afresh not
    /// knowing the target runs).
    fn refuse_queued_packets(&mut self) -> io::Result<()> {
        while self.for_stub.front().is_some_and(|first| first[0] == b'$') {
            self.for_stub.pop_front();
            log::debug!("gdb: a packet while the target runs refused");
            self.send_reply(REFUSED)?;
        }
        Ok(())
    }

    /// The next byte for gdbstub, if one is there.
    fn next_for_stub(&mut self) -> Option<u8> {
        let first = self.for_stub.front()?;
        let byte = first[self.read_in_first];
        self.read_in_first += 1;
        if self.read_in_first == first.len() {
            // A whole packet read (not a Ctrl-C): gdbstub owes it a reply.
            self.reply_pending |= first[0] == b'$';
            self.for_stub.pop_front();
            self.read_in_first = 0;
        }
        Some(byte)
    }

    /// Takes a byte gdbstub writes: acknowledgements are dropped, a reply
    /// is sent once whole.
    fn stub_wrote(&mut self, byte: u8) -> io::Result<()> {
        if self.reply.is_empty() {
            return match byte {
                b'$' => {
                    self.reply.push(byte);
                    Ok(())
                }
                b'+' => Ok(()),
                _ => self.send(&[byte]),
            };
        }
        self.reply.push(byte);
        self.checksum_digits_left = match (self.checksum_digits_left, byte) {
            (None, b'#') => Some(2),
            (None, _) => None,
            (Some(left), _) => Some(left - 1),
        };
        if self.checksum_digits_left == Some(0) {
            self.checksum_digits_left = None;
            self.last_reply = std::mem::take(&mut self.reply);
            self.reply_pending = false;
            Write::write_all(&mut self.stream, &self.last_reply)?;
        }
        Ok(())
    }
}

/// The connection gdbstub serves gdb through: a handle, so that gdbstub
/// can be started afresh on the same link.
#[derive(Clone)]
pub struct Link(Rc<RefCell<LinkState>>);

impl Link {
    /// A link over `stream`, which gdb has connected.
    pub fn new(stream: TcpStream) -> Link {
        Link(Rc::new(RefCell::new(LinkState {
            stream,
            framer: Framer::default(),
            for_stub: VecDeque::new(),
            read_in_first: 0,
            reply: Vec::new(),
            checksum_digits_left: None,
            last_reply: Vec::new(),
            reply_pending: false,
        })))
    }

    /// After gdbstub failed: answers the packet it failed on with an
    /// error reply, dropping what it wrote of its own reply. Whether there
    /// was such a packet (if not, the failure was not a packet's).
    pub fn refuse_pending(&self) -> io::Result<bool> {
        let mut state = self.0.borrow_mut();
        if !state.reply_pending {
            return Ok(false);
        }
        state.reply.clear();
        state.checksum_digits_left = None;
        if state.read_in_first > 0 {
            state.for_stub.pop_front();
            state.read_in_first = 0;
        }
        state.send_reply(REFUSED)?;
        state.reply_pending = false;
        Ok(true)
    }

    /// While the target runs: whether gdb sent Ctrl-C (which gdbstub then
    /// reads), looking without waiting. Packets get an error reply.
    pub fn interrupted(&self) -> io::Result<bool> {
        let mut state = self.0.borrow_mut();
        state.receive(false)?;
        state.refuse_queued_packets()?;
        Ok(!state.for_stub.is_empty())
    }
}

impl Connection for Link {
    type Error = io::Error;

    fn write(&mut self, byte: u8) -> io::Result<()> {
        self.0.borrow_mut().stub_wrote(byte)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.0.borrow_mut().stream)
    }

    fn on_session_start(&mut self) -> io::Result<()> {
        self.0.borrow_mut().stream.set_nodelay(true)
    }
}

impl ConnectionExt for Link {
    fn read(&mut self) -> io::Result<u8> {
        let mut state = self.0.borrow_mut();
        state.receive(true)?;
        state.next_for_stub().ok_or_else(|| io::Error::other("nothing received"))
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        let mut state = self.0.borrow_mut();
        state.receive(false)?;
        Ok(state.for_stub.front().map(|first| first[state.read_in_first]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(bytes: &[u8]) -> Vec<FromClient> {
        let mut framer = Framer::default();
        bytes.iter().filter_map(|&b| framer.push(b)).collect()
    }

    #[test]
    fn packets_are_framed_and_checked() {
        assert_eq!(frame(&packet(b"m80000000,4")), [FromClient::Packet(Some(b"m80000000,4".to_vec()))]);
        assert_eq!(frame(b"+$g#00"), [FromClient::Packet(None)], "a bad checksum");
        assert_eq!(frame(b"$g#zz"), [FromClient::Packet(None)], "checksum digits that are not hex");
        assert_eq!(frame(b"-\x03noise"), [FromClient::Nak, FromClient::Interrupt]);
        let mut cut = b"$m0".to_vec();
        cut.extend(packet(b"g"));
        assert_eq!(frame(&cut), [FromClient::Packet(Some(b"g".to_vec()))], "a $ restarts the packet");
        let long = packet(&vec![b'0'; MAX_DATA + 1]);
        assert_eq!(frame(&long), [FromClient::TooLong]);
        assert_eq!(frame(&packet(&vec![b'0'; MAX_DATA])).len(), 1);
    }

    #[test]
    fn memory_writes_must_be_their_declared_length() {
        assert_eq!(length_mismatch(b"M80001000,4:deadbeef"), None);
        assert!(length_mismatch(b"M80001000,4:deadbeef00").is_some());
        assert!(length_mismatch(b"M80001000,8:0102").is_some());
        assert!(length_mismatch(b"M80001000,1:123").is_some(), "odd");
        assert_eq!(length_mismatch(b"X80001000,2:a}]"), None, "an escaped byte counts once");
        assert!(length_mismatch(b"X80001000,2:abc").is_some());
        assert_eq!(length_mismatch(b"X80001000,1:}}"), None, "gdbstub decodes }} as one byte");
        assert_eq!(length_mismatch(b"X80001000,1:a}"), None, "cut inside an escape: gdbstub's to refuse");
        assert_eq!(length_mismatch(b"X80001000,0:"), None, "gdb's probe for X");
        assert_eq!(length_mismatch(b"M80001000"), None, "malformed: gdbstub's to refuse");
        assert_eq!(length_mismatch(b"m80001000,4"), None);
    }
}
