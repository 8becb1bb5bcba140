//! The initrd seen as a read-only file system: `/` holds the archive's
//! files, the directory `/dev` (the console, also as `tty`, and the `null`
//! and `zero` devices) and a small `/proc` (`meminfo`, and `self` with
//! `maps` and the link `exe`). Paths are resolved here, against a current
//! directory; the kernel reads the bytes and writes `/proc`'s text.

use alloc::string::String;
use alloc::vec::Vec;

use crate::cpio;

/// The devices in `/dev`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// The console (`/dev/console`, `/dev/tty`).
    Console,
    /// Reads end at once; writes vanish.
    Null,
    /// Reads give zeros; writes vanish.
    Zero,
}

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node<'a> {
    /// `/`.
    Root,
    /// `/dev`.
    DevDir,
    /// A device in `/dev`.
    Device(Device),
    /// A file of the archive: its name and bytes.
    File(&'a str, &'a [u8]),
    /// `/proc`.
    ProcDir,
    /// `/proc/self`: the calling process's directory.
    ProcSelf,
    /// A file of `/proc`, whose text the kernel makes when it is opened.
    Proc(ProcFile),
}

/// The files of `/proc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcFile {
    /// `/proc/meminfo`.
    Meminfo,
    /// `/proc/self/maps`.
    Maps,
    /// `/proc/self/exe`, a link to the program the process runs.
    Exe,
}

/// The files of `/proc`, by name.
const PROC_FILES: [(&str, ProcFile); 1] = [("meminfo", ProcFile::Meminfo)];
/// The files of `/proc/self`, by name.
const SELF_FILES: [(&str, ProcFile); 2] = [("exe", ProcFile::Exe), ("maps", ProcFile::Maps)];

/// Why a path names nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupError {
    /// ENOENT.
    NotFound,
    /// A file used as a directory (ENOTDIR).
    NotDir,
}

/// The devices of `/dev`, by name.
const DEVICES: [(&str, Device); 4] =
    [("console", Device::Console), ("null", Device::Null), ("tty", Device::Console), ("zero", Device::Zero)];

/// The name an archive entry has in `/` (a leading `./` or `/` dropped).
fn plain(name: &str) -> &str {
    name.trim_start_matches("./").trim_start_matches('/')
}

impl Node<'_> {
    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        matches!(self, Node::Root | Node::DevDir | Node::ProcDir | Node::ProcSelf)
    }

    /// The absolute path of a directory (for `getcwd`).
    pub fn dir_path(&self) -> Option<&'static str> {
        match self {
            Node::Root => Some("/"),
            Node::DevDir => Some("/dev"),
            Node::ProcDir => Some("/proc"),
            Node::ProcSelf => Some("/proc/self"),
            _ => None,
        }
    }
}

/// Resolves `path` against the directory `cwd` in the file system of
/// `archive`: `.` and `..` as usual (`..` of `/` is `/`), repeated slashes
/// as one.
pub fn resolve<'a>(archive: &'a [u8], cwd: Node<'a>, path: &[u8]) -> Result<Node<'a>, LookupError> {
    let path = core::str::from_utf8(path).map_err(|_| LookupError::NotFound)?;
    if path.is_empty() {
        return Err(LookupError::NotFound);
    }
    let mut parts: Vec<&str> = match (path.starts_with('/'), cwd.dir_path()) {
        (false, Some(dir)) => dir.split('/').filter(|p| !p.is_empty()).collect(),
        _ => Vec::new(),
    };
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    let dir_only = path.ends_with('/');
    let node = match parts.as_slice() {
        [] => Node::Root,
        ["dev"] => Node::DevDir,
        ["dev", name] => {
            DEVICES.iter().find(|(n, _)| n == name).map(|&(_, d)| Node::Device(d)).ok_or(LookupError::NotFound)?
        }
        ["proc"] => Node::ProcDir,
        ["proc", "self"] => Node::ProcSelf,
        ["proc", name] => named(&PROC_FILES, name)?,
        ["proc", "self", name] => named(&SELF_FILES, name)?,
        [name] => file(archive, name).ok_or(LookupError::NotFound)?,
        [first, ..] if file(archive, first).is_some() => return Err(LookupError::NotDir),
        _ => return Err(LookupError::NotFound),
    };
    if dir_only && !node.is_dir() {
        return Err(LookupError::NotDir);
    }
    Ok(node)
}

/// The `/proc` file called `name` in `files`.
fn named<'a>(files: &[(&str, ProcFile)], name: &str) -> Result<Node<'a>, LookupError> {
    files.iter().find(|(n, _)| *n == name).map(|&(_, f)| Node::Proc(f)).ok_or(LookupError::NotFound)
}

/// The archive's file called `name`.
fn file<'a>(archive: &'a [u8], name: &str) -> Option<Node<'a>> {
    cpio::files(archive).find(|e| plain(e.name) == name).map(|e| Node::File(plain(e.name), e.data))
}

/// `d_type` of a directory entry: a directory.
pub const DT_DIR: u8 = 4;
/// `d_type`: a regular file.
pub const DT_REG: u8 = 8;
/// `d_type`: a character device.
pub const DT_CHR: u8 = 2;
/// `d_type`: a symbolic link.
pub const DT_LNK: u8 = 10;

