//! Cluster-wide System V keys. On a cluster, a shared-memory segment
//! created with a key is the same segment on every node: the same key
//! names it everywhere, so programs written for one machine's shared
//! memory run unchanged with one process per node. (`IPC_PRIVATE` stays
//! local.) Its pages are a distributed space of the DSM engine
//! ([`crate::dsm`]), which keeps them coherent.
//!
//! The [`Directory`] of keys lives on node 0 ([`DIRECTORY`]): `shmget`
//! on any node asks it, and it answers with the key's segment as Linux's
//! rules decide (`IPC_CREAT`, `IPC_EXCL`, the size, the mode), making it
//! if it must. The node that made a segment is its *home*, and owns every
//! page at first. The [`Message`]s between nodes (lookups, answers,
//! removals, and futex wake-ups for words in distributed pages) travel
//! as the engine's application messages, over its reliable links.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::dsm::NodeId;
use crate::shm::{IPC_CREAT, IPC_EXCL, SHMMAX, ShmError};
use crate::{PAGE, page_ceil};

/// The node that keeps the directory.
pub const DIRECTORY: NodeId = 0;

/// A cluster-wide segment, as the directory knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Its key.
    pub key: i32,
    /// Its distributed space.
    pub space: u32,
    /// Pages it spans.
    pub pages: u32,
    /// Size asked for at creation, in bytes.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// The node that made it, which owns every page at first.
    pub home: NodeId,
}

/// A message of the cluster's System V layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `shmget(key, size, flags)` on a node, for the directory.
    Lookup {
        /// The asker's number for the request.
        request: u32,
        /// The key.
        key: i32,
        /// The size asked for.
        size: u64,
        /// `shmget`'s flags.
        flags: u32,
    },
    /// The directory's answer.
    Answer {
        /// The request answered.
        request: u32,
        /// The segment, or why not.
        result: Result<Found, ShmError>,
    },
    /// `IPC_RMID` on a node: the key is forgotten cluster-wide.
    Remove {
        /// The segment's space.
        space: u32,
    },
    /// `FUTEX_WAKE` on a word of a distributed segment: wake up to
    /// `count` sleepers on it whose bitset meets `bitset`.
    FutexWake {
        /// The segment's space.
        space: u32,
        /// The word's offset in the segment.
        offset: u64,
        /// Most sleepers to wake.
        count: u32,
        /// The wake's bitset.
        bitset: u32,
    },
}

/// A message that does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadMessage;

const LOOKUP: u8 = 1;
const ANSWER: u8 = 2;
const REMOVE: u8 = 3;
const FUTEX_WAKE: u8 = 4;

/// The wire number of an error.
fn error_code(e: ShmError) -> u8 {
    match e {
        ShmError::Invalid => 1,
        ShmError::NoEntry => 2,
        ShmError::Exists => 3,
        ShmError::NoMemory => 4,
        ShmError::Access => 5,
        ShmError::NoSpace => 6,
    }
}

/// The error of a wire number.
fn error_of(code: u8) -> Result<ShmError, BadMessage> {
    let all = [ShmError::Invalid, ShmError::NoEntry, ShmError::Exists, ShmError::NoMemory, ShmError::Access];
    all.into_iter().chain([ShmError::NoSpace]).find(|&e| error_code(e) == code).ok_or(BadMessage)
}

impl Message {
    /// The message's bytes: a kind, then little-endian fields.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match *self {
            Message::Lookup { request, key, size, flags } => {
                out.push(LOOKUP);
                put(&mut out, &[request as u64, key as u32 as u64, size, flags as u64]);
            }
            Message::Answer { request, result: Ok(f) } => {
                out.extend([ANSWER, 0]);
                let fields = [request as u64, f.key as u32 as u64, f.space as u64, f.pages as u64, f.size];
                put(&mut out, &fields);
                put(&mut out, &[f.mode as u64, f.home as u64]);
            }
            Message::Answer { request, result: Err(e) } => {
                out.extend([ANSWER, error_code(e)]);
                put(&mut out, &[request as u64]);
            }
            Message::Remove { space } => {
                out.push(REMOVE);
                put(&mut out, &[space as u64]);
            }
            Message::FutexWake { space, offset, count, bitset } => {
                out.push(FUTEX_WAKE);
                put(&mut out, &[space as u64, offset, count as u64, bitset as u64]);
            }
        }
        out
    }

    /// The message in `bytes`, which come from the network: anything
    /// malformed is [`BadMessage`].
    pub fn decode(bytes: &[u8]) -> Result<Message, BadMessage> {
        let (&kind, rest) = bytes.split_first().ok_or(BadMessage)?;
        match kind {
            LOOKUP => {
                let [request, key, size, flags] = take(rest)?;
                Ok(Message::Lookup { request: request as u32, key: key as u32 as i32, size, flags: flags as u32 })
            }
            ANSWER => decode_answer(rest),
            REMOVE => {
                let [space] = take(rest)?;
                Ok(Message::Remove { space: space as u32 })
            }
            FUTEX_WAKE => {
                let [space, offset, count, bitset] = take(rest)?;
                Ok(Message::FutexWake { space: space as u32, offset, count: count as u32, bitset: bitset as u32 })
            }
            _ => Err(BadMessage),
        }
    }
}

