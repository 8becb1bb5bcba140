//! The DSM's tests: the wire format (round trips, and random bytes that
//! must never panic), the links (order and exactly-once delivery over a
//! bad network, retransmission, death), small hand-driven exchanges, and
//! simulated clusters of 2 to 8 nodes under both protocols and both
//! managers (single writer, sequential consistency, coherent reads,
//! liveness, message counts, failures).

use alloc::boxed::Box;
use alloc::collections::{BTreeSet, VecDeque};
use alloc::vec;
use alloc::vec::Vec;

use super::link::{Links, Outbox};
use super::message::{Body, Frame, decode, encode};
use super::sim::{Net, Op, PERFECT, Rng, STEP, Sim, Store, page};
use super::*;

const REPLICATE_CENTRAL: (Protocol, ManagerKind) = (Protocol::Replicate, ManagerKind::Central(0));
const MANAGERS: [ManagerKind; 2] = [ManagerKind::Central(0), ManagerKind::Distributed];
const PROTOCOLS: [Protocol; 2] = [Protocol::Replicate, Protocol::Migrate];

// ---- the wire format ----

/// One message of every kind, with and without page bytes.
fn every_body() -> Vec<Body> {
    let p = PageId { space: SpaceId(0xDEAD_BEEF), index: 77 };
    let mut data = Box::new([0u8; PAGE_SIZE]);
    data.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
    vec![
        Body::Request { page: p, write: true, requester: 3, hops: 0x1234 },
        Body::Request { page: p, write: false, requester: 0, hops: 0 },
        Body::Forward { page: p, write: true, requester: 65535 },
        Body::Grant { page: p, owner: true, data: Some(data.clone()) },
        Body::Grant { page: p, owner: true, data: None },
        Body::Grant { page: p, owner: false, data: Some(data) },
        Body::Invalidate { page: p, new_owner: 5 },
        Body::InvalidateAck { page: p },
        Body::Confirm { page: p, owner: true },
        Body::Confirm { page: p, owner: false },
        Body::Lost { page: p },
        Body::PeerDead { node: 9 },
        Body::App { data: vec![1, 2, 3] },
        Body::App { data: Vec::new() },
    ]
}

#[test]
fn every_kind_round_trips() {
    for body in every_body() {
        let bytes = encode(42, 41, Some(&body));
        assert!(bytes.len() <= MAX_FRAME);
        assert_eq!(decode(&bytes), Ok(Frame { seq: 42, ack: 41, body: Some(body) }));
    }
    assert_eq!(decode(&encode(0, 9, None)), Ok(Frame { seq: 0, ack: 9, body: None }));
}

#[test]
fn a_grant_with_its_page_fits_one_frame() {
    let grant = every_body().swap_remove(3);
    assert_eq!(encode(1, 0, Some(&grant)).len(), MAX_FRAME);
    const { assert!(MAX_FRAME <= 8192) };
}

#[test]
fn frames_describe_themselves_for_a_trace() {
    let request = encode(4, 2, Some(&Body::Request { page: page(1), write: true, requester: 3, hops: 1 }));
    assert_eq!(
        super::describe(&request).as_deref(),
        Some("dsm seq 4 ack 2: write request, page 7:1, from node 3, 1 hops")
    );
    assert_eq!(super::describe(&encode(0, 9, None)).as_deref(), Some("dsm seq 0 ack 9: ack"));
    assert_eq!(super::describe(b"not a frame"), None);
}

#[test]
fn malformed_frames_are_refused() {
    let good = encode(1, 0, Some(&Body::InvalidateAck { page: page(0) }));
    let with = |i: usize, b: u8| {
        let mut f = good.clone();
        f[i] = b;
        decode(&f)
    };
    assert_eq!(with(0, 0), Err(MessageError::BadMagic(0)));
    assert_eq!(with(1, 2), Err(MessageError::BadVersion(2)));
    assert_eq!(with(2, 13), Err(MessageError::BadKind(13)));
    assert_eq!(with(3, 1), Err(MessageError::BadFlags(1)));
    assert_eq!(decode(&encode(0, 0, Some(&Body::Lost { page: page(0) }))), Err(MessageError::BadSequence));
    assert_eq!(decode(&encode(3, 0, None)), Err(MessageError::BadSequence));
    let mut long = good.clone();
    long.push(0);
    assert_eq!(decode(&long), Err(MessageError::TrailingBytes));
}

#[test]
fn every_truncation_is_refused() {
    for body in every_body() {
        let bytes = encode(7, 3, Some(&body));
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "{body:?} cut to {len}");
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(1);
    let frames: Vec<Vec<u8>> = every_body().iter().map(|b| encode(5, 4, Some(b))).collect();
    for round in 0..20_000 {
        let mut bytes = if round % 2 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            frames[rng.below(frames.len() as u64) as usize].clone()
        };
        for _ in 0..=rng.below(4) {
            let i = rng.below(bytes.len().max(1) as u64) as usize;
            if let Some(b) = bytes.get_mut(i) {
                *b = rng.next() as u8;
            }
        }
        bytes.truncate(rng.below(bytes.len() as u64 + 2) as usize);
        if let Ok(frame) = decode(&bytes) {
            assert_eq!(encode(frame.seq, frame.ack, frame.body.as_ref()), bytes);
        }
    }
}

