//! execve: replaces a process's program. The new address space is built
//! completely before the old one is freed, so a failure leaves the caller
//! as it was. Only the program's writable pages are loaded here; its text
//! and rodata come from the shared pages table on first touch (unless the
//! boot argument `share=off` says to load every page privately), at the
//! program's link address: its image's placement, which exec takes a hold
//! on (refused with ETXTBSY while a process has the image bound
//! elsewhere).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rvsim_kernel_core::exec::{self, ExecError};
use rvsim_kernel_core::pte;
use rvsim_kernel_core::region::{DemandRegion, SharedImage};
use rvsim_kernel_core::space::AddressSpace;
use rvsim_kernel_core::uaccess::UserMemory;

use crate::config;
use crate::errno::{E2BIG, ENOENT, ENOEXEC, ENOMEM, ETXTBSY, Errno};
use crate::images::{self, ImageError};
use crate::proc::{self, Proc};
use crate::trap::{TrapFrame, reg};
use crate::vmm::{self, Vmm};
use crate::{kprintln, placement, vmwait};

/// The errno for an exec failure.
pub fn errno(e: ExecError) -> Errno {
    match e {
        ExecError::NotExecutable | ExecError::BadSegment => ENOEXEC,
        ExecError::OutOfMemory | ExecError::NoFrame => ENOMEM,
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

/// The regions of a process running `image`: the stack, the heap (empty
/// until brk), then the image's shared pages (unless `share=off`).
pub const HEAP_REGION: usize = 1;

/// A program ready to replace a process's: its new address space, the
/// stack pointer, its regions and image.
pub struct Prepared {
    image: &'static SharedImage<'static>,
    space: AddressSpace,
    sp: u64,
    regions: Vec<DemandRegion<'static>>,
}

/// Builds the address space for program `name` with arguments and
/// environment, reclaiming frames and trying again when they run out.
/// Nothing is borrowed while it runs; the caller commits the result.
pub fn prepare(name: &str, args: &[&[u8]], env: &[&[u8]]) -> Result<Prepared, Errno> {
    let image = images::find(name).map_err(image_errno)?;
    let brk = image.plan.brk;
    let mut regions = vec![exec::stack_region(), DemandRegion::zero(brk, brk, pte::R | pte::W)];
    if config().share {
        vmm::with(|k| hold(k, image))?;
        regions.push(DemandRegion::image(image));
    }
    // Where signal handlers return (see `proc/signals.rs`).
    let sigreturn = images::sigreturn();
    vmm::with(|k| hold(k, sigreturn))?;
    regions.push(DemandRegion::image(sigreturn));
    loop {
        match vmm::with(|k| build(k, image, &regions, args, env)) {
            Ok((space, sp)) => return Ok(Prepared { image, space, sp, regions }),
            Err(ExecError::NoFrame) if vmwait::reclaim(8) > 0 => continue,
            Err(e) => {
                vmm::with(|k| placement::give_back(k, &regions));
                return Err(errno(e));
            }
        }
    }
}

/// Takes a hold on `image`'s placement at its link address; ETXTBSY, with
/// the reason in the kernel log, while it is bound elsewhere.
fn hold(k: &mut Vmm, image: &SharedImage<'static>) -> Result<(), Errno> {
    k.shared.place(image.id, image.link_base()).map_err(|elsewhere| {
        kprintln!(
            "[kernel] exec {} refused: its pages are bound at {:#x} in the shared pages table, not at its link address {:#x}",
            image.name,
            elsewhere.0,
            image.link_base()
        );
        ETXTBSY
    })
}

impl Prepared {
    /// Frees the prepared address space (the process it was for is gone).
    pub fn discard(self, k: &mut Vmm) {
        self.space.destroy(&mut k.vm());
        placement::give_back(k, &self.regions);
    }
}

/// Replaces `p`'s program with `prepared`: its old address space and
/// attachments go, and its holds on images' placements.
pub fn commit(p: &mut Proc, k: &mut Vmm, prepared: Prepared) {
    let Prepared { image, space, sp, regions } = prepared;
    // Run on the kernel's table while the old space goes away.
    proc::use_kernel_space();
    proc::detach_all(p, k);
    if let Some(old) = p.space.replace(space) {
        old.destroy(&mut k.vm());
    }
    proc::flush_asid(p.asid());
    let kernel_sp = p.frame.kernel_sp;
    p.frame = TrapFrame { kernel_sp, epc: image.plan.entry, ..TrapFrame::ZERO };
    p.frame.regs[reg::SP] = sp;
    let old = core::mem::replace(&mut p.regions, regions);
    placement::give_back(k, &old);
    p.brk_start = image.plan.brk;
    p.brk = image.plan.brk;
    p.name = String::from(image.name);
    // A new program starts with no FP state: FP off until it uses it.
    p.fp = None;
    crate::fpu::disable();
    // And with no thread bookkeeping of the old one's.
    p.clear_child_tid = 0;
    p.robust_list = 0;
    p.files.exec();
    // Handlers were the old program's; ignored signals stay ignored.
    p.signals.exec();
}

/// A new address space holding `image`'s private pages and the initial
/// stack; returns it and the stack pointer. On failure nothing is left.
fn build(
    k: &mut Vmm,
    image: &SharedImage<'static>,
    regions: &[DemandRegion<'static>],
    args: &[&[u8]],
    env: &[&[u8]],
) -> Result<(AddressSpace, u64), ExecError> {
    let share = config().share;
    let mut space =
        AddressSpace::new(&mut k.frames, &mut k.mem, config().kernel_root).map_err(|_| ExecError::NoFrame)?;
    space.set_heap(image.plan.brk, image.plan.brk);
    let built = exec::load(&mut space, &mut k.vm(), image, image.link_base(), share).and_then(|_| {
        let mut ignore = |_, _, _| {};
        let mut user = UserMemory { space: &mut space, vm: k.vm(), regions, on_resolved: &mut ignore };
        exec::initial_stack(&mut user, &image.plan, args, env)
    });
    match built {
        Ok(sp) => Ok((space, sp)),
        Err(e) => {
            space.destroy(&mut k.vm());
            Err(e)
        }
    }
}
