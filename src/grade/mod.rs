//! # The grader
//!
//! Runs a [`Backprop`] implementation's backward passes on fixed inputs and
//! grades each gradient twice: against the [`crate::grade::oracle`] (finite
//! differences, the authority) and against the reference solution, in the
//! lecture's `cmp` style: `exact | approximate | maxdiff`.
//!
//! An exercise still at `todo!()` is [`Status::NotAttempted`], never a
//! failure. A panic in a learner's code (a shape mismatch, say) is caught and
//! reported with the exercise's name and the shapes it was handed.

pub mod hint_levels;
pub mod hints;
pub mod oracle;
pub mod panic_site;
pub mod report;
pub mod scalar_check;

use std::fmt;

use ndarray::{
    Array, Array1, Array2, Array3, ArrayD, ArrayRef, ArrayRef2, Axis, Dimension, Ix3, ShapeBuilder,
};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::{StandardNormal, Uniform};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use self::hints::{Known, diagnose};
use self::oracle::{Config, Report};
use crate::backprop::Backprop;
use crate::course::bigram::{self, Bigrams};
use crate::course::micrograd::{Graph, OpKind};
use crate::course::step_by_step::{BATCH, Forward, Grads, Var, lecture_setup};
use crate::hyper::Hyper;
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache};
use crate::layers::cross_entropy::{self, CrossEntropyCache};
use crate::layers::embedding::Embedding;
use crate::layers::flatten_consecutive::FlattenConsecutive;
use crate::layers::linear::Linear;
use crate::layers::sequential::{LayerGrads, grads_mut};
use crate::models::wavenet::WaveNet;
use crate::solutions::Solutions;

/// The seed of every graded input: the same numbers for everyone.
pub const SEED: u64 = 42;

/// One thing to grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exercise {
    /// The local backward step of one operation of the scalar engine.
    Micrograd(OpKind),
    /// The neural bigram's `dW`.
    Bigram,
    Linear,
    Embedding,
    Tanh,
    /// The lecture's exercise 3, as a layer.
    BatchNorm,
    /// The lecture's exercise 2, as a layer.
    CrossEntropy,
    /// One step of exercise 1.
    Step(Var),
    /// Exercise 1's steps chained end to end, each fed by the one before.
    Chain,
    /// Makemore part 5: fusing consecutive positions.
    FlattenConsecutive,
    /// Makemore part 5: Linear on `(B, T, C)`.
    Linear3d,
    /// Makemore part 5: BatchNorm1d on `(B, T, H)`, over axes 0 and 1.
    BatchNorm3d,
    /// Makemore part 5: the container's backward pass, on a small WaveNet.
    Sequential,
}

impl Exercise {
    /// Every exercise, in course order.
    pub fn all() -> Vec<Exercise> {
        let mut all: Vec<Exercise> = OpKind::ALL.map(Exercise::Micrograd).into();
        all.extend([
            Exercise::Bigram,
            Exercise::Linear,
            Exercise::Embedding,
            Exercise::Tanh,
            Exercise::CrossEntropy,
            Exercise::BatchNorm,
        ]);
        all.extend(Var::ALL.map(Exercise::Step));
        all.push(Exercise::Chain);
        all.extend([
            Exercise::FlattenConsecutive,
            Exercise::Linear3d,
            Exercise::BatchNorm3d,
            Exercise::Sequential,
        ]);
        all
    }

    /// A path-like name: `micrograd::tanh`, `bigram::neural`, `layers::linear`, `ex1::dcounts`, `ex2::cross_entropy`.
    pub fn id(self) -> String {
        match self {
            Exercise::Micrograd(op) => format!("micrograd::{}", op.name()),
            Exercise::Bigram => "bigram::neural".into(),
            Exercise::Linear => "layers::linear".into(),
            Exercise::Embedding => "layers::embedding".into(),
            Exercise::Tanh => "layers::tanh".into(),
            Exercise::CrossEntropy => "ex2::cross_entropy".into(),
            Exercise::BatchNorm => "ex3::batchnorm".into(),
            Exercise::Step(var) => format!("ex1::{}", var.grad_name()),
            Exercise::Chain => "ex1::chain".into(),
            Exercise::FlattenConsecutive => "wavenet::flatten_consecutive".into(),
            Exercise::Linear3d => "wavenet::linear_3d".into(),
            Exercise::BatchNorm3d => "wavenet::batchnorm_3d".into(),
            Exercise::Sequential => "wavenet::sequential".into(),
        }
    }

    /// The file where the learner writes it.
    pub fn file(self) -> &'static str {
        match self {
            Exercise::Micrograd(_) => "exercises/micrograd.rs",
            Exercise::Bigram => "exercises/bigram.rs",
            Exercise::Linear => "exercises/linear.rs",
            Exercise::Embedding => "exercises/embedding.rs",
            Exercise::Tanh => "exercises/tanh.rs",
            Exercise::CrossEntropy => "exercises/cross_entropy.rs",
            Exercise::BatchNorm => "exercises/batchnorm.rs",
            Exercise::Step(_) | Exercise::Chain => "exercises/step_by_step.rs",
            Exercise::FlattenConsecutive => "exercises/flatten_consecutive.rs",
            Exercise::Linear3d => "exercises/linear.rs",
            Exercise::BatchNorm3d => "exercises/batchnorm.rs",
            Exercise::Sequential => "exercises/sequential.rs",
        }
    }
}

/// How an exercise stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Every gradient agrees with finite differences and the reference.
    Correct,
    /// Still at `todo!()`.
    NotAttempted,
    /// Waits for other exercises (the chain waits for every step).
    Blocked(String),
    /// Attempted, and wrong: the message says where.
    Wrong(String),
}

/// One gradient, compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub name: String,
    /// Bit for bit the reference's.
    pub exact: bool,
    /// Within `1e-10 + 1e-7·|reference|` of the reference, element-wise.
    pub approximate: bool,
    /// The largest absolute difference from the reference.
    pub maxdiff: f64,
    /// The finite-difference check, where one was made.
    pub oracle: Option<Report>,
}

impl Row {
    pub fn ok(&self) -> bool {
        self.approximate && self.oracle.as_ref().is_none_or(Report::passed)
    }
}

/// An exercise's grade.
#[derive(Clone, Debug, PartialEq)]
pub struct Grade {
    pub exercise: Exercise,
    pub status: Status,
    pub rows: Vec<Row>,
}

/// Runs `f`, catching a panic. Panics inside are not printed (the grade
/// reports them, with the line of the learner's code that panicked).
fn attempt<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic_site::capture(f).map_err(|p| match p.site() {
        Some(site) if !is_todo(&p.message) => format!("{}\n  at {site}", p.message),
        _ => p.message,
    })
}

