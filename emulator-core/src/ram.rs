//! Guest RAM: one zero-filled host allocation, read and written as
//! little-endian words.

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::ptr::NonNull;

/// A contiguous block of guest physical memory.
///
/// Allocated with `alloc_zeroed` at the allocator's ordinary alignment (for
/// a block this large, `calloc` maps fresh zero pages), so the host
/// commits pages only when the guest touches them: a large `--memory`
/// costs nothing up front. Asking for page alignment instead would make
/// the allocator zero every byte itself. The start is aligned to 4 KiB by
/// hand, as the host fast path needs. All access goes through the raw
/// pointer, which stays valid for the life of the `Ram`.
pub struct Ram {
    ptr: NonNull<u8>,
    len: usize,
    base: u64,
    /// The allocation, which starts up to [`HOST_PAGE`] bytes before `ptr`.
    allocation: NonNull<u8>,
}

/// Alignment of RAM on the host.
const HOST_PAGE: usize = 4096;

// SAFETY: `Ram` owns its allocation exclusively; moving it to another
// thread moves that ownership.
unsafe impl Send for Ram {}

impl Ram {
    /// Allocates `size` bytes of zeroed RAM at guest physical `base`.
    /// `size` must be a non-zero multiple of 8.
    pub fn new(base: u64, size: u64) -> Result<Ram, String> {
        let len = usize::try_from(size).map_err(|_| format!("{size} bytes of RAM do not fit this host"))?;
        if len == 0 || len % 8 != 0 {
            return Err(format!("RAM size {size} is not a non-zero multiple of 8 bytes"));
        }
        let layout = Ram::layout(len)?;
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc_zeroed(layout) };
        let allocation = NonNull::new(raw).ok_or_else(|| format!("cannot allocate {} MiB of guest RAM", size >> 20))?;
        let skip = raw.align_offset(HOST_PAGE);
        // SAFETY: the allocation has HOST_PAGE bytes more than `len`, so the
        // aligned start and `len` bytes after it lie inside it.
        let ptr = unsafe { allocation.add(skip) };
        Ok(Ram { ptr, len, base, allocation })
    }

    fn layout(len: usize) -> Result<Layout, String> {
        let padded = len.checked_add(HOST_PAGE).ok_or("RAM size too large")?;
        Layout::from_size_align(padded, 16).map_err(|e| e.to_string())
    }

    /// Guest physical address of the first byte.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.len as u64
    }

    /// One past the last guest physical address.
    pub fn end(&self) -> u64 {
        self.base + self.len as u64
    }

    /// Offset of `[pa, pa + len)` inside RAM, if it lies wholly inside.
    #[inline(always)]
    pub fn offset_of(&self, pa: u64, len: u64) -> Option<usize> {
        let offset = pa.wrapping_sub(self.base);
        (offset <= self.len as u64 && len <= self.len as u64 - offset).then_some(offset as usize)
    }

    /// Reads `N` bytes (1, 2, 4 or 8) at `pa`, zero-extended; `None`
    /// outside RAM.
    #[inline(always)]
    pub fn read<const N: usize>(&self, pa: u64) -> Option<u64> {
        let offset = pa.wrapping_sub(self.base);
        if offset > (self.len - N) as u64 {
            return None;
        }
        // SAFETY: offset + N <= len, checked above.
        Some(unsafe { read_host::<N>(self.host_address(offset as usize)) })
    }

    /// Writes the low `N` bytes of `value` at `pa`; false outside RAM.
    #[inline(always)]
    pub fn write<const N: usize>(&mut self, pa: u64, value: u64) -> bool {
        let offset = pa.wrapping_sub(self.base);
        if offset > (self.len - N) as u64 {
            return false;
        }
        // SAFETY: offset + N <= len, checked above.
        unsafe { write_host::<N>(self.host_address(offset as usize), value) };
        true
    }

    /// Host address of the byte at `offset` (from [`Ram::offset_of`]).
    #[inline]
    pub fn host_address(&self, offset: usize) -> usize {
        self.ptr.as_ptr() as usize + offset
    }

    /// Guest physical address of host address `host` (inside RAM).
    #[inline]
    pub fn guest_address(&self, host: usize) -> u64 {
        self.base + (host - self.ptr.as_ptr() as usize) as u64
    }

    /// The bytes `[pa, pa + len)`, if inside RAM.
    pub fn slice(&self, pa: u64, len: u64) -> Option<&[u8]> {
        let offset = self.offset_of(pa, len)?;
        // SAFETY: the range is inside the allocation; the shared borrow of
        // self prevents writes while the slice lives.
        Some(unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(offset), len as usize) })
    }

    /// The bytes `[pa, pa + len)` for writing, if inside RAM.
    pub fn slice_mut(&mut self, pa: u64, len: u64) -> Option<&mut [u8]> {
        let offset = self.offset_of(pa, len)?;
        // SAFETY: as for `slice`, with an exclusive borrow.
        Some(unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().add(offset), len as usize) })
    }
}

