//! The charts of `--svg DIR`: bars per approach for the comparison, lines per approach for
//! the sweeps (plotters, SVG only). And the folder they go in: checked before any work,
//! created only below a parent that exists.

use std::path::{Path, PathBuf};

use crate::Args;
use crate::siblings::Row;

/// `--svg DIR` is usable: a directory, or a new name in a directory that exists. Checked
/// before any work, so that a typo costs nothing; a bad path is a bad argument.
pub fn check_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        return match dir.is_dir() {
            true => Ok(()),
            false => Err(format!(
                "--svg {}: it exists and is not a directory",
                dir.display()
            )),
        };
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if parent.is_dir() {
        Ok(())
    } else {
        Err(format!(
            "--svg {}: its parent {} is not an existing directory (only the last part is created)",
            dir.display(),
            parent.display()
        ))
    }
}

/// Creates `dir` (only it, not its parents) unless it exists.
fn create(dir: &Path) -> Result<(), String> {
    match std::fs::create_dir(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(format!("cannot create {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// One figure of a row, for a chart.
type Metric = fn(&Row) -> f64;

/// One SVG per scenario: wall time and peak memory per approach, as bars.
pub fn write_svg(
    dir: &Path,
    scenario: &str,
    title: &str,
    rows: &[&Row],
) -> Result<PathBuf, String> {
    use plotters::prelude::*;
    create(dir)?;
    let path = dir.join(format!("{scenario}.svg"));
    let root = SVGBackend::new(&path, (960, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let panels = root.split_evenly((1, 2));
    let metrics: [(&str, Metric); 2] = [
        ("wall time (s)", |r| r.wall_s),
        ("peak RSS (MiB)", |r| r.peak_rss_kib as f64 / 1024.0),
    ];
    for (panel, (label, value)) in panels.iter().zip(metrics) {
        let top = rows.iter().map(|r| value(r)).fold(0.0, f64::max) * 1.15 + 1e-9;
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{title}: {label}"), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..rows.len() as f64, 0.0..top)
            .map_err(|e| e.to_string())?;
        let names: Vec<String> = rows.iter().map(|r| r.approach.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(rows.len() * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 0.26 {
                    names.get(i).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(label)
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let x = i as f64;
                Rectangle::new(
                    [(x + 0.15, 0.0), (x + 0.85, value(r))],
                    BLUE.mix(0.6).filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(path.clone()) // the drawing areas still borrow `path` until they are dropped
}

/// A line chart: one line per approach, with a point per measurement. Log axes plot log10 of
/// the values on a linear axis and label them with the values themselves.
struct Panel {
    title: String,
    x_desc: &'static str,
    y_desc: &'static str,
    log_x: bool,
    log_y: bool,
    lines: Vec<(String, Vec<(f64, f64)>)>,
}

pub fn write_sweep_charts(dir: &Path, args: &Args, rows: &[Row]) -> Result<Vec<PathBuf>, String> {
    create(dir)?;
    let lines = |scenario: &str, x: fn(&Row) -> Option<u32>, y: &dyn Fn(&Row) -> f64| {
        let mut out: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for r in rows.iter().filter(|r| r.scenario == scenario) {
            let Some(xv) = x(r) else { continue };
            let point = (f64::from(xv), y(r));
            match out.iter_mut().find(|(name, _)| *name == r.approach) {
                Some((_, points)) => points.push(point),
                None => out.push((r.approach.clone(), vec![point])),
            }
        }
        out
    };
    let mib = |r: &Row| r.peak_rss_kib as f64 / 1024.0;
    let io_path = dir.join("io-sweep.svg");
    write_lines(
        &io_path,
        &[
            Panel {
                title: format!("requests of {} ms at once: wall time", args.delay_ms),
                x_desc: "requests",
                y_desc: "seconds",
                log_x: true,
                log_y: true,
                lines: lines("io-sweep", |r| r.requests, &|r| r.wall_s),
            },
            Panel {
                title: "peak RSS of the client".into(),
                x_desc: "requests",
                y_desc: "MiB",
                log_x: true,
                log_y: true,
                lines: lines("io-sweep", |r| r.requests, &mib),
            },
        ],
    )?;
    let seq = rows
        .iter()
        .find(|r| r.scenario == "cpu-sweep" && r.approach == "sequential")
        .map_or(1.0, |r| r.wall_s);
    let mut speedups: Vec<_> = lines("cpu-sweep", |r| r.workers, &|r| seq / r.wall_s)
        .into_iter()
        .filter(|(name, _)| name != "sequential")
        .collect();
    let most = rows
        .iter()
        .filter(|r| r.scenario == "cpu-sweep")
        .filter_map(|r| r.workers)
        .max()
        .unwrap_or(1);
    // The ideal: w times on w workers, up to the number of cores, as the report says.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    speedups.push((
        "ideal".into(),
        (1..=most)
            .map(|w| (f64::from(w), f64::from(w.min(cores))))
            .collect(),
    ));
    let cpu_path = dir.join("cpu-sweep.svg");
    write_lines(
        &cpu_path,
        &[
            Panel {
                title: format!("primes below {}: speedup", args.limit),
                x_desc: "workers",
                y_desc: "x sequential",
                log_x: false,
                log_y: false,
                lines: speedups,
            },
            Panel {
                title: "peak RSS".into(),
                x_desc: "workers",
                y_desc: "MiB",
                log_x: false,
                log_y: false,
                lines: lines("cpu-sweep", |r| r.workers, &mib),
            },
        ],
    )?;
    Ok(vec![io_path, cpu_path])
}

/// Every line's name, in the order of the palette.
const COLOURS: [&str; 9] = [
    "sequential",
    "tokio",
    "smol",
    "async-std",
    "lean",
    "threads",
    "rayon",
    "processes",
    "ideal",
];

fn write_lines(path: &Path, panels: &[Panel]) -> Result<(), String> {
    use plotters::prelude::*;
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::new(path, (1100, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    for (area, p) in root.split_evenly((1, panels.len())).iter().zip(panels) {
        let to_axis = |log: bool, v: f64| if log { v.max(1e-6).log10() } else { v };
        let from_axis = |log: bool, v: f64| if log { 10f64.powf(v) } else { v };
        let points: Vec<(f64, f64)> = p.lines.iter().flat_map(|(_, pts)| pts.clone()).collect();
        let range = |log: bool, values: Vec<f64>| {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
            if log {
                (to_axis(true, lo) - 0.2)..(to_axis(true, hi) + 0.2)
            } else {
                (lo.min(0.0))..(hi * 1.15).max(lo + 1.0)
            }
        };
        let xr = range(p.log_x, points.iter().map(|q| q.0).collect());
        let yr = range(p.log_y, points.iter().map(|q| q.1).collect());
        let mut chart = ChartBuilder::on(area)
            .caption(&p.title, ("sans-serif", 16))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(xr, yr)
            .map_err(|x| e(&x))?;
        let label = |log: bool, v: f64| {
            let v = from_axis(log, v);
            if v >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        };
        chart
            .configure_mesh()
            .x_desc(p.x_desc)
            .y_desc(p.y_desc)
            .x_label_formatter(&|x| label(p.log_x, *x))
            .y_label_formatter(&|y| label(p.log_y, *y))
            .draw()
            .map_err(|x| e(&x))?;
        for (name, pts) in &p.lines {
            // The same colour for an approach in every panel and chart.
            let i = COLOURS
                .iter()
                .position(|c| c == name)
                .unwrap_or(COLOURS.len());
            let color = Palette99::pick(i).to_rgba();
            let pts: Vec<(f64, f64)> = pts
                .iter()
                .map(|&(x, y)| (to_axis(p.log_x, x), to_axis(p.log_y, y)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|x| e(&x))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|&q| Circle::new(q, 3, color.filled())))
                .map_err(|x| e(&x))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))
}
