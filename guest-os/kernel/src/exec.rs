//! execve: replaces a process's program. The new address space is built
//! completely before the old one is freed, so a failure leaves the caller
//! as it was. Only the program's writable pages are loaded here; its text
//! and rodata come from the shared pages table on first touch (unless the
//! boot argument `share=off` says to load every page privately).

use alloc::string::String;
use alloc::vec;

use rvsim_kernel_core::exec::{self, ExecError};
use rvsim_kernel_core::region::{DemandRegion, SharedImage};
use rvsim_kernel_core::space::AddressSpace;
use rvsim_kernel_core::uaccess::UserMemory;

use crate::config;
use crate::errno::{E2BIG, ENOENT, ENOEXEC, ENOMEM, Errno};
use crate::images::{self, ImageError};
use crate::proc::{self, Proc};
use crate::trap::{TrapFrame, reg};
use crate::vmm::{self, Vmm};

/// The errno for an exec failure.
pub fn errno(e: ExecError) -> Errno {
    match e {
        ExecError::NotExecutable | ExecError::BadSegment => ENOEXEC,
        ExecError::OutOfMemory => ENOMEM,
        ExecError::ArgumentsTooLong => E2BIG,
    }
}

/// The errno for an image that cannot be had.
pub fn image_errno(e: ImageError) -> Errno {
    match e {
        ImageError::NotFound => ENOENT,
        ImageError::Exec(e) => errno(e),
    }
}

/// Loads program `name` into `p` with arguments and environment.
pub fn exec(p: &mut Proc, name: &str, args: &[&[u8]], env: &[&[u8]]) -> Result<(), Errno> {
    let image = images::find(name).map_err(image_errno)?;
    let share = config().share;
    let regions =
        if share { vec![exec::stack_region(), DemandRegion::image(image)] } else { vec![exec::stack_region()] };
    let (space, sp) = vmm::with(|k| build(k, image, &regions, args, env))?;
    // Commit: run on the kernel's table while the old space goes away.
    proc::use_kernel_space();
    vmm::with(|k| {
        proc::detach_all(p, k);
        if let Some(old) = p.space.replace(space) {
            old.destroy(&mut k.vm());
        }
    });
    proc::flush_asid(p.asid());
    let kernel_sp = p.frame.kernel_sp;
    p.frame = TrapFrame { kernel_sp, epc: image.plan.entry, ..TrapFrame::ZERO };
    p.frame.regs[reg::SP] = sp;
    p.regions = regions;
    p.brk_start = image.plan.brk;
    p.brk = image.plan.brk;
    p.name = String::from(image.name);
    Ok(())
}

/// A new address space holding `image`'s private pages and the initial
/// stack; returns it and the stack pointer. On failure nothing is left.
fn build(
    k: &mut Vmm,
    image: &SharedImage<'static>,
    regions: &[DemandRegion<'static>],
    args: &[&[u8]],
    env: &[&[u8]],
) -> Result<(AddressSpace, u64), Errno> {
    let share = config().share;
    let mut space = AddressSpace::new(&mut k.frames, &mut k.mem, config().kernel_root).map_err(|_| ENOMEM)?;
    let built = exec::load(&mut space, &mut k.frames, &mut k.mem, image, share).and_then(|_| {
        let mut ignore = |_, _, _| {};
        let mut user = UserMemory { space: &mut space, vm: k.vm(), regions, on_resolved: &mut ignore };
        exec::initial_stack(&mut user, image.plan.entry, args, env)
    });
    match built {
        Ok(sp) => Ok((space, sp)),
        Err(e) => {
            space.destroy(&mut k.vm());
            Err(errno(e))
        }
    }
}
