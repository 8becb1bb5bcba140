//! Files by descriptor: open, close, dup, fcntl, pipes, read, write, seek,
//! stat, directory listings and the current directory, over the initrd
//! seen as a read-only file system with `/dev` (core's `initrd_fs`) and
//! each process's descriptor table (core's `fd_table`).

use alloc::string::String;
use alloc::vec::Vec;

use rvsim_kernel_core::fd_table::{AccessMode, FdError, Shared};
use rvsim_kernel_core::initrd_fs::{self, Device, LookupError, Node, ProcFile};

use super::{efault, io, with_user};
use crate::errno::{EACCES, EBADF, EEXIST, EINVAL, EISDIR, EMFILE, ENOENT, ENOTDIR, ERANGE, EROFS, ESPIPE, Errno};
use crate::pipe::{self, PipeEnd};
use crate::{config, proc};

/// A file as processes hold it: a node of the file system, or an end of a
/// pipe.
pub enum File {
    /// A file, directory or device.
    Node(Node<'static>),
    /// A pipe's read or write end.
    Pipe(PipeEnd),
    /// A `/proc` file: its text as it was when it was opened.
    Text(ProcFile, Vec<u8>),
}

impl File {
    /// The node, if it is one.
    fn node(&self) -> Option<Node<'static>> {
        match self {
            File::Node(node) => Some(*node),
            File::Text(file, _) => Some(Node::Proc(*file)),
            File::Pipe(_) => None,
        }
    }

    /// The bytes of a file that has them: an initrd file's, or a `/proc`
    /// file's text.
    fn bytes(&self) -> Option<&[u8]> {
        match self {
            File::Node(Node::File(_, data)) => Some(data),
            File::Text(_, text) => Some(text),
            _ => None,
        }
    }
}

/// `openat`'s `AT_FDCWD`.
const AT_FDCWD: u64 = -100i64 as u64;
const O_ACCMODE: u64 = 3;
const O_CREAT: u64 = 0o100;
const O_EXCL: u64 = 0o200;
const O_TRUNC: u64 = 0o1000;
const O_DIRECTORY: u64 = 0o200_000;
const O_CLOEXEC: u64 = 0o2_000_000;
// The other flags (O_NOCTTY, O_APPEND, O_NONBLOCK, O_DSYNC, O_LARGEFILE,
// O_NOFOLLOW, O_NOATIME, O_SYNC, O_PATH) change nothing for these files,
// and unknown ones are ignored, as Linux does.
/// The longest path a call reads.
const PATH_MAX: usize = 4096;

fn fd_errno(e: FdError) -> Errno {
    match e {
        FdError::BadFd => EBADF,
        FdError::TooMany => EMFILE,
        FdError::Invalid => EINVAL,
    }
}

fn lookup_errno(e: LookupError) -> Errno {
    match e {
        LookupError::NotFound => ENOENT,
        LookupError::NotDir => ENOTDIR,
    }
}

/// The open file of the caller's descriptor `fd`.
pub fn open_file(fd: u64) -> Result<Shared<File>, Errno> {
    proc::with_process(|p| p.files.get(fd)).map_err(fd_errno)
}

/// Resolves the user path at `path` from `dirfd` (AT_FDCWD: the current
/// directory), following `/proc/self/exe` to the program.
fn resolve(dirfd: u64, path: u64) -> Result<Node<'static>, Errno> {
    Ok(follow(resolve_link(dirfd, path)?))
}

/// Resolves the user path at `path` from `dirfd` as [`resolve`] does, but
/// leaves a link (`/proc/self/exe`) unfollowed.
fn resolve_link(dirfd: u64, path: u64) -> Result<Node<'static>, Errno> {
    let path = efault(with_user(|u| u.read_cstr(path, PATH_MAX)))?;
    let base = if dirfd == AT_FDCWD || path.first() == Some(&b'/') {
        proc::with_process(|p| p.cwd)
    } else {
        open_file(dirfd)?.file.node().filter(Node::is_dir).ok_or(ENOTDIR)?
    };
    initrd_fs::resolve(config().initrd, base, &path).map_err(lookup_errno)
}