/// Reads `N` bytes at a host address inside a live `Ram`.
///
/// # Safety
/// `addr..addr + N` must lie inside the allocation of a `Ram` that is
/// alive and not borrowed mutably elsewhere.
#[inline(always)]
pub unsafe fn read_host<const N: usize>(addr: usize) -> u64 {
    let p = addr as *const u8;
    // SAFETY: guaranteed by the caller.
    unsafe {
        match N {
            1 => *p as u64,
            2 => u16::from_le(p.cast::<u16>().read_unaligned()) as u64,
            4 => u32::from_le(p.cast::<u32>().read_unaligned()) as u64,
            _ => u64::from_le(p.cast::<u64>().read_unaligned()),
        }
    }
}

/// Writes the low `N` bytes of `value` at a host address inside a live
/// `Ram`.
///
/// # Safety
/// As for [`read_host`].
#[inline(always)]
pub unsafe fn write_host<const N: usize>(addr: usize, value: u64) {
    let p = addr as *mut u8;
    // SAFETY: guaranteed by the caller.
    unsafe {
        match N {
            1 => *p = value as u8,
            2 => p.cast::<u16>().write_unaligned((value as u16).to_le()),
            4 => p.cast::<u32>().write_unaligned((value as u32).to_le()),
            _ => p.cast::<u64>().write_unaligned(value.to_le()),
        }
    }
}

impl Drop for Ram {
    fn drop(&mut self) {
        if let Ok(layout) = Ram::layout(self.len) {
            // SAFETY: allocated in `new` with this layout.
            unsafe { dealloc(self.allocation.as_ptr(), layout) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_little_endian_words() {
        let mut ram = Ram::new(0x8000_0000, 4096).unwrap();
        assert!(ram.write::<8>(0x8000_0008, 0x1122_3344_5566_7788));
        assert_eq!(ram.read::<1>(0x8000_0008), Some(0x88));
        assert_eq!(ram.read::<2>(0x8000_000e), Some(0x1122));
        assert_eq!(ram.read::<4>(0x8000_000c), Some(0x1122_3344));
        assert_eq!(ram.read::<8>(0x8000_0008), Some(0x1122_3344_5566_7788));
    }

    #[test]
    fn refuses_accesses_that_leave_ram() {
        let mut ram = Ram::new(0x8000_0000, 4096).unwrap();
        assert_eq!(ram.read::<8>(0x8000_0ff8), Some(0));
        assert_eq!(ram.read::<8>(0x8000_0ffc), None);
        assert_eq!(ram.read::<1>(0x7fff_ffff), None);
        assert_eq!(ram.read::<1>(0x8000_1000), None);
        assert!(!ram.write::<4>(0x8000_0ffe, 1));
        assert_eq!(ram.read::<2>(u64::MAX), None);
        assert!(ram.slice(0x8000_0ff0, 0x20).is_none());
        assert_eq!(ram.slice(0x8000_0ff0, 0x10).map(|s| s.len()), Some(0x10));
    }
}
