//! Checked copies between the kernel and user memory. The kernel never
//! dereferences a user pointer: every page is looked up in the process's
//! page table, must be a user page with the needed permission, and is
//! resolved like a page fault first when it is not (a copy-on-write page
//! being written, an untouched stack or heap page). Anything else is
//! `EFAULT`, never a kernel fault.

use alloc::vec::Vec;

use crate::fault::{self, Access, Resolved, Unresolved, Wait};
use crate::region::DemandRegion;
use crate::space::{AddressSpace, USER_END};
use crate::{PAGE, PhysMemory, Vm, pte};

/// Why a user access did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserError {
    /// The process may not access that address or range this way: EFAULT.
    Efault,
    /// A page must be waited for (read from swap, or a frame freed); the
    /// kernel waits with nothing borrowed, then does the access again.
    Wait(Wait),
}

pub use UserError::Efault;

/// Whether `[va, va + len)` lies in user space, as Linux's `access_ok`:
/// a call that takes a buffer checks its whole extent with this before it
/// copies anything, so a length that runs past the end of user space is
/// `EFAULT` at once, while a buffer that is in range but runs into an
/// unmapped page still gives a partial count where the call allows one.
pub fn access_ok(va: u64, len: u64) -> Result<(), UserError> {
    match va.checked_add(len) {
        Some(end) if end <= USER_END => Ok(()),
        _ => Err(Efault),
    }
}

/// One process's memory, as a syscall sees it.
pub struct UserMemory<'a, M: PhysMemory> {
    /// The page table.
    pub space: &'a mut AddressSpace,
    /// Frames, shared pages, physical memory, counters.
    pub vm: Vm<'a, M>,
    /// Regions of the process whose pages appear on first touch.
    pub regions: &'a [DemandRegion<'a>],
    /// Told of every fault resolved on the way (for TLB flushes and the
    /// VM log).
    pub on_resolved: &'a mut dyn FnMut(u64, Access, Resolved),
}