#[test]
fn random_frames_never_panic_an_engine() {
    let mut rng = Rng::new(2);
    let mut dsm = Dsm::new(sim::config(1, 3, Protocol::Replicate, ManagerKind::Distributed)).unwrap();
    dsm.add_space(SpaceId(7), 4, 0).unwrap();
    let mut store = Store::default();
    for round in 0..5_000u64 {
        let mut bytes = encode(1 + rng.below(40), rng.below(40), Some(&every_body()[rng.below(12) as usize]));
        let i = 2 + rng.below(bytes.len() as u64 - 2) as usize;
        bytes[i] = rng.next() as u8;
        let _ = dsm.receive(rng.below(4) as NodeId, &bytes, round, &mut store);
        dsm.tick(round, &mut store);
        while dsm.next_outgoing().is_some() {}
    }
}

// ---- the links ----

/// Two ends of a link over a network that loses, duplicates, delays and
/// so reorders; returns what each end delivered and the two ends' counts.
fn link_run(loss: u32, dup: u32, count: u64, seed: u64) -> ([Vec<u64>; 2], [DsmStats; 2]) {
    let mut rng = Rng::new(seed);
    let mut ends = [Links::new(0, 2, 20, 1 << 40), Links::new(1, 2, 20, 1 << 40)];
    let mut stats = [DsmStats::default(); 2];
    let mut got: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let mut wire: Vec<(u64, usize, Vec<u8>)> = Vec::new();
    let mut out = Outbox::new();
    for now in 0..count * 50 {
        if now < count {
            for e in 0..2 {
                let body = Body::Lost { page: PageId { space: SpaceId(0), index: now as u32 } };
                ends[e].send(1 - e as NodeId, body, now, &mut out, &mut stats[e]);
                take(&mut out, e, now, &mut wire, &mut rng, (loss, dup));
            }
        }
        let (due, rest): (Vec<_>, Vec<_>) = wire.drain(..).partition(|w| w.0 <= now);
        wire = rest;
        for (_, to, bytes) in due {
            let mut delivered = Vec::new();
            ends[to].receive(
                1 - to as NodeId,
                decode(&bytes).unwrap(),
                now,
                (&mut out, &mut stats[to]),
                &mut delivered,
            );
            got[to].extend(delivered.iter().map(|b| u64::from(b.page().unwrap().index)));
            take(&mut out, to, now, &mut wire, &mut rng, (loss, dup));
        }
        for e in 0..2 {
            assert!(ends[e].tick(now, &mut out, &mut stats[e]).is_empty());
            take(&mut out, e, now, &mut wire, &mut rng, (loss, dup));
        }
    }
    (got, stats)
}

/// Moves an end's frames onto the test wire, with losses, duplicates and
/// delays of 1 to 8.
fn take(
    out: &mut Outbox,
    from: usize,
    now: u64,
    wire: &mut Vec<(u64, usize, Vec<u8>)>,
    rng: &mut Rng,
    faults: (u32, u32),
) {
    while let Some((to, bytes)) = out.pop_front() {
        assert_eq!(usize::from(to), 1 - from);
        for _ in 0..if rng.chance(faults.1) { 2 } else { 1 } {
            if !rng.chance(faults.0) {
                wire.push((now + 1 + rng.below(8), usize::from(to), bytes.clone()));
            }
        }
    }
}

#[test]
fn links_deliver_in_order_exactly_once_over_a_bad_network() {
    for seed in 0..20 {
        let (got, stats) = link_run(200, 100, 300, seed);
        let want: Vec<u64> = (0..300).collect();
        assert_eq!(got, [want.clone(), want]);
        assert!(stats[0].retransmissions > 0 && stats[0].duplicates_dropped > 0);
        assert_eq!(stats[0].messages_sent, 300);
        assert_eq!(stats[1].messages_received, 300);
    }
}

#[test]
fn a_good_network_needs_no_retransmission() {
    let (got, stats) = link_run(0, 0, 200, 3);
    assert_eq!(got[0].len(), 200);
    assert_eq!(stats[0].retransmissions + stats[1].retransmissions, 0);
    assert_eq!(stats[0].duplicates_dropped, 0);
}

