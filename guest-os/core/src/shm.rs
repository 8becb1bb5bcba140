//! System V shared memory, as Linux has it: the registry of segments
//! (`shmget`, `shmctl`) and what attaching and detaching does to them.
//!
//! A segment's pages are committed at `shmget` (so running out of memory
//! is `ENOMEM` there, not a fault later) and appear zero-filled on their
//! first touch through any attachment. The segment holds one reference to
//! each page's frame, every attachment's page-table entry one more. Under
//! memory pressure the pager may write a page to swap: the segment keeps
//! the slot, the attachments' entries are cleared, and whichever attacher
//! touches it first brings it back for all.
//! `IPC_RMID` hides the segment's key at once, but the segment lives until
//! its last detach. Ids are never reused, so a stale id is `EINVAL`.
//!
//! Permissions: every process counts as the segment's owner without
//! privileges, so the owner bits of the mode decide (0o400 to read, 0o200
//! to write).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::frame::FrameTable;
use crate::pager::{Commit, Pager};
use crate::swap::Slot;
use crate::{PAGE, page_ceil};

pub use rvsim_abi::ipc::{IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPC_RMID, IPC_STAT, SHM_RDONLY, SHM_RND};

/// Most segments at once (Linux's SHMMNI is 4096; a teaching kernel's
/// memory is smaller).
pub const SHMMNI: usize = 128;
/// Largest segment.
pub const SHMMAX: u64 = 1 << 30;

const OWNER_READ: u32 = 0o400;
const OWNER_WRITE: u32 = 0o200;

/// Why a shared-memory call fails, as Linux says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShmError {
    /// EINVAL: no such segment, or a bad size or address.
    Invalid,
    /// ENOENT: no segment has the key, and `IPC_CREAT` was not given.
    NoEntry,
    /// EEXIST: `IPC_CREAT | IPC_EXCL` and the key has a segment.
    Exists,
    /// ENOMEM: no room in the commit account for the segment, or no room
    /// to attach it.
    NoMemory,
    /// EACCES: the mode does not allow it.
    Access,
    /// ENOSPC: [`SHMMNI`] segments exist.
    NoSpace,
}

/// Where a segment's page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShmPage {
    /// Never touched: zero.
    Zero,
    /// In this frame.
    Resident(u64),
    /// On the swap disk, in this slot.
    Swapped(Slot),
}

/// One segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShmSegment {
    /// Its key ([`IPC_PRIVATE`] once removed).
    pub key: i32,
    /// Size asked for, in bytes.
    pub size: u64,
    /// Its pages.
    pub pages: Vec<ShmPage>,
    /// Permission bits (the low 9 of `shmflg`).
    pub mode: u32,
    /// Attachments.
    pub nattch: u64,
    /// `IPC_RMID` was done: destroyed at the last detach.
    pub removed: bool,
    /// Creator's pid.
    pub cpid: u32,
    /// Pid of the last attach or detach.
    pub lpid: u32,
    /// The cluster-wide space it is, when its key is shared by the
    /// nodes of a cluster (see [`crate::cluster_shm`]).
    pub space: Option<u32>,
    /// Times (seconds since boot) of the last attach, detach, change.
    pub atime: u64,
    /// See `atime`.
    pub dtime: u64,
    /// See `atime`.
    pub ctime: u64,
}

impl ShmSegment {
    /// Pages the segment spans.
    pub fn pages(&self) -> u64 {
        self.pages.len() as u64
    }

    /// Page `i`'s frame, for each page (`None` when not in memory).
    pub fn resident(&self) -> Vec<Option<u64>> {
        self.pages.iter().map(|p| if let ShmPage::Resident(f) = p { Some(*f) } else { None }).collect()
    }