impl<M: PhysMemory> UserMemory<'_, M> {
    /// The physical address backing user address `va` for `access`,
    /// resolving a fault if needed. The access sets the PTE's accessed
    /// bit (and dirty bit, for a store), as the hart's would: the pager
    /// must see what the kernel read and wrote for the process.
    pub fn translate(&mut self, va: u64, access: Access) -> Result<u64, UserError> {
        if va >= USER_END {
            return Err(Efault);
        }
        if let Some(pa) = self.mapped(va, access) {
            return Ok(pa);
        }
        let resolved = match fault::resolve(self.space, &mut self.vm, self.regions, va, access) {
            Ok(resolved) => resolved,
            Err(Unresolved::Wait(wait)) => return Err(UserError::Wait(wait)),
            Err(_) => return Err(Efault),
        };
        (self.on_resolved)(va, access, resolved);
        self.mapped(va, access).ok_or(Efault)
    }

    /// The physical address of `va` if its page is mapped and allows
    /// `access`; marks it accessed (and dirty, for a store).
    fn mapped(&mut self, va: u64, access: Access) -> Option<u64> {
        let (slot, entry) = self.space.lookup(self.vm.mem, va)?;
        if !fault::permits(entry, access) {
            return None;
        }
        let marks = if access == Access::Store { pte::A | pte::D } else { pte::A };
        if entry & marks != marks {
            AddressSpace::set_entry(self.vm.mem, slot, entry | marks);
        }
        Some(pte::address(entry) + (va & (PAGE - 1)))
    }

    /// Splits `[va, va + len)` into per-page pieces: (address, offset in
    /// the buffer, length). Fails if the range wraps or leaves user space.
    fn pieces(va: u64, len: usize) -> Result<impl Iterator<Item = (u64, usize, usize)>, UserError> {
        let end = va.checked_add(len as u64).ok_or(Efault)?;
        if end > USER_END {
            return Err(Efault);
        }
        let mut at = va;
        Ok(core::iter::from_fn(move || {
            (at < end).then(|| {
                let n = (PAGE - (at & (PAGE - 1))).min(end - at) as usize;
                let piece = (at, (at - va) as usize, n);
                at += n as u64;
                piece
            })
        }))
    }

    /// Copies `buf.len()` bytes from user address `va`.
    pub fn copy_in(&mut self, va: u64, buf: &mut [u8]) -> Result<(), UserError> {
        for (at, offset, n) in Self::pieces(va, buf.len())? {
            let pa = self.translate(at, Access::Load)?;
            self.vm.mem.read(pa, &mut buf[offset..offset + n]);
        }
        Ok(())
    }

    /// Copies `data` to user address `va` (breaking copy-on-write as a
    /// user store would).
    pub fn copy_out(&mut self, va: u64, data: &[u8]) -> Result<(), UserError> {
        // Check the whole range first, so that a bad range writes nothing.
        for (at, _, _) in Self::pieces(va, data.len())? {
            self.translate(at, Access::Store)?;
        }
        for (at, offset, n) in Self::pieces(va, data.len())? {
            let pa = self.translate(at, Access::Store)?;
            self.vm.mem.write(pa, &data[offset..offset + n]);
        }
        Ok(())
    }

    /// Reads a 64-bit little-endian word.
    pub fn read_u64(&mut self, va: u64) -> Result<u64, UserError> {
        let mut b = [0u8; 8];
        self.copy_in(va, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Writes a 64-bit little-endian word.
    pub fn write_u64(&mut self, va: u64, value: u64) -> Result<(), UserError> {
        self.copy_out(va, &value.to_le_bytes())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the
    /// NUL). A string that does not end within `max` bytes is `Efault`.
    pub fn read_cstr(&mut self, va: u64, max: usize) -> Result<Vec<u8>, UserError> {
        let mut out = Vec::new();
        let mut at = va;
        loop {
            let pa = self.translate(at, Access::Load)?;
            let n = (PAGE - (at & (PAGE - 1))) as usize;
            let mut chunk = alloc::vec![0u8; n];
            self.vm.mem.read(pa, &mut chunk);
            match chunk.iter().position(|&b| b == 0) {
                Some(end) => {
                    out.extend_from_slice(&chunk[..end]);
                    return if out.len() <= max { Ok(out) } else { Err(Efault) };
                }
                None => out.extend_from_slice(&chunk),
            }
            if out.len() > max {
                return Err(Efault);
            }
            at = at.checked_add(n as u64).ok_or(Efault)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::ForkMode;
    use crate::testmem::{KERNEL_ROOT, TestMemory, World};

    struct Fixture {
        w: World,
        space: AddressSpace,
    }

    fn fixture() -> Fixture {
        let mut w = World::new(64);
        let mut space = w.space();
        for (va, flags) in [(0x1_0000, pte::R | pte::X), (0x2_0000, pte::R | pte::W), (0x2_1000, pte::R | pte::W)] {
            let pa = w.page(&mut space, va, flags, 0);
            w.mem.zero_page(pa);
        }
        Fixture { w, space }
    }

    fn with<T>(f: &mut Fixture, regions: &[DemandRegion], op: impl FnOnce(&mut UserMemory<TestMemory>) -> T) -> T {
        let mut ignore = |_, _, _| {};
        let mut user = UserMemory { space: &mut f.space, vm: f.w.vm(), regions, on_resolved: &mut ignore };
        op(&mut user)
    }

    #[test]
    fn access_ok_accepts_ranges_inside_user_space_only() {
        assert_eq!(access_ok(0x1_0000, 16), Ok(()));
        assert_eq!(access_ok(0, 0), Ok(()));
        assert_eq!(access_ok(USER_END - 16, 16), Ok(()));
        assert_eq!(access_ok(USER_END - 16, 17), Err(Efault));
        assert_eq!(access_ok(0x1_0000, 0x7f_ffff_ffff), Err(Efault));
        assert_eq!(access_ok(USER_END, 0), Ok(()));
        assert_eq!(access_ok(USER_END + 1, 0), Err(Efault));
        assert_eq!(access_ok(u64::MAX - 7, 16), Err(Efault));
    }

    #[test]
    fn copies_across_a_page_boundary() {
        let mut f = fixture();
        let data: Vec<u8> = (0..100).collect();
        assert_eq!(with(&mut f, &[], |u| u.copy_out(0x2_0fd0, &data)), Ok(()));
        let mut back = [0u8; 100];
        assert_eq!(with(&mut f, &[], |u| u.copy_in(0x2_0fd0, &mut back)), Ok(()));
        assert_eq!(&back[..], &data[..]);
    }

    #[test]
    fn bad_pointers_are_efault_and_write_nothing() {
        let mut f = fixture();
        let mut buf = [0u8; 8];
        for va in [0, 0x5000, 0x8000_0000, u64::MAX - 3, 0xffff_ffc0_0000_0000] {
            assert_eq!(with(&mut f, &[], |u| u.copy_in(va, &mut buf)), Err(Efault), "{va:#x}");
        }
        assert_eq!(with(&mut f, &[], |u| u.copy_out(0x1_0000, b"x")), Err(Efault), "text is read-only");
        // Starts in a writable page, runs into an unmapped one: nothing written.
        assert_eq!(with(&mut f, &[], |u| u.copy_out(0x2_1ffc, b"12345678")), Err(Efault));
        assert_eq!(with(&mut f, &[], |u| u.read_u64(0x2_1ff8)), Ok(0));
        assert_eq!(with(&mut f, &[], |u| u.copy_in(0x7fff_fffc, &mut buf)), Err(Efault), "crosses into the kernel");
    }

    #[test]
    fn kernel_writes_break_copy_on_write() {
        let mut f = fixture();
        let (mut child, _) = f.space.fork(&mut f.w.vm(), KERNEL_ROOT, ForkMode::CopyOnWrite).unwrap();
        let parent_frame = pte::address(f.space.lookup(&f.w.mem, 0x2_0000).unwrap().1);
        let mut events = Vec::new();
        let mut record = |va, _, r| events.push((va, r));
        let mut user = UserMemory { space: &mut child, vm: f.w.vm(), regions: &[], on_resolved: &mut record };
        user.write_u64(0x2_0010, 42).unwrap();
        assert_eq!(events.len(), 1);
        assert!(matches!(events[0], (0x2_0010, Resolved::CowCopied { old, .. }) if old == parent_frame));
        assert_eq!(f.w.mem.read_u64(parent_frame + 0x10), 0, "the parent's page is untouched");
        assert_eq!(f.w.stats.cow_copies, 1);
    }

    #[test]
    fn strings_and_demand_pages() {
        let mut f = fixture();
        with(&mut f, &[], |u| u.copy_out(0x2_0ffc, b"hello\0")).unwrap();
        assert_eq!(with(&mut f, &[], |u| u.read_cstr(0x2_0ffc, 16)), Ok(b"hello".to_vec()));
        assert_eq!(with(&mut f, &[], |u| u.read_cstr(0x2_0ffc, 3)), Err(Efault), "too long");
        let stack = [DemandRegion::zero(0x7000_0000, 0x7001_0000, pte::R | pte::W)];
        assert_eq!(with(&mut f, &stack, |u| u.write_u64(0x7000_8000, 7)), Ok(()));
        assert_eq!(with(&mut f, &stack, |u| u.read_u64(0x7000_8000)), Ok(7));
        assert_eq!(f.w.stats.demand_zero, 1);
    }
}