#[test]
fn the_window_holds_the_rest_back_in_order() {
    let mut links = Links::new(0, 2, 10, 100);
    let (mut out, mut stats) = (Outbox::new(), DsmStats::default());
    for i in 0..40 {
        links.send(1, Body::Lost { page: page(i) }, 0, &mut out, &mut stats);
    }
    assert_eq!(out.len(), WINDOW);
    assert_eq!(links.pending(1), 40);
    let mut far = Links::new(1, 2, 10, 100);
    let mut delivered = Vec::new();
    for (_, bytes) in out.drain(..).collect::<Vec<_>>() {
        far.receive(0, decode(&bytes).unwrap(), 1, (&mut out, &mut stats), &mut delivered);
    }
    assert_eq!(delivered.len(), WINDOW);
    far.tick(2, &mut out, &mut stats);
    let ack = out.pop_front().unwrap();
    assert_eq!(decode(&ack.1).unwrap(), Frame { seq: 0, ack: WINDOW as u64, body: None });
    links.receive(1, decode(&ack.1).unwrap(), 3, (&mut out, &mut stats), &mut delivered);
    assert_eq!(out.len(), 8, "the last 8 go once the window opens");
    assert_eq!(decode(&out[0].1).unwrap().seq, 33);
}

#[test]
fn retransmission_then_death_without_acknowledgement() {
    let mut links = Links::new(0, 2, 10, 100);
    let (mut out, mut stats) = (Outbox::new(), DsmStats::default());
    links.send(1, Body::Lost { page: page(0) }, 0, &mut out, &mut stats);
    let mut dead = Vec::new();
    for now in 1..=100 {
        dead = links.tick(now, &mut out, &mut stats);
        if !dead.is_empty() {
            assert_eq!(now, 100);
        }
    }
    assert_eq!(dead, vec![1]);
    assert_eq!(stats.retransmissions, 9);
    assert_eq!(out.len(), 10);
    links.kill(1);
    links.send(1, Body::Lost { page: page(0) }, 101, &mut out, &mut stats);
    assert_eq!(out.len(), 10, "nothing goes to the dead");
}

#[test]
fn an_idle_peer_is_found_dead_by_keepalive() {
    let mut links = Links::new(0, 2, 10, 100);
    let (mut out, mut stats) = (Outbox::new(), DsmStats::default());
    let dead: Vec<u64> = (1..=200).filter(|&now| !links.tick(now, &mut out, &mut stats).is_empty()).collect();
    assert_eq!(stats.keepalives_sent, 1);
    assert_eq!(dead.first(), Some(&150), "a keepalive at 50, unanswered for 100");
    assert_eq!(stats.messages_sent, 0);
}

// ---- hand-driven engines ----

/// Engines for a cluster, and their stores.
fn engines(nodes: u16, protocol: Protocol, manager: ManagerKind) -> (Vec<Dsm>, Vec<Store>) {
    let configs: Vec<Config> = (0..nodes).map(|n| sim::config(n, nodes, protocol, manager)).collect();
    engines_with(&configs)
}

/// One engine per configuration, each with space 7 (two pages, home 0).
fn engines_with(configs: &[Config]) -> (Vec<Dsm>, Vec<Store>) {
    let mut dsms: Vec<Dsm> = configs.iter().map(|&c| Dsm::new(c).unwrap()).collect();
    dsms.iter_mut().for_each(|d| d.add_space(SpaceId(7), 2, 0).unwrap());
    (dsms, configs.iter().map(|_| Store::default()).collect())
}

/// Delivers every frame, at once and in order, until none is left;
/// returns how many protocol frames went (bare acknowledgements aside).
fn settle(dsms: &mut [Dsm], stores: &mut [Store], now: u64) -> usize {
    let mut frames = 0;
    let mut queue = VecDeque::new();
    loop {
        for (n, d) in dsms.iter_mut().enumerate() {
            while let Some((to, bytes)) = d.next_outgoing() {
                queue.push_back((n as NodeId, to, bytes));
            }
        }
        let Some((from, to, bytes)) = queue.pop_front() else { return frames };
        frames += usize::from(decode(&bytes).unwrap().body.is_some());
        dsms[usize::from(to)].receive(from, &bytes, now, &mut stores[usize::from(to)]).unwrap();
    }
}

#[test]
fn bad_configurations_are_refused() {
    let good = sim::config(0, 2, Protocol::Replicate, ManagerKind::Distributed);
    assert_eq!(Dsm::new(Config { nodes: 0, ..good }).err(), Some(ConfigError::NoNodes));
    assert_eq!(Dsm::new(Config { node: 2, ..good }).err(), Some(ConfigError::BadNode(2)));
    assert_eq!(Dsm::new(Config { manager: ManagerKind::Central(5), ..good }).err(), Some(ConfigError::BadNode(5)));
    assert_eq!(Dsm::new(Config { retransmit_after: 0, ..good }).err(), Some(ConfigError::BadTimers));
    let mut dsm = Dsm::new(good).unwrap();
    assert_eq!(dsm.add_space(SpaceId(1), 1, 2), Err(ConfigError::BadNode(2)));
    assert_eq!(dsm.add_space(SpaceId(1), 1, 1), Ok(()));
    assert_eq!(dsm.add_space(SpaceId(1), 1, 1), Err(ConfigError::SpaceExists(SpaceId(1))));
}