    /// The segment as Linux riscv64's `struct shmid64_ds` (112 bytes):
    /// `ipc64_perm` (key, uid, gid, cuid, cgid, mode, seq, two unused
    /// words), size, atime, dtime, ctime, cpid, lpid, nattch, two unused.
    pub fn shmid64_ds(&self) -> [u8; 112] {
        let mut out = [0u8; 112];
        let mut put = |at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
        put(0, &self.key.to_le_bytes());
        // uid, gid, cuid, cgid: 0.
        // SHM_DEST: marked for removal (Linux's flag in the mode).
        let mode = if self.removed { self.mode | 0o1000 } else { self.mode };
        put(20, &mode.to_le_bytes());
        put(48, &self.size.to_le_bytes());
        put(56, &self.atime.to_le_bytes());
        put(64, &self.dtime.to_le_bytes());
        put(72, &self.ctime.to_le_bytes());
        put(80, &self.cpid.to_le_bytes());
        put(84, &self.lpid.to_le_bytes());
        put(88, &self.nattch.to_le_bytes());
        out
    }
}

/// Who is calling, and when: for the segment's pids and times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The calling process.
    pub pid: u32,
    /// Seconds since boot.
    pub now: u64,
}

/// Every segment.
#[derive(Debug, Default)]
pub struct ShmRegistry {
    segments: BTreeMap<i32, ShmSegment>,
    /// Resident pages' frames: (segment, page index).
    owners: BTreeMap<u64, (i32, usize)>,
    next_id: i32,
}

impl ShmRegistry {
    /// An empty registry.
    pub fn new() -> ShmRegistry {
        ShmRegistry::default()
    }

    /// `shmget(key, size, flags)`: the id of the key's segment, or of a new
    /// one (its pages committed) if `IPC_CREAT` allows.
    pub fn get(
        &mut self,
        key: i32,
        size: u64,
        flags: u32,
        caller: Caller,
        commit: &mut Commit,
    ) -> Result<i32, ShmError> {
        if key != IPC_PRIVATE
            && let Some((&id, segment)) = self.segments.iter().find(|(_, s)| s.key == key && !s.removed)
        {
            return Self::existing(id, segment, size, flags);
        }
        if key != IPC_PRIVATE && flags & IPC_CREAT == 0 {
            return Err(ShmError::NoEntry);
        }
        if size == 0 || size > SHMMAX {
            return Err(ShmError::Invalid);
        }
        if self.segments.len() >= SHMMNI {
            return Err(ShmError::NoSpace);
        }
        let pages = page_ceil(size) / PAGE;
        commit.charge(pages).map_err(|_| ShmError::NoMemory)?;
        let id = self.next_id;
        self.next_id += 1;
        let segment = ShmSegment {
            key,
            size,
            pages: alloc::vec![ShmPage::Zero; pages as usize],
            mode: flags & 0o777,
            nattch: 0,
            removed: false,
            cpid: caller.pid,
            lpid: 0,
            space: None,
            atime: 0,
            dtime: 0,
            ctime: caller.now,
        };
        self.segments.insert(id, segment);
        Ok(id)
    }

    /// `shmget` of an existing key: its id, if the flags, size and mode
    /// allow.
    fn existing(id: i32, segment: &ShmSegment, size: u64, flags: u32) -> Result<i32, ShmError> {
        if flags & IPC_CREAT != 0 && flags & IPC_EXCL != 0 {
            return Err(ShmError::Exists);
        }
        if size > segment.size {
            return Err(ShmError::Invalid);
        }
        // The permissions asked for must be granted.
        let asked = flags & (OWNER_READ | OWNER_WRITE);
        if asked & !segment.mode != 0 {
            return Err(ShmError::Access);
        }
        Ok(id)
    }

    /// The local segment of cluster-wide segment `found`, made the first
    /// time with every page in memory from the start, in `frames` (one a
    /// page, zeroed, its pages committed by the caller), and never sent
    /// to swap: the distributed shared memory engine must reach any page
    /// at any moment (from an interrupt, where nothing may wait for a
    /// disk). It is never destroyed either, while the machine runs: this
    /// node may own pages that others will ask for.
    pub fn distributed(
        &mut self,
        found: &crate::cluster_shm::Found,
        caller: Caller,
        frames: Vec<u64>,
    ) -> Result<i32, ShmError> {
        if let Some(id) = self.of_space(found.space) {
            return Ok(id);
        }
        if self.segments.len() >= SHMMNI || frames.len() != found.pages as usize {
            return Err(ShmError::NoSpace);
        }
        let id = self.next_id;
        self.next_id += 1;
        for (index, &frame) in frames.iter().enumerate() {
            self.owners.insert(frame, (id, index));
        }
        let segment = ShmSegment {
            key: found.key,
            size: found.size,
            pages: frames.into_iter().map(ShmPage::Resident).collect(),
            mode: found.mode,
            nattch: 0,
            removed: false,
            cpid: caller.pid,
            lpid: 0,
            space: Some(found.space),
            atime: 0,
            dtime: 0,
            ctime: caller.now,
        };
        self.segments.insert(id, segment);
        Ok(id)
    }

