//! mprotect: new permissions for a range of the caller's pages (core's
//! `protect.rs` does the work).

use rvsim_kernel_core::protect::ProtectError;

use crate::errno::{EACCES, EINVAL, ENOMEM, Errno};
use crate::proc;

/// mprotect(addr, len, prot).
pub fn mprotect(addr: u64, len: u64, prot: u64) -> Result<u64, Errno> {
    proc::with_current_vm(|p, vmm| {
        let space = p.space.as_mut().expect("a user process has an address space");
        match space.protect(&mut vmm.vm(), &p.regions, addr, len, prot) {
            Ok(()) => Ok(0),
            Err(ProtectError::Invalid) => Err(EINVAL),
            Err(ProtectError::NotMapped) => Err(ENOMEM),
            Err(ProtectError::Denied) => Err(EACCES),
        }
    })
}
