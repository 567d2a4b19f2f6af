//! # Why a gradient is wrong, in words
//!
//! The grader knows *that* a gradient is wrong (the oracle) and by how much
//! (the reference). This module turns the numbers into a hint a learner can
//! act on, by matching the error's pattern:
//!
//! - nothing added at all: the gradient **never reached** this tensor;
//! - the whole tensor off by one constant: the factor as a fraction, named
//!   from the case's sizes, `1/32 (= 1/n)`, `1/12 (= 1/(B·T))`, with
//!   Bessel's `n/(n-1)` recognised;
//! - the right numbers in the wrong places: **axes in the wrong order**
//!   (a reshape through the wrong shape), or a transpose;
//! - a NaN or an infinity: where it first appears.
//!
//! A gradient that is one of the exercise's known mistakes is named before
//! any of these ([`crate::grade::mistakes`], [`with_diagnoses`]).
//!
//! ```
//! use backprop_ninja::grade::hints::{Known, fraction};
//!
//! let known = Known::sizes(&[("n", 32)]);
//! assert_eq!(fraction(1.0 / 32.0, &known), "1/32 (= 1/n)");
//! assert_eq!(fraction(31.0 / 32.0, &known), "31/32 (= (n-1)/n)");
//! let known = Known::sizes(&[("B·T", 12)]);
//! assert_eq!(fraction(1.0 / 12.0, &known), "1/12 (= 1/(B·T))");
//! ```

use std::cell::RefCell;

use ndarray::{ArrayD, ArrayRef, Dimension, IxDyn};

use super::Row;

/// What a case knows about itself, for its hints: its sizes by name (`n`,
/// `B·T`), which name the factors. (Its known mistakes are code, in
/// [`crate::grade::mistakes`].)
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Sizes by name, e.g. `("n", 32)`.
    pub sizes: Vec<(String, usize)>,
}

impl Known {
    /// Nothing known.
    pub fn none() -> Known {
        Known::default()
    }

    /// The case's sizes by name.
    pub fn sizes(sizes: &[(&str, usize)]) -> Known {
        Known {
            sizes: sizes.iter().map(|&(n, v)| (n.to_string(), v)).collect(),
        }
    }
}

/// The hint when nothing arrived.
pub const NEVER_REACHED: &str = "the gradient never reached this tensor: nothing was added to it (is the backward pass that feeds it called, in reverse order, with the upstream gradient it needs, and is its result added where it belongs?)";

/// The note on a factor of `n/(n-1)`: Bessel's correction.
pub const BESSEL: &str = "Bessel's correction: the forward pass divides the variance by n-1, not n, so its gradient carries n/(n-1) where you have 1";

/// Why a row is wrong, in words: the known mistake it is, if the grader
/// recognised one ([`with_diagnoses`]); else where a NaN or an infinity
/// first appears, if one does; else a hint where the numbers suggest one.
pub fn diagnose<D: Dimension>(
    row: &Row,
    learner: &ArrayRef<f64, D>,
    reference: &ArrayRef<f64, D>,
    known: &Known,
) -> String {
    let same_shape = learner.shape() == reference.shape();
    let mut message = if !same_shape {
        format!(
            "{} has shape {:?}, but its variable has shape {:?}",
            row.name,
            learner.shape(),
            reference.shape(),
        )
    } else {
        match &row.oracle {
            Some(report) if !report.passed() => report.to_string(),
            _ => format!(
                "{}: differs from the reference by up to {:.3e}",
                row.name, row.maxdiff
            ),
        }
    };
    if let Some(diagnosis) = diagnosed(&row.name) {
        message.push_str(&format!("\n  {diagnosis}"));
    } else if !same_shape {
        message.push_str(&shape_hint(learner.shape(), reference.shape()));
    } else if let Some(at) = non_finite(learner) {
        message.push_str(&format!("\n  hint: {at}"));
    } else if let Some(hint) = hint(learner, reference, known) {
        message.push_str(&format!("\n  hint: {hint}"));
    }
    message
}

thread_local! {
    /// The rows a known mistake explains, with what they say, while
    /// [`with_diagnoses`] runs.
    static DIAGNOSED: RefCell<Vec<(String, String)>> = const { RefCell::new(vec![]) };
}

