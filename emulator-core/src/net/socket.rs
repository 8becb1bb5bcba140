//! The socket backend: the machine's network device sends each frame as
//! one UDP datagram, so that separate rvsim processes, on one host or
//! several, form a cluster as QEMU's `-netdev dgram` joins guests.
//!
//! `--net listen=ADDR,peer=ADDR[,peer=ADDR...]` names every member of the
//! cluster. Sorted, those addresses number the nodes the same way in
//! every process, so a node's number (and its Ethernet address,
//! [`super::node_mac`]) needs no flag of its own. A frame for node K goes
//! to the K-th address; broadcast goes to every peer.
//!
//! Time here is real: a datagram arrives when the host delivers it, and
//! UDP may delay, reorder or lose it. The guest's protocol must cope.
//!
//! Before the machine boots, the members find each other ([`SocketBackend::join`]):
//! each sends every peer a hello, over and over, saying whether it has
//! heard from that peer yet, and goes on when every peer has said it has
//! heard from it. So the nodes boot at about the same time, and a peer
//! that never answers is an error before anything runs.
//!
//! At the end the same again ([`Membership`]): a node whose guest has
//! exited keeps running (its kernel serves the pages it owns) and tells
//! the others it is done, until every member is done and has heard so.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{BROADCAST, Backend, MAX_FRAME, destination, node_mac};

/// A parsed `--net` value: this process's address and its peers'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetSpec {
    /// Where this node listens.
    pub listen: SocketAddr,
    /// The other nodes.
    pub peers: Vec<SocketAddr>,
    /// How long to wait for the peers before booting (`wait=SECONDS`,
    /// default 30).
    pub wait: Duration,
}

impl NetSpec {
    /// Parses `listen=ADDR,peer=ADDR,...`; each address must resolve, and
    /// none may repeat.
    pub fn parse(text: &str) -> Result<NetSpec, String> {
        let (mut listen, mut peers, mut wait) = (None, Vec::new(), Duration::from_secs(30));
        for item in text.split(',').map(str::trim) {
            let (key, value) = item.split_once('=').ok_or_else(|| format!("{item:?} is not key=value"))?;
            match key.trim() {
                "listen" if listen.is_none() => listen = Some(resolve(value)?),
                "listen" => return Err("listen= is given twice".into()),
                "peer" => peers.push(resolve(value)?),
                "wait" => {
                    wait = Duration::from_secs(value.trim().parse().map_err(|_| format!("wait={value}: not seconds"))?)
                }
                other => return Err(format!("unknown key {other:?} (use listen=, peer= and wait=)")),
            }
        }
        let listen = listen.ok_or("no listen=ADDR")?;
        if peers.is_empty() {
            return Err("no peer=ADDR".into());
        }
        let spec = NetSpec { listen, peers, wait };
        if spec.members().windows(2).any(|w| w[0] == w[1]) {
            return Err("an address is given twice".into());
        }
        Ok(spec)
    }

    /// Every member's address, sorted: the node numbering.
    pub fn members(&self) -> Vec<SocketAddr> {
        let mut all = self.peers.clone();
        all.push(self.listen);
        all.sort();
        all
    }

    /// This process's node number.
    pub fn node(&self) -> u16 {
        self.members().iter().position(|a| *a == self.listen).unwrap_or(0) as u16
    }
}

/// One socket address from `text` (`host:port`).
fn resolve(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    let mut addrs = text.to_socket_addrs().map_err(|e| format!("{text:?} is not an address (host:port): {e}"))?;
    let addr = addrs.next().ok_or_else(|| format!("{text:?} resolves to no address"))?;
    if addr.port() == 0 {
        return Err(format!("{text:?}: a port is needed"));
    }
    Ok(addr)
}

/// What a hello datagram starts with (then one byte: whether the sender
/// has heard from the receiver). No frame starts so: a frame starts with
/// a node's address.
const HELLO: &[u8; 12] = b"rvsim-hello\0";
/// How often the hellos go out while the members find each other.
const HELLO_EVERY: Duration = Duration::from_millis(50);
/// What a goodbye starts with (then whether the sender has heard the
/// receiver's).
const DONE: &[u8; 12] = b"rvsim-done\0\0";

/// What the members know of each other's end.
#[derive(Debug)]
struct Ending {
    /// This node's guest has exited.
    finished: bool,
    /// Each peer (by index in `peers`) said it is done.
    done: Vec<bool>,
    /// Each peer said it heard that this node is done.
    heard: Vec<bool>,
    /// When each peer was last heard from.
    last: Vec<Instant>,
}

/// The end of a run on a socket network: shared between the backend,
/// which reads the peers' goodbyes, and the run, which says its own.
#[derive(Clone)]
pub struct Membership {
    socket: Arc<UdpSocket>,
    peers: Vec<SocketAddr>,
    ending: Arc<Mutex<Ending>>,
}

