//! One address space across machines (boot argument `threads=spread`):
//! the threads a process creates run on other nodes of the cluster, and
//! its whole user address space is distributed shared memory, one DSM
//! page per virtual page. This file is the policy of it that the fault
//! path needs: which addresses are coherent pages, what the engine lets
//! this node do with each (a mirror of [`crate::dsm::Dsm::access`], kept
//! beside the page table so that a fault can consult it without the
//! engine), and where each new thread goes.
//!
//! Text and read-only data are not coherent pages: every node loads them
//! from its own copy of the program, through its shared pages table (they
//! never change). Everything else a process can write is: the program's
//! data, the heap, every private mapping and every stack.
//!
//! The process's node (its *home*) owns every page at first, so a page
//! its threads there touch first is made as any page is (zero-filled, a
//! file's bytes); a page another node touches first comes from the home.

use alloc::collections::BTreeMap;

use crate::dsm::{Access as DsmAccess, NodeId};
use crate::fault::Access;
use crate::region::{Backing, DemandRegion};
use crate::space::{AddressSpace, USER_END};
use crate::{PAGE, PhysMemory, Vm, page_floor, pte};

/// The bit that marks a process's address space among DSM spaces (System
/// V segments are numbered from 1 up by the directory).
pub const PROCESS_SPACE: u32 = 0x8000_0000;

/// How many pages a process's address space has, as a DSM space.
pub const USER_PAGES: u32 = (USER_END / PAGE) as u32;

/// The DSM space of process `tgid` whose home is node `home`: the same
/// number on every node.
pub fn space_of(home: NodeId, tgid: u32) -> u32 {
    PROCESS_SPACE | u32::from(home) << 16 | (tgid & 0xffff)
}

/// Whether DSM space `space` is a process's address space.
pub fn is_process_space(space: u32) -> bool {
    space & PROCESS_SPACE != 0
}

/// The node of a process's `k`-th spread thread (from 1), round-robin
/// over the cluster from the node after the home: every other node gets
/// one before the home gets one of its own.
pub fn place(home: NodeId, nodes: u16, k: u32) -> NodeId {
    ((u32::from(home) + k) % u32::from(nodes.max(1))) as NodeId
}

/// What this node may do with each page of a spread address space, as
/// its DSM engine last said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpreadSpace {
    /// The DSM space.
    pub space: u32,
    /// The access of a page the engine has not spoken of: write at the
    /// home, none elsewhere.
    default: DsmAccess,
    /// Pages whose access differs from `default`, by page number.
    limits: BTreeMap<u64, DsmAccess>,
}

impl SpreadSpace {
    /// The home node's view: every page is its own.
    pub fn home(space: u32) -> SpreadSpace {
        SpreadSpace { space, default: DsmAccess::Write, limits: BTreeMap::new() }
    }

    /// Another node's view: no page is here yet.
    pub fn remote(space: u32) -> SpreadSpace {
        SpreadSpace { space, default: DsmAccess::None, limits: BTreeMap::new() }
    }

    /// What the engine lets this node do with the page of `va`.
    pub fn limit(&self, va: u64) -> DsmAccess {
        self.limits.get(&(va / PAGE)).copied().unwrap_or(self.default)
    }

    /// Records the engine's new access for the page of `va`.
    pub fn set_limit(&mut self, va: u64, access: DsmAccess) {
        if access == self.default {
            self.limits.remove(&(va / PAGE));
        } else {
            self.limits.insert(va / PAGE, access);
        }
    }

    /// The pages of `[start, end)` this node may not write (at the
    /// home: those other nodes took or copied), by address.
    pub fn not_writable_in(&self, start: u64, end: u64) -> impl Iterator<Item = u64> + '_ {
        let pages = start / PAGE..end.div_ceil(PAGE);
        self.limits.range(pages).filter(|(_, a)| **a != DsmAccess::Write).map(|(p, _)| p * PAGE)
    }

    /// The pages whose access is not this node's first (at the home:
    /// those other nodes took or copied), by address.
    pub fn changed_pages(&self) -> alloc::vec::Vec<u64> {
        self.limits.keys().map(|p| p * PAGE).collect()
    }

    /// The pages this node has no copy of (at the home: those other
    /// nodes took), by address.
    pub fn absent(&self) -> alloc::vec::Vec<u64> {
        self.limits.iter().filter(|(_, a)| **a == DsmAccess::None).map(|(p, _)| p * PAGE).collect()
    }

    /// Whether this is the home's view.
    pub fn is_home(&self) -> bool {
        self.default == DsmAccess::Write
    }
}