/// Runs `grade` with `diagnoses`, `(row name, what it says)`: for those
/// rows [`diagnose`] says that instead of a generic hint.
pub fn with_diagnoses<T>(diagnoses: Vec<(String, String)>, grade: impl FnOnce() -> T) -> T {
    let outer = DIAGNOSED.replace(diagnoses);
    let out = grade();
    DIAGNOSED.replace(outer);
    out
}

/// What the row named `row_name` says under [`with_diagnoses`], if it is one
/// of its rows.
pub fn diagnosed(row_name: &str) -> Option<String> {
    DIAGNOSED.with_borrow(|rows| {
        rows.iter()
            .find(|(name, _)| name == row_name)
            .map(|(_, says)| says.clone())
    })
}

/// Where the first NaN or infinity of a gradient is, in words, if it has one.
pub fn non_finite<D: Dimension>(learner: &ArrayRef<f64, D>) -> Option<String> {
    let count = learner.iter().filter(|v| !v.is_finite()).count();
    let (index, value) = learner
        .view()
        .into_dyn()
        .indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(i, &v)| (i.slice().to_vec(), v))?;
    let what = if value.is_nan() {
        "NaN (not a number)"
    } else {
        "infinite"
    };
    Some(format!(
        "the gradient is {what} at index {index:?}, the first of its {count} non-finite element(s) of {} (row-major order): a division by zero (0/0, x/0), or a NaN or ∞ handed on from an earlier step, produces it there",
        learner.len()
    ))
}

/// The hint for two tensors of the same shape, if a pattern fits.
pub fn hint<D: Dimension>(
    learner: &ArrayRef<f64, D>,
    reference: &ArrayRef<f64, D>,
    known: &Known,
) -> Option<String> {
    if never_reached(learner, reference) {
        return Some(NEVER_REACHED.to_string());
    }
    let learner = learner.to_owned().into_dyn();
    let reference = reference.to_owned().into_dyn();
    if let Some(k) = constant_ratio(&learner, &reference) {
        return Some(ratio_hint(k, known));
    }
    wrong_places(&learner, &reference)
}

/// Every element within `1e-9 + 1e-6·|b|` of the other's.
fn close(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|(&a, &b)| (a - b).abs() <= 1e-9 + 1e-6 * b.abs())
}

/// The learner added (nearly) nothing where the reference adds something.
/// A NaN or an infinity is something: never "never reached".
pub fn never_reached<D: Dimension>(
    learner: &ArrayRef<f64, D>,
    reference: &ArrayRef<f64, D>,
) -> bool {
    if learner.iter().any(|v| !v.is_finite()) {
        return false;
    }
    let max = |a: &ArrayRef<f64, D>| a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let (l, r) = (max(learner), max(reference));
    r > 1e-9 && l <= 1e-6 * r
}

/// `k` when `learner ≈ k · reference` for one constant `k ≠ 1`.
pub fn constant_ratio<D: Dimension>(
    learner: &ArrayRef<f64, D>,
    reference: &ArrayRef<f64, D>,
) -> Option<f64> {
    let (i, &r) = reference
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    if r.abs() < 1e-12 {
        return None;
    }
    let k = learner.iter().nth(i)? / r;
    let fits = learner
        .iter()
        .zip(reference.iter())
        .all(|(&a, &b)| (a - k * b).abs() <= 1e-9 + 1e-6 * (k * b).abs());
    (fits && (k - 1.0).abs() > 1e-6 && k.is_finite()).then_some(k)
}

/// The hint for a gradient `k` times the right one.
pub fn ratio_hint(k: f64, known: &Known) -> String {
    if (k + 1.0).abs() < 1e-6 {
        return "the sign is flipped".to_string();
    }
    let mut hint = format!(
        "it is {} times the right gradient: a missing or extra factor",
        fraction(k, known)
    );
    let bessel = known.sizes.iter().any(|(_, v)| {
        let v = *v as f64;
        v > 1.0 && [v / (v - 1.0), (v - 1.0) / v].iter().any(|b| close1(k, *b))
    });
    if bessel {
        hint.push_str(&format!(" ({BESSEL})"));
    } else if known.sizes.is_empty() {
        hint.push_str(" (2? n? n/(n-1)?)");
    }
    hint
}