    /// The local segment of cluster-wide space `space`, if there is one.
    pub fn of_space(&self, space: u32) -> Option<i32> {
        self.segments.iter().find(|(_, s)| s.space == Some(space)).map(|(&id, _)| id)
    }

    /// Whether segment `id` is a cluster-wide one.
    pub fn is_distributed(&self, id: i32) -> bool {
        self.segments.get(&id).is_some_and(|s| s.space.is_some())
    }

    /// The segment `id`.
    pub fn segment(&self, id: i32) -> Result<&ShmSegment, ShmError> {
        self.segments.get(&id).ok_or(ShmError::Invalid)
    }

    /// Checks that `id` may be attached (read-only or not) and counts the
    /// attachment; returns the frames of its resident pages for the caller
    /// to map (the others come in through faults).
    /// (Linux lets a segment marked for removal be attached while it
    /// lives; so does this.)
    pub fn attach(&mut self, id: i32, readonly: bool, caller: Caller) -> Result<Vec<Option<u64>>, ShmError> {
        let segment = self.segments.get_mut(&id).ok_or(ShmError::Invalid)?;
        let needed = if readonly { OWNER_READ } else { OWNER_READ | OWNER_WRITE };
        if segment.mode & needed != needed {
            return Err(ShmError::Access);
        }
        segment.nattch += 1;
        segment.lpid = caller.pid;
        segment.atime = caller.now;
        Ok(segment.resident())
    }

    /// An attachment of `id` went away (its pages are unmapped); the last
    /// one of a removed segment destroys it.
    pub fn detach(&mut self, id: i32, caller: Caller, frames: &mut FrameTable, pager: &mut Pager) {
        let Some(segment) = self.segments.get_mut(&id) else { return };
        segment.nattch = segment.nattch.saturating_sub(1);
        segment.lpid = caller.pid;
        segment.dtime = caller.now;
        if segment.removed && segment.nattch == 0 && segment.space.is_none() {
            self.destroy(id, frames, pager);
        }
    }

    /// An attachment was copied by fork.
    pub fn inherit(&mut self, id: i32) {
        if let Some(segment) = self.segments.get_mut(&id) {
            segment.nattch += 1;
        }
    }

    /// `shmctl(id, IPC_RMID)`: the key is forgotten now, the segment goes
    /// at its last detach (now, if none).
    pub fn remove(
        &mut self,
        id: i32,
        caller: Caller,
        frames: &mut FrameTable,
        pager: &mut Pager,
    ) -> Result<(), ShmError> {
        let segment = self.segments.get_mut(&id).ok_or(ShmError::Invalid)?;
        segment.removed = true;
        segment.key = IPC_PRIVATE;
        segment.ctime = caller.now;
        if segment.nattch == 0 && segment.space.is_none() {
            self.destroy(id, frames, pager);
        }
        Ok(())
    }

    /// Frees the segment's frames and slots and gives its pages back to
    /// the commit account.
    fn destroy(&mut self, id: i32, frames: &mut FrameTable, pager: &mut Pager) {
        let Some(segment) = self.segments.remove(&id) else { return };
        for page in &segment.pages {
            match *page {
                ShmPage::Zero => {}
                ShmPage::Resident(frame) => {
                    self.owners.remove(&frame);
                    pager.release_user(frames, frame);
                }
                ShmPage::Swapped(slot) => pager.release_slot(frames, slot),
            }
        }
        pager.commit.uncharge(segment.pages());
    }

    /// Page `index` of segment `id`.
    pub fn page(&self, id: i32, index: usize) -> Option<ShmPage> {
        self.segments.get(&id)?.pages.get(index).copied()
    }

