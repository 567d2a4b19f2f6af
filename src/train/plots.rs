//! # Pictures of a diagnosis (makemore part 3), with `--features plots`
//!
//! The lecture "activations, gradients and BatchNorm" reads a deep network's
//! health off a few plots; [`write_all`] draws them from a
//! [`Diagnosis`], each as a PNG and an SVG:
//!
//! | file | what it shows |
//! |---|---|
//! | `loss.{png,svg}` | log10 of the batch loss, averaged per 1,000 steps |
//! | `activations.{png,svg}` | histogram of each tanh layer's outputs, with mean, std and % saturated |
//! | `gradients.{png,svg}` | histogram of the gradient at each tanh layer's output |
//! | `updates.{png,svg}` | log10 update:data ratio of each weight over the steps, with the 1e-3 guide |
//! | `dlogits.{png,svg}` | `dlogits (B, V)` of one batch in grey levels |
//!
//! `plotters` is built without system fonts: the text is drawn with DejaVu
//! Sans (`assets/fonts/`, Bitstream Vera licence) registered from bytes.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::error::{Error, Result};
use crate::models::deep::{Snapshot, TanhStats};
use crate::models::diagnostics::{self, UPDATE_GUIDE};
use crate::train::diagnose::Diagnosis;

/// DejaVu Sans, registered as `sans-serif` for every plot.
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The size of every picture, in pixels.
pub const SIZE: (u32, u32) = (1000, 500);

/// The names of the pictures [`write_all`] draws (each `.png` and `.svg`).
pub const NAMES: [&str; 5] = ["loss", "activations", "gradients", "updates", "dlogits"];

type Drawn = std::result::Result<(), String>;

fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if register_font("sans-serif", FontStyle::Normal, FONT).is_err() {
            unreachable!("the shipped DejaVu Sans is a valid font");
        }
    });
}

/// Something drawn the same way on a PNG and an SVG.
trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn;
}

/// Draws `figure` into `dir/name.png` and `dir/name.svg`.
fn write(dir: &Path, name: &str, figure: &impl Figure) -> Result<Vec<PathBuf>> {
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |detail: String| Error::Plot { path, detail }
    };
    {
        let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
        figure
            .draw(&root)
            .and_then(|()| root.present().map_err(text))
            .map_err(fail(&png))?;
    }
    {
        let root = SVGBackend::new(&svg, SIZE).into_drawing_area();
        figure
            .draw(&root)
            .and_then(|()| root.present().map_err(text))
            .map_err(fail(&svg))?;
    }
    Ok(vec![png, svg])
}

/// Writes every picture of `d` into `dir` (created if needed), for a model
/// described by `title` (`naive init, no BatchNorm`); the files written.
/// Histograms and `dlogits` come from the last snapshot; the update:data
/// picture needs `d.updates`.
pub fn write_all(dir: &Path, d: &Diagnosis, title: &str) -> Result<Vec<PathBuf>> {
    register();
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let last = d.snapshots.last().ok_or_else(|| {
        Error::Config("nothing to plot: the run took no snapshot (train at least one step)".into())
    })?;
    let mut files = write(dir, "loss", &Loss { d, title })?;
    files.extend(write(
        dir,
        "activations",
        &Histograms {
            s: last,
            title,
            gradients: false,
        },
    )?);
    files.extend(write(
        dir,
        "gradients",
        &Histograms {
            s: last,
            title,
            gradients: true,
        },
    )?);
    files.extend(write(dir, "updates", &Updates { d, title })?);
    files.extend(write(dir, "dlogits", &Dlogits { s: last, title })?);
    Ok(files)
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi - lo < 1e-9 {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = 0.05 * (hi - lo);
        (lo - pad, hi + pad)
    }
}

struct Loss<'a> {
    d: &'a Diagnosis,
    title: &'a str,
}