#[test]
fn the_home_owns_every_page_at_first() {
    let (mut dsms, mut stores) = engines(3, Protocol::Replicate, ManagerKind::Distributed);
    assert_eq!(dsms[0].access(page(1)), Access::Write);
    assert_eq!(dsms[0].fault(page(1), true, 0, &mut stores[0]), Fault::Granted);
    assert_eq!(dsms[2].access(page(1)), Access::None);
    let info = dsms[2].page_info(page(1)).unwrap();
    assert!(!info.owner && info.prob_owner == 0 && !info.waiting);
    assert_eq!(dsms[2].fault(PageId { space: SpaceId(9), index: 0 }, false, 0, &mut stores[2]), Fault::Lost);
    assert_eq!(dsms[2].page_info(page(2)), None);
}

#[test]
fn an_address_space_keeps_records_only_of_the_pages_that_moved() {
    // A whole Sv39 user half: 2^26 pages, of which two are used here.
    let space = SpaceId(0x8001_0005);
    let (high, low) = (PageId { space, index: (1 << 26) - 3 }, PageId { space, index: 0x10 });
    for manager in MANAGERS {
        let (mut dsms, mut stores) = engines(3, Protocol::Replicate, manager);
        dsms.iter_mut().for_each(|d| d.add_address_space(space, 1 << 26, 1).unwrap());
        assert_eq!(dsms[1].access(high), Access::Write, "the home owns it");
        assert_eq!(dsms[2].fault(high, true, 0, &mut stores[2]), Fault::Wait);
        settle(&mut dsms, &mut stores, 1);
        assert_eq!((dsms[2].access(high), dsms[1].access(high)), (Access::Write, Access::None), "{manager:?}");
        assert_eq!(dsms[0].fault(low, false, 2, &mut stores[0]), Fault::Wait);
        settle(&mut dsms, &mut stores, 3);
        assert_eq!((dsms[0].access(low), dsms[1].access(low)), (Access::Read, Access::Read), "{manager:?}");
        let beyond = PageId { space, index: 1 << 26 };
        assert_eq!(dsms[0].fault(beyond, false, 4, &mut stores[0]), Fault::Lost);
        assert_eq!(dsms[1].add_address_space(space, 1, 1), Err(ConfigError::SpaceExists(space)));
    }
}

#[test]
fn a_read_fault_costs_two_messages_distributed_and_four_central() {
    for (manager, cost) in [(ManagerKind::Distributed, 2), (ManagerKind::Central(0), 3), (ManagerKind::Central(2), 4)] {
        let (mut dsms, mut stores) = engines(3, Protocol::Replicate, manager);
        assert_eq!(dsms[1].fault(page(0), false, 0, &mut stores[1]), Fault::Wait);
        assert_eq!(settle(&mut dsms, &mut stores, 1), cost, "{manager:?}");
        assert_eq!(dsms[1].access(page(0)), Access::Read);
        assert_eq!(dsms[0].access(page(0)), Access::Read, "the owner keeps read access");
        let granted = dsms[1].next_event().unwrap();
        assert!(matches!(granted, Event::Granted { from: 0, write: false, waited: 1, .. }), "{granted:?}");
        assert_eq!(dsms[0].page_info(page(0)).unwrap().copyset, 1);
        assert!(matches!(dsms[0].next_event(), Some(Event::Downgraded { for_node: 1, .. })));
    }
}

#[test]
fn a_reader_upgrades_without_the_bytes_after_the_others_are_invalidated() {
    let (mut dsms, mut stores) = engines(3, Protocol::Replicate, ManagerKind::Distributed);
    for n in [1, 2] {
        dsms[n].fault(page(0), false, 0, &mut stores[n]);
        settle(&mut dsms, &mut stores, 1);
    }
    let sent = dsms[0].stats().pages_sent;
    // After the readers' holds end:
    assert_eq!(dsms[1].fault(page(0), true, 1000, &mut stores[1]), Fault::Wait);
    // Request, invalidation, its acknowledgement, ownership without bytes.
    assert_eq!(settle(&mut dsms, &mut stores, 1001), 4);
    assert_eq!(dsms[0].stats().pages_sent, sent);
    assert_eq!([0, 1, 2].map(|n| dsms[n].access(page(0))), [Access::None, Access::Write, Access::None]);
    assert_eq!(dsms[2].page_info(page(0)).unwrap().prob_owner, 1);
    assert_eq!(dsms[2].stats().invalidations_received, 1);
}

#[test]
fn migration_moves_the_only_copy_on_a_read() {
    let (mut dsms, mut stores) = engines(2, Protocol::Migrate, ManagerKind::Distributed);
    assert_eq!(dsms[1].fault(page(0), false, 0, &mut stores[1]), Fault::Wait);
    settle(&mut dsms, &mut stores, 1);
    assert_eq!([dsms[0].access(page(0)), dsms[1].access(page(0))], [Access::None, Access::Write]);
    assert!(dsms[1].page_info(page(0)).unwrap().owner);
}