    /// Sets page `index` of segment `id` (a fault brought it in, or the
    /// pager sent it out).
    pub fn set_page(&mut self, id: i32, index: usize, page: ShmPage) {
        let Some(slot) = self.segments.get_mut(&id).and_then(|s| s.pages.get_mut(index)) else { return };
        if let ShmPage::Resident(old) = *slot {
            self.owners.remove(&old);
        }
        if let ShmPage::Resident(frame) = page {
            self.owners.insert(frame, (id, index));
        }
        *slot = page;
    }

    /// The segment and page a resident frame belongs to.
    pub fn owner(&self, frame: u64) -> Option<(i32, usize)> {
        self.owners.get(&frame).copied()
    }

    /// The frames the segments' resident pages hold.
    pub fn resident_frames(&self) -> impl Iterator<Item = u64> + '_ {
        self.owners.keys().copied()
    }

    /// Frames the segments' resident pages hold.
    pub fn frames(&self) -> usize {
        self.owners.len()
    }

    /// Segments that exist (removed ones still attached included).
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// True when there is no segment.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: Caller = Caller { pid: 5, now: 9 };

    fn setup(count: usize) -> (ShmRegistry, FrameTable, Pager) {
        let frames = FrameTable::new(0x8000_0000, count, |_| false);
        (ShmRegistry::new(), frames, crate::testmem::pager(0x8000_0000, count))
    }

    #[test]
    fn keys_find_their_segment_and_flags_decide_creation() {
        let (mut shm, frames, mut pager) = setup(16);
        assert_eq!(shm.get(42, 100, 0o600, ME, &mut pager.commit), Err(ShmError::NoEntry));
        let id = shm.get(42, 5000, IPC_CREAT | 0o600, ME, &mut pager.commit).unwrap();
        assert_eq!(shm.segment(id).map(|s| s.pages()), Ok(2), "rounded up to pages");
        assert_eq!(pager.commit.used, 2, "pages committed at shmget");
        assert_eq!(frames.counts().used(), 0, "and no frame taken before a touch");
        assert_eq!(shm.get(42, 0, 0, ME, &mut pager.commit), Ok(id), "found by key");
        assert_eq!(shm.get(42, 100, IPC_CREAT | IPC_EXCL | 0o600, ME, &mut pager.commit), Err(ShmError::Exists));
        assert_eq!(shm.get(42, 9000, 0, ME, &mut pager.commit), Err(ShmError::Invalid), "bigger than it is");
        let private = shm.get(IPC_PRIVATE, 1, 0o600, ME, &mut pager.commit).unwrap();
        let other = shm.get(IPC_PRIVATE, 1, 0o600, ME, &mut pager.commit).unwrap();
        assert!(private != other && private != id, "IPC_PRIVATE always makes a new one");
        assert_eq!(shm.get(7, 0, IPC_CREAT, ME, &mut pager.commit), Err(ShmError::Invalid), "size 0");
        assert_eq!(shm.get(7, SHMMAX + 1, IPC_CREAT, ME, &mut pager.commit), Err(ShmError::Invalid));
    }

    #[test]
    fn removal_waits_for_the_last_detach_and_ids_are_not_reused() {
        let (mut shm, mut frames, mut pager) = setup(16);
        let id = shm.get(1, 3 * PAGE, IPC_CREAT | 0o600, ME, &mut pager.commit).unwrap();
        let pages = shm.attach(id, false, ME).unwrap();
        assert_eq!(pages.len(), 3);
        shm.inherit(id);
        shm.remove(id, ME, &mut frames, &mut pager).unwrap();
        assert_eq!(shm.get(1, 0, 0, ME, &mut pager.commit), Err(ShmError::NoEntry), "the key is gone at once");
        assert_eq!(shm.segment(id).map(|s| (s.nattch, s.removed)), Ok((2, true)), "the segment is not");
        shm.detach(id, ME, &mut frames, &mut pager);
        assert_eq!(pager.commit.used, 3);
        shm.detach(id, ME, &mut frames, &mut pager);
        assert_eq!((shm.len(), pager.commit.used), (0, 0), "the last detach destroyed it");
        assert_eq!(shm.attach(id, false, ME), Err(ShmError::Invalid), "a stale id");
        assert_eq!(shm.remove(id, ME, &mut frames, &mut pager), Err(ShmError::Invalid));
        let again = shm.get(1, 10, IPC_CREAT | 0o600, ME, &mut pager.commit).unwrap();
        assert_ne!(again, id);
    }

    #[test]
    fn modes_decide_attaching() {
        let (mut shm, _, mut pager) = setup(16);
        let read_only = shm.get(IPC_PRIVATE, 10, 0o400, ME, &mut pager.commit).unwrap();
        assert_eq!(shm.attach(read_only, false, ME), Err(ShmError::Access));
        assert!(shm.attach(read_only, true, ME).is_ok());
        let key = shm.get(3, 10, IPC_CREAT | 0o400, ME, &mut pager.commit).unwrap();
        assert_eq!(shm.get(3, 10, 0o600, ME, &mut pager.commit), Err(ShmError::Access), "asks for write");
        assert_eq!(shm.get(3, 10, 0o400, ME, &mut pager.commit), Ok(key));
    }

    #[test]
    fn out_of_memory_and_too_many_segments() {
        let (mut shm, _, mut pager) = setup(4);
        assert_eq!(shm.get(IPC_PRIVATE, 5 * PAGE, 0o600, ME, &mut pager.commit), Err(ShmError::NoMemory));
        assert_eq!(pager.commit.used, 0, "nothing kept from a failed shmget");
        let (mut shm2, mut _big, mut pager2) = setup(2 * SHMMNI);
        for _ in 0..SHMMNI {
            shm2.get(IPC_PRIVATE, 1, 0o600, ME, &mut pager2.commit).unwrap();
        }
        assert_eq!(shm2.get(IPC_PRIVATE, 1, 0o600, ME, &mut pager2.commit), Err(ShmError::NoSpace));
        assert_eq!(shm.len(), 0);
    }

    #[test]
    fn distributed_segments_are_resident_and_outlive_their_key() {
        let (mut shm, mut frames, mut pager) = setup(16);
        let found = crate::cluster_shm::Found { key: 9, space: 4, pages: 2, size: 5000, mode: 0o600, home: 1 };
        let id = shm.distributed(&found, ME, alloc::vec![0x8000_3000, 0x8000_5000]).unwrap();
        assert_eq!(shm.distributed(&found, ME, Vec::new()), Ok(id), "made once");
        assert_eq!(shm.of_space(4), Some(id));
        assert!(shm.is_distributed(id));
        assert_eq!(shm.owner(0x8000_5000), Some((id, 1)));
        assert_eq!(shm.page(id, 0), Some(ShmPage::Resident(0x8000_3000)));
        shm.attach(id, false, ME).unwrap();
        shm.remove(id, ME, &mut frames, &mut pager).unwrap();
        shm.detach(id, ME, &mut frames, &mut pager);
        assert_eq!(shm.len(), 1, "a node may still own pages others need: it stays");
        let short = crate::cluster_shm::Found { space: 5, ..found };
        assert_eq!(shm.distributed(&short, ME, alloc::vec![1]), Err(ShmError::NoSpace), "one frame a page");
    }

    #[test]
    fn stat_is_linux_riscv64_shmid64_ds() {
        let (mut shm, _, mut pager) = setup(4);
        let id = shm.get(77, 5000, IPC_CREAT | 0o640, ME, &mut pager.commit).unwrap();
        shm.attach(id, true, Caller { pid: 6, now: 11 }).unwrap();
        let ds = shm.segment(id).unwrap().shmid64_ds();
        let word = |at: usize| u64::from_le_bytes(ds[at..at + 8].try_into().unwrap());
        let half = |at: usize| u32::from_le_bytes(ds[at..at + 4].try_into().unwrap());
        assert_eq!((half(0), half(20)), (77, 0o640), "key, mode");
        assert_eq!((word(48), word(56), word(72)), (5000, 11, 9), "size, atime, ctime");
        assert_eq!((half(80), half(84), word(88)), (5, 6, 1), "cpid, lpid, nattch");
    }
}
