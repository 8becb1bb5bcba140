//! The kernel command line (`/chosen/bootargs`): options, then `--` and
//! the first program with its arguments, as `rvsim run` writes it:
//! `cow=off log=vm -- forktest 100`. Without `--`, the first program is
//! `sh`. An argument with spaces is written in double quotes, with `\"`
//! and `\\` inside.

use alloc::string::String;
use alloc::vec::Vec;

use crate::dsm::{ManagerKind, Protocol};
use crate::replace::Policy;

/// A machine's place in a cluster, and how the cluster shares memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cluster {
    /// This node.
    pub node: u16,
    /// Nodes in the cluster.
    pub nodes: u16,
    /// `dsm=replicate` (default) or `dsm=migrate`.
    pub protocol: Protocol,
    /// `manager=distributed` (default, IVY's dynamic distributed manager)
    /// or `manager=central` (node 0 knows every page's owner).
    pub manager: ManagerKind,
    /// `hold=CYCLES`: how long a page granted for a local fault stays
    /// before another node may take it (default 20,000: 200 us).
    pub hold: u64,
    /// `threads=spread`: a process's threads run on the other nodes, its
    /// address space distributed shared memory (see `spread.rs`), and the
    /// first program runs on node 0 only; `threads=local` (default) keeps
    /// them on their process's node.
    pub spread: bool,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            node: 0,
            nodes: 1,
            protocol: Protocol::Replicate,
            manager: ManagerKind::Distributed,
            hold: 20_000,
            spread: false,
        }
    }
}

impl Cluster {
    /// Whether the machine is one of several.
    pub fn is_cluster(&self) -> bool {
        self.nodes > 1
    }

    /// Takes the option `key=value` if it is a cluster option.
    fn take(&mut self, key: &str, value: &str) -> bool {
        match (key, value) {
            ("node", n) if n.parse::<u16>().is_ok() => self.node = n.parse().unwrap_or(0),
            ("nodes", n) if n.parse::<u16>().is_ok_and(|n| n > 0) => self.nodes = n.parse().unwrap_or(1),
            ("dsm", "replicate") => self.protocol = Protocol::Replicate,
            ("dsm", "migrate") => self.protocol = Protocol::Migrate,
            ("manager", "distributed") => self.manager = ManagerKind::Distributed,
            ("manager", "central") => self.manager = ManagerKind::Central(0),
            ("hold", n) if n.parse::<u64>().is_ok() => self.hold = n.parse().unwrap_or(0),
            ("threads", "spread") => self.spread = true,
            ("threads", "local") => self.spread = false,
            _ => return false,
        }
        true
    }
}

/// Parsed boot arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootArgs<'a> {
    /// `cow=on` (default) or `cow=off`: fork copies every page at once.
    pub cow: bool,
    /// `share=on` (default) or `share=off`: every process gets its own
    /// copy of its program's text instead of the shared pages table's.
    pub share: bool,
    /// `asid=on` (default) or `asid=off`: every address space uses ASID 0
    /// and a context switch flushes the whole TLB, as on hardware without
    /// ASIDs.
    pub asid: bool,
    /// `log=vm`: print one line per VM event.
    pub log_vm: bool,
    /// `log=vmstat`: print the VM counters on one line when the machine
    /// stops (what `rvsim bench paging` reads).
    pub log_vmstat: bool,
    /// `log=syscalls`: print each system call the kernel does not
    /// implement, once, by number and Linux name.
    pub log_syscalls: bool,
    /// `log=dsm`: print one line per remote fault, invalidation and
    /// ownership transfer of distributed shared memory.
    pub log_dsm: bool,
    /// `node=K` and `nodes=N`: this machine is node K of a cluster of N
    /// (as `rvsim cluster` and `rvsim run --net` say); `node=0 nodes=1`
    /// alone by default.
    pub cluster: Cluster,
    /// `echo=on` (default) or `echo=off`: whether the console echoes what
    /// is typed (off when input is not a terminal).
    pub echo: bool,
    /// `pager=clock` (default), `fifo`, `lru` or `random`: the page
    /// replacement policy.
    pub pager: Policy,
    /// `shared=N`: a page of the shared pages table may be evicted only
    /// after N examinations by the pager found it unreferenced (default 2).
    pub shared_sweeps: u32,
    /// `frames=N`: at most N frames hold user pages at once, whatever the
    /// RAM (teaching runs are then exact).
    pub frames: Option<usize>,
    /// The first program and its arguments.
    pub init: Vec<String>,
    /// Options not understood (reported at boot, otherwise ignored).
    pub unknown: Vec<&'a str>,
}

