//! The teaching kernel's VM counters as it prints them under `log=vmstat`
//! when the first process exits, one console line:
//!
//! ```text
//! [vmstat] page_faults=404 major_faults=3 demand_zero=1 cow_copies=200 shared_misses=3 page_ins=0 page_outs=0 drops=0 frame_budget=2834 swap_total=16383
//! ```

use serde::Serialize;

/// The counters of a `[vmstat]` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct VmStat {
    /// Page faults handled (user mode, and kernel accesses to user memory).
    pub page_faults: u64,
    /// Faults that read a page: from swap, or from a program image.
    pub major_faults: u64,
    /// Pages zero-filled on first touch.
    pub demand_zero: u64,
    /// Copy-on-write faults that copied the page.
    pub cow_copies: u64,
    /// Faults on shared image pages that loaded the page.
    pub shared_misses: u64,
    /// Pages read from swap.
    pub page_ins: u64,
    /// Pages written to swap.
    pub page_outs: u64,
    /// Pages evicted without a write.
    pub drops: u64,
    /// Frames that may hold user pages at once.
    pub frame_budget: u64,
    /// Swap slots.
    pub swap_total: u64,
}

/// The line's tag.
const TAG: &str = "[vmstat]";

impl VmStat {
    /// The counters of the first `[vmstat]` line of `output`; `None` when
    /// there is none, or it lacks a counter.
    pub fn find(output: &str) -> Option<VmStat> {
        let line = output.lines().find_map(|l| l.split_once(TAG).map(|(_, rest)| rest))?;
        // Each counter is looked up by name, so their order does not
        // matter and counters the kernel adds later are ignored.
        let mut s = VmStat::default();
        let fields = [
            ("page_faults", &mut s.page_faults),
            ("major_faults", &mut s.major_faults),
            ("demand_zero", &mut s.demand_zero),
            ("cow_copies", &mut s.cow_copies),
            ("shared_misses", &mut s.shared_misses),
            ("page_ins", &mut s.page_ins),
            ("page_outs", &mut s.page_outs),
            ("drops", &mut s.drops),
            ("frame_budget", &mut s.frame_budget),
            ("swap_total", &mut s.swap_total),
        ];
        for (name, field) in fields {
            *field = value_of(line, name)?;
        }
        Some(s)
    }

    /// The faults that had to give a page a frame: a page read in (from
    /// swap or a program image), a page zero-filled on first touch, or a
    /// copy-on-write copy. Faults that only mapped a page already in a
    /// frame (a shared page another process loaded, a COW page whose last
    /// sharer takes it over, an accessed/dirty update) do not count.
    pub fn faults(&self) -> u64 {
        self.major_faults + self.demand_zero + self.cow_copies
    }
}

/// The number after `name=` among the words of `line`.
fn value_of(line: &str, name: &str) -> Option<u64> {
    line.split_whitespace().find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "[vmstat] page_faults=404 major_faults=3 demand_zero=1 cow_copies=200 shared_misses=3 \
                        page_ins=7 page_outs=9 drops=2 frame_budget=2834 swap_total=16383";

    #[test]
    fn the_line_is_found_among_others() {
        let output = format!("[kernel] swap on virtio0\nforktest: ok\n{LINE}\n");
        let s = VmStat::find(&output).expect("a vmstat line");
        assert_eq!((s.page_faults, s.major_faults, s.demand_zero, s.cow_copies), (404, 3, 1, 200));
        assert_eq!((s.page_ins, s.page_outs, s.drops, s.frame_budget, s.swap_total), (7, 9, 2, 2834, 16383));
        assert_eq!(s.faults(), 204);
    }

    #[test]
    fn a_missing_or_cut_line_is_none() {
        assert_eq!(VmStat::find("hello\n"), None);
        assert_eq!(VmStat::find("[vmstat] page_faults=1 major_faults=2"), None);
        assert_eq!(VmStat::find(&LINE.replace("=200", "=x")), None);
        // A name that is a prefix of another does not match it.
        assert_eq!(VmStat::find(&LINE.replace("drops=", "dropsy=")), None);
    }
}