impl Membership {
    fn new(socket: Arc<UdpSocket>, peers: Vec<SocketAddr>) -> Membership {
        let n = peers.len();
        let ending =
            Ending { finished: false, done: vec![false; n], heard: vec![false; n], last: vec![Instant::now(); n] };
        Membership { socket, peers, ending: Arc::new(Mutex::new(ending)) }
    }

    fn lock(&self) -> MutexGuard<'_, Ending> {
        self.ending.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// This node's guest has exited: say goodbye to every peer, saying
    /// whether we heard theirs.
    pub fn finish(&self) {
        let done = {
            let mut ending = self.lock();
            ending.finished = true;
            ending.done.clone()
        };
        for (peer, heard) in self.peers.iter().zip(done) {
            goodbye(&self.socket, *peer, heard);
        }
    }

    /// Whether every peer is done and knows this node is.
    pub fn all_done(&self) -> bool {
        let ending = self.lock();
        ending.done.iter().all(|&d| d) && ending.heard.iter().all(|&h| h)
    }

    /// Peers not heard from for `timeout`, that are not done.
    pub fn silent(&self, timeout: Duration) -> Vec<SocketAddr> {
        let ending = self.lock();
        let quiet = |i: usize| !ending.done[i] && ending.last[i].elapsed() > timeout;
        self.peers.iter().enumerate().filter(|&(i, _)| quiet(i)).map(|(_, p)| *p).collect()
    }

    /// A datagram from `from` arrived (`goodbye`: it was one, saying
    /// whether the sender heard ours). Answers a goodbye once this node is
    /// done too.
    fn note(&self, from: SocketAddr, goodbye_heard: Option<bool>) {
        let Some(i) = self.peers.iter().position(|p| *p == from) else { return };
        let finished = {
            let mut ending = self.lock();
            ending.last[i] = Instant::now();
            let Some(heard) = goodbye_heard else { return };
            ending.done[i] = true;
            ending.heard[i] |= heard;
            ending.finished
        };
        if finished {
            goodbye(&self.socket, from, true);
        }
    }
}

/// Sends `peer` a goodbye saying whether we heard its own.
fn goodbye(socket: &UdpSocket, peer: SocketAddr, heard: bool) {
    let mut datagram = DONE.to_vec();
    datagram.push(heard as u8);
    let _ = socket.send_to(&datagram, peer);
}

/// The backend: a bound, non-blocking UDP socket and the members.
pub struct SocketBackend {
    socket: Arc<UdpSocket>,
    membership: Membership,
    members: Vec<SocketAddr>,
    node: u16,
    /// Datagrams refused (too large, or from no member).
    pub refused: u64,
}

impl SocketBackend {
    /// Binds `spec.listen`.
    pub fn open(spec: &NetSpec) -> Result<SocketBackend, String> {
        let socket =
            UdpSocket::bind(spec.listen).map_err(|e| format!("--net: cannot listen on {}: {e}", spec.listen))?;
        socket.set_nonblocking(true).map_err(|e| format!("--net: {e}"))?;
        let socket = Arc::new(socket);
        let membership = Membership::new(Arc::clone(&socket), spec.peers.clone());
        Ok(SocketBackend { socket, membership, members: spec.members(), node: spec.node(), refused: 0 })
    }

    /// The addresses a frame goes to.
    fn targets(&self, frame: &[u8]) -> Vec<SocketAddr> {
        let me = self.node as usize;
        let others = self.members.iter().enumerate().filter(|&(i, _)| i != me);
        match destination(frame) {
            Some(BROADCAST) => others.map(|(_, a)| *a).collect(),
            Some(mac) => others.filter(|&(i, _)| node_mac(i as u16) == mac).map(|(_, a)| *a).collect(),
            None => Vec::new(),
        }
    }
}

impl SocketBackend {
    /// The end of the run, shared with the backend.
    pub fn membership(&self) -> Membership {
        self.membership.clone()
    }

    /// Waits, up to `timeout`, until every peer has answered this node's
    /// hello and heard this one's answer; an error names those that did
    /// not.
    pub fn join(&mut self, timeout: Duration) -> Result<(), String> {
        let peers: Vec<SocketAddr> =
            self.members.iter().copied().filter(|a| *a != self.members[self.node as usize]).collect();
        let (mut heard, mut acked) = (vec![false; peers.len()], vec![false; peers.len()]);
        let started = Instant::now();
        while !(heard.iter().all(|&h| h) && acked.iter().all(|&a| a)) {
            if started.elapsed() > timeout {
                let silent: Vec<String> =
                    peers.iter().zip(&acked).filter(|(_, a)| !**a).map(|(p, _)| p.to_string()).collect();
                return Err(format!("--net: no answer from {} within {} s", silent.join(", "), timeout.as_secs()));
            }
            for (peer, &h) in peers.iter().zip(&heard) {
                self.hello(*peer, h);
            }
            let until = Instant::now() + HELLO_EVERY;
            while Instant::now() < until {
                let Some((from, their_heard)) = self.next_hello() else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                if let Some(i) = peers.iter().position(|p| *p == from) {
                    heard[i] = true;
                    acked[i] |= their_heard;
                }
            }
        }
        Ok(())
    }

