//! # The finite-difference oracle
//!
//! The one test every backward pass must pass. For a scalar loss `L(x)`, the
//! central difference
//!
//! ```text
//! dL/dx[k] ≈ (L(x + h·e_k) - L(x - h·e_k)) / 2h
//! ```
//!
//! has an error of order `h²`, so in `f64` with `h = 1e-5` it agrees with a
//! right gradient to about nine digits, and with a wrong one by no means.
//! [`check`] compares an analytic gradient with it element by element: every
//! element of a small tensor, and for a large one a seeded random subset (the
//! largest analytic element always among them) plus one random direction
//! `d`, where `Σ dL/dx · d` must match `(L(x + h·d) - L(x - h·d)) / 2h`.
//!
//! An element passes when `|analytic - numeric| <= atol + rtol·max(|analytic|, |numeric|)`.
//! The [`Report`] names the tensor, its worst element (by how far it is past
//! that bound), both values and both errors.
//!
//! To check a layer whose output is a tensor, make it a scalar with a fixed
//! random "upstream gradient" `r`: `L(x) = Σ out(x)·r`. Then `dL/dout = r`,
//! and the backward pass handed `dout = r` must produce `dL/dx`.
//!
//! ```
//! use backprop_ninja::grade::oracle::{Config, check};
//! use ndarray::array;
//!
//! // L(x) = Σ x³, so dL/dx = 3x².
//! let x = array![[1.0, -2.0], [0.5, 3.0]];
//! let loss = |x: &ndarray::Array2<f64>| x.mapv(|v| v * v * v).sum();
//! let right = x.mapv(|v| 3.0 * v * v);
//! assert!(check("dx", &x, &right, loss, &Config::default()).passed());
//!
//! let wrong = x.mapv(|v| 2.0 * v * v); // a wrong factor
//! let report = check("dx", &x, &wrong, loss, &Config::default());
//! assert!(!report.passed());
//! println!("{report}"); // dx: WRONG, 4 of 4 elements off; worst at [1, 1]: analytic 1.8e1, numeric 2.7e1, …
//! ```

use std::fmt;

use ndarray::{Array, ArrayRef, Dimension};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::StandardNormal;
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

/// When an analytic element counts as equal to its numeric estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub atol: f64,
    pub rtol: f64,
}

impl Default for Tolerance {
    /// `atol = 1e-8`, `rtol = 1e-5`: far looser than the oracle's own error,
    /// far tighter than any real mistake.
    fn default() -> Self {
        Tolerance {
            atol: 1e-8,
            rtol: 1e-5,
        }
    }
}

impl Tolerance {
    /// How far `a` is from `b`, in units of the allowed difference: at most 1 passes.
    pub fn excess(&self, a: f64, b: f64) -> f64 {
        let bound = self.atol + self.rtol * a.abs().max(b.abs());
        let diff = (a - b).abs();
        if diff.is_nan() {
            f64::INFINITY
        } else {
            diff / bound
        }
    }
}

/// How the oracle samples and steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// The step, scaled by `max(1, |x|)` for each element.
    pub h: f64,
    pub tol: Tolerance,
    /// Tensors with at most this many elements are checked in full.
    pub max_full: usize,
    /// How many elements of a larger tensor are checked.
    pub subset: usize,
    /// Seeds the subset and the random direction.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            h: 1e-5,
            tol: Tolerance::default(),
            max_full: 1024,
            subset: 256,
            seed: 0,
        }
    }
}

/// The worst element of a check.
#[derive(Clone, Debug, PartialEq)]
pub struct Worst {
    pub index: Vec<usize>,
    pub analytic: f64,
    pub numeric: f64,
    pub abs_err: f64,
    pub rel_err: f64,
    /// `abs_err` over the allowed difference: at most 1 passes.
    pub excess: f64,
}

/// The random-direction check of a large tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Direction {
    pub analytic: f64,
    pub numeric: f64,
    pub excess: f64,
}

