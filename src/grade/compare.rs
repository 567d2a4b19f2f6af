//! # Comparing a gradient with the reference
//!
//! [`compare`] makes the lecture's `cmp` row (`exact | approximate |
//! maxdiff`); [`diagnose`] says in words why a row is wrong, with a hint
//! where the numbers suggest one.

use ndarray::{ArrayRef, Dimension};

use crate::grade::Row;
use crate::grade::oracle::Report;

/// Compares a learner's gradient with the reference's.
pub fn compare<D: Dimension>(
    name: &str,
    learner: &ArrayRef<f64, D>,
    reference: &ArrayRef<f64, D>,
    oracle: Option<Report>,
) -> Row {
    if learner.shape() != reference.shape() {
        return Row {
            name: name.into(),
            exact: false,
            approximate: false,
            maxdiff: f64::INFINITY,
            oracle,
        };
    }
    let mut exact = true;
    let mut approximate = true;
    let mut maxdiff: f64 = 0.0;
    for (&a, &b) in learner.iter().zip(reference.iter()) {
        let diff = (a - b).abs();
        exact &= a == b;
        approximate &= diff <= 1e-10 + 1e-7 * b.abs();
        maxdiff = if diff.is_nan() {
            f64::INFINITY
        } else {
            maxdiff.max(diff)
        };
    }
    Row {
        name: name.into(),
        exact,
        approximate,
        maxdiff,
        oracle,
    }
}

/// Why a row is wrong, in words, with a hint where the numbers suggest one.
pub fn diagnose<D: Dimension>(
    row: &Row,
    learner: &ArrayRef<f64, D>,
    reference: &ArrayRef<f64, D>,
) -> String {
    if learner.shape() != reference.shape() {
        let mut reversed = reference.shape().to_vec();
        reversed.reverse();
        let hint = if learner.shape() == reversed.as_slice() {
            " (transposed?)"
        } else {
            ""
        };
        return format!(
            "{} has shape {:?}, but its variable has shape {:?}{hint}",
            row.name,
            learner.shape(),
            reference.shape()
        );
    }
    let mut message = match &row.oracle {
        Some(report) if !report.passed() => report.to_string(),
        _ => format!(
            "{}: differs from the reference by up to {:.3e}",
            row.name, row.maxdiff
        ),
    };
    if let Some(k) = constant_ratio(learner, reference) {
        let hint = if (k + 1.0).abs() < 1e-6 {
            "the sign is flipped".to_string()
        } else {
            format!(
                "it is {k:.6} times the right gradient: a missing or extra factor (2? n? n/(n-1)?)"
            )
        };
        message.push_str(&format!("\n  hint: {hint}"));
    }
    message
}

/// `k` when `learner ≈ k · reference` for one constant `k ≠ 1`.
fn constant_ratio<D: Dimension>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_finds_the_largest_difference() {
        let a = ndarray::array![1.0, 2.0, 3.0];
        let b = ndarray::array![1.0, 2.5, 3.0];
        let row = compare("x", &a, &b, None);
        assert!(!row.exact && !row.approximate);
        assert_eq!(row.maxdiff, 0.5);
        assert!(compare("x", &a, &a, None).exact);
    }

    #[test]
    fn a_constant_factor_is_named_in_the_hint() {
        let b = ndarray::array![1.0, -2.0, 3.0];
        assert_eq!(constant_ratio(&(&b * 2.0), &b), Some(2.0));
        assert_eq!(constant_ratio(&(-&b), &b), Some(-1.0));
        assert_eq!(constant_ratio(&b, &b), None);
        assert_eq!(constant_ratio(&ndarray::array![1.0, 0.0, 3.0], &b), None);
    }
}
