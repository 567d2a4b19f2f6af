//! # Grading cases: the layers of the MLP, and exercises 2 and 3
//!
//! Linear, Embedding, Tanh, BatchNorm1d (the backprop lecture's exercise 3)
//! and cross-entropy (its exercise 2), each on a small random case; the two
//! exercises also on the lecture's batch, against exercise 1's chain.

use ndarray::{Array1, Array2, Array3, ArrayD};
use ndarray_rand::rand_distr::Uniform;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::course::step_by_step::Var;
use crate::grade::attempt::attempt;
use crate::grade::case::{LayerCase, Loss, dyn_, handed, randn, three_vars};
use crate::grade::cases::step_by_step::{lecture_row, lecture_seeded};
use crate::grade::compare::compare;
use crate::grade::hints::Known;
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::grade::{Outcome, Row};
use crate::layers::batchnorm::{BatchNorm1d, BatchNormCache};
use crate::layers::cross_entropy::{self, CrossEntropyCache};
use crate::layers::embedding::Embedding;
use crate::layers::linear::Linear;

/// A Linear layer from a weight and a bias seen as dynamic arrays.
pub fn linear_from(w: &ArrayD<f64>, b: &ArrayD<f64>) -> Linear<f64> {
    let w = w.clone().into_dimensionality().expect("(I, O)");
    let b = b.clone().into_dimensionality().expect("(O,)");
    Linear::new(w, Some(b)).expect("shapes fit")
}

pub fn linear(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
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

    fn run(
        bp: &BackpropTable,
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
        (bp.linear_backward)(&mut dx, &mut grads, dout, x, &layer);
        vec![
            dx.into_dyn(),
            grads.dw.into_dyn(),
            grads.db.expect("db").into_dyn(),
        ]
    }
    let case = LayerCase {
        id,
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
        handed: handed(&[
            ("dx", dx0.shape()),
            ("dw", dw0.shape()),
            ("db", db0.shape()),
            ("dout", dout.shape()),
            ("x", x.shape()),
            ("w", w.shape()),
        ]),
    };
    let prefill = (&dx0, &dw0, &db0);
    let learner = attempt(|| run(bp, &x, &w, &b, &dout, prefill));
    case.grade(learner, run(&SOLUTIONS, &x, &w, &b, &dout, prefill), vec![])
}

pub fn embedding(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
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

    fn run(
        bp: &BackpropTable,
        idx: &Array2<usize>,
        dout: &Array3<f64>,
        dtable0: &Array2<f64>,
    ) -> Vec<ArrayD<f64>> {
        let mut grads = crate::layers::embedding::EmbeddingGrads {
            dtable: dtable0.clone(),
        };
        (bp.embedding_backward)(&mut grads, dout, idx);
        vec![grads.dtable.into_dyn()]
    }
    let loss = |t: &ArrayD<f64>| {
        let emb = Embedding::new(t.clone().into_dimensionality().unwrap());
        (emb.forward(&idx).expect("indices fit") * &dout).sum()
    };
    let case = LayerCase {
        id,
        vars: vec![("dtable".into(), dyn_(&table), Box::new(loss))],
        prefill: vec![dyn_(&dtable0)],
        seed,
        known: Known::none(),
        handed: format!(
            "dtable ({vocab}, {dim}), dout ({n}, {block}, {dim}), idx ({n}, {block}) = {:?}",
            idx.as_slice().unwrap()
        ),
    };
    let learner = attempt(|| run(bp, &idx, &dout, &dtable0));
    case.grade(learner, run(&SOLUTIONS, &idx, &dout, &dtable0), vec![])
}

pub fn tanh(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let x = randn((4, 5), rng) * 1.5;
    let dout = randn((4, 5), rng);
    let dx0 = randn((4, 5), rng);

    fn run(
        bp: &BackpropTable,
        x: &Array2<f64>,
        dout: &Array2<f64>,
        dx0: &Array2<f64>,
    ) -> Vec<ArrayD<f64>> {
        let out = crate::layers::tanh::forward(x);
        let mut dx = dx0.clone();
        (bp.tanh_backward)(&mut dx, dout, &out);
        vec![dx.into_dyn()]
    }
    let loss = |x: &ArrayD<f64>| (crate::layers::tanh::forward(x) * &dout.view().into_dyn()).sum();
    let case = LayerCase {
        id,
        vars: vec![("dx".into(), dyn_(&x), Box::new(loss))],
        prefill: vec![dyn_(&dx0)],
        seed,
        known: Known::none(),
        handed: handed(&[
            ("dx", dx0.shape()),
            ("dout", dout.shape()),
            ("out", x.shape()),
        ]),
    };
    let learner = attempt(|| run(bp, &x, &dout, &dx0));
    case.grade(learner, run(&SOLUTIONS, &x, &dout, &dx0), vec![])
}

