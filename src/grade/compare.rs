//! # Comparing a gradient with the reference
//!
//! [`compare`] makes the lecture's `cmp` row (`exact | approximate |
//! maxdiff`); [`diagnose`] (from [`crate::grade::hints`]) says in words why
//! a row is wrong, with a hint where the numbers suggest one.

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

// Why a row is wrong, in words: the hints live in `grade::hints`.
pub use crate::grade::hints::{constant_ratio, diagnose};

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
}
