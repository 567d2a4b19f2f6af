//! # Grading cases: the WaveNet's layers (makemore part 5)
//!
//! FlattenConsecutive, Linear and BatchNorm1d on `(B, T, C)`, and the
//! `Sequential` container's backward pass on a small WaveNet whose every
//! parameter is checked by finite differences.

use ndarray::{Array1, Array2, Array3, ArrayD, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::grade::Outcome;
use crate::grade::attempt::attempt;
use crate::grade::case::{LayerCase, Loss, dyn_, handed, ix3, randn, three_vars};
use crate::grade::cases::layers::{batchnorm_vars, linear_from};
use crate::grade::hints::Known;
use crate::grade::table::{BackpropTable, SOLUTIONS};
use crate::hyper::Hyper;
use crate::layers::batchnorm::BatchNorm1d;
use crate::layers::flatten_consecutive::FlattenConsecutive;
use crate::layers::linear::Linear;
use crate::layers::params::NamedParams;
use crate::layers::sequential::{Layer, LayerGrads};
use crate::models::wavenet::WaveNet;

/// A FlattenConsecutive case: the layer, `x`, `dout` and the prefilled `dx`.
type FlattenCase = (FlattenConsecutive, Array3<f64>, Array3<f64>, Array3<f64>);

pub fn flatten_consecutive(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let rng = &mut ChaCha8Rng::seed_from_u64(seed);
    // n = 2 on 8 positions, and n = 4 on 4 (T/n = 1: the lecture's (B, C·n)).
    let cases = [(2, (2, 8, 3)), (4, (3, 4, 2))].map(|(n, (b, t, c))| {
        let layer = FlattenConsecutive::new(n).expect("n ≥ 1");
        let x = randn((b, t, c), rng);
        let dout = randn((b, t / n, c * n), rng);
        let dx0 = randn((b, t, c), rng);
        (layer, x, dout, dx0)
    });

    fn run(bp: &BackpropTable, cases: &[FlattenCase]) -> Vec<ArrayD<f64>> {
        cases
            .iter()
            .map(|(layer, _, dout, dx0)| {
                let mut dx = dx0.clone();
                (bp.flatten_consecutive_backward)(&mut dx, dout, layer);
                dx.into_dyn()
            })
            .collect()
    }
    let loss = |(layer, _, dout, _): &FlattenCase, x: &ArrayD<f64>| {
        (layer.forward(&ix3(x)).expect("shapes fit") * dout).sum()
    };
    let case = LayerCase {
        id,
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
    let learner = attempt(|| run(bp, &cases));
    case.grade(learner, run(&SOLUTIONS, &cases), vec![])
}

pub fn linear_3d(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
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

    fn run(
        bp: &BackpropTable,
        x: &Array3<f64>,
        layer: &Linear<f64>,
        dout: &Array3<f64>,
        prefill: (&Array3<f64>, &Array2<f64>, &Array1<f64>),
    ) -> Vec<ArrayD<f64>> {
        let mut dx = prefill.0.clone();
        let mut grads = layer.zero_grads();
        grads.dw.assign(prefill.1);
        grads.db = Some(prefill.2.clone());
        (bp.linear_backward_3d)(&mut dx, &mut grads, dout, x, layer);
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
                let out = linear_from(w, b).forward_3d(&ix3(x));
                (out.expect("shapes fit") * &dout).sum()
            },
        ),
        prefill: vec![dyn_(&dx0), dyn_(&dw0), dyn_(&db0)],
        seed,
        known: Known::sizes(&[("B·T", n * t), ("T", t), ("B", n)]),
        handed: handed(&[
            ("dx", dx0.shape()),
            ("dw", dw0.shape()),
            ("db", db0.shape()),
            ("dout", dout.shape()),
            ("x", x.shape()),
            ("w", w.shape()),
        ]),
    };
    let layer = Linear::new(w.clone(), Some(b.clone())).expect("shapes fit");
    let prefill = (&dx0, &dw0, &db0);
    let learner = attempt(|| run(bp, &x, &layer, &dout, prefill));
    case.grade(learner, run(&SOLUTIONS, &x, &layer, &dout, prefill), vec![])
}

