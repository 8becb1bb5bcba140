//! A paging sweep drawn as an SVG (plotters): faults against the frame
//! budget, one line per policy. The frames axis is logarithmic (budgets
//! are usually powers of two), and so is the faults axis when faults span
//! an order of magnitude or more (between thrashing and a working set
//! that fits). Failed points are left out.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use super::paging::{Pager, PagingResult};
use super::plot::COLOURS;

/// One policy's line: (log2 frames, faults) points.
type Series = (Pager, Vec<(f64, f64)>);

/// Writes the plot of `results` to `path`, titled `title`.
pub fn svg(results: &[PagingResult], title: &str, path: &std::path::Path) -> Result<(), String> {
    let series = series(results);
    let faults = series.iter().flat_map(|(_, p)| p.iter().map(|&(_, y)| y));
    let (y_min, y_max) = faults.fold((f64::MAX, 1.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let plot = Plot { series: &series, title, path };
    if y_max >= 10.0 * y_min { plot.draw((y_min / 1.5..y_max * 1.5).log_scale()) } else { plot.draw(0.0..y_max * 1.1) }
}

/// A plot to draw.
struct Plot<'a> {
    series: &'a [Series],
    title: &'a str,
    path: &'a std::path::Path,
}

impl Plot<'_> {
    /// Draws the series over the y axis `y` (faults: linear, or
    /// logarithmic when they span orders of magnitude).
    fn draw<Y>(&self, y: Y) -> Result<(), String>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let path = self.path;
        let fail = |e: &dyn std::fmt::Display| format!("{path:?}: cannot write the plot: {e}");
        let xs = self.series.iter().flat_map(|(_, p)| p.iter().map(|&(x, _)| x));
        let (x_min, x_max) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let (x_min, x_max) = if x_min <= x_max { (x_min - 0.25, x_max.max(x_min + 1.0) + 0.25) } else { (0.0, 1.0) };
        let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, ("sans-serif", 22))
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(75)
            .build_cartesian_2d(x_min..x_max, y)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc("user frames")
            .x_labels(((x_max - x_min).ceil() as usize + 1).min(16))
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-9 { format!("{}", 2f64.powf(x.round())) } else { String::new() }
            })
            .y_desc("faults")
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(|e| fail(&e))?;
        for (i, (pager, points)) in self.series.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))
                .map_err(|e| fail(&e))?
                .label(pager.name())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(|e| fail(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE)
            .border_style(BLACK)
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))
    }
}

/// The measured points of each policy, in the order the policies first
/// appear; faults below 1 are drawn at 1 (the axis is logarithmic).
fn series(results: &[PagingResult]) -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    for r in results {
        let Some(faults) = r.faults.filter(|_| r.failure.is_none()) else { continue };
        let point = ((r.frames.max(1) as f64).log2(), (faults.max(1)) as f64);
        match series.iter_mut().find(|(p, _)| *p == r.pager) {
            Some((_, points)) => points.push(point),
            None => series.push((r.pager, vec![point])),
        }
    }
    series
}