/// `todo!()` panics with "not yet implemented".
fn is_todo(message: &str) -> bool {
    message.starts_with("not yet implemented")
}

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

/// Finishes a grade from its rows: wrong if any row is.
fn verdict(exercise: Exercise, rows: Vec<Row>, messages: Vec<String>) -> Grade {
    let status = if messages.is_empty() {
        Status::Correct
    } else {
        Status::Wrong(messages.join("\n"))
    };
    Grade {
        exercise,
        status,
        rows,
    }
}

fn failed(exercise: Exercise, message: String, shapes: &str) -> Grade {
    let status = if is_todo(&message) {
        Status::NotAttempted
    } else {
        Status::Wrong(format!(
            "{} panicked: {message}\n  it was handed {shapes}",
            exercise.id()
        ))
    };
    Grade {
        exercise,
        status,
        rows: vec![],
    }
}

/// Grades one exercise of `B`.
pub fn grade<B: Backprop>(exercise: Exercise) -> Grade {
    grade_seeded::<B>(exercise, SEED)
}

/// Grades one exercise of `B` on inputs drawn from `seed`.
pub fn grade_seeded<B: Backprop>(exercise: Exercise, seed: u64) -> Grade {
    match exercise {
        Exercise::Micrograd(op) => grade_micrograd::<B>(op, seed),
        Exercise::Bigram => grade_bigram::<B>(seed),
        Exercise::Linear => grade_linear::<B>(seed),
        Exercise::Embedding => grade_embedding::<B>(seed),
        Exercise::Tanh => grade_tanh::<B>(seed),
        Exercise::BatchNorm => grade_batchnorm::<B>(seed),
        Exercise::CrossEntropy => grade_cross_entropy::<B>(seed),
        Exercise::Step(var) => grade_step::<B>(var, seed),
        Exercise::Chain => grade_chain::<B>(seed),
        Exercise::FlattenConsecutive => grade_flatten_consecutive::<B>(seed),
        Exercise::Linear3d => grade_linear_3d::<B>(seed),
        Exercise::BatchNorm3d => grade_batchnorm_3d::<B>(seed),
        Exercise::Sequential => grade_sequential::<B>(seed),
    }
}

fn randn<Sh: ShapeBuilder>(shape: Sh, rng: &mut ChaCha8Rng) -> Array<f64, Sh::Dim> {
    Array::random_using(shape, StandardNormal, rng)
}

fn dyn_<D: Dimension>(x: &ArrayRef<f64, D>) -> ArrayD<f64> {
    x.to_owned().into_dyn()
}

/// A scalar loss of one variable, for the oracle.
type Loss<'a> = Box<dyn Fn(&ArrayD<f64>) -> f64 + 'a>;

/// One layer exercise, ready to grade: its gradients' names, the variables
/// they belong to with the loss as a function of each, the values the
/// gradients were prefilled with (a backward pass must add to them), and
/// the shapes it was handed, for the message when it panics.
struct LayerCase<'a> {
    exercise: Exercise,
    vars: Vec<(String, ArrayD<f64>, Loss<'a>)>,
    prefill: Vec<ArrayD<f64>>,
    handed: String,
    seed: u64,
    /// The case's sizes and known mistakes, for the hints.
    known: Known,
}

