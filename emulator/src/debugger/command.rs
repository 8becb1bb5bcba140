//! The debugger's commands, parsed from a line of text.

/// Where memory is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressSpace {
    /// Through the current translation.
    Virtual,
    /// Physical (`p:ADDR`).
    Physical,
}

/// How `x` shows memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// 8-byte words in hex.
    Words,
    /// Instructions, disassembled.
    Instructions,
    /// Bytes in hex, with their characters.
    Bytes,
}

/// One command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Execute `n` instructions.
    Step(u64),
    /// Step over a call.
    Next,
    /// Run until something stops the machine.
    Continue,
    /// Set a breakpoint at an address expression.
    Break(String),
    /// Watch `len` bytes at an address expression for stores.
    Watch(String, u64),
    /// Delete one breakpoint or watchpoint by number, or all.
    Delete(Option<u32>),
    /// List breakpoints and watchpoints.
    Points,
    /// Integer registers.
    Regs,
    /// Floating-point registers and `fcsr`.
    FloatRegs,
    /// Control and status registers.
    Csrs,
    /// Examine `count` units of memory at an address expression.
    Examine {
        /// How many units.
        count: u64,
        /// Words, bytes or instructions.
        shape: Shape,
        /// Virtual (through the current translation) or physical.
        space: AddressSpace,
        /// The address expression.
        at: String,
    },
    /// List the harts, or look at hart `n` from now on.
    Hart(Option<usize>),
    /// Translate an address: every walk step and the permission check,
    /// for an access in a privilege (the hart's when `None`).
    Translate {
        /// The address expression.
        at: String,
        /// The kind of access to check.
        access: crate::cpu::Access,
        /// The privilege to check it in (the hart's when `None`).
        privilege: Option<crate::cpu::Privilege>,
    },
    /// The current page table (the user half, or `all`).
    PageTable {
        /// The kernel half too.
        all: bool,
    },
    /// The TLB's entries.
    Tlb,
    /// The counters.
    Stats,
    /// Where the hart is.
    Where,
    /// The commands.
    Help,
    /// Leave.
    Quit,
    /// An empty line.
    Nothing,
}

/// The help text.
pub const HELP: &str = "\
commands:
  step [N] (s)           execute N instructions (1)
  next (n)               step over a call
  continue (c)           run until a breakpoint, a watchpoint, Ctrl-C or the end
  break ADDR (b)         stop before the instruction at ADDR
  watch ADDR [LEN]       stop after a store into LEN bytes at ADDR (8)
  delete [N] (d)         delete breakpoint or watchpoint N, or all of them
  info break (i b)       list breakpoints and watchpoints
  regs (r)               integer registers and pc
  fregs (info float)     floating-point registers (raw, and as doubles) and fcsr
  csrs                   control and status registers
  x/N[x|i|b] [p:]ADDR    examine memory: N words (x), instructions (i) or bytes (b),
                         virtual through the current page table, or physical with p:
  translate ADDR [r|w|x] [u|s|m]
                         translate ADDR for a load, store or fetch as the hart would now
                         (or in U-, S- or M-mode): every walk step, the permission check
  pt [all]               the current page table, user half (or all of it), vmprint style
  tlb                    the TLB's entries
  stats                  the hart's, TLB's and MMU's counters
  hart [N]               list the harts, or look at hart N (registers, memory, stepping)
  where (w)              the next instruction
  help (h)               this text
  quit (q)               leave
ADDR is a number (0x... hex, or decimal), a symbol, or a register ($sp, $a0, $pc).";

fn number(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("'{text}' is not a number"))
}

