//! File descriptors, as Linux keeps them: a process's table maps small
//! numbers to *open files*, and an open file (what `open` made: which file,
//! the offset, the access mode) may be shared by several descriptors and
//! processes. `dup` and fork share it, so they share the offset; exec
//! closes the descriptors marked close-on-exec. The table is generic over
//! what a file is, which the kernel decides.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

/// The most descriptors a process may have (RLIMIT_NOFILE's hard default).
pub const MAX_FDS: usize = 4096;

/// How an open file may be used (the low bits of `open`'s flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    /// O_RDONLY.
    Read,
    /// O_WRONLY.
    Write,
    /// O_RDWR.
    ReadWrite,
}

impl AccessMode {
    /// Whether reading is allowed.
    pub fn reads(self) -> bool {
        self != AccessMode::Write
    }

    /// Whether writing is allowed.
    pub fn writes(self) -> bool {
        self != AccessMode::Read
    }
}

/// What `open` made: the file, the offset and the access mode. The offset
/// is the only thing that changes, and it is an atomic, so that an open
/// file may be shared between processes (and, later, harts).
#[derive(Debug)]
pub struct OpenFile<F> {
    /// The file.
    pub file: F,
    /// How it may be used.
    pub mode: AccessMode,
    offset: AtomicU64,
}

impl<F> OpenFile<F> {
    /// Where the next read or write starts.
    pub fn offset(&self) -> u64 {
        self.offset.load(Ordering::Relaxed)
    }

    /// Moves it.
    pub fn set_offset(&self, offset: u64) {
        self.offset.store(offset, Ordering::Relaxed);
    }
}

/// An open file shared by the descriptors that name it.
pub type Shared<F> = Arc<OpenFile<F>>;

/// One descriptor.
#[derive(Debug)]
struct Descriptor<F> {
    file: Shared<F>,
    close_on_exec: bool,
}

impl<F> Clone for Descriptor<F> {
    fn clone(&self) -> Descriptor<F> {
        Descriptor { file: self.file.clone(), close_on_exec: self.close_on_exec }
    }
}

/// Why a descriptor operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdError {
    /// No such descriptor (EBADF).
    BadFd,
    /// No free descriptor below the limit (EMFILE).
    TooMany,
    /// A bad argument, such as dup3 onto itself (EINVAL).
    Invalid,
}

/// A process's descriptor table. A clone (fork's) shares every open file.
#[derive(Debug)]
pub struct FdTable<F> {
    slots: Vec<Option<Descriptor<F>>>,
}

impl<F> Clone for FdTable<F> {
    fn clone(&self) -> FdTable<F> {
        FdTable { slots: self.slots.clone() }
    }
}

impl<F> Default for FdTable<F> {
    fn default() -> FdTable<F> {
        FdTable { slots: Vec::new() }
    }
}

impl<F> FdTable<F> {
    /// An empty table.
    pub fn new() -> FdTable<F> {
        FdTable::default()
    }

    /// The open file of descriptor `fd`.
    pub fn get(&self, fd: u64) -> Result<Shared<F>, FdError> {
        let slot = usize::try_from(fd).ok().and_then(|fd| self.slots.get(fd)).ok_or(FdError::BadFd)?;
        slot.as_ref().map(|d| d.file.clone()).ok_or(FdError::BadFd)
    }

    /// Installs `file` at the lowest free descriptor from `min`; returns it.
    pub fn install(&mut self, file: Shared<F>, close_on_exec: bool, min: usize) -> Result<u64, FdError> {
        let fd = (min..MAX_FDS).find(|&fd| self.slots.get(fd).is_none_or(Option::is_none)).ok_or(FdError::TooMany)?;
        if fd >= self.slots.len() {
            self.slots.resize_with(fd + 1, || None);
        }
        self.slots[fd] = Some(Descriptor { file, close_on_exec });
        Ok(fd as u64)
    }

    /// Opens `file` with `mode` at the lowest free descriptor.
    pub fn open(&mut self, file: F, mode: AccessMode, close_on_exec: bool) -> Result<u64, FdError> {
        let open = Arc::new(OpenFile { file, mode, offset: AtomicU64::new(0) });
        self.install(open, close_on_exec, 0)
    }

    /// Closes `fd`.
    pub fn close(&mut self, fd: u64) -> Result<(), FdError> {
        let slot = usize::try_from(fd).ok().and_then(|fd| self.slots.get_mut(fd)).ok_or(FdError::BadFd)?;
        slot.take().map(|_| ()).ok_or(FdError::BadFd)?;
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        Ok(())
    }

    /// `dup` and `fcntl(F_DUPFD)`: a new descriptor, from `min` up, for
    /// `fd`'s open file.
    pub fn dup(&mut self, fd: u64, min: usize, close_on_exec: bool) -> Result<u64, FdError> {
        let file = self.get(fd)?;
        self.install(file, close_on_exec, min)
    }

    /// `dup3(fd, new)`: `new` names `fd`'s open file, closed first if open.
    pub fn dup3(&mut self, fd: u64, new: u64, close_on_exec: bool) -> Result<u64, FdError> {
        if fd == new {
            return Err(FdError::Invalid);
        }
        let file = self.get(fd)?;
        let new_index = usize::try_from(new).ok().filter(|&n| n < MAX_FDS).ok_or(FdError::BadFd)?;
        if new_index >= self.slots.len() {
            self.slots.resize_with(new_index + 1, || None);
        }
        self.slots[new_index] = Some(Descriptor { file, close_on_exec });
        Ok(new)
    }

    /// Whether `fd` is closed at exec (`FD_CLOEXEC`).
    pub fn close_on_exec(&self, fd: u64) -> Result<bool, FdError> {
        let slot = usize::try_from(fd).ok().and_then(|fd| self.slots.get(fd)).ok_or(FdError::BadFd)?;
        slot.as_ref().map(|d| d.close_on_exec).ok_or(FdError::BadFd)
    }

    /// Sets `fd`'s close-on-exec flag.
    pub fn set_close_on_exec(&mut self, fd: u64, on: bool) -> Result<(), FdError> {
        let slot = usize::try_from(fd).ok().and_then(|fd| self.slots.get_mut(fd)).ok_or(FdError::BadFd)?;
        slot.as_mut().map(|d| d.close_on_exec = on).ok_or(FdError::BadFd)
    }

    /// At exec: the close-on-exec descriptors go.
    pub fn exec(&mut self) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|d| d.close_on_exec) {
                *slot = None;
            }
        }
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
    }

    /// How many descriptors are open.
    pub fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests;
