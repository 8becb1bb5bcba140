//! A DSM sweep drawn as an SVG (plotters): speedup against nodes, one
//! line per protocol and latency, with the ideal (speedup = nodes) for
//! reference. Failed points are left out.

use plotters::prelude::*;

use super::dsm::DsmResult;
use super::plot::draw_lines;

/// One protocol and latency's line: (nodes, speedup) points.
type Series = (String, Vec<(f64, f64)>);

/// Writes the plot of `results` to `path`, titled `title`.
pub fn svg(results: &[DsmResult], title: &str, path: &std::path::Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("{path:?}: cannot write the plot: {e}");
    let series = series(results);
    let x_max = series.iter().flat_map(|(_, p)| p.iter().map(|&(x, _)| x)).fold(1.0, f64::max);
    let y_max = series.iter().flat_map(|(_, p)| p.iter().map(|&(_, y)| y)).fold(x_max, f64::max);
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0.5..x_max + 0.5, 0.0..y_max * 1.1)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .x_desc("nodes")
        .y_desc("speedup (guest cycles of 1 node / of N nodes)")
        .x_label_formatter(&|x| if (x - x.round()).abs() < 1e-9 { format!("{}", x.round()) } else { String::new() })
        .y_label_formatter(&|y| format!("{y:.1}"))
        .draw()
        .map_err(|e| fail(&e))?;
    let ideal = [(1.0, 1.0), (x_max, x_max)];
    chart
        .draw_series(LineSeries::new(ideal, BLACK.mix(0.3).stroke_width(1)))
        .map_err(|e| fail(&e))?
        .label("ideal")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.3)));
    draw_lines(&mut chart, &series, SeriesLabelPosition::UpperLeft).map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))
}

/// The measured points of each protocol and latency, in the order they
/// first appear.
fn series(results: &[DsmResult]) -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    for r in results.iter().filter(|r| r.failure.is_none()) {
        let Some(speedup) = r.speedup else { continue };
        let name = format!("{}, latency {}", r.point.protocol.name(), r.point.latency);
        let point = (r.point.nodes as f64, speedup);
        match series.iter_mut().find(|(n, _)| *n == name) {
            Some((_, points)) => points.push(point),
            None => series.push((name, vec![point])),
        }
    }
    series
}