impl Figure for Loss<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        root.fill(&WHITE).map_err(text)?;
        // the lecture's 1,000 steps, or fewer in a short run, so that the
        // curve has at least ten points
        let per = 1000.min((self.d.losses.len() / 10).max(1));
        let blocks = diagnostics::log10_loss_blocks(&self.d.losses, per);
        let points: Vec<(f64, f64)> = blocks
            .iter()
            .enumerate()
            .map(|(i, &l)| (((i + 1) * per) as f64, l))
            .collect();
        let (lo, hi) = range(blocks.iter().copied());
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Training loss ({}): log10 of the mean of each {per} steps",
                    self.title
                ),
                font(22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..self.d.losses.len().max(1) as f64, lo..hi)
            .map_err(text)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("log10 loss")
            .label_style(font(14))
            .axis_desc_style(font(16))
            .draw()
            .map_err(text)?;
        chart
            .draw_series(LineSeries::new(points, BLUE.stroke_width(2)))
            .map_err(text)?
            .label(format!("log10 loss, mean per {per} steps"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .configure_series_labels()
            .label_font(font(14))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(text)
    }
}

struct Histograms<'a> {
    s: &'a Snapshot,
    title: &'a str,
    gradients: bool,
}

impl Figure for Histograms<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        root.fill(&WHITE).map_err(text)?;
        let gradients = self.gradients;
        let bound = if self.gradients {
            self.s
                .tanh
                .iter()
                .flat_map(|t| values_of(t, gradients).iter())
                .fold(0.0f64, |m, &g| m.max((g as f64).abs()))
                .max(1e-12)
        } else {
            1.0
        };
        let bins = 50;
        let curves: Vec<(String, Vec<(f64, f64)>)> = self
            .s
            .tanh
            .iter()
            .map(|t| {
                let (centres, counts) =
                    diagnostics::histogram(values_of(t, gradients), -bound, bound, bins);
                let n = values_of(t, gradients).len().max(1) as f64;
                // density: the area under each curve is 1
                let width = 2.0 * bound / bins as f64;
                let density = counts.iter().map(|&c| c as f64 / (n * width));
                let label = if self.gradients {
                    format!(
                        "layer {} (tanh): mean {:+.2e}, std {:.2e}",
                        t.layer, t.gradient.mean, t.gradient.std
                    )
                } else {
                    format!(
                        "layer {} (tanh): mean {:+.2}, std {:.2}, saturated {:.1}%",
                        t.layer, t.activation.mean, t.activation.std, t.activation.saturated
                    )
                };
                (label, centres.into_iter().zip(density).collect())
            })
            .collect();
        let top = curves
            .iter()
            .flat_map(|(_, c)| c.iter().map(|p| p.1))
            .fold(0.0f64, f64::max)
            .max(1e-12)
            * 1.05;
        let caption = if self.gradients {
            format!(
                "Gradient at each tanh output, step {} ({})",
                self.s.step, self.title
            )
        } else {
            format!("Tanh activations, step {} ({})", self.s.step, self.title)
        };
        let mut chart = ChartBuilder::on(root)
            .caption(caption, font(22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(80)
            .build_cartesian_2d(-bound..bound, 0.0..top)
            .map_err(text)?;
        chart
            .configure_mesh()
            .x_desc(if self.gradients {
                "d loss / d tanh output"
            } else {
                "tanh output"
            })
            .y_desc("density")
            .label_style(font(14))
            .axis_desc_style(font(16))
            .draw()
            .map_err(text)?;
        for (i, (label, points)) in curves.into_iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(text)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(font(13))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(text)
    }
}

/// The values a histogram of `t` draws: its outputs or their gradients.
fn values_of(t: &TanhStats, gradients: bool) -> &[f32] {
    if gradients {
        &t.gradients
    } else {
        &t.activations
    }
}

struct Updates<'a> {
    d: &'a Diagnosis,
    title: &'a str,
}

impl Figure for Updates<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        root.fill(&WHITE).map_err(text)?;
        let steps = self.d.updates.len();
        let (lo, hi) = range(
            self.d
                .updates
                .iter()
                .flatten()
                .copied()
                .chain([UPDATE_GUIDE]),
        );
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("Update:data ratio of each weight ({})", self.title),
                font(22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..steps.max(1) as f64, lo..hi)
            .map_err(text)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("log10( std(lr * dW) / std(W) )")
            .label_style(font(14))
            .axis_desc_style(font(16))
            .draw()
            .map_err(text)?;
        for (i, name) in self.d.weight_names.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let points = self
                .d
                .updates
                .iter()
                .enumerate()
                .filter_map(|(step, row)| row.get(i).map(|&r| ((step + 1) as f64, r)))
                .filter(|p| p.1.is_finite());
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(1)))
                .map_err(text)?
                .label(name.clone())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, UPDATE_GUIDE), (steps.max(1) as f64, UPDATE_GUIDE)],
                8,
                5,
                BLACK.stroke_width(2),
            ))
            .map_err(text)?
            .label("1e-3: the lecture's guide")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(font(13))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(text)
    }
}