impl LayerCase<'_> {
    /// Grades the learner's raw gradients (prefill included) against the
    /// reference's and the oracle.
    fn grade(
        self,
        learner: Result<Vec<ArrayD<f64>>, String>,
        reference: Vec<ArrayD<f64>>,
        extra: Vec<(Row, Option<String>)>,
    ) -> Grade {
        let learner = match learner {
            Ok(grads) => grads,
            Err(message) => return failed(self.exercise, message, &self.handed),
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
            let row_name = format!("{} {name}", self.exercise.id());
            let report = oracle::check(&row_name, x, &added, loss, &cfg);
            let row = compare(&row_name, &added, &reference, Some(report));
            if !row.ok() {
                let mut message = diagnose(&row, &added, &reference, &self.known);
                if compare("", raw, &reference, None).approximate {
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
        verdict(self.exercise, rows, messages)
    }
}

/// `op` applied to `a` (and `b`, or the exponent `k`) by the scalar engine.
fn micrograd_forward(op: OpKind, a: f64, b: f64, k: f64) -> f64 {
    let mut g = Graph::new();
    let (a, b) = (g.leaf(a), g.leaf(b));
    let out = match op {
        OpKind::Add => g.add(a, b),
        OpKind::Mul => g.mul(a, b),
        OpKind::Pow => g.pow(a, k),
        OpKind::Exp => g.exp(a),
        OpKind::Tanh => g.tanh(a),
        OpKind::Relu => g.relu(a),
        OpKind::Log => g.log(a),
    };
    g.data(out)
}

/// A local step with its operation fixed: `(da, db, dout, [a, b, k])`.
type ScalarStep<'a> = &'a dyn Fn(&mut f64, &mut f64, f64, [f64; 3]);

/// One local step of `B`, accumulating into `da`, `db`.
fn micrograd_step<B: Backprop>(op: OpKind, da: &mut f64, db: &mut f64, dout: f64, ab: [f64; 3]) {
    let [a, b, k] = ab;
    let out = micrograd_forward(op, a, b, k);
    match op {
        OpKind::Add => B::micrograd_add_backward(da, db, dout),
        OpKind::Mul => B::micrograd_mul_backward(da, db, dout, a, b),
        OpKind::Pow => B::micrograd_pow_backward(da, dout, a, k),
        OpKind::Exp => B::micrograd_exp_backward(da, dout, out),
        OpKind::Tanh => B::micrograd_tanh_backward(da, dout, out),
        OpKind::Relu => B::micrograd_relu_backward(da, dout, out),
        OpKind::Log => B::micrograd_log_backward(da, dout, a),
    }
}

/// A scalar operation, graded on six cases at once: the `i`-th elements of
/// `a`, `b`, `k` and `dout` are one call of the local step, and the oracle
/// differentiates `Σ_i out_i · dout_i`.
fn grade_micrograd<B: Backprop>(op: OpKind, seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let n = 6;
    let z = randn(n, rng);
    // Inputs where the operation is smooth: log and pow (with a fractional
    // exponent) need a > 0; relu is graded on both sides of its kink.
    let a = match op {
        OpKind::Pow | OpKind::Log => z.mapv(|z| 0.3 + z.abs()),
        OpKind::Relu => Array1::from_shape_fn(n, |i| {
            (0.2 + z[i].abs()) * if i % 2 == 0 { 1.0 } else { -1.0 }
        }),
        _ => z * 1.5,
    };
    let b = randn(n, rng);
    let k = ndarray::array![2.0, -1.0, 0.5, 3.0, -0.5, 1.5];
    let dout = randn(n, rng);
    let (da0, db0) = (randn(n, rng), randn(n, rng));
    let binary = matches!(op, OpKind::Add | OpKind::Mul);

    let run = |step: ScalarStep| -> Vec<ArrayD<f64>> {
        let (mut da, mut db) = (da0.clone(), db0.clone());
        for i in 0..n {
            step(&mut da[i], &mut db[i], dout[i], [a[i], b[i], k[i]]);
        }
        let mut grads = vec![da.into_dyn()];
        if binary {
            grads.push(db.into_dyn());
        }
        grads
    };
    let loss = |a: &ArrayD<f64>, b: &ArrayD<f64>| -> f64 {
        (0..n)
            .map(|i| micrograd_forward(op, a[i], b[i], k[i]) * dout[i])
            .sum()
    };
    let (ad, bd) = (dyn_(&a), dyn_(&b));
    let mut vars: Vec<(String, ArrayD<f64>, Loss)> =
        vec![("da".into(), ad.clone(), Box::new(|v| loss(v, &bd)))];
    let mut prefill = vec![dyn_(&da0)];
    if binary {
        vars.push(("db".into(), bd.clone(), Box::new(|v| loss(&ad, v))));
        prefill.push(dyn_(&db0));
    }
    let handed = match op {
        OpKind::Add => "da, db, dout (f64)",
        OpKind::Mul => "da, db, dout, a, b (f64)",
        OpKind::Pow => "da, dout, a, k (f64), with a > 0",
        OpKind::Log => "da, dout, a (f64), with a > 0",
        OpKind::Exp | OpKind::Tanh | OpKind::Relu => "da, dout, out (f64)",
    };
    let case = LayerCase {
        exercise: Exercise::Micrograd(op),
        vars,
        prefill,
        seed,
        known: Known::none(),
        handed: handed.into(),
    };
    let learner = attempt(|| run(&|da, db, dout, ab| micrograd_step::<B>(op, da, db, dout, ab)));
    let reference = run(&|da, db, dout, ab| micrograd_step::<Solutions>(op, da, db, dout, ab));
    case.grade(learner, reference, vec![])
}

/// The neural bigram's `dW`, on 9 random bigrams of a 5-character vocabulary.
#[allow(non_snake_case)]
fn grade_bigram<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let vocab = crate::corpus::words::Vocab::from_words(&["abcd".to_string()]);
    let (v, n) = (vocab.len(), 9);
    let data = Bigrams {
        xs: (0..n).map(|_| rng.random_range(0..v)).collect(),
        ys: (0..n).map(|_| rng.random_range(0..v)).collect(),
        vocab,
    };
    let W = randn((v, v), rng);
    let dW0 = randn((v, v), rng);

    let run =
        |backward: fn(&mut ArrayRef2<f64>, &bigram::NeuralForward, &Bigrams, &ArrayRef2<f64>)| {
            let f = bigram::forward(&W, &data).expect("the bigrams fit W");
            let mut dW = dW0.clone();
            backward(&mut dW, &f, &data, &W);
            vec![dW.into_dyn()]
        };
    let loss = |w: &ArrayD<f64>| {
        let w = w.view().into_dimensionality().expect("W is (V, V)");
        bigram::forward(&w, &data).expect("the bigrams fit W").loss
    };
    let case = LayerCase {
        exercise: Exercise::Bigram,
        vars: vec![("dW".into(), dyn_(&W), Box::new(loss))],
        prefill: vec![dyn_(&dW0)],
        seed,
        known: Known::none(),
        handed: format!(
            "dW ({v}, {v}), f.probs ({n}, {v}), data.xs ({n},), data.ys ({n},), W ({v}, {v})"
        ),
    };
    let learner = attempt(|| run(B::bigram_backward));
    case.grade(learner, run(Solutions::bigram_backward), vec![])
}

/// A Linear layer from a weight and a bias seen as dynamic arrays.
fn linear_from(w: &ArrayD<f64>, b: &ArrayD<f64>) -> Linear<f64> {
    let w = w.clone().into_dimensionality().expect("(I, O)");
    let b = b.clone().into_dimensionality().expect("(O,)");
    Linear::new(w, Some(b)).expect("shapes fit")
}

fn grade_linear<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, fan_in, fan_out) = (5, 4, 3);
    let x = randn((n, fan_in), rng);
    let w = randn((fan_in, fan_out), rng);
    let b = randn(fan_out, rng);
    let dout = randn((n, fan_out), rng);
    let (dx0, dw0, db0) = (
        randn((n, fan_in), rng),
        randn((fan_in, fan_out), rng),
        randn(fan_out, rng),
    );

    fn run<B: Backprop>(
        x: &Array2<f64>,
        w: &Array2<f64>,
        b: &Array1<f64>,
        dout: &Array2<f64>,
        prefill: (&Array2<f64>, &Array2<f64>, &Array1<f64>),
    ) -> Vec<ArrayD<f64>> {
        let layer = Linear::new(w.clone(), Some(b.clone())).expect("shapes fit");
        let mut dx = prefill.0.clone();
        let mut grads = layer.zero_grads();
        grads.dw.assign(prefill.1);
        grads.db = Some(prefill.2.clone());
        B::linear_backward(&mut dx, &mut grads, dout, x, &layer);
        vec![
            dx.into_dyn(),
            grads.dw.into_dyn(),
            grads.db.expect("db").into_dyn(),
        ]
    }
    let case = LayerCase {
        exercise: Exercise::Linear,
        vars: three_vars(
            ["dx", "dw", "db"],
            [dyn_(&x), dyn_(&w), dyn_(&b)],
            |x, w, b| {
                let layer = linear_from(w, b);
                let out = layer.forward(&x.view().into_dimensionality().expect("(B, I)"));
                (out.expect("shapes fit") * &dout).sum()
            },
        ),
        prefill: vec![dyn_(&dx0), dyn_(&dw0), dyn_(&db0)],
        seed,
        known: Known::none(),
        handed: "dx (5, 4), dw (4, 3), db (3,), dout (5, 3), x (5, 4), w (4, 3)".into(),
    };
    let prefill = (&dx0, &dw0, &db0);
    let learner = attempt(|| run::<B>(&x, &w, &b, &dout, prefill));
    case.grade(
        learner,
        run::<Solutions>(&x, &w, &b, &dout, prefill),
        vec![],
    )
}

