//! Descriptor tables: lowest-free allocation, shared offsets through dup
//! and fork, close-on-exec.

use super::*;

fn table() -> FdTable<&'static str> {
    let mut t = FdTable::new();
    for name in ["in", "out", "err"] {
        t.open(name, AccessMode::ReadWrite, false).unwrap();
    }
    t
}

#[test]
fn the_lowest_free_descriptor_is_taken() {
    let mut t = table();
    assert_eq!(t.open("a", AccessMode::Read, false), Ok(3));
    t.close(1).unwrap();
    assert_eq!(t.open("b", AccessMode::Read, false), Ok(1), "the hole is filled first");
    assert_eq!(t.close(1), Ok(()));
    assert_eq!(t.close(1), Err(FdError::BadFd), "not twice");
    assert_eq!(t.get(9).map(|_| ()), Err(FdError::BadFd));
    assert_eq!(t.get(u64::MAX).map(|_| ()), Err(FdError::BadFd));
}

#[test]
fn dup_and_fork_share_the_offset_and_exec_closes_what_it_must() {
    let mut t = table();
    let fd = t.open("file", AccessMode::Read, false).unwrap();
    let copy = t.dup(fd, 10, true).unwrap();
    assert_eq!(copy, 10, "from the minimum up");
    t.get(fd).unwrap().set_offset(42);
    assert_eq!(t.get(copy).unwrap().offset(), 42, "one open file, one offset");
    let child = t.clone();
    child.get(fd).unwrap().set_offset(7);
    assert_eq!(t.get(fd).unwrap().offset(), 7, "fork shares it too");
    assert_eq!(t.close_on_exec(copy), Ok(true));
    t.exec();
    assert_eq!(t.get(copy).map(|_| ()), Err(FdError::BadFd), "close-on-exec");
    assert!(t.get(fd).is_ok());
    assert_eq!(t.len(), 4);
}

#[test]
fn dup3_replaces_and_refuses_itself() {
    let mut t = table();
    assert_eq!(t.dup3(1, 1, false), Err(FdError::Invalid));
    assert_eq!(t.dup3(0, 2, false), Ok(2));
    assert_eq!(t.get(2).unwrap().file, "in", "2 now names 0's file");
    assert_eq!(t.dup3(0, 100, true), Ok(100));
    assert_eq!(t.close_on_exec(100), Ok(true));
    assert_eq!(t.dup3(5, 6, false), Err(FdError::BadFd), "no such source");
    assert_eq!(t.dup3(0, MAX_FDS as u64, false), Err(FdError::BadFd), "past the limit");
}

#[test]
fn the_table_has_a_limit() {
    let mut t = table();
    for _ in 3..MAX_FDS {
        t.open("x", AccessMode::Read, false).unwrap();
    }
    assert_eq!(t.open("y", AccessMode::Read, false), Err(FdError::TooMany));
    assert!(AccessMode::ReadWrite.reads() && AccessMode::ReadWrite.writes());
    assert!(!AccessMode::Read.writes() && !AccessMode::Write.reads());
}