/// The outcome of one [`check`].
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The gradient's name, e.g. `"dW1"`.
    pub name: String,
    pub shape: Vec<usize>,
    /// Elements compared one by one, of `total`.
    pub checked: usize,
    pub total: usize,
    /// Of the `checked` elements, how many are beyond the tolerance.
    pub off: usize,
    pub worst: Option<Worst>,
    pub direction: Option<Direction>,
    /// Why the check could not be made (a shape mismatch, a non-finite value).
    pub problem: Option<String>,
    pub tol: Tolerance,
}

impl Report {
    /// Every element (and the direction) within tolerance, no problem.
    pub fn passed(&self) -> bool {
        self.problem.is_none()
            && self.worst.as_ref().is_none_or(|w| w.excess <= 1.0)
            && self.direction.as_ref().is_none_or(|d| d.excess <= 1.0)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "ok" } else { "WRONG" };
        write!(f, "{}: {verdict}", self.name)?;
        if let Some(problem) = &self.problem {
            return write!(f, ": {problem}");
        }
        let (off, checked, total) = (self.off, self.checked, self.total);
        let sampled = checked < total;
        let direction_off = self.direction.as_ref().is_some_and(|d| d.excess > 1.0);
        match (self.passed(), sampled) {
            (true, false) => write!(f, ", all {total} elements checked")?,
            (true, true) => write!(f, ", {checked} of {total} elements checked")?,
            (false, false) => write!(f, ", {off} of {total} elements off")?,
            (false, true) if off == 0 && direction_off => write!(
                f,
                ", the {checked} elements checked (of {total}) are within tolerance but the random direction is not"
            )?,
            (false, true) => write!(
                f,
                ", {off} of the {checked} elements checked are off ({total} in all)"
            )?,
        }
        if let Some(w) = &self.worst {
            write!(
                f,
                "; worst at {:?}: analytic {:.6e}, numeric {:.6e}, abs err {:.2e}, rel err {:.2e}",
                w.index, w.analytic, w.numeric, w.abs_err, w.rel_err
            )?;
        }
        if let Some(d) = &self.direction {
            write!(
                f,
                "; random direction: analytic {:.6e}, numeric {:.6e}",
                d.analytic, d.numeric
            )?;
        }
        if !self.passed() {
            write!(
                f,
                " (passes when |a - n| <= {:.0e} + {:.0e}·max(|a|, |n|))",
                self.tol.atol, self.tol.rtol
            )?;
        }
        Ok(())
    }
}

fn unravel(mut k: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &len) in shape.iter().enumerate().rev() {
        index[i] = k % len;
        k /= len;
    }
    index
}

/// The central-difference gradient of `loss` at `x`, every element.
pub fn numeric_gradient<D: Dimension>(
    x: &ArrayRef<f64, D>,
    mut loss: impl FnMut(&Array<f64, D>) -> f64,
    h: f64,
) -> Array<f64, D> {
    let mut xp = x.as_standard_layout().into_owned();
    let mut grad = Array::zeros(x.raw_dim());
    for k in 0..xp.len() {
        let g = partial(&mut xp, k, &mut loss, h);
        grad.as_slice_mut().expect("standard layout")[k] = g;
    }
    grad
}

/// `dL/dx[k]` by central differences, leaving `x` as it was.
fn partial<D: Dimension>(
    x: &mut Array<f64, D>,
    k: usize,
    loss: &mut impl FnMut(&Array<f64, D>) -> f64,
    h: f64,
) -> f64 {
    let orig = x.as_slice().expect("standard layout")[k];
    let step = h * orig.abs().max(1.0);
    x.as_slice_mut().expect("standard layout")[k] = orig + step;
    let plus = loss(x);
    x.as_slice_mut().expect("standard layout")[k] = orig - step;
    let minus = loss(x);
    x.as_slice_mut().expect("standard layout")[k] = orig;
    (plus - minus) / (2.0 * step)
}