fn grade_embedding<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (vocab, dim, n, block) = (6, 3, 4, 3);
    let table = randn((vocab, dim), rng);
    // Index 0 (the boundary token) appears again and again, as in real contexts.
    let idx = Array2::from_shape_fn((n, block), |(i, t)| {
        if t < 2 - i.min(2) {
            0
        } else {
            rng.random_range(0..vocab)
        }
    });
    let dout = randn((n, block, dim), rng);
    let dtable0 = randn((vocab, dim), rng);

    fn run<B: Backprop>(
        idx: &Array2<usize>,
        dout: &Array3<f64>,
        dtable0: &Array2<f64>,
    ) -> Vec<ArrayD<f64>> {
        let mut grads = crate::layers::embedding::EmbeddingGrads {
            dtable: dtable0.clone(),
        };
        B::embedding_backward(&mut grads, dout, idx);
        vec![grads.dtable.into_dyn()]
    }
    let loss = |t: &ArrayD<f64>| {
        let emb = Embedding::new(t.clone().into_dimensionality().unwrap());
        (emb.forward(&idx).expect("indices fit") * &dout).sum()
    };
    let case = LayerCase {
        exercise: Exercise::Embedding,
        vars: vec![("dtable".into(), dyn_(&table), Box::new(loss))],
        prefill: vec![dyn_(&dtable0)],
        seed,
        known: Known::none().mistake(
            hints::ASSIGNED_SCATTER,
            &hints::mistakes::scatter_assigned(
                &dtable0,
                &dout.to_shape((n * block, dim)).expect("(n·block, E)"),
                idx.as_slice().expect("standard layout"),
            ),
        ),
        handed: format!(
            "dtable ({vocab}, {dim}), dout ({n}, {block}, {dim}), idx ({n}, {block}) = {:?}",
            idx.as_slice().unwrap()
        ),
    };
    let learner = attempt(|| run::<B>(&idx, &dout, &dtable0));
    case.grade(learner, run::<Solutions>(&idx, &dout, &dtable0), vec![])
}

fn grade_tanh<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let x = randn((4, 5), rng) * 1.5;
    let dout = randn((4, 5), rng);
    let dx0 = randn((4, 5), rng);

    fn run<B: Backprop>(
        x: &Array2<f64>,
        dout: &Array2<f64>,
        dx0: &Array2<f64>,
    ) -> Vec<ArrayD<f64>> {
        let out = crate::layers::tanh::forward(x);
        let mut dx = dx0.clone();
        B::tanh_backward(&mut dx, dout, &out);
        vec![dx.into_dyn()]
    }
    let loss = |x: &ArrayD<f64>| (crate::layers::tanh::forward(x) * &dout.view().into_dyn()).sum();
    let case = LayerCase {
        exercise: Exercise::Tanh,
        vars: vec![("dx".into(), dyn_(&x), Box::new(loss))],
        prefill: vec![dyn_(&dx0)],
        seed,
        known: Known::none(),
        handed: "dx (4, 5), dout (4, 5), out (4, 5)".into(),
    };
    let learner = attempt(|| run::<B>(&x, &dout, &dx0));
    case.grade(learner, run::<Solutions>(&x, &dout, &dx0), vec![])
}

/// Three graded variables `(a, b, c)` of one loss `L(a, b, c)`, each with the
/// loss as a function of it alone, the other two held fixed.
fn three_vars<'a>(
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

/// BatchNorm's three graded variables, `x`, `gain` and `bias`, with the
/// loss `Σ forward(x)·dout`.
fn batchnorm_vars<'a>(
    layer: &BatchNorm1d<f64>,
    x: ArrayD<f64>,
    dout: ArrayD<f64>,
    forward: fn(&BatchNorm1d<f64>, &ArrayD<f64>) -> ArrayD<f64>,
) -> Vec<(String, ArrayD<f64>, Loss<'a>)> {
    let (gain, bias) = (dyn_(&layer.gain), dyn_(&layer.bias));
    let layer = layer.clone();
    three_vars(
        ["dx", "dgain", "dbias"],
        [x, gain, bias],
        move |x, gain, bias| {
            let mut bn = layer.clone();
            bn.gain = gain.clone().into_dimensionality().expect("(1, H)");
            bn.bias = bias.clone().into_dimensionality().expect("(1, H)");
            (forward(&bn, x) * &dout).sum()
        },
    )
}

fn grade_batchnorm<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, dim) = (6, 4);
    let x = randn((n, dim), rng) * 2.0 + 1.0;
    let mut layer = BatchNorm1d::<f64>::new(dim);
    layer.gain = randn((1, dim), rng) * 0.1 + 1.0;
    layer.bias = randn((1, dim), rng) * 0.1;
    let dout = randn((n, dim), rng);
    let (dx0, dgain0, dbias0) = (
        randn((n, dim), rng),
        randn((1, dim), rng),
        randn((1, dim), rng),
    );

    fn run<B: Backprop>(
        x: &Array2<f64>,
        layer: &BatchNorm1d<f64>,
        dout: &Array2<f64>,
        prefill: [&Array2<f64>; 3],
    ) -> Vec<ArrayD<f64>> {
        let (_, cache) = layer.forward_train(x).expect("a batch of 6");
        let mut dx = prefill[0].clone();
        let mut grads = crate::layers::batchnorm::BatchNormGrads {
            dgain: prefill[1].clone(),
            dbias: prefill[2].clone(),
        };
        B::batchnorm_backward(&mut dx, &mut grads, dout, &cache, layer);
        vec![
            dx.into_dyn(),
            grads.dgain.into_dyn(),
            grads.dbias.into_dyn(),
        ]
    }
    let case = LayerCase {
        exercise: Exercise::BatchNorm,
        vars: batchnorm_vars(&layer, dyn_(&x), dyn_(&dout), |bn, x| {
            let x = x.view().into_dimensionality().expect("(B, H)");
            bn.forward_train(&x).expect("a batch of 6").0.into_dyn()
        }),
        prefill: vec![dyn_(&dx0), dyn_(&dgain0), dyn_(&dbias0)],
        seed,
        known: {
            let (_, cache) = layer.forward_train(&x).expect("a batch of 6");
            let bessel = hints::mistakes::batchnorm_without_bessel(
                &dout,
                &cache.xhat,
                &layer.gain,
                &cache.var_inv,
            );
            Known::sizes(&[("n", n)]).mistake(hints::BESSEL, &bessel)
        },
        handed: "dx (6, 4), dgain (1, 4), dbias (1, 4), dout (6, 4), cache.xhat (6, 4), cache.var_inv (1, 4), gain (1, 4)".into(),
    };
    let prefill = [&dx0, &dgain0, &dbias0];
    let learner = attempt(|| run::<B>(&x, &layer, &dout, prefill));
    if learner.is_err() {
        return case.grade(learner, vec![], vec![]);
    }
    let extra = lecture_batchnorm_row::<B>(seed);
    case.grade(
        learner,
        run::<Solutions>(&x, &layer, &dout, prefill),
        vec![extra],
    )
}