/// The DSM access a user access needs.
pub fn needed(access: Access) -> DsmAccess {
    if access == Access::Store { DsmAccess::Write } else { DsmAccess::Read }
}

/// Whether the page of `va` (in `region`) is a coherent page: anything
/// but a shared page of a program image and a System V attachment (a
/// cluster-wide segment has its own space; a local one is not shared).
pub fn is_coherent(region: &DemandRegion<'_>, va: u64) -> bool {
    match region.backing {
        Backing::Image(image) => image.shared_flags(image.link_base() + (page_floor(va) - region.start)).is_none(),
        Backing::Shm { .. } => false,
        Backing::Zero | Backing::File { .. } => true,
    }
}

/// The entry flags a page of `region` at `va` would have (mprotect's, if
/// it gave some), for checking an access before asking other nodes.
pub fn flags_at(space: &AddressSpace, region: &DemandRegion<'_>, va: u64) -> u64 {
    if let Some(prot) = space.protection(va) {
        return crate::protect::entry_bits(prot);
    }
    match region.backing {
        // A program's data: its writable segments (loaded at exec).
        Backing::Image(_) => pte::R | pte::W | pte::U,
        _ => region.flags | pte::U,
    }
}

/// The first bytes of a page of `region` at `va` that was never in
/// memory: a file's (zero past its end), else zeros. What the home sends
/// when another node asks first.
pub fn first_bytes(region: Option<&DemandRegion<'_>>, va: u64, buf: &mut [u8; PAGE as usize]) {
    buf.fill(0);
    let Some(DemandRegion { start, backing: Backing::File { bytes, offset, .. }, .. }) = region else { return };
    let from = (offset + (page_floor(va) - start)) as usize;
    if let Some(rest) = bytes.get(from..) {
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
    }
}

/// Makes the entry of `va` in a spread space agree with the engine's new
/// `access` (`writable`: whether the page's region lets it be written):
/// unmapped, read-only, or writable (unless copy-on-write, which the next
/// store breaks). Returns whether the entry changed, so that the caller
/// flushes its TLB entry.
pub fn set_access<M: PhysMemory>(
    space: &mut AddressSpace,
    vm: &mut Vm<'_, M>,
    va: u64,
    access: DsmAccess,
    writable: bool,
) -> bool {
    if let Some(spread) = space.spread.as_mut() {
        spread.set_limit(va, access);
    }
    if access == DsmAccess::None {
        return space.unmap(vm, va).is_some();
    }
    let Some((slot, entry)) = space.lookup(vm.mem, va) else { return false };
    let new = match access {
        DsmAccess::Write if writable && !pte::is_cow(entry) => entry | pte::W | pte::D,
        DsmAccess::Write => entry,
        _ => entry & !pte::W,
    };
    AddressSpace::set_entry(vm.mem, slot, new);
    new != entry
}

/// Before a spread process forks (at its home, every page here): its
/// read copies of writable pages become copy-on-write, as its writable
/// pages are about to. Fork shares a read-only page as it is; a read
/// copy made writable later, when the engine gives it write access,
/// would then be written under the child.
pub fn prepare_fork<M: PhysMemory>(space: &mut AddressSpace, vm: &mut Vm<'_, M>, regions: &[DemandRegion<'_>]) {
    let Some(spread) = space.spread.as_ref() else { return };
    let copies: alloc::vec::Vec<u64> =
        spread.limits.iter().filter(|(_, a)| **a == DsmAccess::Read).map(|(p, _)| p * PAGE).collect();
    for va in copies {
        let writable = regions.iter().find(|r| r.contains(va)).is_some_and(|r| flags_at(space, r, va) & pte::W != 0);
        if let Some((slot, entry)) = space.lookup(vm.mem, va).filter(|_| writable)
            && pte::kind(entry) == pte::PageKind::Private
        {
            AddressSpace::set_entry(vm.mem, slot, (entry & !pte::W) | pte::COW);
        }
    }
}

/// Installs `data`, received from another node, as the page of `va`: a
/// frame of its own, mapped read-only until the engine's access is set.
/// False when no frame is free.
pub fn install<M: PhysMemory>(space: &mut AddressSpace, vm: &mut Vm<'_, M>, va: u64, data: &[u8]) -> bool {
    space.unmap(vm, va);
    let Some(frame) = vm.alloc_user(false) else { return false };
    vm.mem.write(frame, data);
    if space.map(vm, va, frame, pte::R | pte::U | pte::A).is_err() {
        vm.release_user(frame);
        return false;
    }
    true
}