/// The entries of directory `dir`, `.` and `..` first: name and `d_type`.
pub fn entries(archive: &[u8], dir: Node<'_>) -> Vec<(String, u8)> {
    let mut list = alloc::vec![(String::from("."), DT_DIR), (String::from(".."), DT_DIR)];
    match dir {
        Node::Root => {
            list.push((String::from("dev"), DT_DIR));
            list.push((String::from("proc"), DT_DIR));
            list.extend(cpio::files(archive).map(|e| (String::from(plain(e.name)), DT_REG)));
        }
        Node::DevDir => list.extend(DEVICES.iter().map(|&(n, _)| (String::from(n), DT_CHR))),
        Node::ProcDir => {
            list.push((String::from("self"), DT_DIR));
            list.extend(PROC_FILES.iter().map(|&(n, _)| (String::from(n), DT_REG)));
        }
        Node::ProcSelf => {
            let d_type = |f: ProcFile| if f == ProcFile::Exe { DT_LNK } else { DT_REG };
            list.extend(SELF_FILES.iter().map(|&(n, f)| (String::from(n), d_type(f))));
        }
        _ => return Vec::new(),
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive() -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in [("hello", &b"HELLO"[..]), ("./sh", &b"SH"[..])] {
            let header = alloc::format!(
                "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
                1,
                0o100755,
                0,
                0,
                1,
                0,
                data.len(),
                0,
                0,
                0,
                0,
                name.len() + 1,
                0
            );
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            while out.len() % 4 != 0 {
                out.push(0);
            }
            out.extend_from_slice(data);
            while out.len() % 4 != 0 {
                out.push(0);
            }
        }
        let trailer = "07070100000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000b00000000TRAILER!!!\0";
        out.extend_from_slice(trailer.as_bytes());
        out
    }

    #[test]
    fn paths_resolve_from_the_root_and_the_current_directory() {
        let a = archive();
        assert_eq!(resolve(&a, Node::Root, b"/hello"), Ok(Node::File("hello", b"HELLO")));
        assert_eq!(resolve(&a, Node::Root, b"sh"), Ok(Node::File("sh", b"SH")), "the archive's ./ dropped");
        assert_eq!(resolve(&a, Node::DevDir, b"null"), Ok(Node::Device(Device::Null)));
        assert_eq!(resolve(&a, Node::DevDir, b"../hello"), Ok(Node::File("hello", b"HELLO")));
        assert_eq!(resolve(&a, Node::Root, b"//dev/./tty"), Ok(Node::Device(Device::Console)));
        assert_eq!(resolve(&a, Node::Root, b"/../../dev"), Ok(Node::DevDir), ".. of / is /");
        assert_eq!(resolve(&a, Node::Root, b"/"), Ok(Node::Root));
        assert_eq!(resolve(&a, Node::Root, b"/proc/self/maps"), Ok(Node::Proc(ProcFile::Maps)));
        assert_eq!(resolve(&a, Node::ProcSelf, b"exe"), Ok(Node::Proc(ProcFile::Exe)), "from /proc/self");
        assert_eq!(resolve(&a, Node::ProcSelf, b"../meminfo"), Ok(Node::Proc(ProcFile::Meminfo)));
        assert_eq!(resolve(&a, Node::ProcDir, b"../hello"), Ok(Node::File("hello", b"HELLO")));
        assert_eq!(resolve(&a, Node::Root, b"/proc/nosuch"), Err(LookupError::NotFound));
    }

    #[test]
    fn what_is_not_there_is_an_error() {
        let a = archive();
        assert_eq!(resolve(&a, Node::Root, b""), Err(LookupError::NotFound));
        assert_eq!(resolve(&a, Node::Root, b"/nosuch"), Err(LookupError::NotFound));
        assert_eq!(resolve(&a, Node::Root, b"/dev/sda"), Err(LookupError::NotFound));
        assert_eq!(resolve(&a, Node::Root, b"/hello/x"), Err(LookupError::NotDir));
        assert_eq!(resolve(&a, Node::Root, b"/hello/"), Err(LookupError::NotDir));
        assert_eq!(resolve(&a, Node::Root, b"/bin/sh"), Err(LookupError::NotFound));
    }

    #[test]
    fn directories_list_their_entries() {
        let a = archive();
        let names: Vec<String> = entries(&a, Node::Root).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, [".", "..", "dev", "proc", "hello", "sh"]);
        assert_eq!(entries(&a, Node::Root)[4].1, DT_REG);
        let dev: Vec<String> = entries(&a, Node::DevDir).into_iter().map(|(n, _)| n).collect();
        assert_eq!(dev, [".", "..", "console", "null", "tty", "zero"]);
        let own = entries(&a, Node::ProcSelf);
        assert_eq!(own[2..], [(String::from("exe"), DT_LNK), (String::from("maps"), DT_REG)]);
        assert_eq!(
            entries(&a, Node::ProcDir)[2..],
            [(String::from("self"), DT_DIR), (String::from("meminfo"), DT_REG)]
        );
        assert!(entries(&a, Node::Device(Device::Zero)).is_empty());
    }
}