/// Parses a line.
pub fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else { return Ok(Command::Nothing) };
    let rest: Vec<&str> = words.collect();
    let arg = |i: usize, what: &str| -> Result<String, String> {
        rest.get(i).map(|s| s.to_string()).ok_or_else(|| format!("{first}: {what} missing"))
    };
    let no_more = |n: usize| -> Result<(), String> {
        if rest.len() > n { Err(format!("{first}: unexpected '{}'", rest[n])) } else { Ok(()) }
    };
    if let Some(format) = first.strip_prefix("x/").or_else(|| (first == "x").then_some("")) {
        return examine(format, &rest, first);
    }
    let command = match first {
        "step" | "s" | "stepi" | "si" => {
            no_more(1)?;
            let n = rest.first().map(|n| number(n)).transpose()?.unwrap_or(1);
            if n == 0 {
                return Err("step: the count must be at least 1".into());
            }
            Command::Step(n)
        }
        "next" | "n" | "nexti" | "ni" => Command::Next,
        "continue" | "c" => Command::Continue,
        "break" | "b" => {
            if rest.is_empty() {
                return Ok(Command::Points);
            }
            no_more(1)?;
            Command::Break(arg(0, "address")?)
        }
        "watch" => {
            no_more(2)?;
            let len = rest.get(1).map(|n| number(n)).transpose()?.unwrap_or(8);
            if len == 0 {
                return Err("watch: the length must be at least 1".into());
            }
            Command::Watch(arg(0, "address")?, len)
        }
        "delete" | "d" => {
            no_more(1)?;
            let n = rest.first().map(|n| number(n)).transpose()?;
            Command::Delete(n.map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
        }
        "info" | "i" => match rest.first().copied() {
            Some("break" | "b" | "breakpoints" | "watch" | "watchpoints") => Command::Points,
            Some("registers" | "r" | "regs") => Command::Regs,
            Some("float" | "fregs") => Command::FloatRegs,
            Some("tlb") => Command::Tlb,
            _ => return Err("info: say 'info break', 'info regs', 'info float' or 'info tlb'".into()),
        },
        "regs" | "r" | "registers" => Command::Regs,
        "fregs" => Command::FloatRegs,
        "csrs" | "csr" => Command::Csrs,
        "hart" | "harts" => match rest.first() {
            None => Command::Hart(None),
            Some(n) => {
                let n = n.parse::<usize>().map_err(|_| format!("hart: '{n}' is not a hart number"))?;
                Command::Hart(Some(n))
            }
        },
        "translate" | "t" => {
            no_more(3)?;
            let access = match rest.get(1).copied() {
                None | Some("r" | "load" | "read") => crate::cpu::Access::Load,
                Some("w" | "store" | "write") => crate::cpu::Access::Store,
                Some("x" | "fetch" | "exec") => crate::cpu::Access::Fetch,
                Some(other) => return Err(format!("translate: '{other}' is not r, w or x")),
            };
            let privilege = match rest.get(2).copied() {
                None => None,
                Some("u" | "U") => Some(crate::cpu::Privilege::User),
                Some("s" | "S") => Some(crate::cpu::Privilege::Supervisor),
                Some("m" | "M") => Some(crate::cpu::Privilege::Machine),
                Some(other) => return Err(format!("translate: '{other}' is not u, s or m")),
            };
            Command::Translate { at: arg(0, "address")?, access, privilege }
        }
        "pt" => {
            no_more(1)?;
            match rest.first().copied() {
                None => Command::PageTable { all: false },
                Some("all") => Command::PageTable { all: true },
                Some(other) => return Err(format!("pt: '{other}' is not 'all'")),
            }
        }
        "tlb" => Command::Tlb,
        "stats" => Command::Stats,
        "where" | "w" | "bt" => Command::Where,
        "help" | "h" | "?" => Command::Help,
        "quit" | "q" | "exit" => Command::Quit,
        other => return Err(format!("unknown command '{other}' ('help' lists them)")),
    };
    Ok(command)
}

fn examine(format: &str, rest: &[&str], first: &str) -> Result<Command, String> {
    let digits_end = format.find(|c: char| !c.is_ascii_digit()).unwrap_or(format.len());
    let (count, unit) = format.split_at(digits_end);
    let count = if count.is_empty() { 1 } else { number(count)? };
    if count == 0 || count > 4096 {
        return Err(format!("{first}: show between 1 and 4096 units"));
    }
    let shape = match unit {
        "" | "x" | "g" => Shape::Words,
        "i" => Shape::Instructions,
        "b" | "c" | "s" => Shape::Bytes,
        other => return Err(format!("{first}: '{other}' is not x, i or b")),
    };
    let [at] = rest else { return Err(format!("{first}: give one address")) };
    let (space, at) = match at.strip_prefix("p:") {
        Some(pa) => (AddressSpace::Physical, pa.to_string()),
        None => (AddressSpace::Virtual, at.to_string()),
    };
    Ok(Command::Examine { count, shape, space, at })
}

