//! A paging sweep's results as a table, CSV and JSON. A point that failed
//! is a row all the same, its counters empty and its error given.

use std::fmt::Write as _;

use serde::Serialize;

use super::paging::PagingResult;

/// One row, as CSV and JSON have it.
#[derive(Debug, Serialize)]
struct Row<'a> {
    policy: &'a str,
    frames: usize,
    faults: Option<u64>,
    major_faults: Option<u64>,
    demand_zero: Option<u64>,
    cow_copies: Option<u64>,
    page_ins: Option<u64>,
    page_outs: Option<u64>,
    frame_budget: Option<u64>,
    instructions: u64,
    seconds: f64,
    ok: bool,
    error: Option<&'a str>,
}

fn row(r: &PagingResult) -> Row<'_> {
    let s = r.vmstat;
    Row {
        policy: r.pager.name(),
        frames: r.frames,
        faults: r.faults,
        major_faults: s.map(|s| s.major_faults),
        demand_zero: s.map(|s| s.demand_zero),
        cow_copies: s.map(|s| s.cow_copies),
        page_ins: s.map(|s| s.page_ins),
        page_outs: s.map(|s| s.page_outs),
        frame_budget: s.map(|s| s.frame_budget),
        instructions: r.instructions,
        seconds: r.seconds,
        ok: r.failure.is_none(),
        error: r.failure.as_deref(),
    }
}

/// A count, or `-` when there is none.
fn count(value: Option<u64>) -> String {
    value.map_or_else(|| "-".into(), |v| v.to_string())
}

/// The results as a table for the terminal.
pub fn table(results: &[PagingResult]) -> String {
    let mut out = format!(
        "{:<7} {:>7} {:>10} {:>9} {:>9} {:>13} {:>8}  {}\n",
        "policy", "frames", "faults", "page-ins", "page-outs", "instructions", "time", "status"
    );
    for r in results.iter().map(row) {
        let status = r.error.map_or_else(|| "ok".to_string(), |e| format!("FAILED: {e}"));
        let _ = writeln!(
            out,
            "{:<7} {:>7} {:>10} {:>9} {:>9} {:>13} {:>7.2}s  {status}",
            r.policy,
            r.frames,
            count(r.faults),
            count(r.page_ins),
            count(r.page_outs),
            r.instructions,
            r.seconds
        );
    }
    out
}

/// The results as CSV, with a header line; empty fields where nothing
/// was measured.
pub fn csv(results: &[PagingResult]) -> String {
    let mut out = String::from(
        "policy,frames,faults,major_faults,demand_zero,cow_copies,page_ins,page_outs,frame_budget,instructions,seconds,ok,error\n",
    );
    let field = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    for r in results.iter().map(row) {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{:.4},{},{}",
            r.policy,
            r.frames,
            field(r.faults),
            field(r.major_faults),
            field(r.demand_zero),
            field(r.cow_copies),
            field(r.page_ins),
            field(r.page_outs),
            field(r.frame_budget),
            r.instructions,
            r.seconds,
            r.ok,
            quoted(r.error.unwrap_or(""))
        );
    }
    out
}

/// A CSV field: quoted (quotes doubled) when it holds a comma, a quote or
/// a line break.
fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.into() }
}

/// The results as a JSON array.
pub fn json(results: &[PagingResult]) -> String {
    let rows: Vec<Row<'_>> = results.iter().map(row).collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::paging::Pager;
    use crate::bench::vmstat::VmStat;

    fn results() -> Vec<PagingResult> {
        let vmstat = VmStat { major_faults: 5, demand_zero: 7, page_ins: 3, page_outs: 4, ..VmStat::default() };
        let ok = PagingResult {
            pager: Pager::Clock,
            frames: 16,
            vmstat: Some(vmstat),
            faults: Some(12),
            instructions: 1000,
            seconds: 0.5,
            failure: None,
            output: String::new(),
        };
        let failed = PagingResult {
            pager: Pager::Fifo,
            frames: 2,
            vmstat: None,
            faults: None,
            failure: Some("exit 137, killed".into()),
            ..ok.clone()
        };
        vec![ok, failed]
    }

    #[test]
    fn failed_points_are_rows_that_say_so() {
        let table = table(&results());
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("clock") && lines[1].contains(" 12 ") && lines[1].ends_with("ok"), "{table}");
        assert!(lines[2].contains("FAILED: exit 137, killed"), "{table}");
        let csv = csv(&results());
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[1].starts_with("clock,16,12,5,7,0,3,4,0,1000,0.5000,true,"), "{csv}");
        assert!(
            lines[2].starts_with("fifo,2,,,,,,,,1000,") && lines[2].ends_with(",false,\"exit 137, killed\""),
            "{csv}"
        );
        let json: serde_json::Value = serde_json::from_str(&json(&results())).expect("JSON");
        assert_eq!(json[0]["faults"], 12);
        assert!(json[1]["faults"].is_null() && json[1]["ok"] == false);
    }
}
