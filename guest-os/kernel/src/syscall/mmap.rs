//! mmap, munmap and madvise. Core's `mapping.rs` checks the requests and
//! says where they go; this file adds and cuts the caller's regions and
//! shared-memory attachments, whose pages then appear on first touch.

use rvsim_abi::ipc::IPC_PRIVATE;
use rvsim_kernel_core::initrd_fs::{Device, Node};
use rvsim_kernel_core::mapping::{self, MapError, MapRequest, Sharing};
use rvsim_kernel_core::protect::{PROT_READ, PROT_WRITE, ProtectError, entry_bits};
use rvsim_kernel_core::region::{Backing, DemandRegion};
use rvsim_kernel_core::shm::Caller;
use rvsim_kernel_core::space::USER_END;
use rvsim_kernel_core::{PAGE, pte};

use super::files::{self, File};
use crate::errno::{EACCES, EBADF, EEXIST, EINVAL, ENODEV, ENOMEM, EOPNOTSUPP, Errno};
use crate::exec::HEAP_REGION;
use crate::proc::{self, Attachment, Proc};
use crate::vmlog;
use crate::vmm::Vmm;

/// Linux's `shmget` flags for the segment behind a shared anonymous
/// mapping: created, owner read-write.
const ANON_SEGMENT_FLAGS: u32 = 0o1000 | 0o600;

fn errno(e: MapError) -> Errno {
    match e {
        MapError::Invalid => EINVAL,
        MapError::NotSupported => EOPNOTSUPP,
        MapError::NoMemory => ENOMEM,
        MapError::Exists => EEXIST,
    }
}

/// mmap(addr, len, prot, flags, fd, offset): returns the mapping's
/// address.
pub fn mmap(addr: u64, len: u64, prot: u64, flags: u64, fd: u64, offset: u64) -> Result<u64, Errno> {
    let req = mapping::parse(addr, len, prot, flags, offset, USER_END).map_err(errno)?;
    let file = if req.anonymous { None } else { file_bytes(fd, &req)? };
    let start = proc::with_current_vm(|p, k| map(p, k, &req, file))?;
    vmlog::mmap(proc::current_pid(), start, req.pages, prot, file.is_some(), req.sharing == Sharing::Shared);
    Ok(start)
}

/// The bytes a file mapping of `fd` maps: an initrd file's, or `None`
/// for `/dev/zero` (an anonymous mapping). The file system is read-only,
/// so a shared mapping of a file cannot be written (EACCES) and is
/// otherwise the same as a private one.
fn file_bytes(fd: u64, req: &MapRequest) -> Result<Option<(&'static str, &'static [u8])>, Errno> {
    let open = files::open_file(fd).map_err(|_| EBADF)?;
    if !open.mode.reads() {
        return Err(EACCES);
    }
    match open.file {
        File::Node(Node::File(..)) if req.sharing == Sharing::Shared && req.prot & PROT_WRITE != 0 => Err(EACCES),
        File::Node(Node::File(name, bytes)) => Ok(Some((name, bytes))),
        File::Node(Node::Device(Device::Zero)) => Ok(None),
        _ => Err(ENODEV),
    }
}

/// Adds the mapping `req` asks for to `p` (of `file`'s bytes, if given);
/// returns its address.
fn map(p: &mut Proc, k: &mut Vmm, req: &MapRequest, file: Option<(&'static str, &'static [u8])>) -> Result<u64, Errno> {
    let (start, replace) = mapping::place(req, |s, e| p.is_free(s, e), |len| p.choose_free(len)).map_err(errno)?;
    let end = start + req.pages * PAGE;
    if replace {
        unmap(p, k, start, end, true)?;
    }
    // PROT_NONE pages keep a leaf's R until mprotect gives them more.
    let flags = entry_bits(req.prot) & (pte::R | pte::W | pte::X);
    let natural = match (req.sharing, file) {
        (_, Some(file)) => {
            p.regions.push(DemandRegion::file(start, req.pages, flags, file, req.offset));
            req.prot
        }
        (Sharing::Private, None) => {
            p.regions.push(DemandRegion::zero(start, end, flags));
            req.prot
        }
        (Sharing::Shared, None) => {
            map_shared_anonymous(p, k, start, req.pages)?;
            PROT_READ | PROT_WRITE
        }
    };
    if req.prot != natural || req.prot == 0 {
        let space = p.space.as_mut().expect("a user process has an address space");
        let done = space.protect(&mut k.vm(), &p.regions, start, end - start, req.prot);
        debug_assert_eq!(done, Ok::<(), ProtectError>(()), "a new mapping takes any protection");
    }
    Ok(start)
}

/// A shared anonymous mapping of `pages` pages at `start`: a new
/// segment, removed at once so that it goes with its last attachment,
/// attached read-write. Fork hands it on as it does any attachment.
fn map_shared_anonymous(p: &mut Proc, k: &mut Vmm, start: u64, pages: u64) -> Result<(), Errno> {
    let caller = Caller { pid: p.pid, now: crate::time::seconds() };
    let id = k.shm.get(IPC_PRIVATE, pages * PAGE, ANON_SEGMENT_FLAGS, caller, &mut k.pager.commit);
    let id = id.map_err(|_| ENOMEM)?;
    let attached = k.shm.attach(id, false, caller);
    debug_assert!(attached.is_ok(), "the owner may attach a new segment");
    let _ = k.shm.remove(id, caller, &mut k.frames, &mut k.pager);
    p.attachments.push(Attachment { start, pages, id, first: 0, mapped: true });
    p.regions.push(DemandRegion::shm(start, pages, id, true));
    Ok(())
}