/// An address expression: a number, a register (`$sp`, `$pc`), a symbol
/// (`symbol` answers those), optionally `+` or `-` a number.
pub fn address(
    text: &str,
    register: impl Fn(&str) -> Option<u64>,
    symbol: impl Fn(&str) -> Option<u64>,
) -> Result<u64, String> {
    address_with(text, &register, &symbol)
}

fn address_with(
    text: &str,
    register: &dyn Fn(&str) -> Option<u64>,
    symbol: &dyn Fn(&str) -> Option<u64>,
) -> Result<u64, String> {
    let text = text.trim();
    let split = text.rfind(['+', '-']).filter(|&i| i > 0);
    if let Some(at) = split {
        let (base, offset) = text.split_at(at);
        let base = address_with(base, register, symbol)?;
        let amount = number(&offset[1..])?;
        return Ok(if offset.starts_with('+') { base.wrapping_add(amount) } else { base.wrapping_sub(amount) });
    }
    if let Some(reg) = text.strip_prefix('$') {
        return register(reg).ok_or_else(|| format!("no register '{reg}'"));
    }
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        return number(text);
    }
    symbol(text).or_else(|| register(text)).ok_or_else(|| format!("no symbol '{text}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_their_short_names() {
        assert_eq!(parse("step"), Ok(Command::Step(1)));
        assert_eq!(parse("s 10"), Ok(Command::Step(10)));
        assert_eq!(parse("b kmain"), Ok(Command::Break("kmain".into())));
        assert_eq!(parse("b"), Ok(Command::Points));
        assert_eq!(parse("watch 0x1000 4"), Ok(Command::Watch("0x1000".into(), 4)));
        assert_eq!(parse("d 2"), Ok(Command::Delete(Some(2))));
        assert_eq!(parse("delete"), Ok(Command::Delete(None)));
        assert_eq!(
            parse("x/4i $pc"),
            Ok(Command::Examine {
                count: 4,
                shape: Shape::Instructions,
                space: AddressSpace::Virtual,
                at: "$pc".into()
            })
        );
        assert_eq!(
            parse("x/2 p:0x80000000"),
            Ok(Command::Examine {
                count: 2,
                shape: Shape::Words,
                space: AddressSpace::Physical,
                at: "0x80000000".into()
            })
        );
        assert_eq!(
            parse("translate 0x13000 w u"),
            Ok(Command::Translate {
                at: "0x13000".into(),
                access: crate::cpu::Access::Store,
                privilege: Some(crate::cpu::Privilege::User)
            })
        );
        assert_eq!(parse("pt all"), Ok(Command::PageTable { all: true }));
        assert_eq!(parse("   "), Ok(Command::Nothing));
    }

    #[test]
    fn nonsense_is_an_error_not_a_crash() {
        for line in [
            "bogus",
            "step 0",
            "step x",
            "x/0 0",
            "x/5q 0",
            "x/4",
            "watch",
            "translate 1 q",
            "pt some",
            "s 1 2",
            "info",
        ] {
            assert!(parse(line).is_err(), "{line:?}");
        }
    }

    #[test]
    fn addresses_are_numbers_registers_symbols_and_offsets() {
        let register = |r: &str| (r == "sp").then_some(0x1000);
        let symbol = |s: &str| (s == "main").then_some(0x2000);
        assert_eq!(address("0x10", register, symbol), Ok(16));
        assert_eq!(address("16", register, symbol), Ok(16));
        assert_eq!(address("$sp+8", register, symbol), Ok(0x1008));
        assert_eq!(address("main-0x10", register, symbol), Ok(0x1ff0));
        assert_eq!(address("sp", register, symbol), Ok(0x1000));
        assert!(address("nosuch", register, symbol).is_err());
        assert!(address("$nosuch", register, symbol).is_err());
    }
}
