//! Memory accesses as the hart sees them: alignment, address translation,
//! then RAM (directly) or a device (through the bus), with the right
//! exception for each kind of failure.

use super::{Cpu, Exception};

/// The kind of a memory access; it selects the permission checked and the
/// exception raised on failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Instruction fetch.
    Fetch,
    /// Load (and LR).
    Load,
    /// Store, SC and AMO.
    Store,
}

impl Access {
    /// The access-fault exception for this kind of access.
    pub fn access_fault(self, addr: u64) -> Exception {
        match self {
            Access::Fetch => Exception::InstructionAccessFault(addr),
            Access::Load => Exception::LoadAccessFault(addr),
            Access::Store => Exception::StoreAccessFault(addr),
        }
    }

    /// The page-fault exception for this kind of access.
    pub fn page_fault(self, addr: u64) -> Exception {
        match self {
            Access::Fetch => Exception::InstructionPageFault(addr),
            Access::Load => Exception::LoadPageFault(addr),
            Access::Store => Exception::StorePageFault(addr),
        }
    }

    /// Short name used in traces and statistics.
    pub fn name(self) -> &'static str {
        match self {
            Access::Fetch => "fetch",
            Access::Load => "load",
            Access::Store => "store",
        }
    }
}

impl Cpu {
    /// Loads `N` bytes (1, 2, 4 or 8) from virtual address `va`,
    /// zero-extended. Misaligned accesses trap, as on QEMU.
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&mut self, va: u64) -> Result<u64, Exception> {
        if va & (N as u64 - 1) != 0 {
            return Err(Exception::LoadAddressMisaligned(va));
        }
        let pa = self.translate(va, Access::Load)?;
        match self.bus.ram.read::<N>(pa) {
            Some(v) => Ok(v),
            None => self.device_load(pa, N as u8).ok_or(Exception::LoadAccessFault(va)),
        }
    }

    /// Stores the low `N` bytes of `value` at virtual address `va`.
    #[inline(always)]
    pub(crate) fn store<const N: usize>(&mut self, va: u64, value: u64) -> Result<(), Exception> {
        if va & (N as u64 - 1) != 0 {
            return Err(Exception::StoreAddressMisaligned(va));
        }
        let pa = self.translate(va, Access::Store)?;
        if self.bus.store_ram::<N>(pa, value) {
            return Ok(());
        }
        self.device_store(pa, N as u8, value).ok_or(Exception::StoreAccessFault(va))
    }

    /// An atomic read-modify-write of `N` bytes at `va`: memory becomes
    /// `op(old)`, and `old` is returned. AMOs need RAM: devices do not
    /// support them and answer with an access fault.
    #[inline]
    pub(crate) fn amo<const N: usize>(&mut self, va: u64, op: impl FnOnce(u64) -> u64) -> Result<u64, Exception> {
        if va & (N as u64 - 1) != 0 {
            return Err(Exception::StoreAddressMisaligned(va));
        }
        let pa = self.translate(va, Access::Store)?;
        let old = self.bus.ram.read::<N>(pa).ok_or(Exception::StoreAccessFault(va))?;
        self.bus.store_ram::<N>(pa, op(old));
        Ok(old)
    }

    /// LR: a load that registers a reservation on the physical address.
    pub(crate) fn load_reserved<const N: usize>(&mut self, va: u64) -> Result<u64, Exception> {
        if va & (N as u64 - 1) != 0 {
            return Err(Exception::LoadAddressMisaligned(va));
        }
        let pa = self.translate(va, Access::Load)?;
        let value = self.bus.ram.read::<N>(pa).ok_or(Exception::LoadAccessFault(va))?;
        self.reservation = Some(pa);
        Ok(value)
    }

    /// SC: stores only if this hart holds a reservation on the address, and
    /// reports whether it did. Any SC ends the reservation, so a second SC
    /// fails. Without a reservation nothing is translated or accessed (as
    /// QEMU), but alignment is checked first, as the specification asks.
    pub(crate) fn store_conditional<const N: usize>(&mut self, va: u64, value: u64) -> Result<bool, Exception> {
        if va & (N as u64 - 1) != 0 {
            return Err(Exception::StoreAddressMisaligned(va));
        }
        let Some(reserved) = self.reservation.take() else {
            return Ok(false);
        };
        let pa = self.translate(va, Access::Store)?;
        if pa != reserved {
            return Ok(false);
        }
        if self.bus.store_ram::<N>(pa, value) { Ok(true) } else { Err(Exception::StoreAccessFault(va)) }
    }

    /// Fetches the instruction at `pc`: 16 bits, or 32 when the low bits
    /// say so. Only RAM holds code; the two halves of a 32-bit instruction
    /// may lie on different pages and fault separately.
    #[inline(always)]
    pub(crate) fn fetch(&mut self, pc: u64) -> Result<u32, Exception> {
        let pa = self.translate(pc, Access::Fetch)?;
        if pa & 0xfff <= 0xffc
            && let Some(word) = self.bus.ram.read::<4>(pa)
        {
            let word = word as u32;
            return Ok(if word & 3 == 3 { word } else { word & 0xffff });
        }
        let low = self.bus.ram.read::<2>(pa).ok_or(Exception::InstructionAccessFault(pc))? as u32;
        if low & 3 != 3 {
            return Ok(low);
        }
        let next = pc.wrapping_add(2);
        let pa = self.translate(next, Access::Fetch)?;
        let high = self.bus.ram.read::<2>(pa).ok_or(Exception::InstructionAccessFault(next))? as u32;
        Ok(low | (high << 16))
    }

    /// Translates virtual address `va` for an access of kind `access` in
    /// the current effective privilege mode.
    #[inline(always)]
    pub(crate) fn translate(&mut self, va: u64, _access: Access) -> Result<u64, Exception> {
        Ok(va)
    }

    fn device_load(&mut self, pa: u64, size: u8) -> Option<u64> {
        let ticks = self.ticks();
        let value = self.bus.device_read(pa, size, ticks);
        // Reading a device can change its interrupt state (a UART read
        // drains the receive FIFO).
        self.request_check();
        value
    }

    fn device_store(&mut self, pa: u64, size: u8, value: u64) -> Option<()> {
        let ticks = self.ticks();
        let done = self.bus.device_write(pa, size, value, ticks);
        self.request_check();
        done.then_some(())
    }
}
