//! execve: replaces a process's program. The new address space is built
//! completely before the old one is freed, so a failure leaves the caller
//! as it was.

use alloc::string::String;

use rvsim_kernel_core::exec::{self, ExecError};
use rvsim_kernel_core::space::AddressSpace;
use rvsim_kernel_core::uaccess::UserMemory;

use crate::errno::{E2BIG, ENOENT, ENOEXEC, ENOMEM, Errno};
use crate::memory::KernelMemory;
use crate::proc::{self, Proc};
use crate::trap::{TrapFrame, reg};
use crate::{initrd, kernel};

fn errno(e: ExecError) -> Errno {
    match e {
        ExecError::NotExecutable | ExecError::BadSegment => ENOEXEC,
        ExecError::OutOfMemory => ENOMEM,
        ExecError::ArgumentsTooLong => E2BIG,
    }
}

/// Loads program `name` into `p` with arguments and environment.
pub fn exec(p: &mut Proc, name: &str, args: &[&[u8]], env: &[&[u8]]) -> Result<(), Errno> {
    let image = initrd::find(name).ok_or(ENOENT)?;
    let plan = exec::plan(image).map_err(errno)?;
    let k = kernel();
    let mut space = AddressSpace::new(&mut k.frames, &mut KernelMemory, k.kernel_root).map_err(|_| ENOMEM)?;
    let regions = exec::regions(plan.brk, plan.brk);
    let built = exec::load(&mut space, &mut k.frames, &mut KernelMemory, &plan, image).and_then(|_| {
        let mut ignore = |_, _| {};
        let mut user = UserMemory {
            space: &mut space,
            frames: &mut k.frames,
            mem: &mut KernelMemory,
            regions: &regions,
            stats: &mut k.stats,
            on_resolved: &mut ignore,
        };
        exec::initial_stack(&mut user, plan.entry, args, env)
    });
    let sp = match built {
        Ok(sp) => sp,
        Err(e) => {
            space.destroy(&mut k.frames, &mut KernelMemory);
            return Err(errno(e));
        }
    };
    // Commit: run on the kernel's table while the old space goes away.
    proc::use_kernel_space();
    if let Some(old) = p.space.replace(space) {
        old.destroy(&mut k.frames, &mut KernelMemory);
    }
    proc::flush_asid(p.asid());
    let kernel_sp = p.frame.kernel_sp;
    p.frame = TrapFrame { kernel_sp, epc: plan.entry, ..TrapFrame::ZERO };
    p.frame.regs[reg::SP] = sp;
    p.brk_start = plan.brk;
    p.brk = plan.brk;
    p.name = String::from(name.trim_start_matches("./").trim_start_matches('/'));
    Ok(())
}