    /// Sends `peer` a hello saying whether this node has heard from it.
    fn hello(&self, peer: SocketAddr, heard: bool) {
        let mut datagram = HELLO.to_vec();
        datagram.push(heard as u8);
        let _ = self.socket.send_to(&datagram, peer);
    }

    /// The next hello that arrived: its sender and whether it has heard
    /// from this node. Anything else is dropped (nothing else is sent
    /// before the machines boot).
    fn next_hello(&self) -> Option<(SocketAddr, bool)> {
        let mut buf = [0u8; 64];
        let (len, from) = self.socket.recv_from(&mut buf).ok()?;
        let datagram = &buf[..len];
        let heard = datagram.strip_prefix(HELLO.as_slice())?.first().copied();
        Some((from, heard == Some(1)))
    }
}

impl Backend for SocketBackend {
    fn send(&mut self, _now: u64, frame: Vec<u8>) {
        for addr in self.targets(&frame) {
            // UDP may lose a datagram; a full socket buffer is one more
            // way to lose it, which the guest's protocol recovers from.
            if let Err(e) = self.socket.send_to(&frame, addr) {
                log::debug!("--net: sending to {addr}: {e}");
            }
        }
    }

    fn next_arrival(&mut self) -> Option<u64> {
        None
    }

    fn receive(&mut self, _now: u64) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; MAX_FRAME + 1];
        loop {
            let (len, from) = self.socket.recv_from(&mut buf).ok()?;
            if buf[..len].starts_with(HELLO) {
                // A peer still finding the others: it has heard from us,
                // and we from it.
                self.hello(from, true);
                continue;
            }
            if let Some(rest) = buf[..len].strip_prefix(DONE.as_slice()) {
                self.membership.note(from, Some(rest.first() == Some(&1)));
                continue;
            }
            self.membership.note(from, None);
            if len <= MAX_FRAME && self.members.contains(&from) {
                buf.truncate(len);
                return Some(buf);
            }
            self.refused += 1;
        }
    }

    fn real_time(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_number_the_nodes_alike_in_every_process() {
        let a = NetSpec::parse("listen=127.0.0.1:7002,peer=127.0.0.1:7001").unwrap();
        let b = NetSpec::parse("listen=127.0.0.1:7001,peer=127.0.0.1:7002").unwrap();
        assert_eq!((a.node(), b.node()), (1, 0));
        assert_eq!(a.members(), b.members());
    }

    #[test]
    fn bad_specs_are_refused() {
        for bad in [
            "",
            "listen=127.0.0.1:7001",
            "peer=127.0.0.1:7001",
            "listen=127.0.0.1:7001,peer=127.0.0.1:7001",
            "listen=127.0.0.1:7001,peer=nowhere",
            "listen=127.0.0.1:0,peer=127.0.0.1:7002",
            "listen=127.0.0.1:7001,peer=127.0.0.1:7002,speed=9",
            "listen=127.0.0.1:7001,listen=127.0.0.1:7003,peer=127.0.0.1:7002",
        ] {
            assert!(NetSpec::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_silent_peer_is_an_error() {
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let me = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let spec = NetSpec { listen: me, peers: vec![silent.local_addr().unwrap()], wait: Duration::from_secs(1) };
        let mut backend = SocketBackend::open(&spec).unwrap();
        let err = backend.join(Duration::from_millis(300)).unwrap_err();
        assert!(err.contains("no answer from 127.0.0.1:"), "{err}");
    }

    #[test]
    fn two_sockets_exchange_frames() {
        let (pa, pb) = ("127.0.0.1:0", "127.0.0.1:0");
        // Ports picked by the host, then the specs built from them.
        let sa = UdpSocket::bind(pa).unwrap().local_addr().unwrap();
        let sb = UdpSocket::bind(pb).unwrap().local_addr().unwrap();
        let spec_a = NetSpec { listen: sa, peers: vec![sb], wait: Duration::from_secs(10) };
        let spec_b = NetSpec { listen: sb, peers: vec![sa], wait: Duration::from_secs(10) };
        let (mut a, mut b) = (SocketBackend::open(&spec_a).unwrap(), SocketBackend::open(&spec_b).unwrap());
        let joined = std::thread::scope(|s| {
            let other = s.spawn(|| b.join(Duration::from_secs(10)));
            let mine = a.join(Duration::from_secs(10));
            (mine, other.join().unwrap())
        });
        assert_eq!(joined, (Ok(()), Ok(())));
        let mut frame = vec![0u8; 64];
        frame[..6].copy_from_slice(&node_mac(spec_b.node()));
        frame[20] = 42;
        a.send(0, frame.clone());
        let got = (0..1000).find_map(|_| {
            std::thread::sleep(std::time::Duration::from_millis(1));
            b.receive(0)
        });
        assert_eq!(got, Some(frame));
    }
}