struct Dlogits<'a> {
    s: &'a Snapshot,
    title: &'a str,
}

impl Figure for Dlogits<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        root.fill(&WHITE).map_err(text)?;
        let d = &self.s.dlogits; // (B, V)
        let (b, v) = d.dim();
        let (lo, hi) = d
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        let span = (hi - lo).max(1e-12);
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "dlogits of the batch at step {} ({}): black {lo:.3}, white {hi:.3}",
                    self.s.step, self.title
                ),
                font(20),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0..v, 0..b)
            .map_err(text)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("character (column of the logits)")
            .y_desc("example in the batch")
            .label_style(font(14))
            .axis_desc_style(font(16))
            .draw()
            .map_err(text)?;
        chart
            .draw_series(d.indexed_iter().map(|((row, col), &x)| {
                let grey = (255.0 * (x - lo) / span).round().clamp(0.0, 255.0) as u8;
                Rectangle::new(
                    [(col, b - 1 - row), (col + 1, b - row)],
                    RGBColor(grey, grey, grey).filled(),
                )
            }))
            .map_err(text)?;
        Ok(())
    }
}

/// One evaluation of an RLHF run: the step, the reward model's mean
/// score, the gold rule's pass rate (0 to 1), the KL to the reference
/// (nats per answer).
pub type RlhfPoint = (usize, f64, f64, f64);

/// Draws an RLHF run's evaluations into `dir/rlhf.{png,svg}` (created if
/// needed): the reward model's score, the gold pass rate and the KL over
/// the steps, one above the other, the picture of over-optimisation (the
/// score rising while the gold rate stalls as the KL grows).
pub fn rlhf(dir: &Path, points: &[RlhfPoint]) -> Result<Vec<PathBuf>> {
    register();
    if points.is_empty() {
        return Err(Error::Config("nothing to plot: no evaluation".into()));
    }
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write(dir, "rlhf", &Rlhf { points })
}

struct Rlhf<'a> {
    points: &'a [RlhfPoint],
}

/// One panel: its title, its unit, its colour, its value of a point.
type Panel = (&'static str, &'static str, RGBColor, fn(&RlhfPoint) -> f64);

impl Figure for Rlhf<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        root.fill(&WHITE).map_err(text)?;
        let last = self.points.iter().map(|p| p.0).max().unwrap_or(1).max(1) as f64;
        let first = self.points.iter().map(|p| p.0).min().unwrap_or(0) as f64;
        let panels = root.split_evenly((1, 3));
        let series: [Panel; 3] = [
            ("reward model's score", "mean score", BLUE, |p| p.1),
            ("gold rule's pass rate", "% of answers", GREEN, |p| {
                100.0 * p.2
            }),
            ("KL to the reference", "nats per answer", RED, |p| p.3),
        ];
        for (area, (title, unit, color, value)) in panels.iter().zip(series) {
            let values: Vec<(f64, f64)> =
                self.points.iter().map(|p| (p.0 as f64, value(p))).collect();
            let (lo, hi) = range(values.iter().map(|v| v.1));
            let mut chart = ChartBuilder::on(area)
                .caption(title, font(18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(first..last, lo..hi)
                .map_err(text)?;
            chart
                .configure_mesh()
                .x_desc("step")
                .y_desc(unit)
                .label_style(font(12))
                .axis_desc_style(font(14))
                .draw()
                .map_err(text)?;
            chart
                .draw_series(LineSeries::new(values.clone(), color.stroke_width(2)))
                .map_err(text)?;
            chart
                .draw_series(values.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(text)?;
        }
        Ok(())
    }
}