/// Parses a command line.
pub fn parse(line: &str) -> BootArgs<'_> {
    let (options, init) = match line.split_once("--") {
        Some((options, init)) => (options, words(init)),
        None => (line, alloc::vec![String::from("sh")]),
    };
    let mut args = BootArgs {
        cow: true,
        share: true,
        asid: true,
        log_vm: false,
        log_vmstat: false,
        log_syscalls: false,
        log_dsm: false,
        cluster: Cluster::default(),
        echo: true,
        pager: Policy::Clock,
        shared_sweeps: 2,
        frames: None,
        init,
        unknown: Vec::new(),
    };
    for option in options.split_whitespace() {
        match option.split_once('=') {
            Some(("cow", "on")) => args.cow = true,
            Some(("cow", "off")) => args.cow = false,
            Some(("share", "on")) => args.share = true,
            Some(("share", "off")) => args.share = false,
            Some(("asid", "on")) => args.asid = true,
            Some(("asid", "off")) => args.asid = false,
            Some(("echo", "on")) => args.echo = true,
            Some(("echo", "off")) => args.echo = false,
            Some(("pager", name)) if Policy::parse(name).is_some() => {
                args.pager = Policy::parse(name).unwrap_or(args.pager)
            }
            Some(("shared", n)) if n.parse::<u32>().is_ok() => args.shared_sweeps = n.parse().unwrap_or(2),
            Some(("frames", n)) if n.parse::<usize>().is_ok_and(|n| n > 0) => args.frames = n.parse().ok(),
            Some((key, value)) if args.cluster.take(key, value) => {}
            Some(("log", list)) => {
                for what in list.split(',') {
                    match what {
                        "vm" => args.log_vm = true,
                        "vmstat" => args.log_vmstat = true,
                        "syscalls" => args.log_syscalls = true,
                        "dsm" => args.log_dsm = true,
                        _ => args.unknown.push(option),
                    }
                }
            }
            _ => args.unknown.push(option),
        }
    }
    if args.init.is_empty() {
        args.init.push(String::from("sh"));
    }
    args
}

/// Splits at whitespace, keeping double-quoted words whole.
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { return words };
        let mut word = String::new();
        if first == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => word.extend(chars.next()),
                    c => word.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                word.push(c);
            }
        }
        words.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_then_the_first_program() {
        let args = parse("cow=off log=vm echo=off share=off asid=off -- forktest 100");
        assert!(!args.cow && args.log_vm && !args.echo && !args.share && !args.asid);
        assert!(!args.log_syscalls);
        assert!(parse("log=vmstat,syscalls").log_syscalls);
        assert_eq!(args.init, ["forktest", "100"]);
        assert!(args.unknown.is_empty());
    }

    #[test]
    fn paging_options() {
        let args = parse("pager=lru shared=5 frames=64 -- bigmem");
        assert_eq!((args.pager, args.shared_sweeps, args.frames), (Policy::Lru, 5, Some(64)));
        let args = parse("pager=opt shared=x frames=0 --");
        assert_eq!((args.pager, args.shared_sweeps, args.frames), (Policy::Clock, 2, None), "the defaults stay");
        assert_eq!(args.unknown, ["pager=opt", "shared=x", "frames=0"]);
    }

    #[test]
    fn cluster_options() {
        let args = parse("node=2 nodes=4 dsm=migrate manager=central hold=0 log=dsm -- dsmcounter");
        let c = args.cluster;
        assert_eq!((c.node, c.nodes, c.protocol, c.manager), (2, 4, Protocol::Migrate, ManagerKind::Central(0)));
        assert_eq!(c.hold, 0);
        assert!(args.log_dsm && c.is_cluster() && !c.spread);
        assert!(parse("threads=spread --").cluster.spread);
        let args = parse("nodes=0 dsm=ivy manager=x hold=-1 threads=all --");
        assert_eq!(args.cluster, Cluster::default());
        assert_eq!(args.unknown, ["nodes=0", "dsm=ivy", "manager=x", "hold=-1", "threads=all"]);
    }

    #[test]
    fn quoted_arguments_keep_their_spaces() {
        let args = parse(r#"-- hello "two words" "" "a \"q\" \\" x"#);
        assert_eq!(args.init, ["hello", "two words", "", r#"a "q" \"#, "x"]);
    }

    #[test]
    fn defaults_and_unknown_options() {
        let args = parse("");
        assert!(args.cow && !args.log_vm && args.echo && args.share && args.asid);
        assert_eq!(args.init, ["sh"]);
        let args = parse("quiet log=vm,sched --");
        assert_eq!(args.unknown, ["quiet", "log=vm,sched"]);
        assert_eq!(args.init, ["sh"]);
    }
}
