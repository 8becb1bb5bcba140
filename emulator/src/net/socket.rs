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

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};

use super::{BROADCAST, Backend, MAX_FRAME, destination, node_mac};

/// A parsed `--net` value: this process's address and its peers'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetSpec {
    /// Where this node listens.
    pub listen: SocketAddr,
    /// The other nodes.
    pub peers: Vec<SocketAddr>,
}

impl NetSpec {
    /// Parses `listen=ADDR,peer=ADDR,...`; each address must resolve, and
    /// none may repeat.
    pub fn parse(text: &str) -> Result<NetSpec, String> {
        let (mut listen, mut peers) = (None, Vec::new());
        for item in text.split(',').map(str::trim) {
            let (key, value) = item.split_once('=').ok_or_else(|| format!("{item:?} is not key=value"))?;
            let addr = resolve(value)?;
            match key.trim() {
                "listen" if listen.is_none() => listen = Some(addr),
                "listen" => return Err("listen= is given twice".into()),
                "peer" => peers.push(addr),
                other => return Err(format!("unknown key {other:?} (use listen= and peer=)")),
            }
        }
        let listen = listen.ok_or("no listen=ADDR")?;
        if peers.is_empty() {
            return Err("no peer=ADDR".into());
        }
        let spec = NetSpec { listen, peers };
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

/// The backend: a bound, non-blocking UDP socket and the members.
pub struct SocketBackend {
    socket: UdpSocket,
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
        Ok(SocketBackend { socket, members: spec.members(), node: spec.node(), refused: 0 })
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
    fn two_sockets_exchange_frames() {
        let (pa, pb) = ("127.0.0.1:0", "127.0.0.1:0");
        // Ports picked by the host, then the specs built from them.
        let sa = UdpSocket::bind(pa).unwrap().local_addr().unwrap();
        let sb = UdpSocket::bind(pb).unwrap().local_addr().unwrap();
        let spec_a = NetSpec { listen: sa, peers: vec![sb] };
        let spec_b = NetSpec { listen: sb, peers: vec![sa] };
        let (mut a, mut b) = (SocketBackend::open(&spec_a).unwrap(), SocketBackend::open(&spec_b).unwrap());
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