#[test]
fn a_frame_for_a_space_not_yet_added_is_sent_again_later() {
    let mut a = Dsm::new(sim::config(1, 2, Protocol::Replicate, ManagerKind::Distributed)).unwrap();
    let mut b = Dsm::new(sim::config(0, 2, Protocol::Replicate, ManagerKind::Distributed)).unwrap();
    let (mut sa, mut sb) = (Store::default(), Store::default());
    a.add_space(SpaceId(7), 1, 0).unwrap();
    assert_eq!(a.fault(page(0), true, 0, &mut sa), Fault::Wait);
    let (_, bytes) = a.next_outgoing().unwrap();
    assert_eq!(b.receive(1, &bytes, 0, &mut sb), Err(MessageError::UnknownSpace(SpaceId(7))));
    assert_eq!(b.receive(0, &bytes, 0, &mut sb), Err(MessageError::UnknownPeer(0)));
    b.add_space(SpaceId(7), 1, 0).unwrap();
    a.tick(30 * STEP, &mut sa);
    let (_, again) = a.next_outgoing().unwrap();
    assert_eq!(again, bytes);
    b.receive(1, &again, 30 * STEP, &mut sb).unwrap();
    let (_, grant) = b.next_outgoing().unwrap();
    a.receive(0, &grant, 31 * STEP, &mut sa).unwrap();
    assert_eq!(a.access(page(0)), Access::Write);
    assert_eq!(a.stats().retransmissions, 1);
}

/// Delivers frames at once and in order, but keeps back those from
/// `from` to `to`; returns them.
fn pump_except(dsms: &mut [Dsm], stores: &mut [Store], now: u64, from: NodeId, to: NodeId) -> Vec<Vec<u8>> {
    let mut kept = Vec::new();
    loop {
        let mut moved = false;
        for n in 0..dsms.len() {
            while let Some((dest, bytes)) = dsms[n].next_outgoing() {
                moved = true;
                if (n as NodeId, dest) == (from, to) {
                    kept.push(bytes);
                } else {
                    dsms[usize::from(dest)].receive(n as NodeId, &bytes, now, &mut stores[usize::from(dest)]).unwrap();
                }
            }
        }
        if !moved {
            return kept;
        }
    }
}

#[test]
fn a_node_asked_for_a_page_it_waits_for_queues_the_request() {
    let (mut dsms, mut stores) = engines(3, Protocol::Replicate, ManagerKind::Distributed);
    dsms[2].fault(page(0), false, 0, &mut stores[2]);
    settle(&mut dsms, &mut stores, 1);
    // Node 1 asks to write; the owner invalidates node 2 (which now points
    // at node 1) and sends the page, which is kept back.
    assert_eq!(dsms[1].fault(page(0), true, 1000, &mut stores[1]), Fault::Wait);
    let grant = pump_except(&mut dsms, &mut stores, 1000, 0, 1);
    assert_eq!(grant.len(), 1);
    assert_eq!(dsms[2].page_info(page(0)).unwrap().prob_owner, 1);
    // Node 2's write request reaches node 1 before the page does.
    assert_eq!(dsms[2].fault(page(0), true, 1001, &mut stores[2]), Fault::Wait);
    pump_except(&mut dsms, &mut stores, 1001, 0, 1);
    assert_eq!(dsms[1].page_info(page(0)).unwrap().queued, 1);
    dsms[1].receive(0, &grant[0], 1002, &mut stores[1]).unwrap();
    assert_eq!(dsms[1].access(page(0)), Access::Write);
    assert!(matches!(dsms[1].next_event(), Some(Event::Granted { write: true, from: 0, .. })));
    // Node 1 keeps it for the hold, then serves node 2.
    assert_eq!(settle(&mut dsms, &mut stores, 1003), 0);
    dsms[1].tick(1002 + 3 * STEP, &mut stores[1]);
    settle(&mut dsms, &mut stores, 1400);
    assert_eq!([0, 1, 2].map(|n| dsms[n].access(page(0))), [Access::None, Access::None, Access::Write]);
}

#[test]
fn two_nodes_writing_at_once_take_turns() {
    for manager in MANAGERS {
        let (mut dsms, mut stores) = engines(3, Protocol::Replicate, manager);
        assert_eq!(dsms[1].fault(page(0), true, 0, &mut stores[1]), Fault::Wait);
        assert_eq!(dsms[2].fault(page(0), true, 0, &mut stores[2]), Fault::Wait);
        let mut granted = 0;
        for now in (0..20).map(|i| i * STEP) {
            dsms.iter_mut().zip(stores.iter_mut()).for_each(|(d, s)| d.tick(now, s));
            settle(&mut dsms, &mut stores, now);
            let writers = dsms.iter().filter(|d| d.access(page(0)) == Access::Write).count();
            assert!(writers <= 1);
            for d in &mut dsms {
                granted +=
                    core::iter::from_fn(|| d.next_event()).filter(|e| matches!(e, Event::Granted { .. })).count();
            }
        }
        assert_eq!(granted, 2, "{manager:?}");
        assert_eq!(dsms[2].access(page(0)), Access::Write, "{manager:?}: the second in line ends with it");
    }
}