/// `node`, or where it leads if it is a link (`/proc/self/exe`: the
/// program the caller runs).
fn follow(node: Node<'static>) -> Node<'static> {
    match node {
        Node::Proc(ProcFile::Exe) => {
            crate::initrd::find(&exe_path()).map_or(node, |(name, data)| Node::File(name, data))
        }
        _ => node,
    }
}

/// The path of the program the caller runs (what `/proc/self/exe` links
/// to).
pub fn exe_path() -> String {
    alloc::format!("/{}", proc::with_process(|p| p.name.clone()))
}

/// Whether the user path at `path` names `/proc/self/exe` (not followed).
pub fn names_exe(dirfd: u64, path: u64) -> Result<bool, Errno> {
    Ok(resolve_link(dirfd, path)? == Node::Proc(ProcFile::Exe))
}

/// openat(dirfd, path, flags, mode): files and directories read-only
/// (EROFS for anything that would write or create), devices as asked.
pub fn openat(dirfd: u64, path: u64, flags: u64, _mode: u64) -> Result<u64, Errno> {
    let mode = match flags & O_ACCMODE {
        0 => AccessMode::Read,
        1 => AccessMode::Write,
        2 => AccessMode::ReadWrite,
        _ => return Err(EINVAL),
    };
    let node = match resolve(dirfd, path) {
        Ok(node) => node,
        Err(ENOENT) if flags & O_CREAT != 0 => return Err(EROFS),
        Err(e) => return Err(e),
    };
    if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL {
        return Err(EEXIST);
    }
    match node {
        Node::Root | Node::DevDir if mode.writes() => return Err(EISDIR),
        Node::File(..) if flags & O_DIRECTORY != 0 => return Err(ENOTDIR),
        Node::File(..) if mode.writes() || flags & O_TRUNC != 0 => return Err(EROFS),
        Node::Device(_) | Node::Proc(_) if flags & O_DIRECTORY != 0 => return Err(ENOTDIR),
        Node::ProcDir | Node::ProcSelf if mode.writes() => return Err(EISDIR),
        Node::Proc(_) if mode.writes() => return Err(EACCES),
        Node::Proc(file) => {
            let text = File::Text(file, crate::procfs::text(file));
            return proc::with_process(|p| p.files.open(text, mode, flags & O_CLOEXEC != 0)).map_err(fd_errno);
        }
        _ => {}
    }
    proc::with_process(|p| p.files.open(File::Node(node), mode, flags & O_CLOEXEC != 0)).map_err(fd_errno)
}

/// pipe2(fds, flags): a pipe, its read end at `fds[0]` and its write end
/// at `fds[1]`; flags O_CLOEXEC or nothing.
pub fn pipe2(fds: u64, flags: u64) -> Result<u64, Errno> {
    if flags & !O_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    efault(rvsim_kernel_core::uaccess::access_ok(fds, 8))?;
    let (read_end, write_end) = pipe::new();
    let cloexec = flags != 0;
    let (r, w) = proc::with_process(|p| {
        let r = p.files.open(File::Pipe(read_end), AccessMode::Read, cloexec)?;
        match p.files.open(File::Pipe(write_end), AccessMode::Write, cloexec) {
            Ok(w) => Ok((r, w)),
            Err(e) => {
                let _ = p.files.close(r);
                Err(e)
            }
        }
    })
    .map_err(fd_errno)?;
    let mut bytes = [0u8; 8];
    bytes[..4].copy_from_slice(&(r as u32).to_le_bytes());
    bytes[4..].copy_from_slice(&(w as u32).to_le_bytes());
    if let Err(e) = efault(with_user(|u| u.copy_out(fds, &bytes))) {
        let _ = proc::with_current(|p| (p.files.close(r), p.files.close(w)));
        return Err(e);
    }
    Ok(0)
}

/// close(fd).
pub fn close(fd: u64) -> Result<u64, Errno> {
    proc::with_process(|p| p.files.close(fd)).map(|()| 0).map_err(fd_errno)
}

/// dup(fd).
pub fn dup(fd: u64) -> Result<u64, Errno> {
    proc::with_process(|p| p.files.dup(fd, 0, false)).map_err(fd_errno)
}

/// dup3(fd, new, flags): flags O_CLOEXEC or nothing.
pub fn dup3(fd: u64, new: u64, flags: u64) -> Result<u64, Errno> {
    if flags & !O_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    proc::with_process(|p| p.files.dup3(fd, new, flags != 0)).map_err(fd_errno)
}

const F_DUPFD: u64 = 0;
const F_GETFD: u64 = 1;
const F_SETFD: u64 = 2;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const F_DUPFD_CLOEXEC: u64 = 1030;
const FD_CLOEXEC: u64 = 1;

/// fcntl(fd, cmd, arg): duplication, the close-on-exec flag, and the
/// status flags (the access mode; none of the settable ones matters for
/// these files, so F_SETFL changes nothing).
pub fn fcntl(fd: u64, cmd: u64, arg: u64) -> Result<u64, Errno> {
    let min = usize::try_from(arg).unwrap_or(usize::MAX);
    proc::with_process(|p| match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => p.files.dup(fd, min, cmd == F_DUPFD_CLOEXEC).map_err(fd_errno),
        F_GETFD => p.files.close_on_exec(fd).map(|on| on as u64 * FD_CLOEXEC).map_err(fd_errno),
        F_SETFD => p.files.set_close_on_exec(fd, arg & FD_CLOEXEC != 0).map(|()| 0).map_err(fd_errno),
        F_GETFL => p.files.get(fd).map(|f| access_bits(f.mode)).map_err(fd_errno),
        F_SETFL => p.files.get(fd).map(|_| 0).map_err(fd_errno),
        _ => Err(EINVAL),
    })
}