/// Exercise 3 on the lecture's network: `dhprebn` from `dhpreact` in one go
/// must match exercise 1's chain of steps.
fn lecture_batchnorm_row<B: Backprop>(seed: u64) -> (Row, Option<String>) {
    let (f, reference) = lecture_seeded(seed);
    let mut layer = BatchNorm1d::new(f.hprebn.ncols());
    layer.gain = f.params.bngain.clone();
    layer.bias = f.params.bnbias.clone();
    let cache = BatchNormCache {
        mean: f.bnmeani.clone(),
        var: f.bnvar.clone(),
        var_inv: f.bnvar_inv.clone(),
        xhat: f.bnraw.clone(),
    };
    let mut dhprebn = Array2::zeros(f.hprebn.raw_dim());
    let mut grads = layer.zero_grads();
    if let Err(message) = attempt(|| {
        B::batchnorm_backward(
            &mut dhprebn,
            &mut grads,
            &reference.dhpreact,
            &cache,
            &layer,
        )
    }) {
        let row = compare(
            "ex3 dhprebn (lecture batch)",
            &dhprebn,
            &reference.dhprebn,
            None,
        );
        return (
            row,
            Some(format!(
                "ex3::batchnorm panicked on the lecture batch: {message}"
            )),
        );
    }
    let bessel = hints::mistakes::batchnorm_without_bessel(
        &reference.dhpreact,
        &cache.xhat,
        &layer.gain,
        &cache.var_inv,
    );
    lecture_row(
        "ex3 dhprebn (lecture batch, vs exercise 1)",
        &f,
        Var::Hprebn,
        &dhprebn.into_dyn(),
        &reference.get(Var::Hprebn),
        Known::none().mistake(hints::BESSEL, &bessel),
    )
}

fn grade_cross_entropy<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, vocab) = (6, 5);
    let logits = randn((n, vocab), rng) * 3.0;
    let targets: Vec<usize> = (0..n).map(|_| rng.random_range(0..vocab)).collect();
    let dloss = rng.sample(Uniform::new(0.5, 2.0).expect("a range"));
    let dlogits0 = randn((n, vocab), rng);

    fn run<B: Backprop>(
        logits: &Array2<f64>,
        targets: &[usize],
        dloss: f64,
        dlogits0: &Array2<f64>,
    ) -> Vec<ArrayD<f64>> {
        let (_, cache) = cross_entropy::forward(logits, targets).expect("targets fit");
        let mut dlogits = dlogits0.clone();
        B::cross_entropy_backward(&mut dlogits, dloss, &cache, targets);
        vec![dlogits.into_dyn()]
    }
    let loss = |l: &ArrayD<f64>| {
        dloss
            * cross_entropy::forward(&l.view().into_dimensionality().unwrap(), &targets)
                .expect("targets fit")
                .0
    };
    let case = LayerCase {
        exercise: Exercise::CrossEntropy,
        vars: vec![("dlogits".into(), dyn_(&logits), Box::new(loss))],
        prefill: vec![dyn_(&dlogits0)],
        seed,
        known: Known::sizes(&[("n", n)]),
        handed: format!(
            "dlogits ({n}, {vocab}), dloss {dloss:.3}, cache.probs ({n}, {vocab}), targets ({n},)"
        ),
    };
    let learner = attempt(|| run::<B>(&logits, &targets, dloss, &dlogits0));
    if learner.is_err() {
        return case.grade(learner, vec![], vec![]);
    }
    let extra = lecture_cross_entropy_row::<B>(seed);
    case.grade(
        learner,
        run::<Solutions>(&logits, &targets, dloss, &dlogits0),
        vec![extra],
    )
}

/// Exercise 2 on the lecture's network: `dlogits` in one go must match
/// exercise 1's chain of steps.
fn lecture_cross_entropy_row<B: Backprop>(seed: u64) -> (Row, Option<String>) {
    let (f, reference) = lecture_seeded(seed);
    let cache = CrossEntropyCache {
        probs: f.probs.clone(),
    };
    let mut dlogits = Array2::zeros(f.logits.raw_dim());
    if let Err(message) =
        attempt(|| B::cross_entropy_backward(&mut dlogits, 1.0, &cache, &f.batch.Yb))
    {
        let row = compare(
            "ex2 dlogits (lecture batch)",
            &dlogits,
            &reference.dlogits,
            None,
        );
        return (
            row,
            Some(format!(
                "ex2::cross_entropy panicked on the lecture batch: {message}"
            )),
        );
    }
    lecture_row(
        "ex2 dlogits (lecture batch, vs exercise 1)",
        &f,
        Var::Logits,
        &dlogits.into_dyn(),
        &reference.get(Var::Logits),
        Known::none(),
    )
}

/// The lecture's network at its exercise sizes, and the reference gradients.
pub fn lecture() -> (Forward, Grads) {
    lecture_seeded(SEED)
}

/// The same, drawn from `seed`.
pub fn lecture_seeded(seed: u64) -> (Forward, Grads) {
    let (params, batch) = lecture_setup(Hyper::BACKPROP_NINJA, BATCH, seed);
    let f = Forward::new(&params, &batch).expect("the lecture's network fits its batch");
    let grads = Grads::chain::<Solutions>(&f);
    (f, grads)
}

fn step_config(seed: u64) -> Config {
    Config {
        seed,
        max_full: 400,
        subset: 200,
        ..Config::default()
    }
}

/// Compares a gradient of the lecture's network with the reference and with
/// finite differences of the loss in `var`.
fn lecture_row(
    name: &str,
    f: &Forward,
    var: Var,
    learner: &ArrayD<f64>,
    reference: &ndarray::ArrayViewD<f64>,
    known: Known,
) -> (Row, Option<String>) {
    let report = oracle::check(
        name,
        &var.value(f),
        learner,
        |v| Forward::with_override(&f.params, &f.batch, var, v).loss,
        &step_config(SEED),
    );
    let row = compare(name, learner, reference, Some(report));
    let known = Known {
        sizes: vec![("n".into(), f.n())],
        ..known
    };
    let message = (!row.ok()).then(|| diagnose(&row, learner, reference, &known));
    (row, message)
}

