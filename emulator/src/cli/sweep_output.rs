//! What the sweeps (`rvsim bench tlb`, `rvsim bench paging`) share about
//! running and reporting: how many runs at once, the progress bar, the
//! output format and the plot file.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Failure, exit_code, listing_failure};

/// The sweeps' options for running and reporting.
#[derive(Args, Debug)]
pub(super) struct SweepOutput {
    /// Runs at once (default: one per host core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(super) jobs: Option<u32>,
    /// Print CSV instead of a table.
    #[arg(long, conflicts_with = "json")]
    pub(super) csv: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(super) json: bool,
    /// Also draw the results as an SVG, one line per configuration.
    #[arg(long, value_name = "FILE.svg")]
    pub(super) plot: Option<PathBuf>,
}

impl SweepOutput {
    /// Host threads for the runs.
    pub(super) fn threads(&self) -> usize {
        self.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |n| n as usize)
    }

    /// Refuses a plot file that cannot be written now, rather than after
    /// the sweep.
    pub(super) fn check_plot(&self) -> Result<(), Failure> {
        if let Some(path) = &self.plot {
            std::fs::File::create(path)
                .map_err(|e| (exit_code::USAGE, format!("{path:?}: cannot write the plot: {e}")))?;
        }
        Ok(())
    }

    /// A progress bar on standard error for `len` runs, each a `what`.
    pub(super) fn progress(len: usize, what: &str) -> ProgressBar {
        let bar = ProgressBar::new(len as u64);
        let template = format!("{{bar:40}} {{pos}}/{{len}} {what}, {{elapsed}} elapsed, about {{eta}} left");
        bar.set_style(ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()));
        bar
    }

    /// Prints the results in the format asked for: each formatter is
    /// called only if chosen.
    pub(super) fn print(
        &self,
        table: impl FnOnce() -> String,
        csv: impl FnOnce() -> String,
        json: impl FnOnce() -> String,
    ) -> Result<(), Failure> {
        let text = if self.csv {
            csv()
        } else if self.json {
            json() + "\n"
        } else {
            table()
        };
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(listing_failure)
    }
}