/// O_RDONLY, O_WRONLY or O_RDWR.
fn access_bits(mode: AccessMode) -> u64 {
    match mode {
        AccessMode::Read => 0,
        AccessMode::Write => 1,
        AccessMode::ReadWrite => 2,
    }
}

/// read(fd, buf, count).
pub fn read(fd: u64, buf: u64, count: u64) -> Result<u64, Errno> {
    let file = open_file(fd)?;
    if !file.mode.reads() {
        return Err(EBADF);
    }
    let offset = file.offset();
    if let Some(data) = file.file.bytes() {
        let n = copy_file(data, offset, buf, count)?;
        file.set_offset(offset + n);
        return Ok(n);
    }
    let node = match &file.file {
        File::Pipe(end) => return end.read(buf, count),
        File::Node(node) => *node,
        File::Text(..) => return Ok(0),
    };
    match node {
        Node::Device(Device::Console) => io::console_read(buf, count),
        Node::Device(Device::Null) => Ok(0),
        Node::Device(Device::Zero) => io::zeros_out(buf, count),
        _ => Err(EISDIR),
    }
}

/// Copies the bytes of `data` from `offset` (at most `count`) to the user
/// buffer `buf`; returns how many.
fn copy_file(data: &[u8], offset: u64, buf: u64, count: u64) -> Result<u64, Errno> {
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(data.len());
    let end = start.saturating_add(usize::try_from(count).unwrap_or(usize::MAX)).min(data.len());
    efault(rvsim_kernel_core::uaccess::access_ok(buf, (end - start) as u64))?;
    efault(with_user(|u| u.copy_out(buf, &data[start..end])))?;
    Ok((end - start) as u64)
}

/// write(fd, buf, count).
pub fn write(fd: u64, buf: u64, count: u64) -> Result<u64, Errno> {
    let file = open_file(fd)?;
    if !file.mode.writes() {
        return Err(EBADF);
    }
    let node = match &file.file {
        File::Pipe(end) => return end.write(buf, count),
        File::Node(node) => *node,
        File::Text(..) => return Err(EBADF),
    };
    match node {
        Node::Device(Device::Console) => io::console_write(buf, count),
        Node::Device(Device::Null | Device::Zero) => Ok(count),
        _ => Err(EBADF),
    }
}

/// pread64(fd, buf, count, offset): a file at `offset`, which stays.
pub fn pread64(fd: u64, buf: u64, count: u64, offset: u64) -> Result<u64, Errno> {
    let file = open_file(fd)?;
    if !file.mode.reads() {
        return Err(EBADF);
    }
    if (offset as i64) < 0 {
        return Err(EINVAL);
    }
    if let Some(data) = file.file.bytes() {
        return copy_file(data, offset, buf, count);
    }
    match file.file.node().ok_or(ESPIPE)? {
        Node::Device(Device::Null) => Ok(0),
        Node::Device(Device::Zero) => io::zeros_out(buf, count),
        Node::Device(Device::Console) => Err(ESPIPE),
        _ => Err(EISDIR),
    }
}

/// lseek(fd, offset, whence): SEEK_SET, SEEK_CUR, SEEK_END on files and
/// directories (a directory's offset counts entries); the console is a
/// pipe-like device (ESPIPE); null and zero stay at 0.
pub fn lseek(fd: u64, offset: u64, whence: u64) -> Result<u64, Errno> {
    let f = open_file(fd)?;
    let node = f.file.node().ok_or(ESPIPE)?;
    let size = match (f.file.bytes(), node) {
        (Some(data), _) => data.len() as i64,
        (None, Node::Device(Device::Console)) => return Err(ESPIPE),
        (None, Node::Device(_)) => return Ok(0),
        (None, _) => initrd_fs::entries(config().initrd, node).len() as i64,
    };
    let base = match whence {
        0 => 0,
        1 => f.offset() as i64,
        2 => size,
        _ => return Err(EINVAL),
    };
    let new = base.checked_add(offset as i64).filter(|&n| n >= 0).ok_or(EINVAL)?;
    f.set_offset(new as u64);
    Ok(new as u64)
}