/// BatchNorm's three graded variables, `x`, `gain` and `bias`, with the
/// loss `Σ forward(x)·dout`.
pub fn batchnorm_vars<'a>(
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

pub fn batchnorm(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
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

    fn run(
        bp: &BackpropTable,
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
        (bp.batchnorm_backward)(&mut dx, &mut grads, dout, &cache, layer);
        vec![
            dx.into_dyn(),
            grads.dgain.into_dyn(),
            grads.dbias.into_dyn(),
        ]
    }
    let case = LayerCase {
        id,
        vars: batchnorm_vars(&layer, dyn_(&x), dyn_(&dout), |bn, x| {
            let x = x.view().into_dimensionality().expect("(B, H)");
            bn.forward_train(&x).expect("a batch of 6").0.into_dyn()
        }),
        prefill: vec![dyn_(&dx0), dyn_(&dgain0), dyn_(&dbias0)],
        seed,
        known: Known::sizes(&[("n", n)]),
        handed: handed(&[
            ("dx", dx0.shape()),
            ("dgain", dgain0.shape()),
            ("dbias", dbias0.shape()),
            ("dout", dout.shape()),
            ("cache.xhat", x.shape()),
            ("cache.var_inv", layer.gain.shape()),
            ("gain", layer.gain.shape()),
        ]),
    };
    let prefill = [&dx0, &dgain0, &dbias0];
    let learner = attempt(|| run(bp, &x, &layer, &dout, prefill));
    if learner.is_err() {
        return case.grade(learner, vec![], vec![]);
    }
    let extra = lecture_batchnorm_row(bp, seed);
    case.grade(
        learner,
        run(&SOLUTIONS, &x, &layer, &dout, prefill),
        vec![extra],
    )
}

/// Exercise 3 on the lecture's network: `dhprebn` from `dhpreact` in one go
/// must match exercise 1's chain of steps.
fn lecture_batchnorm_row(bp: &BackpropTable, seed: u64) -> (Row, Option<String>) {
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
        (bp.batchnorm_backward)(
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
    lecture_row(
        "ex3 dhprebn (lecture batch, vs exercise 1)",
        &f,
        Var::Hprebn,
        &dhprebn.into_dyn(),
        &reference.get(Var::Hprebn),
        seed,
    )
}

pub fn cross_entropy(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    let (n, vocab) = (6, 5);
    let logits = randn((n, vocab), rng) * 3.0;
    let targets: Vec<usize> = (0..n).map(|_| rng.random_range(0..vocab)).collect();
    let dloss = rng.sample(Uniform::new(0.5, 2.0).expect("a range"));
    let dlogits0 = randn((n, vocab), rng);

    fn run(
        bp: &BackpropTable,
        logits: &Array2<f64>,
        targets: &[usize],
        dloss: f64,
        dlogits0: &Array2<f64>,
    ) -> Vec<ArrayD<f64>> {
        let (_, cache) = cross_entropy::forward(logits, targets).expect("targets fit");
        let mut dlogits = dlogits0.clone();
        (bp.cross_entropy_backward)(&mut dlogits, dloss, &cache, targets);
        vec![dlogits.into_dyn()]
    }
    let loss = |l: &ArrayD<f64>| {
        dloss
            * cross_entropy::forward(&l.view().into_dimensionality().unwrap(), &targets)
                .expect("targets fit")
                .0
    };
    let case = LayerCase {
        id,
        vars: vec![("dlogits".into(), dyn_(&logits), Box::new(loss))],
        prefill: vec![dyn_(&dlogits0)],
        seed,
        known: Known::sizes(&[("n", n)]),
        handed: format!(
            "dlogits ({n}, {vocab}), dloss {dloss:.3}, cache.probs ({n}, {vocab}), targets ({n},)"
        ),
    };
    let learner = attempt(|| run(bp, &logits, &targets, dloss, &dlogits0));
    if learner.is_err() {
        return case.grade(learner, vec![], vec![]);
    }
    let extra = lecture_cross_entropy_row(bp, seed);
    case.grade(
        learner,
        run(&SOLUTIONS, &logits, &targets, dloss, &dlogits0),
        vec![extra],
    )
}

/// Exercise 2 on the lecture's network: `dlogits` in one go must match
/// exercise 1's chain of steps.
fn lecture_cross_entropy_row(bp: &BackpropTable, seed: u64) -> (Row, Option<String>) {
    let (f, reference) = lecture_seeded(seed);
    let cache = CrossEntropyCache {
        probs: f.probs.clone(),
    };
    let mut dlogits = Array2::zeros(f.logits.raw_dim());
    if let Err(message) =
        attempt(|| (bp.cross_entropy_backward)(&mut dlogits, 1.0, &cache, &f.batch.Yb))
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
        seed,
    )
}