fn close1(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

/// `k` as a fraction `p/q` (`q ≤ 1024`) when one fits, with its name from
/// the case's sizes where one fits: `1/32 (= 1/n)`; else as a decimal.
pub fn fraction(k: f64, known: &Known) -> String {
    let sign = if k < 0.0 { "-" } else { "" };
    let a = k.abs();
    let Some((p, q)) = (1..=1024u64).find_map(|q| {
        let p = (a * q as f64).round();
        (p >= 1.0 && close1(a, p / q as f64)).then_some((p as u64, q))
    }) else {
        return format!("{k:.6}");
    };
    let text = if q == 1 {
        format!("{sign}{p}")
    } else {
        format!("{sign}{p}/{q}")
    };
    match name(a, known) {
        Some(name) if name != text.trim_start_matches('-') => format!("{text} (= {sign}{name})"),
        _ => text,
    }
}

/// A name for `a > 0` from the sizes: `n`, `1/n`, `n-1`, `1/(n-1)`,
/// `n/(n-1)`, `(n-1)/n`, or `2`, `1/2`.
fn name(a: f64, known: &Known) -> Option<String> {
    let wrap = |s: &str| {
        if s.chars().all(char::is_alphanumeric) {
            s.to_string()
        } else {
            format!("({s})")
        }
    };
    for (n, v) in &known.sizes {
        let v = *v as f64;
        let w = wrap(n);
        let mut forms = vec![(v, n.clone()), (1.0 / v, format!("1/{w}"))];
        if v > 1.0 {
            forms.extend([
                (v - 1.0, format!("{n}-1")),
                (1.0 / (v - 1.0), format!("1/({n}-1)")),
                (v / (v - 1.0), format!("{w}/({n}-1)")),
                ((v - 1.0) / v, format!("({n}-1)/{w}")),
            ]);
        }
        if let Some((_, form)) = forms.into_iter().find(|(x, _)| close1(a, *x)) {
            return Some(form);
        }
    }
    None
}

/// The hint when the shapes differ: the same axes in another order.
pub fn shape_hint(learner: &[usize], reference: &[usize]) -> String {
    let mut reversed = reference.to_vec();
    reversed.reverse();
    if learner.len() == 2 && learner == reversed.as_slice() {
        return " (transposed?)".into();
    }
    let (mut a, mut b) = (learner.to_vec(), reference.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    if a == b {
        format!(
            " (axes in the wrong order: a gradient has its variable's shape, {reference:?}; reshape to that shape, in that order)"
        )
    } else {
        String::new()
    }
}

/// The right numbers, but in the wrong places: the learner's tensor is the
/// reference's read through another order of axes (a reshape to the wrong
/// shape, then a reshape or a permutation back), or a transpose.
pub fn wrong_places(learner: &ArrayD<f64>, reference: &ArrayD<f64>) -> Option<String> {
    let (mut a, mut b): (Vec<f64>, Vec<f64>) = (
        learner.iter().copied().collect(),
        reference.iter().copied().collect(),
    );
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let same_numbers = a
        .iter()
        .zip(&b)
        .all(|(&a, &b)| (a - b).abs() <= 1e-9 + 1e-6 * b.abs());
    if !same_numbers {
        return None;
    }
    let shape = reference.shape();
    let flat: Vec<f64> = reference.iter().copied().collect();
    for perm in permutations(shape.len()) {
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            continue;
        }
        // The reference's numbers in standard order, read as the permuted
        // shape, then permuted back to the variable's shape.
        let permuted: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
        let Ok(read) = ArrayD::from_shape_vec(IxDyn(&permuted), flat.clone()) else {
            continue;
        };
        let mut inverse = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i;
        }
        let back = read.permuted_axes(IxDyn(&inverse));
        let transposed = reference.clone().permuted_axes(IxDyn(&perm));
        if back.shape() == learner.shape() && close(learner, &back.to_owned()) {
            return Some(format!(
                "the right numbers in the wrong places: axes in the wrong order (read as {permuted:?}, not {shape:?}); reshape straight to the variable's shape"
            ));
        }
        if transposed.shape() == learner.shape() && close(learner, &transposed.to_owned()) {
            return Some("the right numbers in the wrong places: transposed".into());
        }
    }
    Some("the right numbers in the wrong places: each value is right, but at another index (axes or rows mixed up?)".into())
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = vec![];
    for p in permutations(n - 1) {
        for at in 0..=p.len() {
            let mut q = p.clone();
            q.insert(at, n - 1);
            out.push(q);
        }
    }
    out
}