/// munmap(addr, len).
pub fn munmap(addr: u64, len: u64) -> Result<u64, Errno> {
    let (start, end) = mapping::range(addr, len, USER_END).map_err(errno)?;
    proc::with_current_vm(|p, k| unmap(p, k, start, end, false))?;
    vmlog::munmap(proc::current_pid(), start, (end - start) / PAGE);
    Ok(0)
}

/// Whether region `i` of a process is one the program's layout fixes
/// (its stack, heap and images), which unmapping empties of pages but
/// does not cut.
fn is_fixed(i: usize, r: &DemandRegion<'_>) -> bool {
    i <= HEAP_REGION || matches!(r.backing, Backing::Image(_))
}

/// Unmaps `[start, end)` of `p`: its pages go, and the mappings and
/// attachments there are cut. With `replacing` (MAP_FIXED), a range
/// touching the stack, heap or an image is refused (ENOMEM) instead.
fn unmap(p: &mut Proc, k: &mut Vmm, start: u64, end: u64, replacing: bool) -> Result<u64, Errno> {
    if replacing && p.regions.iter().enumerate().any(|(i, r)| is_fixed(i, r) && r.overlaps(start, end)) {
        return Err(ENOMEM);
    }
    let asid = p.asid();
    let space = p.space.as_mut().expect("a user process has an address space");
    space.unmap_range(&mut k.vm(), start, (end - start) / PAGE);
    proc::flush_asid(asid);
    let regions = core::mem::take(&mut p.regions);
    for (i, r) in regions.iter().enumerate() {
        if is_fixed(i, r) || !r.overlaps(start, end) {
            p.regions.push(*r);
        } else {
            p.regions.extend(r.cut(start, end));
        }
    }
    cut_attachments(p, k, start, end);
    Ok(0)
}

/// Cuts `[start, end)` out of `p`'s attachments: one cut away entirely is
/// detached, one cut in two counts as two attachments.
fn cut_attachments(p: &mut Proc, k: &mut Vmm, start: u64, end: u64) {
    let caller = Caller { pid: p.pid, now: crate::time::seconds() };
    for a in core::mem::take(&mut p.attachments) {
        if a.end() <= start || end <= a.start {
            p.attachments.push(a);
            continue;
        }
        let before = p.attachments.len();
        p.attachments.extend(a.cut(start, end));
        match p.attachments.len() - before {
            0 => {
                k.shm.detach(a.id, caller, &mut k.frames, &mut k.pager);
                vmlog::detach(p.pid, a.id, a.start);
            }
            2 => k.shm.inherit(a.id),
            _ => {}
        }
    }
}

/// madvise(addr, len, advice): MADV_DONTNEED and MADV_FREE drop the
/// pages of anonymous and file mappings (they come back zero-filled, or
/// as the file's, on the next touch; shared ones keep their contents in
/// their segment); the other advice Linux takes is only a hint here.
pub fn madvise(addr: u64, len: u64, advice: u64) -> Result<u64, Errno> {
    let (start, end) = mapping::range(addr, len, USER_END).map_err(errno)?;
    match advice {
        MADV_DONTNEED | MADV_FREE => proc::with_current_vm(|p, k| drop_pages(p, k, start, end)),
        MADV_NORMAL..=MADV_WILLNEED | MADV_DONTFORK..=MADV_DODUMP | MADV_COLD | MADV_PAGEOUT => {
            proc::with_current(|p| mapped(p, start, end))
        }
        _ => Err(EINVAL),
    }
}

const MADV_NORMAL: u64 = 0;
const MADV_WILLNEED: u64 = 3;
const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;
const MADV_DONTFORK: u64 = 10;
const MADV_DODUMP: u64 = 17;
const MADV_COLD: u64 = 20;
const MADV_PAGEOUT: u64 = 21;

/// Whether every page of `[start, end)` lies in one of `p`'s regions
/// (else ENOMEM, as Linux's madvise says of unmapped ranges).
fn mapped(p: &Proc, start: u64, end: u64) -> Result<u64, Errno> {
    let mut va = start;
    while va < end {
        let r = p.regions.iter().find(|r| r.contains(va)).ok_or(ENOMEM)?;
        va = r.end;
    }
    Ok(0)
}

/// MADV_DONTNEED: unmaps the pages of `[start, end)` that a first touch
/// can make again (not an image's: its data pages are the process's own).
fn drop_pages(p: &mut Proc, k: &mut Vmm, start: u64, end: u64) -> Result<u64, Errno> {
    mapped(p, start, end)?;
    let asid = p.asid();
    let space = p.space.as_mut().expect("a user process has an address space");
    for r in p.regions.iter().filter(|r| r.overlaps(start, end) && !matches!(r.backing, Backing::Image(_))) {
        let (from, to) = (r.start.max(start), r.end.min(end));
        space.drop_range(&mut k.vm(), from, (to - from) / PAGE);
    }
    proc::flush_asid(asid);
    Ok(0)
}