/// This node's bytes of the page of `va`: its frame's, or what the page
/// starts as if it was never in memory.
pub fn read<M: PhysMemory>(
    space: &AddressSpace,
    vm: &Vm<'_, M>,
    regions: &[DemandRegion<'_>],
    va: u64,
    buf: &mut [u8; PAGE as usize],
) {
    match space.lookup(vm.mem, va) {
        Some((_, entry)) => vm.mem.read(pte::address(entry), buf),
        None => first_bytes(regions.iter().find(|r| r.contains(va)), va, buf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testmem::World;

    #[test]
    fn pages_arrive_are_read_back_and_follow_the_engines_access() {
        let mut w = World::new(64);
        let mut space = w.space();
        space.spread = Some(SpreadSpace::remote(9));
        let mut vm = w.vm();
        let va = 0x40_0000;
        let regions = [DemandRegion::zero(va, va + 4 * PAGE, pte::R | pte::W)];
        let mut buf = [1u8; PAGE as usize];
        read(&space, &vm, &regions, va, &mut buf);
        assert!(buf.iter().all(|&b| b == 0), "never here: zeros");
        assert!(install(&mut space, &mut vm, va, &[5u8; PAGE as usize]));
        read(&space, &vm, &regions, va, &mut buf);
        assert!(buf.iter().all(|&b| b == 5));
        assert!(set_access(&mut space, &mut vm, va, DsmAccess::Write, true));
        let writable = |s: &AddressSpace, vm: &Vm<'_, _>| s.lookup(vm.mem, va).map(|(_, e)| e & pte::W != 0);
        assert_eq!(writable(&space, &vm), Some(true));
        assert!(!set_access(&mut space, &mut vm, va, DsmAccess::Write, true), "no change, no flush");
        assert!(set_access(&mut space, &mut vm, va, DsmAccess::Read, true));
        assert_eq!(writable(&space, &vm), Some(false));
        assert_eq!(space.spread.as_ref().map(|s| s.limit(va)), Some(DsmAccess::Read));
        assert!(set_access(&mut space, &mut vm, va, DsmAccess::None, true));
        assert_eq!(writable(&space, &vm), None);
        let used = vm.frames.counts().free;
        space.destroy(&mut vm);
        assert!(w.frames.counts().free > used, "the page table went back");
    }

    #[test]
    fn spaces_are_named_alike_on_every_node_and_apart_from_segments() {
        assert_eq!(space_of(3, 17), 0x8003_0011);
        assert!(is_process_space(space_of(0, 1)));
        assert!(!is_process_space(1));
        assert_eq!(USER_PAGES, 1 << 19);
    }

    #[test]
    fn threads_go_round_robin_to_the_other_nodes_then_home() {
        let placed: alloc::vec::Vec<NodeId> = (1..=5).map(|k| place(1, 4, k)).collect();
        assert_eq!(placed, [2, 3, 0, 1, 2]);
        assert_eq!(place(0, 1, 3), 0, "a lone node keeps its threads");
    }

    #[test]
    fn the_mirror_starts_as_the_engine_does_and_follows_it() {
        let mut home = SpreadSpace::home(5);
        let mut other = SpreadSpace::remote(5);
        assert_eq!((home.limit(0x1234), other.limit(0x1234)), (DsmAccess::Write, DsmAccess::None));
        home.set_limit(0x1000, DsmAccess::Read);
        other.set_limit(0x1fff, DsmAccess::Read);
        assert_eq!((home.limit(0x1ff8), other.limit(0x1000)), (DsmAccess::Read, DsmAccess::Read));
        home.set_limit(0x5000, DsmAccess::None);
        let taken: alloc::vec::Vec<u64> = home.not_writable_in(0x1000, 0x5001).collect();
        assert_eq!(taken, [0x1000, 0x5000]);
        assert_eq!(home.changed_pages(), [0x1000, 0x5000]);
        assert_eq!(home.absent(), [0x5000]);
        assert_eq!(home.not_writable_in(0x2000, 0x5000).count(), 0);
        home.set_limit(0x1000, DsmAccess::Write);
        home.set_limit(0x5000, DsmAccess::Write);
        assert!(home.limits.is_empty(), "back to the default, nothing is kept");
        assert!(home.is_home() && !other.is_home());
        assert_eq!((needed(Access::Store), needed(Access::Fetch)), (DsmAccess::Write, DsmAccess::Read));
    }

    #[test]
    fn a_page_nobody_touched_starts_as_its_region_says() {
        let bytes = [7u8; 5000];
        let file = DemandRegion::file(0x10_0000, 2, pte::R, ("f", &bytes), 4096);
        let mut buf = [1u8; PAGE as usize];
        first_bytes(Some(&file), 0x10_0010, &mut buf);
        assert!(buf[..904].iter().all(|&b| b == 7) && buf[904..].iter().all(|&b| b == 0));
        first_bytes(Some(&DemandRegion::zero(0, PAGE, pte::R | pte::W)), 0, &mut buf);
        assert!(buf.iter().all(|&b| b == 0));
        assert!(is_coherent(&file, 0x10_0000));
        assert!(!is_coherent(&DemandRegion::shm(0, 1, 3, true), 0));
    }

    #[test]
    fn faults_on_coherent_pages_wait_for_the_engine_and_others_go_the_usual_way() {
        use crate::fault::{Resolved, Unresolved, Wait, resolve};
        let mut w = World::new(64);
        let (data, text) = (0x40_0000, 0x50_0000);
        let regions =
            [DemandRegion::zero(data, data + 4 * PAGE, pte::R | pte::W), DemandRegion::zero(text, text + PAGE, pte::R)];
        let spread = |space: u32, index: u64, write: bool| Err(Unresolved::Wait(Wait::Spread { space, index, write }));
        // Another node: nothing is here until the engine says so.
        let mut there = w.space();
        there.spread = Some(SpreadSpace::remote(9));
        let mut vm = w.vm();
        assert_eq!(resolve(&mut there, &mut vm, &regions, data + 8, Access::Load), spread(9, data / PAGE, false));
        assert_eq!(resolve(&mut there, &mut vm, &regions, 0x60_0000, Access::Load), Err(Unresolved::NotMapped));
        assert_eq!(resolve(&mut there, &mut vm, &regions, text, Access::Store), Err(Unresolved::Protection));
        // The home: its own pages are made as usual, until it gives one up.
        let mut home = w.space();
        home.spread = Some(SpreadSpace::home(9));
        let mut vm = w.vm();
        assert!(matches!(resolve(&mut home, &mut vm, &regions, data, Access::Store), Ok(Resolved::DemandZero { .. })));
        assert!(set_access(&mut home, &mut vm, data, DsmAccess::Read, true));
        assert_eq!(resolve(&mut home, &mut vm, &regions, data, Access::Store), spread(9, data / PAGE, true));
        assert_eq!(resolve(&mut home, &mut vm, &regions, data, Access::Load), Ok(Resolved::AccessedDirty));
    }

    #[test]
    fn a_read_copy_forked_stays_the_childs_when_the_parent_writes_it_later() {
        use crate::fault::{Resolved, resolve};
        use crate::space::ForkMode;
        let mut w = World::new(64);
        let data = 0x40_0000;
        let regions = [DemandRegion::zero(data, data + PAGE, pte::R | pte::W)];
        let mut home = w.space();
        home.spread = Some(SpreadSpace::home(9));
        let mut vm = w.vm();
        assert!(matches!(resolve(&mut home, &mut vm, &regions, data, Access::Store), Ok(Resolved::DemandZero { .. })));
        assert!(set_access(&mut home, &mut vm, data, DsmAccess::Read, true), "another node took a read copy");
        prepare_fork(&mut home, &mut vm, &regions);
        let (mut child, _) = home.fork(&mut vm, crate::testmem::KERNEL_ROOT, ForkMode::CopyOnWrite).expect("fork");
        let frame = |s: &AddressSpace, vm: &Vm<'_, _>| s.lookup(vm.mem, data).map(|(_, e)| (pte::address(e), e));
        let (shared, _) = frame(&child, &vm).expect("the child maps it");
        // The engine gives the parent write access: the page stays shared
        // until the parent's store copies it.
        set_access(&mut home, &mut vm, data, DsmAccess::Write, true);
        assert!(frame(&home, &vm).is_some_and(|(f, e)| f == shared && e & pte::W == 0 && pte::is_cow(e)));
        assert!(matches!(resolve(&mut home, &mut vm, &regions, data, Access::Store), Ok(Resolved::CowCopied { .. })));
        assert!(frame(&home, &vm).is_some_and(|(f, _)| f != shared));
        assert_eq!(frame(&child, &vm).map(|(f, _)| f), Some(shared));
        assert!(matches!(resolve(&mut child, &mut vm, &regions, data, Access::Store), Ok(Resolved::CowReused { .. })));
        assert!(home.spread.as_ref().is_some_and(|s| s.absent().is_empty() && s.changed_pages().is_empty()));
        child.destroy(&mut vm);
        home.destroy(&mut vm);
    }
}