// ---- simulated clusters ----

/// Every (nodes, protocol, manager) the cluster tests cover.
fn every_setup() -> impl Iterator<Item = (u16, Protocol, ManagerKind)> {
    (2..=8).flat_map(|n| PROTOCOLS.into_iter().flat_map(move |p| MANAGERS.into_iter().map(move |m| (n, p, m))))
}

/// A network that loses 10%, duplicates 5%, and delays up to 6 steps.
const BAD: Net = Net { loss: 100, dup: 50, max_delay: 6 };

#[test]
fn a_shared_counter_comes_out_exact() {
    for (nodes, protocol, manager) in every_setup() {
        for seed in 0..8 {
            let mut sim = Sim::new(nodes, protocol, manager, BAD, seed, 1);
            let per_node = 12;
            for n in 0..usize::from(nodes) {
                sim.spawn(n, vec![Op::Increment(page(0), 0); per_node]);
            }
            assert!(sim.run(100_000), "{nodes} {protocol:?} {manager:?} seed {seed}: not done");
            assert_eq!(sim.value(page(0), 0), u64::from(nodes) * per_node as u64);
            let holder = sim.nodes.iter().find(|n| n.dsm.access(page(0)) != Access::None).unwrap();
            assert_eq!(holder.store.word(page(0), 0), u64::from(nodes) * per_node as u64);
        }
    }
}

/// A random workload for one thread: reads, writes and increments of a
/// few words of `pages` pages.
fn random_ops(rng: &mut Rng, pages: u32, count: usize) -> Vec<Op> {
    (0..count)
        .map(|_| {
            let (p, w) = (page(rng.below(u64::from(pages)) as u32), rng.below(4) as usize);
            match rng.below(4) {
                0 | 1 => Op::Read(p, w),
                2 => Op::Write(p, w, rng.next()),
                _ => Op::Increment(p, w),
            }
        })
        .collect()
}

/// Runs random workloads on every setup, `seeds` times each, over `net`,
/// with engine settings changed by `tweak`; returns the longest wait.
fn random_runs(net: Net, seeds: u64, tweak: impl Fn(&mut Config) + Copy) -> u64 {
    let mut max_wait = 0;
    for (nodes, protocol, manager) in every_setup() {
        for seed in 0..seeds {
            let mut sim = Sim::new(nodes, protocol, manager, net, seed, 3);
            sim.reconfigure(tweak);
            let mut rng = Rng::new(seed + 100);
            for n in 0..usize::from(nodes) {
                for _ in 0..2 {
                    sim.spawn(n, random_ops(&mut rng, 3, 30));
                }
            }
            assert!(sim.run(100_000), "{nodes} {protocol:?} {manager:?} seed {seed}: not done");
            assert!(sim.nodes.iter().all(|n| n.threads.iter().all(|t| t.failed.is_empty())));
            max_wait = max_wait.max(sim.max_wait);
        }
    }
    max_wait
}

#[test]
fn random_workloads_stay_coherent_and_live_over_a_bad_network() {
    let max_wait = random_runs(BAD, 16, |_| {});
    assert!(max_wait < 2_000, "longest wait {max_wait} steps");
}

#[test]
fn random_workloads_stay_coherent_under_heavy_reordering() {
    random_runs(Net { loss: 0, dup: 300, max_delay: 25 }, 6, |_| {});
}

#[test]
fn random_workloads_stay_coherent_with_ivys_no_hold() {
    random_runs(BAD, 6, |c| c.hold = 0);
}

/// The messages a cluster sends while the page goes from node to node in
/// a chain, each writing once, `rounds` times round.
fn chain_messages(nodes: u16, manager: ManagerKind, rounds: usize) -> u64 {
    let mut sim = Sim::new(nodes, Protocol::Replicate, manager, PERFECT, 1, 1);
    for round in 0..rounds {
        for n in 1..usize::from(nodes) {
            sim.spawn(n, vec![Op::Write(page(0), 0, (round * 100 + n) as u64)]);
            assert!(sim.run(1_000));
        }
    }
    sim.total(|s| s.messages_sent)
}

#[test]
fn the_distributed_manager_sends_fewer_messages_along_a_chain() {
    for nodes in 3..=8 {
        let central = chain_messages(nodes, ManagerKind::Central(0), 5);
        let distributed = chain_messages(nodes, ManagerKind::Distributed, 5);
        assert!(distributed < central, "{nodes} nodes: distributed {distributed}, central {central}");
    }
    // Central: request, forward, grant, confirm, but 3 when the manager's
    // node is the requester or the owner. Distributed: request, one
    // forward, grant; 2 for the first write.
    assert_eq!(chain_messages(4, ManagerKind::Central(0), 1), 3 + 4 + 4);
    assert_eq!(chain_messages(4, ManagerKind::Distributed, 1), 2 + 3 + 3);
}