pub fn batchnorm_3d(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
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

    fn run(
        bp: &BackpropTable,
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
        (bp.batchnorm_backward_3d)(&mut dx, &mut grads, dout, &cache, layer);
        vec![
            dx.into_dyn(),
            grads.dgain.into_dyn(),
            grads.dbias.into_dyn(),
        ]
    }
    let case = LayerCase {
        id,
        vars: batchnorm_vars(&layer, dyn_(&x), dyn_(&dout), |bn, x| {
            let (out, _) = bn.forward_train_3d(&ix3(x)).expect("a batch of 4 × 3");
            out.into_dyn()
        }),
        prefill: vec![dyn_(&dx0), dyn_(&dgain0), dyn_(&dbias0)],
        seed,
        known: Known::sizes(&[("B·T", n * t)]),
        handed: handed(&[
            ("dx", dx0.shape()),
            ("dgain", dgain0.shape()),
            ("dbias", dbias0.shape()),
            ("dout", dout.shape()),
            (
                "cache.xhat",
                &[x.len() / layer.gain.len(), layer.gain.len()],
            ),
            ("cache.var_inv", layer.gain.shape()),
            ("gain", layer.gain.shape()),
        ]),
    };
    let prefill = (&dx0, &dgain0, &dbias0);
    let learner = attempt(|| run(bp, &x, &layer, &dout, prefill));
    case.grade(learner, run(&SOLUTIONS, &x, &layer, &dout, prefill), vec![])
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
    for (name, mut p) in model.named_params_mut() {
        if name.ends_with(".gamma") || name.ends_with(".beta") || name.ends_with(".bias") {
            let r = randn(p.raw_dim(), rng) * 0.3;
            p += &r;
        }
    }
    let idx = Array2::from_shape_fn((6, 4), |_| rng.random_range(0..5));
    let targets = (0..6).map(|_| rng.random_range(0..5)).collect();
    (model, idx, targets)
}

/// The gradient of the WaveNet's parameter `name` as the learner's
/// Sequential names it: `layers.2.weight` of a Linear is `layers[2] dw`.
pub fn gradient_label<F: crate::float::Float>(model: &WaveNet<F>, name: &str) -> String {
    let mut parts = name.splitn(3, '.');
    let (_, i, attr) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
    let i: usize = i.and_then(|i| i.parse().ok()).unwrap_or(usize::MAX);
    let field = match (model.net.layers.get(i), attr) {
        (Some(Layer::Embedding(_)), _) => "dtable",
        (Some(Layer::Linear(_)), "weight") => "dw",
        (Some(Layer::Linear(_)), _) => "db",
        (Some(Layer::BatchNorm1d(_)), "gamma") => "dgain",
        (Some(Layer::BatchNorm1d(_)), _) => "dbias",
        _ => return name.to_string(),
    };
    format!("layers[{i}] {field}")
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

pub fn sequential(bp: &BackpropTable, id: &str, seed: u64) -> Outcome {
    let (model, idx, targets) = small_wavenet(seed);
    let mut ws = model.workspace(idx.nrows()).expect("shapes fit");
    ws.cache.idx.assign(&idx);
    ws.targets.copy_from_slice(&targets);
    model.forward(&mut ws).expect("shapes fit");
    let last = ws.douts.len() - 1;
    let mut dlogits = ws.douts[last].index_axis_mut(Axis(1), 0);
    (SOLUTIONS.cross_entropy_backward)(&mut dlogits, 1.0, &ws.ce, &targets);
    let rng = &mut ChaCha8Rng::seed_from_u64(seed ^ 0x5e9);
    let mut prefilled = model.zero_grads();
    for (_, mut g) in model.named_grads_mut(&mut prefilled) {
        let r = randn(g.raw_dim(), rng);
        g.assign(&r);
    }
    let prefill: Vec<ArrayD<f64>> = model
        .named_grads(&prefilled)
        .iter()
        .map(|(_, g)| g.to_owned())
        .collect();

    let run = |sequential: &SequentialBackward| {
        let mut grads = prefilled.clone();
        let mut douts = ws.douts.clone();
        sequential(&mut grads, &mut douts);
        model
            .named_grads(&grads)
            .iter()
            .map(|(_, g)| g.to_owned())
            .collect::<Vec<_>>()
    };
    let mut params = model.clone();
    let vars = params
        .named_params_mut()
        .into_iter()
        .enumerate()
        .map(|(k, (name, p))| {
            let name = gradient_label(&model, &name);
            let (model, idx, targets) = (&model, &idx, &targets);
            let loss: Loss = Box::new(move |v: &ArrayD<f64>| {
                let mut m = model.clone();
                m.named_params_mut()[k].1.assign(v);
                wavenet_loss(&m, idx, targets)
            });
            (name, p.to_owned(), loss)
        })
        .collect();
    let case = LayerCase {
        id,
        vars,
        prefill,
        seed,
        known: Known::sizes(&[("n", idx.nrows())]),
        handed: "a WaveNet of 10 layers (vocab 5, block 4, n_embd 3, n_hidden 4), a batch of 6, douts[9] = dlogits (6, 1, 5), the other douts zero; the layers' backward passes are the reference's".into(),
    };
    let learner = attempt(|| run(&|g, d| (bp.sequential_backward)(g, d, &ws.cache, &model.net)));
    let reference = run(&|g, d| (SOLUTIONS.sequential_backward)(g, d, &ws.cache, &model.net));
    case.grade(learner, reference, vec![])
}