thread_local! {
    /// Set while [`skipping`] runs: [`check`] checks nothing.
    static SKIPPING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `grade` with no finite differences: each [`check`] reports 0
/// elements checked, and passes. For grades compared with the reference
/// alone, as the known mistakes' are when the grader looks for the one a
/// learner made ([`crate::grade::dispatch::diagnosis`]).
pub fn skipping<T>(grade: impl FnOnce() -> T) -> T {
    let outer = SKIPPING.replace(true);
    let out = grade();
    SKIPPING.set(outer);
    out
}

/// Checks `analytic` as the gradient of `loss` at `x`. `loss` is called with
/// copies of `x` nudged one element at a time; it must not have side effects.
pub fn check<D: Dimension>(
    name: &str,
    x: &ArrayRef<f64, D>,
    analytic: &ArrayRef<f64, D>,
    mut loss: impl FnMut(&Array<f64, D>) -> f64,
    config: &Config,
) -> Report {
    let mut report = Report {
        name: name.to_string(),
        shape: x.shape().to_vec(),
        checked: 0,
        off: 0,
        total: x.len(),
        worst: None,
        direction: None,
        problem: None,
        tol: config.tol,
    };
    if SKIPPING.get() {
        return report;
    }
    if analytic.shape() != x.shape() {
        report.problem = Some(format!(
            "the gradient has shape {:?}, its variable has shape {:?}",
            analytic.shape(),
            x.shape()
        ));
        return report;
    }
    let analytic = analytic.as_standard_layout();
    let a = analytic.as_slice().expect("standard layout");
    if let Some(k) = a.iter().position(|v| !v.is_finite()) {
        report.problem = Some(format!("element {:?} is {}", unravel(k, x.shape()), a[k]));
        return report;
    }
    let mut xp = x.as_standard_layout().into_owned();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let elements: Vec<usize> = if x.len() <= config.max_full {
        (0..x.len()).collect()
    } else {
        let largest = (0..a.len())
            .max_by(|&i, &j| a[i].abs().total_cmp(&a[j].abs()))
            .unwrap_or(0);
        let mut picked: Vec<usize> = sample(&mut rng, x.len(), config.subset.min(x.len()))
            .into_iter()
            .collect();
        if !picked.contains(&largest) {
            picked.push(largest);
        }
        picked.sort_unstable();
        picked
    };
    for &k in &elements {
        let numeric = partial(&mut xp, k, &mut loss, config.h);
        let excess = config.tol.excess(a[k], numeric);
        if excess > 1.0 {
            report.off += 1;
        }
        if report.worst.as_ref().is_none_or(|w| excess > w.excess) {
            let abs_err = (a[k] - numeric).abs();
            let scale = a[k].abs().max(numeric.abs());
            report.worst = Some(Worst {
                index: unravel(k, x.shape()),
                analytic: a[k],
                numeric,
                abs_err,
                rel_err: if scale > 0.0 { abs_err / scale } else { 0.0 },
                excess,
            });
        }
    }
    report.checked = elements.len();
    if elements.len() < x.len() {
        report.direction = Some(direction_check(&xp, a, &mut loss, config, &mut rng));
    }
    report
}

/// Compares `Σ a·d` with the central difference of `loss` along a random `d`.
fn direction_check<D: Dimension>(
    x: &Array<f64, D>,
    a: &[f64],
    loss: &mut impl FnMut(&Array<f64, D>) -> f64,
    config: &Config,
    rng: &mut ChaCha8Rng,
) -> Direction {
    let d = Array::<f64, D>::random_using(x.raw_dim(), StandardNormal, rng);
    let analytic: f64 = a.iter().zip(d.iter()).map(|(a, d)| a * d).sum();
    let h = config.h;
    let numeric = (loss(&(x + &(&d * h))) - loss(&(x - &(&d * h)))) / (2.0 * h);
    // The directional derivative sums many terms: allow the error of each.
    let scale =
        (a.iter().map(|a| a * a).sum::<f64>() * d.iter().map(|d| d * d).sum::<f64>()).sqrt();
    let tol = Tolerance {
        atol: config.tol.atol * (x.len() as f64).sqrt(),
        rtol: config.tol.rtol,
    };
    let excess = (analytic - numeric).abs() / (tol.atol + tol.rtol * scale.max(analytic.abs()));
    Direction {
        analytic,
        numeric,
        excess,
    }
}