/// Size of `struct stat`.
const STAT_SIZE: usize = 128;

/// The `struct stat` of a pipe: a FIFO, read-write for its owner.
fn pipe_stat() -> [u8; STAT_SIZE] {
    let mut st = [0u8; STAT_SIZE];
    st[16..20].copy_from_slice(&0o010_600u32.to_le_bytes());
    st[20..24].copy_from_slice(&1u32.to_le_bytes());
    st[56..60].copy_from_slice(&4096u32.to_le_bytes());
    st
}

/// The `struct stat` of `node`.
fn stat_of(node: Node<'static>) -> [u8; STAT_SIZE] {
    let (mode, rdev, size, ino): (u32, u64, u64, u64) = match node {
        Node::Root => (0o040_755, 0, 0, 1),
        Node::DevDir => (0o040_755, 0, 0, 2),
        Node::Device(Device::Console) => (0o020_620, (4 << 8) | 64, 0, 3),
        Node::Device(Device::Null) => (0o020_666, (1 << 8) | 3, 0, 4),
        Node::Device(Device::Zero) => (0o020_666, (1 << 8) | 5, 0, 5),
        Node::File(_, data) => (0o100_755, 0, data.len() as u64, 16 + (data.as_ptr() as u64 % 65_521)),
        Node::ProcDir => (0o040_555, 0, 0, 6),
        Node::ProcSelf => (0o040_555, 0, 0, 7),
        // As Linux's, /proc files have size 0: their text is made on open.
        Node::Proc(file) => (0o100_444, 0, 0, 8 + file as u64),
    };
    let nlink: u32 = if node.is_dir() { 2 } else { 1 };
    let mut st = [0u8; STAT_SIZE];
    st[8..16].copy_from_slice(&ino.to_le_bytes());
    st[16..20].copy_from_slice(&mode.to_le_bytes());
    st[20..24].copy_from_slice(&nlink.to_le_bytes());
    st[32..40].copy_from_slice(&rdev.to_le_bytes());
    st[48..56].copy_from_slice(&size.to_le_bytes());
    st[56..60].copy_from_slice(&4096u32.to_le_bytes());
    st[64..72].copy_from_slice(&size.div_ceil(512).to_le_bytes());
    st
}

/// fstat(fd, statbuf).
pub fn fstat(fd: u64, statbuf: u64) -> Result<u64, Errno> {
    let st = open_file(fd)?.file.node().map_or_else(pipe_stat, stat_of);
    efault(with_user(|u| u.copy_out(statbuf, &st)))?;
    Ok(0)
}

/// AT_EMPTY_PATH.
const AT_EMPTY_PATH: u64 = 0x1000;
/// AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH.
const STAT_FLAGS: u64 = 0x100 | 0x800 | AT_EMPTY_PATH;

/// newfstatat(dirfd, path, statbuf, flags): `path` from `dirfd`, or with
/// AT_EMPTY_PATH and an empty path, `dirfd` itself.
pub fn newfstatat(dirfd: u64, path: u64, statbuf: u64, flags: u64) -> Result<u64, Errno> {
    if flags & !STAT_FLAGS != 0 {
        return Err(EINVAL);
    }
    let mut first = [0u8];
    efault(with_user(|u| u.copy_in(path, &mut first)))?;
    let empty = first[0] == 0;
    if empty && flags & AT_EMPTY_PATH != 0 {
        return fstat(dirfd, statbuf);
    }
    let node = resolve(dirfd, path)?;
    efault(with_user(|u| u.copy_out(statbuf, &stat_of(node))))?;
    Ok(0)
}

/// statx's mask: the basic fields, all of which this file system fills.
const STATX_BASIC_STATS: u32 = 0x7ff;
/// statx's reserved mask bit (EINVAL).
const STATX_RESERVED: u64 = 0x8000_0000;
/// statx's flags: AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH, and
/// the sync types.
const STATX_FLAGS: u64 = STAT_FLAGS | 0x6000;