/// An answer's fields after its kind.
fn decode_answer(bytes: &[u8]) -> Result<Message, BadMessage> {
    let (&code, rest) = bytes.split_first().ok_or(BadMessage)?;
    if code != 0 {
        let [request] = take(rest)?;
        return Ok(Message::Answer { request: request as u32, result: Err(error_of(code)?) });
    }
    let [request, key, space, pages, size, mode, home] = take(rest)?;
    let found = Found {
        key: key as u32 as i32,
        space: space as u32,
        pages: pages as u32,
        size,
        mode: mode as u32,
        home: home as NodeId,
    };
    Ok(Message::Answer { request: request as u32, result: Ok(found) })
}

/// Appends `fields`, eight bytes each.
fn put(out: &mut Vec<u8>, fields: &[u64]) {
    for f in fields {
        out.extend_from_slice(&f.to_le_bytes());
    }
}

/// Exactly `N` eight-byte fields.
fn take<const N: usize>(bytes: &[u8]) -> Result<[u64; N], BadMessage> {
    if bytes.len() != 8 * N {
        return Err(BadMessage);
    }
    let mut fields = [0u64; N];
    for (field, chunk) in fields.iter_mut().zip(bytes.chunks_exact(8)) {
        *field = u64::from_le_bytes(chunk.try_into().map_err(|_| BadMessage)?);
    }
    Ok(fields)
}

/// Permission bits a `shmget` may ask for: the owner's read and write.
const OWNER_RW: u32 = 0o600;

/// The directory of cluster-wide keys (on node [`DIRECTORY`]).
#[derive(Debug, Default)]
pub struct Directory {
    keys: BTreeMap<i32, Found>,
    next_space: u32,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Directory {
        Directory::default()
    }

    /// `shmget(key, size, flags)` from node `from`: the key's segment, or
    /// a new one whose home is `from`, as Linux's rules say.
    pub fn lookup(&mut self, from: NodeId, key: i32, size: u64, flags: u32) -> Result<Found, ShmError> {
        if let Some(found) = self.keys.get(&key) {
            return existing(found, size, flags);
        }
        if flags & IPC_CREAT == 0 {
            return Err(ShmError::NoEntry);
        }
        if size == 0 || size > SHMMAX {
            return Err(ShmError::Invalid);
        }
        self.next_space += 1;
        let pages = (page_ceil(size) / PAGE) as u32;
        let found = Found { key, space: self.next_space, pages, size, mode: flags & 0o777, home: from };
        self.keys.insert(key, found);
        Ok(found)
    }

    /// `IPC_RMID`: the segment's key is forgotten (its pages stay where
    /// they are for the nodes still attached).
    pub fn remove(&mut self, space: u32) {
        self.keys.retain(|_, f| f.space != space);
    }
}

/// `shmget` of a key that has a segment, as `ShmRegistry`'s rules say.
fn existing(found: &Found, size: u64, flags: u32) -> Result<Found, ShmError> {
    if flags & IPC_CREAT != 0 && flags & IPC_EXCL != 0 {
        return Err(ShmError::Exists);
    }
    if size > found.size {
        return Err(ShmError::Invalid);
    }
    if flags & OWNER_RW & !found.mode != 0 {
        return Err(ShmError::Access);
    }
    Ok(*found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_follows_shmget_rules() {
        let mut d = Directory::new();
        assert_eq!(d.lookup(2, 42, 100, 0o600), Err(ShmError::NoEntry));
        let made = d.lookup(2, 42, 5000, IPC_CREAT | 0o600).unwrap();
        assert_eq!((made.pages, made.home, made.size), (2, 2, 5000));
        assert_eq!(d.lookup(3, 42, 0, 0o600), Ok(made), "another node finds the same segment");
        assert_eq!(d.lookup(3, 42, 9000, 0), Err(ShmError::Invalid), "larger than it is");
        assert_eq!(d.lookup(3, 42, 10, IPC_CREAT | IPC_EXCL), Err(ShmError::Exists));
        let ro = d.lookup(1, 7, 10, IPC_CREAT | 0o400).unwrap();
        assert_eq!(d.lookup(1, 7, 10, 0o600), Err(ShmError::Access));
        assert_ne!(ro.space, made.space);
        assert_eq!(d.lookup(1, 8, 0, IPC_CREAT), Err(ShmError::Invalid));
        d.remove(made.space);
        assert_eq!(d.lookup(3, 42, 0, 0), Err(ShmError::NoEntry), "removed keys are forgotten");
        let again = d.lookup(3, 42, 10, IPC_CREAT | 0o600).unwrap();
        assert!(again.space > ro.space, "spaces are never reused");
    }

    #[test]
    fn messages_round_trip_and_garbage_is_refused() {
        let found = Found { key: -5, space: 9, pages: 3, size: 12000, mode: 0o640, home: 3 };
        let messages = [
            Message::Lookup { request: 7, key: -5, size: 12000, flags: IPC_CREAT | 0o600 },
            Message::Answer { request: 7, result: Ok(found) },
            Message::Answer { request: 8, result: Err(ShmError::Exists) },
            Message::Remove { space: 9 },
            Message::FutexWake { space: 9, offset: 4096, count: u32::MAX, bitset: !0 },
        ];
        for m in messages {
            let bytes = m.encode();
            assert_eq!(Message::decode(&bytes), Ok(m.clone()));
            for cut in 0..bytes.len() {
                assert_eq!(Message::decode(&bytes[..cut]), Err(BadMessage), "{m:?} cut at {cut}");
            }
        }
        assert_eq!(Message::decode(&[9, 0, 0]), Err(BadMessage));
        assert_eq!(Message::decode(&[ANSWER, 99, 0, 0, 0, 0, 0, 0, 0, 0]), Err(BadMessage));
    }
}