fn grade_step<B: Backprop>(var: Var, seed: u64) -> Grade {
    let exercise = Exercise::Step(var);
    let (f, reference) = lecture_seeded(seed);
    let mut grads = reference.clone();
    if let Err(message) = attempt(|| grads.step::<B>(var, &f)) {
        let shape = var.value(&f).shape().to_vec();
        return failed(
            exercise,
            message,
            &format!(
                "the forward pass and the reference's upstream gradients; {} must have shape {shape:?}",
                var.grad_name()
            ),
        );
    }
    let known = match var {
        Var::C => {
            let e = reference.demb.shape()[2];
            let drows = reference
                .demb
                .to_shape((reference.demb.len() / e, e))
                .expect("demb is (n, block, E)");
            let idx: Vec<usize> = f.batch.Xb.iter().copied().collect();
            let prefill = Array2::zeros(f.params.C.raw_dim());
            Known::none().mistake(
                hints::ASSIGNED_SCATTER,
                &hints::mistakes::scatter_assigned(&prefill, &drows, &idx),
            )
        }
        _ => Known::none(),
    };
    let (row, message) = lecture_row(
        &format!("ex1 {}", var.grad_name()),
        &f,
        var,
        &grads.get(var).to_owned(),
        &reference.get(var),
        known,
    );
    verdict(exercise, vec![row], message.into_iter().collect())
}

/// Why each step of exercise 1 is not ready, run alone on the reference's
/// upstream gradients: not attempted, panicking, mis-shaped or wrong.
fn steps_not_ready<B: Backprop>(f: &Forward, reference: &Grads) -> Vec<(Var, &'static str)> {
    Var::ALL
        .iter()
        .filter_map(|&var| {
            let mut alone = reference.clone();
            let why = match attempt(|| alone.step::<B>(var, f)) {
                Err(message) if is_todo(&message) => "not attempted",
                Err(_) => "panics",
                Ok(()) if alone.get(var).shape() != reference.get(var).shape() => "mis-shaped",
                Ok(()) if !compare("", &alone.get(var), &reference.get(var), None).approximate => {
                    "wrong"
                }
                Ok(()) => return None,
            };
            Some((var, why))
        })
        .collect()
}

fn grade_chain<B: Backprop>(seed: u64) -> Grade {
    let (f, reference) = lecture_seeded(seed);
    // The chain waits for every step: one mistake, one wrong row.
    let waiting = steps_not_ready::<B>(&f, &reference);
    if !waiting.is_empty() {
        let status = if waiting.iter().all(|(_, why)| *why == "not attempted") {
            Status::NotAttempted
        } else {
            let list: Vec<String> = waiting
                .iter()
                .filter(|(_, why)| *why != "not attempted")
                .map(|(var, why)| format!("{} ({why})", var.grad_name()))
                .collect();
            Status::Blocked(format!("fix {} first (its own row)", list.join(", ")))
        };
        return Grade {
            exercise: Exercise::Chain,
            status,
            rows: vec![],
        };
    }
    let chained = match attempt(|| Grads::chain::<B>(&f)) {
        Ok(grads) => grads,
        Err(message) if is_todo(&message) => {
            return Grade {
                exercise: Exercise::Chain,
                status: Status::NotAttempted,
                rows: vec![],
            };
        }
        Err(message) => {
            return failed(
                Exercise::Chain,
                message,
                "the forward pass; each step its own upstream gradients",
            );
        }
    };
    let rows: Vec<Row> = Var::ALL
        .iter()
        .map(|&var| {
            compare(
                &format!("chain {}", var.grad_name()),
                &chained.get(var),
                &reference.get(var),
                None,
            )
        })
        .collect();
    let status = match Var::ALL.iter().zip(&rows).find(|(_, row)| !row.ok()) {
        None => Status::Correct,
        Some((&var, row)) => {
            let mut alone = reference.clone();
            let step_ok = attempt(|| alone.step::<B>(var, &f)).is_ok()
                && compare("", &alone.get(var), &reference.get(var), None).approximate;
            if step_ok {
                Status::Wrong(format!(
                    "{} is right when handed the reference's upstream gradients, but not your own (maxdiff {:.3e}): check the steps before it",
                    var.grad_name(),
                    row.maxdiff
                ))
            } else {
                Status::Blocked(format!("fix {} first (its own row)", var.grad_name()))
            }
        }
    };
    Grade {
        exercise: Exercise::Chain,
        status,
        rows,
    }
}

fn ix3(x: &ArrayD<f64>) -> ndarray::ArrayView3<'_, f64> {
    x.view()
        .into_dimensionality::<Ix3>()
        .expect("a 3-D variable")
}

/// A FlattenConsecutive case: the layer, `x`, `dout` and the prefilled `dx`.
type FlattenCase = (FlattenConsecutive, Array3<f64>, Array3<f64>, Array3<f64>);

fn grade_flatten_consecutive<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    // n = 2 on 8 positions, and n = 4 on 4 (T/n = 1: the lecture's (B, C·n)).
    let cases = [(2, (2, 8, 3)), (4, (3, 4, 2))].map(|(n, (b, t, c))| {
        let layer = FlattenConsecutive::new(n).expect("n ≥ 1");
        let x = randn((b, t, c), rng);
        let dout = randn((b, t / n, c * n), rng);
        let dx0 = randn((b, t, c), rng);
        (layer, x, dout, dx0)
    });

    fn run<B: Backprop>(cases: &[FlattenCase]) -> Vec<ArrayD<f64>> {
        cases
            .iter()
            .map(|(layer, _, dout, dx0)| {
                let mut dx = dx0.clone();
                B::flatten_consecutive_backward(&mut dx, dout, layer);
                dx.into_dyn()
            })
            .collect()
    }
    let loss = |(layer, _, dout, _): &FlattenCase, x: &ArrayD<f64>| {
        (layer.forward(&ix3(x)).expect("shapes fit") * dout).sum()
    };
    let case = LayerCase {
        exercise: Exercise::FlattenConsecutive,
        vars: vec![
            (
                "dx (n=2)".into(),
                dyn_(&cases[0].1),
                Box::new(|v| loss(&cases[0], v)),
            ),
            (
                "dx (n=4, T/n=1)".into(),
                dyn_(&cases[1].1),
                Box::new(|v| loss(&cases[1], v)),
            ),
        ],
        prefill: vec![dyn_(&cases[0].3), dyn_(&cases[1].3)],
        seed,
        known: Known::none(),
        handed: "dx (2, 8, 3), dout (2, 4, 6), n = 2; then dx (3, 4, 2), dout (3, 1, 8), n = 4"
            .into(),
    };
    let learner = attempt(|| run::<B>(&cases));
    case.grade(learner, run::<Solutions>(&cases), vec![])
}

