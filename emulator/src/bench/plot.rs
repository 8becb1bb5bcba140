//! A sweep drawn as an SVG (plotters): hit rate against TLB size, one
//! line per policy and associativity.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::sweep::ShapeResult;

/// The series colours, in order (matplotlib's first six).
pub(super) const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Writes the plot of `results` to `path`, titled `title`.
pub fn svg(results: &[ShapeResult], title: &str, path: &std::path::Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("{path:?}: cannot write the plot: {e}");
    // TLB sizes are usually powers of two: the x axis is log2(entries),
    // labelled with the sizes themselves.
    let log2 = |e: usize| (e.max(1) as f64).log2();
    // Series: (policy, ways label) -> points (log2 entries, hit rate).
    let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for r in results {
        let ways = if r.shape.ways == r.shape.entries { "full".to_string() } else { format!("{}-way", r.shape.ways) };
        let label = format!("{} {ways}", r.shape.policy.name());
        let point = (log2(r.shape.entries), r.hit_rate());
        match series.iter_mut().find(|(l, _)| *l == label) {
            Some((_, points)) => points.push(point),
            None => series.push((label, vec![point])),
        }
    }
    let (x_min, x_max) = results
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(log2(r.shape.entries)), hi.max(log2(r.shape.entries))));
    let (x_min, x_max) = if x_min <= x_max { (x_min - 0.25, x_max.max(x_min + 1.0) + 0.25) } else { (0.0, 1.0) };
    let y_min = results.iter().map(ShapeResult::hit_rate).fold(100.0f64, f64::min);
    let y_low = (y_min - (100.0 - y_min) * 0.1).clamp(0.0, 99.9);
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(65)
        .build_cartesian_2d(x_min..x_max, y_low..100.0)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .x_desc("TLB entries")
        .x_labels(((x_max - x_min).ceil() as usize + 1).min(16))
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-9 { format!("{}", 2f64.powf(x.round())) } else { String::new() }
        })
        .y_desc("hit rate (%)")
        .y_label_formatter(&|y| format!("{y:.2}"))
        .draw()
        .map_err(|e| fail(&e))?;
    draw_lines(&mut chart, &series, SeriesLabelPosition::LowerRight).map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))
}

/// A plot's chart: an SVG drawing area with linear axes.
pub(super) type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws each labelled series as a line of its colour with a dot at each
/// point, and the legend at `legend`.
pub(super) fn draw_lines<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    series: &[(String, Vec<(f64, f64)>)],
    legend: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    for (i, (label, points)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
    }
    chart.configure_series_labels().position(legend).background_style(WHITE).border_style(BLACK).draw()
}
