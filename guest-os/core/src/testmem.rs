//! A fake physical memory for host tests: pages allocated on first touch.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use core::cell::RefCell;

use crate::{PAGE, PhysMemory};

/// Pages by physical page number.
#[derive(Default)]
pub struct TestMemory {
    pages: RefCell<BTreeMap<u64, Box<[u8; PAGE as usize]>>>,
}

impl TestMemory {
    fn with_page<T>(&self, pa: u64, f: impl FnOnce(&mut [u8; PAGE as usize]) -> T) -> T {
        let mut pages = self.pages.borrow_mut();
        let page = pages.entry(pa / PAGE).or_insert_with(|| Box::new([0; PAGE as usize]));
        f(page)
    }
}

impl PhysMemory for TestMemory {
    fn read_u64(&self, pa: u64) -> u64 {
        let mut b = [0u8; 8];
        self.read(pa, &mut b);
        u64::from_le_bytes(b)
    }
    fn write_u64(&mut self, pa: u64, value: u64) {
        self.write(pa, &value.to_le_bytes());
    }
    fn zero_page(&mut self, pa: u64) {
        self.with_page(pa, |p| p.fill(0));
    }
    fn copy_page(&mut self, from: u64, to: u64) {
        let data = self.with_page(from, |p| *p);
        self.with_page(to, |p| *p = data);
    }
    fn read(&self, pa: u64, buf: &mut [u8]) {
        let o = (pa % PAGE) as usize;
        self.with_page(pa, |p| buf.copy_from_slice(&p[o..o + buf.len()]));
    }
    fn write(&mut self, pa: u64, data: &[u8]) {
        let o = (pa % PAGE) as usize;
        self.with_page(pa, |p| p[o..o + data.len()].copy_from_slice(data));
    }
}

/// A pager for `count` frames from `base`: clock, every frame in the
/// budget, no swap.
pub fn pager(base: u64, count: usize) -> crate::pager::Pager {
    let config = crate::pager::PagerConfig {
        policy: crate::replace::Policy::Clock,
        shared_sweeps: 0,
        budget: count,
        swap_slots: 0,
    };
    crate::pager::Pager::new(config, base, count)
}

/// Everything a test's address spaces live in: frames, the shared pages
/// table, segments, memory, counters and the pager.
pub struct World {
    /// Frames.
    pub frames: crate::frame::FrameTable,
    /// The shared pages table.
    pub shared: crate::shared_pages::SharedPagesTable,
    /// Shared-memory segments.
    pub shm: crate::shm::ShmRegistry,
    /// Memory.
    pub mem: TestMemory,
    /// Counters.
    pub stats: crate::stats::VmStats,
    /// The pager.
    pub pager: crate::pager::Pager,
}

impl World {
    /// `count` frames from 0x8010_0000, and a kernel root table at
    /// 0x8000_0000 whose entry 2 maps kernel RAM; the pager keeps its
    /// records from the start.
    pub fn new(count: usize) -> World {
        let mut w = World::untracked(count);
        crate::tracking::start(&mut w.vm(), &[]);
        w
    }

    /// The same, the pager not keeping its records until
    /// [`crate::tracking::start`] is called, as in a kernel with memory
    /// to spare.
    pub fn untracked(count: usize) -> World {
        let mut mem = TestMemory::default();
        mem.write_u64(
            KERNEL_ROOT + 2 * 8,
            crate::pte::make(0x8000_0000, crate::pte::R | crate::pte::W | crate::pte::X | crate::pte::G),
        );
        World {
            frames: crate::frame::FrameTable::new(FRAMES, count, |_| false),
            shared: crate::shared_pages::SharedPagesTable::new(),
            shm: crate::shm::ShmRegistry::new(),
            mem,
            stats: crate::stats::VmStats::default(),
            pager: pager(FRAMES, count),
        }
    }

    /// The same, with `slots` swap slots (and the commit limit they add)
    /// and `policy`.
    pub fn with_swap(count: usize, slots: u32, policy: crate::replace::Policy) -> World {
        let mut w = World::new(count);
        let config = crate::pager::PagerConfig { policy, shared_sweeps: 0, budget: count, swap_slots: slots };
        w.pager = crate::pager::Pager::new(config, FRAMES, count);
        crate::tracking::start(&mut w.vm(), &[]);
        w
    }

    /// The world as the policy code takes it.
    pub fn vm(&mut self) -> crate::Vm<'_, TestMemory> {
        crate::Vm {
            frames: &mut self.frames,
            shared: &mut self.shared,
            shm: &mut self.shm,
            mem: &mut self.mem,
            stats: &mut self.stats,
            pager: &mut self.pager,
        }
    }

    /// A new address space.
    pub fn space(&mut self) -> crate::space::AddressSpace {
        crate::space::AddressSpace::new(&mut self.frames, &mut self.mem, KERNEL_ROOT).unwrap()
    }

    /// Maps a fresh user frame at `va` with `flags` (U added), its first
    /// 16 bytes set to `fill`, and charges it if it is private or COW (as
    /// exec would); returns the frame.
    pub fn page(&mut self, space: &mut crate::space::AddressSpace, va: u64, flags: u64, fill: u8) -> u64 {
        let pa = self.vm().alloc_user(flags & crate::pte::RSW == crate::pte::SHARED).unwrap();
        self.mem.zero_page(pa);
        self.mem.write(pa, &[fill; 16]);
        if matches!(crate::pte::kind(flags), crate::pte::PageKind::Private | crate::pte::PageKind::Cow) {
            self.pager.commit.charge(1).unwrap();
        }
        space.map(&mut self.vm(), va, pa, flags | crate::pte::U).unwrap();
        pa
    }
}

/// The first frame of [`World`].
pub const FRAMES: u64 = 0x8010_0000;

/// The kernel root table of [`World`].
pub const KERNEL_ROOT: u64 = 0x8000_0000;