fn grade_linear_3d<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, t, fan_in, fan_out) = (3, 4, 5, 3);
    let x = randn((n, t, fan_in), rng);
    let w = randn((fan_in, fan_out), rng);
    let b = randn(fan_out, rng);
    let dout = randn((n, t, fan_out), rng);
    let (dx0, dw0, db0) = (
        randn((n, t, fan_in), rng),
        randn((fan_in, fan_out), rng),
        randn(fan_out, rng),
    );

    fn run<B: Backprop>(
        x: &Array3<f64>,
        layer: &Linear<f64>,
        dout: &Array3<f64>,
        prefill: (&Array3<f64>, &Array2<f64>, &Array1<f64>),
    ) -> Vec<ArrayD<f64>> {
        let mut dx = prefill.0.clone();
        let mut grads = layer.zero_grads();
        grads.dw.assign(prefill.1);
        grads.db = Some(prefill.2.clone());
        B::linear_backward_3d(&mut dx, &mut grads, dout, x, layer);
        vec![
            dx.into_dyn(),
            grads.dw.into_dyn(),
            grads.db.expect("db").into_dyn(),
        ]
    }
    let case = LayerCase {
        exercise: Exercise::Linear3d,
        vars: three_vars(
            ["dx", "dw", "db"],
            [dyn_(&x), dyn_(&w), dyn_(&b)],
            |x, w, b| {
                let out = linear_from(w, b).forward_3d(&ix3(x));
                (out.expect("shapes fit") * &dout).sum()
            },
        ),
        prefill: vec![dyn_(&dx0), dyn_(&dw0), dyn_(&db0)],
        seed,
        known: Known::sizes(&[("B·T", n * t), ("T", t), ("B", n)]),
        handed: "dx (3, 4, 5), dw (5, 3), db (3,), dout (3, 4, 3), x (3, 4, 5), w (5, 3)".into(),
    };
    let layer = Linear::new(w.clone(), Some(b.clone())).expect("shapes fit");
    let prefill = (&dx0, &dw0, &db0);
    let learner = attempt(|| run::<B>(&x, &layer, &dout, prefill));
    let graded = case.grade(
        learner,
        run::<Solutions>(&x, &layer, &dout, prefill),
        vec![],
    );
    blame_2d::<B>(graded, Exercise::Linear, seed)
}

fn grade_batchnorm_3d<B: Backprop>(seed: u64) -> Grade {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, t, dim) = (4, 3, 5);
    // Each position its own scale and offset: statistics over one axis only would differ.
    let x = randn((n, t, dim), rng) * 2.0
        + Array3::from_shape_fn((1, t, dim), |(_, t, h)| (t * dim + h) as f64 * 0.3);
    let mut layer = BatchNorm1d::<f64>::new(dim);
    layer.gain = randn((1, dim), rng) * 0.1 + 1.0;
    layer.bias = randn((1, dim), rng) * 0.1;
    let dout = randn((n, t, dim), rng);
    let (dx0, dgain0, dbias0) = (
        randn((n, t, dim), rng),
        randn((1, dim), rng),
        randn((1, dim), rng),
    );

    fn run<B: Backprop>(
        x: &Array3<f64>,
        layer: &BatchNorm1d<f64>,
        dout: &Array3<f64>,
        prefill: (&Array3<f64>, &Array2<f64>, &Array2<f64>),
    ) -> Vec<ArrayD<f64>> {
        let (_, cache) = layer.forward_train_3d(x).expect("a batch of 4 × 3");
        let mut dx = prefill.0.clone();
        let mut grads = crate::layers::batchnorm::BatchNormGrads {
            dgain: prefill.1.clone(),
            dbias: prefill.2.clone(),
        };
        B::batchnorm_backward_3d(&mut dx, &mut grads, dout, &cache, layer);
        vec![
            dx.into_dyn(),
            grads.dgain.into_dyn(),
            grads.dbias.into_dyn(),
        ]
    }
    let case = LayerCase {
        exercise: Exercise::BatchNorm3d,
        vars: batchnorm_vars(&layer, dyn_(&x), dyn_(&dout), |bn, x| {
            let (out, _) = bn.forward_train_3d(&ix3(x)).expect("a batch of 4 × 3");
            out.into_dyn()
        }),
        prefill: vec![dyn_(&dx0), dyn_(&dgain0), dyn_(&dbias0)],
        seed,
        known: {
            let (_, cache) = layer.forward_train_3d(&x).expect("a batch of 4 × 3");
            let dout2 = dout.to_shape((n * t, dim)).expect("(B·T, H)");
            let bessel = hints::mistakes::batchnorm_without_bessel(
                &dout2,
                &cache.xhat,
                &layer.gain,
                &cache.var_inv,
            );
            let bessel = bessel.into_shape_with_order((n, t, dim)).expect("(B, T, H)");
            Known::sizes(&[("B·T", n * t)]).mistake(hints::BESSEL, &bessel)
        },
        handed: "dx (4, 3, 5), dgain (1, 5), dbias (1, 5), dout (4, 3, 5), cache.xhat (12, 5), cache.var_inv (1, 5), gain (1, 5)".into(),
    };
    let prefill = (&dx0, &dgain0, &dbias0);
    let learner = attempt(|| run::<B>(&x, &layer, &dout, prefill));
    let graded = case.grade(
        learner,
        run::<Solutions>(&x, &layer, &dout, prefill),
        vec![],
    );
    blame_2d::<B>(graded, Exercise::BatchNorm, seed)
}

/// A wrong 3-D exercise whose 2-D twin is wrong too says that the 2-D
/// function may be the cause: `backward_3d` often calls it on a reshape.
fn blame_2d<B: Backprop>(mut graded: Grade, two_d: Exercise, seed: u64) -> Grade {
    if let Status::Wrong(message) = &mut graded.status
        && matches!(grade_seeded::<B>(two_d, seed).status, Status::Wrong(_))
    {
        message.push_str(&format!(
            "\n  hint: your 2-D `backward` ({}, {}) is wrong too; if `backward_3d` calls it, that is the cause: fix it first (its own row)",
            two_d.id(),
            two_d.file()
        ));
    }
    graded
}

/// A WaveNet small enough to check every parameter: 5 characters, a block
/// of 4 (two levels), n_embd 3, n_hidden 4, a batch of 6; BatchNorm gains
/// and biases and the output bias moved off their initial 1 and 0.
pub fn small_wavenet(seed: u64) -> (WaveNet<f64>, Array2<usize>, Vec<usize>) {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let hyper = Hyper {
        vocab: 5,
        block: 4,
        n_embd: 3,
        n_hidden: 4,
    };
    let mut model = WaveNet::lecture_init(hyper, rng).expect("valid sizes");
    for (name, mut p) in model.net.params_mut() {
        if name.ends_with("dgain") || name.ends_with("dbias") || name.ends_with("db") {
            let r = randn(p.raw_dim(), rng) * 0.3;
            p += &r;
        }
    }
    let idx = Array2::from_shape_fn((6, 4), |_| rng.random_range(0..5));
    let targets = (0..6).map(|_| rng.random_range(0..5)).collect();
    (model, idx, targets)
}

