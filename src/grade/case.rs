//! # What every grading case shares
//!
//! A [`LayerCase`] is one exercise ready to grade: the variables whose
//! gradients it checks, each with the loss as a function of it (for the
//! oracle), the values the gradients were prefilled with (a backward pass
//! must add to them) and what the learner's function was handed.

use std::cell::RefCell;

use ndarray::{Array1, ArrayD, ArrayRef, ArrayView2, ArrayView3, Dimension, Ix1, Ix2, Ix3};

pub use crate::float::randn;
use crate::grade::attempt::is_todo;
use crate::grade::compare::compare;
use crate::grade::hints::{self, Known, diagnose};
use crate::grade::oracle::{self, Config};
use crate::grade::{Outcome, Row, Status};

/// Finishes a grade from its rows: wrong if any row is.
pub fn verdict(rows: Vec<Row>, messages: Vec<String>) -> Outcome {
    let status = if messages.is_empty() {
        Status::Correct
    } else {
        Status::Wrong(messages.join("\n"))
    };
    Outcome { status, rows }
}

/// The outcome of a learner's function that panicked: not attempted if it
/// is still `todo!()`, else wrong, with what it was handed.
pub fn failed(id: &str, message: String, shapes: &str) -> Outcome {
    let status = if is_todo(&message) {
        Status::NotAttempted
    } else {
        Status::Wrong(format!(
            "{id} panicked: {message}\n  it was handed {shapes}"
        ))
    };
    Outcome {
        status,
        rows: vec![],
    }
}

/// What a function was handed, for the message when it panics:
/// `"dx (5, 4), dout (5, 3)"`, built from the arrays themselves.
pub fn handed(args: &[(&str, &[usize])]) -> String {
    args.iter()
        .map(|(name, shape)| {
            let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
            match dims.len() {
                1 => format!("{name} ({},)", dims[0]),
                _ => format!("{name} ({})", dims.join(", ")),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An array as a dynamic-dimensional copy, for the oracle.
pub fn dyn_<D: Dimension>(x: &ArrayRef<f64, D>) -> ArrayD<f64> {
    x.to_owned().into_dyn()
}

/// A 1-D variable of the oracle, as an array of its own.
pub fn ix1(x: &ArrayD<f64>) -> Array1<f64> {
    x.clone()
        .into_dimensionality::<Ix1>()
        .expect("a 1-D variable")
}

/// A 2-D variable of the oracle, viewed as such.
pub fn ix2(x: &ArrayD<f64>) -> ArrayView2<'_, f64> {
    x.view()
        .into_dimensionality::<Ix2>()
        .expect("a 2-D variable")
}

/// A 3-D variable of the oracle, viewed as such.
pub fn ix3(x: &ArrayD<f64>) -> ArrayView3<'_, f64> {
    x.view()
        .into_dimensionality::<Ix3>()
        .expect("a 3-D variable")
}

/// A scalar loss of one variable, for the oracle.
pub type Loss<'a> = Box<dyn Fn(&ArrayD<f64>) -> f64 + 'a>;

/// One layer exercise, ready to grade: its gradients' names, the variables
/// they belong to with the loss as a function of each, the values the
/// gradients were prefilled with (a backward pass must add to them), and
/// the shapes it was handed, for the message when it panics.
pub struct LayerCase<'a> {
    /// The exercise's id, which names its rows.
    pub id: &'a str,
    pub vars: Vec<(String, ArrayD<f64>, Loss<'a>)>,
    pub prefill: Vec<ArrayD<f64>>,
    pub handed: String,
    pub seed: u64,
    /// The case's sizes and known mistakes, for the hints.
    pub known: Known,
}

impl LayerCase<'_> {
    /// Grades the learner's raw gradients (prefill included) against the
    /// reference's and the oracle.
    pub fn grade(
        self,
        learner: Result<Vec<ArrayD<f64>>, String>,
        reference: Vec<ArrayD<f64>>,
        extra: Vec<(Row, Option<String>)>,
    ) -> Outcome {
        let learner = match learner {
            Ok(grads) => grads,
            Err(message) => return failed(self.id, message, &self.handed),
        };
        let cfg = Config {
            seed: self.seed,
            ..Config::default()
        };
        let mut rows = vec![];
        let mut messages = vec![];
        for (((name, x, loss), prefill), (raw, reference)) in self
            .vars
            .iter()
            .zip(&self.prefill)
            .zip(learner.iter().zip(&reference))
        {
            let added = raw - prefill;
            let reference = reference - prefill;
            let row_name = format!("{} {name}", self.id);
            record(&row_name, &reference);
            let report = oracle::check(&row_name, x, &added, loss, &cfg);
            let row = compare(&row_name, &added, &reference, Some(report));
            if !row.ok() {
                let mut message = diagnose(&row, &added, &reference, &self.known);
                if hints::diagnosed(&row_name).is_none()
                    && compare("", raw, &reference, None).approximate
                {
                    message.push_str("\n  hint: it looks assigned (=), not accumulated (+=): add to the gradient you are handed");
                }
                messages.push(message);
            }
            rows.push(row);
        }
        for (row, message) in extra {
            messages.extend(message);
            rows.push(row);
        }
        verdict(rows, messages)
    }
}

/// Gradients by row name: `("gpt::gelu dx", dx)`.
pub type Named = Vec<(String, ArrayD<f64>)>;

thread_local! {
    /// The reference's gradients graded on this thread, while
    /// [`recording_references`] listens.
    static RECORDED: RefCell<Option<Named>> = const { RefCell::new(None) };
}

fn record(row_name: &str, reference: &ArrayD<f64>) {
    RECORDED.with_borrow_mut(|recorded| {
        if let Some(recorded) = recorded {
            recorded.push((row_name.to_string(), reference.clone()));
        }
    });
}

/// Runs `grade` and returns the reference's gradients that its
/// [`LayerCase`]s compared with (what a backward pass adds, prefill
/// removed), named by row: `gpt::gelu dx`. The snapshot tests record every
/// exercise's this way.
pub fn recording_references(grade: impl FnOnce()) -> Named {
    let outer = RECORDED.replace(Some(vec![]));
    grade();
    RECORDED.replace(outer).unwrap_or_default()
}

/// Three graded variables `(a, b, c)` of one loss `L(a, b, c)`, each with the
/// loss as a function of it alone, the other two held fixed.
pub fn three_vars<'a>(
    names: [&str; 3],
    [a, b, c]: [ArrayD<f64>; 3],
    loss: impl Fn(&ArrayD<f64>, &ArrayD<f64>, &ArrayD<f64>) -> f64 + 'a,
) -> Vec<(String, ArrayD<f64>, Loss<'a>)> {
    let loss = std::rc::Rc::new(loss);
    let (l, b1, c1) = (loss.clone(), b.clone(), c.clone());
    let da: Loss<'a> = Box::new(move |v| l(v, &b1, &c1));
    let (l, a2, c2) = (loss.clone(), a.clone(), c.clone());
    let db: Loss<'a> = Box::new(move |v| l(&a2, v, &c2));
    let (l, a3, b3) = (loss, a.clone(), b.clone());
    let dc: Loss<'a> = Box::new(move |v| l(&a3, &b3, v));
    vec![
        (names[0].into(), a, da),
        (names[1].into(), b, db),
        (names[2].into(), c, dc),
    ]
}
