//! The options that take a list (`--trace insn,mmu`, `--kernel-log vm`,
//! the sweeps' `--entries`, `--ways`, `--frames` and `--policy`) or key=value pairs
//! (`--tlb entries=64,ways=4`) are checked alike: an empty value, an empty
//! item, a repeated name or key, and an unknown name are errors, each one
//! line worded the same way for every option.

use crate::bench::paging::Pager;
use crate::mmu::{Policy, TlbShape};
use crate::trace::Categories;

/// The kernel logs `--kernel-log` can turn on (the teaching kernel's
/// `log=` boot argument).
pub(super) const KERNEL_LOGS: [&str; 4] = ["vm", "vmstat", "syscalls", "dsm"];

/// The items of a comma-separated list, trimmed. Refused: an empty list,
/// an empty item (`a,,b`, a trailing comma), an item given twice.
pub(super) fn list_items(text: &str) -> Result<Vec<&str>, String> {
    if text.trim().is_empty() {
        return Err("the list is empty".into());
    }
    let mut items: Vec<&str> = Vec::new();
    for item in text.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(format!("an empty item in {text:?}"));
        }
        if items.contains(&item) {
            return Err(format!("{item:?} is given twice"));
        }
        items.push(item);
    }
    Ok(items)
}

/// The pairs of a comma-separated `key=value` list. Refused as by
/// [`list_items`], and: an item that is not `key=value`, an empty value,
/// a key given twice.
pub(super) fn key_values(text: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for item in list_items(text)? {
        let (key, value) = item.split_once('=').ok_or_else(|| format!("{item:?} is not key=value"))?;
        let (key, value) = (key.trim(), value.trim());
        if value.is_empty() {
            return Err(format!("{key:?} has no value"));
        }
        if pairs.iter().any(|(seen, _)| *seen == key) {
            return Err(format!("the key {key:?} is given twice"));
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Refuses `all` next to other names: it already names them all.
fn all_stands_alone(items: &[&str]) -> Result<(), String> {
    if items.len() > 1 && items.contains(&"all") {
        return Err("'all' already names everything; give it alone".into());
    }
    Ok(())
}

/// `--tlb entries=64,ways=4,policy=lru`.
pub(super) fn parse_tlb(text: &str) -> Result<TlbShape, String> {
    key_values(text)?;
    TlbShape::parse(text)
}

/// `--trace insn,mmu` or `all`.
pub(super) fn parse_trace(text: &str) -> Result<Categories, String> {
    all_stands_alone(&list_items(text)?)?;
    Categories::parse(text)
}

/// `--kernel-log vm`: the names, comma-separated, as the kernel's `log=`
/// boot argument takes them.
pub(super) fn parse_kernel_log(text: &str) -> Result<String, String> {
    let items = list_items(text)?;
    if let Some(unknown) = items.iter().find(|item| !KERNEL_LOGS.contains(item)) {
        return Err(format!("unknown kernel log {unknown:?} (known: {})", KERNEL_LOGS.join(", ")));
    }
    Ok(items.join(","))
}

/// `lru,fifo,random` or `all`.
pub(super) fn parse_policies(text: &str) -> Result<Vec<Policy>, String> {
    let items = list_items(text)?;
    all_stands_alone(&items)?;
    if items == ["all"] {
        return Ok(Policy::ALL.to_vec());
    }
    items.into_iter().map(Policy::parse).collect()
}

/// `clock,lru,opt` or `all`: the paging sweep's policies.
pub(super) fn parse_pagers(text: &str) -> Result<Vec<Pager>, String> {
    let items = list_items(text)?;
    all_stands_alone(&items)?;
    if items == ["all"] {
        return Ok(Pager::ALL.to_vec());
    }
    items.into_iter().map(Pager::parse).collect()
}

/// `32,64,128`, `16..512` (the powers of two from 16 to 512), or a mix:
/// user-frame budgets, each at least 1.
pub(super) fn parse_frames(text: &str) -> Result<Vec<usize>, String> {
    let mut budgets = Vec::new();
    for item in list_items(text)? {
        match item.split_once("..") {
            Some((low, high)) => budgets.extend(powers_of_two(item, frame_count(low)?, frame_count(high)?)?),
            None => budgets.push(frame_count(item)?),
        }
    }
    distinct(budgets, |n| n.to_string())
}

fn frame_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("a frame budget is at least 1 frame".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a number of frames")),
    }
}

/// `1,2,4,full` (0 stands for fully associative).
pub(super) fn parse_ways(text: &str) -> Result<Vec<usize>, String> {
    let ways = list_items(text)?
        .into_iter()
        .map(|w| match w {
            "full" => Ok(0),
            t => {
                t.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| format!("{w:?}: ways are a number or 'full'"))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    distinct(ways, |w| if w == 0 { "full".into() } else { w.to_string() })
}

/// `8,16,64`, `8..1024` (the powers of two from 8 to 1024), or a mix.
pub(super) fn parse_entries(text: &str) -> Result<Vec<usize>, String> {
    let mut sizes = Vec::new();
    for item in list_items(text)? {
        match item.split_once("..") {
            Some((low, high)) => sizes.extend(powers_of_two(item, entry_count(low)?, entry_count(high)?)?),
            None => sizes.push(entry_count(item)?),
        }
    }
    distinct(sizes, |size| size.to_string())
}

fn entry_count(text: &str) -> Result<usize, String> {
    text.trim().parse::<usize>().map_err(|_| format!("{text:?} is not a number of entries"))
}

/// `low`, `2 * low`, ... up to `high`: the sizes of range `item`.
fn powers_of_two(item: &str, low: usize, high: usize) -> Result<Vec<usize>, String> {
    if low == 0 || low > high {
        return Err(format!("{item:?}: a range goes up from a size above 0"));
    }
    let mut sizes = Vec::new();
    let mut size = low;
    while size <= high {
        sizes.push(size);
        size = size.checked_mul(2).ok_or("range too large")?;
    }
    Ok(sizes)
}

/// `values`, refused when one appears twice (named by `name`).
fn distinct<T: PartialEq + Copy>(values: Vec<T>, name: impl Fn(T) -> String) -> Result<Vec<T>, String> {
    for (i, value) in values.iter().enumerate() {
        if values[..i].contains(value) {
            return Err(format!("{:?} is given twice", name(*value)));
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_refuse_empty_items_and_repeats() {
        assert_eq!(list_items(" insn , mmu "), Ok(vec!["insn", "mmu"]));
        assert!(list_items("").is_err());
        assert!(list_items("  ").is_err());
        assert!(list_items("insn,,mmu").is_err());
        assert!(list_items("insn,").is_err());
        assert!(list_items("insn,insn").is_err());
    }

    #[test]
    fn key_values_refuse_missing_values_and_repeated_keys() {
        assert_eq!(key_values("entries=8, ways=2"), Ok(vec![("entries", "8"), ("ways", "2")]));
        assert!(key_values("entries").is_err());
        assert!(key_values("entries=").is_err());
        assert!(key_values("entries=64,entries=32").is_err());
        assert!(parse_tlb("").is_err());
        assert!(parse_tlb("entries=64,entries=32").is_err());
        assert!(parse_tlb("size=8").is_err());
        assert_eq!(parse_tlb("entries=8,ways=full").map(|s| s.ways), Ok(8));
    }

    #[test]
    fn names_must_be_known_and_all_alone() {
        assert_eq!(parse_kernel_log("vm"), Ok("vm".to_string()));
        assert!(parse_kernel_log("bogus").is_err());
        assert!(parse_kernel_log("vm,vm").is_err());
        assert!(parse_trace("all,insn").is_err());
        assert!(parse_trace("insn,insn").is_err());
        assert!(parse_trace("insn,mmu").is_ok());
        assert!(parse_policies("all,lru").is_err());
    }

    #[test]
    fn entry_lists_expand_ranges() {
        assert_eq!(parse_entries("8..64"), Ok(vec![8, 16, 32, 64]));
        assert_eq!(parse_entries("4,8..16,100"), Ok(vec![4, 8, 16, 100]));
        assert_eq!(parse_entries("6..20"), Ok(vec![6, 12]));
        assert!(parse_entries("0..8").is_err());
        assert!(parse_entries("64..8").is_err());
        assert!(parse_entries("eight").is_err());
        assert!(parse_entries("8..32,16").is_err(), "16 twice");
    }

    #[test]
    fn frame_lists_are_positive() {
        assert_eq!(parse_frames("32,64..256"), Ok(vec![32, 64, 128, 256]));
        assert!(parse_frames("0").is_err_and(|e| e.contains("at least 1")));
        assert!(parse_frames("0..8").is_err());
        assert!(parse_frames("").is_err());
        assert!(parse_frames("8,8").is_err());
        assert!(parse_frames("-4").is_err());
        assert_eq!(parse_pagers("all").map(|l| l.len()), Ok(5));
        assert_eq!(parse_pagers("opt,fifo"), Ok(vec![Pager::Opt, Pager::Fifo]));
        assert!(parse_pagers("bogus").is_err_and(|e| e.contains("unknown policy 'bogus'")));
    }

    #[test]
    fn ways_and_policies_parse() {
        assert_eq!(parse_ways("1,4,full"), Ok(vec![1, 4, 0]));
        assert!(parse_ways("0").is_err());
        assert!(parse_ways("4,04").is_err());
        assert_eq!(parse_policies("all").map(|l| l.len()), Ok(3));
        assert_eq!(parse_policies("fifo,lru"), Ok(vec![Policy::Fifo, Policy::Lru]));
        assert!(parse_policies("clock").is_err());
        assert!(parse_policies("lru,lru").is_err());
    }
}