#[test]
fn one_page_migrating_everywhere_settles() {
    for manager in MANAGERS {
        let mut sim = Sim::new(5, Protocol::Migrate, manager, BAD, 9, 2);
        for n in 0..5 {
            sim.spawn(n, vec![Op::Read(page(1), 0), Op::Increment(page(1), 0), Op::Read(page(0), 1)]);
        }
        assert!(sim.run(50_000));
        assert_eq!(sim.value(page(1), 0), 5);
    }
}

/// A cluster one of whose nodes was killed partway through a random
/// workload, run to the end.
struct Death {
    sim: Sim,
    victim: usize,
    /// The pages the victim owned when it died.
    owned: BTreeSet<PageId>,
    /// The live threads that were then waiting on one of those: (node, page).
    waiting: Vec<(usize, PageId)>,
    /// What the run was, for failure messages.
    what: alloc::string::String,
}

/// Runs a random workload, kills `victim` partway (the others told at
/// once, or left to find out), and runs until every live thread is done
/// and long enough after for keepalives to find the death.
fn kill_partway(nodes: u16, protocol: Protocol, manager: ManagerKind, victim: usize, tell: bool, seed: u64) -> Death {
    let mut sim = Sim::new(nodes, protocol, manager, Net { loss: 50, dup: 20, max_delay: 4 }, seed, 4);
    sim.reconfigure(|c| c.dead_after = 400 * STEP);
    let mut rng = Rng::new(seed);
    for n in 0..usize::from(nodes) {
        sim.spawn(n, random_ops(&mut rng, 4, 60));
    }
    (0..100 + rng.below(200)).for_each(|_| sim.tick());
    let owned: BTreeSet<PageId> =
        (0..4).map(page).filter(|&p| sim.nodes[victim].dsm.page_info(p).unwrap().owner).collect();
    let live_waits = sim.nodes.iter().enumerate().filter(|(n, _)| *n != victim);
    let waits = live_waits.filter_map(|(n, node)| node.threads[0].waiting.map(|w| (n, w.0)));
    let waiting = waits.filter(|w| owned.contains(&w.1)).collect();
    sim.label = format!("{nodes} {protocol:?} {manager:?} victim {victim} tell {tell} seed {seed}");
    sim.kill(victim, tell);
    assert!(sim.run(100_000), "{}: not done", sim.label);
    (0..1_000).for_each(|_| sim.tick());
    Death { what: sim.label.clone(), sim, victim, owned, waiting }
}

/// Checks a death: every live node knows of it; the pages the victim owned
/// are reported lost; accesses failed only on reported pages (unless the
/// victim was the central manager, when every page a node does not own
/// fails); a fault waiting on a page the victim owned failed.
fn check_death(d: &Death) {
    let reported = d.sim.reported_lost(d.victim as NodeId);
    assert!(d.owned.is_subset(&reported), "{}: owned {:?} reported {reported:?}", d.what, d.owned);
    let central_died = d.sim.nodes[0].dsm.config().manager == ManagerKind::Central(d.victim as NodeId);
    for (n, node) in d.sim.nodes.iter().enumerate().filter(|(n, _)| *n != d.victim) {
        assert!(node.dsm.is_dead(d.victim as NodeId));
        let failed = &node.threads[0].failed;
        let unreported = failed.iter().find(|p| !reported.contains(p));
        assert!(central_died || unreported.is_none(), "{}: node {n} failed {failed:?}, reported {reported:?}", d.what);
        if let Some(&(_, p)) = d.waiting.iter().find(|w| w.0 == n) {
            assert!(failed.contains(&p), "{}: node {n} waited on {p:?}, owned by the victim", d.what);
        }
    }
}

/// Kills a node partway and checks the outcome; returns the cluster and
/// how many faults waited on the victim's pages when it died.
fn death_run(
    nodes: u16,
    protocol: Protocol,
    manager: ManagerKind,
    victim: usize,
    tell: bool,
    seed: u64,
) -> (Sim, usize) {
    let death = kill_partway(nodes, protocol, manager, victim, tell, seed);
    check_death(&death);
    (death.sim, death.waiting.len())
}

use alloc::format;

#[test]
fn a_dead_node_fails_the_faults_on_its_pages_and_hangs_nobody() {
    let mut waited_on_the_dead = 0;
    for nodes in 3..=8 {
        for protocol in PROTOCOLS {
            for manager in MANAGERS {
                for seed in 0..10 {
                    let victim = 1 + (seed as usize % (usize::from(nodes) - 1));
                    waited_on_the_dead += death_run(nodes, protocol, manager, victim, seed % 2 == 0, seed).1;
                }
            }
        }
    }
    assert!(waited_on_the_dead >= 20, "only {waited_on_the_dead} faults waited on a dead node's page");
}