/// The training-mode loss of `model` on one batch.
pub fn wavenet_loss(model: &WaveNet<f64>, idx: &Array2<usize>, targets: &[usize]) -> f64 {
    let mut ws = model.workspace(idx.nrows()).expect("shapes fit");
    ws.cache.idx.assign(idx);
    ws.targets.copy_from_slice(targets);
    model.forward(&mut ws).expect("shapes fit")
}

/// A Sequential backward pass, its model and cache captured.
type SequentialBackward<'a> = dyn Fn(&mut [LayerGrads<f64>], &mut [Array3<f64>]) + 'a;

fn grade_sequential<B: Backprop>(seed: u64) -> Grade {
    let (model, idx, targets) = small_wavenet(seed);
    let mut ws = model.workspace(idx.nrows()).expect("shapes fit");
    ws.cache.idx.assign(&idx);
    ws.targets.copy_from_slice(&targets);
    model.forward(&mut ws).expect("shapes fit");
    let last = ws.douts.len() - 1;
    let mut dlogits = ws.douts[last].index_axis_mut(Axis(1), 0);
    Solutions::cross_entropy_backward(&mut dlogits, 1.0, &ws.ce, &targets);
    let rng = &mut ChaCha8Rng::seed_from_u64(seed ^ 0x5e9);
    let mut prefilled = model.zero_grads();
    for mut g in grads_mut(&mut prefilled) {
        let r = randn(g.raw_dim(), rng);
        g.assign(&r);
    }
    let prefill: Vec<ArrayD<f64>> = grads_mut(&mut prefilled)
        .iter()
        .map(|g| g.to_owned())
        .collect();

    let run = |sequential: &SequentialBackward| {
        let mut grads = prefilled.clone();
        let mut douts = ws.douts.clone();
        sequential(&mut grads, &mut douts);
        grads_mut(&mut grads)
            .iter()
            .map(|g| g.to_owned())
            .collect::<Vec<_>>()
    };
    let mut params = model.clone();
    let vars = params
        .net
        .params_mut()
        .into_iter()
        .enumerate()
        .map(|(k, (name, p))| {
            let (model, idx, targets) = (&model, &idx, &targets);
            let loss: Loss = Box::new(move |v: &ArrayD<f64>| {
                let mut m = model.clone();
                m.net.params_mut()[k].1.assign(v);
                wavenet_loss(&m, idx, targets)
            });
            (name, p.to_owned(), loss)
        })
        .collect();
    let case = LayerCase {
        exercise: Exercise::Sequential,
        vars,
        prefill,
        seed,
        known: Known::sizes(&[("n", idx.nrows())]),
        handed: "a WaveNet of 10 layers (vocab 5, block 4, n_embd 3, n_hidden 4), a batch of 6, douts[9] = dlogits (6, 1, 5), the other douts zero; the layers' backward passes are the reference's".into(),
    };
    let learner = attempt(|| {
        run(&|g, d| B::sequential_backward::<Solutions, f64>(g, d, &ws.cache, &model.net))
    });
    let reference =
        run(&|g, d| Solutions::sequential_backward::<Solutions, f64>(g, d, &ws.cache, &model.net));
    case.grade(learner, reference, vec![])
}

impl Grade {
    /// Passes a run: wrong is the only failure for a learner.
    pub fn passed(&self) -> bool {
        !matches!(self.status, Status::Wrong(_))
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let oracle = match &self.oracle {
            None => "-".to_string(),
            Some(r) if !r.passed() => "WRONG".to_string(),
            Some(r) => match &r.worst {
                Some(w) => format!("ok (worst abs err {:.1e})", w.abs_err),
                None => "ok".into(),
            },
        };
        write!(
            f,
            "{:<44} | exact: {:<5} | approximate: {:<5} | maxdiff: {:<8.1e} | finite differences: {oracle}",
            self.name, self.exact, self.approximate, self.maxdiff
        )
    }
}

/// The `cmp` table of a set of grades, then one line of totals.
pub fn table(implementation: &str, grades: &[Grade]) -> String {
    let mut out = String::new();
    for g in grades {
        match &g.status {
            Status::NotAttempted => out.push_str(&format!(
                "{:<44} | not attempted ({})\n",
                g.exercise.id(),
                g.exercise.file()
            )),
            Status::Blocked(why) => {
                out.push_str(&format!("{:<44} | waiting: {why}\n", g.exercise.id()))
            }
            Status::Correct | Status::Wrong(_) => {
                for row in &g.rows {
                    out.push_str(&format!("{row}\n"));
                }
                if let Status::Wrong(message) = &g.status
                    && g.rows.is_empty()
                {
                    out.push_str(&format!(
                        "{:<44} | WRONG: {}\n",
                        g.exercise.id(),
                        message.lines().next().unwrap_or("")
                    ));
                }
            }
        }
    }
    out.push_str(&summary(implementation, grades));
    out.push('\n');
    out
}

/// "exercises: 3/40 done, 37 not attempted, 0 wrong".
pub fn summary(implementation: &str, grades: &[Grade]) -> String {
    let count = |f: fn(&Status) -> bool| grades.iter().filter(|g| f(&g.status)).count();
    let done = count(|s| matches!(s, Status::Correct));
    let not_attempted = count(|s| matches!(s, Status::NotAttempted));
    let waiting = count(|s| matches!(s, Status::Blocked(_)));
    let wrong = count(|s| matches!(s, Status::Wrong(_)));
    let mut line = format!(
        "{implementation}: {done}/{} done, {not_attempted} not attempted",
        grades.len()
    );
    if waiting > 0 {
        line.push_str(&format!(", {waiting} waiting"));
    }
    line.push_str(&format!(", {wrong} wrong"));
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn todo_is_not_attempted_and_other_panics_are_reported() {
        let todo: Result<(), String> = attempt(|| todo!("a hint"));
        assert!(is_todo(&todo.unwrap_err()));
        let other: Result<(), String> = attempt(|| panic!("shapes differ"));
        let other = other.unwrap_err();
        assert!(
            other.starts_with("shapes differ\n  at src/grade/mod.rs:"),
            "the message, then where: {other}"
        );
    }

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