/// `struct statx` (256 bytes) of what `stat` says in `st`.
fn statx_of(st: &[u8; STAT_SIZE]) -> [u8; 256] {
    let mut x = [0u8; 256];
    x[..4].copy_from_slice(&STATX_BASIC_STATS.to_le_bytes());
    x[4..8].copy_from_slice(&st[56..60]); // blksize
    x[16..20].copy_from_slice(&st[20..24]); // nlink
    x[28..30].copy_from_slice(&st[16..18]); // mode
    x[32..40].copy_from_slice(&st[8..16]); // ino
    x[40..48].copy_from_slice(&st[48..56]); // size
    x[48..56].copy_from_slice(&st[64..72]); // blocks
    let rdev = u64::from_le_bytes(st[32..40].try_into().unwrap_or([0; 8]));
    x[128..132].copy_from_slice(&((rdev >> 8) as u32).to_le_bytes());
    x[132..136].copy_from_slice(&((rdev & 0xff) as u32).to_le_bytes());
    x
}

/// statx(dirfd, path, flags, mask, buf): the basic fields (whatever
/// `mask` asks), as `newfstatat` finds them.
pub fn statx(dirfd: u64, path: u64, flags: u64, mask: u64, buf: u64) -> Result<u64, Errno> {
    if flags & !STATX_FLAGS != 0 || mask & STATX_RESERVED != 0 {
        return Err(EINVAL);
    }
    let mut first = [0u8];
    efault(with_user(|u| u.copy_in(path, &mut first)))?;
    let st = if first[0] == 0 && flags & AT_EMPTY_PATH != 0 {
        open_file(dirfd)?.file.node().map_or_else(pipe_stat, stat_of)
    } else {
        stat_of(resolve(dirfd, path)?)
    };
    efault(with_user(|u| u.copy_out(buf, &statx_of(&st))))?;
    Ok(0)
}

/// getdents64(fd, buf, count): the directory's entries from its offset
/// (an entry index), as many whole `struct linux_dirent64` as fit.
pub fn getdents64(fd: u64, buf: u64, count: u64) -> Result<u64, Errno> {
    let file = open_file(fd)?;
    let offset = file.offset();
    let node = file.file.node().filter(Node::is_dir).ok_or(ENOTDIR)?;
    let entries = initrd_fs::entries(config().initrd, node);
    let mut out: Vec<u8> = Vec::new();
    let mut next = offset as usize;
    for (index, (name, kind)) in entries.iter().enumerate().skip(next) {
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > count as usize {
            break;
        }
        let mut record = alloc::vec![0u8; reclen];
        record[..8].copy_from_slice(&(index as u64 + 1).to_le_bytes());
        record[8..16].copy_from_slice(&(index as u64 + 1).to_le_bytes());
        record[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
        record[18] = *kind;
        record[19..19 + name.len()].copy_from_slice(name.as_bytes());
        out.extend_from_slice(&record);
        next = index + 1;
    }
    if out.is_empty() && next < entries.len() {
        return Err(EINVAL);
    }
    efault(with_user(|u| u.copy_out(buf, &out)))?;
    file.set_offset(next as u64);
    Ok(out.len() as u64)
}

/// getcwd(buf, size): the current directory's path; its length with the
/// NUL, or ERANGE when `size` is too small.
pub fn getcwd(buf: u64, size: u64) -> Result<u64, Errno> {
    let path = proc::with_process(|p| p.cwd).dir_path().unwrap_or("/");
    if (size as usize) < path.len() + 1 {
        return Err(ERANGE);
    }
    let mut bytes = Vec::from(path.as_bytes());
    bytes.push(0);
    efault(with_user(|u| u.copy_out(buf, &bytes)))?;
    Ok(bytes.len() as u64)
}

/// faccessat(dirfd, path, mode) and faccessat2 (flags AT_EACCESS,
/// AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH): whether the path exists (F_OK, 0)
/// and may be read, written and executed (R_OK 4, W_OK 2, X_OK 1) by root:
/// nothing of the initrd can be written (EROFS), the devices can.
pub fn faccessat(dirfd: u64, path: u64, mode: u64, flags: u64) -> Result<u64, Errno> {
    if mode & !7 != 0 || flags & !(0x200 | 0x100 | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let node = resolve(dirfd, path)?;
    if mode & 2 != 0 && !matches!(node, Node::Device(_)) {
        return Err(EROFS);
    }
    Ok(0)
}

/// chdir(path): to a directory.
pub fn chdir(path: u64) -> Result<u64, Errno> {
    let node = resolve(AT_FDCWD, path)?;
    if !node.is_dir() {
        return Err(ENOTDIR);
    }
    proc::with_process(|p| p.cwd = node);
    Ok(0)
}