#[test]
fn the_central_managers_death_fails_everything_but_owned_pages() {
    for seed in 0..6 {
        let (sim, _) = death_run(4, REPLICATE_CENTRAL.0, REPLICATE_CENTRAL.1, 0, seed % 2 == 1, seed);
        for node in &sim.nodes[1..] {
            for info in (0..4).map(|i| node.dsm.page_info(page(i)).unwrap()) {
                assert_eq!(info.lost, !info.owner, "seed {seed}: {info:?}");
            }
        }
    }
}

/// The messages a cluster sends on random workloads (a perfect network,
/// so that only the protocol counts), summed over `seeds` seeds.
fn random_messages(nodes: u16, protocol: Protocol, manager: ManagerKind, seeds: u64) -> u64 {
    let mut messages = 0;
    for seed in 0..seeds {
        let mut sim = Sim::new(nodes, protocol, manager, PERFECT, seed, 3);
        let mut rng = Rng::new(seed + 100);
        for n in 0..usize::from(nodes) {
            sim.spawn(n, random_ops(&mut rng, 3, 40));
        }
        assert!(sim.run(100_000));
        messages += sim.total(|s| s.messages_sent);
    }
    messages
}

#[test]
fn the_distributed_manager_sends_fewer_messages_on_random_workloads() {
    for (nodes, protocol) in [(2, Protocol::Replicate), (4, Protocol::Replicate), (8, Protocol::Migrate)] {
        let central = random_messages(nodes, protocol, ManagerKind::Central(0), 3);
        let distributed = random_messages(nodes, protocol, ManagerKind::Distributed, 3);
        assert!(distributed < central, "{nodes} {protocol:?}: distributed {distributed}, central {central}");
    }
}

/// More seeds, a worse network (30% loss and duplication), more
/// threads, holds of every length, deaths of any node.
#[test]
fn a_soak_over_a_worse_network_stays_coherent_and_live() {
    for (nodes, protocol, manager) in every_setup() {
        for seed in 0..5 {
            let mut sim = Sim::new(nodes, protocol, manager, Net { loss: 300, dup: 300, max_delay: 12 }, seed, 2);
            sim.reconfigure(|c| c.hold = (seed % 3) * STEP);
            let mut rng = Rng::new(seed);
            for n in 0..usize::from(nodes) {
                for _ in 0..4 {
                    sim.spawn(n, random_ops(&mut rng, 2, 25));
                }
            }
            assert!(sim.run(200_000), "{nodes} {protocol:?} {manager:?} seed {seed}: not done");
        }
    }
    random_runs(BAD, 24, |_| {});
    random_runs(BAD, 10, |c| c.hold = 0);
    for (nodes, protocol, manager) in every_setup().filter(|s| s.0 >= 3) {
        for seed in 10..22 {
            death_run(nodes, protocol, manager, seed as usize % usize::from(nodes), seed % 3 == 0, seed);
        }
    }
}

#[test]
fn messages_of_the_kernels_own_travel_in_order_and_loop_back() {
    let (mut dsms, mut stores) = engines(2, Protocol::Replicate, ManagerKind::Distributed);
    dsms[0].send_message(1, b"first".to_vec());
    dsms[0].send_message(1, b"second".to_vec());
    dsms[0].send_message(0, b"mine".to_vec());
    dsms[0].send_message(7, b"nobody".to_vec());
    settle(&mut dsms, &mut stores, 1);
    let got: Vec<_> = core::iter::from_fn(|| dsms[1].next_event()).collect();
    assert_eq!(
        got,
        [Event::Message { from: 0, data: b"first".to_vec() }, Event::Message { from: 0, data: b"second".to_vec() }]
    );
    assert_eq!(dsms[0].next_event(), Some(Event::Message { from: 0, data: b"mine".to_vec() }));
}

#[test]
fn a_granted_page_waits_for_its_threads_retry_then_holds() {
    let mut cfgs = [0, 1].map(|n| sim::config(n, 2, Protocol::Replicate, ManagerKind::Distributed));
    for c in &mut cfgs {
        c.retry_wait = 1000;
    }
    let (mut dsms, mut stores) = engines_with(&cfgs);
    assert_eq!(dsms[1].fault(page(0), true, 0, &mut stores[1]), Fault::Wait);
    settle(&mut dsms, &mut stores, 1);
    assert_eq!(dsms[1].access(page(0)), Access::Write);
    // Node 0 asks for it back long after the hold, but before the retry.
    assert_eq!(dsms[0].fault(page(0), true, 500, &mut stores[0]), Fault::Wait);
    settle(&mut dsms, &mut stores, 501);
    assert_eq!(dsms[1].access(page(0)), Access::Write, "kept for the thread that has not retried");
    // The retry starts the hold; once it ends, node 0 gets the page.
    assert_eq!(dsms[1].fault(page(0), true, 600, &mut stores[1]), Fault::Granted);
    let hold_end = 600 + cfgs[1].hold;
    dsms[1].tick(hold_end, &mut stores[1]);
    settle(&mut dsms, &mut stores, hold_end + 1);
    assert_eq!(dsms[0].access(page(0)), Access::Write);
}
